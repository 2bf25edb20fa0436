#!/usr/bin/env python3
"""gen_accounts.py - seeded random sequences of ledgerline postings over
tests/data/accounts (one licensee, routed parties, payout minimums, EUR,
USD and JPY licences), for tests/integration/t_accounts.sh.

  gen_accounts.py --seed N --steps K --out DIR

writes into DIR the generation logs and registry changes of the sequence
and DIR/plan, one step a line:

  run PERIOD LOG new|noop [LOAD...]
      load the registry files LOAD (a new licence or split version)
      first, then run PERIOD on LOG; `noop` when the inputs and the
      registry are those of the period's posting in force, so the run
      must post nothing and write the same bytes; `new` otherwise (a
      first run, or a restatement: fewer lines, more lines, another
      registry version)
  return R
      the bank returns a payment issued so far, the R-th (mod their
      number) of those not yet returned; a no-op when there is none

Each period has a pool of events; a run's log is a subset of its pool
(lines in pool order).  Values and weights are spelt by
tests/reference/gen_scenario.py's render and split_unit.  The same seed
always gives the same bytes.
"""

import argparse
import copy
import json
import os
import random
import sys
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "reference"))
from gen_scenario import render, split_unit  # noqa: E402

DATA = os.path.join(TOP, "tests", "data", "accounts")
PERIODS = {"2026-07": (2026, 7, 31), "2026-08": (2026, 8, 31), "2026-09": (2026, 9, 30)}
# the works each currency's licence covers (tests/data/accounts/licences.json)
SCOPE = {"EUR": ["W-1", "W-2", "W-3"], "USD": ["W-4", "W-6"], "JPY": ["W-5"]}
POOL_EVENTS = 10


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as fh:
        return json.load(fh)


class Sequence:
    def __init__(self, seed, steps, out):
        self.rng = random.Random(seed)
        self.out = out
        self.steps = steps
        self.pools = {p: self.pool(p) for p in PERIODS}
        self.licences = {l["id"]: l for l in load("licences.json")["licences"]}
        self.works = {w["id"]: w for w in load("works.json")["works"]}
        self.version = 0       # registry changes loaded so far
        self.current = {}      # period -> (frozenset of event indexes, version, log)
        self.plan = []
        self.n_logs = 0
        self.n_loads = 0

    # events ----------------------------------------------------------
    def value(self, cur):
        rng = self.rng
        if rng.random() < 0.1:
            return "0"
        if cur == "JPY":
            return str(rng.randint(1, 900))
        return render(rng, Fraction(rng.randint(1, 600), 100))

    def pool(self, period):
        rng = self.rng
        year, month, days = PERIODS[period]
        events = []
        for i in range(POOL_EVENTS):
            cur = rng.choice(["EUR", "EUR", "USD", "USD", "JPY"])
            works = rng.sample(SCOPE[cur], rng.randint(1, len(SCOPE[cur])))
            total = rng.choice([Fraction(1), Fraction(1), Fraction(3, 4), Fraction(1, 2)])
            weights = split_unit(rng, len(works), total)
            ev = {"id": "g-%02d-%03d" % (month, i + 1), "model": "m-acc",
                  "ts": "%04d-%02d-%02dT%02d:%02d:00Z" % (year, month, rng.randint(1, days),
                                                         rng.randint(0, 23), rng.randint(0, 59)),
                  "value": self.value(cur), "currency": cur,
                  "attribution": [{"work": w, "weight": render(rng, x)}
                                  for w, x in zip(works, weights)]}
            events.append(json.dumps(ev) + "\n")
        return events

    def write_log(self, period, subset):
        self.n_logs += 1
        name = "log-%02d-%s.ndjson" % (self.n_logs, period)
        with open(os.path.join(self.out, name), "w", encoding="utf-8") as fh:
            fh.writelines(self.pools[period][i] for i in sorted(subset))
        return name

    def subset(self, period):
        """A new subset of the period's pool: the first at random, then
        fewer or more lines than the one in force."""
        rng = self.rng
        cur = self.current.get(period)
        everything = set(range(POOL_EVENTS))
        if cur is None:
            return frozenset(rng.sample(sorted(everything), rng.randint(2, 7)))
        s = set(cur[0])
        if len(s) > 1 and (rng.random() < 0.5 or s == everything):
            for i in rng.sample(sorted(s), rng.randint(1, min(3, len(s) - 1))):
                s.discard(i)
        else:
            rest = sorted(everything - s)
            s |= set(rng.sample(rest, rng.randint(1, min(3, len(rest)))))
        return frozenset(s)

    # registry changes ------------------------------------------------
    def licence_version(self):
        rng = self.rng
        lic = copy.deepcopy(self.licences[rng.choice(sorted(self.licences))])
        t = lic.setdefault("terms", {})
        # a rate no earlier version had: the version number is in it
        t["usage_rate"] = render(rng, Fraction(rng.randint(1, 6), 10) + Fraction(self.version, 1000))
        if rng.random() < 0.5:
            t["per_generation"] = render(rng, Fraction(rng.randint(1, 5), 1000))
        self.licences[lic["id"]] = lic
        return {"licences": [lic]}

    def split_version(self):
        rng = self.rng
        cands = [(w, side) for w in sorted(self.works)
                 for side, members in sorted(self.works[w]["splits"].items()) if len(members) > 1]
        wid, side = rng.choice(cands)
        w = copy.deepcopy(self.works[wid])
        members = w["splits"][side]
        old = [Fraction(m["share"]) for m in members]
        shares = old
        while shares == old:
            shares = split_unit(rng, len(members))
        for m, s in zip(members, shares):
            m["share"] = render(rng, s)
        self.works[wid] = w
        return {"works": [w]}

    def registry_change(self):
        self.version += 1
        self.n_loads += 1
        doc = self.licence_version() if self.rng.random() < 0.5 else self.split_version()
        name = "registry-%02d.json" % self.n_loads
        with open(os.path.join(self.out, name), "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")
        return name

    # steps -----------------------------------------------------------
    def run(self, period, subset, loads=()):
        cur = self.current.get(period)
        if cur is not None and cur[0] == subset and cur[1] == self.version:
            log, expect = cur[2], "noop"
        else:
            log, expect = self.write_log(period, subset), "new"
            self.current[period] = (subset, self.version, log)
        self.plan.append(" ".join(["run", period, log, expect] + list(loads)))

    def step(self):
        rng = self.rng
        fresh = [p for p in sorted(PERIODS) if p not in self.current]
        done = sorted(self.current)
        if not done:
            kind = "first"
        else:
            kind = rng.choice(["first", "restate", "restate", "registry", "rerun", "return",
                               "return"])
            if kind == "first" and not fresh:
                kind = "restate"
        if kind == "first":
            p = fresh[0]
            self.run(p, self.subset(p))
        elif kind == "restate":
            p = rng.choice(done)
            self.run(p, self.subset(p))
        elif kind == "registry":
            name = self.registry_change()
            p = rng.choice(done)
            # the same logs under the new registry, or new logs as well
            s = self.current[p][0] if rng.random() < 0.6 else self.subset(p)
            self.run(p, s, [name])
        elif kind == "rerun":
            p = rng.choice(done)
            self.run(p, self.current[p][0])
        else:
            self.plan.append("return %d" % rng.randrange(1000))

    def write(self):
        os.makedirs(self.out, exist_ok=True)
        while len(self.plan) < self.steps:
            self.step()
        with open(os.path.join(self.out, "plan"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(self.plan) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    Sequence(a.seed, a.steps, a.out).write()


if __name__ == "__main__":
    main()
