#!/usr/bin/env python3
"""refcalc.py - an independent reference implementation of SPEC §3
("A run: what is owed") for ledgerline's property tests.

It is written from /work/shared/SPEC.md alone (not from the C engine), in
plain exact rational arithmetic (fractions.Fraction; no floats, no Decimal),
and favours obviousness over speed.  It assumes VALID input (what
gen_scenario.py writes): it does not diagnose bad records.

Interpretation decisions it implements, where the SPEC is silent:
 1. Which licence pays: an item (at trained_at) or an attribution (at ts)
    counts only under THE licence of the licensee whose scope includes the
    work, whose uses include the use and whose [start, end] (whole UTC days,
    end inclusive) contains the instant's UTC date.  A licence active in the
    period (its [start, end] overlaps the period) gets training over the
    works having an eligible training item covered by it (each work once,
    across all manifests) and usage from the attributions covered by it.
 2. Scope catalog_of: P = the works where P holds a NON-ZERO share on either
    side.  The rights holders whose consent is needed = the parties with a
    non-zero share on either side.
 3. Deciding consent record: among the party's records for that use naming
    the work or all_works with effective <= t, the latest effective; on equal
    effective a work-specific record beats all_works, then opt_out beats
    opt_in.  No record -> not eligible.
 4. An attribution counts under a licence only if its event's currency is
    the licence's currency; otherwise it earns nothing.
 5. Usage of w = usage_rate * sum(value*weight) + per_generation * sum(weight).
 6. Training: w gets training_fee * b_w / sum(b) (b = catalogue duration_ms
    for basis "duration", 1 for "count"); sum(b) = 0 -> the whole fee is
    unallocated.
 7. Total = training + usage + unallocated.  If total < minimum_guarantee the
    shortfall MG - total goes to each work in proportion to (training_w +
    usage_w) as component "minimum_guarantee"; if that sum is 0 the
    shortfall is unallocated too.
 8. Work -> parties: with both sides, master = amount * master_share,
    publishing = amount - master; with one side it takes all; each side
    times the party's share.  One line per (licence, party, work,
    component, side); unallocated is ONE line (licence, licensor, no work,
    "unallocated", no side).  Lines with an exact amount of 0 are dropped.
 9. Rounding per licence: T_minor = round_half_even(T * 10^e); largest
    remainder to parties (ties: smaller party id, byte order), then each
    party's minor total to its lines by largest remainder (ties: component,
    work id (absent first), side (absent first), byte order).
10. Payee = the party's "payee" if set, else itself.  payouts: one row per
    (payee, currency) with at least one party having a non-zero exact line
    under a licence in that currency; amount = sum of those parties' minor
    totals, formatted with exactly e decimals; sorted by payee id, currency.
11. Periods: 2026-Q3, 2026-09, 2026-07-01..2026-09-30; inclusive UTC days.
12. Manifest items earn nothing if: unknown work, hash mismatch (both hashes
    present and different), no covering licence at trained_at, or consent
    not all opt_in.
13. Unknown works in attributions earn nothing.

Usage:
  refcalc.py --registry parties.json works.json ... --licensee P-AI \
      --period 2026-Q3 --manifest m.json ... --logs a.ndjson ... \
      [--licences [FILE]] [--parties [FILE]] [--lines [FILE]]
prints "payee_id,currency,amount" rows (with that header); the optional
reports go to FILE, or to stdout after a blank line when FILE is omitted.
"""

import argparse
import calendar
import datetime
import json
import re
import sys
from fractions import Fraction

# ISO 4217 minor-unit exponents (the currencies a scenario may use, and more)
EXPONENT = {
    "EUR": 2, "USD": 2, "GBP": 2, "SEK": 2, "CHF": 2, "NOK": 2, "DKK": 2,
    "CAD": 2, "AUD": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "JOD": 3,
    "OMR": 3, "TND": 3, "IQD": 3, "LYD": 3,
}

EXACT_RE = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?|[0-9]+/[0-9]+)$")


def exact(s):
    """An exact number string ("12.50", "3", "1/3") as a Fraction."""
    if not isinstance(s, str) or not EXACT_RE.match(s):
        raise ValueError("not an exact number string: %r" % (s,))
    return Fraction(s)  # Fraction parses both forms exactly


def frac_str(q):
    """A reduced fraction as "n/d", or "n" when it is an integer."""
    return str(q.numerator) if q.denominator == 1 else "%d/%d" % (q.numerator, q.denominator)


def ts(s):
    """RFC 3339 UTC timestamp -> aware datetime."""
    assert s.endswith("Z"), s
    return datetime.datetime.fromisoformat(s[:-1] + "+00:00")


def day(s):
    return datetime.date.fromisoformat(s)


def canon_isrc(s):
    return s.replace("-", "").replace(" ", "").upper()


def parse_period(p):
    """Inclusive (first, last) dates of a period string."""
    m = re.fullmatch(r"(\d{4})-Q([1-4])", p)
    if m:
        y, q = int(m.group(1)), int(m.group(2))
        first = datetime.date(y, 3 * q - 2, 1)
        last_month = 3 * q
        return first, datetime.date(y, last_month, calendar.monthrange(y, last_month)[1])
    m = re.fullmatch(r"(\d{4})-(\d{2})", p)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return datetime.date(y, mo, 1), datetime.date(y, mo, calendar.monthrange(y, mo)[1])
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", p)
    if m:
        return day(m.group(1)), day(m.group(2))
    raise ValueError("bad period %r" % p)


def round_half_even(q):
    """Round a Fraction to the nearest integer, ties to even."""
    fl = q.numerator // q.denominator
    rem = q - fl
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and fl % 2 == 1):
        return fl + 1
    return fl


def floor(q):
    return q.numerator // q.denominator


def largest_remainder(total_units, items):
    """Split the integer total_units over items [(tie_key, exact_units)]:
    each gets floor(exact), the rest go one each to the largest fractional
    parts, ties by tie_key ascending.  Returns {tie_key: units}."""
    out = {k: floor(x) for k, x in items}
    rest = total_units - sum(out.values())
    assert 0 <= rest <= len(items), (total_units, items)
    order = sorted(items, key=lambda kx: (-(kx[1] - floor(kx[1])), kx[0]))
    for k, _ in order[:rest]:
        out[k] += 1
    return out


def fmt_minor(units, e):
    """Minor units as a decimal string with exactly e decimals."""
    neg = units < 0
    units = abs(units)
    if e == 0:
        s = str(units)
    else:
        s = "%d.%0*d" % (units // 10 ** e, e, units % 10 ** e)
    return "-" + s if neg else s


# ---------------------------------------------------------------- registry

class Registry:
    def __init__(self, files):
        self.parties, self.works, self.consents, self.licences = {}, {}, {}, {}
        for f in files:
            with open(f, encoding="utf-8") as fh:
                doc = json.load(fh)
            # a later record with the same id is a newer version: it wins
            for r in doc.get("parties", []):
                self.parties[r["id"]] = r
            for r in doc.get("works", []):
                self.works[r["id"]] = r
            for r in doc.get("consents", []):
                self.consents[r["id"]] = r
            for r in doc.get("licences", []):
                self.licences[r["id"]] = r
        self.by_isrc = {canon_isrc(w["isrc"]): wid for wid, w in self.works.items() if "isrc" in w}

    def resolve(self, ref):
        """A manifest item or attribution {"work"|"isrc"} -> work id or None."""
        if "work" in ref:
            return ref["work"] if ref["work"] in self.works else None
        return self.by_isrc.get(canon_isrc(ref["isrc"]))

    def shares(self, wid):
        """{side: [(party, share)]} for the sides present."""
        sp = self.works[wid]["splits"]
        return {side: [(e["party"], exact(e["share"])) for e in sp[side]]
                for side in ("master", "publishing") if side in sp}

    def holders(self, wid):
        """Parties with a non-zero share on either side (decision 2)."""
        return {p for side in self.shares(wid).values() for p, s in side if s != 0}

    def in_scope(self, lic, wid):
        sc = lic["scope"]
        if "works" in sc:
            return wid in sc["works"]
        return sc["catalog_of"] in self.holders(wid)

    def consent_ok(self, party, wid, use, t):
        """Decision 3: the deciding record must be an opt_in."""
        best = None
        for c in self.consents.values():
            if c["party"] != party or c["use"] != use:
                continue
            specific = c.get("work") == wid
            if not (specific or c.get("all_works") is True):
                continue
            eff = ts(c["effective"])
            if eff > t:
                continue
            # latest effective, then work-specific, then opt_out
            key = (eff, 1 if specific else 0, 1 if c["decision"] == "opt_out" else 0)
            if best is None or key > best[0]:
                best = (key, c["decision"])
        return best is not None and best[1] == "opt_in"

    def consented(self, wid, use, t):
        return all(self.consent_ok(p, wid, use, t) for p in self.holders(wid))


def terms(lic):
    t = lic.get("terms", {})
    return {
        "training_fee": exact(t.get("training_fee", "0")),
        "training_basis": t.get("training_basis", "duration"),
        "usage_rate": exact(t.get("usage_rate", "0")),
        "per_generation": exact(t.get("per_generation", "0")),
        "minimum_guarantee": exact(t.get("minimum_guarantee", "0")),
        "master_share": exact(t.get("master_share", "1/2")),
    }


# ---------------------------------------------------------------- the run

def compute(reg, licensee, period, manifests, events):
    first, last = parse_period(period)
    mine = [l for l in reg.licences.values() if l["licensee"] == licensee]

    def covering(wid, use, t):
        d = t.date()
        hits = [l for l in mine if use in l["uses"] and day(l["start"]) <= d <= day(l["end"])
                and reg.in_scope(l, wid)]
        if len(hits) > 1:
            raise SystemExit("refcalc: two licences (%s) cover %s for %s at %s: the run must fail"
                             % (", ".join(sorted(l["id"] for l in hits)), wid, use, t))
        return hits[0] if hits else None

    active = sorted((l for l in mine if day(l["start"]) <= last and day(l["end"]) >= first),
                    key=lambda l: l["id"])
    trained = {l["id"]: set() for l in active}          # licence -> works
    usage_vw = {l["id"]: {} for l in active}            # licence -> work -> sum value*weight
    usage_w = {l["id"]: {} for l in active}             # licence -> work -> sum weight

    # training items (decision 12)
    for m in manifests:
        at = ts(m["trained_at"])
        for item in m["items"]:
            wid = reg.resolve(item)
            if wid is None:
                continue
            h1, h2 = item.get("content_sha256"), reg.works[wid].get("content_sha256")
            if h1 is not None and h2 is not None and h1.lower() != h2.lower():
                continue
            lic = covering(wid, "training", at)
            if lic is None or not reg.consented(wid, "training", at):
                continue
            if lic["id"] in trained:
                trained[lic["id"]].add(wid)

    # attributions (decisions 4, 5, 13)
    for ev in events:
        t = ts(ev["ts"])
        value = exact(ev["value"])
        for a in ev["attribution"]:
            wid = reg.resolve(a)
            if wid is None:
                continue
            lic = covering(wid, "generation", t)
            if lic is None or lic["currency"] != ev["currency"]:
                continue
            if not reg.consented(wid, "generation", t):
                continue
            wt = exact(a["weight"])
            lid = lic["id"]
            usage_vw[lid][wid] = usage_vw[lid].get(wid, Fraction(0)) + value * wt
            usage_w[lid][wid] = usage_w[lid].get(wid, Fraction(0)) + wt

    results = []
    for lic in active:
        lid, tm = lic["id"], terms(lic)
        e = EXPONENT[lic["currency"]]
        comp = {}           # (work, component) -> exact amount
        unallocated = Fraction(0)

        # training (decision 6)
        works = sorted(trained[lid])
        b = {w: (reg.works[w]["duration_ms"] if tm["training_basis"] == "duration" else 1) for w in works}
        sum_b = sum(b.values())
        if sum_b == 0:
            unallocated += tm["training_fee"]
        else:
            for w in works:
                comp[(w, "training")] = tm["training_fee"] * b[w] / sum_b

        # usage (decision 5)
        for w in usage_w[lid]:
            comp[(w, "usage")] = tm["usage_rate"] * usage_vw[lid][w] + tm["per_generation"] * usage_w[lid][w]

        # minimum guarantee (decision 7)
        per_work = {}
        for (w, c), x in comp.items():
            per_work[w] = per_work.get(w, Fraction(0)) + x
        total = sum(per_work.values(), Fraction(0)) + unallocated
        if total < tm["minimum_guarantee"]:
            shortfall = tm["minimum_guarantee"] - total
            s = sum(per_work.values(), Fraction(0))
            if s > 0:
                for w, x in per_work.items():
                    comp[(w, "minimum_guarantee")] = shortfall * x / s
            else:
                unallocated += shortfall
            total = tm["minimum_guarantee"]

        # work -> parties (decision 8); key (party, work, component, side)
        lines = {}
        for (w, c), x in comp.items():
            sides = reg.shares(w)
            if len(sides) == 2:
                master = x * tm["master_share"]
                part = {"master": master, "publishing": x - master}
            else:
                part = {s: x for s in sides}
            for side, holders in sides.items():
                for p, sh in holders:
                    amt = part[side] * sh
                    if amt != 0:
                        k = (p, w, c, side)
                        lines[k] = lines.get(k, Fraction(0)) + amt
        if unallocated != 0:
            lines[(lic["licensor"], None, "unallocated", None)] = unallocated
        assert sum(lines.values(), Fraction(0)) == total

        # rounding (decision 9)
        scale = 10 ** e
        t_minor = round_half_even(total * scale)
        party_exact = {}
        for (p, w, c, side), x in lines.items():
            party_exact[p] = party_exact.get(p, Fraction(0)) + x
        party_minor = largest_remainder(t_minor, [(p, x * scale) for p, x in party_exact.items()])
        line_minor = {}
        for p in party_exact:
            mine_lines = [((c, "" if w is None else w, "" if side is None else side), (w, c, side), x)
                          for (q, w, c, side), x in lines.items() if q == p]
            alloc = largest_remainder(party_minor[p], [(tie, x * scale) for tie, _, x in mine_lines])
            for tie, (w, c, side), _ in mine_lines:
                line_minor[(p, w, c, side)] = alloc[tie]
        assert sum(party_minor.values()) == t_minor

        results.append({
            "licence": lid, "licensor": lic["licensor"], "currency": lic["currency"], "e": e,
            "total": total, "minor": t_minor,
            "parties": {p: (party_exact[p], party_minor[p]) for p in party_exact},
            "lines": {k: (x, line_minor[k]) for k, x in lines.items()},
        })
    return results


def payouts(reg, results):
    rows = {}
    for r in results:
        for p, (x, minor) in r["parties"].items():
            payee = reg.parties[p].get("payee", p)
            key = (payee, r["currency"])
            rows[key] = rows.get(key, 0) + minor
    exps = {r["currency"]: r["e"] for r in results}
    return [(payee, cur, fmt_minor(rows[(payee, cur)], exps[cur])) for payee, cur in sorted(rows)]


def read_events(paths):
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    out.append(json.loads(line))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="reference calculator for ledgerline runs (SPEC §3)")
    ap.add_argument("--registry", nargs="+", required=True, help="registry JSON files")
    ap.add_argument("--licensee", required=True)
    ap.add_argument("--period", required=True)
    ap.add_argument("--manifest", nargs="+", required=True)
    ap.add_argument("--logs", nargs="+", required=True)
    ap.add_argument("--licences", nargs="?", const="-", metavar="FILE",
                    help="per-licence licence,currency,exact_total_fraction,minor_total")
    ap.add_argument("--parties", nargs="?", const="-", metavar="FILE",
                    help="per licence and party: licence,party,currency,exact,amount")
    ap.add_argument("--lines", nargs="?", const="-", metavar="FILE",
                    help="every line: licence,party,work,component,side,exact,amount")
    a = ap.parse_args(argv)

    reg = Registry(a.registry)
    manifests = []
    for m in a.manifest:
        with open(m, encoding="utf-8") as fh:
            manifests.append(json.load(fh))
    results = compute(reg, a.licensee, a.period, manifests, read_events(a.logs))

    out = ["payee_id,currency,amount"]
    out += ["%s,%s,%s" % row for row in payouts(reg, results)]
    print("\n".join(out))

    reports = []
    if a.licences:
        rows = ["licence,currency,exact_total_fraction,minor_total"]
        for r in results:
            rows.append("%s,%s,%s,%s" % (r["licence"], r["currency"], frac_str(r["total"]),
                                         fmt_minor(r["minor"], r["e"])))
        reports.append((a.licences, rows))
    if a.parties:
        rows = ["licence,party,currency,exact,amount"]
        for r in results:
            for p in sorted(r["parties"]):
                x, minor = r["parties"][p]
                rows.append("%s,%s,%s,%s,%s" % (r["licence"], p, r["currency"], frac_str(x),
                                                fmt_minor(minor, r["e"])))
        reports.append((a.parties, rows))
    if a.lines:
        rows = ["licence,party,work,component,side,exact,amount"]
        for r in results:
            keyed = sorted(r["lines"].items(),
                           key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2], kv[0][3] or ""))
            for (p, w, c, side), (x, minor) in keyed:
                rows.append("%s,%s,%s,%s,%s,%s,%s" % (r["licence"], p, w or "", c, side or "",
                                                      frac_str(x), fmt_minor(minor, r["e"])))
        reports.append((a.lines, rows))
    for dest, rows in reports:
        if dest == "-":
            print()
            print("\n".join(rows))
        else:
            with open(dest, "w", encoding="utf-8") as fh:
                fh.write("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
