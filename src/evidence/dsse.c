/*
 * dsse.c — DSSE v1 envelopes (dsse.h): pre-authentication encoding,
 * strict standard base64, signing and opening with jansson.
 *
 * Design decision: opening is strict before it is cryptographic.  The
 * envelope must have exactly the DSSE keys with the right types and every
 * base64 field must be the one canonical encoding of its bytes, so an
 * envelope that verifies has exactly one textual form apart from JSON
 * whitespace and key order, and no unsigned extra data can ride along.
 */
#include "ledgerline/dsse.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

enum {
	/* More signatures than this on one envelope is not ours. */
	DSSE_SIGNATURES_MAX = 64,
	/* "DSSEv1" + 4 spaces + two decimal size_t lengths. */
	PAE_HEADER_BYTES_MAX = 6 + 4 + 2 * 20 + 1,
};

uint8_t *ll_dsse_pae(const char *type, const uint8_t *body, size_t len,
		     size_t *out_len)
{
	char head[PAE_HEADER_BYTES_MAX];
	size_t type_len, total;
	uint8_t *out;
	int n;

	assert(type && (body || len == 0) && out_len);
	*out_len = 0;
	type_len = strlen(type);
	/* "DSSEv1 <LEN(type)> " type " <LEN(body)> " body */
	n = snprintf(head, sizeof(head), "DSSEv1 %zu ", type_len);
	LL_ENSURE(n > 0 && (size_t)n < sizeof(head));
	total = (size_t)n;
	n = snprintf(head + total, sizeof(head) - total, " %zu ", len);
	LL_ENSURE(n > 0 && (size_t)n < sizeof(head) - total);
	if (type_len > SIZE_MAX - sizeof(head) ||
	    len > SIZE_MAX - sizeof(head) - type_len)
		return NULL;
	out = malloc(total + (size_t)n + type_len + len + 1);
	if (!out)
		return NULL;
	memcpy(out, head, total);
	memcpy(out + total, type, type_len);
	memcpy(out + total + type_len, head + total, (size_t)n);
	if (len > 0)
		memcpy(out + total + type_len + (size_t)n, body, len);
	*out_len = total + type_len + (size_t)n + len;
	out[*out_len] = 0;
	return out;
}

/* ---- base64 (RFC 4648 §4) ------------------------------------------------ */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *ll_base64_encode(const uint8_t *data, size_t len)
{
	size_t groups, i, o = 0;
	char *out;

	assert(data || len == 0);
	groups = len / 3 + (len % 3 != 0);
	if (groups > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(groups * 4 + 1);
	if (!out)
		return NULL;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 |
			     (uint32_t)data[i + 1] << 8 | data[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)data[i] << 16;

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)data[i] << 16 |
			     (uint32_t)data[i + 1] << 8;

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	LL_ENSURE(o == groups * 4);
	out[o] = '\0';
	return out;
}

/* Value of one alphabet character, -1 for anything else ('=' included). */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict decode into a new buffer (NUL-terminated, *out_len without the
 * NUL): LL_INVALID unless text is the canonical padded encoding of some
 * bytes, LL_NOMEM.
 */
static enum ll_status b64_decode(const char *text, size_t len, uint8_t **out,
				 size_t *out_len)
{
	size_t pad = 0, i, o = 0;
	uint8_t *buf;

	*out = NULL;
	*out_len = 0;
	if (len % 4 != 0)
		return LL_INVALID;
	if (len > 0 && text[len - 1] == '=')
		pad = len > 1 && text[len - 2] == '=' ? 2 : 1;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return LL_NOMEM;
	for (i = 0; i < len; i += 4) {
		int a = b64_value((unsigned char)text[i]);
		int b = b64_value((unsigned char)text[i + 1]);
		bool last = i + 4 == len;
		int c = last && pad == 2 ? 0 : b64_value((unsigned char)text[i + 2]);
		int d = last && pad >= 1 ? 0 : b64_value((unsigned char)text[i + 3]);
		uint32_t v;

		if (a < 0 || b < 0 || c < 0 || d < 0)
			goto bad;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
		    (uint32_t)d;
		/* canonical: the bits the padding hides must be zero */
		if (last && pad == 2 && (v & 0xffff) != 0)
			goto bad;
		if (last && pad == 1 && (v & 0xff) != 0)
			goto bad;
		buf[o++] = (uint8_t)(v >> 16);
		if (!(last && pad == 2))
			buf[o++] = (uint8_t)(v >> 8);
		if (!(last && pad >= 1))
			buf[o++] = (uint8_t)v;
	}
	buf[o] = 0;
	*out = buf;
	*out_len = o;
	return LL_OK;
bad:
	free(buf);
	return LL_INVALID;
}

uint8_t *ll_base64_decode(const char *text, size_t len, size_t *out_len)
{
	uint8_t *out;

	assert((text || len == 0) && out_len);
	if (b64_decode(text, len, &out, out_len) != LL_OK)
		return NULL;
	return out;
}

/* ---- envelopes ----------------------------------------------------------- */

/* {"keyid": keyid, "sig": sig_b64}, or NULL when out of memory. */
static json_t *signature_object(const char *keyid, const char *sig_b64)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "keyid", json_string(keyid)) != 0 ||
	    json_object_set_new(o, "sig", json_string(sig_b64)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *ll_dsse_sign(const struct ll_key *k, const char *type,
		   const uint8_t *payload, size_t len, struct ll_error *err)
{
	static const char PAYLOAD_HEAD[] = "{\"payload\":\"";
	uint8_t sig[LL_ED25519_SIG_LEN];
	uint8_t *pae = NULL;
	size_t pae_len = 0, n, b64_len, head;
	char *payload_b64 = NULL, *sig_b64 = NULL, *dump = NULL, *out = NULL;
	json_t *env = NULL, *type_v = NULL, *sigs = NULL;

	assert(k && type && (payload || len == 0));
	type_v = json_string(type);
	if (!type_v) {
		ll_error_set(err, LL_INVALID, NULL, 0, "payloadType",
			     "not valid UTF-8");
		goto out;
	}
	pae = ll_dsse_pae(type, payload, len, &pae_len);
	if (!pae)
		goto nomem;
	if (ll_key_sign(k, pae, pae_len, sig, err) != LL_OK)
		goto out;
	payload_b64 = ll_base64_encode(payload, len);
	sig_b64 = ll_base64_encode(sig, sizeof(sig));
	env = json_object();
	sigs = json_array();
	if (!payload_b64 || !sig_b64 || !env || !sigs)
		goto nomem;
	/* the envelope is dumped with an empty payload, which is then put
	 * in place: base64 needs no JSON escape, so the bytes are those
	 * jansson would write, without it copying a large string char by
	 * char ("payload" sorts first) */
	if (json_array_append_new(sigs, signature_object(k->keyid, sig_b64)) != 0 ||
	    json_object_set_new(env, "payload", json_string("")) != 0 ||
	    json_object_set(env, "payloadType", type_v) != 0 ||
	    json_object_set(env, "signatures", sigs) != 0)
		goto nomem;
	dump = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	if (!dump)
		goto nomem;
	n = strlen(dump);
	LL_ENSURE(n >= sizeof(PAYLOAD_HEAD) - 1 &&
		  memcmp(dump, PAYLOAD_HEAD, sizeof(PAYLOAD_HEAD) - 1) == 0);
	b64_len = strlen(payload_b64);
	out = malloc(n + b64_len + 2);
	if (!out)
		goto nomem;
	head = sizeof(PAYLOAD_HEAD) - 1;
	memcpy(out, dump, head);
	memcpy(out + head, payload_b64, b64_len);
	memcpy(out + head + b64_len, dump + head, n - head);
	out[n + b64_len] = '\n';
	out[n + b64_len + 1] = '\0';
	goto out;
nomem:
	ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
		     "out of memory signing an envelope");
out:
	free(pae);
	free(payload_b64);
	free(sig_b64);
	free(dump);
	json_decref(type_v);
	json_decref(sigs);
	json_decref(env);
	return out;
}

/*
 * Is obj a JSON object whose keys are exactly the strings of want (a
 * NULL-terminated list), each a string, plus a non-string array where
 * array_key names one?  Reports the first problem at prefix.
 */
static enum ll_status check_object(const json_t *obj, const char *prefix,
				   const char *const *want,
				   const char *array_key, struct ll_error *err)
{
	char field[LL_ERROR_FIELD_MAX];
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return ll_error_set(err, LL_INVALID, NULL, 0,
				    prefix[0] ? prefix : NULL,
				    "must be a JSON object");
	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (i = 0; want[i]; i++)
			known = known || strcmp(key, want[i]) == 0;
		if (!known) {
			snprintf(field, sizeof(field), "%s%s%.100s", prefix,
				 prefix[0] ? "." : "", key);
			return ll_error_set(err, LL_INVALID, NULL, 0, field,
					    "unknown field \"%.100s\"", key);
		}
	}
	for (i = 0; want[i]; i++) {
		bool is_array = array_key && strcmp(want[i], array_key) == 0;

		snprintf(field, sizeof(field), "%s%s%s", prefix,
			 prefix[0] ? "." : "", want[i]);
		v = json_object_get(obj, want[i]);
		if (!v)
			return ll_error_set(err, LL_INVALID, NULL, 0, field,
					    "missing required field");
		if (is_array ? !json_is_array(v) : !json_is_string(v))
			return ll_error_set(err, LL_INVALID, NULL, 0, field,
					    "must be %s",
					    is_array ? "an array" : "a string");
	}
	return LL_OK;
}

/* Strictly decode the base64 string v (at field) into a new buffer. */
static enum ll_status decode_field(const json_t *v, const char *field,
				   uint8_t **out, size_t *out_len,
				   struct ll_error *err)
{
	enum ll_status rc = b64_decode(json_string_value(v),
				       json_string_length(v), out, out_len);

	if (rc == LL_NOMEM)
		return ll_error_set(err, LL_NOMEM, NULL, 0, field,
				    "out of memory decoding base64");
	if (rc != LL_OK)
		return ll_error_set(err, LL_INVALID, NULL, 0, field,
				    "not canonical standard base64 (RFC 4648 "
				    "section 4, padded, no whitespace)");
	return LL_OK;
}

/* Does the keyid string v name pub? */
static bool keyid_matches(const json_t *v, const struct ll_key *pub)
{
	size_t n = strlen(pub->keyid);

	return json_string_length(v) == n &&
	       CRYPTO_memcmp(json_string_value(v), pub->keyid, n) == 0;
}

/* The whole envelope is well-formed before anything is verified: its
 * keys, 1 to DSSE_SIGNATURES_MAX signatures, each with a base64 "sig". */
static enum ll_status check_envelope(const json_t *env, struct ll_error *err)
{
	static const char *const env_keys[] = {"payload", "payloadType",
					       "signatures", NULL};
	static const char *const sig_keys[] = {"keyid", "sig", NULL};
	char field[LL_ERROR_FIELD_MAX];
	const json_t *sigs;
	json_t *one;
	uint8_t *sig = NULL;
	size_t sig_len = 0, i, n_sigs;
	enum ll_status rc;

	rc = check_object(env, "", env_keys, "signatures", err);
	if (rc != LL_OK)
		return rc;
	sigs = json_object_get(env, "signatures");
	n_sigs = json_array_size(sigs);
	if (n_sigs == 0 || n_sigs > DSSE_SIGNATURES_MAX)
		return ll_error_set(err, LL_INVALID, NULL, 0, "signatures",
				    "must hold 1 to %d signatures, not %zu",
				    DSSE_SIGNATURES_MAX, n_sigs);
	json_array_foreach(sigs, i, one) {
		snprintf(field, sizeof(field), "signatures[%zu]", i);
		rc = check_object(one, field, sig_keys, NULL, err);
		if (rc != LL_OK)
			return rc;
		snprintf(field, sizeof(field), "signatures[%zu].sig", i);
		rc = decode_field(json_object_get(one, "sig"), field, &sig,
				  &sig_len, err);
		free(sig);
		sig = NULL;
		if (rc != LL_OK)
			return rc;
	}
	return LL_OK;
}

/* The envelope's payload, decoded into *body (new), and its
 * pre-authentication encoding into *pae (new). */
static enum ll_status envelope_pae(const json_t *env, uint8_t **body,
				   size_t *body_len, uint8_t **pae,
				   size_t *pae_len, struct ll_error *err)
{
	const char *ptype = json_string_value(json_object_get(env,
							      "payloadType"));
	enum ll_status rc;

	rc = decode_field(json_object_get(env, "payload"), "payload", body,
			  body_len, err);
	if (rc != LL_OK)
		return rc;
	*pae = ll_dsse_pae(ptype, *body, *body_len, pae_len);
	if (!*pae)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory opening an envelope");
	return LL_OK;
}

/* Whether a signature by pub over pae verifies: LL_FINDINGS when no
 * signature is by pub or none of those verifies. */
static enum ll_status verify_signatures(const json_t *sigs,
					const struct ll_key *pub,
					const uint8_t *pae, size_t pae_len,
					struct ll_error *err)
{
	json_t *one;
	uint8_t *sig = NULL;
	size_t sig_len = 0, i, matched = 0;
	bool verified = false;
	enum ll_status rc;

	json_array_foreach(sigs, i, one) {
		if (!keyid_matches(json_object_get(one, "keyid"), pub))
			continue;
		matched++;
		rc = decode_field(json_object_get(one, "sig"), "sig", &sig,
				  &sig_len, err);
		if (rc != LL_OK) {
			free(sig);
			return rc;
		}
		verified = sig_len == LL_ED25519_SIG_LEN &&
			   ll_key_verify(pub, pae, pae_len, sig);
		free(sig);
		sig = NULL;
		if (verified)
			break;
	}
	if (matched == 0)
		return ll_error_set(err, LL_FINDINGS, NULL, 0, "signatures",
				    "no signature by key %s", pub->keyid);
	if (!verified)
		return ll_error_set(err, LL_FINDINGS, NULL, 0, "signatures",
				    "signature does not verify");
	return LL_OK;
}

enum ll_status ll_dsse_open(const char *envelope, size_t envelope_len,
			    const struct ll_key *pub, uint8_t **payload,
			    size_t *len, char **type, struct ll_error *err)
{
	json_error_t jerr;
	json_t *env;
	uint8_t *body = NULL, *pae = NULL;
	size_t body_len = 0, pae_len = 0;
	enum ll_status rc;

	assert(envelope && pub && pub->pkey && payload && len && type);
	*payload = NULL;
	*len = 0;
	*type = NULL;
	env = json_loadb(envelope, envelope_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!env)
		return ll_error_set(err, LL_INVALID, NULL, jerr.line, NULL,
				    "not a valid DSSE envelope: %s", jerr.text);
	rc = check_envelope(env, err);
	if (rc == LL_OK)
		rc = envelope_pae(env, &body, &body_len, &pae, &pae_len, err);
	if (rc == LL_OK)
		rc = verify_signatures(json_object_get(env, "signatures"), pub,
				       pae, pae_len, err);
	if (rc == LL_OK) {
		*type = strdup(json_string_value(
			json_object_get(env, "payloadType")));
		if (!*type)
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory opening an envelope");
	}
	if (rc == LL_OK) {
		*payload = body;
		*len = body_len;
		body = NULL;
	}
	free(body);
	free(pae);
	json_decref(env);
	return rc;
}
