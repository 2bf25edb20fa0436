/*
 * manifest.c — training manifest parsing (manifest.h).
 *
 * Design decision: strict like the registries: unknown fields are errors,
 * every item names exactly one of "work" or "isrc", and all problems are
 * reported with file, line and JSON path before the run computes anything.
 */
#include "ledgerline/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "ledgerline/ident.h"
#include "ledgerline/jsonx.h"

enum { MANIFEST_DEPTH_MAX = 8, MODEL_BYTES_MAX = 256 };

static bool parse_item(const struct ll_jsrc *src, const json_t *obj,
		       const char *path, struct ll_manifest_item *it)
{
	static const char *const keys[] = { "work", "isrc", "duration_ms",
					    "content_sha256", NULL };
	const char *work = NULL, *isrc = NULL, *sha = NULL, *reason = NULL;
	char p[LL_JSON_PATH_MAX];
	bool ok = true;

	if (!json_is_object(obj)) {
		ll_jsrc_error(src, path, "must be an object, not %s",
			      ll_json_type_name(obj));
		return false;
	}
	ok &= ll_json_known_keys(src, obj, path, keys);
	ok &= ll_json_id(src, obj, path, "work", false, &work);
	ok &= ll_json_str(src, obj, path, "isrc", false, &isrc);
	ok &= ll_json_int(src, obj, path, "duration_ms", false, 1,
			  INT64_C(1000) * 3600 * 24 * 366, &it->duration_ms,
			  NULL);
	ok &= ll_json_str(src, obj, path, "content_sha256", false, &sha);
	if (!ok)
		return false;
	if ((work != NULL) == (isrc != NULL)) {
		ll_jsrc_error(src, path,
			      "an item names exactly one of \"work\" or "
			      "\"isrc\"");
		return false;
	}
	if (work) {
		it->kind = LL_REF_WORK;
		it->ref = work;
	} else {
		if (!ll_isrc_normalise(isrc, it->isrc, &reason)) {
			ll_json_path_key(p, path, "isrc");
			ll_jsrc_error(src, p, "invalid ISRC \"%.40s\": %s", isrc,
				      reason ? reason : "malformed");
			return false;
		}
		it->kind = LL_REF_ISRC;
		it->ref = NULL; /* set by the caller once items stop moving */
	}
	if (sha && !ll_sha256_hex_normalise(sha, it->content_sha256, &reason)) {
		ll_json_path_key(p, path, "content_sha256");
		ll_jsrc_error(src, p, "invalid SHA-256 \"%.80s\": %s", sha,
			      reason ? reason : "malformed");
		return false;
	}
	return true;
}

/* Open the manifest text: its identity (size, SHA-256) and its JSON
 * object in m->json (owned by m). */
static enum ll_status load_manifest(struct ll_manifest *m, const char *source,
				    const char *text, size_t len,
				    struct ll_errlist *errs)
{
	uint8_t d[LL_SHA256_LEN];
	json_error_t jerr;

	memset(m, 0, sizeof(*m));
	m->source = source;
	m->text = text;
	m->text_len = len;
	m->bytes = len;
	ll_hash_sha256(text, len, d);
	ll_hex(d, sizeof(d), m->sha256);
	if (ll_json_depth(text, len) > MANIFEST_DEPTH_MAX) {
		ll_errlist_addf(errs, LL_INVALID, source, 1, NULL,
				"JSON nested deeper than %d levels",
				MANIFEST_DEPTH_MAX);
		return LL_INVALID;
	}
	m->json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m->json) {
		struct ll_jsrc src = { source, text, len, 1, errs };

		ll_jsrc_parse_error(&src, &jerr);
		return LL_INVALID;
	}
	if (!json_is_object(m->json)) {
		ll_errlist_addf(errs, LL_INVALID, source, 1, NULL,
				"a manifest must be a JSON object");
		return LL_INVALID;
	}
	return LL_OK;
}

/* The manifest's fields other than "items"; whether they are valid. */
static bool parse_header(const struct ll_jsrc *src, struct ll_manifest *m)
{
	static const char *const keys[] = { "model",	"training_run",
					    "trained_at", "licensee",
					    "items",	NULL };
	const char *reason = NULL;
	bool ok = true;

	ok &= ll_json_known_keys(src, m->json, "", keys);
	if (ll_json_str(src, m->json, "", "model", true, &m->model) &&
	    m->model) {
		if (m->model[0] == '\0' || strlen(m->model) > MODEL_BYTES_MAX) {
			ll_jsrc_error(src, "model", "must be 1 to %d bytes",
				      MODEL_BYTES_MAX);
			ok = false;
		}
	} else {
		ok = false;
	}
	ok &= ll_json_id(src, m->json, "", "training_run", true,
			 &m->training_run);
	ok &= ll_json_id(src, m->json, "", "licensee", true, &m->licensee);
	if (ll_json_str(src, m->json, "", "trained_at", true, &m->trained_at) &&
	    m->trained_at) {
		if (!ll_timestamp_parse(m->trained_at, &m->trained_at_us,
					&reason)) {
			ll_jsrc_error(src, "trained_at",
				      "invalid timestamp \"%.40s\": %s",
				      m->trained_at,
				      reason ? reason : "malformed");
			ok = false;
		}
	} else {
		ok = false;
	}
	return ok;
}

/* The manifest's "items" into m->items (owned by m), the valid ones
 * counted; *ok cleared when one is invalid.  LL_INVALID when "items" is
 * not an array of at most LL_MANIFEST_ITEMS_MAX; LL_NOMEM. */
static enum ll_status parse_items(const struct ll_jsrc *src,
				  struct ll_manifest *m, bool *ok)
{
	json_t *items = json_object_get(m->json, "items");
	size_t i, n;

	if (!items) {
		ll_jsrc_error(src, "items", "missing required field");
		return LL_INVALID;
	}
	if (!json_is_array(items)) {
		ll_jsrc_error(src, "items", "must be an array, not %s",
			      ll_json_type_name(items));
		return LL_INVALID;
	}
	n = json_array_size(items);
	if (n > LL_MANIFEST_ITEMS_MAX) {
		ll_jsrc_error(src, "items", "more than %d items",
			      LL_MANIFEST_ITEMS_MAX);
		return LL_INVALID;
	}
	m->items = calloc(n ? n : 1, sizeof(*m->items));
	if (!m->items)
		return LL_NOMEM;
	for (i = 0; i < n; i++) {
		char p[LL_JSON_PATH_MAX];
		struct ll_manifest_item *it = &m->items[m->n_items];

		ll_json_path_index(p, "items", i);
		it->index = i;
		if (parse_item(src, json_array_get(items, i), p, it))
			m->n_items++;
		else
			*ok = false;
	}
	for (i = 0; i < m->n_items; i++) {
		if (m->items[i].kind == LL_REF_ISRC)
			m->items[i].ref = m->items[i].isrc;
	}
	return LL_OK;
}

enum ll_status ll_manifest_parse(struct ll_manifest *m, const char *source,
				 const char *text, size_t len,
				 struct ll_errlist *errs)
{
	struct ll_jsrc src = { source, text, len, 1, errs };
	size_t before = ll_errlist_count(errs);
	enum ll_status rc;
	bool ok;

	rc = load_manifest(m, source, text, len, errs);
	if (rc != LL_OK)
		return rc;
	ok = parse_header(&src, m);
	rc = parse_items(&src, m, &ok);
	if (rc != LL_OK)
		return rc;
	if (!ok || ll_errlist_count(errs) != before)
		return LL_INVALID;
	return LL_OK;
}

void ll_manifest_release(struct ll_manifest *m)
{
	free(m->items);
	json_decref(m->json);
	memset(m, 0, sizeof(*m));
}
