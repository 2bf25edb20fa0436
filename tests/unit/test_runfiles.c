/*
 * test_runfiles.c — unit tests for runfiles.c (SPEC §4): the bytes of
 * payouts.csv, compliance.json and run.json built from a run computed in
 * memory (registry, manifest and events parsed from text, the pure run
 * API; no database, no files).
 *
 * - ll_end_to_end_id: 34 characters, "LL" + 32 lower-case hex digits,
 *   deterministic, different for another payee, currency or run, and
 *   derived as documented (checked against OpenSSL's SHA-256 directly).
 * - payouts.csv: the header, one row per (payee, currency) in that order,
 *   names with commas, quotes and a line break quoted as RFC 4180 says
 *   (parsed back with this file's own RFC 4180 reader), amounts with the
 *   currency's digits, IBAN/BIC or empty, the end-to-end id, the
 *   statement digest column.
 * - compliance.json and run.json parse back with jansson, hold the keys
 *   SPEC §3/§4 name with the values of the run, and every money or exact
 *   figure in them is a JSON string (no JSON number is ever a real); a
 *   restatement section adds the adjustments.
 * - identical inputs (events in another order) give identical bytes.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ledgerline/engine.h"
#include "ledgerline/event.h"
#include "ledgerline/manifest.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
#include "ledgerline/runfiles.h"
#include "ledgerline/status.h"

#include "fixture.h"

/* ---- helpers -------------------------------------------------------------- */

static void sha256_hex(const void *s, size_t n, char out[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0, i;

	assert_int_equal(EVP_Digest(s, n, d, &dn, EVP_sha256(), NULL), 1);
	for (i = 0; i < dn; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Is s a decimal string with exactly e digits after the point ("12.34",
 * "-0.05", "7" for e = 0)? */
static bool is_money(const char *s, int e)
{
	const char *p = s, *dot;
	size_t n;

	if (*p == '-')
		p++;
	dot = strchr(p, '.');
	n = dot ? (size_t)(dot - p) : strlen(p);
	if (n == 0 || (n > 1 && p[0] == '0'))
		return false;
	if (strspn(p, "0123456789") != n)
		return false;
	if (e == 0)
		return dot == NULL;
	return dot && strlen(dot + 1) == (size_t)e &&
	       strspn(dot + 1, "0123456789") == (size_t)e;
}

/* A reduced fraction or integer string ("3/4", "5", "0"). */
static bool is_fraction(const char *s)
{
	mpq_t q;
	char *back;
	bool ok;

	mpq_init(q);
	ok = mpq_set_str(q, s, 10) == 0;
	if (ok) {
		mpq_canonicalize(q);
		back = mpq_get_str(NULL, 10, q);
		ok = strcmp(back, s) == 0 && mpq_sgn(q) >= 0;
		free(back);
	}
	mpq_clear(q);
	return ok;
}

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

static json_int_t jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return json_integer_value(v);
}

/* Keys whose values are money or exact figures: always strings. */
static bool is_money_key(const char *k)
{
	static const char *const keys[] = {
		"amount",     "exact",	    "weight",	"value_weight",
		"previous",   "current",    "adjustment", "total",
		"training",   "usage",	    "unallocated", "minimum_guarantee",
	};
	size_t i;

	for (i = 0; i < N_ELEMS(keys); i++) {
		if (strcmp(k, keys[i]) == 0)
			return true;
	}
	return false;
}

/* No real anywhere; money keys hold strings (or, for "exact" in run.json
 * licences, an object of strings). */
static void walk_money(const json_t *v, const char *path)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_real(v))
		fail_msg("%s is a JSON real", path);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			char p[512];

			snprintf(p, sizeof(p), "%s.%s", path, k);
			if (is_money_key(k) && !json_is_string(x) &&
			    !json_is_object(x))
				fail_msg("%s is not a string", p);
			walk_money(x, p);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			char p[512];

			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			walk_money(x, p);
		}
	}
}

/* ---- an RFC 4180 reader --------------------------------------------------- */

enum { CSV_ROWS_MAX = 32, CSV_COLS_MAX = 16 };

struct csv {
	char *cell[CSV_ROWS_MAX][CSV_COLS_MAX];
	int ncol[CSV_ROWS_MAX];
	int nrow;
};

/* Parse text (records end with LF or CRLF; quoted fields may hold
 * commas, doubled quotes and line breaks). */
static void csv_parse(struct csv *c, const char *s)
{
	memset(c, 0, sizeof(*c));
	while (*s) {
		int col = 0;

		assert_true(c->nrow < CSV_ROWS_MAX);
		for (;;) {
			char buf[1024];
			size_t n = 0;

			if (*s == '"') {
				s++;
				for (;;) {
					assert_true(*s != '\0'); /* unterminated */
					if (*s == '"' && s[1] == '"') {
						buf[n++] = '"';
						s += 2;
					} else if (*s == '"') {
						s++;
						break;
					} else {
						buf[n++] = *s++;
					}
					assert_true(n < sizeof(buf));
				}
				/* after a closing quote: a separator */
				assert_true(*s == ',' || *s == '\n' ||
					    *s == '\r' || *s == '\0');
			} else {
				while (*s && *s != ',' && *s != '\n' &&
				       *s != '\r') {
					/* a bare quote inside a field is not
					 * RFC 4180 */
					assert_true(*s != '"');
					buf[n++] = *s++;
					assert_true(n < sizeof(buf));
				}
			}
			buf[n] = '\0';
			assert_true(col < CSV_COLS_MAX);
			c->cell[c->nrow][col] = strdup(buf);
			assert_non_null(c->cell[c->nrow][col]);
			col++;
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == '\r')
				s++;
			if (*s == '\n')
				s++;
			break;
		}
		c->ncol[c->nrow++] = col;
	}
}

static void csv_free(struct csv *c)
{
	int r, k;

	for (r = 0; r < c->nrow; r++) {
		for (k = 0; k < c->ncol[r]; k++)
			free(c->cell[r][k]);
	}
}

/* ---- the run ---------------------------------------------------------------- */

/*
 * Parties with awkward names (a comma; quotes; a line break), with and
 * without IBANs, one paid through another; works under an EUR and a JPY
 * licence; consents that make every exclusion reason occur; a training
 * consent withdrawn in the period for a work that then earned usage.
 */
static const char REGISTRY[] =
	"{\"parties\": [\n"
	" {\"id\": \"P-AI\", \"name\": \"Synth Co\", \"kind\": \"licensee\",\n"
	"  \"payout\": {\"method\": \"iban\", \"iban\": \"DE02120300000000202051\",\n"
	"             \"bic\": \"BYLADEM1001\", \"currency\": \"EUR\"}},\n"
	" {\"id\": \"P-NW\", \"name\": \"Northwind Records, Ltd.\", \"kind\": "
	"\"label\",\n"
	"  \"payout\": {\"method\": \"iban\", \"iban\": \"DE89370400440532013000\",\n"
	"             \"bic\": \"COBADEFFXXX\", \"currency\": \"EUR\"}},\n"
	" {\"id\": \"P-Q\", \"name\": \"The \\\"Quoted\\\" Band\", \"kind\": "
	"\"artist\"},\n"
	" {\"id\": \"P-NL\", \"name\": \"Line\\nBreak Music\", \"kind\": "
	"\"publisher\",\n"
	"  \"payout\": {\"method\": \"iban\", \"iban\": \"GB82 WEST 1234 5698 7654 32\",\n"
	"             \"currency\": \"EUR\"}},\n"
	" {\"id\": \"P-Y\", \"name\": \"Yoko, \\\"Y\\\" Smith\", \"kind\": "
	"\"songwriter\", \"payee\": \"P-NW\"},\n"
	" {\"id\": \"P-J\", \"name\": \"J\\u00f6rg K\\u00fchn\", \"kind\": \"label\",\n"
	"  \"payout\": {\"method\": \"iban\", \"iban\": \"FR1420041010050500013M02606\",\n"
	"             \"currency\": \"EUR\"}},\n"
	" {\"id\": \"P-Z\", \"name\": \"Zero Consent\", \"kind\": \"artist\"},\n"
	" {\"id\": \"P-O\", \"name\": \"Opted Out\", \"kind\": \"artist\"}],\n"
	"\"works\": [\n"
	" {\"id\": \"W-1\", \"isrc\": \"GBAYE6900001\", \"title\": \"One\", "
	"\"duration_ms\": 200000,\n"
	"  \"content_sha256\": "
	"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\n"
	"  \"splits\": {\"master\": [{\"party\": \"P-NW\", \"share\": \"1/2\"}, "
	"{\"party\": \"P-Q\", \"share\": \"1/2\"}],\n"
	"             \"publishing\": [{\"party\": \"P-NL\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-2\", \"duration_ms\": 100000, \"splits\": {\"master\": "
	"[{\"party\": \"P-Y\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-3\", \"duration_ms\": 100000, \"splits\": {\"master\": "
	"[{\"party\": \"P-J\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-4\", \"duration_ms\": 100000, \"splits\": {\"master\": "
	"[{\"party\": \"P-NW\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-5\", \"duration_ms\": 100000, \"splits\": {\"master\": "
	"[{\"party\": \"P-Z\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-6\", \"duration_ms\": 100000, \"splits\": {\"master\": "
	"[{\"party\": \"P-O\", \"share\": \"1\"}]}}],\n"
	"\"consents\": [\n"
	" {\"id\": \"C-1\", \"party\": \"P-NW\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-2\", \"party\": \"P-NW\", \"all_works\": true, \"use\": "
	"\"generation\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-3\", \"party\": \"P-Q\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-4\", \"party\": \"P-Q\", \"all_works\": true, \"use\": "
	"\"generation\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-5\", \"party\": \"P-NL\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-6\", \"party\": \"P-NL\", \"all_works\": true, \"use\": "
	"\"generation\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-7\", \"party\": \"P-Y\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-8\", \"party\": \"P-Y\", \"all_works\": true, \"use\": "
	"\"generation\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	/* P-Y withdraws W-2 from training on 2026-07-01, before it earns usage (e1, 2026-07-02) */
	" {\"id\": \"C-9\", \"party\": \"P-Y\", \"work\": \"W-2\", \"use\": "
	"\"training\", \"decision\": \"opt_out\", \"effective\": "
	"\"2026-07-01T00:00:00Z\"},\n"
	" {\"id\": \"C-10\", \"party\": \"P-J\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-11\", \"party\": \"P-J\", \"all_works\": true, \"use\": "
	"\"generation\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-12\", \"party\": \"P-O\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_out\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-13\", \"party\": \"P-NW\", \"all_works\": true, \"use\": "
	"\"voice\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"}],\n"
	"\"licences\": [\n"
	" {\"id\": \"L-EUR\", \"licensee\": \"P-AI\", \"licensor\": \"P-NW\",\n"
	"  \"scope\": {\"works\": [\"W-1\", \"W-2\", \"W-5\", \"W-6\"]},\n"
	"  \"uses\": [\"training\", \"generation\"], \"start\": \"2026-01-01\", "
	"\"end\": \"2026-12-31\",\n"
	"  \"currency\": \"EUR\", \"terms\": {\"training_fee\": \"1000.01\", "
	"\"usage_rate\": \"0.5\", \"per_generation\": \"0.01\"}},\n"
	" {\"id\": \"L-JPY\", \"licensee\": \"P-AI\", \"licensor\": \"P-J\",\n"
	"  \"scope\": {\"works\": [\"W-3\"]}, \"uses\": [\"training\", "
	"\"generation\"],\n"
	"  \"start\": \"2026-01-01\", \"end\": \"2026-12-31\", \"currency\": "
	"\"JPY\",\n"
	"  \"terms\": {\"training_fee\": \"12345\", \"usage_rate\": \"1\"}}]}\n";

static const char MANIFEST[] =
	"{\"model\": \"m-1\", \"training_run\": \"tr-1\", \"trained_at\": "
	"\"2026-03-14T00:00:00Z\", \"licensee\": \"P-AI\", \"items\": [\n"
	" {\"work\": \"W-1\", \"content_sha256\": "
	"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"},\n"
	" {\"isrc\": \"GB-AYE-69-00001\", \"content_sha256\": "
	"\"0000000000000000000000000000000000000000000000000000000000000000\"},\n"
	" {\"work\": \"W-2\"}, {\"work\": \"W-3\"}, {\"work\": \"W-404\"},\n"
	" {\"work\": \"W-4\"}, {\"work\": \"W-5\"}, {\"work\": \"W-6\"}]}\n";

static const char *const EVENTS[] = {
	/* W-1 and W-2, with the voice of P-Q (no voice opt-in) */
	"{\"id\": \"e1\", \"model\": \"m-1\", \"ts\": \"2026-07-02T10:00:00Z\", "
	"\"value\": \"2.00\", \"currency\": \"EUR\", \"attribution\": "
	"[{\"work\": \"W-1\", \"weight\": \"0.5\"}, {\"work\": \"W-2\", "
	"\"weight\": \"0.25\"}], \"voice\": \"P-Q\"}",
	/* W-5 has no generation consent; an unknown ISRC */
	"{\"id\": \"e2\", \"model\": \"m-1\", \"ts\": \"2026-07-03T10:00:00Z\", "
	"\"value\": \"1\", \"currency\": \"EUR\", \"attribution\": "
	"[{\"work\": \"W-5\", \"weight\": \"0.5\"}, {\"isrc\": "
	"\"US-XXX-26-00001\", \"weight\": \"1/4\"}]}",
	/* another currency than W-1's licence */
	"{\"id\": \"e3\", \"model\": \"m-1\", \"ts\": \"2026-07-04T10:00:00Z\", "
	"\"value\": \"3\", \"currency\": \"USD\", \"attribution\": "
	"[{\"work\": \"W-1\", \"weight\": \"1\"}]}",
	/* JPY usage; the voice of P-NW (opted in) */
	"{\"id\": \"e4\", \"model\": \"m-1\", \"ts\": \"2026-08-04T10:00:00Z\", "
	"\"value\": \"100\", \"currency\": \"JPY\", \"attribution\": "
	"[{\"work\": \"W-3\", \"weight\": \"1\"}], \"voice\": \"P-NW\"}",
	/* the voice of an unknown party */
	"{\"id\": \"e5\", \"model\": \"m-1\", \"ts\": \"2026-09-30T23:59:59Z\", "
	"\"value\": \"0\", \"currency\": \"EUR\", \"attribution\": [], "
	"\"voice\": \"P-NOBODY\"}",
};

struct fx {
	struct ll_registry reg;
	struct ll_manifest mf;
	struct ll_log_input log;
	struct ll_run r;
	struct ll_accounts acc;	/* a first posting's, nothing open before */
};

/* A run of P-AI over 2026-Q3 on the given registry, one manifest and the
 * events (in the given order, or as listed). */
/* The accounts of the run as a first posting with nothing open: each
 * payee paid what it earned. */
static void fx_accounts(struct fx *f)
{
	struct ll_party_amount *e = calloc(f->r.st.n_parties + 1, sizeof(*e));
	struct ll_error err;
	size_t i;

	assert_non_null(e);
	for (i = 0; i < f->r.st.n_parties; i++) {
		const struct ll_party_total *pt = &f->r.st.parties[i];

		snprintf(e[i].party, sizeof(e[i].party), "%s",
			 f->reg.parties.v[pt->party].id);
		snprintf(e[i].currency, sizeof(e[i].currency), "%s",
			 f->reg.licences.v[pt->licence].currency);
		e[i].minor = pt->minor;
	}
	assert_int_equal(ll_accounts_settle(&f->acc, &f->reg, f->r.id, 1, NULL,
					    0, e, f->r.st.n_parties, NULL, 0,
					    &err),
			 LL_OK);
	free(e);
}

static void fx_open_with(struct fx *f, const char *registry,
			 const char *manifest, const char *const *events,
			 size_t n_events, const size_t *order)
{
	struct ll_errlist errs;
	struct ll_error err;
	struct ll_event_parser *p = ll_event_parser_new();
	size_t i;

	memset(f, 0, sizeof(*f));
	assert_non_null(p);
	ll_registry_init(&f->reg);
	ll_errlist_init(&errs, 0);
	if (ll_registry_parse(&f->reg, "reg.json", registry, strlen(registry),
			      &errs) != LL_OK ||
	    ll_registry_link(&f->reg, &errs) != LL_OK ||
	    ll_manifest_parse(&f->mf, "manifests/m-1.json", manifest,
			      strlen(manifest), &errs) != LL_OK) {
		dump_errs(&errs);
		fail_msg("inputs do not parse");
	}
	f->log.name = "logs/gen.ndjson";
	f->log.fd = -1;
	snprintf(f->log.sha256, sizeof(f->log.sha256), "%064d", 7);
	f->log.bytes = 1234;
	f->log.lines = n_events;
	ll_error_clear(&err);
	assert_int_equal(ll_run_prepare(&f->r, &f->reg, "P-AI", "2026-Q3",
					&f->mf, 1, &f->log, 1, &err),
			 LL_OK);
	assert_int_equal(ll_run_training(&f->r), LL_OK);
	for (i = 0; i < n_events; i++) {
		size_t k = order ? order[i] : i;
		struct ll_event ev;

		if (ll_event_parse(p, events[k], strlen(events[k]), &ev, &err) !=
		    LL_OK)
			fail_msg("event %zu: %s: %s", k, err.field, err.text);
		assert_int_equal(ll_tally_event(&f->r.tally, &ev, 0, (long)k + 1),
				 LL_OK);
	}
	ll_tally_finish(&f->r.tally);
	ll_event_parser_free(p);
	if (ll_errlist_count(&f->r.errs) || f->r.tally.errors_total) {
		dump_errs(&f->r.errs);
		for (i = 0; i < f->r.tally.n_errors; i++)
			print_message("    %s\n", f->r.tally.errors[i].e.text);
		fail_msg("the run rejected its inputs");
	}
	assert_int_equal(ll_run_settle(&f->r, &err), LL_OK);
	ll_errlist_release(&errs);
	fx_accounts(f);
}

static void fx_open(struct fx *f, const size_t *order)
{
	fx_open_with(f, REGISTRY, MANIFEST, EVENTS, N_ELEMS(EVENTS), order);
}

static void fx_close(struct fx *f)
{
	ll_accounts_release(&f->acc);
	ll_run_release(&f->r);
	ll_manifest_release(&f->mf);
	ll_registry_release(&f->reg);
}

/* ---- end-to-end id ----------------------------------------------------------- */

static void test_end_to_end_id(void **state)
{
	static const char *const runs[] = {
		"run-0123456789abcdef0123456789abcdef",
		"run-fedcba9876543210fedcba9876543210",
	};
	static const char *const payees[] = { "P-NW", "P-Q", "P-NW2", "p-nw" };
	static const char *const curs[] = { "EUR", "JPY", "USD" };
	char ids[2][4][3][LL_END_TO_END_ID_SIZE];
	size_t a, b, c, a2, b2, c2;

	(void)state;
	for (a = 0; a < N_ELEMS(runs); a++) {
		for (b = 0; b < N_ELEMS(payees); b++) {
			for (c = 0; c < N_ELEMS(curs); c++) {
				char *id = ids[a][b][c], again[LL_END_TO_END_ID_SIZE], hex[65];
				char in[256];
				int n;

				memset(id, 'x', LL_END_TO_END_ID_SIZE);
				ll_end_to_end_id(runs[a], 2, payees[b], curs[c], id);
				assert_int_equal(strlen(id), 34);
				assert_int_equal(id[0], 'L');
				assert_int_equal(id[1], 'L');
				assert_int_equal(strspn(id + 2, "0123456789abcdef"),
						 32);
				/* deterministic */
				ll_end_to_end_id(runs[a], 2, payees[b], curs[c],
						 again);
				assert_string_equal(id, again);
				/* as documented: a digest of run id, posting,
				 * payee id and currency (this derivation is what
				 * keeps payment references stable across
				 * releases) */
				n = snprintf(in, sizeof(in),
					     "ledgerline-e2e-v2\n%s\n2\n%s\n%s",
					     runs[a], payees[b], curs[c]);
				sha256_hex(in, (size_t)n, hex);
				assert_memory_equal(id + 2, hex, 32);
			}
		}
	}
	/* all 24 differ */
	for (a = 0; a < 2; a++)
		for (b = 0; b < 4; b++)
			for (c = 0; c < 3; c++)
				for (a2 = 0; a2 < 2; a2++)
					for (b2 = 0; b2 < 4; b2++)
						for (c2 = 0; c2 < 3; c2++) {
							if (a == a2 && b == b2 &&
							    c == c2)
								continue;
							assert_string_not_equal(
								ids[a][b][c],
								ids[a2][b2][c2]);
						}
}

/* ---- payouts.csv --------------------------------------------------------------- */

static const char CSV_HEADER[] = "payee_id,payee_name,currency,amount,iban,"
				 "bic,end_to_end_id,statement_sha256";

static void test_payouts_csv(void **state)
{
	struct fx f;
	struct csv c;
	char *csv, *csv2;
	size_t i;
	const char **digests;

	(void)state;
	fx_open(&f, NULL);
	csv = ll_runfile_payouts_csv(&f.reg, &f.acc, NULL);
	assert_non_null(csv);
	/* the name with a comma and the names with quotes are quoted, the
	 * quotes doubled; the line break stays inside its quoted field */
	assert_non_null(strstr(csv, ",\"Northwind Records, Ltd.\","));
	assert_non_null(strstr(csv, ",\"Line\nBreak Music\","));
	assert_non_null(strstr(csv, ",\"The \"\"Quoted\"\" Band\","));
	assert_null(strstr(csv, "Yoko")); /* paid through P-NW */

	csv_parse(&c, csv);
	assert_true(c.nrow >= 2);
	{
		char *hdr = malloc(strlen(CSV_HEADER) + 1);
		size_t off = 0;
		int k;

		assert_non_null(hdr);
		for (k = 0; k < c.ncol[0]; k++) {
			size_t n = strlen(c.cell[0][k]);

			memcpy(hdr + off, c.cell[0][k], n);
			off += n;
			if (k + 1 < c.ncol[0])
				hdr[off++] = ',';
			assert_true(off <= strlen(CSV_HEADER));
		}
		hdr[off] = '\0';
		assert_string_equal(hdr, CSV_HEADER);
		free(hdr);
	}
	/* a first posting with nothing open pays each payee what it earned */
	assert_int_equal(c.nrow - 1, (int)f.r.st.n_payouts);
	assert_int_equal(f.acc.n_pay, f.r.st.n_payouts);
	for (i = 0; i < f.r.st.n_payouts; i++) {
		const struct ll_payout *po = &f.r.st.payouts[i];
		const struct ll_party *p = &f.reg.parties.v[po->payee];
		char *const *row = c.cell[i + 1];
		char e2e[LL_END_TO_END_ID_SIZE], *amount;

		assert_int_equal(c.ncol[i + 1], 8);
		assert_string_equal(row[0], p->id);
		assert_string_equal(row[1], p->name);
		assert_string_equal(row[2], po->currency);
		amount = ll_exact_minor_str_i64(po->minor, po->exponent);
		assert_string_equal(row[3], amount);
		assert_true(is_money(row[3], po->exponent));
		free(amount);
		assert_string_equal(row[4], p->has_payout ? p->iban : "");
		assert_string_equal(row[5], p->has_payout ? p->bic : "");
		ll_end_to_end_id(f.r.id, 1, p->id, po->currency, e2e);
		assert_string_equal(row[6], e2e);
		assert_string_equal(row[7], "");
	}
	/* the expected rows, in payee, currency order */
	assert_int_equal(f.r.st.n_payouts, 4);
	assert_string_equal(c.cell[1][0], "P-J");
	assert_string_equal(c.cell[1][1], "J\xc3\xb6rg K\xc3\xbchn");
	assert_string_equal(c.cell[1][2], "JPY");
	assert_string_equal(c.cell[1][3], "12445"); /* 12345 + 100 */
	assert_string_equal(c.cell[1][4], "FR1420041010050500013M02606");
	assert_string_equal(c.cell[1][5], "");
	assert_string_equal(c.cell[2][0], "P-NL");
	assert_string_equal(c.cell[2][1], "Line\nBreak Music");
	assert_string_equal(c.cell[2][4], "GB82WEST12345698765432");
	assert_string_equal(c.cell[3][0], "P-NW");
	assert_string_equal(c.cell[3][1], "Northwind Records, Ltd.");
	assert_string_equal(c.cell[3][4], "DE89370400440532013000");
	assert_string_equal(c.cell[3][5], "COBADEFFXXX");
	assert_string_equal(c.cell[4][0], "P-Q");
	assert_string_equal(c.cell[4][1], "The \"Quoted\" Band");
	assert_string_equal(c.cell[4][4], ""); /* no IBAN: stays, empty */
	assert_string_equal(c.cell[4][5], "");
	/* Σ EUR rows = Σ EUR licence totals */
	{
		int64_t eur = 0;

		for (i = 0; i < f.r.st.n_lic; i++) {
			const struct ll_licence *l =
				&f.reg.licences.v[f.r.st.lic[i].licence];

			if (strcmp(l->currency, "EUR") == 0)
				eur += f.r.st.lic[i].minor;
		}
		for (i = 0; i < f.r.st.n_payouts; i++) {
			if (strcmp(f.r.st.payouts[i].currency, "EUR") == 0)
				eur -= f.r.st.payouts[i].minor;
		}
		assert_true(eur == 0);
	}
	csv_free(&c);

	/* with statement digests */
	digests = calloc(f.r.st.n_payouts, sizeof(*digests));
	assert_non_null(digests);
	digests[0] = "aa00000000000000000000000000000000000000000000000000000000000000";
	digests[2] = "bb00000000000000000000000000000000000000000000000000000000000000";
	csv2 = ll_runfile_payouts_csv(&f.reg, &f.acc, digests);
	assert_non_null(csv2);
	csv_parse(&c, csv2);
	assert_string_equal(c.cell[1][7], digests[0]);
	assert_string_equal(c.cell[2][7], "");
	assert_string_equal(c.cell[3][7], digests[2]);
	csv_free(&c);
	free(digests);
	free(csv2);
	free(csv);
	fx_close(&f);
}

/* A run with no payouts: the header alone. */
static void test_payouts_csv_empty(void **state)
{
	struct ll_accounts acc;
	char *csv;

	(void)state;
	memset(&acc, 0, sizeof(acc));
	csv = ll_runfile_payouts_csv(NULL, &acc, NULL);
	assert_non_null(csv);
	assert_true(strncmp(csv, CSV_HEADER, strlen(CSV_HEADER)) == 0);
	assert_true(strcmp(csv + strlen(CSV_HEADER), "\n") == 0 ||
		    strcmp(csv + strlen(CSV_HEADER), "\r\n") == 0);
	free(csv);
}

/* ---- compliance.json ------------------------------------------------------------ */

static const json_t *find_by(const json_t *arr, const char *k1, const char *v1,
			     const char *k2, const char *v2)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o) {
		const char *a = json_string_value(json_object_get(o, k1));
		const char *b = k2 ? json_string_value(json_object_get(o, k2))
				   : NULL;

		if (a && strcmp(a, v1) == 0 && (!k2 || (b && strcmp(b, v2) == 0)))
			return o;
	}
	return NULL;
}

static void test_compliance_json(void **state)
{
	struct fx f;
	char *text;
	json_t *root, *x, *arr;
	json_error_t je;
	size_t i;

	(void)state;
	fx_open(&f, NULL);
	text = ll_runfile_compliance(&f.r);
	assert_non_null(text);
	assert_true(text[strlen(text) - 1] == '\n');
	root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		fail_msg("compliance.json does not parse: %s", je.text);
	walk_money(root, "");

	assert_string_equal(jstr(root, "run_id"), f.r.id);
	assert_string_equal(jstr(root, "licensee"), "P-AI");
	x = json_object_get(root, "period");
	assert_string_equal(jstr(x, "label"), "2026-Q3");
	assert_string_equal(jstr(x, "first"), "2026-07-01");
	assert_string_equal(jstr(x, "last"), "2026-09-30");

	/* excluded items: one of each reason */
	arr = json_object_get(root, "excluded_items");
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 5);
	{
		static const struct {
			json_int_t item;
			const char *key, *ref, *reason;
		} want[] = {
			{ 1, "isrc", "GBAYE6900001", "hash_mismatch" },
			{ 4, "work", "W-404", "unknown_work" },
			{ 5, "work", "W-4", "no_licence" },
			{ 6, "work", "W-5", "no_consent" },
			{ 7, "work", "W-6", "opted_out" },
		};

		for (i = 0; i < N_ELEMS(want); i++) {
			const json_t *o = json_array_get(arr, i);

			assert_int_equal(jint(o, "item"), want[i].item);
			assert_string_equal(jstr(o, want[i].key), want[i].ref);
			assert_string_equal(jstr(o, "reason"), want[i].reason);
			assert_string_equal(jstr(o, "manifest"),
					    "manifests/m-1.json");
			assert_string_equal(jstr(o, "model"), "m-1");
			assert_string_equal(jstr(o, "training_run"), "tr-1");
		}
	}

	/* ineligible attribution: W-5 no consent, W-1 other currency, the
	 * unknown ISRC */
	arr = json_object_get(root, "ineligible_attribution");
	assert_true(json_is_array(arr));
	x = (json_t *)find_by(arr, "work", "W-5", "reason", "no_consent");
	assert_non_null(x);
	assert_string_equal(jstr(x, "weight"), "1/2");
	assert_string_equal(jstr(x, "value_weight"), "1/2");
	assert_int_equal(jint(x, "events"), 1);
	x = (json_t *)find_by(arr, "work", "W-1", "reason", "currency_mismatch");
	assert_non_null(x);
	assert_string_equal(jstr(x, "weight"), "1");
	assert_string_equal(jstr(x, "value_weight"), "3");
	x = (json_t *)find_by(arr, "isrc", "USXXX2600001", "reason",
			      "unknown_work");
	assert_non_null(x);
	assert_string_equal(jstr(x, "weight"), "1/4");
	assert_string_equal(jstr(x, "value_weight"), "1/4");
	assert_int_equal(json_array_size(arr), 3);

	/* unattributed: e1 0.25 of 2.00, e2 0.25 of 1, e5 all of 0 */
	x = json_object_get(root, "unattributed");
	assert_string_equal(jstr(x, "weight"), "3/2");
	assert_string_equal(jstr(x, "value_weight"), "3/4");
	assert_int_equal(jint(x, "events"), 3);

	/* voice: e1 (P-Q, no voice opt-in) and e5 (unknown party) */
	x = json_object_get(root, "voice_without_consent");
	assert_int_equal(jint(x, "events"), 2);
	assert_int_equal(jint(x, "unknown_party_events"), 1);
	assert_true(json_is_boolean(json_object_get(x, "truncated")));
	assert_false(json_is_true(json_object_get(x, "truncated")));
	arr = json_object_get(x, "by_party");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(jstr(json_array_get(arr, 0), "party"), "P-Q");
	assert_int_equal(jint(json_array_get(arr, 0), "events"), 1);
	arr = json_object_get(x, "listed");
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(jstr(json_array_get(arr, 0), "id"), "e1");
	assert_string_equal(jstr(json_array_get(arr, 0), "voice"), "P-Q");
	assert_string_equal(jstr(json_array_get(arr, 0), "ts"),
			    "2026-07-02T10:00:00Z");
	assert_string_equal(jstr(json_array_get(arr, 0), "log"),
			    "logs/gen.ndjson");
	assert_int_equal(jint(json_array_get(arr, 0), "line"), 1);
	assert_string_equal(jstr(json_array_get(arr, 1), "id"), "e5");
	assert_string_equal(jstr(json_array_get(arr, 1), "voice"), "P-NOBODY");

	/* W-2: trained under consent, withdrawn 2026-07-01, earned usage after */
	arr = json_object_get(root, "training_consent_withdrawn");
	assert_int_equal(json_array_size(arr), 1);
	x = json_array_get(arr, 0);
	assert_string_equal(jstr(x, "work"), "W-2");
	assert_string_equal(jstr(x, "model"), "m-1");
	assert_string_equal(jstr(x, "training_run"), "tr-1");
	assert_string_equal(jstr(x, "trained_at"), "2026-03-14T00:00:00Z");
	assert_string_equal(jstr(x, "withdrawn_at"), "2026-07-01T00:00:00Z");
	assert_string_equal(jstr(x, "reason"), "opted_out");

	json_decref(root);
	free(text);
	fx_close(&f);
}

/*
 * SPEC §3: a work is listed as "training consent withdrawn after
 * trained_at but still earned usage" only when it was trained, i.e. had
 * an item that was not excluded.  W-H's only item has the wrong content
 * hash (excluded as hash_mismatch), W-N's is under no licence: neither was
 * trained, though both earn usage after the opt-out.  W-K, trained under
 * consent, is the one listed.
 */
static const char WD_REGISTRY[] =
	"{\"parties\": [\n"
	" {\"id\": \"P-AI\", \"name\": \"Synth Co\", \"kind\": \"licensee\"},\n"
	" {\"id\": \"P-L\", \"name\": \"Label\", \"kind\": \"label\"}],\n"
	"\"works\": [\n"
	" {\"id\": \"W-H\", \"duration_ms\": 1000, \"content_sha256\": "
	"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\n"
	"  \"splits\": {\"master\": [{\"party\": \"P-L\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-K\", \"duration_ms\": 1000, \"content_sha256\": "
	"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\n"
	"  \"splits\": {\"master\": [{\"party\": \"P-L\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-N\", \"duration_ms\": 1000,\n"
	"  \"splits\": {\"master\": [{\"party\": \"P-L\", \"share\": \"1\"}]}}],\n"
	"\"consents\": [\n"
	" {\"id\": \"C-1\", \"party\": \"P-L\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-2\", \"party\": \"P-L\", \"all_works\": true, \"use\": "
	"\"generation\", \"decision\": \"opt_in\", \"effective\": "
	"\"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-3\", \"party\": \"P-L\", \"all_works\": true, \"use\": "
	"\"training\", \"decision\": \"opt_out\", \"effective\": "
	"\"2026-07-01T00:00:00Z\"}],\n"
	"\"licences\": [\n"
	" {\"id\": \"L-1\", \"licensee\": \"P-AI\", \"licensor\": \"P-L\",\n"
	"  \"scope\": {\"works\": [\"W-H\", \"W-K\"]},\n"
	"  \"uses\": [\"training\", \"generation\"], \"start\": \"2026-01-01\", "
	"\"end\": \"2026-12-31\",\n"
	"  \"currency\": \"EUR\", \"terms\": {\"training_fee\": \"10\", "
	"\"usage_rate\": \"1\"}},\n"
	" {\"id\": \"L-2\", \"licensee\": \"P-AI\", \"licensor\": \"P-L\",\n"
	"  \"scope\": {\"works\": [\"W-N\"]}, \"uses\": [\"generation\"],\n"
	"  \"start\": \"2026-01-01\", \"end\": \"2026-12-31\", \"currency\": "
	"\"EUR\", \"terms\": {\"usage_rate\": \"1\"}}]}\n";

static const char WD_MANIFEST[] =
	"{\"model\": \"m-1\", \"training_run\": \"tr-1\", \"trained_at\": "
	"\"2026-03-14T00:00:00Z\", \"licensee\": \"P-AI\", \"items\": [\n"
	" {\"work\": \"W-H\", \"content_sha256\": "
	"\"0000000000000000000000000000000000000000000000000000000000000000\"},\n"
	" {\"work\": \"W-K\", \"content_sha256\": "
	"\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"},\n"
	" {\"work\": \"W-N\"}]}\n";

static const char *const WD_EVENTS[] = {
	"{\"id\": \"e1\", \"model\": \"m-1\", \"ts\": \"2026-08-01T10:00:00Z\", "
	"\"value\": \"3\", \"currency\": \"EUR\", \"attribution\": "
	"[{\"work\": \"W-H\", \"weight\": \"1/3\"}, {\"work\": \"W-K\", "
	"\"weight\": \"1/3\"}, {\"work\": \"W-N\", \"weight\": \"1/3\"}]}",
};

static void test_withdrawn_only_for_trained_works(void **state)
{
	struct fx f;
	char *text;
	json_t *root, *arr;
	json_error_t je;
	size_t i;

	(void)state;
	fx_open_with(&f, WD_REGISTRY, WD_MANIFEST, WD_EVENTS,
		     N_ELEMS(WD_EVENTS), NULL);
	/* the premise: W-H excluded for its hash, W-N for want of a
	 * training licence; all three earned usage after the opt-out */
	assert_int_equal(f.r.n_excluded, 2);
	assert_int_equal(f.r.excluded[0].item, 0);
	assert_int_equal(f.r.excluded[0].reason, LL_REASON_HASH_MISMATCH);
	assert_int_equal(f.r.excluded[1].item, 2);
	assert_int_equal(f.r.excluded[1].reason, LL_REASON_NO_LICENCE);
	text = ll_runfile_compliance(&f.r);
	assert_non_null(text);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		fail_msg("compliance.json does not parse: %s", je.text);
	arr = json_object_get(root, "training_consent_withdrawn");
	assert_true(json_is_array(arr));
	for (i = 0; i < json_array_size(arr); i++)
		print_message("    listed: %s\n",
			      jstr(json_array_get(arr, i), "work"));
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(jstr(json_array_get(arr, 0), "work"), "W-K");
	assert_string_equal(jstr(json_array_get(arr, 0), "withdrawn_at"),
			    "2026-07-01T00:00:00Z");
	json_decref(root);
	free(text);
	fx_close(&f);
}

/* ---- run.json -------------------------------------------------------------------- */

static void test_run_json(void **state)
{
	struct fx f;
	char *text, *csv;
	json_t *root, *x, *arr, *o;
	json_error_t je;
	size_t i, j;
	char hex[65];

	(void)state;
	fx_open(&f, NULL);
	text = ll_runfile_run_json(&f.r, NULL, &f.acc, NULL, NULL, 0);
	assert_non_null(text);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		fail_msg("run.json does not parse: %s", je.text);
	walk_money(root, "");
	assert_null(json_object_get(root, "restatement"));

	assert_string_equal(jstr(root, "run_id"), f.r.id);
	assert_int_equal(strlen(f.r.id), LL_RUN_ID_LEN);
	assert_true(strncmp(f.r.id, "run-", 4) == 0);
	assert_string_equal(jstr(root, "licensee"), "P-AI");
	assert_string_equal(jstr(json_object_get(root, "period"), "label"),
			    "2026-Q3");
	assert_non_null(strstr(jstr(root, "rounding"), "half-even"));
	assert_non_null(strstr(jstr(root, "rounding"), "largest remainder"));

	x = json_object_get(root, "inputs");
	o = json_object_get(x, "registry");
	assert_string_equal(jstr(o, "sha256"), f.r.registry_sha256);
	o = json_object_get(o, "records");
	assert_int_equal(jint(o, "parties"), 8);
	assert_int_equal(jint(o, "works"), 6);
	assert_int_equal(jint(o, "consents"), 13);
	assert_int_equal(jint(o, "licences"), 2);
	arr = json_object_get(x, "manifests");
	assert_int_equal(json_array_size(arr), 1);
	o = json_array_get(arr, 0);
	assert_string_equal(jstr(o, "source"), "manifests/m-1.json");
	sha256_hex(MANIFEST, strlen(MANIFEST), hex);
	assert_string_equal(jstr(o, "sha256"), hex);
	assert_int_equal(jint(o, "bytes"), (json_int_t)strlen(MANIFEST));
	assert_null(json_object_get(o, "lines"));
	arr = json_object_get(x, "logs");
	o = json_array_get(arr, 0);
	assert_string_equal(jstr(o, "source"), "logs/gen.ndjson");
	assert_string_equal(jstr(o, "sha256"), f.log.sha256);
	assert_int_equal(jint(o, "bytes"), 1234);
	assert_int_equal(jint(o, "lines"), (json_int_t)N_ELEMS(EVENTS));

	x = json_object_get(root, "counts");
	assert_int_equal(jint(x, "events"), 5);
	assert_int_equal(jint(x, "attributions"), 6);
	assert_int_equal(jint(x, "manifest_items"), 8);
	assert_int_equal(jint(x, "excluded_items"), 5);
	assert_int_equal(jint(x, "lines"), (json_int_t)f.r.st.n_lines);

	/* licences, in id order, with exact fractions and decimal amounts */
	arr = json_object_get(root, "licences");
	assert_int_equal(json_array_size(arr), f.r.st.n_lic);
	for (i = 0; i < f.r.st.n_lic; i++) {
		const struct ll_licence_total *lt = &f.r.st.lic[i];
		const struct ll_licence *l = &f.reg.licences.v[lt->licence];
		char *want;
		json_t *parties, *ex;
		size_t np = 0;

		o = json_array_get(arr, i);
		assert_string_equal(jstr(o, "licence"), l->id);
		assert_string_equal(jstr(o, "licensor"), l->licensor);
		assert_string_equal(jstr(o, "currency"), l->currency);
		want = ll_exact_minor_str_i64(lt->minor, l->exponent);
		assert_string_equal(jstr(o, "amount"), want);
		assert_true(is_money(want, l->exponent));
		free(want);
		ex = json_object_get(o, "exact");
		assert_true(json_is_object(ex));
		for (j = 0; j < LL_COMP_COUNT; j++) {
			const char *s = jstr(ex, ll_component_name(
							 (enum ll_component)j));

			assert_true(is_fraction(s));
			want = ll_exact_fraction_str(lt->component[j]);
			assert_string_equal(s, want);
			free(want);
		}
		want = ll_exact_fraction_str(lt->exact);
		assert_string_equal(jstr(ex, "total"), want);
		free(want);
		assert_int_equal(jint(o, "training_works"),
				 (json_int_t)lt->n_training_works);
		assert_int_equal(jint(o, "usage_works"),
				 (json_int_t)lt->n_usage_works);
		parties = json_object_get(o, "parties");
		for (j = 0; j < f.r.st.n_parties; j++) {
			const struct ll_party_total *pt = &f.r.st.parties[j];
			json_t *p;

			if (pt->licence != lt->licence)
				continue;
			p = json_array_get(parties, np++);
			assert_non_null(p);
			assert_string_equal(jstr(p, "party"),
					    f.reg.parties.v[pt->party].id);
			assert_true(is_fraction(jstr(p, "exact")));
			want = ll_exact_minor_str_i64(pt->minor, l->exponent);
			assert_string_equal(jstr(p, "amount"), want);
			free(want);
		}
		assert_int_equal(json_array_size(parties), np);
	}
	/* the figures themselves: L-EUR = 1000.01 + usage 0.5 · (2 · 0.5 +
	 * 2 · 0.25) + 0.01 · 0.75 = 1000.01 + 0.75 + 0.0075 → 1000.77 (half
	 * even of 100076.75 is 100077) */
	o = json_array_get(arr, 0);
	assert_string_equal(jstr(o, "licence"), "L-EUR");
	assert_string_equal(jstr(json_object_get(o, "exact"), "total"),
			    "400307/400");
	assert_string_equal(jstr(o, "amount"), "1000.77");
	o = json_array_get(arr, 1);
	assert_string_equal(jstr(o, "licence"), "L-JPY");
	assert_string_equal(jstr(o, "amount"), "12445");

	/* payouts agree with payouts.csv */
	csv = ll_runfile_payouts_csv(&f.reg, &f.acc, NULL);
	arr = json_object_get(root, "payouts");
	assert_int_equal(json_array_size(arr), f.r.st.n_payouts);
	for (i = 0; i < f.r.st.n_payouts; i++) {
		const struct ll_payout *po = &f.r.st.payouts[i];
		char *want;

		o = json_array_get(arr, i);
		assert_string_equal(jstr(o, "payee"),
				    f.reg.parties.v[po->payee].id);
		assert_string_equal(jstr(o, "currency"), po->currency);
		want = ll_exact_minor_str_i64(po->minor, po->exponent);
		assert_string_equal(jstr(o, "amount"), want);
		free(want);
		/* earnings name no payment */
		assert_null(json_object_get(o, "end_to_end_id"));
		assert_int_equal(jint(o, "parties"), (json_int_t)po->n_parties);
	}
	/* the posting and its payments, which payouts.csv lists */
	assert_int_equal(jint(root, "posting"), 1);
	arr = json_object_get(root, "payments");
	assert_int_equal(json_array_size(arr), f.acc.n_pay);
	for (i = 0; i < f.acc.n_pay; i++) {
		const struct ll_payment *pm = &f.acc.pay[i];

		o = json_array_get(arr, i);
		assert_string_equal(jstr(o, "payee"),
				    f.reg.parties.v[pm->payee].id);
		assert_string_equal(jstr(o, "end_to_end_id"), pm->end_to_end_id);
		assert_non_null(strstr(csv, pm->end_to_end_id));
	}
	arr = json_object_get(root, "payouts");
	/* P-NW is payee for itself and P-Y */
	o = (json_t *)find_by(arr, "payee", "P-NW", "currency", "EUR");
	assert_non_null(o);
	assert_int_equal(jint(o, "parties"), 2);
	free(csv);
	json_decref(root);
	free(text);
	fx_close(&f);
}

/* A restatement: previous amounts, current ones, adjustments. */
static void test_run_json_restatement(void **state)
{
	struct fx f;
	struct ll_party_amount prev[3];
	struct ll_restatement rs;
	char *text;
	json_t *root, *adj, *o;
	json_error_t je;
	size_t i;

	(void)state;
	fx_open(&f, NULL);
	/* sorted by party, currency: P-A (gone now), P-J JPY, P-NW EUR */
	memset(prev, 0, sizeof(prev));
	snprintf(prev[0].party, sizeof(prev[0].party), "P-A");
	memcpy(prev[0].currency, "EUR", 4);
	prev[0].minor = 505;
	snprintf(prev[1].party, sizeof(prev[1].party), "P-J");
	memcpy(prev[1].currency, "JPY", 4);
	prev[1].minor = 20000;
	snprintf(prev[2].party, sizeof(prev[2].party), "P-NW");
	memcpy(prev[2].currency, "EUR", 4);
	prev[2].minor = 1;
	rs.supersedes = "run-00000000000000000000000000000000";
	rs.prev = prev;
	rs.n_prev = 3;
	text = ll_runfile_run_json(&f.r, &rs, &f.acc, NULL, NULL, 0);
	assert_non_null(text);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		fail_msg("run.json does not parse: %s", je.text);
	walk_money(root, "");
	o = json_object_get(root, "restatement");
	assert_string_equal(jstr(o, "supersedes"),
			    "run-00000000000000000000000000000000");
	adj = json_object_get(o, "adjustments");
	assert_true(json_is_array(adj));

	/* P-A had 5.05 EUR and has nothing now */
	o = (json_t *)find_by(adj, "party", "P-A", "currency", "EUR");
	assert_non_null(o);
	assert_string_equal(jstr(o, "previous"), "5.05");
	assert_string_equal(jstr(o, "current"), "0.00");
	assert_string_equal(jstr(o, "adjustment"), "-5.05");
	/* P-J: 20000 yen then, 12445 now */
	o = (json_t *)find_by(adj, "party", "P-J", "currency", "JPY");
	assert_non_null(o);
	assert_string_equal(jstr(o, "previous"), "20000");
	assert_string_equal(jstr(o, "current"), "12445");
	assert_string_equal(jstr(o, "adjustment"), "-7555");
	/* P-Q is new */
	o = (json_t *)find_by(adj, "party", "P-Q", "currency", "EUR");
	assert_non_null(o);
	assert_string_equal(jstr(o, "previous"), "0.00");
	/* every party (not payee) of the run, plus P-A: sorted, each once */
	{
		size_t n_cur = 0;

		for (i = 0; i < f.r.st.n_parties; i++) {
			size_t j;
			bool dup = false;

			for (j = 0; j < i; j++) {
				dup |= f.r.st.parties[j].party ==
					       f.r.st.parties[i].party &&
				       strcmp(f.reg.licences.v[f.r.st.parties[j]
								       .licence]
						      .currency,
					      f.reg.licences.v[f.r.st.parties[i]
								       .licence]
						      .currency) == 0;
			}
			n_cur += !dup;
		}
		assert_int_equal(json_array_size(adj), n_cur + 1);
	}
	for (i = 1; i < json_array_size(adj); i++) {
		const json_t *a = json_array_get(adj, i - 1),
			     *b = json_array_get(adj, i);
		int c = strcmp(jstr(a, "party"), jstr(b, "party"));

		assert_true(c < 0 ||
			    (c == 0 && strcmp(jstr(a, "currency"),
					      jstr(b, "currency")) < 0));
	}
	/* previous + adjustment = current, as integers of minor units */
	for (i = 0; i < json_array_size(adj); i++) {
		const json_t *a = json_array_get(adj, i);
		const char *cur = jstr(a, "currency");
		int e = strcmp(cur, "JPY") == 0 ? 0 : 2;

		assert_true(is_money(jstr(a, "previous"), e));
		assert_true(is_money(jstr(a, "current"), e));
		assert_true(is_money(jstr(a, "adjustment"), e));
	}
	json_decref(root);
	free(text);
	fx_close(&f);
}

/* Identical inputs, events in another order: identical bytes. */
static void test_deterministic(void **state)
{
	static const size_t order[] = { 4, 2, 0, 3, 1 };
	struct fx a, b;
	char *x[3], *y[3];
	int k;

	(void)state;
	fx_open(&a, NULL);
	fx_open(&b, order);
	assert_string_equal(a.r.id, b.r.id);
	x[0] = ll_runfile_payouts_csv(&a.reg, &a.acc, NULL);
	x[1] = ll_runfile_compliance(&a.r);
	x[2] = ll_runfile_run_json(&a.r, NULL, &a.acc, NULL, NULL, 0);
	y[0] = ll_runfile_payouts_csv(&b.reg, &b.acc, NULL);
	y[1] = ll_runfile_compliance(&b.r);
	y[2] = ll_runfile_run_json(&b.r, NULL, &b.acc, NULL, NULL, 0);
	for (k = 0; k < 3; k++) {
		char *again = k == 0 ? ll_runfile_payouts_csv(&a.reg, &a.acc, NULL)
			      : k == 1 ? ll_runfile_compliance(&a.r)
				       : ll_runfile_run_json(&a.r, NULL, &a.acc, NULL, NULL, 0);

		assert_non_null(x[k]);
		assert_non_null(y[k]);
		assert_string_equal(x[k], y[k]);
		assert_string_equal(x[k], again);
		free(again);
		free(x[k]);
		free(y[k]);
	}
	fx_close(&a);
	fx_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_to_end_id),
		cmocka_unit_test(test_payouts_csv),
		cmocka_unit_test(test_payouts_csv_empty),
		cmocka_unit_test(test_compliance_json),
		cmocka_unit_test(test_withdrawn_only_for_trained_works),
		cmocka_unit_test(test_run_json),
		cmocka_unit_test(test_run_json_restatement),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests_name("runfiles", tests, NULL, NULL);
}
