# Splitting a period across machines (SPEC §8): "ledgerline tally" over
# shards of the logs, then "run --tallies", must make the same outputs,
# byte for byte, and the same ledger as one run over every log; partials
# that do not belong together, repeat an event id, or were altered are
# refused with exit 3 and nothing written.
#
# Scenarios are the property tests' random ones (tests/reference/
# gen_scenario.py); each log is cut into pieces at random lines, so that a
# partial holds parts of several logs' events.

# prop_generate, prop_run: t_property.sh (the runner sources every file).

# tally_prepare SEED DIR [N]: scenario SEED in DIR, its logs cut into
# pieces piece-K.ndjson of consecutive lines: 2 or 3 per log at random
# lines, or, given N, about N in all of even size (none empty); prints
# their names.
tally_prepare() {
    prop_generate "$1" "$2"
    python3 - "$2" "$1" "${3:-0}" <<'PY'
import os, random, sys
d, seed, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
env = dict(l.strip().split("=", 1) for l in open(os.path.join(d, "scenario.sh"))
           if "=" in l and not l.startswith("#"))
rng = random.Random(seed * 104729)
logs = [(n, open(os.path.join(d, n), encoding="utf-8").read().splitlines(True))
        for n in env["LOGS"].strip("'").split()]
total = sum(len(l) for _, l in logs)
names, k = [], 0
for name, lines in logs:
    if want:
        if not lines:
            continue
        size = -(-len(lines) // max(1, round(want * len(lines) / total)))
        cuts = list(range(size, len(lines), size))
    else:
        cuts = sorted(rng.sample(range(1, len(lines)), min(rng.choice([1, 2]), len(lines) - 1))) if len(lines) > 1 else []
    for a, b in zip([0] + cuts, cuts + [len(lines)]):
        k += 1
        p = "piece-%d.ndjson" % k
        with open(os.path.join(d, p), "w", encoding="utf-8") as fh:
            fh.writelines(lines[a:b])
        names.append(p)
print(" ".join(names))
PY
}

# tally_db DB DIR: a fresh database DB with DIR's registries loaded.
tally_db() {
    newdb "$1"
    (cd "$2" && . ./scenario.sh && "$LL" init >/dev/null 2>&1 &&
        # shellcheck disable=SC2086
        "$LL" load $REGISTRY >/dev/null 2>&1) ||
        fail "cannot init and load $2 into $1"
}

# tally_ledger DB: the run's figures and postings as the ledger holds
# them, in a canonical order, without ids or times of the database's own.
tally_ledger() {
    sql "$1" -c "SELECT run_id, licensee, period_first, period_last, registry_sha256, run_json, compliance FROM ledgerline.run ORDER BY 1" \
        -c "SELECT run_id, kind, source, sha256, bytes FROM ledgerline.run_input ORDER BY 1, 2, 3, 4" \
        -c "SELECT run_id, licence, party, coalesce(work, ''), component, coalesce(side, ''), exact, amount_minor FROM ledgerline.run_line ORDER BY 1, 2, 3, 4, 5, 6" \
        -c "SELECT e.kind, e.run_id, e.licence, l.line_no, l.party, l.currency, l.amount_minor FROM ledgerline.journal_entry e JOIN ledgerline.journal_line l USING (entry_id) ORDER BY e.entry_id, l.line_no" \
        -c "SELECT run_id, run_json_text FROM ledgerline.posting ORDER BY posting_id"
}

# tally_groups SEED N PIECES...: the pieces dealt at random into N
# non-empty groups, one group per line.
tally_groups() {
    python3 - "$@" <<'PY'
import random, sys
seed, n, pieces = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
rng = random.Random(seed * 7 + n)
pieces = pieces[:]
rng.shuffle(pieces)
groups = [[p] for p in pieces[:n]]
for p in pieces[n:]:
    rng.choice(groups).append(p)
for g in groups:
    print(" ".join(g))
PY
}

# tally_merge_same DIR SEED N PIECES...: in a fresh database, the pieces
# tallied in N partials and merged; the outputs and the ledger must be
# those of the single run in DIR/single (database it_tally_single_SEED).
tally_merge_same() {
    local dir=$1 seed=$2 n=$3 mdb="it_tally_${2}_$3" g k=0
    shift 3
    # (not "db": lib.sh's sql() sets that one)
    tally_db "$mdb" "$dir"
    (
        cd "$dir" || exit 1
        . ./scenario.sh
        while IFS= read -r g; do
            k=$((k + 1))
            # shellcheck disable=SC2086
            "$LL" tally --licensee "$LICENSEE" --period "$PERIOD" \
                --manifest $MANIFESTS --logs $g --out "part-$n-$k" \
                >"tally-$n-$k.log" 2>&1 || { cat "tally-$n-$k.log"; exit 1; }
        done < <(tally_groups "$seed" "$n" "$@")
        local parts
        parts=$(ls part-$n-* | sort -r | tr '\n' ' ')
        # TALLY_NOFILE: the merge under that soft limit of open files
        [ -z "${TALLY_NOFILE:-}" ] || ulimit -Sn "$TALLY_NOFILE"
        # shellcheck disable=SC2086
        "$LL" run --licensee "$LICENSEE" --period "$PERIOD" \
            --manifest $MANIFESTS --tallies $parts --out "merged-$n" \
            >"merged-$n.log" 2>&1 || { cat "merged-$n.log"; exit 1; }
    ) >&2 || fail "seed $seed: tally or run --tallies failed with $n partials"
    diff -r "$dir/single" "$dir/merged-$n" >&2 ||
        fail "seed $seed: $n partials merged differ from the single run"
    tally_ledger "$mdb" >"$dir/ledger-$n" && tally_ledger "it_tally_single_$seed" >"$dir/ledger-single" &&
        diff "$dir/ledger-single" "$dir/ledger-$n" >&2 ||
        fail "seed $seed: the ledger after $n partials differs from the single run's"
    sql postgres -c "DROP DATABASE IF EXISTS \"$mdb\"" >/dev/null 2>&1
}

test_tally_splits_match_single_run() {
    local seed dir pieces n count
    for seed in ${LEDGERLINE_TALLY_SEEDS:-2 5 11}; do
        dir="$IT_TMP/tally-$seed"
        pieces=$(tally_prepare "$seed" "$dir")
        . "$dir/scenario.sh"
        # shellcheck disable=SC2086
        set -- $pieces
        count=$#
        prop_run "$dir" "$dir/single" "it_tally_single_$seed" "$MANIFESTS" "$pieces" ||
            fail "seed $seed: the single run failed"
        for n in 1 2 3; do
            [ "$n" -le "$count" ] || continue
            # shellcheck disable=SC2086
            tally_merge_same "$dir" "$seed" "$n" $pieces
        done
        [ -s "$dir/single/run.json" ] || fail "seed $seed: no run.json"
        sql postgres -c "DROP DATABASE IF EXISTS \"it_tally_single_$seed\"" >/dev/null 2>&1
        echo "    seed $seed: $count pieces in 1, 2 and 3 partials = the single run"
    done
}

# More partials than a low soft limit of open files allows: run --tallies
# keeps every partial open while it merges their ids, so it raises its
# own soft limit (up to the hard one) and still makes the single run's
# outputs and ledger.
test_tally_many_partials_few_open_files() {
    local dir="$IT_TMP/tally-many" pieces count hard
    hard=$(ulimit -Hn)
    if [ "$hard" != unlimited ] && [ "$hard" -lt 200 ]; then
        echo "# SKIP the hard limit of open files is $hard"
        return 0
    fi
    pieces=$(tally_prepare 5 "$dir" 48)
    . "$dir/scenario.sh"
    # shellcheck disable=SC2086
    set -- $pieces
    count=$#
    [ "$count" -gt 32 ] || fail "only $count pieces: the scenario is too small"
    prop_run "$dir" "$dir/single" it_tally_single_5 "$MANIFESTS" "$pieces" ||
        fail "the single run failed"
    # 32 descriptors in all: fewer than the partials alone
    # shellcheck disable=SC2086
    TALLY_NOFILE=32 tally_merge_same "$dir" 5 "$count" $pieces
    sql postgres -c "DROP DATABASE IF EXISTS it_tally_single_5" >/dev/null 2>&1
    echo "    $count partials merged under a soft limit of 32 open files"
}

# A scenario in $dir with its database loaded and a partial "all" of
# every log; sets dir.
tally_fixture() {
    dir=$(mktemp -d "$IT_TMP/tally.XXXXXX")
    prop_generate 5 "$dir"
    tally_db it_tally_fix "$dir"
    cd "$dir" || fail "no $dir"
    . ./scenario.sh
    # shellcheck disable=SC2086
    expect_rc 0 tally --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs $LOGS --out all.part
    assert_contains "$OUT" "into all.part"
}

# nothing_posted: no run stored, no output directory made.
nothing_posted() {
    [ "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.run")" = 0 ] ||
        fail "a run was stored"
    [ ! -e "$dir/out" ] || [ -z "$(ls -A "$dir/out")" ] ||
        fail "files were written to --out: $(ls -A "$dir/out")"
}

test_tally_duplicate_across_partials() {
    local first
    tally_fixture
    # a log whose first event repeats one of log-1's, under a new name
    first=$(head -n 1 log-1.ndjson)
    { tail -n +2 log-2.ndjson; printf '%s\n' "$first"; } >dup.ndjson
    # shellcheck disable=SC2086
    expect_rc 0 tally --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs log-1.ndjson --out a.part
    # shellcheck disable=SC2086
    expect_rc 0 tally --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs dup.ndjson --out b.part
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies a.part b.part --out out
    id=$(printf '%s' "$first" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    assert_contains "$ERR" "duplicate event id \"$id\""
    assert_contains "$ERR" "a.part (log-1.ndjson:1)"
    assert_contains "$ERR" "b.part (dup.ndjson:"
    nothing_posted
    # the same logs in one run fail the same way
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs log-1.ndjson dup.ndjson --out out
    assert_contains "$ERR" "duplicate event id \"$id\""
}

test_tally_duplicate_within_shard_writes_nothing() {
    tally_fixture
    { cat log-1.ndjson; head -n 1 log-1.ndjson; } >dup.ndjson
    # shellcheck disable=SC2086
    expect_rc 3 tally --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs dup.ndjson --out d.part
    assert_contains "$ERR" "duplicate event id"
    assert_contains "$ERR" "no partial was written"
    [ ! -e d.part ] || fail "a partial was written"
    [ -z "$(ls -a | grep -v -e '^\.\.\?$' -e '\.json$' -e '\.ndjson$' -e '^scenario.sh$' -e '^all.part$')" ] ||
        fail "files left behind: $(ls -a)"
}

# forge PART FIELD VALUE: PART with FIELD's line replaced and its checksum
# made again, as if another run had made it.
forge() {
    python3 - "$@" <<'PY'
import hashlib, sys
path, field, value = sys.argv[1:]
lines = open(path, encoding="utf-8").read().split("\n")[:-2]
lines = [field + " " + value if l.split(" ")[0] == field else l for l in lines]
body = "\n".join(lines) + "\n"
open(path, "w", encoding="utf-8").write(body + "sha256 " + hashlib.sha256(body.encode()).hexdigest() + "\n")
PY
}

# With a small --memory-max, tally sorts its ids in runs spilled to
# $TMPDIR and merged as it writes: the partial is byte for byte the one
# made in memory, and nothing is left in $TMPDIR.
test_tally_memory_max_spills_same_partial() {
    local n spill
    tally_fixture
    # the scenario's events again and again under new ids, enough to
    # spill many runs
    # shellcheck disable=SC2086
    python3 - $LOGS <<'PY' >big.ndjson
import json, sys
for k in range(300):
    for path in sys.argv[1:]:
        for line in open(path, encoding="utf-8"):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if not isinstance(ev, dict) or not isinstance(ev.get("id"), str):
                continue
            ev["id"] = "%s%s%d" % (ev["id"], ":" if k % 7 == 0 else "-", k)
            print(json.dumps(ev))
PY
    # shellcheck disable=SC2086
    expect_rc 0 tally --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs big.ndjson --out mem.part
    n=$(grep -c '^id ' mem.part)
    # 64K holds 32K of ids, a few hundred: many more than that spill
    [ "$n" -gt 5000 ] || fail "only $n ids: too few to spill"
    spill=$(mktemp -d "$IT_TMP/spill.XXXXXX")
    # shellcheck disable=SC2086
    TMPDIR=$spill expect_rc 0 tally --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs big.ndjson --out small.part --memory-max 64K
    cmp mem.part small.part || fail "the partial made with --memory-max 64K differs"
    [ -z "$(ls -A "$spill")" ] || fail "files left in TMPDIR: $(ls -A "$spill")"
    # and it merges as the other
    # shellcheck disable=SC2086
    expect_rc 0 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies small.part --out out
}

# reorder PART: PART with its last two id lines swapped and its checksum
# made again, so that only the order of its ids is wrong; prints the line
# number of the second.
reorder() {
    python3 - "$1" <<'PY'
import hashlib, sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")[:-2]
ids = [i for i, l in enumerate(lines) if l.startswith("id ")]
a, b = ids[-2], ids[-1]
lines[a], lines[b] = lines[b], lines[a]
body = "\n".join(lines) + "\n"
open(path, "w", encoding="utf-8").write(body + "sha256 " + hashlib.sha256(body.encode()).hexdigest() + "\n")
print(b + 1)
PY
}

# The ids of a partial are read as a stream, their order checked as they
# come: a partial whose ids are out of order is refused, even with a good
# checksum, and so is text after its checksum line; nothing is posted.
test_tally_ids_out_of_order() {
    local line
    tally_fixture
    cp all.part order.part
    line=$(reorder order.part)
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies all.part order.part --out out
    assert_contains "$ERR" "order.part:$line: id: ids out of order or repeated"
    assert_contains "$ERR" "nothing was run"
    nothing_posted
    # a good partial followed by more text
    { cat all.part; echo "id 0000000000000000 0 1 x"; } >more.part
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies more.part --out out
    assert_contains "$ERR" "more.part:"
    assert_contains "$ERR" "sha256:"
    nothing_posted
    # the partial on standard input is read once, as a stream
    # shellcheck disable=SC2086
    expect_rc 0 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies - --out out <all.part
}

test_tally_refuses_partials_of_another_run() {
    tally_fixture
    # another licensee: a partial edited consistently (checksum made again)
    cp all.part lic.part
    forge lic.part licensee P-OTHER
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies lic.part --out out
    assert_contains "$ERR" "lic.part: licensee: the partial is of licensee P-OTHER, the run of $LICENSEE"
    nothing_posted
    # another period: a real tally over a wider period
    # shellcheck disable=SC2086
    expect_rc 0 tally --licensee "$LICENSEE" --period 2026-01-01..2026-12-31 \
        --manifest $MANIFESTS --logs $LOGS --out year.part
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies year.part --out out
    assert_contains "$ERR" "year.part: period: the partial is of 2026-01-01..2026-12-31"
    nothing_posted
    # another manifest set: the run has one manifest fewer
    # shellcheck disable=SC2086
    set -- $MANIFESTS
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest "$1" --tallies all.part --out out
    assert_contains "$ERR" "all.part: manifests: not the run's manifests"
    nothing_posted
    # another registry snapshot: a party loaded after the tally
    cat >new-party.json <<'EOF'
{"parties": [{"id": "P-LATE", "name": "Late Artist", "kind": "songwriter", "payee": "P-AI"}]}
EOF
    expect_rc 0 load new-party.json
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies all.part --out out
    assert_contains "$ERR" "all.part: registry: the partial was made with registry snapshot"
    nothing_posted
    # made again with the new registry, it is accepted
    # shellcheck disable=SC2086
    expect_rc 0 tally --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --logs $LOGS --out all2.part
    # shellcheck disable=SC2086
    expect_rc 0 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies all2.part --out out
}

test_tally_altered_partial() {
    local size
    tally_fixture
    size=$(stat -c %s all.part)
    # one byte changed in the middle
    cp all.part bad.part
    python3 - bad.part <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = len(b) // 2
b[i] = ord("7") if b[i] != ord("7") else ord("8")
open(sys.argv[1], "wb").write(bytes(b))
PY
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies bad.part --out out
    assert_contains "$ERR" "bad.part:"
    assert_contains "$ERR" "sha256: checksum mismatch"
    nothing_posted
    # truncated
    head -c $((size / 2)) all.part >cut.part
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies cut.part --out out
    assert_contains "$ERR" "cut.part:"
    assert_contains "$ERR" "truncated"
    nothing_posted
    # not a partial at all
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies log-1.ndjson --out out
    assert_contains "$ERR" "log-1.ndjson:1: version: not a ledgerline partial"
    nothing_posted
    # the same log in two partials is a log given twice
    # shellcheck disable=SC2086
    expect_rc 3 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies all.part all.part --out out
    nothing_posted
    # usage
    # shellcheck disable=SC2086
    expect_rc 2 run --licensee "$LICENSEE" --period "$PERIOD" \
        --manifest $MANIFESTS --tallies all.part --logs log-1.ndjson --out out
    expect_rc 0 tally --help
    assert_contains "$OUT" "usage: ledgerline tally"
    expect_rc 2 tally --licensee "$LICENSEE"
}
