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
    # acknowledged: a second deliver sends nothing and exits 0
    dv_deliver 0
    assert_contains "$OUT" "0 delivered, 0 pending"
    assert_contains "$OUT" "4 delivered before"
    assert_eq "$(wc -l <"$DV_LOG")" 6 "a second deliver sent a request again"
    assert_eq "$(dv_outcomes)" "P-ADA delivered 2
P-KAI delivered 2
P-NW delivered 1
P-PUB delivered 1"
    # the outbox is append-only, in the database
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
