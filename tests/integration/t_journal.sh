# Integration tests of how a posting writes the journal (SPEC §5): the
# entries of a posting are numbered together and written at once, and the
# accounts their lines need are opened together.  Whatever the batching,
# the chain must be the one "ledgerline audit" recomputes: ids increase
# along the prev_hash links, in the order reversals, new figures,
# payments; every hash is SHA-256 over the canonical entry text (checked
# here by PostgreSQL itself, not by ledgerline's code); and the accounts
# keep their ids in the order the lines first use them.  The registry
# names two parties NULL and null, which a text array literal would read
# as null elements unless every element is quoted.

JOURNAL_MANIFEST="$DATA/demo/manifest-harmony-2.json"
JOURNAL_LOG="$DATA/demo/generations-2026-q3.ndjson"

# The demo registry and log with P-ADA renamed NULL and P-PUB null, into
# $IT_TMP/reg and $IT_TMP/q3.ndjson; a 2026-Q4 log (the same events three
# months later) in $IT_TMP/q4.ndjson; a changed Q3 log (one event dropped,
# one value changed: a restatement) in $IT_TMP/q3b.ndjson.
journal_data() {
    local f
    mkdir -p "$IT_TMP/reg"
    for f in "$DATA"/demo/registry/*.json; do
        sed 's/"P-ADA"/"NULL"/g; s/"P-PUB"/"null"/g' "$f" >"$IT_TMP/reg/${f##*/}"
    done
    grep -q '"NULL"' "$IT_TMP/reg/parties.json" || fail "no party renamed NULL"
    grep -q '"null"' "$IT_TMP/reg/parties.json" || fail "no party renamed null"
    sed 's/"P-ADA"/"NULL"/g; s/"P-PUB"/"null"/g' "$JOURNAL_LOG" >"$IT_TMP/q3.ndjson"
    sed 's/"ts": "2026-07-/"ts": "2026-10-/; s/"ts": "2026-08-/"ts": "2026-11-/;
         s/"ts": "2026-09-/"ts": "2026-12-/' "$IT_TMP/q3.ndjson" >"$IT_TMP/q4.ndjson"
    grep -v '"g-000003"' "$IT_TMP/q3.ndjson" |
        sed '/"g-000002"/s/"value": "0.0400"/"value": "0.0800"/' >"$IT_TMP/q3b.ndjson"
    cmp -s "$IT_TMP/q3.ndjson" "$IT_TMP/q3b.ndjson" && fail "the changed log is not changed"
    cmp -s "$IT_TMP/q3.ndjson" "$IT_TMP/q4.ndjson" && fail "the Q4 log is the Q3 log"
    return 0
}

# journal_run PERIOD LOG OUT
journal_run() {
    expect_rc 0 run --licensee P-AI --period "$1" --manifest "$JOURNAL_MANIFEST" \
        --logs "$2" --out "$3"
}

# Fail unless the query $1 returns 0, with message $2.
journal_none() {
    assert_eq "$(sql "$IT_DB" -c "$1")" 0 "$2"
}

# The chain as stored: links, order within each posting, every hash.
journal_check_chain() {
    # each entry's prev_hash is the hash of the entry with the next lower
    # id (the genesis hash for the first): ids increase along the links
    journal_none "SELECT count(*) FROM (SELECT prev_hash, lag(hash, 1, repeat('0', 64))
                    OVER (ORDER BY entry_id) AS before FROM ledgerline.journal_entry) x
                   WHERE prev_hash <> before" \
        "an entry's prev_hash is not the hash of the entry before it in id order"
    # the head follows a link from every other entry: no fork, no gap
    journal_none "SELECT count(*) FROM ledgerline.journal_entry e
                   WHERE e.entry_id <> (SELECT max(entry_id) FROM ledgerline.journal_entry)
                     AND NOT EXISTS (SELECT 1 FROM ledgerline.journal_entry n
                                      WHERE n.prev_hash = e.hash AND n.entry_id > e.entry_id)" \
        "an entry is not the previous entry of a later one"
    # within a posting: its reversals (in the order of what they
    # reverse), then its new figures, then its payments
    journal_none "SELECT count(*) FROM ledgerline.journal_entry a
                    JOIN ledgerline.journal_entry b USING (posting_id)
                   WHERE a.entry_id < b.entry_id
                     AND a.kind <> 'payment_return' AND b.kind <> 'payment_return'
                     AND (array_position(ARRAY['reversal', 'posting', 'payment'], a.kind)
                            > array_position(ARRAY['reversal', 'posting', 'payment'], b.kind)
                          OR (a.kind = 'reversal' AND b.kind = 'reversal'
                              AND a.reverses > b.reverses))" \
        "a posting's entries are not in the order reversals, new figures, payments"
    # every hash: SHA-256 of the previous hash and the canonical text of
    # the entry, its posting and its lines, computed by the server
    journal_none "SELECT count(*) FROM ledgerline.journal_entry e
                    JOIN ledgerline.posting p USING (posting_id)
                   WHERE e.hash IS DISTINCT FROM encode(sha256(convert_to(
                         e.prev_hash || E'\nledgerline-journal-v1\nentry ' || e.entry_id
                         || E'\nposting ' || p.posting_id || ' ' || p.run_id || ' '
                         || p.period_first || '..' || p.period_last || ' '
                         || coalesce(p.supersedes, 0) || ' '
                         || encode(sha256(convert_to(p.run_json_text, 'UTF8')), 'hex')
                         || E'\nkind ' || e.kind || E'\nreverses ' || coalesce(e.reverses, 0)
                         || E'\nrun ' || e.run_id || E'\nlicence ' || e.licence || E'\n'
                         || (SELECT string_agg('line ' || l.line_no || ' ' || a.party || ' '
                                               || a.kind || ' ' || l.currency || ' '
                                               || l.amount_minor || E'\n', '' ORDER BY l.line_no)
                               FROM ledgerline.journal_line l
                               JOIN ledgerline.account a USING (account_id)
                              WHERE l.entry_id = e.entry_id), 'UTF8')), 'hex')" \
        "a stored hash is not SHA-256 of its entry's canonical text"
    # lines numbered 1..n in each entry
    journal_none "SELECT count(*) FROM (SELECT entry_id FROM ledgerline.journal_line
                   GROUP BY 1 HAVING min(line_no) <> 1 OR max(line_no) <> count(*)) x" \
        "an entry's lines are not numbered 1..n"
}

# Accounts: one per (party, kind, currency) used, each line's party its
# account's, ids increasing in the order lines first use the accounts.
journal_check_accounts() {
    journal_none "SELECT count(*) FROM ledgerline.journal_line l
                    JOIN ledgerline.account a USING (account_id)
                   WHERE a.party <> l.party OR a.currency <> l.currency" \
        "a line's party or currency is not its account's"
    journal_none "SELECT count(*) FROM ledgerline.account a WHERE NOT EXISTS
                   (SELECT 1 FROM ledgerline.journal_line l WHERE l.account_id = a.account_id)" \
        "an account no line uses was opened"
    journal_none "SELECT count(*) FROM (SELECT account_id,
                          row_number() OVER (ORDER BY account_id) AS by_id,
                          row_number() OVER (ORDER BY first_use) AS by_use
                     FROM (SELECT account_id, min(ARRAY[entry_id, line_no]) AS first_use
                             FROM ledgerline.journal_line GROUP BY 1) f) x
                   WHERE by_id <> by_use" \
        "account ids do not increase in the order the lines first use them"
}

# The counts of every table a posting writes, as one line.
journal_counts() {
    sql "$IT_DB" -c "SELECT (SELECT count(*) FROM ledgerline.run) || ' '
                         || (SELECT count(*) FROM ledgerline.posting) || ' '
                         || (SELECT count(*) FROM ledgerline.journal_entry) || ' '
                         || (SELECT count(*) FROM ledgerline.journal_line) || ' '
                         || (SELECT count(*) FROM ledgerline.account) || ' '
                         || (SELECT count(*) FROM ledgerline.payment)"
}

test_journal_batches_keep_the_chain() {
    local e2e n
    journal_data
    expect_rc 0 init
    expect_rc 0 load "$IT_TMP"/reg/*.json
    journal_run 2026-Q3 "$IT_TMP/q3.ndjson" "$IT_TMP/out1"
    journal_run 2026-Q4 "$IT_TMP/q4.ndjson" "$IT_TMP/out2"
    journal_run 2026-Q3 "$IT_TMP/q3b.ndjson" "$IT_TMP/out3"
    # posting 2 of Q3 (posting_id 3): it supersedes posting_id 1
    assert_eq "$(jq .posting "$IT_TMP/out3/run.json")" 2
    assert_eq "$(sql "$IT_DB" -c "SELECT supersedes FROM ledgerline.posting WHERE posting_id = 3")" 1
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) > 1 FROM ledgerline.journal_entry
                                   WHERE posting_id = 3 AND kind = 'reversal'")" t \
        "the restatement reverses fewer than two entries: the test proves little"
    for n in 1 2 3; do
        assert_eq "$(sql "$IT_DB" -c "SELECT count(*) > 0 FROM ledgerline.journal_entry
                                       WHERE posting_id = $n AND kind = 'payment'")" t \
            "posting $n paid nobody: the test proves little"
    done
    # the parties named NULL and null have their own accounts and lines
    assert_eq "$(sql "$IT_DB" -c "SELECT string_agg(DISTINCT party, ' ' ORDER BY party)
                                    FROM ledgerline.account WHERE lower(party) = 'null'")" \
        "NULL null"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(DISTINCT l.party) FROM ledgerline.journal_line l
                                    WHERE l.party IN ('NULL', 'null')")" 2
    # a return: one entry, written alone, at the end of the chain
    e2e=$(sed -n 2p "$IT_TMP/out2/payouts.csv" | cut -d, -f7)
    [ -n "$e2e" ] || fail "posting 2 paid nobody"
    expect_rc 0 payments return "$e2e"
    assert_eq "$(sql "$IT_DB" -c "SELECT kind FROM ledgerline.journal_entry
                                   ORDER BY entry_id DESC LIMIT 1")" payment_return
    journal_check_chain
    journal_check_accounts
    # ids handed out in one go still start where the last posting ended
    journal_none "SELECT count(*) FROM (SELECT entry_id, lag(entry_id)
                    OVER (ORDER BY entry_id) AS before FROM ledgerline.journal_entry) x
                   WHERE entry_id <> coalesce(before, 0) + 1" \
        "entry ids have gaps though no transaction failed"
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact: $(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry") journal entries"
}

# A first posting that fails while opening its accounts or writing its
# entries (refused by a trigger the superuser installs) exits 4 with the
# step and the server's reason, and leaves nothing; the trigger gone, the
# same run posts, a second period follows, and the chain is whole.
test_journal_failed_batch_leaves_nothing() {
    local t
    journal_data
    expect_rc 0 init
    expect_rc 0 load "$IT_TMP"/reg/*.json
    sql "$IT_DB" -c "CREATE FUNCTION public.refuse_journal() RETURNS trigger LANGUAGE plpgsql AS
                     \$\$ BEGIN RAISE EXCEPTION 'refused by the test: %', TG_TABLE_NAME; END \$\$"
    for t in account journal_entry; do
        sql "$IT_DB" -c "CREATE TRIGGER refuse BEFORE INSERT ON ledgerline.$t
                         FOR EACH ROW EXECUTE FUNCTION public.refuse_journal()"
        expect_rc 4 run --licensee P-AI --period 2026-Q3 --manifest "$JOURNAL_MANIFEST" \
            --logs "$IT_TMP/q3.ndjson" --out "$IT_TMP/out-$t"
        case $t in
        account) assert_contains "$ERR" "cannot open an account" ;;
        journal_entry) assert_contains "$ERR" "cannot write a journal entry" ;;
        esac
        assert_contains "$ERR" "refused by the test: $t"
        assert_eq "$(journal_counts)" "0 0 0 0 0 0" "a failed posting ($t refused) left rows behind"
        sql "$IT_DB" -c "DROP TRIGGER refuse ON ledgerline.$t"
    done
    journal_run 2026-Q3 "$IT_TMP/q3.ndjson" "$IT_TMP/out1"
    journal_run 2026-Q4 "$IT_TMP/q4.ndjson" "$IT_TMP/out2"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.posting")" 2
    journal_check_chain
    journal_check_accounts
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact"
}

# Migration 015: the large values a posting writes are compressed with
# lz4 when the server has it (and stay pglz when it has not), and read
# back the same: audit checks every stored statement and checkpoint.
test_journal_large_values_lz4() {
    local cm cols # not "want": expect_rc sets it
    journal_data
    expect_rc 0 init
    assert_eq "$(sql "$IT_DB" -c "SELECT name FROM ledgerline.schema_migration WHERE version = 15")" \
        015_toast_lz4
    if sql "$IT_DB" -c "SET default_toast_compression = lz4" >/dev/null 2>&1; then
        cm=l
    else
        cm=
    fi
    cols=$(sql "$IT_DB" -c "SELECT string_agg(c.relname || '.' || a.attname || '=' || a.attcompression::text,
                                              ' ' ORDER BY c.relname, a.attname)
                              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                             WHERE c.relnamespace = 'ledgerline'::regnamespace
                               AND (c.relname::text, a.attname::text) IN (('posting_statement', 'envelope'),
                                   ('posting_checkpoint', 'envelope'), ('posting', 'run_json'),
                                   ('posting', 'run_json_text'), ('run', 'run_json'),
                                   ('run', 'compliance'))")
    assert_eq "$cols" "posting.run_json=$cm posting.run_json_text=$cm posting_checkpoint.envelope=$cm posting_statement.envelope=$cm run.compliance=$cm run.run_json=$cm"
    expect_rc 0 load "$IT_TMP"/reg/*.json
    journal_run 2026-Q3 "$IT_TMP/q3.ndjson" "$IT_TMP/out1"
    # the statements big enough to be compressed (TOAST compresses values
    # over about 2 kB) are, with the column's method
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) > 0 FROM ledgerline.posting_statement
                                    WHERE pg_column_compression(envelope) IS NOT NULL")" t \
        "no statement was compressed: the check below proves nothing"
    assert_eq "$(sql "$IT_DB" -c "SELECT string_agg(DISTINCT pg_column_compression(envelope), ' ')
                                    FROM ledgerline.posting_statement")" \
        "$([ "$cm" = l ] && echo lz4 || echo pglz)"
    # what is stored is what was written
    assert_eq "$(sql "$IT_DB" -c "SELECT envelope FROM ledgerline.posting_checkpoint")" \
        "$(cat "$IT_TMP/out1/checkpoint.dsse.json")"
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact"
}
