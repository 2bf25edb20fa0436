/*
 * idspill.h — sorted runs of event-id hashes spilled to a temporary file,
 * so the duplicate-id check holds a bounded number of hashes in memory
 * whatever the number of events (SPEC §8).
 *
 * Design decision: each run is a sorted array of 8-byte hashes appended
 * to one unlinked temporary file (nothing is left behind, even after a
 * crash); finding the hashes seen twice is a k-way merge of the runs with
 * one small read buffer per run.  A hash seen twice is only a candidate:
 * the pipeline settles each one exactly by comparing the ids themselves,
 * as it does without spilling.  Disk: 8 bytes per event.  Thread-safe:
 * workers add runs concurrently.
 */
#ifndef LEDGERLINE_IDSPILL_H
#define LEDGERLINE_IDSPILL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

enum {
	LL_IDSPILL_READ_HASHES = 8192,	/* per run while merging (64 KiB) */
	/* ... unless the runs are so many that their buffers would pass
	 * LL_IDSPILL_MERGE_HASHES in all (8 MiB): then fewer each, down
	 * to LL_IDSPILL_READ_HASHES_MIN (2 KiB) */
	LL_IDSPILL_MERGE_HASHES = 1 << 20,
	LL_IDSPILL_READ_HASHES_MIN = 256,
};

struct ll_idspill_run {
	uint64_t offset;	/* bytes into the file */
	uint64_t n;		/* hashes */
};

struct ll_idspill {
	pthread_mutex_t mu;
	char *dir;			/* where the file goes (owned) */
	int fd;				/* -1 until the first run */
	uint64_t size;			/* bytes written */
	struct ll_idspill_run *runs;
	size_t n_runs, cap_runs;
};

/* A spill with its file in dir (created on the first run). */
enum ll_status ll_idspill_init(struct ll_idspill *sp, const char *dir,
			       struct ll_error *err);
void ll_idspill_release(struct ll_idspill *sp);

/* Append a run: v[0, n) sorted ascending.  LL_IO / LL_NOMEM with err. */
enum ll_status ll_idspill_add(struct ll_idspill *sp, const uint64_t *v,
			      size_t n, struct ll_error *err);

/*
 * Merge every run: *cand (caller frees) gets each hash that occurs more
 * than once, ascending, once each; *n_cand how many.
 */
enum ll_status ll_idspill_repeats(struct ll_idspill *sp, uint64_t **cand,
				  size_t *n_cand, struct ll_error *err);

#endif
