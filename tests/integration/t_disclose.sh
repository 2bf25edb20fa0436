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

# ---- the fixture of tests/data/disclose ----------------------------------

DIS_FIX="$DATA/disclose"
DIS_JUNE="$DIS_FIX/manifest-harmony-2-june.json"
DIS_JUNE2="$DIS_FIX/manifest-harmony-2-june-restated.json"

# The demo registry with the fixture's parties (distinctive individuals'
# names, a label name with < and &).
dis_fixture_load() {
    expect_rc 0 init
    expect_rc 0 load "$DEMO_REG/works.json" "$DEMO_REG/consents.json" \
        "$DEMO_REG/licences.json" "$DIS_FIX/parties.json"
}

# dis_expected OUT.json COMPLIANCE.json LAST_UPDATE MANIFEST...: the JSON
# summary disclose must print, computed here from the manifest files, the
# registry files and the run's compliance.json (which items it excluded,
# and why), independently of ledgerline's code.  Only the members this
# computes are compared (dis_compare).
dis_expected() {
    python3 - "$@" "$DEMO_REG/works.json" "$DEMO_REG/licences.json" "$DIS_FIX/parties.json" <<'PY'
import json, sys
from fractions import Fraction
from decimal import Decimal, ROUND_HALF_EVEN
out, comp, last_update = sys.argv[1:4]
manifests = sys.argv[4:-3]
works = json.load(open(sys.argv[-3]))["works"]
licences = json.load(open(sys.argv[-2]))["licences"]
parties = {p["id"]: p for p in json.load(open(sys.argv[-1]))["parties"]}
compliance = json.load(open(comp))
def hours(ms):
    h = Fraction(ms, 3600000)
    return str((Decimal(h.numerator) / Decimal(h.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))
by_isrc = {w["isrc"].replace("-", "").upper(): w for w in works if "isrc" in w}
by_id = {w["id"]: w for w in works}
def work_of(it):
    if "work" in it:
        return by_id.get(it["work"])
    return by_isrc.get(it["isrc"].replace("-", "").upper())
def holders(w):
    return {s["party"] for side in w["splits"].values() for s in side if Fraction(s["share"]) != 0}
def licensor_of(w):
    for l in licences:
        sc = l["scope"]
        if w["id"] in sc.get("works", []) or sc.get("catalog_of") in holders(w):
            return l["licensor"]
    raise SystemExit("no licence for " + w["id"])
excluded = {}
for x in compliance["excluded_items"]:
    excluded[(x["training_run"], x["item"])] = x["reason"]
individual = {"artist", "songwriter"}
runs, lic_works, rh = [], set(), set()
tot = dict(items=0, lic_items=0, lic_ms=0, nodur=0)
lors = {}
excl = {r: [0, 0] for r in ["unknown_work", "hash_mismatch", "no_licence", "no_consent", "opted_out"]}
licensee = None
for path in manifests:
    m = json.load(open(path))
    licensee = m["licensee"]
    n_lic = ms = 0
    for i, it in enumerate(m["items"]):
        d = it.get("duration_ms", 0)
        reason = excluded.get((m["training_run"], i))
        if reason:
            excl[reason][0] += 1
            excl[reason][1] += d
            continue
        w = work_of(it)
        n_lic += 1
        ms += d
        tot["nodur"] += "duration_ms" not in it
        lic_works.add(w["id"])
        rh |= holders(w)
        lo = lors.setdefault(licensor_of(w), [set(), 0, 0])
        lo[0].add(w["id"]); lo[1] += 1; lo[2] += d
    import hashlib
    runs.append({"training_run": m["training_run"], "trained_at": m["trained_at"],
                 "manifest_sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
                 "items": len(m["items"]), "licensed_items": n_lic,
                 "licensed_ms": ms, "licensed_hours": hours(ms)})
    tot["items"] += len(m["items"]); tot["lic_items"] += n_lic; tot["lic_ms"] += ms
ms = tot["lic_ms"]
H = 3600000
bin_ = "under_10k_hours" if ms < 10000 * H else "10k_to_1m_hours" if ms <= 1000000 * H else "over_1m_hours"
org = sorted((k for k in lors if parties[k]["kind"] not in individual), key=lambda k: (parties[k]["name"], k))
ind = [k for k in lors if parties[k]["kind"] in individual]
ex_items = sum(v[0] for v in excl.values()); ex_ms = sum(v[1] for v in excl.values())
unused = {"used": False}
want = {
  "schema": "https://ledgerline.dev/disclose/v1",
  "general_information": {
    "provider": {"id": licensee, "name": parties[licensee]["name"]},
    "model": json.load(open(manifests[0]))["model"],
    "training_runs": sorted(runs, key=lambda r: (r["trained_at"], r["training_run"])),
    "modality": "audio",
    "items": tot["items"], "licensed_items": tot["lic_items"], "licensed_works": len(lic_works),
    "licensed_items_without_duration": tot["nodur"],
    "licensed_ms": ms, "licensed_hours": hours(ms), "size_bin": bin_,
    "last_update": last_update},
  "data_sources": {
    "publicly_available_datasets": unused, "other_private_datasets": unused,
    "crawled_data": unused, "user_data": unused, "synthetic_data": unused, "other_sources": unused,
    "commercially_licensed": {
      "used": tot["lic_items"] > 0,
      "licensors": [{"id": k, "name": parties[k]["name"], "kind": parties[k]["kind"],
                     "works": len(lors[k][0]), "items": lors[k][1], "ms": lors[k][2],
                     "hours": hours(lors[k][2])} for k in org],
      "individual_licensors": {"count": len(ind), "works": len(set().union(*[lors[k][0] for k in ind])) if ind else 0,
                               "items": sum(lors[k][1] for k in ind), "ms": sum(lors[k][2] for k in ind),
                               "hours": hours(sum(lors[k][2] for k in ind))},
      "rights_holders": len(rh),
      "individual_rights_holders": len([p for p in rh if parties[p]["kind"] in individual])}},
  "data_processing": {
    "reservation_of_rights": {"consent": "opt_in_required", "opt_outs_honoured_at": "trained_at"},
    "exclusions": [{"reason": r, "items": v[0], "ms": v[1], "hours": hours(v[1])} for r, v in excl.items()],
    "excluded_items": ex_items, "excluded_ms": ex_ms, "excluded_hours": hours(ex_ms)}}
json.dump(want, open(out, "w"), indent=1, sort_keys=True)
PY
}

# dis_compare WANT.json GOT.json: every member of WANT, as a path, has the
# same value in GOT (the reservation text and the template title are
# ledgerline's wording and not computed here).
dis_compare() {
    python3 - "$1" "$2" <<'PY' || fail "the summary differs from the figures computed from the manifests"
import json, sys
want, got = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
def walk(w, g, path):
    if isinstance(w, dict):
        if not isinstance(g, dict):
            bad.append((path, w, g)); return
        for k in w:
            walk(w[k], g.get(k, "<absent>"), path + "." + k)
    elif isinstance(w, list):
        if not isinstance(g, list) or len(g) != len(w):
            bad.append((path, w, g)); return
        for i, (a, b) in enumerate(zip(w, g)):
            walk(a, b, "%s[%d]" % (path, i))
    elif w != g or type(w) != type(g):
        bad.append((path, w, g))
walk(want, got, "")
for p, w, g in bad:
    print("    %s: want %r, got %r" % (p, w, g), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# The UTC date of the latest posting (the summary's last update).
dis_last_posting_date() {
    sql "$IT_DB" -c "SELECT to_char(max(posted_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM ledgerline.posting"
}

# No individual's name (artist, songwriter) of the registry loaded
# appears in FILE...; the names are read back from the database, and the
# fixture's two must be among them, so that the check cannot be vacuous.
dis_no_individual_names() {
    local names f n
    names=$(sql "$IT_DB" -c "SELECT DISTINCT body->>'name' FROM ledgerline.registry_record
                              WHERE kind = 'party' AND body->>'kind' IN ('artist', 'songwriter')")
    case $names in *"Zephyrine Quillfeather"*) ;; *) fail "the fixture's artist is not in the registry: $names" ;; esac
    case $names in *"Octavian Brightwater-Nakamura"*) ;; *) fail "the fixture's songwriter is not in the registry: $names" ;; esac
    for f in "$@"; do
        while IFS= read -r n; do
            [ -n "$n" ] || continue
            ! grep -qF -- "$n" "$f" || fail "individual's name '$n' appears in $f"
            # nor the parts of it (a family name alone)
            for part in $n; do
                [ "${#part}" -lt 6 ] || ! grep -qF -- "$part" "$f" ||
                    fail "part '$part' of an individual's name appears in $f"
            done
        done <<<"$names"
    done
}

# A model trained in two runs (two manifests), then the period restated
# with the second training run judged on other items: every member of the
# JSON summary against figures computed from the manifest files, before
# and after; the restatement's figures are the ones shown.
test_disclose_two_runs_and_restatement() {
    newdb dis_two_runs
    dis_fixture_load
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$DEMO_MF" "$DIS_JUNE" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$IT_TMP/out1"
    expect_rc 0 disclose --model m-harmony-2 --format json --out "$IT_TMP/d1.json"
    dis_expected "$IT_TMP/want1.json" "$IT_TMP/out1/compliance.json" "$(dis_last_posting_date)" \
        "$DEMO_MF" "$DIS_JUNE"
    dis_compare "$IT_TMP/want1.json" "$IT_TMP/d1.json"
    # both training runs listed, hours summed over them
    assert_eq "$(jq -r '[.general_information.training_runs[] | .training_run + "@" + .trained_at] | join(" ")' "$IT_TMP/d1.json")" \
        "tr-2026-03@2026-03-14T00:00:00Z tr-2026-06@2026-06-20T12:00:00Z"
    assert_eq "$(jq '[.general_information.training_runs[].licensed_ms] | add' "$IT_TMP/d1.json")" \
        "$(jq .general_information.licensed_ms "$IT_TMP/d1.json")" "hours of the runs summed"
    # the fixture exercises an item without a duration and two reasons
    assert_eq "$(jq .general_information.licensed_items_without_duration "$IT_TMP/d1.json")" 1
    # exact: 3,599,999 + 1 + 7,200,001 ms in the june run, not rounded per item
    assert_eq "$(jq -r '.general_information.training_runs[1].licensed_ms' "$IT_TMP/d1.json")" 10800001

    # the period restated: the june training run judged on other items
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$DEMO_MF" "$DIS_JUNE2" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$IT_TMP/out2"
    assert_eq "$(jq -r .posting "$IT_TMP/out2/run.json")" 2 "the second run is a restatement"
    expect_rc 0 disclose --model m-harmony-2 --format json --out "$IT_TMP/d2.json"
    dis_expected "$IT_TMP/want2.json" "$IT_TMP/out2/compliance.json" "$(dis_last_posting_date)" \
        "$DEMO_MF" "$DIS_JUNE2"
    dis_compare "$IT_TMP/want2.json" "$IT_TMP/d2.json"
    assert_eq "$(jq -r '.general_information.training_runs[1].manifest_sha256' "$IT_TMP/d2.json")" \
        "$(sha256sum "$DIS_JUNE2" | cut -d' ' -f1)" "the restated manifest is the one shown"
    [ "$(jq .general_information.licensed_ms "$IT_TMP/d1.json")" != \
        "$(jq .general_information.licensed_ms "$IT_TMP/d2.json")" ] ||
        fail "the restatement's manifest gives the same hours: the test proves nothing"
    assert_eq "$(jq '.general_information.training_runs | length' "$IT_TMP/d2.json")" 2 \
        "a training run judged twice is counted once"
}

# The three formats: the Markdown has the template's three sections, the
# HTML is one self-contained file that escapes names, and no individual's
# name appears in any of them.
test_disclose_formats() {
    local f
    newdb dis_formats
    dis_fixture_load
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$DEMO_MF" "$DIS_JUNE" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$IT_TMP/out"
    for f in json md html; do
        expect_rc 0 disclose --model m-harmony-2 --format "$f" --out "$IT_TMP/d.$f"
        [ -s "$IT_TMP/d.$f" ] || fail "disclose --format $f wrote nothing"
    done
    dis_no_individual_names "$IT_TMP/d.json" "$IT_TMP/d.md" "$IT_TMP/d.html"
    # the artists are rights holders here: counted, not named
    assert_eq "$(jq .data_sources.commercially_licensed.individual_rights_holders "$IT_TMP/d.json")" 2
    # Markdown: the template's three sections, in order
    grep -n '^## ' "$IT_TMP/d.md" >"$IT_TMP/sections"
    assert_eq "$(cut -d: -f2- "$IT_TMP/sections" | tr '\n' '|')" \
        "## 1. General information|## 2. List of data sources|## 3. Data processing aspects|"
    # HTML: no scripts, no external fetches, names escaped
    ! grep -qi '<script' "$IT_TMP/d.html" || fail "the HTML has a script"
    ! grep -qiE 'https?://' "$IT_TMP/d.html" || fail "the HTML names a URL"
    ! grep -qi 'src=' "$IT_TMP/d.html" || fail "the HTML loads something"
    grep -qF 'Northwind &lt;Records&gt; &amp; Sons' "$IT_TMP/d.html" || fail "the licensor's name is not escaped in HTML"
    ! grep -qF '<Records>' "$IT_TMP/d.html" || fail "the licensor's name is raw in HTML"
    grep -qF '<Records>' "$IT_TMP/d.json" ||
        jq -e '.data_sources.commercially_licensed.licensors[0].name == "Northwind <Records> & Sons"' "$IT_TMP/d.json" >/dev/null ||
        fail "the licensor's name is not in the JSON as is"
    python3 -c 'import sys, html.parser; p = html.parser.HTMLParser(); p.feed(open(sys.argv[1]).read()); p.close()' \
        "$IT_TMP/d.html" || fail "the HTML does not parse"
    # the same figure in every format
    h=$(jq -r .general_information.licensed_hours "$IT_TMP/d.json")
    grep -qF "$h" "$IT_TMP/d.md" || fail "the Markdown lacks the hours $h"
    grep -qF "$h" "$IT_TMP/d.html" || fail "the HTML lacks the hours $h"
}

# --out into a directory that does not exist: exit 3, a clear error, and
# nothing created.
test_disclose_out_missing_dir() {
    newdb dis_out
    dis_fixture_load
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$DEMO_MF" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$IT_TMP/out"
    mkdir "$IT_TMP/empty"
    expect_rc 3 disclose --model m-harmony-2 --format json --out "$IT_TMP/empty/missing/d.json"
    assert_contains "$ERR" "ledgerline: $IT_TMP/empty/missing/d.json"
    [ -z "$(ls -A "$IT_TMP/empty")" ] || fail "disclose left $(ls -A "$IT_TMP/empty") behind"
    # nor a half-written file when the directory exists but cannot be written
    chmod 0555 "$IT_TMP/empty"
    if [ "$(id -u)" -ne 0 ]; then
        expect_rc 3 disclose --model m-harmony-2 --format json --out "$IT_TMP/empty/d.json"
        [ -z "$(ls -A "$IT_TMP/empty")" ] || fail "disclose left a file behind"
    fi
    chmod 0755 "$IT_TMP/empty"
}

# --manifest FILE... anywhere among the options: before them, between
# them, last, after "--"; every position gives the same summary.
test_disclose_manifest_any_position() {
    local same
    newdb dis_positions
    dis_fixture_load
    expect_rc 0 disclose --model m-harmony-2 --format json --manifest "$DEMO_MF" "$DIS_JUNE"
    same=$OUT
    assert_eq "$(printf '%s' "$same" | jq '.general_information.training_runs | length')" 2
    expect_rc 0 disclose --manifest "$DEMO_MF" "$DIS_JUNE" --model m-harmony-2 --format json
    assert_eq "$OUT" "$same" "--manifest first"
    expect_rc 0 disclose --model m-harmony-2 --manifest "$DEMO_MF" "$DIS_JUNE" --format json
    assert_eq "$OUT" "$same" "--manifest between options"
    expect_rc 0 disclose --manifest "$DEMO_MF" --model m-harmony-2 --manifest "$DIS_JUNE" --format json
    assert_eq "$OUT" "$same" "--manifest twice"
    expect_rc 0 disclose --model m-harmony-2 --format json --manifest -- "$DEMO_MF" "$DIS_JUNE"
    assert_eq "$OUT" "$same" "after --"
    expect_rc 0 disclose --model m-harmony-2 --manifest "$DEMO_MF" "$DIS_JUNE" --format json --out "$IT_TMP/d.json"
    assert_eq "$(cat "$IT_TMP/d.json")" "$same" "--out after the files"
    # a file with no --manifest before it, and --manifest with no file
    expect_rc 2 disclose "$DEMO_MF" --model m-harmony-2
    assert_contains "$ERR" "unexpected argument"
    expect_rc 2 disclose --model m-harmony-2 --manifest --format json
    assert_contains "$ERR" "--manifest needs at least one FILE"
    # manifests trained years apart (the period spans them) are judged
    # each at its own trained_at: the june run before the BLUE licence
    # started, so W-0004 is no_licence there
    jq '.trained_at = "2019-05-01T00:00:00Z" | .training_run = "tr-2019"' "$DIS_JUNE" >"$IT_TMP/old.json"
    expect_rc 0 disclose --model m-harmony-2 --format json --manifest "$IT_TMP/old.json" "$DIS_JUNE"
    assert_eq "$(printf '%s' "$OUT" | jq -r '[.general_information.training_runs[].trained_at] | join(" ")')" \
        "2019-05-01T00:00:00Z 2026-06-20T12:00:00Z"
    # no licence covered anything in 2019: nothing of that run is licensed
    assert_eq "$(printf '%s' "$OUT" | jq '.general_information.training_runs[0].licensed_items')" 0
    assert_eq "$(printf '%s' "$OUT" | jq '.general_information.training_runs[1].licensed_items')" 4
    assert_eq "$(printf '%s' "$OUT" | jq -r .general_information.last_update)" 2026-06-20
}
