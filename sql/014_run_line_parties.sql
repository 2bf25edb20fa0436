-- 014_run_line_parties: a run's lines checked against its party totals
-- once per statement, not once per line.
--
-- 002 made (run_id, licence, party) of run_line a foreign key into
-- run_party, which PostgreSQL checks with one query per inserted row: a
-- run over a 10,000-work catalogue stores about 86,000 lines, and the
-- per-row checks were two thirds of the time of their COPY.  The same
-- rule is now checked by a statement trigger over the rows the statement
-- inserted (one anti-join), at the same moment a foreign key is checked:
-- the end of the inserting statement.  The other half of a foreign key,
-- that a referenced row cannot go away, was already the database's: a
-- party total can be neither updated, deleted nor truncated
-- (run_party_append_only, run_party_no_truncate).
ALTER TABLE ledgerline.run_line DROP CONSTRAINT run_line_run_id_licence_party_fkey;

CREATE FUNCTION ledgerline.run_line_parties_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.run_id, n.licence, n.party INTO bad FROM new_lines n
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

CREATE TRIGGER run_line_parties AFTER INSERT ON ledgerline.run_line
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.run_line_parties_check();
