# Integration tests for scale (SPEC §8): the duplicate-id check with its
# event-id hashes spilled to disk under a small --memory-max gives the
# same outputs, byte for byte, as the same run held in memory, and still
# finds a repeated event id across spilled runs, naming both lines.
#
# Design decision: the logs are generated here (a hundred thousand
# events over several 4 MiB blocks), so that a budget of 64K makes every
# block spill a run and the merge sees many runs; the registry and
# manifest come from t_run.sh's helpers (rt_init, rt_load, rt_manifest).

# sc_logs N FILE...: N events spread over the files, ids ev-<i>, each
# attributing two of W-1..W-3.
sc_logs() {
    python3 - "$@" <<'PY'
import sys
n = int(sys.argv[1]); files = [open(p, "w") for p in sys.argv[2:]]
for i in range(n):
    a, b = 1 + i % 3, 1 + (i + 1) % 3
    files[i % len(files)].write(
        '{"id": "ev-%d", "model": "m-1", "ts": "2026-08-%02dT10:00:00Z", '
        '"value": "0.%04d", "currency": "EUR", "attribution": '
        '[{"work": "W-%d", "weight": "0.25"}, {"work": "W-%d", '
        '"weight": "0.5"}]}\n'
        % (i, 1 + i % 28, i % 10000, a, b))
PY
}

sc_setup() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-3", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"catalog_of": "P-LAB"},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31",
   "currency": "EUR",
   "terms": {"training_fee": "100", "usage_rate": "0.5", "per_generation": "0.0001"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2 W-3"
}

test_scale_spilled_ids_same_outputs() {
    sc_setup
    sc_logs 100000 "$RT/a.ndjson" "$RT/b.ndjson"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" \
        --logs "$RT/a.ndjson" "$RT/b.ndjson" --out "$RT/mem"
    assert_contains "$OUT" "100000 events"
    # 64K: 64 event-id hashes in memory, every block spills a run
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" \
        --logs "$RT/a.ndjson" "$RT/b.ndjson" --out "$RT/spill" \
        --memory-max 64K --threads 2
    assert_contains "$OUT" "already"
    diff -r "$RT/mem" "$RT/spill" >"$RT/diff" 2>&1 ||
        fail "outputs differ with spilled event ids: $(head -20 "$RT/diff")"
    # nothing left in the temporary directory
    [ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'ledgerline-ids-*' 2>/dev/null)" ] ||
        fail "a spill file was left behind"
}

test_scale_spilled_duplicate_across_runs() {
    sc_setup
    sc_logs 100000 "$RT/a.ndjson" "$RT/b.ndjson"
    # the id of a's first line again at the end of b: many spilled runs
    # apart
    head -1 "$RT/a.ndjson" | sed 's/2026-08-01/2026-09-30/' >>"$RT/b.ndjson"
    lines_b=$(wc -l <"$RT/b.ndjson")
    for mm in 64K 1G; do
        run run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" \
            --logs "$RT/a.ndjson" "$RT/b.ndjson" --out "$RT/out-$mm" \
            --memory-max "$mm"
        [ "$RC" -eq 3 ] || fail "a duplicate id with --memory-max $mm: exit $RC, expected 3
stderr: $ERR"
        assert_eq "$ERR" "ledgerline: $RT/b.ndjson:$lines_b: id: duplicate event id \"ev-0\" (first at $RT/a.ndjson:1)
ledgerline: 1 error: nothing was run"
        [ ! -e "$RT/out-$mm/run.json" ] || fail "run.json written for a failed run"
    done
    assert_eq "$(rt_count run)" "0"
}

test_scale_memory_max_usage() {
    local v
    for v in 0 abc 12Q 63K 1T -1 ""; do
        run run --licensee P-AI --period 2026-Q3 --manifest m.json --logs l.ndjson \
            --out "$IT_TMP/o" --memory-max "$v"
        [ "$RC" -eq 2 ] || fail "--memory-max '$v': exit $RC, expected 2"
        assert_contains "$ERR" "--memory-max must be a size of at least 64K"
    done
    run run --licensee P-AI --period 2026-Q3 --manifest m.json --logs l.ndjson \
        --out "$IT_TMP/o" --memory-max 1G --memory-max 2G
    [ "$RC" -eq 2 ] || fail "--memory-max twice: exit $RC, expected 2"
    expect_rc 0 run --help
    assert_contains "$OUT" "--memory-max SIZE"
}
