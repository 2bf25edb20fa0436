/*
 * task.h — work run beside the caller on a thread of its own, joined
 * before its results are read.
 *
 * Design decision: the smallest wrapper that lets the layers above the
 * core overlap independent steps (staging files while PostgreSQL stores
 * rows, signing statements two at a time) without each of them reaching
 * for pthreads.  A task that cannot get a thread runs at once on the
 * caller's: the result is the same, only later.  Whatever a task and its
 * caller share they only read until the join (or the latch that covers
 * it); each writes its own results.
 */
#ifndef LEDGERLINE_TASK_H
#define LEDGERLINE_TASK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	LL_TASK_THREADS_MAX = 16,	/* threads one ll_task_each starts */
};

struct ll_task {
	pthread_t th;
	bool started;		/* on its own thread (else already done) */
	void (*fn)(void *);
	void *arg;
};

/*
 * A one-time signal from a task to its caller that part of its results
 * is ready before the whole is: what it covers the task writes before
 * ll_latch_open and no more after; the caller reads it after
 * ll_latch_wait.  A task must open its latch on every path (also when it
 * fails), or the caller waits for ever.
 */
struct ll_latch {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open;
};

void ll_latch_init(struct ll_latch *l);
void ll_latch_open(struct ll_latch *l);
void ll_latch_wait(struct ll_latch *l);
void ll_latch_destroy(struct ll_latch *l);

/* Start fn(arg) beside the caller (or, without a thread, run it now). */
void ll_task_start(struct ll_task *t, void (*fn)(void *), void *arg);

/* Wait for the task started in t. */
void ll_task_join(struct ll_task *t);

/*
 * The CPUs this process may run on: its affinity, which a scheduler such
 * as Slurm narrows, or the online CPUs when that cannot be read; at
 * least 1.  What "as many threads as CPUs" means everywhere.
 */
int ll_cpus_usable(void);

/*
 * fn(arg, i) for every i in [0, n), on up to threads threads (the
 * caller's among them; 0: ll_cpus_usable()): thread k
 * takes k, k + threads, ...  Returns when every call has returned.
 */
void ll_task_each(size_t n, int threads, void (*fn)(void *, size_t),
		  void *arg);

#endif
