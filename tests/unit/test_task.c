/*
 * test_task.c — unit tests for task.c: a task runs once and its result
 * is there after the join; ll_task_each calls every index exactly once,
 * for every count of threads (more threads than indices, none asked for,
 * more than the limit), and really runs beside the caller; the CPUs
 * counted are those the process may run on.
 */
#include "unit.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/task.h"

#include "fixture.h"

static void add_one(void *arg)
{
	int *x = arg;

	(*x)++;
}

static void test_start_join(void **state)
{
	struct ll_task t;
	int x = 41;

	(void)state;
	ll_task_start(&t, add_one, &x);
	ll_task_join(&t);
	assert_int_equal(x, 42);
	/* a second join of a joined task does nothing */
	ll_task_join(&t);
	assert_int_equal(x, 42);
}

struct counts {
	atomic_int *hits;
	pthread_t seen[LL_TASK_THREADS_MAX + 1];
	atomic_int n_seen;
	pthread_mutex_t mu;
};

static void hit(void *arg, size_t i)
{
	struct counts *c = arg;
	pthread_t self = pthread_self();
	int k, n;

	atomic_fetch_add(&c->hits[i], 1);
	pthread_mutex_lock(&c->mu);
	n = atomic_load(&c->n_seen);
	for (k = 0; k < n; k++)
		if (pthread_equal(c->seen[k], self))
			break;
	if (k == n && n <= LL_TASK_THREADS_MAX) {
		c->seen[n] = self;
		atomic_store(&c->n_seen, n + 1);
	}
	pthread_mutex_unlock(&c->mu);
}

/* ll_task_each over n indices on threads threads: each index once; the
 * number of distinct threads that ran them. */
static int each_once(size_t n, int threads)
{
	struct counts c;
	size_t i;
	int seen;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.mu, NULL);
	c.hits = calloc(n + 1, sizeof(*c.hits));
	assert_non_null(c.hits);
	ll_task_each(n, threads, hit, &c);
	for (i = 0; i < n; i++)
		if (atomic_load(&c.hits[i]) != 1)
			fail_msg("n %zu, threads %d: index %zu ran %d times", n,
				 threads, i, atomic_load(&c.hits[i]));
	seen = atomic_load(&c.n_seen);
	free(c.hits);
	pthread_mutex_destroy(&c.mu);
	return seen;
}

static void test_each_every_index_once(void **state)
{
	static const size_t ns[] = { 0, 1, 2, 3, 7, 100, 1001 };
	static const int ts[] = { 0, 1, 2, 3, 8, LL_TASK_THREADS_MAX + 5 };
	size_t a, b;

	(void)state;
	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++)
		for (b = 0; b < sizeof(ts) / sizeof(ts[0]); b++)
			each_once(ns[a], ts[b]);
}

static void test_each_uses_threads(void **state)
{
	(void)state;
	/* one thread asked: the caller's alone */
	assert_int_equal(each_once(50, 1), 1);
	/* four asked, four indices: each thread takes one, so four ran */
	assert_int_equal(each_once(4, 4), 4);
	/* never more threads than indices */
	assert_int_equal(each_once(2, 8), 2);
}

/* ll_cpus_usable counts the process's affinity, not the machine: a
 * scheduler that gives it one CPU gets one thread by default. */
static void test_cpus_usable_follows_affinity(void **state)
{
	cpu_set_t all, one;
	int first = -1, k;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(ll_cpus_usable(), CPU_COUNT(&all));
	for (k = 0; k < CPU_SETSIZE && first < 0; k++)
		if (CPU_ISSET(k, &all))
			first = k;
	assert_true(first >= 0);
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	k = ll_cpus_usable();
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(k, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_join),
		cmocka_unit_test(test_each_every_index_once),
		cmocka_unit_test(test_each_uses_threads),
		cmocka_unit_test(test_cpus_usable_follows_affinity),
	};

	return cmocka_run_group_tests_name("task", tests, NULL, NULL);
}
