# Integration tests of `ledgerline disclose` (SPEC §6): figures checked
# against the manifests and compliance.json, computed independently here.

DEMO_REG="$DATA/demo/registry"
DEMO_MF="$DATA/demo/manifest-harmony-2.json"

dis_demo_run() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO_REG"/*.json
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$DEMO_MF" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$1"
}

# hours = Σ eligible duration_ms / 3.6e6, half-even to 2 decimals, from the
# manifest and compliance.json's excluded items
dis_expected_hours() {
    python3 - "$DEMO_MF" "$1/compliance.json" <<'PY'
import json, sys
from fractions import Fraction
from decimal import Decimal, ROUND_HALF_EVEN
m = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
ex = {x["item"] for x in c["excluded_items"]}
ms = sum(it.get("duration_ms", 0) for i, it in enumerate(m["items"]) if i not in ex)
h = Fraction(ms, 3600000)
print((Decimal(h.numerator) / Decimal(h.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))
PY
}

test_disclose_from_ledger() {
    newdb dis_ledger
    dis_demo_run "$IT_TMP/out"
    model=$(jq -r .model "$DEMO_MF")
    expect_rc 0 disclose --model "$model" --format json --out "$IT_TMP/d.json"
    hours=$(dis_expected_hours "$IT_TMP/out" | tail -1)
    got=$(jq -r .general_information.licensed_hours "$IT_TMP/d.json")
    assert_eq "$got" "$hours" "licensed hours ($(jq -c .excluded_items "$IT_TMP/out/compliance.json"))"
    assert_eq "$(jq -r .schema "$IT_TMP/d.json")" "https://ledgerline.dev/disclose/v1"
    # exclusions per reason equal compliance.json's
    for r in unknown_work hash_mismatch no_licence no_consent opted_out; do
        a=$(jq --arg r "$r" '[.excluded_items[] | select(.reason == $r)] | length' "$IT_TMP/out/compliance.json")
        b=$(jq --arg r "$r" '.data_processing.exclusions[] | select(.reason == $r) | .items' "$IT_TMP/d.json")
        assert_eq "$b" "$a" "excluded items for $r"
    done
    # the same run again stores nothing twice
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$DEMO_MF" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$IT_TMP/out"
    expect_rc 0 disclose --model "$model" --format json
    assert_eq "$(printf '%s' "$OUT" | jq -r .general_information.licensed_hours)" "$hours"
    # md and html carry the same figure; no artist name appears
    expect_rc 0 disclose --model "$model" --format md
    assert_contains "$OUT" "$hours"
    md=$OUT
    expect_rc 0 disclose --model "$model" --format html
    assert_contains "$OUT" "$hours"
    html=$OUT
    for name in $(jq -r '.parties[] | select(.kind == "artist" or .kind == "songwriter") | .name | @base64' "$DEMO_REG"/*.json 2>/dev/null); do
        n=$(printf '%s' "$name" | base64 -d)
        case "$md$html" in *"$n"*) fail "artist name '$n' in the summary" ;; esac
    done
    expect_rc 3 disclose --model no-such-model
    expect_rc 2 disclose --model "$model" --format pdf
}

test_disclose_manifest_before_run() {
    newdb dis_manifest
    expect_rc 0 init
    expect_rc 0 load "$DEMO_REG"/*.json
    model=$(jq -r .model "$DEMO_MF")
    expect_rc 0 disclose --model "$model" --format json --manifest "$DEMO_MF"
    assert_eq "$(printf '%s' "$OUT" | jq -r .general_information.model)" "$model"
    expect_rc 3 disclose --model other-model --manifest "$DEMO_MF"
}
