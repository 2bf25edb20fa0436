#!/usr/bin/env python3
"""Deterministic synthetic data for tools/bench (Python 3 standard library).

    gen.py --outdir DIR --events N --works W --logs K [--seed S] [--jobs J]

Writes into DIR:
  registry/parties.json, works.json, consents.json, licences.json
  manifest.json                     one training manifest over every work
  logs/gen-<k>.ndjson               K generation logs, N events in all
  truth.json                        what the catalogue implies for each work
                                    (licence, eligibility, opt-out cut-off),
                                    for the exact cross-checks
  params.json                       the parameters and per-log line/byte
                                    counts; written last, so its presence
                                    means the data set is complete

Same parameters and seed -> byte-identical files.  The logs are written by
up to J worker processes (one log file each), in large buffered chunks,
from precomputed string fragments.

Catalogue design (SPEC §2.1):
  * licensee P-AI; 4 labels (P-LBL-1..4), 3 publishers, A artists and A
    songwriters, all with valid IBANs (mod-97 check digits computed here);
    about a third of the artists have no account of their own and are
    paid through their label ("payee").
  * work i: master = label 3/4 + artist 1/4, publishing = publisher 1/2 +
    songwriter 1/2.  Label 4 has no licence (5 % of works: no_licence).
  * consents: every party opts in to training and generation on
    2026-01-01 (all_works), except: ~3 % of artists never opt in to
    generation (no_consent), ~2 % opt out of it (opted_out), and ~1 % of
    works get a per-work generation opt-out by their artist effective
    2026-08-15 (eligible before, opted_out from then on).  A few artists
    withdraw training consent on 2026-05-01 (after trained_at).
  * 3 licences of P-AI (catalog_of label 1..3), 2026-01-01..2026-12-31,
    EUR, every term present.
"""
import argparse
import json
import os
import random
import sys
from multiprocessing import Pool

GEN_VERSION = 1
MODEL = "m-bench-1"
TRAINED_AT = "2026-03-01T00:00:00Z"
CUTOFF = "2026-08-15T00:00:00Z"
N_LABELS = 4            # label 4 has no licence
N_PUBLISHERS = 3
CHUNK_EVENTS = 20000    # events per write()

# Weight vectors: 8 decimal weights each, every vector sums to <= 1.
WEIGHTS = [
    ["0.1250"] * 8,                                                   # 1
    ["0.2000", "0.1500", "0.1000", "0.1000", "0.1000", "0.0500",
     "0.0500", "0.0500"],                                             # 0.8
    ["0.3000", "0.2000", "0.1000", "0.1000", "0.0800", "0.0700",
     "0.0600", "0.0400"],                                             # 0.95
    ["0.0625"] * 8,                                                   # 0.5
    ["0.4000", "0.1000", "0.1000", "0.1000", "0.1000", "0.1000",
     "0.0500", "0.0500"],                                             # 1
    ["0.1100", "0.1100", "0.1100", "0.1100", "0.1100", "0.1100",
     "0.1100", "0.1100"],                                             # 0.88
    ["0.2500", "0.1250", "0.1250", "0.1250", "0.1250", "0.1000",
     "0.0750", "0.0500"],                                             # 0.975
    ["0.0100", "0.0200", "0.0300", "0.0400", "0.0500", "0.0600",
     "0.0700", "0.0800"],                                             # 0.36
]
VALUES = ["0.0400", "0.0400", "0.0400", "0.0400", "0.0200", "0.0200",
          "0.0125", "0.1000", "0.2500", "0.0800", "0.0400", "0", "1.2000",
          "0.0050", "0.0400", "0.0300"]
PERIOD_FIRST_DAY = (2026, 7, 1)
PERIOD_DAYS = 92        # 2026-07-01 .. 2026-09-30


def iban(country, bban):
    """An IBAN with correct ISO 13616 mod-97 check digits."""
    s = bban + country + "00"
    digits = "".join(str(int(c, 36)) for c in s)
    check = 98 - int(digits) % 97
    return "%s%02d%s" % (country, check, bban)


def de_iban(n):
    return iban("DE", "%08d%010d" % (10020030 + n % 1000, 1000000 + n))


def days():
    import datetime
    d0 = datetime.date(*PERIOD_FIRST_DAY)
    return [(d0 + datetime.timedelta(days=i)).isoformat()
            for i in range(PERIOD_DAYS)]


def width(w):
    return max(6, len(str(w)))


def work_id(i, wd):
    return "W-%0*d" % (wd, i)


def catalogue(works, seed):
    """Registries, manifest and truth; all deterministic."""
    rnd = random.Random(seed)
    wd = width(works)
    n_art = max(8, min(2000, works // 20))
    parties = [{"id": "P-AI", "name": "Synth Co (bench)", "kind": "licensee",
                "payout": {"method": "iban", "iban": de_iban(0),
                           "bic": "BYLADEM1001", "currency": "EUR"}}]
    acct = 1
    for k in range(1, N_LABELS + 1):
        parties.append({"id": "P-LBL-%d" % k, "name": "Bench Label %d" % k,
                        "kind": "label",
                        "payout": {"method": "iban", "iban": de_iban(acct),
                                   "bic": "COBADEFFXXX", "currency": "EUR"}})
        acct += 1
    for k in range(1, N_PUBLISHERS + 1):
        parties.append({"id": "P-PUB-%d" % k,
                        "name": "Bench Publishing %d" % k,
                        "kind": "publisher",
                        "payout": {"method": "iban", "iban": de_iban(acct),
                                   "currency": "EUR"}})
        acct += 1
    art_ids, sw_ids = [], []
    for k in range(n_art):
        pid = "P-ART-%04d" % k
        art_ids.append(pid)
        p = {"id": pid, "name": "Bench Artist %d" % k, "kind": "artist"}
        if k % 3 == 0:
            p["payee"] = "P-LBL-%d" % (1 + k % N_LABELS)
        else:
            p["payout"] = {"method": "iban", "iban": de_iban(acct),
                           "currency": "EUR"}
            acct += 1
        parties.append(p)
    for k in range(n_art):
        pid = "P-SW-%04d" % k
        sw_ids.append(pid)
        parties.append({"id": pid, "name": "Bench Songwriter %d" % k,
                        "kind": "songwriter",
                        "payout": {"method": "iban", "iban": de_iban(acct),
                                   "currency": "EUR"}})
        acct += 1

    # Artists' generation consent: 'in' (most), 'none' (no record), 'out'.
    art_gen = {}
    for k, pid in enumerate(art_ids):
        r = rnd.random()
        art_gen[pid] = "none" if r < 0.03 else "out" if r < 0.05 else "in"
    # A handful of artists withdraw training consent after trained_at.
    withdraw = set(rnd.sample(art_ids, max(1, n_art // 100)))

    works_l, items, truth = [], [], {}
    cut_works = []
    for i in range(1, works + 1):
        wid = work_id(i, wd)
        label = N_LABELS if i % 20 == 0 else 1 + i % 3
        art = art_ids[(i * 7919) % n_art]
        sw = sw_ids[(i * 104729) % n_art]
        pub = "P-PUB-%d" % (1 + i % N_PUBLISHERS)
        dur = 120000 + rnd.randrange(0, 240000)
        isrc = "DEB%02d26%05d" % (i // 100000, i % 100000)
        works_l.append({
            "id": wid, "isrc": isrc, "title": "Bench Work %d" % i,
            "duration_ms": dur,
            "splits": {
                "master": [{"party": "P-LBL-%d" % label, "share": "3/4"},
                           {"party": art, "share": "1/4"}],
                "publishing": [{"party": pub, "share": "1/2"},
                               {"party": sw, "share": "1/2"}]}})
        items.append({"work": wid, "duration_ms": dur})
        lic = "L-BENCH-%d" % label if label < N_LABELS else None
        reason = None
        if lic is None:
            reason = "no_licence"
        elif art_gen[art] == "none":
            reason = "no_consent"
        elif art_gen[art] == "out":
            reason = "opted_out"
        cut = None
        if reason is None and rnd.random() < 0.01:
            cut = CUTOFF
            cut_works.append((wid, art))
        truth[wid] = {"licence": lic, "reason": reason, "cutoff": cut}

    consents = []
    cid = 0

    def consent(party, use, decision, effective, work=None):
        nonlocal cid
        cid += 1
        c = {"id": "C-%06d" % cid, "party": party}
        if work:
            c["work"] = work
        else:
            c["all_works"] = True
        c.update({"use": use, "decision": decision, "effective": effective})
        consents.append(c)

    jan = "2026-01-01T00:00:00Z"
    for p in parties:
        if p["kind"] == "licensee":
            continue
        consent(p["id"], "training", "opt_in", jan)
        if p["kind"] == "artist":
            g = art_gen[p["id"]]
            if g == "in":
                consent(p["id"], "generation", "opt_in", jan)
            elif g == "out":
                consent(p["id"], "generation", "opt_out", jan)
            consent(p["id"], "voice", "opt_in", jan)
            if p["id"] in withdraw:
                consent(p["id"], "training", "opt_out",
                        "2026-05-01T00:00:00Z")
        else:
            consent(p["id"], "generation", "opt_in", jan)
    for wid, art in cut_works:
        consent(art, "generation", "opt_out", CUTOFF, work=wid)

    terms = [
        {"training_fee": "250000.00", "training_basis": "duration",
         "usage_rate": "0.30", "per_generation": "0.0020",
         "minimum_guarantee": "50000.00", "master_share": "1/2"},
        {"training_fee": "80000.00", "training_basis": "count",
         "usage_rate": "1/4", "per_generation": "0.0015",
         "minimum_guarantee": "900000.00", "master_share": "3/5"},
        {"training_fee": "120000.00", "training_basis": "duration",
         "usage_rate": "0.35", "per_generation": "0.0010",
         "minimum_guarantee": "10000.00", "master_share": "1/2"},
    ]
    licences = []
    for k in range(1, N_LABELS):
        licences.append({
            "id": "L-BENCH-%d" % k, "licensee": "P-AI",
            "licensor": "P-LBL-%d" % k,
            "scope": {"catalog_of": "P-LBL-%d" % k},
            "uses": ["training", "generation"],
            "start": "2026-01-01", "end": "2026-12-31", "currency": "EUR",
            "terms": terms[k - 1]})
    manifest = {"model": MODEL, "training_run": "tr-bench-2026-03",
                "trained_at": TRAINED_AT, "licensee": "P-AI",
                "items": items}
    truth_doc = {"licences": {l["id"]: l["terms"] for l in licences},
                 "works": truth}
    return ({"parties": parties}, {"works": works_l},
            {"consents": consents}, {"licences": licences}, manifest,
            truth_doc)


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def write_log(task):
    """One log file: events [first, first+count) with file seed."""
    path, first, count, works, seed, n_art = task
    rnd = random.Random(seed)
    wd = width(works)
    pre = [None] + ['{"work": "%s", "weight": "' % work_id(i, wd)
                    for i in range(1, works + 1)]
    day = days()
    tod = ["%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
           for s in range(86400)]
    weights = [[w + '"}' for w in v] for v in WEIGHTS]
    nw, nv = len(weights), len(VALUES)
    voices = ['}'] * 7 + [None]
    artists = [', "voice": "P-ART-%04d"}' % k for k in range(n_art)]
    stride_max = max(1, (works - 1) // 7)    # 7*stride < works: distinct
    getbits = rnd.getrandbits
    head = '{"id": "g-%010d", "model": "' + MODEL + '", "ts": "%sT%sZ", ' \
           '"value": "%s", "currency": "EUR", "attribution": ['
    tmp = path + ".tmp"
    total = 0
    with open(tmp, "w", encoding="ascii", buffering=1 << 22) as f:
        n = first
        end = first + count
        while n < end:
            m = min(end, n + CHUNK_EVENTS)
            buf = []
            app = buf.append
            for g in range(n, m):
                x = getbits(64)
                y = getbits(64)
                start = x % works
                stride = 1 + (x >> 24) % stride_max
                wv = weights[(x >> 48) % nw]
                parts = []
                j = start
                for k in range(8):
                    parts.append(pre[j + 1] + wv[k])
                    j += stride
                    if j >= works:
                        j -= works
                tail = voices[y & 7]
                if tail is None:
                    tail = artists[(y >> 3) % n_art]
                app(head % (g, day[(y >> 44) % PERIOD_DAYS],
                            tod[(y >> 16) % 86400], VALUES[(x >> 56) % nv]))
                app(", ".join(parts))
                app("]" + tail + "\n")
            s = "".join(buf)
            total += len(s)
            f.write(s)
            n = m
    os.replace(tmp, path)
    return (os.path.basename(path), count, total)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--works", type=int, required=True)
    ap.add_argument("--logs", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20260701)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if a.works < 16:
        ap.error("--works must be at least 16")
    if a.events < 1 or a.logs < 1 or a.logs > a.events:
        ap.error("need --events >= --logs >= 1")
    out = a.outdir
    os.makedirs(os.path.join(out, "registry"), exist_ok=True)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    pp = os.path.join(out, "params.json")
    if os.path.exists(pp):
        os.unlink(pp)
    parties, works, consents, licences, manifest, truth = \
        catalogue(a.works, a.seed)
    n_art = sum(1 for p in parties["parties"] if p["kind"] == "artist")
    for name, doc in (("parties", parties), ("works", works),
                      ("consents", consents), ("licences", licences)):
        write_json(os.path.join(out, "registry", name + ".json"), doc)
    write_json(os.path.join(out, "manifest.json"), manifest)
    write_json(os.path.join(out, "truth.json"), truth)

    tasks, first = [], 0
    for k in range(a.logs):
        cnt = a.events // a.logs + (1 if k < a.events % a.logs else 0)
        tasks.append((os.path.join(out, "logs", "gen-%d.ndjson" % (k + 1)),
                      first, cnt, a.works, a.seed * 1000 + k + 1, n_art))
        first += cnt
    jobs = max(1, min(a.jobs, a.logs))
    if jobs == 1:
        res = [write_log(t) for t in tasks]
    else:
        with Pool(jobs) as pool:
            res = pool.map(write_log, tasks, chunksize=1)
    params = {"gen_version": GEN_VERSION, "events": a.events,
              "works": a.works, "logs": a.logs, "seed": a.seed,
              "model": MODEL,
              "files": [{"name": n, "lines": c, "bytes": b}
                        for n, c, b in res],
              "counts": {"parties": len(parties["parties"]),
                         "works": a.works,
                         "consents": len(consents["consents"]),
                         "licences": len(licences["licences"])}}
    write_json(pp, params)
    return 0


if __name__ == "__main__":
    sys.exit(main())
