-- 011_party_access_more: party logins (008) and the tables that came
-- after them, and what "ledgerline report" reads under a party login.
--
-- The manifests of 009 judge every rights holder's works (holders,
-- licensors) and the delivery outbox of 010 holds every party's webhook
-- URLs: a party login must see none of it.  The default privileges of
-- 003 grant the application role alone, so a party login is refused
-- these tables today; this makes it explicit and lasting: nothing is
-- granted to PUBLIC or to the party group, and row-level security with a
-- policy that shows a party login no row guards each table, so that a
-- later GRANT cannot open them by accident.
--
-- A party's part of a payment it did not receive itself (an artist whose
-- label is its payee) lies in payment_party, but the payment's posting,
-- payee and currency lie in payment, which shows a party login only the
-- payments made to it (the payee's total would tell the payee's other
-- parties' earnings).  The view party_payment joins them and shows a
-- party login its own parts alone, and every row to any other role, as
-- row-level security would (a superuser is a member of every role, so
-- it and the roles that bypass row-level security are named); it is a
-- security barrier, so no function in a caller's WHERE clause sees a
-- row before its filter.

REVOKE ALL ON ledgerline.run_manifest, ledgerline.run_manifest_item,
    ledgerline.delivery, ledgerline.delivery_attempt,
    ledgerline.delivery_outcome, ledgerline.delivery_endpoint_disabled
    FROM PUBLIC, ledgerline_party;

ALTER TABLE ledgerline.run_manifest ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.run_manifest
    USING ((SELECT NOT ledgerline.is_party_login()));
ALTER TABLE ledgerline.run_manifest_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.run_manifest_item
    USING ((SELECT NOT ledgerline.is_party_login()));
ALTER TABLE ledgerline.delivery ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.delivery
    USING ((SELECT NOT ledgerline.is_party_login()));
ALTER TABLE ledgerline.delivery_attempt ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.delivery_attempt
    USING ((SELECT NOT ledgerline.is_party_login()));
ALTER TABLE ledgerline.delivery_outcome ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_scope ON ledgerline.delivery_outcome
    USING ((SELECT NOT ledgerline.is_party_login()));

CREATE VIEW ledgerline.party_payment WITH (security_barrier) AS
SELECT x.end_to_end_id, x.party, x.amount_minor, p.posting_id, p.payee,
       p.currency, (r.end_to_end_id IS NOT NULL) AS returned
  FROM ledgerline.payment_party x
  JOIN ledgerline.payment p USING (end_to_end_id)
  LEFT JOIN ledgerline.payment_return r USING (end_to_end_id)
 WHERE (SELECT NOT ledgerline.is_party_login())
    OR (SELECT r.rolsuper OR r.rolbypassrls FROM pg_roles r
         WHERE r.rolname = current_user)
    OR x.party = (SELECT ledgerline.login_party());

REVOKE ALL ON ledgerline.party_payment FROM PUBLIC;
GRANT SELECT ON ledgerline.party_payment TO ledgerline_app, ledgerline_party;
