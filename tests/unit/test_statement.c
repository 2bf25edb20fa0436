/*
 * test_statement.c — unit tests for statement.c: statements built from a
 * small settled run and signed with a key made here, verified, then
 * tampered with one thing at a time (a line, a total, the root, the
 * signature, the file name) and each rejected with its message.
 *
 * The run: P-L licenses W-1 under L-1 (EUR, training fee 100.00) and W-2
 * under L-2 (USD, training fee 50, W-2 half P-L's, half P-A's), both on
 * the count basis: P-L is owed EUR 100.00 and USD 25.00, P-A USD 25.00.
 *
 * Design decision: a tampered statement is signed again with the run's
 * key, and its subject digest recomputed where the test says so, so
 * that each check is reached on its own and not hidden behind the
 * signature or the digest.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/account.h"
#include "ledgerline/digest.h"
#include "ledgerline/dsse.h"
#include "ledgerline/hash.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/manifest.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"
#include "ledgerline/status.h"
#include "ledgerline/tally.h"

#include "fixture.h"

#define OPT_IN(id, party)                                                      \
	"{\"id\": \"" id "\", \"party\": \"" party "\", \"all_works\": true, " \
	"\"use\": \"training\", \"decision\": \"opt_in\", "                    \
	"\"effective\": \"2026-01-01T00:00:00Z\"}"
#define LICENCE(id, work, cur, fee)                                            \
	"{\"id\": \"" id "\", \"licensee\": \"P-AI\", \"licensor\": "          \
	"\"P-L\", \"scope\": {\"works\": [\"" work "\"]}, "                    \
	"\"uses\": [\"training\"], \"start\": \"2026-01-01\", "                \
	"\"end\": \"2026-12-31\", \"currency\": \"" cur "\", "                 \
	"\"terms\": {\"training_fee\": \"" fee "\", "                          \
	"\"training_basis\": \"count\"}}"

static const char REGISTRY[] =
	"{\"parties\": [\n"
	" {\"id\": \"P-AI\", \"name\": \"Synth Co\", \"kind\": \"licensee\"},\n"
	" {\"id\": \"P-L\", \"name\": \"Label\", \"kind\": \"label\"},\n"
	" {\"id\": \"P-A\", \"name\": \"Artist\", \"kind\": \"artist\"}],\n"
	"\"consents\": [" OPT_IN("C-1", "P-L") ", " OPT_IN("C-2", "P-A") "],\n"
	"\"works\": [\n"
	" {\"id\": \"W-1\", \"duration_ms\": 1000, \"splits\": {\"master\": "
	"[{\"party\": \"P-L\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-2\", \"duration_ms\": 1000, \"splits\": {\"master\": "
	"[{\"party\": \"P-L\", \"share\": \"1/2\"}, "
	"{\"party\": \"P-A\", \"share\": \"1/2\"}]}}],\n"
	"\"licences\": [" LICENCE("L-1", "W-1", "EUR", "100.00") ",\n"
	LICENCE("L-2", "W-2", "USD", "50") "]}\n";

static const char MANIFEST[] =
	"{\"model\": \"m-1\", \"training_run\": \"tr-1\", "
	"\"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": \"P-AI\", "
	"\"items\": [{\"work\": \"W-1\"}, {\"work\": \"W-2\"}]}";

struct fx {
	struct ll_registry reg;
	struct ll_manifest mf;
	struct ll_log_input log;
	struct ll_run run;
	struct ll_key key, other;
	struct ll_statements st;
};

static void settle(struct fx *f)
{
	struct ll_errlist errs;
	struct ll_error err;

	ll_registry_init(&f->reg);
	ll_errlist_init(&errs, 0);
	if (ll_registry_parse(&f->reg, "reg.json", REGISTRY, strlen(REGISTRY),
			      &errs) != LL_OK ||
	    ll_registry_link(&f->reg, &errs) != LL_OK ||
	    ll_manifest_parse(&f->mf, "m.json", MANIFEST, strlen(MANIFEST),
			      &errs) != LL_OK) {
		dump_errs(&errs);
		fail_msg("the inputs do not load");
	}
	ll_errlist_release(&errs);
	f->log.name = "gen.ndjson";
	f->log.fd = -1;
	memset(f->log.sha256, 'c', LL_SHA256_HEX_LEN);
	ll_error_clear(&err);
	if (ll_run_prepare(&f->run, &f->reg, "P-AI", "2026-Q3", &f->mf, 1,
			   &f->log, 1, &err) != LL_OK)
		fail_msg("prepare: %s", err.text);
	assert_int_equal(ll_run_training(&f->run), LL_OK);
	assert_int_equal(ll_errlist_count(&f->run.errs), 0);
	ll_tally_finish(&f->run.tally);
	if (ll_run_settle(&f->run, &err) != LL_OK)
		fail_msg("settle: %s", err.text);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ll_error err;

	assert_non_null(f);
	settle(f);
	ll_key_init(&f->key);
	ll_key_init(&f->other);
	ll_error_clear(&err);
	assert_int_equal(ll_key_generate(&f->key, &err), LL_OK);
	assert_int_equal(ll_key_generate(&f->other, &err), LL_OK);
	if (ll_statements_build(&f->st, &f->run, NULL, NULL, &f->key, &err) != LL_OK)
		fail_msg("build: %s", err.text);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ll_statements_release(&f->st);
	ll_key_release(&f->other);
	ll_key_release(&f->key);
	ll_run_release(&f->run);
	ll_manifest_release(&f->mf);
	ll_registry_release(&f->reg);
	free(f);
	return 0;
}

static const struct ll_statement *of(const struct fx *f, const char *party)
{
	size_t p;

	assert_true(ll_strmap_get(&f->reg.parties.ix, party, &p));
	assert_non_null(ll_statements_of(&f->st, (uint32_t)p));
	return ll_statements_of(&f->st, (uint32_t)p);
}

/* Verify envelope text as name; the problem ("" when none). */
static const char *verify(const char *name, const char *env,
			  const struct ll_key *pub, const char *root,
			  struct ll_verdict *v)
{
	struct ll_error err;

	ll_error_clear(&err);
	assert_int_equal(ll_statement_verify(name, env, strlen(env), pub, root,
					     v, &err),
			 LL_OK);
	return v->problem;
}

/* The statement's JSON (new reference). */
static json_t *open_statement(const struct fx *f, const char *env)
{
	uint8_t *payload;
	size_t len;
	char *type;
	json_t *st;
	struct ll_error err;

	ll_error_clear(&err);
	assert_int_equal(ll_dsse_open(env, strlen(env), &f->key, &payload,
				      &len, &type, &err),
			 LL_OK);
	assert_string_equal(type, LL_DSSE_INTOTO_TYPE);
	st = json_loadb((const char *)payload, len, 0, NULL);
	assert_non_null(st);
	free(payload);
	free(type);
	return st;
}

/* Set the subject digest to SHA-256 of the predicate without "merkle". */
static void fix_subject(json_t *st)
{
	json_t *bare = json_deep_copy(json_object_get(st, "predicate"));
	uint8_t d[LL_SHA256_LEN];
	char hex[2 * LL_SHA256_LEN + 1];
	char *b;

	assert_non_null(bare);
	assert_int_equal(json_object_del(bare, "merkle"), 0);
	b = ll_json_jcs(bare);
	assert_non_null(b);
	ll_sha256(b, strlen(b), d);
	ll_hex(d, sizeof(d), hex);
	assert_int_equal(json_object_set_new(json_object_get(json_array_get(
						     json_object_get(st,
								     "subject"),
						     0),
					     "digest"),
					     "sha256", json_string(hex)),
			 0);
	free(b);
	json_decref(bare);
}

/* A new envelope of st signed with k (caller frees). */
static char *sign(const struct ll_key *k, const json_t *st)
{
	char *body = ll_json_jcs(st), *env;
	struct ll_error err;

	assert_non_null(body);
	ll_error_clear(&err);
	env = ll_dsse_sign(k, LL_DSSE_INTOTO_TYPE, (const uint8_t *)body,
			   strlen(body), &err);
	assert_non_null(env);
	free(body);
	return env;
}

static json_t *predicate(json_t *st)
{
	return json_object_get(st, "predicate");
}

/* Member key of the array member arr's element i. */
static json_t *at(json_t *st, const char *arr, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(json_object_get(
						   predicate(st), arr),
						   i),
				    key);

	assert_non_null(v);
	return v;
}

static void set_str(json_t *st, const char *arr, size_t i, const char *key,
		    const char *value)
{
	assert_int_equal(json_object_set_new(json_array_get(json_object_get(
						     predicate(st), arr),
						     i),
					     key, json_string(value)),
			 0);
}

/* ---- what is built ---------------------------------------------------- */

static void test_built(void **state)
{
	struct fx *f = *state;
	struct ll_verdict v;
	uint8_t d[LL_SHA256_LEN];
	char hex[2 * LL_SHA256_LEN + 1];
	size_t i;

	assert_int_equal(f->st.n, 2);
	assert_int_equal(strlen(f->st.root), LL_SHA256_HEX_LEN);
	for (i = 0; i < f->st.n; i++) {
		const char *env = f->st.v[i].envelope;

		ll_sha256(env, strlen(env), d);
		ll_hex(d, sizeof(d), hex);
		assert_string_equal(f->st.v[i].sha256, hex);
		assert_string_equal(verify("x.json", env, &f->key, f->st.root,
					   &v),
				    "");
		assert_string_equal(v.run_id, f->run.id);
		assert_string_equal(v.root, f->st.root);
	}
	/* in party-id order: P-A, then P-L */
	assert_string_equal(verify("P-A.dsse.json", of(f, "P-A")->envelope,
				   &f->key, NULL, &v),
			    "");
	assert_string_equal(v.party, "P-A");
	assert_ptr_equal(of(f, "P-A"), &f->st.v[0]);
	assert_ptr_equal(of(f, "P-L"), &f->st.v[1]);
	/* the licensee earns nothing and has no statement */
	assert_null(ll_statements_of(&f->st, 0));
}

/* P-L is owed in two currencies: one total each, each the sum of its
 * lines, and the statement verifies. */
static void test_two_currencies(void **state)
{
	struct fx *f = *state;
	json_t *st = open_statement(f, of(f, "P-L")->envelope);
	json_t *totals = json_object_get(predicate(st), "totals");
	struct ll_verdict v;

	assert_int_equal(json_array_size(totals), 2);
	assert_string_equal(json_string_value(at(st, "totals", 0, "currency")),
			    "EUR");
	assert_string_equal(json_string_value(at(st, "totals", 0, "amount")),
			    "100.00");
	assert_string_equal(json_string_value(at(st, "totals", 1, "currency")),
			    "USD");
	assert_string_equal(json_string_value(at(st, "totals", 1, "amount")),
			    "25.00");
	assert_int_equal(json_array_size(json_object_get(predicate(st),
							 "lines")),
			 2);
	assert_string_equal(verify("P-L.dsse.json", of(f, "P-L")->envelope,
				   &f->key, f->st.root, &v),
			    "");
	assert_string_equal(v.party, "P-L");
	json_decref(st);
}

/* ---- statements of account ---------------------------------------------- */

static uint32_t party_index(const struct fx *f, const char *id)
{
	size_t p;

	assert_true(ll_strmap_get(&f->reg.parties.ix, id, &p));
	return (uint32_t)p;
}

/*
 * The accounts of a third posting: P-A carries a negative USD balance
 * forward and has an opening EUR balance alone; P-L's EUR balance is paid
 * (payment 0) and its USD balance carries forward.
 */
static void accounts(const struct fx *f, struct ll_accounts *acc,
		     struct ll_account v[4], struct ll_payment *pay)
{
	uint32_t a = party_index(f, "P-A"), l = party_index(f, "P-L");
	const struct ll_account rows[4] = {
		{ a, "EUR", 2, 300, 0, 0, 0, 300, false, 0 },
		{ a, "USD", 2, -4000, 2500, -500, 0, -2000, false, 0 },
		{ l, "EUR", 2, 1000, 10000, 0, 11000, 0, true, 0 },
		{ l, "USD", 2, 0, 2500, 0, 0, 2500, false, 0 },
	};

	memcpy(v, rows, sizeof(rows));
	memset(pay, 0, sizeof(*pay));
	pay->payee = l;
	memcpy(pay->currency, "EUR", 4);
	pay->exponent = 2;
	pay->amount = 11000;
	memcpy(pay->end_to_end_id, "LL-E2E-1", 9);
	*acc = (struct ll_accounts){ 3, v, 4, pay, 1 };
}

/* Statements built with the posting's accounts carry its figures, per
 * currency, with the payment that settled them; they verify, and a
 * closing balance changed (signed again, digest recomputed) does not. */
static void test_account(void **state)
{
	struct fx *f = *state;
	struct ll_account rows[4];
	struct ll_payment pay;
	struct ll_accounts acc;
	struct ll_statements s;
	struct ll_verdict v;
	struct ll_error err;
	json_t *st;
	char *got, *env;

	accounts(f, &acc, rows, &pay);
	ll_error_clear(&err);
	assert_int_equal(ll_statements_build(&s, &f->run, NULL, &acc, &f->key,
					     &err),
			 LL_OK);
	assert_int_equal(s.n, 2);
	st = open_statement(f, s.v[1].envelope);
	assert_int_equal(json_integer_value(json_object_get(predicate(st),
							    "posting")),
			 3);
	got = json_dumps(json_object_get(predicate(st), "account"),
			 JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(
		got,
		"[{\"adjustments\":\"0.00\",\"closing\":\"0.00\","
		"\"currency\":\"EUR\",\"earned\":\"100.00\","
		"\"opening\":\"10.00\",\"payments\":[{\"amount\":"
		"\"110.00\",\"end_to_end_id\":\"LL-E2E-1\",\"payee\":"
		"\"P-L\"}]},{\"adjustments\":\"0.00\",\"closing\":"
		"\"25.00\",\"currency\":\"USD\",\"earned\":\"25.00\","
		"\"opening\":\"0.00\",\"payments\":[]}]");
	free(got);
	assert_string_equal(verify("P-L.dsse.json", s.v[1].envelope, &f->key,
				   s.root, &v),
			    "");
	assert_string_equal(verify("P-A.dsse.json", s.v[0].envelope, &f->key,
				   s.root, &v),
			    "");
	assert_int_equal(json_object_set_new(json_array_get(json_object_get(
						     predicate(st), "account"),
						     0),
					     "closing", json_string("0.01")),
			 0);
	fix_subject(st);
	env = sign(&f->key, st);
	assert_string_equal(verify("P-L.dsse.json", env, &f->key, NULL, &v),
			    "account entry 0 (EUR): opening 10.00 + earned "
			    "100.00 + adjustments 0.00 - payments 110.00 is "
			    "not closing 0.01");
	free(env);
	json_decref(st);
	ll_statements_release(&s);
}

/* P-A's statement: two currencies of account, one without lines. */
static void test_account_without_lines(void **state)
{
	struct fx *f = *state;
	struct ll_account rows[4];
	struct ll_payment pay;
	struct ll_accounts acc;
	struct ll_statements s;
	struct ll_error err;
	json_t *st, *a;

	accounts(f, &acc, rows, &pay);
	ll_error_clear(&err);
	assert_int_equal(ll_statements_build(&s, &f->run, NULL, &acc, &f->key,
					     &err),
			 LL_OK);
	st = open_statement(f, s.v[0].envelope);
	a = json_object_get(predicate(st), "account");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(at(st, "account", 0, "earned")),
			    "0.00");
	assert_string_equal(json_string_value(at(st, "account", 0, "closing")),
			    "3.00");
	assert_string_equal(json_string_value(at(st, "account", 1, "opening")),
			    "-40.00");
	assert_string_equal(json_string_value(at(st, "account", 1,
						 "adjustments")),
			    "-5.00");
	assert_string_equal(json_string_value(at(st, "account", 1, "closing")),
			    "-20.00");
	json_decref(st);
	ll_statements_release(&s);
}

/* ---- tampering ----------------------------------------------------------- */

/* A line's amount changed, signed again: the subject digest no longer
 * matches; with the digest recomputed, the arithmetic fails. */
static void test_tampered_line(void **state)
{
	struct fx *f = *state;
	json_t *st = open_statement(f, of(f, "P-L")->envelope);
	struct ll_verdict v;
	char *env;

	assert_string_equal(json_string_value(at(st, "lines", 0, "amount")),
			    "100.00");
	set_str(st, "lines", 0, "amount", "100.01");
	env = sign(&f->key, st);
	assert_string_equal(verify("P-L.dsse.json", env, &f->key, NULL, &v),
			    "subject digest does not match the predicate");
	free(env);
	fix_subject(st);
	env = sign(&f->key, st);
	assert_string_equal(verify("P-L.dsse.json", env, &f->key, NULL, &v),
			    "line 0: amount 100.01 is not 100 rounded to "
			    "minor units");
	free(env);
	json_decref(st);
}

/* A total's amount or exact value changed (digest recomputed). */
static void test_tampered_total(void **state)
{
	struct fx *f = *state;
	json_t *st = open_statement(f, of(f, "P-L")->envelope);
	struct ll_verdict v;
	char *env;

	set_str(st, "totals", 1, "amount", "25.01");
	set_str(st, "totals", 1, "exact", "25.01");
	fix_subject(st);
	env = sign(&f->key, st);
	assert_string_equal(verify("P-L.dsse.json", env, &f->key, NULL, &v),
			    "totals: USD exact total 25.01 is not the sum of "
			    "its lines");
	free(env);
	set_str(st, "totals", 1, "exact", "25");
	fix_subject(st);
	env = sign(&f->key, st);
	assert_string_equal(verify("P-L.dsse.json", env, &f->key, NULL, &v),
			    "totals: USD amount 25.01 is not the sum of its "
			    "lines");
	free(env);
	json_decref(st);
}

/* Another root in the proof, or a root other than the run's expected. */
static void test_tampered_root(void **state)
{
	struct fx *f = *state;
	json_t *st = open_statement(f, of(f, "P-A")->envelope);
	json_t *m = json_object_get(predicate(st), "merkle");
	struct ll_verdict v;
	char bad[LL_SHA256_HEX_LEN + 1], want[160];
	char *env;

	snprintf(bad, sizeof(bad), "%s", f->st.root);
	bad[0] = bad[0] == '0' ? '1' : '0';
	assert_int_equal(json_object_set_new(m, "root", json_string(bad)), 0);
	env = sign(&f->key, st);
	snprintf(want, sizeof(want),
		 "merkle inclusion proof does not lead to root %s", bad);
	assert_string_equal(verify("P-A.dsse.json", env, &f->key, NULL, &v),
			    want);
	free(env);
	snprintf(want, sizeof(want), "run root %s is not the expected %s",
		 f->st.root, bad);
	assert_string_equal(verify("P-A.dsse.json", of(f, "P-A")->envelope,
				   &f->key, bad, &v),
			    want);
	json_decref(st);
}

/* A signature byte changed, or a statement signed by another key. */
static void test_tampered_signature(void **state)
{
	struct fx *f = *state;
	json_t *env_json, *sig;
	json_t *st = open_statement(f, of(f, "P-A")->envelope);
	struct ll_verdict v;
	char *env, *text;
	char want[160];

	env_json = json_loads(of(f, "P-A")->envelope, 0, NULL);
	assert_non_null(env_json);
	sig = json_array_get(json_object_get(env_json, "signatures"), 0);
	text = strdup(json_string_value(json_object_get(sig, "sig")));
	assert_non_null(text);
	text[0] = text[0] == 'A' ? 'B' : 'A';
	assert_int_equal(json_object_set_new(sig, "sig", json_string(text)),
			 0);
	env = json_dumps(env_json, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(env);
	assert_string_equal(verify("P-A.dsse.json", env, &f->key, NULL, &v),
			    "signature does not verify");
	free(env);
	free(text);
	json_decref(env_json);
	env = sign(&f->other, st);
	snprintf(want, sizeof(want), "no signature by key %s", f->key.keyid);
	assert_string_equal(verify("P-A.dsse.json", env, &f->key, NULL, &v),
			    want);
	free(env);
	json_decref(st);
}

/* A statement under another party's file name. */
static void test_wrong_name(void **state)
{
	struct fx *f = *state;
	struct ll_verdict v;

	assert_string_equal(verify("out/P-L.dsse.json",
				   of(f, "P-A")->envelope, &f->key, NULL, &v),
			    "file is named for party \"P-L\" but the "
			    "statement is for \"P-A\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built),
		cmocka_unit_test(test_two_currencies),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_account_without_lines),
		cmocka_unit_test(test_tampered_line),
		cmocka_unit_test(test_tampered_total),
		cmocka_unit_test(test_tampered_root),
		cmocka_unit_test(test_tampered_signature),
		cmocka_unit_test(test_wrong_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
