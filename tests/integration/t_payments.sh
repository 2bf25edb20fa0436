# Integration tests of accounts across postings (SPEC §4, §5 "Balances
# and payments"): X, a restatement to Y, Y again (nothing new), back to X,
# a payment returned and paid again, a minimum carried forward.  What was
# paid is checked against a model of the rule fed only with the signed
# statements' party totals, never with ledgerline's own payments.

PAY_MANIFEST="$DATA/demo/manifest-harmony-2.json"
PAY_LOG="$DATA/demo/generations-2026-q3.ndjson"

# pay_run LOG OUT: P-AI's 2026-Q3 run of the demo manifest and LOG.
pay_run() {
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$PAY_MANIFEST" \
        --logs "$1" --out "$2"
}

# Every journal entry and the whole ledger balance per currency.
pay_ledger_balances() {
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM (SELECT entry_id, currency
                                    FROM ledgerline.journal_line GROUP BY 1, 2
                                    HAVING sum(amount_minor) <> 0) x")" 0 "an entry does not balance"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM (SELECT currency FROM ledgerline.journal_line
                                    GROUP BY 1 HAVING sum(amount_minor) <> 0) x")" 0 "the ledger does not balance"
}

# pay_model STEP...: replay the steps against the rule and compare with
# what the outputs hold.  A step is "post:DIR" (a posting whose outputs
# are in DIR), "same:DIR" (a rerun that must post nothing) or
# "return:E2E:DIR" (payment E2E of the outputs in DIR was returned).
# Earnings come from the statements' totals (each party's signed total
# per currency); expected payments are the rule's, compared with every
# payouts.csv, and remittance.csv must add up to payouts.csv.
pay_model() {
    python3 - "$DATA/demo/registry/parties.json" "$@" <<'PY' || fail "the payments are not the rule's (see above)"
import base64, csv, json, os, sys
from decimal import Decimal

parties = {p["id"]: p for p in json.load(open(sys.argv[1]))["parties"]}
def payee(p): return parties.get(p, {}).get("payee", p)
def minimum(p, cur):
    po = parties.get(p, {}).get("payout")
    if po and po.get("currency") == cur and "minimum" in po:
        return Decimal(po["minimum"])
    return Decimal(0)

def earned(d):
    out = {}
    sd = os.path.join(d, "statements")
    for f in sorted(os.listdir(sd)):
        env = json.load(open(os.path.join(sd, f)))
        pred = json.loads(base64.b64decode(env["payload"]))["predicate"]
        party = f[: -len(".dsse.json")]
        for t in pred.get("totals", []):
            out[(party, t["currency"])] = out.get((party, t["currency"]), 0) + Decimal(t["amount"])
    return out

def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))

bad, bal, prev, seen = [], {}, {}, {}
for step in sys.argv[2:]:
    kind, _, rest = step.partition(":")
    if kind == "return":
        e2e, _, d = rest.partition(":")
        for r in rows(os.path.join(d, "remittance.csv")):
            if r["end_to_end_id"] == e2e:
                k = (r["party_id"], r["currency"])
                bal[k] = bal.get(k, 0) + Decimal(r["amount"])
        continue
    d = rest
    got = {(r["payee_id"], r["currency"]): (Decimal(r["amount"]), r["end_to_end_id"])
           for r in rows(os.path.join(d, "payouts.csv"))}
    if kind == "same":
        continue
    now = earned(d)
    for k in set(now) | set(prev):
        bal[k] = bal.get(k, 0) + now.get(k, 0) - prev.get(k, 0)
    prev = now
    groups = {}
    for (p, cur), v in bal.items():
        groups.setdefault((payee(p), cur), []).append((p, v))
    want = {}
    for (py, cur), members in groups.items():
        s = sum(v for _, v in members)
        if s > 0 and s >= minimum(py, cur):
            want[(py, cur)] = s
            for p, _ in members:
                bal[(p, cur)] = Decimal(0)
    if {k: v for k, (v, _) in got.items()} != want:
        bad.append("%s: payouts.csv %s, the rule %s" % (d, sorted((k, str(v)) for k, (v, _) in got.items()),
                                                     sorted((k, str(v)) for k, v in want.items())))
    for k, (v, e2e) in got.items():
        if v <= 0:
            bad.append("%s: %s pays %s" % (d, k, v))
        if e2e in seen and seen[e2e] != v:
            bad.append("end_to_end_id %s paid %s and %s" % (e2e, seen[e2e], v))
        seen[e2e] = v
    rem = {}
    for r in rows(os.path.join(d, "remittance.csv")):
        rem[r["end_to_end_id"]] = rem.get(r["end_to_end_id"], 0) + Decimal(r["amount"])
    if rem != {e2e: v for v, e2e in got.values()}:
        bad.append("%s: remittance.csv sums %s, payouts.csv %s" % (d, rem, got))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
}

# The demo log with one event dropped and one value changed: a
# restatement that lowers some parties and raises others.
pay_changed_log() {
    grep -v '"g-000003"' "$PAY_LOG" |
        sed '/"g-000002"/s/"value": "0.0400"/"value": "0.0800"/' >"$1"
}

test_payments_across_restatements() {
    local x y e2e entries
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    pay_changed_log "$IT_TMP/y.ndjson"

    pay_run "$PAY_LOG" "$IT_TMP/x1"
    assert_eq "$(jq .posting "$IT_TMP/x1/run.json")" 1
    x=$(jq -r .run_id "$IT_TMP/x1/run.json")
    pay_ledger_balances
    pay_run "$IT_TMP/y.ndjson" "$IT_TMP/y2"
    assert_eq "$(jq .posting "$IT_TMP/y2/run.json")" 2
    pay_ledger_balances
    # Y again: nothing new, the same bytes
    pay_run "$IT_TMP/y.ndjson" "$IT_TMP/y2b"
    assert_contains "$OUT" "already posted"
    for f in payouts.csv remittance.csv run.json; do
        cmp -s "$IT_TMP/y2/$f" "$IT_TMP/y2b/$f" || fail "$f of a rerun differs"
    done
    # back to X: posting 3 under X's run id, with its own end-to-end ids
    pay_run "$PAY_LOG" "$IT_TMP/x3"
    assert_eq "$(jq -r '.run_id + " " + (.posting | tostring)' "$IT_TMP/x3/run.json")" "$x 3"
    pay_ledger_balances
    # a restatement down pays nothing negative: Y lowered someone
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.payment WHERE amount_minor <= 0")" 0

    # a payment returned: its balances reopen, the next posting pays them
    e2e=$(sed -n 2p "$IT_TMP/x1/payouts.csv" | cut -d, -f7)
    [ -n "$e2e" ] || fail "posting 1 paid nobody"
    entries=$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry")
    expect_rc 0 payments return "$e2e"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry")" $((entries + 1))
    # again, or unknown, or both with a good one: exit 3, nothing posted
    expect_rc 3 payments return "$e2e"
    assert_contains "$ERR" "already returned"
    expect_rc 3 payments return LL00000000000000000000000000000000
    assert_contains "$ERR" "no payment has end-to-end id"
    e2e2=$(sed -n 2p "$IT_TMP/x3/payouts.csv" | cut -d, -f7)
    printf '# returned by the bank\n%s\n%s\n' "$e2e2" LL00000000000000000000000000000000 >"$IT_TMP/list"
    expect_rc 3 payments return --file "$IT_TMP/list"
    expect_rc 3 payments return "$e2e2" "$e2e2"
    expect_rc 3 payments return not-an-id
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.journal_entry")" $((entries + 1)) \
        "a refused return posted something"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.payment_return")" 1
    pay_ledger_balances
    expect_rc 0 audit
    pay_run "$IT_TMP/y.ndjson" "$IT_TMP/y4"
    assert_eq "$(jq .posting "$IT_TMP/y4/run.json")" 4
    pay_ledger_balances
    pay_model post:"$IT_TMP/x1" post:"$IT_TMP/y2" same:"$IT_TMP/y2b" post:"$IT_TMP/x3" \
        return:"$e2e:$IT_TMP/x1" post:"$IT_TMP/y4"
    # nothing is open that the rule would have paid: balance agrees
    expect_rc 0 balance --format csv
    assert_contains "$OUT" "party,currency,earned,paid,open"
    expect_rc 3 balance --party P-NOBODY
    expect_rc 0 audit
    assert_contains "$OUT" "ledger intact"
}

test_payments_minimum_carried_forward() {
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    # P-PUB will not take a transfer below one million euros
    jq '(.parties[] | select(.id == "P-PUB") | .payout.minimum) = "1000000.00"' \
        "$DATA/demo/registry/parties.json" >"$IT_TMP/parties-min.json"
    expect_rc 0 load "$IT_TMP/parties-min.json"
    pay_run "$PAY_LOG" "$IT_TMP/a"
    grep -q '^P-PUB,' "$IT_TMP/a/payouts.csv" && fail "P-PUB was paid below its minimum"
    expect_rc 0 balance --party P-PUB --format csv
    open=$(printf '%s\n' "$OUT" | awk -F, '$2 == "EUR" {print $5}')
    [ -n "$open" ] && [ "$open" != "0.00" ] || fail "P-PUB's balance was not carried forward: $OUT"
    # the minimum lowered: the next posting (a new registry, a new run id)
    # pays what was carried forward, once
    jq '(.parties[] | select(.id == "P-PUB") | .payout.minimum) = "0.01"' \
        "$DATA/demo/registry/parties.json" >"$IT_TMP/parties-low.json"
    expect_rc 0 load "$IT_TMP/parties-low.json"
    pay_run "$PAY_LOG" "$IT_TMP/b"
    assert_eq "$(grep '^P-PUB,' "$IT_TMP/b/payouts.csv" | cut -d, -f4)" "$open"
    expect_rc 0 balance --party P-PUB --format csv
    assert_eq "$(printf '%s\n' "$OUT" | awk -F, '$2 == "EUR" {print $5}')" "0.00"
    pay_ledger_balances
    expect_rc 0 audit
}
