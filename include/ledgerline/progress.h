/*
 * progress.h — how long work tells its caller how far it has come.
 *
 * Design decision: as curl's CURLOPT_XFERINFOFUNCTION, the library only
 * calls a function the caller gave it (with the caller's pointer), never
 * draws: the command-line shell decides whether and how a person sees it
 * (a line on a terminal, nothing in a pipe).  The function is called from
 * the thread that called into the library, often (after every block read),
 * so it must be cheap and do its own rate limiting.
 */
#ifndef LEDGERLINE_PROGRESS_H
#define LEDGERLINE_PROGRESS_H

#include <stdint.h>

/* The phases of a run, in order. */
enum ll_phase {
	LL_PHASE_READING,	/* reading and tallying the logs */
	LL_PHASE_SETTLING,	/* the exact computation and rounding */
	LL_PHASE_SIGNING,	/* building and signing statements */
	LL_PHASE_STORING,	/* staging files, storing in the database */
	LL_PHASE_PUBLISHING,	/* renaming the outputs into place */
};

/* Static lowercase name of a phase ("reading", ...). */
const char *ll_phase_name(enum ll_phase phase);

/*
 * One report: in phase, bytes_done of bytes_total (0: unknown) bytes of
 * input and events events seen so far.  user is the caller's pointer,
 * passed back untouched.
 */
typedef void ll_progress_fn(void *user, enum ll_phase phase,
			    uint64_t bytes_done, uint64_t bytes_total,
			    uint64_t events);

#endif
