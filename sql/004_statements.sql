-- 004_statements: the signed statements of each posting (SPEC §4), kept
-- so that running the same inputs again writes byte-identical files even
-- after the signing key or the ledger's history moved on.

CREATE TABLE ledgerline.posting_statement (
    posting_id  bigint NOT NULL REFERENCES ledgerline.posting,
    party       text   NOT NULL,
    sha256      text   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    envelope    text   NOT NULL,
    PRIMARY KEY (posting_id, party)
);

CREATE TABLE ledgerline.posting_root (
    posting_id   bigint PRIMARY KEY REFERENCES ledgerline.posting,
    merkle_root  text   NOT NULL CHECK (merkle_root ~ '^[0-9a-f]{64}$'),
    key_id       text   NOT NULL CHECK (key_id ~ '^[0-9a-f]{64}$')
);

CREATE TRIGGER posting_statement_append_only BEFORE UPDATE OR DELETE ON ledgerline.posting_statement
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER posting_statement_no_truncate BEFORE TRUNCATE ON ledgerline.posting_statement
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER posting_root_append_only BEFORE UPDATE OR DELETE ON ledgerline.posting_root
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER posting_root_no_truncate BEFORE TRUNCATE ON ledgerline.posting_root
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();

-- default privileges from 003 grant ledgerline_app SELECT and INSERT on
-- these tables; spelled out for databases migrated by another owner
GRANT SELECT, INSERT ON ledgerline.posting_statement, ledgerline.posting_root TO ledgerline_app;
