/*
 * test_event.c — unit tests for event.c: a table of invalid lines (field
 * path and reason), a table of valid lines checked field by field, the
 * limits, and a differential fuzz of the fast path against the slow one.
 *
 * Design decision: the slow (jansson) path is the oracle.  Every fuzzed
 * line goes through a normal parser and through one with the fast path
 * switched off (event_internal.h); they must agree on the verdict, on
 * every field of the event, and on the error, byte for byte.  The
 * generator is a fixed-seed xorshift, so a failure reproduces exactly and
 * its message names the case number and the line.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/event_internal.h"
#include "ledgerline/event.h"
#include "ledgerline/exact.h"
#include "ledgerline/status.h"

#include "fixture.h"

/* ---- helpers -------------------------------------------------------------- */

static void assert_in_line(const char *hay, const char *needle,
			    const char *line)
{
	if (!strstr(hay, needle)) {
		print_error("expected \"%s\" in \"%s\"\nline: %s\n", needle,
			    hay, line);
		fail();
	}
}

/* A growable byte string for building lines. */
struct buf {
	char *s;
	size_t len;
	size_t cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (b->len + more + 1 > cap)
			cap *= 2;
		b->s = realloc(b->s, cap);
		assert_non_null(b->s);
		b->cap = cap;
	}
}

static void buf_putn(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_put(struct buf *b, const char *s)
{
	buf_putn(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void buf_putf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(tmp));
	buf_putn(b, tmp, (size_t)n);
}

static void buf_insert(struct buf *b, size_t at, const char *s, size_t n)
{
	assert_true(at <= b->len);
	buf_reserve(b, n);
	memmove(b->s + at + n, b->s + at, b->len - at);
	memcpy(b->s + at, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_erase(struct buf *b, size_t at, size_t n)
{
	assert_true(at + n <= b->len);
	memmove(b->s + at, b->s + at + n, b->len - at - n);
	b->len -= n;
	b->s[b->len] = '\0';
}

/* Printable rendering of a line for failure messages. */
static const char *show(const char *s, size_t len)
{
	static char out[4096];
	size_t o = 0, i;

	for (i = 0; i < len && o + 8 < sizeof(out); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o,
					      "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

/*
 * Check an ll_num against its text, decoded here independently: a decimal
 * "12.50" is mant 1250, scale 2; a fraction must come back as its raw text.
 */
static void check_num(const struct ll_num *n, const char *want)
{
	if (strchr(want, '/')) {
		assert_false(n->is_dec);
		assert_non_null(n->raw);
		assert_int_equal(n->raw_len, strlen(want));
		assert_memory_equal(n->raw, want, n->raw_len);
		return;
	}
	{
		ll_i128 mant = 0;
		int scale = 0;
		bool point = false;
		const char *c;

		for (c = want; *c; c++) {
			if (*c == '.') {
				point = true;
				continue;
			}
			mant = mant * 10 + (*c - '0');
			if (point)
				scale++;
		}
		assert_true(n->is_dec);
		assert_true(n->dec.mant == mant);
		assert_int_equal(n->dec.scale, scale);
	}
}

/* ---- invalid lines -------------------------------------------------------- */

/* A valid prefix of the top-level fields, without braces. */
#define ID "\"id\":\"g-1\""
#define MODEL "\"model\":\"m-1\""
#define TS "\"ts\":\"2026-09-01T10:00:00Z\""
#define VALUE "\"value\":\"0.04\""
#define CUR "\"currency\":\"EUR\""
#define PRE ID "," MODEL "," TS "," VALUE "," CUR
#define ATTR1 "\"attribution\":[{\"work\":\"W-1\",\"weight\":\"0.25\"}]"
#define ATTR(a) "\"attribution\":[" a "]"
#define ATTR2(a, b) ATTR(a "," b)
#define ATTR3(a, b, c) ATTR(a "," b "," c)
#define W(work, weight) "{\"work\":\"" work "\",\"weight\":\"" weight "\"}"
#define I(isrc, weight) "{\"isrc\":\"" isrc "\",\"weight\":\"" weight "\"}"

struct bad_case {
	const char *line;
	const char *field;	/* exact field path */
	const char *phrase;	/* part of the reason */
};

static const struct bad_case bad_cases[] = {
	{ "", "", "empty line" },
	{ "{" PRE "," ATTR1 ",\"id\":\"g-2\"}", "id",
	  "duplicate key \"id\"" },
	{ "{" PRE "," ATTR1 ",\"attribution\":[]}", "attribution",
	  "duplicate key \"attribution\"" },
	{ "{" PRE "," ATTR("{\"work\":\"W-1\",\"weight\":\"0.1\",\"work\":\"W-2\"}") "}",
	  "attribution[0].work", "duplicate key \"work\"" },
	{ "{" PRE "," ATTR2(W("W-1", "0.1"), "{\"work\":\"W-2\",\"wei\\u0067ht\":\"0.1\",\"weight\":\"0.2\"}") "}",
	  "attribution[1].weight", "duplicate key \"weight\"" },
	{ "{" ID "," MODEL "," TS ",\"value\":0.04," CUR "," ATTR1 "}", "value",
	  "must be an exact string such as \"0.25\" or \"1/4\", not a JSON number" },
	{ "{" ID "," MODEL "," TS ",\"value\":4," CUR "," ATTR1 "}", "value",
	  "not a JSON number" },
	{ "{" PRE "," ATTR("{\"work\":\"W-1\",\"weight\":0.25}") "}",
	  "attribution[0].weight", "not a JSON number" },
	{ "{" PRE "," ATTR2(W("W-1", "0.5"), W("W-2", "0.500001")) "}",
	  "attribution", "weights sum to 1000001/1000000, more than 1" },
	{ "{" PRE "," ATTR3(W("W-1", "1/3"), W("W-2", "2/3"), W("W-3", "1/1000000")) "}",
	  "attribution", "weights sum to 1000001/1000000, more than 1" },
	{ "{" PRE "," ATTR2(W("W-1", "0.6"), W("W-2", "1/2")) "}",
	  "attribution", "weights sum to 11/10, more than 1" },
	{ "{" PRE "," ATTR3(W("W-1", "0.25"), W("W-2", "0.25"), W("W-1", "0.25")) "}",
	  "attribution[2].work",
	  "work \"W-1\" is attributed twice (first at attribution[0])" },
	{ "{" PRE "," ATTR2(I("GBAYE6900002", "0.25"), I("GB-AYE-69-00002", "0.25")) "}",
	  "attribution[1].isrc",
	  "ISRC \"GBAYE6900002\" is attributed twice (first at attribution[0])" },
	{ "{" PRE "," ATTR3(I("gb aye 69 00002", "0.1"), W("W-1", "0.1"), I("GBAYE6900002", "0.1")) "}",
	  "attribution[2].isrc", "is attributed twice" },
	{ "{" PRE "}", "attribution", "missing required field" },
	{ "{" ID "," MODEL "," VALUE "," CUR "," ATTR1 "}", "ts",
	  "missing required field" },
	{ "{" MODEL "," TS "," VALUE "," CUR "," ATTR1 "}", "id",
	  "missing required field" },
	{ "{" ID "," TS "," VALUE "," CUR "," ATTR1 "}", "model",
	  "missing required field" },
	{ "{" ID "," MODEL "," TS "," CUR "," ATTR1 "}", "value",
	  "missing required field" },
	{ "{" ID "," MODEL "," TS "," VALUE "," ATTR1 "}", "currency",
	  "missing required field" },
	{ "{" ID "," MODEL ",\"ts\":\"2026-09-01T10:00:00+00:00\"," VALUE "," CUR "," ATTR1 "}",
	  "ts", "invalid timestamp \"2026-09-01T10:00:00+00:00\": timestamp must be UTC with 'Z'" },
	{ "{" ID "," MODEL ",\"ts\":\"2026-09-01t10:00:00Z\"," VALUE "," CUR "," ATTR1 "}",
	  "ts", "separate date and time with 'T'" },
	{ "{" ID "," MODEL ",\"ts\":\"2026-06-30T23:59:60Z\"," VALUE "," CUR "," ATTR1 "}",
	  "ts", "leap seconds" },
	{ "{" ID "," MODEL ",\"ts\":\"2026-02-30T10:00:00Z\"," VALUE "," CUR "," ATTR1 "}",
	  "ts", "invalid timestamp" },
	{ "{" ID "," MODEL ",\"ts\":\"2026-09-01T10:00:00Z                                        \"," VALUE "," CUR "," ATTR1 "}",
	  "ts", "invalid timestamp" },
	{ "{" ID "," MODEL "," TS "," VALUE ",\"currency\":\"EUX\"," ATTR1 "}",
	  "currency", "unknown currency \"EUX\"" },
	{ "{" ID "," MODEL "," TS "," VALUE ",\"currency\":\"eur\"," ATTR1 "}",
	  "currency", "unknown currency \"eur\"" },
	{ "{" ID "," MODEL "," TS "," VALUE ",\"currency\":\"EURO\"," ATTR1 "}",
	  "currency", "unknown currency \"EURO\"" },
	{ "{" PRE "," ATTR1 ",\"foo\":\"bar\"}", "foo", "unknown field \"foo\"" },
	{ "{\"Id\":\"g-1\"," MODEL "," TS "," VALUE "," CUR "," ATTR1 "}", "Id",
	  "unknown field \"Id\"" },
	{ "{" PRE "," ATTR("{\"work\":\"W-1\",\"isrc\":\"GBAYE6900002\",\"weight\":\"0.1\"}") "}",
	  "attribution[0]", "names both \"work\" and \"isrc\"" },
	{ "{" PRE "," ATTR2(W("W-0", "0.1"), "{\"weight\":\"0.1\"}") "}",
	  "attribution[1]", "names neither \"work\" nor \"isrc\"" },
	{ "{" PRE "," ATTR("{\"work\":\"W-1\"}") "}", "attribution[0].weight",
	  "missing required field" },
	{ "{" PRE "," ATTR("{\"work\":\"W-1\",\"share\":\"0.1\"}") "}",
	  "attribution[0].share", "unknown field \"share\"" },
	{ "{" PRE "," ATTR("\"W-1\"") "}", "attribution[0]",
	  "must be an object, not a string" },
	{ "{" PRE ",\"attribution\":{}}", "attribution",
	  "must be an array, not an object" },
	{ "{" PRE ",\"attribution\":null}", "attribution",
	  "must be an array, not null" },
	{ "{" PRE "," ATTR(W("W 1", "0.1")) "}", "attribution[0].work",
	  "invalid identifier \"W 1\"" },
	{ "{" PRE "," ATTR("{\"work\":7,\"weight\":\"0.1\"}") "}",
	  "attribution[0].work", "must be a string, not a number" },
	{ "{" PRE "," ATTR(I("GBAYE690000", "0.1")) "}", "attribution[0].isrc",
	  "invalid ISRC \"GBAYE690000\": isrc must be 12 characters" },
	{ "{" PRE "," ATTR(I("GBAYE69000O2", "0.1")) "}", "attribution[0].isrc",
	  "invalid ISRC" },
	{ "{" PRE "," ATTR(W("W-1", "1.5")) "}", "attribution[0].weight",
	  "weight \"1.5\" is more than 1" },
	{ "{" PRE "," ATTR(W("W-1", "3/2")) "}", "attribution[0].weight",
	  "weight \"3/2\" is more than 1" },
	{ "{" PRE "," ATTR(W("W-1", "99999999999999999999999999999999999999")) "}",
	  "attribution[0].weight", "is more than 1" },
	{ "{" PRE "," ATTR(W("W-1", "")) "}", "attribution[0].weight",
	  "invalid exact number \"\": empty string" },
	{ "{" PRE "," ATTR(W("W-1", "0,5")) "}", "attribution[0].weight",
	  "unexpected ','" },
	{ "{\"id\":\"g 1\"," MODEL "," TS "," VALUE "," CUR "," ATTR1 "}", "id",
	  "invalid identifier \"g 1\": must be 1-64 characters" },
	{ "{\"id\":\"\"," MODEL "," TS "," VALUE "," CUR "," ATTR1 "}", "id",
	  "invalid identifier \"\"" },
	{ "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	  MODEL "," TS "," VALUE "," CUR "," ATTR1 "}",
	  "id", "invalid identifier" },
	{ "{\"id\":7," MODEL "," TS "," VALUE "," CUR "," ATTR1 "}", "id",
	  "must be a string, not a number" },
	{ "{\"id\":\"g\\u0000\"," MODEL "," TS "," VALUE "," CUR "," ATTR1 "}",
	  "id", "must not contain NUL characters" },
	{ "{\"id\":\"g\\u00e9\"," MODEL "," TS "," VALUE "," CUR "," ATTR1 "}",
	  "id", "invalid identifier \"g\\xc3\\xa9\"" },
	{ "{" ID ",\"model\":\"\"," TS "," VALUE "," CUR "," ATTR1 "}", "model",
	  "must be 1 to 256 bytes, not 0" },
	{ "{" ID ",\"model\":\"m\xff\"," TS "," VALUE "," CUR "," ATTR1 "}", "",
	  "invalid JSON: unable to decode byte 0xff" },
	{ "{" ID ",\"model\":\"m\xc3\"," TS "," VALUE "," CUR "," ATTR1 "}", "",
	  "invalid JSON: unable to decode byte 0xc3" },
	{ "{" ID "," MODEL "," TS ",\"value\":\"1/0\"," CUR "," ATTR1 "}",
	  "value", "zero denominator" },
	{ "{" ID "," MODEL "," TS ",\"value\":\"-1\"," CUR "," ATTR1 "}",
	  "value", "no sign allowed" },
	{ "{" ID "," MODEL "," TS ",\"value\":\"1e3\"," CUR "," ATTR1 "}",
	  "value", "invalid exact number \"1e3\": unexpected 'e' at offset 1" },
	{ "{" ID "," MODEL "," TS ",\"value\":\"0.1234567890123456789\"," CUR "," ATTR1 "}",
	  "value", "more than 18 fractional digits" },
	{ "{" ID "," MODEL "," TS ",\"value\":true," CUR "," ATTR1 "}", "value",
	  "must be an exact string, not a boolean" },
	{ "{" ID "," MODEL "," TS ",\"value\":\" 1\"," CUR "," ATTR1 "}",
	  "value", "unexpected ' '" },
	{ "{" PRE "," ATTR1 ",\"voice\":\"P ADA\"}", "voice",
	  "invalid identifier \"P ADA\"" },
	{ "{" PRE "," ATTR1 ",\"voice\":null}", "voice",
	  "must be a string, not null" },
	{ "{" PRE "," ATTR1 "} x", "", "invalid JSON: end of file expected" },
	{ "{" PRE "," ATTR1 "}{" PRE "," ATTR1 "}", "",
	  "invalid JSON: end of file expected" },
	{ "[{" PRE "," ATTR1 "}]", "", "an event must be a JSON object, not an array" },
	{ "\"g-1\"", "", "invalid JSON" },
	{ "   ", "", "invalid JSON" },
	{ "hello", "", "invalid JSON" },
	{ "{" PRE "," ATTR1 ",}", "", "invalid JSON" },
	{ "{" PRE "," ATTR1 "}\r", "", "carriage return" },
	{ "{" PRE "," ATTR1 ",\"x\":[[[[[[[[[]]]]]]]]]}", "",
	  "JSON nested deeper than 8 levels" },
	{ "{" PRE "," ATTR1 ",\"x\":[[[[[[]]]]]]}", "x", "unknown field \"x\"" },
	{ "{" PRE "," ATTR1 ",\"a\\u0000b\":1}", "",
	  "NUL byte in object key not supported" },
};

static void test_invalid_table(void **state)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct ll_event_parser *slow = ll_event_parser_new();
	size_t i;

	(void)state;
	assert_true(N_ELEMS(bad_cases) >= 40);
	assert_non_null(p);
	assert_non_null(slow);
	ll_event_parser_set_fast(slow, false);
	for (i = 0; i < N_ELEMS(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct ll_event ev;
		struct ll_error e, e2;
		enum ll_status rc;

		ll_error_clear(&e);
		rc = ll_event_parse(p, c->line, strlen(c->line), &ev, &e);
		if (rc != LL_INVALID) {
			print_error("case %zu: accepted: %s\n", i, c->line);
			fail();
		}
		assert_int_equal(e.code, LL_INVALID);
		if (strcmp(e.field, c->field) != 0) {
			print_error("case %zu: field \"%s\", want \"%s\" (%s)\n"
				    "line: %s\n",
				    i, e.field, c->field, e.text, c->line);
			fail();
		}
		assert_in_line(e.text, c->phrase, c->line);
		assert_string_equal(e.source, "");
		assert_int_equal(e.line, 0);
		/* The slow path alone says exactly the same. */
		rc = ll_event_parse(slow, c->line, strlen(c->line), &ev, &e2);
		assert_int_equal(rc, LL_INVALID);
		assert_string_equal(e2.field, e.field);
		assert_string_equal(e2.text, e.text);
	}
	ll_event_parser_free(p);
	ll_event_parser_free(slow);
}

/* ---- valid lines ---------------------------------------------------------- */

struct want_attr {
	enum ll_ref_kind kind;
	const char *ref;
	const char *weight;
};

struct good_case {
	const char *line;
	bool fast;		/* expected to take the fast path */
	const char *id;
	const char *model;
	int64_t ts_us;
	const char *value;
	const char *currency;
	int exponent;
	const char *voice;	/* NULL when absent */
	bool all_dec;
	int64_t sum18;		/* weight_sum18 when all_dec */
	size_t n_attr;
	struct want_attr attr[4];
};

#define TS_0901 INT64_C(1788256800000000)	/* 2026-09-01T10:00:00Z */
#define WK LL_REF_WORK
#define IS LL_REF_ISRC

static const struct good_case good_cases[] = {
	/* The SPEC §2.3 example. */
	{ "{\"id\": \"g-000001\", \"model\": \"m-harmony-2\", \"ts\": \"2026-09-01T10:00:00Z\", "
	  "\"value\": \"0.0400\", \"currency\": \"EUR\", \"attribution\": [{\"work\": \"W-0001\", "
	  "\"weight\": \"0.25\"}, {\"isrc\": \"GBAYE6900002\", \"weight\": \"0.125\"}], \"voice\": \"P-ADA\"}",
	  true, "g-000001", "m-harmony-2", TS_0901, "0.0400", "EUR", 2, "P-ADA",
	  true, INT64_C(375000000000000000), 2,
	  { { WK, "W-0001", "0.25" }, { IS, "GBAYE6900002", "0.125" } } },
	/* Compact, voice absent. */
	{ "{" PRE "," ATTR1 "}", true, "g-1", "m-1", TS_0901, "0.04", "EUR", 2,
	  NULL, true, INT64_C(250000000000000000), 1,
	  { { WK, "W-1", "0.25" } } },
	/* An escape sends the line to the slow path: "g\u002d1" is "g-1". */
	{ "{\"id\":\"g\\u002d1\"," MODEL "," TS "," VALUE "," CUR "," ATTR1 "}",
	  false, "g-1", "m-1", TS_0901, "0.04", "EUR", 2, NULL, true,
	  INT64_C(250000000000000000), 1, { { WK, "W-1", "0.25" } } },
	/* Non-ASCII model, raw UTF-8 and escaped. */
	{ "{" ID ",\"model\":\"m-\xc3\xbc\"," TS "," VALUE "," CUR "," ATTR1 "}",
	  false, "g-1", "m-\xc3\xbc", TS_0901, "0.04", "EUR", 2, NULL, true,
	  INT64_C(250000000000000000), 1, { { WK, "W-1", "0.25" } } },
	{ "{" ID ",\"model\":\"m-\\u00fc \\/ \\\"x\\\"\"," TS "," VALUE "," CUR "," ATTR1 "}",
	  false, "g-1", "m-\xc3\xbc / \"x\"", TS_0901, "0.04", "EUR", 2, NULL, true,
	  INT64_C(250000000000000000), 1, { { WK, "W-1", "0.25" } } },
	/* Empty attribution. */
	{ "{" PRE ",\"attribution\":[]}", true, "g-1", "m-1", TS_0901, "0.04",
	  "EUR", 2, NULL, true, 0, 0, { { WK, NULL, NULL } } },
	{ "{" PRE ",\"attribution\":[ \t ]}", true, "g-1", "m-1", TS_0901,
	  "0.04", "EUR", 2, NULL, true, 0, 0, { { WK, NULL, NULL } } },
	/* Whitespace everywhere (spaces and tabs), leading and trailing. */
	{ " \t{ \"id\" :\t\"g-1\" , \"model\" : \"m-1\" ,\"ts\":\"2026-09-01T10:00:00Z\"\t,"
	  " \"value\" : \"0.04\" , \"currency\" : \"EUR\" , \"attribution\" : [ { \"work\" : \"W-1\" ,"
	  " \"weight\" : \"0.25\" } , {\t\"weight\"\t:\t\"0.5\"\t,\t\"isrc\"\t:\t\"GB-AYE-69-00002\"\t} ] ,"
	  " \"voice\" : \"P-ADA\" } \t ",
	  true, "g-1", "m-1", TS_0901, "0.04", "EUR", 2, "P-ADA", true,
	  INT64_C(750000000000000000), 2,
	  { { WK, "W-1", "0.25" }, { IS, "GBAYE6900002", "0.5" } } },
	/* Key order: attribution and voice first, currency last. */
	{ "{\"voice\":\"P-1\",\"attribution\":[{\"weight\":\"1\",\"work\":\"W-9\"}]," TS "," VALUE ","
	  MODEL "," ID "," CUR "}",
	  true, "g-1", "m-1", TS_0901, "0.04", "EUR", 2, "P-1", true,
	  INT64_C(1000000000000000000), 1, { { WK, "W-9", "1" } } },
	/* Fraction weights summing to exactly 1. */
	{ "{" PRE "," ATTR2(W("W-1", "1/3"), W("W-2", "2/3")) "}", true, "g-1",
	  "m-1", TS_0901, "0.04", "EUR", 2, NULL, false, 0, 2,
	  { { WK, "W-1", "1/3" }, { WK, "W-2", "2/3" } } },
	/* Mixed decimal and fraction weights; a fraction value. */
	{ "{" ID "," MODEL "," TS ",\"value\":\"1/3\"," CUR ","
	  ATTR3(W("W-1", "0.5"), I("gb-aye-69-00002", "1/4"), W("W-3", "0.25")) "}",
	  true, "g-1", "m-1", TS_0901, "1/3", "EUR", 2, NULL, false, 0, 3,
	  { { WK, "W-1", "0.5" }, { IS, "GBAYE6900002", "1/4" }, { WK, "W-3", "0.25" } } },
	/* Other currencies and a timestamp with microseconds. */
	{ "{" ID "," MODEL ",\"ts\":\"2026-09-01T12:30:45.123456Z\",\"value\":\"120\","
	  "\"currency\":\"JPY\"," ATTR(W("W-1", "0.000001")) "}",
	  true, "g-1", "m-1", INT64_C(1788265845123456), "120", "JPY", 0, NULL,
	  true, INT64_C(1000000000000), 1, { { WK, "W-1", "0.000001" } } },
	{ "{" ID "," MODEL ",\"ts\":\"2026-07-01T00:00:00.5Z\",\"value\":\"0\","
	  "\"currency\":\"BHD\"," ATTR2(W("W-1", "0"), W("W-2", "0.000000000000000001")) "}",
	  true, "g-1", "m-1", INT64_C(1782864000500000), "0", "BHD", 3, NULL,
	  true, 1, 2, { { WK, "W-1", "0" }, { WK, "W-2", "0.000000000000000001" } } },
	/* Weights summing to exactly 1 in decimals; trailing zeros kept. */
	{ "{" PRE "," ATTR3(W("W-1", "0.50"), W("W-2", "0.5000"), W("W-3", "0")) "}",
	  true, "g-1", "m-1", TS_0901, "0.04", "EUR", 2, NULL, true,
	  INT64_C(1000000000000000000), 3,
	  { { WK, "W-1", "0.50" }, { WK, "W-2", "0.5000" }, { WK, "W-3", "0" } } },
	/* 38 significant digits of value; an id with every id character. */
	{ "{\"id\":\"Az09._:-\"," MODEL ",\"ts\":\"1999-12-31T23:59:59Z\","
	  "\"value\":\"1234567890123456789012345678901234567.8\",\"currency\":\"USD\","
	  ATTR(W("a.B_c:D-9", "0.1")) "}",
	  true, "Az09._:-", "m-1", INT64_C(946684799000000),
	  "1234567890123456789012345678901234567.8", "USD", 2, NULL, true,
	  INT64_C(100000000000000000), 1, { { WK, "a.B_c:D-9", "0.1" } } },
	/* A work id and an ISRC with the same text are different refs. */
	{ "{" PRE "," ATTR2(W("GBAYE6900002", "0.1"), I("GBAYE6900002", "0.1")) "}",
	  true, "g-1", "m-1", TS_0901, "0.04", "EUR", 2, NULL, true,
	  INT64_C(200000000000000000), 2,
	  { { WK, "GBAYE6900002", "0.1" }, { IS, "GBAYE6900002", "0.1" } } },
	/* Escapes in keys and a weight; slow path, same result. */
	{ "{\"i\\u0064\":\"g-1\"," MODEL "," TS "," VALUE "," CUR ",\"attribution\":"
	  "[{\"work\":\"W-1\",\"weight\":\"0.\\u0032\"}]}",
	  false, "g-1", "m-1", TS_0901, "0.04", "EUR", 2, NULL, true,
	  INT64_C(200000000000000000), 1, { { WK, "W-1", "0.2" } } },
	/* A model of exactly 256 bytes (with a non-printable escape). */
	{ "{" ID ",\"model\":\"\\t123456789012345678901234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890123456789012345678901234567890"
	  "123456789012345678901234567890123456789012345\"," TS "," VALUE "," CUR "," ATTR1 "}",
	  false, "g-1",
	  "\t123456789012345678901234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890123456789012345678901234567890"
	  "123456789012345678901234567890123456789012345",
	  TS_0901, "0.04", "EUR", 2, NULL, true, INT64_C(250000000000000000), 1,
	  { { WK, "W-1", "0.25" } } },
	/* A leap day. */
	{ "{" ID "," MODEL ",\"ts\":\"2000-02-29T00:00:00Z\"," VALUE "," CUR "," ATTR1 "}",
	  true, "g-1", "m-1", INT64_C(951782400000000), "0.04", "EUR", 2, NULL,
	  true, INT64_C(250000000000000000), 1, { { WK, "W-1", "0.25" } } },
};

static void check_good(const struct good_case *c, const struct ll_event *ev,
		       size_t i)
{
	size_t k;

	(void)i;
	assert_string_equal(ev->id, c->id);
	assert_string_equal(ev->model, c->model);
	assert_true(ev->ts_us == c->ts_us);
	check_num(&ev->value, c->value);
	assert_string_equal(ev->currency, c->currency);
	assert_int_equal(ev->currency_exponent, c->exponent);
	if (c->voice)
		assert_string_equal(ev->voice, c->voice);
	else
		assert_null(ev->voice);
	assert_int_equal(ev->all_dec, c->all_dec);
	if (c->all_dec)
		assert_true(ev->weight_sum18 == (ll_i128)c->sum18);
	assert_int_equal(ev->n_attr, c->n_attr);
	assert_non_null(ev->attr);
	for (k = 0; k < c->n_attr; k++) {
		assert_int_equal(ev->attr[k].kind, c->attr[k].kind);
		assert_string_equal(ev->attr[k].ref, c->attr[k].ref);
		check_num(&ev->attr[k].weight, c->attr[k].weight);
	}
}

static void test_valid_table(void **state)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct ll_event_parser *slow = ll_event_parser_new();
	size_t i;

	(void)state;
	assert_true(N_ELEMS(good_cases) >= 15);
	assert_non_null(p);
	assert_non_null(slow);
	ll_event_parser_set_fast(slow, false);
	for (i = 0; i < N_ELEMS(good_cases); i++) {
		const struct good_case *c = &good_cases[i];
		struct ll_event ev;
		struct ll_error e;
		enum ll_status rc;

		ll_error_clear(&e);
		rc = ll_event_parse(p, c->line, strlen(c->line), &ev, &e);
		if (rc != LL_OK) {
			print_error("case %zu: %s: %s\nline: %s\n", i, e.field,
				    e.text, c->line);
			fail();
		}
		if (ll_event_parser_last_fast(p) != c->fast) {
			print_error("case %zu: fast %d, want %d\n", i,
				    ll_event_parser_last_fast(p), c->fast);
			fail();
		}
		check_good(c, &ev, i);
		rc = ll_event_parse(slow, c->line, strlen(c->line), &ev, &e);
		assert_int_equal(rc, LL_OK);
		assert_false(ll_event_parser_last_fast(slow));
		check_good(c, &ev, i);
	}
	ll_event_parser_free(p);
	ll_event_parser_free(slow);
}

/* ---- limits --------------------------------------------------------------- */

/* A valid line with n attributions W-0..W-(n-1), weight "0" each. */
static void line_with_attrs(struct buf *b, size_t n)
{
	size_t i;

	b->len = 0;
	buf_put(b, "{" PRE ",\"attribution\":[");
	for (i = 0; i < n; i++)
		buf_putf(b, "%s{\"work\":\"W-%zu\",\"weight\":\"0\"}",
			 i ? "," : "", i);
	buf_put(b, "]}");
}

static void test_attribution_limit(void **state)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct buf b = { NULL, 0, 0 };
	struct ll_event ev;
	struct ll_error e;

	(void)state;
	line_with_attrs(&b, LL_EVENT_ATTRIBUTIONS_MAX);
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_OK);
	assert_true(ll_event_parser_last_fast(p));
	assert_int_equal(ev.n_attr, LL_EVENT_ATTRIBUTIONS_MAX);
	assert_string_equal(ev.attr[1023].ref, "W-1023");

	line_with_attrs(&b, LL_EVENT_ATTRIBUTIONS_MAX + 1);
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_INVALID);
	assert_string_equal(e.field, "attribution");
	assert_in_line(e.text, "has 1025 attributions, more than 1024", "");
	free(b.s);
	ll_event_parser_free(p);
}

/* Repeats among many attributions (the sorting search): the first repeat
 * in order is reported, with the first occurrence. */
static void test_duplicate_many(void **state)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct buf b = { NULL, 0, 0 };
	struct ll_event ev;
	struct ll_error e;
	size_t i;

	(void)state;
	buf_put(&b, "{" PRE ",\"attribution\":[");
	for (i = 0; i < 600; i++) {
		/* W-250 again at 300 comes before W-20 again at 400. */
		size_t w = i == 400 ? 20 : i == 300 ? 250 : i;

		buf_putf(&b, "%s{\"work\":\"W-%zu\",\"weight\":\"0\"}",
			 i ? "," : "", w);
	}
	buf_put(&b, "]}");
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_INVALID);
	assert_string_equal(e.field, "attribution[300].work");
	assert_string_equal(e.text, "work \"W-250\" is attributed twice "
				    "(first at attribution[250])");

	/* Same for ISRCs in two spellings, 40 attributions. */
	b.len = 0;
	buf_put(&b, "{" PRE ",\"attribution\":[");
	for (i = 0; i < 39; i++)
		buf_putf(&b, "{\"isrc\":\"GBAYE69%05zu\",\"weight\":\"0\"},",
			 i);
	buf_put(&b, "{\"isrc\":\"gb-aye-69-00007\",\"weight\":\"0\"}");
	buf_put(&b, "]}");
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_INVALID);
	assert_string_equal(e.field, "attribution[39].isrc");
	assert_in_line(e.text, "ISRC \"GBAYE6900007\" is attributed twice "
				"(first at attribution[7])", b.s);

	/* 1000 distinct works parse (no false repeats). */
	line_with_attrs(&b, 1000);
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_OK);
	free(b.s);
	ll_event_parser_free(p);
}

static void test_line_and_model_limits(void **state)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct buf b = { NULL, 0, 0 };
	struct ll_event ev;
	struct ll_error e;
	char model[300];

	(void)state;
	/* Exactly the limit, padded with spaces: valid (fast path). */
	buf_put(&b, "{" PRE "," ATTR1 "}");
	while (b.len < LL_EVENT_LINE_BYTES_MAX)
		buf_put(&b, " ");
	assert_int_equal(b.len, LL_EVENT_LINE_BYTES_MAX);
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_OK);
	assert_true(ll_event_parser_last_fast(p));
	assert_string_equal(ev.id, "g-1");
	/* One byte more. */
	buf_put(&b, " ");
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_INVALID);
	assert_string_equal(e.field, "");
	assert_string_equal(e.text, "line is longer than 1048576 bytes");

	/* Model: 256 bytes ok, 257 not. */
	memset(model, 'm', sizeof(model));
	b.len = 0;
	buf_put(&b, "{" ID ",\"model\":\"");
	buf_putn(&b, model, 256);
	buf_put(&b, "\"," TS "," VALUE "," CUR "," ATTR1 "}");
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_OK);
	assert_int_equal(strlen(ev.model), 256);
	b.len = 0;
	buf_put(&b, "{" ID ",\"model\":\"");
	buf_putn(&b, model, 257);
	buf_put(&b, "\"," TS "," VALUE "," CUR "," ATTR1 "}");
	assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_INVALID);
	assert_string_equal(e.field, "model");
	assert_string_equal(e.text, "must be 1 to 256 bytes, not 257");

	/* A NUL byte in the line itself (not an escape). */
	{
		static const char nul_line[] = "{\"id\":\"g\0\"}";

		assert_int_equal(ll_event_parse(p, nul_line,
						sizeof(nul_line) - 1, &ev, &e),
				 LL_INVALID);
		assert_string_equal(e.field, "");
		assert_in_line(e.text, "invalid JSON", "NUL line");
	}
	free(b.s);
	ll_event_parser_free(p);
}

/* Pointers of one event stay put while the parser is not used again, and
 * the parser is reusable after big lines, errors and slow parses. */
static void test_reuse(void **state)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct buf b = { NULL, 0, 0 };
	struct ll_event ev;
	struct ll_error e;
	static const char small[] = "{" PRE "," ATTR1 ",\"voice\":\"P-1\"}";
	int round;

	(void)state;
	for (round = 0; round < 3; round++) {
		line_with_attrs(&b, 900);
		assert_int_equal(ll_event_parse(p, b.s, b.len, &ev, &e), LL_OK);
		assert_int_equal(ll_event_parse(p, "{}", 2, &ev, &e),
				 LL_INVALID);
		assert_int_equal(ll_event_parse(p, small, sizeof(small) - 1,
						&ev, &e),
				 LL_OK);
		assert_string_equal(ev.id, "g-1");
		assert_string_equal(ev.voice, "P-1");
		assert_string_equal(ev.attr[0].ref, "W-1");
	}
	free(b.s);
	ll_event_parser_free(p);
}

/* ---- differential fuzz ---------------------------------------------------- */

static const char id_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";

static void gen_id(struct rng *r, struct buf *b, const char *prefix)
{
	size_t n = 1 + rng_below64(r, 12), i;

	buf_put(b, prefix);
	for (i = 0; i < n; i++) {
		char c = id_chars[rng_below64(r, sizeof(id_chars) - 1)];

		buf_putn(b, &c, 1);
	}
}

/* A decimal or (sometimes) fraction string for a value. */
static void gen_value(struct rng *r, struct buf *b)
{
	if (rng_below64(r, 10) == 0) {
		buf_putf(b, "%u/%u", (unsigned)rng_below64(r, 1000),
			 (unsigned)(1 + rng_below64(r, 999)));
		return;
	}
	buf_putf(b, "%u", (unsigned)rng_below64(r, 100000));
	if (rng_below64(r, 2)) {
		unsigned s = 1 + (unsigned)rng_below64(r, 6), k;

		buf_put(b, ".");
		for (k = 0; k < s; k++)
			buf_putf(b, "%u", (unsigned)rng_below64(r, 10));
	}
}

/* Optional whitespace between tokens: mostly none or a space. */
static void gen_ws(struct rng *r, struct buf *b)
{
	switch (rng_below64(r, 12)) {
	case 0:
	case 1:
	case 2:
		buf_put(b, " ");
		break;
	case 3:
		buf_put(b, "\t");
		break;
	case 4:
		buf_put(b, "  \t ");
		break;
	default:
		break;
	}
}

static void gen_attr(struct rng *r, struct buf *b, size_t n_attr)
{
	bool isrc = rng_below64(r, 4) == 0;
	bool weight_first = rng_below64(r, 3) == 0;
	int part;

	buf_put(b, "{");
	for (part = 0; part < 2; part++) {
		bool w = (part == 0) == weight_first;

		if (part)
			buf_put(b, ",");
		gen_ws(r, b);
		if (w) {
			buf_put(b, "\"weight\":");
			gen_ws(r, b);
			if (rng_below64(r, 12) == 0) {
				uint64_t den = 1 + rng_below64(r, 12);

				buf_putf(b, "\"%u/%u\"",
					 (unsigned)rng_below64(r,
							       den / n_attr + 1),
					 (unsigned)den);
			} else {
				unsigned s = 1 + (unsigned)rng_below64(r, 8);
				uint64_t one = 1, units;
				unsigned k;
				char digits[32];

				for (k = 0; k < s; k++)
					one *= 10;
				/* Mostly within budget; sometimes a full 1. */
				units = rng_below64(r, 40) == 0
						? one
						: rng_below64(r,
							      one / n_attr + 1);
				snprintf(digits, sizeof(digits), "%0*llu",
					 (int)s + 1, (unsigned long long)units);
				buf_put(b, "\"");
				buf_putn(b, digits, strlen(digits) - s);
				buf_put(b, ".");
				buf_put(b, digits + strlen(digits) - s);
				buf_put(b, "\"");
			}
		} else if (isrc) {
			unsigned n = (unsigned)rng_below64(r, 300);

			buf_put(b, "\"isrc\":");
			gen_ws(r, b);
			if (rng_below64(r, 3) == 0)
				buf_putf(b, "\"gb-aye-69-%05u\"", n);
			else
				buf_putf(b, "\"GBAYE69%05u\"", n);
		} else {
			buf_put(b, "\"work\":");
			gen_ws(r, b);
			buf_putf(b, "\"W-%u\"", (unsigned)rng_below64(r, 5000));
		}
		gen_ws(r, b);
	}
	buf_put(b, "}");
}

static const char *const currencies[] = { "EUR", "USD", "GBP", "JPY",
					   "BHD", "SEK", "KRW", "CLF" };

/* One top-level member, key first. */
static void gen_member(struct rng *r, struct buf *b, int which)
{
	static const char *const keys[] = { "id",	"model",       "ts",
					    "value",	"currency",    "attribution",
					    "voice" };

	buf_putf(b, "\"%s\"", keys[which]);
	gen_ws(r, b);
	buf_put(b, ":");
	gen_ws(r, b);
	switch (which) {
	case 0:
		buf_put(b, "\"");
		gen_id(r, b, "g-");
		buf_put(b, "\"");
		break;
	case 1:
		buf_put(b, "\"");
		gen_id(r, b, "m-");
		switch (rng_below64(r, 40)) {
		case 0:
			buf_put(b, "\xc3\xbc"); /* raw UTF-8: slow path */
			break;
		case 1:
			buf_put(b, "\\u00fc"); /* escape: slow path */
			break;
		default:
			break;
		}
		buf_put(b, "\"");
		break;
	case 2:
		buf_putf(b, "\"%04u-%02u-%02uT%02u:%02u:%02u",
			 (unsigned)(2000 + rng_below64(r, 31)),
			 (unsigned)(1 + rng_below64(r, 12)),
			 (unsigned)(1 + rng_below64(r, 28)),
			 (unsigned)rng_below64(r, 24),
			 (unsigned)rng_below64(r, 60),
			 (unsigned)rng_below64(r, 60));
		if (rng_below64(r, 3) == 0) {
			unsigned k, nf = 1 + (unsigned)rng_below64(r, 6);

			buf_put(b, ".");
			for (k = 0; k < nf; k++)
				buf_putf(b, "%u", (unsigned)rng_below64(r, 10));
		}
		buf_put(b, "Z\"");
		break;
	case 3:
		buf_put(b, "\"");
		gen_value(r, b);
		buf_put(b, "\"");
		break;
	case 4:
		buf_putf(b, "\"%s\"",
			 currencies[rng_below64(r, N_ELEMS(currencies))]);
		break;
	case 5: {
		size_t n = rng_below64(r, 11), i;

		buf_put(b, "[");
		for (i = 0; i < n; i++) {
			if (i)
				buf_put(b, ",");
			gen_ws(r, b);
			gen_attr(r, b, n);
			gen_ws(r, b);
		}
		buf_put(b, "]");
		break;
	}
	case 6:
		buf_put(b, "\"");
		gen_id(r, b, "P-");
		buf_put(b, "\"");
		break;
	default:
		fail();
	}
}

/* A mostly valid event line. */
static void gen_event(struct rng *r, struct buf *b)
{
	int order[7] = { 0, 1, 2, 3, 4, 5, 6 };
	int n = rng_below64(r, 3) == 0 ? 6 : 7, i;
	bool first = true;

	if (rng_below64(r, 2)) {
		for (i = 6; i > 0; i--) {
			int j = (int)rng_below64(r, (uint64_t)i + 1);
			int t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
	}
	b->len = 0;
	buf_put(b, "");
	gen_ws(r, b);
	buf_put(b, "{");
	for (i = 0; i < 7; i++) {
		if (n == 6 && order[i] == 6)
			continue; /* no voice */
		if (!first)
			buf_put(b, ",");
		first = false;
		gen_ws(r, b);
		gen_member(r, b, order[i]);
		gen_ws(r, b);
	}
	buf_put(b, "}");
	gen_ws(r, b);
}

/* Position of the n-th (mod count) occurrence of needle, or SIZE_MAX. */
static size_t find_nth(const struct buf *b, const char *needle, uint64_t n)
{
	size_t count = 0, i, nl = strlen(needle);
	const char *s;

	for (s = b->s; (s = strstr(s, needle)) != NULL; s++)
		count++;
	if (count == 0)
		return SIZE_MAX;
	n %= count;
	for (i = 0; i + nl <= b->len; i++) {
		if (memcmp(b->s + i, needle, nl) == 0 && n-- == 0)
			return i;
	}
	return SIZE_MAX;
}

static void mutate(struct rng *r, struct buf *b)
{
	static const char interesting[] = "\"\\{}[],: \t\n\r0a/.\0\xc3\xff\x7f";
	size_t at = b->len ? rng_below64(r, b->len) : 0, pos;
	char c;

	switch (rng_below64(r, 13)) {
	case 0: /* flip a byte */
		if (b->len)
			b->s[at] = (char)rng_below64(r, 256);
		break;
	case 1: /* insert an interesting byte */
		c = interesting[rng_below64(r, sizeof(interesting) - 1)];
		buf_insert(b, rng_below64(r, b->len + 1), &c, 1);
		break;
	case 2: /* delete a byte */
		if (b->len)
			buf_erase(b, at, 1);
		break;
	case 3: /* duplicate a key */
		pos = find_nth(b, "{", 0);
		if (pos != SIZE_MAX) {
			static const char *const dups[] = {
				"\"id\":\"x\",", "\"voice\":\"P-1\",",
				"\"work\":\"W-1\",", "\"weight\":\"0\",",
				"\"attribution\":[],"
			};
			const char *d = dups[rng_below64(r, N_ELEMS(dups))];

			pos = find_nth(b, "{", rng_below64(r, 8));
			buf_insert(b, pos + 1, d, strlen(d));
		}
		break;
	case 4: /* a number where an exact string belongs */
		pos = find_nth(b,
			       rng_below64(r, 2) ? "\"weight\":\""
						 : "\"value\":\"",
			       rng_below64(r, 8));
		if (pos != SIZE_MAX) {
			/* q at the value's opening quote, end at its closing */
			const char *colon = strchr(b->s + pos + 1, ':');
			const char *close = colon ? strchr(colon + 2, '"') : NULL;

			if (close && colon[1] == '"') {
				buf_erase(b, (size_t)(close - b->s), 1);
				buf_erase(b, (size_t)(colon + 1 - b->s), 1);
			}
		}
		break;
	case 5: { /* replace a letter or digit by its \u escape */
		size_t tries;

		for (tries = 0; tries < 16 && b->len; tries++) {
			char ch;
			char esc[8];

			at = rng_below64(r, b->len);
			ch = b->s[at];
			if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			    ch == '-') {
				snprintf(esc, sizeof(esc), "\\u%04x",
					 (unsigned)ch);
				buf_erase(b, at, 1);
				buf_insert(b, at, esc, 6);
				break;
			}
		}
		break;
	}
	case 6: { /* swap two bytes */
		size_t j = b->len ? rng_below64(r, b->len) : 0;

		if (b->len) {
			c = b->s[at];
			b->s[at] = b->s[j];
			b->s[j] = c;
		}
		break;
	}
	case 7: /* truncate */
		b->len = at;
		b->s[b->len] = '\0';
		break;
	case 8: { /* trailing garbage */
		static const char *const tails[] = { " x", "{}", ",", "\r",
						     " \r", "\n" };
		buf_put(b, tails[rng_below64(r, N_ELEMS(tails))]);
		break;
	}
	case 9: /* an unknown field */
		pos = find_nth(b, "}", rng_below64(r, 4));
		if (pos != SIZE_MAX)
			buf_insert(b, pos, ",\"foo\":\"bar\"", 12);
		break;
	case 10: { /* null / true / number for a string field */
		static const char *const keys[] = { "\"currency\":", "\"id\":",
						    "\"voice\":", "\"ts\":",
						    "\"isrc\":", "\"work\":" };
		static const char *const vals[] = { "null", "true", "7",
						    "\"\"", "[]", "{}" };
		const char *k = keys[rng_below64(r, N_ELEMS(keys))];

		pos = find_nth(b, k, rng_below64(r, 4));
		if (pos != SIZE_MAX) {
			size_t q = pos + strlen(k), end;
			const char *v = vals[rng_below64(r, N_ELEMS(vals))];

			const char *close;

			while (q < b->len && b->s[q] != '"')
				q++;
			if (q >= b->len)
				break;
			close = strchr(b->s + q + 1, '"');
			if (!close)
				break;
			end = (size_t)(close - b->s);
			buf_erase(b, q, end - q + 1);
			buf_insert(b, q, v, strlen(v));
		}
		break;
	}
	case 11: /* repeat an attribution */
		pos = find_nth(b, "[{", 0);
		if (pos != SIZE_MAX) {
			const char *close = strchr(b->s + pos, '}');
			size_t n = close ? (size_t)(close - (b->s + pos)) : SIZE_MAX;
			char tmp[256];

			if (n < sizeof(tmp) - 1) {
				memcpy(tmp, b->s + pos + 1, n);
				tmp[n] = ',';
				buf_insert(b, pos + 1, tmp, n + 1);
			}
		}
		break;
	default: /* a hyphen or space in an id / ISRC */
		pos = find_nth(b, "GBAYE", rng_below64(r, 4));
		if (pos != SIZE_MAX) {
			pos += 2 + rng_below64(r, 8);
			buf_insert(b, pos < b->len ? pos : b->len,
				   rng_below64(r, 2) ? "-" : " ", 1);
		}
		break;
	}
}

static void same_num(const struct ll_num *a, const struct ll_num *b)
{
	assert_int_equal(a->is_dec, b->is_dec);
	if (a->is_dec) {
		assert_true(a->dec.mant == b->dec.mant);
		assert_int_equal(a->dec.scale, b->dec.scale);
	} else {
		assert_int_equal(a->raw_len, b->raw_len);
		assert_memory_equal(a->raw, b->raw, a->raw_len);
		assert_int_equal(a->raw[a->raw_len], '\0');
	}
}

static void same_event(const struct ll_event *a, const struct ll_event *b)
{
	size_t i;

	assert_string_equal(a->id, b->id);
	assert_string_equal(a->model, b->model);
	assert_true(a->ts_us == b->ts_us);
	same_num(&a->value, &b->value);
	assert_string_equal(a->currency, b->currency);
	assert_int_equal(a->currency_exponent, b->currency_exponent);
	assert_int_equal(a->n_attr, b->n_attr);
	for (i = 0; i < a->n_attr; i++) {
		assert_int_equal(a->attr[i].kind, b->attr[i].kind);
		assert_string_equal(a->attr[i].ref, b->attr[i].ref);
		same_num(&a->attr[i].weight, &b->attr[i].weight);
	}
	if (a->voice || b->voice) {
		assert_non_null(a->voice);
		assert_non_null(b->voice);
		assert_string_equal(a->voice, b->voice);
	}
	assert_int_equal(a->all_dec, b->all_dec);
	assert_true(a->weight_sum18 == b->weight_sum18);
}

/* The event's weights summed independently in mpq: equal to weight_sum18
 * when all_dec, and <= 1 always. */
static void check_sum(const struct ll_event *ev)
{
	mpq_t sum, w, x;
	size_t i;

	mpq_init(sum);
	mpq_init(w);
	mpq_init(x);
	for (i = 0; i < ev->n_attr; i++) {
		const struct ll_num *n = &ev->attr[i].weight;

		if (n->is_dec)
			ll_exact_from_dec(w, &n->dec);
		else
			assert_int_equal(ll_exact_parse(w, n->raw, n->raw_len,
							NULL),
					 LL_OK);
		mpq_add(sum, sum, w);
	}
	assert_true(mpq_cmp_ui(sum, 1, 1) <= 0);
	if (ev->all_dec) {
		ll_mpz_set_i128(mpq_numref(x), ev->weight_sum18);
		mpz_ui_pow_ui(mpq_denref(x), 10, 18);
		mpq_canonicalize(x);
		assert_true(mpq_equal(x, sum));
	}
	mpq_clear(sum);
	mpq_clear(w);
	mpq_clear(x);
}

enum { FUZZ_LINES = 60000 };

static void test_differential_fuzz(void **state)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct ll_event_parser *slow = ll_event_parser_new();
	struct ll_event_parser *lp = ll_event_parser_new();
	struct rng r = { UINT64_C(0x5eed0f1ed9e7c0de) };
	struct buf b = { NULL, 0, 0 }, text = { NULL, 0, 0 };
	long clean_valid = 0, clean_fast = 0, mutated_valid = 0,
	     mutated_fast = 0, invalid = 0, line_fast = 0;
	long i;

	(void)state;
	assert_non_null(p);
	assert_non_null(slow);
	assert_non_null(lp);
	ll_event_parser_set_fast(slow, false);
	for (i = 0; i < FUZZ_LINES; i++) {
		struct ll_event ev_fast, ev_slow;
		struct ll_error e_fast, e_slow;
		enum ll_status rc_fast, rc_slow;
		bool mutated = rng_below64(&r, 3) == 0;

		gen_event(&r, &b);
		if (mutated) {
			int k, n = 1 + (int)rng_below64(&r, 3);

			for (k = 0; k < n; k++)
				mutate(&r, &b);
		}
		ll_error_clear(&e_fast);
		ll_error_clear(&e_slow);
		rc_fast = ll_event_parse(p, b.s, b.len, &ev_fast, &e_fast);
		rc_slow = ll_event_parse(slow, b.s, b.len, &ev_slow, &e_slow);
		if (rc_fast != rc_slow) {
			print_error("case %ld: verdict %d (fast parser) vs %d "
				    "(slow)\nline: %s\nslow: %s: %s\n",
				    i, rc_fast, rc_slow, show(b.s, b.len),
				    e_slow.field, e_slow.text);
			fail();
		}
		/* The line followed by the next one, a blank line or
		 * nothing: ll_event_parse_line_fast takes it exactly when
		 * the fast path of ll_event_parse does, with the same
		 * event, and finds its end. */
		if (!memchr(b.s, '\n', b.len)) {
			struct ll_event ev_line;
			size_t len = 0, tail = rng_below64(&r, 4);
			bool ok;

			text.len = 0;
			buf_putn(&text, b.s, b.len);
			if (tail > 0)
				buf_putn(&text, "\n", 1);
			if (tail == 2)
				buf_putn(&text, b.s, b.len);
			if (tail == 3)
				buf_putn(&text, "\n", 1);
			ok = ll_event_parse_line_fast(lp, text.s,
						      text.s + text.len,
						      &ev_line, &len);
			if (ok != (rc_fast == LL_OK &&
				   ll_event_parser_last_fast(p))) {
				print_error("case %ld: line fast %d\nline: "
					    "%s\n", i, ok, show(b.s, b.len));
				fail();
			}
			if (ok) {
				assert_int_equal(len, b.len);
				same_event(&ev_line, &ev_slow);
				line_fast++;
			}
		}
		if (rc_fast == LL_OK) {
			bool fast = ll_event_parser_last_fast(p);

			same_event(&ev_fast, &ev_slow);
			check_sum(&ev_fast);
			if (mutated) {
				mutated_valid++;
				mutated_fast += fast;
			} else {
				clean_valid++;
				clean_fast += fast;
			}
		} else {
			invalid++;
			assert_int_equal(rc_fast, LL_INVALID);
			if (strcmp(e_fast.field, e_slow.field) != 0 ||
			    strcmp(e_fast.text, e_slow.text) != 0) {
				print_error("case %ld: errors differ\n", i);
				fail();
			}
		}
	}
	print_message("fuzz: %d lines, %ld valid unmutated (%ld fast), %ld "
		      "valid mutated (%ld fast), %ld invalid\n",
		      FUZZ_LINES, clean_valid, clean_fast, mutated_valid,
		      mutated_fast, invalid);
	/* Both verdicts are well represented, and the fast path really
	 * carries the common shape. */
	assert_true(clean_valid > FUZZ_LINES / 2);
	assert_true(invalid > FUZZ_LINES / 10);
	assert_true(clean_fast * 100 > clean_valid * 80);
	assert_true(mutated_fast > 0);
	assert_true(line_fast * 100 > clean_fast * 80);
	free(b.s);
	free(text.s);
	ll_event_parser_free(p);
	ll_event_parser_free(slow);
	ll_event_parser_free(lp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_table),
		cmocka_unit_test(test_valid_table),
		cmocka_unit_test(test_attribution_limit),
		cmocka_unit_test(test_duplicate_many),
		cmocka_unit_test(test_line_and_model_limits),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_differential_fuzz),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
