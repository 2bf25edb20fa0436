-- 005_posting_integrity: a posting must be what ledgerline would have
-- written, whoever inserts it.  Checked when the transaction commits:
--   * its forward entries belong to its run and post exactly the run's
--     non-zero licence totals (licensee payable = -total);
--   * a posting that supersedes another reverses every forward entry of
--     it, and only those, and both are for the same licensee and period;
--   * a posting that supersedes nothing is the first of its period.
-- Without this, the application role could append a posting with no
-- entries that claims a run is in force while the balances say otherwise.

CREATE FUNCTION ledgerline.posting_structure_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p ledgerline.posting%ROWTYPE;
    s ledgerline.posting%ROWTYPE;
    bad text;
BEGIN
    SELECT * INTO p FROM ledgerline.posting WHERE posting_id = NEW.posting_id;

    SELECT e.entry_id::text INTO bad FROM ledgerline.journal_entry e
     WHERE e.posting_id = p.posting_id AND e.kind = 'posting' AND e.run_id <> p.run_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting %: entry % is for another run', p.posting_id, bad
            USING ERRCODE = 'check_violation';
    END IF;

    -- every non-zero licence of the run posted once, with its total
    SELECT r.licence INTO bad FROM ledgerline.run_licence r
     WHERE r.run_id = p.run_id AND r.amount_minor <> 0
       AND 1 <> (SELECT count(*) FROM ledgerline.journal_entry e
                  WHERE e.posting_id = p.posting_id AND e.kind = 'posting'
                    AND e.licence = r.licence
                    AND -r.amount_minor = (SELECT coalesce(sum(l.amount_minor), 0)
                          FROM ledgerline.journal_line l
                          JOIN ledgerline.account a USING (account_id)
                         WHERE l.entry_id = e.entry_id AND a.kind = 'licensee_payable'))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting %: licence % of run % is not posted with its total',
            p.posting_id, bad, p.run_id USING ERRCODE = 'check_violation';
    END IF;
    SELECT e.licence INTO bad FROM ledgerline.journal_entry e
     WHERE e.posting_id = p.posting_id AND e.kind = 'posting'
       AND NOT EXISTS (SELECT 1 FROM ledgerline.run_licence r
                        WHERE r.run_id = p.run_id AND r.licence = e.licence
                          AND r.amount_minor <> 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting %: entry for licence % is not in run %',
            p.posting_id, bad, p.run_id USING ERRCODE = 'check_violation';
    END IF;

    IF p.supersedes IS NULL THEN
        IF EXISTS (SELECT 1 FROM ledgerline.posting q
                    WHERE q.posting_id <> p.posting_id AND q.licensee = p.licensee
                      AND q.period_first = p.period_first AND q.period_last = p.period_last) THEN
            RAISE EXCEPTION 'posting %: the period already has a posting; a new one must supersede it',
                p.posting_id USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM ledgerline.journal_entry e
                    WHERE e.posting_id = p.posting_id AND e.kind = 'reversal') THEN
            RAISE EXCEPTION 'posting % reverses entries but supersedes nothing', p.posting_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END IF;

    SELECT * INTO s FROM ledgerline.posting WHERE posting_id = p.supersedes;
    IF s.licensee <> p.licensee OR s.period_first <> p.period_first
       OR s.period_last <> p.period_last THEN
        RAISE EXCEPTION 'posting % supersedes posting % of another licensee or period',
            p.posting_id, s.posting_id USING ERRCODE = 'check_violation';
    END IF;
    -- each forward entry of the superseded posting reversed exactly once
    -- here, and nothing else reversed
    SELECT e.entry_id::text INTO bad FROM ledgerline.journal_entry e
     WHERE e.posting_id = s.posting_id AND e.kind = 'posting'
       AND 1 <> (SELECT count(*) FROM ledgerline.journal_entry r
                  WHERE r.posting_id = p.posting_id AND r.reverses = e.entry_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting % does not reverse entry % of the posting it supersedes',
            p.posting_id, bad USING ERRCODE = 'check_violation';
    END IF;
    SELECT r.entry_id::text INTO bad FROM ledgerline.journal_entry r
      JOIN ledgerline.journal_entry e ON e.entry_id = r.reverses
     WHERE r.posting_id = p.posting_id AND r.kind = 'reversal'
       AND (e.posting_id <> s.posting_id OR e.kind <> 'posting')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting %: reversal % reverses an entry outside the superseded posting',
            p.posting_id, bad USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER posting_structure AFTER INSERT ON ledgerline.posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledgerline.posting_structure_check();

-- Entries join a posting, and lines an entry, only in the transaction
-- that created the posting or entry: nothing can be added to history later.
CREATE FUNCTION ledgerline.append_in_creating_transaction() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    creator xid;
BEGIN
    IF TG_TABLE_NAME = 'journal_entry' THEN
        SELECT xmin INTO creator FROM ledgerline.posting WHERE posting_id = NEW.posting_id;
    ELSE
        SELECT xmin INTO creator FROM ledgerline.journal_entry WHERE entry_id = NEW.entry_id;
    END IF;
    IF creator IS DISTINCT FROM pg_current_xact_id()::xid THEN
        RAISE EXCEPTION '% row added to history made by an earlier transaction', TG_TABLE_NAME
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER journal_entry_same_transaction BEFORE INSERT ON ledgerline.journal_entry
    FOR EACH ROW EXECUTE FUNCTION ledgerline.append_in_creating_transaction();
CREATE TRIGGER journal_line_same_transaction BEFORE INSERT ON ledgerline.journal_line
    FOR EACH ROW EXECUTE FUNCTION ledgerline.append_in_creating_transaction();
