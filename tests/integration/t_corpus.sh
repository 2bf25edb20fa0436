# Data-driven registry corpus (tests/data/registry): every invalid case
# must be refused with exit 3, its exact stderr and no change to the store;
# every valid case must load cleanly on top of the demo registries.
#
# invalid/<case>/input.json + error: `ledgerline load input.json`, run from
#   inside the case directory on top of the demo registries, must exit 3
#   and print exactly `error` on stderr.
# valid/<case>/input.json [+ stored]: must load with exit 0 and an empty
#   stderr on top of the demo registries, and reloading it must change
#   nothing; each line "KIND ID {json,path} VALUE" of the optional
#   `stored` file names a value that must be stored (canonical forms).

CORPUS="$DATA/registry"
CORPUS_INVALID_MIN=30
CORPUS_VALID_MIN=6

corpus_load_demo() {
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
}

test_invalid_registry_corpus() {
    local dir case_name n=0 failed=0 bad rc before after
    corpus_load_demo
    before=$(registry_state)
    for dir in "$CORPUS"/invalid/*/; do
        [ -d "$dir" ] || continue
        dir=${dir%/}
        case_name=${dir##*/}
        n=$((n + 1))
        bad=0
        if [ ! -f "$dir/input.json" ] || [ ! -f "$dir/error" ]; then
            echo "    FAIL: invalid/$case_name: needs both input.json and error" >&2
            failed=$((failed + 1))
            continue
        fi
        (cd "$dir" && "$LL" load input.json) >"$IT_TMP/corpus.out" 2>"$IT_TMP/corpus.err"
        rc=$?
        if [ "$rc" -ne 3 ]; then
            echo "    FAIL: invalid/$case_name: exited $rc, expected 3" >&2
            sed 's/^/      stdout: /' "$IT_TMP/corpus.out" >&2
            sed 's/^/      stderr: /' "$IT_TMP/corpus.err" >&2
            bad=1
        elif ! diff -u --label "invalid/$case_name/error" --label "actual stderr" \
            "$dir/error" "$IT_TMP/corpus.err" >"$IT_TMP/corpus.diff"; then
            echo "    FAIL: invalid/$case_name: stderr differs from the error file" >&2
            sed 's/^/      /' "$IT_TMP/corpus.diff" >&2
            bad=1
        fi
        after=$(registry_state)
        if [ "$after" != "$before" ]; then
            echo "    FAIL: invalid/$case_name: the rejected load changed the store" >&2
            bad=1
            before=$after # judge the next case on its own
        fi
        failed=$((failed + bad))
    done
    [ "$n" -ge "$CORPUS_INVALID_MIN" ] ||
        fail "only $n invalid cases under $CORPUS/invalid, expected at least $CORPUS_INVALID_MIN"
    [ "$failed" -eq 0 ] || fail "$failed of $n invalid registry cases failed"
    echo "    $n invalid registry cases refused as expected"
}

# corpus_check_stored FILE: every "KIND ID PATH VALUE" line of FILE must
# match the current stored record (PATH in PostgreSQL #>> syntax).
corpus_check_stored() {
    local kind id path want got
    while read -r kind id path want; do
        [ -n "$kind" ] || continue
        got=$(printf '%s\n' "SELECT body #>> :'path' FROM ledgerline.registry_current WHERE kind = :'kind' AND id = :'id'" |
            sql "$IT_DB" -v kind="$kind" -v id="$id" -v path="$path") || return 1
        if [ "$got" != "$want" ]; then
            echo "    $kind $id $path: stored '$got', expected '$want'" >&2
            return 1
        fi
    done <"$1"
}

test_valid_registry_corpus() {
    local dir case_name i=0 failed=0 rc
    for dir in "$CORPUS"/valid/*/; do
        [ -d "$dir" ] || continue
        dir=${dir%/}
        case_name=${dir##*/}
        i=$((i + 1))
        newdb "it_valid_$i"
        corpus_load_demo
        (cd "$dir" && "$LL" load input.json) >"$IT_TMP/corpus.out" 2>"$IT_TMP/corpus.err"
        rc=$?
        if [ "$rc" -ne 0 ] || [ -s "$IT_TMP/corpus.err" ]; then
            echo "    FAIL: valid/$case_name: exited $rc, expected 0 and no stderr" >&2
            sed 's/^/      stderr: /' "$IT_TMP/corpus.err" >&2
            failed=$((failed + 1))
            continue
        fi
        if [ -f "$dir/stored" ] && ! corpus_check_stored "$dir/stored"; then
            echo "    FAIL: valid/$case_name: stored values differ" >&2
            failed=$((failed + 1))
            continue
        fi
        (cd "$dir" && "$LL" load input.json) >"$IT_TMP/corpus.out" 2>"$IT_TMP/corpus.err"
        rc=$?
        if [ "$rc" -ne 0 ] || ! grep -q "no changes" "$IT_TMP/corpus.out"; then
            echo "    FAIL: valid/$case_name: reloading was not a no-op (exit $rc)" >&2
            sed 's/^/      /' "$IT_TMP/corpus.out" "$IT_TMP/corpus.err" >&2
            failed=$((failed + 1))
        fi
    done
    [ "$i" -ge "$CORPUS_VALID_MIN" ] ||
        fail "only $i valid cases under $CORPUS/valid, expected at least $CORPUS_VALID_MIN"
    [ "$failed" -eq 0 ] || fail "$failed of $i valid registry cases failed"
    echo "    $i valid registry cases accepted"
}
