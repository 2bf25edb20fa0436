/*
 * test_dsse.c — unit tests for dsse.c: PAE on the DSSE specification's
 * example; base64 on the RFC 4648 §10 vectors, against OpenSSL's encoder
 * as an oracle, and strict rejections; the exact envelope bytes; sign and
 * open round trips; and a table of tampered or malformed envelopes, each
 * with the status and message it must get.
 *
 * Design decision: each tampering case is a small function that edits a
 * freshly signed envelope as JSON (decoding and re-encoding base64 where
 * a byte changes), so every case differs from a valid envelope in exactly
 * the way it names.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ledgerline/dsse.h"
#include "ledgerline/sign.h"
#include "ledgerline/status.h"

/* ---- PAE ------------------------------------------------------------------ */

static void expect_pae(const char *type, const void *body, size_t len,
		       const void *want, size_t want_len)
{
	size_t n = 12345;
	uint8_t *pae = ll_dsse_pae(type, body, len, &n);

	assert_non_null(pae);
	assert_int_equal(n, want_len);
	assert_memory_equal(pae, want, want_len);
	free(pae);
}

static void test_pae(void **state)
{
	static const char want[] =
		"DSSEv1 29 http://example.com/HelloWorld 11 hello world";
	static const uint8_t bin[] = {0x00, 0xff, 0x20, 0x00};
	static const uint8_t want_bin[] = "DSSEv1 1 t 4 \x00\xff\x20\x00";
	char big[1000];
	char want_big[1100];
	int n;

	(void)state;
	/* the example of the DSSE protocol description */
	expect_pae("http://example.com/HelloWorld", "hello world", 11, want,
		   strlen(want));
	expect_pae(LL_DSSE_INTOTO_TYPE, NULL, 0,
		   "DSSEv1 28 application/vnd.in-toto+json 0 ", 41);
	expect_pae("", "", 0, "DSSEv1 0  0 ", 12);
	expect_pae("t", bin, sizeof(bin), want_bin, sizeof(want_bin) - 1);
	/* lengths are decimal bytes, not characters: "é" is 2 bytes */
	expect_pae("\xc3\xa9", "x", 1, "DSSEv1 2 \xc3\xa9 1 x", 15);
	memset(big, 'a', sizeof(big));
	n = snprintf(want_big, sizeof(want_big), "DSSEv1 1 t 1000 %.1000s",
		     big);
	assert_int_equal(n, 1016);
	expect_pae("t", big, sizeof(big), want_big, (size_t)n);
}

/* ---- base64 --------------------------------------------------------------- */

static void test_base64_vectors(void **state)
{
	static const char *const vec[][2] = {
		{"", ""},	  {"f", "Zg=="},      {"fo", "Zm8="},
		{"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char *enc = ll_base64_encode((const uint8_t *)vec[i][0],
					     strlen(vec[i][0]));
		uint8_t *dec;

		assert_non_null(enc);
		assert_string_equal(enc, vec[i][1]);
		free(enc);
		n = 999;
		dec = ll_base64_decode(vec[i][1], strlen(vec[i][1]), &n);
		assert_non_null(dec);
		assert_int_equal(n, strlen(vec[i][0]));
		assert_memory_equal(dec, vec[i][0], n);
		assert_int_equal(dec[n], 0);
		free(dec);
	}
}

/* Every length 0..300 and every byte value: encode equals OpenSSL's
 * EVP_EncodeBlock, and decode inverts it. */
static void test_base64_oracle(void **state)
{
	uint8_t data[300] = {0};
	char want[4 * 100 + 1];
	size_t len, i, n;
	uint32_t x = 12345;

	(void)state;
	for (len = 0; len <= sizeof(data); len++) {
		char *enc;
		uint8_t *dec;
		int k;

		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			data[i] = (uint8_t)(len == 256 ? i : x >> 16);
		}
		k = EVP_EncodeBlock((unsigned char *)want, data, (int)len);
		assert_true(k >= 0);
		enc = ll_base64_encode(data, len);
		assert_non_null(enc);
		assert_string_equal(enc, want);
		dec = ll_base64_decode(enc, strlen(enc), &n);
		assert_non_null(dec);
		assert_int_equal(n, len);
		if (len > 0)
			assert_memory_equal(dec, data, len);
		free(dec);
		free(enc);
	}
}

static void test_base64_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg",		/* no padding */
		"Zg=",		/* short padding */
		"Zg===",	/* too much padding */
		"Z===",		/* three pads */
		"====",
		"=Zg=",
		"Zg==Zg==",	/* padding in the middle */
		"Zh==",		/* non-zero bits under the padding */
		"Zm9=",		/* ditto, one pad */
		"Zm9v YmFy",	/* space */
		" Zm9v",
		"Zm9v\n",	/* newline */
		"Zm9v\r\nYmFy",
		"Zm9\tv",
		"Zm-v",		/* base64url alphabet */
		"Zm_v",
		"Zm9vYg=a",
		"Zm9v!",
		"Zm9v\xc3\xa9",
		"A",
		"AB",
		"ABC",
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *dec = ll_base64_decode(bad[i], strlen(bad[i]), &n);

		if (dec)
			fail_msg("accepted base64 \"%s\"", bad[i]);
	}
	/* an embedded NUL counts */
	assert_null(ll_base64_decode("Zm9v\0\0\0\0", 8, &n));
	assert_null(ll_base64_decode("Zg=\0", 4, &n));
	/* len is honoured: a valid encoding cut short is not valid */
	assert_null(ll_base64_decode("Zm9vYmFy", 6, &n));
	assert_null(ll_base64_decode("Zm9vYmFy", 7, &n));
	assert_null(ll_base64_decode("Zm9vYg==", 6, &n));
}

/* ---- envelopes ------------------------------------------------------------ */

struct fixture {
	struct ll_key key, other;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ll_error err;

	if (!f)
		return -1;
	ll_key_init(&f->key);
	ll_key_init(&f->other);
	if (ll_key_generate(&f->key, &err) != LL_OK ||
	    ll_key_generate(&f->other, &err) != LL_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ll_key_release(&f->key);
	ll_key_release(&f->other);
	free(f);
	return 0;
}

static const char payload_text[] =
	"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[]}";

static char *sign_payload(const struct ll_key *k)
{
	struct ll_error err;
	char *env;

	ll_error_clear(&err);
	env = ll_dsse_sign(k, LL_DSSE_INTOTO_TYPE,
			   (const uint8_t *)payload_text, strlen(payload_text),
			   &err);
	if (!env)
		fail_msg("ll_dsse_sign: %s", err.text);
	return env;
}

static void test_envelope_bytes(void **state)
{
	struct fixture *f = *state;
	char *env = sign_payload(&f->key);
	char *payload_b64, *want;
	size_t n = strlen(env);
	json_t *j, *sigs;
	json_error_t jerr;
	uint8_t *sig, *pae;
	size_t sig_len, pae_len;
	int w;

	/* compact, keys sorted, one trailing newline */
	payload_b64 = ll_base64_encode((const uint8_t *)payload_text,
				       strlen(payload_text));
	assert_non_null(payload_b64);
	j = json_loads(env, 0, &jerr);
	assert_non_null(j);
	sigs = json_object_get(j, "signatures");
	want = malloc(n + 1);
	assert_non_null(want);
	w = snprintf(want, n + 1,
		     "{\"payload\":\"%s\",\"payloadType\":\"%s\","
		     "\"signatures\":[{\"keyid\":\"%s\",\"sig\":\"%s\"}]}\n",
		     payload_b64, LL_DSSE_INTOTO_TYPE, f->key.keyid,
		     json_string_value(json_object_get(
			     json_array_get(sigs, 0), "sig")));
	assert_int_equal((size_t)w, n);
	assert_string_equal(env, want);

	/* the signature is Ed25519 over PAE(type, payload) */
	sig = ll_base64_decode(json_string_value(json_object_get(
				       json_array_get(sigs, 0), "sig")),
			       88, &sig_len);
	assert_non_null(sig);
	assert_int_equal(sig_len, LL_ED25519_SIG_LEN);
	pae = ll_dsse_pae(LL_DSSE_INTOTO_TYPE, (const uint8_t *)payload_text,
			  strlen(payload_text), &pae_len);
	assert_non_null(pae);
	assert_true(ll_key_verify(&f->key, pae, pae_len, sig));

	/* deterministic */
	free(want);
	want = sign_payload(&f->key);
	assert_string_equal(want, env);

	free(pae);
	free(sig);
	free(want);
	free(payload_b64);
	json_decref(j);
	free(env);
}

static void test_sign_open_round_trip(void **state)
{
	struct fixture *f = *state;
	struct ll_error err;
	uint8_t *payload = (uint8_t *)"junk";
	char *type = "junk", *env;
	size_t len = 99;
	static const uint8_t bin[] = {0x00, 0x01, 0xfe, 0xff, 0x00};

	env = sign_payload(&f->key);
	ll_error_clear(&err);
	assert_int_equal(ll_dsse_open(env, strlen(env), &f->key, &payload,
				      &len, &type, &err),
			 LL_OK);
	assert_int_equal(len, strlen(payload_text));
	assert_memory_equal(payload, payload_text, len);
	assert_int_equal(payload[len], 0);
	assert_string_equal(type, LL_DSSE_INTOTO_TYPE);
	free(payload);
	free(type);

	/* a key without its private half opens it as well */
	{
		struct ll_key view = f->key;

		view.has_private = false;
		assert_int_equal(ll_dsse_open(env, strlen(env), &view,
					      &payload, &len, &type, &err),
				 LL_OK);
		free(payload);
		free(type);
	}
	free(env);

	/* an empty payload, binary payloads and another type */
	env = ll_dsse_sign(&f->key, "text/plain", NULL, 0, &err);
	assert_non_null(env);
	assert_int_equal(ll_dsse_open(env, strlen(env), &f->key, &payload,
				      &len, &type, &err),
			 LL_OK);
	assert_int_equal(len, 0);
	assert_int_equal(payload[0], 0);
	assert_string_equal(type, "text/plain");
	free(payload);
	free(type);
	free(env);

	env = ll_dsse_sign(&f->key, "application/octet-stream", bin,
			   sizeof(bin), &err);
	assert_non_null(env);
	assert_int_equal(ll_dsse_open(env, strlen(env), &f->key, &payload,
				      &len, &type, &err),
			 LL_OK);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(payload, bin, sizeof(bin));
	free(payload);
	free(type);

	/* envelope_len is honoured: the trailing newline can go */
	assert_int_equal(ll_dsse_open(env, strlen(env) - 1, &f->key, &payload,
				      &len, &type, &err),
			 LL_OK);
	free(payload);
	free(type);
	free(env);

	/* a type that is not UTF-8 cannot be signed */
	ll_error_clear(&err);
	assert_null(ll_dsse_sign(&f->key, "\xff", bin, sizeof(bin), &err));
	assert_int_equal(err.code, LL_INVALID);

	/* signing needs a private key */
	{
		struct ll_key view = f->key;

		view.has_private = false;
		ll_error_clear(&err);
		assert_null(ll_dsse_sign(&view, "t", bin, sizeof(bin), &err));
		assert_int_equal(err.code, LL_INVALID);
	}
}

/* ---- tampering ------------------------------------------------------------ */

static json_t *sig0(json_t *env)
{
	return json_array_get(json_object_get(env, "signatures"), 0);
}

/* Decode the base64 string obj[key], let edit change the bytes, encode
 * back. */
static void edit_b64(json_t *obj, const char *key,
		     void (*edit)(uint8_t *buf, size_t *len))
{
	const char *s = json_string_value(json_object_get(obj, key));
	size_t len;
	uint8_t *dec, *buf;
	char *enc;

	assert_non_null(s);
	dec = ll_base64_decode(s, strlen(s), &len);
	assert_non_null(dec);
	buf = malloc(len + 16);
	assert_non_null(buf);
	memcpy(buf, dec, len);
	edit(buf, &len);
	enc = ll_base64_encode(buf, len);
	assert_non_null(enc);
	assert_int_equal(json_object_set_new(obj, key, json_string(enc)), 0);
	free(enc);
	free(buf);
	free(dec);
}

static void flip_first(uint8_t *buf, size_t *len)
{
	assert_true(*len > 0);
	buf[0] ^= 0x01;
}

static void flip_last(uint8_t *buf, size_t *len)
{
	assert_true(*len > 0);
	buf[*len - 1] ^= 0x20;
}

static void drop_last(uint8_t *buf, size_t *len)
{
	(void)buf;
	assert_true(*len > 0);
	(*len)--;
}

static void add_byte(uint8_t *buf, size_t *len)
{
	buf[(*len)++] = 0;
}

static void m_payload_byte(json_t *e, const struct fixture *f)
{
	(void)f;
	edit_b64(e, "payload", flip_last);
}

static void m_payload_extended(json_t *e, const struct fixture *f)
{
	(void)f;
	edit_b64(e, "payload", add_byte);
}

static void m_type(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set_new(e, "payloadType",
			    json_string("application/vnd.in-toto+jsom"));
}

static void m_sig_byte(json_t *e, const struct fixture *f)
{
	(void)f;
	edit_b64(sig0(e), "sig", flip_first);
}

static void m_sig_last_byte(json_t *e, const struct fixture *f)
{
	(void)f;
	edit_b64(sig0(e), "sig", flip_last);
}

static void m_sig_short(json_t *e, const struct fixture *f)
{
	(void)f;
	edit_b64(sig0(e), "sig", drop_last);
}

static void m_sig_long(json_t *e, const struct fixture *f)
{
	(void)f;
	edit_b64(sig0(e), "sig", add_byte);
}

static void m_keyid(json_t *e, const struct fixture *f)
{
	char id[65];

	memcpy(id, f->key.keyid, sizeof(id));
	id[0] = id[0] == '0' ? '1' : '0';
	json_object_set_new(sig0(e), "keyid", json_string(id));
}

static void m_keyid_upper(json_t *e, const struct fixture *f)
{
	char id[65];
	size_t i;

	memcpy(id, f->key.keyid, sizeof(id));
	for (i = 0; id[i]; i++)
		if (id[i] >= 'a' && id[i] <= 'f')
			id[i] = (char)(id[i] - 'a' + 'A');
	json_object_set_new(sig0(e), "keyid", json_string(id));
}

static void m_keyid_prefix(json_t *e, const struct fixture *f)
{
	char id[65];

	memcpy(id, f->key.keyid, sizeof(id));
	id[63] = '\0';
	json_object_set_new(sig0(e), "keyid", json_string(id));
}

static void m_keyid_extended(json_t *e, const struct fixture *f)
{
	char id[70];

	snprintf(id, sizeof(id), "%s0", f->key.keyid);
	json_object_set_new(sig0(e), "keyid", json_string(id));
}

static void m_keyid_empty(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set_new(sig0(e), "keyid", json_string(""));
}

/* Another key signed it but claims our keyid. */
static void m_forged_keyid(json_t *e, const struct fixture *f)
{
	struct ll_error err;
	char *other = ll_dsse_sign(&f->other, LL_DSSE_INTOTO_TYPE,
				   (const uint8_t *)payload_text,
				   strlen(payload_text), &err);
	json_t *o;
	json_error_t jerr;

	assert_non_null(other);
	o = json_loads(other, 0, &jerr);
	assert_non_null(o);
	json_object_set(sig0(e), "sig", json_object_get(sig0(o), "sig"));
	json_decref(o);
	free(other);
}

/* Signed by the other key, and ours is added after it: ours is found. */
static void m_two_sigs_ours_second(json_t *e, const struct fixture *f)
{
	json_t *sigs = json_object_get(e, "signatures");
	json_t *theirs = json_deep_copy(sig0(e));

	json_object_set_new(theirs, "keyid", json_string(f->other.keyid));
	json_array_insert_new(sigs, 0, theirs);
}

/* Two signatures under our keyid, the first bad: the good one counts. */
static void m_two_sigs_first_bad(json_t *e, const struct fixture *f)
{
	json_t *sigs = json_object_get(e, "signatures");
	json_t *bad = json_deep_copy(sig0(e));

	(void)f;
	edit_b64(bad, "sig", flip_first);
	json_array_insert_new(sigs, 0, bad);
}

static void m_extra_top(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set_new(e, "comment", json_string("unsigned"));
}

static void m_extra_sig_field(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set_new(sig0(e), "cert", json_string(""));
}

static void m_no_payload(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_del(e, "payload");
}

static void m_no_type(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_del(e, "payloadType");
}

static void m_no_signatures(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_del(e, "signatures");
}

static void m_no_keyid(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_del(sig0(e), "keyid");
}

static void m_no_sig(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_del(sig0(e), "sig");
}

static void m_empty_signatures(json_t *e, const struct fixture *f)
{
	(void)f;
	json_array_clear(json_object_get(e, "signatures"));
}

static void m_signatures_object(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set(e, "signatures", sig0(e));
}

static void m_signature_string(json_t *e, const struct fixture *f)
{
	(void)f;
	json_array_set_new(json_object_get(e, "signatures"), 0,
			   json_string("sig"));
}

static void m_payload_number(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set_new(e, "payload", json_integer(1));
}

static void m_type_null(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set_new(e, "payloadType", json_null());
}

static void m_keyid_number(json_t *e, const struct fixture *f)
{
	(void)f;
	json_object_set_new(sig0(e), "keyid", json_integer(7));
}

/* Insert text at byte at of the base64 string obj[key]. */
static void insert_into(json_t *obj, const char *key, size_t at,
			const char *text)
{
	const char *s = json_string_value(json_object_get(obj, key));
	char buf[1024];

	assert_true(strlen(s) + strlen(text) < sizeof(buf) && at <= strlen(s));
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)at, s, text, s + at);
	json_object_set_new(obj, key, json_string(buf));
}

static void m_payload_newline(json_t *e, const struct fixture *f)
{
	(void)f;
	insert_into(e, "payload", 8, "\n");
}

static void m_payload_space(json_t *e, const struct fixture *f)
{
	(void)f;
	insert_into(e, "payload", 4, " ");
}

static void m_payload_unpadded(json_t *e, const struct fixture *f)
{
	const char *s = json_string_value(json_object_get(e, "payload"));
	char buf[1024];
	size_t n = strlen(s);

	(void)f;
	assert_true(n < sizeof(buf));
	memcpy(buf, s, n + 1);
	while (n > 0 && buf[n - 1] == '=')
		buf[--n] = '\0';
	/* payload_text's length is not a multiple of 3 */
	assert_true(n != strlen(s));
	json_object_set_new(e, "payload", json_string(buf));
}

static void m_payload_urlsafe(json_t *e, const struct fixture *f)
{
	(void)f;
	insert_into(e, "payload", 0, "-_-_");
}

static void m_sig_newline(json_t *e, const struct fixture *f)
{
	(void)f;
	insert_into(sig0(e), "sig", 76, "\n");
}

static void m_sig_bad_char(json_t *e, const struct fixture *f)
{
	const char *s = json_string_value(json_object_get(sig0(e), "sig"));
	char buf[128];

	(void)f;
	snprintf(buf, sizeof(buf), "%s", s);
	buf[5] = '*';
	json_object_set_new(sig0(e), "sig", json_string(buf));
}

/* Bad base64 in a signature of another key is still malformed. */
static void m_other_sig_bad_b64(json_t *e, const struct fixture *f)
{
	json_t *theirs = json_pack("{s:s, s:s}", "keyid", f->other.keyid,
				   "sig", "not base64");

	json_array_append_new(json_object_get(e, "signatures"), theirs);
}

struct tamper_case {
	const char *name;
	void (*mutate)(json_t *env, const struct fixture *f);
	enum ll_status want;
	const char *text;	/* substring of the error text */
	const char *field;	/* exact error field, NULL to skip */
};

static const struct tamper_case tamper_cases[] = {
	{"payload byte", m_payload_byte, LL_FINDINGS,
	 "signature does not verify", "signatures"},
	{"payload extended", m_payload_extended, LL_FINDINGS,
	 "signature does not verify", NULL},
	{"payloadType changed", m_type, LL_FINDINGS,
	 "signature does not verify", NULL},
	{"signature byte", m_sig_byte, LL_FINDINGS,
	 "signature does not verify", NULL},
	{"signature last byte", m_sig_last_byte, LL_FINDINGS,
	 "signature does not verify", NULL},
	{"signature 63 bytes", m_sig_short, LL_FINDINGS,
	 "signature does not verify", NULL},
	{"signature 65 bytes", m_sig_long, LL_FINDINGS,
	 "signature does not verify", NULL},
	{"keyid changed", m_keyid, LL_FINDINGS, "no signature by key ",
	 "signatures"},
	{"keyid upper case", m_keyid_upper, LL_FINDINGS,
	 "no signature by key ", NULL},
	{"keyid prefix", m_keyid_prefix, LL_FINDINGS, "no signature by key ",
	 NULL},
	{"keyid extended", m_keyid_extended, LL_FINDINGS,
	 "no signature by key ", NULL},
	{"keyid empty", m_keyid_empty, LL_FINDINGS, "no signature by key ",
	 NULL},
	{"other key under our keyid", m_forged_keyid, LL_FINDINGS,
	 "signature does not verify", NULL},
	{"ours second", m_two_sigs_ours_second, LL_OK, NULL, NULL},
	{"bad then good", m_two_sigs_first_bad, LL_OK, NULL, NULL},
	{"extra top-level field", m_extra_top, LL_INVALID,
	 "unknown field \"comment\"", "comment"},
	{"extra signature field", m_extra_sig_field, LL_INVALID,
	 "unknown field \"cert\"", "signatures[0].cert"},
	{"no payload", m_no_payload, LL_INVALID, "missing required field",
	 "payload"},
	{"no payloadType", m_no_type, LL_INVALID, "missing required field",
	 "payloadType"},
	{"no signatures", m_no_signatures, LL_INVALID,
	 "missing required field", "signatures"},
	{"no keyid", m_no_keyid, LL_INVALID, "missing required field",
	 "signatures[0].keyid"},
	{"no sig", m_no_sig, LL_INVALID, "missing required field",
	 "signatures[0].sig"},
	{"empty signatures", m_empty_signatures, LL_INVALID, "signatures",
	 "signatures"},
	{"signatures an object", m_signatures_object, LL_INVALID,
	 "must be an array", "signatures"},
	{"signature a string", m_signature_string, LL_INVALID,
	 "must be a JSON object", "signatures[0]"},
	{"payload a number", m_payload_number, LL_INVALID,
	 "must be a string", "payload"},
	{"payloadType null", m_type_null, LL_INVALID, "must be a string",
	 "payloadType"},
	{"keyid a number", m_keyid_number, LL_INVALID, "must be a string",
	 "signatures[0].keyid"},
	{"payload newline", m_payload_newline, LL_INVALID, "base64",
	 "payload"},
	{"payload space", m_payload_space, LL_INVALID, "base64", "payload"},
	{"payload unpadded", m_payload_unpadded, LL_INVALID, "base64",
	 "payload"},
	{"payload base64url", m_payload_urlsafe, LL_INVALID, "base64",
	 "payload"},
	{"sig newline", m_sig_newline, LL_INVALID, "base64",
	 "signatures[0].sig"},
	{"sig bad character", m_sig_bad_char, LL_INVALID, "base64",
	 "signatures[0].sig"},
	{"other signature bad base64", m_other_sig_bad_b64, LL_INVALID,
	 "base64", "signatures[1].sig"},
};

static void expect_open(const char *name, const char *env, size_t len,
			const struct ll_key *key, enum ll_status want,
			const char *text, const char *field)
{
	struct ll_error err;
	uint8_t *payload = (uint8_t *)"junk";
	char *type = "junk";
	size_t plen = 99;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_dsse_open(env, len, key, &payload, &plen, &type, &err);
	if (rc != want)
		fail_msg("%s: status %d, want %d (%s)", name, rc, want,
			 err.text);
	if (want == LL_OK) {
		assert_int_equal(plen, strlen(payload_text));
		assert_memory_equal(payload, payload_text, plen);
		free(payload);
		free(type);
		return;
	}
	assert_int_equal(err.code, want);
	assert_null(payload);
	assert_null(type);
	assert_int_equal(plen, 0);
	if (text && !strstr(err.text, text))
		fail_msg("%s: expected \"%s\" in \"%s\"", name, text,
			 err.text);
	if (field && strcmp(err.field, field) != 0)
		fail_msg("%s: field \"%s\", want \"%s\"", name, err.field,
			 field);
}

static void test_tamper_table(void **state)
{
	struct fixture *f = *state;
	char *env = sign_payload(&f->key);
	size_t i;

	/* the unmodified envelope, via the same path */
	expect_open("valid", env, strlen(env), &f->key, LL_OK, NULL, NULL);
	for (i = 0; i < sizeof(tamper_cases) / sizeof(tamper_cases[0]); i++) {
		const struct tamper_case *c = &tamper_cases[i];
		json_error_t jerr;
		json_t *j = json_loads(env, 0, &jerr);
		char *text;

		assert_non_null(j);
		c->mutate(j, f);
		text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		assert_non_null(text);
		expect_open(c->name, text, strlen(text), &f->key, c->want,
			    c->text, c->field);
		free(text);
		json_decref(j);
	}
	free(env);
}

/* Not a well-formed envelope at the JSON level. */
static void test_malformed_json(void **state)
{
	struct fixture *f = *state;
	char *env = sign_payload(&f->key);
	char *buf;
	size_t n = strlen(env);
	char text[512];
	static const char *const bad[] = {
		"",
		"null",
		"[]",
		"\"payload\"",
		"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_open(bad[i], bad[i], strlen(bad[i]), &f->key,
			    LL_INVALID, NULL, NULL);

	/* trailing garbage */
	buf = malloc(n + 8);
	assert_non_null(buf);
	memcpy(buf, env, n);
	memcpy(buf + n, "{}", 3);
	expect_open("trailing", buf, n + 2, &f->key, LL_INVALID, NULL, NULL);

	/* a duplicate key: the first "payload" would be a lie */
	snprintf(text, sizeof(text), "{\"payload\":\"AAAA\",%s", env + 1);
	expect_open("duplicate key", text, strlen(text), &f->key, LL_INVALID,
		    NULL, NULL);
	free(buf);
	free(env);
}

static void test_wrong_key(void **state)
{
	struct fixture *f = *state;
	char *env = sign_payload(&f->key);
	char want[128];

	snprintf(want, sizeof(want), "no signature by key %s",
		 f->other.keyid);
	expect_open("wrong key", env, strlen(env), &f->other, LL_FINDINGS,
		    want, NULL);
	free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pae),
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_oracle),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test_setup_teardown(test_envelope_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sign_open_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_json, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
