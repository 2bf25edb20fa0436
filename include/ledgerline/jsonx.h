/*
 * jsonx.h — what ledgerline adds to jansson: typed field access that
 * reports every problem with file, line and JSON path; the line of any
 * JSON path in a document; canonical serialisation.
 *
 * Design decision: jansson keeps no source positions for values, so the
 * line of a field is found only when an error needs it, by rescanning the
 * text along the path (ll_json_path_line).  Valid input pays nothing.
 */
#ifndef LEDGERLINE_JSONX_H
#define LEDGERLINE_JSONX_H

#include <gmp.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

struct ll_buf;

enum {
	LL_JSON_PATH_MAX = 256,		/* bytes of a field path */
	LL_JSON_DEPTH_MAX = 64,		/* nesting accepted in any input */
};

/*
 * Line (1-based) where the value at path begins in the JSON text, e.g.
 * path "works[3].splits.master[1].share".  When the path does not exist in
 * full, the line of its deepest existing prefix; 1 for "" or when nothing
 * matches.  text must be well-formed JSON (already parsed successfully).
 * line_base is added to the result - 1 (pass 1 for a whole file, or the
 * file line of the text's first line for one NDJSON record).
 */
long ll_json_path_line(const char *text, size_t len, const char *path,
		       long line_base);

/*
 * Where jansson's duplicate-key error (JSON_REJECT_DUPLICATES) in text
 * points: the field path of the repeated key ("parties[0].name") into
 * path, the key into key (decoded, as jansson compares keys), and its line
 * (line_base as for ll_json_path_line).  Only the text jansson read, up to
 * jerr->position, is scanned.  Returns false, filling nothing, when jerr
 * is another error or the key cannot be placed.
 */
bool ll_json_duplicate_key(const char *text, size_t len,
			   const json_error_t *jerr, long line_base,
			   char path[LL_JSON_PATH_MAX],
			   char key[LL_JSON_PATH_MAX], long *line);

/* Deepest nesting of arrays/objects in text (strings are skipped). */
int ll_json_depth(const char *text, size_t len);

/*
 * Where values come from, for error messages: the source name shown to the
 * user, the raw text (may be NULL: then lines are not computed and
 * line_base is used as is) and the error list to append to.
 */
struct ll_jsrc {
	const char *source;
	const char *text;
	size_t len;
	long line_base;
	struct ll_errlist *errs;
};

/* Append an LL_INVALID error at path (line computed from the text). */
void ll_jsrc_error(const struct ll_jsrc *src, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Append the error of a document jansson refused (jerr, from loading
 * src->text): a duplicate key with its field path and line, 'duplicate
 * key "name"', else "invalid JSON: <jansson's text> (column N)" at
 * jansson's line.
 */
void ll_jsrc_parse_error(const struct ll_jsrc *src, const json_error_t *jerr);

/* Build "prefix.key" (or "key" when prefix is empty) into out. */
void ll_json_path_key(char out[LL_JSON_PATH_MAX], const char *prefix,
		      const char *key);
/* Build "prefix[i]" into out. */
void ll_json_path_index(char out[LL_JSON_PATH_MAX], const char *prefix,
			size_t i);

/* A jansson value's type for messages, with its article ("a string",
 * "an integer", "null", ...). */
const char *ll_json_type_name(const json_t *v);

/*
 * Report every key of obj that is not in allowed (a NULL-terminated list).
 * Returns true when all keys are known.
 */
bool ll_json_known_keys(const struct ll_jsrc *src, const json_t *obj,
			const char *path, const char *const *allowed);

/*
 * Typed field readers.  Each reads obj[key], reports a problem at
 * path.key through src and returns false; a missing optional field
 * returns true and leaves *out untouched (*present = false where offered).
 * Strings are borrowed from obj.
 */
bool ll_json_str(const struct ll_jsrc *src, const json_t *obj,
		 const char *path, const char *key, bool required,
		 const char **out);
/* A JSON integer within [min, max]. */
bool ll_json_int(const struct ll_jsrc *src, const json_t *obj,
		 const char *path, const char *key, bool required,
		 int64_t min, int64_t max, int64_t *out, bool *present);
/* An exact string (SPEC §2) into an initialised mpq; a JSON number is an
 * error.  */
bool ll_json_exact(const struct ll_jsrc *src, const json_t *obj,
		   const char *path, const char *key, bool required, mpq_t out,
		   bool *present);
/* An identifier (SPEC §2 id syntax). */
bool ll_json_id(const struct ll_jsrc *src, const json_t *obj,
		const char *path, const char *key, bool required,
		const char **out);
/* A string that must be one of values (NULL-terminated); *index set. */
bool ll_json_enum(const struct ll_jsrc *src, const json_t *obj,
		  const char *path, const char *key, bool required,
		  const char *const *values, int *index);

/*
 * Canonical bytes of v: compact, keys sorted, UTF-8.  Returns a new
 * malloc'd NUL-terminated string (caller frees) or NULL when out of memory.
 */
char *ll_json_canonical(const json_t *v);

/* Money and exact figures as JSON strings (never numbers): a reduced
 * fraction ("3/4"), and minor units as a decimal with e digits
 * ("12.50").  New references, NULL when out of memory. */
json_t *ll_json_fraction(const mpq_t q);
json_t *ll_json_minor(int64_t minor, int e);

/* The exact value of an attribution-mass sum x at scale (xsum.h) as a
 * fraction string; a new reference, NULL when out of memory. */
struct ll_xsum;
json_t *ll_json_xsum(const struct ll_xsum *x, int scale);

/*
 * RFC 8785 (JSON Canonicalization Scheme) bytes of v, for the value types
 * ledgerline signs: objects, arrays, strings, integers, true, false, null
 * (a real number is refused: NULL).  Keys are sorted by UTF-16 code
 * units; strings escape only '"', '\\' and control characters (\b \f \n
 * \r \t, else \u00xx in lower case); no whitespace.  New malloc'd
 * NUL-terminated string, or NULL.
 */
char *ll_json_jcs(const json_t *v);

/*
 * A member added to JCS bytes without serialising the rest again:
 * ll_json_jcs_gap is ll_json_jcs of the object obj, which must not hold
 * key (else NULL), and sets *gap_at to the offset where a member named key
 * belongs in those bytes; ll_json_jcs_insert, given those bytes and
 * offset and the JCS bytes of a value, returns what ll_json_jcs of obj
 * with key: value added gives.  New malloc'd strings, or NULL.
 */
char *ll_json_jcs_gap(const json_t *obj, const char *key, size_t *gap_at);
char *ll_json_jcs_insert(const char *jcs, size_t gap_at, const char *key,
			 const char *value_jcs);

/*
 * ll_json_jcs_gap of obj with one more member, raw_key, whose value is
 * already JCS bytes (raw_len of them at raw, not checked), written in its
 * place among obj's: for a large member made without a tree.  obj must
 * hold neither raw_key nor key, and they must differ (else NULL).
 */
char *ll_json_jcs_splice(const json_t *obj, const char *raw_key,
			 const char *raw, size_t raw_len, const char *key,
			 size_t *gap_at);

/* Append s (len bytes of UTF-8) as a JCS string, quotes included. */
void ll_json_jcs_string(struct ll_buf *b, const char *s, size_t len);

/* Are the len bytes at bytes exactly the JCS form of v?  False also when v
 * has none (a real number, an integer beyond 2^53, nesting too deep) or
 * memory runs out: a reader of signed payloads refuses them all. */
bool ll_json_is_jcs(const json_t *v, const void *bytes, size_t len);

#endif
