/*
 * pipeline.h — reading generation logs in parallel (SPEC §2.3 "may be
 * huge"): one reader, N parsing threads, exact merge.
 *
 * Design decision: the reader cuts each log into large blocks at line
 * boundaries and hashes them as it goes; workers parse whole blocks into
 * private tallies; tallies merge exactly at the end.  Memory is the
 * catalogue-sized tallies plus a bounded queue of blocks, whatever the size
 * of the logs.  Duplicate event ids are found from 8-byte id hashes, held
 * in memory up to a budget and spilled beyond it in sorted runs to a
 * temporary file that is merged at the end (idspill.h), and
 * any hash collision is settled by a second, exact pass over the logs, so
 * the check is exact without keeping ids in memory.
 */
#ifndef LEDGERLINE_PIPELINE_H
#define LEDGERLINE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/digest.h"
#include "ledgerline/progress.h"
#include "ledgerline/run.h"
#include "ledgerline/tally.h"

/* --memory-max by default: 1 GiB */
#define LL_PIPELINE_MEMORY_DEFAULT (UINT64_C(1) << 30)

enum {
	LL_PIPELINE_THREADS_MAX = 16,	/* parsing threads at most */
};

/*
 * Called from the parsing threads with each event they tally (every
 * event that parsed: the tally's events), its log (index into the logs
 * given) and line; worker says which thread (0 to
 * LL_PIPELINE_THREADS_MAX - 1): calls of one worker never overlap, those
 * of two may.  The event is valid only during the call.  Anything but
 * LL_OK, with err, stops the reading.
 */
typedef enum ll_status ll_pipeline_event_fn(void *user, int worker,
					    const struct ll_event *ev,
					    uint32_t log, long line,
					    struct ll_error *err);

struct ll_pipeline_opts {
	int threads;		/* parsing threads; 0 = ll_cpus_usable() */
	size_t block_bytes;	/* 0 = default (1 MiB); at most 256 MiB */
	/* called in phase LL_PHASE_READING after each block read and once
	 * at the end, with the bytes read of the logs' total size and the
	 * lines read so far as events; NULL: no reports */
	ll_progress_fn *progress;
	void *progress_user;	/* passed to progress untouched */
	/* the memory budget (0 = LL_PIPELINE_MEMORY_DEFAULT): event-id
	 * hashes take 1/128 of it, at most 8 MiB, and the rest go to disk
	 * in sorted runs (8 bytes per event) in spill_dir (NULL: /tmp) */
	uint64_t memory_max;
	const char *spill_dir;
	ll_pipeline_event_fn *on_event;	/* NULL: none */
	void *event_user;		/* passed to on_event untouched */
};

/*
 * How much lower than the reading thread's the parsing threads' priority
 * is (nice values) when the reader and nthreads parsing threads are more
 * than the CPUs the process may use; 0 when each has a CPU.
 *
 * The reader hashes every log in order, which no other thread can share;
 * on two CPUs shared fairly by three threads it ran two thirds of the
 * time, the queue of blocks ran dry and the parsing threads slept: at
 * 10^7 bench events, 2.3 s each, 1.71-1.74 CPUs busy while the logs were
 * read.  Below the reader, the parsing threads take the CPU it leaves:
 * 1.89-1.94 busy (docs/scale.md).
 */
enum { LL_PIPELINE_WORKER_NICE = 5 };
int ll_pipeline_worker_nice(int nthreads);

/*
 * Read every log (struct ll_log_input is in run.h), parse and tally its events into *out (initialised by
 * the caller with ctx), check duplicate ids across all logs, and fill the
 * digests.  Invalid lines and events are recorded as errors in out (not a
 * failure of this function); LL_IO / LL_NOMEM / LL_INTERNAL with err on a
 * failure to run at all.
 */
enum ll_status ll_pipeline_run(struct ll_log_input *logs, size_t n_logs,
			       const struct ll_pipeline_opts *opts,
			       struct ll_tally *out, struct ll_error *err);

#endif
