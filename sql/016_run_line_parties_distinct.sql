-- 016_run_line_parties_distinct: the check of 014 reads each party of
-- the inserted lines once, not each line.
--
-- 014 checks that every inserted run line has its party total with one
-- anti-join of the statement's rows against run_party.  The rows of a
-- transition table have no statistics, and PostgreSQL chose a nested
-- loop: one index probe per line, about 86,000 for a 10,000-work
-- catalogue, a quarter of a second inside the lines' COPY.  The lines of
-- a party are many and its total is one, so the check now gathers the
-- distinct (run, licence, party) of the new lines first (a hash
-- aggregate) and probes run_party once for each.  The rule and its error
-- are unchanged.
CREATE OR REPLACE FUNCTION ledgerline.run_line_parties_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.run_id, n.licence, n.party INTO bad
      FROM (SELECT DISTINCT run_id, licence, party FROM new_lines) n
     WHERE NOT EXISTS (SELECT 1 FROM ledgerline.run_party p
                        WHERE p.run_id = n.run_id AND p.licence = n.licence
                          AND p.party = n.party)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'run %: a line of party % under licence % has no party total',
            bad.run_id, bad.party, bad.licence USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
