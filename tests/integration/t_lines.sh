# Integration tests of self-checking statement lines (SPEC §4): every line
# carries the party's share of its side of the work and the work's exact
# amount on that side before the split, so that share × work_exact = exact
# holds line by line, and verify refuses a line where it does not.

# A work split two ways on each side (master 1/3 + 2/3, publishing
# 1/4 + 3/4) under a licence with master_share 3/5, trained; and a second
# licence whose only work was not trained, so that its fee is unallocated.
ln_registry() {
    cat >"$1" <<'JSON'
{"parties": [
  {"id": "P-AI", "name": "AI", "kind": "licensee"},
  {"id": "P-L1", "name": "Label One", "kind": "label"},
  {"id": "P-L2", "name": "Label Two", "kind": "label"},
  {"id": "P-W1", "name": "Publisher One", "kind": "publisher"},
  {"id": "P-W2", "name": "Publisher Two", "kind": "publisher"}],
 "works": [
  {"id": "W1", "duration_ms": 1000, "splits": {
   "master": [{"party": "P-L1", "share": "1/3"}, {"party": "P-L2", "share": "2/3"}],
   "publishing": [{"party": "P-W1", "share": "1/4"}, {"party": "P-W2", "share": "3/4"}]}},
  {"id": "W2", "duration_ms": 1000, "splits": {
   "master": [{"party": "P-L2", "share": "1"}]}}],
 "consents": [
  {"id": "C1", "party": "P-L1", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C2", "party": "P-L2", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C3", "party": "P-W1", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"},
  {"id": "C4", "party": "P-W2", "all_works": true, "use": "training", "decision": "opt_in", "effective": "2026-01-01T00:00:00Z"}],
 "licences": [
  {"id": "L1", "licensee": "P-AI", "licensor": "P-L1", "scope": {"works": ["W1"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "1000.01", "master_share": "3/5"}},
  {"id": "L2", "licensee": "P-AI", "licensor": "P-L2", "scope": {"works": ["W2"]},
   "uses": ["training"], "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
   "terms": {"training_fee": "77.77"}}]}
JSON
}

# The split run into $1.
ln_run() {
    ln_registry "$IT_TMP/ln-reg.json"
    printf '%s\n' '{"model": "m", "training_run": "t1", "trained_at": "2026-02-01T00:00:00Z", "licensee": "P-AI", "items": [{"work": "W1"}]}' >"$IT_TMP/ln-m.json"
    printf '' >"$IT_TMP/ln-empty.ndjson"
    expect_rc 0 init
    expect_rc 0 load "$IT_TMP/ln-reg.json"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$IT_TMP/ln-m.json" \
        --logs "$IT_TMP/ln-empty.ndjson" --out "$1"
}

# The predicate of the statement $1, as JSON.
ln_predicate() {
    jq -r .payload "$1" | base64 -d | jq -c .predicate
}

test_lines_carry_share_and_work_exact() {
    out="$IT_TMP/ln-out"
    ln_run "$out"
    # (party, work, side) -> share, work_exact: W1's 1000.01 is 600.006
    # on the master side (× 3/5) and 400.004 on publishing
    want='P-L1 W1 master 1/3 300003/500
P-L2 W1 master 2/3 300003/500
P-L2 null null 1 7777/100
P-W1 W1 publishing 1/4 100001/250
P-W2 W1 publishing 3/4 100001/250'
    got=$(for p in P-L1 P-L2 P-W1 P-W2; do
        ln_predicate "$out/statements/$p.dsse.json" |
            jq -r --arg p "$p" '.lines[] | [$p, (.work // "null"), (.side // "null"), .share, .work_exact] | join(" ")'
    done)
    assert_eq "$got" "$want" "share and work_exact of the split work's lines"
    # share × work_exact = exact, line by line, in exact arithmetic
    for p in P-L1 P-L2 P-W1 P-W2; do
        ln_predicate "$out/statements/$p.dsse.json" | python3 -c '
import json, sys
from fractions import Fraction as F
for l in json.load(sys.stdin)["lines"]:
    assert F(l["share"]) * F(l["work_exact"]) == F(l["exact"]), l
' || fail "share × work_exact is not exact in $p's statement"
    done
    # the unallocated line: share 1, work_exact = exact
    ln_predicate "$out/statements/P-L2.dsse.json" |
        jq -e '.lines[] | select(.component == "unallocated") | .share == "1" and .work_exact == .exact' >/dev/null ||
        fail "the unallocated line is not share 1 of its own exact amount"
}

test_lines_verify_refuses_a_wrong_share_or_work_exact() {
    out="$IT_TMP/ln-out"
    ln_run "$out"
    t="$IT_TMP/ln-t"
    mkdir -p "$t"
    f="$out/statements/P-W2.dsse.json"
    # the harness: re-signed unchanged, it verifies
    st_resign "$f" "$t/P-W2.dsse.json" "pass"
    expect_rc 0 verify "$t/P-W2.dsse.json" --key "$PUB"
    # a share changed, subject digest recomputed, re-signed: the line's
    # product is what fails first
    st_resign_line "$f" "$t/P-W2.dsse.json" "l['share'] = '4/5'"
    expect_rc 1 verify "$t/P-W2.dsse.json" --key "$PUB"
    assert_contains "$ERR" "line 0 (licence L1, work W1, training, publishing): share 4/5 × work_exact 100001/250 is not exact"
    st_resign_line "$f" "$t/P-W2.dsse.json" "l['work_exact'] = '400'"
    expect_rc 1 verify "$t/P-W2.dsse.json" --key "$PUB"
    assert_contains "$ERR" "share 3/4 × work_exact 400 is not exact"
    st_resign_line "$f" "$t/P-W2.dsse.json" "del l['work_exact']"
    expect_rc 1 verify "$t/P-W2.dsse.json" --key "$PUB"
    assert_contains "$ERR" "work_exact must be a string"
}

# st_resign_line ENVELOPE OUT EDIT: apply EDIT to the first line l of the
# statement, recompute the subject digest over the predicate without its
# merkle member (so that only the line's own figures are wrong) and
# re-sign.
st_resign_line() {
    st_resign "$1" "$2" "
import hashlib
p = s['predicate']
l = p['lines'][0]
$3
bare = {k: v for k, v in p.items() if k != 'merkle'}
b = json.dumps(bare, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()
s['subject'][0]['digest']['sha256'] = hashlib.sha256(b).hexdigest()"
}

# The split run restated: the manifest now trains W2 and W3 (a work of
# P-W1's under no licence) but not W1, and the log uses W3 once.  So L1's
# fee is unallocated to P-L1, L2's goes to W2, W1's lines disappear (its
# publishers P-W1 and P-W2 are restated to zero) and W3 is excluded.
ln_restate() {
    cat >"$IT_TMP/ln-w3.json" <<'JSON'
{"works": [{"id": "W3", "isrc": "GBAYE6900003", "duration_ms": 1000, "splits": {
  "publishing": [{"party": "P-W1", "share": "1"}]}}]}
JSON
    printf '%s\n' '{"model": "m", "training_run": "t2", "trained_at": "2026-02-01T00:00:00Z", "licensee": "P-AI", "items": [{"work": "W2"}, {"work": "W3"}]}' >"$IT_TMP/ln-m2.json"
    printf '%s\n' '{"id": "g-1", "model": "m", "ts": "2026-08-01T00:00:00Z", "value": "1.00", "currency": "EUR", "attribution": [{"work": "W3", "weight": "0.5"}]}' >"$IT_TMP/ln-log2.ndjson"
    expect_rc 0 load "$IT_TMP/ln-w3.json"
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$IT_TMP/ln-m2.json" \
        --logs "$IT_TMP/ln-log2.ndjson" --out "$1"
}

# The lines of the statement $1 as "work side share exact amount previous
# adjustment", one a line.
ln_restated_lines() {
    ln_predicate "$1" |
        jq -r '.lines[] | [(.work // "-"), (.side // "-"), .share, .exact, .amount, .previous, .adjustment] | join(" ")'
}

test_lines_restatement_shows_previous_and_vanished_lines() {
    ln_run "$IT_TMP/ln-out"
    out="$IT_TMP/ln-out2"
    ln_restate "$out"
    # restated to zero: still a statement, its line kept at zero with
    # the registry's share and what it was
    for p in P-W1 P-W2; do
        [ -f "$out/statements/$p.dsse.json" ] || fail "no statement for $p, restated to zero"
    done
    assert_eq "$(ln_restated_lines "$out/statements/P-W2.dsse.json")" \
        "W1 publishing 3/4 0 0.00 300.00 -300.00" "P-W2's vanished line"
    assert_eq "$(ln_predicate "$out/statements/P-W2.dsse.json" | jq -c .totals)" \
        '[{"amount":"0.00","currency":"EUR","exact":"0"}]' "P-W2's totals"
    # a new line beside a vanished one; the licensor's unallocated line
    # is new (previous 0.00)
    assert_eq "$(ln_restated_lines "$out/statements/P-L1.dsse.json")" \
        "- - 1 100001/100 1000.01 0.00 1000.01
W1 master 1/3 0 0.00 200.00 -200.00" "P-L1's lines"
    # two vanished lines: one of a work (its share still 2/3), one
    # unallocated (no share now), in the ledger's order
    assert_eq "$(ln_restated_lines "$out/statements/P-L2.dsse.json")" \
        "W2 master 1 7777/100 77.77 0.00 77.77
W1 master 2/3 0 0.00 400.01 -400.01
- - 0 0 0.00 77.77 -77.77" "P-L2's lines"
    # the per-party restatement still says what the party had
    assert_eq "$(ln_predicate "$out/statements/P-L2.dsse.json" | jq -c .restatement.previous)" \
        '[{"amount":"477.78","currency":"EUR"}]' "P-L2's previous total"
    expect_rc 0 verify "$out"/statements/*.dsse.json --key "$PUB"
    v=$("$TOP/tools/verify-statement" --key "$PUB" "$out"/statements/*.dsse.json) ||
        fail "verify-statement refuses the restated statements: $v"
}

test_lines_exclusions_name_the_party_works_that_earned_nothing() {
    ln_run "$IT_TMP/ln-out"
    out="$IT_TMP/ln-out2"
    ln_restate "$out"
    # W3 is P-W1's: excluded from training (one item) and from the log's
    # usage (mass 0.5, value·weight 0.5, one event), both no_licence
    assert_eq "$(ln_predicate "$out/statements/P-W1.dsse.json" | jq -c .exclusions)" \
        '[{"events":1,"isrc":"GBAYE6900003","items":1,"reason":"no_licence","value_weight":"1/2","weight":"1/2","work":"W3"}]' \
        "P-W1's exclusions"
    # nobody else holds a share of W3; W2 earned, so P-L2 has none
    for p in P-L1 P-L2 P-W2; do
        assert_eq "$(ln_predicate "$out/statements/$p.dsse.json" | jq -c .exclusions)" "[]" \
            "$p's exclusions"
    done
    # a first posting has them too (the W2 item was not in it: nothing)
    assert_eq "$(ln_predicate "$IT_TMP/ln-out/statements/P-L2.dsse.json" | jq -c '.exclusions, .posting')" \
        "[]
1" "a first posting's exclusions and posting"
}
