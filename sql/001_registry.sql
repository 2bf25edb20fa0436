-- 001_registry: the versioned registries of SPEC §2.1.
--
-- Every loaded record is kept forever: a changed record for an existing id
-- is a new row with the next version; the version in force is the highest.
-- Rows are never updated or deleted (enforced below, not only in C).

CREATE TABLE ledgerline.load (
    load_id    bigserial   PRIMARY KEY,
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    files      jsonb       NOT NULL CHECK (jsonb_typeof(files) = 'array')
);

CREATE TABLE ledgerline.registry_record (
    kind     text    NOT NULL CHECK (kind IN ('party', 'work', 'consent', 'licence')),
    id       text    NOT NULL CHECK (id ~ '^[A-Za-z0-9._:-]{1,64}$'),
    version  integer NOT NULL CHECK (version >= 1),
    sha256   text    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    body     jsonb   NOT NULL CHECK (jsonb_typeof(body) = 'object' AND body->>'id' = id),
    load_id  bigint  NOT NULL REFERENCES ledgerline.load,
    PRIMARY KEY (kind, id, version)
);

-- Versions are dense: version n > 1 needs version n - 1 of the same record.
CREATE FUNCTION ledgerline.registry_version_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version > 1 AND NOT EXISTS (
        SELECT 1 FROM ledgerline.registry_record
         WHERE kind = NEW.kind AND id = NEW.id AND version = NEW.version - 1)
    THEN
        RAISE EXCEPTION 'registry record % % version % has no predecessor',
            NEW.kind, NEW.id, NEW.version;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER registry_record_version BEFORE INSERT ON ledgerline.registry_record
    FOR EACH ROW EXECUTE FUNCTION ledgerline.registry_version_check();

-- Append-only: refuse UPDATE, DELETE and TRUNCATE on history tables.
CREATE FUNCTION ledgerline.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table %.% is append-only: % refused',
        TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER load_append_only BEFORE UPDATE OR DELETE ON ledgerline.load
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER load_no_truncate BEFORE TRUNCATE ON ledgerline.load
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER registry_record_append_only BEFORE UPDATE OR DELETE ON ledgerline.registry_record
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER registry_record_no_truncate BEFORE TRUNCATE ON ledgerline.registry_record
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();

-- The version in force of every record.
CREATE VIEW ledgerline.registry_current AS
SELECT DISTINCT ON (kind, id) kind, id, version, sha256, body, load_id
  FROM ledgerline.registry_record
 ORDER BY kind, id, version DESC;
