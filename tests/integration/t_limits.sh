# Integration tests of input limits (docs/ledgerline.1, LIMITS): generation
# log lines over the line limit wherever they fall — part-way into a read
# block, one byte before, on and after a block boundary (the reader's
# blocks are 4 MiB), in the second and third of several logs, at the end
# without a newline, from a file, from standard input and over https:// —
# and endless inputs (/dev/zero as a log, as standard input, as a manifest
# and as a registry), which must end promptly.  Every refused run exits 3,
# names the real source and line, stores nothing and writes nothing.
#
# Uses rt_init, rt_manifest and rt_count from t_run.sh.

LIM_LINE=1048576            # LL_EVENT_LINE_BYTES_MAX
LIM_BLOCK=4194304           # the reader's block size
LIM_TIMEOUT=20

# lim_log FILE PREFIX TOKEN...: write a generation log; print the number of
# every over-long line, one per line.  Tokens:
#   ev:LEN     a valid event of exactly LEN bytes (padded with blanks)
#   over:LEN   LEN bytes of junk with no newline (LEN > the line limit)
#   fill:OFF   valid events until the log is exactly OFF bytes long
#   end        no newline after the last line
# Event ids are PREFIX1, PREFIX2, ...; every event is valid for a 2026-Q3
# run of P-AI's model m-1 with no attribution.
lim_log() {
    python3 - "$LIM_LINE" "$@" <<'PY'
import sys
line_max = int(sys.argv[1])
path, prefix, tokens = sys.argv[2], sys.argv[3], sys.argv[4:]
out = bytearray()
n = 0          # lines written
over = []
ev_min = 128

def event(length):
    global n
    n += 1
    head = ('{"id": "%s%d", "model": "m-1", "ts": "2026-07-15T00:00:00Z", '
            '"value": "1", "currency": "EUR", "attribution": []' % (prefix, n)).encode()
    assert len(head) + 1 <= length <= line_max, length
    out.extend(head + b' ' * (length - len(head) - 1) + b'}\n')

junk = b'{"id": "x", \xff\x01"AAAA\\u0000 ]]}}'
for t in tokens:
    kind, _, arg = t.partition(':')
    if kind == 'ev':
        event(int(arg))
    elif kind == 'over':
        k = int(arg)
        assert k > line_max
        n += 1
        over.append(n)
        out.extend((junk * (k // len(junk) + 1))[:k] + b'\n')
    elif kind == 'fill':
        target = int(arg)
        while len(out) < target:
            r = target - len(out)
            if r <= line_max + 1:
                c = r
            elif r - (line_max + 1) >= ev_min + 1:
                c = line_max + 1
            else:
                c = r - (ev_min + 1)
            event(c - 1)
        assert len(out) == target
    elif kind == 'end':
        assert out.endswith(b'\n')
        del out[-1]
    else:
        sys.exit('lim_log: unknown token ' + t)
open(path, 'wb').write(out)
for k in over:
    print(k)
PY
}

# lim_expect FILE OVER_LINES: the stderr lines for these over-long lines.
lim_expect() {
    local k
    for k in $2; do
        printf 'ledgerline: %s:%s: line longer than %s bytes\n' "$1" "$k" "$LIM_LINE"
    done
}

# lim_timed ARGS...: as `run`, but killed after LIM_TIMEOUT seconds, which
# fails the test.
lim_timed() {
    OUT=$(timeout "$LIM_TIMEOUT" "$LL" "$@" 2>"$IT_TMP/stderr")
    RC=$?
    ERR=$(cat "$IT_TMP/stderr")
    [ "$RC" -ne 124 ] || fail "ledgerline $* did not end within $LIM_TIMEOUT s"
}

# lim_nothing_run OUTDIR: no run stored or posted, OUTDIR empty or absent.
lim_nothing_run() {
    assert_eq "$(rt_count run)" "0" "a rejected run was stored"
    assert_eq "$(rt_count run_line)" "0" "a rejected run stored lines"
    assert_eq "$(rt_count posting)" "0" "a rejected run was posted"
    assert_eq "$(rt_count journal_entry)" "0" "a rejected run was posted"
    if [ -e "$1" ]; then
        assert_eq "$(ls -A "$1")" "" "a rejected run wrote into --out"
    fi
}

# lim_run ARGS...: a 2026-Q3 run of P-AI with the manifest $RT/m.json.
lim_run() {
    run run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" "$@"
}

# ---- over-long lines ---------------------------------------------------------

# The reported defect (a line of 6 MiB starting part-way into the first
# block overflowed the read buffer), then lines one byte over the limit
# starting one byte before, on and one byte after a block boundary, a long
# one after the next boundary, lines of exactly the limit and one byte
# under it (valid), and an over-long last line without a newline — in the
# second of three logs; the third has one more.  Every one is reported at
# its file and line, and nothing is run.
test_run_overlong_lines_in_files() {
    rt_init
    rt_manifest "$RT/m.json" ""
    local b=$LIM_BLOCK over_b over_c
    lim_log "$RT/a.ndjson" a ev:200 ev:200 ev:200 >/dev/null
    over_b=$(lim_log "$RT/b.ndjson" b ev:150 over:6291456 \
        fill:$((2 * b - 1)) over:$((LIM_LINE + 1)) \
        fill:$((3 * b)) over:$((LIM_LINE + 1)) \
        fill:$((4 * b + 1)) over:$((LIM_LINE + 1)) \
        fill:$((5 * b + 7)) over:$((3 * LIM_LINE)) \
        ev:200 ev:$LIM_LINE ev:$((LIM_LINE - 1)) over:$((LIM_LINE + 1)) end)
    over_c=$(lim_log "$RT/c.ndjson" c ev:200 over:$((LIM_LINE + 1)) ev:200)
    # by hand: the first over-long lines are line 2 of both
    assert_eq "$(echo "$over_b" | head -n 1)" "2"
    assert_eq "$over_c" "2"
    assert_eq "$(echo "$over_b" | wc -l)" "6"
    mkdir "$RT/out"
    lim_run --logs "$RT/a.ndjson" "$RT/b.ndjson" "$RT/c.ndjson" --out "$RT/out"
    [ "$RC" -eq 3 ] || fail "over-long lines: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$ERR" "$(lim_expect "$RT/b.ndjson" "$over_b"
        lim_expect "$RT/c.ndjson" "$over_c")
ledgerline: 7 errors: nothing was run"
    lim_nothing_run "$RT/out"
    # the same logs, the bad ones from standard input: the first over-long
    # line stops the run there
    lim_run --logs "$RT/a.ndjson" - --out "$RT/out2" <"$RT/b.ndjson"
    [ "$RC" -eq 3 ] || fail "over-long line on standard input: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$ERR" "ledgerline: -:2: line longer than $LIM_LINE bytes"
    lim_run --logs - "$RT/a.ndjson" --out "$RT/out2" <"$RT/c.ndjson"
    [ "$RC" -eq 3 ] || fail "over-long line on standard input: exit $RC, expected 3"
    assert_eq "$ERR" "ledgerline: -:2: line longer than $LIM_LINE bytes"
    lim_nothing_run "$RT/out2"
}

# Standard input is checked line by line as it is copied (in 64 KiB
# reads): lines of exactly the limit pass, one byte more does not, at and
# around a read boundary.
test_run_overlong_line_from_stdin_at_the_limit() {
    rt_init
    rt_manifest "$RT/m.json" ""
    local over d
    for d in -1 0 1; do
        over=$(lim_log "$RT/s.ndjson" s$((d + 1))x fill:$((65536 + d)) ev:$LIM_LINE \
            ev:$((LIM_LINE - 1)) over:$((LIM_LINE + 1)) ev:200)
        lim_run --logs - --out "$RT/out" <"$RT/s.ndjson"
        [ "$RC" -eq 3 ] || fail "exit $RC, expected 3
stderr: $ERR"
        assert_eq "$ERR" "$(lim_expect - "$over")"
    done
    lim_nothing_run "$RT/out"
}

# Lines of exactly the limit and one byte under it, starting and ending
# around block boundaries, are valid: the run counts every one.
test_run_lines_at_the_limit_are_valid() {
    rt_init
    rt_manifest "$RT/m.json" ""
    local b=$LIM_BLOCK
    lim_log "$RT/ok.ndjson" ok fill:$((b - 1)) ev:$LIM_LINE \
        fill:$((2 * b - LIM_LINE - 1)) ev:$LIM_LINE \
        fill:$((3 * b + 1)) ev:$((LIM_LINE - 1)) ev:200 >/dev/null
    lines=$(wc -l <"$RT/ok.ndjson")
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" \
        --logs "$RT/ok.ndjson" --out "$RT/out"
    assert_eq "$(rt_py "$RT/out/run.json" 'print(d["inputs"]["logs"][0]["lines"])')" "$lines"
}

# Over https:// the download stops at the first over-long line.
test_run_overlong_line_over_https() {
    command -v openssl >/dev/null || { echo "skipped: no openssl" >&2; return 0; }
    rt_init
    rt_manifest "$RT/m.json" ""
    local d="$RT/https" port pid over
    mkdir -p "$d/www"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 ||
        fail "cannot make a test certificate"
    over=$(lim_log "$d/www/log.ndjson" h ev:200 ev:200 over:$((3 * LIM_LINE)) ev:200)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd "$d/www" && exec openssl s_server -WWW -accept "127.0.0.1:$port" \
        -cert "$d/cert.pem" -key "$d/key.pem" -quiet) >/dev/null 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null' EXIT
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
        sleep 0.2
    done
    url="https://127.0.0.1:$port/log.ndjson"
    LEDGERLINE_CA_FILE="$d/cert.pem" lim_timed run --licensee P-AI --period 2026-Q3 \
        --manifest "$RT/m.json" --logs "$url" --out "$RT/out"
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ "$RC" -eq 3 ] || fail "over-long line over https: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$over" "3"
    assert_eq "$ERR" "ledgerline: $url:3: line longer than $LIM_LINE bytes"
    lim_nothing_run "$RT/out"
}

# ---- endless inputs ----------------------------------------------------------

test_run_logs_from_dev_zero_ends() {
    rt_init
    rt_manifest "$RT/m.json" ""
    lim_timed run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" \
        --logs /dev/zero --out "$RT/out"
    [ "$RC" -eq 3 ] || fail "--logs /dev/zero: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$ERR" "ledgerline: /dev/zero:1: line longer than $LIM_LINE bytes"
    lim_nothing_run "$RT/out"
    [ ! -e "$RT/out" ] || fail "a rejected run created --out"
}

test_run_logs_stdin_from_dev_zero_ends() {
    rt_init
    rt_manifest "$RT/m.json" ""
    lim_timed run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" \
        --logs - --out "$RT/out" </dev/zero
    [ "$RC" -eq 3 ] || fail "--logs - </dev/zero: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$ERR" "ledgerline: -:1: line longer than $LIM_LINE bytes"
    lim_nothing_run "$RT/out"
    [ ! -e "$RT/out" ] || fail "a rejected run created --out"
}

test_run_manifest_from_dev_zero_ends() {
    rt_init
    lim_log "$RT/log.ndjson" e ev:200 >/dev/null
    lim_timed run --licensee P-AI --period 2026-Q3 --manifest /dev/zero \
        --logs "$RT/log.ndjson" --out "$RT/out"
    [ "$RC" -eq 3 ] || fail "--manifest /dev/zero: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$ERR" "ledgerline: /dev/zero: larger than the limit of 268435456 bytes"
    lim_nothing_run "$RT/out"
    [ ! -e "$RT/out" ] || fail "a rejected run created --out"
}

test_load_registry_from_dev_zero_ends() {
    rt_init
    before=$(registry_state)
    lim_timed load /dev/zero
    [ "$RC" -eq 3 ] || fail "load /dev/zero: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$ERR" "ledgerline: /dev/zero: larger than the limit of 268435456 bytes"
    assert_eq "$(registry_state)" "$before" "a rejected load changed the registry"
}
