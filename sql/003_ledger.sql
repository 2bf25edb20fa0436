-- 003_ledger: the double-entry ledger of SPEC §5.
--
-- A run is posted as a "posting": one journal entry per licence, whose lines
-- credit the licensee's payable account and debit each party's receivable
-- (the licensor's unallocated receivable for unallocated fees), in integer
-- minor units; every entry sums to zero per currency.  Restating a period
-- is a new posting that supersedes the current one: a reversal entry for
-- each of the superseded posting's entries, then the new figures.  Nothing
-- is ever updated or deleted, and the application role owns nothing.
--
-- Each journal entry carries a SHA-256 hash over its content and the
-- previous entry's hash; "ledgerline audit" recomputes the chain.

-- The role ledgerline connects as for everything but schema changes.  It
-- can read and append, never update, delete, truncate or alter.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledgerline_app') THEN
        CREATE ROLE ledgerline_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
            NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

CREATE TABLE ledgerline.account (
    account_id  bigserial PRIMARY KEY,
    party       text NOT NULL CHECK (party ~ '^[A-Za-z0-9._:-]{1,64}$'),
    kind        text NOT NULL CHECK (kind IN
                ('licensee_payable', 'party_receivable', 'unallocated_receivable')),
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    UNIQUE (party, kind, currency),
    UNIQUE (account_id, currency)
);

CREATE TABLE ledgerline.posting (
    posting_id    bigserial   PRIMARY KEY,
    run_id        text        NOT NULL REFERENCES ledgerline.run,
    licensee      text        NOT NULL,
    period_first  date        NOT NULL,
    period_last   date        NOT NULL,
    supersedes    bigint      UNIQUE REFERENCES ledgerline.posting,
    posted_at     timestamptz NOT NULL DEFAULT now(),
    run_json      jsonb       NOT NULL,
    run_json_text text        NOT NULL
);
-- at most one posting per period that nothing supersedes yet is enforced
-- by the writer lock and checked by audit

CREATE TABLE ledgerline.journal_entry (
    entry_id    bigint      PRIMARY KEY,
    posting_id  bigint      NOT NULL REFERENCES ledgerline.posting,
    kind        text        NOT NULL CHECK (kind IN ('posting', 'reversal')),
    reverses    bigint      UNIQUE REFERENCES ledgerline.journal_entry,
    run_id      text        NOT NULL,
    licence     text        NOT NULL,
    prev_hash   text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash        text        NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'reversal') = (reverses IS NOT NULL))
);
CREATE SEQUENCE ledgerline.journal_entry_seq OWNED BY ledgerline.journal_entry.entry_id;

CREATE TABLE ledgerline.journal_line (
    entry_id      bigint NOT NULL REFERENCES ledgerline.journal_entry,
    line_no       integer NOT NULL CHECK (line_no >= 1),
    account_id    bigint NOT NULL,
    party         text   NOT NULL,
    currency      text   NOT NULL,
    amount_minor  bigint NOT NULL CHECK (amount_minor <> 0),
    PRIMARY KEY (entry_id, line_no),
    FOREIGN KEY (account_id, currency) REFERENCES ledgerline.account (account_id, currency)
);
CREATE INDEX journal_line_account ON ledgerline.journal_line (account_id);

-- Every entry balances per currency and has lines: checked when the
-- transaction commits, whatever wrote the rows.
CREATE FUNCTION ledgerline.entry_balance_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
    e bigint;
BEGIN
    e := CASE TG_TABLE_NAME WHEN 'journal_entry' THEN NEW.entry_id ELSE NEW.entry_id END;
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

CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON ledgerline.journal_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledgerline.entry_balance_check();
CREATE CONSTRAINT TRIGGER journal_line_balanced AFTER INSERT ON ledgerline.journal_line
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledgerline.entry_balance_check();

CREATE TRIGGER account_append_only BEFORE UPDATE OR DELETE ON ledgerline.account
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER account_no_truncate BEFORE TRUNCATE ON ledgerline.account
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER posting_append_only BEFORE UPDATE OR DELETE ON ledgerline.posting
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER posting_no_truncate BEFORE TRUNCATE ON ledgerline.posting
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE ON ledgerline.journal_entry
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER journal_entry_no_truncate BEFORE TRUNCATE ON ledgerline.journal_entry
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER journal_line_append_only BEFORE UPDATE OR DELETE ON ledgerline.journal_line
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER journal_line_no_truncate BEFORE TRUNCATE ON ledgerline.journal_line
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();

-- Balances per account and currency.
CREATE VIEW ledgerline.balance AS
SELECT a.party, a.kind, a.currency, coalesce(sum(l.amount_minor), 0)::bigint AS amount_minor
  FROM ledgerline.account a
  LEFT JOIN ledgerline.journal_line l USING (account_id)
 GROUP BY a.party, a.kind, a.currency;

-- Privileges: the application role reads and appends; it owns nothing, so
-- it can neither alter the tables nor disable their triggers.
GRANT USAGE ON SCHEMA ledgerline TO ledgerline_app;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ledgerline TO ledgerline_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ledgerline TO ledgerline_app;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ledgerline FROM ledgerline_app;
REVOKE INSERT ON ledgerline.schema_migration FROM ledgerline_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA ledgerline GRANT SELECT, INSERT ON TABLES TO ledgerline_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA ledgerline GRANT USAGE, SELECT ON SEQUENCES TO ledgerline_app;
REVOKE CREATE ON SCHEMA ledgerline FROM PUBLIC;
