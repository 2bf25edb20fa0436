/*
 * task.c — work beside the caller on its own thread (task.h).
 */
#include "ledgerline/task.h"

#include <sched.h>
#include <unistd.h>

int ll_cpus_usable(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set))
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static void *task_main(void *arg)
{
	struct ll_task *t = arg;

	t->fn(t->arg);
	return NULL;
}

void ll_task_start(struct ll_task *t, void (*fn)(void *), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->started = pthread_create(&t->th, NULL, task_main, t) == 0;
	if (!t->started)
		fn(arg);
}

void ll_task_join(struct ll_task *t)
{
	if (t->started)
		pthread_join(t->th, NULL);
	t->started = false;
}

void ll_latch_init(struct ll_latch *l)
{
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->open = false;
}

void ll_latch_open(struct ll_latch *l)
{
	pthread_mutex_lock(&l->mu);
	l->open = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

void ll_latch_wait(struct ll_latch *l)
{
	pthread_mutex_lock(&l->mu);
	while (!l->open)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
}

void ll_latch_destroy(struct ll_latch *l)
{
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
}

/* One thread's share of an ll_task_each. */
struct each {
	struct ll_task task;
	size_t first, step, n;
	void (*fn)(void *, size_t);
	void *arg;
};

static void each_main(void *arg)
{
	struct each *e = arg;
	size_t i;

	for (i = e->first; i < e->n; i += e->step)
		e->fn(e->arg, i);
}

void ll_task_each(size_t n, int threads, void (*fn)(void *, size_t),
		  void *arg)
{
	struct each e[LL_TASK_THREADS_MAX];
	size_t k, nt;

	if (threads <= 0)
		threads = ll_cpus_usable();
	if (threads > LL_TASK_THREADS_MAX)
		threads = LL_TASK_THREADS_MAX;
	nt = (size_t)threads < n ? (size_t)threads : n;
	if (nt == 0)
		return;
	for (k = 0; k < nt; k++) {
		e[k].first = k;
		e[k].step = nt;
		e[k].n = n;
		e[k].fn = fn;
		e[k].arg = arg;
	}
	/* the others on threads of their own, the first on the caller's */
	for (k = 1; k < nt; k++)
		ll_task_start(&e[k].task, each_main, &e[k]);
	each_main(&e[0]);
	for (k = 1; k < nt; k++)
		ll_task_join(&e[k].task);
}
