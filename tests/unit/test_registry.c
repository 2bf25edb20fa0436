/*
 * test_registry.c — unit tests for registry.c (SPEC §2.1): every record kind
 * parsed with all of its fields, normalisation into the struct and into the
 * record's JSON, the SHA-256 identity, merging within a batch and over
 * stored records, every per-record and cross-record (link) error with its
 * field path, line and reason, split sums, order independence, and a few
 * hundred seeded random works checked against what was generated.
 *
 * Design decision: expected line numbers are never typed in; they are found
 * by searching the test document for a marker (line_of), so the documents
 * can be edited freely.  No database is involved: the registry is pure.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/hash.h"
#include "ledgerline/jsonx.h"
#include "ledgerline/registry.h"
#include "ledgerline/status.h"

#include "fixture.h"

/* ---- helpers -------------------------------------------------------------- */

/* Assert q == want ("3/4", "120000", ...). */
static void assert_q(const mpq_t q, const char *want)
{
	mpq_t w;

	mpq_init(w);
	assert_int_equal(mpq_set_str(w, want, 10), 0);
	mpq_canonicalize(w);
	if (!mpq_equal(q, w)) {
		char *got = mpq_get_str(NULL, 10, q);

		print_error("exact value %s, expected %s\n", got, want);
		free(got);
		mpq_clear(w);
		fail();
	}
	mpq_clear(w);
}

#define PARSE_OK(reg, source, text) parse_ok_(reg, source, text, __LINE__)
static void parse_ok_(struct ll_registry *reg, const char *source,
		      const char *text, int at)
{
	struct ll_errlist errs;
	enum ll_status rc;
	size_t n;

	ll_errlist_init(&errs, 0);
	rc = ll_registry_parse(reg, source, text, strlen(text), &errs);
	n = ll_errlist_count(&errs);
	if (rc != LL_OK || n != 0) {
		dump_errs(&errs);
		ll_errlist_release(&errs);
		fail_msg("line %d: parse of %s: status %d, %zu errors", at,
			 source, (int)rc, n);
	}
	ll_errlist_release(&errs);
}

#define LINK_OK(reg) link_ok_(reg, __LINE__)
static void link_ok_(struct ll_registry *reg, int at)
{
	struct ll_errlist errs;
	enum ll_status rc;
	size_t n;

	ll_errlist_init(&errs, 0);
	rc = ll_registry_link(reg, &errs);
	n = ll_errlist_count(&errs);
	if (rc != LL_OK || n != 0) {
		dump_errs(&errs);
		ll_errlist_release(&errs);
		fail_msg("line %d: link: status %d, %zu errors", at, (int)rc,
			 n);
	}
	ll_errlist_release(&errs);
}

/*
 * Assert that errs holds an LL_INVALID error at exactly field, from source
 * (unless NULL), at line (unless < 0), whose text contains every word.
 */
#define EXPECT_ERR(errs, source, field, line, ...)                             \
	expect_err_(errs, source, field, line,                                 \
		    (const char *const[]){ __VA_ARGS__, NULL }, __LINE__)
static const struct ll_error *expect_err_(const struct ll_errlist *errs,
					  const char *source,
					  const char *field, long line,
					  const char *const *words, int at)
{
	const struct ll_error *e = NULL;
	size_t i;

	for (i = 0; i < errs->n; i++) {
		if (strcmp(errs->v[i].field, field) == 0) {
			e = &errs->v[i];
			break;
		}
	}
	if (!e) {
		dump_errs(errs);
		fail_msg("line %d: no error at field \"%s\"", at, field);
	}
	assert_int_equal(e->code, LL_INVALID);
	if (source && strcmp(e->source, source) != 0) {
		dump_errs(errs);
		fail_msg("line %d: error at \"%s\" has source \"%s\", "
			 "expected \"%s\"", at, field, e->source, source);
	}
	if (line >= 0 && e->line != line) {
		dump_errs(errs);
		fail_msg("line %d: error at \"%s\" has line %ld, expected %ld",
			 at, field, e->line, line);
	}
	for (; *words; words++) {
		if (!strstr(e->text, *words)) {
			dump_errs(errs);
			fail_msg("line %d: error at \"%s\": \"%s\" lacks "
				 "\"%s\"", at, field, e->text, *words);
		}
	}
	return e;
}

static const char *json_str_at(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	assert_non_null(s);
	return s;
}

/* ---- a full document (SPEC §2.1 examples, with non-canonical input) ----- */

static const char DOC_FULL[] =
	"{\n"
	"  \"parties\": [\n"
	"    {\"id\": \"P-NW\", \"name\": \"Northwind Records\", \"kind\": \"label\",\n"
	"     \"payout\": {\"method\": \"iban\", \"iban\": \"DE89 3704 0044 0532 0130 00\",\n"
	"                \"bic\": \"cobadeffxxx\", \"currency\": \"EUR\"},\n"
	"     \"webhook\": \"https://statements.northwind.example/ledgerline\"},\n"
	"    {\"id\": \"P-ADA\", \"name\": \"Ada Strings\", \"kind\": \"artist\",\n"
	"     \"isni\": \"0000 0001 2103 2683\", \"payee\": \"P-NW\"},\n"
	"    {\"id\": \"P-PUB\", \"name\": \"Harbour Publishing\", \"kind\": \"publisher\"},\n"
	"    {\"id\": \"P-AI\", \"name\": \"Synth Co\", \"kind\": \"licensee\",\n"
	"     \"payout\": {\"method\": \"iban\", \"iban\": \"DE02120300000000202051\",\n"
	"                \"bic\": \"BYLADEM1001\", \"currency\": \"EUR\"}}\n"
	"  ],\n"
	"  \"works\": [\n"
	"    {\"id\": \"W-0001\", \"isrc\": \"GB-AYE-69-00001\", \"iswc\": \"T0345246801\",\n"
	"     \"title\": \"Harbour Lights\", \"duration_ms\": 215000,\n"
	"     \"content_sha256\": \"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\",\n"
	"     \"splits\": {\n"
	"       \"master\": [{\"party\": \"P-NW\", \"share\": \"3/4\"}, {\"party\": \"P-ADA\", \"share\": \"0.25\"}],\n"
	"       \"publishing\": [{\"party\": \"P-PUB\", \"share\": \"0.5\"}, {\"party\": \"P-ADA\", \"share\": \"1/2\"}]}},\n"
	"    {\"id\": \"W-0002\", \"isrc\": \"GB-AYE-69-00002\", \"duration_ms\": 187000,\n"
	"     \"splits\": {\"master\": [{\"party\": \"P-NW\", \"share\": \"1\"}]}}\n"
	"  ],\n"
	"  \"consents\": [\n"
	"    {\"id\": \"C-1\", \"party\": \"P-ADA\", \"work\": \"W-0001\", \"use\": \"training\",\n"
	"     \"decision\": \"opt_in\", \"effective\": \"2026-01-01T00:00:00Z\",\n"
	"     \"evidence\": {\"sha256\": \"CD50C550A6D6337BF5BFBF089D018E668AEE5E54BA229102D850F01F203B763E\",\n"
	"                  \"uri\": \"https://northwind.example/consent-form.pdf\"}},\n"
	"    {\"id\": \"C-2\", \"party\": \"P-NW\", \"all_works\": true, \"use\": \"generation\",\n"
	"     \"decision\": \"opt_out\", \"effective\": \"2026-08-15T12:30:45.123456Z\"},\n"
	"    {\"id\": \"C-3\", \"party\": \"P-PUB\", \"work\": \"W-0002\", \"all_works\": false,\n"
	"     \"use\": \"voice\", \"decision\": \"opt_in\", \"effective\": \"1969-12-31T23:59:59Z\"}\n"
	"  ],\n"
	"  \"licences\": [\n"
	"    {\"id\": \"L-2026-NW\", \"licensee\": \"P-AI\", \"licensor\": \"P-NW\",\n"
	"     \"scope\": {\"catalog_of\": \"P-NW\"},\n"
	"     \"uses\": [\"training\", \"generation\"],\n"
	"     \"start\": \"2026-01-01\", \"end\": \"2026-12-31\", \"currency\": \"EUR\",\n"
	"     \"terms\": {\"training_fee\": \"120000.00\", \"training_basis\": \"count\",\n"
	"               \"usage_rate\": \"0.30\", \"per_generation\": \"0.0020\",\n"
	"               \"minimum_guarantee\": \"25000.00\", \"master_share\": \"2/3\"}},\n"
	"    {\"id\": \"L-W\", \"licensee\": \"P-AI\", \"licensor\": \"P-PUB\",\n"
	"     \"scope\": {\"works\": [\"W-0002\", \"W-0001\"]},\n"
	"     \"uses\": [\"voice\"],\n"
	"     \"start\": \"2026-03-01\", \"end\": \"2026-03-01\", \"currency\": \"JPY\"},\n"
	"    {\"id\": \"L-B\", \"licensee\": \"P-AI\", \"licensor\": \"P-PUB\",\n"
	"     \"scope\": {\"works\": [\"W-0001\"]}, \"uses\": [\"generation\", \"voice\", \"training\"],\n"
	"     \"start\": \"2025-02-28\", \"end\": \"2028-02-29\", \"currency\": \"BHD\", \"terms\": {}}\n"
	"  ]\n"
	"}\n";

/* Days since the epoch of 2026-01-01 (date -u -d 2026-01-01 +%s / 86400). */
enum { DAY_2026_01_01 = 20454 };

static void load_full(struct ll_registry *reg)
{
	ll_registry_init(reg);
	PARSE_OK(reg, "full.json", DOC_FULL);
	LINK_OK(reg);
}

static const struct ll_consent *consent_by_id(const struct ll_registry *reg,
					      const char *id)
{
	size_t i;

	for (i = 0; i < reg->consents.n; i++)
		if (strcmp(reg->consents.v[i].id, id) == 0)
			return &reg->consents.v[i];
	fail_msg("no consent \"%s\"", id);
	return NULL;
}

static const struct ll_licence *licence_by_id(const struct ll_registry *reg,
					      const char *id)
{
	size_t i;

	for (i = 0; i < reg->licences.n; i++)
		if (strcmp(reg->licences.v[i].id, id) == 0)
			return &reg->licences.v[i];
	fail_msg("no licence \"%s\"", id);
	return NULL;
}

/* ---- record kinds --------------------------------------------------------- */

static void test_counts_and_names(void **state)
{
	struct ll_registry reg;

	(void)state;
	load_full(&reg);
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 4);
	assert_int_equal(ll_registry_count(&reg, LL_REC_WORK), 2);
	assert_int_equal(ll_registry_count(&reg, LL_REC_CONSENT), 3);
	assert_int_equal(ll_registry_count(&reg, LL_REC_LICENCE), 3);
	assert_string_equal(ll_record_kind_name(LL_REC_PARTY), "party");
	assert_string_equal(ll_record_kind_name(LL_REC_WORK), "work");
	assert_string_equal(ll_record_kind_name(LL_REC_CONSENT), "consent");
	assert_string_equal(ll_record_kind_name(LL_REC_LICENCE), "licence");
	assert_string_equal(ll_record_kind_array(LL_REC_PARTY), "parties");
	assert_string_equal(ll_record_kind_array(LL_REC_WORK), "works");
	assert_string_equal(ll_record_kind_array(LL_REC_CONSENT), "consents");
	assert_string_equal(ll_record_kind_array(LL_REC_LICENCE), "licences");
	assert_string_equal(ll_use_name(LL_USE_TRAINING), "training");
	assert_string_equal(ll_use_name(LL_USE_GENERATION), "generation");
	assert_string_equal(ll_use_name(LL_USE_VOICE), "voice");
	assert_string_equal(ll_side_name(LL_SIDE_MASTER), "master");
	assert_string_equal(ll_side_name(LL_SIDE_PUBLISHING), "publishing");
	/* ids and metas by position agree with the lookups */
	for (size_t i = 0; i < ll_registry_count(&reg, LL_REC_PARTY); i++) {
		const char *id = ll_registry_id(&reg, LL_REC_PARTY, i);
		const struct ll_party *p = ll_registry_party(&reg, id);

		assert_non_null(p);
		assert_ptr_equal(&p->meta,
				 ll_registry_meta(&reg, LL_REC_PARTY, i));
	}
	assert_null(ll_registry_party(&reg, "P-NOBODY"));
	assert_null(ll_registry_work(&reg, "W-9999"));
	assert_null(ll_registry_work(&reg, "P-NW"));
	assert_null(ll_registry_work_by_isrc(&reg, "GBAYE6900009"));
	assert_null(ll_registry_work_by_isrc(&reg, "GB-AYE-69-00001"));
	ll_registry_release(&reg);
	/* released is as new: releasing again and lookups are safe */
	assert_null(ll_registry_party(&reg, "P-NW"));
	ll_registry_release(&reg);
}

static void test_party_all_fields(void **state)
{
	struct ll_registry reg;
	const struct ll_party *p;
	const json_t *po;

	(void)state;
	load_full(&reg);

	p = ll_registry_party(&reg, "P-NW");
	assert_non_null(p);
	assert_string_equal(p->id, "P-NW");
	assert_string_equal(p->name, "Northwind Records");
	assert_int_equal(p->kind, LL_PARTY_LABEL);
	assert_string_equal(p->isni, "");
	assert_null(p->payee);
	assert_true(p->has_payout);
	assert_string_equal(p->iban, "DE89370400440532013000");
	assert_string_equal(p->bic, "COBADEFFXXX");
	assert_string_equal(p->currency, "EUR");
	assert_string_equal(p->webhook,
			    "https://statements.northwind.example/ledgerline");
	assert_string_equal(p->meta.source, "full.json");
	assert_ptr_equal(p->meta.text, DOC_FULL);
	assert_int_equal(p->meta.text_len, strlen(DOC_FULL));
	assert_int_equal(p->meta.index, 0);
	assert_false(p->meta.stored);
	assert_int_equal(p->meta.version, 0);
	assert_int_equal(p->meta.prev_version, 0);
	assert_string_equal(p->meta.prev_sha256, "");
	assert_int_equal(strlen(p->meta.sha256), LL_SHA256_HEX_LEN);
	/* the normalised forms are in the record's JSON too */
	po = json_object_get(p->meta.json, "payout");
	assert_string_equal(json_str_at(po, "iban"), "DE89370400440532013000");
	assert_string_equal(json_str_at(po, "bic"), "COBADEFFXXX");
	/* the C strings borrow from the JSON */
	assert_ptr_equal(p->id, json_str_at(p->meta.json, "id"));

	p = ll_registry_party(&reg, "P-ADA");
	assert_non_null(p);
	assert_int_equal(p->kind, LL_PARTY_ARTIST);
	assert_string_equal(p->isni, "0000000121032683");
	assert_string_equal(json_str_at(p->meta.json, "isni"),
			    "0000000121032683");
	assert_string_equal(p->payee, "P-NW");
	assert_false(p->has_payout);
	assert_null(p->webhook);
	assert_string_equal(p->bic, "");
	assert_int_equal(p->meta.index, 1);

	p = ll_registry_party(&reg, "P-PUB");
	assert_non_null(p);
	assert_int_equal(p->kind, LL_PARTY_PUBLISHER);

	p = ll_registry_party(&reg, "P-AI");
	assert_non_null(p);
	assert_int_equal(p->kind, LL_PARTY_LICENSEE);
	assert_true(p->has_payout);
	assert_string_equal(p->iban, "DE02120300000000202051");
	assert_string_equal(p->bic, "BYLADEM1001");
	assert_int_equal(p->meta.index, 3);
	ll_registry_release(&reg);
}

static void test_party_every_kind(void **state)
{
	static const struct {
		const char *name;
		enum ll_party_kind kind;
	} kinds[] = {
		{ "artist", LL_PARTY_ARTIST },
		{ "songwriter", LL_PARTY_SONGWRITER },
		{ "label", LL_PARTY_LABEL },
		{ "publisher", LL_PARTY_PUBLISHER },
		{ "collective", LL_PARTY_COLLECTIVE },
		{ "licensee", LL_PARTY_LICENSEE },
	};
	struct ll_registry reg;
	char doc[256];
	char id[16];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(kinds); i++) {
		ll_registry_init(&reg);
		snprintf(id, sizeof(id), "P-%zu", i);
		snprintf(doc, sizeof(doc),
			 "{\"parties\": [{\"id\": \"%s\", \"name\": \"N\", "
			 "\"kind\": \"%s\"}]}",
			 id, kinds[i].name);
		PARSE_OK(&reg, "kinds.json", doc);
		LINK_OK(&reg);
		assert_non_null(ll_registry_party(&reg, id));
		assert_int_equal(ll_registry_party(&reg, id)->kind,
				 kinds[i].kind);
		ll_registry_release(&reg);
	}
}

static void test_work_all_fields(void **state)
{
	struct ll_registry reg;
	const struct ll_work *w;

	(void)state;
	load_full(&reg);
	w = ll_registry_work(&reg, "W-0001");
	assert_non_null(w);
	assert_string_equal(w->id, "W-0001");
	assert_string_equal(w->title, "Harbour Lights");
	assert_string_equal(w->isrc, "GBAYE6900001");
	assert_string_equal(w->iswc, "T-034.524.680-1");
	assert_string_equal(w->content_sha256,
			    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_int_equal(w->duration_ms, 215000);
	assert_true(w->has_side[LL_SIDE_MASTER]);
	assert_true(w->has_side[LL_SIDE_PUBLISHING]);
	assert_int_equal(w->n_split[LL_SIDE_MASTER], 2);
	assert_int_equal(w->n_split[LL_SIDE_PUBLISHING], 2);
	assert_string_equal(w->split[LL_SIDE_MASTER][0].party, "P-NW");
	assert_q(w->split[LL_SIDE_MASTER][0].share, "3/4");
	assert_string_equal(w->split[LL_SIDE_MASTER][1].party, "P-ADA");
	assert_q(w->split[LL_SIDE_MASTER][1].share, "1/4");
	assert_string_equal(w->split[LL_SIDE_PUBLISHING][0].party, "P-PUB");
	assert_q(w->split[LL_SIDE_PUBLISHING][0].share, "1/2");
	/* a party may hold shares on both sides */
	assert_string_equal(w->split[LL_SIDE_PUBLISHING][1].party, "P-ADA");
	assert_q(w->split[LL_SIDE_PUBLISHING][1].share, "1/2");
	/* canonical forms in the JSON */
	assert_string_equal(json_str_at(w->meta.json, "isrc"), "GBAYE6900001");
	assert_string_equal(json_str_at(w->meta.json, "iswc"),
			    "T-034.524.680-1");
	assert_string_equal(json_str_at(w->meta.json, "content_sha256"),
			    w->content_sha256);

	w = ll_registry_work(&reg, "W-0002");
	assert_non_null(w);
	assert_string_equal(w->title, "");
	assert_string_equal(w->iswc, "");
	assert_string_equal(w->content_sha256, "");
	assert_int_equal(w->duration_ms, 187000);
	assert_true(w->has_side[LL_SIDE_MASTER]);
	assert_false(w->has_side[LL_SIDE_PUBLISHING]);
	assert_int_equal(w->n_split[LL_SIDE_PUBLISHING], 0);
	assert_null(w->split[LL_SIDE_PUBLISHING]);
	assert_q(w->split[LL_SIDE_MASTER][0].share, "1");

	/* by ISRC, canonical form only */
	assert_ptr_equal(ll_registry_work_by_isrc(&reg, "GBAYE6900001"),
			 ll_registry_work(&reg, "W-0001"));
	assert_ptr_equal(ll_registry_work_by_isrc(&reg, "GBAYE6900002"), w);
	ll_registry_release(&reg);
}

static void test_work_publishing_only(void **state)
{
	static const char doc[] =
		"{\"parties\": [{\"id\": \"S\", \"name\": \"S\", \"kind\": \"songwriter\"}],\n"
		" \"works\": [{\"id\": \"W\", \"duration_ms\": 1,\n"
		"   \"splits\": {\"publishing\": [{\"party\": \"S\", \"share\": \"1/1\"}]}},\n"
		"  {\"id\": \"W-max\", \"duration_ms\": 31622400000,\n"
		"   \"splits\": {\"publishing\": [{\"party\": \"S\", \"share\": \"007/7\"}]}}]}";
	struct ll_registry reg;
	const struct ll_work *w;

	(void)state;
	ll_registry_init(&reg);
	PARSE_OK(&reg, "pub.json", doc);
	LINK_OK(&reg);
	w = ll_registry_work(&reg, "W");
	assert_non_null(w);
	assert_false(w->has_side[LL_SIDE_MASTER]);
	assert_true(w->has_side[LL_SIDE_PUBLISHING]);
	assert_int_equal(w->n_split[LL_SIDE_MASTER], 0);
	assert_int_equal(w->n_split[LL_SIDE_PUBLISHING], 1);
	assert_string_equal(w->isrc, "");
	assert_int_equal(w->duration_ms, 1);
	/* 366 days is the largest duration accepted */
	w = ll_registry_work(&reg, "W-max");
	assert_non_null(w);
	assert_int_equal(w->duration_ms, INT64_C(31622400000));
	ll_registry_release(&reg);
}

static void test_consent_work_and_all_works(void **state)
{
	struct ll_registry reg;
	const struct ll_consent *c;
	const json_t *ev;

	(void)state;
	load_full(&reg);
	c = consent_by_id(&reg, "C-1");
	assert_string_equal(c->party, "P-ADA");
	assert_string_equal(c->work, "W-0001");
	assert_int_equal(c->use, LL_USE_TRAINING);
	assert_int_equal(c->decision, LL_OPT_IN);
	assert_int_equal(c->effective_us, INT64_C(1767225600) * 1000000);
	ev = json_object_get(c->meta.json, "evidence");
	assert_non_null(ev);
	assert_string_equal(json_str_at(ev, "sha256"),
			    "cd50c550a6d6337bf5bfbf089d018e668aee5e54ba229102d850f01f203b763e");
	assert_string_equal(json_str_at(ev, "uri"),
			    "https://northwind.example/consent-form.pdf");

	c = consent_by_id(&reg, "C-2");
	assert_string_equal(c->party, "P-NW");
	assert_null(c->work);
	assert_int_equal(c->use, LL_USE_GENERATION);
	assert_int_equal(c->decision, LL_OPT_OUT);
	/* date -u -d 2026-08-15T12:30:45Z +%s = 1786797045 */
	assert_int_equal(c->effective_us,
			 INT64_C(1786797045) * 1000000 + 123456);

	c = consent_by_id(&reg, "C-3");
	assert_string_equal(c->work, "W-0002");
	assert_int_equal(c->use, LL_USE_VOICE);
	assert_int_equal(c->effective_us, INT64_C(-1000000));
	ll_registry_release(&reg);
}

static void test_licence_catalog_of_all_terms(void **state)
{
	struct ll_registry reg;
	const struct ll_licence *l;

	(void)state;
	load_full(&reg);
	l = licence_by_id(&reg, "L-2026-NW");
	assert_string_equal(l->licensee, "P-AI");
	assert_string_equal(l->licensor, "P-NW");
	assert_string_equal(l->catalog_of, "P-NW");
	assert_null(l->scope_works);
	assert_int_equal(l->n_scope_works, 0);
	assert_int_equal(l->uses,
			 (1u << LL_USE_TRAINING) | (1u << LL_USE_GENERATION));
	assert_int_equal(l->start_day, DAY_2026_01_01);
	assert_int_equal(l->end_day, DAY_2026_01_01 + 364);
	assert_string_equal(l->currency, "EUR");
	assert_int_equal(l->exponent, 2);
	assert_q(l->training_fee, "120000");
	assert_q(l->usage_rate, "3/10");
	assert_q(l->per_generation, "1/500");
	assert_q(l->minimum_guarantee, "25000");
	assert_q(l->master_share, "2/3");
	assert_int_equal(l->basis, LL_BASIS_COUNT);
	ll_registry_release(&reg);
}

static void test_licence_works_scope_and_defaults(void **state)
{
	struct ll_registry reg;
	const struct ll_licence *l;

	(void)state;
	load_full(&reg);

	/* no "terms" at all */
	l = licence_by_id(&reg, "L-W");
	assert_null(l->catalog_of);
	assert_int_equal(l->n_scope_works, 2);
	assert_string_equal(l->scope_works[0], "W-0002");
	assert_string_equal(l->scope_works[1], "W-0001");
	assert_int_equal(l->uses, 1u << LL_USE_VOICE);
	assert_int_equal(l->start_day, DAY_2026_01_01 + 59);
	assert_int_equal(l->end_day, l->start_day);
	assert_string_equal(l->currency, "JPY");
	assert_int_equal(l->exponent, 0);
	assert_q(l->training_fee, "0");
	assert_q(l->usage_rate, "0");
	assert_q(l->per_generation, "0");
	assert_q(l->minimum_guarantee, "0");
	assert_q(l->master_share, "1/2");
	assert_int_equal(l->basis, LL_BASIS_DURATION);

	/* "terms": {} */
	l = licence_by_id(&reg, "L-B");
	assert_int_equal(l->n_scope_works, 1);
	assert_int_equal(l->uses, (1u << LL_USE_TRAINING) |
					  (1u << LL_USE_GENERATION) |
					  (1u << LL_USE_VOICE));
	/* 2025-02-28 .. 2028-02-29 (a leap day) */
	assert_int_equal(l->start_day, DAY_2026_01_01 - 365 + 58);
	assert_int_equal(l->end_day, DAY_2026_01_01 + 365 + 365 + 31 + 28);
	assert_string_equal(l->currency, "BHD");
	assert_int_equal(l->exponent, 3);
	assert_q(l->training_fee, "0");
	assert_q(l->master_share, "1/2");
	assert_int_equal(l->basis, LL_BASIS_DURATION);
	ll_registry_release(&reg);
}

static void test_licence_terms_partial(void **state)
{
	static const char doc[] =
		"{\"licences\": [{\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
		"  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"generation\"],\n"
		"  \"start\": \"2026-01-01\", \"end\": \"2026-12-31\", \"currency\": \"KWD\",\n"
		"  \"terms\": {\"training_basis\": \"duration\", \"master_share\": \"0\",\n"
		"            \"usage_rate\": \"1/3\"}}]}";
	struct ll_registry reg;
	const struct ll_licence *l;

	(void)state;
	ll_registry_init(&reg);
	PARSE_OK(&reg, "terms.json", doc);
	l = licence_by_id(&reg, "L");
	assert_int_equal(l->exponent, 3);
	assert_q(l->master_share, "0");
	assert_q(l->usage_rate, "1/3");
	assert_q(l->training_fee, "0");
	assert_int_equal(l->basis, LL_BASIS_DURATION);
	ll_registry_release(&reg);
}

/* ---- identity: normalisation and SHA-256 ---------------------------------- */

/* The digest is SHA-256 of exactly these canonical bytes (computed with
 * `printf '%s' '{"id":"P-1","kind":"artist","name":"A"}' | sha256sum`). */
static void test_sha256_of_canonical_bytes(void **state)
{
	static const char doc[] =
		"{\"parties\": [ {\n  \"name\" : \"A\",\n  \"kind\":\"artist\", \"id\": \"P-1\" } ]}";
	struct ll_registry reg;
	const struct ll_party *p;
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1];
	char *canon;

	(void)state;
	ll_registry_init(&reg);
	PARSE_OK(&reg, "one.json", doc);
	p = ll_registry_party(&reg, "P-1");
	assert_non_null(p);
	assert_string_equal(p->meta.sha256,
			    "cd50c550a6d6337bf5bfbf089d018e668aee5e54ba229102d850f01f203b763e");
	/* and it agrees with the library's own canonical form */
	canon = ll_json_canonical(p->meta.json);
	assert_non_null(canon);
	assert_string_equal(canon, "{\"id\":\"P-1\",\"kind\":\"artist\",\"name\":\"A\"}");
	ll_hash_sha256(canon, strlen(canon), d);
	ll_hex(d, sizeof(d), hex);
	assert_string_equal(hex, p->meta.sha256);
	free(canon);
	ll_registry_release(&reg);
}

static void test_sha256_stable_key_order_and_whitespace(void **state)
{
	/* the same work written three ways: key order, whitespace, and
	 * non-canonical identifier spellings */
	static const char *const docs[] = {
		"{\"works\":[{\"id\":\"W-1\",\"isrc\":\"GBAYE6900002\",\"duration_ms\":1000,"
		"\"splits\":{\"master\":[{\"party\":\"P\",\"share\":\"1\"}],"
		"\"publishing\":[{\"party\":\"Q\",\"share\":\"1\"}]}}]}",

		"{\n  \"works\" : [\n    {\n      \"splits\" : {\n"
		"        \"publishing\" : [ { \"share\" : \"1\", \"party\" : \"Q\" } ],\n"
		"        \"master\" : [ { \"share\" : \"1\", \"party\" : \"P\" } ]\n"
		"      },\n      \"duration_ms\" : 1000,\n"
		"      \"isrc\" : \"GB-AYE-69-00002\",\n      \"id\" : \"W-1\"\n    }\n  ]\n}\n",

		"\t{\"works\":\r\n[{\"duration_ms\":1000,\"id\":\"W-1\",\"isrc\":\"gb aye 69 00002\","
		"\"splits\":{\"publishing\":[{\"party\":\"Q\",\"share\":\"1\"}],"
		"\"master\":[{\"party\":\"P\",\"share\":\"1\"}]}}]}  ",
	};
	char first[LL_SHA256_HEX_LEN + 1] = "";

	(void)state;
	for (size_t i = 0; i < N_ELEMS(docs); i++) {
		struct ll_registry reg;
		const struct ll_work *w;

		ll_registry_init(&reg);
		PARSE_OK(&reg, "w.json", docs[i]);
		w = ll_registry_work(&reg, "W-1");
		assert_non_null(w);
		assert_string_equal(w->isrc, "GBAYE6900002");
		assert_string_equal(json_str_at(w->meta.json, "isrc"),
				    "GBAYE6900002");
		if (i == 0)
			memcpy(first, w->meta.sha256, sizeof(first));
		else
			assert_string_equal(w->meta.sha256, first);
		ll_registry_release(&reg);
	}
}

static void test_sha256_differs_with_content(void **state)
{
	static const char a[] =
		"{\"parties\":[{\"id\":\"P-1\",\"name\":\"A\",\"kind\":\"artist\"}]}";
	static const char b[] =
		"{\"parties\":[{\"id\":\"P-1\",\"name\":\"A \",\"kind\":\"artist\"}]}";
	struct ll_registry ra, rb;

	(void)state;
	ll_registry_init(&ra);
	ll_registry_init(&rb);
	PARSE_OK(&ra, "a.json", a);
	PARSE_OK(&rb, "b.json", b);
	assert_string_not_equal(ll_registry_party(&ra, "P-1")->meta.sha256,
				ll_registry_party(&rb, "P-1")->meta.sha256);
	ll_registry_release(&ra);
	ll_registry_release(&rb);
}

static void test_iban_spaces_removed(void **state)
{
	static const char doc[] =
		"{\"parties\": [{\"id\": \"P\", \"name\": \"N\", \"kind\": \"label\",\n"
		"  \"payout\": {\"method\": \"iban\", \"iban\": \"gb82 west 1234 5698 7654 32\",\n"
		"             \"currency\": \"GBP\"}}]}";
	struct ll_registry reg;
	const struct ll_party *p;

	(void)state;
	ll_registry_init(&reg);
	PARSE_OK(&reg, "iban.json", doc);
	p = ll_registry_party(&reg, "P");
	assert_non_null(p);
	assert_true(p->has_payout);
	assert_string_equal(p->iban, "GB82WEST12345698765432");
	assert_string_equal(p->bic, "");
	assert_string_equal(p->currency, "GBP");
	assert_string_equal(
		json_str_at(json_object_get(p->meta.json, "payout"), "iban"),
		"GB82WEST12345698765432");
	/* absent optional fields are not invented in the JSON */
	assert_null(json_object_get(json_object_get(p->meta.json, "payout"),
				    "bic"));
	ll_registry_release(&reg);
}

/* ---- merging within a batch ------------------------------------------------ */

static void test_same_record_twice_kept_once(void **state)
{
	static const char doc[] =
		"{\"parties\": [\n"
		"  {\"id\": \"P-1\", \"name\": \"A\", \"kind\": \"artist\"},\n"
		"  {\"kind\": \"artist\", \"id\": \"P-1\", \"name\": \"A\"},\n"
		"  {\"id\": \"P-2\", \"name\": \"B\", \"kind\": \"artist\"}],\n"
		" \"works\": [\n"
		"  {\"id\": \"W\", \"isrc\": \"GBAYE6900001\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P-1\", \"share\": \"1\"}]}},\n"
		"  {\"id\": \"W\", \"isrc\": \"GB-AYE-69-00001\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P-1\", \"share\": \"1\"}]}}]}";
	static const char again[] =
		"{\"parties\": [{\"id\": \"P-2\", \"name\": \"B\", \"kind\": \"artist\"}]}";
	struct ll_registry reg;

	(void)state;
	ll_registry_init(&reg);
	PARSE_OK(&reg, "twice.json", doc);
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 2);
	assert_int_equal(ll_registry_count(&reg, LL_REC_WORK), 1);
	/* the first one counts */
	assert_int_equal(ll_registry_party(&reg, "P-1")->meta.index, 0);
	/* and again from another document of the same batch */
	PARSE_OK(&reg, "again.json", again);
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 2);
	assert_string_equal(ll_registry_party(&reg, "P-2")->meta.source,
			    "twice.json");
	LINK_OK(&reg); /* the kept duplicate is not a duplicate ISRC */
	assert_non_null(ll_registry_work_by_isrc(&reg, "GBAYE6900001"));
	ll_registry_release(&reg);
}

static void test_same_id_different_content(void **state)
{
	static const char doc[] =
		"{\"works\": [\n"
		"  {\"id\": \"W-X\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}},\n"
		"  {\"id\": \"W-Y\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}},\n"
		"  {\"id\": \"W-X\", \"duration_ms\": 6,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}\n"
		"]}";
	static const char other[] =
		"{\n\"consents\": [],\n\"works\": [\n"
		"  {\"id\": \"W-Y\", \"duration_ms\": 7,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}";
	struct ll_registry reg;
	struct ll_errlist errs;
	const struct ll_error *e;
	char want[128];

	(void)state;
	ll_registry_init(&reg);
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_registry_parse(&reg, "dup.json", doc, strlen(doc),
					   &errs),
			 LL_INVALID);
	assert_int_equal(ll_errlist_count(&errs), 1);
	e = EXPECT_ERR(&errs, "dup.json", "works[2]",
		       line_of(doc, "{\"id\": \"W-X\", \"duration_ms\": 6"),
		       "work \"W-X\"", "defined twice", "different content");
	snprintf(want, sizeof(want), "first at dup.json:%ld: works[0]",
		 line_of(doc, "{\"id\": \"W-X\""));
	assert_contains(e->text, want);
	/* the first stays */
	assert_int_equal(ll_registry_work(&reg, "W-X")->duration_ms, 5);
	assert_int_equal(ll_registry_count(&reg, LL_REC_WORK), 2);

	/* across documents of one batch: the first is named in its file */
	ll_errlist_release(&errs);
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_registry_parse(&reg, "other.json", other,
					   strlen(other), &errs),
			 LL_INVALID);
	e = EXPECT_ERR(&errs, "other.json", "works[0]",
		       line_of(other, "{\"id\": \"W-Y\""), "work \"W-Y\"",
		       "defined twice");
	snprintf(want, sizeof(want), "first at dup.json:%ld: works[1]",
		 line_of(doc, "{\"id\": \"W-Y\""));
	assert_contains(e->text, want);
	assert_int_equal(ll_registry_work(&reg, "W-Y")->duration_ms, 5);
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

/* ---- stored records ------------------------------------------------------- */

static const char STORED_PARTY[] =
	"{\"id\":\"P-1\",\"kind\":\"artist\",\"name\":\"Old Name\"}";
static const char STORED_WORK[] =
	"{\"duration_ms\":1000,\"id\":\"W-1\",\"isrc\":\"GBAYE6900001\","
	"\"splits\":{\"master\":[{\"party\":\"P-1\",\"share\":\"1/3\"},"
	"{\"party\":\"P-2\",\"share\":\"2/3\"}]}}";

/* The digest ledgerline stores with a record: SHA-256 of its canonical
 * JSON (the test bodies are already normalised). */
static void stored_digest(const char *body, char hex[65])
{
	json_error_t jerr;
	json_t *j = json_loads(body, 0, &jerr);
	uint8_t d[LL_SHA256_LEN];
	char *canon;

	if (!j) {
		memset(hex, '0', 64);
		hex[64] = '\0';
		return;
	}
	canon = ll_json_canonical(j);
	assert_non_null(canon);
	ll_hash_sha256(canon, strlen(canon), d);
	ll_hex(d, sizeof(d), hex);
	free(canon);
	json_decref(j);
}

/* ll_registry_add_stored with the digest the store would hold. */
static enum ll_status add_stored(struct ll_registry *reg,
				 enum ll_record_kind k, int version,
				 const char *body, struct ll_errlist *errs)
{
	char hex[65];

	stored_digest(body, hex);
	return ll_registry_add_stored(reg, k, version, hex, body,
				      strlen(body), errs);
}

static void add_stored_ok(struct ll_registry *reg, enum ll_record_kind k,
			  int version, const char *body)
{
	struct ll_errlist errs;
	enum ll_status rc;

	ll_errlist_init(&errs, 0);
	rc = add_stored(reg, k, version, body, &errs);
	if (rc != LL_OK || ll_errlist_count(&errs)) {
		dump_errs(&errs);
		ll_errlist_release(&errs);
		fail_msg("add_stored: status %d", (int)rc);
	}
	ll_errlist_release(&errs);
}

static void test_stored_records(void **state)
{
	struct ll_registry reg;
	const struct ll_party *p;
	const struct ll_work *w;

	(void)state;
	ll_registry_init(&reg);
	add_stored_ok(&reg, LL_REC_PARTY, 3, STORED_PARTY);
	add_stored_ok(&reg, LL_REC_WORK, 7, STORED_WORK);
	add_stored_ok(&reg, LL_REC_PARTY, 1,
		      "{\"id\":\"P-2\",\"kind\":\"label\",\"name\":\"L\"}");
	LINK_OK(&reg);
	p = ll_registry_party(&reg, "P-1");
	assert_non_null(p);
	assert_true(p->meta.stored);
	assert_int_equal(p->meta.version, 3);
	assert_int_equal(p->meta.prev_version, 0);
	assert_string_equal(p->meta.source, "ledger database");
	assert_null(p->meta.text);
	assert_string_equal(p->name, "Old Name");
	w = ll_registry_work_by_isrc(&reg, "GBAYE6900001");
	assert_non_null(w);
	assert_string_equal(w->id, "W-1");
	assert_int_equal(w->meta.version, 7);
	assert_q(w->split[LL_SIDE_MASTER][1].share, "2/3");
	ll_registry_release(&reg);
}

static void test_stored_replaced_by_loaded(void **state)
{
	static const char doc[] =
		"{\"parties\": [\n"
		"  {\"id\": \"P-1\", \"name\": \"New Name\", \"kind\": \"artist\"},\n"
		"  {\"id\": \"P-2\", \"name\": \"L\", \"kind\": \"label\"}],\n"
		" \"works\": [\n"
		"  {\"id\": \"W-1\", \"isrc\": \"GBAYE6900001\", \"duration_ms\": 2000,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P-2\", \"share\": \"1\"}]}}]}";
	struct ll_registry reg;
	char old_party_sha[LL_SHA256_HEX_LEN + 1];
	char old_work_sha[LL_SHA256_HEX_LEN + 1];
	char p2_sha[LL_SHA256_HEX_LEN + 1];
	const struct ll_party *p;
	const struct ll_work *w;

	(void)state;
	ll_registry_init(&reg);
	add_stored_ok(&reg, LL_REC_PARTY, 3, STORED_PARTY);
	add_stored_ok(&reg, LL_REC_WORK, 7, STORED_WORK);
	add_stored_ok(&reg, LL_REC_PARTY, 2,
		      "{\"kind\":\"label\",\"name\":\"L\",\"id\":\"P-2\"}");
	memcpy(old_party_sha, ll_registry_party(&reg, "P-1")->meta.sha256,
	       sizeof(old_party_sha));
	memcpy(old_work_sha, ll_registry_work(&reg, "W-1")->meta.sha256,
	       sizeof(old_work_sha));
	memcpy(p2_sha, ll_registry_party(&reg, "P-2")->meta.sha256,
	       sizeof(p2_sha));

	PARSE_OK(&reg, "new.json", doc);
	LINK_OK(&reg);
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 2);
	assert_int_equal(ll_registry_count(&reg, LL_REC_WORK), 1);

	/* a changed record: a new version over the stored one */
	p = ll_registry_party(&reg, "P-1");
	assert_non_null(p);
	assert_string_equal(p->name, "New Name");
	assert_false(p->meta.stored);
	assert_string_equal(p->meta.source, "new.json");
	assert_int_equal(p->meta.version, 0);
	assert_int_equal(p->meta.prev_version, 3);
	assert_string_equal(p->meta.prev_sha256, old_party_sha);
	assert_string_not_equal(p->meta.sha256, old_party_sha);

	w = ll_registry_work(&reg, "W-1");
	assert_non_null(w);
	assert_int_equal(w->duration_ms, 2000);
	assert_int_equal(w->n_split[LL_SIDE_MASTER], 1);
	assert_string_equal(w->split[LL_SIDE_MASTER][0].party, "P-2");
	assert_int_equal(w->meta.prev_version, 7);
	assert_string_equal(w->meta.prev_sha256, old_work_sha);
	assert_ptr_equal(ll_registry_work_by_isrc(&reg, "GBAYE6900001"), w);

	/* the same record again: replaces with prev_sha256 == sha256, which
	 * the caller treats as a no-op */
	p = ll_registry_party(&reg, "P-2");
	assert_non_null(p);
	assert_false(p->meta.stored);
	assert_int_equal(p->meta.prev_version, 2);
	assert_string_equal(p->meta.sha256, p2_sha);
	assert_string_equal(p->meta.prev_sha256, p2_sha);

	/* a second load of the same new record in the batch is kept once,
	 * with its prev_* intact */
	PARSE_OK(&reg, "new-again.json", doc);
	p = ll_registry_party(&reg, "P-1");
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 2);
	assert_string_equal(p->meta.source, "new.json");
	assert_int_equal(p->meta.prev_version, 3);
	LINK_OK(&reg);
	ll_registry_release(&reg);
}

static void test_stored_replaced_then_conflict(void **state)
{
	static const char a[] =
		"{\"parties\": [{\"id\": \"P-1\", \"name\": \"A\", \"kind\": \"artist\"}]}";
	static const char b[] =
		"{\"parties\": [{\"id\": \"P-1\", \"name\": \"B\", \"kind\": \"artist\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	ll_registry_init(&reg);
	ll_errlist_init(&errs, 0);
	add_stored_ok(&reg, LL_REC_PARTY, 1, STORED_PARTY);
	PARSE_OK(&reg, "a.json", a);
	assert_int_equal(ll_registry_parse(&reg, "b.json", b, strlen(b),
					   &errs),
			 LL_INVALID);
	EXPECT_ERR(&errs, "b.json", "parties[0]", 1, "defined twice",
		   "first at a.json:1: parties[0]");
	assert_string_equal(ll_registry_party(&reg, "P-1")->name, "A");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_stored_errors(void **state)
{
	struct ll_registry reg;
	struct ll_errlist errs;
	static const char bad_kind[] =
		"{\"id\":\"P-9\",\"kind\":\"alien\",\"name\":\"x\"}";
	static const char not_json[] = "{\"id\":";

	(void)state;
	ll_registry_init(&reg);
	ll_errlist_init(&errs, 0);
	add_stored_ok(&reg, LL_REC_PARTY, 1, STORED_PARTY);

	/* the same id stored twice */
	assert_int_equal(add_stored(&reg, LL_REC_PARTY, 2, STORED_PARTY,
				    &errs),
			 LL_INVALID);
	EXPECT_ERR(&errs, "ledger database", "parties[id=P-1]", 0,
		   "party \"P-1\"", "stored twice");
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 1);
	assert_int_equal(ll_registry_party(&reg, "P-1")->meta.version, 1);

	/* a stored record that no longer validates */
	ll_errlist_release(&errs);
	ll_errlist_init(&errs, 0);
	assert_int_equal(add_stored(&reg, LL_REC_PARTY, 1, bad_kind, &errs),
			 LL_INVALID);
	EXPECT_ERR(&errs, "ledger database", "parties[id=P-9].kind", 0,
		   "\"alien\" is not one of");
	assert_null(ll_registry_party(&reg, "P-9"));

	/* not JSON at all: a broken store is internal */
	ll_errlist_release(&errs);
	ll_errlist_init(&errs, 0);
	assert_int_equal(add_stored(&reg, LL_REC_WORK, 1, not_json, &errs),
			 LL_INTERNAL);
	assert_int_equal(ll_errlist_count(&errs), 1);
	assert_int_equal(errs.v[0].code, LL_INTERNAL);
	assert_contains(errs.v[0].text, "not JSON");

	/* a stored record edited behind ledgerline's back: its digest no
	 * longer matches the stored one */
	ll_errlist_release(&errs);
	ll_errlist_init(&errs, 0);
	{
		char hex[65];

		stored_digest(STORED_PARTY, hex);
		assert_int_equal(
			ll_registry_add_stored(&reg, LL_REC_PARTY, 3, hex,
					       "{\"id\":\"P-3\",\"kind\":"
					       "\"artist\",\"name\":\"Old Name\"}",
					       46, &errs),
			LL_DB);
	}
	assert_int_equal(ll_errlist_count(&errs), 1);
	assert_int_equal(errs.v[0].code, LL_DB);
	assert_string_equal(errs.v[0].source, "ledger database");
	assert_string_equal(errs.v[0].text, "party P-3 version 3: stored "
					    "record does not match its digest");

	/* a stored record whose reference no longer resolves: located by
	 * kind, without a file line */
	ll_errlist_release(&errs);
	ll_errlist_init(&errs, 0);
	add_stored_ok(&reg, LL_REC_WORK, 4, STORED_WORK);
	assert_int_equal(ll_registry_link(&reg, &errs), LL_INVALID);
	EXPECT_ERR(&errs, "ledger database",
		   "works[id=W-1].splits.master[1].party", 0,
		   "unknown party \"P-2\"");
	assert_int_equal(ll_errlist_count(&errs), 1);
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

/* ---- link errors ---------------------------------------------------------- */

/* Parse doc (which must be valid on its own), link it and expect
 * LL_INVALID; errs is initialised here and released by the caller. */
static void parse_link_fail(struct ll_registry *reg, struct ll_errlist *errs,
			    const char *source, const char *doc)
{
	ll_registry_init(reg);
	PARSE_OK(reg, source, doc);
	ll_errlist_init(errs, 0);
	if (ll_registry_link(reg, errs) != LL_INVALID) {
		dump_errs(errs);
		fail_msg("link of %s did not fail", source);
	}
}

static void test_link_unknown_party_in_splits(void **state)
{
	static const char doc[] =
		"{\"parties\": [{\"id\": \"P-1\", \"name\": \"A\", \"kind\": \"artist\"}],\n"
		" \"works\": [\n"
		"  {\"id\": \"W-1\", \"duration_ms\": 5,\n"
		"   \"splits\": {\n"
		"     \"master\": [{\"party\": \"P-1\", \"share\": \"1/2\"},\n"
		"                {\"party\": \"P-GHOST\", \"share\": \"1/2\"}],\n"
		"     \"publishing\": [\n"
		"        {\"party\": \"P-SPOOK\", \"share\": \"1\"}]}}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	parse_link_fail(&reg, &errs, "ghost.json", doc);
	assert_int_equal(ll_errlist_count(&errs), 2);
	EXPECT_ERR(&errs, "ghost.json", "works[0].splits.master[1].party",
		   line_of(doc, "P-GHOST"), "unknown party \"P-GHOST\"");
	EXPECT_ERR(&errs, "ghost.json", "works[0].splits.publishing[0].party",
		   line_of(doc, "P-SPOOK"), "unknown party \"P-SPOOK\"");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_link_unknown_work_in_consent(void **state)
{
	static const char doc[] =
		"{\"parties\": [{\"id\": \"P-1\", \"name\": \"A\", \"kind\": \"artist\"}],\n"
		" \"consents\": [\n"
		"  {\"id\": \"C-1\", \"party\": \"P-1\", \"use\": \"training\",\n"
		"   \"decision\": \"opt_in\", \"effective\": \"2026-01-01T00:00:00Z\",\n"
		"   \"work\": \"W-NONE\"},\n"
		"  {\"id\": \"C-2\", \"all_works\": true, \"use\": \"voice\",\n"
		"   \"decision\": \"opt_out\", \"effective\": \"2026-01-01T00:00:00Z\",\n"
		"   \"party\": \"P-NONE\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	parse_link_fail(&reg, &errs, "consent.json", doc);
	assert_int_equal(ll_errlist_count(&errs), 2);
	EXPECT_ERR(&errs, "consent.json", "consents[0].work",
		   line_of(doc, "W-NONE"), "unknown work \"W-NONE\"");
	EXPECT_ERR(&errs, "consent.json", "consents[1].party",
		   line_of(doc, "\"P-NONE\""), "unknown party \"P-NONE\"");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_link_licence_parties(void **state)
{
	static const char doc[] =
		"{\"parties\": [\n"
		"  {\"id\": \"P-NW\", \"name\": \"NW\", \"kind\": \"label\"},\n"
		"  {\"id\": \"P-AI\", \"name\": \"AI\", \"kind\": \"licensee\"}],\n"
		" \"licences\": [\n"
		"  {\"id\": \"L-1\", \"licensor\": \"P-NW\", \"scope\": {\"catalog_of\": \"P-NW\"},\n"
		"   \"uses\": [\"training\"], \"start\": \"2026-01-01\", \"end\": \"2026-12-31\",\n"
		"   \"currency\": \"EUR\",\n"
		"   \"licensee\": \"P-NW\"},\n"
		"  {\"id\": \"L-2\", \"licensee\": \"P-AI\",\n"
		"   \"licensor\": \"P-GONE\",\n"
		"   \"scope\": {\n"
		"     \"catalog_of\": \"P-LOST\"},\n"
		"   \"uses\": [\"training\"], \"start\": \"2026-01-01\", \"end\": \"2026-12-31\",\n"
		"   \"currency\": \"EUR\"},\n"
		"  {\"id\": \"L-3\", \"licensor\": \"P-NW\", \"scope\": {\"catalog_of\": \"P-NW\"},\n"
		"   \"uses\": [\"training\"], \"start\": \"2026-01-01\", \"end\": \"2026-12-31\",\n"
		"   \"currency\": \"EUR\", \"licensee\": \"P-NOT-THERE\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	parse_link_fail(&reg, &errs, "lic.json", doc);
	assert_int_equal(ll_errlist_count(&errs), 4);
	EXPECT_ERR(&errs, "lic.json", "licences[0].licensee",
		   line_of(doc, "\"licensee\": \"P-NW\""),
		   "party \"P-NW\" has kind \"label\", not \"licensee\"");
	EXPECT_ERR(&errs, "lic.json", "licences[1].licensor",
		   line_of(doc, "P-GONE"), "unknown party \"P-GONE\"");
	EXPECT_ERR(&errs, "lic.json", "licences[1].scope.catalog_of",
		   line_of(doc, "P-LOST"), "unknown party \"P-LOST\"");
	EXPECT_ERR(&errs, "lic.json", "licences[2].licensee",
		   line_of(doc, "P-NOT-THERE"),
		   "unknown party \"P-NOT-THERE\"");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_link_payee_rules(void **state)
{
	static const char doc[] =
		"{\"parties\": [\n"
		"  {\"id\": \"A\", \"name\": \"A\", \"kind\": \"artist\", \"payee\": \"B\"},\n"
		"  {\"id\": \"B\", \"name\": \"B\", \"kind\": \"label\", \"payee\": \"C\"},\n"
		"  {\"id\": \"C\", \"name\": \"C\", \"kind\": \"collective\"},\n"
		"  {\"id\": \"S\", \"name\": \"S\", \"kind\": \"artist\",\n"
		"   \"payee\": \"S\"},\n"
		"  {\"id\": \"U\", \"name\": \"U\", \"kind\": \"artist\",\n"
		"   \"payee\": \"NOBODY\"},\n"
		"  {\"id\": \"D\", \"name\": \"D\", \"kind\": \"songwriter\", \"payee\": \"C\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	parse_link_fail(&reg, &errs, "payee.json", doc);
	/* A -> B -> C is a chain (B -> C and D -> C are fine) */
	assert_int_equal(ll_errlist_count(&errs), 3);
	EXPECT_ERR(&errs, "payee.json", "parties[0].payee",
		   line_of(doc, "\"payee\": \"B\""), "payee \"B\"",
		   "routes to \"C\"");
	EXPECT_ERR(&errs, "payee.json", "parties[3].payee",
		   line_of(doc, "\"payee\": \"S\""), "own payee");
	EXPECT_ERR(&errs, "payee.json", "parties[4].payee",
		   line_of(doc, "NOBODY"), "unknown party \"NOBODY\"");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_link_duplicate_isrc(void **state)
{
	static const char doc[] =
		"{\"parties\": [{\"id\": \"P\", \"name\": \"P\", \"kind\": \"label\"}],\n"
		" \"works\": [\n"
		"  {\"id\": \"W-1\", \"isrc\": \"GBAYE6900001\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}},\n"
		"  {\"id\": \"W-2\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]},\n"
		"   \"isrc\": \"gb-aye-69-00001\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	parse_link_fail(&reg, &errs, "isrc.json", doc);
	assert_int_equal(ll_errlist_count(&errs), 1);
	EXPECT_ERR(&errs, "isrc.json", "works[1].isrc",
		   line_of(doc, "gb-aye-69-00001"), "GBAYE6900001",
		   "already the ISRC of work \"W-1\"");
	/* the index keeps the first */
	assert_string_equal(ll_registry_work_by_isrc(&reg, "GBAYE6900001")->id,
			    "W-1");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_link_scope_works(void **state)
{
	static const char doc[] =
		"{\"parties\": [{\"id\": \"P\", \"name\": \"P\", \"kind\": \"label\"},\n"
		"               {\"id\": \"AI\", \"name\": \"AI\", \"kind\": \"licensee\"}],\n"
		" \"works\": [\n"
		"  {\"id\": \"W-1\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}},\n"
		"  {\"id\": \"W-2\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}],\n"
		" \"licences\": [\n"
		"  {\"id\": \"L\", \"licensee\": \"AI\", \"licensor\": \"P\",\n"
		"   \"scope\": {\"works\": [\n"
		"      \"W-1\",\n"
		"      \"W-2\",\n"
		"      \"W-1\",\n"
		"      \"W-3\"]},\n"
		"   \"uses\": [\"training\"], \"start\": \"2026-01-01\", \"end\": \"2026-12-31\",\n"
		"   \"currency\": \"EUR\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;
	char marker[32];

	(void)state;
	parse_link_fail(&reg, &errs, "scope.json", doc);
	assert_int_equal(ll_errlist_count(&errs), 2);
	/* the third entry is the repeat: line of the third "W-1" */
	snprintf(marker, sizeof(marker), "\"W-2\",\n      \"W-1\"");
	EXPECT_ERR(&errs, "scope.json", "licences[0].scope.works[2]",
		   line_of(doc, marker) + 1, "work \"W-1\"", "listed twice");
	EXPECT_ERR(&errs, "scope.json", "licences[0].scope.works[3]",
		   line_of(doc, "\"W-3\""), "unknown work \"W-3\"");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

/* A reference to a record that itself failed to parse is not reported a
 * second time as unknown; a reference to one never given still is. */
static void test_link_after_parse_errors(void **state)
{
	static const char doc[] =
		"{\"parties\": [\n"
		"  {\"id\": \"P-1\", \"name\": \"A\", \"kind\": \"artist\"},\n"
		"  {\"id\": \"P-BAD\", \"name\": \"B\", \"kind\": \"band\"}],\n"
		" \"works\": [\n"
		"  {\"id\": \"W-BAD\", \"duration_ms\": 0,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P-1\", \"share\": \"1\"}]}},\n"
		"  {\"id\": \"W-1\", \"duration_ms\": 5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P-BAD\", \"share\": \"1/2\"},\n"
		"                           {\"party\": \"P-NEVER\", \"share\": \"1/2\"}]}}],\n"
		" \"consents\": [\n"
		"  {\"id\": \"C-1\", \"party\": \"P-BAD\", \"work\": \"W-BAD\", \"use\": \"training\",\n"
		"   \"decision\": \"opt_in\", \"effective\": \"2026-01-01T00:00:00Z\"},\n"
		"  {\"id\": \"C-2\", \"party\": \"P-1\", \"work\": \"W-NEVER\", \"use\": \"training\",\n"
		"   \"decision\": \"opt_in\", \"effective\": \"2026-01-01T00:00:00Z\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	ll_registry_init(&reg);
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_registry_parse(&reg, "part.json", doc, strlen(doc),
					   &errs),
			 LL_INVALID);
	assert_int_equal(ll_errlist_count(&errs), 2);
	EXPECT_ERR(&errs, "part.json", "parties[1].kind", line_of(doc, "band"),
		   "\"band\"");
	EXPECT_ERR(&errs, "part.json", "works[0].duration_ms",
		   line_of(doc, "\"duration_ms\": 0"), "out of range");
	ll_errlist_release(&errs);
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_registry_link(&reg, &errs), LL_INVALID);
	assert_int_equal(ll_errlist_count(&errs), 2);
	EXPECT_ERR(&errs, "part.json", "works[1].splits.master[1].party",
		   line_of(doc, "P-NEVER"), "unknown party \"P-NEVER\"");
	EXPECT_ERR(&errs, "part.json", "consents[1].work",
		   line_of(doc, "W-NEVER"), "unknown work \"W-NEVER\"");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_link_twice_same_result(void **state)
{
	struct ll_registry reg;

	(void)state;
	load_full(&reg);
	LINK_OK(&reg); /* the ISRC index is rebuilt, not doubled */
	assert_non_null(ll_registry_work_by_isrc(&reg, "GBAYE6900001"));
	assert_non_null(ll_registry_work_by_isrc(&reg, "GBAYE6900002"));
	ll_registry_release(&reg);
}

/* ---- split sums ----------------------------------------------------------- */

static void split_doc(char *buf, size_t size, const char *const *shares,
		      size_t n)
{
	size_t off;
	int k;

	k = snprintf(buf, size,
		     "{\"works\": [{\"id\": \"W\", \"duration_ms\": 5,\n"
		     "  \"splits\": {\"master\": [\n");
	assert_true(k > 0 && (size_t)k < size);
	off = (size_t)k;
	for (size_t i = 0; i < n; i++) {
		k = snprintf(buf + off, size - off,
			     "%s    {\"party\": \"P-%zu\", \"share\": \"%s\"}",
			     i ? ",\n" : "", i, shares[i]);
		assert_true(k > 0 && (size_t)k < size - off);
		off += (size_t)k;
	}
	k = snprintf(buf + off, size - off, "]}}]}");
	assert_true(k > 0 && (size_t)k < size - off);
}

static void test_split_sums(void **state)
{
	static const struct {
		const char *shares[4];
		const char *sum; /* NULL: accepted */
	} cases[] = {
		{ { "1/3", "1/3", "1/3" }, NULL },
		{ { "0.333", "0.333", "0.334" }, NULL },
		{ { "999/1000" }, "999/1000" },
		{ { "1001/1000" }, "1001/1000" },
		{ { "0.5", "0.499" }, "999/1000" },
		{ { "0.5", "0.501" }, "1001/1000" },
		{ { "0.333", "0.333", "0.333" }, "999/1000" },
		{ { "1/3", "1/3", "0.333333333333333333" },
		  "2999999999999999999/3000000000000000000" },
		{ { "1", "0" }, NULL },
		{ { "0" }, "0" },
		{ { "2/4", "25/100", "0.25" }, NULL },
		{ { "1.000000000000000001" }, "1000000000000000001/1000000000000000000" },
	};
	char doc[1024];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ll_registry reg;
		struct ll_errlist errs;
		size_t n = 0;
		enum ll_status rc;

		while (n < 4 && cases[i].shares[n])
			n++;
		split_doc(doc, sizeof(doc), cases[i].shares, n);
		ll_registry_init(&reg);
		ll_errlist_init(&errs, 0);
		rc = ll_registry_parse(&reg, "sum.json", doc, strlen(doc),
				       &errs);
		if (!cases[i].sum) {
			if (rc != LL_OK) {
				dump_errs(&errs);
				fail_msg("case %zu rejected", i);
			}
			assert_int_equal(ll_registry_count(&reg, LL_REC_WORK),
					 1);
		} else {
			char want[128];

			assert_int_equal(rc, LL_INVALID);
			assert_int_equal(ll_errlist_count(&errs), 1);
			snprintf(want, sizeof(want), "shares sum to %s,",
				 cases[i].sum);
			EXPECT_ERR(&errs, "sum.json", "works[0].splits.master",
				   line_of(doc, "\"master\""), want,
				   "exactly 1");
			assert_int_equal(ll_registry_count(&reg, LL_REC_WORK),
					 0);
		}
		ll_errlist_release(&errs);
		ll_registry_release(&reg);
	}
}

/* ---- per-record and document errors --------------------------------------- */

struct bad_record {
	const char *doc;
	const char *field;
	const char *line_at;	/* marker whose line is expected */
	const char *words[3];
};

/* Each document has exactly one problem. */
static const struct bad_record bad_records[] = {
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 1,\n"
	  "  \"splits\": {\"master\": [\n   {\"party\": \"P\", \"share\": 1}]}}]}",
	  "works[0].splits.master[0].share", "\"share\": 1",
	  { "exact string", "not a JSON number" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 1,\n"
	  "  \"splits\": {\"master\": [\n   {\"party\": \"P\", \"share\": 1.0}]}}]}",
	  "works[0].splits.master[0].share", "\"share\": 1.0",
	  { "not a JSON number" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 1,\n"
	  "  \"splits\": {\"master\": [\n   {\"party\": \"P\", \"share\": \"1e0\"}]}}]}",
	  "works[0].splits.master[0].share", "1e0",
	  { "invalid exact number \"1e0\"", "offset 1" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 1,\n"
	  "  \"splits\": {\"master\": [\n   {\"party\": \"P\", \"share\": \"-1\"}]}}]}",
	  "works[0].splits.master[0].share", "\"-1\"",
	  { "invalid exact number" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 1,\n"
	  "  \"splits\": {\"master\": [\n   {\"party\": \"P\", \"share\": \" 1\"}]}}]}",
	  "works[0].splits.master[0].share", "\" 1\"",
	  { "invalid exact number" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"artist\",\n"
	  "  \"nickname\": \"x\"}]}",
	  "parties[0].nickname", "nickname", { "unknown field \"nickname\"" } },
	{ "{\"works\": [\n {\"id\": \"W\",\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].duration_ms", "{\"id\": \"W\"", { "missing required field" } },
	{ "{\"works\": [\n {\"id\": \"W\",\n  \"duration_ms\": 0,\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].duration_ms", "\"duration_ms\": 0",
	  { "0 is out of range 1..31622400000" } },
	{ "{\"works\": [\n {\"id\": \"W\",\n  \"duration_ms\": 31622400001,\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].duration_ms", "\"duration_ms\": 3", { "out of range" } },
	{ "{\"works\": [\n {\"id\": \"W\",\n  \"duration_ms\": \"1000\",\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].duration_ms", "\"duration_ms\": \"",
	  { "must be a JSON integer, not a string" } },
	{ "{\"works\": [\n {\"id\": \"W\",\n  \"duration_ms\": 1.5,\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].duration_ms", "1.5",
	  { "must be a JSON integer, not a number with a fraction" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"isrc\": \"GB-AYE-69-0000\",\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].isrc", "GB-AYE", { "invalid ISRC \"GB-AYE-69-0000\"" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"iswc\": \"T-034.524.680-2\",\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].iswc", "T-034", { "invalid ISWC", "check digit" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"content_sha256\": \"abc\",\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].content_sha256", "abc", { "invalid SHA-256 \"abc\"" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"title\": \"\",\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}]}}]}",
	  "works[0].title", "\"title\"", { "must not be empty" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5}]}",
	  "works[0].splits", "{\"id\": \"W\"", { "missing required field" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"splits\": {}}]}",
	  "works[0].splits", "\"splits\"",
	  { "\"master\"", "\"publishing\"" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"splits\": [{\"party\": \"P\", \"share\": \"1\"}]}]}",
	  "works[0].splits", "\"splits\"", { "must be an object, not an array" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"splits\": {\"master\": [{\"party\": \"P\", \"share\": \"1\"}],\n"
	  "    \"sync\": []}}]}",
	  "works[0].splits.sync", "\"sync\"", { "unknown field \"sync\"" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"splits\": {\"master\": []}}]}",
	  "works[0].splits.master", "\"master\"",
	  { "at least one party" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"splits\": {\"master\": [\"P\"]}}]}",
	  "works[0].splits.master[0]", "\"master\"",
	  { "must be an object, not a string" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"splits\": {\"master\": [\n    {\"party\": \"P\", \"share\": \"1/2\"},\n"
	  "    {\"party\": \"P\", \"share\": \"1/2\"}]}}]}",
	  "works[0].splits.master[1].party", "{\"party\": \"P\", \"share\": \"1/2\"}]",
	  { "party \"P\" is listed twice on the master side" } },
	{ "{\"works\": [\n {\"id\": \"W\", \"duration_ms\": 5,\n"
	  "  \"splits\": {\"master\": [\n    {\"party\": \"P\", \"share\": \"1\", \"role\": \"x\"}]}}]}",
	  "works[0].splits.master[0].role", "\"role\"",
	  { "unknown field \"role\"" } },
	{ "{\"parties\": [\n {\"id\": \"P 1\", \"name\": \"A\", \"kind\": \"artist\"}]}",
	  "parties[0].id", "P 1", { "invalid identifier \"P 1\"" } },
	{ "{\"parties\": [\n {\"name\": \"A\", \"kind\": \"artist\"}]}",
	  "parties[0].id", "{\"name\"", { "missing required field" } },
	{ "{\"parties\": [\n {\"id\": 7, \"name\": \"A\", \"kind\": \"artist\"}]}",
	  "parties[0].id", "\"id\": 7", { "must be a string, not an integer" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"\", \"kind\": \"artist\"}]}",
	  "parties[0].name", "\"name\"", { "must not be empty" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\",\n  \"kind\": \"alien\"}]}",
	  "parties[0].kind", "alien",
	  { "\"alien\" is not one of: artist, songwriter, label, publisher, "
	    "collective, licensee" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"artist\",\n"
	  "  \"isni\": \"0000000121032684\"}]}",
	  "parties[0].isni", "\"isni\"", { "invalid ISNI" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"artist\",\n"
	  "  \"payee\": \"a/b\"}]}",
	  "parties[0].payee", "\"payee\"", { "invalid identifier" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"artist\",\n"
	  "  \"webhook\": \"ftp://x.example/\"}]}",
	  "parties[0].webhook", "ftp", { "https://" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"label\",\n"
	  "  \"payout\": {\"method\": \"iban\",\n"
	  "    \"iban\": \"DE89370400440532013001\", \"currency\": \"EUR\"}}]}",
	  "parties[0].payout.iban", "DE89", { "invalid IBAN" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"label\",\n"
	  "  \"payout\": {\"method\": \"iban\", \"currency\": \"EUR\"}}]}",
	  "parties[0].payout.iban", "\"payout\"", { "missing required field" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"label\",\n"
	  "  \"payout\": {\"iban\": \"DE89370400440532013000\", \"currency\": \"EUR\",\n"
	  "    \"method\": \"swift\"}}]}",
	  "parties[0].payout.method", "swift", { "\"swift\" is not one of: iban" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"label\",\n"
	  "  \"payout\": {\"method\": \"iban\", \"iban\": \"DE89370400440532013000\",\n"
	  "    \"bic\": \"COBA\", \"currency\": \"EUR\"}}]}",
	  "parties[0].payout.bic", "COBA\"", { "invalid BIC" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"label\",\n"
	  "  \"payout\": {\"method\": \"iban\", \"iban\": \"DE89370400440532013000\",\n"
	  "    \"currency\": \"XAU\"}}]}",
	  "parties[0].payout.currency", "XAU", { "unknown currency \"XAU\"" } },
	{ "{\"parties\": [\n {\"id\": \"P\", \"name\": \"A\", \"kind\": \"label\",\n"
	  "  \"payout\": \"DE89370400440532013000\"}]}",
	  "parties[0].payout", "\"payout\"", { "must be an object, not a string" } },
	{ "{\"parties\": [\n 5]}", "parties[0]", " 5", { "must be an object, not an integer" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"all_works\": true,\n"
	  "  \"work\": \"W\", \"use\": \"voice\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\"}]}",
	  "consents[0].work", "\"work\"", { "either", "not both" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\",\n"
	  "  \"use\": \"voice\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\"}]}",
	  "consents[0]", "{\"id\": \"C\"", { "must name \"work\"" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"all_works\": false,\n"
	  "  \"use\": \"voice\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\"}]}",
	  "consents[0]", "{\"id\": \"C\"", { "must name \"work\"" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"all_works\": \"yes\", \"work\": \"W\",\n"
	  "  \"use\": \"voice\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\"}]}",
	  "consents[0].all_works", "\"yes\"", { "must be true or false, not a string" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"work\": \"W\",\n"
	  "  \"use\": \"listening\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\"}]}",
	  "consents[0].use", "listening",
	  { "\"listening\" is not one of: training, generation, voice" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"work\": \"W\",\n"
	  "  \"use\": \"voice\", \"decision\": \"maybe\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\"}]}",
	  "consents[0].decision", "maybe", { "not one of: opt_in, opt_out" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"work\": \"W\",\n"
	  "  \"use\": \"voice\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00+01:00\"}]}",
	  "consents[0].effective", "+01:00", { "invalid timestamp" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"work\": \"W\",\n"
	  "  \"use\": \"voice\", \"decision\": \"opt_in\"}]}",
	  "consents[0].effective", "{\"id\": \"C\"", { "missing required field" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"work\": \"W\",\n"
	  "  \"use\": \"voice\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\",\n"
	  "  \"evidence\": {\"sha256\": \"xyz\"}}]}",
	  "consents[0].evidence.sha256", "xyz", { "invalid SHA-256" } },
	{ "{\"consents\": [\n {\"id\": \"C\", \"party\": \"P\", \"work\": \"W\",\n"
	  "  \"use\": \"voice\", \"decision\": \"opt_in\",\n"
	  "  \"effective\": \"2026-01-01T00:00:00Z\",\n"
	  "  \"evidence\": {\"url\": \"https://x\"}}]}",
	  "consents[0].evidence.url", "\"url\"", { "unknown field \"url\"" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-12-31\",\n  \"end\": \"2026-01-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].end", "\"end\"", { "2026-01-01 is before start 2026-12-31" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-02-30\",\n  \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].start", "\"start\"", { "invalid date \"2026-02-30\"" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\",\n  \"currency\": \"EURO\"}]}",
	  "licences[0].currency", "EURO", { "unknown currency \"EURO\"" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\",\n"
	  "  \"terms\": {\"master_share\": \"3/2\"}}]}",
	  "licences[0].terms.master_share", "3/2", { "\"3/2\" is more than 1" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\",\n"
	  "  \"terms\": {\"training_fee\": 100}}]}",
	  "licences[0].terms.training_fee", "100", { "not a JSON number" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\",\n"
	  "  \"terms\": {\"training_basis\": \"hours\"}}]}",
	  "licences[0].terms.training_basis", "hours",
	  { "\"hours\" is not one of: duration, count" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\",\n"
	  "  \"terms\": {\"royalty\": \"1\"}}]}",
	  "licences[0].terms.royalty", "royalty", { "unknown field \"royalty\"" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"},\n  \"uses\": [\"training\", \"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].uses[1]", "\"uses\"", { "\"training\" is listed twice" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"},\n  \"uses\": [],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].uses", "\"uses\"", { "at least one use" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"},\n  \"uses\": [\"streaming\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].uses[0]", "streaming",
	  { "\"streaming\" is not one of: training, generation, voice" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\"},\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].uses", "{\"id\": \"L\"", { "missing required field" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"catalog_of\": \"B\", \"works\": [\"W\"]}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope", "\"scope\"", { "must be either" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope", "\"scope\"", { "must be either" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"works\": []}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope.works", "\"scope\"", { "must list 1 to" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"works\": [\"W\",\n    5]}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope.works[1]", "5]", { "must be a work id, not an integer" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"works\": \"W\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope.works", "\"scope\"",
	  { "must be an array, not a string" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"works\": [\n    \"W 1\"]}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope.works[0]", "W 1", { "invalid work id \"W 1\"" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"scope\": {\"works\": [\"W\"], \"genre\": \"pop\"}, \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope.genre", "genre", { "unknown field \"genre\"" } },
	{ "{\"licences\": [\n {\"id\": \"L\", \"licensee\": \"A\", \"licensor\": \"B\",\n"
	  "  \"uses\": [\"training\"],\n"
	  "  \"start\": \"2026-01-01\", \"end\": \"2026-03-01\", \"currency\": \"EUR\"}]}",
	  "licences[0].scope", "{\"id\": \"L\"", { "missing required field" } },
};

/* Run every case (a failing case does not hide the next ones); returns the
 * number of failing cases. */
static size_t check_bad_records(const struct bad_record *cases, size_t n)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct bad_record *c = &cases[i];
		struct ll_registry reg;
		struct ll_errlist errs;
		enum ll_status rc;
		const char *const *w = c->words;
		const struct ll_error *e = NULL;
		bool ok = true;

		ll_registry_init(&reg);
		ll_errlist_init(&errs, 0);
		rc = ll_registry_parse(&reg, "bad.json", c->doc,
				       strlen(c->doc), &errs);
		if (rc != LL_INVALID || ll_errlist_count(&errs) != 1) {
			print_error("case %zu (%s): status %d, %zu errors\n",
				    i, c->field, (int)rc,
				    ll_errlist_count(&errs));
			ok = false;
		} else {
			e = &errs.v[0];
			if (strcmp(e->field, c->field) != 0 ||
			    e->line != line_of(c->doc, c->line_at) ||
			    strcmp(e->source, "bad.json") != 0 ||
			    e->code != LL_INVALID) {
				print_error("case %zu: expected %s at line "
					    "%ld\n", i, c->field,
					    line_of(c->doc, c->line_at));
				ok = false;
			}
			for (; *w; w++) {
				if (!strstr(e->text, *w)) {
					print_error("case %zu: \"%s\" lacks "
						    "\"%s\"\n", i, e->text, *w);
					ok = false;
				}
			}
		}
		/* a rejected record is not added */
		for (int k = 0; k < LL_REC_KIND_COUNT; k++)
			if (ll_registry_count(&reg, (enum ll_record_kind)k)) {
				print_error("case %zu: a record was added\n",
					    i);
				ok = false;
			}
		if (!ok) {
			dump_errs(&errs);
			failed++;
		}
		ll_errlist_release(&errs);
		ll_registry_release(&reg);
	}
	return failed;
}

static void test_bad_records(void **state)
{
	size_t failed;

	(void)state;
	failed = check_bad_records(bad_records, N_ELEMS(bad_records));
	if (failed)
		fail_msg("%zu of %zu cases failed", failed,
			 N_ELEMS(bad_records));
}

static void test_text_too_long(void **state)
{
	static const char head[] =
		"{\"parties\": [{\"id\": \"P\", \"kind\": \"artist\", \"name\": \"";
	static const char tail[] = "\"}]}";
	struct ll_registry reg;
	struct ll_errlist errs;
	size_t hl = strlen(head), tl = strlen(tail);
	char *doc = malloc(hl + 1025 + tl + 1);

	(void)state;
	assert_non_null(doc);
	/* 1024 bytes: accepted */
	memcpy(doc, head, hl);
	memset(doc + hl, 'n', 1024);
	memcpy(doc + hl + 1024, tail, tl + 1);
	ll_registry_init(&reg);
	PARSE_OK(&reg, "long.json", doc);
	assert_int_equal(strlen(ll_registry_party(&reg, "P")->name), 1024);
	ll_registry_release(&reg);
	/* 1025 bytes: rejected */
	memset(doc + hl, 'n', 1025);
	memcpy(doc + hl + 1025, tail, tl + 1);
	ll_registry_init(&reg);
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_registry_parse(&reg, "long.json", doc, strlen(doc),
					   &errs),
			 LL_INVALID);
	EXPECT_ERR(&errs, "long.json", "parties[0].name", 1,
		   "longer than 1024 bytes");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
	free(doc);
}

/* Every bad record of a document is reported, good ones are still read. */
static void test_every_problem_reported(void **state)
{
	static const char doc[] =
		"{\"parties\": [\n"
		"  {\"id\": \"P-1\", \"name\": \"A\", \"kind\": \"artist\"},\n"
		"  {\"id\": \"P-2\", \"name\": \"B\", \"kind\": \"band\"},\n"
		"  {\"id\": \"P-3\", \"name\": 3, \"kind\": \"artist\", \"x\": 1}],\n"
		" \"works\": [\n"
		"  {\"id\": \"W-1\", \"duration_ms\": -5,\n"
		"   \"splits\": {\"master\": [{\"party\": \"P-1\", \"share\": 0.5},\n"
		"                           {\"party\": \"P-2\", \"share\": \"1/2\"}]}}]}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	ll_registry_init(&reg);
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_registry_parse(&reg, "many.json", doc, strlen(doc),
					   &errs),
			 LL_INVALID);
	assert_int_equal(ll_errlist_count(&errs), 5);
	EXPECT_ERR(&errs, "many.json", "parties[1].kind", line_of(doc, "band"),
		   "\"band\"");
	EXPECT_ERR(&errs, "many.json", "parties[2].name",
		   line_of(doc, "\"name\": 3"), "must be a string, not an integer");
	EXPECT_ERR(&errs, "many.json", "parties[2].x",
		   line_of(doc, "\"name\": 3"), "unknown field \"x\"");
	EXPECT_ERR(&errs, "many.json", "works[0].duration_ms",
		   line_of(doc, "-5"), "-5 is out of range");
	EXPECT_ERR(&errs, "many.json", "works[0].splits.master[0].share",
		   line_of(doc, "0.5}"), "not a JSON number");
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 1);
	assert_non_null(ll_registry_party(&reg, "P-1"));
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

static void test_document_errors(void **state)
{
	static const struct {
		const char *doc;
		const char *field;
		long line;
		const char *word;
	} cases[] = {
		{ "{\n  \"parties\": [\n    {\"id\": }\n  ]\n}", "", 3,
		  "invalid JSON" },
		{ "", "", -1, "invalid JSON" },
		{ "{\"parties\": [], \"parties\": []}", "parties", 1,
		  "duplicate key \"parties\"" },
		{ "{\"works\": [{\"id\": \"W\"},\n {\"id\": \"X\", \"splits\":\n"
		  "  {\"master\": [{\"party\": \"P\", \"share\": \"1\",\n"
		  "    \"party\": \"Q\"}]}}]}",
		  "works[1].splits.master[0].party", 4,
		  "duplicate key \"party\"" },
		{ "[{\"id\": \"P\"}]", "", 1, "must be a JSON object" },
		{ "\"parties\"", "", 1, "invalid JSON" }, /* jansson: not
							       * an object */
		{ "{}", "", 1, "holds none of" },
		{ "{\n\"parties\": [],\n\"artists\": []}", "artists", 3,
		  "unknown registry \"artists\"" },
		{ "{\n\"parties\": {\"id\": \"P\"}}", "parties", 2,
		  "must be an array, not an object" },
		{ "{\"parties\": [{\"id\": \"P\", \"name\": \"N\", \"kind\": \"artist\","
		  " \"x\": [[[[[[[[[[[[[[1]]]]]]]]]]]]]]}]}",
		  "", 1, "nested deeper than 16" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ll_registry reg;
		struct ll_errlist errs;
		enum ll_status rc;

		ll_registry_init(&reg);
		ll_errlist_init(&errs, 0);
		rc = ll_registry_parse(&reg, "doc.json", cases[i].doc,
				       strlen(cases[i].doc), &errs);
		if (rc != LL_INVALID || ll_errlist_count(&errs) != 1) {
			dump_errs(&errs);
			fail_msg("case %zu: status %d", i, (int)rc);
		}
		EXPECT_ERR(&errs, "doc.json", cases[i].field, cases[i].line,
			   cases[i].word);
		ll_errlist_release(&errs);
		ll_registry_release(&reg);
	}
}

static void test_empty_arrays_and_nesting_limit(void **state)
{
	/* 16 levels is allowed: { [ { and 13 arrays */
	static const char deep16[] =
		"{\"parties\": [{\"id\": \"P\", \"name\": \"N\", \"kind\": \"artist\","
		" \"x\": [[[[[[[[[[[[[1]]]]]]]]]]]]]}]}";
	static const char empty[] =
		"{\"parties\": [], \"works\": [], \"consents\": [], \"licences\": []}";
	struct ll_registry reg;
	struct ll_errlist errs;

	(void)state;
	ll_registry_init(&reg);
	PARSE_OK(&reg, "empty.json", empty);
	LINK_OK(&reg);
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), 0);
	/* the depth is checked before the records, so the only error is the
	 * unknown field "x" */
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_registry_parse(&reg, "deep.json", deep16,
					   strlen(deep16), &errs),
			 LL_INVALID);
	assert_int_equal(ll_errlist_count(&errs), 1);
	EXPECT_ERR(&errs, "deep.json", "parties[0].x", 1, "unknown field");
	ll_errlist_release(&errs);
	ll_registry_release(&reg);
}

/* ---- order independence --------------------------------------------------- */

static const char ORDER_A[] =
	"{\"works\": [\n"
	"  {\"id\": \"W-1\", \"isrc\": \"GB-AYE-69-00001\", \"duration_ms\": 5,\n"
	"   \"splits\": {\"master\": [{\"party\": \"P-NW\", \"share\": \"2/3\"},\n"
	"                           {\"party\": \"P-ADA\", \"share\": \"1/3\"}]}}],\n"
	" \"parties\": [\n"
	"  {\"id\": \"P-NW\", \"name\": \"NW\", \"kind\": \"label\"},\n"
	"  {\"id\": \"P-ADA\", \"name\": \"Ada\", \"kind\": \"artist\", \"payee\": \"P-NW\"}]}";
static const char ORDER_B[] =
	"{\"licences\": [\n"
	"  {\"id\": \"L\", \"licensee\": \"P-AI\", \"licensor\": \"P-NW\",\n"
	"   \"scope\": {\"works\": [\"W-1\", \"W-2\"]}, \"uses\": [\"training\"],\n"
	"   \"start\": \"2026-01-01\", \"end\": \"2026-12-31\", \"currency\": \"EUR\"}],\n"
	" \"consents\": [\n"
	"  {\"id\": \"C-1\", \"party\": \"P-ADA\", \"work\": \"W-2\", \"use\": \"training\",\n"
	"   \"decision\": \"opt_in\", \"effective\": \"2026-01-01T00:00:00Z\"}],\n"
	" \"parties\": [\n"
	"  {\"id\": \"P-AI\", \"name\": \"AI\", \"kind\": \"licensee\"},\n"
	"  {\"kind\": \"label\", \"name\": \"NW\", \"id\": \"P-NW\"}],\n"
	" \"works\": [\n"
	"  {\"id\": \"W-2\", \"duration_ms\": 7,\n"
	"   \"splits\": {\"publishing\": [{\"party\": \"P-ADA\", \"share\": \"1\"}]}}]}";

/* Sorted "kind id sha256" lines of a registry, newline-joined. */
static char *identity_of(const struct ll_registry *reg)
{
	size_t n = 0, k, i, cap = 0;
	char **lines;
	char *out;
	size_t off = 0;

	for (k = 0; k < LL_REC_KIND_COUNT; k++)
		n += ll_registry_count(reg, (enum ll_record_kind)k);
	lines = calloc(n ? n : 1, sizeof(*lines));
	assert_non_null(lines);
	n = 0;
	for (k = 0; k < LL_REC_KIND_COUNT; k++) {
		for (i = 0; i < ll_registry_count(reg, (enum ll_record_kind)k);
		     i++) {
			const struct ll_record_meta *m = ll_registry_meta(
				reg, (enum ll_record_kind)k, i);
			size_t len = 200;

			lines[n] = malloc(len);
			assert_non_null(lines[n]);
			snprintf(lines[n], len, "%s %s %s",
				 ll_record_kind_name((enum ll_record_kind)k),
				 ll_registry_id(reg, (enum ll_record_kind)k, i),
				 m->sha256);
			cap += strlen(lines[n]) + 1;
			n++;
		}
	}
	/* insertion sort: n is small */
	for (i = 1; i < n; i++) {
		for (k = i; k > 0 && strcmp(lines[k - 1], lines[k]) > 0; k--) {
			char *t = lines[k];

			lines[k] = lines[k - 1];
			lines[k - 1] = t;
		}
	}
	out = malloc(cap + 1);
	assert_non_null(out);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);

		memcpy(out + off, lines[i], len);
		off += len;
		out[off++] = '\n';
		free(lines[i]);
	}
	out[off] = '\0';
	free(lines);
	return out;
}

static void test_order_independence(void **state)
{
	struct ll_registry ab, ba;
	char *ia, *ib;

	(void)state;
	ll_registry_init(&ab);
	PARSE_OK(&ab, "a.json", ORDER_A);
	PARSE_OK(&ab, "b.json", ORDER_B);
	LINK_OK(&ab);
	ll_registry_init(&ba);
	PARSE_OK(&ba, "b.json", ORDER_B);
	PARSE_OK(&ba, "a.json", ORDER_A);
	LINK_OK(&ba);
	ia = identity_of(&ab);
	ib = identity_of(&ba);
	assert_string_equal(ia, ib);
	/* 3 parties (P-NW once), 2 works, 1 consent, 1 licence */
	assert_int_equal(ll_registry_count(&ab, LL_REC_PARTY), 3);
	assert_int_equal(ll_registry_count(&ba, LL_REC_PARTY), 3);
	assert_int_equal(ll_registry_count(&ab, LL_REC_WORK), 2);
	assert_int_equal(ll_registry_count(&ba, LL_REC_WORK), 2);
	assert_int_equal(ll_registry_count(&ab, LL_REC_CONSENT), 1);
	assert_int_equal(ll_registry_count(&ab, LL_REC_LICENCE), 1);
	assert_non_null(ll_registry_work_by_isrc(&ab, "GBAYE6900001"));
	assert_non_null(ll_registry_work_by_isrc(&ba, "GBAYE6900001"));
	free(ia);
	free(ib);
	ll_registry_release(&ab);
	ll_registry_release(&ba);
}

/* ---- a few hundred random valid works -------------------------------------- */

enum { RND_PARTIES = 40, RND_WORKS = 400, RND_SIDE_MAX = 6 };

struct gen_share {
	unsigned party;
	unsigned num, den;
};

struct gen_work {
	char id[16];
	char isrc[13];		/* canonical */
	int64_t duration_ms;
	bool has[LL_SIDE_COUNT];
	size_t n[LL_SIDE_COUNT];
	struct gen_share sh[LL_SIDE_COUNT][RND_SIDE_MAX];
};

static json_t *jstr(const char *s)
{
	json_t *v = json_string(s);

	assert_non_null(v);
	return v;
}

static void set(json_t *obj, const char *key, json_t *v)
{
	assert_non_null(v);
	assert_int_equal(json_object_set_new(obj, key, v), 0);
}

/* Random splits of one side: n distinct parties, numerators >= 1 summing
 * to den. */
static void gen_side(struct rng *r, struct gen_work *g, int s)
{
	unsigned den, left;
	size_t n = 1 + rng_below(r, RND_SIDE_MAX), i, j;

	switch (rng_below(r, 3)) {
	case 0:
		den = 1000;	/* decimals with 3 places */
		break;
	case 1:
		den = 1u << rng_below(r, 8);	/* binary fractions */
		break;
	default:
		den = 1 + rng_below(r, 997);	/* any fraction */
		break;
	}
	if (n > den)
		n = den;
	g->has[s] = true;
	g->n[s] = n;
	left = den;
	for (i = 0; i < n; i++) {
		unsigned p;
		bool dup;

		do {
			p = rng_below(r, RND_PARTIES);
			dup = false;
			for (j = 0; j < i; j++)
				dup |= g->sh[s][j].party == p;
		} while (dup);
		g->sh[s][i].party = p;
		g->sh[s][i].den = den;
		if (i + 1 == n)
			g->sh[s][i].num = left;
		else
			g->sh[s][i].num =
				1 + rng_below(r, left - (unsigned)(n - i) + 1);
		left -= g->sh[s][i].num;
	}
}

static json_t *gen_share_json(struct rng *r, const struct gen_share *sh)
{
	json_t *o = json_object();
	char pid[16], share[32];

	assert_non_null(o);
	snprintf(pid, sizeof(pid), "P-%u", sh->party);
	if (sh->den == 1000 && rng_below(r, 2))
		snprintf(share, sizeof(share), "%u.%03u", sh->num / 1000,
			 sh->num % 1000);
	else
		snprintf(share, sizeof(share), "%u/%u", sh->num, sh->den);
	set(o, "party", jstr(pid));
	set(o, "share", jstr(share));
	return o;
}

static void test_random_works(void **state)
{
	struct rng r = { UINT64_C(0x5eed5eed12345678) };
	struct gen_work *g = calloc(RND_WORKS, sizeof(*g));
	json_t *root = json_object(), *parties = json_array(),
	       *works = json_array();
	struct ll_registry reg;
	char *text;
	size_t i;
	unsigned p;
	int s;

	(void)state;
	assert_non_null(g);
	assert_non_null(root);
	for (p = 0; p < RND_PARTIES; p++) {
		json_t *o = json_object();
		char id[16], name[32];

		assert_non_null(o);
		snprintf(id, sizeof(id), "P-%u", p);
		snprintf(name, sizeof(name), "Party %u", p);
		set(o, "id", jstr(id));
		set(o, "name", jstr(name));
		set(o, "kind", jstr(p % 2 ? "artist" : "label"));
		assert_int_equal(json_array_append_new(parties, o), 0);
	}
	for (i = 0; i < RND_WORKS; i++) {
		static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
		json_t *o = json_object(), *splits = json_object();
		char cc[3], reg3[4], in[40], title[32];
		unsigned yy = rng_below(&r, 100);

		assert_non_null(o);
		assert_non_null(splits);
		snprintf(g[i].id, sizeof(g[i].id), "W-%05zu", i);
		cc[0] = (char)('A' + rng_below(&r, 26));
		cc[1] = (char)('A' + rng_below(&r, 26));
		cc[2] = '\0';
		for (int k = 0; k < 3; k++)
			reg3[k] = alnum[rng_below(&r, 36)];
		reg3[3] = '\0';
		/* the designation code is the work number: ISRCs unique */
		snprintf(g[i].isrc, sizeof(g[i].isrc), "%s%s%02u%05zu", cc,
			 reg3, yy, i);
		switch (rng_below(&r, 3)) {
		case 0:
			snprintf(in, sizeof(in), "%s", g[i].isrc);
			break;
		case 1:
			snprintf(in, sizeof(in), "%s-%s-%02u-%05zu", cc, reg3,
				 yy, i);
			break;
		default:
			snprintf(in, sizeof(in), "%c%c %s %02u %05zu",
				 cc[0] + 32, cc[1] + 32, reg3, yy, i);
			break;
		}
		g[i].duration_ms = 1 + (int64_t)(rng_next(&r) % 600000);
		set(o, "id", jstr(g[i].id));
		set(o, "isrc", jstr(in));
		set(o, "duration_ms", json_integer(g[i].duration_ms));
		if (rng_below(&r, 2)) {
			snprintf(title, sizeof(title), "Song %zu", i);
			set(o, "title", jstr(title));
		}
		s = (int)rng_below(&r, 3); /* 0: master, 1: publishing, 2: both */
		if (s != 1)
			gen_side(&r, &g[i], LL_SIDE_MASTER);
		if (s != 0)
			gen_side(&r, &g[i], LL_SIDE_PUBLISHING);
		for (s = 0; s < LL_SIDE_COUNT; s++) {
			json_t *arr;

			if (!g[i].has[s])
				continue;
			arr = json_array();
			assert_non_null(arr);
			for (size_t k = 0; k < g[i].n[s]; k++)
				assert_int_equal(
					json_array_append_new(
						arr,
						gen_share_json(&r, &g[i].sh[s][k])),
					0);
			set(splits, ll_side_name((enum ll_side)s), arr);
		}
		set(o, "splits", splits);
		assert_int_equal(json_array_append_new(works, o), 0);
	}
	set(root, "works", works);
	set(root, "parties", parties);
	text = json_dumps(root, JSON_INDENT(1));
	assert_non_null(text);
	json_decref(root);

	ll_registry_init(&reg);
	PARSE_OK(&reg, "random.json", text);
	LINK_OK(&reg);
	assert_int_equal(ll_registry_count(&reg, LL_REC_WORK), RND_WORKS);
	assert_int_equal(ll_registry_count(&reg, LL_REC_PARTY), RND_PARTIES);
	for (i = 0; i < RND_WORKS; i++) {
		const struct ll_work *w = ll_registry_work(&reg, g[i].id);
		mpq_t q, sum;

		if (!w)
			fail_msg("work %s not found", g[i].id);
		if (ll_registry_work_by_isrc(&reg, g[i].isrc) != w)
			fail_msg("ISRC %s does not find work %s", g[i].isrc,
				 g[i].id);
		assert_string_equal(w->isrc, g[i].isrc);
		assert_string_equal(json_str_at(w->meta.json, "isrc"),
				    g[i].isrc);
		assert_int_equal(w->duration_ms, g[i].duration_ms);
		mpq_init(q);
		mpq_init(sum);
		for (s = 0; s < LL_SIDE_COUNT; s++) {
			assert_int_equal(w->has_side[s], g[i].has[s]);
			assert_int_equal(w->n_split[s], g[i].n[s]);
			mpq_set_ui(sum, 0, 1);
			for (size_t k = 0; k < g[i].n[s]; k++) {
				char pid[16];

				snprintf(pid, sizeof(pid), "P-%u",
					 g[i].sh[s][k].party);
				assert_string_equal(w->split[s][k].party, pid);
				mpq_set_ui(q, g[i].sh[s][k].num,
					   g[i].sh[s][k].den);
				mpq_canonicalize(q);
				if (!mpq_equal(q, w->split[s][k].share))
					fail_msg("work %s side %d share %zu",
						 g[i].id, s, k);
				mpq_add(sum, sum, w->split[s][k].share);
			}
			if (g[i].has[s])
				assert_int_equal(mpq_cmp_ui(sum, 1, 1), 0);
		}
		mpq_clear(q);
		mpq_clear(sum);
	}
	ll_registry_release(&reg);
	free(text);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_names),
		cmocka_unit_test(test_party_all_fields),
		cmocka_unit_test(test_party_every_kind),
		cmocka_unit_test(test_work_all_fields),
		cmocka_unit_test(test_work_publishing_only),
		cmocka_unit_test(test_consent_work_and_all_works),
		cmocka_unit_test(test_licence_catalog_of_all_terms),
		cmocka_unit_test(test_licence_works_scope_and_defaults),
		cmocka_unit_test(test_licence_terms_partial),
		cmocka_unit_test(test_sha256_of_canonical_bytes),
		cmocka_unit_test(test_sha256_stable_key_order_and_whitespace),
		cmocka_unit_test(test_sha256_differs_with_content),
		cmocka_unit_test(test_iban_spaces_removed),
		cmocka_unit_test(test_same_record_twice_kept_once),
		cmocka_unit_test(test_same_id_different_content),
		cmocka_unit_test(test_stored_records),
		cmocka_unit_test(test_stored_replaced_by_loaded),
		cmocka_unit_test(test_stored_replaced_then_conflict),
		cmocka_unit_test(test_stored_errors),
		cmocka_unit_test(test_link_unknown_party_in_splits),
		cmocka_unit_test(test_link_unknown_work_in_consent),
		cmocka_unit_test(test_link_licence_parties),
		cmocka_unit_test(test_link_payee_rules),
		cmocka_unit_test(test_link_duplicate_isrc),
		cmocka_unit_test(test_link_scope_works),
		cmocka_unit_test(test_link_after_parse_errors),
		cmocka_unit_test(test_link_twice_same_result),
		cmocka_unit_test(test_split_sums),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_text_too_long),
		cmocka_unit_test(test_every_problem_reported),
		cmocka_unit_test(test_document_errors),
		cmocka_unit_test(test_empty_arrays_and_nesting_limit),
		cmocka_unit_test(test_order_independence),
		cmocka_unit_test(test_random_works),
	};

	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
