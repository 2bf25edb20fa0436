-- 002_runs: what a run computed (SPEC §3, §4), kept for the ledger to post
-- from and for statements, reports and audits to read.  A run is stored in
-- one transaction with everything it computed, or not at all.  Like the
-- registries, these tables are append-only.

CREATE TABLE ledgerline.run (
    run_id           text        PRIMARY KEY CHECK (run_id ~ '^run-[0-9a-f]{32}$'),
    licensee         text        NOT NULL,
    period_label     text        NOT NULL,
    period_first     date        NOT NULL,
    period_last      date        NOT NULL CHECK (period_last >= period_first),
    registry_sha256  text        NOT NULL CHECK (registry_sha256 ~ '^[0-9a-f]{64}$'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    run_json         jsonb       NOT NULL,
    compliance       jsonb       NOT NULL
);

CREATE TABLE ledgerline.run_input (
    run_id   text    NOT NULL REFERENCES ledgerline.run,
    ordinal  integer NOT NULL CHECK (ordinal >= 0),
    kind     text    NOT NULL CHECK (kind IN ('manifest', 'log')),
    source   text    NOT NULL,
    sha256   text    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes    bigint  NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (run_id, ordinal)
);

CREATE TABLE ledgerline.run_licence (
    run_id        text   NOT NULL REFERENCES ledgerline.run,
    licence       text   NOT NULL,
    licensor      text   NOT NULL,
    currency      text   NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    exact         text   NOT NULL CHECK (exact ~ '^[0-9]+(/[0-9]+)?$'),
    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (run_id, licence)
);

CREATE TABLE ledgerline.run_party (
    run_id        text   NOT NULL,
    licence       text   NOT NULL,
    party         text   NOT NULL,
    exact         text   NOT NULL CHECK (exact ~ '^[0-9]+(/[0-9]+)?$'),
    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (run_id, licence, party),
    FOREIGN KEY (run_id, licence) REFERENCES ledgerline.run_licence
);

CREATE TABLE ledgerline.run_line (
    run_id        text   NOT NULL,
    licence       text   NOT NULL,
    party         text   NOT NULL,
    work          text,
    component     text   NOT NULL CHECK (component IN
                         ('training', 'usage', 'minimum_guarantee', 'unallocated')),
    side          text   CHECK (side IN ('master', 'publishing')),
    exact         text   NOT NULL CHECK (exact ~ '^[0-9]+(/[0-9]+)?$'),
    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
    FOREIGN KEY (run_id, licence, party) REFERENCES ledgerline.run_party
);
CREATE UNIQUE INDEX run_line_key ON ledgerline.run_line
    (run_id, licence, party, coalesce(work, ''), component, coalesce(side, ''));

CREATE TABLE ledgerline.run_payout (
    run_id         text   NOT NULL REFERENCES ledgerline.run,
    payee          text   NOT NULL,
    currency       text   NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor   bigint NOT NULL CHECK (amount_minor >= 0),
    end_to_end_id  text   NOT NULL,
    PRIMARY KEY (run_id, payee, currency)
);

-- Σ party totals = licence total, Σ lines = party total: checked by the
-- database when the run's transaction commits.
CREATE FUNCTION ledgerline.run_sums_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT l.licence, l.amount_minor, coalesce(sum(p.amount_minor), 0) AS parties
      INTO bad
      FROM ledgerline.run_licence l
      LEFT JOIN ledgerline.run_party p USING (run_id, licence)
     WHERE l.run_id = NEW.run_id
     GROUP BY l.licence, l.amount_minor
    HAVING l.amount_minor <> coalesce(sum(p.amount_minor), 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'run %: licence % total % <> sum of parties %',
            NEW.run_id, bad.licence, bad.amount_minor, bad.parties;
    END IF;
    SELECT p.licence, p.party, p.amount_minor, coalesce(sum(x.amount_minor), 0) AS lines
      INTO bad
      FROM ledgerline.run_party p
      LEFT JOIN ledgerline.run_line x USING (run_id, licence, party)
     WHERE p.run_id = NEW.run_id
     GROUP BY p.licence, p.party, p.amount_minor
    HAVING p.amount_minor <> coalesce(sum(x.amount_minor), 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'run %: party % under % total % <> sum of lines %',
            NEW.run_id, bad.party, bad.licence, bad.amount_minor, bad.lines;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER run_sums AFTER INSERT ON ledgerline.run
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledgerline.run_sums_check();

CREATE TRIGGER run_append_only BEFORE UPDATE OR DELETE ON ledgerline.run
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_no_truncate BEFORE TRUNCATE ON ledgerline.run
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_input_append_only BEFORE UPDATE OR DELETE ON ledgerline.run_input
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_input_no_truncate BEFORE TRUNCATE ON ledgerline.run_input
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_licence_append_only BEFORE UPDATE OR DELETE ON ledgerline.run_licence
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_licence_no_truncate BEFORE TRUNCATE ON ledgerline.run_licence
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_party_append_only BEFORE UPDATE OR DELETE ON ledgerline.run_party
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_party_no_truncate BEFORE TRUNCATE ON ledgerline.run_party
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_line_append_only BEFORE UPDATE OR DELETE ON ledgerline.run_line
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_line_no_truncate BEFORE TRUNCATE ON ledgerline.run_line
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_payout_append_only BEFORE UPDATE OR DELETE ON ledgerline.run_payout
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER run_payout_no_truncate BEFORE TRUNCATE ON ledgerline.run_payout
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
