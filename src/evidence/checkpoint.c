/*
 * checkpoint.c — building, signing, parsing and verifying checkpoints
 * (checkpoint.h).
 *
 * Design decision: parsing is strict, as for a DSSE envelope: the
 * predicate must have exactly the members of the construction, with their
 * types, and the subject digest is recomputed from the predicate, so a
 * checkpoint that verifies says one thing only and carries nothing
 * unsigned beside it.
 */
#include "ledgerline/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/buf.h"
#include "ledgerline/digest.h"
#include "ledgerline/dsse.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/statement.h"

/* ---- building --------------------------------------------------------- */

/* Is s 64 lower-case hex digits? */
static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return i == LL_SHA256_HEX_LEN;
}

static bool well_formed(const struct ll_checkpoint *cp)
{
	return cp->licensee[0] && cp->label[0] && cp->run_id[0] &&
	       strlen(cp->first) == LL_CHECKPOINT_DATE_BYTES - 1 &&
	       strlen(cp->last) == LL_CHECKPOINT_DATE_BYTES - 1 &&
	       cp->posting >= 1 && cp->entries >= 0 && is_hex64(cp->head) &&
	       is_hex64(cp->merkle_root);
}

/* The predicate of cp: a new reference, NULL when out of memory. */
static json_t *predicate(const struct ll_checkpoint *cp)
{
	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:I, s:{s:I, s:s}, "
			 "s:s}",
			 "licensee", cp->licensee, "period", "label", cp->label,
			 "first", cp->first, "last", cp->last, "run_id",
			 cp->run_id, "posting", (json_int_t)cp->posting,
			 "journal", "entries", (json_int_t)cp->entries, "head",
			 cp->head, "merkle_root", cp->merkle_root);
}

/* hex SHA-256 of the JCS bytes of v into out; false when out of memory. */
static bool jcs_digest(const json_t *v, char out[LL_CHECKPOINT_HEX_BYTES])
{
	uint8_t d[LL_SHA256_LEN];
	char *b = ll_json_jcs(v);

	if (!b)
		return false;
	ll_sha256(b, strlen(b), d);
	ll_hex(d, sizeof(d), out);
	free(b);
	return true;
}

/* The in-toto Statement's JCS bytes around cp: a new string or NULL. */
static char *statement_payload(const struct ll_checkpoint *cp)
{
	char hex[LL_CHECKPOINT_HEX_BYTES];
	json_t *pred = predicate(cp), *st = NULL;
	char *payload = NULL;

	if (pred && jcs_digest(pred, hex))
		st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:O}", "_type",
			       LL_INTOTO_STATEMENT_TYPE, "subject", "name",
			       LL_CHECKPOINT_SUBJECT, "digest", "sha256", hex,
			       "predicateType", LL_CHECKPOINT_PREDICATE_TYPE,
			       "predicate", pred);
	if (st)
		payload = ll_json_jcs(st);
	json_decref(st);
	json_decref(pred);
	return payload;
}

char *ll_checkpoint_sign(const struct ll_checkpoint *cp,
			 const struct ll_key *key, struct ll_error *err)
{
	char *payload, *env;

	if (!well_formed(cp)) {
		ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
			     "checkpoint of run %s is not well formed",
			     cp->run_id);
		return NULL;
	}
	payload = statement_payload(cp);
	if (!payload) {
		ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
			     "out of memory building the checkpoint");
		return NULL;
	}
	env = ll_dsse_sign(key, LL_DSSE_INTOTO_TYPE, (const uint8_t *)payload,
			   strlen(payload), err);
	free(payload);
	return env;
}

/* ---- parsing ---------------------------------------------------------- */

/* Does o have exactly the members keys (NULL-terminated)? */
static bool exact_keys(const json_t *o, const char *const *keys)
{
	size_t n = 0;

	if (!json_is_object(o))
		return false;
	for (; keys[n]; n++) {
		if (!json_object_get(o, keys[n]))
			return false;
	}
	return json_object_size(o) == n;
}

/* Copy the string member k of o into dst (size n); false when it is not a
 * string or does not fit. */
static bool take_str(const json_t *o, const char *k, char *dst, size_t n)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && ll_str_copy(dst, n, s);
}

static bool take_int(const json_t *o, const char *k, int64_t *out)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

/* The predicate's members into cp; false when its shape is not the
 * construction's. */
static bool read_predicate(const json_t *p, struct ll_checkpoint *cp)
{
	static const char *const keys[] = { "licensee", "period", "run_id",
					    "posting",	"journal", "merkle_root",
					    NULL };
	static const char *const per_keys[] = { "label", "first", "last",
						NULL };
	static const char *const jr_keys[] = { "entries", "head", NULL };
	const json_t *per = json_object_get(p, "period");
	const json_t *jr = json_object_get(p, "journal");

	return exact_keys(p, keys) && exact_keys(per, per_keys) &&
	       exact_keys(jr, jr_keys) &&
	       take_str(p, "licensee", cp->licensee, sizeof(cp->licensee)) &&
	       take_str(per, "label", cp->label, sizeof(cp->label)) &&
	       take_str(per, "first", cp->first, sizeof(cp->first)) &&
	       take_str(per, "last", cp->last, sizeof(cp->last)) &&
	       take_str(p, "run_id", cp->run_id, sizeof(cp->run_id)) &&
	       take_int(p, "posting", &cp->posting) &&
	       take_int(jr, "entries", &cp->entries) &&
	       take_str(jr, "head", cp->head, sizeof(cp->head)) &&
	       take_str(p, "merkle_root", cp->merkle_root,
			sizeof(cp->merkle_root)) &&
	       well_formed(cp);
}

/* The statement st's predicate, when st is a checkpoint Statement whose
 * subject names the checkpoint; else NULL with err filled.  Borrowed. */
static const json_t *checkpoint_predicate(const json_t *st,
					  struct ll_error *err)
{
	static const char *const keys[] = { "_type", "subject",
					    "predicateType", "predicate",
					    NULL };
	const json_t *subj = json_object_get(st, "subject");
	const json_t *s0 = json_array_get(subj, 0);
	const char *type = json_string_value(json_object_get(st, "_type"));
	const char *ptype =
		json_string_value(json_object_get(st, "predicateType"));
	const char *name = json_string_value(json_object_get(s0, "name"));

	if (!exact_keys(st, keys) || !type ||
	    strcmp(type, LL_INTOTO_STATEMENT_TYPE) != 0 || !ptype ||
	    strcmp(ptype, LL_CHECKPOINT_PREDICATE_TYPE) != 0) {
		ll_error_set(err, LL_INVALID, NULL, 0, NULL,
			     "not a ledgerline checkpoint statement");
		return NULL;
	}
	if (json_array_size(subj) != 1 || !name ||
	    strcmp(name, LL_CHECKPOINT_SUBJECT) != 0) {
		ll_error_set(err, LL_INVALID, NULL, 0, "subject",
			     "must be one subject named \"%s\"",
			     LL_CHECKPOINT_SUBJECT);
		return NULL;
	}
	return json_object_get(st, "predicate");
}

/* Is the subject's digest the hex SHA-256 of pred's JCS bytes? */
static enum ll_status check_subject(const json_t *st, const json_t *pred,
				    struct ll_error *err)
{
	char hex[LL_CHECKPOINT_HEX_BYTES];
	const char *given = json_string_value(json_object_get(
		json_object_get(json_array_get(json_object_get(st, "subject"),
					       0),
				"digest"),
		"sha256"));

	if (!jcs_digest(pred, hex))
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory reading a checkpoint");
	if (!given || strcmp(given, hex) != 0)
		return ll_error_set(err, LL_INVALID, NULL, 0,
				    "subject[0].digest.sha256",
				    "does not match the predicate");
	return LL_OK;
}

enum ll_status ll_checkpoint_parse(struct ll_checkpoint *cp,
				   const char *payload, size_t len,
				   struct ll_error *err)
{
	json_error_t jerr;
	json_t *st = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *pred;
	enum ll_status rc = LL_INVALID;

	memset(cp, 0, sizeof(*cp));
	if (!json_is_object(st))
		ll_error_set(err, LL_INVALID, NULL, 0, NULL,
			     "checkpoint payload is not a JSON object");
	else if (!ll_json_is_jcs(st, payload, len))
		ll_error_set(err, LL_INVALID, NULL, 0, "payload",
			     "not its RFC 8785 (JCS) canonical form");
	else if ((pred = checkpoint_predicate(st, err)) != NULL) {
		rc = check_subject(st, pred, err);
		if (rc == LL_OK && !read_predicate(pred, cp))
			rc = ll_error_set(err, LL_INVALID, NULL, 0,
					  "predicate",
					  "is not a ledgerline checkpoint "
					  "predicate");
	}
	json_decref(st);
	if (rc != LL_OK)
		memset(cp, 0, sizeof(*cp));
	return rc;
}

/* The decoded payload of an envelope, unverified: a new buffer (*plen its
 * length), NULL when the envelope has none. */
static uint8_t *unverified_payload(const char *envelope, size_t len,
				   size_t *plen)
{
	json_error_t jerr;
	json_t *env = json_loadb(envelope, len, 0, &jerr);
	const char *b64 = json_string_value(json_object_get(env, "payload"));
	uint8_t *payload = b64 ? ll_base64_decode(b64, strlen(b64), plen)
			       : NULL;

	json_decref(env);
	return payload;
}

bool ll_checkpoint_envelope_is(const char *envelope, size_t len)
{
	json_error_t jerr;
	size_t plen = 0;
	uint8_t *payload = unverified_payload(envelope, len, &plen);
	json_t *st = payload ? json_loadb((const char *)payload, plen, 0, &jerr)
			     : NULL;
	const char *type =
		json_string_value(json_object_get(st, "predicateType"));
	bool is = type && strcmp(type, LL_CHECKPOINT_PREDICATE_TYPE) == 0;

	json_decref(st);
	free(payload);
	return is;
}

enum ll_status ll_checkpoint_read(struct ll_checkpoint *cp,
				  const char *envelope, size_t len,
				  struct ll_error *err)
{
	size_t plen = 0;
	uint8_t *payload = unverified_payload(envelope, len, &plen);
	enum ll_status rc;

	if (!payload) {
		memset(cp, 0, sizeof(*cp));
		return ll_error_set(err, LL_INVALID, NULL, 0, "payload",
				    "not a DSSE envelope with a payload");
	}
	rc = ll_checkpoint_parse(cp, (const char *)payload, plen, err);
	free(payload);
	return rc;
}

/* ---- verifying -------------------------------------------------------- */

/* The problem text of err into v, then err cleared. */
static void note(struct ll_checkpoint_verdict *v, struct ll_error *err,
		 const char *fallback)
{
	const char *text = err->text[0] ? err->text : fallback;

	if (err->field[0])
		snprintf(v->problem, sizeof(v->problem), "%.200s: %.300s", err->field,
			 text);
	else
		ll_str_copy_cut(v->problem, sizeof(v->problem), text);
	ll_error_clear(err);
}

enum ll_status ll_checkpoint_verify(const char *envelope, size_t len,
				    const struct ll_key *pub,
				    const char *expected_root,
				    struct ll_checkpoint_verdict *v,
				    struct ll_error *err)
{
	uint8_t *payload = NULL;
	size_t plen = 0;
	char *type = NULL;
	enum ll_status rc;

	memset(v, 0, sizeof(*v));
	rc = ll_dsse_open(envelope, len, pub, &payload, &plen, &type, err);
	if (rc == LL_FINDINGS || rc == LL_INVALID) {
		note(v, err, "bad envelope");
		return LL_OK;
	}
	if (rc != LL_OK)
		return rc;
	if (strcmp(type, LL_DSSE_INTOTO_TYPE) != 0)
		snprintf(v->problem, sizeof(v->problem),
			 "payloadType is \"%.80s\", not %s", type,
			 LL_DSSE_INTOTO_TYPE);
	else if ((rc = ll_checkpoint_parse(&v->cp, (const char *)payload,
					   plen, err)) == LL_INVALID) {
		note(v, err, "not a checkpoint");
		rc = LL_OK;
	} else if (rc == LL_OK && expected_root &&
		   strcmp(expected_root, v->cp.merkle_root) != 0)
		snprintf(v->problem, sizeof(v->problem),
			 "posting root %s is not the expected %.64s",
			 v->cp.merkle_root, expected_root);
	free(payload);
	free(type);
	return rc;
}
