#!/usr/bin/env python3
"""accounts.py - an independent model of ledgerline's accounts and payment
rule, written from SPEC §2.1 (parties: payee, payout.minimum), §4
(payouts.csv, remittance.csv, the statements' account figures) and §5
("Balances and payments"), not from ledgerline's C code.

What it models, in integer minor units per currency:

  - per licensee, for each (party, currency), the open balance: everything
    posted to the party (all periods, all restatements) minus everything
    paid to it, plus what a returned payment gave back;
  - per (licensee, period), the party totals of the posting in force.

A posting (Model.post) takes the new posting's party totals per currency
(the figures ledgerline signed in the statements' `totals`: how a line or
a total is computed is checked against another reference elsewhere; this
model is about what happens to the totals), the registry's parties (payee
routing, payout currency and minimum) and gives back the payments, what
each payment settled per party, and every touched party's opening,
earned, adjustments, payments and closing.

The rule, as SPEC §5 states it:

  - earned = this posting's total; adjustments = minus the party's total
    in the posting this one supersedes (0 for a first posting);
  - after the posting, each payee is paid, per currency, the sum of the
    open balances of the parties routed to it (a party's `payee`, else the
    party itself) when that sum is > 0 and, in the payee's payout
    currency, at least its `payout.minimum` (any positive sum in another
    currency, or with no minimum); the payment settles each of those
    parties' non-zero balances to zero;
  - anything else carries forward: a negative or too small sum is never
    sent;
  - a returned payment (Model.return_payment) reopens exactly the
    balances it settled; the licensee's next posting pays them again.

A party is touched by a posting, and has a statement with account figures
for a currency, when it has lines in that currency in this posting or in
the superseded one, or a payment settles a non-zero balance of it there.
For every touched (party, currency):
  opening + earned + adjustments - payments = closing.

Design decision: the model knows nothing of end-to-end ids (ledgerline
derives them); a payment is named by the posting's sequence number, the
payee and the currency, and the caller maps ledgerline's ids onto that.
Only the Python standard library; no floating point (Fraction for the
minimum, integers for money).
"""

from fractions import Fraction
import re

# ISO 4217 minor-unit digits of the currencies the tests use
EXPONENTS = {
    "EUR": 2, "USD": 2, "GBP": 2, "SEK": 2, "CHF": 2, "NOK": 2, "DKK": 2,
    "JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3,
}

_EXACT = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?(/[1-9][0-9]*)?$")
_AMOUNT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


def exponent(currency):
    """The minor-unit digits of `currency`; KeyError for one not listed."""
    return EXPONENTS[currency]


def parse_exact(s):
    """An exact-number string (SPEC §2: decimal or fraction, no sign) as a
    Fraction; ValueError for anything else."""
    if not isinstance(s, str) or not _EXACT.match(s):
        raise ValueError("not an exact number string: %r" % (s,))
    return Fraction(s)


def to_minor(amount, e):
    """A decimal money string with exactly e decimals (and an optional
    minus sign) as integer minor units; ValueError otherwise."""
    if not isinstance(amount, str) or not _AMOUNT.match(amount):
        raise ValueError("not a decimal amount: %r" % (amount,))
    digits = amount.lstrip("-").partition(".")[2]
    if len(digits) != e:
        raise ValueError("%r does not have exactly %d decimals" % (amount, e))
    q = Fraction(amount) * 10 ** e
    assert q.denominator == 1
    return int(q)


def from_minor(n, e):
    """Integer minor units as a decimal string with exactly e decimals."""
    sign = "-" if n < 0 else ""
    n = abs(n)
    if e == 0:
        return "%s%d" % (sign, n)
    return "%s%d.%0*d" % (sign, n // 10 ** e, e, n % 10 ** e)


class Party:
    """What the payment rule needs of a party record."""

    def __init__(self, pid, payee=None, currency=None, minimum=None):
        self.id = pid
        self.payee = payee
        self.currency = currency  # payout currency, None without payout
        self.minimum = minimum    # Fraction in the payout currency, or None


class Registry:
    """The parties in force at a posting: routing and minimums."""

    def __init__(self, parties=()):
        self.parties = {}
        for p in parties:
            self.parties[p.id] = p

    @classmethod
    def from_json(cls, records):
        """From the `parties` records of a registry file (SPEC §2.1)."""
        out = []
        for r in records:
            payout = r.get("payout") or {}
            minimum = payout.get("minimum")
            out.append(Party(r["id"], r.get("payee"), payout.get("currency"),
                             parse_exact(minimum) if minimum is not None else None))
        return cls(out)

    def route(self, pid):
        """The payee that party pid's payouts go to."""
        p = self.parties.get(pid)
        if p is None:
            raise KeyError("party %r is not in the registry" % pid)
        if p.payee is None:
            return pid
        assert p.payee in self.parties, "payee %r of %r unknown" % (p.payee, pid)
        return p.payee

    def worth_paying(self, payee, currency, minor):
        """Is a sum of `minor` units of `currency` paid to payee now?"""
        if minor <= 0:
            return False
        p = self.parties[payee]
        if p.minimum is None or p.currency != currency:
            return True
        return Fraction(minor, 10 ** exponent(currency)) >= p.minimum


class Payment:
    """One payment: a payee, a currency, a positive amount and the
    balances it settled, {party: minor units}."""

    def __init__(self, seq, licensee, payee, currency, amount, settled):
        self.seq = seq            # the model's posting number
        self.licensee = licensee
        self.payee = payee
        self.currency = currency
        self.amount = amount
        self.settled = settled
        self.returned = False

    def key(self):
        return (self.seq, self.payee, self.currency)

    def __repr__(self):
        return "Payment(%d, %s, %s, %d, %r%s)" % (
            self.seq, self.payee, self.currency, self.amount, self.settled,
            ", returned" if self.returned else "")


class Account:
    """A touched party's figures in one currency for one posting."""

    def __init__(self, opening, earned, adjustments, payments):
        self.opening = opening
        self.earned = earned
        self.adjustments = adjustments
        self.payments = payments
        self.closing = opening + earned + adjustments - payments

    def figures(self):
        return (self.opening, self.earned, self.adjustments, self.payments,
                self.closing)

    def __repr__(self):
        return ("opening %d, earned %d, adjustments %d, payments %d, closing %d"
                % self.figures())


class Posting:
    """What Model.post gives back."""

    def __init__(self, seq, licensee, period, number):
        self.seq = seq
        self.licensee = licensee
        self.period = period
        self.number = number   # 1 first posting of the period, 2 ...
        self.payments = []     # Payment, by payee then currency
        self.accounts = {}     # (party, currency) -> Account, touched only

    def paid(self):
        """{(payee, currency): amount} of this posting's payments."""
        return {(p.payee, p.currency): p.amount for p in self.payments}

    def settled(self):
        """{(party, currency): minor units} settled by this posting."""
        out = {}
        for p in self.payments:
            for party, amt in p.settled.items():
                out[(party, p.currency)] = out.get((party, p.currency), 0) + amt
        return out


class Model:
    def __init__(self):
        self.balances = {}   # licensee -> {(party, currency): minor}
        self.current = {}    # (licensee, period) -> {(party, currency): minor}
        self.numbers = {}    # (licensee, period) -> posting number in force
        self.payments = []   # every Payment, in order
        self.seq = 0

    def balance(self, licensee, party, currency):
        return self.balances.get(licensee, {}).get((party, currency), 0)

    def post(self, licensee, period, totals, registry):
        """Post a new posting of (licensee, period) whose party totals are
        totals, {(party, currency): minor} (a party with lines is present,
        even at 0).  Returns the Posting."""
        self.seq += 1
        number = self.numbers.get((licensee, period), 0) + 1
        post = Posting(self.seq, licensee, period, number)
        bal = self.balances.setdefault(licensee, {})
        prev = self.current.get((licensee, period), {})
        touched = set(totals) | set(prev)
        opening = {k: bal.get(k, 0) for k in touched}
        for k in touched:
            bal[k] = bal.get(k, 0) + totals.get(k, 0) - prev.get(k, 0)
        self._pay(post, bal, registry)
        settled = post.settled()
        for k in sorted(touched | set(settled)):
            if k not in opening:
                # touched by a payment alone: its balance came from before
                opening[k] = bal.get(k, 0) + settled[k]
            acc = Account(opening[k], totals.get(k, 0), -prev.get(k, 0),
                          settled.get(k, 0))
            assert acc.closing == bal.get(k, 0), (k, acc, bal.get(k, 0))
            post.accounts[k] = acc
        self.current[(licensee, period)] = dict(totals)
        self.numbers[(licensee, period)] = number
        return post

    def _pay(self, post, bal, registry):
        groups = {}
        for (party, cur), amt in bal.items():
            groups.setdefault((registry.route(party), cur), []).append(party)
        for payee, cur in sorted(groups):
            parties = sorted(groups[(payee, cur)])
            total = sum(bal[(p, cur)] for p in parties)
            if not registry.worth_paying(payee, cur, total):
                continue
            settled = {p: bal[(p, cur)] for p in parties if bal[(p, cur)] != 0}
            for p in settled:
                bal[(p, cur)] = 0
            pay = Payment(post.seq, post.licensee, payee, cur, total, settled)
            assert sum(settled.values()) == total
            post.payments.append(pay)
            self.payments.append(pay)

    def find_payment(self, seq, payee, currency):
        for p in self.payments:
            if p.key() == (seq, payee, currency):
                return p
        return None

    def return_payment(self, pay):
        """The bank returned pay: reopen the balances it settled."""
        if pay.returned:
            raise ValueError("payment %r was returned already" % (pay,))
        bal = self.balances.setdefault(pay.licensee, {})
        for party, amt in pay.settled.items():
            k = (party, pay.currency)
            bal[k] = bal.get(k, 0) + amt
        pay.returned = True

    def paid_totals(self):
        """{(payee, currency): minor} over every payment ever issued
        (returned ones included: they were issued)."""
        out = {}
        for p in self.payments:
            k = (p.payee, p.currency)
            out[k] = out.get(k, 0) + p.amount
        return out
