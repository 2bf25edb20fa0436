/*
 * test_run.c — unit tests for run.c: ll_run_prepare, ll_run_training and
 * ll_run_settle on a small registry and manifests built in memory.
 *
 * The registry: P-L's catalogue under L-1 (EUR, training fee 900 on the
 * duration basis, usage rate 0.5) holds W-1 (100 s, P-L), W-2 (300 s,
 * P-L 1/3, P-A 2/3), W-5 (with a content hash) and W-6 (shared with P-Q,
 * who never consented); W-3 is P-A's alone and no licence covers it.
 * P-A opts out of training on W-2 from 2026-08-01, after the model was
 * trained (2026-03-14), and W-2 earns usage on 2026-08-15: a withdrawn
 * consent.  Every figure below is worked out by hand in its comment.
 *
 * Design decision: the events are tallied here as the pipeline would
 * (parse, ll_tally_event, ll_tally_finish), so the test needs no file
 * and no thread; the log's digest is set by hand.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/elig.h"
#include "ledgerline/engine.h"
#include "ledgerline/event.h"
#include "ledgerline/hash.h"
#include "ledgerline/manifest.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
#include "ledgerline/status.h"
#include "ledgerline/tally.h"

#include "fixture.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define OPT_IN(id, party, use)                                                 \
	"{\"id\": \"" id "\", \"party\": \"" party "\", \"all_works\": true, " \
	"\"use\": \"" use "\", \"decision\": \"opt_in\", "                     \
	"\"effective\": \"2026-01-01T00:00:00Z\"}"
#define MASTER(splits) "\"splits\": {\"master\": [" splits "]}"
#define SHARE(party, share)                                                    \
	"{\"party\": \"" party "\", \"share\": \"" share "\"}"

static const char REGISTRY[] =
	"{\"parties\": [\n"
	" {\"id\": \"P-AI\", \"name\": \"Synth Co\", \"kind\": \"licensee\"},\n"
	" {\"id\": \"P-L\", \"name\": \"Label\", \"kind\": \"label\"},\n"
	" {\"id\": \"P-A\", \"name\": \"Artist\", \"kind\": \"artist\"},\n"
	" {\"id\": \"P-Q\", \"name\": \"Quiet\", \"kind\": \"artist\"}],\n"
	"\"consents\": [\n"
	" " OPT_IN("C-1", "P-L", "training") ",\n"
	" " OPT_IN("C-2", "P-L", "generation") ",\n"
	" " OPT_IN("C-3", "P-A", "training") ",\n"
	" " OPT_IN("C-4", "P-A", "generation") ",\n"
	" {\"id\": \"C-5\", \"party\": \"P-A\", \"work\": \"W-2\", "
	"\"use\": \"training\", \"decision\": \"opt_out\", "
	"\"effective\": \"2026-08-01T00:00:00Z\"}],\n"
	"\"works\": [\n"
	" {\"id\": \"W-1\", \"duration_ms\": 100000, "
	MASTER(SHARE("P-L", "1")) "},\n"
	" {\"id\": \"W-2\", \"isrc\": \"GBAAA2600002\", "
	"\"duration_ms\": 300000, "
	MASTER(SHARE("P-L", "1/3") ", " SHARE("P-A", "2/3")) "},\n"
	" {\"id\": \"W-3\", \"duration_ms\": 1000, "
	MASTER(SHARE("P-A", "1")) "},\n"
	" {\"id\": \"W-5\", \"duration_ms\": 1000, \"content_sha256\": \""
	SHA_A "\", " MASTER(SHARE("P-L", "1")) "},\n"
	" {\"id\": \"W-6\", \"duration_ms\": 1000, "
	MASTER(SHARE("P-L", "1/2") ", " SHARE("P-Q", "1/2")) "}],\n"
	"\"licences\": [\n"
	" {\"id\": \"L-1\", \"licensee\": \"P-AI\", \"licensor\": \"P-L\", "
	"\"scope\": {\"catalog_of\": \"P-L\"}, "
	"\"uses\": [\"training\", \"generation\"], "
	"\"start\": \"2026-01-01\", \"end\": \"2026-12-31\", "
	"\"currency\": \"EUR\", \"terms\": {\"training_fee\": \"900.00\", "
	"\"training_basis\": \"duration\", \"usage_rate\": \"0.5\"}}]}\n";

/* Items in this order: eligible W-1 and W-2 (by ISRC), then W-3 (no
 * licence), W-404 (unknown), W-5 (hash mismatch), W-6 (no consent). */
static const char MANIFEST[] =
	"{\"model\": \"m-1\", \"training_run\": \"tr-1\", "
	"\"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": \"P-AI\", "
	"\"items\": [{\"work\": \"W-1\"}, {\"isrc\": \"GBAAA2600002\"}, "
	"{\"work\": \"W-3\"}, {\"work\": \"W-404\"}, "
	"{\"work\": \"W-5\", \"content_sha256\": \"" SHA_B "\"}, "
	"{\"work\": \"W-6\"}]}";

static const char OTHER_MANIFEST[] =
	"{\"model\": \"m-2\", \"training_run\": \"tr-2\", "
	"\"trained_at\": \"2026-03-14T00:00:00Z\", \"licensee\": \"P-L\", "
	"\"items\": [{\"work\": \"W-1\"}]}";

/* 0.5 · 2 · 1/2 = 1/2 of usage for W-2, after P-A's withdrawal. */
static const char EVENT[] =
	"{\"id\": \"e1\", \"model\": \"m-1\", "
	"\"ts\": \"2026-08-15T12:00:00Z\", "
	"\"value\": \"2\", \"currency\": \"EUR\", \"attribution\": "
	"[{\"work\": \"W-2\", \"weight\": \"0.5\"}]}";

struct fx {
	struct ll_registry reg;
	struct ll_manifest mf[2];
	size_t n_mf;
	struct ll_log_input log;
	struct ll_run run;
	bool prepared;
};

static void parse_manifest(struct fx *f, const char *text)
{
	struct ll_errlist errs;

	ll_errlist_init(&errs, 0);
	if (ll_manifest_parse(&f->mf[f->n_mf], "m.json", text, strlen(text),
			      &errs) != LL_OK) {
		dump_errs(&errs);
		fail_msg("the manifest does not parse");
	}
	ll_errlist_release(&errs);
	f->n_mf++;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fixture_registry(&f->reg, REGISTRY);
	parse_manifest(f, MANIFEST);
	f->log.name = "gen.ndjson";
	f->log.fd = -1;
	memset(f->log.sha256, 'c', LL_SHA256_HEX_LEN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	size_t i;

	if (f->prepared)
		ll_run_release(&f->run);
	for (i = 0; i < f->n_mf; i++)
		ll_manifest_release(&f->mf[i]);
	ll_registry_release(&f->reg);
	free(f);
	return 0;
}

static void prepare(struct fx *f, const char *period)
{
	struct ll_error err;

	ll_error_clear(&err);
	if (ll_run_prepare(&f->run, &f->reg, "P-AI", period, f->mf, f->n_mf,
			   &f->log, 1, &err) != LL_OK)
		fail_msg("prepare: %s", err.text);
	f->prepared = true;
}

/* Tally EVENT into the run (as the pipeline would), then settle. */
static void tally_and_settle(struct fx *f)
{
	struct ll_event_parser *p = ll_event_parser_new();
	struct ll_event ev;
	struct ll_error err;

	assert_non_null(p);
	assert_int_equal(ll_event_parse(p, EVENT, strlen(EVENT), &ev, NULL),
			 LL_OK);
	assert_int_equal(ll_tally_event(&f->run.tally, &ev, 0, 1), LL_OK);
	ll_event_parser_free(p);
	ll_tally_finish(&f->run.tally);
	assert_int_equal(f->run.tally.errors_total, 0);
	ll_error_clear(&err);
	if (ll_run_settle(&f->run, &err) != LL_OK)
		fail_msg("settle: %s", err.text);
}

static size_t ix(const struct ll_strmap *m, const char *id)
{
	size_t i;

	if (!ll_strmap_get(m, id, &i))
		fail_msg("no %s", id);
	return i;
}

/* Assert the line (party, work, component) of L-1: exact and minor. */
#define LINE(r, party, work, comp, exact, minor)                               \
	line_(r, party, work, comp, exact, minor, __LINE__)
static void line_(const struct ll_run *r, const char *party, const char *work,
		  enum ll_component comp, const char *exact, int64_t minor,
		  int at)
{
	size_t p = ix(&r->reg->parties.ix, party);
	size_t w = ix(&r->reg->works.ix, work);
	mpq_t want;
	size_t i;

	for (i = 0; i < r->st.n_lines; i++) {
		const struct ll_line *l = &r->st.lines[i];

		if (l->party != p || l->work != (int32_t)w ||
		    l->component != comp)
			continue;
		mpq_init(want);
		assert_int_equal(mpq_set_str(want, exact, 10), 0);
		mpq_canonicalize(want);
		if (!mpq_equal(l->exact, want) || l->minor != minor)
			fail_msg("line %d: %s/%s/%s is %s (%lld minor), "
				 "expected %s (%lld)",
				 at, party, work, ll_component_name(comp),
				 mpq_get_str(NULL, 10, l->exact),
				 (long long)l->minor, exact, (long long)minor);
		mpq_clear(want);
		return;
	}
	fail_msg("line %d: no line %s/%s/%s", at, party, work,
		 ll_component_name(comp));
}

/* ---- prepare ------------------------------------------------------------- */

static void test_prepare(void **state)
{
	struct fx *f = *state;
	char digest[LL_SHA256_HEX_LEN + 1];
	struct ll_run *r = &f->run;

	prepare(f, "2026-Q3");
	assert_int_equal(r->first_day, days_from_civil(2026, 7, 1));
	assert_int_equal(r->last_day, days_from_civil(2026, 9, 30));
	assert_string_equal(r->licensee, "P-AI");
	assert_ptr_equal(r->ctx.reg, &f->reg);
	assert_ptr_equal(r->ctx.elig, &r->elig);
	assert_int_equal(r->ctx.first_day, r->first_day);
	assert_int_equal(r->ctx.last_day, r->last_day);
	assert_string_equal(r->ctx.sources[0], "gen.ndjson");
	assert_true(ll_strmap_get(r->ctx.models, "m-1", NULL));
	assert_false(ll_strmap_get(r->ctx.models, "m-2", NULL));
	ll_registry_digest(&f->reg, digest);
	assert_string_equal(r->registry_sha256, digest);
	assert_int_equal(strlen(digest), LL_SHA256_HEX_LEN);
	assert_int_equal(r->tally.events, 0);
}

static void test_prepare_rejects(void **state)
{
	struct fx *f = *state;
	struct ll_run r;
	struct ll_error err;

	ll_error_clear(&err);
	assert_int_equal(ll_run_prepare(&r, &f->reg, "P-X", "2026-Q3", f->mf,
					f->n_mf, &f->log, 1, &err),
			 LL_INVALID);
	assert_string_equal(err.field, "--licensee");
	assert_string_equal(err.text, "unknown party \"P-X\"");
	ll_run_release(&r);
	ll_error_clear(&err);
	assert_int_equal(ll_run_prepare(&r, &f->reg, "P-L", "2026-Q3", f->mf,
					f->n_mf, &f->log, 1, &err),
			 LL_INVALID);
	assert_string_equal(err.text, "party \"P-L\" is not a licensee");
	ll_run_release(&r);
	ll_error_clear(&err);
	assert_int_equal(ll_run_prepare(&r, &f->reg, "P-AI", "2026-Q5", f->mf,
					f->n_mf, &f->log, 1, &err),
			 LL_USAGE);
	assert_string_equal(err.field, "--period");
	assert_contains(err.text, "invalid period \"2026-Q5\": ");
	assert_contains(err.text, "(expected 2026-Q3, 2026-09 or "
				  "2026-07-01..2026-09-30)");
	ll_run_release(&r);
}

/* ---- training ------------------------------------------------------------ */

static void test_training(void **state)
{
	struct fx *f = *state;
	struct ll_run *r = &f->run;
	static const enum ll_reason want[] = {
		LL_REASON_NO_LICENCE, LL_REASON_UNKNOWN_WORK,
		LL_REASON_HASH_MISMATCH, LL_REASON_NO_CONSENT,
	};
	size_t i;

	prepare(f, "2026-Q3");
	assert_int_equal(ll_run_training(r), LL_OK);
	assert_int_equal(ll_errlist_count(&r->errs), 0);
	assert_int_equal(r->n_items, 6);
	assert_int_equal(r->n_pairs, 2);
	assert_int_equal(r->pairs[0].work, ix(&f->reg.works.ix, "W-1"));
	assert_int_equal(r->pairs[1].work, ix(&f->reg.works.ix, "W-2"));
	assert_int_equal(r->pairs[0].licence, ix(&f->reg.licences.ix, "L-1"));
	assert_int_equal(r->pairs[1].licence, ix(&f->reg.licences.ix, "L-1"));
	assert_int_equal(r->n_excluded, N_ELEMS(want));
	for (i = 0; i < N_ELEMS(want); i++) {
		assert_int_equal(r->excluded[i].manifest, 0);
		assert_int_equal(r->excluded[i].item, i + 2);
		if (r->excluded[i].reason != want[i])
			fail_msg("item %zu excluded as %s, expected %s", i + 2,
				 ll_reason_name(r->excluded[i].reason),
				 ll_reason_name(want[i]));
	}
}

/* A manifest of another licensee is an error, and earns nothing. */
static void test_training_other_licensee(void **state)
{
	struct fx *f = *state;
	struct ll_run *r = &f->run;

	parse_manifest(f, OTHER_MANIFEST);
	prepare(f, "2026-Q3");
	assert_int_equal(ll_run_training(r), LL_OK);
	assert_int_equal(ll_errlist_count(&r->errs), 1);
	assert_string_equal(r->errs.v[0].field, "licensee");
	assert_string_equal(r->errs.v[0].text,
			    "manifest of licensee \"P-L\" in a run for "
			    "\"P-AI\"");
	assert_int_equal(r->n_items, 6);
	assert_int_equal(r->n_pairs, 2);
}

/* ---- settle -------------------------------------------------------------- */

/*
 * Training 900 by duration over W-1 (100 s) and W-2 (300 s): 225 and
 * 675; W-2's 675 is P-L 1/3 = 225 and P-A 2/3 = 450.  Usage of W-2:
 * 0.5 · (2 · 0.5) = 1/2: P-L 1/6, P-A 1/3, in cents 16.67 and 33.33 of
 * 50: 16 + 33 and the last cent to the larger fraction, P-L.
 * L-1: 900.50 = 90050; P-L 450 + 1/6 → 45017, P-A 450 + 1/3 → 45033.
 */
static void test_settle(void **state)
{
	struct fx *f = *state;
	struct ll_run *r = &f->run;
	size_t i;
	int64_t sum = 0;

	prepare(f, "2026-Q3");
	assert_int_equal(ll_run_training(r), LL_OK);
	tally_and_settle(f);
	assert_int_equal(r->st.n_lic, 1);
	assert_true(r->st.lic[0].minor == 90050);
	LINE(r, "P-L", "W-1", LL_COMP_TRAINING, "225", 22500);
	LINE(r, "P-L", "W-2", LL_COMP_TRAINING, "225", 22500);
	LINE(r, "P-A", "W-2", LL_COMP_TRAINING, "450", 45000);
	LINE(r, "P-L", "W-2", LL_COMP_USAGE, "1/6", 17);
	LINE(r, "P-A", "W-2", LL_COMP_USAGE, "1/3", 33);
	assert_int_equal(r->st.n_lines, 5);
	assert_int_equal(r->st.n_parties, 2);
	for (i = 0; i < r->st.n_parties; i++) {
		const struct ll_party_total *pt = &r->st.parties[i];
		const char *id = f->reg.parties.v[pt->party].id;

		assert_true(pt->minor ==
			    (strcmp(id, "P-L") == 0 ? 45017 : 45033));
		sum += pt->minor;
	}
	assert_true(sum == 90050);
	assert_int_equal(r->st.n_payouts, 2);
}

/* P-A's training consent for W-2 lapsed on 2026-08-01, and W-2 earned
 * on 2026-08-15: one withdrawn finding. */
static void test_withdrawn(void **state)
{
	struct fx *f = *state;
	struct ll_run *r = &f->run;

	prepare(f, "2026-Q3");
	assert_int_equal(ll_run_training(r), LL_OK);
	tally_and_settle(f);
	assert_int_equal(r->n_withdrawn, 1);
	assert_int_equal(r->withdrawn[0].work, ix(&f->reg.works.ix, "W-2"));
	assert_int_equal(r->withdrawn[0].manifest, 0);
	assert_int_equal(r->withdrawn[0].reason, LL_REASON_OPTED_OUT);
	assert_true(r->withdrawn[0].lapsed_us ==
		    ll_day_start_us(days_from_civil(2026, 8, 1)));
}

/* The same run before the withdrawal (July): no finding, no usage. */
static void test_not_withdrawn_before(void **state)
{
	struct fx *f = *state;
	struct ll_run *r = &f->run;
	struct ll_error err;

	prepare(f, "2026-07");
	assert_int_equal(ll_run_training(r), LL_OK);
	ll_tally_finish(&r->tally);
	ll_error_clear(&err);
	assert_int_equal(ll_run_settle(r, &err), LL_OK);
	assert_int_equal(r->n_withdrawn, 0);
	assert_true(r->st.lic[0].minor == 90000);
}

/*
 * The run id: "run-" and the first 32 hex digits of SHA-256 over the
 * header (licensee, period as dates, registry digest) and the sorted
 * "manifest\t<sha256>" and "log\t<sha256>" lines.
 */
static void test_run_id(void **state)
{
	struct fx *f = *state;
	struct ll_run *r = &f->run;
	struct sbuf b = { NULL, 0, 0 };
	char log_hex[LL_SHA256_HEX_LEN + 1], mf_hex[LL_SHA256_HEX_LEN + 1];
	uint8_t d[LL_SHA256_LEN];
	char hex[2 * LL_SHA256_LEN + 1], want[LL_RUN_ID_LEN + 1];

	prepare(f, "2026-Q3");
	assert_int_equal(ll_run_training(r), LL_OK);
	tally_and_settle(f);
	ll_hash_sha256(MANIFEST, strlen(MANIFEST), d);
	ll_hex(d, sizeof(d), mf_hex);
	assert_string_equal(f->mf[0].sha256, mf_hex);
	memset(log_hex, 'c', LL_SHA256_HEX_LEN);
	log_hex[LL_SHA256_HEX_LEN] = '\0';
	/* "log\t…" sorts before "manifest\t…" */
	sb_printf(&b,
		  "ledgerline-run-v1\nlicensee\tP-AI\n"
		  "period\t2026-07-01..2026-09-30\nregistry\t%s\n"
		  "log\t%s\nmanifest\t%s\n",
		  r->registry_sha256, log_hex, mf_hex);
	ll_hash_sha256(b.s, b.n, d);
	ll_hex(d, sizeof(d), hex);
	snprintf(want, sizeof(want), "run-%.32s", hex);
	assert_string_equal(r->id, want);
	assert_int_equal(strlen(r->id), LL_RUN_ID_LEN);
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_training, setup, teardown),
		cmocka_unit_test_setup_teardown(test_training_other_licensee,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdrawn, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_withdrawn_before,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_id, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
