#!/usr/bin/env python3
"""test_accounts.py - hand-worked cases for the model of the payment rule
(accounts.py).  Each case states the figures worked out by hand from SPEC
§5 before the model was run; the model must give exactly those.

Run as a script: prints "ok"/"not ok" per case and exits 1 on any
failure.
"""

import os
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accounts  # noqa: E402
from accounts import Model, Party, Registry  # noqa: E402

L = "P-AI"
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, want, what):
    check(got == want, "%s: got %r, expected %r" % (what, got, want))


def figures(post, party, cur="EUR"):
    return post.accounts[(party, cur)].figures()


def reg(*parties):
    return Registry(parties)


@case
def first_posting_pays_everything():
    m = Model()
    r = reg(Party("A", currency="EUR"))
    p = m.post(L, "2026-07", {("A", "EUR"): 1000}, r)
    eq(p.number, 1, "posting number")
    eq(p.paid(), {("A", "EUR"): 1000}, "payments")
    eq(figures(p, "A"), (0, 1000, 0, 1000, 0), "A's account")


@case
def payee_routing_sums_parties_and_keeps_accounts_apart():
    m = Model()
    r = reg(Party("LAB", currency="EUR"), Party("ART", payee="LAB"),
            Party("SW"))
    p = m.post(L, "2026-07", {("LAB", "EUR"): 700, ("ART", "EUR"): 300,
                              ("SW", "EUR"): 5}, r)
    eq(p.paid(), {("LAB", "EUR"): 1000, ("SW", "EUR"): 5}, "payments")
    eq(p.payments[0].settled, {"ART": 300, "LAB": 700}, "what LAB's payment settles")
    eq(figures(p, "ART"), (0, 300, 0, 300, 0), "ART's account")
    eq(figures(p, "LAB"), (0, 700, 0, 700, 0), "LAB's account")


@case
def below_minimum_carries_forward_then_pays_in_another_period():
    m = Model()
    r = reg(Party("LAB", currency="EUR", minimum=Fraction(5)), Party("ART", payee="LAB"))
    p1 = m.post(L, "2026-07", {("LAB", "EUR"): 100, ("ART", "EUR"): 300}, r)
    eq(p1.paid(), {}, "4.00 < 5.00: nothing paid")
    eq(figures(p1, "ART"), (0, 300, 0, 0, 300), "ART carried")
    eq(figures(p1, "LAB"), (0, 100, 0, 0, 100), "LAB carried")
    # another period: ART earns 2.00, the sum 6.00 >= 5.00
    p2 = m.post(L, "2026-08", {("ART", "EUR"): 200}, r)
    eq(p2.number, 1, "a first posting of 2026-08")
    eq(p2.paid(), {("LAB", "EUR"): 600}, "payments")
    eq(p2.payments[0].settled, {"ART": 500, "LAB": 100}, "settled")
    eq(figures(p2, "ART"), (300, 200, 0, 500, 0), "ART")
    # LAB has no line in 2026-08 but a payment settles its balance
    eq(figures(p2, "LAB"), (100, 0, 0, 100, 0), "LAB touched by the payment alone")


@case
def minimum_is_inclusive_and_exact():
    m = Model()
    r = reg(Party("A", currency="EUR", minimum=Fraction("5.00")),
            Party("B", currency="EUR", minimum=Fraction("4.005")))
    p = m.post(L, "2026-07", {("A", "EUR"): 500, ("B", "EUR"): 400}, r)
    eq(p.paid(), {("A", "EUR"): 500}, "5.00 >= 5.00 paid, 4.00 < 4.005 not")
    p = m.post(L, "2026-08", {("B", "EUR"): 1}, r)
    eq(p.paid(), {("B", "EUR"): 401}, "4.01 >= 4.005")


@case
def minimum_applies_in_the_payout_currency_only():
    m = Model()
    r = reg(Party("A", currency="EUR", minimum=Fraction(5)))
    p = m.post(L, "2026-07", {("A", "EUR"): 100, ("A", "USD"): 100, ("A", "JPY"): 3}, r)
    eq(p.paid(), {("A", "USD"): 100, ("A", "JPY"): 3}, "USD and JPY: any positive sum")
    eq(figures(p, "A", "EUR"), (0, 100, 0, 0, 100), "EUR carried")
    eq(figures(p, "A", "JPY"), (0, 3, 0, 3, 0), "JPY paid")


@case
def no_payout_record_means_no_minimum():
    m = Model()
    r = reg(Party("A"))
    p = m.post(L, "2026-07", {("A", "EUR"): 1}, r)
    eq(p.paid(), {("A", "EUR"): 1}, "one cent is paid")


@case
def restatement_up_pays_only_the_difference():
    m = Model()
    r = reg(Party("A"))
    m.post(L, "2026-07", {("A", "EUR"): 1000}, r)
    p = m.post(L, "2026-07", {("A", "EUR"): 1250}, r)
    eq(p.number, 2, "first restatement")
    eq(p.paid(), {("A", "EUR"): 250}, "only the difference")
    eq(figures(p, "A"), (0, 1250, -1000, 250, 0), "A")
    eq(m.paid_totals(), {("A", "EUR"): 1250}, "never more than earned")


@case
def restatement_down_carries_a_negative_balance_and_recoups():
    m = Model()
    r = reg(Party("A"))
    m.post(L, "2026-07", {("A", "EUR"): 1000}, r)
    p = m.post(L, "2026-07", {("A", "EUR"): 600}, r)
    eq(p.paid(), {}, "a negative sum is never sent")
    eq(figures(p, "A"), (0, 600, -1000, 0, -400), "A owes 4.00")
    p = m.post(L, "2026-08", {("A", "EUR"): 1000}, r)
    eq(p.paid(), {("A", "EUR"): 600}, "recouped from later earnings")
    eq(figures(p, "A"), (-400, 1000, 0, 600, 0), "A")
    eq(m.paid_totals(), {("A", "EUR"): 1600}, "6.00 + 10.00 earned, 16.00 paid")


@case
def restated_to_zero_keeps_an_account():
    m = Model()
    r = reg(Party("A"), Party("B"))
    m.post(L, "2026-07", {("A", "EUR"): 1000, ("B", "EUR"): 200}, r)
    p = m.post(L, "2026-07", {("B", "EUR"): 200}, r)
    eq(sorted(p.accounts), [("A", "EUR"), ("B", "EUR")], "touched")
    eq(figures(p, "A"), (0, 0, -1000, 0, -1000), "A restated to zero")
    eq(figures(p, "B"), (0, 200, -200, 0, 0), "B unchanged")
    eq(p.paid(), {}, "nothing new to pay")


@case
def netting_within_a_payee():
    m = Model()
    r = reg(Party("LAB", currency="EUR"), Party("ART", payee="LAB"))
    m.post(L, "2026-07", {("ART", "EUR"): 1000}, r)
    p = m.post(L, "2026-07", {("ART", "EUR"): 600}, r)
    eq(p.paid(), {}, "ART now owes 4.00")
    p = m.post(L, "2026-08", {("LAB", "EUR"): 1000}, r)
    eq(p.paid(), {("LAB", "EUR"): 600}, "10.00 - 4.00")
    eq(p.payments[0].settled, {"ART": -400, "LAB": 1000}, "remittance")
    eq(figures(p, "ART"), (-400, 0, 0, -400, 0), "ART settled by netting")
    eq(figures(p, "LAB"), (0, 1000, 0, 1000, 0), "LAB")


@case
def zero_sum_is_carried():
    m = Model()
    r = reg(Party("LAB"), Party("ART", payee="LAB"))
    m.post(L, "2026-07", {("ART", "EUR"): 500}, r)
    m.post(L, "2026-07", {("ART", "EUR"): 0}, r)  # ART: -5.00
    p = m.post(L, "2026-08", {("LAB", "EUR"): 500}, r)
    eq(p.paid(), {}, "-5.00 + 5.00 = 0 is not positive")
    eq(figures(p, "LAB"), (0, 500, 0, 0, 500), "LAB")
    check(("ART", "EUR") not in p.accounts, "ART is not touched")


@case
def returned_payment_reopens_and_next_posting_pays_again():
    m = Model()
    r = reg(Party("LAB", currency="EUR"), Party("ART", payee="LAB"))
    p1 = m.post(L, "2026-07", {("LAB", "EUR"): 700, ("ART", "EUR"): 300}, r)
    m.return_payment(p1.payments[0])
    eq(m.balance(L, "ART", "EUR"), 300, "ART reopened")
    eq(m.balance(L, "LAB", "EUR"), 700, "LAB reopened")
    try:
        m.return_payment(p1.payments[0])
        raise AssertionError("returned twice")
    except ValueError:
        pass
    # the next posting of the licensee, another period with nothing for them
    p2 = m.post(L, "2026-08", {("ART", "EUR"): 0}, r)
    eq(p2.paid(), {("LAB", "EUR"): 1000}, "paid again")
    eq(figures(p2, "ART"), (300, 0, 0, 300, 0), "ART")
    eq(figures(p2, "LAB"), (700, 0, 0, 700, 0), "LAB")
    eq(m.paid_totals(), {("LAB", "EUR"): 2000}, "issued twice, one returned")


@case
def returned_payment_then_restatement():
    m = Model()
    r = reg(Party("A"))
    p1 = m.post(L, "2026-07", {("A", "EUR"): 1000}, r)
    m.return_payment(p1.payments[0])
    p2 = m.post(L, "2026-07", {("A", "EUR"): 900}, r)
    eq(figures(p2, "A"), (1000, 900, -1000, 900, 0), "A")
    eq(p2.paid(), {("A", "EUR"): 900}, "pays the restated amount")


@case
def balances_are_per_licensee():
    m = Model()
    r = reg(Party("A", currency="EUR", minimum=Fraction(5)))
    m.post("P-AI", "2026-07", {("A", "EUR"): 300}, r)
    p = m.post("P-AI2", "2026-07", {("A", "EUR"): 300}, r)
    eq(p.paid(), {}, "3.00 with each licensee, neither reaches 5.00")
    eq(p.number, 1, "periods are per licensee")


@case
def helpers_parse_exactly():
    eq(accounts.to_minor("12.50", 2), 1250, "EUR")
    eq(accounts.to_minor("-0.05", 2), -5, "negative")
    eq(accounts.to_minor("7", 0), 7, "JPY")
    eq(accounts.to_minor("1.005", 3), 1005, "BHD")
    eq(accounts.from_minor(-5, 2), "-0.05", "negative")
    eq(accounts.from_minor(1005, 3), "1.005", "BHD")
    eq(accounts.from_minor(7, 0), "7", "JPY")
    for bad, e in (("12.5", 2), ("1e3", 0), ("1.00", 0), (" 1.00", 2), (12, 0)):
        try:
            accounts.to_minor(bad, e)
            raise AssertionError("accepted %r" % (bad,))
        except ValueError:
            pass
    eq(accounts.parse_exact("1/3"), Fraction(1, 3), "fraction")


def main():
    failed = 0
    for fn in CASES:
        try:
            fn()
            print("ok - %s" % fn.__name__)
        except AssertionError as e:
            failed += 1
            print("not ok - %s: %s" % (fn.__name__, e))
    print("model: %d passed, %d failed" % (len(CASES) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
