/*
 * idsort.h — a partial's event ids sorted by (hash, id) within a memory
 * budget, for "ledgerline tally" (SPEC §8: memory bounded by the
 * catalogue and a configurable budget, never by the number of events).
 *
 * Design decision: ids are held in memory until they pass the budget,
 * then sorted and appended, as the partial's own "id ..." lines, as one
 * run to an unlinked temporary file (nothing is left behind, even after
 * a crash); the sorted ids are handed out by a k-way merge of the runs
 * and what is still in memory, one small read buffer per run.  The lines
 * handed out are those ll_partial_encode writes, byte for byte.
 */
#ifndef LEDGERLINE_IDSORT_H
#define LEDGERLINE_IDSORT_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/partial.h"
#include "ledgerline/status.h"

enum {
	LL_IDSORT_READ_BYTES = 65536,	/* per run while merging */
	LL_IDSORT_TEXT_BYTES = 1 << 20,	/* a block of ids' text */
};

struct ll_idsort_run {
	uint64_t offset, bytes;	/* in the file */
};

struct ll_idsort {
	char *dir;			/* where the file goes (owned) */
	uint64_t budget;		/* bytes of ids held in memory */
	struct ll_partial_id *v;	/* in memory, not yet spilled */
	char **text;			/* their ids' text: blocks, each of */
	size_t n_text, cap_text;	/* LL_IDSORT_TEXT_BYTES */
	size_t text_used;		/* of the last block */
	size_t n, cap;
	uint64_t held;			/* their bytes, roughly */
	uint64_t total;			/* ids added */
	int fd;				/* -1 until the first run */
	uint64_t size;
	struct ll_idsort_run *runs;
	size_t n_runs, cap_runs;
};

/* Sorting in dir (NULL: /tmp) with budget bytes of memory for the ids. */
enum ll_status ll_idsort_init(struct ll_idsort *s, const char *dir,
			      uint64_t budget, struct ll_error *err);
void ll_idsort_release(struct ll_idsort *s);

/* Add one id (copied).  LL_IO / LL_NOMEM with err. */
enum ll_status ll_idsort_add(struct ll_idsort *s, const char *id,
			     uint32_t log, long line, struct ll_error *err);

/*
 * Every id added, sorted by (hash, id), each as its partial line
 * ("id HASH LOG LINE ID\n") passed to emit, its LOG log_map[LOG as added]
 * (log_map NULL: as added); an emit error stops it and is returned.  Call
 * once.
 */
typedef enum ll_status (*ll_idsort_emit_fn)(void *ctx, const char *line,
					    size_t len, struct ll_error *err);
enum ll_status ll_idsort_drain(struct ll_idsort *s, const uint32_t *log_map,
			       ll_idsort_emit_fn emit, void *ctx,
			       struct ll_error *err);

#endif
