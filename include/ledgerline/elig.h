/*
 * elig.h — Eligible(w, use, t) of SPEC §3 for one licensee, precomputed.
 *
 * Design decision: for each work and use, the time line is cut at every
 * instant where the answer can change (a covering licence starts or ends,
 * a rights holder's consent record takes effect) into spans with one
 * verdict each.  A lookup is then a binary search, and the verdict of every
 * span is computed once by the obviously-correct rule (ll_elig_decide),
 * which the tests also call directly as the oracle.
 *
 * Which licence pays: the licence that covers (w, use) at t.  A work in a
 * licence's scope earns under that licence only at instants that licence
 * covers, so two licences for the same works with consecutive terms never
 * both count one event.  Pure: no I/O.
 */
#ifndef LEDGERLINE_ELIG_H
#define LEDGERLINE_ELIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/refix.h"
#include "ledgerline/registry.h"
#include "ledgerline/status.h"

enum ll_reason {
	LL_ELIGIBLE = 0,
	LL_REASON_UNKNOWN_WORK,
	LL_REASON_HASH_MISMATCH,
	LL_REASON_NO_LICENCE,
	LL_REASON_NO_CONSENT,
	LL_REASON_OPTED_OUT,
	LL_REASON_CURRENCY,	/* usage in another currency than the
				 * covering licence's */
	LL_REASON_COUNT
};

/* "unknown_work", "hash_mismatch", "no_licence", "no_consent",
 * "opted_out", "currency_mismatch" ("eligible" for LL_ELIGIBLE). */
const char *ll_reason_name(enum ll_reason r);

enum ll_consent_state { LL_CONSENT_NONE, LL_CONSENT_IN, LL_CONSENT_OUT };

struct ll_span {
	int64_t from_us;	/* holds from here up to the next span */
	int32_t licence;	/* covering licence (index in reg->licences),
				 * -1 when none */
	int32_t conflict;	/* a second covering licence, or -1 */
	uint32_t slot;		/* accumulator slot (see ll_elig) */
	uint8_t reason;		/* LL_ELIGIBLE or why not */
};

struct ll_elig {
	const struct ll_registry *reg;
	const char *licensee;
	struct ll_span *spans;
	bool spans_hot;		/* spans from ll_hot_calloc (hotmem.h) once
				 * built, else from malloc */
	/* spans of work w for use u: spans[off[u][w] .. off[u][w + 1]) */
	uint32_t *off[LL_USE_GENERATION + 1];	/* [LL_USE_TRAINING],
						 * [LL_USE_GENERATION] */
	size_t n_spans;
	/* slots: every generation span has one; work w's other-currency
	 * usage goes to slot currency_slot0 + w */
	size_t currency_slot0;
	size_t n_slots;
	/* licence index i of reg is the licensee's: is_ours[i] */
	bool *is_ours;
	/* all_works consents by party index and use:
	 * cons[p * LL_USE_COUNT + u] lists consent indices */
	size_t **cons;
	size_t *n_cons;
	/* consents naming work w: wcons[w] lists consent indices (any party,
	 * any use), so deciding for one work never scans other works'
	 * records */
	size_t **wcons;
	size_t *n_wcons;
	/* covering licences of each work (the licensee's, any use) */
	uint32_t **cover;
	uint32_t *n_cover;
	/* the tally's lookups: work id -> work index and canonical ISRC ->
	 * work index, the same maps as reg->works.ix and reg->isrc_ix */
	struct ll_refix work_rx, isrc_rx;
};

/*
 * Build for licensee (borrowed: reg must outlive e and stay unchanged).
 * LL_NOMEM, or LL_INVALID when the licensee is not a known party.
 */
enum ll_status ll_elig_build(struct ll_elig *e, const struct ll_registry *reg,
			     const char *licensee, struct ll_error *err);
void ll_elig_release(struct ll_elig *e);

/* The span of work index w for use (training or generation) at t. */
const struct ll_span *ll_elig_at(const struct ll_elig *e, size_t w,
				 enum ll_use use, int64_t t_us);

/*
 * The slow, direct rule (SPEC §3), used to build the spans and by tests:
 * the verdict for (w, use, t) and the covering licence(s).
 */
void ll_elig_decide(const struct ll_elig *e, size_t w, enum ll_use use,
		    int64_t t_us, struct ll_span *out);

/*
 * Deciding consent of party index p for use and work id at t: among the
 * party's records for use naming the work or all_works, the latest with
 * effective <= t; on equal effective a work-specific record beats an
 * all_works one, then opt_out beats opt_in.
 */
enum ll_consent_state ll_elig_consent(const struct ll_elig *e, size_t p,
				      enum ll_use use, const char *work,
				      int64_t t_us);

/*
 * Voice: the deciding voice record of party index p at t over its
 * all_works records and those naming one of works (indexes, n of them);
 * true when it is an opt_in.
 */
bool ll_elig_voice_ok(const struct ll_elig *e, size_t p, const size_t *works,
		      size_t n, int64_t t_us);

/* Is every rights holder of work w opted in for use at t? */
bool ll_elig_consented(const struct ll_elig *e, size_t w, enum ll_use use,
		       int64_t t_us);

/* Is licence index l the licensee's and active at some day of
 * [first_day, last_day]? */
bool ll_elig_licence_active(const struct ll_elig *e, size_t l,
			    int32_t first_day, int32_t last_day);

/* Instant (µs) of the first moment of a day, and of the day after. */
int64_t ll_day_start_us(int32_t day);

#endif
