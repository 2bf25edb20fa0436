# ledgerline reconcile: a corpus of catalogues (tests/data/reconcile/<case>/
# with catalog.csv, args, and the expected stdout, stderr and rc) run
# against real statements signed by a real run of the demo registry.
# Every case runs in one directory holding statements/ (the run's),
# tampered/P-NW.dsse.json (one payload byte changed, signature kept) and
# key.pub.pem; the signing key's id is written KEYID in expected output.

test_reconcile_corpus() {
    newdb rec_corpus
    st_demo_run "$IT_TMP/out"
    w="$IT_TMP/rec"
    mkdir -p "$w/tampered"
    cp -r "$IT_TMP/out/statements" "$w/statements"
    cp "$PUB" "$w/key.pub.pem"
    python3 - "$w/statements/P-NW.dsse.json" "$w/tampered/P-NW.dsse.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
body = bytearray(base64.b64decode(env["payload"]))
i = body.index(b'"amount":"') + 10
body[i] = ord("9") if body[i] != ord("9") else ord("8")
env["payload"] = base64.b64encode(bytes(body)).decode()
open(sys.argv[2], "w").write(json.dumps(env))
PY
    kid=$(openssl pkey -pubin -in "$PUB" -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)
    n=0
    for c in "$DATA"/reconcile/*/; do
        c=${c%/}
        name=$(basename "$c")
        cp "$c/catalog.csv" "$w/catalog.csv"
        # shellcheck disable=SC2046
        (cd "$w" && "$LL" reconcile $(cat "$c/args") >"$IT_TMP/o" 2>"$IT_TMP/e")
        rc=$?
        assert_eq "$rc" "$(cat "$c/rc")" "$name: exit code"
        sed -i "s/$kid/KEYID/g" "$IT_TMP/o" "$IT_TMP/e"
        diff -u "$c/stdout" "$IT_TMP/o" >&2 || fail "$name: stdout differs"
        diff -u "$c/stderr" "$IT_TMP/e" >&2 || fail "$name: stderr differs"
        if [ "$rc" -eq 3 ] && [ -s "$IT_TMP/o" ]; then
            fail "$name: invalid input, yet something on stdout"
        fi
        case " $(cat "$c/args") " in
        *" --format json "*)
            jq -e '.findings | type == "array"' "$IT_TMP/o" >/dev/null ||
                fail "$name: not valid JSON" ;;
        *" --format csv "*)
            python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][0] == "kind" and all(len(r) == 15 for r in rows), rows
' "$IT_TMP/o" || fail "$name: CSV does not parse" ;;
        esac
        n=$((n + 1))
    done
    [ "$n" -ge 25 ] || fail "only $n reconcile cases ran"
}

test_reconcile_usage() {
    expect_rc 2 reconcile --catalog x.csv
    assert_contains "$ERR" "no statement given"
    expect_rc 2 reconcile x.dsse.json
    assert_contains "$ERR" "--catalog FILE.csv is required"
    expect_rc 2 reconcile x.dsse.json --catalog x.csv --format html
    expect_rc 0 reconcile --help
    assert_contains "$OUT" "missing_work"
    expect_rc 3 reconcile x.dsse.json --catalog /nonexistent/cat.csv
}

# The man page (whose reconcile entry carries the CSV header, one long
# word) renders without troff warnings at the widths people read it.
test_man_page_no_warnings() {
    local w out
    command -v groff >/dev/null || skip "groff is not installed"
    out=$(groff -ww -z -man "$TOP/docs/ledgerline.1" 2>&1)
    [ -z "$out" ] || fail "groff warns: $out"
    for w in 80 100 132; do
        out=$(groff -ww -z -man -rLL=$((w - 2))n "$TOP/docs/ledgerline.1" 2>&1)
        [ -z "$out" ] || fail "groff warns at $w columns: $out"
    done
}
