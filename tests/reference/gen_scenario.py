#!/usr/bin/env python3
"""gen_scenario.py - seeded random (valid) ledgerline run scenarios.

  gen_scenario.py --seed N --out DIR

writes into DIR: parties.json works.json consents.json licences.json,
manifest-*.json, log-*.ndjson and scenario.sh, a shell fragment setting
LICENSEE, PERIOD, REGISTRY, MANIFESTS and LOGS (space-separated file names
relative to DIR).  The same seed always gives the same bytes.

Scenarios exercise several licensors and licences (catalog_of and works
scopes, training/generation uses, EUR/JPY/BHD/... currencies, all or no
terms, count and duration bases, binding and non-binding minimum
guarantees, licences with no eligible training work), consecutive licences
for the same works, consent ties and mid-period opt-outs, payees, one-sided
works, parties on both sides, zero shares, fraction and decimal numbers,
unattributed mass, ISRC references (also hyphenated), unknown works, several
manifests and models, several log files.

Invariants kept (the input must be valid): no two licences of the licensee
cover one work for one use on one day (scopes computed from non-zero shares,
checked over every date, not only the period); events lie in the period,
name a model with a manifest, have unique ids, weights summing to <= 1 and
no work twice (by id or ISRC); IBANs carry correct mod-97 check digits.
"""

import argparse
import datetime
import json
import os
import random
import string
from fractions import Fraction

LICENSEE = "P-AI"
OTHER_LICENSEE = "P-AI2"
CUR_EXP = {"EUR": 2, "USD": 2, "GBP": 2, "SEK": 2, "JPY": 0, "BHD": 3, "KWD": 3}


# ---------------------------------------------------------------- helpers

def iban(rng, country):
    """A random IBAN with correct check digits for DE (22), GB (22) or NL (18)."""
    if country == "DE":
        bban = "".join(rng.choice(string.digits) for _ in range(18))
    elif country == "GB":
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + \
            "".join(rng.choice(string.digits) for _ in range(14))
    else:  # NL
        country = "NL"
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + \
            "".join(rng.choice(string.digits) for _ in range(10))
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    return "%s%02d%s" % (country, check, bban)


def is_decimal_den(d):
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    return d == 1


def render(rng, q, allow_unreduced=True):
    """An exact-number string for the non-negative Fraction q, in a random
    but exact spelling: decimal (maybe with trailing zeros) when possible,
    else a fraction (sometimes unreduced)."""
    assert q >= 0
    if is_decimal_den(q.denominator) and rng.random() < 0.75:
        # smallest number of decimals that is exact
        k = 0
        while (q * 10 ** k).denominator != 1:
            k += 1
        k += rng.choice([0, 0, 0, 1, 2]) if k > 0 or rng.random() < 0.3 else 0
        k = min(k, 18)
        n = int(q * 10 ** k)
        if k == 0:
            return str(n)
        return "%d.%0*d" % (n // 10 ** k, k, n % 10 ** k)
    if q.denominator == 1 and rng.random() < 0.5:
        return str(q.numerator)
    m = rng.choice([1, 1, 1, 2, 3]) if allow_unreduced else 1
    return "%d/%d" % (q.numerator * m, q.denominator * m)


def split_unit(rng, k, total=Fraction(1), positive=True):
    """k Fractions summing to exactly `total` (each > 0 when positive)."""
    if rng.random() < 0.2:
        return [total / k] * k  # equal parts: ties in the largest remainder
    den = rng.choice([2, 4, 8, 10, 100, 1000, 3, 6, 7, 9, 12, 16, 40])
    while den < k:
        den *= 2
    units = den
    cuts = sorted(rng.sample(range(1, units), k - 1)) if k > 1 else []
    parts, prev = [], 0
    for c in cuts + [units]:
        parts.append(c - prev)
        prev = c
    rng.shuffle(parts)
    return [Fraction(p, den) * total for p in parts]


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def d(s):
    return datetime.date.fromisoformat(s)


def at(day_, h=0, m=0, s=0):
    return datetime.datetime(day_.year, day_.month, day_.day, h, m, s)


def rand_instant(rng, first, last):
    """A random instant in [first 00:00:00, last 23:59:59]."""
    span = ((last - first).days + 1) * 86400
    return at(first) + datetime.timedelta(seconds=rng.randrange(span))


# ---------------------------------------------------------------- scenario

class Scenario:
    def __init__(self, seed):
        self.rng = rng = random.Random(seed)
        self.seed = seed
        self.period_label, self.first, self.last = rng.choice([
            ("2026-Q3", d("2026-07-01"), d("2026-09-30")),
            ("2026-Q3", d("2026-07-01"), d("2026-09-30")),
            ("2026-Q2", d("2026-04-01"), d("2026-06-30")),
            ("2026-08", d("2026-08-01"), d("2026-08-31")),
            ("2026-06-15..2026-07-20", d("2026-06-15"), d("2026-07-20")),
            ("2026-07-01..2026-09-30", d("2026-07-01"), d("2026-09-30")),
            ("2026-Q1", d("2026-01-01"), d("2026-03-31")),
            ("2026-02", d("2026-02-01"), d("2026-02-28")),
            ("2026-12-01..2026-12-31", d("2026-12-01"), d("2026-12-31")),
        ])
        n_cur = rng.choice([1, 2, 2, 3])
        self.currencies = ["EUR"] + rng.sample(["JPY", "BHD", "USD", "GBP"], n_cur - 1)
        self.parties = []
        self.works = []
        self.consents = []
        self.licences = []
        self.make_parties()
        self.make_works()
        self.make_consents()
        self.make_licences()
        self.make_manifests()
        self.make_events()

    # parties -----------------------------------------------------------
    def payout(self):
        rng = self.rng
        p = {"method": "iban", "iban": iban(rng, rng.choice(["DE", "GB", "NL"])),
             "currency": rng.choice(self.currencies)}
        if rng.random() < 0.5:
            p["bic"] = rng.choice(["COBADEFFXXX", "WESTGB2L", "ABNANL2A", "BYLADEM1001"])
        return p

    def make_parties(self):
        rng = self.rng
        self.parties.append({"id": LICENSEE, "name": "Synth Co", "kind": "licensee",
                             "payout": self.payout()})
        if rng.random() < 0.5:
            self.parties.append({"id": OTHER_LICENSEE, "name": "Other AI", "kind": "licensee"})
        n_lic = rng.randint(2, 4)
        self.licensors = ["P-%s%d" % (rng.choice(["LAB", "PUB", "col.", "L:"]), i) for i in range(n_lic)]
        for i, pid in enumerate(self.licensors):
            r = {"id": pid, "name": "Licensor %d" % i,
                 "kind": rng.choice(["label", "publisher", "collective"])}
            if i > 0 and rng.random() < 0.2:
                r["payee"] = self.licensors[0]  # licensor 0 never has a payee
            elif rng.random() < 0.7:
                r["payout"] = self.payout()
            self.parties.append(r)
        n_art = rng.randint(3, 8)
        self.artists = ["P-%s_%d" % (rng.choice(["art", "SW", "a.b"]), i) for i in range(n_art)]
        for i, pid in enumerate(self.artists):
            r = {"id": pid, "name": "Artist %d" % i, "kind": rng.choice(["artist", "songwriter"])}
            x = rng.random()
            if x < 0.35:
                r["payee"] = rng.choice([q["id"] for q in self.parties
                                         if q["id"] in self.licensors and "payee" not in q])
            elif x < 0.45 and i > 0:
                # another artist without a payee of its own (no chains)
                cands = [a["id"] for a in self.parties if a["id"] in self.artists and "payee" not in a]
                if cands:
                    r["payee"] = rng.choice(cands)
            if "payee" not in r and rng.random() < 0.5:
                r["payout"] = self.payout()
            self.parties.append(r)

    # works -------------------------------------------------------------
    def side(self, owners, others, zero_ok=True):
        rng = self.rng
        members = [rng.choice(owners)]
        pool = [p for p in others if p not in members]
        members += rng.sample(pool, min(len(pool), rng.choice([0, 0, 1, 1, 2])))
        shares = split_unit(self.rng, len(members))
        out = [{"party": p, "share": render(rng, s)} for p, s in zip(members, shares)]
        if zero_ok and rng.random() < 0.08:
            pool = [p for p in others + owners if p not in members]
            if pool:
                out.insert(rng.randrange(len(out) + 1), {"party": rng.choice(pool), "share": "0"})
        return out

    def make_works(self):
        rng = self.rng
        n = rng.randint(6, 14)
        isrcs = set()
        self.isrc_of = {}
        for i in range(n):
            wid = rng.choice(["W-%04d", "w:%d", "W.%d_x"]) % (i + 1)
            w = {"id": wid, "title": "Song %d" % i,
                 "duration_ms": rng.choice([rng.randint(30000, 400000), 180000, 240000])}
            if rng.random() < 0.65:
                while True:
                    code = (rng.choice(["GB", "US", "DE", "FR"]) +
                            "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(3)) +
                            "26" + "%05d" % rng.randrange(100000))
                    if code not in isrcs:
                        break
                isrcs.add(code)
                self.isrc_of[wid] = code
                w["isrc"] = code if rng.random() < 0.7 else "%s-%s-%s-%s" % (code[:2], code[2:5], code[5:7], code[7:])
            if rng.random() < 0.5:
                w["content_sha256"] = "%064x" % rng.getrandbits(256)
            kind = rng.random()
            splits = {}
            if kind < 0.6 or kind >= 0.85:
                splits["master"] = self.side(self.licensors, self.artists)
            if kind < 0.85:
                splits["publishing"] = self.side(self.licensors, self.artists)
            w["splits"] = splits
            self.works.append(w)
        self.work_ids = [w["id"] for w in self.works]

    def holders(self, wid):
        w = next(x for x in self.works if x["id"] == wid)
        return {e["party"] for side in w["splits"].values() for e in side
                if Fraction(e["share"]) != 0}

    # consents ----------------------------------------------------------
    def consent(self, party, use, decision, when, work=None):
        rec = {"id": "C-%d" % (len(self.consents) + 1), "party": party}
        if work is None:
            rec["all_works"] = True
        else:
            rec["work"] = work
        rec.update({"use": use, "decision": decision, "effective": iso(when)})
        self.consents.append(rec)

    def make_consents(self):
        rng = self.rng
        self.special_instants = []
        holders = sorted({p for w in self.work_ids for p in self.holders(w)})
        # a zero-share party may get no records at all: it needs none
        for p in holders:
            for use in ("training", "generation"):
                x = rng.random()
                base = at(d("2026-01-01")) + datetime.timedelta(days=rng.choice([-40, -1, 0, 0, 0, 20, 60]))
                if x < 0.9:
                    self.consent(p, use, "opt_in", base)
                elif x < 0.97:
                    # no blanket record: per-work opt-ins for some of its works
                    for w in self.work_ids:
                        if p in self.holders(w) and rng.random() < 0.6:
                            self.consent(p, use, "opt_in", base, work=w)
                # else: no record at all -> never eligible for this use
        # mid-period withdrawals, re-opt-ins and ties at one instant
        for _ in range(rng.randint(1, 5)):
            w = rng.choice(self.work_ids)
            p = rng.choice(sorted(self.holders(w)))
            use = rng.choice(["training", "generation", "generation"])
            when = rand_instant(rng, self.first - datetime.timedelta(days=60), self.last)
            self.special_instants.append(when)
            kind = rng.choice(["out", "tie_specific_in_vs_all_out", "tie_specific_in_out",
                               "tie_all_in_out", "out_then_in"])
            if kind == "out":
                self.consent(p, use, "opt_out", when, work=w)
            elif kind == "tie_specific_in_vs_all_out":
                # work-specific beats all_works: w stays in, the rest of p's catalogue is out
                self.consent(p, use, "opt_out", when)
                self.consent(p, use, "opt_in", when, work=w)
            elif kind == "tie_specific_in_out":
                # opt_out beats opt_in at one instant
                self.consent(p, use, "opt_in", when, work=w)
                self.consent(p, use, "opt_out", when, work=w)
            elif kind == "tie_all_in_out":
                self.consent(p, use, "opt_in", when)
                self.consent(p, use, "opt_out", when)
            else:
                self.consent(p, use, "opt_out", when, work=w)
                later = when + datetime.timedelta(days=rng.randint(1, 30))
                self.special_instants.append(later)
                self.consent(p, use, "opt_in", later, work=w)
        if rng.random() < 0.5:
            self.consent(rng.choice(self.artists), "voice", "opt_in", at(d("2026-01-01")))
        rng.shuffle(self.consents)

    # licences ----------------------------------------------------------
    def scope_works(self, lic):
        sc = lic["scope"]
        if "works" in sc:
            return set(sc["works"])
        return {w for w in self.work_ids if sc["catalog_of"] in self.holders(w)}

    def conflicts(self, a, b):
        if a["licensee"] != b["licensee"]:
            return False
        if d(a["end"]) < d(b["start"]) or d(b["end"]) < d(a["start"]):
            return False
        if not set(a["uses"]) & set(b["uses"]):
            return False
        return bool(self.scope_works(a) & self.scope_works(b))

    def terms(self, cur):
        rng = self.rng
        e = CUR_EXP[cur]
        scale = {0: 150, 2: 1, 3: Fraction(1, 2)}[e]
        mode = rng.choice(["all", "all", "some", "some", "some", "none"])
        fee = Fraction(rng.choice([120000, 5000, 30000, 777, 1]) * scale) + \
            Fraction(rng.randrange(10 ** e), 10 ** e) if e else Fraction(rng.choice([120000, 5000, 777]) * scale)
        x = rng.random()
        if x < 0.15:
            fee = Fraction(rng.choice([1000, 10000, 7]), 3)
        elif x < 0.3:
            # exactly half a minor unit: round-half-even decides
            fee = Fraction(rng.randrange(1, 100000), 10 ** e) + Fraction(1, 2 * 10 ** e)
        elif x < 0.35 and cur != "EUR":
            # big numbers, but not in EUR: ledgerline refuses a run whose
            # SEPA (EUR) payout file would carry an amount above
            # 999999999.99 (reported separately, outside these tests)
            fee = Fraction(rng.randrange(10 ** 12, 10 ** 13), 10 ** e)
        t = {
            "training_fee": render(rng, fee),
            "training_basis": rng.choice(["duration", "count"]),
            "usage_rate": render(rng, rng.choice([Fraction(3, 10), Fraction(1, 4), Fraction(1, 3),
                                                  Fraction(1, 8), Fraction(7, 100)])),
            "per_generation": render(rng, rng.choice([Fraction(2, 1000), Fraction(1, 8000),
                                                      Fraction(1, 3), Fraction(5, 1),
                                                      Fraction(7, 10 ** 18)]) * scale),
            "minimum_guarantee": render(rng, rng.choice([
                fee * 2, fee / 2, Fraction(25000) * scale, Fraction(1, 100), fee + Fraction(1, 3),
                fee])),
            "master_share": render(rng, rng.choice([Fraction(1, 2), Fraction(3, 5), Fraction(7, 10),
                                                    Fraction(2, 3), Fraction(0), Fraction(1)])),
        }
        if mode == "none":
            return None if rng.random() < 0.5 else {}
        if mode == "some":
            keep = [k for k in t if rng.random() < 0.55]
            return {k: t[k] for k in t if k in keep}
        return t

    def date_ranges(self):
        f, l = self.first, self.last
        one = datetime.timedelta(days=1)
        mid = f + (l - f) / 2
        return {
            "year": ("2026-01-01", "2026-12-31"),
            "h1": ("2026-01-01", "2026-06-30"),
            "h2": ("2026-07-01", "2026-12-31"),
            "from_mid": (mid.isoformat(), "2027-06-30"),
            "to_mid": ("2025-10-01", mid.isoformat()),
            "before": ("2025-07-01", (f - one).isoformat()),
            "after": ((l + one).isoformat(), "2027-03-31"),
            "period": (f.isoformat(), l.isoformat()),
        }

    def new_licence(self, licensee, licensor, scope, uses, start, end, cur):
        lic = {"id": "L-new",
               "licensee": licensee, "licensor": licensor, "scope": scope,
               "uses": uses, "start": start, "end": end, "currency": cur}
        t = self.terms(cur)
        if t is not None:  # "terms" itself may be left out: all defaults
            lic["terms"] = t
        return lic

    def make_licences(self):
        rng = self.rng
        ranges = self.date_ranges()
        attempts = rng.randint(3, 8)
        for i in range(attempts):
            licensor = rng.choice(self.licensors)
            if rng.random() < 0.6:
                scope = {"catalog_of": licensor}
            else:
                scope = {"works": rng.sample(self.work_ids, rng.randint(1, min(4, len(self.work_ids))))}
            uses = rng.choice([["training", "generation"], ["generation", "training"],
                               ["training"], ["generation"]])
            cur = rng.choice(self.currencies)
            if rng.random() < 0.3:
                # consecutive licences for the same works (H1 then H2)
                cands = [self.new_licence(LICENSEE, licensor, scope, uses, *ranges["h1"], cur),
                         self.new_licence(LICENSEE, licensor, scope, list(uses), *ranges["h2"],
                                          rng.choice(self.currencies))]
            else:
                key = rng.choice(["year", "year", "h2", "h1", "from_mid", "to_mid", "before",
                                  "after", "period"])
                cands = [self.new_licence(LICENSEE, licensor, scope, uses, *ranges[key], cur)]
            ok = all(not self.conflicts(c, o) for c in cands for o in self.licences)
            ok = ok and not (len(cands) == 2 and self.conflicts(cands[0], cands[1]))
            if ok:
                self.licences.extend(cands)
        if not any(l["licensee"] == LICENSEE for l in self.licences):
            self.licences.append(self.new_licence(LICENSEE, self.licensors[0],
                                                  {"catalog_of": self.licensors[0]},
                                                  ["training", "generation"], *ranges["year"], "EUR"))
        # another licensee's licences overlap freely and must be ignored
        if any(p["id"] == OTHER_LICENSEE for p in self.parties):
            self.licences.append(self.new_licence(OTHER_LICENSEE, self.licensors[-1],
                                                  {"catalog_of": self.licensors[-1]},
                                                  ["training", "generation"], *ranges["year"],
                                                  rng.choice(self.currencies)))
        # re-number so that ids are unique whatever was dropped
        for i, l in enumerate(self.licences):
            l["id"] = "L-%02d%s" % (i + 1, rng.choice(["", ".a", "_b", ":c"]))
        rng.shuffle(self.licences)
        for i in range(len(self.licences)):
            for j in range(i + 1, len(self.licences)):
                assert not self.conflicts(self.licences[i], self.licences[j])

    # manifests ---------------------------------------------------------
    def ref(self, wid):
        """An item/attribution reference to a known work: id or ISRC."""
        rng = self.rng
        if wid in self.isrc_of and rng.random() < 0.35:
            code = self.isrc_of[wid]
            if rng.random() < 0.3:
                code = "%s-%s-%s-%s" % (code[:2], code[2:5], code[5:7], code[7:])
            return {"isrc": code}
        return {"work": wid}

    def ghost(self, i):
        if self.rng.random() < 0.5:
            return {"work": "W-GHOST-%d" % i}
        return {"isrc": "ZZ%03d26%05d" % (i % 1000, self.rng.randrange(100000))}

    def make_manifests(self):
        rng = self.rng
        n_models = rng.randint(1, 3)
        self.models = ["m-harmony-%d" % (i + 1) for i in range(n_models)]
        self.manifests = []
        lic_edges = []
        for l in self.licences:
            lic_edges += [at(d(l["start"])), at(d(l["end"]), 23, 59, 59),
                          at(d(l["end"])) + datetime.timedelta(days=1)]
        ghosts = 0
        for mi, model in enumerate(self.models * 2):
            if mi >= n_models and rng.random() < 0.6:
                continue  # a second manifest for some models
            x = rng.random()
            trainers = [l for l in self.licences if l["licensee"] == LICENSEE and "training" in l["uses"]
                        and max(d(l["start"]), d("2026-01-02")) <= min(d(l["end"]), self.last)]
            if x < 0.25 and lic_edges:
                when = rng.choice(lic_edges)
            elif x < 0.75 and trainers:
                # inside some training licence of the licensee
                l = rng.choice(trainers)
                when = rand_instant(rng, max(d(l["start"]), d("2026-01-02")), min(d(l["end"]), self.last))
            else:
                when = rand_instant(rng, d("2026-01-05"), self.last)
            when = min(max(when, at(d("2026-01-02"))), at(self.last, 23, 59, 59))
            items = []
            for wid in rng.sample(self.work_ids, rng.randint(1, len(self.work_ids))):
                it = self.ref(wid)
                w = next(x for x in self.works if x["id"] == wid)
                it["duration_ms"] = w["duration_ms"] if rng.random() < 0.8 else rng.randint(1000, 500000)
                h = rng.random()
                if "content_sha256" in w and h < 0.5:
                    it["content_sha256"] = w["content_sha256"]
                elif h < 0.65:
                    it["content_sha256"] = "%064x" % rng.getrandbits(256)
                items.append(it)
            for _ in range(rng.choice([0, 0, 1, 2])):
                g = self.ghost(ghosts)
                ghosts += 1
                g["duration_ms"] = rng.randint(1000, 500000)
                items.insert(rng.randrange(len(items) + 1), g)
            self.manifests.append({"model": model, "training_run": "tr-%d" % (mi + 1),
                                   "trained_at": iso(when), "licensee": LICENSEE, "items": items})

    # events ------------------------------------------------------------
    def value(self, cur):
        rng = self.rng
        e = CUR_EXP.get(cur, 2)
        x = rng.random()
        if x < 0.1:
            return "0"
        if x < 0.2:
            return render(rng, Fraction(rng.randint(1, 20), 3))
        if e == 0:
            return str(rng.randint(1, 500))
        return render(rng, Fraction(rng.randint(1, 5000), 10 ** (e + 2)))

    def make_events(self):
        rng = self.rng
        n = rng.randint(10, 120)
        lic_curs = sorted({l["currency"] for l in self.licences if l["licensee"] == LICENSEE})
        stray = [c for c in ["SEK", "USD", "GBP", "KWD"] if c not in lic_curs]
        instants = [i for i in self.special_instants if at(self.first) <= i <= at(self.last, 23, 59, 59)]
        instants += [at(self.first), at(self.last, 23, 59, 59)]
        for l in self.licences:
            for e in (at(d(l["start"])), at(d(l["end"]), 23, 59, 59), at(d(l["end"])) + datetime.timedelta(days=1)):
                if at(self.first) <= e <= at(self.last, 23, 59, 59):
                    instants.append(e)
        self.events = []
        ghosts = 100
        for i in range(n):
            when = rng.choice(instants) if rng.random() < 0.2 else rand_instant(rng, self.first, self.last)
            cur = rng.choice(lic_curs) if rng.random() < 0.9 or not stray else rng.choice(stray)
            k = rng.choice([0, 1, 1, 2, 2, 3, 4])
            wids = rng.sample(self.work_ids, min(k, len(self.work_ids)))
            refs = [self.ref(w) for w in wids]
            for _ in range(rng.choice([0, 0, 0, 1])):
                refs.append(self.ghost(ghosts))
                ghosts += 1
            rng.shuffle(refs)
            if refs:
                total = rng.choice([Fraction(1), Fraction(1), Fraction(3, 4), Fraction(1, 2),
                                    Fraction(9, 10), Fraction(2, 3)])
                weights = split_unit(rng, len(refs), total)
                for r, wt in zip(refs, weights):
                    r["weight"] = render(rng, wt)
                if len(refs) > 1 and rng.random() < 0.03:
                    refs[-1]["weight"] = "0"  # a zero weight is valid and earns nothing
            ev = {"id": "g-%06d" % (i + 1), "model": rng.choice(self.models), "ts": iso(when),
                  "value": self.value(cur), "currency": cur, "attribution": refs}
            if rng.random() < 0.2:
                ev["voice"] = rng.choice(self.artists)
            self.events.append(ev)
        rng.shuffle(self.events)

    # output ------------------------------------------------------------
    def write(self, out):
        os.makedirs(out, exist_ok=True)

        def dump(name, obj):
            with open(os.path.join(out, name), "w", encoding="utf-8") as fh:
                json.dump(obj, fh, indent=1, ensure_ascii=False)
                fh.write("\n")

        dump("parties.json", {"parties": self.parties})
        dump("works.json", {"works": self.works})
        dump("consents.json", {"consents": self.consents})
        dump("licences.json", {"licences": self.licences})
        manifests = []
        for i, m in enumerate(self.manifests):
            name = "manifest-%d.json" % (i + 1)
            dump(name, m)
            manifests.append(name)
        n_logs = self.rng.randint(1, 3)
        chunks = [[] for _ in range(n_logs)]
        for ev in self.events:
            chunks[self.rng.randrange(n_logs)].append(ev)
        logs = []
        for i, ch in enumerate(chunks):
            name = "log-%d.ndjson" % (i + 1)
            with open(os.path.join(out, name), "w", encoding="utf-8") as fh:
                for ev in ch:
                    fh.write(json.dumps(ev, ensure_ascii=False) + "\n")
            logs.append(name)
        with open(os.path.join(out, "scenario.sh"), "w", encoding="utf-8") as fh:
            fh.write("# seed %d\n" % self.seed)
            fh.write("LICENSEE=%s\n" % LICENSEE)
            fh.write("PERIOD=%s\n" % self.period_label)
            fh.write("REGISTRY='parties.json works.json consents.json licences.json'\n")
            fh.write("MANIFESTS='%s'\n" % " ".join(manifests))
            fh.write("LOGS='%s'\n" % " ".join(logs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    Scenario(a.seed).write(a.out)


if __name__ == "__main__":
    main()
