#!/usr/bin/env python3
"""tests/verifier/fixtures.py — signed statements and checkpoints for
testing tools/verify-statement, built without ledgerline.

usage: tests/verifier/fixtures.py DIR    (writes a corpus into DIR)

As a module: Corpus(dir) makes two Ed25519 keys with `openssl genpkey`,
runs of 1, 2, 3, 4 and 5 parties (one statement per party and a
checkpoint each, Merkle trees over 1 to 5 leaves; every statement with
its statement of account, the run of 4 a restatement), and the helpers
the tests use to build broken envelopes: sign() any payload bytes,
canonical() any statement.

Design decision: nothing here is shared with the verifier it tests.  The
canonical bytes come from json.dumps with sorted keys and no whitespace
(RFC 8785 for what these fixtures hold: ASCII keys, strings and small
integers), the Merkle tree is RFC 6962's recursive MTH and PATH (the
verifier walks RFC 9162's iterative algorithm), and amounts are rounded
by largest remainder as SPEC section 3 says.  So the two sides of every
check are written independently and a mistake in one shows in the other.
Figures are fractions of 60 digits and more, as a large run has them.
"""

import base64
import copy
import hashlib
import json
import os
import random
import subprocess
import sys
from fractions import Fraction

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://ledgerline.dev/statement/v1"
CHECKPOINT_TYPE = "https://ledgerline.dev/checkpoint/v1"
EXPONENTS = {"EUR": 2, "JPY": 0, "BHD": 3, "GBP": 2}
ROUNDING = ("licence total round-half-even to minor units; largest "
            "remainder to parties (ties: party id) and to each party's "
            "lines (ties: component, work id, side)")
# Party names that exercise the string rules of JCS: non-ASCII, a
# character beyond the BMP, a quote, a backslash, a control character.
PARTY_NAMES = {
    "P-ADA": "Ada Strings",
    "P-BLUE": "Bluewater \"Blue\" Collective",
    "P-KAI": "Kai Müller & Söhne",
    "P-NW": "Northwind Records \\ Tōkyō 🎵",
    "P-PUB": "Harbour Music\tPublishing",
}


def canonical(value):
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def fraction_str(q):
    return str(q.numerator) if q.denominator == 1 else "%d/%d" % (
        q.numerator, q.denominator)


def amount_str(minor, e):
    if minor < 0:
        return "-" + amount_str(-minor, e)
    if e == 0:
        return str(minor)
    s = str(minor).rjust(e + 1, "0")
    return s[:-e] + "." + s[-e:]


# ---- RFC 6962 Merkle tree (recursive definitions of section 2.1) ----------

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    """The largest power of two smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def audit_path(m, leaves):
    """PATH(m, D[n]), leaf to root."""
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return audit_path(m, leaves[:k]) + [mth(leaves[k:])]
    return audit_path(m - k, leaves[k:]) + [mth(leaves[:k])]


# ---- amounts ---------------------------------------------------------------

def largest_remainder(exacts, e):
    """Minor units per part: the total rounded half-even, divided by
    largest remainder (ties: the earlier part)."""
    xs = [q * 10**e for q in exacts]
    floors = [x.numerator // x.denominator for x in xs]
    total = round(sum(xs, Fraction(0)))        # Fraction rounds half-even
    left = total - sum(floors)
    order = sorted(range(len(xs)), key=lambda i: (-(xs[i] - floors[i]), i))
    minors = list(floors)
    for i in order[:left]:
        assert xs[i] != floors[i]
        minors[i] += 1
    return minors, total


# ---- one run ---------------------------------------------------------------

def make_lines(rng, party_index):
    """A party's lines: big fractions in EUR, a whole-valued line, yen and
    dinar lines, and for some parties an unallocated line."""
    specs = []
    for k in range(3):
        work = Fraction(rng.randrange(10**61, 10**62),
                        rng.randrange(10**59, 10**60) | 1)
        share = Fraction(rng.choice([1, 1, 2, 3]), rng.choice([3, 4, 7]))
        specs.append(("EUR", "W-%04d" % (10 * party_index + k),
                      "usage" if k else "training", "master", share, work))
    specs.append(("EUR", "W-0099", "training", "publishing",
                  Fraction(1, 4), Fraction(100)))      # exactly 25.00
    specs.append(("JPY", "W-0200", "usage", "master", Fraction(1, 3),
                  Fraction(rng.randrange(10**40, 10**41), 7 * 10**35)))
    specs.append(("BHD", "W-0300", "usage", "publishing", Fraction(5, 8),
                  Fraction(rng.randrange(10**30, 10**31), 3 * 10**28)))
    if party_index % 2 == 0:
        specs.append(("EUR", None, "unallocated", None, Fraction(1),
                      Fraction(1000, 3)))
    lines = []
    for cur, work, component, side, share, work_exact in specs:
        lines.append({
            "licence": "L-2026-%s" % cur, "currency": cur, "work": work,
            "isrc": "GBAYE69%05d" % int(work[2:]) if work else None,
            "iswc": None, "title": "Harbour Lights %s" % work if work
            else None, "component": component, "side": side,
            "share": fraction_str(share),
            "work_exact": fraction_str(work_exact),
            "exact": fraction_str(share * work_exact)})
    return lines


def round_lines(lines):
    """Set each line's amount and return the totals, per currency."""
    totals = []
    for cur in sorted({l["currency"] for l in lines}):
        mine = [l for l in lines if l["currency"] == cur]
        exacts = [Fraction(l["exact"]) for l in mine]
        minors, total = largest_remainder(exacts, EXPONENTS[cur])
        for l, m in zip(mine, minors):
            l["amount"] = amount_str(m, EXPONENTS[cur])
        totals.append({"currency": cur,
                       "exact": fraction_str(sum(exacts, Fraction(0))),
                       "amount": amount_str(total, EXPONENTS[cur])})
    return totals


def minor_of(amount):
    return int(amount.replace(".", ""))


def restate_lines(rng, lines, to_zero):
    """Make lines those of a restatement: each gets the amount it had in
    the superseded posting (previous) and the adjustment; a line that
    disappeared is added with amount zero.  With to_zero every line is
    restated to zero.  Call after round_lines; returns the totals again."""
    if to_zero:
        for l in lines:
            l["exact"] = l["work_exact"] = "0"
    gone = dict(lines[0], work="W-0999", isrc="GBAYE6900999",
                title="Harbour Lights W-0999", exact="0", work_exact="0")
    lines.insert(1, gone)
    totals = round_lines(lines)
    for l in lines:
        e = EXPONENTS[l["currency"]]
        now = minor_of(l["amount"])
        prev = rng.choice([0, now, now + 1, max(now - 7, 0),
                           rng.randrange(1, 10**6)])
        if l is gone or to_zero:
            prev = rng.randrange(1, 10**6)
        l["previous"] = amount_str(prev, e)
        l["adjustment"] = amount_str(now - prev, e)
    return totals


def make_account(rng, lines, totals, party, index, to_zero):
    """The statement of account, per currency of the lines and one more
    (an opening balance alone, in GBP): opening, earned, adjustments
    (minus the lines' previous amounts), payments (every other party is
    settled to zero, the others carry their balance forward, negative or
    not; a party restated to zero has a negative balance, settled as a
    negative amount within its payee's payment) and closing."""
    earned = {t["currency"]: minor_of(t["amount"]) for t in totals}
    prev = {}
    for l in lines:
        if "previous" in l:
            prev[l["currency"]] = (prev.get(l["currency"], 0) +
                                   minor_of(l["previous"]))
    account = []
    for cur in sorted(set(earned) | {"GBP"}):
        e = EXPONENTS[cur]
        opening = rng.randrange(-5000, 0 if to_zero else 10**7)
        adj = -prev.get(cur, 0)
        balance = opening + earned.get(cur, 0) + adj
        payments = []
        if index % 2 == 0 or to_zero:
            payments = [{"payee": "P-KAI" if to_zero else party,
                         "end_to_end_id": "LL-%s-%s-%d" % (
                             party[2:], cur, rng.randrange(10**6)),
                         "amount": amount_str(balance, e)}]
        paid = sum(minor_of(p["amount"]) for p in payments)
        account.append({"currency": cur,
                        "opening": amount_str(opening, e),
                        "earned": amount_str(earned.get(cur, 0), e),
                        "adjustments": amount_str(adj, e),
                        "payments": payments,
                        "closing": amount_str(balance - paid, e)})
    return account


def make_predicate(rng, run_id, party, index, posting=1):
    lines = make_lines(rng, index)
    totals = round_lines(lines)
    to_zero = posting > 1 and index == 3
    if posting > 1:
        totals = restate_lines(rng, lines, to_zero)
    return {
        "run_id": run_id, "posting": posting, "licensee": "P-AI",
        "period": {"label": "2026-Q3", "first": "2026-07-01",
                   "last": "2026-09-30"},
        "party": {"id": party, "name": PARTY_NAMES[party]},
        "totals": totals, "lines": lines,
        "inputs": {"registry": {"sha256": sha256_hex(b"registry")},
                   "manifests": [{"source": "m.json",
                                  "sha256": sha256_hex(b"m")}],
                   "logs": [{"source": "a.ndjson",
                             "sha256": sha256_hex(b"a")}]},
        "rounding": ROUNDING,
        "account": make_account(rng, lines, totals, party, index,
                                to_zero),
    }


def statement(pred, name, ptype=STATEMENT_TYPE, digest=None):
    """The in-toto statement around pred; the subject digest is that of
    pred without "merkle" unless given."""
    if digest is None:
        bare = {k: v for k, v in pred.items() if k != "merkle"}
        digest = sha256_hex(canonical(bare))
    return {"_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": name, "digest": {"sha256": digest}}],
            "predicateType": ptype, "predicate": pred}


def attach_merkle(preds):
    """Set "merkle" on every predicate (leaves in the given order, which
    is party-id order); returns the root in hex."""
    leaves = [leaf_hash(canonical(p)) for p in preds]
    root = mth(leaves)
    for i, p in enumerate(preds):
        p["merkle"] = {"root": root.hex(), "leaf_hash": leaves[i].hex(),
                       "leaf_index": i, "tree_size": len(preds),
                       "audit_path": [h.hex()
                                      for h in audit_path(i, leaves)]}
    return root.hex()


class Run:
    """A run of n parties: statements (in-toto dicts, by party id), the
    checkpoint statement and the Merkle root."""

    def __init__(self, rng, n, posting=1):
        parties = sorted(PARTY_NAMES)[:n]
        self.run_id = "run-%032x" % rng.getrandbits(128)
        self.posting = posting
        preds = [make_predicate(rng, self.run_id, p, i, posting)
                 for i, p in enumerate(parties)]
        self.root = attach_merkle(preds)
        self.statements = {p: statement(pred, p)
                           for p, pred in zip(parties, preds)}
        cp = {"licensee": "P-AI",
              "period": {"label": "2026-Q3", "first": "2026-07-01",
                         "last": "2026-09-30"},
              "run_id": self.run_id, "posting": posting,
              "journal": {"entries": 2 + n,
                          "head": sha256_hex(self.run_id.encode())},
              "merkle_root": self.root}
        self.checkpoint = statement(cp, "checkpoint", CHECKPOINT_TYPE,
                                    sha256_hex(canonical(cp)))


# ---- keys and signatures ----------------------------------------------------

def openssl(*args):
    subprocess.run(("openssl",) + args, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Key:
    """An Ed25519 key pair made by `openssl genpkey`, in dir."""

    def __init__(self, dir, name):
        self.dir = dir
        self.private = os.path.join(dir, name + ".pem")
        self.public = os.path.join(dir, name + ".pub.pem")
        openssl("genpkey", "-algorithm", "ed25519", "-out", self.private)
        openssl("pkey", "-in", self.private, "-pubout", "-out", self.public)
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in",
                              self.public, "-outform", "DER"], check=True,
                             stdout=subprocess.PIPE).stdout
        self.keyid = sha256_hex(der[-32:])

    def sign(self, payload, keyid=None):
        """The DSSE envelope (bytes, as ledgerline writes it) of payload
        bytes, signed over the PAE with `openssl pkeyutl -sign -rawin`."""
        t = PAYLOAD_TYPE.encode()
        pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)
        pae_path = os.path.join(self.dir, "pae.bin")
        sig_path = os.path.join(self.dir, "sig.bin")
        with open(pae_path, "wb") as f:
            f.write(pae)
        openssl("pkeyutl", "-sign", "-inkey", self.private, "-rawin",
                "-in", pae_path, "-out", sig_path)
        with open(sig_path, "rb") as f:
            sig = f.read()
        env = {"payload": base64.b64encode(payload).decode(),
               "payloadType": PAYLOAD_TYPE,
               "signatures": [{"keyid": keyid or self.keyid,
                               "sig": base64.b64encode(sig).decode()}]}
        return canonical(env) + b"\n"


class Corpus:
    """Keys and runs of 1, 2, 3, 4 and 5 parties, written under dir as
    run-N/statements/<party>.dsse.json, run-N/checkpoint.dsse.json and
    run-N/root.  The run of 4 is a restatement (posting 2): its lines
    carry previous and adjustment, each party has a line that
    disappeared, and its fourth party (P-NW) is restated to zero and its
    negative balance settled within a payment."""

    SIZES = (1, 2, 3, 4, 5)
    RESTATED = 4

    def __init__(self, dir, seed=6962):
        self.dir = dir
        os.makedirs(dir, exist_ok=True)
        self.key = Key(dir, "signing")
        self.other = Key(dir, "other")
        rng = random.Random(seed)
        self.runs = {n: Run(rng, n, 2 if n == self.RESTATED else 1)
                     for n in self.SIZES}
        for n, run in self.runs.items():
            sdir = os.path.join(dir, "run-%d" % n, "statements")
            os.makedirs(sdir, exist_ok=True)
            for party, st in run.statements.items():
                self.write(os.path.join(sdir, party + ".dsse.json"),
                           self.key.sign(canonical(st)))
            self.write(self.checkpoint_path(n),
                       self.key.sign(canonical(run.checkpoint)))
            with open(os.path.join(dir, "run-%d" % n, "root"), "w") as f:
                f.write(run.root + "\n")

    def statement_path(self, n, party):
        return os.path.join(self.dir, "run-%d" % n, "statements",
                            party + ".dsse.json")

    def checkpoint_path(self, n):
        return os.path.join(self.dir, "run-%d" % n, "checkpoint.dsse.json")

    @staticmethod
    def write(path, data):
        with open(path, "wb") as f:
            f.write(data)

    def copy_statement(self, n, party):
        """A deep copy of a statement of run n, to break."""
        return copy.deepcopy(self.runs[n].statements[party])

    def resign(self, n, st, remerkle=True, resubject=True):
        """The envelope of st, a (broken) statement of run n, after what
        its signer would redo: with remerkle, run n's Merkle tree rebuilt
        with st's predicate in place of its party's, and st's proof
        replaced; with resubject, its subject digest made right for its
        predicate.  So only the check a case aims at can fail."""
        if remerkle:
            mine = st["predicate"]
            preds = [mine if p == mine["party"]["id"] else
                     copy.deepcopy(self.runs[n].statements[p]["predicate"])
                     for p in sorted(self.runs[n].statements)]
            for p in preds:
                p.pop("merkle")
            attach_merkle(preds)
        if resubject:
            bare = {k: v for k, v in st["predicate"].items()
                    if k != "merkle"}
            st["subject"][0]["digest"]["sha256"] = sha256_hex(
                canonical(bare))
        return self.key.sign(canonical(st))


def main(argv):
    if len(argv) != 1:
        print("usage: tests/verifier/fixtures.py DIR", file=sys.stderr)
        return 2
    corpus = Corpus(argv[0])
    for n in Corpus.SIZES:
        print("run-%d: %d statements, root %s"
              % (n, len(corpus.runs[n].statements), corpus.runs[n].root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
