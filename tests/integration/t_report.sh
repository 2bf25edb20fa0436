# Integration tests of "ledgerline report" (SPEC §6): a party's earnings
# across two periods, a restatement, payments and a returned payment, in
# every format, checked against the ledger itself; the same report under
# the party's own login; the HTML page rendered by a real browser.

REP_MANIFEST="$DATA/demo/manifest-harmony-2.json"
REP_LOG="$DATA/demo/generations-2026-q3.ndjson"
REP_EVIL='<script>alert(1)</script> & "Harbour" Lights'

# rep_ledger: the demo registry, W-0001 retitled with markup, July and
# August 2026 posted, July restated (one generation's value raised, so
# that the usage lines of W-0003 and W-0005 change), and one payment of
# July returned.
# Sets REP_E2E (the returned payment).
rep_ledger() {
    expect_rc 0 init
    jq --arg t "$REP_EVIL" '(.works[] | select(.id == "W-0001") | .title) = $t' \
        "$DATA/demo/registry/works.json" >"$IT_TMP/works.json"
    expect_rc 0 load "$DATA"/demo/registry/consents.json "$DATA"/demo/registry/licences.json \
        "$DATA"/demo/registry/parties.json "$IT_TMP/works.json"
    grep '"ts": "2026-07' "$REP_LOG" >"$IT_TMP/jul.ndjson"
    grep '"ts": "2026-08' "$REP_LOG" >"$IT_TMP/aug.ndjson"
    sed '/"g-000002"/s/"value": "0.0400"/"value": "400.00"/' "$IT_TMP/jul.ndjson" >"$IT_TMP/jul2.ndjson"
    expect_rc 0 run --licensee P-AI --period 2026-07 --manifest "$REP_MANIFEST" \
        --logs "$IT_TMP/jul.ndjson" --out "$IT_TMP/jul"
    expect_rc 0 run --licensee P-AI --period 2026-08 --manifest "$REP_MANIFEST" \
        --logs "$IT_TMP/aug.ndjson" --out "$IT_TMP/aug"
    expect_rc 0 run --licensee P-AI --period 2026-07 --manifest "$REP_MANIFEST" \
        --logs "$IT_TMP/jul2.ndjson" --out "$IT_TMP/jul2"
    REP_E2E=$(awk -F, '$1 == "P-NW" {print $7}' "$IT_TMP/jul/payouts.csv")
    [ -n "$REP_E2E" ] || fail "July paid P-NW nothing: $(cat "$IT_TMP/jul/payouts.csv")"
    expect_rc 0 payments return "$REP_E2E"
}

# Other parties' names, bank details and ids: never in P-ADA's report.
REP_SECRETS="Northwind Records|DE89370400440532013000|Harbour Music Publishing|GB82 WEST|Kai Müller|FR1420041010050500013M02606|Bluewater Collective|Synth Co|DE02120300000000202051|P-KAI|P-PUB|P-BLUE"

rep_no_secrets() {
    local what=$1 text=$2 s
    local IFS='|'
    for s in $REP_SECRETS; do
        case $text in
        *"$s"*) fail "$what shows another party's data: $s" ;;
        esac
    done
}

# The report's JSON against the ledger, read with SQL and "balance":
# lines in force per period, the steps' balance equation and chaining,
# the closing balance, the restatement, the payments and the return.
rep_check_json() {
    local json=$1 party=$2 full=${3:-full} bal inforce rem
    bal=$("$LL" balance --party "$party" --format csv) || fail "balance failed"
    inforce=$(sql "$IT_DB" -c "SELECT r.period_label || ' ' || sum(x.amount_minor)
        FROM ledgerline.run_line x JOIN ledgerline.posting p ON p.run_id = x.run_id
        JOIN ledgerline.run r ON r.run_id = p.run_id
       WHERE x.party = '$party' AND NOT EXISTS (SELECT 1 FROM ledgerline.posting s
                                                WHERE s.supersedes = p.posting_id)
       GROUP BY r.period_label ORDER BY 1")
    # EUR, USD: two digits (the only currencies used here with payments)
    rem=$(cat "$IT_TMP"/*/remittance.csv | awk -F, -v p="$party" '$3 == p {print $1 " " $5}' | sort -u)
    python3 - "$json" "$bal" "$inforce" "$rem" "${REP_E2E:-}" "$full" <<'PY' || fail "the report disagrees with the ledger (see above)"
import json, sys
from decimal import Decimal as D
doc = json.load(open(sys.argv[1]))
bal = [l.split(",") for l in sys.argv[2].splitlines()[1:]]
inforce = dict(l.split() for l in sys.argv[3].splitlines())
rem = dict(l.split() for l in sys.argv[4].splitlines())
e2e, full = sys.argv[5], sys.argv[6] == "full"
bad = []
def need(c, msg):
    if not c: bad.append(msg)
need(doc["report"] == "ledgerline-report/1", "schema")
per, minor = {}, {}
for l in doc["lines"]:
    per[l["period"]] = per.get(l["period"], D(0)) + D(l["amount"])
    minor[l["period"]] = minor.get(l["period"], 0) + int(l["amount"].replace(".", ""))
want = {k: int(v) for k, v in inforce.items()}
need(minor == want, "lines in force %s (minor units), ledger %s" % (minor, want))
need(len(per) == 2, "two periods expected: %s" % per)
last = {}
for s in doc["balance"]:
    o, c = D(s["opening"]), D(s["closing"])
    need(o + D(s["earned"]) + D(s["adjustments"]) - D(s["payments"]) + D(s["returned"]) == c,
         "step %s does not add up" % s)
    need(last.get(s["currency"], D(0)) == o, "step %s does not open at the last closing" % s)
    last[s["currency"]] = c
kinds = [s["kind"] for s in doc["balance"]]
if full:
    need(kinds.count("restatement") >= 1 and kinds.count("return") == 1, "kinds %s" % kinds)
    r = [s for s in doc["balance"] if s["kind"] == "restatement"][0]
    need(r["period"] == "2026-07" and D(r["adjustments"]) < 0, "restatement %s" % r)
    # each restatement's line-by-line changes add up to its step's
    # earned + adjustments (run_line against the journal)
    need(len(doc["adjustments"]) > 0, "no line changed by the restatement")
    for st in doc["balance"]:
        if st["kind"] != "restatement":
            continue
        adj = [a for a in doc["adjustments"]
               if a["posting"] == st["posting"] and a["currency"] == st["currency"]]
        need(sum(D(a["adjustment"]) for a in adj) == D(st["earned"]) + D(st["adjustments"]),
             "posting %s: line adjustments %s, step %s" % (st["posting"], adj, st))
        for a in adj:
            need(D(a["now"]) - D(a["previous"]) == D(a["adjustment"]), "adjustment %s" % a)
            need(a["period"] == st["period"] and a["date"] == st["date"], "adjustment %s" % a)
for party, cur, earned, paid, open_ in bal:
    t = [t for t in doc["totals"] if t["currency"] == cur]
    need(len(t) == 1 and D(t[0]["closing"]) == D(open_) and D(t[0]["paid"]) == D(paid),
         "totals %s, balance %s %s %s" % (t, earned, paid, open_))
    t = t[0]
    need(D(t["opening"]) + D(t["earned"]) + D(t["adjustments"]) - D(t["paid"]) == D(t["closing"]),
         "totals do not add up: %s" % t)
    need(D(t["in_force"]) == sum(D(l["amount"]) for l in doc["lines"] if l["currency"] == cur),
         "in force %s" % t)
need(len(doc["totals"]) == len(bal), "totals %s, balance %s" % (doc["totals"], bal))
got = {p["end_to_end_id"]: D(p["amount"]) for p in doc["payments"]}
need(got == {k: D(v) for k, v in rem.items()}, "payments %s, remittance %s" % (got, rem))
ret = [p["end_to_end_id"] for p in doc["payments"] if p["returned"]]
need(ret == ([e2e] if full else []), "returned %s, expected %s" % (ret, e2e))
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY
}

test_report_every_format_against_the_ledger() {
    local f csv
    rep_ledger
    expect_rc 0 report --party P-ADA --format json --out "$IT_TMP/ada.json"
    assert_eq "$OUT" "" "--out wrote to stdout"
    rep_check_json "$IT_TMP/ada.json" P-ADA
    # a payee of its own, with a restatement too
    expect_rc 0 report --party P-NW --format json --out "$IT_TMP/nw.json"
    rep_check_json "$IT_TMP/nw.json" P-NW
    # stdout and --out hold the same bytes
    expect_rc 0 report --party P-ADA --format json
    printf '%s\n' "$OUT" | cmp -s - "$IT_TMP/ada.json" || fail "stdout and --out differ"

    # text: 80 columns, the same figures
    expect_rc 0 report --party P-ADA
    printf '%s\n' "$OUT" >"$IT_TMP/ada.txt"
    python3 - "$IT_TMP/ada.txt" <<'PY' || fail "a text line is wider than 80 columns"
import sys
bad = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if len(l) > 80]
for l in bad: print(len(l), l)
sys.exit(1 if bad else 0)
PY
    assert_contains "$OUT" "Ada Strings"
    assert_contains "$OUT" "restatement"
    assert_contains "$OUT" "returned by the bank"
    assert_contains "$OUT" "$REP_E2E"
    for f in $(jq -r '.totals[0] | .earned, .adjustments, .paid, .closing, .in_force' "$IT_TMP/ada.json"); do
        assert_contains "$OUT" " $f" "the text lacks a total of the JSON"
    done
    rep_no_secrets "the text report" "$OUT"

    # CSV: RFC 4180, the same lines and totals as the JSON
    expect_rc 0 report --party P-ADA --format csv --out "$IT_TMP/ada.csv"
    python3 - "$IT_TMP/ada.csv" "$IT_TMP/ada.json" "$REP_EVIL" <<'PY' || fail "the CSV disagrees with the JSON"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
doc = json.load(open(sys.argv[2]))
lines = [(r["period"], r["work"], r["component"], r["side"], r["amount"]) for r in rows if r["section"] == "line"]
want = [(l["period"], l["work"] or "", l["component"], l["side"] or "", l["amount"]) for l in doc["lines"]]
assert lines == want, (lines, want)
titles = {r["title"] for r in rows if r["work"] == "W-0001"}
assert titles == {sys.argv[3]}, titles
tot = [r for r in rows if r["section"] == "total"]
assert [(r["currency"], r["closing"], r["payments"], r["amount"]) for r in tot] == \
    [(t["currency"], t["closing"], t["paid"], t["in_force"]) for t in doc["totals"]], tot
steps = [r for r in rows if r["section"] in ("posting", "restatement", "return")]
assert [r["closing"] for r in steps] == [s["closing"] for s in doc["balance"]]
assert len([r for r in rows if r["section"].startswith("payment")]) == len(doc["payments"])
PY
    csv=$(cat "$IT_TMP/ada.csv")
    rep_no_secrets "the CSV report" "$csv"

    # --period: only what lies within it
    expect_rc 0 report --party P-ADA --period 2026-08 --format json
    assert_eq "$(printf '%s\n' "$OUT" | jq -r '[.lines[].period] | unique | join(" ")')" 2026-08
    assert_eq "$(printf '%s\n' "$OUT" | jq -r '[.balance[].period] | unique | join(" ")')" 2026-08
    assert_eq "$(printf '%s\n' "$OUT" | jq -r '.period + " " + .period_first + " " + .period_last')" \
        "2026-08 2026-08-01 2026-08-31"
    expect_rc 0 report --party P-ADA --period 2026-07-01..2026-09-30 --format json
    assert_eq "$(printf '%s\n' "$OUT" | jq -c '[.lines, .balance, .payments, .totals]')" \
        "$(jq -c '[.lines, .balance, .payments, .totals]' "$IT_TMP/ada.json")" "a period holding all differs from all"
    expect_rc 0 report --party P-ADA --period 2025-Q1
    assert_contains "$OUT" "(none)"
}

# Two currencies: the accounts registry's EUR and USD licences, March and
# April 2026, for a songwriter paid through its publisher.
test_report_two_currencies() {
    local m dsn f owner
    expect_rc 0 init
    expect_rc 0 load "$DATA"/accounts/parties.json "$DATA"/accounts/works.json \
        "$DATA"/accounts/consents.json "$DATA"/accounts/licences.json
    for m in 03 04; do
        {
            printf '{"id": "e-%s-1", "model": "m-acc", "ts": "2026-%s-02T10:00:00Z", "value": "12.50", "currency": "EUR", "attribution": [{"work": "W-1", "weight": "0.5"}, {"work": "W-2", "weight": "0.5"}]}\n' "$m" "$m"
            printf '{"id": "e-%s-2", "model": "m-acc", "ts": "2026-%s-03T10:00:00Z", "value": "%s.00", "currency": "USD", "attribution": [{"work": "W-6", "weight": "1"}]}\n' "$m" "$m" "${m#0}0"
        } >"$IT_TMP/$m.ndjson"
        expect_rc 0 run --licensee P-AI --period "2026-$m" --manifest "$DATA/accounts/manifest.json" \
            --logs "$IT_TMP/$m.ndjson" --out "$IT_TMP/out-$m"
    done
    expect_rc 0 report --party P-SW --format json --out "$IT_TMP/sw.json"
    assert_eq "$(jq -r '[.totals[].currency] | join(" ")' "$IT_TMP/sw.json")" "EUR USD"
    rep_check_json "$IT_TMP/sw.json" P-SW simple
    expect_rc 0 report --party P-SW
    assert_contains "$OUT" "USD"
    expect_rc 0 grant --party P-SW
    dsn=$(printf '%s\n' "$OUT" | sed -n 's/^dsn: //p')
    for f in text json; do
        expect_rc 0 report --party P-SW --format "$f"
        owner=$OUT
        OUT=$(LEDGERLINE_DSN=$dsn "$LL" report --party P-SW --format "$f" 2>&1) ||
            fail "report under P-SW's login failed: $OUT"
        assert_eq "$OUT" "$owner" "the $f report under P-SW's login differs"
        case $OUT in
        *"Harbour Music Publishing"*|*GB82WEST*|*Longwave*|*P-ART1*) fail "P-SW's report shows another party" ;;
        esac
    done
}

test_report_under_the_party_login() {
    local dsn f owner
    rep_ledger
    expect_rc 0 grant --party P-ADA
    dsn=$(printf '%s\n' "$OUT" | sed -n 's/^dsn: //p')
    [ -n "$dsn" ] || fail "grant printed no dsn: $OUT"
    for f in text csv json html; do
        expect_rc 0 report --party P-ADA --format "$f"
        owner=$OUT
        OUT=$(LEDGERLINE_DSN=$dsn "$LL" report --party P-ADA --format "$f" 2>"$IT_TMP/stderr")
        RC=$?
        [ "$RC" -eq 0 ] || fail "report under P-ADA's login exited $RC: $(cat "$IT_TMP/stderr")"
        assert_eq "$OUT" "$owner" "the $f report under P-ADA's login differs from the owner's"
        rep_no_secrets "the $f report under P-ADA's login" "$OUT"
    done
    [ "$(printf '%s\n' "$owner" | grep -c '<td>W-000')" -gt 0 ] || fail "the report shows no work"
    # the login cannot ask for anyone else
    OUT=$(LEDGERLINE_DSN=$dsn "$LL" report --party P-NW 2>&1)
    RC=$?
    assert_eq "$RC" 3 "another party's report under P-ADA's login"
    assert_contains "$OUT" 'unknown party "P-NW"'
    rep_no_secrets "the refusal" "$OUT"
}

test_report_bad_input() {
    local before
    rep_ledger
    expect_rc 3 report --party P-NOBODY
    assert_contains "$ERR" 'ledgerline: --party: unknown party "P-NOBODY"'
    expect_rc 2 report
    assert_contains "$ERR" "--party is required"
    expect_rc 2 report --party 'P ADA'
    expect_rc 2 report --party P-ADA --period 2026-13
    assert_contains "$ERR" "invalid period"
    expect_rc 2 report --party P-ADA --period 2026-Q3 --period 2026-Q4
    expect_rc 2 report --party P-ADA --format pdf
    assert_contains "$ERR" "unknown format 'pdf'"
    expect_rc 2 report --party P-ADA extra
    expect_rc 0 report --help
    assert_contains "$OUT" "usage: ledgerline report --party P"
    # --out into a missing directory: exit 3, nothing written anywhere
    before=$(ls -A "$IT_TMP")
    expect_rc 3 report --party P-ADA --format html --out "$IT_TMP/missing/r.html"
    [ ! -e "$IT_TMP/missing" ] || fail "--out created a directory"
    assert_eq "$(ls -A "$IT_TMP")" "$before" "a refused --out left something behind"
    # a refused report leaves an existing file as it was
    echo keep >"$IT_TMP/keep.txt"
    expect_rc 3 report --party P-NOBODY --out "$IT_TMP/keep.txt"
    assert_eq "$(cat "$IT_TMP/keep.txt")" keep
    assert_eq "$(ls -A "$IT_TMP" | grep -c keep)" 1 "a temporary file was left behind"
}

test_report_html_is_self_contained_and_escaped() {
    local html
    rep_ledger
    expect_rc 0 report --party P-ADA --format html --out "$IT_TMP/ada.html"
    html=$(cat "$IT_TMP/ada.html")
    case $html in *"<script"*) fail "the page holds a <script" ;; esac
    assert_contains "$html" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Harbour&quot; Lights"
    assert_contains "$html" '<meta name="viewport"'
    assert_contains "$html" "<svg"
    assert_contains "$html" "@media"
    for c in training usage minimum_guarantee unallocated; do
        assert_contains "$html" "$c"
    done
    printf '%s\n' "$html" | grep -Eiq 'https?:|ftp:|//|url\(|@import|src=|href=|<link|<iframe|<object|<embed|[[:space:]]on[a-z]+=' &&
        fail "the page refers to something outside it: $(printf '%s\n' "$html" | grep -Eio '.{20}(https?:|//|url\(|@import|src=|href=|<link|on[a-z]+=).{20}' | head -3)"
    # well-formed enough for an XML parser (every tag closed, every entity known)
    printf '%s\n' "$html" | sed 's/<!DOCTYPE html>//' | xmllint --noout - 2>"$IT_TMP/xml" ||
        fail "the page is not well-formed: $(head -5 "$IT_TMP/xml")"
    rep_no_secrets "the HTML report" "$html"
}

# The headless browser, or "" when none is installed.
rep_browser() {
    local b
    for b in chromium-headless-shell chromium; do
        command -v "$b" && return 0
    done
    return 1
}

# rep_render BROWSER PAGE PNG NETLOG WIDTH HEIGHT: a screenshot of PAGE
# (a file) at WIDTH x HEIGHT, every request logged in NETLOG, and any
# request that got past the log sent to a closed port by a proxy.
rep_render() {
    local browser=$1 page=$2 png=$3 netlog=$4 w=$5 h=$6 dir
    dir=$(mktemp -d "$IT_TMP/browser.XXXXXX")
    HOME=$dir timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
        --user-data-dir="$dir/profile" --no-first-run --disable-extensions \
        --proxy-server=127.0.0.1:9 --log-net-log="$netlog" --hide-scrollbars \
        --window-size="$w,$h" --screenshot="$png" "file://$page" >"$dir/log" 2>&1 ||
        fail "$browser could not render $page: $(tail -5 "$dir/log")"
    [ -s "$png" ] || fail "$browser wrote no screenshot of $page: $(tail -5 "$dir/log")"
    [ -s "$netlog" ] || fail "$browser wrote no network log"
}

# rep_no_network NETLOG: the page requested no http(s), ws(s) or ftp URL
# (non-zero, with the URLs on stdout, when it did).
rep_no_network() {
    local urls
    urls=$(grep -oE '(https?|wss?|ftp)://[^"]{0,80}' "$1" | sort -u)
    [ -z "$urls" ] || { printf '%s\n' "$urls"; return 1; }
}

# rep_png_check PNG: decode the PNG (zlib and the five filter types, with
# Python's standard library alone) and check the page is not blank: many
# non-white pixels, several distinct colours, and the charts' own blue.
rep_png_check() {
    python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
pixels = []
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else:
            assert f == 0, "filter %d" % f
    pixels.append(bytes(line))
    prev = line
colours, ink, blue = set(), 0, 0
for row in pixels:
    for x in range(0, stride, bpp):
        px = row[x:x + 3]
        colours.add(px)
        if px != b"\xff\xff\xff":
            ink += 1
        if abs(px[0] - 0x1f) < 8 and abs(px[1] - 0x77) < 8 and abs(px[2] - 0xb4) < 8:
            blue += 1
total = w * h
print("%dx%d: %d non-white pixels (%.1f%%), %d colours, %d chart-blue" %
      (w, h, ink, 100.0 * ink / total, len(colours), blue))
ok = ink > total // 50 and len(colours) >= 8 and blue > 2000
sys.exit(0 if ok else 1)
PY
}

test_report_html_in_a_browser() {
    local browser out
    if ! browser=$(rep_browser); then
        [ "${CI:-}" != true ] || fail "no headless browser (chromium-headless-shell): tools/install-deps installs it"
        skip "no headless browser (tools/install-deps installs chromium-headless-shell)"
    fi
    rep_ledger
    expect_rc 0 report --party P-ADA --format html --out "$IT_TMP/ada.html"
    # a desktop and a phone
    rep_render "$browser" "$IT_TMP/ada.html" "$IT_TMP/desk.png" "$IT_TMP/desk.netlog" 1280 1600
    out=$(rep_png_check "$IT_TMP/desk.png") || fail "the desktop screenshot looks blank: $out"
    out=$(rep_no_network "$IT_TMP/desk.netlog") || fail "the page requested: $out"
    rep_render "$browser" "$IT_TMP/ada.html" "$IT_TMP/phone.png" "$IT_TMP/phone.netlog" 390 1600
    out=$(rep_png_check "$IT_TMP/phone.png") || fail "the phone screenshot looks blank: $out"
    out=$(rep_no_network "$IT_TMP/phone.netlog") || fail "the page requested: $out"
    # the checks can fail: one image from the network is seen, and a
    # blank page is blank
    sed 's|<body>|<body><img src="http://127.0.0.1:9/x.png" alt="">|' "$IT_TMP/ada.html" >"$IT_TMP/fetch.html"
    rep_render "$browser" "$IT_TMP/fetch.html" "$IT_TMP/fetch.png" "$IT_TMP/fetch.netlog" 1280 800
    rep_no_network "$IT_TMP/fetch.netlog" >/dev/null &&
        fail "the network check missed a page that fetches http://127.0.0.1:9/x.png"
    printf '<!DOCTYPE html><html><body></body></html>\n' >"$IT_TMP/blank.html"
    rep_render "$browser" "$IT_TMP/blank.html" "$IT_TMP/blank.png" "$IT_TMP/blank.netlog" 1280 800
    rep_png_check "$IT_TMP/blank.png" >/dev/null && fail "the blank check passed a blank page"
    return 0
}
