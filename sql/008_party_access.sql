-- 008_party_access: party logins and row-level security (SPEC §5
-- "Party-scoped access").
--
-- "ledgerline grant --party P" creates a login role with a random name
-- (ledgerline_p_ and 24 hex digits: nothing of the party's id, which
-- pg_roles would show every other login) that is a member of the group
-- ledgerline_party, and records which party it speaks for in
-- ledgerline.party_login.  The group may only SELECT, and only from the
-- tables below, each guarded by a row-level security policy that shows a
-- member its own party's rows and every other role (the application role,
-- any role that is not a party login) all rows as before.  The schema
-- owner bypasses row-level security as the tables' owner (it is not
-- forced), so migrations, init and the audit see everything.
--
-- What a party login sees: its own accounts, journal lines and the
-- entries they belong to, its run lines and totals, its statements, the
-- postings and runs it has a statement in (without their run.json, which
-- names other parties), the payments made to it as payee, its part of any
-- payment that settled it, their returns, its own party record and the
-- works it holds a share in.  Nothing else is granted: not the registry's
-- other records (other parties' names and IBANs), not the views (which
-- run with their owner's rights), not licences, consents, inputs,
-- checkpoints or the audit's tables.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledgerline_party') THEN
        CREATE ROLE ledgerline_party NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
            NOREPLICATION NOBYPASSRLS;
    END IF;
END $$;

-- The application role writes runs with COPY, which PostgreSQL refuses
-- on a table with row-level security for a role that does not bypass it;
-- the application role sees every row anyway (it computes every party's
-- figures), so it bypasses row-level security, and the policies below
-- concern party logins alone.
ALTER ROLE ledgerline_app BYPASSRLS;

-- Which party each login speaks for.  Not history: revoke deletes the row
-- with the role.
CREATE TABLE ledgerline.party_login (
    role_name   text        PRIMARY KEY CHECK (role_name ~ '^ledgerline_p_[0-9a-f]{24}$'),
    party       text        NOT NULL UNIQUE CHECK (party ~ '^[A-Za-z0-9._:-]{1,64}$'),
    granted_at  timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON ledgerline.party_login FROM ledgerline_app;
GRANT SELECT ON ledgerline.party_login TO ledgerline_app;

-- Is the current role a party login (or the group itself)?  Evaluated
-- once per statement where the policies wrap it in a subquery.
CREATE FUNCTION ledgerline.is_party_login() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(current_user, 'ledgerline_party', 'MEMBER')
$$;

-- The party the current login speaks for; NULL for any other role, and
-- for the group role itself (SET ROLE ledgerline_party shows nothing).
CREATE FUNCTION ledgerline.login_party() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT party FROM ledgerline.party_login WHERE role_name = current_user
$$;

ALTER TABLE ledgerline.party_login ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.party_login
    USING ((SELECT NOT ledgerline.is_party_login()) OR role_name = current_user);

ALTER TABLE ledgerline.registry_record ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.registry_record
    USING ((SELECT NOT ledgerline.is_party_login())
           OR (kind = 'party' AND id = (SELECT ledgerline.login_party()))
           OR (kind = 'work' AND jsonb_path_exists(body, '$.splits.*[*].party ? (@ == $p)',
                   jsonb_build_object('p', (SELECT ledgerline.login_party())))));

ALTER TABLE ledgerline.account ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.account
    USING ((SELECT NOT ledgerline.is_party_login())
           OR party = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.journal_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.journal_line
    USING ((SELECT NOT ledgerline.is_party_login())
           OR party = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.journal_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.journal_entry
    USING ((SELECT NOT ledgerline.is_party_login())
           OR EXISTS (SELECT 1 FROM ledgerline.journal_line l
                       WHERE l.entry_id = journal_entry.entry_id
                         AND l.party = (SELECT ledgerline.login_party())));

ALTER TABLE ledgerline.posting_statement ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.posting_statement
    USING ((SELECT NOT ledgerline.is_party_login())
           OR party = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.posting ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.posting
    USING ((SELECT NOT ledgerline.is_party_login())
           OR licensee = (SELECT ledgerline.login_party())
           OR EXISTS (SELECT 1 FROM ledgerline.posting_statement s
                       WHERE s.posting_id = posting.posting_id
                         AND s.party = (SELECT ledgerline.login_party())));

ALTER TABLE ledgerline.run ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.run
    USING ((SELECT NOT ledgerline.is_party_login())
           OR EXISTS (SELECT 1 FROM ledgerline.posting p WHERE p.run_id = run.run_id));

ALTER TABLE ledgerline.run_party ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.run_party
    USING ((SELECT NOT ledgerline.is_party_login())
           OR party = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.run_line ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.run_line
    USING ((SELECT NOT ledgerline.is_party_login())
           OR party = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.run_payout ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.run_payout
    USING ((SELECT NOT ledgerline.is_party_login())
           OR payee = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.payment ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.payment
    USING ((SELECT NOT ledgerline.is_party_login())
           OR payee = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.payment_party ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.payment_party
    USING ((SELECT NOT ledgerline.is_party_login())
           OR party = (SELECT ledgerline.login_party()));

ALTER TABLE ledgerline.payment_return ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.payment_return
    USING ((SELECT NOT ledgerline.is_party_login())
           OR EXISTS (SELECT 1 FROM ledgerline.payment_party x
                       WHERE x.end_to_end_id = payment_return.end_to_end_id
                         AND x.party = (SELECT ledgerline.login_party())));

-- The group's privileges: read only, and only these.
GRANT USAGE ON SCHEMA ledgerline TO ledgerline_party;
GRANT SELECT ON ledgerline.party_login, ledgerline.registry_record,
    ledgerline.account, ledgerline.journal_line, ledgerline.journal_entry,
    ledgerline.posting_statement, ledgerline.run_party, ledgerline.run_line,
    ledgerline.run_payout, ledgerline.payment, ledgerline.payment_party,
    ledgerline.payment_return TO ledgerline_party;
GRANT SELECT (posting_id, run_id, licensee, period_first, period_last,
              supersedes, posted_at) ON ledgerline.posting TO ledgerline_party;
GRANT SELECT (run_id, licensee, period_label, period_first, period_last,
              registry_sha256, created_at) ON ledgerline.run TO ledgerline_party;
-- every command checks that the schema is up to date first
GRANT SELECT ON ledgerline.schema_migration TO ledgerline_party;
