# Property tests of accounts across periods (SPEC §4 statements of account,
# payouts.csv, remittance.csv; §5 "Balances and payments"): seeded random
# sequences of first runs, restatements (fewer lines, more lines, a new
# licence or split version), identical reruns and returned payments,
# driven through the real CLI and held after every step against an
# independent model of the payment rule (tests/model/accounts.py) by
# tests/model/check_accounts.py.  The sequences come from
# tests/model/gen_accounts.py over the registry in tests/data/accounts.
#
#   LEDGERLINE_ACCOUNTS_CASES  number of sequences (default 6: about 3 minutes)
#   LEDGERLINE_ACCOUNTS_SEED   first seed (default: from the clock, printed)
#   LEDGERLINE_ACCOUNTS_STEPS  steps per sequence (default 6)
#
# A failing seed is replayed with LEDGERLINE_ACCOUNTS_SEED=N
# LEDGERLINE_ACCOUNTS_CASES=1; the plan of a sequence is
#   python3 tests/model/gen_accounts.py --seed N --steps 6 --out DIR

ACC_MODEL="$TOP/tests/model"
ACC_DATA="$DATA/accounts"

# The model's self-test: hand-worked cases of the payment rule.
test_accounts_model_selftest() {
    local out
    out=$(python3 -B "$ACC_MODEL/test_accounts.py" 2>&1) ||
        fail "the model of the payment rule fails its own cases:
$out"
}

# acc_problems: what must hold of the ledger after any step, one line per
# violation: every entry balances per currency.
acc_problems() {
    sql "$IT_DB" -c "SELECT 'entry ' || entry_id || ' does not balance in ' || currency
                              || ': ' || sum(amount_minor)
                       FROM ledgerline.journal_line
                      GROUP BY entry_id, currency HAVING sum(amount_minor) <> 0
                      ORDER BY entry_id, currency"
}

# acc_entries: the number of journal entries.
acc_entries() {
    sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry"
}

# acc_step_run DIR STATE N PERIOD LOG EXPECT LOAD...: step N of a sequence:
# load the registry files LOAD, run PERIOD on DIR/LOG into DIR/out-N, and
# check it against the model.  Returns non-zero (reasons on stderr) on a
# discrepancy.
acc_step_run() {
    local dir=$1 state=$2 n=$3 period=$4 log=$5 expect=$6 f before
    shift 6
    for f in "$@"; do
        run load "$dir/$f"
        [ "$RC" -eq 0 ] || { echo "load $f exited $RC: $ERR" >&2; return 1; }
        printf '%s\n' "$dir/$f" >>"$dir/parties"
    done
    before=$(acc_entries)
    # run verifies every statement and the checkpoint (verify_run_out)
    run run --licensee P-AI --period "$period" --manifest "$ACC_DATA/manifest.json" \
        --logs "$dir/$log" --out "$dir/out-$n"
    [ "$RC" -eq 0 ] || { echo "run exited $RC: $ERR" >&2; return 1; }
    case $expect:$OUT in
    noop:*"already posted"*) ;;
    noop:*) echo "an identical rerun posted: $OUT" >&2; return 1 ;;
    new:*"already posted"*) echo "new inputs posted nothing: $OUT" >&2; return 1 ;;
    esac
    if [ "$expect" = noop ] && [ "$(acc_entries)" != "$before" ]; then
        echo "an identical rerun added journal entries" >&2
        return 1
    fi
    # shellcheck disable=SC2046
    python3 -B "$ACC_MODEL/check_accounts.py" "$state" post --licensee P-AI \
        --period "$period" --out "$dir/out-$n" --expect "$expect" \
        --parties $(cat "$dir/parties") >"$dir/check-$n" 2>&1 ||
        { cat "$dir/check-$n" >&2; return 1; }
}

# acc_step_return DIR STATE R: the bank returns an open payment (the R-th).
acc_step_return() {
    local dir=$1 state=$2 e2e before
    e2e=$(python3 -B "$ACC_MODEL/check_accounts.py" "$state" pick-return "$3") ||
        { echo "cannot pick a payment" >&2; return 1; }
    [ -n "$e2e" ] || return 0 # nothing issued yet
    before=$(acc_entries)
    run payments return "$e2e"
    [ "$RC" -eq 0 ] || { echo "payments return $e2e exited $RC: $ERR" >&2; return 1; }
    [ "$(acc_entries)" -gt "$before" ] ||
        { echo "payments return $e2e made no journal entry" >&2; return 1; }
    python3 -B "$ACC_MODEL/check_accounts.py" "$state" returned "$e2e" >&2
}

# acc_sequence SEED STEPS: one sequence in a fresh database; prints why
# and returns non-zero at the first step that disagrees with the model.
acc_sequence() {
    local seed=$1 steps=$2 dir="$IT_TMP/acc-$1" state n=0 line problems
    local -a w
    python3 -B "$ACC_MODEL/gen_accounts.py" --seed "$seed" --steps "$steps" --out "$dir" ||
        { echo "gen_accounts.py --seed $seed failed" >&2; return 1; }
    state="$dir/state"
    newdb "it_acc_$seed"
    run init
    [ "$RC" -eq 0 ] || { echo "init exited $RC: $ERR" >&2; return 1; }
    run load "$ACC_DATA"/parties.json "$ACC_DATA"/works.json "$ACC_DATA"/consents.json \
        "$ACC_DATA"/licences.json
    [ "$RC" -eq 0 ] || { echo "load exited $RC: $ERR" >&2; return 1; }
    printf '%s\n' "$ACC_DATA/parties.json" >"$dir/parties"
    python3 -B "$ACC_MODEL/check_accounts.py" "$state" init || return 1
    while read -r line; do
        n=$((n + 1))
        read -ra w <<<"$line"
        case ${w[0]} in
        run) acc_step_run "$dir" "$state" "$n" "${w[@]:1}" ;;
        return) acc_step_return "$dir" "$state" "${w[1]}" ;;
        esac || { echo "seed $seed, step $n ($line): see above" >&2; return 1; }
        problems=$(acc_problems)
        [ -z "$problems" ] ||
            { echo "seed $seed, step $n ($line): the ledger does not balance:
$problems" >&2; return 1; }
    done <"$dir/plan"
    sql postgres -c "DROP DATABASE IF EXISTS \"it_acc_$seed\"" >/dev/null 2>&1
}

test_accounts_random_sequences_match_model() {
    local cases=${LEDGERLINE_ACCOUNTS_CASES:-6} steps=${LEDGERLINE_ACCOUNTS_STEPS:-6}
    local seed0=${LEDGERLINE_ACCOUNTS_SEED:-$(($(date +%s) % 100000))}
    local seed failed=0 failed_seeds=""
    echo "    accounts: seeds $seed0..$((seed0 + cases - 1)), $steps steps each"
    for seed in $(seq "$seed0" $((seed0 + cases - 1))); do
        # a subshell: a failed verify_run_out ends the sequence, not the test
        if ! (acc_sequence "$seed" "$steps") 2>"$IT_TMP/acc-$seed.err"; then
            sed 's/^/    /' "$IT_TMP/acc-$seed.err" >&2
            failed=$((failed + 1))
            failed_seeds="$failed_seeds $seed"
        fi
    done
    [ "$failed" -eq 0 ] ||
        fail "$failed of $cases sequences disagree with the model (seeds:$failed_seeds)"
    echo "    $cases sequences of $steps steps match the model"
}

# acc_tamper KIND SRC DST: a copy of run outputs SRC in DST with one
# discrepancy of KIND that check_accounts.py must name.
acc_tamper() {
    rm -rf "$3" && cp -R "$2" "$3" || return 1
    python3 - "$1" "$3" <<'PY'
import base64, csv, io, json, os, re, sys
kind, d = sys.argv[1], sys.argv[2]

def rows(name):
    with open(os.path.join(d, name), newline="") as fh:
        return list(csv.reader(fh))

def put(name, rs):
    with open(os.path.join(d, name), "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rs)

def cent(s, k=1):
    whole, _, frac = s.partition(".")
    n = int(whole + frac) + k
    return "%d.%0*d" % (n // 10 ** len(frac), len(frac), n % 10 ** len(frac)) if frac else str(n)

if kind == "payout_amount":
    rs = rows("payouts.csv"); rs[1][3] = cent(rs[1][3]); put("payouts.csv", rs)
elif kind == "payout_missing":
    rs = rows("payouts.csv"); del rs[1]; put("payouts.csv", rs)
elif kind == "remittance_sum":
    rs = rows("remittance.csv"); rs[1][4] = cent(rs[1][4]); put("remittance.csv", rs)
elif kind == "remittance_moved":
    rs = rows("remittance.csv")
    ids = [r[0] for r in rs[1:]]
    i = next(i for i in range(1, len(rs)) if ids.count(rs[i][0]) > 1)
    j = next(j for j in range(1, len(rs)) if j != i and rs[j][0] == rs[i][0])
    rs[i][4], rs[j][4] = cent(rs[i][4]), cent(rs[j][4], -1)
    put("remittance.csv", rs)
elif kind == "xml_amount":
    name = sorted(n for n in os.listdir(d) if n.startswith("payouts-") and n.endswith(".xml"))[0]
    t = open(os.path.join(d, name)).read()
    t = re.sub(r'(<InstdAmt Ccy="[A-Z]+">)([0-9.]+)<', lambda m: m.group(1) + cent(m.group(2)) + "<", t, count=1)
    open(os.path.join(d, name), "w").write(t)
elif kind in ("statement_missing", "statement_figure"):
    sd = os.path.join(d, "statements")
    name = sorted(os.listdir(sd))[0]
    if kind == "statement_missing":
        os.remove(os.path.join(sd, name))
    else:
        env = json.load(open(os.path.join(sd, name)))
        st = json.loads(base64.b64decode(env["payload"]))
        acc = st["predicate"].get("account", st["predicate"].get("accounts"))
        a = acc[0] if isinstance(acc, list) else next(iter(acc.values()))
        a["closing"] = cent(a["closing"])
        env["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
        json.dump(env, open(os.path.join(sd, name), "w"))
else:
    sys.exit("unknown tamper kind " + kind)
PY
}

# A ledger with the fixture's registry, and in $1 a one-step plan (seed
# 1) of gen_accounts.py: its logs, ready to run.
acc_one_step() {
    local dir=$1
    mkdir -p "$dir" || fail "cannot make $dir"
    expect_rc 0 init
    expect_rc 0 load "$ACC_DATA"/parties.json "$ACC_DATA"/works.json \
        "$ACC_DATA"/consents.json "$ACC_DATA"/licences.json
    python3 -B "$ACC_MODEL/gen_accounts.py" --seed 1 --steps 1 --out "$dir" ||
        fail "gen_accounts.py failed"
}

# Each check of check_accounts.py can fail: one posting checks clean, and
# each kind of discrepancy made in a copy of its outputs is named.
test_accounts_checks_can_fail() {
    local dir="$IT_TMP/acc-tamper" kind want
    acc_one_step "$dir"
    expect_rc 0 run --licensee P-AI --period 2026-07 --manifest "$ACC_DATA/manifest.json" \
        --logs "$dir"/log-01-2026-07.ndjson --out "$dir/out"
    python3 -B "$ACC_MODEL/check_accounts.py" "$dir/state0" init || fail "init"
    cp "$dir/state0" "$dir/state"
    python3 -B "$ACC_MODEL/check_accounts.py" "$dir/state" post --licensee P-AI \
        --period 2026-07 --out "$dir/out" --expect new --parties "$ACC_DATA/parties.json" ||
        fail "the untouched outputs do not check"
    for kind in payout_amount:"payment to" payout_missing:"payment to" \
        remittance_sum:"sum to" remittance_moved:"settles {" xml_amount:"is not a row" \
        statement_missing:"the statements' totals say nothing" statement_figure:"opening/earned"; do
        want=${kind#*:}
        kind=${kind%%:*}
        acc_tamper "$kind" "$dir/out" "$dir/$kind" || fail "cannot make $kind"
        cp "$dir/state0" "$dir/state"
        out=$(python3 -B "$ACC_MODEL/check_accounts.py" "$dir/state" post --licensee P-AI \
            --period 2026-07 --out "$dir/$kind" --expect new --parties "$ACC_DATA/parties.json") &&
            fail "check_accounts.py accepts outputs with $kind"
        assert_contains "$out" "$want" "check_accounts.py does not name $kind"
    done
    # a rerun that rewrites a file differently
    acc_tamper payout_amount "$dir/out" "$dir/rerun" || fail "cannot make rerun"
    cp "$dir/state0" "$dir/state"
    python3 -B "$ACC_MODEL/check_accounts.py" "$dir/state" post --licensee P-AI \
        --period 2026-07 --out "$dir/out" --expect new --parties "$ACC_DATA/parties.json" >/dev/null ||
        fail "the untouched outputs do not check"
    out=$(python3 -B "$ACC_MODEL/check_accounts.py" "$dir/state" post --licensee P-AI \
        --period 2026-07 --out "$dir/rerun" --expect noop --parties "$ACC_DATA/parties.json") &&
        fail "check_accounts.py accepts a rerun with other bytes"
    assert_contains "$out" "the rerun wrote payouts.csv differently"
}

# A returned payment: the balances reopen (SPEC §5), an identical rerun
# still posts nothing and pays nothing, the next posting pays the
# returned amounts again; returning the same payment twice, or an id that
# was never issued, is refused and changes nothing.
test_accounts_returned_payment() {
    local dir="$IT_TMP/acc-return" e2e before
    acc_one_step "$dir"
    python3 -B "$ACC_MODEL/check_accounts.py" "$dir/state" init || fail "init"
    printf '%s\n' "$ACC_DATA/parties.json" >"$dir/parties"
    acc_step_run "$dir" "$dir/state" 1 2026-07 log-01-2026-07.ndjson new ||
        fail "the first posting disagrees with the model"
    e2e=$(python3 -B "$ACC_MODEL/check_accounts.py" "$dir/state" pick-return 0)
    [ -n "$e2e" ] || fail "the first posting paid nothing"
    acc_step_return "$dir" "$dir/state" 0 || fail "the return failed"
    before=$(ledger_export)
    expect_rc 3 payments return "$e2e"
    assert_contains "$ERR" "$e2e"
    expect_rc 3 payments return LLffffffffffffffffffffffffffffffff
    assert_contains "$ERR" "LLffffffffffffffffffffffffffffffff"
    assert_eq "$(ledger_export)" "$before" "a refused return changed the ledger"
    # the same inputs: no posting, no payment, the same bytes
    acc_step_run "$dir" "$dir/state" 2 2026-07 log-01-2026-07.ndjson noop ||
        fail "an identical rerun after a return is not a no-op"
    # the next posting (another period) pays the returned balances again
    printf '%s' "$(head -1 "$dir/log-01-2026-07.ndjson" | sed 's/2026-07-/2026-08-/; s/"g-07-/"g-08-/')" \
        >"$dir/aug.ndjson"
    echo >>"$dir/aug.ndjson"
    acc_step_run "$dir" "$dir/state" 3 2026-08 aug.ndjson new ||
        fail "the posting after a return disagrees with the model"
    grep -q "^[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,$e2e," "$dir/out-3/payouts.csv" &&
        fail "the returned payment's end-to-end id was issued again"
    assert_eq "$(acc_problems)" "" "the ledger does not balance"
    expect_rc 0 audit
}
