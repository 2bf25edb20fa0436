# Integration tests of the progress line (SPEC §6: "Long work shows
# progress on a terminal: what it is doing, how far, how long left").
# `run` under a pseudo-terminal (script(1) from util-linux) shows each
# phase and a percentage, redrawn in place; with stderr in a file, or in
# a pipe, there is no progress and no carriage return at all.

PG_MANIFEST="$DATA/demo/manifest-harmony-2.json"
PG_LOG="$DATA/demo/generations-2026-q3.ndjson"

pg_setup() {
    PG="$IT_TMP/${FUNCNAME[1]}"
    rm -rf "$PG"
    mkdir -p "$PG"
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    PG_CMD="'$LL' run --licensee P-AI --period 2026-Q3 --manifest '$PG_MANIFEST' --logs '$PG_LOG' --out '$PG/out'"
}

# A test that needs a terminal runs under script(1); where the system has
# no pseudo-terminals at all (a chroot without devpts), it is skipped and
# says so, rather than failing for a reason that is not ledgerline's.
pg_need_terminal() {
    command -v script >/dev/null || fail "script(1) is missing (util-linux/bsdutils)"
    script -qfec true /dev/null </dev/null >/dev/null 2>&1 ||
        skip "no pseudo-terminal on this system (script(1): $(script -qfec true /dev/null </dev/null 2>&1 | head -n 1))"
}

test_run_progress_on_terminal() {
    pg_setup
    pg_need_terminal
    script -qfec "$PG_CMD" /dev/null </dev/null >"$PG/tty" 2>&1 ||
        fail "the run under a terminal failed: $(cat "$PG/tty")"
    tty=$(tr -d '\033' <"$PG/tty")
    for phase in reading settling signing storing publishing; do
        assert_contains "$tty" "ledgerline: $phase" "no $phase phase on the terminal"
    done
    printf '%s' "$tty" | grep -Eq 'reading +[0-9]{1,3}% +[0-9]+\.[0-9] of [0-9]+\.[0-9] MB +[0-9]+\.[0-9] MB/s +[0-9:?]+ left' ||
        fail "no percentage, rate and time left while reading: $tty"
    assert_contains "$tty" "[K" "the progress line is not cleared before it is redrawn"
    assert_contains "$tty" "ledgerline: done in "
    # the summary comes after the progress, on its own lines, and ends
    # with where the outputs are
    last=$(tr -d '\r' <"$PG/tty" | grep -v '^$' | tail -n 1)
    assert_eq "$last" "outputs in $PG/out" "the summary's last line"
}

test_run_no_progress_off_terminal() {
    pg_setup
    pg_need_terminal
    # stdout a terminal, stderr a file: no progress
    script -qfec "$PG_CMD 2>'$PG/err'" /dev/null </dev/null >"$PG/tty" ||
        fail "the run failed: $(cat "$PG/err")"
    if grep -q "$(printf '\r')" "$PG/err"; then
        fail "a carriage return in stderr redirected to a file: $(cat -A "$PG/err")"
    fi
    grep -q 'reading\|settling\|publishing' "$PG/err" "$PG/tty" &&
        fail "progress drawn with stderr in a file"
    grep -q "$(printf '\033')" "$PG/tty" "$PG/err" && fail "terminal escapes without a terminal"
    assert_contains "$(cat "$PG/tty")" "outputs in $PG/out"
}

test_run_no_progress_in_pipes() {
    pg_setup
    # stdout and stderr in pipes (CI): no progress either
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$PG_MANIFEST" \
        --logs "$PG_LOG" --out "$PG/out"
    case $ERR in *"$(printf '\r')"*) fail "a carriage return in piped stderr" ;; esac
    case $ERR in *reading*) fail "progress in piped stderr: $ERR" ;; esac
    assert_eq "$(printf '%s\n' "$OUT" | tail -n 1)" "outputs in $PG/out" "the summary's last line"
}
