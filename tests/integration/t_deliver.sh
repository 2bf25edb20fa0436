# Integration tests of deliver (SPEC §6): statements POSTed as Standard
# Webhooks to a real HTTPS receiver on the loopback (webhook_server.py,
# Python's ssl and http.server), with certificates made here by openssl.
# Every request the receiver gets is in its log; the checks read that log
# and the outbox, and verify each signature with openssl pkeyutl as
# docs/statements.md tells receivers to.

DV_SERVER="$TOP/tests/integration/webhook_server.py"

# dv_pki: a test CA, a server certificate for 127.0.0.1 and localhost that
# it signed, and a second CA that signed nothing the server shows.
dv_pki() {
    DV_PKI=$IT_TMP/pki
    mkdir -p "$DV_PKI"
    (
        cd "$DV_PKI" || exit 1
        for ca in ca other-ca; do
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                -keyout "$ca.key" -out "$ca.pem" -days 2 -subj "/CN=ledgerline test $ca" || exit 1
        done
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout server.key -out server.csr -subj "/CN=127.0.0.1" || exit 1
        printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
            'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' >ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days 2 -extfile ext.cnf -out server.pem || exit 1
    ) >"$IT_TMP/pki.log" 2>&1 || fail "cannot make the test certificates: $(cat "$IT_TMP/pki.log")"
}

# dv_server_start: start the receiver (once per test); sets DV_PORT,
# DV_LOG (its request log) and DV_PID, and stops it when the test ends.
dv_server_start() {
    local i
    DV_LOG=$IT_TMP/requests.jsonl
    : >"$DV_LOG"
    rm -f "$IT_TMP/port"
    python3 "$DV_SERVER" "$DV_PKI/server.pem" "$DV_PKI/server.key" "$DV_LOG" \
        "$IT_TMP/port" 2>"$IT_TMP/server.err" &
    DV_PID=$!
    trap 'kill "$DV_PID" 2>/dev/null' EXIT
    for i in $(seq 1 100); do
        [ -s "$IT_TMP/port" ] && break
        sleep 0.1
    done
    [ -s "$IT_TMP/port" ] || fail "the test receiver did not start: $(cat "$IT_TMP/server.err")"
    DV_PORT=$(cat "$IT_TMP/port")
}

# dv_setup SPEC...: the demo ledger, with webhooks: each SPEC is
# PARTY=KIND (its webhook https://127.0.0.1:PORT/KIND/PARTY) or
# PARTY=URL:... (that URL as is); then the demo run, posted.  Other
# parties keep the demo registry's webhook, if any, only when named.
dv_setup() {
    local s jqargs party what
    dv_pki
    dv_server_start
    # no demo webhook unless a test names it: the demo's example URL
    # cannot be reached
    jqargs='del(.webhook)'
    for s in "$@"; do
        party=${s%%=*}
        what=${s#*=}
        case $what in
        URL:*) what=${what#URL:} ;;
        *) what="https://127.0.0.1:$DV_PORT/$what/$party" ;;
        esac
        jqargs="$jqargs | if .id == \"$party\" then .webhook = \"$what\" else . end"
    done
    jq "{parties: [.parties[] | $jqargs]}" "$DATA/demo/registry/parties.json" \
        >"$IT_TMP/parties.json" || fail "cannot write the test registry"
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/works.json "$DATA"/demo/registry/consents.json \
        "$DATA"/demo/registry/licences.json "$IT_TMP/parties.json"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$IT_TMP/out"
    DV_RUN=$(jq -r .run_id "$IT_TMP/out/run.json")
}

# dv_deliver RC ARGS...: deliver with the test CA, expecting exit RC.
dv_deliver() {
    local want=$1
    shift
    expect_rc "$want" deliver --cacert "$DV_PKI/ca.pem" --timeout-ms 2000 "$@"
}

# dv_requests PATH-PREFIX: how many requests the receiver got there.
dv_requests() {
    python3 - "$DV_LOG" "$1" <<'PY'
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["path"].startswith(sys.argv[2])))
PY
}

# dv_outcomes: "party outcome attempts" per queued statement, from the
# outbox (the latest outcome; "in-doubt" for an attempt with none).
dv_outcomes() {
    sql "$IT_DB" -c "SELECT d.party, coalesce((SELECT o.outcome FROM ledgerline.delivery_attempt a
                            LEFT JOIN ledgerline.delivery_outcome o USING (webhook_id, attempt)
                           WHERE a.webhook_id = d.webhook_id ORDER BY a.attempt DESC LIMIT 1), 'in-doubt'),
                            (SELECT count(*) FROM ledgerline.delivery_attempt a WHERE a.webhook_id = d.webhook_id)
                       FROM ledgerline.delivery d ORDER BY 1" | tr '|' ' '
}

# dv_check_requests: every request the receiver logged carries the
# Standard Webhooks headers, a body equal to the statement's envelope as
# published, and a v1a signature that openssl verifies with the signing
# key's public half over "id.timestamp.body" (docs/statements.md, as a
# receiver does it); the webhook-id is the same for every request of one
# statement and differs between statements.  Prints the checked count.
dv_check_requests() {
    local pub
    pub=$(signing_pub)
    python3 - "$DV_LOG" "$IT_TMP/out/statements" "$pub" "$IT_TMP" <<'PY' || fail "a request is not what deliver must send (see above)"
import base64, json, os, subprocess, sys
log, sdir, pub, tmp = sys.argv[1:5]
published = {}
for f in os.listdir(sdir):
    published[open(os.path.join(sdir, f), "rb").read().decode()] = f[:-len(".dsse.json")]
ids, bad, n = {}, [], 0
for line in open(log):
    r = json.loads(line)
    h, body = r["headers"], r["body"]
    n += 1
    for k in ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent"):
        if k not in h:
            bad.append("%s: no %s header" % (r["path"], k))
    if h.get("content-type") != "application/json":
        bad.append("%s: content-type %r" % (r["path"], h.get("content-type")))
    if not h.get("user-agent", "").startswith("ledgerline/"):
        bad.append("%s: user-agent %r" % (r["path"], h.get("user-agent")))
    party = published.get(body)
    if party is None:
        bad.append("%s: the body is not a published statement envelope" % r["path"])
        continue
    # P-ADA has no webhook of its own in these tests: its payee's
    owner = "P-NW" if party == "P-ADA" else party
    if not r["path"].endswith("/" + owner):
        bad.append("%s: got the statement of %s" % (r["path"], party))
    if ids.setdefault(party, h["webhook-id"]) != h["webhook-id"]:
        bad.append("%s: webhook-id changed between attempts" % party)
    sig = h["webhook-signature"]
    if not sig.startswith("v1a,"):
        bad.append("%s: signature scheme %r" % (party, sig))
        continue
    open(tmp + "/signed.bin", "wb").write(("%s.%s.%s" % (h["webhook-id"], h["webhook-timestamp"], body)).encode())
    open(tmp + "/sig.bin", "wb").write(base64.b64decode(sig[4:]))
    v = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin",
                        "-in", tmp + "/signed.bin", "-sigfile", tmp + "/sig.bin"],
                       capture_output=True, text=True)
    if v.returncode != 0 or "Signature Verified Successfully" not in v.stdout:
        bad.append("%s: the signature does not verify: %s%s" % (party, v.stdout, v.stderr))
if len(set(ids.values())) != len(ids):
    bad.append("two statements share a webhook-id")
for b in bad:
    print(b, file=sys.stderr)
print(n)
sys.exit(1 if bad else 0)
PY
}

# dv_guide N [TAMPER]: run the sh blocks of docs/webhooks.md, as written,
# on request N (1-based) of the receiver's log, in a fresh directory with
# body.json, signing.pub.pem and the WEBHOOK_* variables a receiver would
# have; with TAMPER, one byte of the body is changed first.  Sets GUIDE
# (stdout) and fails on anything written to stderr.
dv_guide() {
    local dir=$IT_TMP/guide.$1 script
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$(signing_pub)" "$dir/signing.pub.pem"
    python3 - "$DV_LOG" "$1" "$dir" "${2-}" <<'PY' || fail "cannot take request $1 from the log"
import json, shlex, sys
log, n, d, tamper = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
r = [json.loads(l) for l in open(log)][n - 1]
body = r["body"].encode()
if tamper:
    body = body.replace(b'"payload":"', b'"payload":"A', 1)
open(d + "/body.json", "wb").write(body)
with open(d + "/env.sh", "w") as f:
    for k in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        f.write("export %s=%s\n" % (k.upper().replace("-", "_"), shlex.quote(r["headers"][k])))
PY
    script=$(python3 -c '
import re, sys
t = open(sys.argv[1]).read()
print("\n".join(re.findall(r"^```sh\n(.*?)^```$", t, re.S | re.M)))' "$TOP/docs/webhooks.md")
    [ -n "$script" ] || fail "docs/webhooks.md has no sh blocks"
    GUIDE=$(cd "$dir" && . ./env.sh && bash -c "$script" 2>"$dir/stderr")
    [ ! -s "$dir/stderr" ] || fail "the guide wrote to stderr: $(cat "$dir/stderr")"
}

test_deliver_retry_then_exactly_once() {
    dv_setup P-NW=flaky P-PUB=ok P-KAI=date
    # P-ADA has no webhook of its own: its statement goes to its payee's
    dv_deliver 0
    assert_contains "$OUT" "4 delivered, 0 pending, 0 failed, 0 disabled, 1 without endpoint" \
        "not every statement with an endpoint was delivered"
    assert_eq "$(dv_requests /flaky/P-NW)" 3 "P-NW's and P-ADA's statements: one 503, then each once"
    assert_eq "$(dv_requests /date/P-KAI)" 2 "the HTTP-date Retry-After was not honoured"
    assert_eq "$(dv_requests /ok/P-PUB)" 1
    dv_check_requests >/dev/null
    # what docs/webhooks.md tells receivers to run accepts every request,
    # a retried one included, and refuses a changed body
    local i
    for i in 1 2 3 4 5 6; do
        dv_guide "$i"
        assert_contains "$GUIDE" "ok: webhook signature"
        assert_contains "$GUIDE" "ok: timestamp within 5 minutes"
        assert_contains "$GUIDE" "whpk_"
        case $GUIDE in *FAILED*) fail "the guide failed on request $i: $GUIDE" ;; esac
    done
    dv_guide 1 tamper
    assert_contains "$GUIDE" "FAILED: webhook signature"
    # acknowledged: a second deliver sends nothing and exits 0
    dv_deliver 0
    assert_contains "$OUT" "0 delivered, 0 pending"
    assert_contains "$OUT" "4 delivered before"
    assert_eq "$(wc -l <"$DV_LOG")" 6 "a second deliver sent a request again"
    assert_eq "$(dv_outcomes)" "P-ADA delivered 2
P-KAI delivered 2
P-NW delivered 1
P-PUB delivered 1"
    # the outbox is append-only, in the database: the application role
    # may not change it, and the triggers refuse even the schema owner
    local t out
    for t in delivery delivery_attempt delivery_outcome; do
        out=$(psql -X -q -At -h "$IT_SOCK" -U ledgerline_app -d "$IT_DB" \
            -c "DELETE FROM ledgerline.$t" 2>&1) && fail "the app role could delete from $t"
        assert_contains "$out" "permission denied for table $t"
    done
    sql "$IT_DB" -c "UPDATE ledgerline.delivery_outcome SET outcome = 'retry'" 2>/dev/null &&
        fail "an outcome could be updated"
    sql "$IT_DB" -c "DELETE FROM ledgerline.delivery_attempt" 2>/dev/null &&
        fail "an attempt could be deleted"
    # and a statement is acknowledged at most once
    sql "$IT_DB" -c "INSERT INTO ledgerline.delivery_attempt (webhook_id, attempt, url, owner,
                       owner_version, webhook_timestamp)
                     SELECT webhook_id, 2, 'https://x.example/', 'P-PUB', 1, 1
                       FROM ledgerline.delivery WHERE party = 'P-PUB'" 2>/dev/null &&
        fail "an attempt was recorded after the acknowledgement"
    true
}

test_deliver_gone_redirect_huge_refused() {
    dv_setup P-NW=gone P-PUB=redirect P-KAI=huge P-BLUE=bad
    local t0=$SECONDS
    dv_deliver 0
    [ $((SECONDS - t0)) -lt 20 ] || fail "deliver took $((SECONDS - t0)) s: the huge answer was not cut"
    assert_contains "$OUT" "1 delivered, 0 pending, 2 failed, 2 disabled, 0 without endpoint"
    # 410: disabled, reported; P-ADA's statement, routed to the same URL,
    # is not sent there again
    assert_eq "$(dv_requests /gone/P-NW)" 1 "a disabled endpoint was POSTed to again"
    assert_contains "$ERR" "/gone/P-NW: deliver: P-ADA"
    assert_contains "$ERR" "disabled"
    # a redirect is a failure, reported, and never followed
    assert_eq "$(dv_requests /redirect/P-PUB)" 1
    assert_eq "$(dv_requests /ok/redirected)" 0 "the redirect was followed"
    assert_contains "$ERR" "/redirect/P-PUB: deliver: P-PUB"
    assert_contains "$ERR" "HTTP 302"
    # 400: failed, reported
    assert_contains "$ERR" "/bad/P-BLUE: deliver: P-BLUE"
    assert_contains "$ERR" "HTTP 400"
    # the huge answer's status stands; its body was cut at the limit
    assert_contains "$OUT" "HTTP 200 (response body over 65536 bytes: cut)"
    dv_check_requests >/dev/null
    # failed and disabled are final for these endpoints: nothing is sent
    dv_deliver 0
    assert_eq "$(wc -l <"$DV_LOG")" 4 "a failed or disabled delivery was sent again"
    assert_contains "$ERR" "failed before (HTTP 302"
    assert_contains "$ERR" "endpoint disabled by HTTP 410"
    # a new version of P-NW's record, with a new webhook: its statements
    # and P-ADA's go there
    jq '.parties |= map(if .id == "P-NW" then .webhook = "https://localhost:'"$DV_PORT"'/ok/P-NW" else . end)' \
        "$IT_TMP/parties.json" >"$IT_TMP/parties2.json"
    expect_rc 0 load "$IT_TMP/parties2.json"
    dv_deliver 0
    assert_contains "$OUT" "2 delivered, 0 pending, 2 failed, 0 disabled"
    assert_eq "$(dv_requests /ok/P-NW)" 2
    dv_check_requests >/dev/null
}

test_deliver_pending_until_it_exits_0() {
    dv_setup P-NW=slow P-PUB=throttle P-KAI=flaky
    # one attempt each: a timeout, a 429 and a 503 leave three pending
    dv_deliver 5 --attempts 1
    assert_contains "$OUT" "1 delivered, 3 pending"
    assert_contains "$ERR" "3 deliveries are still pending"
    assert_contains "$ERR" "/slow/P-NW: deliver: P-ADA"
    assert_contains "$ERR" "no response"
    local i rc=5
    for i in 1 2 3 4 5 6; do
        run deliver --cacert "$DV_PKI/ca.pem" --timeout-ms 2000 --attempts 1
        rc=$RC
        [ "$rc" -eq 5 ] || break
    done
    [ "$rc" -eq 0 ] || fail "deliver exited $rc, not 0, after $i more runs: $OUT $ERR"
    assert_eq "$(dv_outcomes | awk '{print $1, $2}')" "P-ADA delivered
P-KAI delivered
P-NW delivered
P-PUB delivered"
    assert_eq "$(dv_requests /throttle/P-PUB)" 3 "429 twice, then delivered once"
    dv_check_requests >/dev/null
    expect_rc 0 deliver --cacert "$DV_PKI/ca.pem"
    assert_contains "$OUT" "0 delivered, 0 pending, 0 failed, 0 disabled, 1 without endpoint, 4 delivered before"
}

test_deliver_https_only_and_verified() {
    dv_setup P-NW=URL:http://127.0.0.1:1/ok/P-NW P-PUB=ok
    # no --cacert: the system's CAs do not know the test CA
    expect_rc 5 deliver --attempts 1 --max-wait-ms 0
    assert_contains "$ERR" "http://127.0.0.1:1/ok/P-NW: deliver: P-NW"
    assert_contains "$ERR" "not an https:// URL"
    assert_contains "$ERR" "/ok/P-PUB: deliver: P-PUB"
    assert_contains "$ERR" "certificate"
    # another CA's certificates do not do either
    expect_rc 5 deliver --cacert "$DV_PKI/other-ca.pem" --attempts 1
    assert_contains "$ERR" "certificate"
    assert_eq "$(wc -l <"$DV_LOG")" 0 "a request got through an unverified connection"
    # deliver.cacert in the configuration names the test CA
    printf 'deliver.cacert = %s\n' "$DV_PKI/ca.pem" >"$IT_TMP/ledgerline.conf"
    LEDGERLINE_CONFIG="$IT_TMP/ledgerline.conf" expect_rc 0 deliver
    assert_contains "$OUT" "1 delivered, 0 pending, 2 failed"
    assert_eq "$(dv_requests /ok/P-PUB)" 1
    dv_check_requests >/dev/null
}

test_deliver_killed_resumes() {
    dv_setup P-NW=ok P-KAI=hang P-PUB=ok
    "$LL" deliver --cacert "$DV_PKI/ca.pem" --timeout-ms 30000 >"$IT_TMP/killed.out" 2>&1 &
    local pid=$! i
    for i in $(seq 1 150); do
        [ "$(dv_requests /hang/P-KAI)" -ge 1 ] && break
        sleep 0.1
    done
    [ "$(dv_requests /hang/P-KAI)" -ge 1 ] || fail "deliver never reached P-KAI: $(cat "$IT_TMP/killed.out")"
    # one deliver at a time: a second one says so and sends nothing
    expect_rc 5 deliver --cacert "$DV_PKI/ca.pem"
    assert_contains "$ERR" "another deliver is running"
    assert_eq "$(dv_requests /ok/P-NW)" 1 "a second deliver sent while the first ran"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    # P-ADA (before P-KAI) was acknowledged; P-KAI's attempt is in doubt
    assert_eq "$(dv_outcomes)" "P-ADA delivered 1
P-KAI in-doubt 1"
    dv_deliver 0
    assert_contains "$OUT" "3 delivered, 0 pending, 0 failed, 0 disabled, 1 without endpoint, 1 delivered before"
    assert_eq "$(dv_outcomes)" "P-ADA delivered 1
P-KAI delivered 2
P-NW delivered 1
P-PUB delivered 1"
    # nothing acknowledged was sent again; the one in doubt was, with
    # the same webhook-id (dv_check_requests holds ids stable)
    assert_eq "$(dv_requests /ok/P-NW)" 2 "P-ADA's and P-NW's statements, once each"
    assert_eq "$(dv_requests /hang/P-KAI)" 2
    dv_check_requests >/dev/null
    dv_deliver 0
    assert_eq "$(wc -l <"$DV_LOG")" 5
}

test_deliver_dry_run_and_usage() {
    dv_setup P-NW=ok P-PUB=ok
    expect_rc 0 deliver --dry-run
    assert_contains "$OUT" "would send: 3"
    assert_contains "$OUT" "webhook-id msg_"
    assert_eq "$(wc -l <"$DV_LOG")" 0 "a dry run sent a request"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.delivery")" 0 "a dry run recorded something"
    expect_rc 2 deliver --run nonsense
    assert_contains "$ERR" "invalid run id"
    expect_rc 2 deliver --timeout-ms 0
    expect_rc 2 deliver extra
    expect_rc 2 deliver --cacert "$IT_TMP/no-such-ca.pem"
    assert_contains "$ERR" "ledgerline: $IT_TMP/no-such-ca.pem: cacert: cannot read CA certificates"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.delivery_attempt")" 0
    expect_rc 0 deliver --help
    assert_contains "$OUT" "usage: ledgerline deliver"
    # --run: another run id delivers nothing, this run's everything
    expect_rc 0 deliver --cacert "$DV_PKI/ca.pem" --run run-00000000000000000000000000000000
    assert_contains "$OUT" "0 delivered, 0 pending"
    # LEDGERLINE_CA_FILE, as for https:// inputs, when nothing else names a CA
    LEDGERLINE_CA_FILE="$DV_PKI/ca.pem" expect_rc 0 deliver --run "$DV_RUN"
    assert_contains "$OUT" "3 delivered"
}

test_deliver_connection_reset_is_retried() {
    dv_setup P-NW=reset
    # a reset is no answer: retried, left pending, and deliver lives on
    dv_deliver 5 --attempts 2
    assert_contains "$OUT" "0 delivered, 2 pending"
    assert_contains "$ERR" "/reset/P-NW: deliver: P-NW"
    assert_contains "$ERR" "no response"
    assert_eq "$(dv_requests /reset/P-NW)" 4 "two attempts for each of two statements"
    assert_eq "$(dv_outcomes)" "P-ADA retry 2
P-NW retry 2"
}

# The give-up: an endpoint that answers 503 forever is tried
# LL_DELIVERY_ATTEMPTS_TOTAL_MAX (50) times in all, over several deliver
# runs, and then reported failed, never tried again.  The backoff is
# configured to zero (deliver.backoff_base_ms, deliver.backoff_max_ms) so
# that fifty attempts take seconds.
test_deliver_gives_up_after_50_attempts() {
    dv_setup P-NW=down
    printf '%s\n' 'deliver.backoff_base_ms = 0' 'deliver.backoff_max_ms = 0' >"$IT_TMP/ll.conf"
    export LEDGERLINE_CONFIG="$IT_TMP/ll.conf"
    # P-NW's statement and P-ADA's (paid to P-NW): 30 attempts each, and
    # still pending: exit 5
    dv_deliver 5 --attempts 30 --run "$DV_RUN"
    assert_contains "$OUT" "0 delivered, 2 pending, 0 failed"
    assert_eq "$(dv_requests /down/P-NW)" 60
    assert_eq "$(dv_outcomes | grep -E '^P-(NW|ADA) ')" "P-ADA retry 30
P-NW retry 30"
    # resumed: 20 more each, the 50th is the last; failed does not change
    # the exit code
    dv_deliver 0 --attempts 30
    assert_contains "$OUT" "0 delivered, 0 pending, 2 failed"
    assert_contains "$ERR" "gave up: too many attempts"
    assert_eq "$(dv_requests /down/P-NW)" 100 "not 50 attempts per statement"
    assert_eq "$(dv_outcomes | grep -E '^P-(NW|ADA) ')" "P-ADA failed 50
P-NW failed 50"
    # each statement's attempts numbered 1..50 under one webhook-id,
    # every outcome recorded with the 503
    assert_eq "$(sql "$IT_DB" -c "SELECT count(DISTINCT webhook_id), min(attempt), max(attempt),
                                         count(*) FILTER (WHERE http_status = 503)
                                    FROM ledgerline.delivery_outcome")" "2|1|50|100"
    python3 - "$DV_LOG" <<'PY' || fail "the requests do not carry one webhook-id per statement"
import collections, json, sys
ids = collections.Counter(json.loads(l)["headers"]["webhook-id"] for l in open(sys.argv[1]))
assert sorted(ids.values()) == [50, 50], ids
PY
    # given up: a third run sends nothing
    dv_deliver 0 --attempts 30
    assert_eq "$(dv_requests /down/P-NW)" 100 "a failed delivery was tried again"
    # the outbox as the audit sees it is consistent
    expect_rc 0 audit
}
