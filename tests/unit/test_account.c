/*
 * test_account.c — the payment rule (account.h): payee groups netting a
 * negative party, a minimum carried forward then paid, a restatement
 * down paying nothing and recouped later, routed parties, end-to-end ids,
 * payout.minimum parsed exactly; and on random cases the rule against a
 * slow restatement of SPEC §5 (every payee group summed from scratch).
 */
#include "unit.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/account.h"
#include "ledgerline/registry.h"

/* P-LAB pays for itself and P-ADA, P-BOB (routed); P-MIN has a minimum of
 * 10.005 EUR (1001 cents); P-SOLO stands alone, paid in EUR. */
static const char REG[] =
	"{\"parties\": ["
	"{\"id\": \"P-ADA\", \"name\": \"Ada\", \"kind\": \"artist\", "
	"\"payee\": \"P-LAB\"},"
	"{\"id\": \"P-AI\", \"name\": \"Synth\", \"kind\": \"licensee\"},"
	"{\"id\": \"P-BOB\", \"name\": \"Bob\", \"kind\": \"artist\", "
	"\"payee\": \"P-LAB\"},"
	"{\"id\": \"P-LAB\", \"name\": \"Lab\", \"kind\": \"label\", "
	"\"payout\": {\"method\": \"iban\", \"iban\": "
	"\"DE89370400440532013000\", \"currency\": \"EUR\"}},"
	"{\"id\": \"P-MIN\", \"name\": \"Min\", \"kind\": \"label\", "
	"\"payout\": {\"method\": \"iban\", \"iban\": "
	"\"DE89370400440532013000\", \"currency\": \"EUR\", "
	"\"minimum\": \"10.005\"}},"
	"{\"id\": \"P-SOLO\", \"name\": \"Solo\", \"kind\": \"artist\"}"
	"]}";

struct fx {
	struct ll_registry reg;
	struct ll_accounts acc;
	struct ll_error err;
};

static void load(struct fx *f, const char *text)
{
	memset(f, 0, sizeof(*f));
	fixture_registry(&f->reg, text);
}

static void done(struct fx *f)
{
	ll_accounts_release(&f->acc);
	ll_registry_release(&f->reg);
}

static struct ll_party_amount amt(const char *party, const char *ccy,
				  int64_t minor)
{
	struct ll_party_amount a;

	memset(&a, 0, sizeof(a));
	snprintf(a.party, sizeof(a.party), "%s", party);
	snprintf(a.currency, sizeof(a.currency), "%s", ccy);
	a.minor = minor;
	return a;
}

static uint32_t ix(const struct fx *f, const char *id)
{
	size_t p = 0;

	assert_true(ll_strmap_get(&f->reg.parties.ix, id, &p));
	return (uint32_t)p;
}

/* The account of (party, ccy), which must exist. */
static const struct ll_account *acct(const struct fx *f, const char *id,
				     const char *ccy)
{
	size_t n, i;
	const struct ll_account *a = ll_accounts_of(&f->acc, ix(f, id), &n);

	for (i = 0; a && i < n; i++) {
		if (strcmp(a[i].currency, ccy) == 0)
			return &a[i];
	}
	fail_msg("no account of %s in %s", id, ccy);
	return NULL;
}

static enum ll_status settle(struct fx *f, int64_t posting,
			     const struct ll_party_amount *o, size_t no,
			     const struct ll_party_amount *e, size_t ne,
			     const struct ll_party_amount *p, size_t np)
{
	ll_accounts_release(&f->acc);
	return ll_accounts_settle(&f->acc, &f->reg, "run-0123", posting, o, no,
				  e, ne, p, np, &f->err);
}

static void test_group_nets_negative_party(void **state)
{
	struct fx f;
	/* Bob was restated down by more than he earns now: -30 open; Ada
	 * earns 100; the label pays 70 and both close at zero */
	struct ll_party_amount o[] = { amt("P-BOB", "EUR", 50) };
	struct ll_party_amount e[] = { amt("P-ADA", "EUR", 100),
				       amt("P-BOB", "EUR", 20) };
	struct ll_party_amount p[] = { amt("P-BOB", "EUR", 100) };
	char e2e[LL_END_TO_END_ID_SIZE];

	(void)state;
	load(&f, REG);
	assert_int_equal(settle(&f, 2, o, 1, e, 2, p, 1), LL_OK);
	assert_int_equal(f.acc.n_pay, 1);
	assert_int_equal(f.acc.pay[0].payee, ix(&f, "P-LAB"));
	assert_int_equal(f.acc.pay[0].amount, 70);
	ll_end_to_end_id("run-0123", 2, "P-LAB", "EUR", e2e);
	assert_string_equal(f.acc.pay[0].end_to_end_id, e2e);
	assert_int_equal(acct(&f, "P-BOB", "EUR")->payments, -30);
	assert_int_equal(acct(&f, "P-BOB", "EUR")->adjustments, -100);
	assert_int_equal(acct(&f, "P-BOB", "EUR")->closing, 0);
	assert_int_equal(acct(&f, "P-ADA", "EUR")->payments, 100);
	assert_true(acct(&f, "P-ADA", "EUR")->paid);
	assert_int_equal(f.acc.posting, 2);
	done(&f);
}

static void test_minimum_carried_then_paid(void **state)
{
	struct fx f;
	struct ll_party_amount e1[] = { amt("P-MIN", "EUR", 1000) };
	struct ll_party_amount o2[] = { amt("P-MIN", "EUR", 1000) };
	struct ll_party_amount e2[] = { amt("P-MIN", "EUR", 1) };
	struct ll_party_amount usd[] = { amt("P-MIN", "USD", 1) };

	(void)state;
	load(&f, REG);
	/* "10.005" rounds up to 1001 cents: 1000 is below it */
	assert_int_equal(f.reg.parties.v[ix(&f, "P-MIN")].payout_minimum, 1001);
	assert_int_equal(settle(&f, 1, NULL, 0, e1, 1, NULL, 0), LL_OK);
	assert_int_equal(f.acc.n_pay, 0);
	assert_int_equal(acct(&f, "P-MIN", "EUR")->closing, 1000);
	assert_false(acct(&f, "P-MIN", "EUR")->paid);
	/* the next period adds one cent: 1001 is paid, all of it */
	assert_int_equal(settle(&f, 1, o2, 1, e2, 1, NULL, 0), LL_OK);
	assert_int_equal(f.acc.n_pay, 1);
	assert_int_equal(f.acc.pay[0].amount, 1001);
	assert_int_equal(acct(&f, "P-MIN", "EUR")->opening, 1000);
	assert_int_equal(acct(&f, "P-MIN", "EUR")->closing, 0);
	/* the minimum is in the payout currency only */
	assert_int_equal(settle(&f, 1, NULL, 0, usd, 1, NULL, 0), LL_OK);
	assert_int_equal(f.acc.n_pay, 1);
	assert_string_equal(f.acc.pay[0].currency, "USD");
	assert_int_equal(f.acc.pay[0].amount, 1);
	done(&f);
}

static void test_restated_down_recouped(void **state)
{
	struct fx f;
	/* posting 1 paid 500; posting 2 restates to 300: -200 open, nothing
	 * paid; another period earns 250: 50 paid */
	struct ll_party_amount p2[] = { amt("P-SOLO", "EUR", 500) };
	struct ll_party_amount o2[] = { amt("P-SOLO", "EUR", 0) };
	struct ll_party_amount e2[] = { amt("P-SOLO", "EUR", 300) };
	struct ll_party_amount o3[] = { amt("P-SOLO", "EUR", -200) };
	struct ll_party_amount e3[] = { amt("P-SOLO", "EUR", 250) };

	(void)state;
	load(&f, REG);
	assert_int_equal(settle(&f, 2, o2, 1, e2, 1, p2, 1), LL_OK);
	assert_int_equal(f.acc.n_pay, 0);
	assert_int_equal(acct(&f, "P-SOLO", "EUR")->closing, -200);
	assert_int_equal(acct(&f, "P-SOLO", "EUR")->payments, 0);
	assert_int_equal(settle(&f, 1, o3, 1, e3, 1, NULL, 0), LL_OK);
	assert_int_equal(f.acc.n_pay, 1);
	assert_int_equal(f.acc.pay[0].amount, 50);
	assert_int_equal(acct(&f, "P-SOLO", "EUR")->closing, 0);
	/* a party restated to zero keeps its account */
	assert_int_equal(settle(&f, 2, NULL, 0, NULL, 0, p2, 1), LL_OK);
	assert_int_equal(f.acc.n, 1);
	assert_int_equal(acct(&f, "P-SOLO", "EUR")->earned, 0);
	assert_int_equal(acct(&f, "P-SOLO", "EUR")->closing, -500);
	done(&f);
}

static void test_routed_and_untouched(void **state)
{
	struct fx f;
	/* Ada has 7 open from another period; only Bob earns now: the label
	 * pays 17 and Ada, paid, gets an account though untouched */
	struct ll_party_amount o[] = { amt("P-ADA", "EUR", 7),
				       amt("P-SOLO", "EUR", -3) };
	struct ll_party_amount e[] = { amt("P-BOB", "EUR", 10) };
	size_t n;

	(void)state;
	load(&f, REG);
	assert_int_equal(settle(&f, 1, o, 2, e, 1, NULL, 0), LL_OK);
	assert_int_equal(f.acc.n_pay, 1);
	assert_int_equal(f.acc.pay[0].amount, 17);
	assert_int_equal(acct(&f, "P-ADA", "EUR")->payments, 7);
	assert_int_equal(acct(&f, "P-ADA", "EUR")->earned, 0);
	/* Solo's negative balance is neither paid nor touched */
	assert_null(ll_accounts_of(&f.acc, ix(&f, "P-SOLO"), &n));
	assert_int_equal(n, 0);
	assert_int_equal(f.acc.n, 2);
	done(&f);
}

static void test_errors(void **state)
{
	struct fx f;
	struct ll_party_amount ghost[] = { amt("P-GHOST", "EUR", 1) };
	struct ll_party_amount big[] = { amt("P-ADA", "EUR", INT64_MAX),
					 amt("P-BOB", "EUR", 1) };

	(void)state;
	load(&f, REG);
	assert_int_equal(settle(&f, 1, ghost, 1, NULL, 0, NULL, 0),
			 LL_INVALID);
	assert_non_null(strstr(f.err.text, "P-GHOST"));
	assert_int_equal(settle(&f, 1, NULL, 0, big, 2, NULL, 0), LL_INVALID);
	assert_non_null(strstr(f.err.text, "64-bit"));
	done(&f);
}

static void test_end_to_end_ids(void **state)
{
	char a[LL_END_TO_END_ID_SIZE], b[LL_END_TO_END_ID_SIZE];

	(void)state;
	ll_end_to_end_id("run-x", 1, "P-LAB", "EUR", a);
	assert_int_equal(strlen(a), 34);
	assert_true(strncmp(a, "LL", 2) == 0);
	ll_end_to_end_id("run-x", 3, "P-LAB", "EUR", b);
	assert_string_not_equal(a, b);
	ll_end_to_end_id("run-x", 1, "P-LAB", "EUR", b);
	assert_string_equal(a, b);
}

static void test_minimum_parse(void **state)
{
	static const char *const bad[] = { "\"-1\"", "1", "\"1e3\"",
					   "\"99999999999999999999\"" };
	char text[1024];
	struct ll_registry reg;
	struct ll_errlist errs;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(bad); i++) {
		snprintf(text, sizeof(text),
			 "{\"parties\": [{\"id\": \"P\", \"name\": \"P\", "
			 "\"kind\": \"label\", \"payout\": {\"method\": "
			 "\"iban\", \"iban\": \"DE89370400440532013000\", "
			 "\"currency\": \"EUR\", \"minimum\": %s}}]}",
			 bad[i]);
		ll_registry_init(&reg);
		ll_errlist_init(&errs, 0);
		assert_int_equal(ll_registry_parse(&reg, "r.json", text,
						   strlen(text), &errs),
				 LL_INVALID);
		ll_errlist_release(&errs);
		ll_registry_release(&reg);
	}
}

/* ---- the oracle --------------------------------------------------------- */

static const char *const PARTIES[] = { "P-ADA", "P-BOB", "P-LAB", "P-MIN",
				       "P-SOLO" };
static const char *const PAYEE[] = { "P-LAB", "P-LAB", "P-LAB", "P-MIN",
				     "P-SOLO" };
static const char *const CCY[] = { "EUR", "USD" };

/* SPEC §5 from scratch: per payee and currency, Σ of (opening + earned -
 * prev) over its parties; paid when positive and at least the minimum. */
static void oracle_check(const struct fx *f, int64_t bal[5][2])
{
	size_t g, k, i, paid = 0;

	for (g = 0; g < N_ELEMS(PARTIES); g++) {
		for (k = 0; k < 2; k++) {
			int64_t sum = 0, min = 0;
			bool found = false;

			if (strcmp(PAYEE[g], PARTIES[g]) != 0)
				continue; /* not a payee */
			for (i = 0; i < N_ELEMS(PARTIES); i++) {
				if (strcmp(PAYEE[i], PARTIES[g]) == 0)
					sum += bal[i][k];
			}
			if (strcmp(PARTIES[g], "P-MIN") == 0 && k == 0)
				min = 1001;
			for (i = 0; i < f->acc.n_pay; i++) {
				const struct ll_payment *p = &f->acc.pay[i];

				if (strcmp(f->reg.parties.v[p->payee].id,
					   PARTIES[g]) == 0 &&
				    strcmp(p->currency, CCY[k]) == 0) {
					found = true;
					assert_int_equal(p->amount, sum);
				}
			}
			assert_int_equal(found, sum > 0 && sum >= min);
			paid += found;
		}
	}
	assert_int_equal(paid, f->acc.n_pay);
}

static void test_oracle(void **state)
{
	struct rng r = { UINT64_C(0x9e3779b97f4a7c15) };
	struct fx f;
	int round;

	(void)state;
	load(&f, REG);
	for (round = 0; round < 2000; round++) {
		struct ll_party_amount o[10], e[10], p[10];
		size_t no = 0, ne = 0, np = 0, i, k;
		int64_t bal[5][2];

		for (i = 0; i < 5; i++) {
			for (k = 0; k < 2; k++) {
				int64_t vo = (int64_t)rng_below(&r, 3000) - 1000;
				int64_t ve = (int64_t)rng_below(&r, 2000);
				int64_t vp = (int64_t)rng_below(&r, 2000);

				bal[i][k] = 0;
				if (rng_below(&r, 2)) {
					o[no++] = amt(PARTIES[i], CCY[k], vo);
					bal[i][k] += vo;
				}
				if (rng_below(&r, 2)) {
					e[ne++] = amt(PARTIES[i], CCY[k], ve);
					bal[i][k] += ve;
				}
				if (rng_below(&r, 3) == 0) {
					p[np++] = amt(PARTIES[i], CCY[k], vp);
					bal[i][k] -= vp;
				}
			}
		}
		assert_int_equal(settle(&f, 1, o, no, e, ne, p, np), LL_OK);
		oracle_check(&f, bal);
		for (i = 0; i < f.acc.n; i++)
			assert_int_equal(f.acc.v[i].closing,
					 f.acc.v[i].paid ? 0
							 : f.acc.v[i].opening +
								   f.acc.v[i].earned +
								   f.acc.v[i].adjustments);
	}
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_nets_negative_party),
		cmocka_unit_test(test_minimum_carried_then_paid),
		cmocka_unit_test(test_restated_down_recouped),
		cmocka_unit_test(test_routed_and_untouched),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_end_to_end_ids),
		cmocka_unit_test(test_minimum_parse),
		cmocka_unit_test(test_oracle),
	};

	return cmocka_run_group_tests_name("account", tests, NULL, NULL);
}
