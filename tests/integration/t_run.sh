# Integration tests of `ledgerline run` (SPEC §2.2, §2.3, §3, §4): small
# hand-computed scenarios, one or more per clause of §3, the outputs
# (payouts.csv, run.json, compliance.json) and the lines stored in the
# database, then the command's behaviour (idempotence, standard input,
# nothing stored or written on invalid input, usage errors) and the
# data-driven corpus of bad logs and manifests (tests/data/run/invalid).
#
# Every expected figure is computed by hand in the comment beside it.
# Money in the line dumps (rt_lines) is in minor units: EUR/USD 2 decimals,
# JPY 0, BHD 3.  "minor" = exact × 10^e; the licence total is
# round_half_even(minor); parties and lines get ⌊minor⌋ and the units left
# go one each to the largest fractional parts (ties: party id; then
# component, work id, side — byte order).

RUN_CORPUS="$DATA/run"
RUN_CORPUS_INVALID_MIN=20

# ---- helpers ---------------------------------------------------------------

# rt_init: a fresh working directory $RT for this test, the schema, and the
# common registry: parties, and opt-ins for training and generation from
# 2026-01-01 for P-LAB, P-PUB, P-A, P-B and P-C.  P-D, P-E, P-F and P-G have
# no consent records unless a test gives them some.
rt_init() {
    RT="$IT_TMP/${FUNCNAME[1]}"
    rm -rf "$RT"
    mkdir -p "$RT"
    expect_rc 0 init
    cat >"$RT/common.json" <<'JSON'
{"parties": [
  {"id": "P-AI", "name": "Synth Co", "kind": "licensee",
   "payout": {"method": "iban", "iban": "DE02120300000000202051", "bic": "BYLADEM1001", "currency": "EUR"}},
  {"id": "P-LAB", "name": "Lab Records", "kind": "label",
   "payout": {"method": "iban", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "currency": "EUR"}},
  {"id": "P-PUB", "name": "Pub Music", "kind": "publisher",
   "payout": {"method": "iban", "iban": "GB82WEST12345698765432", "bic": "WESTGB2L", "currency": "EUR"}},
  {"id": "P-A", "name": "Artist A", "kind": "artist", "payee": "P-LAB"},
  {"id": "P-B", "name": "Artist B", "kind": "artist", "payee": "P-LAB"},
  {"id": "P-C", "name": "Artist C", "kind": "artist",
   "payout": {"method": "iban", "iban": "FR1420041010050500013M02606", "currency": "EUR"}},
  {"id": "P-D", "name": "Writer D", "kind": "songwriter"},
  {"id": "P-E", "name": "Writer E", "kind": "songwriter"},
  {"id": "P-F", "name": "Artist F", "kind": "artist"},
  {"id": "P-G", "name": "Artist G", "kind": "artist"}
 ],
 "consents": [
  {"id": "C-LAB-T", "party": "P-LAB", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-LAB-G", "party": "P-LAB", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-PUB-T", "party": "P-PUB", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-PUB-G", "party": "P-PUB", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-A-T", "party": "P-A", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-A-G", "party": "P-A", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-B-T", "party": "P-B", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-B-G", "party": "P-B", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-C-T", "party": "P-C", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-C-G", "party": "P-C", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"}
 ]}
JSON
    expect_rc 0 load "$RT/common.json"
}

# rt_load: loads the registry JSON on stdin (works, licences, more
# consents or parties) on top of the common one.
rt_load() {
    cat >"$RT/registry.json"
    expect_rc 0 load "$RT/registry.json"
}

# rt_manifest FILE "ITEM..." [MODEL [TRAINING_RUN [TRAINED_AT]]]: a manifest
# of licensee P-AI (defaults: m-1, tr-1, 2026-06-01T00:00:00Z).  An ITEM is
# a work id or isrc:ISRC.
rt_manifest() {
    local file=$1 items="" it
    for it in $2; do
        case $it in
        isrc:*) it="{\"isrc\": \"${it#isrc:}\"}" ;;
        *) it="{\"work\": \"$it\"}" ;;
        esac
        items="${items:+$items, }$it"
    done
    printf '{"model": "%s", "training_run": "%s", "trained_at": "%s",\n "licensee": "P-AI",\n "items": [%s]}\n' \
        "${3:-m-1}" "${4:-tr-1}" "${5:-2026-06-01T00:00:00Z}" "$items" >"$file"
}

# rt_ev ID TS VALUE CURRENCY "REF=WEIGHT..." [VOICE]: one log line (model
# $EV_MODEL, default m-1).  REF is a work id or isrc:ISRC.
rt_ev() {
    local attrs="" a ref
    for a in $5; do
        ref=${a%%=*}
        case $ref in
        isrc:*) a="{\"isrc\": \"${ref#isrc:}\", \"weight\": \"${a#*=}\"}" ;;
        *) a="{\"work\": \"$ref\", \"weight\": \"${a#*=}\"}" ;;
        esac
        attrs="${attrs:+$attrs, }$a"
    done
    printf '{"id": "%s", "model": "%s", "ts": "%s", "value": "%s", "currency": "%s", "attribution": [%s]%s}\n' \
        "$1" "${EV_MODEL:-m-1}" "$2" "$3" "$4" "$attrs" "${6:+, \"voice\": \"$6\"}"
}

# rt_run [ARGS...]: a run for P-AI over $RT_PERIOD (default 2026-Q3) into
# $RT/out that must succeed; ARGS default to the manifest $RT/m.json and
# the log $RT/log.ndjson.  Sets RT_RUN to the run id.
rt_run() {
    if [ $# -eq 0 ]; then
        set -- --manifest "$RT/m.json" --logs "$RT/log.ndjson"
    fi
    expect_rc 0 run --licensee P-AI --period "${RT_PERIOD:-2026-Q3}" "$@" --out "$RT/out"
    RT_RUN=$(rt_py "$RT/out/run.json" 'print(d["run_id"])')
    [ -n "$RT_RUN" ] || fail "run.json has no run_id"
}

# rt_py FILE CODE [ARG...]: python code run with d = the JSON of FILE and
# the ARGs in sys.argv[2:].
rt_py() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv.pop(2))' "$@"
}

# rt_licence ID: the licence's rounded amount and exact components in
# run.json: "amount training usage minimum_guarantee unallocated total".
rt_licence() {
    rt_py "$RT/out/run.json" '
ls = [l for l in d["licences"] if l["licence"] == sys.argv[2]]
if not ls:
    print("no licence " + sys.argv[2] + " in run.json")
else:
    l = ls[0]; x = l["exact"]
    print(l["amount"], x["training"], x["usage"], x["minimum_guarantee"], x["unallocated"], x["total"])' "$1"
}

# rt_licence_ids: the licences in run.json, one per line.
rt_licence_ids() {
    rt_py "$RT/out/run.json" '
for l in d["licences"]: print(l["licence"])'
}

# rt_parties ID: "party exact amount" per party of licence ID in run.json.
rt_parties() {
    rt_py "$RT/out/run.json" '
for l in d["licences"]:
    if l["licence"] == sys.argv[2]:
        for p in l["parties"]: print(p["party"], p["exact"], p["amount"])' "$1"
}

# rt_lines: every line of the run as stored, in byte order of (licence,
# party, component, work, side): "licence party work component side exact
# minor" ("-" for an absent work or side).
rt_lines() {
    sql "$IT_DB" -v run="$RT_RUN" <<'SQL'
SELECT concat_ws(' ', licence, party, coalesce(work, '-'), component,
                 coalesce(side, '-'), exact, amount_minor)
  FROM ledgerline.run_line WHERE run_id = :'run'
 ORDER BY licence COLLATE "C", party COLLATE "C", component COLLATE "C",
          coalesce(work, '') COLLATE "C", coalesce(side, '') COLLATE "C";
SQL
}

# rt_payouts: payouts.csv without the header and the two digest columns
# (end_to_end_id is a hash, statement_sha256 not written yet).
rt_payouts() {
    head -n 1 "$RT/out/payouts.csv" | grep -qx 'payee_id,payee_name,currency,amount,iban,bic,end_to_end_id,statement_sha256' ||
        fail "payouts.csv header: $(head -n 1 "$RT/out/payouts.csv")"
    tail -n +2 "$RT/out/payouts.csv" | cut -d, -f1-6
}

# Compliance report sections, one finding per line.
rt_excluded() {
    rt_py "$RT/out/compliance.json" '
for x in d["excluded_items"]:
    k = "work" if "work" in x else "isrc"
    print(x["item"], k, x[k], x["reason"])'
}
rt_ineligible() {
    rt_py "$RT/out/compliance.json" '
for x in d["ineligible_attribution"]:
    ref = x["work"] if "work" in x else "isrc:" + x["isrc"]
    print(ref, x["reason"], x["weight"], x["value_weight"], x["events"])' | LC_ALL=C sort
}
rt_unattributed() {
    rt_py "$RT/out/compliance.json" '
u = d["unattributed"]; print(u["weight"], u["value_weight"], u["events"])'
}
rt_withdrawn() {
    rt_py "$RT/out/compliance.json" '
for x in d["training_consent_withdrawn"]:
    print(x["work"], x["model"], x["training_run"], x["trained_at"], x["withdrawn_at"], x["reason"])'
}

rt_count() {
    sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.$1"
}

# ---- §3 training component --------------------------------------------------

test_run_training_duration_basis() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 2000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-3", "duration_ms": 4000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-T", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"catalog_of": "P-LAB"},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "100", "training_basis": "duration"}}]}
JSON
    # the item's own duration_ms (999999) is informational: the catalogue's counts
    cat >"$RT/m.json" <<'JSON'
{"model": "m-1", "training_run": "tr-1", "trained_at": "2026-06-01T00:00:00Z", "licensee": "P-AI",
 "items": [{"work": "W-1", "duration_ms": 999999}, {"work": "W-2", "duration_ms": 2000}]}
JSON
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # Σb = 1000 + 2000 = 3000 (W-3 is not in the manifest);
    # W-1 = 100·1000/3000 = 100/3, W-2 = 100·2000/3000 = 200/3; total 100
    assert_eq "$(rt_licence L-T)" "100.00 100 0 0 0 100"
    assert_eq "$(rt_parties L-T)" "P-LAB 100 100.00"
    # minor: 3333.33 → 3333, 6666.67 → 6666, Σ 9999, one unit left → the
    # larger fraction (.67, W-2)
    assert_eq "$(rt_lines)" "L-T P-LAB W-1 training master 100/3 3333
L-T P-LAB W-2 training master 200/3 6667"
    assert_eq "$(rt_payouts)" "P-LAB,Lab Records,EUR,100.00,DE89370400440532013000,COBADEFFXXX"
    assert_eq "$(rt_py "$RT/out/run.json" 'print(d["licences"][0]["training_works"])')" "2"
}

test_run_training_count_basis() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 2000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-T", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "90.00", "training_basis": "count"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # b = 1 each, Σb = 2: 90/2 = 45 each (by duration it would be 30 and 60)
    assert_eq "$(rt_licence L-T)" "90.00 90 0 0 0 90"
    assert_eq "$(rt_lines)" "L-T P-LAB W-1 training master 45 4500
L-T P-LAB W-2 training master 45 4500"
}

test_run_training_work_counted_once_across_manifests() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "isrc": "GBAAA2600001", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 3000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-T", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "100", "training_basis": "count"}}]}
JSON
    # W-1 by id in one manifest, by its ISRC (hyphenated) in the other
    rt_manifest "$RT/m1.json" "W-1" m-1 tr-1
    rt_manifest "$RT/m2.json" "isrc:GB-AAA-26-00001 W-2" m-2 tr-2 2026-06-15T00:00:00Z
    { rt_ev e1 2026-07-15T00:00:00Z 0 EUR ""
      EV_MODEL=m-2 rt_ev e2 2026-07-15T00:00:00Z 0 EUR ""; } >"$RT/log.ndjson"
    rt_run --manifest "$RT/m1.json" "$RT/m2.json" --logs "$RT/log.ndjson"
    # works {W-1, W-2}, Σb = 2: 50 each (counting W-1 twice would give
    # 66.67 and 33.33)
    assert_eq "$(rt_licence L-T)" "100.00 100 0 0 0 100"
    assert_eq "$(rt_parties L-T)" "P-C 50 50.00
P-LAB 50 50.00"
    assert_eq "$(rt_py "$RT/out/run.json" 'print(d["licences"][0]["training_works"])')" "2"
}

# ---- §3 usage component -------------------------------------------------------

test_run_usage_component() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-U", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "0.5", "per_generation": "0.01"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    { rt_ev e1 2026-07-15T00:00:00Z 2.00 EUR "W-1=0.5 W-2=0.25"
      rt_ev e2 2026-08-15T00:00:00Z 1.00 EUR "W-1=1"
      rt_ev e3 2026-09-15T00:00:00Z 0 EUR "W-2=1/2"; } >"$RT/log.ndjson"
    rt_run
    # W-1: Σvw = 2·0.5 + 1·1 = 2, Σw = 1.5: 0.5·2 + 0.01·1.5 = 1.015 = 203/200
    # W-2: Σvw = 2·0.25 + 0·1/2 = 0.5, Σw = 0.75: 0.5·0.5 + 0.01·0.75 = 0.2575 = 103/400
    # total 1.2725 = 509/400 → 127.25 minor → 127 → 1.27
    assert_eq "$(rt_licence L-U)" "1.27 0 509/400 0 0 509/400"
    # P-LAB 101.5, P-C 25.75 → 101 + 25 = 126; one unit left → P-C (.75)
    assert_eq "$(rt_parties L-U)" "P-C 103/400 0.26
P-LAB 203/200 1.01"
    assert_eq "$(rt_lines)" "L-U P-C W-2 usage master 103/400 26
L-U P-LAB W-1 usage master 203/200 101"
    assert_eq "$(rt_payouts)" "P-C,Artist C,EUR,0.26,FR1420041010050500013M02606,
P-LAB,Lab Records,EUR,1.01,DE89370400440532013000,COBADEFFXXX"
    # unattributed: e1 1 − 0.75 = 0.25 (value·w 0.5), e3 0.5 (0): 3/4, 1/2, 2 events
    assert_eq "$(rt_unattributed)" "3/4 1/2 2"
    assert_eq "$(rt_py "$RT/out/run.json" 'c = d["counts"]; print(c["events"], c["attributions"])')" "3 4"
}

# ---- §3 minimum guarantee -----------------------------------------------------

# Works W-1 (P-LAB) and W-2 (P-C), training fee 10 by count, usage rate 1,
# one event of value 10 with W-1 at 0.3; minimum guarantee $1.
rt_mg_scenario() {
    rt_load <<JSON
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-M", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10", "training_basis": "count", "usage_rate": "1",
             "minimum_guarantee": "$1"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    rt_ev e1 2026-07-15T00:00:00Z 10 EUR "W-1=0.3" >"$RT/log.ndjson"
    rt_run
}

test_run_minimum_guarantee_binding() {
    rt_init
    rt_mg_scenario 100
    # training 5 + 5, usage W-1 = 1·10·0.3 = 3: W-1 8, W-2 5, total 13 < 100
    # shortfall 87 by (training + usage): W-1 87·8/13 = 696/13, W-2 87·5/13 = 435/13
    assert_eq "$(rt_licence L-M)" "100.00 10 3 87 0 100"
    # P-LAB 8 + 696/13 = 800/13 (6153.85 minor), P-C 5 + 435/13 = 500/13
    # (3846.15): 6153 + 3846 = 9999, one unit left → P-LAB (.85)
    assert_eq "$(rt_parties L-M)" "P-C 500/13 38.46
P-LAB 800/13 61.54"
    # P-LAB 6154: 5353.85 + 500 + 300 → 5353 + 500 + 300 = 6153, the unit
    # → the MG line; P-C 3846: 3346.15 + 500 → 3346 + 500 = 3846
    assert_eq "$(rt_lines)" "L-M P-C W-2 minimum_guarantee master 435/13 3346
L-M P-C W-2 training master 5 500
L-M P-LAB W-1 minimum_guarantee master 696/13 5354
L-M P-LAB W-1 training master 5 500
L-M P-LAB W-1 usage master 3 300"
}

test_run_minimum_guarantee_not_binding() {
    rt_init
    rt_mg_scenario 13.00
    # total 13 is not below 13: no top-up, no MG lines
    assert_eq "$(rt_licence L-M)" "13.00 10 3 0 0 13"
    assert_eq "$(rt_lines)" "L-M P-C W-2 training master 5 500
L-M P-LAB W-1 training master 5 500
L-M P-LAB W-1 usage master 3 300"
}

# ---- §3 unallocated -----------------------------------------------------------

test_run_unallocated_when_no_work_was_trained() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-D", "share": "1"}]}}],
 "consents": [
  {"id": "C-D-T", "party": "P-D", "all_works": true, "use": "training", "decision": "opt_out", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-D-G", "party": "P-D", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"}],
 "licences": [
  {"id": "L-N", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "50", "usage_rate": "0.5"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    rt_ev e1 2026-07-15T00:00:00Z 4 EUR "W-1=0.5" >"$RT/log.ndjson"
    rt_run
    # W-1 opted out of training: Σb = 0, the fee 50 is unallocated, owed to
    # the licensor P-LAB; usage W-1 = 0.5·4·0.5 = 1 → P-D; total 51
    assert_eq "$(rt_licence L-N)" "51.00 0 1 0 50 51"
    assert_eq "$(rt_lines)" "L-N P-D W-1 usage master 1 100
L-N P-LAB - unallocated - 50 5000"
    assert_eq "$(rt_excluded)" "0 work W-1 opted_out"
    # P-D has no payout account: its row has an empty iban and bic
    assert_eq "$(rt_payouts)" "P-D,Writer D,EUR,1.00,,
P-LAB,Lab Records,EUR,50.00,DE89370400440532013000,COBADEFFXXX"
}

test_run_unallocated_shortfall_over_zero_total() {
    rt_init
    # P-D and P-E have no consent at all: nothing under either licence is eligible
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-D", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-E", "share": "1"}]}}],
 "licences": [
  {"id": "L-Y", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10", "minimum_guarantee": "25"}},
  {"id": "L-Z", "licensee": "P-AI", "licensor": "P-PUB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1", "minimum_guarantee": "25.00"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    rt_ev e1 2026-07-15T00:00:00Z 3 EUR "W-1=1" >"$RT/log.ndjson"
    rt_run
    # L-Z: total 0 < 25, shortfall 25 over a zero work total → unallocated 25
    assert_eq "$(rt_licence L-Z)" "25.00 0 0 0 25 25"
    # L-Y: Σb = 0 → fee 10 unallocated; 10 < 25 → shortfall 15 over a zero
    # work total → unallocated too: one line of 10 + 15 = 25
    assert_eq "$(rt_licence L-Y)" "25.00 0 0 0 25 25"
    assert_eq "$(rt_lines)" "L-Y P-LAB - unallocated - 25 2500
L-Z P-PUB - unallocated - 25 2500"
    assert_eq "$(rt_ineligible)" "W-1 no_consent 1 3 1"
}

# ---- §3 work → parties --------------------------------------------------------

test_run_split_master_side_only() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"master": [{"party": "P-LAB", "share": "3/4"}, {"party": "P-A", "share": "1/4"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "100", "training_basis": "count", "master_share": "1/2"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # no publishing side: the master side takes all 100 despite master_share
    # 1/2: P-LAB 3/4 = 75, P-A 1/4 = 25
    assert_eq "$(rt_lines)" "L-1 P-A W-1 training master 25 2500
L-1 P-LAB W-1 training master 75 7500"
    # P-A is paid through P-LAB: 75 + 25
    assert_eq "$(rt_payouts)" "P-LAB,Lab Records,EUR,100.00,DE89370400440532013000,COBADEFFXXX"
}

test_run_split_publishing_side_only() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"publishing": [{"party": "P-PUB", "share": "2/3"}, {"party": "P-C", "share": "1/3"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-PUB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "90", "training_basis": "count", "master_share": "3/4"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # no master side: publishing takes all 90: P-PUB 2/3 = 60, P-C 1/3 = 30
    assert_eq "$(rt_licence L-1)" "90.00 90 0 0 0 90"
    assert_eq "$(rt_lines)" "L-1 P-C W-1 training publishing 30 3000
L-1 P-PUB W-1 training publishing 60 6000"
}

test_run_master_share_half_and_three_quarters() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}],
                                               "publishing": [{"party": "P-PUB", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}],
                                               "publishing": [{"party": "P-PUB", "share": "1"}]}}],
 "licences": [
  {"id": "L-H", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "100", "training_basis": "count"}},
  {"id": "L-Q", "licensee": "P-AI", "licensor": "P-PUB", "scope": {"works": ["W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "100", "training_basis": "count", "master_share": "3/4"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # L-H: master_share absent = 1/2: 50 / 50; L-Q: 3/4: 75 master, 25 publishing
    assert_eq "$(rt_lines)" "L-H P-LAB W-1 training master 50 5000
L-H P-PUB W-1 training publishing 50 5000
L-Q P-LAB W-2 training master 75 7500
L-Q P-PUB W-2 training publishing 25 2500"
    # P-LAB 50 + 75 = 125, P-PUB 50 + 25 = 75
    assert_eq "$(rt_payouts)" "P-LAB,Lab Records,EUR,125.00,DE89370400440532013000,COBADEFFXXX
P-PUB,Pub Music,EUR,75.00,GB82WEST12345698765432,WESTGB2L"
}

test_run_party_on_both_sides() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"master": [{"party": "P-A", "share": "1/2"}, {"party": "P-LAB", "share": "1/2"}],
              "publishing": [{"party": "P-A", "share": "1/4"}, {"party": "P-PUB", "share": "3/4"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"catalog_of": "P-A"},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "80", "training_basis": "count"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # master 80/2 = 40: P-A 20, P-LAB 20; publishing 40: P-A 10, P-PUB 30
    assert_eq "$(rt_lines)" "L-1 P-A W-1 training master 20 2000
L-1 P-A W-1 training publishing 10 1000
L-1 P-LAB W-1 training master 20 2000
L-1 P-PUB W-1 training publishing 30 3000"
    # P-A's total is both lines: 20 + 10 = 30
    assert_eq "$(rt_parties L-1)" "P-A 30 30.00
P-LAB 20 20.00
P-PUB 30 30.00"
}

test_run_payee_routing_two_artists_one_row() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"master": [{"party": "P-B", "share": "1/2"}, {"party": "P-A", "share": "1/2"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10.01", "training_basis": "count"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # 10.01 → 1001 minor; P-A, P-B 500.5 each → 500 + 500, one unit left,
    # a tie → the smaller party id, P-A
    assert_eq "$(rt_parties L-1)" "P-A 1001/200 5.01
P-B 1001/200 5.00"
    # statements stay per party, the money goes to the payee P-LAB: one row
    assert_eq "$(rt_payouts)" "P-LAB,Lab Records,EUR,10.01,DE89370400440532013000,COBADEFFXXX"
    assert_eq "$(rt_py "$RT/out/run.json" '
for p in d["payouts"]: print(p["payee"], p["currency"], p["amount"], p["parties"])')" "P-LAB EUR 10.01 2"
}

test_run_payee_row_with_zero_amount() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"master": [{"party": "P-LAB", "share": "999/1000"}, {"party": "P-C", "share": "1/1000"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "1.00", "training_basis": "count"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # P-LAB 0.999 = 99.9 minor, P-C 0.001 = 0.1: 99 + 0, one unit → P-LAB (.9)
    assert_eq "$(rt_lines)" "L-1 P-C W-1 training master 1/1000 0
L-1 P-LAB W-1 training master 999/1000 100"
    # P-C has a non-zero exact line but nothing to pay: its earnings stay
    # in run.json at 0.00, and no payment of 0.00 is ever made (SPEC §5)
    assert_eq "$(rt_payouts)" "P-LAB,Lab Records,EUR,1.00,DE89370400440532013000,COBADEFFXXX"
    assert_eq "$(python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["payouts"]: print(p["payee"], p["amount"])' "$RT/out/run.json")" "P-C 0.00
P-LAB 1.00"
}

# ---- §3 rounding ----------------------------------------------------------------

# Works W-1 (P-A), W-2 (P-B), W-3 (P-C), one training fee by count in $1
# of $2, all three trained.
rt_three_works_in() {
    rt_load <<JSON
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-A", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-B", "share": "1"}]}},
  {"id": "W-3", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-X", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2", "W-3"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "$1",
   "terms": {"training_fee": "$2", "training_basis": "count"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2 W-3"
    rt_ev e1 2026-07-15T00:00:00Z 0 "$1" "" >"$RT/log.ndjson"
    rt_run
}

test_run_jpy_exponent_zero() {
    rt_init
    rt_three_works_in JPY 1000.5
    # T = 1000.5 yen → round half even → 1000 (0 is even), written "1000"
    assert_eq "$(rt_licence L-X)" "1000 2001/2 0 0 0 2001/2"
    # each 1000.5/3 = 333.5 → 333·3 = 999, one unit, a three-way tie → P-A
    assert_eq "$(rt_parties L-X)" "P-A 667/2 334
P-B 667/2 333
P-C 667/2 333"
    # P-LAB is payee of P-A and P-B: 334 + 333
    assert_eq "$(rt_payouts)" "P-C,Artist C,JPY,333,FR1420041010050500013M02606,
P-LAB,Lab Records,JPY,667,DE89370400440532013000,COBADEFFXXX"
}

test_run_bhd_three_decimals() {
    rt_init
    rt_three_works_in BHD 10
    # T = 10 → 10000 fils; each 10/3 = 3333.33 fils → 3333·3 = 9999, one
    # unit, a tie → P-A
    assert_eq "$(rt_licence L-X)" "10.000 10 0 0 0 10"
    assert_eq "$(rt_parties L-X)" "P-A 10/3 3.334
P-B 10/3 3.333
P-C 10/3 3.333"
    assert_eq "$(rt_payouts)" "P-C,Artist C,BHD,3.333,FR1420041010050500013M02606,
P-LAB,Lab Records,BHD,6.667,DE89370400440532013000,COBADEFFXXX"
}

test_run_rounding_half_even_licence_total() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-3", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-4", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.125"}},
  {"id": "L-2", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-2"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.135"}},
  {"id": "L-3", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-3"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.1251"}},
  {"id": "L-4", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-4"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "BHD",
   "terms": {"training_fee": "0.0125"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2 W-3 W-4"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # 0.125 → 12.5 → 12 (even); 0.135 → 13.5 → 14 (even); 0.1251 → 12.51
    # → 13 (above the half); BHD 0.0125 → 12.5 fils → 12
    assert_eq "$(rt_licence L-1)" "0.12 1/8 0 0 0 1/8"
    assert_eq "$(rt_licence L-2)" "0.14 27/200 0 0 0 27/200"
    assert_eq "$(rt_licence L-3)" "0.13 1251/10000 0 0 0 1251/10000"
    assert_eq "$(rt_licence L-4)" "0.012 1/80 0 0 0 1/80"
    # the one party and its one line take the rounded total
    assert_eq "$(rt_lines)" "L-1 P-C W-1 training master 1/8 12
L-2 P-C W-2 training master 27/200 14
L-3 P-C W-3 training master 1251/10000 13
L-4 P-C W-4 training master 1/80 12"
    # EUR 0.12 + 0.14 + 0.13 = 0.39; BHD 0.012
    assert_eq "$(rt_payouts)" "P-C,Artist C,BHD,0.012,FR1420041010050500013M02606,
P-C,Artist C,EUR,0.39,FR1420041010050500013M02606,"
}

test_run_rounding_party_ties_by_party_id() {
    rt_init
    # byte order: "X-C" < "X-a" < "X-b" (a case-insensitive or locale order
    # would put X-C last)
    rt_load <<'JSON'
{"parties": [
  {"id": "X-b", "name": "X b", "kind": "artist"},
  {"id": "X-a", "name": "X a", "kind": "artist"},
  {"id": "X-C", "name": "X C", "kind": "artist"}],
 "consents": [
  {"id": "C-Xb", "party": "X-b", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-Xa", "party": "X-a", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-XC", "party": "X-C", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"}],
 "works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"master": [{"party": "X-b", "share": "1/2"}, {"party": "X-C", "share": "1/2"}]}},
  {"id": "W-2", "duration_ms": 1000,
   "splits": {"master": [{"party": "X-b", "share": "1/3"}, {"party": "X-a", "share": "1/3"},
                         {"party": "X-C", "share": "1/3"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.01"}},
  {"id": "L-2", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-2"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.02"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # L-1: 1 minor unit, 0.5 each → the tie goes to X-C
    assert_eq "$(rt_parties L-1)" "X-C 1/200 0.01
X-b 1/200 0.00"
    # L-2: 2 units, 2/3 each → 0 + 0 + 0, two units left, a three-way tie:
    # X-C, then X-a
    assert_eq "$(rt_parties L-2)" "X-C 1/150 0.01
X-a 1/150 0.01
X-b 1/150 0.00"
}

test_run_rounding_line_ties() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-9", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-10", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-5", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-6", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}],
                                               "publishing": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-7", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-W", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-9", "W-10"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.01", "training_basis": "count"}},
  {"id": "L-C", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-5"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "0.5", "minimum_guarantee": "0.01"}},
  {"id": "L-S", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-6"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.01"}},
  {"id": "L-U", "licensee": "P-AI", "licensor": "P-C", "scope": {"works": ["W-7"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "0.005", "usage_rate": "0.5"}}]}
JSON
    rt_manifest "$RT/m.json" "W-9 W-10 W-6 W-7"
    { rt_ev e1 2026-07-15T00:00:00Z 0.01 EUR "W-5=1"
      rt_ev e2 2026-07-15T00:00:00Z 0.01 EUR "W-7=1"; } >"$RT/log.ndjson"
    rt_run
    # each licence: one party P-C with 1 minor unit over two lines of 0.5:
    # L-C: usage 0.5·0.01·1 = 0.005, MG shortfall 0.01 − 0.005 = 0.005:
    #      component tie → "minimum_guarantee" < "usage"
    # L-S: master 0.005, publishing 0.005: side tie → "master"
    # L-U: its licensor P-C: the fee 0.005 is unallocated (L-U does not
    #      cover training) and W-7 earns 0.5·0.01·1 = 0.005: component tie
    #      → "unallocated" (no work) < "usage"
    # L-W: 0.005 on W-9 and W-10: work id tie → "W-10" < "W-9" (bytes)
    assert_eq "$(rt_lines)" "L-C P-C W-5 minimum_guarantee master 1/200 1
L-C P-C W-5 usage master 1/200 0
L-S P-C W-6 training master 1/200 1
L-S P-C W-6 training publishing 1/200 0
L-U P-C - unallocated - 1/200 1
L-U P-C W-7 usage master 1/200 0
L-W P-C W-10 training master 1/200 1
L-W P-C W-9 training master 1/200 0"
}

# ---- §3 eligibility ------------------------------------------------------------

test_run_eligibility_no_licence() {
    rt_init
    # L-OTHER covers W-2, but for another licensee
    rt_load <<'JSON'
{"parties": [{"id": "P-AI2", "name": "Other AI", "kind": "licensee"}],
 "works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10", "usage_rate": "1"}},
  {"id": "L-OTHER", "licensee": "P-AI2", "licensor": "P-LAB", "scope": {"works": ["W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10", "usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=0.5 W-2=0.25" >"$RT/log.ndjson"
    rt_run
    # W-2 has no licence: no training share, no usage. W-1: 10 + 1·2·0.5 = 11
    assert_eq "$(rt_licence L-1)" "11.00 10 1 0 0 11"
    assert_eq "$(rt_excluded)" "1 work W-2 no_licence"
    # W-2: weight 1/4, value·weight 2·1/4 = 1/2, 1 event
    assert_eq "$(rt_ineligible)" "W-2 no_licence 1/4 1/2 1"
    assert_eq "$(rt_licence_ids)" "L-1" "another licensee's licence is part of the run"
}

test_run_eligibility_licence_dates_inclusive() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}},
  {"id": "W-3", "duration_ms": 1000, "splits": {"master": [{"party": "P-C", "share": "1"}]}}],
 "licences": [
  {"id": "L-D", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-07-10", "end": "2026-08-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}},
  {"id": "L-OLD", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-06-30", "currency": "EUR",
   "terms": {"training_fee": "100"}},
  {"id": "L-NEW", "licensee": "P-AI", "licensor": "P-PUB", "scope": {"works": ["W-3"]},
   "uses": ["training", "generation"], "start": "2026-09-30", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "7"}}]}
JSON
    rt_manifest "$RT/m.json" "W-3"
    { rt_ev e1 2026-07-09T23:59:59Z 1 EUR "W-1=1"
      rt_ev e2 2026-07-10T00:00:00Z 2 EUR "W-1=1"
      rt_ev e3 2026-08-31T23:59:59Z 4 EUR "W-1=1"
      rt_ev e4 2026-09-01T00:00:00Z 8 EUR "W-1=1"; } >"$RT/log.ndjson"
    rt_run
    # L-D covers 2026-07-10T00:00:00Z up to the end of 2026-08-31: e2 and
    # e3 earn 2 + 4 = 6; e1 and e4 are unlicensed (weight 2, 1 + 8 = 9)
    assert_eq "$(rt_licence L-D)" "6.00 0 6 0 0 6"
    assert_eq "$(rt_ineligible)" "W-1 no_licence 2 9 2"
    # L-OLD ended before the period: not part of the run. L-NEW starts on
    # its last day: active, and its fee 7 (W-3 was trained before it
    # started) is unallocated to P-PUB
    assert_eq "$(rt_licence_ids)" "L-D
L-NEW"
    assert_eq "$(rt_licence L-NEW)" "7.00 0 0 0 7 7"
    assert_eq "$(rt_excluded)" "0 work W-3 no_licence"
}

test_run_eligibility_no_consent_record() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"master": [{"party": "P-C", "share": "1/2"}, {"party": "P-D", "share": "1/2"}]}}],
 "consents": [
  {"id": "C-D-G", "party": "P-D", "all_works": true, "use": "generation", "decision": "opt_in",
   "effective": "2026-09-01T00:00:00Z"}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "20", "usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    { rt_ev e1 2026-07-15T00:00:00Z 3 EUR "W-1=1"
      rt_ev e2 2026-09-01T00:00:00Z 5 EUR "W-1=1"; } >"$RT/log.ndjson"
    rt_run
    # P-D has no training record at all: the item is excluded, the fee 20 is
    # unallocated. Generation: no record before 2026-09-01 (e1: no_consent,
    # though P-C opted in); e2 earns 5, split 5/2 + 5/2
    assert_eq "$(rt_excluded)" "0 work W-1 no_consent"
    assert_eq "$(rt_ineligible)" "W-1 no_consent 1 3 1"
    assert_eq "$(rt_licence L-1)" "25.00 0 5 0 20 25"
    assert_eq "$(rt_lines)" "L-1 P-C W-1 usage master 5/2 250
L-1 P-D W-1 usage master 5/2 250
L-1 P-LAB - unallocated - 20 2000"
}

test_run_eligibility_opt_out_mid_period() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-D", "share": "1"}]}}],
 "consents": [
  {"id": "C-D-G", "party": "P-D", "all_works": true, "use": "generation", "decision": "opt_in",
   "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-D-G1", "party": "P-D", "work": "W-1", "use": "generation", "decision": "opt_out",
   "effective": "2026-08-15T00:00:00Z"}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-08-14T23:59:59Z 1 EUR "W-1=1"
      rt_ev e2 2026-08-15T00:00:00Z 2 EUR "W-1=1"
      rt_ev e3 2026-09-10T00:00:00Z 4 EUR "W-1=0.5"; } >"$RT/log.ndjson"
    rt_run
    # e1 (before the opt-out) earns 1; the opt-out decides from its
    # effective instant on: e2, e3 weight 1 + 0.5, value·weight 2 + 2
    assert_eq "$(rt_licence L-1)" "1.00 0 1 0 0 1"
    assert_eq "$(rt_ineligible)" "W-1 opted_out 3/2 4 2"
    assert_eq "$(rt_withdrawn)" ""
}

test_run_consent_precedence_ties() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-D", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-E", "share": "1"}]}},
  {"id": "W-3", "duration_ms": 1000, "splits": {"master": [{"party": "P-F", "share": "1"}]}},
  {"id": "W-4", "duration_ms": 1000, "splits": {"master": [{"party": "P-G", "share": "1"}]}}],
 "consents": [
  {"id": "C-D-all", "party": "P-D", "all_works": true, "use": "generation", "decision": "opt_out", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-D-W1", "party": "P-D", "work": "W-1", "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-E-in", "party": "P-E", "work": "W-2", "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-E-out", "party": "P-E", "work": "W-2", "use": "generation", "decision": "opt_out", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-F-out", "party": "P-F", "all_works": true, "use": "generation", "decision": "opt_out", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-F-in", "party": "P-F", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-G-W4", "party": "P-G", "work": "W-4", "use": "generation", "decision": "opt_out", "effective": "2026-02-01T00:00:00Z"},
  {"id": "C-G-all", "party": "P-G", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-03-01T00:00:00Z"}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2", "W-3", "W-4"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-07-15T00:00:00Z 1 EUR "W-1=1"
      rt_ev e2 2026-07-15T00:00:00Z 1 EUR "W-2=1"
      rt_ev e3 2026-07-15T00:00:00Z 1 EUR "W-3=1"
      rt_ev e4 2026-07-15T00:00:00Z 1 EUR "W-4=1"; } >"$RT/log.ndjson"
    rt_run
    # W-1: same instant, W-1's own opt-in beats the all_works opt-out → earns 1
    # W-2: same instant, both name W-2: opt_out beats opt_in
    # W-3: same instant, both all_works: opt_out beats opt_in
    # W-4: the latest record decides: the later all_works opt-in → earns 1
    assert_eq "$(rt_lines)" "L-1 P-D W-1 usage master 1 100
L-1 P-G W-4 usage master 1 100"
    assert_eq "$(rt_ineligible)" "W-2 opted_out 1 1 1
W-3 opted_out 1 1 1"
}

test_run_zero_share_party_needs_no_consent() {
    rt_init
    # P-D holds a zero share and has no consent record at all
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000,
   "splits": {"master": [{"party": "P-LAB", "share": "1"}, {"party": "P-D", "share": "0"}],
              "publishing": [{"party": "P-PUB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"catalog_of": "P-LAB"},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10", "usage_rate": "1"}},
  {"id": "L-2", "licensee": "P-AI", "licensor": "P-D", "scope": {"catalog_of": "P-D"},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=1" >"$RT/log.ndjson"
    # L-2's catalogue (works where P-D holds a non-zero share) is empty: were
    # W-1 in it, two licences would cover W-1 and the run would fail
    rt_run
    # W-1 eligible: 10 + 1·2·1 = 12; master 6 → P-LAB, publishing 6 → P-PUB
    assert_eq "$(rt_licence L-1)" "12.00 10 2 0 0 12"
    assert_eq "$(rt_lines)" "L-1 P-LAB W-1 training master 5 500
L-1 P-LAB W-1 usage master 1 100
L-1 P-PUB W-1 training publishing 5 500
L-1 P-PUB W-1 usage publishing 1 100"
    assert_eq "$(rt_licence L-2)" "0.00 0 0 0 0 0"
    assert_eq "$(rt_excluded)" ""
    assert_eq "$(rt_ineligible)" ""
    # no line, no row for P-D
    assert_eq "$(rt_payouts)" "P-LAB,Lab Records,EUR,6.00,DE89370400440532013000,COBADEFFXXX
P-PUB,Pub Music,EUR,6.00,GB82WEST12345698765432,WESTGB2L"
}

test_run_item_counts_under_the_licence_in_force() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-A", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-08-15", "currency": "EUR",
   "terms": {"training_fee": "10", "usage_rate": "1"}},
  {"id": "L-B", "licensee": "P-AI", "licensor": "P-PUB", "scope": {"catalog_of": "P-LAB"},
   "uses": ["training", "generation"], "start": "2026-08-16", "end": "2026-12-31", "currency": "USD",
   "terms": {"training_fee": "20", "usage_rate": "2"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    { rt_ev e1 2026-08-15T23:59:59Z 1 EUR "W-1=1"
      rt_ev e2 2026-08-16T00:00:00Z 3 USD "W-1=1"
      rt_ev e3 2026-08-16T00:00:00Z 5 EUR "W-1=1"; } >"$RT/log.ndjson"
    rt_run
    # trained 2026-06-01, under L-A: its fee 10; e1 (L-A's last second) 1·1
    assert_eq "$(rt_licence L-A)" "11.00 10 1 0 0 11"
    # W-1 was not trained under L-B: its fee 20 is unallocated (to P-PUB);
    # e2 2·3 = 6; e3 is EUR under a USD licence: earns nothing
    assert_eq "$(rt_licence L-B)" "26.00 0 6 0 20 26"
    assert_eq "$(rt_ineligible)" "W-1 currency_mismatch 1 5 1"
    assert_eq "$(rt_payouts)" "P-LAB,Lab Records,EUR,11.00,DE89370400440532013000,COBADEFFXXX
P-LAB,Lab Records,USD,6.00,DE89370400440532013000,COBADEFFXXX
P-PUB,Pub Music,USD,20.00,GB82WEST12345698765432,WESTGB2L"
}

test_run_period_month_and_date_range() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-08-01T00:00:00Z 1 EUR "W-1=1"
      rt_ev e2 2026-08-31T23:59:59.999999Z 2 EUR "W-1=1"; } >"$RT/log.ndjson"
    RT_PERIOD=2026-08 rt_run
    # 1 + 2, both inside August
    assert_eq "$(rt_licence L-1)" "3.00 0 3 0 0 3"
    assert_eq "$(rt_py "$RT/out/run.json" 'p = d["period"]; print(p["label"], p["first"], p["last"])')" "2026-08 2026-08-01 2026-08-31"
    { rt_ev e3 2026-09-01T00:00:00Z 4 EUR "W-1=1"
      rt_ev e4 2026-09-02T23:59:59Z 8 EUR "W-1=1"; } >"$RT/log2.ndjson"
    rm -rf "$RT/out"
    RT_PERIOD=2026-09-01..2026-09-02 rt_run --manifest "$RT/m.json" --logs "$RT/log2.ndjson"
    # 4 + 8; a period of its own: posted, not a restatement of August
    assert_eq "$(rt_licence L-1)" "12.00 0 12 0 0 12"
    assert_contains "$OUT" "posted:"
    assert_eq "$(rt_count run)" "2"
    # e1 is outside a September period
    expect_rc 3 run --licensee P-AI --period 2026-09 --manifest "$RT/m.json" --logs "$RT/log.ndjson" --out "$RT/o3"
    assert_contains "$ERR" "log.ndjson:1: ts: event on 2026-08-01 is outside the run period 2026-09 (2026-09-01..2026-09-30)"
}

# ---- §3 compliance report --------------------------------------------------------

test_run_voice_without_opt_in_reported() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "consents": [
  {"id": "C-A-V", "party": "P-A", "all_works": true, "use": "voice", "decision": "opt_in",
   "effective": "2026-08-01T00:00:00Z"}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-07-31T12:00:00Z 1 EUR "W-1=1" P-A
      rt_ev e2 2026-08-02T12:00:00Z 1 EUR "W-1=1" P-A
      rt_ev e3 2026-08-03T12:00:00Z 1 EUR "W-1=1" P-C
      rt_ev e4 2026-08-04T12:00:00Z 1 EUR "W-1=1"
      rt_ev e5 2026-08-05T12:00:00Z 1 EUR "W-1=1" P-NOBODY; } >"$RT/log.ndjson"
    rt_run
    # e1: P-A's voice opt-in is not yet effective; e3: P-C has no voice
    # record; e5: no such party. e2 (in force) and e4 (no voice) are fine
    assert_eq "$(rt_py "$RT/out/compliance.json" '
v = d["voice_without_consent"]
print(v["events"], v["unknown_party_events"], v["truncated"])
for p in v["by_party"]: print(p["party"], p["events"])
for e in v["listed"]: print(e["id"], e["voice"], e["ts"], e["log"].rsplit("/", 1)[-1], e["line"])')" "3 1 False
P-A 1
P-C 1
e1 P-A 2026-07-31T12:00:00Z log.ndjson 1
e3 P-C 2026-08-03T12:00:00Z log.ndjson 3
e5 P-NOBODY 2026-08-05T12:00:00Z log.ndjson 5"
    # a report, not an exclusion: all five events earn 1 each
    assert_eq "$(rt_licence L-1)" "5.00 0 5 0 0 5"
}

test_run_training_consent_withdrawn_reported() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-D", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-D", "share": "1"}]}}],
 "consents": [
  {"id": "C-D-T", "party": "P-D", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-D-G", "party": "P-D", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-D-T1", "party": "P-D", "work": "W-1", "use": "training", "decision": "opt_out", "effective": "2026-07-01T00:00:00Z"},
  {"id": "C-D-T2", "party": "P-D", "work": "W-2", "use": "training", "decision": "opt_out", "effective": "2026-08-01T00:00:00Z"}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10", "training_basis": "count", "usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1 W-2"
    rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=1" >"$RT/log.ndjson"
    rt_run
    # both were consented at trained_at (2026-06-01): 5 each; W-1 earns
    # usage 2 after its training consent was withdrawn (2026-07-01): reported.
    # W-2's was withdrawn too but it earned no usage: not reported
    assert_eq "$(rt_licence L-1)" "12.00 10 2 0 0 12"
    assert_eq "$(rt_withdrawn)" "W-1 m-1 tr-1 2026-06-01T00:00:00Z 2026-07-01T00:00:00Z opted_out"
}

# Only a trained work can have its training consent withdrawn "after
# trained_at": W-1's only item was excluded (hash mismatch), so it is not
# listed, though it earns usage after the opt-out like W-2, which is.
test_run_withdrawn_consent_ignores_excluded_items() {
    local h=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    rt_init
    rt_load <<JSON
{"works": [
  {"id": "W-1", "duration_ms": 1000, "content_sha256": "$h", "splits": {"master": [{"party": "P-D", "share": "1"}]}},
  {"id": "W-2", "duration_ms": 1000, "content_sha256": "$h", "splits": {"master": [{"party": "P-D", "share": "1"}]}}],
 "consents": [
  {"id": "C-D-T", "party": "P-D", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-D-G", "party": "P-D", "all_works": true, "use": "generation", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C-D-X", "party": "P-D", "all_works": true, "use": "training", "decision": "opt_out", "effective": "2026-07-01T00:00:00Z"}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-2"]},
   "uses": ["training", "generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "10", "training_basis": "count", "usage_rate": "1"}}]}
JSON
    printf '{"model": "m-1", "training_run": "tr-1", "trained_at": "2026-06-01T00:00:00Z", "licensee": "P-AI",
 "items": [{"work": "W-1", "content_sha256": "%064d"}, {"work": "W-2", "content_sha256": "%s"}]}\n' 0 "$h" >"$RT/m.json"
    rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=0.5 W-2=0.5" >"$RT/log.ndjson"
    rt_run
    assert_eq "$(rt_excluded)" "0 work W-1 hash_mismatch"
    # training 10 to W-2 alone; usage 1 + 1
    assert_eq "$(rt_licence L-1)" "12.00 10 2 0 0 12"
    assert_eq "$(rt_withdrawn)" "W-2 m-1 tr-1 2026-06-01T00:00:00Z 2026-07-01T00:00:00Z opted_out"
}

test_run_unattributed_mass_reported() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=0.25"
      rt_ev e2 2026-07-15T00:00:00Z 1 EUR ""
      rt_ev e3 2026-07-15T00:00:00Z 3 EUR "W-1=1"
      rt_ev e4 2026-07-15T00:00:00Z 0.5 EUR "W-1=1/3"; } >"$RT/log.ndjson"
    rt_run
    # unattributed: e1 0.75 (value·w 1.5), e2 1 (1), e3 none, e4 2/3 (1/3):
    # weight 3/4 + 1 + 2/3 = 29/12, value·weight 3/2 + 1 + 1/3 = 17/6, 3 events
    assert_eq "$(rt_unattributed)" "29/12 17/6 3"
    # never renormalised: W-1 earns 2·0.25 + 3 + 0.5/3 = 11/3 → 366.67 → 3.67
    assert_eq "$(rt_licence L-1)" "3.67 0 11/3 0 0 11/3"
}

test_run_unknown_work_in_log_reported() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-NOPE=0.5 isrc:US-RC1-76-07839=0.25 W-1=0.25"
      rt_ev e2 2026-07-16T00:00:00Z 4 EUR "W-NOPE=0.5"; } >"$RT/log.ndjson"
    rt_run
    # not an error: reported with its mass. W-NOPE: 0.5 + 0.5, 2·0.5 + 4·0.5
    # = 3, 2 events; the ISRC (canonical form): 0.25, 0.5, 1 event
    assert_eq "$(rt_ineligible)" "W-NOPE unknown_work 1 3 2
isrc:USRC17607839 unknown_work 1/4 1/2 1"
    # W-1: 2·0.25 = 0.5
    assert_eq "$(rt_licence L-1)" "0.50 0 1/2 0 0 1/2"
}

test_run_hash_mismatch_excluded() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]},
   "content_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]},
   "content_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
  {"id": "W-3", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"catalog_of": "P-LAB"},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "30", "training_basis": "count"}}]}
JSON
    # W-1: the same digest in upper case (matches); W-2: W-1's digest (a
    # mismatch); W-3: no catalogue digest to compare with
    cat >"$RT/m.json" <<'JSON'
{"model": "m-1", "training_run": "tr-1", "trained_at": "2026-06-01T00:00:00Z", "licensee": "P-AI",
 "items": [
  {"work": "W-1", "content_sha256": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"},
  {"work": "W-2", "content_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
  {"work": "W-3", "content_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}
JSON
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    assert_eq "$(rt_excluded)" "1 work W-2 hash_mismatch"
    # Σb = 2 (W-1, W-3): 15 each
    assert_eq "$(rt_lines)" "L-1 P-LAB W-1 training master 15 1500
L-1 P-LAB W-3 training master 15 1500"
}

test_run_currency_mismatch_reported() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1", "per_generation": "0.1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=0.5"
      rt_ev e2 2026-07-16T00:00:00Z 4 USD "W-1=0.5"; } >"$RT/log.ndjson"
    rt_run
    # only the EUR event earns: 1·2·0.5 + 0.1·0.5 = 1.05 (e2's per-generation
    # fee is not owed either)
    assert_eq "$(rt_licence L-1)" "1.05 0 21/20 0 0 21/20"
    # e2: weight 1/2, value·weight 4·1/2 = 2, 1 event
    assert_eq "$(rt_ineligible)" "W-1 currency_mismatch 1/2 2 1"
}

test_run_excluded_items_every_reason() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]},
   "content_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
  {"id": "W-2", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}},
  {"id": "W-3", "duration_ms": 1000, "splits": {"master": [{"party": "P-G", "share": "1"}]}},
  {"id": "W-4", "duration_ms": 1000, "splits": {"master": [{"party": "P-D", "share": "1"}]}},
  {"id": "W-5", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "consents": [
  {"id": "C-D-T", "party": "P-D", "all_works": true, "use": "training", "decision": "opt_out", "effective": "2026-01-01T00:00:00Z"}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1", "W-3", "W-4", "W-5"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "12", "training_basis": "count"}}]}
JSON
    cat >"$RT/m.json" <<'JSON'
{"model": "m-1", "training_run": "tr-1", "trained_at": "2026-06-01T00:00:00Z", "licensee": "P-AI",
 "items": [
  {"work": "W-NOPE"},
  {"isrc": "GB-ZZZ-26-99999", "duration_ms": 1000},
  {"work": "W-1", "content_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
  {"work": "W-2"},
  {"work": "W-3"},
  {"work": "W-4"},
  {"work": "W-5"}]}
JSON
    rt_ev e1 2026-07-15T00:00:00Z 0 EUR "" >"$RT/log.ndjson"
    rt_run
    # W-2: in no licence; W-3: P-G has no record; W-4: P-D opted out
    assert_eq "$(rt_excluded)" "0 work W-NOPE unknown_work
1 isrc GBZZZ2699999 unknown_work
2 work W-1 hash_mismatch
3 work W-2 no_licence
4 work W-3 no_consent
5 work W-4 opted_out"
    assert_eq "$(rt_py "$RT/out/compliance.json" '
x = d["excluded_items"][0]; print(x["manifest"] == sys.argv[2], x["model"], x["training_run"])' "$RT/m.json")" "True m-1 tr-1"
    # only W-5 trained: all 12
    assert_eq "$(rt_lines)" "L-1 P-LAB W-5 training master 12 1200"
    assert_eq "$(rt_py "$RT/out/run.json" 'c = d["counts"]; print(c["manifest_items"], c["excluded_items"])')" "7 6"
}

# ---- the command ------------------------------------------------------------------

test_run_twice_is_idempotent() {
    local demo="$DATA/demo" f
    rt_init
    expect_rc 0 load "$demo"/registry/*.json
    set -- --manifest "$demo/manifest-harmony-2.json" --logs "$demo/generations-2026-q3.ndjson"
    rt_run "$@"
    assert_contains "$OUT" "posted:"
    cp -a "$RT/out" "$RT/first"
    entries=$(rt_count journal_entry)
    rt_run "$@"
    assert_contains "$OUT" "already"
    assert_contains "$OUT" "nothing new stored"
    # every output file (whatever the run writes) byte for byte, and nothing
    # else left behind (no staging directory)
    diff -r "$RT/first" "$RT/out" >&2 || fail "the second run's outputs differ from the first's"
    for f in payouts.csv run.json compliance.json; do
        [ -f "$RT/out/$f" ] || fail "no $f"
    done
    # a third run into a new directory writes the same bytes
    mv "$RT/out" "$RT/second"
    rt_run "$@"
    diff -r "$RT/first" "$RT/out" >&2 || fail "a run into a fresh --out wrote different bytes"
    assert_eq "$(rt_count run)" "1" "the second run stored a second run"
    assert_eq "$(rt_count journal_entry)" "$entries" "the second run posted journal entries"
}

test_run_logs_from_stdin() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=0.5"
      rt_ev e2 2026-07-16T00:00:00Z 3 EUR "W-1=1"; } >"$RT/log.ndjson"
    rt_run --manifest "$RT/m.json" --logs - <"$RT/log.ndjson"
    # 2·0.5 + 3·1 = 4
    assert_eq "$(rt_licence L-1)" "4.00 0 4 0 0 4"
    assert_eq "$(rt_py "$RT/out/run.json" '
l = d["inputs"]["logs"][0]; print(l["source"], l["sha256"], l["lines"])')" \
        "- $(sha256sum <"$RT/log.ndjson" | cut -d' ' -f1) 2"
    # the manifest from standard input: the same evidence, the same run
    rm -rf "$RT/out"
    rt_run --manifest - --logs "$RT/log.ndjson" <"$RT/m.json"
    assert_contains "$OUT" "already"
    assert_eq "$(rt_licence L-1)" "4.00 0 4 0 0 4"
    # the duplicate check re-reads its input: standard input too
    rt_ev e1 2026-07-17T00:00:00Z 1 EUR "" >>"$RT/log.ndjson"
    run run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" --logs - --out "$RT/out2" <"$RT/log.ndjson"
    [ "$RC" -eq 3 ] || fail "a duplicate id on standard input: exit $RC, expected 3
stderr: $ERR"
    assert_eq "$ERR" 'ledgerline: -:3: id: duplicate event id "e1" (first at -:1)
ledgerline: 1 error: nothing was run'
}

test_run_invalid_input_leaves_nothing() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-1", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["generation"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "1"}}]}
JSON
    rt_manifest "$RT/m.json" ""
    { rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=0.5"
      rt_ev e2 2026-10-01T00:00:00Z 3 EUR "W-1=1"; } >"$RT/bad.ndjson"
    # --out missing: not created
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" --logs "$RT/bad.ndjson" --out "$RT/absent"
    assert_contains "$ERR" "bad.ndjson:2: ts: event on 2026-10-01 is outside the run period"
    assert_contains "$ERR" "ledgerline: 1 error: nothing was run"
    [ ! -e "$RT/absent" ] || fail "a rejected run created --out: $(ls -A "$RT/absent")"
    # --out empty: stays empty (no staging directory left behind either)
    mkdir "$RT/empty"
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" --logs "$RT/bad.ndjson" --out "$RT/empty"
    assert_eq "$(ls -A "$RT/empty")" "" "a rejected run left files in --out"
    assert_eq "$(rt_count run)" "0" "a rejected run was stored"
    assert_eq "$(rt_count run_line)" "0" "a rejected run stored lines"
    assert_eq "$(rt_count posting)" "0" "a rejected run was posted"
    assert_eq "$(rt_count journal_entry)" "0" "a rejected run was posted"
    # an error found late (a licence conflict, met while tallying) after a
    # good run of the period: the good run stays, nothing new is written
    rt_ev e1 2026-07-15T00:00:00Z 2 EUR "W-1=0.5" >"$RT/good.ndjson"
    rt_run --manifest "$RT/m.json" --logs "$RT/good.ndjson"
    cat >"$RT/conflict.json" <<'JSON'
{"licences": [
  {"id": "L-2", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"catalog_of": "P-LAB"},
   "uses": ["generation"], "start": "2026-07-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"usage_rate": "2"}}]}
JSON
    expect_rc 0 load "$RT/conflict.json"
    runs=$(rt_count run)
    entries=$(rt_count journal_entry)
    rm -rf "$RT/late"
    mkdir "$RT/late"
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" --logs "$RT/good.ndjson" --out "$RT/late"
    assert_contains "$ERR" 'both cover work "W-1" for generation on 2026-07-15'
    assert_contains "$ERR" "nothing was run"
    assert_eq "$(ls -A "$RT/late")" "" "a rejected run left files in --out"
    assert_eq "$(rt_count run)" "$runs" "a rejected run was stored"
    assert_eq "$(rt_count journal_entry)" "$entries" "a rejected run was posted"
}

# "Any invalid record stops the run: every error is listed" (run --help;
# SPEC §1.5): a bad manifest must not hide the errors of the logs.
test_run_reports_manifest_and_log_errors_together() {
    rt_init
    cat >"$RT/m.json" <<'JSON'
{"model": "m-1", "training_run": "tr-1", "trained_at": "2026-06-01T00:00:00Z", "licensee": "P-AI",
 "items": [{"work": "W-1", "isrc": "GBAAA2600001"}]}
JSON
    rt_ev e1 2026-07-15T00:00:00Z 1 EUR "" >"$RT/log.ndjson"
    sed -i 's/"value": "1"/"value": 1/' "$RT/log.ndjson"
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" --logs "$RT/log.ndjson" --out "$RT/o"
    assert_contains "$ERR" 'm.json:2: items[0]: an item names exactly one of "work" or "isrc"'
    assert_contains "$ERR" 'log.ndjson:1: value: must be an exact string such as "0.25" or "1/4", not a JSON number'
    assert_contains "$ERR" "ledgerline: 2 errors: nothing was run"
}

# The same evidence given twice, even under two paths, would count it
# twice: the run names both sources and stores and writes nothing.
test_run_same_input_twice_is_invalid() {
    local demo="$DATA/demo" m l
    rt_init
    expect_rc 0 load "$demo"/registry/*.json
    m="$demo/manifest-harmony-2.json"
    l="$demo/generations-2026-q3.ndjson"
    cp "$m" "$RT/copy.json"
    cp "$l" "$RT/copy.ndjson"
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$m" "$RT/copy.json" --logs "$l" --out "$RT/o"
    assert_eq "$ERR" "ledgerline: $RT/copy.json: manifest given twice: same SHA-256 as $m
ledgerline: 1 error: nothing was run"
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$m" --logs "$l" --manifest "$m" --out "$RT/o"
    assert_contains "$ERR" "ledgerline: $m: manifest given twice: same SHA-256 as $m"
    # a log: its repeat is named once, not as a duplicate id per event
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$m" --logs "$l" "$RT/copy.ndjson" --out "$RT/o"
    assert_eq "$ERR" "ledgerline: $RT/copy.ndjson: log given twice: same SHA-256 as $l
ledgerline: 1 error: nothing was run"
    # ... and the errors of the other logs are still listed
    EV_MODEL=m-harmony-2 rt_ev g-x 2026-10-01T00:00:00Z 1 EUR "" >"$RT/late.ndjson"
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$m" --logs "$RT/copy.ndjson" "$RT/late.ndjson" "$l" --out "$RT/o"
    assert_contains "$ERR" "ledgerline: $l: log given twice: same SHA-256 as $RT/copy.ndjson"
    assert_contains "$ERR" "late.ndjson:1: ts: event on 2026-10-01 is outside the run period"
    assert_contains "$ERR" "ledgerline: 2 errors: nothing was run"
    [ ! -e "$RT/o" ] || fail "a rejected run created --out"
    assert_eq "$(rt_count run)" "0" "a rejected run was stored"
    assert_eq "$(rt_count journal_entry)" "0" "a rejected run was posted"
}

# Minor units are 64-bit in the ledger: a licence total beyond is invalid
# input (exit 3) that names the licence; nothing is stored or written.
test_run_total_beyond_64_bits_is_invalid() {
    rt_init
    rt_load <<'JSON'
{"works": [
  {"id": "W-1", "duration_ms": 1000, "splits": {"master": [{"party": "P-LAB", "share": "1"}]}}],
 "licences": [
  {"id": "L-BIG", "licensee": "P-AI", "licensor": "P-LAB", "scope": {"works": ["W-1"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "100000000000000000000"}}]}
JSON
    rt_manifest "$RT/m.json" "W-1"
    : >"$RT/log.ndjson"
    expect_rc 3 run --licensee P-AI --period 2026-Q3 --manifest "$RT/m.json" --logs "$RT/log.ndjson" --out "$RT/o"
    assert_eq "$ERR" "ledgerline: the total of licence \"L-BIG\" (EUR) is too large for the ledger's 64-bit minor units (at most 9223372036854775807)"
    [ ! -e "$RT/o" ] || fail "a rejected run created --out"
    assert_eq "$(rt_count run)" "0" "a rejected run was stored"
}

test_run_missing_options_is_usage_error() {
    local m="$DATA/demo/manifest-harmony-2.json" l="$DATA/demo/generations-2026-q3.ndjson"
    rt_init
    expect_rc 2 run --period 2026-Q3 --manifest "$m" --logs "$l" --out "$RT/o"
    assert_contains "$ERR" "are required"
    expect_rc 2 run --licensee P-AI --manifest "$m" --logs "$l" --out "$RT/o"
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --logs "$l" --out "$RT/o"
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --manifest "$m" --out "$RT/o"
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --manifest "$m" --logs "$l"
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --manifest --logs "$l" --out "$RT/o"
    assert_contains "$ERR" "--manifest needs at least one FILE"
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --manifest "$m" --logs "$l" --out
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --manifest "$m" --logs "$l" --out "$RT/o" --bogus
    expect_rc 2 run --licensee P-AI --period 2026-Q3 --manifest - --logs - --out "$RT/o"
    assert_contains "$ERR" "standard input ('-') given twice"
    [ ! -e "$RT/o" ] || fail "a usage error created --out"
    assert_eq "$(rt_count run)" "0"
}

test_run_bad_period_is_usage_error() {
    local m="$DATA/demo/manifest-harmony-2.json" l="$DATA/demo/generations-2026-q3.ndjson" p
    rt_init
    for p in 2026-Q5 2026-Q0 2026-13 2026-00 26-Q3 2026-9 2026 Q3-2026 2026-Q3x \
        2026-09-30..2026-07-01 2026-02-30..2026-03-31 2026-07-01.. ..2026-09-30 ""; do
        expect_rc 2 run --licensee P-AI --period "$p" --manifest "$m" --logs "$l" --out "$RT/o"
        assert_contains "$ERR" "invalid period \"$p\"" "period '$p'"
    done
    [ ! -e "$RT/o" ] || fail "a usage error created --out"
}

test_run_unknown_licensee_is_invalid_input() {
    local m="$DATA/demo/manifest-harmony-2.json" l="$DATA/demo/generations-2026-q3.ndjson"
    rt_init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    expect_rc 3 run --licensee P-NOPE --period 2026-Q3 --manifest "$m" --logs "$l" --out "$RT/o"
    assert_contains "$ERR" 'ledgerline: --licensee: unknown party "P-NOPE"'
    # a party that is not a licensee
    expect_rc 3 run --licensee P-NW --period 2026-Q3 --manifest "$m" --logs "$l" --out "$RT/o"
    assert_contains "$ERR" 'ledgerline: --licensee: party "P-NW" is not a licensee'
    [ ! -e "$RT/o" ] || fail "a rejected run created --out"
    assert_eq "$(rt_count run)" "0"
}

# ---- the corpus of bad logs and manifests ----------------------------------------

# invalid/<case>/: manifest.json, log.ndjson [, log2.ndjson] [, args] and
# error.  Run from inside the case directory, on top of the demo
# registries: `ledgerline run ARGS --out DIR`, where ARGS is the content of
# `args` (words) or, without it, `--licensee P-AI --period 2026-Q3
# --manifest manifest.json --logs log.ndjson [log2.ndjson]`.  Must exit 3,
# print exactly `error` on stderr, store nothing and leave DIR empty.
test_invalid_run_corpus() {
    local dir case_name n=0 failed=0 bad rc out args before
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    for dir in "$RUN_CORPUS"/invalid/*/; do
        [ -d "$dir" ] || continue
        dir=${dir%/}
        case_name=${dir##*/}
        n=$((n + 1))
        bad=0
        if [ ! -f "$dir/error" ]; then
            echo "    FAIL: invalid/$case_name: has no error file" >&2
            failed=$((failed + 1))
            continue
        fi
        if [ -f "$dir/args" ]; then
            read -r -d '' -a args <"$dir/args"
        else
            args=(--licensee P-AI --period 2026-Q3 --manifest manifest.json --logs log.ndjson)
            [ -f "$dir/log2.ndjson" ] && args+=(log2.ndjson)
        fi
        out="$IT_TMP/corpus-out"
        rm -rf "$out"
        mkdir "$out"
        before="$(rt_count run) $(rt_count journal_entry)"
        (cd "$dir" && "$LL" run "${args[@]}" --out "$out") >"$IT_TMP/corpus.out" 2>"$IT_TMP/corpus.err"
        rc=$?
        if [ "$rc" -ne 3 ]; then
            echo "    FAIL: invalid/$case_name: exited $rc, expected 3" >&2
            sed 's/^/      stdout: /' "$IT_TMP/corpus.out" >&2
            sed 's/^/      stderr: /' "$IT_TMP/corpus.err" >&2
            bad=1
        elif ! diff -u --label "invalid/$case_name/error" --label "actual stderr" \
            "$dir/error" "$IT_TMP/corpus.err" >"$IT_TMP/corpus.diff"; then
            echo "    FAIL: invalid/$case_name: stderr differs from the error file" >&2
            sed 's/^/      /' "$IT_TMP/corpus.diff" >&2
            bad=1
        fi
        if [ -n "$(ls -A "$out")" ]; then
            echo "    FAIL: invalid/$case_name: left files in --out: $(ls -A "$out" | tr '\n' ' ')" >&2
            bad=1
        fi
        if [ "$(rt_count run) $(rt_count journal_entry)" != "$before" ]; then
            echo "    FAIL: invalid/$case_name: the rejected run was stored" >&2
            bad=1
        fi
        failed=$((failed + bad))
    done
    [ "$n" -ge "$RUN_CORPUS_INVALID_MIN" ] ||
        fail "only $n invalid cases under $RUN_CORPUS/invalid, expected at least $RUN_CORPUS_INVALID_MIN"
    [ "$failed" -eq 0 ] || fail "$failed of $n invalid run cases failed"
    echo "    $n invalid run cases refused as expected"
}

# Inputs over https:// (SPEC §3): a TLS server on the loopback interface
# (openssl s_server -WWW, a self-signed certificate trusted through
# LEDGERLINE_CA_FILE) serves the demo manifest and log; the run must give
# the same figures as from local files.  An untrusted certificate and a
# server that is gone are network errors (exit 5) and leave nothing behind.
test_run_reads_https_inputs() {
    command -v openssl >/dev/null || { echo "skipped: no openssl" >&2; return 0; }
    local d="$IT_TMP/https-$$" port pid
    mkdir -p "$d/www"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 ||
        fail "cannot make a test certificate"
    cp "$DATA/demo/manifest-harmony-2.json" "$d/www/manifest.json"
    cp "$DATA/demo/generations-2026-q3.ndjson" "$d/www/log.ndjson"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd "$d/www" && exec openssl s_server -WWW -accept "127.0.0.1:$port" \
        -cert "$d/cert.pem" -key "$d/key.pem" -quiet) >/dev/null 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null' EXIT
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
        sleep 0.2
    done
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    url="https://127.0.0.1:$port"
    LEDGERLINE_CA_FILE="$d/cert.pem" expect_rc 0 run --licensee P-AI --period 2026-Q3 \
        --manifest "$url/manifest.json" --logs "$url/log.ndjson" --out "$d/out"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$d/local"
    assert_eq "$(cut -d, -f1-4 "$d/out/payouts.csv")" "$(cut -d, -f1-4 "$d/local/payouts.csv")" \
        "payouts over https differ from the local run's"
    # the same bytes: the same input digests
    grep -q "$(sha256sum "$d/www/log.ndjson" | cut -d' ' -f1)" "$d/out/run.json" ||
        fail "run.json lacks the downloaded log's digest"
    # not trusted, and not there: network errors, nothing written
    expect_rc 5 run --licensee P-AI --period 2026-Q3 \
        --manifest "$url/manifest.json" --logs "$url/log.ndjson" --out "$d/untrusted"
    assert_contains "$ERR" "download failed"
    [ ! -e "$d/untrusted" ] || fail "a failed download wrote outputs"
    # the server gone: connection refused (openssl s_server -WWW cannot
    # answer a missing file with a real 404, so that case is not tested)
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    LEDGERLINE_CA_FILE="$d/cert.pem" expect_rc 5 run --licensee P-AI --period 2026-Q3 \
        --manifest "$url/manifest.json" --logs "$url/log.ndjson" --out "$d/gone"
    assert_contains "$ERR" "download failed"
    [ ! -e "$d/gone" ] || fail "a failed download wrote outputs"
}
