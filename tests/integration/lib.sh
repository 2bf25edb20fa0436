# Helpers for ledgerline's integration tests (sourced by tests/integration/run).
# Every test runs in a subshell against its own fresh database in one
# throwaway embedded cluster; a failed check prints why and exits 1.

LL=${LEDGERLINE_BIN:?LEDGERLINE_BIN must name the ledgerline binary}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DATA="$TOP/tests/data"

fail() {
    echo "    FAIL: $*" >&2
    exit 1
}

# The test cannot run on this system (not a failure of ledgerline's):
# the runner prints "ok - NAME # SKIP reason" and counts it as skipped.
skip() {
    printf '%s\n' "$*" >"$IT_SUITE_TMP/skip"
    exit 77
}

# psql against the test cluster as the superuser; database $1, rest: args.
sql() {
    db=$1
    shift
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -At -h "$IT_SOCK" -U ledgerline -d "$db" "$@"
}

# Fresh database for a test; exports LEDGERLINE_DSN pointing at it.
newdb() {
    name=$1
    sql postgres -c "DROP DATABASE IF EXISTS \"$name\"" >/dev/null
    sql postgres -c "CREATE DATABASE \"$name\"" >/dev/null
    # as in production: everything runs as the application role, which
    # owns nothing; only init connects as the schema owner
    export LEDGERLINE_DSN="host=$IT_SOCK dbname=$name user=ledgerline_app"
    export LEDGERLINE_ADMIN_DSN="host=$IT_SOCK dbname=$name user=ledgerline"
    IT_DB=$name
}

# run CMD...: runs ledgerline with args, capturing stdout/stderr/exit code
# into $OUT, $ERR, $RC.  After a successful `run ... --out DIR`, every
# statement in DIR must verify (verify_run_out).
run() {
    OUT=$("$LL" "$@" 2>"$IT_TMP/stderr")
    RC=$?
    ERR=$(cat "$IT_TMP/stderr")
    if [ "$RC" -eq 0 ] && [ "${1-}" = run ]; then
        local a out_dir=
        for a in "$@"; do
            case $a in
            --out=*) out_dir=${a#--out=} ;;
            esac
        done
        while [ $# -gt 1 ]; do
            [ "$1" = --out ] && out_dir=$2
            shift
        done
        [ -z "$out_dir" ] || verify_run_out "$out_dir"
    fi
}

# The public key of the key ledgerline signs with here (signing.key is
# LEDGERLINE_SIGNING_KEY or $LEDGERLINE_HOME/keys/signing.pem).
signing_pub() {
    local key=${LEDGERLINE_SIGNING_KEY:-$LEDGERLINE_HOME/keys/signing.pem}
    case $key in
    *.pem) echo "${key%.pem}.pub.pem" ;;
    *) echo "$key.pub" ;;
    esac
}

# verify_run_out DIR: every statement a run wrote into DIR, and its
# checkpoint, verify with the signing key (SPEC §4: every reader of
# ledgerline's own outputs accepts them), or the test fails.  Each
# verification adds a line "DIR N" (N statements) to $IT_TMP/verified, so
# that a test can see it happen.
verify_run_out() {
    local dir=$1 pub vout f n=0
    local files=()
    # the files ledgerline recorded writing, not the user's own files
    # beside them (SPEC §4: --out may hold files of the user's)
    while read -r _ f; do
        case "$f" in
        statements/*.dsse.json) files+=("$dir/$f") n=$((n + 1)) ;;
        checkpoint.dsse.json) files+=("$dir/$f") ;;
        esac
    done <"$dir/.ledgerline-outputs" 2>/dev/null
    [ "${#files[@]}" -gt 0 ] || return 0 # not a run's output directory
    pub=$(signing_pub)
    vout=$("$LL" verify "${files[@]}" --key "$pub" 2>&1) ||
        fail "the statements ledgerline run wrote into $dir do not verify with $pub:
$vout"
    if [ "${#files[@]}" -gt "$n" ]; then
        case $vout in
        *"checkpoint.dsse.json: OK: checkpoint of"*) ;;
        *) fail "the checkpoint in $dir was not verified as one:
$vout" ;;
        esac
    fi
    # the independent verifier (Python and openssl only) must agree
    vout=$("$TOP/tools/verify-statement" --key "$pub" "${files[@]}" 2>&1) ||
        fail "ledgerline verify accepts what tools/verify-statement rejects in $dir:
$vout"
    echo "$dir $n" >>"$IT_TMP/verified"
}

expect_rc() {
    want=$1
    shift
    run "$@"
    [ "$RC" -eq "$want" ] || fail "ledgerline $* exited $RC, expected $want
stdout: $OUT
stderr: $ERR"
}

assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-values differ}
  got:      $1
  expected: $2"
}

assert_contains() {
    case "$1" in
    *"$2"*) ;;
    *) fail "${3:-output lacks expected text}
  output: $1
  lacks:  $2" ;;
    esac
}

# A canonical text dump of every registry row and load, to prove that a
# rejected command changed nothing.
registry_state() {
    sql "$IT_DB" -c "SELECT kind, id, version, sha256, load_id FROM ledgerline.registry_record ORDER BY 1, 2, 3" \
        -c "SELECT load_id, files FROM ledgerline.load ORDER BY 1"
}
