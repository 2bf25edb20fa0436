#!/usr/bin/env python3
"""check_accounts.py - hold ledgerline's outputs, step by step, against the
model of the payment rule (accounts.py), for
tests/integration/t_accounts.sh.

  check_accounts.py STATE init
  check_accounts.py STATE post --licensee L --period P --parties F...
                    --out DIR --expect new|noop
  check_accounts.py STATE pick-return R       prints an end-to-end id or ""
  check_accounts.py STATE returned E2E

STATE is a file (pickle) carrying the model and what ledgerline issued so
far between calls.  `post` feeds the model the party totals of the
statements ledgerline signed in DIR (SPEC §4: how lines and totals are
computed is checked against another reference elsewhere) and the
registry's parties (the files F..., later ones overriding earlier ones by
id, as loading a new version does), then checks:

  - payouts.csv: per (payee, currency) exactly the model's payments, each
    amount > 0, and summed over every posting so far equal to the
    model's; payouts-<CUR>.xml: every amount > 0 and the same as the CSV's;
  - remittance.csv: per payment, one row per party the model says it
    settled, with the model's amount, summing to the payment;
  - an end-to-end id is never issued again for another payee, currency or
    amount;
  - the statements: one for every party the posting touches (every party
    whose total changed among them) and none for any other, each with
    the model's opening, earned, adjustments, payments and closing per
    currency, and its posting number;
  - --expect noop: every file is byte for byte the file of the posting in
    force for the period, and the model does not move.

Prints every discrepancy, one a line, and exits 1 on any.
"""

import base64
import csv
import hashlib
import json
import os
import pickle
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from accounts import Model, Registry, exponent, from_minor, to_minor  # noqa: E402

PAYOUTS_HEADER = ["payee_id", "payee_name", "currency", "amount", "iban", "bic",
                  "end_to_end_id", "statement_sha256"]
REMITTANCE_HEADER = ["end_to_end_id", "payee_id", "party_id", "currency", "amount",
                     "statement_sha256"]
FIGURES = ("opening", "earned", "adjustments", "payments", "closing")


class State:
    def __init__(self):
        self.model = Model()
        self.e2e = {}        # end_to_end_id -> (payee, currency, amount, model key)
        self.file_paid = {}  # (payee, currency) -> minor, summed over payouts.csv files
        self.outs = {}       # (licensee, period) -> the out dir of the posting in force
        self.step = 0


def load_state(path):
    with open(path, "rb") as fh:
        return pickle.load(fh)


def save_state(path, st):
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(st, fh)
    os.replace(tmp, path)


def read_csv(path, header, bad):
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as e:
        bad.append("cannot read %s: %s" % (path, e))
        return []
    if not rows or rows[0] != header:
        bad.append("%s: header %r, expected %r" % (path, rows[0] if rows else None, header))
        return []
    return rows[1:]


def money(s, cur, what, bad):
    try:
        return to_minor(s, exponent(cur))
    except (ValueError, KeyError) as e:
        bad.append("%s: %s" % (what, e))
        return None


def registry_of(files):
    parties = {}
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for r in json.load(fh).get("parties", []):
                parties[r["id"]] = r
    return Registry.from_json(parties.values())


# ---------------------------------------------------------------- statements

def predicates(out, bad):
    """{party: predicate} of the statements in out/statements."""
    preds = {}
    d = os.path.join(out, "statements")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not name.endswith(".dsse.json"):
            continue
        with open(os.path.join(d, name), encoding="utf-8") as fh:
            env = json.load(fh)
        st = json.loads(base64.b64decode(env["payload"]))
        pred = st["predicate"]
        pid = pred["party"]["id"]
        if name != pid + ".dsse.json":
            bad.append("statements/%s is the statement of %s" % (name, pid))
        preds[pid] = (pred, hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest())
    return preds


def run_totals(out, bad):
    """{(party, currency): minor} from run.json's licences: the same signed
    figures by another path, so that a statement left out is seen."""
    try:
        with open(os.path.join(out, "run.json"), encoding="utf-8") as fh:
            run = json.load(fh)
    except (OSError, ValueError) as e:
        bad.append("cannot read run.json: %s" % e)
        return {}
    totals = {}
    for lic in run.get("licences", []):
        cur = lic["currency"]
        for p in lic.get("parties", []):
            v = money(p["amount"], cur, "run.json %s %s" % (lic["licence"], p["party"]), bad)
            if v is not None:
                totals[(p["party"], cur)] = totals.get((p["party"], cur), 0) + v
    return totals


def totals_of(preds, bad):
    """The model's input: {(party, currency): minor} from the signed totals."""
    totals = {}
    for pid, (pred, _) in preds.items():
        for t in pred.get("totals", []):
            cur = t["currency"]
            v = money(t["amount"], cur, "statement of %s: totals %s" % (pid, cur), bad)
            if v is not None:
                totals[(pid, cur)] = v
    return totals


def amount_of(v, cur, what, bad):
    """An account figure: a decimal string, or an object or list of objects
    with an "amount" (payments with their payee and end_to_end_id)."""
    if isinstance(v, str):
        return money(v, cur, what, bad)
    if isinstance(v, dict):
        return amount_of(v.get("amount"), cur, what, bad)
    if isinstance(v, list):
        n = 0
        for x in v:
            a = amount_of(x, cur, what, bad)
            if a is None:
                return None
            n += a
        return n
    bad.append("%s: %r is not an amount" % (what, v))
    return None


def accounts_of(pid, pred, bad):
    """{currency: (opening, earned, adjustments, payments, closing, raw)}
    of a statement's account figures."""
    acc = pred.get("account", pred.get("accounts"))
    if acc is None:
        bad.append("statement of %s has no account figures (opening, earned, "
                   "adjustments, payments, closing)" % pid)
        return {}
    if isinstance(acc, dict):
        acc = [dict(v, currency=k) if "currency" not in v else v for k, v in sorted(acc.items())]
    out = {}
    for a in acc:
        cur = a.get("currency")
        what = "statement of %s: account %s" % (pid, cur)
        if cur in out:
            bad.append("%s: twice" % what)
        figs = tuple(amount_of(a.get(f), cur, "%s %s" % (what, f), bad) for f in FIGURES)
        if None not in figs:
            out[cur] = figs + (a,)
    return out


def payments_detail(raw):
    """The (payee, end_to_end_id) pairs a statement names for its payments."""
    v = raw.get("payments")
    items = v if isinstance(v, list) else [v] if isinstance(v, dict) else []
    out = set()
    for x in items:
        e = x.get("end_to_end_id")
        if e is not None:
            out.add((x.get("payee"), e))
    for k in ("payment", "payment_detail"):
        x = raw.get(k)
        if isinstance(x, dict) and x.get("end_to_end_id"):
            out.add((x.get("payee"), x["end_to_end_id"]))
    return out


def check_statements(st, post, preds, prev_totals, totals, e2e_of, bad):
    touched = {}
    for (party, cur), acc in post.accounts.items():
        touched.setdefault(party, {})[cur] = acc
    for party in sorted(set(touched) - set(preds)):
        changed = [c for c in touched[party]
                   if totals.get((party, c), 0) != prev_totals.get((party, c), 0)]
        why = ("its total changed in %s" % ",".join(changed)) if changed else "it is touched"
        bad.append("no statement for %s, though %s (model: %s)"
                   % (party, why, "; ".join("%s %r" % kv for kv in sorted(touched[party].items()))))
    for party in sorted(set(preds) - set(touched)):
        bad.append("a statement for %s, which this posting does not touch" % party)
    for party in sorted(set(preds) & set(touched)):
        pred = preds[party][0]
        if "posting" in pred and pred["posting"] != post.number:
            bad.append("statement of %s: posting %r, the model says %d"
                       % (party, pred["posting"], post.number))
        got = accounts_of(party, pred, bad)
        for cur in sorted(set(got) | set(touched[party])):
            e = exponent(cur)
            acc = touched[party].get(cur)
            if acc is None:
                b = st.model.balance(post.licensee, party, cur)
                want = (b, 0, 0, 0, b)
            else:
                want = acc.figures()
            if cur not in got:
                bad.append("statement of %s: no account in %s (model: %s)"
                           % (party, cur, " ".join(from_minor(x, e) for x in want)))
                continue
            have = got[cur][:5]
            if have != want:
                bad.append("statement of %s, %s: opening/earned/adjustments/payments/closing "
                           "%s, model %s" % (party, cur, " ".join(from_minor(x, e) for x in have),
                                             " ".join(from_minor(x, e) for x in want)))
            named = payments_detail(got[cur][5])
            for payee, e2e in sorted(named, key=str):
                m = e2e_of.get(e2e)
                if m is None or m[0] != payee or m[1] != cur:
                    bad.append("statement of %s, %s: payment %s to %s is not a payment of "
                               "this posting's payouts.csv to that payee in %s"
                               % (party, cur, e2e, payee, cur))


# ---------------------------------------------------------------- payments

def check_payouts(st, post, out, bad):
    """payouts.csv, payouts-*.xml and remittance.csv against the model;
    returns {end_to_end_id: (payee, currency, amount)} of this posting."""
    rows = read_csv(os.path.join(out, "payouts.csv"), PAYOUTS_HEADER, bad)
    mine = {}
    got = {}
    for r in rows:
        payee, cur, amt, e2e = r[0], r[2], r[3], r[6]
        v = money(amt, cur, "payouts.csv %s %s" % (payee, cur), bad)
        if v is None:
            continue
        if v <= 0:
            bad.append("payouts.csv: %s %s amount %s is not positive" % (payee, cur, amt))
        if (payee, cur) in got:
            bad.append("payouts.csv: two rows for %s %s" % (payee, cur))
        got[(payee, cur)] = v
        if e2e in mine:
            bad.append("payouts.csv: end_to_end_id %s on two rows" % e2e)
        mine[e2e] = (payee, cur, v)
        st.file_paid[(payee, cur)] = st.file_paid.get((payee, cur), 0) + v
    want = post.paid()
    for k in sorted(set(got) | set(want)):
        if got.get(k) != want.get(k):
            e = exponent(k[1])
            bad.append("step %d: payment to %s in %s: payouts.csv %s, model %s"
                       % (st.step, k[0], k[1],
                          "none" if k not in got else from_minor(got[k], e),
                          "none" if k not in want else from_minor(want[k], e)))
    for e2e, (payee, cur, v) in sorted(mine.items()):
        pay = st.model.find_payment(post.seq, payee, cur)
        key = pay.key() if pay else None
        seen = st.e2e.get(e2e)
        if seen is not None and seen[:3] != (payee, cur, v):
            bad.append("end_to_end_id %s issued again: first %s %s %s, now %s %s %s"
                       % ((e2e,) + seen[:3] + (payee, cur, v)))
        elif seen is not None and seen[3] != key:
            bad.append("end_to_end_id %s issued again by another posting (%r, now %r)"
                       % (e2e, seen[3], key))
        if seen is None:
            st.e2e[e2e] = (payee, cur, v, key)
    check_xml(out, mine, bad)
    check_remittance(post, out, mine, bad)
    return mine


def check_xml(out, mine, bad):
    ns = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"
    for name in sorted(os.listdir(out)):
        if not (name.startswith("payouts-") and name.endswith(".xml")):
            continue
        cur = name[len("payouts-"):-len(".xml")]
        try:
            root = ET.parse(os.path.join(out, name)).getroot()
        except ET.ParseError as e:
            bad.append("%s: %s" % (name, e))
            continue
        for tx in root.iter(ns + "CdtTrfTxInf"):
            e2e = tx.find("%sPmtId/%sEndToEndId" % (ns, ns))
            amt = tx.find("%sAmt/%sInstdAmt" % (ns, ns))
            if e2e is None or amt is None:
                bad.append("%s: a transaction without EndToEndId or InstdAmt" % name)
                continue
            v = money(amt.text, cur, "%s %s" % (name, e2e.text), bad)
            if v is not None and v <= 0:
                bad.append("%s: %s amount %s is not positive" % (name, e2e.text, amt.text))
            m = mine.get(e2e.text)
            if m is None or m[1] != cur or m[2] != v:
                bad.append("%s: %s %s is not a row of payouts.csv" % (name, e2e.text, amt.text))


def check_remittance(post, out, mine, bad):
    rows = read_csv(os.path.join(out, "remittance.csv"), REMITTANCE_HEADER, bad)
    by = {}
    for r in rows:
        e2e, payee, party, cur, amt = r[:5]
        v = money(amt, cur, "remittance.csv %s %s" % (e2e, party), bad)
        if v is None:
            continue
        if v == 0:
            bad.append("remittance.csv: %s settles %s by nothing" % (e2e, party))
        m = mine.get(e2e)
        if m is None:
            bad.append("remittance.csv: %s is not a payment of payouts.csv" % e2e)
            continue
        if (payee, cur) != m[:2]:
            bad.append("remittance.csv: %s names %s %s, payouts.csv %s %s"
                       % (e2e, payee, cur, m[0], m[1]))
        d = by.setdefault(e2e, {})
        if party in d:
            bad.append("remittance.csv: %s settles %s twice" % (e2e, party))
        d[party] = v
    for e2e, (payee, cur, v) in sorted(mine.items()):
        d = by.get(e2e, {})
        e = exponent(cur)
        if sum(d.values()) != v:
            bad.append("remittance.csv: the rows of %s sum to %s, payouts.csv says %s"
                       % (e2e, from_minor(sum(d.values()), e), from_minor(v, e)))
        pay = post.paid().get((payee, cur)) is not None and \
            next(p for p in post.payments if (p.payee, p.currency) == (payee, cur))
        if pay and d != pay.settled:
            bad.append("remittance.csv: %s (%s %s) settles %s, model %s"
                       % (e2e, payee, cur,
                          {k: from_minor(x, e) for k, x in sorted(d.items())},
                          {k: from_minor(x, e) for k, x in sorted(pay.settled.items())}))


def same_tree(a, b, bad):
    def files(d):
        out = []
        for root, dirs, names in os.walk(d):
            dirs[:] = [x for x in dirs if not x.startswith(".ledgerline-")]
            out += [os.path.relpath(os.path.join(root, n), d) for n in names
                    if not n.startswith(".ledgerline-")]
        return sorted(out)
    fa, fb = files(a), files(b)
    if fa != fb:
        bad.append("the rerun wrote files %r, the posting in force %r" % (fb, fa))
    for f in sorted(set(fa) & set(fb)):
        if open(os.path.join(a, f), "rb").read() != open(os.path.join(b, f), "rb").read():
            bad.append("the rerun wrote %s differently" % f)


# ---------------------------------------------------------------- commands

def cmd_post(st, a, bad):
    key = (a.licensee, a.period)
    if a.expect == "noop":
        if key not in st.outs:
            bad.append("a no-op rerun of a period never posted")
        else:
            same_tree(st.outs[key], a.out, bad)
        return
    st.step += 1
    preds = predicates(a.out, bad)
    totals = totals_of(preds, bad)
    from_run = run_totals(a.out, bad)
    for k in sorted(set(totals) | set(from_run)):
        # a party restated to zero keeps its statement, with a zero total
        # and no party total in run.json: it has no lines in this run
        if totals.get(k, 0) != from_run.get(k, 0) or (k in from_run and k not in totals):
            bad.append("%s %s: the statements' totals say %s, run.json %s"
                       % (k + (totals.get(k, "nothing"), from_run.get(k, "nothing"))))
    totals = {k: v for k, v in totals.items() if k in from_run}
    prev = dict(st.model.current.get(key, {}))
    post = st.model.post(a.licensee, a.period, totals, registry_of(a.parties))
    mine = check_payouts(st, post, a.out, bad)
    check_statements(st, post, preds, prev, totals, mine, bad)
    want = st.model.paid_totals()
    for k in sorted(set(want) | set(st.file_paid)):
        if want.get(k, 0) != st.file_paid.get(k, 0):
            e = exponent(k[1])
            bad.append("over every posting so far, payouts.csv pays %s %s %s, the model %s"
                       % (k[0], k[1], from_minor(st.file_paid.get(k, 0), e),
                          from_minor(want.get(k, 0), e)))
    st.outs[key] = a.out
    print("step %d: posting %d of %s: %d payments, %d statements"
          % (st.step, post.number, a.period, len(post.payments), len(preds)))


def open_payments(st):
    return sorted(e for e, v in st.e2e.items()
                  if v[3] is not None and not st.model.find_payment(*v[3]).returned)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("state")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init")
    p = sub.add_parser("post")
    p.add_argument("--licensee", required=True)
    p.add_argument("--period", required=True)
    p.add_argument("--parties", nargs="+", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--expect", choices=["new", "noop"], required=True)
    p = sub.add_parser("pick-return")
    p.add_argument("r", type=int)
    p = sub.add_parser("returned")
    p.add_argument("e2e")
    a = ap.parse_args(argv)
    if a.cmd == "init":
        save_state(a.state, State())
        return 0
    st = load_state(a.state)
    bad = []
    if a.cmd == "post":
        cmd_post(st, a, bad)
    elif a.cmd == "pick-return":
        ids = open_payments(st)
        print(ids[a.r % len(ids)] if ids else "")
        return 0
    else:
        v = st.e2e.get(a.e2e)
        if v is None or v[3] is None:
            bad.append("%s is not a payment the model knows" % a.e2e)
        else:
            st.model.return_payment(st.model.find_payment(*v[3]))
    for b in bad:
        print(b)
    if bad:
        return 1
    save_state(a.state, st)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
