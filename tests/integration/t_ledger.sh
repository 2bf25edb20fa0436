# Integration tests of the double-entry ledger (SPEC §1 principle 4, §5):
# posting a run, idempotent reruns, restatement by reversal, the rules the
# database enforces by itself (balance, append-only, an application role
# that owns nothing), the audit's hash chain, one writer per period, and a
# kill -9 harness proving a run is posted completely or not at all.
#
# Comparisons between databases go through ledger_export, a canonical dump
# without ids, hashes or timestamps: two databases that saw the same
# sequence of runs must export the same text, whatever gaps killed
# transactions left in their sequences.

LEDGER_MANIFEST="$DATA/demo/manifest-harmony-2.json"
LEDGER_LOG="$DATA/demo/generations-2026-q3.ndjson"
LEDGER_FILES="payouts.csv remittance.csv compliance.json run.json"
LEDGER_TABLES="journal_entry journal_line posting account run run_input run_licence run_party run_line run_payout"

# The files a run left under --out $1 (statements/ included), relative,
# sorted, without staging directories.
ledger_out_files() {
    (cd "$1" && find . -path './.ledgerline-*' -prune -o -type f -print) | sed 's|^\./||' | sort
}

# Do output trees $1 and $2 hold the same files, byte for byte (staging
# directories aside)?
ledger_same_outputs() {
    local f
    [ "$(ledger_out_files "$1")" = "$(ledger_out_files "$2")" ] || return 1
    for f in $(ledger_out_files "$1"); do
        ledger_same_file "$1/$f" "$2/$f" || return 1
    done
}

# Are the output files $1 and $2 the same?  Byte for byte, except where a
# file tells the journal's chain head: the checkpoint and run.json's note
# of it.  The head hashes the entry ids the database handed out, and a
# killed run consumes ids, so a ledger that saw kills has another head
# than one that did not; everything else (posting, entry count, run, root)
# must still be equal.
ledger_same_file() {
    local strip
    cmp -s "$1" "$2" && return 0
    case $1 in
    */checkpoint.dsse.json)
        strip='del(.subject, .predicate.journal.head)'
        [ "$(jq -r .payload "$1" | base64 -d | jq -S "$strip")" = \
            "$(jq -r .payload "$2" | base64 -d | jq -S "$strip")" ] ;;
    */run.json)
        strip='del(.checkpoint.sha256, .checkpoint.head)'
        [ "$(jq -S "$strip" "$1")" = "$(jq -S "$strip" "$2")" ] ;;
    *) return 1 ;;
    esac
}

# init, then the demo registries, in the current database.
ledger_setup() {
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
}

# Point ledgerline, sql's callers and IT_DB at an existing database $1.
ledger_use_db() {
    export LEDGERLINE_DSN="host=$IT_SOCK dbname=$1 user=ledgerline_app"
    export LEDGERLINE_ADMIN_DSN="host=$IT_SOCK dbname=$1 user=ledgerline"
    IT_DB=$1
}

# ledger_run LOG OUT: P-AI's 2026-Q3 run of the demo manifest and LOG.
ledger_run() {
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$LEDGER_MANIFEST" \
        --logs "$1" --out "$2"
}

# psql as the application role ledgerline connects as.
app_sql() {
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -At \
        "$LEDGERLINE_DSN" "$@"
}

# The demo log with one event dropped and one value changed: a restatement.
ledger_changed_log() {
    grep -v '"g-000003"' "$LEDGER_LOG" |
        sed '/"g-000002"/s/"value": "0.0400"/"value": "0.0800"/' >"$1"
    cmp -s "$1" "$LEDGER_LOG" && fail "the changed log is not changed"
    return 0
}

# Canonical dump of the ledger of database $1 (default: the current one):
# accounts, runs with what they computed, postings with the run they
# supersede, entries with the entry they reverse, lines with their
# accounts, all in posting/entry order but without ids, hashes or
# timestamps.
ledger_export() {
    sql "${1:-$IT_DB}" \
        -c "SELECT 'account', party, kind, currency FROM ledgerline.account ORDER BY 2, 3, 4" \
        -c "SELECT 'run', r.run_id, r.licensee, r.period_label, r.period_first, r.period_last,
                   r.registry_sha256, md5(r.run_json::text), md5(r.compliance::text),
                   (SELECT string_agg(i.kind || ' ' || i.source || ' ' || i.sha256 || ' ' || i.bytes,
                                      ', ' ORDER BY i.ordinal)
                      FROM ledgerline.run_input i WHERE i.run_id = r.run_id)
              FROM ledgerline.run r ORDER BY 2" \
        -c "SELECT 'run_licence', run_id, licence, licensor, currency, exact, amount_minor
              FROM ledgerline.run_licence ORDER BY 2, 3" \
        -c "SELECT 'run_party', run_id, licence, party, exact, amount_minor
              FROM ledgerline.run_party ORDER BY 2, 3, 4" \
        -c "SELECT 'run_line', run_id, licence, party, coalesce(work, '-'), component,
                   coalesce(side, '-'), exact, amount_minor
              FROM ledgerline.run_line ORDER BY 2, 3, 4, 5, 6, 7" \
        -c "SELECT 'run_payout', run_id, payee, currency, amount_minor, end_to_end_id
              FROM ledgerline.run_payout ORDER BY 2, 3, 4" \
        -c "WITH p AS (SELECT posting_id, run_id, licensee, period_first, period_last,
                              supersedes, run_json, run_json_text,
                              row_number() OVER (ORDER BY posting_id) AS no
                         FROM ledgerline.posting)
            SELECT 'posting', p.no, p.run_id, p.licensee, p.period_first, p.period_last,
                   coalesce('supersedes ' || s.no || ' ' || s.run_id, 'first'),
                   md5(p.run_json_text), p.run_json = p.run_json_text::jsonb
              FROM p LEFT JOIN p s ON s.posting_id = p.supersedes ORDER BY p.no" \
        -c "WITH p AS (SELECT posting_id, row_number() OVER (ORDER BY posting_id) AS no
                         FROM ledgerline.posting),
                 e AS (SELECT entry_id, posting_id, kind, reverses, run_id, licence,
                              row_number() OVER (ORDER BY entry_id) AS no
                         FROM ledgerline.journal_entry)
            SELECT 'entry', e.no, 'posting ' || p.no, e.kind, e.run_id, e.licence,
                   coalesce('reverses ' || r.no || ' ' || r.run_id || ' ' || r.licence, '-')
              FROM e JOIN p ON p.posting_id = e.posting_id
              LEFT JOIN e r ON r.entry_id = e.reverses ORDER BY e.no" \
        -c "WITH e AS (SELECT entry_id, row_number() OVER (ORDER BY entry_id) AS no
                         FROM ledgerline.journal_entry)
            SELECT 'line', e.no, l.line_no, a.party, a.kind, a.currency, l.party, l.currency,
                   l.amount_minor
              FROM ledgerline.journal_line l JOIN e ON e.entry_id = l.entry_id
              JOIN ledgerline.account a ON a.account_id = l.account_id
             ORDER BY e.no, l.line_no" \
        -c "WITH p AS (SELECT posting_id, row_number() OVER (ORDER BY posting_id) AS no
                         FROM ledgerline.posting)
            SELECT 'payment', p.no, y.payee, y.currency, y.amount_minor, y.end_to_end_id,
                   (SELECT string_agg(x.party || ' ' || x.amount_minor, ', ' ORDER BY x.party)
                      FROM ledgerline.payment_party x WHERE x.end_to_end_id = y.end_to_end_id),
                   EXISTS (SELECT 1 FROM ledgerline.payment_return t
                            WHERE t.end_to_end_id = y.end_to_end_id)
              FROM ledgerline.payment y JOIN p USING (posting_id) ORDER BY 2, 3, 4"
}

# What must hold of any committed state, killed runs or not: one line per
# violation, nothing when the ledger is whole.
ledger_structure_problems() {
    sql "$IT_DB" -c "
        SELECT 'posting ' || p.posting_id || ' (' || p.run_id || ') has '
               || (SELECT count(*) FROM ledgerline.journal_entry e
                    WHERE e.posting_id = p.posting_id AND e.kind = 'posting')
               || ' posting entries for '
               || (SELECT count(*) FROM ledgerline.run_licence l
                    WHERE l.run_id = p.run_id AND l.amount_minor <> 0)
               || ' non-zero licences'
          FROM ledgerline.posting p
         WHERE (SELECT count(*) FROM ledgerline.journal_entry e
                 WHERE e.posting_id = p.posting_id AND e.kind = 'posting')
            <> (SELECT count(*) FROM ledgerline.run_licence l
                 WHERE l.run_id = p.run_id AND l.amount_minor <> 0)
        UNION ALL
        SELECT 'posting ' || p.posting_id || ' reverses '
               || (SELECT count(*) FROM ledgerline.journal_entry e
                    WHERE e.posting_id = p.posting_id AND e.kind = 'reversal')
               || ' entries of the '
               || (SELECT count(*) FROM ledgerline.journal_entry e
                    WHERE e.posting_id = p.supersedes AND e.kind = 'posting')
               || ' it must reverse'
          FROM ledgerline.posting p
         WHERE (SELECT count(*) FROM ledgerline.journal_entry e
                 WHERE e.posting_id = p.posting_id AND e.kind = 'reversal')
            <> (SELECT count(*) FROM ledgerline.journal_entry e
                 WHERE e.posting_id = p.supersedes AND e.kind = 'posting')
        UNION ALL
        SELECT 'reversal ' || r.entry_id || ' reverses entry ' || o.entry_id
               || ' of posting ' || o.posting_id || ', not of the superseded one'
          FROM ledgerline.journal_entry r
          JOIN ledgerline.journal_entry o ON o.entry_id = r.reverses
          JOIN ledgerline.posting p ON p.posting_id = r.posting_id
         WHERE o.posting_id IS DISTINCT FROM p.supersedes OR o.kind <> 'posting'
        UNION ALL
        SELECT 'entry ' || e.entry_id || ' has no lines' FROM ledgerline.journal_entry e
         WHERE NOT EXISTS (SELECT 1 FROM ledgerline.journal_line l WHERE l.entry_id = e.entry_id)
        UNION ALL
        SELECT 'entry ' || entry_id || ' does not balance in ' || currency
          FROM ledgerline.journal_line GROUP BY entry_id, currency HAVING sum(amount_minor) <> 0
        UNION ALL
        SELECT 'run ' || r.run_id || ' has ' || (SELECT count(*) FROM ledgerline.run_input i
                                                   WHERE i.run_id = r.run_id) || ' inputs'
          FROM ledgerline.run r
         WHERE (SELECT count(*) FROM ledgerline.run_input i WHERE i.run_id = r.run_id) < 2
        UNION ALL
        SELECT 'run ' || r.run_id || ' has no licences' FROM ledgerline.run r
         WHERE NOT EXISTS (SELECT 1 FROM ledgerline.run_licence l WHERE l.run_id = r.run_id)
        UNION ALL
        SELECT 'run ' || r.run_id || ' has no payouts' FROM ledgerline.run r
         WHERE NOT EXISTS (SELECT 1 FROM ledgerline.run_payout o WHERE o.run_id = r.run_id)
        UNION ALL
        SELECT 'run ' || r.run_id || ' is not posted' FROM ledgerline.run r
         WHERE NOT EXISTS (SELECT 1 FROM ledgerline.posting p WHERE p.run_id = r.run_id)
        UNION ALL
        SELECT 'licence ' || l.licence || ' of ' || l.run_id || ' has no parties'
          FROM ledgerline.run_licence l
         WHERE l.amount_minor <> 0 AND NOT EXISTS (SELECT 1 FROM ledgerline.run_party p
                WHERE p.run_id = l.run_id AND p.licence = l.licence)
        UNION ALL
        SELECT 'party ' || p.party || ' under ' || p.licence || ' of ' || p.run_id
               || ' has no lines'
          FROM ledgerline.run_party p
         WHERE p.amount_minor <> 0 AND NOT EXISTS (SELECT 1 FROM ledgerline.run_line x
                WHERE x.run_id = p.run_id AND x.licence = p.licence AND x.party = p.party)
        UNION ALL
        SELECT 'more than one posting in force for ' || licensee || ' ' || period_first
          FROM ledgerline.posting p
         WHERE NOT EXISTS (SELECT 1 FROM ledgerline.posting q WHERE q.supersedes = p.posting_id)
         GROUP BY licensee, period_first, period_last HAVING count(*) > 1"
}

# Reversal entries whose lines are not exactly their reversed entry's
# lines negated (same line numbers, accounts, parties, currencies).
ledger_bad_reversals() {
    sql "$IT_DB" -c "
        SELECT r.entry_id FROM ledgerline.journal_entry r
         WHERE r.kind = 'reversal' AND EXISTS (
               (SELECT line_no, account_id, party, currency, -amount_minor
                  FROM ledgerline.journal_line WHERE entry_id = r.reverses
                EXCEPT ALL
                SELECT line_no, account_id, party, currency, amount_minor
                  FROM ledgerline.journal_line WHERE entry_id = r.entry_id)
               UNION ALL
               (SELECT line_no, account_id, party, currency, amount_minor
                  FROM ledgerline.journal_line WHERE entry_id = r.entry_id
                EXCEPT ALL
                SELECT line_no, account_id, party, currency, -amount_minor
                  FROM ledgerline.journal_line WHERE entry_id = r.reverses))
         ORDER BY 1"
}

# Balances as CSV without the zero rows: an account a superseded run
# opened and the restatement brought back to zero is still listed.
ledger_nonzero_balances() {
    expect_rc 0 balance --format csv
    printf '%s\n' "$OUT" | awk -F, '$3 !~ /^-?0(\.0*)?$/ { print $1 "," $2 "," $3 }'
}

# The number of payments in OUT's payouts.csv ($1).
ledger_payments() {
    tail -n +2 "$1/payouts.csv" | wc -l
}

# Check run.json's restatement section (file $3) against the party totals
# of the superseded run's run.json ($1) and the new run's ($2).
ledger_check_restatement() {
    python3 - "$1" "$2" "$3" <<'PY' || fail "run.json's restatement section is wrong (see above)"
import json, re, sys
from decimal import Decimal
old, new, out = (json.load(open(p)) for p in sys.argv[1:4])
def totals(run):
    t = {}
    for lic in run["licences"]:
        for p in lic["parties"]:
            k = (p["party"], lic["currency"])
            t[k] = t.get(k, Decimal(0)) + Decimal(p["amount"])
    return t
prev, cur = totals(old), totals(new)
bad = []
rs = out.get("restatement")
if rs is None:
    sys.exit(print("no restatement section") or 1)
if rs.get("supersedes") != old["run_id"]:
    bad.append("supersedes %r, expected %r" % (rs.get("supersedes"), old["run_id"]))
adj = rs.get("adjustments", [])
keys = [(a["party"], a["currency"]) for a in adj]
if keys != sorted(set(keys)):
    bad.append("adjustments not sorted by party, currency or repeated: %r" % keys)
if set(keys) != set(prev) | set(cur):
    bad.append("adjustments cover %r, expected %r" % (sorted(keys), sorted(set(prev) | set(cur))))
for a in adj:
    k = (a["party"], a["currency"])
    for f in ("previous", "current", "adjustment"):
        if not isinstance(a[f], str) or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", a[f]):
            bad.append("%r %s is %r, not a decimal string" % (k, f, a[f]))
    p, c, d = (Decimal(a[f]) for f in ("previous", "current", "adjustment"))
    if p != prev.get(k, 0):
        bad.append("%r previous %s, the superseded run has %s" % (k, p, prev.get(k, 0)))
    if c != cur.get(k, 0):
        bad.append("%r current %s, the new run has %s" % (k, c, cur.get(k, 0)))
    if d != c - p:
        bad.append("%r adjustment %s != current - previous = %s" % (k, d, c - p))
if not any(Decimal(a["adjustment"]) for a in adj):
    bad.append("no adjustment is non-zero")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
}

test_rerun_posts_nothing() {
    local out="$IT_TMP/out" f
    ledger_setup
    ledger_run "$LEDGER_LOG" "$out"
    # two licences and, the first posting, one payment per payee
    assert_contains "$OUT" "posted: $((2 + $(ledger_payments "$out"))) journal entries"
    run_id=$(printf '%s\n' "$OUT" | sed -n 's/^run \(run-[0-9a-f]*\):.*/\1/p')
    [ -n "$run_id" ] || fail "no run id in the output: $OUT"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.posting")" 1
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry WHERE kind = 'posting'")" 2
    # run.json is the posting's stored text with the checkpoint added
    # last (the journal chains the stored text; the checkpoint signs the
    # chain)
    assert_eq "$(sql "$IT_DB" -c "SELECT run_json_text FROM ledgerline.posting" | jq -S .)" \
        "$(jq -S 'del(.checkpoint)' "$out/run.json")" "run.json differs from the posting's run_json_text"
    assert_eq "$(jq -r 'keys_unsorted | last' "$out/run.json")" checkpoint "run.json's last member"
    ledger_export >"$IT_TMP/export1" || fail "cannot export the ledger"
    mkdir "$IT_TMP/first" || fail "cannot make $IT_TMP/first"
    cp -R "$out"/. "$IT_TMP/first/" || fail "cannot keep the first outputs"
    for f in $LEDGER_FILES; do
        [ -s "$out/$f" ] || fail "the run wrote no $f"
    done

    ledger_run "$LEDGER_LOG" "$out"
    assert_contains "$OUT" "run $run_id:"
    assert_contains "$OUT" "already posted"
    ledger_export >"$IT_TMP/export2" || fail "cannot export the ledger"
    diff -u "$IT_TMP/export1" "$IT_TMP/export2" >&2 || fail "rerunning the same inputs changed the ledger"
    # every output file, statements and payment files included, rewritten
    # byte for byte; no staging directory left behind
    assert_eq "$(ledger_out_files "$out")" "$(ledger_out_files "$IT_TMP/first")" \
        "the rerun wrote other files"
    for f in $(ledger_out_files "$out"); do
        cmp "$IT_TMP/first/$f" "$out/$f" || fail "the rerun rewrote $f differently"
    done
    assert_eq "$(find "$out" -name '.ledgerline-stage-*')" "" "a staging directory was left in --out"

    # the same bytes under another name are the same input
    cp "$LEDGER_LOG" "$IT_TMP/same.ndjson"
    ledger_run "$IT_TMP/same.ndjson" "$IT_TMP/out2"
    assert_contains "$OUT" "run $run_id:"
    assert_contains "$OUT" "already posted"
    ledger_export >"$IT_TMP/export3" || fail "cannot export the ledger"
    diff -u "$IT_TMP/export1" "$IT_TMP/export3" >&2 || fail "the same inputs from another path changed the ledger"
    cmp "$IT_TMP/first/run.json" "$IT_TMP/out2/run.json" || fail "run.json is not the stored one"
    expect_rc 0 audit
}

test_restatement() {
    local main=$IT_DB x y p1 p2 p3
    ledger_setup
    ledger_changed_log "$IT_TMP/y.ndjson"

    ledger_run "$LEDGER_LOG" "$IT_TMP/x1"
    x=$(jq -r .run_id "$IT_TMP/x1/run.json")
    bal_x=$(ledger_nonzero_balances)
    ledger_run "$IT_TMP/y.ndjson" "$IT_TMP/y"
    y=$(jq -r .run_id "$IT_TMP/y/run.json")
    [ "$x" != "$y" ] || fail "the changed log has the same run id"
    assert_contains "$OUT" "restated: superseded $x"

    # the new posting supersedes the old one
    assert_eq "$(sql "$IT_DB" -c "SELECT p.run_id || ' ' || coalesce(s.run_id, '-')
                                    FROM ledgerline.posting p
                                    LEFT JOIN ledgerline.posting s ON s.posting_id = p.supersedes
                                   ORDER BY p.posting_id")" "$x -
$y $x"
    p1=$(sql "$IT_DB" -c "SELECT posting_id FROM ledgerline.posting WHERE run_id = '$x'")
    p2=$(sql "$IT_DB" -c "SELECT posting_id FROM ledgerline.posting WHERE run_id = '$y'")
    # one reversal per entry of the old posting, in the new posting, before
    # the new figures, carrying the reversed entry's run and licence
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry
                                   WHERE posting_id = $p1 AND kind = 'posting'")" 2
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry o
                                   WHERE o.posting_id = $p1 AND o.kind = 'posting' AND NOT EXISTS (
                                         SELECT 1 FROM ledgerline.journal_entry r
                                          WHERE r.reverses = o.entry_id AND r.kind = 'reversal'
                                            AND r.posting_id = $p2
                                            AND r.run_id = o.run_id AND r.licence = o.licence)")" 0 \
        "an entry of the superseded posting has no reversal"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry
                                   WHERE posting_id = $p2 AND kind = 'reversal'")" 2
    assert_eq "$(sql "$IT_DB" -c "SELECT max(entry_id) FILTER (WHERE kind = 'reversal')
                                         < min(entry_id) FILTER (WHERE kind = 'posting')
                                    FROM ledgerline.journal_entry WHERE posting_id = $p2")" t \
        "the reversals do not precede the new figures"
    assert_eq "$(sql "$IT_DB" -c "SELECT string_agg(run_id || ' ' || licence, ',' ORDER BY licence)
                                    FROM ledgerline.journal_entry
                                   WHERE posting_id = $p2 AND kind = 'posting'")" \
        "$y L-2026-BLUE,$y L-2026-NW"
    assert_eq "$(ledger_bad_reversals)" "" "reversals that do not negate their entries exactly"
    assert_eq "$(ledger_structure_problems)" ""
    ledger_check_restatement "$IT_TMP/x1/run.json" "$IT_TMP/y/run.json" "$IT_TMP/y/run.json"
    assert_eq "$(jq -r .restatement.supersedes "$IT_TMP/y/run.json")" "$x"
    bal_restated=$(ledger_nonzero_balances)

    # the same balances as the new run posted alone
    newdb "${main}_alone" || fail "cannot create a second database"
    ledger_setup
    ledger_run "$IT_TMP/y.ndjson" "$IT_TMP/y-alone"
    assert_contains "$OUT" "run $y:"
    assert_contains "$OUT" "posted: $((2 + $(ledger_payments "$IT_TMP/y-alone"))) journal entries"
    bal_y=$(ledger_nonzero_balances)
    ledger_use_db "$main"
    assert_eq "$bal_restated" "$bal_y" "earnings after the restatement differ from the new run's alone"
    # a restatement pays only the positive differences (t_payments holds
    # the figures against the rule): never more than the run alone
    python3 - "$IT_TMP/y/payouts.csv" "$IT_TMP/y-alone/payouts.csv" <<'PY' || fail "the restatement paid more than the run alone"
import csv, sys
from decimal import Decimal
r, a = ({(x["payee_id"], x["currency"]): Decimal(x["amount"]) for x in csv.DictReader(open(p))} for p in sys.argv[1:])
sys.exit(any(v <= 0 or v > a.get(k, 0) for k, v in r.items()))
PY

    # back to the first inputs: X, Y, X
    ledger_run "$LEDGER_LOG" "$IT_TMP/x2"
    assert_contains "$OUT" "run $x:"
    assert_contains "$OUT" "restated: superseded $y"
    assert_eq "$(sql "$IT_DB" -c "SELECT p.run_id || ' ' || coalesce(s.run_id, '-')
                                    FROM ledgerline.posting p
                                    LEFT JOIN ledgerline.posting s ON s.posting_id = p.supersedes
                                   ORDER BY p.posting_id")" "$x -
$y $x
$x $y"
    p3=$(sql "$IT_DB" -c "SELECT max(posting_id) FROM ledgerline.posting")
    assert_eq "$(sql "$IT_DB" -c "SELECT string_agg(kind || ' ' || run_id || ' ' || licence, ','
                                                    ORDER BY entry_id)
                                    FROM ledgerline.journal_entry WHERE posting_id = $p3
                                     AND kind IN ('reversal', 'posting')")" \
        "reversal $y L-2026-BLUE,reversal $y L-2026-NW,posting $x L-2026-BLUE,posting $x L-2026-NW"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.run")" 2 "a run was stored twice"
    assert_eq "$(ledger_bad_reversals)" "" "reversals that do not negate their entries exactly"
    assert_eq "$(ledger_structure_problems)" ""
    ledger_check_restatement "$IT_TMP/y/run.json" "$IT_TMP/x2/run.json" "$IT_TMP/x2/run.json"
    assert_eq "$(ledger_nonzero_balances)" "$bal_x" "earnings after X, Y, X differ from X's alone"
    # X again is posting 3, under new end-to-end ids
    assert_eq "$(jq .posting "$IT_TMP/x2/run.json")" 3
    assert_eq "$(cut -d, -f7 "$IT_TMP/x2/payouts.csv" | tail -n +2 | grep -cxFf <(cut -d, -f7 "$IT_TMP/x1/payouts.csv"))" 0 \
        "posting 3 reuses end-to-end ids of posting 1"
    # and a rerun of X now posts nothing
    ledger_run "$LEDGER_LOG" "$IT_TMP/x2"
    assert_contains "$OUT" "already posted"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.posting")" 3
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact: $(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry") journal entries"
}

test_database_rules() {
    local t col stmt out before extra
    ledger_setup
    ledger_changed_log "$IT_TMP/y.ndjson"
    ledger_run "$LEDGER_LOG" "$IT_TMP/out"
    ledger_run "$IT_TMP/y.ndjson" "$IT_TMP/out"
    before=$(ledger_export)
    # the ledger's tables, and every other table of the schema (the
    # registries, what later migrations add) that holds rows by now
    extra=$(sql "$IT_DB" -c "SELECT tablename FROM pg_tables
                              WHERE schemaname = 'ledgerline' AND tablename <> 'schema_migration'
                              ORDER BY 1" | grep -vxF "$(tr ' ' '\n' <<<"$LEDGER_TABLES")")
    for t in $LEDGER_TABLES $extra; do
        if [ "$(sql "$IT_DB" -c "SELECT count(*) > 0 FROM ledgerline.$t")" != t ]; then
            case " $LEDGER_TABLES " in
            *" $t "*) fail "ledgerline.$t is empty: the refusals below would prove nothing" ;;
            esac
            continue
        fi
        col=$(sql "$IT_DB" -c "SELECT attname FROM pg_attribute
                                WHERE attrelid = 'ledgerline.$t'::regclass AND attnum = 1")
        # the application role: no privilege to change or to disarm
        for stmt in "UPDATE ledgerline.$t SET $col = $col" \
            "DELETE FROM ledgerline.$t" \
            "TRUNCATE ledgerline.$t CASCADE"; do
            out=$(app_sql -c "$stmt" 2>&1) && fail "the app role was allowed '$stmt'"
            assert_contains "$out" "permission denied for table $t" "'$stmt' as the app role"
        done
        for stmt in "ALTER TABLE ledgerline.$t DISABLE TRIGGER USER" \
            "ALTER TABLE ledgerline.$t DISABLE TRIGGER ALL"; do
            out=$(app_sql -c "$stmt" 2>&1) && fail "the app role was allowed '$stmt'"
            assert_contains "$out" "must be owner of table $t" "'$stmt' as the app role"
        done
        # the schema owner (the superuser here): the triggers still refuse
        for stmt in "UPDATE ledgerline.$t SET $col = $col" \
            "DELETE FROM ledgerline.$t" \
            "TRUNCATE ledgerline.$t CASCADE"; do
            out=$(sql "$IT_DB" -c "$stmt" 2>&1) && fail "the owner was allowed '$stmt'"
            assert_contains "$out" "append-only" "'$stmt' as the owner"
        done
    done
    # nor switch the triggers off another way, nor add to the schema
    out=$(app_sql -c "SET session_replication_role = replica" 2>&1) &&
        fail "the app role may set session_replication_role"
    assert_contains "$out" 'permission denied to set parameter "session_replication_role"'
    out=$(app_sql -c "DROP TRIGGER journal_line_append_only ON ledgerline.journal_line" 2>&1) &&
        fail "the app role may drop a trigger"
    assert_contains "$out" "must be owner of relation journal_line"
    out=$(app_sql -c "CREATE TABLE ledgerline.x (a int)" 2>&1) &&
        fail "the app role may create tables in the schema"
    assert_contains "$out" "permission denied for schema ledgerline"
    assert_eq "$(app_sql -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n
                               ON n.oid = c.relnamespace
                              WHERE n.nspname = 'ledgerline'
                                AND pg_get_userbyid(c.relowner) = 'ledgerline_app'")" 0 \
        "the app role owns something in the schema"

    # hand-made entries refused when the transaction commits.  A hand-made
    # posting is refused first of all by the posting-structure check
    # (shown just below); to test the balance check on its own, these run
    # as the owner with only that one trigger switched off.
    cat >"$IT_TMP/hand.sql" <<'SQL'
BEGIN;
INSERT INTO ledgerline.posting (run_id, licensee, period_first, period_last, run_json, run_json_text)
  SELECT run_id, licensee, period_first, period_last, '{}', '{}' FROM ledgerline.run LIMIT 1;
COMMIT;
SQL
    out=$(app_sql -f "$IT_TMP/hand.sql" 2>&1) && fail "an empty posting was committed"
    assert_contains "$out" "is not posted with its total" "an empty posting"
    unbalanced="BEGIN;
ALTER TABLE ledgerline.posting DISABLE TRIGGER posting_structure;
INSERT INTO ledgerline.posting (run_id, licensee, period_first, period_last, run_json, run_json_text)
  SELECT run_id, licensee, period_first, period_last, '{}', '{}' FROM ledgerline.run LIMIT 1;
INSERT INTO ledgerline.journal_entry (entry_id, posting_id, kind, run_id, licence, prev_hash, hash)
  SELECT nextval('ledgerline.journal_entry_seq'), currval('ledgerline.posting_posting_id_seq'),
         'posting', run_id, 'L-HAND', repeat('0', 64), repeat('a', 64)
    FROM ledgerline.run LIMIT 1;"
    nw="(SELECT account_id FROM ledgerline.account WHERE party = 'P-NW' AND kind = 'party_receivable')"
    ai="(SELECT account_id FROM ledgerline.account WHERE party = 'P-AI' AND kind = 'licensee_payable')"
    cat >"$IT_TMP/hand.sql" <<SQL
$unbalanced
INSERT INTO ledgerline.journal_line VALUES (currval('ledgerline.journal_entry_seq'), 1, $nw, 'P-NW', 'EUR', 100);
COMMIT;
SQL
    out=$(sql "$IT_DB" -f "$IT_TMP/hand.sql" 2>&1) && fail "an entry with one line was committed"
    assert_contains "$out" "does not balance: 100 EUR off" "a one-line entry"
    cat >"$IT_TMP/hand.sql" <<SQL
$unbalanced
INSERT INTO ledgerline.journal_line VALUES (currval('ledgerline.journal_entry_seq'), 1, $ai, 'P-AI', 'EUR', -100);
INSERT INTO ledgerline.journal_line VALUES (currval('ledgerline.journal_entry_seq'), 2, $nw, 'P-NW', 'EUR', 99);
COMMIT;
SQL
    out=$(sql "$IT_DB" -f "$IT_TMP/hand.sql" 2>&1) && fail "an entry off by one was committed"
    assert_contains "$out" "does not balance: -1 EUR off" "an entry off by one"
    # the lines' own check still holds when the entry's is switched off
    # (sql/013: a line leaves the check to its entry's trigger only while
    # that trigger is enabled)
    cat >"$IT_TMP/hand.sql" <<SQL
BEGIN;
ALTER TABLE ledgerline.journal_entry DISABLE TRIGGER journal_entry_balanced;
${unbalanced#BEGIN;}
INSERT INTO ledgerline.journal_line VALUES (currval('ledgerline.journal_entry_seq'), 1, $ai, 'P-AI', 'EUR', -100);
INSERT INTO ledgerline.journal_line VALUES (currval('ledgerline.journal_entry_seq'), 2, $nw, 'P-NW', 'EUR', 98);
COMMIT;
SQL
    out=$(sql "$IT_DB" -f "$IT_TMP/hand.sql" 2>&1) && fail "an entry off by two was committed without its entry check"
    assert_contains "$out" "does not balance: -2 EUR off" "an entry off by two, its entry check off"
    cat >"$IT_TMP/hand.sql" <<SQL
$unbalanced
COMMIT;
SQL
    out=$(sql "$IT_DB" -f "$IT_TMP/hand.sql" 2>&1) && fail "an entry with no lines was committed"
    assert_contains "$out" "has no lines" "an entry with no lines"
    # a line appended to an existing, balanced entry unbalances it
    cat >"$IT_TMP/hand.sql" <<SQL
BEGIN;
INSERT INTO ledgerline.journal_line
  SELECT entry_id, 99, $nw, 'P-NW', 'EUR', 1 FROM ledgerline.journal_entry ORDER BY entry_id LIMIT 1;
COMMIT;
SQL
    out=$(app_sql -f "$IT_TMP/hand.sql" 2>&1) && fail "a line added to a committed entry was committed"
    assert_contains "$out" "added to history made by an earlier transaction" "a line added to a committed entry"
    # a run's line must have its party's total (sql/014: checked per
    # statement); one whose party has a total goes in, as before
    cat >"$IT_TMP/hand.sql" <<SQL
BEGIN;
INSERT INTO ledgerline.run_line (run_id, licence, party, work, component, side, exact, amount_minor)
  SELECT run_id, licence, 'P-NOBODY', 'W-HAND', component, side, exact, amount_minor
    FROM ledgerline.run_line ORDER BY run_id, licence, party LIMIT 1;
COMMIT;
SQL
    out=$(app_sql -f "$IT_TMP/hand.sql" 2>&1) && fail "a run line with no party total was committed"
    assert_contains "$out" "a line of party P-NOBODY under licence" "a run line with no party total"
    cat >"$IT_TMP/hand.sql" <<SQL
BEGIN;
INSERT INTO ledgerline.run_line (run_id, licence, party, work, component, side, exact, amount_minor)
  SELECT run_id, licence, party, 'W-HAND', component, side, exact, amount_minor
    FROM ledgerline.run_line ORDER BY run_id, licence, party LIMIT 1;
ROLLBACK;
SQL
    out=$(app_sql -f "$IT_TMP/hand.sql" 2>&1) || fail "a run line of a party with a total was refused: $out"
    # a run's rows may come before the run's own row (sql/017), but never
    # commit without it: the key is checked at commit
    cat >"$IT_TMP/hand.sql" <<SQL
BEGIN;
INSERT INTO ledgerline.run_licence (run_id, licence, licensor, currency, exact, amount_minor)
  SELECT 'run-00000000000000000000000000000000', licence, licensor, currency, exact, amount_minor
    FROM ledgerline.run_licence ORDER BY run_id, licence LIMIT 1;
SELECT 'inserted';
COMMIT;
SQL
    out=$(app_sql -f "$IT_TMP/hand.sql" 2>&1) && fail "a licence total of no run was committed"
    assert_contains "$out" "inserted" "a run's row before the run's own is taken until commit"
    assert_contains "$out" "run_licence_run_id_fkey" "a licence total of no run, refused at commit"
    # a line whose currency is not its account's
    cat >"$IT_TMP/hand.sql" <<SQL
$unbalanced
INSERT INTO ledgerline.journal_line VALUES (currval('ledgerline.journal_entry_seq'), 1, $ai, 'P-AI', 'USD', -100);
INSERT INTO ledgerline.journal_line VALUES (currval('ledgerline.journal_entry_seq'), 2, $nw, 'P-NW', 'USD', 100);
COMMIT;
SQL
    out=$(sql "$IT_DB" -f "$IT_TMP/hand.sql" 2>&1) && fail "a line in another currency than its account was committed"
    assert_contains "$out" "violates foreign key constraint" "a line in another currency than its account"
    assert_eq "$(ledger_export)" "$before" "a refused statement changed the ledger"
    expect_rc 0 audit
}

# setup + the demo log + the changed log: 6 entries (2, 2 reversals, 2).
ledger_two_postings() {
    ledger_setup
    ledger_changed_log "$IT_TMP/y.ndjson"
    ledger_run "$LEDGER_LOG" "$IT_TMP/out"
    ledger_run "$IT_TMP/y.ndjson" "$IT_TMP/out"
    assert_contains "$OUT" "restated"
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact: $(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry") journal entries"
}

# As the superuser, with the append-only triggers off: sql statements $2...
# on database $1.
ledger_behind_the_back() {
    local edit_db=$1
    shift
    sql "$edit_db" -c "ALTER TABLE ledgerline.journal_entry DISABLE TRIGGER USER" \
        -c "ALTER TABLE ledgerline.journal_line DISABLE TRIGGER USER" \
        -c "ALTER TABLE ledgerline.posting DISABLE TRIGGER USER" \
        "$@" \
        -c "ALTER TABLE ledgerline.journal_entry ENABLE TRIGGER USER" \
        -c "ALTER TABLE ledgerline.journal_line ENABLE TRIGGER USER" \
        -c "ALTER TABLE ledgerline.posting ENABLE TRIGGER USER" >/dev/null ||
        fail "cannot edit the journal behind ledgerline's back"
}

# The middle entry of the journal ($1: extra SQL condition on e).
ledger_middle_entry() {
    sql "$IT_DB" -c "SELECT entry_id FROM ledgerline.journal_entry e WHERE ${1:-true}
                      ORDER BY entry_id
                     OFFSET (SELECT count(*) / 2 FROM ledgerline.journal_entry e WHERE ${1:-true})
                      LIMIT 1"
}

test_audit_detects_tampering() {
    local main=$IT_DB n next
    # an amount changed in a middle entry
    ledger_two_postings
    n=$(ledger_middle_entry)
    ledger_behind_the_back "$IT_DB" \
        -c "UPDATE ledgerline.journal_line SET amount_minor = amount_minor + 1
             WHERE entry_id = $n AND line_no = 2"
    expect_rc 1 audit
    assert_contains "$ERR" "ledgerline: audit failed: journal entry $n: content does not match its hash"

    # the same amount moved between two lines: still balanced, still caught
    newdb "${main}_move"
    ledger_two_postings
    n=$(ledger_middle_entry)
    ledger_behind_the_back "$IT_DB" \
        -c "UPDATE ledgerline.journal_line SET amount_minor = amount_minor + 1
             WHERE entry_id = $n AND line_no = 1" \
        -c "UPDATE ledgerline.journal_line SET amount_minor = amount_minor - 1
             WHERE entry_id = $n AND line_no = 2"
    expect_rc 1 audit
    assert_contains "$ERR" "ledgerline: audit failed: journal entry $n: content does not match its hash"

    # a middle entry deleted with its lines: the chain breaks at the next
    newdb "${main}_delete"
    ledger_two_postings
    n=$(ledger_middle_entry "NOT EXISTS (SELECT 1 FROM ledgerline.journal_entry r
                                          WHERE r.reverses = e.entry_id)")
    next=$(sql "$IT_DB" -c "SELECT min(entry_id) FROM ledgerline.journal_entry WHERE entry_id > $n")
    [ -n "$next" ] || fail "entry $n is the last one"
    ledger_behind_the_back "$IT_DB" \
        -c "DELETE FROM ledgerline.journal_line WHERE entry_id = $n" \
        -c "DELETE FROM ledgerline.journal_entry WHERE entry_id = $n"
    expect_rc 1 audit
    assert_contains "$ERR" "ledgerline: audit failed: journal entry $next: the chain is broken"

    # an entry's run id changed
    newdb "${main}_run_id"
    ledger_two_postings
    n=$(ledger_middle_entry)
    ledger_behind_the_back "$IT_DB" \
        -c "UPDATE ledgerline.journal_entry
               SET run_id = (SELECT run_id FROM ledgerline.journal_entry
                              WHERE run_id <> (SELECT run_id FROM ledgerline.journal_entry
                                                WHERE entry_id = $n) LIMIT 1)
             WHERE entry_id = $n"
    expect_rc 1 audit
    assert_contains "$ERR" "ledgerline: audit failed: journal entry $n: content does not match its hash"

    # a forged entry with a made-up hash: the app role cannot append it
    # to history at all ...
    newdb "${main}_forged"
    ledger_two_postings
    cat >"$IT_TMP/forge.sql" <<'SQL'
BEGIN;
INSERT INTO ledgerline.journal_entry (entry_id, posting_id, kind, run_id, licence, prev_hash, hash)
  SELECT nextval('ledgerline.journal_entry_seq'), posting_id, 'posting', run_id, 'L-2026-NW',
         (SELECT hash FROM ledgerline.journal_entry ORDER BY entry_id DESC LIMIT 1), repeat('b', 64)
    FROM ledgerline.posting ORDER BY posting_id DESC LIMIT 1;
INSERT INTO ledgerline.journal_line
  SELECT currval('ledgerline.journal_entry_seq'), 1, account_id, party, currency, -500
    FROM ledgerline.account WHERE party = 'P-AI' AND kind = 'licensee_payable';
INSERT INTO ledgerline.journal_line
  SELECT currval('ledgerline.journal_entry_seq'), 2, account_id, party, currency, 500
    FROM ledgerline.account WHERE party = 'P-KAI' AND kind = 'party_receivable';
COMMIT;
SQL
    out=$(app_sql -f "$IT_TMP/forge.sql" 2>&1) &&
        fail "the app role appended an entry to an old posting"
    assert_contains "$out" "added to history made by an earlier transaction"
    # ... and when the owner forces it in with triggers off, the audit
    # names it
    ledger_behind_the_back "$IT_DB" -c "
INSERT INTO ledgerline.journal_entry (entry_id, posting_id, kind, run_id, licence, prev_hash, hash)
  SELECT nextval('ledgerline.journal_entry_seq'), posting_id, 'posting', run_id, 'L-2026-NW',
         (SELECT hash FROM ledgerline.journal_entry ORDER BY entry_id DESC LIMIT 1), repeat('b', 64)
    FROM ledgerline.posting ORDER BY posting_id DESC LIMIT 1;
INSERT INTO ledgerline.journal_line
  SELECT currval('ledgerline.journal_entry_seq'), 1, account_id, party, currency, -500
    FROM ledgerline.account WHERE party = 'P-AI' AND kind = 'licensee_payable';
INSERT INTO ledgerline.journal_line
  SELECT currval('ledgerline.journal_entry_seq'), 2, account_id, party, currency, 500
    FROM ledgerline.account WHERE party = 'P-KAI' AND kind = 'party_receivable';"
    n=$(sql "$IT_DB" -c "SELECT max(entry_id) FROM ledgerline.journal_entry")
    expect_rc 1 audit
    assert_contains "$ERR" "ledgerline: audit failed: journal entry $n: content does not match its hash"

    # ... and a balanced pair of lines appended to an old entry: refused
    newdb "${main}_appended"
    ledger_two_postings
    n=$(ledger_middle_entry)
    cat >"$IT_TMP/forge.sql" <<SQL
BEGIN;
INSERT INTO ledgerline.journal_line
  SELECT $n, 90, account_id, party, currency, -700
    FROM ledgerline.account WHERE party = 'P-AI' AND kind = 'licensee_payable';
INSERT INTO ledgerline.journal_line
  SELECT $n, 91, account_id, party, currency, 700
    FROM ledgerline.account WHERE party = 'P-KAI' AND kind = 'party_receivable';
COMMIT;
SQL
    out=$(app_sql -f "$IT_TMP/forge.sql" 2>&1) &&
        fail "the app role appended two lines to an old entry"
    assert_contains "$out" "added to history made by an earlier transaction"
    # ... and forced in by the owner, found by the audit
    ledger_behind_the_back "$IT_DB" -c "
INSERT INTO ledgerline.journal_line
  SELECT $n, 90, account_id, party, currency, -700
    FROM ledgerline.account WHERE party = 'P-AI' AND kind = 'licensee_payable';
INSERT INTO ledgerline.journal_line
  SELECT $n, 91, account_id, party, currency, 700
    FROM ledgerline.account WHERE party = 'P-KAI' AND kind = 'party_receivable';"
    expect_rc 1 audit
    assert_contains "$ERR" "ledgerline: audit failed: journal entry $n: content does not match its hash"
}

# Rows of other tables that hang off the newest posting (statements, their
# Merkle root: whatever references ledgerline.posting besides the journal)
# deleted, their triggers off, so that the posting itself can go.
LEDGER_DELETE_POSTING_ATTACHMENTS="DO \$\$
DECLARE t regclass;
BEGIN
    -- what hangs off the posting's payments first
    ALTER TABLE ledgerline.payment_party DISABLE TRIGGER USER;
    ALTER TABLE ledgerline.payment_return DISABLE TRIGGER USER;
    DELETE FROM ledgerline.payment_party WHERE end_to_end_id IN (SELECT end_to_end_id
      FROM ledgerline.payment WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting));
    DELETE FROM ledgerline.payment_return WHERE end_to_end_id IN (SELECT end_to_end_id
      FROM ledgerline.payment WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting));
    ALTER TABLE ledgerline.payment_party ENABLE TRIGGER USER;
    ALTER TABLE ledgerline.payment_return ENABLE TRIGGER USER;
    FOR t IN SELECT conrelid::regclass FROM pg_constraint
              WHERE contype = 'f' AND confrelid = 'ledgerline.posting'::regclass
                AND conrelid NOT IN ('ledgerline.posting'::regclass,
                                     'ledgerline.journal_entry'::regclass) LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER USER', t);
        EXECUTE format('DELETE FROM %s WHERE posting_id =
                          (SELECT max(posting_id) FROM ledgerline.posting)', t);
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER USER', t);
    END LOOP;
END \$\$"

# Edits the hash chain cannot see by itself: the newest entries deleted
# (the chain is intact as far as it goes), and the rows around the
# journal that say what a posting is (its run, period, what it
# supersedes, its run.json; the run's party figures).  The audit must
# still find each one, through the structure of postings and runs.
# Every case runs in its own database; all are tried, then the misses
# are listed.
test_audit_detects_edits_outside_the_chain() {
    local main=$IT_DB missed="" c before
    for c in head_entry head_posting run_json_text period party_amounts empty_posting; do
        newdb "${main}_$c" || fail "cannot create a database"
        ledger_two_postings
        before=$(ledger_export)
        case $c in
        head_entry) # the newest entry and its lines (a payment's: its
            # payment rows too)
            ledger_behind_the_back "$IT_DB" \
                -c "ALTER TABLE ledgerline.payment_party DISABLE TRIGGER USER" \
                -c "ALTER TABLE ledgerline.payment DISABLE TRIGGER USER" \
                -c "DELETE FROM ledgerline.payment_party WHERE end_to_end_id IN (
                      SELECT end_to_end_id FROM ledgerline.payment WHERE entry_id =
                        (SELECT max(entry_id) FROM ledgerline.journal_entry))" \
                -c "DELETE FROM ledgerline.payment WHERE entry_id =
                      (SELECT max(entry_id) FROM ledgerline.journal_entry)" \
                -c "ALTER TABLE ledgerline.payment_party ENABLE TRIGGER USER" \
                -c "ALTER TABLE ledgerline.payment ENABLE TRIGGER USER" \
                -c "DELETE FROM ledgerline.journal_line WHERE entry_id =
                      (SELECT max(entry_id) FROM ledgerline.journal_entry)" \
                -c "DELETE FROM ledgerline.journal_entry WHERE entry_id =
                      (SELECT max(entry_id) FROM ledgerline.journal_entry)" ;;
        head_posting) # the newest posting, entries and all
            ledger_behind_the_back "$IT_DB" \
                -c "$LEDGER_DELETE_POSTING_ATTACHMENTS" \
                -c "DELETE FROM ledgerline.journal_line WHERE entry_id IN (
                      SELECT entry_id FROM ledgerline.journal_entry
                       WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting))" \
                -c "DELETE FROM ledgerline.journal_entry
                     WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting)" \
                -c "DELETE FROM ledgerline.posting
                     WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting)" ;;
        run_json_text) # the run.json a rerun writes back
            ledger_behind_the_back "$IT_DB" \
                -c "UPDATE ledgerline.posting
                       SET run_json_text = replace(run_json_text, '\"5000.00\"', '\"6000.00\"')
                     WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting)" ;;
        period) # the posting in force moved to another period
            ledger_behind_the_back "$IT_DB" \
                -c "UPDATE ledgerline.posting SET period_first = '2026-07-02'
                     WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting)" ;;
        party_amounts) # a cent moved between two parties of a licence
            sql "$IT_DB" -c "ALTER TABLE ledgerline.run_party DISABLE TRIGGER USER" \
                -c "UPDATE ledgerline.run_party SET amount_minor = amount_minor
                          + CASE party WHEN 'P-NW' THEN 1 ELSE -1 END
                     WHERE licence = 'L-2026-NW' AND party IN ('P-NW', 'P-PUB')
                       AND run_id = (SELECT run_id FROM ledgerline.posting
                                      ORDER BY posting_id DESC LIMIT 1)" \
                -c "ALTER TABLE ledgerline.run_party ENABLE TRIGGER USER" >/dev/null ||
                fail "cannot edit run_party" ;;
        empty_posting) # as the app role: refused by the database; forced
                       # in by the owner, found by the audit
            out=$(app_sql -c "INSERT INTO ledgerline.posting (run_id, licensee, period_first,
                               period_last, supersedes, run_json, run_json_text)
                        SELECT run_id, licensee, period_first, period_last,
                               (SELECT max(posting_id) FROM ledgerline.posting), '{}', '{}'
                          FROM ledgerline.posting ORDER BY posting_id LIMIT 1" 2>&1) &&
                fail "the app role inserted a posting with no entries"
            assert_contains "$out" "is not posted with its total"
            ledger_behind_the_back "$IT_DB" \
                -c "INSERT INTO ledgerline.posting (run_id, licensee, period_first,
                               period_last, supersedes, run_json, run_json_text)
                        SELECT run_id, licensee, period_first, period_last,
                               (SELECT max(posting_id) FROM ledgerline.posting), '{}', '{}'
                          FROM ledgerline.posting ORDER BY posting_id LIMIT 1" ;;
        esac
        [ "$(ledger_export)" != "$before" ] || fail "$c: the edit changed nothing"
        run audit
        [ "$RC" -eq 1 ] || missed="$missed
  $c: audit exited $RC: $OUT$ERR"
    done
    [ -z "$missed" ] || fail "the audit missed edits:$missed"
}

# The restatement's adjustments merge the superseded run's party totals,
# read from the database, with the new run's: that must not depend on how
# the database sorts text.  Here a database whose default collation is
# ICU en-US (sorting 'a-lower' before 'P-ADA', which byte order does not),
# as an external LEDGERLINE_DSN may well have.
test_restatement_adjustments_any_collation() {
    local icu_db="${IT_DB}_icu"
    sql postgres -c "DROP DATABASE IF EXISTS \"$icu_db\"" >/dev/null
    if ! sql postgres -c "CREATE DATABASE \"$icu_db\" TEMPLATE template0 ENCODING 'UTF8'
                          LOCALE 'C.utf8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'" >"$IT_TMP/icu.err" 2>&1; then
        echo "skipped: this cluster cannot create an ICU database: $(cat "$IT_TMP/icu.err")" >&2
        return 0
    fi
    ledger_use_db "$icu_db"
    assert_eq "$(sql "$IT_DB" -c "SELECT 'a-lower' < 'P-ADA'")" t "the database's collation"
    cat >"$IT_TMP/lower.json" <<'JSON'
{"parties": [{"id": "a-lower", "name": "A Lower", "kind": "label"}],
 "licences": [
  {"id": "L-2026-LOWER", "licensee": "P-AI", "licensor": "a-lower",
   "scope": {"works": ["W-0005"]}, "uses": ["voice"],
   "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "100"}}]}
JSON
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json "$IT_TMP/lower.json"
    ledger_changed_log "$IT_TMP/y.ndjson"
    ledger_run "$LEDGER_LOG" "$IT_TMP/x"
    ledger_run "$IT_TMP/y.ndjson" "$IT_TMP/y"
    assert_contains "$OUT" "restated: superseded"
    ledger_check_restatement "$IT_TMP/x/run.json" "$IT_TMP/y/run.json" "$IT_TMP/y/run.json"
}

# The key of ledgerline's writer lock for P-AI's 2026-Q3 (src/store/db_run.c).
LEDGER_PERIOD_LOCK="hashtextextended('ledgerline.period' || chr(31) || 'P-AI' || chr(31)
    || '2026-07-01' || chr(31) || '2026-09-30', 0)"

# ledger_race_start LOG_A LOG_B TAG [PERIOD_B]: start two runs of the two
# logs at once (the second may spell the period otherwise); outputs in
# $IT_TMP/TAG-a.*, TAG-b.*.  ledger_race_wait TAG: each must exit 0.
ledger_race_start() {
    "$LL" run --licensee P-AI --period 2026-Q3 --manifest "$LEDGER_MANIFEST" --logs "$1" \
        --out "$IT_TMP/$3-a" >"$IT_TMP/$3-a.out" 2>"$IT_TMP/$3-a.err" &
    pid_a=$!
    "$LL" run --licensee P-AI --period "${4:-2026-Q3}" --manifest "$LEDGER_MANIFEST" --logs "$2" \
        --out "$IT_TMP/$3-b" >"$IT_TMP/$3-b.out" 2>"$IT_TMP/$3-b.err" &
    pid_b=$!
}

ledger_race_wait() {
    local s
    wait "$pid_a"
    rc_a=$?
    wait "$pid_b"
    rc_b=$?
    for s in a b; do
        eval "rc=\$rc_$s"
        [ "$rc" -eq 0 ] || fail "concurrent run $1-$s exited $rc
stdout: $(cat "$IT_TMP/$1-$s.out")
stderr: $(cat "$IT_TMP/$1-$s.err")"
        verify_run_out "$IT_TMP/$1-$s"
    done
}

# The two runs of race $1 posted one after the other: the second
# restates the first, which restates $2 (the run in force before, or -).
ledger_race_check() {
    local first second id_a id_b
    id_a=$(jq -r .run_id "$IT_TMP/$1-a/run.json")
    id_b=$(jq -r .run_id "$IT_TMP/$1-b/run.json")
    [ "$id_a" != "$id_b" ] || fail "race $1: both runs have the same id"
    first=$(sql "$IT_DB" -c "SELECT run_id FROM ledgerline.posting ORDER BY posting_id DESC
                              OFFSET 1 LIMIT 1")
    second=$(sql "$IT_DB" -c "SELECT run_id FROM ledgerline.posting ORDER BY posting_id DESC
                               LIMIT 1")
    [ "$first $second" = "$id_a $id_b" ] || [ "$first $second" = "$id_b $id_a" ] ||
        fail "race $1: the two newest postings are $first $second, not the two runs $id_a $id_b"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.posting p
                                   WHERE NOT EXISTS (SELECT 1 FROM ledgerline.posting q
                                                      WHERE q.supersedes = p.posting_id)")" 1 \
        "race $1: postings in force"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.posting p
                                   WHERE p.posting_id > (SELECT min(posting_id) FROM ledgerline.posting)
                                     AND p.supersedes IS DISTINCT FROM
                                         (SELECT max(q.posting_id) FROM ledgerline.posting q
                                           WHERE q.posting_id < p.posting_id)")" 0 \
        "race $1: a posting does not supersede the one before it"
    # the stdout of each says what it did
    for s in a b; do
        eval "id=\$id_$s"
        if [ "$id" = "$second" ]; then
            assert_contains "$(cat "$IT_TMP/$1-$s.out")" "restated: superseded $first" "race $1-$s"
        elif [ "$2" = - ]; then
            assert_contains "$(cat "$IT_TMP/$1-$s.out")" "posted: " "race $1-$s"
        else
            assert_contains "$(cat "$IT_TMP/$1-$s.out")" "restated: superseded $2" "race $1-$s"
        fi
    done
    assert_eq "$(ledger_structure_problems)" ""
    race_head=$second
}

test_concurrent_runs_one_writer() {
    local i holder waiting log_a log_b
    ledger_setup
    ledger_changed_log "$IT_TMP/y.ndjson"

    # 1. hold the period's writer lock (until cancelled); both runs must
    # wait on it
    sql "$IT_DB" -c "SELECT pg_advisory_xact_lock($LEDGER_PERIOD_LOCK), pg_sleep(60)" \
        >/dev/null 2>&1 &
    holder=$!
    for i in $(seq 200); do
        [ "$(sql "$IT_DB" -c "SELECT count(*) FROM pg_locks
                               WHERE locktype = 'advisory' AND granted")" -ge 1 ] && break
        sleep 0.05
    done
    ledger_race_start "$LEDGER_LOG" "$IT_TMP/y.ndjson" held
    waiting=0
    for i in $(seq 400); do
        waiting=$(sql "$IT_DB" -c "SELECT count(*) FROM pg_locks l
                                     JOIN pg_stat_activity a USING (pid)
                                    WHERE l.locktype = 'advisory' AND NOT l.granted
                                      AND a.usename = 'ledgerline_app'")
        [ "$waiting" -ge 2 ] && break
        sleep 0.05
    done
    if ! kill -0 "$pid_a" 2>/dev/null || ! kill -0 "$pid_b" 2>/dev/null; then
        fail "a run finished while another session held the period's lock"
    fi
    assert_eq "$waiting" 2 "runs waiting on the period's lock"
    sql "$IT_DB" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                      WHERE usename = 'ledgerline' AND query LIKE '%pg_sleep(60)%'
                        AND pid <> pg_backend_pid()" >/dev/null
    wait "$holder" # cancelled: its transaction and lock are gone
    ledger_race_wait held
    ledger_race_check held -

    # 2. plain races, five rounds, each with two new inputs
    for i in 1 2 3 4 5; do
        log_a="$IT_TMP/race$i-a.ndjson"
        log_b="$IT_TMP/race$i-b.ndjson"
        sed "/\"g-000001\"/s/\"value\": \"0.0400\"/\"value\": \"0.0$i$i$i\"/" "$LEDGER_LOG" >"$log_a"
        sed "/\"g-000004\"/s/\"value\": \"0.0400\"/\"value\": \"0.0$i$i$i\"/" "$LEDGER_LOG" >"$log_b"
        # the last round spells the same period as dates: the same lock
        if [ "$i" -eq 5 ]; then
            ledger_race_start "$log_a" "$log_b" "race$i" 2026-07-01..2026-09-30
        else
            ledger_race_start "$log_a" "$log_b" "race$i"
        fi
        ledger_race_wait "race$i"
        ledger_race_check "race$i" "$race_head"
    done
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.posting")" 12
    assert_eq "$(ledger_bad_reversals)" ""
    expect_rc 0 audit
}

# Wait until no session of the application role is left on the current
# database (a killed client's backend notices it is gone a moment later).
ledger_wait_sessions_gone() {
    local i
    for i in $(seq 500); do
        [ "$(sql "$IT_DB" -c "SELECT count(*) FROM pg_stat_activity
                               WHERE datname = current_database()
                                 AND usename = 'ledgerline_app'")" = 0 ] && return 0
        sleep 0.02
    done
    fail "a killed run's session is still open after 10 s"
}

ledger_now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# kill -9 at random moments of a run, alternating two inputs X, Y, X, …
# so that the kills also land in restatements.  After each kill the
# ledger holds the whole posting or no trace of it and the final output
# files are whole; then the run is completed, and the ledger must equal
# that of a reference database which did the same sequence without kills
# (its runs, never interrupted, also give the duration the kill delays
# are drawn from).
#
# LEDGERLINE_KILLS: kills that must land before a run finishes (default
# 50); LEDGERLINE_KILL_EVENTS: events in the generated log (default
# 150000: this engine reads 50,000 events in ~20 ms); LEDGERLINE_KILL_SEED; and
# LEDGERLINE_KILL_REPORT, a file the statistics are appended to (the
# harness shows a passing test's output to no one).
test_kill_harness() {
    local kills_min=${LEDGERLINE_KILLS:-50} events=${LEDGERLINE_KILL_EVENTS:-150000}
    local seed=${LEDGERLINE_KILL_SEED:-$$} main=$IT_DB ref="${IT_DB}_ref"
    local dir="$IT_TMP/kill" k max log t0 t1 d_ms f_milli delay_ms pid rc before after
    local seq0 seq1 stage n_stage_before n_stage f same_new phase stats killed=0 problems
    local aimed target_ms='' runs0 runs1 st_new st_old
    local started
    started=$(ledger_now_ms)
    max=$((kills_min * 2 + 10))
    RANDOM=$seed
    mkdir -p "$dir/ref" "$dir/out" || fail "cannot make $dir"

    # X: events valid in 2026-Q3 for m-harmony-2 over the demo works;
    # Y: X without every seventh event
    python3 - "$events" "$dir/x.ndjson" "$dir/y.ndjson" <<'PY' || fail "cannot generate the logs"
import datetime, random, sys
n, xp, yp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
r = random.Random(20260701)
works = ["W-0001", "W-0002", "W-0003", "W-0004", "W-0005"]
base = datetime.datetime(2026, 7, 1)
with open(xp, "w") as x, open(yp, "w") as y:
    for i in range(n):
        att, left = [], 1000
        for w in r.sample(works, r.randint(0, 3)):
            if left == 0:
                break
            m = r.randint(1, left)
            left -= m
            att.append('{"work": "%s", "weight": "%s"}' % (w, "1" if m == 1000 else "0.%03d" % m))
        ts = base + datetime.timedelta(seconds=r.randint(0, 92 * 86400 - 1))
        line = ('{"id": "g-%07d", "model": "m-harmony-2", "ts": "%s", "value": "0.%04d", '
                '"currency": "EUR", "attribution": [%s]}\n'
                % (i, ts.strftime("%Y-%m-%dT%H:%M:%SZ"), r.randint(0, 9999), ", ".join(att)))
        x.write(line)
        if i % 7 != 3:
            y.write(line)
PY
    newdb "$ref" || fail "cannot create the reference database"
    ledger_setup
    ledger_use_db "$main"
    ledger_setup
    : >"$dir/durations"
    : >"$dir/outcomes"
    for k in $(seq "$max"); do
        if [ $((k % 2)) -eq 1 ]; then log="$dir/x.ndjson"; else log="$dir/y.ndjson"; fi

        # the reference: the same run, never killed, timed
        ledger_use_db "$ref"
        # (timed alone: the verifiers the run helper calls after every
        # run take longer than the run itself)
        t0=$(ledger_now_ms)
        "$LL" run --licensee P-AI --period 2026-Q3 --manifest "$LEDGER_MANIFEST" \
            --logs "$log" --out "$dir/ref-out" >"$dir/ref.out" 2>"$dir/ref.err" ||
            fail "iteration $k: the reference run failed: $(cat "$dir/ref.err")"
        t1=$(ledger_now_ms)
        echo $((t1 - t0)) >>"$dir/durations"
        verify_run_out "$dir/ref-out"
        mkdir "$dir/ref/$k"
        cp -R "$dir/ref-out/." "$dir/ref/$k/" || fail "cannot keep the reference's outputs"
        if [ $((k % 10)) -eq 0 ]; then
            ledger_export >"$dir/ref-export.$k" || fail "cannot export the reference"
        fi
        # the median of the last nine: the machine's load drifts
        d_ms=$(tail -n 9 "$dir/durations" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
        [ "$d_ms" -ge 1 ] || d_ms=1
        ledger_use_db "$main"

        # the killed attempt
        read -r before seq0 runs0 <<EOF
$(sql "$IT_DB" -F ' ' -c "SELECT (SELECT count(*) FROM ledgerline.posting),
                                 CASE WHEN is_called THEN last_value ELSE 0 END,
                                 (SELECT count(*) FROM ledgerline.run)
                            FROM ledgerline.posting_posting_id_seq")
EOF
        [ "$before" -eq $((k - 1)) ] || fail "iteration $k starts with $before postings"
        n_stage_before=$(find "$dir/out" -maxdepth 1 -name '.ledgerline-stage-*' | wc -l)
        # A third of the kills anywhere in [0, 1.2 d).  Reading the log is
        # most of a run; storing, posting, staging, committing and
        # publishing are its last few percent, shorter than the jitter of
        # a shared machine, so the rest aim at the commit: target_ms
        # moves later after a kill that left no trace and earlier after
        # one that came too late, settling where 60% leave no trace.
        if [ $((k % 3)) -eq 0 ]; then
            aimed=0
            delay_ms=$((d_ms * (RANDOM % 1200) / 1000))
        else
            aimed=1
            [ -n "$target_ms" ] || target_ms=$((d_ms * 9 / 10))
            delay_ms=$((target_ms + d_ms * (RANDOM % 100 - 50) / 1000))
            [ "$delay_ms" -ge 0 ] || delay_ms=0
        fi
        f_milli=$((delay_ms * 1000 / d_ms))
        "$LL" run --licensee P-AI --period 2026-Q3 --manifest "$LEDGER_MANIFEST" \
            --logs "$log" --out "$dir/out" >"$dir/killed.out" 2>"$dir/killed.err" &
        pid=$!
        sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
        kill -9 "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        ledger_wait_sessions_gone
        read -r after seq1 runs1 <<EOF
$(sql "$IT_DB" -F ' ' -c "SELECT (SELECT count(*) FROM ledgerline.posting),
                                 CASE WHEN is_called THEN last_value ELSE 0 END,
                                 (SELECT count(*) FROM ledgerline.run)
                            FROM ledgerline.posting_posting_id_seq")
EOF
        case $rc in
        0) ;;
        137) killed=$((killed + 1)) ;;
        *) fail "iteration $k: the run exited $rc
stderr: $(cat "$dir/killed.err")" ;;
        esac
        [ "$after" -eq "$before" ] || [ "$after" -eq $((before + 1)) ] ||
            fail "iteration $k: $before postings before the kill, $after after"
        [ "$rc" -ne 0 ] || [ "$after" -eq $((before + 1)) ] ||
            fail "iteration $k: the run exited 0 but posted nothing"
        [ "$rc" -ne 0 ] || verify_run_out "$dir/out"
        # the run is stored with its posting or not at all (X and Y are
        # new runs only the first time)
        if [ "$after" -eq "$before" ] || [ "$k" -gt 2 ]; then
            [ "$runs1" -eq "$runs0" ] || fail "iteration $k: $runs0 runs stored before, $runs1 after"
        else
            [ "$runs1" -eq $((runs0 + 1)) ] || fail "iteration $k: posted, but $runs0 runs before, $runs1 after"
        fi
        problems=$(ledger_structure_problems)
        [ -z "$problems" ] || fail "iteration $k: after a kill at $delay_ms ms:
$problems"
        # the output files: untouched unless the run committed; then each
        # whole, this run's or the previous run's, and the statements
        # directory one run's, never a mix
        same_new=0
        if [ "$after" -eq "$before" ]; then
            if [ "$k" -eq 1 ]; then
                assert_eq "$(ledger_out_files "$dir/out")" "" "iteration $k: files of an uncommitted run"
            else
                ledger_same_outputs "$dir/ref/$((k - 1))" "$dir/out" ||
                    fail "iteration $k: a run killed before its commit changed --out:
$(diff -r --exclude='.ledgerline-*' "$dir/ref/$((k - 1))" "$dir/out" | head -20)"
            fi
        else
            st_new=0
            st_old=0
            for f in $(ledger_out_files "$dir/out"); do
                if ledger_same_file "$dir/out/$f" "$dir/ref/$k/$f"; then
                    same_new=$((same_new + 1))
                    case $f in statements/*) st_new=$((st_new + 1)) ;; esac
                elif [ "$k" -gt 1 ] && ledger_same_file "$dir/out/$f" "$dir/ref/$((k - 1))/$f"; then
                    case $f in statements/*) st_old=$((st_old + 1)) ;; esac
                else
                    fail "iteration $k: $f is neither this run's nor the previous run's"
                fi
            done
            [ "$st_new" -eq 0 ] || [ "$st_old" -eq 0 ] ||
                fail "iteration $k: statements/ mixes two runs ($st_new new, $st_old old)"
        fi
        n_stage=$(find "$dir/out" -maxdepth 1 -name '.ledgerline-stage-*' | wc -l)
        stage=$((n_stage - n_stage_before))
        if [ "$rc" -eq 0 ]; then
            phase=finished_before_the_kill
        elif [ "$after" -eq "$before" ]; then
            if [ "$stage" -gt 0 ]; then
                phase=staging_or_committing
            elif [ "$seq1" -gt "$seq0" ]; then
                phase=posting_journal
            else
                phase=reading_computing_storing
            fi
        elif ledger_same_outputs "$dir/ref/$k" "$dir/out"; then
            phase=published_not_exited
        elif [ "$same_new" -gt 0 ]; then
            phase=publishing_mixed_files
        else
            phase=committed_not_published
        fi
        echo "$k $delay_ms $f_milli $rc $phase $stage" >>"$dir/outcomes"
        if [ "$aimed" -eq 1 ]; then
            if [ "$rc" -ne 0 ] && [ "$after" -eq "$before" ]; then
                target_ms=$((target_ms + d_ms * 2 / 100 + 1))
            else
                target_ms=$((target_ms - d_ms * 3 / 100 - 1))
            fi
            [ "$target_ms" -ge $((d_ms / 2)) ] || target_ms=$((d_ms / 2))
            [ "$target_ms" -le $((d_ms * 3 / 2)) ] || target_ms=$((d_ms * 3 / 2))
        fi

        # complete the run
        ledger_run "$log" "$dir/out"
        if [ "$after" -gt "$before" ]; then
            assert_contains "$OUT" "already posted" "iteration $k: completing a committed run"
        elif [ "$k" -eq 1 ]; then
            assert_contains "$OUT" "posted: " "iteration $k: completing the run"
        else
            assert_contains "$OUT" "restated: superseded" "iteration $k: completing the run"
        fi
        ledger_same_outputs "$dir/ref/$k" "$dir/out" ||
            fail "iteration $k: the outputs differ from the reference's:
$(diff -r --exclude='.ledgerline-*' "$dir/ref/$k" "$dir/out" | head -20)"
        # every tenth iteration, and after the last, the whole ledger
        # equals the reference's (what differs once differs ever after)
        if [ $((k % 10)) -eq 0 ]; then
            ledger_export >"$dir/export" || fail "cannot export the ledger"
            diff -u "$dir/ref-export.$k" "$dir/export" >&2 ||
                fail "iteration $k: the ledger differs from the reference's"
        fi
        [ "$killed" -ge "$kills_min" ] && break
    done
    ledger_export >"$dir/export" || fail "cannot export the ledger"
    ledger_export "$ref" >"$dir/ref-export" || fail "cannot export the reference"
    diff -u "$dir/ref-export" "$dir/export" >&2 ||
        fail "after $k iterations: the ledger differs from the reference's"
    [ "$(grep -c '^posting|' "$dir/export")" -eq "$k" ] || fail "not $k postings in the end"
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact"
    ledger_use_db "$ref"
    expect_rc 0 audit
    ledger_use_db "$main"

    stats=$(awk -v d="$d_ms" -v seed="$seed" -v events="$events" '
        { n[$5]++; if ($6 > 0) left++ }
        END {
            printf "kill harness: %d attempts on a %d-event log (last median uninterrupted run %d ms, seed %s)\n",
                NR, events, d, seed
            for (p in n) printf "  %-28s %d\n", p, n[p]
            printf "  attempts leaving a staging dir %d\n", left + 0
        }' "$dir/outcomes")
    stats="$stats
  staging dirs in --out at the end: $(find "$dir/out" -maxdepth 1 -name '.ledgerline-stage-*' | wc -l)
  whole test: $(($(ledger_now_ms) - started)) ms"
    echo "$stats" >&2
    if [ -n "${LEDGERLINE_KILL_REPORT:-}" ]; then
        {
            echo "$stats"
            echo "  k delay_ms fraction_permille rc phase staging_dirs_added:"
            sort -k3 -n "$dir/outcomes" | sed 's/^/    /'
            echo "  staging dirs left:"
            find "$dir/out" -maxdepth 2 -path '*/.ledgerline-stage-*' | sed 's/^/    /'
        } >>"$LEDGERLINE_KILL_REPORT"
    fi
    [ "$killed" -ge "$kills_min" ] || fail "only $killed kills landed before the run finished, in $max attempts"
}

test_balance_command() {
    local csv
    expect_rc 0 init
    cat >"$IT_TMP/jpy.json" <<'JSON'
{"licences": [
  {"id": "L-2026-KAI-JP", "licensee": "P-AI", "licensor": "P-KAI",
   "scope": {"works": ["W-0005"]}, "uses": ["voice"],
   "start": "2026-01-01", "end": "2026-12-31", "currency": "JPY",
   "terms": {"training_fee": "150000"}}]}
JSON
    expect_rc 0 load "$DATA"/demo/registry/*.json "$IT_TMP/jpy.json"
    # before any run: a header
    expect_rc 0 balance --format csv
    assert_eq "$OUT" "party,currency,earned,paid,open"
    ledger_run "$LEDGER_LOG" "$IT_TMP/out"

    expect_rc 0 balance --format csv
    csv=$OUT
    # earned is each party's run total; a first posting pays it all
    assert_eq "$(printf '%s\n' "$csv" | tail -n +2 | cut -d, -f1-3)" \
        "$(sql "$IT_DB" -F, -c "SELECT p.party, l.currency, sum(p.amount_minor) FROM ledgerline.run_party p
                                   JOIN ledgerline.run_licence l USING (run_id, licence)
                                  GROUP BY 1, 2 ORDER BY 1, 2" |
           awk -F, '{ e = ($2 == "JPY") ? 0 : 2; v = $3; if (e) v = sprintf("%d.%02d", int($3 / 100), $3 % 100); print $1 "," $2 "," v }')"
    assert_eq "$(printf '%s\n' "$csv" | awk -F, 'NR > 1 && $3 != $4')" "" "a first posting left something unpaid"
    assert_eq "$(printf '%s\n' "$csv" | awk -F, 'NR > 1 && $5 !~ /^0(\.00)?$/')" ""
    assert_contains "$csv" "P-KAI,JPY,150000,150000,0"

    expect_rc 0 balance
    assert_eq "$(printf '%s\n' "$OUT" | head -1 | tr -s ' ')" "party currency earned paid open"
    expect_rc 0 balance --party P-NW --format csv
    assert_eq "$(printf '%s\n' "$OUT" | cut -d, -f1,2)" "party,currency
P-NW,EUR"
    expect_rc 0 balance --currency JPY --format csv
    assert_eq "$OUT" "party,currency,earned,paid,open
P-KAI,JPY,150000,150000,0"
    expect_rc 0 balance --party P-KAI --format json
    assert_eq "$(printf '%s\n' "$OUT" | jq -r '.[] | .currency' | tr '\n' ' ')" "EUR JPY "
    # a known currency with no account: the header
    expect_rc 0 balance --currency USD --format csv
    assert_eq "$OUT" "party,currency,earned,paid,open"
    # a well-formed party the registry never held
    expect_rc 3 balance --party P-NOBODY --format csv
    assert_contains "$ERR" "unknown party \"P-NOBODY\""

    expect_rc 2 balance --currency XYZ
    assert_contains "$ERR" "unknown currency 'XYZ'"
    expect_rc 2 balance --currency eur
    expect_rc 2 balance --party 'bad party'
    expect_rc 2 balance --format xml
    expect_rc 2 balance extra
    expect_rc 0 balance --help
    assert_contains "$OUT" "usage: ledgerline balance"
}
