# Integration tests of the foundation: CLI shape, init, load, versioning,
# atomicity, append-only registries, the embedded cluster.

DEMO="$DATA/demo/registry"

test_cli_help_and_version() {
    expect_rc 0 --version
    assert_contains "$OUT" "ledgerline "
    expect_rc 0 --help
    assert_contains "$OUT" "Commands:"
    for c in init load db; do
        expect_rc 0 "$c" --help
        assert_contains "$OUT" "usage: ledgerline $c"
        expect_rc 0 help "$c"
        assert_contains "$OUT" "usage: ledgerline $c"
    done
    expect_rc 2 no-such-command
    assert_contains "$ERR" "ledgerline: unknown command 'no-such-command'"
    expect_rc 2
    expect_rc 2 load
    assert_contains "$ERR" "no registry file given"
    expect_rc 2 load --bogus x.json
    expect_rc 2 db explode
}

test_init_is_idempotent() {
    expect_rc 0 init
    assert_contains "$OUT" "initialised: applied"
    first=$(sql "$IT_DB" -c "SELECT version, sha256, applied_at FROM ledgerline.schema_migration ORDER BY 1")
    expect_rc 0 init
    assert_contains "$OUT" "already initialised"
    second=$(sql "$IT_DB" -c "SELECT version, sha256, applied_at FROM ledgerline.schema_migration ORDER BY 1")
    assert_eq "$second" "$first" "a second init changed the migrations table"
}

test_load_requires_init() {
    expect_rc 4 load "$DEMO/parties.json"
    assert_contains "$ERR" "run 'ledgerline init'"
}

test_load_demo_then_reload_is_noop() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO/parties.json" "$DEMO/works.json" "$DEMO/consents.json" "$DEMO/licences.json"
    assert_contains "$OUT" "parties   6 new, 0 changed, 0 unchanged"
    assert_contains "$OUT" "works     5 new, 0 changed, 0 unchanged"
    assert_contains "$OUT" "consents  11 new, 0 changed, 0 unchanged"
    assert_contains "$OUT" "licences  2 new, 0 changed, 0 unchanged"
    before=$(registry_state)
    expect_rc 0 load "$DEMO/licences.json" "$DEMO/works.json" "$DEMO/consents.json" "$DEMO/parties.json"
    assert_contains "$OUT" "no changes"
    assert_contains "$OUT" "works     0 new, 0 changed, 5 unchanged"
    assert_eq "$(registry_state)" "$before" "reloading the same files changed the store"
    # identifiers are stored canonical
    isrc=$(sql "$IT_DB" -c "SELECT body->>'isrc' FROM ledgerline.registry_current WHERE kind = 'work' AND id = 'W-0002'")
    assert_eq "$isrc" "GBAYE6900002"
    iban=$(sql "$IT_DB" -c "SELECT body->'payout'->>'iban' FROM ledgerline.registry_current WHERE id = 'P-PUB'")
    assert_eq "$iban" "GB82WEST12345698765432"
}

test_changed_record_is_a_new_version() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO/parties.json" "$DEMO/works.json"
    sed 's/"Low Tide"/"Low Tide (Remastered)"/' "$DEMO/works.json" >"$IT_TMP/works2.json"
    expect_rc 0 load "$IT_TMP/works2.json"
    assert_contains "$OUT" "works     0 new, 1 changed, 4 unchanged"
    versions=$(sql "$IT_DB" -c "SELECT version || ':' || (body->>'title') FROM ledgerline.registry_record WHERE kind = 'work' AND id = 'W-0002' ORDER BY version")
    assert_eq "$versions" "1:Low Tide
2:Low Tide (Remastered)"
    cur=$(sql "$IT_DB" -c "SELECT version FROM ledgerline.registry_current WHERE kind = 'work' AND id = 'W-0002'")
    assert_eq "$cur" "2"
    # the same change again is a no-op
    expect_rc 0 load "$IT_TMP/works2.json"
    assert_contains "$OUT" "works     0 new, 0 changed, 5 unchanged"
}

test_references_resolve_against_stored_records() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO/parties.json"
    # works reference parties stored by the previous load
    expect_rc 0 load "$DEMO/works.json"
    assert_contains "$OUT" "works     5 new"
}

test_load_is_atomic_across_files() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO/parties.json"
    before=$(registry_state)
    cat >"$IT_TMP/bad.json" <<'JSON'
{"works": [{"id": "W-X", "duration_ms": 1000,
  "splits": {"master": [{"party": "P-NW", "share": "0.999"}]}}]}
JSON
    expect_rc 3 load "$DEMO/works.json" "$DEMO/consents.json" "$IT_TMP/bad.json"
    assert_contains "$ERR" "bad.json:2: works[0].splits.master: shares sum to 999/1000, must be exactly 1"
    assert_contains "$ERR" "nothing was loaded"
    assert_eq "$(registry_state)" "$before" "a rejected load stored something"
}

test_thirds_sum_to_exactly_one() {
    expect_rc 0 init
    cat >"$IT_TMP/thirds.json" <<'JSON'
{"parties": [{"id": "A", "name": "A", "kind": "artist"},
             {"id": "B", "name": "B", "kind": "artist"},
             {"id": "C", "name": "C", "kind": "artist"}],
 "works": [{"id": "W", "duration_ms": 1,
   "splits": {"master": [{"party": "A", "share": "1/3"}, {"party": "B", "share": "1/3"},
                          {"party": "C", "share": "1/3"}]}}]}
JSON
    expect_rc 0 load "$IT_TMP/thirds.json"
    assert_contains "$OUT" "works     1 new"
}

test_load_from_stdin_and_dry_run() {
    expect_rc 0 init
    OUT=$("$LL" load - <"$DEMO/parties.json" 2>"$IT_TMP/err")
    [ $? -eq 0 ] || fail "load - failed: $(cat "$IT_TMP/err")"
    assert_contains "$OUT" "parties   6 new"
    expect_rc 0 load --dry-run "$DEMO/works.json"
    assert_contains "$OUT" "dry run"
    n=$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.registry_record WHERE kind = 'work'")
    assert_eq "$n" "0" "--dry-run stored works"
}

test_missing_file_is_invalid_input() {
    expect_rc 0 init
    expect_rc 3 load "$IT_TMP/does-not-exist.json"
    assert_contains "$ERR" "does-not-exist.json: cannot open: No such file or directory"
}

test_registry_tables_are_append_only() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO/parties.json"
    for stmt in \
        "UPDATE ledgerline.registry_record SET version = 9" \
        "DELETE FROM ledgerline.registry_record" \
        "TRUNCATE ledgerline.registry_record CASCADE" \
        "UPDATE ledgerline.load SET files = '[]'" \
        "DELETE FROM ledgerline.load"; do
        if out=$(sql "$IT_DB" -c "$stmt" 2>&1); then
            fail "'$stmt' was allowed"
        fi
        assert_contains "$out" "append-only"
    done
}

test_embedded_cluster_lifecycle() {
    home=$(new_home)
    mkdir "$home"
    (
        unset LEDGERLINE_DSN
        export LEDGERLINE_HOME="$home"
        expect_rc 0 init
        assert_contains "$OUT" "initialised: applied"
        expect_rc 0 init
        assert_contains "$OUT" "already initialised"
        expect_rc 0 load "$DEMO/parties.json" "$DEMO/works.json"
        expect_rc 0 db status
        assert_contains "$OUT" "status: running"
        assert_contains "$OUT" "dsn: host=$home/pg "
        assert_contains "$OUT" " dbname=ledgerline user=ledgerline"
        # no TCP listener, socket inside the data directory
        la=$(psql -X -At -h "$home/pg" -U ledgerline -d ledgerline -c "SHOW listen_addresses")
        assert_eq "$la" ""
        expect_rc 0 db stop
        expect_rc 0 db status
        assert_contains "$OUT" "status: stopped"
        # any command starts it again on demand; the data survived
        expect_rc 0 load "$DEMO/works.json"
        assert_contains "$OUT" "works     0 new, 0 changed, 5 unchanged"
        expect_rc 0 db stop
    )
    rc=$?
    destroy_home "$home"
    [ $rc -eq 0 ] || exit 1
}

# A single-valued option given twice is a usage error, never "the last one
# wins": a script that appends an option must not silently override one.
test_repeated_single_valued_option_is_usage_error() {
    local m="$DATA/demo/manifest-harmony-2.json" l="$DATA/demo/generations-2026-q3.ndjson"
    local base="--licensee P-AI --period 2026-Q3 --manifest $m --logs $l --out $IT_TMP/o" opt
    for opt in "--period 2026-Q4" "--licensee P-X" "--out $IT_TMP/o2" "--threads 2"; do
        # shellcheck disable=SC2086
        expect_rc 2 run $base --threads 1 $opt
        [ "${opt%% *}" = --threads ] || expect_rc 2 run $base $opt
        assert_contains "$ERR" "ledgerline: run: ${opt%% *} given twice"
        assert_contains "$ERR" "usage: see 'ledgerline run --help'"
    done
    [ ! -e "$IT_TMP/o" ] && [ ! -e "$IT_TMP/o2" ] || fail "a usage error created --out"
    expect_rc 2 verify x.dsse.json --key a.pem --key b.pem
    assert_contains "$ERR" "ledgerline: verify: --key given twice"
    expect_rc 2 verify x.dsse.json --key a.pem --root "$(printf '%064d' 0)" --root "$(printf '%064d' 1)"
    assert_contains "$ERR" "ledgerline: verify: --root given twice"
    for opt in "--party P-A" "--currency EUR" "--format csv"; do
        # shellcheck disable=SC2086
        expect_rc 2 balance $opt $opt
        assert_contains "$ERR" "ledgerline: balance: ${opt%% *} given twice"
    done
    expect_rc 2 keygen --out "$IT_TMP/k1" --out "$IT_TMP/k2"
    assert_contains "$ERR" "ledgerline: keygen: --out given twice"
    [ ! -e "$IT_TMP/k1" ] && [ ! -e "$IT_TMP/k2" ] || fail "a usage error wrote a key"
}

# load names what it added and changed, per kind (the first ten ids, then
# how many more); a reload that changes nothing names nothing.
test_load_names_new_and_changed_records() {
    local i
    expect_rc 0 init
    expect_rc 0 load "$DEMO/parties.json" "$DEMO/works.json"
    assert_contains "$OUT" "  parties   6 new, 0 changed, 0 unchanged
            new: P-NW, P-ADA, P-PUB, P-KAI, P-BLUE, P-AI
  works     5 new, 0 changed, 0 unchanged
            new: W-0001, W-0002, W-0003, W-0004, W-0005
  consents  0 new, 0 changed, 0 unchanged
  licences  0 new, 0 changed, 0 unchanged"
    sed -e 's/"Low Tide"/"Low Tide (Remastered)"/' -e 's/"duration_ms": 243500/"duration_ms": 243501/' \
        "$DEMO/works.json" >"$IT_TMP/works2.json"
    cmp -s "$DEMO/works.json" "$IT_TMP/works2.json" && fail "works2.json is not changed"
    {
        printf '{"parties": [\n'
        for i in $(seq -w 1 13); do
            printf '  {"id": "P-N%s", "name": "New %s", "kind": "artist"}%s\n' "$i" "$i" \
                "$([ "$i" = 13 ] && echo "" || echo ,)"
        done
        printf ']}\n'
    } >"$IT_TMP/many.json"
    expect_rc 0 load --dry-run "$IT_TMP/works2.json" "$IT_TMP/many.json"
    assert_contains "$OUT" "            changed: W-0002 (version 2), W-0003 (version 2)"
    assert_contains "$OUT" "            new: P-N01, P-N02, P-N03, P-N04, P-N05, P-N06, P-N07, P-N08, P-N09, P-N10 and 3 more"
    expect_rc 0 load "$IT_TMP/works2.json" "$IT_TMP/many.json"
    assert_contains "$OUT" "  parties   13 new, 0 changed, 0 unchanged
            new: P-N01, P-N02, P-N03, P-N04, P-N05, P-N06, P-N07, P-N08, P-N09, P-N10 and 3 more
  works     0 new, 2 changed, 3 unchanged
            changed: W-0002 (version 2), W-0003 (version 2)
  consents"
    # nothing changed: said so, and no record named
    expect_rc 0 load "$IT_TMP/works2.json" "$IT_TMP/many.json"
    assert_contains "$OUT" "no changes: 2 files already loaded"
    case "$OUT" in
    *"new:"* | *"changed:"*) fail "a no-op reload named records: $OUT" ;;
    esac
}
