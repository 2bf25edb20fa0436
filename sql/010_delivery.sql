-- 010_delivery: the outbox of `ledgerline deliver` (SPEC §6): every
-- statement queued for its party's webhook and every attempt to POST it.
--
-- Nothing here is ever updated: a statement's delivery state is derived
-- from its attempts.  An attempt is two rows, written in two committed
-- steps: delivery_attempt before the request is sent (which URL, whose
-- webhook in which registry version, the webhook-timestamp it carries),
-- delivery_outcome after the response (status or transport error,
-- Retry-After, the next attempt's time, the outcome).  An attempt with no
-- outcome is in doubt (deliver was killed while it was under way): it is
-- sent again with the same webhook-id, which receivers deduplicate on.
-- A 'delivered' outcome is final: the database allows one per statement.
-- A 'disabled' outcome (HTTP 410) disables its URL for the webhook owner's
-- registry version it was sent under, until that party record is loaded
-- as a new version.

CREATE TABLE ledgerline.delivery (
    webhook_id  text        PRIMARY KEY CHECK (webhook_id ~ '^msg_[0-9a-f]{32}$'),
    posting_id  bigint      NOT NULL,
    party       text        NOT NULL,
    queued_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (posting_id, party),
    FOREIGN KEY (posting_id, party) REFERENCES ledgerline.posting_statement
);

CREATE TABLE ledgerline.delivery_attempt (
    webhook_id         text        NOT NULL REFERENCES ledgerline.delivery,
    attempt            integer     NOT NULL CHECK (attempt >= 1),
    url                text        NOT NULL,
    owner              text        NOT NULL,
    owner_version      integer     NOT NULL CHECK (owner_version >= 1),
    webhook_timestamp  bigint      NOT NULL CHECK (webhook_timestamp > 0),
    started_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (webhook_id, attempt)
);

CREATE TABLE ledgerline.delivery_outcome (
    webhook_id       text        NOT NULL,
    attempt          integer     NOT NULL,
    outcome          text        NOT NULL CHECK (outcome IN
                                 ('delivered', 'retry', 'failed', 'disabled')),
    http_status      integer     CHECK (http_status BETWEEN 100 AND 599),
    error            text,
    retry_after_s    bigint      CHECK (retry_after_s >= 0),
    next_attempt_at  timestamptz,
    finished_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (webhook_id, attempt),
    FOREIGN KEY (webhook_id, attempt) REFERENCES ledgerline.delivery_attempt,
    CHECK ((outcome = 'retry') = (next_attempt_at IS NOT NULL)),
    CHECK (http_status IS NOT NULL OR error IS NOT NULL)
);

-- A statement is acknowledged at most once.
CREATE UNIQUE INDEX delivery_outcome_once ON ledgerline.delivery_outcome (webhook_id)
    WHERE outcome = 'delivered';

-- Attempts are numbered densely, and none starts after the acknowledgement.
CREATE FUNCTION ledgerline.delivery_attempt_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.attempt > 1 AND NOT EXISTS (
        SELECT 1 FROM ledgerline.delivery_attempt
         WHERE webhook_id = NEW.webhook_id AND attempt = NEW.attempt - 1)
    THEN
        RAISE EXCEPTION 'delivery % attempt % has no predecessor', NEW.webhook_id, NEW.attempt
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM ledgerline.delivery_outcome
                WHERE webhook_id = NEW.webhook_id AND outcome = 'delivered')
    THEN
        RAISE EXCEPTION 'delivery % was acknowledged already', NEW.webhook_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER delivery_attempt_dense BEFORE INSERT ON ledgerline.delivery_attempt
    FOR EACH ROW EXECUTE FUNCTION ledgerline.delivery_attempt_check();

CREATE TRIGGER delivery_append_only BEFORE UPDATE OR DELETE ON ledgerline.delivery
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER delivery_no_truncate BEFORE TRUNCATE ON ledgerline.delivery
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER delivery_attempt_append_only BEFORE UPDATE OR DELETE ON ledgerline.delivery_attempt
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER delivery_attempt_no_truncate BEFORE TRUNCATE ON ledgerline.delivery_attempt
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER delivery_outcome_append_only BEFORE UPDATE OR DELETE ON ledgerline.delivery_outcome
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER delivery_outcome_no_truncate BEFORE TRUNCATE ON ledgerline.delivery_outcome
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();

-- The URLs a 410 disabled, for the owner's registry version it applied to.
CREATE VIEW ledgerline.delivery_endpoint_disabled AS
SELECT DISTINCT ON (a.url, a.owner, a.owner_version)
       a.url, a.owner, a.owner_version, o.webhook_id, o.attempt, o.finished_at
  FROM ledgerline.delivery_attempt a
  JOIN ledgerline.delivery_outcome o USING (webhook_id, attempt)
 WHERE o.outcome = 'disabled'
 ORDER BY a.url, a.owner, a.owner_version, o.finished_at;

-- default privileges from 003 grant ledgerline_app SELECT and INSERT on
-- these tables; spelled out for databases migrated by another owner
GRANT SELECT, INSERT ON ledgerline.delivery, ledgerline.delivery_attempt,
    ledgerline.delivery_outcome TO ledgerline_app;
GRANT SELECT ON ledgerline.delivery_endpoint_disabled TO ledgerline_app;
