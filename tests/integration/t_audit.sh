# Integration tests of "ledgerline audit" (SPEC §5 "Tamper evidence"): a
# tamper corpus.  One ledger is built (two licensees, two periods, one
# restatement) and its checkpoints kept; then every case copies it into a
# fresh database, edits it as the superuser with every trigger off
# (session_replication_role = replica), recomputes the journal's hash
# chain so that it holds again (audit_rechain), and expects the audit to
# exit 1 naming what changed.  All cases are tried, then the misses are
# listed.

AUDIT_DATA="$DATA/audit"

# The journal's hash chain recomputed over the rows as they now stand,
# exactly as entry_digest in src/store/db_ledger.c computes it: what
# someone who edits the journal behind ledgerline's back does so that the
# chain holds again.  $1: the database.
audit_rechain() {
    sql "$1" -c "SET session_replication_role = replica" -c "DO \$\$
DECLARE
    r record;
    prev text := repeat('0', 64);
    body text;
    h text;
BEGIN
    FOR r IN SELECT e.entry_id, e.posting_id, e.kind, coalesce(e.reverses, 0) AS rev,
                    e.run_id, e.licence, p.run_id AS prun,
                    p.period_first::text || '..' || p.period_last::text AS per,
                    coalesce(p.supersedes, 0) AS sup,
                    encode(sha256(convert_to(p.run_json_text, 'UTF8')), 'hex') AS js
               FROM ledgerline.journal_entry e JOIN ledgerline.posting p USING (posting_id)
              ORDER BY e.entry_id LOOP
        body := prev || E'\nledgerline-journal-v1\nentry ' || r.entry_id
             || E'\nposting ' || r.posting_id || ' ' || r.prun || ' ' || r.per || ' '
             || r.sup || ' ' || r.js || E'\nkind ' || r.kind || E'\nreverses ' || r.rev
             || E'\nrun ' || r.run_id || E'\nlicence ' || r.licence || E'\n'
             || coalesce((SELECT string_agg('line ' || x.n || ' ' || x.party || ' ' || x.kind
                                            || ' ' || x.currency || ' ' || x.amount_minor
                                            || E'\n', '' ORDER BY x.n)
                            FROM (SELECT row_number() OVER (ORDER BY l.line_no) AS n,
                                         a.party, a.kind, l.currency, l.amount_minor
                                    FROM ledgerline.journal_line l
                                    JOIN ledgerline.account a USING (account_id)
                                   WHERE l.entry_id = r.entry_id) x), '');
        h := encode(sha256(convert_to(body, 'UTF8')), 'hex');
        UPDATE ledgerline.journal_entry SET prev_hash = prev, hash = h
         WHERE entry_id = r.entry_id;
        prev := h;
    END LOOP;
END \$\$" >/dev/null || fail "cannot recompute the hash chain"
}

# audit_tamper DB SQL...: the statements as the superuser with every
# trigger (append-only, foreign keys) off, then the chain recomputed.
audit_tamper() {
    local db=$1
    shift
    sql "$db" -c "SET session_replication_role = replica" "$@" >/dev/null ||
        fail "cannot edit the ledger behind ledgerline's back"
    audit_rechain "$db"
}

# The ledger every case starts from, in the current database: P-AI's
# 2026-Q3 posted and restated, P-SYN's 2026-07 posted.  Each run's
# checkpoint (when the run writes one) is kept as $IT_TMP/cp-N.json.
audit_build() {
    local n=0 out
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json "$AUDIT_DATA/registry-second-licensee.json"
    grep -v '"g-000003"' "$DATA/demo/generations-2026-q3.ndjson" |
        sed '/"g-000002"/s/"value": "0.0400"/"value": "0.0800"/' >"$IT_TMP/restated.ndjson"
    for args in "P-AI 2026-Q3 $DATA/demo/manifest-harmony-2.json $DATA/demo/generations-2026-q3.ndjson" \
        "P-SYN 2026-07 $AUDIT_DATA/manifest-syn.json $AUDIT_DATA/generations-2026-07.ndjson" \
        "P-AI 2026-Q3 $DATA/demo/manifest-harmony-2.json $IT_TMP/restated.ndjson"; do
        set -- $args
        n=$((n + 1))
        out="$IT_TMP/out-$n"
        expect_rc 0 run --licensee "$1" --period "$2" --manifest "$3" --logs "$4" --out "$out"
        [ ! -f "$out/checkpoint.dsse.json" ] || cp "$out/checkpoint.dsse.json" "$IT_TMP/cp-$n.json"
        # a backup taken before the restatement
        [ "$n" -ne 2 ] || [ -z "${AUDIT_BACKUP-}" ] ||
            sql postgres -c "DROP DATABASE IF EXISTS \"$AUDIT_BACKUP\"" \
                -c "CREATE DATABASE \"$AUDIT_BACKUP\" TEMPLATE \"$IT_DB\"" >/dev/null ||
            fail "cannot back the ledger up"
    done
}

# The SQL of tamper case $1 (a run id is looked up in the database $2).
audit_case_sql() {
    local c=$1 db=$2 cur
    # the run in force for P-AI 2026-Q3 (the restatement)
    cur=$(sql "$db" -c "SELECT run_id FROM ledgerline.posting WHERE licensee = 'P-AI'
                         ORDER BY posting_id DESC LIMIT 1")
    case $c in
    forged_reversal) # a balanced reversal of a current entry, in its own posting
        echo "INSERT INTO ledgerline.journal_entry (entry_id, posting_id, kind, reverses, run_id,
                     licence, prev_hash, hash)
              SELECT nextval('ledgerline.journal_entry_seq'), e.posting_id, 'reversal', e.entry_id,
                     e.run_id, e.licence, repeat('0', 64), md5(random()::text) || md5(random()::text)
                FROM ledgerline.journal_entry e
               WHERE e.run_id = '$cur' AND e.kind = 'posting' AND e.licence = 'L-2026-NW';"
        echo "INSERT INTO ledgerline.journal_line
              SELECT currval('ledgerline.journal_entry_seq'), l.line_no, l.account_id, l.party,
                     l.currency, -l.amount_minor
                FROM ledgerline.journal_line l JOIN ledgerline.journal_entry e USING (entry_id)
               WHERE e.run_id = '$cur' AND e.kind = 'posting' AND e.licence = 'L-2026-NW';" ;;
    cent_between_parties) # P-NW -> P-PUB, in lines, party totals and journal
        echo "UPDATE ledgerline.run_line SET amount_minor = amount_minor
                     + CASE party WHEN 'P-PUB' THEN 1 ELSE -1 END
               WHERE run_id = '$cur' AND licence = 'L-2026-NW' AND component = 'training'
                 AND work = 'W-0001' AND party IN ('P-NW', 'P-PUB');"
        echo "UPDATE ledgerline.run_party SET amount_minor = amount_minor
                     + CASE party WHEN 'P-PUB' THEN 1 ELSE -1 END
               WHERE run_id = '$cur' AND licence = 'L-2026-NW' AND party IN ('P-NW', 'P-PUB');"
        echo "UPDATE ledgerline.journal_line l SET amount_minor = amount_minor
                     + CASE l.party WHEN 'P-PUB' THEN 1 ELSE -1 END
                FROM ledgerline.journal_entry e, ledgerline.account a
               WHERE e.entry_id = l.entry_id AND a.account_id = l.account_id
                 AND e.run_id = '$cur' AND e.kind = 'posting' AND e.licence = 'L-2026-NW'
                 AND a.kind = 'party_receivable' AND l.party IN ('P-NW', 'P-PUB');" ;;
    line_within_party) # a cent of P-NW's from W-0001 to W-0005
        echo "UPDATE ledgerline.run_line SET amount_minor = amount_minor
                     + CASE work WHEN 'W-0005' THEN 1 ELSE -1 END
               WHERE run_id = '$cur' AND licence = 'L-2026-NW' AND party = 'P-NW'
                 AND component = 'training' AND side = 'master' AND work IN ('W-0001', 'W-0005');" ;;
    payout) # a payout's amount
        echo "UPDATE ledgerline.run_payout SET amount_minor = amount_minor + 100
               WHERE run_id = '$cur' AND payee = 'P-NW';" ;;
    payment_e2e) # a payment's end-to-end id, with what it settles
        echo "SET session_replication_role = replica;
              UPDATE ledgerline.payment_party SET end_to_end_id = 'LL00000000000000000000000000000000'
               WHERE end_to_end_id = (SELECT end_to_end_id FROM ledgerline.payment
                                       WHERE payee = 'P-PUB' ORDER BY posting_id LIMIT 1);
              UPDATE ledgerline.payment SET end_to_end_id = 'LL00000000000000000000000000000000'
               WHERE end_to_end_id = (SELECT end_to_end_id FROM ledgerline.payment
                                       WHERE payee = 'P-PUB' ORDER BY posting_id LIMIT 1);" ;;
    payment_split) # a cent of P-NW's payment moved from P-NW to P-ADA
        echo "UPDATE ledgerline.payment_party SET amount_minor = amount_minor
                     + CASE party WHEN 'P-ADA' THEN 1 ELSE -1 END
               WHERE end_to_end_id = (SELECT end_to_end_id FROM ledgerline.payment
                                       WHERE payee = 'P-NW' ORDER BY posting_id LIMIT 1);" ;;
    return_forged) # a payment recorded as returned with no return entry
        echo "INSERT INTO ledgerline.payment_return (end_to_end_id, entry_id)
              SELECT end_to_end_id, (SELECT min(entry_id) FROM ledgerline.journal_entry)
                FROM ledgerline.payment WHERE payee = 'P-KAI' ORDER BY posting_id LIMIT 1;" ;;
    envelope) # a statement's payload replaced by another party's, digest to match
        echo "UPDATE ledgerline.posting_statement s
                 SET envelope = replace(s.envelope, substr(s.envelope, 60, 8), 'AAAAAAAA')
               WHERE s.party = 'P-NW' AND s.posting_id = (SELECT max(posting_id) FROM ledgerline.posting WHERE licensee = 'P-AI');"
        echo "UPDATE ledgerline.posting_statement SET sha256 = encode(sha256(convert_to(envelope, 'UTF8')), 'hex');" ;;
    envelope_digest) # a statement's stored digest
        echo "UPDATE ledgerline.posting_statement SET sha256 = repeat('ab', 32)
               WHERE party = 'P-PUB' AND posting_id = (SELECT min(posting_id) FROM ledgerline.posting);" ;;
    merkle_root) # a posting's stored root
        echo "UPDATE ledgerline.posting_root SET merkle_root = repeat('cd', 32)
               WHERE posting_id = (SELECT min(posting_id) FROM ledgerline.posting);" ;;
    statement_deleted)
        echo "DELETE FROM ledgerline.posting_statement
               WHERE party = 'P-KAI' AND posting_id = (SELECT max(posting_id) FROM ledgerline.posting WHERE licensee = 'P-AI');" ;;
    statement_inserted) # P-AI's first P-BLUE statement, also under P-SYN's posting
        echo "INSERT INTO ledgerline.posting_statement
              SELECT (SELECT posting_id FROM ledgerline.posting WHERE licensee = 'P-SYN'),
                     party, sha256, envelope
                FROM ledgerline.posting_statement
               WHERE party = 'P-BLUE' AND posting_id = (SELECT min(posting_id) FROM ledgerline.posting);" ;;
    input_digest) # a log's digest
        echo "UPDATE ledgerline.run_input SET sha256 = repeat('ef', 32)
               WHERE run_id = '$cur' AND kind = 'log';" ;;
    run_json_text) # the run.json of the newest posting, both copies
        echo "UPDATE ledgerline.posting
                 SET run_json_text = replace(run_json_text, '\"EUR\"', '\"USD\"'),
                     run_json = replace(run_json_text, '\"EUR\"', '\"USD\"')::jsonb
               WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting);" ;;
    run_json_copy) # the run's copy of run.json, no longer its posting's
        echo "UPDATE ledgerline.run SET run_json = jsonb_set(run_json, '{licensee}', '\"P-X\"')
               WHERE run_id = '$cur';" ;;
    compliance) # the compliance report
        echo "UPDATE ledgerline.run SET compliance = jsonb_set(compliance, '{audit}', '\"edited\"')
               WHERE run_id = '$cur';" ;;
    registry) # a stored registry record, its digest kept
        echo "UPDATE ledgerline.registry_record
                 SET body = jsonb_set(body, '{name}', '\"Northwind Records Ltd\"')
               WHERE kind = 'party' AND id = 'P-NW';" ;;
    entry_inserted) # a copy of a current entry, posted again in its posting
        echo "INSERT INTO ledgerline.journal_entry (entry_id, posting_id, kind, reverses, run_id,
                     licence, prev_hash, hash)
              SELECT nextval('ledgerline.journal_entry_seq'), e.posting_id, 'posting', NULL,
                     e.run_id, e.licence, repeat('0', 64), md5(random()::text) || md5(random()::text)
                FROM ledgerline.journal_entry e
               WHERE e.run_id = '$cur' AND e.kind = 'posting' AND e.licence = 'L-2026-NW';"
        echo "INSERT INTO ledgerline.journal_line
              SELECT currval('ledgerline.journal_entry_seq'), l.line_no, l.account_id, l.party,
                     l.currency, l.amount_minor
                FROM ledgerline.journal_line l JOIN ledgerline.journal_entry e USING (entry_id)
               WHERE e.run_id = '$cur' AND e.kind = 'posting' AND e.licence = 'L-2026-NW'
                 AND e.entry_id < currval('ledgerline.journal_entry_seq');" ;;
    entry_deleted) # the newest entry of P-AI's restatement, with its lines
        echo "DELETE FROM ledgerline.journal_line WHERE entry_id = (SELECT max(entry_id)
                FROM ledgerline.journal_entry WHERE run_id = '$cur');"
        echo "DELETE FROM ledgerline.journal_entry WHERE entry_id = (SELECT max(entry_id)
                FROM ledgerline.journal_entry WHERE run_id = '$cur');" ;;
    entries_reordered) # the restatement's two reversals swapped
        echo "UPDATE ledgerline.journal_line SET entry_id = -entry_id WHERE entry_id IN
                (SELECT entry_id FROM ledgerline.journal_entry WHERE kind = 'reversal');"
        echo "UPDATE ledgerline.journal_entry SET entry_id = -entry_id WHERE kind = 'reversal';"
        echo "UPDATE ledgerline.journal_entry SET entry_id =
                (SELECT max(-entry_id) FROM ledgerline.journal_entry WHERE entry_id < 0)
                + (SELECT min(-entry_id) FROM ledgerline.journal_entry WHERE entry_id < 0) + entry_id
               WHERE entry_id < 0;"
        echo "UPDATE ledgerline.journal_line SET entry_id =
                (SELECT max(entry_id) FROM ledgerline.journal_entry WHERE kind = 'reversal')
                + (SELECT min(entry_id) FROM ledgerline.journal_entry WHERE kind = 'reversal') + entry_id
               WHERE entry_id < 0;" ;;
    checkpoint_deleted) # the newest posting's stored checkpoint
        echo "DELETE FROM ledgerline.posting_checkpoint
               WHERE posting_id = (SELECT max(posting_id) FROM ledgerline.posting);" ;;
    checkpoint_swapped) # the first posting's checkpoint stored as the newest's
        echo "UPDATE ledgerline.posting_checkpoint c SET envelope = f.envelope, sha256 = f.sha256
                FROM ledgerline.posting_checkpoint f
               WHERE f.posting_id = (SELECT min(posting_id) FROM ledgerline.posting)
                 AND c.posting_id = (SELECT max(posting_id) FROM ledgerline.posting);" ;;
    *) fail "no tamper case $c" ;;
    esac
}

# What the audit must say for case $1 (a fragment of its stderr).
audit_case_expect() {
    case $1 in
    forged_reversal) echo "not an entry of the posting it supersedes" ;;
    cent_between_parties | line_within_party) echo "not in the signed statements" ;;
    payout) echo "payout to P-NW in EUR" ;;
    payment_e2e) echo "end_to_end_id LL00000000000000000000000000000000, not the derived" ;;
    payment_split) echo "is not what its journal entry" ;;
    return_forged) echo "has no entry that reverses it" ;;
    envelope) echo "statement of P-NW" ;;
    envelope_digest) echo "statement of P-PUB" ;;
    merkle_root | statement_deleted | statement_inserted) echo "Merkle root" ;;
    input_digest) echo "input" ;;
    run_json_text) echo "its signed checkpoint says" ;;
    run_json_copy) echo "run.json" ;;
    compliance) echo "compliance" ;;
    registry) echo "registry record party P-NW" ;;
    entry_inserted | entry_deleted | entries_reordered) echo "its signed checkpoint says" ;;
    checkpoint_deleted) echo "has no stored checkpoint" ;;
    checkpoint_swapped) echo "its checkpoint is of posting 1 of P-AI" ;;
    esac
}

AUDIT_CASES="forged_reversal cent_between_parties line_within_party payout payment_e2e
payment_split return_forged
envelope envelope_digest merkle_root statement_deleted statement_inserted input_digest
run_json_copy compliance registry run_json_text entry_inserted entry_deleted
entries_reordered checkpoint_deleted checkpoint_swapped"

# A copy of database $1 as $2, and ledgerline pointed at it.
audit_copy_db() {
    sql postgres -c "DROP DATABASE IF EXISTS \"$2\"" -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\"" >/dev/null ||
        fail "cannot copy database $1"
    export LEDGERLINE_DSN="host=$IT_SOCK dbname=$2 user=ledgerline_app"
    export LEDGERLINE_ADMIN_DSN="host=$IT_SOCK dbname=$2 user=ledgerline"
    IT_DB=$2
}

test_audit_clean_ledger() {
    local base=$IT_DB h
    audit_build
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact: "
    assert_contains "$OUT" "3 postings"
    # the chain recomputed by the corpus's helper is the one ledgerline
    # wrote: rechaining an untouched ledger changes no hash
    h=$(sql "$base" -c "SELECT string_agg(hash, ',' ORDER BY entry_id) FROM ledgerline.journal_entry")
    audit_rechain "$base"
    assert_eq "$(sql "$base" -c "SELECT string_agg(hash, ',' ORDER BY entry_id) FROM ledgerline.journal_entry")" \
        "$h" "the test's rechain differs from ledgerline's chain"
    expect_rc 0 audit --key "$(signing_pub)"
    assert_contains "$OUT" "ledger intact: "
}

test_audit_tamper_corpus() {
    local base=$IT_DB missed="" c want
    audit_build
    for c in $AUDIT_CASES; do
        audit_copy_db "$base" "${base}_$c"
        audit_case_sql "$c" "$IT_DB" >"$IT_TMP/case.sql"
        audit_tamper "$IT_DB" -f "$IT_TMP/case.sql"
        run audit
        printf '%s:\n%s\n' "$c" "$ERR" # shown when the test fails
        want=$(audit_case_expect "$c")
        if [ "$RC" -ne 1 ]; then
            missed="$missed
  $c: audit exited $RC: $OUT$ERR"
        else
            case "$ERR" in
            *"$want"*) ;;
            *) missed="$missed
  $c: the audit did not say \"$want\": $ERR" ;;
            esac
        fi
    done
    [ -z "$missed" ] || fail "the audit missed edits:$missed"
}

# Kept checkpoints (audit --checkpoint): they hold on the ledger that wrote
# them; a ledger rolled back to before the last posting (a backup restored,
# or the posting's rows deleted with its run) is a finding naming it.
test_audit_kept_checkpoints() {
    local base=$IT_DB run3 missing
    AUDIT_BACKUP="${base}_backup" audit_build
    [ -f "$IT_TMP/cp-3.json" ] || fail "run wrote no checkpoint.dsse.json"
    expect_rc 0 audit --checkpoint "$IT_TMP"/cp-1.json "$IT_TMP"/cp-2.json "$IT_TMP"/cp-3.json
    assert_contains "$OUT" "6 checkpoints"
    run3=$(sql "$base" -c "SELECT run_id FROM ledgerline.posting ORDER BY posting_id DESC LIMIT 1")
    # (not "want": expect_rc sets that)
    missing="the ledger no longer holds posting 2 of P-AI 2026-07-01..2026-09-30 (run $run3)"
    # a checkpoint signed by another key is no proof
    "$LL" keygen --out "$IT_TMP/other" >/dev/null || fail "keygen failed"
    expect_rc 1 audit --key "$IT_TMP/other/signing.pub.pem" --checkpoint "$IT_TMP/cp-1.json"
    assert_contains "$ERR" "checkpoint $IT_TMP/cp-1.json: "
    # the backup taken before the restatement: intact by itself, not
    # against the checkpoint kept after it
    audit_copy_db "${base}_backup" "${base}_restored"
    expect_rc 0 audit --checkpoint "$IT_TMP"/cp-1.json "$IT_TMP"/cp-2.json
    expect_rc 1 audit --checkpoint "$IT_TMP"/cp-1.json "$IT_TMP"/cp-2.json "$IT_TMP"/cp-3.json
    assert_contains "$ERR" "checkpoint $IT_TMP/cp-3.json: $missing"
    # the restatement's rows deleted with its run, the chain recomputed
    audit_copy_db "$base" "${base}_cut"
    audit_tamper "$IT_DB" -c "
        CREATE TEMP TABLE p AS SELECT posting_id, run_id FROM ledgerline.posting
                                ORDER BY posting_id DESC LIMIT 1;
        DELETE FROM ledgerline.payment_party WHERE end_to_end_id IN
          (SELECT end_to_end_id FROM ledgerline.payment WHERE posting_id IN (SELECT posting_id FROM p));
        DELETE FROM ledgerline.payment WHERE posting_id IN (SELECT posting_id FROM p);
        DELETE FROM ledgerline.journal_line WHERE entry_id IN
          (SELECT entry_id FROM ledgerline.journal_entry WHERE posting_id IN (SELECT posting_id FROM p));
        DELETE FROM ledgerline.journal_entry WHERE posting_id IN (SELECT posting_id FROM p);
        DELETE FROM ledgerline.posting_statement WHERE posting_id IN (SELECT posting_id FROM p);
        DELETE FROM ledgerline.posting_root WHERE posting_id IN (SELECT posting_id FROM p);
        DELETE FROM ledgerline.posting_checkpoint WHERE posting_id IN (SELECT posting_id FROM p);
        DELETE FROM ledgerline.posting WHERE posting_id IN (SELECT posting_id FROM p);
        DELETE FROM ledgerline.run_line WHERE run_id IN (SELECT run_id FROM p);
        DELETE FROM ledgerline.run_party WHERE run_id IN (SELECT run_id FROM p);
        DELETE FROM ledgerline.run_licence WHERE run_id IN (SELECT run_id FROM p);
        DELETE FROM ledgerline.run_payout WHERE run_id IN (SELECT run_id FROM p);
        DELETE FROM ledgerline.run_input WHERE run_id IN (SELECT run_id FROM p);
        DELETE FROM ledgerline.run WHERE run_id IN (SELECT run_id FROM p);"
    expect_rc 1 audit --checkpoint "$IT_TMP/cp-3.json"
    assert_contains "$ERR" "checkpoint $IT_TMP/cp-3.json: $missing"
    assert_contains "$ERR" "checkpoint $IT_TMP/cp-3.json: the journal has $(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry") entries, fewer than the $(sql "$base" -c "SELECT count(*) FROM ledgerline.journal_entry")"
}

# The append-only tables beside the journal: the training manifests each
# run stored (for disclose) and the delivery outbox.  The ledger of
# audit_build, then P-NW's webhook pointed at a closed loopback port and
# deliver run (two attempts each, both refused: outcome retry), so that
# the outbox holds attempts and outcomes, each outcome sealed.  Each case
# edits one row as the superuser with every trigger off; the audit must
# exit 1 naming it.
audit_trail_case_sql() {
    case $1 in
    manifest_item_judgement) # an eligible item recorded as excluded
        echo "UPDATE ledgerline.run_manifest_item
                 SET judgement = 'no_consent', licence = NULL, licensor = NULL, holders = NULL
               WHERE (run_id, ordinal, item) = (SELECT run_id, ordinal, item
                       FROM ledgerline.run_manifest_item WHERE judgement = 'eligible'
                      ORDER BY run_id, ordinal, item LIMIT 1);" ;;
    manifest_item_deleted) # an excluded item removed
        echo "DELETE FROM ledgerline.run_manifest_item
               WHERE (run_id, ordinal, item) = (SELECT run_id, ordinal, item
                       FROM ledgerline.run_manifest_item WHERE judgement <> 'eligible'
                      ORDER BY run_id, ordinal, item LIMIT 1);" ;;
    manifest_all_deleted) # a run's stored manifests, every row of them
        echo "DELETE FROM ledgerline.run_manifest_item WHERE run_id = (SELECT min(run_id) FROM ledgerline.run_manifest);"
        echo "DELETE FROM ledgerline.run_manifest WHERE run_id = (SELECT min(run_id) FROM ledgerline.run_manifest);" ;;
    manifest_sha256) # a stored manifest's digest
        echo "UPDATE ledgerline.run_manifest SET sha256 = repeat('ab', 32)
               WHERE (run_id, ordinal) = (SELECT run_id, ordinal FROM ledgerline.run_manifest
                                           ORDER BY run_id, ordinal LIMIT 1);" ;;
    outbox_outcome) # a refused attempt recorded as acknowledged
        echo "UPDATE ledgerline.delivery_outcome SET outcome = 'delivered', next_attempt_at = NULL
               WHERE (webhook_id, attempt) = (SELECT webhook_id, max(attempt)
                       FROM ledgerline.delivery_outcome GROUP BY webhook_id
                      ORDER BY webhook_id LIMIT 1);" ;;
    outbox_rewritten) # a refused attempt recorded as acknowledged, status and all
        echo "UPDATE ledgerline.delivery_outcome
                 SET outcome = 'delivered', http_status = 200, error = NULL, next_attempt_at = NULL
               WHERE (webhook_id, attempt) = (SELECT webhook_id, max(attempt)
                       FROM ledgerline.delivery_outcome GROUP BY webhook_id
                      ORDER BY webhook_id LIMIT 1);" ;;
    outbox_unsealed) # an outcome's seal removed
        echo "UPDATE ledgerline.delivery_outcome SET seal = NULL, seal_key_id = NULL
               WHERE attempt = 1 AND webhook_id = (SELECT min(webhook_id) FROM ledgerline.delivery);" ;;
    outbox_attempt_deleted) # a delivery's first attempt and its outcome
        echo "DELETE FROM ledgerline.delivery_outcome WHERE attempt = 1
                 AND webhook_id = (SELECT min(webhook_id) FROM ledgerline.delivery);"
        echo "DELETE FROM ledgerline.delivery_attempt WHERE attempt = 1
                 AND webhook_id = (SELECT min(webhook_id) FROM ledgerline.delivery);" ;;
    outbox_url) # an attempt said to have gone elsewhere
        echo "UPDATE ledgerline.delivery_attempt SET url = 'https://elsewhere.example/hook'
               WHERE webhook_id = (SELECT min(webhook_id) FROM ledgerline.delivery);" ;;
    outbox_delivery_deleted) # a queued statement removed from the outbox
        echo "DELETE FROM ledgerline.delivery
               WHERE webhook_id = (SELECT min(webhook_id) FROM ledgerline.delivery);" ;;
    outbox_forged) # a statement of another posting queued under this id
        echo "UPDATE ledgerline.delivery SET party = 'P-KAI'
               WHERE webhook_id = (SELECT min(webhook_id) FROM ledgerline.delivery);" ;;
    *) fail "no tamper case $1" ;;
    esac
}

audit_trail_case_expect() {
    case $1 in
    manifest_item_judgement) echo "excluded as no_consent is not in its compliance report" ;;
    manifest_item_deleted) echo "items, " ;;
    manifest_sha256) echo "is not a manifest input of its run" ;;
    manifest_all_deleted) echo "1 manifest inputs, 0 training manifests stored" ;;
    outbox_outcome) echo "outcome delivered does not follow from no response" ;;
    outbox_attempt_deleted) echo "attempt 1 is missing" ;;
    outbox_rewritten) echo "the seal of its outcome does not verify" ;;
    outbox_unsealed) echo "attempt 1: its outcome is not sealed" ;;
    outbox_url) echo "https://elsewhere.example/hook is not the webhook of party P-NW" ;;
    outbox_delivery_deleted) echo "no such delivery is queued" ;;
    outbox_forged) echo "not the webhook-id of the statement of P-KAI" ;;
    esac
}

test_audit_trail_tamper() {
    local base=$IT_DB missed="" c want n
    audit_build
    jq '{parties: [.parties[] | if .id == "P-NW" then .webhook = "https://127.0.0.1:9/ledgerline"
                                 else del(.webhook) end]}' \
        "$DATA/demo/registry/parties.json" >"$IT_TMP/parties-hook.json" || fail "jq"
    expect_rc 0 load "$IT_TMP/parties-hook.json"
    expect_rc 5 deliver --attempts 2 --max-wait-ms 20000 --timeout-ms 2000
    n=$(sql "$base" -c "SELECT count(*) FROM ledgerline.delivery_outcome
                         WHERE outcome = 'retry' AND attempt = 2")
    [ "$n" -gt 0 ] || fail "deliver recorded no second attempt: $ERR"
    [ "$(sql "$base" -c "SELECT count(*) FROM ledgerline.run_manifest_item WHERE judgement <> 'eligible'")" -gt 0 ] ||
        fail "the fixture has no excluded manifest item"
    # the untouched ledger, outbox included, is intact
    expect_rc 0 audit
    for c in manifest_item_judgement manifest_item_deleted manifest_sha256 manifest_all_deleted outbox_outcome \
        outbox_rewritten outbox_unsealed outbox_attempt_deleted outbox_url outbox_delivery_deleted outbox_forged; do
        audit_copy_db "$base" "${base}_$c"
        audit_trail_case_sql "$c" >"$IT_TMP/case.sql"
        audit_tamper "$IT_DB" -f "$IT_TMP/case.sql"
        run audit
        printf '%s:\n%s\n' "$c" "$ERR"
        want=$(audit_trail_case_expect "$c")
        if [ "$RC" -ne 1 ]; then
            missed="$missed
  $c: audit exited $RC: $OUT$ERR"
        else
            case "$ERR" in
            *"$want"*) ;;
            *) missed="$missed
  $c: the audit did not say \"$want\": $ERR" ;;
            esac
        fi
    done
    [ -z "$missed" ] || fail "the audit missed edits:$missed"
}
