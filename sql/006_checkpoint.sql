-- 006_checkpoint: the signed checkpoint of each posting (SPEC §4
-- checkpoint.dsse.json): the ledger's journal entry count and chain head
-- after the posting, signed with the statement key.  Kept so that running
-- the same inputs again writes byte-identical files, and so that a
-- checkpoint someone kept can be matched with the one the ledger holds.

CREATE TABLE ledgerline.posting_checkpoint (
    posting_id  bigint PRIMARY KEY REFERENCES ledgerline.posting,
    sha256      text   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    envelope    text   NOT NULL
);

CREATE TRIGGER posting_checkpoint_append_only BEFORE UPDATE OR DELETE ON ledgerline.posting_checkpoint
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER posting_checkpoint_no_truncate BEFORE TRUNCATE ON ledgerline.posting_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();

-- default privileges from 003 grant ledgerline_app SELECT and INSERT on
-- this table; spelled out for databases migrated by another owner
GRANT SELECT, INSERT ON ledgerline.posting_checkpoint TO ledgerline_app;
