# Integration tests of the output directory rule (SPEC §4): "--out holds
# what ledgerline writes; ledgerline never deletes or overwrites a file
# there that it did not write itself."  The user's own files beside the
# outputs survive runs and restatements; a user's file (or an output the
# user edited) where an output must go stops the run with exit 2 before
# anything is stored; reruns rewrite identical bytes.

OD_MANIFEST="$DATA/demo/manifest-harmony-2.json"
OD_LOG="$DATA/demo/generations-2026-q3.ndjson"

# od_setup: schema, demo registries, a working directory $OD.
od_setup() {
    OD="$IT_TMP/${FUNCNAME[1]}"
    rm -rf "$OD"
    mkdir -p "$OD"
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    head -4 "$OD_LOG" >"$OD/fewer.ndjson"
}

# od_run RC LOG DIR: the demo run with LOG, --out DIR, from inside DIR's
# parent when DIR is "." (the way the files were lost: --out .).
od_run() {
    want=$1 log=$2 dir=$3
    expect_rc "$want" run --licensee P-AI --period 2026-Q3 \
        --manifest "$OD_MANIFEST" --logs "$log" --out "$dir"
}

od_count() {
    sql "$IT_DB" -c "SELECT (SELECT count(*) FROM ledgerline.run), (SELECT count(*) FROM ledgerline.posting)"
}

# Every file under $1, relative, with its digest, sorted.
od_tree() {
    (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

test_out_keeps_users_files() {
    od_setup
    mkdir -p "$OD/work/statements"
    echo "notes on our statements" >"$OD/work/statements/README"
    echo '{"mine": true}' >"$OD/work/statements/my-old.dsse.json"
    echo "top-level notes" >"$OD/work/README"
    cp -R "$OD/work" "$OD/orig" || fail "cannot keep copies"
    cd "$OD/work" || fail "cannot enter $OD/work"
    od_run 0 "$OD_LOG" .
    for f in statements/README statements/my-old.dsse.json README; do
        cmp -s "$OD/work/$f" "$OD/orig/$f" || fail "the run lost or changed the user's $f"
    done
    n=$(ls "$OD/work/statements/"*.dsse.json | wc -l)
    assert_eq "$n" "6" "five statements beside the user's own .dsse.json"
    expect_rc 0 verify "$OD"/work/statements/P-*.dsse.json --key "$IT_HOME/keys/signing.pub.pem"
    # the record lists what ledgerline wrote, as sha256sum -c reads it
    (cd "$OD/work" && sha256sum --quiet -c .ledgerline-outputs) ||
        fail "the record does not match the files"
    grep -q 'README\|my-old' "$OD/work/.ledgerline-outputs" &&
        fail "the record claims the user's files"

    # a restatement swaps the statements: the user's files stay
    od_run 0 "$OD/fewer.ndjson" .
    assert_contains "$OUT" "restated: superseded"
    for f in statements/README statements/my-old.dsse.json README; do
        cmp -s "$OD/work/$f" "$OD/orig/$f" || fail "the restatement lost or changed the user's $f"
    done
    python3 - "$OD/work/statements/P-NW.dsse.json" <<'PY' || fail "statements/ does not hold the restatement"
import base64, json, sys
s = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
assert s["predicate"]["restatement"]["supersedes"].startswith("run-")
PY
    (cd "$OD/work" && sha256sum --quiet -c .ledgerline-outputs) ||
        fail "the record does not match the files after the restatement"
    assert_eq "$(find "$OD/work" -name '.ledgerline-stage-*')" "" "a staging directory was left"
}

test_out_foreign_output_refused() {
    od_setup
    mkdir -p "$OD/out"
    echo "my own payouts" >"$OD/out/payouts.csv"
    before=$(od_tree "$OD/out")
    od_run 2 "$OD_LOG" "$OD/out"
    assert_contains "$ERR" "$OD/out/payouts.csv"
    assert_contains "$ERR" "not written by ledgerline"
    assert_eq "$(od_count)" "0|0" "a refused run stored something"
    assert_eq "$(od_tree "$OD/out")" "$before" "a refused run wrote to --out"
    assert_eq "$(ls -A "$OD/out")" "payouts.csv" "a refused run left files in --out"

    # a statement's name taken by the user's file: the same
    rm "$OD/out/payouts.csv"
    mkdir "$OD/out/statements"
    echo '{"not": "ledgerline"}' >"$OD/out/statements/P-NW.dsse.json"
    before=$(od_tree "$OD/out")
    od_run 2 "$OD_LOG" "$OD/out"
    assert_contains "$ERR" "statements/P-NW.dsse.json"
    assert_eq "$(od_count)" "0|0" "a refused run stored something"
    assert_eq "$(od_tree "$OD/out")" "$before" "a refused run wrote to --out"

    # moved away, the run goes through
    mv "$OD/out/statements/P-NW.dsse.json" "$OD/mine.json"
    od_run 0 "$OD_LOG" "$OD/out"
    assert_eq "$(od_count)" "1|1"
}

test_out_edited_output_is_foreign() {
    od_setup
    od_run 0 "$OD_LOG" "$OD/out"
    echo "# checked by accounts" >>"$OD/out/statements/P-PUB.dsse.json"
    cp "$OD/out/statements/P-PUB.dsse.json" "$OD/edited"
    before=$(od_tree "$OD/out")
    # the same inputs again: refused, nothing rewritten
    od_run 2 "$OD_LOG" "$OD/out"
    assert_contains "$ERR" "statements/P-PUB.dsse.json"
    assert_eq "$(od_tree "$OD/out")" "$before" "a refused rerun changed --out"
    # a restatement: refused before anything is posted
    od_run 2 "$OD/fewer.ndjson" "$OD/out"
    assert_contains "$ERR" "statements/P-PUB.dsse.json"
    assert_eq "$(od_count)" "1|1" "a refused restatement was stored"
    assert_eq "$(od_tree "$OD/out")" "$before" "a refused restatement changed --out"
    # an edited top-level output is the user's too
    mv "$OD/out/statements/P-PUB.dsse.json" "$OD/kept.json"
    printf 'x' >>"$OD/out/run.json"
    od_run 2 "$OD/fewer.ndjson" "$OD/out"
    assert_contains "$ERR" "$OD/out/run.json"
    assert_eq "$(od_count)" "1|1" "a refused restatement was stored"
    cmp -s "$OD/edited" "$OD/kept.json" || fail "the edited statement changed"
}

test_out_rerun_is_byte_identical() {
    od_setup
    mkdir -p "$OD/out/statements"
    echo "keep me" >"$OD/out/statements/README"
    od_run 0 "$OD_LOG" "$OD/out"
    first=$(od_tree "$OD/out")
    od_run 0 "$OD_LOG" "$OD/out"
    assert_contains "$OUT" "already posted"
    assert_eq "$(od_tree "$OD/out")" "$first" "the rerun changed a byte in --out"
    od_run 0 "$OD_LOG" "$OD/out"
    assert_eq "$(od_tree "$OD/out")" "$first" "the third run changed a byte in --out"
    assert_eq "$(cat "$OD/out/statements/README")" "keep me" "the user's README"
}
