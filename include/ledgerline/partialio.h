/*
 * partialio.h — reading partials (partial.h) as streams, so that "run
 * --tallies" holds each partial's head and sums but never its event ids:
 * those are merged across the partials as they are read (SPEC §8).
 *
 * Design decision: a partial's ids come last, sorted by (hash, id), so a
 * reader parses the head, sums and findings into memory and then hands
 * out one id at a time, checking their order and the SHA-256 of the
 * whole file as it goes; the checksum line is checked when the last id
 * has been read.  Finding an id in two partials is a k-way merge over one
 * reader per partial: O(k) memory whatever the number of events.  When a
 * partial is damaged, the checksum error wins over the parse error, as
 * when the partial is read whole.
 */
#ifndef LEDGERLINE_PARTIALIO_H
#define LEDGERLINE_PARTIALIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ledgerline/digest.h"
#include "ledgerline/hash.h"
#include "ledgerline/partial.h"
#include "ledgerline/status.h"

struct ll_partial_stream {
	const char *source;		/* as given (not owned) */
	FILE *f;
	struct ll_sha256_ctx h;		/* of the lines read so far */
	uint8_t digest[LL_SHA256_LEN];	/* h's, once summed */
	bool summed;
	long line;			/* of the last line read */
	uint64_t left;			/* ids still to read */
	size_t n_logs;
	char *lb;			/* the last line read */
	size_t cap;
	ssize_t len;
	bool last;			/* lb is the file's last line */
	struct ll_partial_id cur, prev;	/* cur valid while have */
	bool have, done;
	char sha256[LL_SHA256_HEX_LEN + 1];	/* once done */
};

/*
 * Open spec (a file, "-" or an https:// URL, as input.h) and read its
 * head, sums and findings into p (initialised, empty).  s->have is false
 * until the first ll_partial_stream_next.  LL_INVALID with
 * "source:line: field: reason" in err; LL_IO, LL_NETWORK, LL_NOMEM.
 */
enum ll_status ll_partial_stream_open(struct ll_partial_stream *s,
				      struct ll_partial *p, const char *spec,
				      struct ll_error *err);

/* The next id into s->cur (s->have); at the end s->have is false, s->done
 * true and the checksum checked.  Ids out of order or repeated are
 * LL_INVALID. */
enum ll_status ll_partial_stream_next(struct ll_partial_stream *s,
				      struct ll_error *err);

void ll_partial_stream_close(struct ll_partial_stream *s);

/*
 * Read every stream v[0, n) (opened, of partials parts[], named names[])
 * to its end, merging their ids: one error in errs per event id found in
 * two partials, naming both partials, their logs and lines (*found gets
 * how many).  Every partial's checksum is checked by the time this
 * returns LL_OK.  LL_INVALID (a damaged partial) with err; LL_IO; LL_NOMEM.
 */
enum ll_status ll_partial_streams_merge(struct ll_partial_stream *v, size_t n,
					const struct ll_partial *parts,
					const char *const *names,
					struct ll_errlist *errs, size_t *found,
					struct ll_error *err);

#endif
