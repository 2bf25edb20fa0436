#!/usr/bin/env python3
"""Exact cross-checks between the baselines and ledgerline.

    check.py baselines PY_SUMS.json SQL_WORKS.tsv
        The SQL numeric and Python Fraction baselines must agree exactly,
        work by work and in total, on Σ value·weight, Σ weight and counts.

    check.py ledgerline PY_SUMS.json truth.json run.json compliance.json
        Only meaningful when the Python baseline read every event of the
        run.  From the per-work sums and what the catalogue implies
        (truth.json, written by gen.py), recompute per licence the usage,
        training and total figures (SPEC §3) and the compliance report's
        ineligible and unattributed mass, and compare them exactly with
        ledgerline's run.json and compliance.json.

Prints one line per finding and a last line "OK ..." or "MISMATCH ...";
exit status 0 on OK, 1 on MISMATCH, 2 on usage errors.
"""
import json
import sys
from fractions import Fraction as F


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def merged(py):
    """Per-work sums with the '@late' buckets folded back in."""
    out = {}
    for w, (vw, wt, n) in py["works"].items():
        base = w[:-5] if w.endswith("@late") else w
        s = out.setdefault(base, [F(0), F(0), 0])
        s[0] += F(vw)
        s[1] += F(wt)
        s[2] += n
    return out


def check_baselines(py_path, tsv_path):
    py = load(py_path)
    pw = merged(py)
    sw = {}
    with open(tsv_path, encoding="utf-8") as f:
        for line in f:
            w, vw, wt, n = line.rstrip("\n").split("\t")
            sw[w] = [F(vw), F(wt), int(n)]
    bad = 0
    for w in sorted(set(pw) | set(sw)):
        if pw.get(w) != sw.get(w):
            bad += 1
            if bad <= 5:
                print("  work %s: python %s, sql %s" % (w, pw.get(w),
                                                        sw.get(w)))
    tp = (sum((s[0] for s in pw.values()), F(0)),
          sum((s[1] for s in pw.values()), F(0)))
    ts = (sum((s[0] for s in sw.values()), F(0)),
          sum((s[1] for s in sw.values()), F(0)))
    if tp != ts:
        bad += 1
    dec = "%s" % ts[0]
    if bad:
        print("MISMATCH: %d works differ; Σ value·weight python %s, sql %s"
              % (bad, tp[0], ts[0]))
        return 1
    print("OK: %d works agree exactly; Σ value·weight = %s (= %s), "
          "Σ weight = %s" % (len(pw), dec, decimal(ts[0]), decimal(ts[1])))
    return 0


def decimal(x, digits=10):
    """A Fraction as a decimal string (exact when it terminates within
    `digits` fractional digits, else marked with '…')."""
    q, r = divmod(x.numerator * 10 ** digits, x.denominator)
    s = "%d.%0*d" % (q // 10 ** digits, digits, q % 10 ** digits)
    s = s.rstrip("0").rstrip(".")
    return s + ("…" if r else "")


def check_ledgerline(py_path, truth_path, run_path, comp_path):
    py = load(py_path)
    truth = load(truth_path)
    run = load(run_path)
    comp = load(comp_path)
    works = truth["works"]
    bad = []

    if run["counts"]["events"] != py["events"]:
        bad.append("events: ledgerline %s, baseline %s"
                   % (run["counts"]["events"], py["events"]))
    if run["counts"]["attributions"] != py["attributions"]:
        bad.append("attributions: ledgerline %s, baseline %s"
                   % (run["counts"]["attributions"], py["attributions"]))

    # Usage per licence, and the expected ineligible mass.
    usage = {lic: F(0) for lic in truth["licences"]}
    inel = {}
    for key, (vw, wt, n) in py["works"].items():
        late = key.endswith("@late")
        w = key[:-5] if late else key
        t = works.get(w)
        if t is None:
            inel[(w, "unknown_work")] = (F(vw), F(wt), n)
            continue
        reason = "opted_out" if late else t["reason"]
        if reason:
            old = inel.get((w, reason), (F(0), F(0), 0))
            inel[(w, reason)] = (old[0] + F(vw), old[1] + F(wt), old[2] + n)
            continue
        terms = truth["licences"][t["licence"]]
        usage[t["licence"]] += (F(terms["usage_rate"]) * F(vw) +
                                F(terms["per_generation"]) * F(wt))

    got = {l["licence"]: l for l in run["licences"]}
    for lic, terms in sorted(truth["licences"].items()):
        g = got.get(lic)
        if g is None:
            bad.append("licence %s missing from run.json" % lic)
            continue
        ex = g["exact"]
        training = F(terms["training_fee"])
        total = max(training + usage[lic], F(terms["minimum_guarantee"]))
        for name, want in (("usage", usage[lic]), ("training", training),
                           ("total", total)):
            if F(ex[name]) != want:
                bad.append("%s %s: ledgerline %s, expected %s"
                           % (lic, name, ex[name], want))

    rep = {}
    for r in comp["ineligible_attribution"]:
        k = (r.get("work") or "isrc:" + r.get("isrc", "?"), r["reason"])
        rep[k] = (F(r["value_weight"]), F(r["weight"]), r["events"])
    for k in sorted(set(rep) | set(inel)):
        if rep.get(k) != inel.get(k):
            bad.append("ineligible %s/%s: ledgerline %s, expected %s"
                       % (k[0], k[1], rep.get(k), inel.get(k)))

    un = comp["unattributed"]
    want_w = F(py["events"]) - F(py["sum_weight"])
    want_vw = F(py["sum_value"]) - F(py["sum_value_weight"])
    if F(un["weight"]) != want_w or F(un["value_weight"]) != want_vw:
        bad.append("unattributed: ledgerline %s / %s, expected %s / %s"
                   % (un["weight"], un["value_weight"], want_w, want_vw))

    for b in bad[:10]:
        print("  " + b)
    if bad:
        print("MISMATCH: %d differences between ledgerline and the exact "
              "Fraction recomputation" % len(bad))
        return 1
    print("OK: per-licence usage, training and total, %d ineligible "
          "(work, reason) entries and the unattributed mass agree exactly"
          % len(rep))
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "baselines":
        return check_baselines(argv[2], argv[3])
    if len(argv) == 6 and argv[1] == "ledgerline":
        return check_ledgerline(*argv[2:6])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
