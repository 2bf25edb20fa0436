/*
 * test_cluster.c — the embedded cluster (cluster.h) against a REAL
 * throwaway PostgreSQL: initdb, start, stop, stale pid files, concurrent
 * ensure, and, when run as root, the server user and the
 * /var/lib/ledgerline/clusters fallback.
 *
 * Design decision: one shared cluster (group setup/teardown) serves the
 * tests that only start and stop it, so initdb runs only where a test is
 * about creation; tests that need a fresh data directory get their own in
 * a per-test fixture whose teardown stops the server and removes every
 * directory (the /var/lib/ledgerline fallback included) even when an
 * assertion failed.
 */
#include "unit.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ledgerline/cluster.h"
#include "ledgerline/status.h"

#include "fixture.h"

static const char FALLBACK_BASE[] = "/var/lib/ledgerline";
static const char FALLBACK_CLUSTERS[] = "/var/lib/ledgerline/clusters";

/* ---- helpers ---------------------------------------------------------- */

static bool is_root(void)
{
	return geteuid() == 0;
}

/* PID in <pgdata>/postmaster.pid, 0 when none. */
static long postmaster_pid(const struct ll_cluster *c)
{
	char path[PATH_MAX], buf[64], *end;
	FILE *f;
	long pid;

	assert_true(snprintf(path, sizeof(path), "%s/postmaster.pid",
			     c->pgdata) < (int)sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		(void)fclose(f);
		return 0;
	}
	(void)fclose(f);
	pid = strtol(buf, &end, 10);
	return end == buf ? 0 : pid;
}

/* How many lines of the file contain needle. */
static int count_lines(const char *path, const char *needle)
{
	char line[4096];
	FILE *f;
	int n = 0;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	(void)fclose(f);
	return n;
}

static bool running(const struct ll_cluster *c)
{
	struct ll_error err;
	bool up = false;

	ll_error_clear(&err);
	assert_int_equal(ll_cluster_status(c, &up, &err), LL_OK);
	return up;
}

static void ensure_ok(struct ll_cluster *c, const char *dbname)
{
	struct ll_error err;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_cluster_ensure(c, dbname, &err);
	if (rc != LL_OK)
		fail_msg("ensure: %s: %s", err.source, err.text);
}

static void stop_ok(struct ll_cluster *c)
{
	struct ll_error err;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_cluster_stop(c, &err);
	if (rc != LL_OK)
		fail_msg("stop: %s: %s", err.source, err.text);
}

static void destroy_ok(struct ll_cluster *c, bool dry_run,
		       struct ll_cluster_files *files)
{
	struct ll_error err;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_cluster_destroy(c, dry_run, files, &err);
	if (rc != LL_OK)
		fail_msg("destroy: %s: %s", err.source, err.text);
}

/* Run one single-value query on dsn; the value (maybe "") into out. */
static void query1(const char *dsn, const char *sql, char *out, size_t size)
{
	PGconn *conn = PQconnectdb(dsn);
	PGresult *res;

	assert_non_null(conn);
	if (PQstatus(conn) != CONNECTION_OK) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		PQfinish(conn);
		fail_msg("connect '%s': %s", dsn, msg);
	}
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 1) {
		PQclear(res);
		PQfinish(conn);
		fail_msg("query failed: %s", sql);
	}
	snprintf(out, size, "%s",
		 PQgetisnull(res, 0, 0) ? "NULL" : PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
}

static uid_t postgres_uid(void)
{
	struct passwd *pw = getpwnam("postgres");

	assert_non_null(pw);
	return pw->pw_uid;
}

static void write_pidfile(const struct ll_cluster *c, const char *name,
			  long pid)
{
	char path[PATH_MAX];
	FILE *f;

	assert_true(snprintf(path, sizeof(path), "%s/%s", c->pgdata, name) <
		    (int)sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%ld\n%s\n", pid, c->pgdata);
	assert_int_equal(fclose(f), 0);
}

static double now_s(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the shared cluster ----------------------------------------------- */

static char shared_tmp[PATH_MAX];
static struct ll_cluster shared;
static bool shared_ready;

static int group_setup(void **state)
{
	struct ll_error err;

	(void)state;
	snprintf(shared_tmp, sizeof(shared_tmp), "/tmp/llclu.XXXXXX");
	if (!mkdtemp(shared_tmp))
		return -1;
	ll_error_clear(&err);
	if (ll_cluster_init(&shared, shared_tmp, NULL, NULL, &err) != LL_OK) {
		fprintf(stderr, "init: %s\n", err.text);
		tmp_dir_remove(shared_tmp);
		return -1;
	}
	shared_ready = true;
	return 0;
}

static int group_teardown(void **state)
{
	struct ll_error err;

	(void)state;
	if (shared_ready) {
		ll_error_clear(&err);
		if (ll_cluster_stop(&shared, &err) != LL_OK)
			fprintf(stderr, "stop: %s\n", err.text);
	}
	tmp_dir_remove(shared_tmp);
	return 0;
}

/* ---- per-test fresh data directories ---------------------------------- */

struct fresh {
	char tmp[256];		/* mkdtemp, removed at the end */
	char home[PATH_MAX];
	bool had_base, had_clusters;
};

static int fresh_setup(void **state)
{
	struct fresh *f = calloc(1, sizeof(*f));
	struct stat st;

	if (!f)
		return -1;
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/llclu.XXXXXX");
	if (!mkdtemp(f->tmp)) {
		free(f);
		return -1;
	}
	snprintf(f->home, sizeof(f->home), "%s", f->tmp);
	f->had_base = stat(FALLBACK_BASE, &st) == 0;
	f->had_clusters = stat(FALLBACK_CLUSTERS, &st) == 0;
	*state = f;
	return 0;
}

static int fresh_teardown(void **state)
{
	struct fresh *f = *state;
	struct ll_cluster c;
	struct ll_error err;
	char logp[PATH_MAX + 8];
	long pid;

	ll_error_clear(&err);
	if (ll_cluster_init(&c, f->home, NULL, NULL, &err) == LL_OK) {
		if (ll_cluster_stop(&c, &err) != LL_OK) {
			fprintf(stderr, "stop: %s\n", err.text);
			pid = postmaster_pid(&c);
			if (pid > 0)
				(void)kill((pid_t)pid, SIGQUIT);
		}
		if (strncmp(c.pgdata, FALLBACK_CLUSTERS,
			    strlen(FALLBACK_CLUSTERS)) == 0) {
			tmp_dir_remove(c.pgdata);
			snprintf(logp, sizeof(logp), "%s.log", c.pgdata);
			(void)unlink(logp);
			if (!f->had_clusters)
				(void)rmdir(FALLBACK_CLUSTERS);
			if (!f->had_base)
				(void)rmdir(FALLBACK_BASE);
		}
	}
	/* The untraversable test makes its tmp unsearchable; root ignores. */
	tmp_dir_remove(f->tmp);
	free(f);
	return 0;
}

/* ---- tests: no server ------------------------------------------------- */

static void test_init_paths(void **state)
{
	struct ll_cluster c;
	struct ll_error err;
	char want[PATH_MAX + 64], cwd[PATH_MAX];
	char dsn[LL_CLUSTER_DSN_MAX];

	(void)state;
	ll_error_clear(&err);
	assert_int_equal(ll_cluster_init(&c, "/nonexistent/ll/home/", NULL,
					 NULL, &err), LL_OK);
	assert_string_equal(c.home, "/nonexistent/ll/home");
	assert_string_equal(c.pgdata, "/nonexistent/ll/home/pg");
	assert_string_equal(c.sockdir, c.pgdata);
	assert_string_equal(c.dsn, "host=/nonexistent/ll/home/pg port=5432 "
				   "dbname=postgres user=ledgerline");
	snprintf(want, sizeof(want), "%s/initdb", c.bindir);
	assert_int_equal(access(want, X_OK), 0);
	if (is_root())
		assert_string_equal(c.run_as, "postgres");
	else
		assert_string_equal(c.run_as, "");
	assert_int_equal(access("/nonexistent/ll", F_OK), -1);

	/* Relative home becomes absolute. */
	assert_int_equal(ll_cluster_init(&c, "rel/dir", NULL, "nobody", &err),
			 LL_OK);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/rel/dir", cwd);
	assert_string_equal(c.home, want);
	if (is_root())
		assert_string_equal(c.run_as, "nobody");

	/* A socket path over 107 bytes. */
	assert_int_equal(ll_cluster_init(&c,
		"/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, NULL, &err),
		LL_IO);
	assert_non_null(strstr(err.text, "LEDGERLINE_HOME"));

	/* Characters the shell/conf/conninfo quoting would trip over. */
	assert_int_equal(ll_cluster_init(&c, "/tmp/it's", NULL, NULL, &err),
			 LL_IO);
	assert_int_equal(ll_cluster_init(&c, "/tmp/a,b", NULL, NULL, &err),
			 LL_IO);	/* libpq splits host=a,b */
	assert_int_equal(ll_cluster_init(&c, "/tmp/$HOME", NULL, NULL, &err),
			 LL_IO);

	/* A bin directory without initdb. */
	assert_int_equal(ll_cluster_init(&c, "/tmp/x", "/nonexistent/bin",
					 NULL, &err), LL_IO);

	/* DSN quoting as libpq wants it. */
	assert_int_equal(ll_cluster_init(&c, "/tmp/x", NULL, NULL, &err),
			 LL_OK);
	snprintf(c.sockdir, sizeof(c.sockdir), "/tmp/a b'c\\d");
	ll_cluster_dsn(&c, "my db", dsn, sizeof(dsn));
	assert_string_equal(dsn, "host='/tmp/a b\\'c\\\\d' port=5432 "
				 "dbname='my db' user=ledgerline");
	ll_cluster_dsn(&c, "x", dsn, 20);	/* too small: empty, not cut */
	assert_string_equal(dsn, "");
}

static void test_never_created(void **state)
{
	struct fresh *f = *state;
	struct ll_cluster c;
	struct ll_error err;
	char home[PATH_MAX + 16], big[80];

	snprintf(home, sizeof(home), "%s/none", f->tmp);
	ll_error_clear(&err);
	assert_int_equal(ll_cluster_init(&c, home, NULL, NULL, &err), LL_OK);
	assert_false(running(&c));
	assert_int_equal(ll_cluster_stop(&c, &err), LL_OK);
	assert_int_equal(access(home, F_OK), -1);	/* nothing made */

	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ll_cluster_ensure(&c, big, &err), LL_INVALID);
	assert_int_equal(ll_cluster_ensure(&c, "", &err), LL_INVALID);
	assert_int_equal(access(home, F_OK), -1);
}

/* ---- tests: the shared cluster ---------------------------------------- */

static void test_ensure_fresh(void **state)
{
	char val[PATH_MAX], want[PATH_MAX + 32];
	struct stat st;

	(void)state;
	assert_false(running(&shared));
	ensure_ok(&shared, "ledgertest");
	assert_true(running(&shared));
	assert_non_null(strstr(shared.dsn, "dbname=ledgertest"));

	query1(shared.dsn, "SELECT current_database()", val, sizeof(val));
	assert_string_equal(val, "ledgertest");
	query1(shared.dsn, "SHOW listen_addresses", val, sizeof(val));
	assert_string_equal(val, "");
	/* Over the Unix socket: no server address. */
	query1(shared.dsn, "SELECT inet_server_addr()", val, sizeof(val));
	assert_string_equal(val, "NULL");
	query1(shared.dsn, "SHOW data_directory", val, sizeof(val));
	assert_string_equal(val, shared.pgdata);
	query1(shared.dsn, "SELECT current_user", val, sizeof(val));
	assert_string_equal(val, "ledgerline");
	query1(shared.dsn, "SELECT pg_encoding_to_char(encoding) FROM "
			   "pg_database WHERE datname = current_database()",
	       val, sizeof(val));
	assert_string_equal(val, "UTF8");

	/* The socket in sockdir == pgdata == <home>/pg. */
	snprintf(want, sizeof(want), "%s/pg", shared_tmp);
	assert_string_equal(shared.pgdata, want);
	snprintf(want, sizeof(want), "%s/.s.PGSQL.5432", shared.sockdir);
	assert_int_equal(stat(want, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));

	/* Only the local trust line in pg_hba.conf. */
	snprintf(want, sizeof(want), "%s/pg_hba.conf", shared.pgdata);
	assert_int_equal(count_lines(want, "host"), 0);
	assert_int_equal(count_lines(want, "local all all trust"), 1);

	/* The log, and nothing left of the initdb marker. */
	snprintf(want, sizeof(want), "%s/pg.log", shared_tmp);
	assert_int_equal(count_lines(want, "ready to accept connections"), 1);
	snprintf(want, sizeof(want), "%s/pg.initializing", shared_tmp);
	assert_int_equal(access(want, F_OK), -1);
	snprintf(want, sizeof(want), "%s/cluster.lock", shared_tmp);
	assert_int_equal(access(want, F_OK), 0);
}

static void test_ensure_again_is_cheap(void **state)
{
	char logp[PATH_MAX + 16];
	long pid;
	double t0;

	(void)state;
	ensure_ok(&shared, "ledgertest");
	pid = postmaster_pid(&shared);
	assert_true(pid > 0);
	t0 = now_s();
	ensure_ok(&shared, "ledgertest");
	ensure_ok(&shared, NULL);
	assert_true(now_s() - t0 < 5.0);
	assert_int_equal(postmaster_pid(&shared), pid);
	snprintf(logp, sizeof(logp), "%s/pg.log", shared_tmp);
	assert_int_equal(count_lines(logp, "ready to accept connections"), 1);
	/* A second database in the same cluster. */
	ensure_ok(&shared, "second db");
	assert_non_null(strstr(shared.dsn, "dbname='second db'"));
	assert_true(running(&shared));
	assert_int_equal(postmaster_pid(&shared), pid);
}

static void test_stop_then_ensure(void **state)
{
	long pid;

	(void)state;
	ensure_ok(&shared, "ledgertest");
	pid = postmaster_pid(&shared);
	stop_ok(&shared);
	assert_false(running(&shared));
	assert_int_equal(postmaster_pid(&shared), 0);
	stop_ok(&shared);	/* already down: fine */
	ensure_ok(&shared, "ledgertest");
	assert_true(running(&shared));
	assert_true(postmaster_pid(&shared) > 0);
	assert_true(postmaster_pid(&shared) != pid);
}

static void test_stale_pid_dead(void **state)
{
	pid_t child;
	int status;

	(void)state;
	ensure_ok(&shared, "ledgertest");
	stop_ok(&shared);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(kill(child, 0), -1);	/* dead and reaped */
	write_pidfile(&shared, "postmaster.pid", (long)child);
	assert_false(running(&shared));
	ensure_ok(&shared, "ledgertest");
	assert_true(running(&shared));
	assert_true(postmaster_pid(&shared) != (long)child);
}

/* A live process that is not a postmaster: our own process, or (as root)
 * a child running as the server user, which postgres itself would take
 * for a running postmaster. */
static void test_stale_pid_alive(void **state)
{
	int fds[2], status;
	pid_t holder = 0, named;

	(void)state;
	ensure_ok(&shared, "ledgertest");
	stop_ok(&shared);
	named = getpid();
	if (is_root()) {
		uid_t uid = postgres_uid();
		gid_t gid = getpwuid(uid)->pw_gid;

		assert_int_equal(pipe(fds), 0);
		holder = fork();
		assert_true(holder >= 0);
		if (holder == 0) {
			char b;

			(void)close(fds[1]);
			if (setgid(gid) != 0 ||
			    setuid(uid) != 0)
				_exit(1);
			/* Wait until the parent closes the pipe. */
			while (read(fds[0], &b, 1) > 0)
				;
			_exit(0);
		}
		(void)close(fds[0]);
		named = holder;
	}
	write_pidfile(&shared, "postmaster.pid", (long)named);
	write_pidfile(&shared, ".s.PGSQL.5432.lock", (long)named);
	ensure_ok(&shared, "ledgertest");
	assert_true(running(&shared));
	assert_true(postmaster_pid(&shared) != (long)named);
	if (holder > 0) {
		assert_int_equal(kill(holder, 0), 0);	/* it was alive */
		(void)close(fds[1]);
		assert_int_equal(waitpid(holder, &status, 0), holder);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

static void test_root_server_user(void **state)
{
	char path[PATH_MAX + 32];
	struct stat st;
	long pid;

	(void)state;
	if (!is_root())
		skip();
	ensure_ok(&shared, "ledgertest");
	pid = postmaster_pid(&shared);
	assert_true(pid > 0);
	snprintf(path, sizeof(path), "%s/postmaster.pid", shared.pgdata);
	assert_int_equal(stat(path, &st), 0);
	assert_int_not_equal(st.st_uid, 0);
	assert_int_equal(st.st_uid, postgres_uid());
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	assert_int_equal(stat(path, &st), 0);
	assert_int_not_equal(st.st_uid, 0);
	assert_int_equal(stat(shared.pgdata, &st), 0);
	assert_int_equal(st.st_uid, postgres_uid());
	assert_int_equal(st.st_mode & 07777, 0700);
	/* home made traversable, not readable, for the server user */
	assert_int_equal(stat(shared_tmp, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0011);
}

/* ---- tests: fresh data directories ------------------------------------ */

static void test_concurrent_ensure(void **state)
{
	struct fresh *f = *state;
	struct ll_cluster c;
	struct ll_error err;
	char logp[PATH_MAX + 16], sock[PATH_MAX + 16], val[64];
	struct stat st;
	pid_t kids[2];
	int i, status[2];

	/* A home with blanks: conninfo quoting, pg_ctl's shell line. */
	assert_int_equal(chmod(f->tmp, 0711), 0);
	snprintf(f->home, sizeof(f->home), "%s/odd  dir", f->tmp);
	for (i = 0; i < 2; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			struct ll_cluster k;
			struct ll_error e;

			if (ll_cluster_init(&k, f->home, NULL, NULL, &e) !=
			    LL_OK)
				_exit(10);
			if (ll_cluster_ensure(&k, "conc", &e) != LL_OK) {
				fprintf(stderr, "child ensure: %s\n", e.text);
				_exit(11);
			}
			_exit(0);
		}
	}
	/* Reap both before asserting, so teardown never races a child. */
	for (i = 0; i < 2; i++)
		if (waitpid(kids[i], &status[i], 0) != kids[i])
			status[i] = -1;
	for (i = 0; i < 2; i++) {
		assert_true(WIFEXITED(status[i]));
		assert_int_equal(WEXITSTATUS(status[i]), 0);
	}
	ll_error_clear(&err);
	assert_int_equal(ll_cluster_init(&c, f->home, NULL, NULL, &err), LL_OK);
	assert_true(running(&c));
	snprintf(logp, sizeof(logp), "%s/pg.log", f->home);
	assert_int_equal(count_lines(logp, "ready to accept connections"), 1);
	/* one initdb */
	assert_int_equal(count_lines(logp, "The files belonging to this "
					   "database system"), 1);
	ensure_ok(&c, "conc");
	assert_int_equal(count_lines(logp, "ready to accept connections"), 1);
	query1(c.dsn, "SELECT current_database()", val, sizeof(val));
	assert_string_equal(val, "conc");
	snprintf(sock, sizeof(sock), "%s/.s.PGSQL.5432", c.sockdir);
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
}

static void test_root_untraversable_home(void **state)
{
	struct fresh *f = *state;
	struct ll_cluster c, again;
	struct ll_error err;
	char link[PATH_MAX + 16], target[PATH_MAX], val[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!is_root())
		skip();
	/* tmp is mkdtemp's 0700 and root's: the server user stops there. */
	assert_int_equal(stat(f->tmp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(f->home, sizeof(f->home), "%s/x/ledgerline", f->tmp);
	ll_error_clear(&err);
	assert_int_equal(ll_cluster_init(&c, f->home, NULL, NULL, &err), LL_OK);
	ensure_ok(&c, "fb");
	assert_true(running(&c));
	assert_int_equal(strncmp(c.pgdata, "/var/lib/ledgerline/clusters/",
				 strlen("/var/lib/ledgerline/clusters/")), 0);
	assert_int_equal(strlen(c.pgdata),
			 strlen("/var/lib/ledgerline/clusters/") + 16);
	assert_string_equal(c.sockdir, c.pgdata);
	assert_non_null(strstr(c.dsn, c.pgdata));

	/* <home>/pg is a symlink to it; init follows it. */
	snprintf(link, sizeof(link), "%s/pg", f->home);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, c.pgdata);
	assert_int_equal(ll_cluster_init(&again, f->home, NULL, NULL, &err),
			 LL_OK);
	assert_string_equal(again.pgdata, c.pgdata);

	query1(c.dsn, "SHOW data_directory", val, sizeof(val));
	assert_string_equal(val, c.pgdata);
	query1(c.dsn, "SELECT current_database()", val, sizeof(val));
	assert_string_equal(val, "fb");

	assert_int_equal(stat(c.pgdata, &st), 0);
	assert_int_equal(st.st_uid, postgres_uid());
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(FALLBACK_CLUSTERS, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 0111, 0111);
	snprintf(link, sizeof(link), "%s/pg.log", f->home);
	assert_int_equal(count_lines(link, "ready to accept connections"), 1);

	/* Stop and start again through the symlink. */
	stop_ok(&again);
	assert_false(running(&c));
	ensure_ok(&again, "fb");
	assert_true(running(&c));

	/* The link lost: the cluster made for this home is found again,
	 * not wiped (database "fb" is still there). */
	stop_ok(&again);
	snprintf(link, sizeof(link), "%s/pg", f->home);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(ll_cluster_init(&again, f->home, NULL, NULL, &err),
			 LL_OK);
	assert_string_not_equal(again.pgdata, c.pgdata);
	ensure_ok(&again, NULL);
	assert_string_equal(again.pgdata, c.pgdata);
	query1(c.dsn, "SELECT current_database()", val, sizeof(val));
	assert_string_equal(val, "fb");

	/* destroy: the /var/lib cluster, its log and both links go */
	ll_error_clear(&err);
	assert_int_equal(ll_cluster_init(&again, f->home, NULL, NULL, &err),
			 LL_OK);
	{
		struct ll_cluster_files files;

		destroy_ok(&again, false, &files);
		assert_string_equal(files.dir, c.pgdata);
		assert_non_null(strstr(files.link, "/pg"));
		assert_non_null(strstr(files.log_link, "/pg.log"));
	}
	assert_false(running(&c));
	assert_int_equal(access(c.pgdata, F_OK), -1);
	snprintf(link, sizeof(link), "%s/pg", f->home);
	assert_int_equal(lstat(link, &st), -1);
	snprintf(link, sizeof(link), "%s/pg.log", f->home);
	assert_int_equal(lstat(link, &st), -1);
	snprintf(link, sizeof(link), "%s.log", c.pgdata);
	assert_int_equal(access(link, F_OK), -1);
}

/* A cluster left half-made (no PG_VERSION, or the initdb marker still
 * there) is wiped and made again; a start that fails says why. */
static void test_half_made_and_failed_start(void **state)
{
	struct fresh *f = *state;
	struct ll_cluster c;
	struct ll_error err;
	char path[PATH_MAX + 32], val[64];
	FILE *fp;

	ll_error_clear(&err);
	assert_int_equal(ll_cluster_init(&c, f->home, NULL, NULL, &err), LL_OK);
	snprintf(path, sizeof(path), "%s/pg", f->home);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/pg/junk", f->home);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	ensure_ok(&c, "half");
	assert_true(running(&c));
	assert_int_equal(access(path, F_OK), -1);	/* junk wiped */

	/* Died between initdb and the end of configuration: start over. */
	stop_ok(&c);
	snprintf(path, sizeof(path), "%s/pg.initializing", f->home);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	ensure_ok(&c, NULL);
	assert_int_equal(access(path, F_OK), -1);
	query1(c.dsn, "SELECT count(*) FROM pg_database WHERE datname = "
		      "'half'", val, sizeof(val));
	assert_string_equal(val, "0");	/* a new cluster */

	/* A server that cannot start: LL_DB with the log's last words. */
	stop_ok(&c);
	snprintf(path, sizeof(path), "%s/postgresql.conf", c.pgdata);
	fp = fopen(path, "a");
	assert_non_null(fp);
	fprintf(fp, "no_such_setting_ll = 1\n");
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(ll_cluster_ensure(&c, NULL, &err), LL_DB);
	assert_non_null(strstr(err.text, "no_such_setting_ll"));
	assert_false(running(&c));
}

/* destroy stops the server and removes the cluster and its log; a dry
 * run touches nothing; a cluster without ledgerline's mark is refused
 * until a start of ledgerline's adds the mark. */
static void test_destroy(void **state)
{
	struct fresh *f = *state;
	struct ll_cluster c;
	struct ll_cluster_files files;
	struct ll_error err;
	char path[PATH_MAX + 32], logp[PATH_MAX + 8];

	ll_error_clear(&err);
	assert_int_equal(ll_cluster_init(&c, f->home, NULL, NULL, &err), LL_OK);
	destroy_ok(&c, false, &files);	/* nothing made yet */
	assert_string_equal(files.dir, "");
	ensure_ok(&c, "gone");
	snprintf(path, sizeof(path), "%s/ledgerline_cluster", c.pgdata);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(logp, sizeof(logp), "%s.log", c.pgdata);

	destroy_ok(&c, true, &files);
	assert_string_equal(files.dir, c.pgdata);
	assert_string_equal(files.log, logp);
	assert_string_equal(files.link, "");
	assert_true(running(&c));

	destroy_ok(&c, false, &files);
	assert_string_equal(files.dir, c.pgdata);
	assert_false(running(&c));
	assert_int_equal(access(c.pgdata, F_OK), -1);
	assert_int_equal(access(logp, F_OK), -1);
	assert_int_equal(access(f->home, F_OK), 0);	/* home stays */

	/* a cluster without the mark (made before it existed) */
	ensure_ok(&c, NULL);
	stop_ok(&c);
	assert_int_equal(unlink(path), 0);
	ll_error_clear(&err);
	assert_int_equal(ll_cluster_destroy(&c, false, &files, &err),
			 LL_USAGE);
	assert_non_null(strstr(err.text, "not a ledgerline cluster"));
	snprintf(path, sizeof(path), "%s/PG_VERSION", c.pgdata);
	assert_int_equal(access(path, F_OK), 0);
	ensure_ok(&c, NULL);	/* a start adds the mark */
	destroy_ok(&c, false, &files);
	assert_false(running(&c));
	assert_int_equal(access(c.pgdata, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_paths),
		cmocka_unit_test_setup_teardown(test_never_created,
						fresh_setup, fresh_teardown),
		cmocka_unit_test(test_ensure_fresh),
		cmocka_unit_test(test_ensure_again_is_cheap),
		cmocka_unit_test(test_stop_then_ensure),
		cmocka_unit_test(test_stale_pid_dead),
		cmocka_unit_test(test_stale_pid_alive),
		cmocka_unit_test(test_root_server_user),
		cmocka_unit_test_setup_teardown(test_concurrent_ensure,
						fresh_setup, fresh_teardown),
		cmocka_unit_test_setup_teardown(test_half_made_and_failed_start,
						fresh_setup, fresh_teardown),
		cmocka_unit_test_setup_teardown(test_root_untraversable_home,
						fresh_setup, fresh_teardown),
		cmocka_unit_test_setup_teardown(test_destroy, fresh_setup,
						fresh_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
