-- 013_balance_check_once: check each journal entry's balance once per
-- transaction, not once per line.
--
-- 003 checks an entry when the transaction commits from two deferred
-- triggers: one per entry and one per line, each summing every line of
-- the entry.  An entry of n lines was summed n + 1 times (n² rows read:
-- a licence's posting entry has a line per party, so a run over a
-- catalogue of 1000 parties read millions of rows at commit).  Since 005
-- a line can only join an entry in the transaction that created the
-- entry, and that entry's own deferred trigger then checks it with all
-- its lines; so a line's trigger has nothing to add when its entry was
-- created by the current transaction and that trigger is enabled, and
-- checks the entry as before otherwise.
CREATE OR REPLACE FUNCTION ledgerline.entry_balance_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
    e bigint;
BEGIN
    e := NEW.entry_id;
    IF TG_TABLE_NAME = 'journal_line' AND EXISTS (
           SELECT 1 FROM ledgerline.journal_entry
            WHERE entry_id = e AND xmin = pg_current_xact_id()::xid)
       AND EXISTS (
           SELECT 1 FROM pg_catalog.pg_trigger
            WHERE tgrelid = 'ledgerline.journal_entry'::regclass
              AND tgname = 'journal_entry_balanced' AND tgenabled <> 'D') THEN
        RETURN NULL;    -- journal_entry_balanced checks this entry
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ledgerline.journal_line WHERE entry_id = e) THEN
        RAISE EXCEPTION 'journal entry % has no lines', e
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency, sum(amount_minor) AS total INTO bad
      FROM ledgerline.journal_line WHERE entry_id = e
     GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: % % off', e, bad.total, bad.currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
