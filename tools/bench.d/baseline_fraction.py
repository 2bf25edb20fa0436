#!/usr/bin/env python3
"""Baseline: the usage aggregation in plain Python with fractions.Fraction.

    baseline_fraction.py --out SUMS.json [--truth truth.json] FILE:LINES...

Reads the first LINES lines of each FILE (NDJSON generation events, SPEC
§2.3), parses each with json, and accumulates per work, exactly:
    Σ value·weight, Σ weight, attribution count
plus Σ value over all events.  This is what a careful user would write
without ledgerline.  With --truth (tools/bench.d/gen.py's truth.json) an
attribution of a work whose artist opted out of generation during the
period is kept in a separate bucket "<work>@late" when ts is at or after
the cut-off, so that the result can be checked against ledgerline's exact
figures; that costs one set look-up per attribution.

Writes SUMS.json: events, attributions, bytes, totals and per-work sums as
exact fraction strings.
"""
import json
import sys
from fractions import Fraction


def main(argv):
    out = None
    truth = None
    inputs = []
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--out":
            out = argv[i + 1]
            i += 2
        elif a == "--truth":
            truth = argv[i + 1]
            i += 2
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            path, _, n = a.rpartition(":")
            inputs.append((path, int(n)))
            i += 1
    if not out or not inputs:
        print(__doc__, file=sys.stderr)
        return 2

    cut = {}
    if truth:
        with open(truth, encoding="utf-8") as f:
            for w, t in json.load(f)["works"].items():
                if t.get("cutoff"):
                    cut[w] = t["cutoff"]

    sums = {}           # work -> [Σ value·weight, Σ weight, count]
    sum_value = Fraction(0)
    events = attributions = nbytes = 0
    loads = json.loads
    zero = Fraction(0)
    for path, limit in inputs:
        with open(path, "rb") as f:
            for n, line in enumerate(f):
                if n >= limit:
                    break
                nbytes += len(line)
                e = loads(line)
                v = Fraction(e["value"])
                ts = e["ts"]
                sum_value += v
                events += 1
                for a in e["attribution"]:
                    w = a.get("work")
                    if w is None:
                        w = "isrc:" + a["isrc"]
                    elif w in cut and ts >= cut[w]:
                        w = w + "@late"
                    wt = Fraction(a["weight"])
                    s = sums.get(w)
                    if s is None:
                        s = sums[w] = [zero, zero, 0]
                    s[0] += v * wt
                    s[1] += wt
                    s[2] += 1
                    attributions += 1

    tot_vw = sum((s[0] for s in sums.values()), Fraction(0))
    tot_w = sum((s[1] for s in sums.values()), Fraction(0))
    doc = {
        "events": events, "attributions": attributions, "bytes": nbytes,
        "sum_value": str(sum_value),
        "sum_value_weight": str(tot_vw), "sum_weight": str(tot_w),
        "works": {w: [str(s[0]), str(s[1]), s[2]]
                  for w, s in sorted(sums.items())},
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
