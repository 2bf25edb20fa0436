-- 015_toast_lz4: compress the large values a posting writes with lz4.
--
-- A posting stores a signed statement per party (DSSE envelopes of about
-- 35 KB of base64 text each), the run's JSON twice and its compliance
-- report, and a signed checkpoint.  PostgreSQL compresses such values
-- before storing them out of line (TOAST), with pglz by default: at
-- 500,000 events that was most of the time of the statements' COPY.
-- lz4 compresses several times faster for somewhat larger values.  Only
-- values written from now on are compressed with it; older values stay
-- as they are and read the same.
--
-- lz4 needs a server built with it (PostgreSQL 14 or later, configured
-- --with-lz4): elsewhere the ALTER fails with feature_not_supported (or a
-- syntax error before 14), which is caught here, and pglz stays.
DO $$
DECLARE
    col text[];
BEGIN
    FOREACH col SLICE 1 IN ARRAY ARRAY[
        ['posting_statement', 'envelope'],
        ['posting_checkpoint', 'envelope'],
        ['posting', 'run_json'],
        ['posting', 'run_json_text'],
        ['run', 'run_json'],
        ['run', 'compliance']]
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE ledgerline.%I ALTER COLUMN %I SET COMPRESSION lz4',
                           col[1], col[2]);
        EXCEPTION WHEN feature_not_supported OR syntax_error THEN
            RAISE NOTICE 'ledgerline.%.%: lz4 compression not available (%), pglz kept',
                col[1], col[2], SQLERRM;
        END;
    END LOOP;
END $$;
