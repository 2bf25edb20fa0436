/*
 * tally.h — accumulating generation-log events (SPEC §2.3, §3 usage and
 * compliance): per eligibility slot, exact Σ weight and Σ value·weight.
 *
 * Design decision: a tally is private to one thread and merged at the end,
 * and everything it keeps is bounded by the catalogue (one slot per
 * eligibility span), except an 8-byte hash per event id for the duplicate
 * check and bounded lists of findings.  Merging is exact and
 * order-independent, so the figures never depend on how the logs were
 * split among threads.  Pure: no I/O.
 */
#ifndef LEDGERLINE_TALLY_H
#define LEDGERLINE_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/elig.h"
#include "ledgerline/event.h"
#include "ledgerline/strmap.h"
#include "ledgerline/xsum.h"

enum {
	LL_TALLY_ERRORS_MAX = 100,	/* errors kept (the first by file,
					 * line); the rest are counted */
	LL_TALLY_FINDINGS_MAX = 1000,	/* voice findings listed */
};

/* What a run's events are checked against. */
struct ll_run_ctx {
	const struct ll_registry *reg;
	const struct ll_elig *elig;
	int32_t first_day, last_day;	/* the period, inclusive */
	const char *period;		/* as given, for messages */
	const struct ll_strmap *models;	/* models with a manifest; NULL: do
					 * not check (a manifest failed) */
	const char *const *sources;	/* log names by file index */
};

/* Exact attribution mass. */
struct ll_mass {
	struct ll_xsum w;	/* Σ weight, scale 10^18 */
	struct ll_xsum vw;	/* Σ value·weight, scale 10^36 */
	uint64_t events;
	int64_t last_us;	/* latest event time, INT64_MIN if none */
};

void ll_mass_init(struct ll_mass *m);
void ll_mass_release(struct ll_mass *m);
enum ll_status ll_mass_merge(struct ll_mass *dst, const struct ll_mass *src);

/* Mass attributed to a reference that is not in the catalogue. */
struct ll_unknown_ref {
	char *key;		/* "work:<id>" or "isrc:<ISRC>" (owned) */
	struct ll_mass mass;
};

/* An event whose voice party has no voice opt-in at its time. */
struct ll_voice_finding {
	char *event_id;		/* owned */
	char *party;		/* owned */
	int64_t ts_us;
	uint32_t file;
	long line;
};

/* An error located at (file index, line). */
struct ll_tally_error {
	uint32_t file;
	struct ll_error e;
};

struct ll_tally {
	const struct ll_run_ctx *ctx;
	struct ll_mass *slots;		/* ctx->elig->n_slots */
	struct ll_unknown_ref *unknown;
	size_t n_unknown, cap_unknown;
	struct ll_strmap unknown_ix;
	struct ll_mass unattributed;	/* (1 - Σ weight) per event */
	uint64_t events;
	uint64_t attributions;
	uint64_t *id_hashes;
	size_t n_ids, cap_ids;
	uint64_t *voice_counts;		/* per party index; unknown parties
					 * in voice_unknown */
	uint64_t voice_unknown;
	struct ll_voice_finding *voice;
	size_t n_voice, cap_voice;
	struct ll_tally_error *errors;
	size_t n_errors;
	uint64_t errors_total;
	mpq_t q1, q2;			/* scratch */
	/* the last model found to have a manifest in the run ("": none
	 * yet): the next event's is most likely the same */
	char model_ok[LL_EVENT_MODEL_BYTES_MAX + 1];
};

enum ll_status ll_tally_init(struct ll_tally *t, const struct ll_run_ctx *ctx);
void ll_tally_release(struct ll_tally *t);

/* Record an error at (file, line); keeps the first LL_TALLY_ERRORS_MAX by
 * (file, line). */
enum ll_status ll_tally_error(struct ll_tally *t, uint32_t file,
			      const struct ll_error *e);

/*
 * Account one parsed event read at (file, line): checks the run's rules
 * (period, model has a manifest, a work attributed twice through different
 * references, overlapping licences) — violations are recorded with
 * ll_tally_error — then adds its mass to the slots.
 */
enum ll_status ll_tally_event(struct ll_tally *t, const struct ll_event *ev,
			      uint32_t file, long line);

/* dst += src; src is left empty-ish and must still be released. */
enum ll_status ll_tally_merge(struct ll_tally *dst, struct ll_tally *src);

/* Sort the collected errors and findings into their canonical order
 * (file, line) / (event id) and apply the list bounds. */
void ll_tally_finish(struct ll_tally *t);

/* 64-bit hash of an event id (for the duplicate check). */
uint64_t ll_event_id_hash(const char *id, size_t len);

#endif
