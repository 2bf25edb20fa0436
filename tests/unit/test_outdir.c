/*
 * test_outdir.c — unit tests for outdir.c: publishing into an empty
 * directory with a record sha256sum would accept; a user's file where an
 * output goes refused (LL_USAGE, naming it) with the directory unchanged;
 * ledgerline's own files replaced, edited ones treated as the user's;
 * files of an earlier run removed only when unchanged, the user's files
 * in a swapped subdirectory kept; rollback; recovery after a kill between
 * the two renames of a swap; the lock; a broken record; path checks.
 *
 * Design decision: every test works in its own mkdtemp directory, and
 * looks at the directory only through the file system, as a user would.
 */
#include "unit.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledgerline/outdir.h"
#include "ledgerline/status.h"

#include "fixture.h"

struct tmp {
	char dir[256];
};

static int setup(void **state)
{
	struct tmp *t = malloc(sizeof(*t));

	if (!t)
		return -1;
	if (!tmp_dir_make(t->dir, sizeof(t->dir), "outdir")) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;

	tmp_dir_remove(t->dir);
	free(t);
	return 0;
}

static const char *at(const struct tmp *t, const char *rel)
{
	static char buf[4][PATH_MAX + 512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", t->dir, rel);
	return buf[k];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The content of path, or "<absent>". */
static const char *get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "<absent>";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The whole content of path (caller frees). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	assert_true(n < (1 << 16) - 1);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Names at the top of dir that begin with ".ledgerline-stage-". */
static int stages(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strncmp(e->d_name, LL_OUTDIR_STAGE_PREFIX,
			     strlen(LL_OUTDIR_STAGE_PREFIX)) == 0;
	closedir(d);
	return n;
}

/* Publish files (NULL-terminated pairs path, text) into t->dir. */
static enum ll_status publish(const struct tmp *t, const char *const *files,
			      struct ll_error *err)
{
	struct ll_outdir od;
	enum ll_status rc;

	ll_outdir_init(&od);
	rc = ll_outdir_open(&od, t->dir, err);
	for (; rc == LL_OK && files[0]; files += 2)
		rc = ll_outdir_add(&od, files[0], files[1], strlen(files[1]),
				   err);
	if (rc == LL_OK)
		rc = ll_outdir_commit(&od, err);
	ll_outdir_release(&od);
	return rc;
}

static void test_publish_into_empty(void **state)
{
	struct tmp *t = *state;
	const char *files[] = { "run.json", "{}\n", "statements/P-A.dsse.json",
				"a\n", NULL };
	struct ll_error err;
	char cmd[600];

	assert_int_equal(publish(t, files, &err), LL_OK);
	assert_string_equal(get(at(t, "run.json")), "{}\n");
	assert_string_equal(get(at(t, "statements/P-A.dsse.json")), "a\n");
	assert_int_equal(stages(t->dir), 0);
	/* sha256sum's own format, sorted by path */
	assert_string_equal(
		get(at(t, LL_OUTDIR_RECORD)),
		"ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356"
		"  run.json\n"
		"87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7"
		"  statements/P-A.dsse.json\n");
	snprintf(cmd, sizeof(cmd),
		 "cd %s && sha256sum --quiet -c " LL_OUTDIR_RECORD, t->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_foreign_file_refused(void **state)
{
	struct tmp *t = *state;
	const char *files[] = { "run.json", "{}\n", "payouts.csv", "new\n",
				NULL };
	struct ll_error err;

	put(at(t, "payouts.csv"), "mine\n");
	ll_error_clear(&err);
	assert_int_equal(publish(t, files, &err), LL_USAGE);
	assert_string_equal(err.source, at(t, "payouts.csv"));
	assert_non_null(strstr(err.text, "not written by ledgerline"));
	assert_string_equal(get(at(t, "payouts.csv")), "mine\n");
	assert_string_equal(get(at(t, "run.json")), "<absent>");
	assert_string_equal(get(at(t, LL_OUTDIR_RECORD)), "<absent>");
	assert_int_equal(stages(t->dir), 0);

	/* a file where the statements directory must go */
	unlink(at(t, "payouts.csv"));
	put(at(t, "statements"), "a file\n");
	{
		const char *s[] = { "statements/P-A.dsse.json", "a\n", NULL };

		assert_int_equal(publish(t, s, &err), LL_USAGE);
		assert_string_equal(err.source, at(t, "statements"));
	}
}

static void test_own_replaced_edited_refused(void **state)
{
	struct tmp *t = *state;
	const char *v1[] = { "run.json", "one\n", "statements/P-A.dsse.json",
			     "a1\n", NULL };
	const char *v2[] = { "run.json", "two\n", "statements/P-A.dsse.json",
			     "a2\n", NULL };
	struct ll_error err;

	assert_int_equal(publish(t, v1, &err), LL_OK);
	assert_int_equal(publish(t, v2, &err), LL_OK);
	assert_string_equal(get(at(t, "run.json")), "two\n");
	assert_string_equal(get(at(t, "statements/P-A.dsse.json")), "a2\n");
	/* edited by the user: theirs now */
	put(at(t, "statements/P-A.dsse.json"), "a2 with notes\n");
	assert_int_equal(publish(t, v1, &err), LL_USAGE);
	assert_string_equal(err.source, at(t, "statements/P-A.dsse.json"));
	assert_string_equal(get(at(t, "statements/P-A.dsse.json")),
			    "a2 with notes\n");
	assert_string_equal(get(at(t, "run.json")), "two\n");
}

static void test_stale_removed_users_kept(void **state)
{
	struct tmp *t = *state;
	const char *v1[] = { "run.json",
			     "one\n",
			     "payouts-USD.xml",
			     "usd\n",
			     "payouts-GBP.xml",
			     "gbp\n",
			     "statements/P-A.dsse.json",
			     "a\n",
			     "statements/P-B.dsse.json",
			     "b\n",
			     "statements/P-C.dsse.json",
			     "c\n",
			     NULL };
	const char *v2[] = { "run.json", "two\n", "statements/P-A.dsse.json",
			     "a\n", NULL };
	const char *v3[] = { "run.json", "one\n", "statements/P-A.dsse.json",
			     "a\n", "statements/P-B.dsse.json", "b\n", NULL };
	struct ll_error err;

	assert_int_equal(publish(t, v1, &err), LL_OK);
	put(at(t, "statements/README"), "mine\n");
	put(at(t, "statements/my-old.dsse.json"), "mine too\n");
	put(at(t, "README"), "top\n");
	put(at(t, "payouts-GBP.xml"), "edited\n");	  /* the user's now */
	put(at(t, "statements/P-C.dsse.json"), "c'\n"); /* the user's now */
	assert_int_equal(publish(t, v2, &err), LL_OK);
	assert_string_equal(get(at(t, "run.json")), "two\n");
	assert_string_equal(get(at(t, "statements/P-A.dsse.json")), "a\n");
	assert_string_equal(get(at(t, "statements/P-B.dsse.json")),
			    "<absent>");
	assert_string_equal(get(at(t, "payouts-USD.xml")), "<absent>");
	assert_string_equal(get(at(t, "payouts-GBP.xml")), "edited\n");
	assert_string_equal(get(at(t, "statements/P-C.dsse.json")), "c'\n");
	assert_string_equal(get(at(t, "statements/README")), "mine\n");
	assert_string_equal(get(at(t, "statements/my-old.dsse.json")),
			    "mine too\n");
	assert_string_equal(get(at(t, "README")), "top\n");
	assert_int_equal(stages(t->dir), 0);
	/* only what this run wrote is recorded */
	assert_null(strstr(get(at(t, LL_OUTDIR_RECORD)), "P-C"));
	assert_null(strstr(get(at(t, LL_OUTDIR_RECORD)), "GBP"));
	assert_null(strstr(get(at(t, LL_OUTDIR_RECORD)), "README"));

	/* P-C is the user's now: a run that must write it is refused */
	assert_int_equal(publish(t, v1, &err), LL_USAGE);
	assert_string_equal(err.source, at(t, "payouts-GBP.xml"));

	/* a user's directory inside statements/: files go in one by one */
	mkdir(at(t, "statements/archive"), 0755);
	put(at(t, "statements/archive/x"), "x\n");
	assert_int_equal(publish(t, v3, &err), LL_OK);
	assert_string_equal(get(at(t, "statements/archive/x")), "x\n");
	assert_string_equal(get(at(t, "statements/P-B.dsse.json")), "b\n");
	assert_int_equal(publish(t, v2, &err), LL_OK);
	assert_string_equal(get(at(t, "statements/P-B.dsse.json")),
			    "<absent>");
	assert_string_equal(get(at(t, "statements/archive/x")), "x\n");
	assert_string_equal(get(at(t, "statements/README")), "mine\n");
}

static void test_rollback_leaves_nothing(void **state)
{
	struct tmp *t = *state;
	struct ll_outdir od;
	struct ll_error err;

	put(at(t, "README"), "top\n");
	ll_outdir_init(&od);
	assert_int_equal(ll_outdir_open(&od, t->dir, &err), LL_OK);
	assert_int_equal(stages(t->dir), 1);
	assert_int_equal(ll_outdir_add(&od, "statements/P-A.dsse.json", "a",
				       1, &err),
			 LL_OK);
	assert_int_equal(ll_outdir_add(&od, "run.json", "r", 1, &err), LL_OK);
	/* the same path twice and paths outside the directory are bugs */
	assert_int_equal(ll_outdir_add(&od, "run.json", "r", 1, &err),
			 LL_INTERNAL);
	assert_int_equal(ll_outdir_add(&od, "../x", "r", 1, &err),
			 LL_INTERNAL);
	ll_outdir_rollback(&od);
	ll_outdir_release(&od);
	assert_int_equal(stages(t->dir), 0);
	assert_string_equal(get(at(t, "run.json")), "<absent>");
	assert_string_equal(get(at(t, "statements/P-A.dsse.json")),
			    "<absent>");
	assert_string_equal(get(at(t, "README")), "top\n");
}

/* A run killed between moving statements/ aside and moving the new one
 * in: the next open puts the old one back, the user's files with it. */
static void test_recovers_half_swap(void **state)
{
	struct tmp *t = *state;
	const char *v1[] = { "statements/P-A.dsse.json", "a\n", NULL };
	struct ll_outdir od;
	struct ll_error err;

	assert_int_equal(publish(t, v1, &err), LL_OK);
	put(at(t, "statements/README"), "mine\n");
	assert_int_equal(mkdir(at(t, LL_OUTDIR_STAGE_PREFIX "dead"), 0700), 0);
	assert_int_equal(mkdir(at(t, LL_OUTDIR_STAGE_PREFIX "dead/statements"),
			       0755),
			 0);
	put(at(t, LL_OUTDIR_STAGE_PREFIX "dead/statements/P-A.dsse.json"),
	    "new\n");
	assert_int_equal(rename(at(t, "statements"),
				at(t, LL_OUTDIR_STAGE_PREFIX
				   "dead/.old-statements")),
			 0);
	ll_outdir_init(&od);
	assert_int_equal(ll_outdir_open(&od, t->dir, &err), LL_OK);
	ll_outdir_release(&od);
	assert_int_equal(stages(t->dir), 0);
	assert_string_equal(get(at(t, "statements/README")), "mine\n");
	assert_string_equal(get(at(t, "statements/P-A.dsse.json")), "a\n");
}

static void test_lock_and_bad_record(void **state)
{
	struct tmp *t = *state;
	struct ll_outdir a, b;
	struct ll_error err;

	ll_outdir_init(&a);
	ll_outdir_init(&b);
	assert_int_equal(ll_outdir_open(&a, t->dir, &err), LL_OK);
	assert_int_equal(ll_outdir_open(&b, t->dir, &err), LL_USAGE);
	assert_non_null(strstr(err.text, "another ledgerline"));
	ll_outdir_release(&b);
	ll_outdir_release(&a);

	put(at(t, LL_OUTDIR_RECORD), "not a record\n");
	ll_outdir_init(&a);
	assert_int_equal(ll_outdir_open(&a, t->dir, &err), LL_USAGE);
	assert_int_equal(err.line, 1);
	ll_outdir_release(&a);
	put(at(t, LL_OUTDIR_RECORD),
	    "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356"
	    "  ../etc/passwd\n");
	ll_outdir_init(&a);
	assert_int_equal(ll_outdir_open(&a, t->dir, &err), LL_USAGE);
	ll_outdir_release(&a);
	assert_int_equal(stages(t->dir), 0);
}

/* Many files at once: each published with its content and recorded; a
 * batch with one file that cannot be written stages none of its files,
 * names the first that failed, and leaves the directory as it was. */
static void test_add_many(void **state)
{
	enum { N = 60 };
	struct tmp *t = *state;
	char names[N][64], texts[N][32], stage_b[PATH_MAX + 64], *rec;
	const char *paths[N], *data[N];
	size_t len[N], i;
	struct ll_outdir od;
	struct ll_error err;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]),
			 "statements/P-%03zu.dsse.json", i);
		snprintf(texts[i], sizeof(texts[i]), "statement %zu\n", i);
		paths[i] = names[i];
		data[i] = texts[i];
		len[i] = strlen(texts[i]);
	}
	ll_outdir_init(&od);
	assert_int_equal(ll_outdir_open(&od, t->dir, &err), LL_OK);
	assert_int_equal(ll_outdir_add(&od, "run.json", "{}\n", 3, &err),
			 LL_OK);
	assert_int_equal(ll_outdir_add_many(&od, N, paths, data, len, &err),
			 LL_OK);
	assert_int_equal(ll_outdir_commit(&od, &err), LL_OK);
	ll_outdir_release(&od);
	for (i = 0; i < N; i++)
		assert_string_equal(get(at(t, names[i])), texts[i]);
	rec = slurp(at(t, LL_OUTDIR_RECORD));
	assert_non_null(strstr(rec, "  statements/P-000.dsse.json\n"));
	assert_non_null(strstr(rec, "  statements/P-059.dsse.json\n"));
	snprintf(stage_b, sizeof(stage_b),
		 "cd %s && sha256sum --quiet -c " LL_OUTDIR_RECORD, t->dir);
	assert_int_equal(system(stage_b), 0);

	/* the next run: its second file cannot be written (a directory
	 * stands at its staged path) */
	for (i = 0; i < N; i++)
		snprintf(texts[i], sizeof(texts[i]), "again %zu\n", i);
	ll_outdir_init(&od);
	assert_int_equal(ll_outdir_open(&od, t->dir, &err), LL_OK);
	snprintf(stage_b, sizeof(stage_b), "%s/statements", od.stage);
	assert_int_equal(mkdir(stage_b, 0755), 0);
	snprintf(stage_b, sizeof(stage_b), "%s/%s", od.stage, names[1]);
	assert_int_equal(mkdir(stage_b, 0755), 0);
	ll_error_clear(&err);
	assert_int_equal(ll_outdir_add_many(&od, N, paths, data, len, &err),
			 LL_IO);
	assert_string_equal(err.source, stage_b);
	assert_int_equal(od.n_add, 0);
	assert_int_equal(rmdir(stage_b), 0);	/* the obstacle planted */
	ll_outdir_release(&od);
	assert_int_equal(stages(t->dir), 0);
	for (i = 0; i < N; i++)
		assert_non_null(strstr(get(at(t, names[i])), "statement "));
	{
		char *now = slurp(at(t, LL_OUTDIR_RECORD));

		assert_string_equal(now, rec);
		free(now);
	}
	free(rec);

	/* a repeated path stages nothing */
	paths[N - 1] = paths[0];
	ll_outdir_init(&od);
	assert_int_equal(ll_outdir_open(&od, t->dir, &err), LL_OK);
	assert_int_equal(ll_outdir_add_many(&od, N, paths, data, len, &err),
			 LL_INTERNAL);
	assert_int_equal(od.n_add, 0);
	ll_outdir_release(&od);
}

static void test_path_ok(void **state)
{
	(void)state;
	assert_true(ll_outdir_path_ok("run.json"));
	assert_true(ll_outdir_path_ok("statements/P-A.dsse.json"));
	assert_false(ll_outdir_path_ok(""));
	assert_false(ll_outdir_path_ok("/etc/passwd"));
	assert_false(ll_outdir_path_ok("../x"));
	assert_false(ll_outdir_path_ok("a/../x"));
	assert_false(ll_outdir_path_ok("a/./x"));
	assert_false(ll_outdir_path_ok("a//x"));
	assert_false(ll_outdir_path_ok("a/"));
	assert_false(ll_outdir_path_ok("a/b/c"));
	assert_false(ll_outdir_path_ok("a\nb"));
	assert_false(ll_outdir_path_ok(".ledgerline-outputs"));
	assert_false(ll_outdir_path_ok(".ledgerline-stage-x/y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_publish_into_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_file_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_own_replaced_edited_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_removed_users_kept,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovers_half_swap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_bad_record, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_add_many, setup,
						teardown),
		cmocka_unit_test(test_path_ok),
	};

	return cmocka_run_group_tests_name("outdir", tests, NULL, NULL);
}
