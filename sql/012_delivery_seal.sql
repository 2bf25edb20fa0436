-- 012_delivery_seal: every delivery outcome signed.  A delivery's
-- outcome is what `deliver` decided from the endpoint's answer; the
-- outbox's checks (`ledgerline audit`) can find outcomes that contradict
-- their HTTP status, but not an outcome rewritten together with its
-- status.  So deliver signs each outcome row, with the attempt it ends
-- (ll_delivery_seal_text), using the statement signing key: seal is the
-- base64 Ed25519 signature, seal_key_id the key's id (hex SHA-256 of the
-- raw public key).  Outcomes recorded before this migration have none;
-- the audit requires one of every outcome recorded after it.

ALTER TABLE ledgerline.delivery_outcome
    ADD COLUMN seal text CHECK (seal ~ '^[A-Za-z0-9+/]{86}==$'),
    ADD COLUMN seal_key_id text CHECK (seal_key_id ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT delivery_outcome_sealed_whole
        CHECK ((seal IS NULL) = (seal_key_id IS NULL));
