/*
 * partial.h — a tally of some of a period's logs, written by
 * "ledgerline tally" and merged by "run --tallies" (SPEC §8).
 *
 * Design decision: a partial is a versioned, line-oriented text file
 * (docs/scale.md, "The partial") that holds exactly what a run's tally
 * accumulates — integer sums over the fixed power-of-ten denominators as
 * decimal strings, counts, the voice findings — plus what binds it to one
 * run (licensee, period, registry snapshot digest, manifest digests, the
 * logs' digests) and every event id with its hash, sorted by (hash, id),
 * so that duplicates across partials are found exactly.  Its last line is
 * the SHA-256 of everything before it, checked on read.  Merging partials
 * into a tally is the same exact, order-independent merge the parsing
 * threads use, so the merged run is byte for byte the single run.  Pure:
 * no I/O.
 */
#ifndef LEDGERLINE_PARTIAL_H
#define LEDGERLINE_PARTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/buf.h"
#include "ledgerline/hash.h"
#include "ledgerline/ident.h"
#include "ledgerline/status.h"
#include "ledgerline/tally.h"

enum {
	LL_PARTIAL_VERSION = 1,
};

/* The largest partial "run --tallies" reads from standard input or a URL
 * (spooled to a temporary file), and the largest head (all but the ids)
 * it holds in memory. */
#define LL_PARTIAL_BYTES_MAX ((size_t)64 << 30)

/* One partial, in memory: read from text or made from a tally.  Log
 * indices (findings, ids) are into logs[], which is sorted by (name,
 * sha256). */
struct ll_partial_log {
	char *name;
	char sha256[LL_SHA256_HEX_LEN + 1];
	uint64_t bytes, lines;
};

struct ll_partial_id {
	uint64_t hash;		/* ll_event_id_hash(id) */
	uint32_t log;
	long line;
	char *id;		/* owned */
};

struct ll_partial_slot {
	size_t index;		/* eligibility slot */
	struct ll_mass mass;
};

struct ll_partial_count {
	char *key;		/* unknown reference key or voice party id */
	struct ll_mass mass;	/* unknown references only */
	uint64_t n;		/* voice counts only */
};

struct ll_partial {
	char *licensee;
	char first[LL_DATE_LEN + 1], last[LL_DATE_LEN + 1];	/* the period */
	char registry[LL_SHA256_HEX_LEN + 1];
	char (*manifests)[LL_SHA256_HEX_LEN + 1];	/* sorted */
	size_t n_manifests;
	struct ll_partial_log *logs;
	size_t n_logs;
	uint64_t events, attributions;
	struct ll_mass unattributed;
	size_t n_slots_total;		/* the eligibility index's slots */
	struct ll_partial_slot *slots;	/* non-empty only, by index */
	size_t n_slots;
	struct ll_partial_count *unknown;	/* by key */
	size_t n_unknown;
	struct ll_partial_count *voice;		/* by party id */
	size_t n_voice;
	uint64_t voice_unknown;
	struct ll_voice_finding *findings;	/* by event id; file: log */
	size_t n_findings;
	struct ll_partial_id *ids;		/* by (hash, id) */
	size_t n_ids;
	char sha256[LL_SHA256_HEX_LEN + 1];	/* of the content, once read */
};

void ll_partial_init(struct ll_partial *p);
void ll_partial_release(struct ll_partial *p);

/*
 * Fill p (initialised, empty) from a finished tally t without errors over
 * logs[0, n_logs) in t's file order; licensee, period dates and registry
 * digest from the caller, manifest digests in any order.  ids (taken:
 * p owns them afterwards; their log is in t's file order) are sorted
 * here.  LL_NOMEM.
 */
enum ll_status ll_partial_from_tally(struct ll_partial *p,
				     const struct ll_tally *t,
				     const char *const *log_names,
				     const char *const *log_sha256,
				     const uint64_t *log_bytes,
				     const uint64_t *log_lines, size_t n_logs,
				     struct ll_partial_id *ids, size_t n_ids);

/* The partial's text, its checksum line last, appended to b. */
void ll_partial_encode(const struct ll_partial *p, struct ll_buf *b);

/* The partial's text up to and including its line "ids N" (p's ids
 * aside), for a writer that appends the n_ids id lines and the checksum
 * line itself; and one id line. */
void ll_partial_encode_head(const struct ll_partial *p, uint64_t n_ids,
			    struct ll_buf *b);
void ll_partial_encode_id(const struct ll_partial_id *d, struct ll_buf *b);

/*
 * Parse text[0, len) read from source into p (initialised, empty): the
 * version, every field, the order of sorted lists and the checksum.
 * LL_INVALID with "source:line: field: reason" in err; LL_NOMEM.
 */
enum ll_status ll_partial_decode(struct ll_partial *p, const char *text,
				 size_t len, const char *source,
				 struct ll_error *err);

/*
 * The streaming read of a partial (docs/scale.md, "Disk and memory of a
 * split"): text[0, len) is the partial up to and including its line
 * "ids N" (the head, sums and findings): parsed into p as
 * ll_partial_decode does, *n_ids gets N; no checksum here (the reader
 * checks it over the whole file).  LL_INVALID with err; LL_NOMEM.
 */
enum ll_status ll_partial_decode_head(struct ll_partial *p, const char *text,
				      size_t len, const char *source,
				      uint64_t *n_ids, struct ll_error *err);

/* One "id ..." line text[0, len) (with or without its newline), line
 * number line of source, into d (d->id owned by the caller; NULL on
 * failure).  LL_INVALID with err; LL_NOMEM. */
enum ll_status ll_partial_decode_id(struct ll_partial_id *d, const char *text,
				    size_t len, size_t n_logs,
				    const char *source, long line,
				    struct ll_error *err);

/* The order of a partial's ids: by hash, then id. */
int ll_partial_id_cmp(const struct ll_partial_id *x,
		      const struct ll_partial_id *y);

/*
 * The k-way merges of sorted ids (partials read as streams, a tally's
 * spilled runs) keep a min-heap of stream indices: restore heap[0, n)
 * from position i down, stream k ordered by *cur[k] (ll_partial_id_cmp),
 * equal ids by the lower index.
 */
void ll_partial_id_sift(const struct ll_partial_id *const *cur,
			size_t *heap, size_t n, size_t i);

/* What every partial of a run must agree with. */
struct ll_partial_bind {
	const char *licensee;
	const char *first, *last;
	const char *registry;
	const char *const *manifests;	/* any order */
	size_t n_manifests;
};

/*
 * Check partials v[0, n) (named names[]) against the run: one error in
 * errs per partial and field that differs (licensee, period, registry,
 * manifests), and one per event id found in two partials (or twice in
 * one), naming both partials, their logs and lines.  Returns the number
 * of errors added; LL_NOMEM through *rc.
 */
size_t ll_partials_check(const struct ll_partial *v, const char *const *names,
			 size_t n, const struct ll_partial_bind *bind,
			 struct ll_errlist *errs, enum ll_status *rc);

/* t += p, with p's log i being file log_map[i] of t's run.  LL_NOMEM;
 * LL_INVALID with err when p was made over another eligibility index. */
enum ll_status ll_partial_add(struct ll_tally *t, const struct ll_partial *p,
			      const uint32_t *log_map, const char *source,
			      struct ll_error *err);

#endif
