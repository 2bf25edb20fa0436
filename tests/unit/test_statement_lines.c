/*
 * test_statement_lines.c — unit tests for the verifier's line and account
 * checks: statements
 * sealed here by hand (subject digest, a one-leaf Merkle tree, a DSSE
 * signature with a fresh key), so that each case differs from a valid
 * statement only in the figure it names and the verifier's answer can be
 * pinned to the check it targets.
 *
 * Design decision: the cases edit the predicate before it is sealed, not
 * the envelope after, so the signature, subject digest and Merkle proof of
 * every case hold and only the arithmetic can fail.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/digest.h"
#include "ledgerline/dsse.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/merkle.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"
#include "ledgerline/status.h"

/*
 * A predicate of party P-1 with two lines of one split work: a master line
 * (share 1/3 of 100 = 100/3, 33.33) and a publishing line (share 1 of
 * 50, 50.00); the totals are their sums.
 */
static json_t *base_predicate(void)
{
	json_t *p = json_pack(
		"{s:s, s:s, s:{s:s}, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
		"s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}], "
		"s:[{s:s, s:s, s:s}]}",
		"run_id", "R-1", "licensee", "P-AI", "party", "id", "P-1",
		"lines",
		"licence", "L1", "currency", "EUR", "work", "W1", "component",
		"training", "side", "master", "share", "1/3", "work_exact", "100",
		"exact", "100/3", "amount", "33.33",
		"licence", "L1", "currency", "EUR", "work", "W1", "component",
		"training", "side", "publishing", "share", "1", "work_exact",
		"50", "exact", "50", "amount", "50.00",
		"totals", "currency", "EUR", "exact", "250/3", "amount", "83.33");

	assert_non_null(p);
	return p;
}

/* The envelope of pred (stolen) signed by key: the subject digest and a
 * one-leaf Merkle tree computed here.  New string. */
static char *seal(json_t *pred, const struct ll_key *key)
{
	uint8_t digest[LL_SHA256_LEN], leaf[LL_MERKLE_HASH_LEN];
	char dhex[65], lhex[65], *b, *payload, *env;
	struct ll_error err;
	json_t *st;

	b = ll_json_jcs(pred);
	assert_non_null(b);
	ll_sha256(b, strlen(b), digest);
	ll_hex(digest, sizeof(digest), dhex);
	ll_merkle_leaf_hash((const uint8_t *)b, strlen(b), leaf);
	ll_hex(leaf, sizeof(leaf), lhex);
	free(b);
	assert_int_equal(json_object_set_new(
				 pred, "merkle",
				 json_pack("{s:s, s:s, s:i, s:i, s:[]}", "root",
					   lhex, "leaf_hash", lhex, "leaf_index",
					   0, "tree_size", 1, "audit_path")),
			 0);
	st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:o}", "_type",
		       LL_INTOTO_STATEMENT_TYPE, "subject", "name", "P-1",
		       "digest", "sha256", dhex, "predicateType",
		       LL_STATEMENT_PREDICATE_TYPE, "predicate", pred);
	assert_non_null(st);
	payload = ll_json_jcs(st);
	assert_non_null(payload);
	json_decref(st);
	env = ll_dsse_sign(key, LL_DSSE_INTOTO_TYPE, (const uint8_t *)payload,
			   strlen(payload), &err);
	assert_non_null(env);
	free(payload);
	return env;
}

/* Verify pred (stolen) sealed with a fresh key; the problem found, or ""
 * (copied into problem). */
static void verdict_of(json_t *pred, char problem[512])
{
	struct ll_key key;
	struct ll_error err;
	struct ll_verdict v;
	char *env;

	ll_key_init(&key);
	assert_int_equal(ll_key_generate(&key, &err), LL_OK);
	env = seal(pred, &key);
	assert_int_equal(ll_statement_verify("P-1.dsse.json", env, strlen(env),
					     &key, NULL, &v, &err),
			 LL_OK);
	memcpy(problem, v.problem, sizeof(v.problem));
	free(env);
	ll_key_release(&key);
}

/* Set member k of line i of pred to s (NULL: remove it). */
static void set_line(json_t *pred, size_t i, const char *k, const char *s)
{
	json_t *l = json_array_get(json_object_get(pred, "lines"), i);

	assert_non_null(l);
	if (s)
		assert_int_equal(json_object_set_new(l, k, json_string(s)), 0);
	else
		assert_int_equal(json_object_del(l, k), 0);
}

static void test_valid_statement_verifies(void **state)
{
	char problem[512];

	(void)state;
	verdict_of(base_predicate(), problem);
	assert_string_equal(problem, "");
}

static void test_wrong_share_is_refused(void **state)
{
	char problem[512];
	json_t *p = base_predicate();

	(void)state;
	set_line(p, 0, "share", "1/2");
	verdict_of(p, problem);
	assert_string_equal(problem,
			    "line 0 (licence L1, work W1, training, master): "
			    "share 1/2 × work_exact 100 is not exact 100/3");
}

static void test_wrong_work_exact_is_refused(void **state)
{
	char problem[512];
	json_t *p = base_predicate();

	(void)state;
	set_line(p, 1, "work_exact", "50.01");
	verdict_of(p, problem);
	assert_string_equal(problem,
			    "line 1 (licence L1, work W1, training, "
			    "publishing): share 1 × work_exact 50.01 is not "
			    "exact 50");
}

static void test_missing_or_malformed_figures_are_refused(void **state)
{
	char problem[512];
	json_t *p = base_predicate();

	(void)state;
	set_line(p, 0, "share", NULL);
	verdict_of(p, problem);
	assert_string_equal(problem,
			    "line 0 (licence L1, work W1, training, master): "
			    "share must be a string");
	p = base_predicate();
	set_line(p, 1, "work_exact", "fifty");
	verdict_of(p, problem);
	assert_non_null(strstr(problem, "line 1 (licence L1, work W1, "
					"training, publishing): work_exact: "));
}

/*
 * Give pred a statement of account in EUR: opening, earned, adjustments,
 * one payment of paid (none when paid is NULL) and closing.
 */
static void set_account(json_t *pred, const char *opening, const char *earned,
			const char *adjustments, const char *paid,
			const char *closing)
{
	json_t *pays = paid ? json_pack("[{s:s, s:s, s:s}]", "payee", "P-1",
					"end_to_end_id", "E2E-1", "amount",
					paid)
			    : json_array();
	json_t *a = json_pack("[{s:s, s:s, s:s, s:s, s:o, s:s}]", "currency",
			      "EUR", "opening", opening, "earned", earned,
			      "adjustments", adjustments, "payments", pays,
			      "closing", closing);

	assert_non_null(a);
	assert_int_equal(json_object_set_new(pred, "account", a), 0);
}

/* base_predicate() as a restatement: the master line was 30.00 and the
 * publishing line 50.00 in the superseded posting. */
static json_t *restated_predicate(void)
{
	json_t *p = base_predicate();

	set_line(p, 0, "previous", "30.00");
	set_line(p, 0, "adjustment", "3.33");
	set_line(p, 1, "previous", "50.00");
	set_line(p, 1, "adjustment", "0.00");
	return p;
}

static void test_account_verifies(void **state)
{
	char problem[512];
	json_t *p = base_predicate();

	(void)state;
	set_account(p, "-10.00", "83.33", "0.00", "73.33", "0.00");
	verdict_of(p, problem);
	assert_string_equal(problem, "");
	p = restated_predicate();
	set_account(p, "80.00", "83.33", "-80.00", NULL, "83.33");
	verdict_of(p, problem);
	assert_string_equal(problem, "");
}

static void test_tampered_closing_is_refused(void **state)
{
	char problem[512];
	json_t *p = base_predicate();

	(void)state;
	set_account(p, "-10.00", "83.33", "0.00", "73.33", "0.01");
	verdict_of(p, problem);
	assert_string_equal(problem,
			    "account entry 0 (EUR): opening -10.00 + earned "
			    "83.33 + adjustments 0.00 - payments 73.33 is not "
			    "closing 0.01");
}

static void test_account_figures_are_checked(void **state)
{
	char problem[512];
	json_t *p = base_predicate();

	(void)state;
	set_account(p, "0.00", "83.34", "0.00", NULL, "83.34");
	verdict_of(p, problem);
	assert_string_equal(problem, "account entry 0 (EUR): earned 83.34 is "
				     "not the statement's total");
	p = base_predicate();
	assert_int_equal(json_object_set_new(p, "account", json_array()), 0);
	verdict_of(p, problem);
	assert_string_equal(problem,
			    "account: no entry for EUR, a currency of the "
			    "totals");
	p = restated_predicate();
	set_account(p, "80.00", "83.33", "-79.99", NULL, "83.34");
	verdict_of(p, problem);
	assert_string_equal(problem, "account entry 0 (EUR): adjustments "
				     "-79.99 is not minus the lines' previous "
				     "amounts");
}

static void test_line_adjustments_are_checked(void **state)
{
	char problem[512];
	json_t *p = restated_predicate();

	(void)state;
	set_line(p, 0, "adjustment", "3.34");
	verdict_of(p, problem);
	assert_string_equal(problem, "line 0: adjustment 3.34 is not amount "
				     "33.33 - previous 30.00");
	p = restated_predicate();
	set_line(p, 1, "previous", NULL);
	set_line(p, 1, "adjustment", NULL);
	verdict_of(p, problem);
	assert_string_equal(problem, "lines: 1 of 2 carry previous and "
				     "adjustment, not all");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_statement_verifies),
		cmocka_unit_test(test_wrong_share_is_refused),
		cmocka_unit_test(test_wrong_work_exact_is_refused),
		cmocka_unit_test(test_missing_or_malformed_figures_are_refused),
		cmocka_unit_test(test_account_verifies),
		cmocka_unit_test(test_tampered_closing_is_refused),
		cmocka_unit_test(test_account_figures_are_checked),
		cmocka_unit_test(test_line_adjustments_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
