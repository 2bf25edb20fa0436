/*
 * test_checkpoint.c — unit tests for checkpoint.c: the exact payload of a
 * checkpoint (SPEC §4's shape, JCS bytes, subject digest), sign and verify
 * round trips, reading without the key, telling a checkpoint from a
 * statement, and a table of payloads that parsing must refuse, each with
 * the message it must get.
 *
 * Design decision: the refused payloads are made by editing the good
 * payload as JSON and re-computing the subject digest where the case is
 * not about the digest, so each case differs from a valid checkpoint only
 * in what it names.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/buf.h"
#include "ledgerline/checkpoint.h"
#include "ledgerline/digest.h"
#include "ledgerline/dsse.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/sign.h"
#include "ledgerline/status.h"

#define HEAD "a4a057ef921e973135d401c8bbccdbaaaf87cd5c316d2cbe98dc0744e04165d3"
#define ROOT "f61438a493bf4b36eaa34b7dd1893e7dc593357b484af03617b5576e745c20cc"

#define SET(dst, src) assert_true(ll_str_copy(dst, sizeof(dst), src))

static void good(struct ll_checkpoint *cp)
{
	memset(cp, 0, sizeof(*cp));
	SET(cp->licensee, "P-AI");
	SET(cp->label, "2026-Q3");
	SET(cp->first, "2026-07-01");
	SET(cp->last, "2026-09-30");
	SET(cp->run_id, "run-4c5ddbf13e690e015cb97b57194bf53d");
	cp->posting = 2;
	cp->entries = 14;
	SET(cp->head, HEAD);
	SET(cp->merkle_root, ROOT);
}

static void new_key(struct ll_key *k)
{
	struct ll_error err;

	ll_key_init(k);
	assert_int_equal(ll_key_generate(k, &err), LL_OK);
}

/* The decoded payload of a signed envelope (new string). */
static char *payload_of(const char *env)
{
	json_error_t jerr;
	json_t *e = json_loads(env, 0, &jerr);
	const char *b64 = json_string_value(json_object_get(e, "payload"));
	size_t n = 0;
	uint8_t *p;
	char *s;

	assert_non_null(b64);
	p = ll_base64_decode(b64, strlen(b64), &n);
	assert_non_null(p);
	s = calloc(n + 1, 1);
	assert_non_null(s);
	memcpy(s, p, n);
	free(p);
	json_decref(e);
	return s;
}

static void test_payload_is_the_construction(void **state)
{
	static const char want_pred[] =
		"{\"journal\":{\"entries\":14,\"head\":\"" HEAD "\"},"
		"\"licensee\":\"P-AI\",\"merkle_root\":\"" ROOT "\","
		"\"period\":{\"first\":\"2026-07-01\",\"label\":\"2026-Q3\","
		"\"last\":\"2026-09-30\"},\"posting\":2,"
		"\"run_id\":\"run-4c5ddbf13e690e015cb97b57194bf53d\"}";
	struct ll_checkpoint cp;
	struct ll_key k;
	struct ll_error err;
	uint8_t d[LL_SHA256_LEN];
	char hex[65], want[1024], *env, *payload;

	(void)state;
	good(&cp);
	new_key(&k);
	env = ll_checkpoint_sign(&cp, &k, &err);
	assert_non_null(env);
	payload = payload_of(env);
	ll_sha256(want_pred, strlen(want_pred), d);
	ll_hex(d, sizeof(d), hex);
	snprintf(want, sizeof(want),
		 "{\"_type\":\"https://in-toto.io/Statement/v1\","
		 "\"predicate\":%s,\"predicateType\":"
		 "\"https://ledgerline.dev/checkpoint/v1\",\"subject\":"
		 "[{\"digest\":{\"sha256\":\"%s\"},\"name\":\"checkpoint\"}]}",
		 want_pred, hex);
	assert_string_equal(payload, want);
	assert_non_null(strstr(env, "\"payloadType\":\"application/vnd.in-toto+json\""));
	free(payload);
	free(env);
	ll_key_release(&k);
}

static void test_sign_verify_read_round_trip(void **state)
{
	struct ll_checkpoint cp, back;
	struct ll_checkpoint_verdict v;
	struct ll_key k, other;
	struct ll_error err;
	char *env;

	(void)state;
	good(&cp);
	new_key(&k);
	new_key(&other);
	env = ll_checkpoint_sign(&cp, &k, &err);
	assert_non_null(env);
	assert_true(ll_checkpoint_envelope_is(env, strlen(env)));
	assert_int_equal(ll_checkpoint_verify(env, strlen(env), &k, NULL, &v,
					      &err),
			 LL_OK);
	assert_string_equal(v.problem, "");
	assert_memory_equal(&v.cp, &cp, sizeof(cp));
	/* --root: the same root passes, another fails */
	assert_int_equal(ll_checkpoint_verify(env, strlen(env), &k, ROOT, &v,
					      &err),
			 LL_OK);
	assert_string_equal(v.problem, "");
	assert_int_equal(ll_checkpoint_verify(env, strlen(env), &k, HEAD, &v,
					      &err),
			 LL_OK);
	assert_string_equal(v.problem, "posting root " ROOT
				       " is not the expected " HEAD);
	/* another key: the signature is what fails */
	assert_int_equal(ll_checkpoint_verify(env, strlen(env), &other, NULL,
					      &v, &err),
			 LL_OK);
	if (!strstr(v.problem, "no signature by key"))
		fail_msg("problem: %s", v.problem);
	/* read without a key */
	assert_int_equal(ll_checkpoint_read(&back, env, strlen(env), &err),
			 LL_OK);
	assert_memory_equal(&back, &cp, sizeof(cp));
	free(env);
	ll_key_release(&k);
	ll_key_release(&other);
}

static void test_sign_refuses_a_malformed_checkpoint(void **state)
{
	struct ll_checkpoint cp;
	struct ll_key k;
	struct ll_error err;

	(void)state;
	new_key(&k);
	good(&cp);
	cp.posting = 0;
	assert_null(ll_checkpoint_sign(&cp, &k, &err));
	assert_int_equal(err.code, LL_INTERNAL);
	good(&cp);
	cp.head[10] = 'G';
	assert_null(ll_checkpoint_sign(&cp, &k, &err));
	good(&cp);
	cp.merkle_root[63] = '\0';
	assert_null(ll_checkpoint_sign(&cp, &k, &err));
	ll_key_release(&k);
}

static void test_a_statement_is_not_a_checkpoint(void **state)
{
	static const char st[] =
		"{\"_type\":\"https://in-toto.io/Statement/v1\","
		"\"predicateType\":\"https://ledgerline.dev/statement/v1\","
		"\"subject\":[],\"predicate\":{}}";
	struct ll_key k;
	struct ll_error err;
	char *env;

	(void)state;
	new_key(&k);
	env = ll_dsse_sign(&k, LL_DSSE_INTOTO_TYPE, (const uint8_t *)st,
			   strlen(st), &err);
	assert_non_null(env);
	assert_false(ll_checkpoint_envelope_is(env, strlen(env)));
	assert_false(ll_checkpoint_envelope_is("{}", 2));
	assert_false(ll_checkpoint_envelope_is("not json", 8));
	free(env);
	ll_key_release(&k);
}

/* ---- refused payloads ------------------------------------------------- */

/* Set the subject digest of statement st to its predicate's. */
static void redigest(json_t *st)
{
	uint8_t d[LL_SHA256_LEN];
	char hex[65], *b = ll_json_jcs(json_object_get(st, "predicate"));

	assert_non_null(b);
	ll_sha256(b, strlen(b), d);
	ll_hex(d, sizeof(d), hex);
	free(b);
	json_object_set_new(json_object_get(json_array_get(
					    json_object_get(st, "subject"), 0),
					    "digest"),
			    "sha256", json_string(hex));
}

static void e_extra_member(json_t *st)
{
	json_object_set_new(json_object_get(st, "predicate"), "note",
			    json_string("x"));
	redigest(st);
}

static void e_missing_member(json_t *st)
{
	json_object_del(json_object_get(st, "predicate"), "merkle_root");
	redigest(st);
}

static void e_posting_as_string(json_t *st)
{
	json_object_set_new(json_object_get(st, "predicate"), "posting",
			    json_string("2"));
	redigest(st);
}

static void e_posting_zero(json_t *st)
{
	json_object_set_new(json_object_get(st, "predicate"), "posting",
			    json_integer(0));
	redigest(st);
}

static void e_head_upper_case(json_t *st)
{
	json_object_set_new(json_object_get(json_object_get(st, "predicate"),
					    "journal"),
			    "head", json_string("A4A057EF921E973135D401C8BBCCDB"
						"AAAF87CD5C316D2CBE98DC0744E04165"
						"D3"));
	redigest(st);
}

static void e_entries_changed(json_t *st)
{
	json_object_set_new(json_object_get(json_object_get(st, "predicate"),
					    "journal"),
			    "entries", json_integer(15));
}

static void e_statement_type(json_t *st)
{
	json_object_set_new(st, "predicateType",
			    json_string("https://ledgerline.dev/statement/v1"));
}

static void e_subject_name(json_t *st)
{
	json_object_set_new(json_array_get(json_object_get(st, "subject"), 0),
			    "name", json_string("P-AI"));
}

static void e_two_subjects(json_t *st)
{
	json_t *subj = json_object_get(st, "subject");

	json_array_append(subj, json_array_get(subj, 0));
}

static void test_parse_refuses(void **state)
{
	static const struct {
		void (*edit)(json_t *);
		const char *field, *text;
	} cases[] = {
		{ e_extra_member, "predicate", "is not a ledgerline checkpoint predicate" },
		{ e_missing_member, "predicate", "is not a ledgerline checkpoint predicate" },
		{ e_posting_as_string, "predicate", "is not a ledgerline checkpoint predicate" },
		{ e_posting_zero, "predicate", "is not a ledgerline checkpoint predicate" },
		{ e_head_upper_case, "predicate", "is not a ledgerline checkpoint predicate" },
		{ e_entries_changed, "subject[0].digest.sha256", "does not match the predicate" },
		{ e_statement_type, "", "not a ledgerline checkpoint statement" },
		{ e_subject_name, "subject", "must be one subject named \"checkpoint\"" },
		{ e_two_subjects, "subject", "must be one subject named \"checkpoint\"" },
	};
	struct ll_checkpoint cp;
	struct ll_key k;
	struct ll_error err;
	char *env, *payload;
	size_t i;

	(void)state;
	good(&cp);
	new_key(&k);
	env = ll_checkpoint_sign(&cp, &k, &err);
	assert_non_null(env);
	payload = payload_of(env);
	assert_int_equal(ll_checkpoint_parse(&cp, payload, strlen(payload),
					     &err),
			 LL_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_error_t jerr;
		json_t *st = json_loads(payload, 0, &jerr);
		char *b;

		assert_non_null(st);
		cases[i].edit(st);
		b = ll_json_jcs(st);
		assert_non_null(b);
		ll_error_clear(&err);
		if (ll_checkpoint_parse(&cp, b, strlen(b), &err) != LL_INVALID)
			fail_msg("case %zu was accepted", i);
		assert_string_equal(err.field, cases[i].field);
		assert_string_equal(err.text, cases[i].text);
		assert_string_equal(cp.run_id, "");
		free(b);
		json_decref(st);
	}
	free(payload);
	free(env);
	ll_key_release(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_is_the_construction),
		cmocka_unit_test(test_sign_verify_read_round_trip),
		cmocka_unit_test(test_sign_refuses_a_malformed_checkpoint),
		cmocka_unit_test(test_a_statement_is_not_a_checkpoint),
		cmocka_unit_test(test_parse_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
