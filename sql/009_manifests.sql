-- 009_manifests: what `disclose` reads (SPEC §6): each manifest a run
-- judged, and the judgement of each of its items at trained_at, stored
-- with the run (once per run id, in the run's transaction).  A training
-- run (model, training_run) judged again by a later run is stored again
-- under that run; disclose reads the judgement of the run posted last.
-- Append-only, like the other tables of a run.

CREATE TABLE ledgerline.run_manifest (
    run_id         text    NOT NULL REFERENCES ledgerline.run,
    ordinal        integer NOT NULL CHECK (ordinal >= 0),
    model          text    NOT NULL,
    training_run   text    NOT NULL,
    licensee       text    NOT NULL,
    trained_at     text    NOT NULL,
    trained_at_us  bigint  NOT NULL,
    sha256         text    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    n_items        integer NOT NULL CHECK (n_items >= 0),
    PRIMARY KEY (run_id, ordinal)
);
CREATE INDEX run_manifest_model ON ledgerline.run_manifest (model);

CREATE TABLE ledgerline.run_manifest_item (
    run_id       text    NOT NULL,
    ordinal      integer NOT NULL,
    item         integer NOT NULL CHECK (item >= 0),
    ref_kind     text    NOT NULL CHECK (ref_kind IN ('work', 'isrc')),
    ref          text    NOT NULL,
    work         text,
    duration_ms  bigint  NOT NULL CHECK (duration_ms >= 0),
    judgement    text    NOT NULL CHECK (judgement IN ('eligible',
                         'unknown_work', 'hash_mismatch', 'no_licence',
                         'no_consent', 'opted_out')),
    licence      text,
    licensor     text,
    holders      text,
    PRIMARY KEY (run_id, ordinal, item),
    FOREIGN KEY (run_id, ordinal) REFERENCES ledgerline.run_manifest,
    CHECK ((judgement = 'eligible') = (licence IS NOT NULL AND
                                       licensor IS NOT NULL AND
                                       holders IS NOT NULL AND
                                       work IS NOT NULL)),
    CHECK (judgement <> 'unknown_work' OR work IS NULL)
);

CREATE TRIGGER run_manifest_append_only BEFORE UPDATE OR DELETE ON ledgerline.run_manifest
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_manifest_no_truncate BEFORE TRUNCATE ON ledgerline.run_manifest
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_manifest_item_append_only BEFORE UPDATE OR DELETE ON ledgerline.run_manifest_item
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_manifest_item_no_truncate BEFORE TRUNCATE ON ledgerline.run_manifest_item
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();

-- default privileges from 003 grant ledgerline_app SELECT and INSERT on
-- these tables; spelled out for databases migrated by another owner
GRANT SELECT, INSERT ON ledgerline.run_manifest, ledgerline.run_manifest_item TO ledgerline_app;
