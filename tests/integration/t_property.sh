# Property tests of runs: seeded random valid scenarios
# (tests/reference/gen_scenario.py) computed by ledgerline and by an
# independent reference implementation of SPEC §3
# (tests/reference/refcalc.py); the two must agree to the minor unit.
#
#   LEDGERLINE_PROPERTY_CASES  number of random scenarios (default 40)
#   LEDGERLINE_PROPERTY_SEED   first seed (default 1); seeds are consecutive
#
# A failing seed can be replayed by hand:
#   python3 tests/reference/gen_scenario.py --seed N --out DIR
#   (cd DIR && . ./scenario.sh && ledgerline load $REGISTRY &&
#    ledgerline run --licensee $LICENSEE --period $PERIOD \
#        --manifest $MANIFESTS --logs $LOGS --out out)
#   (cd DIR && . ./scenario.sh && python3 tests/reference/refcalc.py \
#        --registry $REGISTRY --licensee $LICENSEE --period $PERIOD \
#        --manifest $MANIFESTS --logs $LOGS --licences --parties --lines)

PROP_REF="$TOP/tests/reference"

# prop_generate SEED DIR: write scenario SEED into DIR
prop_generate() {
    python3 "$PROP_REF/gen_scenario.py" --seed "$1" --out "$2" ||
        fail "gen_scenario.py --seed $1 failed"
}

# prop_run DIR OUT DB MANIFESTS LOGS: a fresh database DB, init, load DIR's
# registries and run ledgerline on the given manifests and logs (paths
# relative to DIR) into OUT.  Returns non-zero (with the reason on stderr)
# when any step fails.
prop_run() {
    local dir=$1 out=$2 db=$3 manifests=$4 logs=$5 rc ll=$LL
    case $ll in /*) ;; */*) ll="$TOP/$ll" ;; esac # we run from inside DIR
    newdb "$db"
    (
        LL=$ll
        cd "$dir" || exit 1
        . ./scenario.sh
        "$LL" init >"$out.init.log" 2>&1 || { echo "init failed:"; cat "$out.init.log"; exit 1; }
        # shellcheck disable=SC2086
        "$LL" load $REGISTRY >"$out.load.log" 2>&1 || { echo "load failed:"; cat "$out.load.log"; exit 1; }
        # shellcheck disable=SC2086
        "$LL" run --licensee "$LICENSEE" --period "$PERIOD" --manifest $manifests \
            --logs $logs --out "$out" >"$out.run.log" 2>&1
        rc=$?
        [ "$rc" -eq 0 ] || { echo "run exited $rc:"; cat "$out.run.log"; exit 1; }
        verify_run_out "$out"
    ) >&2
}

# prop_reference DIR PREFIX: the reference's answers for DIR's scenario
# into PREFIX.payouts.csv, PREFIX.licences.csv, PREFIX.parties.csv
prop_reference() {
    local dir=$1 prefix=$2
    (
        cd "$dir" || exit 1
        . ./scenario.sh
        # shellcheck disable=SC2086
        python3 "$PROP_REF/refcalc.py" --registry $REGISTRY --licensee "$LICENSEE" \
            --period "$PERIOD" --manifest $MANIFESTS --logs $LOGS \
            --licences "$prefix.licences.csv" --parties "$prefix.parties.csv" \
            --lines "$prefix.lines.csv" >"$prefix.payouts.csv"
    )
}

# prop_compare OUT PREFIX: compare ledgerline's OUT with the reference's
# PREFIX.* files; prints every discrepancy and returns non-zero on any.
prop_compare() {
    python3 - "$1" "$2" <<'PY'
import csv, json, sys
from fractions import Fraction

out, prefix = sys.argv[1], sys.argv[2]
bad = []

def rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))

def minor(amount, e):
    """decimal string with exactly e decimals -> integer minor units"""
    if e == 0:
        assert "." not in amount, amount
        return int(amount)
    whole, _, frac = amount.partition(".")
    assert len(frac) == e, (amount, e)
    return int(whole) * 10 ** e + int(frac)

# 1. payouts.csv (payee_id, currency, amount) must equal the reference exactly
got = rows(out + "/payouts.csv")
if got[0] != ["payee_id", "payee_name", "currency", "amount", "iban", "bic",
              "end_to_end_id", "statement_sha256"]:
    bad.append("payouts.csv header: %r" % (got[0],))
got3 = ["%s,%s,%s" % (r[0], r[2], r[3]) for r in got[1:]]
# a first posting with nothing open pays each payee what it earned, when
# positive (SPEC §5): a payee whose parties round to zero is not paid
ref3 = [",".join(r) for r in rows(prefix + ".payouts.csv")[1:]
        if Fraction(r[2].replace(",", "")) != 0]
if got3 != ref3:
    import difflib
    bad.append("payouts differ (--- reference, +++ ledgerline):\n" + "\n".join(
        difflib.unified_diff(ref3, got3, "reference", "ledgerline", lineterm="")))

run = json.load(open(out + "/run.json", encoding="utf-8"))
exps = {}
for r in rows(prefix + ".licences.csv")[1:]:
    amt = r[3]
    exps[r[1]] = len(amt.partition(".")[2])

# 2. per-licence totals, exact and rounded, against the reference
ref_lic = {r[0]: r for r in rows(prefix + ".licences.csv")[1:]}
got_lic = {l["licence"]: l for l in run["licences"]}
for lid in sorted(set(ref_lic) | set(got_lic)):
    if lid not in got_lic:
        if Fraction(ref_lic[lid][2]) == 0:
            continue  # an active licence that owes nothing may be left out
        bad.append("licence %s: in the reference (total %s) but not in run.json" % (lid, ref_lic[lid][2]))
        continue
    l = got_lic[lid]
    if lid not in ref_lic:
        if Fraction(l["exact"]["total"]) != 0:
            bad.append("licence %s: in run.json (total %s) but not in the reference" % (lid, l["exact"]["total"]))
        continue
    r = ref_lic[lid]
    if (l["currency"], l["exact"]["total"], l["amount"]) != (r[1], r[2], r[3]):
        bad.append("licence %s: run.json %s %s = %s, reference %s %s = %s"
                   % (lid, l["currency"], l["exact"]["total"], l["amount"], r[1], r[2], r[3]))

# 3. per-party figures against the reference, and within one minor unit
ref_par = {(r[0], r[1]): r for r in rows(prefix + ".parties.csv")[1:]}
got_par = {}
for l in run["licences"]:
    e = exps.get(l["currency"], len(l["amount"].partition(".")[2]))
    for p in l.get("parties", []):
        got_par[(l["licence"], p["party"])] = p
        x = Fraction(p["exact"]) * 10 ** e
        if abs(minor(p["amount"], e) - x) >= 1:
            bad.append("licence %s party %s: amount %s is not within one minor unit of exact %s"
                       % (l["licence"], p["party"], p["amount"], p["exact"]))
for k in sorted(set(ref_par) | set(got_par)):
    g, r = got_par.get(k), ref_par.get(k)
    gs = (g["exact"], g["amount"]) if g else None
    rs = (r[3], r[4]) if r else None
    if gs != rs:
        bad.append("licence %s party %s: run.json %s, reference %s" % (k[0], k[1], gs, rs))

# 4. conservation: sum of payouts per currency = sum of licence totals
pay, tot = {}, {}
for r in got[1:]:
    e = exps.get(r[2], len(r[3].partition(".")[2]))
    pay[r[2]] = pay.get(r[2], 0) + minor(r[3], e)
for l in run["licences"]:
    e = exps.get(l["currency"], len(l["amount"].partition(".")[2]))
    tot[l["currency"]] = tot.get(l["currency"], 0) + minor(l["amount"], e)
    s = sum(minor(p["amount"], e) for p in l.get("parties", []))
    if s != minor(l["amount"], e):
        bad.append("licence %s: parties sum to %d minor units, total is %s" % (l["licence"], s, l["amount"]))
for cur in sorted(set(pay) | set(tot)):
    if pay.get(cur, 0) != tot.get(cur, 0):
        bad.append("%s: payouts sum to %d minor units, licence totals to %d"
                   % (cur, pay.get(cur, 0), tot.get(cur, 0)))

for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
}

test_property_random_scenarios_match_reference() {
    local cases=${LEDGERLINE_PROPERTY_CASES:-40} seed0=${LEDGERLINE_PROPERTY_SEED:-1}
    local seed dir n=0 failed=0 failed_seeds=""
    for seed in $(seq "$seed0" $((seed0 + cases - 1))); do
        n=$((n + 1))
        dir="$IT_TMP/prop-$seed"
        prop_generate "$seed" "$dir"
        . "$dir/scenario.sh"
        if ! prop_run "$dir" "$dir/out" "it_prop_$seed" "$MANIFESTS" "$LOGS" 2>"$dir/run.err"; then
            echo "    seed $seed: ledgerline failed on a valid scenario" >&2
            sed 's/^/      /' "$dir/run.err" >&2
            failed=$((failed + 1))
            failed_seeds="$failed_seeds $seed"
        elif ! prop_reference "$dir" "$dir/ref" 2>"$dir/ref.err"; then
            echo "    seed $seed: the reference failed" >&2
            sed 's/^/      /' "$dir/ref.err" >&2
            failed=$((failed + 1))
            failed_seeds="$failed_seeds $seed"
        elif ! prop_compare "$dir/out" "$dir/ref" >"$dir/cmp" 2>&1; then
            echo "    seed $seed: ledgerline and the reference disagree" >&2
            sed 's/^/      /' "$dir/cmp" >&2
            failed=$((failed + 1))
            failed_seeds="$failed_seeds $seed"
        fi
        sql postgres -c "DROP DATABASE IF EXISTS \"it_prop_$seed\"" >/dev/null 2>&1
    done
    [ "$failed" -eq 0 ] ||
        fail "$failed of $n random scenarios disagree with the reference (seeds:$failed_seeds)"
    echo "    $n random scenarios match the reference"
}

# prop_shuffle DIR SEED: copy DIR's logs into DIR/shuf with the lines of
# each shuffled (seeded); prints the shuffled log names, in reverse order
prop_shuffle() {
    python3 - "$1" "$2" <<'PY'
import os, random, sys
d, seed = sys.argv[1], int(sys.argv[2])
env = dict(l.strip().split("=", 1) for l in open(os.path.join(d, "scenario.sh"))
           if "=" in l and not l.startswith("#"))
logs = env["LOGS"].strip("'").split()
os.makedirs(os.path.join(d, "shuf"), exist_ok=True)
rng = random.Random(seed * 7919)
names = []
for name in logs:
    lines = open(os.path.join(d, name), encoding="utf-8").read().splitlines(True)
    for _ in range(5):
        rng.shuffle(lines)
        if len(lines) < 2 or "".join(lines) != open(os.path.join(d, name), encoding="utf-8").read():
            break
    with open(os.path.join(d, "shuf", name), "w", encoding="utf-8") as fh:
        fh.writelines(lines)
    names.append("shuf/" + name)
print(" ".join(reversed(names)))
PY
}

reverse_words() {
    local w out=""
    for w in $1; do out="$w${out:+ $out}"; done
    printf '%s' "$out"
}

test_property_shuffled_inputs_identical() {
    local seed dir shuffled rman rlogs f failed=0
    for seed in 3 7 12; do
        dir="$IT_TMP/shuf-$seed"
        prop_generate "$seed" "$dir"
        . "$dir/scenario.sh"
        prop_run "$dir" "$dir/a" "it_shuf_a_$seed" "$MANIFESTS" "$LOGS" ||
            fail "seed $seed: ledgerline failed on the scenario"
        rman=$(reverse_words "$MANIFESTS")
        rlogs=$(reverse_words "$LOGS")
        # the same files in another order: every output byte-identical
        prop_run "$dir" "$dir/b" "it_shuf_b_$seed" "$rman" "$rlogs" ||
            fail "seed $seed: ledgerline failed with the files reordered"
        for f in $(cd "$dir/a" && find . -type f | sort); do
            if ! cmp -s "$dir/a/$f" "$dir/b/$f"; then
                echo "    seed $seed: $f differs when only the order of the input files changes" >&2
                diff -u "$dir/a/$f" "$dir/b/$f" | head -40 | sed 's/^/      /' >&2
                failed=$((failed + 1))
            fi
        done
        if [ "$(cd "$dir/a" && find . -type f | sort)" != "$(cd "$dir/b" && find . -type f | sort)" ]; then
            echo "    seed $seed: the set of output files changes with the input order" >&2
            failed=$((failed + 1))
        fi
        # shuffled lines, reversed logs and manifests: the same payouts.
        # end_to_end_id derives from the run id, which covers the exact
        # input bytes; statement_sha256 is the digest of a statement that
        # names the run id and the digests of the inputs (SPEC §4): both
        # legitimately change with the bytes and are left out here.
        shuffled=$(prop_shuffle "$dir" "$seed") || fail "seed $seed: cannot shuffle the logs"
        prop_run "$dir" "$dir/c" "it_shuf_c_$seed" "$rman" "$shuffled" ||
            fail "seed $seed: ledgerline failed on the shuffled logs"
        if ! diff -u <(cut -d, -f1-6 "$dir/a/payouts.csv") <(cut -d, -f1-6 "$dir/c/payouts.csv") \
            >"$dir/c.diff"; then
            echo "    seed $seed: payouts.csv changes when the log lines are shuffled" >&2
            sed 's/^/      /' "$dir/c.diff" >&2
            failed=$((failed + 1))
        fi
        for f in a b c; do
            sql postgres -c "DROP DATABASE IF EXISTS \"it_shuf_${f}_$seed\"" >/dev/null 2>&1
        done
    done
    [ "$failed" -eq 0 ] || fail "$failed order-dependence findings"
}
