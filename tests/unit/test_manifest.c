/*
 * test_manifest.c — unit tests for manifest.c (SPEC §2.2): valid training
 * manifests read field by field (work and isrc items, the ISRC normalised
 * to its 12-character canonical form, optional duration_ms and
 * content_sha256, item positions, trained_at in microseconds, the SHA-256
 * and size of the file's bytes), and a table of invalid manifests, each
 * with the exact field path, line and a word of the reason expected:
 * unknown fields, an item naming both or neither of work/isrc, a bad
 * ISRC, a bad trained_at, JSON numbers where strings are expected,
 * invalid JSON, a document that is not an object, items that is not an
 * array, and several problems reported together.
 *
 * Design decision: expected lines are never typed in; they are found by
 * searching the document for a marker (line_of), so the documents can be
 * edited freely.  The file digest is checked against OpenSSL directly,
 * not through ledgerline's own SHA-256 wrapper.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ledgerline/manifest.h"
#include "ledgerline/status.h"

#include "fixture.h"

/* 256 bytes of model name */
#define M16 "mmmmmmmmmmmmmmmm"
#define M256 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16 M16

/* ---- helpers -------------------------------------------------------------- */

static void sha256_hex(const char *s, size_t n, char out[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	unsigned i;

	assert_int_equal(EVP_Digest(s, n, d, &dn, EVP_sha256(), NULL), 1);
	assert_int_equal(dn, 32);
	for (i = 0; i < dn; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Microseconds of a UTC civil time (Hinnant's days_from_civil). */
static int64_t utc_us(int y, unsigned m, unsigned d, unsigned hh, unsigned mm,
		      unsigned ss, unsigned us)
{
	int era;
	unsigned yoe, doy, doe;
	int64_t days;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = (int64_t)era * 146097 + (int64_t)doe - 719468;
	return ((days * 86400 + hh * 3600 + mm * 60 + ss) * INT64_C(1000000)) +
	       us;
}

/* ---- valid manifests ------------------------------------------------------ */

static const char MANIFEST_FULL[] =
	"{\"model\": \"m-harmony-2\", \"training_run\": \"tr-2026-03\",\n"
	" \"trained_at\": \"2026-03-14T00:00:00Z\",\n"
	" \"licensee\": \"P-AI\",\n"
	" \"items\": [\n"
	"   {\"work\": \"W-0001\", \"duration_ms\": 215000,\n"
	"    \"content_sha256\": "
	"\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"},\n"
	"   {\"isrc\": \"GB-AYE-69-00002\", \"duration_ms\": 187000},\n"
	"   {\"isrc\": \"us rc1 76 07839\"},\n"
	"   {\"work\": \"W-0003\"},\n"
	"   {\"content_sha256\": "
	"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\", "
	"\"isrc\": \"gbaye6900004\"}\n"
	" ]}\n";

static void test_valid_full(void **state)
{
	struct ll_manifest m;
	struct ll_errlist errs;
	char hex[65];
	const struct ll_manifest_item *it;

	(void)state;
	ll_errlist_init(&errs, 0);
	if (ll_manifest_parse(&m, "m.json", MANIFEST_FULL, strlen(MANIFEST_FULL),
			      &errs) != LL_OK) {
		dump_errs(&errs);
		fail();
	}
	assert_int_equal(ll_errlist_count(&errs), 0);
	assert_string_equal(m.source, "m.json");
	assert_string_equal(m.model, "m-harmony-2");
	assert_string_equal(m.training_run, "tr-2026-03");
	assert_string_equal(m.licensee, "P-AI");
	assert_string_equal(m.trained_at, "2026-03-14T00:00:00Z");
	assert_true(m.trained_at_us == utc_us(2026, 3, 14, 0, 0, 0, 0));
	assert_int_equal(m.bytes, strlen(MANIFEST_FULL));
	assert_ptr_equal(m.text, MANIFEST_FULL);
	assert_int_equal(m.text_len, strlen(MANIFEST_FULL));
	sha256_hex(MANIFEST_FULL, strlen(MANIFEST_FULL), hex);
	assert_string_equal(m.sha256, hex);
	assert_non_null(m.json);
	assert_int_equal(m.n_items, 5);

	it = &m.items[0];
	assert_int_equal(it->kind, LL_REF_WORK);
	assert_string_equal(it->ref, "W-0001");
	assert_true(it->duration_ms == 215000);
	/* SHA-256 normalised to lower case */
	assert_string_equal(it->content_sha256,
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15"
			    "d6c15b0f00a08");
	assert_int_equal(it->index, 0);

	it = &m.items[1];
	assert_int_equal(it->kind, LL_REF_ISRC);
	/* hyphens stripped: the canonical 12 characters */
	assert_string_equal(it->ref, "GBAYE6900002");
	assert_string_equal(it->isrc, "GBAYE6900002");
	assert_true(it->duration_ms == 187000);
	assert_string_equal(it->content_sha256, "");
	assert_int_equal(it->index, 1);

	it = &m.items[2];
	assert_int_equal(it->kind, LL_REF_ISRC);
	/* spaces stripped, upper-cased */
	assert_string_equal(it->ref, "USRC17607839");
	assert_true(it->duration_ms == 0); /* absent */
	assert_int_equal(it->index, 2);

	it = &m.items[3];
	assert_int_equal(it->kind, LL_REF_WORK);
	assert_string_equal(it->ref, "W-0003");
	assert_true(it->duration_ms == 0);
	assert_string_equal(it->content_sha256, "");

	it = &m.items[4];
	assert_int_equal(it->kind, LL_REF_ISRC);
	assert_string_equal(it->ref, "GBAYE6900004");
	assert_string_equal(it->content_sha256,
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15"
			    "d6c15b0f00a08");
	assert_int_equal(it->index, 4);

	ll_manifest_release(&m);
	assert_null(m.items);
	assert_null(m.json);
	ll_errlist_release(&errs);
}

/* Smaller valid shapes: no items, a fractional trained_at, keys in any
 * order, and many items (the ISRC refs stay valid once the array has
 * stopped moving). */
static void test_valid_shapes(void **state)
{
	static const char empty[] =
		"{\"items\": [], \"licensee\": \"P-AI\", \"trained_at\": "
		"\"2026-12-31T23:59:59.999999Z\", \"training_run\": \"r\", "
		"\"model\": \"m\"}";
	struct ll_manifest m;
	struct ll_errlist errs;
	char *big;
	size_t i, off = 0, cap = 64 * 1024;

	(void)state;
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_manifest_parse(&m, "e.json", empty, strlen(empty),
					   &errs),
			 LL_OK);
	assert_int_equal(m.n_items, 0);
	assert_true(m.trained_at_us ==
		    utc_us(2026, 12, 31, 23, 59, 59, 999999));
	ll_manifest_release(&m);

	/* a model name of exactly 256 bytes */
	{
		static const char m256[] =
			"{\"model\": \"" M256 "\", \"training_run\": \"r\", "
			"\"trained_at\": \"2026-01-01T00:00:00Z\", "
			"\"licensee\": \"P-AI\", \"items\": []}";

		assert_int_equal(ll_manifest_parse(&m, "m.json", m256,
						   strlen(m256), &errs),
				 LL_OK);
		assert_int_equal(strlen(m.model), 256);
		ll_manifest_release(&m);
	}
	/* a model name of any UTF-8 up to 256 bytes */
	{
		static const char utf8[] =
			"{\"model\": \"m\\u00fcller/v2 (beta)\", \"training_run\": "
			"\"r\", \"trained_at\": \"2026-01-01T00:00:00Z\", "
			"\"licensee\": \"P-AI\", \"items\": []}";

		assert_int_equal(ll_manifest_parse(&m, "u.json", utf8,
						   strlen(utf8), &errs),
				 LL_OK);
		assert_string_equal(m.model, "m\xc3\xbcller/v2 (beta)");
		ll_manifest_release(&m);
	}

	big = malloc(cap);
	assert_non_null(big);
	off += (size_t)snprintf(big, cap,
				"{\"model\": \"m\", \"training_run\": \"r\", "
				"\"trained_at\": \"2026-01-01T00:00:00Z\", "
				"\"licensee\": \"P-AI\", \"items\": [\n");
	for (i = 0; i < 500; i++)
		off += (size_t)snprintf(big + off, cap - off,
					"{\"isrc\": \"GB-AAA-26-%05zu\", "
					"\"duration_ms\": %zu}%s\n",
					i, i + 1, i + 1 < 500 ? "," : "");
	off += (size_t)snprintf(big + off, cap - off, "]}\n");
	assert_true(off < cap);
	assert_int_equal(ll_manifest_parse(&m, "big.json", big, off, &errs),
			 LL_OK);
	assert_int_equal(m.n_items, 500);
	for (i = 0; i < 500; i++) {
		char want[13];

		snprintf(want, sizeof(want), "GBAAA26%05zu", i);
		assert_string_equal(m.items[i].ref, want);
		assert_ptr_equal(m.items[i].ref, m.items[i].isrc);
		assert_true(m.items[i].duration_ms == (int64_t)i + 1);
		assert_int_equal(m.items[i].index, i);
	}
	ll_manifest_release(&m);
	free(big);
	assert_int_equal(ll_errlist_count(&errs), 0);
	ll_errlist_release(&errs);
}

/* ---- invalid manifests ---------------------------------------------------- */

struct bad_case {
	const char *name;
	const char *text;
	const char *field;	/* the expected error's field path */
	const char *marker;	/* its line: where this text is; NULL: line 1 */
	const char *word;	/* a word of the expected reason */
};

#define HEAD                                                                   \
	"{\"model\": \"m\", \"training_run\": \"r\",\n"                        \
	" \"trained_at\": \"2026-03-14T00:00:00Z\",\n"                         \
	" \"licensee\": \"P-AI\",\n"

static const struct bad_case BAD[] = {
	{ "unknown top-level field",
	  HEAD " \"items\": [],\n \"colour\": \"blue\"}\n", "colour",
	  "\"colour\"", "unknown field" },
	{ "unknown item field",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\"},\n"
	       "  {\"work\": \"W-2\",\n   \"weight\": \"1\"}]}\n",
	  "items[1].weight", "\"weight\"", "unknown field" },
	{ "both work and isrc",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\"},\n  {\"work\": \"W-1\"},\n"
	       "  {\"work\": \"W-2\", \"isrc\": \"GBAYE6900002\"}]}\n",
	  "items[2]", "\"W-2\"", "exactly one" },
	{ "neither work nor isrc",
	  HEAD " \"items\": [\n  {\"duration_ms\": 1000}]}\n", "items[0]",
	  "\"duration_ms\"", "exactly one" },
	{ "bad ISRC (11 characters)",
	  HEAD " \"items\": [\n  {\"isrc\": \"GB-AYE-69-0000\"}]}\n",
	  "items[0].isrc", "GB-AYE", "ISRC" },
	{ "bad ISRC (bad country code)",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\"},\n\n"
	       "  {\"isrc\": \"1BAYE6900002\"}]}\n",
	  "items[1].isrc", "1BAYE", "ISRC" },
	{ "bad trained_at (offset)",
	  "{\"model\": \"m\", \"training_run\": \"r\",\n"
	  " \"licensee\": \"P-AI\",\n"
	  " \"trained_at\": \"2026-03-14T00:00:00+01:00\",\n"
	  " \"items\": []}\n",
	  "trained_at", "+01:00", "timestamp" },
	{ "bad trained_at (a date)",
	  "{\"model\": \"m\", \"training_run\": \"r\",\n"
	  " \"licensee\": \"P-AI\",\n\n"
	  " \"trained_at\": \"2026-03-14\",\n"
	  " \"items\": []}\n",
	  "trained_at", "\"2026-03-14\"", "timestamp" },
	{ "bad trained_at (February 30th)",
	  "{\"model\": \"m\", \"training_run\": \"r\", \"licensee\": \"P-AI\",\n"
	  " \"trained_at\": \"2026-02-30T00:00:00Z\", \"items\": []}\n",
	  "trained_at", "02-30", "timestamp" },
	{ "trained_at a JSON number",
	  "{\"model\": \"m\", \"training_run\": \"r\", \"licensee\": \"P-AI\",\n"
	  " \"trained_at\": 1773446400,\n \"items\": []}\n",
	  "trained_at", "1773446400", "string" },
	{ "model a JSON number",
	  "{\"training_run\": \"r\",\n \"model\": 2,\n"
	  " \"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": \"P-AI\", "
	  "\"items\": []}\n",
	  "model", "\"model\"", "string" },
	{ "work id a JSON number",
	  HEAD " \"items\": [\n  {\"work\": 1}]}\n", "items[0].work",
	  "{\"work\": 1}", "string" },
	{ "isrc a JSON number",
	  HEAD " \"items\": [\n  {\"isrc\": 690000200}]}\n", "items[0].isrc",
	  "690000200", "string" },
	{ "duration_ms a string",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\",\n"
	       "   \"duration_ms\": \"215000\"}]}\n",
	  "items[0].duration_ms", "\"215000\"", "integer" },
	{ "duration_ms zero",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\", \"duration_ms\": 0}]}\n",
	  "items[0].duration_ms", "\"duration_ms\": 0", NULL },
	{ "duration_ms a real",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\", \"duration_ms\": 1.5}]}\n",
	  "items[0].duration_ms", "1.5", "integer" },
	{ "content_sha256 too short",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\", \"content_sha256\": "
	       "\"abcd\"}]}\n",
	  "items[0].content_sha256", "abcd", "SHA-256" },
	{ "bad work id",
	  HEAD " \"items\": [\n  {\"work\": \"W 1\"}]}\n", "items[0].work",
	  "W 1", "identifier" },
	{ "bad licensee id",
	  "{\"model\": \"m\", \"training_run\": \"r\",\n"
	  " \"trained_at\": \"2026-03-14T00:00:00Z\",\n"
	  " \"licensee\": \"P/AI\", \"items\": []}\n",
	  "licensee", "P/AI", "identifier" },
	{ "empty model",
	  "{\"model\": \"\", \"training_run\": \"r\",\n"
	  " \"trained_at\": \"2026-03-14T00:00:00Z\",\n"
	  " \"licensee\": \"P-AI\", \"items\": []}\n",
	  "model", NULL, "bytes" },
	{ "model of 257 bytes",
	  "{\"model\": \"" M256 "m\", \"training_run\": \"r\",\n"
	  " \"trained_at\": \"2026-03-14T00:00:00Z\",\n"
	  " \"licensee\": \"P-AI\", \"items\": []}\n",
	  "model", NULL, "256" },
	{ "work null (null is not absent)",
	  HEAD " \"items\": [\n  {\"work\": null, \"isrc\": "
	       "\"GBAYE6900002\"}]}\n",
	  "items[0].work", "null", "string" },
	{ "duration_ms over a year",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\", \"duration_ms\": "
	       "31622400001}]}\n",
	  "items[0].duration_ms", "31622400001", NULL },
	{ "missing licensee",
	  "{\"model\": \"m\", \"training_run\": \"r\",\n"
	  " \"trained_at\": \"2026-03-14T00:00:00Z\", \"items\": []}\n",
	  "licensee", NULL, "missing" },
	{ "missing items",
	  "{\"model\": \"m\", \"training_run\": \"r\",\n"
	  " \"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": \"P-AI\"}\n",
	  "items", NULL, "missing" },
	{ "items not an array",
	  HEAD " \"items\":\n  {\"work\": \"W-1\"}}\n", "items",
	  "  {\"work\"", "array" }, /* the line of the value */
	{ "items a string",
	  HEAD " \"items\": \"W-1\"}\n", "items", "\"items\"", "array" },
	{ "an item not an object",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\"},\n  \"W-2\"]}\n",
	  "items[1]", "\"W-2\"", "object" },
	{ "not an object (array)", "[\n {\"model\": \"m\"}\n]\n", "", NULL,
	  "JSON object" },
	/* jansson itself refuses a top-level scalar */
	{ "not an object (string)", "\"manifest\"", "", NULL, "JSON" },
	{ "invalid JSON (trailing comma)",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\"},\n  ]}\n", "", "  ]}",
	  "invalid JSON" },
	{ "invalid JSON (unterminated)", HEAD " \"items\": [\n", "", NULL,
	  "invalid JSON" },
	{ "duplicate key at the top",
	  HEAD " \"items\": [],\n \"model\": \"n\"}\n", "model",
	  "\"model\": \"n\"", "duplicate key \"model\"" },
	{ "duplicate key in an item",
	  HEAD " \"items\": [\n  {\"work\": \"W-1\"},\n  {\"work\": \"W-2\",\n"
	  "   \"duration_ms\": 1, \"work\": \"W-3\"}]}\n",
	  "items[1].work", "\"work\": \"W-3\"", "duplicate key \"work\"" },
	{ "invalid JSON (empty)", "", "", NULL, "invalid JSON" },
	{ "nested too deep",
	  HEAD " \"items\": [[[[[[[[[[]]]]]]]]]]}\n", "", NULL, "deeper" },
};

static void test_invalid_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(BAD); i++) {
		const struct bad_case *c = &BAD[i];
		struct ll_manifest m;
		struct ll_errlist errs;
		const struct ll_error *e = NULL;
		enum ll_status rc;
		size_t j;
		long line;

		ll_errlist_init(&errs, 0);
		rc = ll_manifest_parse(&m, "bad.json", c->text, strlen(c->text),
				       &errs);
		if (rc != LL_INVALID || ll_errlist_count(&errs) == 0) {
			dump_errs(&errs);
			fail_msg("case \"%s\": status %d, %zu errors", c->name,
				 (int)rc, ll_errlist_count(&errs));
		}
		for (j = 0; j < errs.n; j++) {
			if (strcmp(errs.v[j].field, c->field) == 0) {
				e = &errs.v[j];
				break;
			}
		}
		if (!e) {
			dump_errs(&errs);
			fail_msg("case \"%s\": no error at field \"%s\"",
				 c->name, c->field);
		}
		assert_int_equal(e->code, LL_INVALID);
		assert_string_equal(e->source, "bad.json");
		if (c->marker) {
			line = line_of(c->text, c->marker);
		} else if (strstr(c->name, "unterminated")) {
			line = line_of(c->text, " \"items\": [") + 1;
		} else {
			line = 1;
		}
		if (e->line != line) {
			dump_errs(&errs);
			fail_msg("case \"%s\": line %ld, expected %ld", c->name,
				 e->line, line);
		}
		if (c->word && !strstr(e->text, c->word)) {
			dump_errs(&errs);
			fail_msg("case \"%s\": \"%s\" lacks \"%s\"", c->name,
				 e->text, c->word);
		}
		/* messages: lowercase first word, no full stop */
		assert_true(e->text[0] < 'A' || e->text[0] > 'Z' ||
			    strncmp(e->text, "JSON", 4) == 0);
		assert_true(e->text[strlen(e->text) - 1] != '.');
		ll_manifest_release(&m);
		ll_errlist_release(&errs);
	}
}

/* Every problem is reported, not only the first, each at its line. */
static void test_all_errors_reported(void **state)
{
	static const char text[] =
		"{\"model\": 1,\n"
		" \"training_run\": \"r\",\n"
		" \"trained_at\": \"yesterday\",\n"
		" \"licensee\": \"P-AI\",\n"
		" \"extra\": true,\n"
		" \"items\": [\n"
		"  {\"work\": \"W-1\"},\n"
		"  {\"isrc\": \"bad\"},\n"
		"  {\"work\": \"W-3\", \"isrc\": \"GBAYE6900003\"},\n"
		"  {\"work\": \"W-4\"},\n"
		"  {}\n"
		" ]}\n";
	static const struct {
		const char *field;
		long line;
	} want[] = {
		{ "model", 1 },	   { "trained_at", 3 }, { "extra", 5 },
		{ "items[1].isrc", 8 }, { "items[2]", 9 },   { "items[4]", 11 },
	};
	struct ll_manifest m;
	struct ll_errlist errs;
	size_t i, j;

	(void)state;
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_manifest_parse(&m, "many.json", text, strlen(text),
					   &errs),
			 LL_INVALID);
	for (i = 0; i < N_ELEMS(want); i++) {
		for (j = 0; j < errs.n; j++) {
			if (strcmp(errs.v[j].field, want[i].field) == 0)
				break;
		}
		if (j == errs.n) {
			dump_errs(&errs);
			fail_msg("no error at \"%s\"", want[i].field);
		}
		assert_int_equal(errs.v[j].line, want[i].line);
	}
	assert_int_equal(ll_errlist_count(&errs), N_ELEMS(want));
	/* the good items are kept, in order, with their positions */
	assert_int_equal(m.n_items, 2);
	assert_string_equal(m.items[0].ref, "W-1");
	assert_int_equal(m.items[0].index, 0);
	assert_string_equal(m.items[1].ref, "W-4");
	assert_int_equal(m.items[1].index, 3);
	ll_manifest_release(&m);
	ll_errlist_release(&errs);
}

/* An errlist that already holds errors (other files) does not make a
 * good manifest fail, and a bad one only adds its own. */
static void test_shared_errlist(void **state)
{
	struct ll_manifest m;
	struct ll_errlist errs;

	(void)state;
	ll_errlist_init(&errs, 0);
	ll_errlist_addf(&errs, LL_INVALID, "other.json", 3, "x", "earlier");
	assert_int_equal(ll_manifest_parse(&m, "m.json", MANIFEST_FULL,
					   strlen(MANIFEST_FULL), &errs),
			 LL_OK);
	assert_int_equal(ll_errlist_count(&errs), 1);
	ll_manifest_release(&m);
	assert_int_equal(ll_manifest_parse(&m, "b.json", "[]", 2, &errs),
			 LL_INVALID);
	assert_int_equal(ll_errlist_count(&errs), 2);
	assert_string_equal(errs.v[1].source, "b.json");
	ll_manifest_release(&m);
	ll_errlist_release(&errs);
}

/* The text need not be NUL-terminated: only len bytes are read. */
static void test_length_bounded(void **state)
{
	struct ll_manifest m;
	struct ll_errlist errs;
	size_t n = strlen(MANIFEST_FULL);
	char *buf = malloc(n + 16);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, MANIFEST_FULL, n);
	memcpy(buf + n, "garbage{{{{{{{", 15); /* includes a NUL at the end */
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_manifest_parse(&m, "m.json", buf, n, &errs), LL_OK);
	assert_int_equal(m.n_items, 5);
	ll_manifest_release(&m);
	ll_errlist_release(&errs);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_full),
		cmocka_unit_test(test_valid_shapes),
		cmocka_unit_test(test_invalid_table),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_shared_errlist),
		cmocka_unit_test(test_length_bounded),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
