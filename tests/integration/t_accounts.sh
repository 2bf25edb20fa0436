# Property tests of accounts across periods (SPEC §4 statements of account,
# payouts.csv, remittance.csv; §5 "Balances and payments"): seeded random
# sequences of first runs, restatements (fewer lines, more lines, a new
# licence or split version), identical reruns and returned payments,
# driven through the real CLI and held after every step against an
# independent model of the payment rule (tests/model/accounts.py) by
# tests/model/check_accounts.py.  The sequences come from
# tests/model/gen_accounts.py over the registry in tests/data/accounts.
#
#   LEDGERLINE_ACCOUNTS_CASES  number of sequences (default 12)
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
    local cases=${LEDGERLINE_ACCOUNTS_CASES:-12} steps=${LEDGERLINE_ACCOUNTS_STEPS:-6}
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
