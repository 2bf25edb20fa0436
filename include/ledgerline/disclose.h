/*
 * disclose.h — the public summary of a model's training content (SPEC §6
 * `disclose`), shaped after the European Commission's template for the
 * public summary of training content of general-purpose AI models.
 *
 * Design decision: two steps, both pure.  A run's judgement of its
 * manifest items (ll_run_training) is first written down as plain
 * strings (struct ll_disclose_src: what the ledger stores per run, and
 * what `disclose --manifest` judges now), then summarised by
 * ll_disclosure_build into counts and integer milliseconds.  Hours exist
 * only as text, rounded once from exact milliseconds (ll_disclose_hours).
 */
#ifndef LEDGERLINE_DISCLOSE_H
#define LEDGERLINE_DISCLOSE_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/elig.h"
#include "ledgerline/registry.h"
#include "ledgerline/run.h"
#include "ledgerline/status.h"

enum {
	/* "2026-03-14": the date of last update and its NUL */
	LL_DISCLOSE_DATE_SIZE = 11,
	/* the text of the largest hours figure (UINT64_MAX ms) and its NUL,
	 * rounded up */
	LL_DISCLOSE_HOURS_SIZE = 32,
	/* "2026-03-14..2026-06-20" and its NUL */
	LL_DISCLOSE_PERIOD_SIZE = 23,
};

/* One manifest item as judged at its trained_at. */
struct ll_disclose_item {
	char *ref;		/* the work id or canonical ISRC it named */
	int ref_isrc;		/* 1: ref is an ISRC */
	char *work;		/* the catalogue work, NULL when unknown */
	int64_t duration_ms;	/* the item's own, 0 when absent */
	enum ll_reason reason;	/* LL_ELIGIBLE or why it was excluded */
	char *licence;		/* eligible: the licence covering it */
	char *licensor;		/* eligible: that licence's licensor */
	/* eligible: the rights holders with a non-zero share of the work,
	 * party ids in byte order separated by one space; else NULL */
	char *holders;
};

/* One manifest (one training run) and its items. */
struct ll_disclose_run {
	char *model, *training_run, *licensee;
	char *trained_at;		/* as written */
	int64_t trained_at_us;
	char sha256[LL_SHA256_HEX_LEN + 1];	/* of the manifest's bytes */
	size_t ordinal;			/* position among the run's manifests */
	struct ll_disclose_item *items;
	size_t n_items;
};

struct ll_disclose_src {
	struct ll_disclose_run *runs;
	size_t n_runs, cap;
};

void ll_disclose_src_init(struct ll_disclose_src *s);
void ll_disclose_src_release(struct ll_disclose_src *s);

/* Append an empty run with room for n_items zeroed items; returns it
 * (borrowed) or NULL when out of memory. */
struct ll_disclose_run *ll_disclose_src_add(struct ll_disclose_src *s,
					    size_t n_items);

/*
 * The judgement of every item of r's manifests of r's licensee, after
 * ll_run_training succeeded (r->errs empty), appended to s: excluded
 * items with their reason, the others with the licence that covers them
 * at trained_at and the work's rights holders.  LL_NOMEM or LL_OK.
 */
enum ll_status ll_disclose_src_from_run(struct ll_disclose_src *s,
					const struct ll_run *r);

struct ll_manifest;

/*
 * The period a judgement of manifests mf[0..n) alone (disclose
 * --manifest, no logs) is made for: from the earliest trained_at's UTC
 * date to the latest's, "YYYY-MM-DD..YYYY-MM-DD", a period
 * ll_period_parse accepts.  Each item is judged at its own manifest's
 * trained_at; the period only names the days the training happened on.
 * n > 0.
 */
void ll_disclose_training_period(const struct ll_manifest *mf, size_t n,
				 char out[LL_DISCLOSE_PERIOD_SIZE]);

/* The template's size bins for audio (section 1.3). */
enum ll_size_bin {
	LL_BIN_UNDER_10K_HOURS,		/* less than 10,000 hours */
	LL_BIN_10K_TO_1M_HOURS,		/* 10,000 to 1,000,000 hours */
	LL_BIN_OVER_1M_HOURS,		/* more than 1,000,000 hours */
};

/* The bin of a total of ms milliseconds, decided on the exact total. */
enum ll_size_bin ll_disclose_bin(uint64_t ms);
/* "under_10k_hours", "10k_to_1m_hours", "over_1m_hours". */
const char *ll_disclose_bin_name(enum ll_size_bin b);

/*
 * ms as hours with two decimals, rounded half to even from the exact
 * quotient ms / 3,600,000 ("1.25", "10000.00").  Integer arithmetic only.
 */
void ll_disclose_hours(uint64_t ms, char out[LL_DISCLOSE_HOURS_SIZE]);

/* Items of one exclusion reason. */
struct ll_disclosure_excl {
	size_t items;
	uint64_t ms;
};

/* A licensor that is an organisation (label, publisher, collective,
 * licensee): named. */
struct ll_disclosure_licensor {
	const char *id, *name;		/* borrowed from the registry */
	const char *kind;
	size_t works, items;
	uint64_t ms;
};

struct ll_disclosure_run {
	const char *training_run, *trained_at;	/* borrowed from the src */
	const char *manifest_sha256;
	size_t items, eligible_items;
	uint64_t eligible_ms;
};

struct ll_disclosure {
	const char *model;
	const char *provider_id, *provider_name;	/* borrowed */
	char last_update[LL_DISCLOSE_DATE_SIZE];
	struct ll_disclosure_run *runs;
	size_t n_runs;
	size_t items, eligible_items, eligible_works;
	size_t items_without_duration;	/* eligible items with no duration */
	uint64_t eligible_ms;
	enum ll_size_bin bin;
	struct ll_disclosure_licensor *licensors;	/* by name, then id */
	size_t n_licensors;
	/* licensors that are individuals (artist, songwriter): counts only */
	size_t individual_licensors, individual_works, individual_items;
	uint64_t individual_ms;
	/* distinct rights holders of the eligible works, and of them the
	 * individuals (artist, songwriter) */
	size_t rights_holders, individual_rights_holders;
	struct ll_disclosure_excl excluded[LL_REASON_COUNT];	/* by reason;
								 * [0] unused */
	size_t excluded_items;
	uint64_t excluded_ms;
};

/*
 * Summarise the training runs of src (borrowed: must outlive d), all of
 * model and one licensee, with names and kinds from reg (borrowed).
 * last_update is the caller's date (YYYY-MM-DD).  LL_INVALID (err) when a
 * party is not in reg or a total exceeds INT64_MAX ms; LL_NOMEM.
 */
enum ll_status ll_disclosure_build(struct ll_disclosure *d,
				   const struct ll_disclose_src *src,
				   const struct ll_registry *reg,
				   const char *model, const char *last_update,
				   struct ll_error *err);
void ll_disclosure_release(struct ll_disclosure *d);

#endif
