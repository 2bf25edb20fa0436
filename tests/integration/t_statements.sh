# Integration tests of signed statements, verify, keygen and the pain.001
# payment files (SPEC §4, §6).  Tampered statements are re-signed with
# openssl over the DSSE pre-authentication encoding, so each tamper case
# has a valid signature and must be caught by the check it targets.

DEMO_REG="$DATA/demo/registry"

# The demo run into $1; statements are signed with the test cluster's key.
st_demo_run() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO_REG"/*.json
    expect_rc 0 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$1"
}

KEY="$IT_HOME/keys/signing.pem"
PUB="$IT_HOME/keys/signing.pub.pem"

# st_resign ENVELOPE OUT EDIT: decode the payload, apply the python
# expression EDIT to the statement s (a dict), re-encode as JCS-like
# compact JSON, re-sign the PAE with openssl and write OUT.
st_resign() {
    python3 - "$1" "$2" "$3" "$KEY" "$IT_TMP" <<'PY'
import base64, json, subprocess, sys
env_path, out_path, edit, key, tmp = sys.argv[1:6]
env = json.load(open(env_path))
s = json.loads(base64.b64decode(env["payload"]))
exec(edit)
body = json.dumps(s, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
t = env["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
open(tmp + "/pae.bin", "wb").write(pae)
subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-rawin",
                "-in", tmp + "/pae.bin", "-out", tmp + "/sig.bin"], check=True)
sig = open(tmp + "/sig.bin", "rb").read()
env["payload"] = base64.b64encode(body).decode()
env["signatures"][0]["sig"] = base64.b64encode(sig).decode()
open(out_path, "w").write(json.dumps(env, sort_keys=True, separators=(",", ":")) + "\n")
PY
}

test_statements_verify() {
    out="$IT_TMP/out-$(date +%s%N)"
    st_demo_run "$out"
    n=$(ls "$out"/statements/*.dsse.json | wc -l)
    [ "$n" -eq 5 ] || fail "expected 5 statements, found $n"
    expect_rc 0 verify "$out"/statements/*.dsse.json --key "$PUB"
    assert_contains "$OUT" "5 statements verified"
    root=$(python3 -c "import json;print(json.load(open('$out/run.json'))['statements']['merkle_root'])")
    expect_rc 0 verify "$out/statements/P-NW.dsse.json" --key "$PUB" --root "$root"
    expect_rc 1 verify "$out/statements/P-NW.dsse.json" --key "$PUB" \
        --root 0000000000000000000000000000000000000000000000000000000000000000
    assert_contains "$ERR" "is not the expected"
    # payouts.csv names each payee's own statement by digest
    for p in P-NW P-PUB P-KAI; do
        want=$(sha256sum "$out/statements/$p.dsse.json" | cut -d' ' -f1)
        got=$(awk -F, -v p="$p" '$1 == p { print $NF }' "$out/payouts.csv")
        assert_eq "$got" "$want" "statement_sha256 of $p"
    done
}

test_statements_independent_signature_check() {
    out="$IT_TMP/out-$(date +%s%N)"
    st_demo_run "$out"
    python3 - "$out/statements/P-PUB.dsse.json" "$IT_TMP" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
body = base64.b64decode(env["payload"])
t = env["payloadType"].encode()
open(sys.argv[2] + "/pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open(sys.argv[2] + "/sig.bin", "wb").write(base64.b64decode(env["signatures"][0]["sig"]))
PY
    v=$(openssl pkeyutl -verify -pubin -inkey "$PUB" -rawin -in "$IT_TMP/pae.bin" \
        -sigfile "$IT_TMP/sig.bin" 2>&1) || fail "openssl rejects the signature: $v"
    assert_contains "$v" "Signature Verified Successfully"
    # keyid = hex SHA-256 of the raw 32-byte public key
    raw=$(openssl pkey -pubin -in "$PUB" -outform DER | tail -c 32 | sha256sum | cut -d' ' -f1)
    kid=$(python3 -c "import json;print(json.load(open('$out/statements/P-PUB.dsse.json'))['signatures'][0]['keyid'])")
    assert_eq "$kid" "$raw" "keyid"
}

test_statements_tampering_fails() {
    out="$IT_TMP/out-$(date +%s%N)"
    st_demo_run "$out"
    t="$IT_TMP/t"
    mkdir -p "$t"
    nw="$out/statements/P-NW.dsse.json"

    # a re-signed but unchanged statement still verifies (the harness works)
    st_resign "$nw" "$t/P-NW.dsse.json" "pass"
    expect_rc 0 verify "$t/P-NW.dsse.json" --key "$PUB"

    # one payload byte changed, signature kept
    python3 - "$nw" "$t/P-NW.dsse.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
body = bytearray(base64.b64decode(env["payload"]))
i = body.index(b'"amount":"') + 10
body[i] = ord("9") if body[i] != ord("9") else ord("8")
env["payload"] = base64.b64encode(bytes(body)).decode()
open(sys.argv[2], "w").write(json.dumps(env))
PY
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"
    assert_contains "$ERR" "signature does not verify"

    # one signature byte changed
    python3 - "$nw" "$t/P-NW.dsse.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
sig[10] ^= 1
env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
open(sys.argv[2], "w").write(json.dumps(env))
PY
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"

    # an amount changed and re-signed: the arithmetic and the subject fail
    st_resign "$nw" "$t/P-NW.dsse.json" \
        "s['predicate']['lines'][0]['amount'] = '99999.99'"
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"

    # figures in a spelling ledgerline never writes (subject digest
    # recomputed, so that the arithmetic is what fails first)
    redigest="
import hashlib
p = s['predicate']; m = p.pop('merkle')
b = json.dumps(p, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()
s['subject'][0]['digest']['sha256'] = hashlib.sha256(b).hexdigest()
p['merkle'] = m"
    st_resign "$nw" "$t/P-NW.dsse.json" \
        "l = s['predicate']['lines'][0]; n, _, d = l['exact'].partition('/'); l['exact'] = '%d/%d' % (2 * int(n), 2 * int(d or 1))$redigest"
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"
    assert_contains "$ERR" "line 0: exact: invalid exact number"
    assert_contains "$ERR" "not a reduced fraction"
    st_resign "$nw" "$t/P-NW.dsse.json" \
        "s['predicate']['totals'][0]['amount'] += '0'$redigest"
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"
    assert_contains "$ERR" "totals entry 0: amount: invalid exact number"
    assert_contains "$ERR" "an amount has exactly 2 decimals"

    # the predicate changed and its subject digest recomputed to match:
    # the Merkle leaf no longer matches
    st_resign "$nw" "$t/P-NW.dsse.json" "
import hashlib
p = s['predicate']; m = p.pop('merkle')
p['party']['name'] = 'Northwind Records Ltd'
b = json.dumps(p, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()
s['subject'][0]['digest']['sha256'] = hashlib.sha256(b).hexdigest()
p['merkle'] = m"
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"
    assert_contains "$ERR" "leaf hash does not match"

    # truncated inclusion proof
    st_resign "$nw" "$t/P-NW.dsse.json" \
        "s['predicate']['merkle']['audit_path'] = s['predicate']['merkle']['audit_path'][:-1]"
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"
    assert_contains "$ERR" "merkle"

    # another party's statement under this party's name
    cp "$out/statements/P-PUB.dsse.json" "$t/P-NW.dsse.json"
    expect_rc 1 verify "$t/P-NW.dsse.json" --key "$PUB"
    assert_contains "$ERR" "is for \"P-PUB\""

    # the wrong key
    expect_rc 0 keygen --out "$t/other"
    expect_rc 1 verify "$nw" --key "$t/other/signing.pub.pem"
    assert_contains "$ERR" "no signature by key"
}

test_statements_from_two_runs_do_not_mix() {
    out="$IT_TMP/out-$(date +%s%N)"
    st_demo_run "$out"
    cp "$out/statements/P-NW.dsse.json" "$IT_TMP/first-P-NW.dsse.json"
    head -4 "$DATA/demo/generations-2026-q3.ndjson" >"$IT_TMP/fewer.ndjson"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$IT_TMP/fewer.ndjson" --out "$IT_TMP/out2"
    mkdir -p "$IT_TMP/old"
    cp "$IT_TMP/first-P-NW.dsse.json" "$IT_TMP/old/P-NW.dsse.json"
    expect_rc 1 verify "$IT_TMP/old/P-NW.dsse.json" "$IT_TMP/out2/statements/P-PUB.dsse.json" --key "$PUB"
    assert_contains "$ERR" "not to run"
    # the restated statements show the adjustment
    python3 - "$IT_TMP/out2/statements/P-NW.dsse.json" <<'PY' || fail "no restatement in the statement"
import base64, json, sys
s = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
r = s["predicate"]["restatement"]
assert r["supersedes"].startswith("run-"), r
assert r["adjustment"][0]["currency"] == "EUR", r
PY
}

test_keygen() {
    d="$IT_TMP/keys"
    expect_rc 0 keygen --out "$d"
    assert_contains "$OUT" "key id:"
    mode=$(stat -c %a "$d/signing.pem")
    assert_eq "$mode" "600" "private key mode"
    expect_rc 3 keygen --out "$d"
    assert_contains "$ERR" "already exists"
    grep -q "BEGIN PRIVATE KEY" "$d/signing.pem" || fail "not a PKCS#8 PEM"
    openssl pkey -in "$d/signing.pem" -noout -text 2>/dev/null | grep -q "ED25519" ||
        fail "openssl does not read an Ed25519 key"
}

test_run_without_key_fails_clearly() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO_REG"/*.json
    LEDGERLINE_SIGNING_KEY="$IT_TMP/none/signing.pem" expect_rc 2 run --licensee P-AI \
        --period 2026-Q3 --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$IT_TMP/nokey-out"
    assert_contains "$ERR" "ledgerline keygen"
    [ ! -e "$IT_TMP/nokey-out" ] || fail "a run without a key wrote outputs"
    n=$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.run")
    assert_eq "$n" "0" "a run without a key stored something"
}

test_payment_file_validates_and_matches_csv() {
    # names that need escaping, and one payee without an IBAN
    cat >"$IT_TMP/reg.json" <<'JSON'
{"parties": [
  {"id": "P-L", "name": "Label <Ünïcode> & Sons \"Ltd\"", "kind": "label",
   "payout": {"method": "iban", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "currency": "EUR"}},
  {"id": "P-W", "name": "Wörter & Töne — Verlag mit einem sehr langen Namen, der über siebzig Zeichen hinausgeht", "kind": "publisher",
   "payout": {"method": "iban", "iban": "GB82WEST12345698765432", "currency": "EUR"}},
  {"id": "P-N", "name": "No Account", "kind": "artist"},
  {"id": "P-LIC", "name": "Licensee & Co", "kind": "licensee",
   "payout": {"method": "iban", "iban": "DE02120300000000202051", "bic": "BYLADEM1001", "currency": "EUR"}}],
 "works": [{"id": "W1", "duration_ms": 1000, "splits": {
   "master": [{"party": "P-L", "share": "1/2"}, {"party": "P-N", "share": "1/2"}],
   "publishing": [{"party": "P-W", "share": "1"}]}}],
 "consents": [
  {"id": "C1", "party": "P-L", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C2", "party": "P-N", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C3", "party": "P-W", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"}],
 "licences": [{"id": "L1", "licensee": "P-LIC", "licensor": "P-L", "scope": {"works": ["W1"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "1000.01"}}]}
JSON
    cat >"$IT_TMP/m.json" <<'JSON'
{"model": "m", "training_run": "t1", "trained_at": "2026-02-01T00:00:00Z", "licensee": "P-LIC",
 "items": [{"work": "W1"}]}
JSON
    printf '' >"$IT_TMP/empty.ndjson"
    expect_rc 0 init
    expect_rc 0 load "$IT_TMP/reg.json"
    expect_rc 0 run --licensee P-LIC --period 2026-Q3 --manifest "$IT_TMP/m.json" \
        --logs "$IT_TMP/empty.ndjson" --out "$IT_TMP/out"
    assert_contains "$ERR" "payee P-N has no IBAN"
    x="$IT_TMP/out/payouts-EUR.xml"
    v=$(xmllint --noout --schema "$DATA/schemas/pain.001.001.09-EPC132-08_2023_SCT.xsd" "$x" 2>&1) ||
        fail "payouts-EUR.xml does not validate: $v"
    # NbOfTxs and CtrlSum equal the CSV rows that have an IBAN
    python3 - "$IT_TMP/out/payouts.csv" "$x" <<'PY' || fail "XML and CSV disagree"
import csv, sys
from decimal import Decimal
import xml.etree.ElementTree as ET
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["iban"] and Decimal(r["amount"]) > 0]
ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
t = ET.parse(sys.argv[2])
n = int(t.find(".//p:GrpHdr/p:NbOfTxs", ns).text)
s = Decimal(t.find(".//p:GrpHdr/p:CtrlSum", ns).text)
assert n == len(rows), (n, len(rows))
assert s == sum(Decimal(r["amount"]) for r in rows), (s, rows)
names = [e.text for e in t.findall(".//p:Cdtr/p:Nm", ns)]
assert 'Label <Ünïcode> & Sons "Ltd"' in names, names
assert all(len(x) <= 70 for x in names), names
e2e = {e.text for e in t.findall(".//p:EndToEndId", ns)}
assert e2e == {r["end_to_end_id"] for r in rows}, (e2e, rows)
PY
    grep -q "P-N,No Account,EUR,250.00,," "$IT_TMP/out/payouts.csv" ||
        fail "the payee without an IBAN is not in the CSV: $(cat "$IT_TMP/out/payouts.csv")"
}

test_payout_above_sepa_maximum_is_reported_not_fatal() {
    # one EUR payout of 1,000,000,000.00: more than one SEPA transfer may
    # carry (999,999,999.99); the run succeeds, the CSV keeps the row,
    # the XML leaves it out, run.json says why
    cat >"$IT_TMP/big.json" <<'JSON'
{"parties": [
  {"id": "P-AI", "name": "AI", "kind": "licensee",
   "payout": {"method": "iban", "iban": "DE02120300000000202051", "currency": "EUR"}},
  {"id": "P-L", "name": "Label", "kind": "label",
   "payout": {"method": "iban", "iban": "DE89370400440532013000", "currency": "EUR"}},
  {"id": "P-S", "name": "Small", "kind": "label",
   "payout": {"method": "iban", "iban": "GB82WEST12345698765432", "currency": "EUR"}}],
 "works": [{"id": "W1", "duration_ms": 1, "splits": {"master": [{"party": "P-L", "share": "1"}]}},
           {"id": "W2", "duration_ms": 1, "splits": {"master": [{"party": "P-S", "share": "1"}]}}],
 "licences": [
  {"id": "L1", "licensee": "P-AI", "licensor": "P-L", "scope": {"works": ["W1"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "1000000000"}},
  {"id": "L2", "licensee": "P-AI", "licensor": "P-S", "scope": {"works": ["W2"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10.00"}}]}
JSON
    printf '{"model": "m", "training_run": "t", "trained_at": "2026-02-01T00:00:00Z", "licensee": "P-AI", "items": []}\n' >"$IT_TMP/big-m.json"
    printf '' >"$IT_TMP/big.ndjson"
    expect_rc 0 init
    expect_rc 0 load "$IT_TMP/big.json"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$IT_TMP/big-m.json" \
        --logs "$IT_TMP/big.ndjson" --out "$IT_TMP/big-out"
    assert_contains "$ERR" "payee P-L's EUR payout is above what one transfer may carry"
    grep -q '^P-L,Label,EUR,1000000000.00,' "$IT_TMP/big-out/payouts.csv" ||
        fail "the large payout is not in the CSV"
    grep -q 'P-S' "$IT_TMP/big-out/payouts-EUR.xml" || fail "the small payout is not in the XML"
    if grep -q 'P-L\|1000000000' "$IT_TMP/big-out/payouts-EUR.xml"; then
        fail "the large payout is in the XML"
    fi
    python3 - "$IT_TMP/big-out/run.json" <<'PY' || fail "run.json does not report the large payout"
import json, sys
nt = json.load(open(sys.argv[1]))["not_transferable"]
assert [(x["payee"], x["amount"]) for x in nt] == [("P-L", "1000000000.00")], nt
assert "above" in nt[0]["reason"], nt
PY
}

# st_long_exact_scenario DIR SEED: a catalogue with odd splits (1/3, 1/7,
# 3/11, ...) in two currencies and a few thousand events whose weights and
# values carry 18 fractional digits, so the exact figures of its statements
# run far beyond the 38 significant digits allowed in an input number.
# Writes DIR/registry/*.json, DIR/manifest.json and DIR/log.ndjson.
st_long_exact_scenario() {
    python3 - "$1" "$2" <<'PY' || fail "cannot generate the long-exact scenario"
import json, os, random, sys
out, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
os.makedirs(out + "/registry", exist_ok=True)
def dump(name, obj):
    with open(out + "/" + name, "w") as f:
        json.dump(obj, f, indent=1)
parties = [
    {"id": "P-AI", "name": "Synth Co", "kind": "licensee",
     "payout": {"method": "iban", "iban": "DE02120300000000202051", "currency": "EUR"}},
    {"id": "P-LBL", "name": "Odd Splits Records", "kind": "label",
     "payout": {"method": "iban", "iban": "DE89370400440532013000", "currency": "EUR"}},
    {"id": "P-LBL2", "name": "Yen Tone", "kind": "label",
     "payout": {"method": "iban", "iban": "GB82WEST12345698765432", "currency": "JPY"}},
    {"id": "P-PUB", "name": "Prime Publishing", "kind": "publisher",
     "payout": {"method": "iban", "iban": "FR1420041010050500013M02606", "currency": "EUR"}},
]
for i in range(1, 7):
    parties.append({"id": "P-ART-%d" % i, "name": "Artist %d" % i,
                    "kind": "artist", "payee": "P-LBL"})
    parties.append({"id": "P-SW-%d" % i, "name": "Writer %d" % i,
                    "kind": "songwriter", "payee": "P-PUB"})
consents = []
for p in parties[1:]:
    for use in ("training", "generation"):
        consents.append({"id": "C-%s-%s" % (p["id"], use[0]), "party": p["id"],
                         "all_works": True, "use": use, "decision": "opt_in",
                         "effective": "2026-01-01T00:00:00Z"})
odd = ["1/3", "1/7", "3/11", "5/13", "2/9", "4/17", "6/19", "7/23"]
def rest(share):
    n, d = map(int, share.split("/"))
    return "%d/%d" % (d - n, d)
works, eur, jpy = [], [], []
for i in range(1, 13):
    wid = "W-%04d" % i
    label = "P-LBL" if i <= 8 else "P-LBL2"
    a, s = odd[i % len(odd)], odd[(3 * i + 1) % len(odd)]
    works.append({"id": wid, "isrc": "GBAYE69%05d" % i, "title": "Work %d" % i,
                  "duration_ms": 100000 + 7919 * i,
                  "splits": {
                      "master": [{"party": label, "share": rest(a)},
                                 {"party": "P-ART-%d" % (1 + i % 6), "share": a}],
                      "publishing": [{"party": "P-PUB", "share": rest(s)},
                                     {"party": "P-SW-%d" % (1 + i % 6), "share": s}]}})
    (eur if label == "P-LBL" else jpy).append(wid)
licences = [
    {"id": "L-EUR", "licensee": "P-AI", "licensor": "P-LBL", "scope": {"works": eur},
     "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31",
     "currency": "EUR",
     "terms": {"training_fee": "123456.789", "training_basis": "duration",
               "usage_rate": "3/11", "per_generation": "0.000123456789012345",
               "minimum_guarantee": "0.01", "master_share": "4/7"}},
    {"id": "L-JPY", "licensee": "P-AI", "licensor": "P-LBL2", "scope": {"works": jpy},
     "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31",
     "currency": "JPY",
     "terms": {"training_fee": "9876543", "training_basis": "duration",
               "usage_rate": "2/7", "master_share": "5/9"}},
]
dump("registry/parties.json", {"parties": parties})
dump("registry/consents.json", {"consents": consents})
dump("registry/works.json", {"works": works})
dump("registry/licences.json", {"licences": licences})
dump("manifest.json", {"model": "m-long", "training_run": "tr-long",
                       "trained_at": "2026-03-01T00:00:00Z", "licensee": "P-AI",
                       "items": [{"work": w["id"], "duration_ms": w["duration_ms"]}
                                 for w in works]})
with open(out + "/log.ndjson", "w") as f:
    for n in range(1, 3001):
        cur, pool = ("EUR", eur) if rng.random() < 0.75 else ("JPY", jpy)
        k = rng.randint(1, 4)
        attr = [{"work": w, "weight": "0.%018d" % rng.randrange(1, 10 ** 18 // k)}
                for w in rng.sample(pool, k)]
        ev = {"id": "g-%06d" % n, "model": "m-long",
              "ts": "2026-%02d-%02dT%02d:%02d:%02dZ" % (
                  rng.randint(7, 9), rng.randint(1, 28), rng.randrange(24),
                  rng.randrange(60), rng.randrange(60)),
              "value": "%d.%018d" % (rng.randrange(10 ** 6), rng.randrange(10 ** 18)),
              "currency": cur, "attribution": attr}
        f.write(json.dumps(ev) + "\n")
PY
}

# A run whose exact figures have 40 and more digits: run writes them, and
# verify must accept every statement it wrote (SPEC §4: numbers in outputs
# have no digit limit).
test_statements_with_long_exact_figures_verify() {
    d="$IT_TMP/long-exact"
    st_long_exact_scenario "$d" 20260917
    expect_rc 0 init
    expect_rc 0 load "$d"/registry/*.json
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$d/manifest.json" \
        --logs "$d/log.ndjson" --out "$d/out"
    python3 - "$d/out/statements" <<'PY' || fail "no statement carries an exact figure of 40 or more digits"
import base64, glob, json, sys
longest = 0
for path in glob.glob(sys.argv[1] + "/*.dsse.json"):
    p = json.loads(base64.b64decode(json.load(open(path))["payload"]))["predicate"]
    for x in p["lines"] + p["totals"]:
        for part in x["exact"].lstrip("-").split("/"):
            longest = max(longest, len(part))
print("longest exact part: %d digits" % longest, file=sys.stderr)
sys.exit(0 if longest >= 40 else 1)
PY
    n=$(ls "$d"/out/statements/*.dsse.json | wc -l)
    [ "$n" -ge 10 ] || fail "expected at least 10 statements, found $n"
    expect_rc 0 verify "$d"/out/statements/*.dsse.json --key "$PUB"
    assert_contains "$OUT" "$n statements verified"
}

# A party paid under licences in twenty currencies: its statement carries
# twenty totals, and it is written and verifies like any other.
test_statement_with_twenty_currencies_verifies() {
    d="$IT_TMP/many-ccy"
    mkdir -p "$d/registry"
    python3 - "$d" <<'PY' || fail "cannot generate the scenario"
import json, sys
d = sys.argv[1]
ccys = "EUR USD GBP SEK JPY KRW BHD KWD CHF NOK DKK PLN CZK HUF CAD AUD NZD SGD HKD INR".split()
parties = [{"id": "P-AI", "name": "Synth Co", "kind": "licensee"},
           {"id": "P-ART", "name": "Everywhere Artist", "kind": "artist"}]
works, licences, consents, events = [], [], [], []
for i, c in enumerate(ccys, 1):
    parties.append({"id": "P-L-" + c, "name": "Label " + c, "kind": "label"})
    wid = "W-%04d" % i
    works.append({"id": wid, "isrc": "GBAYE69%05d" % i, "title": "Song " + c,
                  "duration_ms": 180000,
                  "splits": {"master": [{"party": "P-L-" + c, "share": "2/3"},
                                        {"party": "P-ART", "share": "1/3"}]}})
    licences.append({"id": "L-" + c, "licensee": "P-AI", "licensor": "P-L-" + c,
                     "scope": {"works": [wid]}, "uses": ["training", "generation"],
                     "start": "2026-01-01", "end": "2026-12-31", "currency": c,
                     "terms": {"usage_rate": "1/3"}})
    events.append({"id": "g-%04d" % i, "model": "m-ccy", "ts": "2026-08-01T12:00:00Z",
                   "value": "%d.5" % (100 * i), "currency": c,
                   "attribution": [{"work": wid, "weight": "0.7"}]})
for p in parties[1:]:
    for use in ("training", "generation"):
        consents.append({"id": "C-%s-%s" % (p["id"], use[0]), "party": p["id"],
                         "all_works": True, "use": use, "decision": "opt_in",
                         "effective": "2026-01-01T00:00:00Z"})
for name, key, v in (("parties", "parties", parties), ("works", "works", works),
                     ("licences", "licences", licences), ("consents", "consents", consents)):
    json.dump({key: v}, open("%s/registry/%s.json" % (d, name), "w"))
json.dump({"model": "m-ccy", "training_run": "tr-ccy", "trained_at": "2026-03-01T00:00:00Z",
           "licensee": "P-AI", "items": [{"work": w["id"], "duration_ms": 180000} for w in works]},
          open(d + "/manifest.json", "w"))
open(d + "/log.ndjson", "w").write("".join(json.dumps(e) + "\n" for e in events))
PY
    expect_rc 0 init
    expect_rc 0 load "$d"/registry/*.json
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$d/manifest.json" \
        --logs "$d/log.ndjson" --out "$d/out"
    n=$(python3 -c "
import base64, json, sys
e = json.load(open(sys.argv[1]))
print(len(json.loads(base64.b64decode(e['payload']))['predicate']['totals']))" \
        "$d/out/statements/P-ART.dsse.json")
    assert_eq "$n" "20" "currencies in P-ART's totals"
    expect_rc 0 verify "$d/out/statements/P-ART.dsse.json" --key "$PUB"
}

# The harness itself: run (lib.sh) verifies the statements of every
# successful `ledgerline run`, and a statement that does not verify fails
# the test that made it.
test_harness_verifies_every_run() {
    out="$IT_TMP/hook-$(date +%s%N)"
    touch "$IT_TMP/verified"
    before=$(wc -l <"$IT_TMP/verified")
    st_demo_run "$out"
    assert_eq "$(($(wc -l <"$IT_TMP/verified") - before))" 1 "verifications after one run"
    assert_eq "$(tail -1 "$IT_TMP/verified")" "$out 5" "the run's verification"
    # a failed run is not verified
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --out "$out"
    assert_eq "$(($(wc -l <"$IT_TMP/verified") - before))" 1 "verifications after a failed run"
    # a statement that does not verify fails the test: directly ...
    python3 - "$out/statements/P-NW.dsse.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
env["signatures"][0]["sig"] = base64.b64encode(bytes(64)).decode()
open(sys.argv[1], "w").write(json.dumps(env))
PY
    if (verify_run_out "$out") 2>"$IT_TMP/hook.err"; then
        fail "verify_run_out passed a statement with a zeroed signature"
    fi
    assert_contains "$(cat "$IT_TMP/hook.err")" "P-NW.dsse.json: FAILED"
    # ... and through run, here with a key that did not sign the run
    expect_rc 0 keygen --out "$IT_TMP/hook-other"
    if (
        signing_pub() { echo "$IT_TMP/hook-other/signing.pub.pem"; }
        st_demo_run "$out-again"
    ) 2>"$IT_TMP/hook.err"; then
        fail "a run whose statements do not verify passed"
    fi
    assert_contains "$(cat "$IT_TMP/hook.err")" "do not verify with $IT_TMP/hook-other/signing.pub.pem"
}
