/*
 * test_partial.c — unit tests for partial.c: a tally written as a
 * partial, read back and merged must give exactly the tally of every
 * event; altered or truncated partials are refused; partials of another
 * run and event ids in two partials are errors naming both.
 *
 * The registry and run context are test_tally.c's (fixture_tally.h:
 * 2026-Q3, W-1 and W-3 under L-1 in EUR, W-2 under L-A in USD).
 */
#include "unit.h"

#include <gmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/elig.h"
#include "ledgerline/hash.h"
#include "ledgerline/event.h"
#include "ledgerline/partial.h"
#include "ledgerline/registry.h"
#include "ledgerline/status.h"
#include "ledgerline/strmap.h"
#include "ledgerline/tally.h"
#include "ledgerline/xsum.h"

#include "fixture.h"
#include "fixture_tally.h"

/* The events: decimals and fractions, an unknown work, an ISRC, a
 * voice without consent, two currencies. */
static const char *const EVENTS[] = {
	"{\"id\":\"e1\",\"model\":\"m-1\",\"ts\":\"2026-07-02T00:00:00Z\","
	"\"value\":\"0.04\",\"currency\":\"EUR\",\"attribution\":"
	"[{\"work\":\"W-1\",\"weight\":\"0.25\"}]}",
	"{\"id\":\"e2:x\",\"model\":\"m-1\",\"ts\":\"2026-08-02T00:00:00Z\","
	"\"value\":\"1/7\",\"currency\":\"EUR\",\"attribution\":"
	"[{\"work\":\"W-404\",\"weight\":\"1/3\"}]}",
	"{\"id\":\"e3\",\"model\":\"m-1\",\"ts\":\"2026-08-03T00:00:00Z\","
	"\"value\":\"9\",\"currency\":\"USD\",\"attribution\":"
	"[{\"isrc\":\"GBAAA2600001\",\"weight\":\"1/7\"}],\"voice\":\"P-A\"}",
	"{\"id\":\"e4\",\"model\":\"m-1\",\"ts\":\"2026-09-10T00:00:00Z\","
	"\"value\":\"3.5\",\"currency\":\"USD\",\"attribution\":"
	"[{\"work\":\"W-2\",\"weight\":\"1\"}],\"voice\":\"P-ZZ\"}",
	"{\"id\":\"e5\",\"model\":\"m-1\",\"ts\":\"2026-09-21T00:00:00Z\","
	"\"value\":\"12345678901234567.123456789\",\"currency\":\"EUR\","
	"\"attribution\":[{\"work\":\"W-3\",\"weight\":\"0.999999999999999999\"}]}",
};

static const char *const LOGS[] = { "a.ndjson", "b 1%.ndjson" };
static const char *const SHAS[] = {
	"1111111111111111111111111111111111111111111111111111111111111111",
	"2222222222222222222222222222222222222222222222222222222222222222",
};
static const uint64_t BYTES[] = { 10, 20 }, LINES[] = { 3, 4 };

/* Tally the events whose bit is set in mask (event i in file i % 2). */
static void tally_of(struct fx *f, struct ll_tally *t, unsigned mask)
{
	size_t i;

	assert_int_equal(ll_tally_init(t, &f->ctx), LL_OK);
	for (i = 0; i < N_ELEMS(EVENTS); i++) {
		struct ll_event ev;
		struct ll_error err;

		if (!(mask & (1u << i)))
			continue;
		ll_error_clear(&err);
		if (ll_event_parse(f->parser, EVENTS[i], strlen(EVENTS[i]), &ev,
				   &err) != LL_OK)
			fail_msg("event %zu: %s: %s", i, err.field, err.text);
		assert_int_equal(ll_tally_event(t, &ev, (uint32_t)(i % 2),
						(long)i + 1),
				 LL_OK);
	}
	ll_tally_finish(t);
	if (t->errors_total)
		fail_msg("%s: %s", t->errors[0].e.field, t->errors[0].e.text);
}

/* The partial of the events in mask, as text (caller frees). */
static char *partial_of(struct fx *f, unsigned mask, const char *licensee)
{
	struct ll_partial p;
	struct ll_partial_id *ids = calloc(N_ELEMS(EVENTS), sizeof(*ids));
	struct ll_buf b = LL_BUF_INIT;
	struct ll_tally t;
	size_t i, n = 0;

	assert_non_null(ids);
	tally_of(f, &t, mask);
	for (i = 0; i < N_ELEMS(EVENTS); i++) {
		struct ll_event ev;

		if (!(mask & (1u << i)))
			continue;
		ll_event_parse(f->parser, EVENTS[i], strlen(EVENTS[i]), &ev,
			       NULL);
		ids[n].id = strdup(ev.id);
		ids[n].hash = ll_event_id_hash(ev.id, strlen(ev.id));
		ids[n].log = (uint32_t)(i % 2);
		ids[n++].line = (long)i + 1;
	}
	ll_partial_init(&p);
	assert_int_equal(ll_partial_from_tally(&p, &t, LOGS, SHAS, BYTES, LINES,
					       2, ids, n),
			 LL_OK);
	p.licensee = strdup(licensee);
	memcpy(p.first, "2026-07-01", 11);
	memcpy(p.last, "2026-09-30", 11);
	memcpy(p.registry, SHAS[0], 65);
	ll_partial_encode(&p, &b);
	assert_false(b.fail);
	ll_partial_release(&p);
	ll_tally_release(&t);
	return b.s;
}

static void decode_ok(const char *text, struct ll_partial *p)
{
	struct ll_error err;

	ll_error_clear(&err);
	ll_partial_init(p);
	if (ll_partial_decode(p, text, strlen(text), "x.part", &err) != LL_OK)
		fail_msg("decode: %s:%ld: %s: %s", err.source, err.line,
			 err.field, err.text);
}

static void assert_same_tally(const struct fx *f, const struct ll_tally *a,
			      const struct ll_tally *b)
{
	mpq_t x, y;
	size_t i;

	mpq_init(x);
	mpq_init(y);
	assert_int_equal(a->events, b->events);
	assert_int_equal(a->attributions, b->attributions);
	for (i = 0; i < f->elig.n_slots; i++) {
		ll_xsum_get(x, &a->slots[i].w, LL_XSUM_SCALE_W);
		ll_xsum_get(y, &b->slots[i].w, LL_XSUM_SCALE_W);
		assert_true(mpq_equal(x, y));
		ll_xsum_get(x, &a->slots[i].vw, LL_XSUM_SCALE_VW);
		ll_xsum_get(y, &b->slots[i].vw, LL_XSUM_SCALE_VW);
		assert_true(mpq_equal(x, y));
		assert_int_equal(a->slots[i].events, b->slots[i].events);
		assert_true(a->slots[i].last_us == b->slots[i].last_us);
	}
	ll_xsum_get(x, &a->unattributed.vw, LL_XSUM_SCALE_VW);
	ll_xsum_get(y, &b->unattributed.vw, LL_XSUM_SCALE_VW);
	assert_true(mpq_equal(x, y));
	assert_int_equal(a->n_unknown, b->n_unknown);
	for (i = 0; i < a->n_unknown; i++) {
		assert_string_equal(a->unknown[i].key, b->unknown[i].key);
		ll_xsum_get(x, &a->unknown[i].mass.vw, LL_XSUM_SCALE_VW);
		ll_xsum_get(y, &b->unknown[i].mass.vw, LL_XSUM_SCALE_VW);
		assert_true(mpq_equal(x, y));
	}
	for (i = 0; i < f->reg.parties.n; i++)
		assert_int_equal(a->voice_counts[i], b->voice_counts[i]);
	assert_int_equal(a->voice_unknown, b->voice_unknown);
	assert_int_equal(a->n_voice, b->n_voice);
	for (i = 0; i < a->n_voice; i++) {
		assert_string_equal(a->voice[i].event_id, b->voice[i].event_id);
		assert_int_equal(a->voice[i].file, b->voice[i].file);
		assert_int_equal(a->voice[i].line, b->voice[i].line);
	}
	mpq_clear(x);
	mpq_clear(y);
}

/* Written, read and written again: the same bytes; added into an empty
 * tally: the tally it was made from. */
static void test_round_trip(void **state)
{
	struct fx *f = *state;
	char *text = partial_of(f, 0x1f, "P-AI");
	struct ll_partial p;
	struct ll_buf b = LL_BUF_INIT;
	struct ll_tally all, back;
	uint32_t map[2] = { 0, 1 };
	struct ll_error err;

	decode_ok(text, &p);
	assert_int_equal(p.n_ids, 5);
	assert_int_equal(p.n_logs, 2);
	assert_string_equal(p.logs[0].name, "a.ndjson");
	assert_int_equal(p.logs[1].lines, 4);
	ll_partial_encode(&p, &b);
	assert_string_equal(b.s, text);
	/* a name with a space and a '%', escaped */
	assert_non_null(strstr(text, " b%201%25.ndjson\n"));
	assert_string_equal(p.logs[1].name, "b 1%.ndjson");
	tally_of(f, &all, 0x1f);
	assert_int_equal(ll_tally_init(&back, &f->ctx), LL_OK);
	ll_error_clear(&err);
	assert_int_equal(ll_partial_add(&back, &p, map, "x.part", &err), LL_OK);
	assert_same_tally(f, &all, &back);
	ll_tally_release(&all);
	ll_tally_release(&back);
	ll_partial_release(&p);
	free(b.s);
	free(text);
}

static void decode_fails(const char *text, size_t len, const char *field,
			 const char *msg);

/* The pieces a streaming writer and reader use: the head up to "ids N",
 * then each id line, then the checksum, are the partial byte for byte;
 * the head and each id line read back; ids out of order are refused. */
static void test_stream_pieces(void **state)
{
	struct fx *f = *state;
	char *text = partial_of(f, 0x1f, "P-AI");
	struct ll_partial p, q;
	struct ll_buf b = LL_BUF_INIT;
	struct ll_error err;
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1], *swap;
	size_t i, head, l0, l1;
	uint64_t n_ids = 0;

	decode_ok(text, &p);
	ll_partial_encode_head(&p, p.n_ids, &b);
	head = b.n;
	assert_memory_equal(b.s, text, head);
	assert_int_equal(ll_partial_id_cmp(&p.ids[0], &p.ids[1]) < 0, 1);
	for (i = 0; i < p.n_ids; i++)
		ll_partial_encode_id(&p.ids[i], &b);
	ll_hash_sha256(b.s, b.n, d);
	ll_hex(d, sizeof(d), hex);
	ll_buf_str(&b, "sha256 ");
	ll_buf_str(&b, hex);
	ll_buf_str(&b, "\n");
	assert_string_equal(b.s, text);
	ll_error_clear(&err);
	ll_partial_init(&q);
	assert_int_equal(ll_partial_decode_head(&q, text, head, "x", &n_ids,
						&err),
			 LL_OK);
	assert_int_equal(n_ids, 5);
	assert_int_equal(q.n_logs, 2);
	assert_int_equal(q.n_ids, 0);
	ll_partial_release(&q);
	/* the first id line, alone */
	l0 = (size_t)(strchr(text + head, '\n') - (text + head)) + 1;
	{
		struct ll_partial_id id;

		assert_int_equal(ll_partial_decode_id(&id, text + head, l0, 2,
						      "x", 40, &err),
				 LL_OK);
		assert_string_equal(id.id, p.ids[0].id);
		free(id.id);
		/* a log out of range, on its line */
		assert_int_equal(ll_partial_decode_id(&id, text + head, l0, 0,
						      "x", 40, &err),
				 LL_INVALID);
		assert_null(id.id);
		assert_int_equal(err.line, 40);
		assert_string_equal(err.field, "id");
	}
	/* the first two id lines swapped, checksum made again: refused */
	l1 = (size_t)(strchr(text + head + l0, '\n') - (text + head + l0)) + 1;
	swap = malloc(l0 + l1);
	assert_non_null(swap);
	memcpy(swap, text + head + l0, l1);
	memcpy(swap + l1, text + head, l0);
	memcpy(b.s + head, swap, l0 + l1);
	free(swap);
	b.n -= 72;
	ll_hash_sha256(b.s, b.n, d);
	ll_hex(d, sizeof(d), hex);
	ll_buf_str(&b, "sha256 ");
	ll_buf_str(&b, hex);
	ll_buf_str(&b, "\n");
	decode_fails(b.s, b.n, "id", "ids out of order or repeated");
	ll_partial_release(&p);
	free(b.s);
	free(text);
}

/* Two partials of disjoint events merged = the tally of all. */
static void test_split_merge(void **state)
{
	struct fx *f = *state;
	char *t1 = partial_of(f, 0x05, "P-AI"), *t2 = partial_of(f, 0x1a, "P-AI");
	struct ll_partial p[2];
	struct ll_tally all, merged;
	uint32_t map[2] = { 0, 1 };
	struct ll_error err;
	struct ll_errlist errs;
	const char *names[2] = { "one.part", "two.part" };
	const char *mf[1] = { NULL };
	struct ll_partial_bind bind = { "P-AI", "2026-07-01", "2026-09-30",
					SHAS[0], mf, 0 };
	enum ll_status rc;

	decode_ok(t1, &p[0]);
	decode_ok(t2, &p[1]);
	ll_errlist_init(&errs, 0);
	assert_int_equal(ll_partials_check(p, names, 2, &bind, &errs, &rc), 0);
	assert_int_equal(rc, LL_OK);
	tally_of(f, &all, 0x1f);
	assert_int_equal(ll_tally_init(&merged, &f->ctx), LL_OK);
	ll_error_clear(&err);
	assert_int_equal(ll_partial_add(&merged, &p[1], map, "2", &err), LL_OK);
	assert_int_equal(ll_partial_add(&merged, &p[0], map, "1", &err), LL_OK);
	assert_same_tally(f, &all, &merged);
	ll_tally_release(&all);
	ll_tally_release(&merged);
	ll_partial_release(&p[0]);
	ll_partial_release(&p[1]);
	ll_errlist_release(&errs);
	free(t1);
	free(t2);
}

/* An id in two partials, and partials of another run: one error each,
 * naming the partial (and for the id both partials and lines). */
static void test_check(void **state)
{
	struct fx *f = *state;
	char *t1 = partial_of(f, 0x03, "P-AI"), *t2 = partial_of(f, 0x06, "P-X");
	struct ll_partial p[2];
	struct ll_errlist errs;
	const char *names[2] = { "one.part", "two.part" };
	const char *mf[1] = { SHAS[1] };
	struct ll_partial_bind bind = { "P-AI", "2026-07-01", "2026-08-31",
					SHAS[1], mf, 1 };
	enum ll_status rc;
	size_t i;
	char all[8192] = "";

	decode_ok(t1, &p[0]);
	decode_ok(t2, &p[1]);
	ll_errlist_init(&errs, 0);
	/* each: period, registry, manifests; two.part: licensee; the id */
	assert_int_equal(ll_partials_check(p, names, 2, &bind, &errs, &rc), 8);
	for (i = 0; i < errs.n; i++) {
		size_t n = strlen(all);

		snprintf(all + n, sizeof(all) - n, "%s: %s: %s\n",
			 errs.v[i].source, errs.v[i].field, errs.v[i].text);
	}
	assert_contains(all, "two.part: licensee: the partial is of licensee "
			     "P-X, the run of P-AI");
	assert_contains(all, "one.part: period: the partial is of "
			     "2026-07-01..2026-09-30, the run of "
			     "2026-07-01..2026-08-31");
	assert_contains(all, "one.part: registry:");
	assert_contains(all, "two.part: manifests: not the run's manifests");
	assert_contains(all, "two.part: id: duplicate event id \"e2:x\": in "
			     "one.part (b 1%.ndjson:2) and in two.part "
			     "(b 1%.ndjson:2)");
	ll_partial_release(&p[0]);
	ll_partial_release(&p[1]);
	ll_errlist_release(&errs);
	free(t1);
	free(t2);
}

static void decode_fails(const char *text, size_t len, const char *field,
			 const char *msg)
{
	struct ll_partial p;
	struct ll_error err;

	ll_partial_init(&p);
	ll_error_clear(&err);
	assert_int_equal(ll_partial_decode(&p, text, len, "x.part", &err),
			 LL_INVALID);
	assert_string_equal(err.source, "x.part");
	assert_string_equal(err.field, field);
	assert_contains(err.text, msg);
	ll_partial_release(&p);
}

/* Every single byte changed, and every cut, is refused. */
static void test_altered(void **state)
{
	struct fx *f = *state;
	char *text = partial_of(f, 0x1f, "P-AI");
	size_t len = strlen(text), i;

	for (i = 0; i < len; i++) {
		struct ll_partial p;
		struct ll_error err;
		char keep = text[i];

		text[i] = keep == 'x' ? 'y' : 'x';
		ll_partial_init(&p);
		ll_error_clear(&err);
		assert_int_equal(ll_partial_decode(&p, text, len, "x", &err),
				 LL_INVALID);
		ll_partial_release(&p);
		text[i] = keep;
		ll_partial_init(&p);
		assert_int_equal(ll_partial_decode(&p, text, i, "x", &err),
				 LL_INVALID);
		ll_partial_release(&p);
	}
	text[len / 2] ^= 1;
	decode_fails(text, len, "sha256", "checksum mismatch");
	text[len / 2] ^= 1;
	decode_fails(text, len - 10, "sha256", "truncated");
	decode_fails("{\"id\":1}\n", 9, "version", "not a ledgerline partial");
	decode_fails("ledgerline-partial 2\n", 21, "version",
		     "format version 2 is not supported");
	free(text);
}

/* The merges' heap: streams popped through ll_partial_id_sift come out in
 * id order (hash, then id), equal ids by the lower stream index. */
static void test_id_sift_order(void **state)
{
	enum { N = 200 };
	static char text[N][16];
	struct rng r = { UINT64_C(0x51f7) };
	struct ll_partial_id ids[N];
	const struct ll_partial_id *cur[N];
	size_t heap[N], k, i, prev = SIZE_MAX;

	(void)state;
	for (i = 0; i < N; i++) {
		/* few hashes and few ids: many ties of each kind */
		snprintf(text[i], sizeof(text[i]), "e-%u", rng_below(&r, 20));
		ids[i].hash = rng_below(&r, 8);
		ids[i].log = 0;
		ids[i].line = (long)i;
		ids[i].id = text[i];
		cur[i] = &ids[i];
		heap[i] = i;
	}
	k = N;
	for (i = k / 2; i-- > 0;)
		ll_partial_id_sift(cur, heap, k, i);
	while (k > 0) {
		size_t top = heap[0];

		if (prev != SIZE_MAX) {
			int c = ll_partial_id_cmp(cur[prev], cur[top]);

			if (c > 0 || (c == 0 && prev > top))
				fail_msg("stream %zu came out after %zu", top,
					 prev);
		}
		prev = top;
		heap[0] = heap[--k];
		ll_partial_id_sift(cur, heap, k, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, fixture_tally_setup, fixture_tally_teardown),
		cmocka_unit_test_setup_teardown(test_split_merge, fixture_tally_setup,
						fixture_tally_teardown),
		cmocka_unit_test(test_id_sift_order),
		cmocka_unit_test_setup_teardown(test_check, fixture_tally_setup, fixture_tally_teardown),
		cmocka_unit_test_setup_teardown(test_altered, fixture_tally_setup, fixture_tally_teardown),
		cmocka_unit_test_setup_teardown(test_stream_pieces, fixture_tally_setup,
						fixture_tally_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
