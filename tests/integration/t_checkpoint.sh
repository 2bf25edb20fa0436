# Integration tests of signed checkpoints (SPEC §4 checkpoint.dsse.json):
# every posting writes one, signed with the statement key, naming the
# posting, the journal's entry count and chain head and the posting's
# Merkle root; run.json names it; verify checks it; the database keeps it.

# The payload of envelope $1, as JSON.
cp_payload() {
    jq -r .payload "$1" | base64 -d
}

test_checkpoint_written_signed_and_verified() {
    out="$IT_TMP/cp-out-$(date +%s%N)"
    st_demo_run "$out"
    f="$out/checkpoint.dsse.json"
    [ -f "$f" ] || fail "the run wrote no checkpoint.dsse.json"
    expect_rc 0 verify "$f" --key "$PUB"
    assert_contains "$OUT" "checkpoint.dsse.json: OK: checkpoint of P-AI 2026-Q3 posting 1"
    assert_contains "$OUT" "0 statements and 1 checkpoint verified"
    root=$(jq -r .statements.merkle_root "$out/run.json")
    expect_rc 0 verify "$f" "$out"/statements/*.dsse.json --key "$PUB" --root "$root"
    assert_contains "$OUT" "5 statements and 1 checkpoint verified"
    expect_rc 1 verify "$f" --key "$PUB" \
        --root 0000000000000000000000000000000000000000000000000000000000000000
    assert_contains "$ERR" "checkpoint: posting root $root is not the expected"
    # the exact shape, the subject digest over the JCS bytes of the
    # predicate, and the figures: the audit's chain head and entry count
    expect_rc 0 audit
    cp_payload "$f" | python3 -c '
import hashlib, json, sys
root, audit = sys.argv[1], sys.argv[2]
s = json.load(sys.stdin)
assert sorted(s) == ["_type", "predicate", "predicateType", "subject"], s
assert s["_type"] == "https://in-toto.io/Statement/v1", s
assert s["predicateType"] == "https://ledgerline.dev/checkpoint/v1", s
p = s["predicate"]
assert sorted(p) == ["journal", "licensee", "merkle_root", "period", "posting", "run_id"], p
assert p["period"] == {"label": "2026-Q3", "first": "2026-07-01", "last": "2026-09-30"}, p
assert p["licensee"] == "P-AI" and p["posting"] == 1 and p["merkle_root"] == root, p
assert p["run_id"].startswith("run-"), p
jcs = json.dumps(p, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
assert s["subject"] == [{"name": "checkpoint", "digest": {"sha256": hashlib.sha256(jcs).hexdigest()}}], s
want = "ledger intact: %d journal entries" % p["journal"]["entries"]
assert want in audit and ("chain head " + p["journal"]["head"]) in audit, (p, audit)
' "$root" "$OUT" || fail "the checkpoint is not what SPEC §4 says"
    # run.json names it: digest of the file, entries, head
    sha=$(sha256sum "$f" | cut -d' ' -f1)
    got=$(jq -r '.checkpoint | "\(.sha256) \(.entries) \(.head)"' "$out/run.json")
    want=$(cp_payload "$f" | jq -r '"'"$sha"' \(.predicate.journal.entries) \(.predicate.journal.head)"')
    assert_eq "$got" "$want" "run.json's checkpoint"
    # the ledger keeps it, with the digest of its bytes
    got=$(sql "$IT_DB" -c "SELECT sha256, envelope FROM ledgerline.posting_checkpoint")
    assert_eq "$got" "$sha|$(cat "$f")" "the stored checkpoint"
}

test_checkpoint_rerun_rewrites_the_stored_bytes() {
    out="$IT_TMP/cp-out-$(date +%s%N)"
    st_demo_run "$out"
    keep="$IT_TMP/cp-keep-$(date +%s%N)"
    mkdir -p "$keep"
    cp "$out/checkpoint.dsse.json" "$out/run.json" "$keep/"
    rm -f "$out/checkpoint.dsse.json"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$out"
    assert_contains "$OUT" "already posted"
    cmp "$out/checkpoint.dsse.json" "$keep/checkpoint.dsse.json" ||
        fail "a rerun wrote another checkpoint"
    cmp "$out/run.json" "$keep/run.json" || fail "a rerun wrote another run.json"
    n=$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.posting_checkpoint")
    assert_eq "$n" "1" "checkpoints stored after a rerun"
}

test_checkpoint_of_a_restatement_is_posting_2() {
    o1="$IT_TMP/cp1-$(date +%s%N)"
    o2="$IT_TMP/cp2-$(date +%s%N)"
    st_demo_run "$o1"
    head -4 "$DATA/demo/generations-2026-q3.ndjson" >"$IT_TMP/fewer.ndjson"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$IT_TMP/fewer.ndjson" --out "$o2"
    assert_contains "$OUT" "restated"
    expect_rc 0 verify "$o1/checkpoint.dsse.json" "$o2/checkpoint.dsse.json" --key "$PUB"
    p1=$(cp_payload "$o1/checkpoint.dsse.json" | jq -c .predicate)
    p2=$(cp_payload "$o2/checkpoint.dsse.json" | jq -c .predicate)
    assert_eq "$(jq .posting <<<"$p1") $(jq .posting <<<"$p2")" "1 2" "posting numbers"
    e1=$(jq .journal.entries <<<"$p1")
    e2=$(jq .journal.entries <<<"$p2")
    [ "$e2" -gt "$e1" ] || fail "the restatement's checkpoint has $e2 entries, the first $e1"
    n=$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry")
    assert_eq "$e2" "$n" "entries after the restatement"
    assert_eq "$(jq -r .run_id <<<"$p2")" "$(jq -r .run_id "$o2/run.json")" "run id"
    [ "$(jq -r .journal.head <<<"$p1")" != "$(jq -r .journal.head <<<"$p2")" ] ||
        fail "the restatement did not move the chain head"
}

test_checkpoint_tampered_fails_verify() {
    out="$IT_TMP/cp-out-$(date +%s%N)"
    st_demo_run "$out"
    f="$out/checkpoint.dsse.json"
    t="$IT_TMP/cp-t-$(date +%s%N)"
    mkdir -p "$t"
    # the harness: re-signed unchanged, it verifies
    st_resign "$f" "$t/checkpoint.dsse.json" "pass"
    expect_rc 0 verify "$t/checkpoint.dsse.json" --key "$PUB"
    # a figure changed and re-signed: the subject digest no longer matches
    st_resign "$f" "$t/checkpoint.dsse.json" "s['predicate']['journal']['entries'] += 1"
    expect_rc 1 verify "$t/checkpoint.dsse.json" --key "$PUB"
    assert_contains "$ERR" "FAILED: checkpoint: subject[0].digest.sha256: does not match the predicate"
    # ... and with the digest recomputed, a member added is not a checkpoint
    st_resign "$f" "$t/checkpoint.dsse.json" "
import hashlib
s['predicate']['note'] = 'x'
b = json.dumps(s['predicate'], sort_keys=True, separators=(',', ':')).encode()
s['subject'][0]['digest']['sha256'] = hashlib.sha256(b).hexdigest()"
    expect_rc 1 verify "$t/checkpoint.dsse.json" --key "$PUB"
    assert_contains "$ERR" "predicate: is not a ledgerline checkpoint predicate"
    # an edit without re-signing
    python3 - "$f" "$t/checkpoint.dsse.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
body = base64.b64decode(env["payload"]).replace(b'"posting":1', b'"posting":2')
env["payload"] = base64.b64encode(body).decode()
open(sys.argv[2], "w").write(json.dumps(env))
PY
    expect_rc 1 verify "$t/checkpoint.dsse.json" --key "$PUB"
    assert_contains "$ERR" "signature does not verify"
    # the run's hook fails on a broken checkpoint too
    cp "$t/checkpoint.dsse.json" "$f"
    if (verify_run_out "$out") 2>"$IT_TMP/hook.err"; then
        fail "verify_run_out passed a tampered checkpoint"
    fi
    assert_contains "$(cat "$IT_TMP/hook.err")" "checkpoint.dsse.json: FAILED"
}

test_checkpoint_in_the_way_stores_nothing() {
    out="$IT_TMP/cp-out-$(date +%s%N)"
    mkdir -p "$out"
    echo mine >"$out/checkpoint.dsse.json"
    expect_rc 0 init
    expect_rc 0 load "$DEMO_REG"/*.json
    expect_rc 2 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$out"
    assert_contains "$ERR" "checkpoint.dsse.json"
    assert_contains "$ERR" "nothing was stored and nothing written"
    n=$(sql "$IT_DB" -c "SELECT (SELECT count(*) FROM ledgerline.posting) + (SELECT count(*) FROM ledgerline.posting_checkpoint) + (SELECT count(*) FROM ledgerline.journal_entry)")
    assert_eq "$n" "0" "rows stored by a run that could not write its checkpoint"
    assert_eq "$(ls -A "$out")" "checkpoint.dsse.json" "files in --out"
    assert_eq "$(cat "$out/checkpoint.dsse.json")" "mine" "the user's file"
}
