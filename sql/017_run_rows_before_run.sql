-- 017_run_rows_before_run: a run's rows may be written before the run's
-- own row, in the same transaction.
--
-- The rows of a run that grow with the catalogue (its lines above all)
-- need only the settlement; the run's own row holds run.json, which
-- names the Merkle root of the signed statements, known only once every
-- statement is built.  Writing the rows while the statements are built
-- needs their keys into ledgerline.run checked when the transaction
-- commits instead of at each row: the rule is the same (no row of a run
-- that does not exist is ever committed), only checked later, as the
-- run's sums already are (run_sums).
ALTER TABLE ledgerline.run_input
    ALTER CONSTRAINT run_input_run_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ledgerline.run_licence
    ALTER CONSTRAINT run_licence_run_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ledgerline.run_payout
    ALTER CONSTRAINT run_payout_run_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE ledgerline.run_manifest
    ALTER CONSTRAINT run_manifest_run_id_fkey DEFERRABLE INITIALLY DEFERRED;
