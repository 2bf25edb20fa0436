-- 007_payments: payments as journal entries (SPEC §5 "Balances and
-- payments").
--
-- A party's open balance with a licensee, per currency, is the sum of the
-- lines on that party's receivable accounts (party_receivable and
-- unallocated_receivable) in the journal entries of that licensee's
-- postings: postings add what it earned, reversals take a superseded
-- posting's figures back, payments take what was paid out, and returns
-- of payments put it back.  A payment is an entry of kind 'payment' in the
-- posting that made it: a debit of the licensee's payable by the amount
-- and, for each party it settles, a line of minus that party's open
-- balance on its party_receivable, so that the party's open balance
-- becomes zero (a party netted negative within its payee's payment gets a
-- positive line).  A returned payment is an entry of kind
-- 'payment_return' that exactly negates the payment entry, in the same
-- posting, written by a later transaction.

ALTER TABLE ledgerline.journal_entry DROP CONSTRAINT journal_entry_kind_check;
ALTER TABLE ledgerline.journal_entry ADD CONSTRAINT journal_entry_kind_check
    CHECK (kind IN ('posting', 'reversal', 'payment', 'payment_return'));
ALTER TABLE ledgerline.journal_entry DROP CONSTRAINT journal_entry_check;
ALTER TABLE ledgerline.journal_entry ADD CONSTRAINT journal_entry_check
    CHECK ((kind IN ('reversal', 'payment_return')) = (reverses IS NOT NULL));

-- One payment of a posting: a payee, a currency, a positive amount, the
-- end-to-end id its transfer carries.
CREATE TABLE ledgerline.payment (
    posting_id     bigint NOT NULL REFERENCES ledgerline.posting,
    payee          text   NOT NULL,
    currency       text   NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    end_to_end_id  text   NOT NULL UNIQUE CHECK (end_to_end_id ~ '^LL[0-9a-f]{32}$'),
    entry_id       bigint NOT NULL UNIQUE REFERENCES ledgerline.journal_entry,
    PRIMARY KEY (posting_id, payee, currency)
);

-- What a payment settles: each party's open balance (may be negative for
-- a party netted within its payee's payment).  Σ = the payment's amount.
CREATE TABLE ledgerline.payment_party (
    end_to_end_id  text   NOT NULL REFERENCES ledgerline.payment (end_to_end_id),
    party          text   NOT NULL,
    amount_minor   bigint NOT NULL CHECK (amount_minor <> 0),
    PRIMARY KEY (end_to_end_id, party)
);

-- A payment the bank returned, and the entry that reversed it.
CREATE TABLE ledgerline.payment_return (
    end_to_end_id  text        PRIMARY KEY REFERENCES ledgerline.payment (end_to_end_id),
    entry_id       bigint      NOT NULL UNIQUE REFERENCES ledgerline.journal_entry,
    returned_at    timestamptz NOT NULL DEFAULT now()
);

-- The earnings of each payee in a run, as before; the payments of a
-- posting are in ledgerline.payment, so a new run's row names no
-- end-to-end id.
ALTER TABLE ledgerline.run_payout ALTER COLUMN end_to_end_id DROP NOT NULL;

-- A payment's rows agree with its entry, and a return's entry negates
-- the payment's: checked when the transaction commits.
CREATE FUNCTION ledgerline.payment_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    e ledgerline.journal_entry%ROWTYPE;
    bad text;
BEGIN
    SELECT * INTO e FROM ledgerline.journal_entry WHERE entry_id = NEW.entry_id;
    IF TG_TABLE_NAME = 'payment' THEN
        IF e.kind <> 'payment' OR e.posting_id <> NEW.posting_id THEN
            RAISE EXCEPTION 'payment %: entry % is not a payment entry of posting %',
                NEW.end_to_end_id, NEW.entry_id, NEW.posting_id USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.amount_minor <> (SELECT coalesce(sum(amount_minor), 0) FROM ledgerline.payment_party
                                 WHERE end_to_end_id = NEW.end_to_end_id)
           OR NEW.amount_minor <> (SELECT coalesce(sum(l.amount_minor), 0) FROM ledgerline.journal_line l
                                    JOIN ledgerline.account a USING (account_id)
                                   WHERE l.entry_id = e.entry_id AND a.kind = 'licensee_payable'
                                     AND a.currency = NEW.currency) THEN
            RAISE EXCEPTION 'payment %: its amount is not what its parties and its entry say',
                NEW.end_to_end_id USING ERRCODE = 'check_violation';
        END IF;
        SELECT x.party INTO bad FROM ledgerline.payment_party x
         WHERE x.end_to_end_id = NEW.end_to_end_id
           AND -x.amount_minor <> (SELECT coalesce(sum(l.amount_minor), 0) FROM ledgerline.journal_line l
                                    JOIN ledgerline.account a USING (account_id)
                                   WHERE l.entry_id = e.entry_id AND a.party = x.party
                                     AND a.kind = 'party_receivable')
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'payment %: party % is not settled by its entry', NEW.end_to_end_id, bad
                USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        IF e.kind <> 'payment_return' OR e.reverses IS DISTINCT FROM
               (SELECT entry_id FROM ledgerline.payment WHERE end_to_end_id = NEW.end_to_end_id) THEN
            RAISE EXCEPTION 'return of %: entry % does not reverse the payment''s entry',
                NEW.end_to_end_id, NEW.entry_id USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER payment_consistent AFTER INSERT ON ledgerline.payment
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledgerline.payment_check();
CREATE CONSTRAINT TRIGGER payment_return_consistent AFTER INSERT ON ledgerline.payment_return
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledgerline.payment_check();

-- Every payment entry has its payment row, every return entry its
-- return row (so neither can be appended alone).
CREATE FUNCTION ledgerline.payment_entry_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'payment' AND NOT EXISTS
           (SELECT 1 FROM ledgerline.payment WHERE entry_id = NEW.entry_id) THEN
        RAISE EXCEPTION 'journal entry % is a payment with no payment row', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind = 'payment_return' AND NOT EXISTS
           (SELECT 1 FROM ledgerline.payment_return WHERE entry_id = NEW.entry_id) THEN
        RAISE EXCEPTION 'journal entry % returns a payment with no return row', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER journal_entry_payment AFTER INSERT ON ledgerline.journal_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledgerline.payment_entry_check();

-- Entries join a posting only in the transaction that created it, except
-- the return of one of its payments, which comes later by nature: it
-- must reverse a payment entry of that same posting.
CREATE OR REPLACE FUNCTION ledgerline.append_in_creating_transaction() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    creator xid;
BEGIN
    IF TG_TABLE_NAME = 'journal_entry' THEN
        IF NEW.kind = 'payment_return' AND EXISTS
               (SELECT 1 FROM ledgerline.journal_entry p
                 WHERE p.entry_id = NEW.reverses AND p.kind = 'payment'
                   AND p.posting_id = NEW.posting_id) THEN
            RETURN NEW;
        END IF;
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

CREATE TRIGGER payment_append_only BEFORE UPDATE OR DELETE ON ledgerline.payment
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER payment_no_truncate BEFORE TRUNCATE ON ledgerline.payment
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER payment_party_append_only BEFORE UPDATE OR DELETE ON ledgerline.payment_party
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER payment_party_no_truncate BEFORE TRUNCATE ON ledgerline.payment_party
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER payment_return_append_only BEFORE UPDATE OR DELETE ON ledgerline.payment_return
    FOR EACH ROW EXECUTE FUNCTION ledgerline.refuse_change();
CREATE TRIGGER payment_return_no_truncate BEFORE TRUNCATE ON ledgerline.payment_return
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerline.refuse_change();

-- default privileges from 003 grant ledgerline_app SELECT and INSERT on
-- these tables; spelled out for databases migrated by another owner
GRANT SELECT, INSERT ON ledgerline.payment, ledgerline.payment_party,
    ledgerline.payment_return TO ledgerline_app;
