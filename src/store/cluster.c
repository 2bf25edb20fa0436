/*
 * cluster.c — the embedded PostgreSQL cluster of SPEC §7, driven through
 * Debian's initdb and pg_ctl: created on first use, started on demand,
 * reachable only through a Unix socket inside its own data directory.
 *
 * Layout.  <home>/cluster.lock serialises every ensure/stop (flock, held
 * for the whole call); <home>/pg is the cluster (PGDATA and socket
 * directory); <home>/pg.log is the server log (the log always lives at
 * "<real pgdata>.log"); <home>/pg.initializing exists only while initdb
 * and the first configuration run, so a cluster left half-made by a crash
 * is recognised, wiped and made again; <pgdata>/ledgerline_cluster, written
 * right after initdb (and added at start to a cluster made before it
 * existed), names the home it was made for and is what ll_cluster_destroy
 * requires before it removes anything.  The server settings that matter
 * (listen_addresses '', the socket directory) live in
 * <pgdata>/ledgerline_server.conf, included from postgresql.conf and
 * rewritten before every start, so a moved data directory still gets the
 * right socket path; pg_hba.conf holds "local all all trust" after a
 * password (SCRAM) rule for the party logins of "ledgerline grant".
 *
 * Design decision: PostgreSQL refuses to run as root, so when we are root
 * every initdb/pg_ctl runs in a child that drops to the server user
 * (run_as), and the cluster must be reachable by that user.  ensure makes
 * <home> traversable (adds g+x,o+x, never read permission); when an
 * ancestor of <home> still blocks the server user (home under /root, say)
 * — checked by a child that drops privileges and calls access() — the
 * cluster is placed at /var/lib/ledgerline/clusters/<first 16 hex digits of
 * SHA-256 of realpath(home)> (parents root 0711, cluster owned by the
 * server user, 0700), with <home>/pg and <home>/pg.log symlinks to it.
 * ll_cluster_init follows the <home>/pg symlink, so c->pgdata, c->sockdir
 * and c->dsn always name the real directory.  A non-root user owning
 * everything runs initdb/pg_ctl directly.
 */
#include "ledgerline/cluster.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

enum {
	CLUSTER_PORT = 5432,
	DBNAME_BYTES_MAX = 63,		/* NAMEDATALEN - 1 */
	LOCK_WAIT_MS_MAX = 180000,	/* a concurrent initdb + start */
	LOCK_POLL_MS = 50,
	SERVER_WAIT_MS_MAX = 60000,	/* a live postmaster not yet ready */
	SERVER_POLL_MS = 100,
	LOG_ROTATE_BYTES = 8 * 1024 * 1024,
	LOG_TAIL_BYTES = 2048,
	LOG_TAIL_LINES = 6,
	GROUPS_MAX = 256,
	FDS_MAX = 65536,	/* fds closed in a child without close_range */
	PWBUF_BYTES = 16384,
	PIDFILE_BYTES_MAX = 64,
	EXIT_EXEC_FAILED = 127,
	EXIT_DROP_FAILED = 126,
};

static const char SOCKET_NAME[] = ".s.PGSQL.5432";
static const char SOCKET_LOCK_NAME[] = ".s.PGSQL.5432.lock";
static const char SUPERUSER[] = "ledgerline";
static const char FALLBACK_BASE[] = "/var/lib/ledgerline";
static const char FALLBACK_CLUSTERS[] = "/var/lib/ledgerline/clusters";
static const char CONF_NAME[] = "ledgerline_server.conf";
static const char MARKER_NAME[] = "pg.initializing";
static const char OWNER_NAME[] = "ledgerline_cluster";

/* The whole environment of initdb and pg_ctl: nothing of the caller's. */
static char *const child_env[] = {
	"PATH=/usr/bin:/bin",
	"LANG=C",
	NULL,
};

static const char SQL_DB_EXISTS[] =
	"SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1";

/* Who initdb/pg_ctl run as: ourselves, or (as root) the server user. */
struct runas {
	bool drop;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[GROUPS_MAX];
};

/* ---- small helpers ---------------------------------------------------- */

static bool is_root(void)
{
	return geteuid() == 0;
}

/* snprintf into dst; false when it does not fit. */
__attribute__((format(printf, 3, 4)))
static bool fmt_path(char *dst, size_t dst_size, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(dst, dst_size, fmt, ap);
	va_end(ap);
	return k >= 0 && (size_t)k < dst_size;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* An interrupted sleep only shortens one poll interval. */
	(void)nanosleep(&ts, NULL);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * Paths end up inside double quotes in pg_ctl's /bin/sh command line, in
 * single-quoted postgresql.conf strings and in conninfo strings: refuse
 * the characters that would need quoting in one of them, and ',' (libpq
 * reads host=a,b as two hosts, with no way to escape the comma).
 */
static bool path_chars_ok(const char *p)
{
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\'' ||
		    ch == '\\' || ch == '$' || ch == '`' || ch == ',')
			return false;
	}
	return true;
}

/* ---- paths and the DSN ------------------------------------------------ */

/* Append a conninfo "key=value " pair, quoting value when libpq needs it. */
static bool dsn_put(char *out, size_t out_size, size_t *len, const char *key,
		    const char *value)
{
	bool quote = value[0] == '\0';
	size_t n = *len;
	const char *p;

	for (p = value; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f' || *p == '\v' || *p == '\'' || *p == '\\')
			quote = true;
	if (n > 0) {
		if (n + 1 >= out_size)
			return false;
		out[n++] = ' ';
	}
	for (p = key; *p; p++) {
		if (n + 1 >= out_size)
			return false;
		out[n++] = *p;
	}
	if (n + 1 >= out_size)
		return false;
	out[n++] = '=';
	if (quote) {
		if (n + 1 >= out_size)
			return false;
		out[n++] = '\'';
	}
	for (p = value; *p; p++) {
		if (*p == '\'' || *p == '\\') {
			if (n + 1 >= out_size)
				return false;
			out[n++] = '\\';
		}
		if (n + 1 >= out_size)
			return false;
		out[n++] = *p;
	}
	if (quote) {
		if (n + 1 >= out_size)
			return false;
		out[n++] = '\'';
	}
	out[n] = '\0';
	*len = n;
	return true;
}

void ll_cluster_dsn(const struct ll_cluster *c, const char *dbname,
		    char *out, size_t out_size)
{
	char port[16];
	size_t len = 0;

	assert(c && dbname && out && out_size > 0);
	out[0] = '\0';
	(void)fmt_path(port, sizeof(port), "%d", CLUSTER_PORT);
	if (!dsn_put(out, out_size, &len, "host", c->sockdir) ||
	    !dsn_put(out, out_size, &len, "port", port) ||
	    !dsn_put(out, out_size, &len, "dbname", dbname) ||
	    !dsn_put(out, out_size, &len, "user", SUPERUSER))
		out[0] = '\0';	/* never hand out a truncated DSN */
}

/* Point the cluster at pgdata: sockdir, DSN (database "postgres"). */
static enum ll_status set_pgdata(struct ll_cluster *c, const char *pgdata,
				 struct ll_error *err)
{
	struct sockaddr_un sa;
	size_t sock_len;

	if (!path_chars_ok(pgdata))
		return ll_error_set(err, LL_IO, pgdata, 0, NULL,
				    "unsupported character in cluster directory "
				    "'%s' (quotes, backslash, '$', '`', ',' or "
				    "control characters)", pgdata);
	sock_len = strlen(pgdata) + 1 + strlen(SOCKET_NAME);
	if (sock_len >= sizeof(sa.sun_path))
		return ll_error_set(err, LL_IO, pgdata, 0, NULL,
				    "socket path '%s/%s' is %zu bytes, longer "
				    "than the %zu a Unix socket allows; set "
				    "LEDGERLINE_HOME to a shorter directory",
				    pgdata, SOCKET_NAME, sock_len,
				    sizeof(sa.sun_path) - 1);
	if (!fmt_path(c->pgdata, sizeof(c->pgdata), "%s", pgdata) ||
	    !fmt_path(c->sockdir, sizeof(c->sockdir), "%s", pgdata))
		return ll_error_set(err, LL_IO, pgdata, 0, NULL,
				    "cluster directory path too long");
	ll_cluster_dsn(c, "postgres", c->dsn, sizeof(c->dsn));
	if (!c->dsn[0])
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "connection string does not fit");
	return LL_OK;
}

/* The log of the cluster at pgdata: "<pgdata>.log". */
static enum ll_status log_path(const struct ll_cluster *c, char *out,
			       size_t out_size, struct ll_error *err)
{
	if (!fmt_path(out, out_size, "%s.log", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "log path too long");
	return LL_OK;
}

/* Parse "N" or "N.M" (a /usr/lib/postgresql entry); false otherwise. */
static bool parse_version(const char *s, long *major, long *minor)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*major = strtol(s, &end, 10);
	*minor = 0;
	if (errno)
		return false;
	if (*end == '.') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return false;
		*minor = strtol(s, &end, 10);
		if (errno)
			return false;
	}
	return *end == '\0';
}

static bool has_tools(const char *dir)
{
	char p[PATH_MAX];

	return fmt_path(p, sizeof(p), "%s/initdb", dir) &&
	       access(p, X_OK) == 0 &&
	       fmt_path(p, sizeof(p), "%s/pg_ctl", dir) &&
	       access(p, X_OK) == 0;
}

/* The newest /usr/lib/postgresql/<N>/bin holding initdb, else PATH. */
static bool discover_bindir(char *out, size_t out_size)
{
	long best_major = -1, best_minor = -1, major, minor;
	char cand[PATH_MAX];
	struct dirent *de;
	const char *path, *p, *colon;
	DIR *d;
	bool found = false;

	d = opendir("/usr/lib/postgresql");
	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (!parse_version(de->d_name, &major, &minor))
				continue;
			if (major < best_major ||
			    (major == best_major && minor <= best_minor))
				continue;
			if (!fmt_path(cand, sizeof(cand),
				      "/usr/lib/postgresql/%s/bin", de->d_name) ||
			    !has_tools(cand))
				continue;
			if (fmt_path(out, out_size, "%s", cand)) {
				best_major = major;
				best_minor = minor;
				found = true;
			}
		}
		(void)closedir(d);
	}
	if (found)
		return true;
	path = getenv("PATH");
	for (p = path; p && *p; p = colon ? colon + 1 : p + strlen(p)) {
		size_t n;

		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (n == 0 || n >= sizeof(cand))
			continue;
		memcpy(cand, p, n);
		cand[n] = '\0';
		if (cand[0] == '/' && has_tools(cand))
			return fmt_path(out, out_size, "%s", cand);
	}
	return false;
}

/* ---- init ------------------------------------------------------------- */

/* c->home: home made absolute, trailing slashes dropped, characters checked. */
static enum ll_status init_home(struct ll_cluster *c, const char *home,
				struct ll_error *err)
{
	char cwd[PATH_MAX];
	size_t len;

	if (!home[0])
		return ll_error_set(err, LL_IO, NULL, 0, NULL,
				    "no data directory given");
	if (home[0] == '/') {
		if (!fmt_path(c->home, sizeof(c->home), "%s", home))
			return ll_error_set(err, LL_IO, home, 0, NULL,
					    "data directory path too long");
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return ll_error_set(err, LL_IO, home, 0, NULL,
					    "cannot resolve relative data "
					    "directory: %s", strerror(errno));
		if (!fmt_path(c->home, sizeof(c->home), "%s/%s", cwd, home))
			return ll_error_set(err, LL_IO, home, 0, NULL,
					    "data directory path too long");
	}
	len = strlen(c->home);
	while (len > 1 && c->home[len - 1] == '/')
		c->home[--len] = '\0';
	if (!path_chars_ok(c->home))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "unsupported character in data directory "
				    "(quotes, backslash, '$', '`', ',' or "
				    "control characters); set LEDGERLINE_HOME "
				    "to another directory");
	return LL_OK;
}

/* c->pgdata and what follows from it: <home>/pg, or the real directory
 * behind that symlink. */
static enum ll_status init_pgdata(struct ll_cluster *c, struct ll_error *err)
{
	char pg[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!fmt_path(pg, sizeof(pg), "%s/pg", strcmp(c->home, "/") ? c->home
								     : ""))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "data directory path too long");
	if (lstat(pg, &st) == 0 && S_ISLNK(st.st_mode)) {
		n = readlink(pg, target, sizeof(target) - 1);
		if (n < 0)
			return ll_error_set(err, LL_IO, pg, 0, NULL,
					    "cannot read symlink: %s",
					    strerror(errno));
		if ((size_t)n >= sizeof(target) - 1)
			return ll_error_set(err, LL_IO, pg, 0, NULL,
					    "symlink target too long");
		target[n] = '\0';
		if (target[0] != '/') {
			if (!fmt_path(pg, sizeof(pg), "%s/%s", c->home, target))
				return ll_error_set(err, LL_IO, c->home, 0,
						    NULL, "path too long");
		} else {
			memcpy(pg, target, (size_t)n + 1);
		}
	}
	if (set_pgdata(c, pg, err) != LL_OK)
		return err ? err->code : LL_IO;
	return LL_OK;
}

/* c->bindir: the argument, else $LEDGERLINE_PG_BINDIR, else discovered. */
static enum ll_status init_bindir(struct ll_cluster *c, const char *bindir,
				  struct ll_error *err)
{
	const char *env = getenv("LEDGERLINE_PG_BINDIR");

	if (bindir && bindir[0]) {
		if (!fmt_path(c->bindir, sizeof(c->bindir), "%s", bindir))
			return ll_error_set(err, LL_IO, bindir, 0, NULL,
					    "path too long");
	} else if (env && env[0]) {
		if (!fmt_path(c->bindir, sizeof(c->bindir), "%s", env))
			return ll_error_set(err, LL_IO, env, 0, NULL,
					    "path too long");
	} else if (!discover_bindir(c->bindir, sizeof(c->bindir))) {
		return ll_error_set(err, LL_IO, NULL, 0, NULL,
				    "cannot find the PostgreSQL server programs "
				    "(initdb, pg_ctl) under /usr/lib/postgresql "
				    "or on PATH; install PostgreSQL or set "
				    "LEDGERLINE_PG_BINDIR");
	}
	if (c->bindir[0] != '/' || !path_chars_ok(c->bindir) ||
	    !has_tools(c->bindir))
		return ll_error_set(err, LL_IO, c->bindir, 0, NULL,
				    "no executable initdb and pg_ctl in "
				    "'%s' (an absolute directory is needed)",
				    c->bindir);
	return LL_OK;
}

/* c->run_as: the server user, only meaningful as root. */
static enum ll_status init_run_as(struct ll_cluster *c, const char *run_as,
				  struct ll_error *err)
{
	const char *env;

	if (!is_root())
		return LL_OK;
	env = getenv("LEDGERLINE_PG_USER");
	if (run_as && run_as[0])
		env = run_as;
	else if (!env || !env[0])
		env = getpwnam("postgres") ? "postgres" : "nobody";
	if (!fmt_path(c->run_as, sizeof(c->run_as), "%s", env))
		return ll_error_set(err, LL_IO, NULL, 0, NULL,
				    "server user name '%s' too long", env);
	return LL_OK;
}

enum ll_status ll_cluster_init(struct ll_cluster *c, const char *home,
			       const char *bindir, const char *run_as,
			       struct ll_error *err)
{
	enum ll_status rc;

	assert(c && home);
	memset(c, 0, sizeof(*c));
	rc = init_home(c, home, err);
	if (rc != LL_OK)
		return rc;
	rc = init_pgdata(c, err);
	if (rc != LL_OK)
		return rc;
	rc = init_bindir(c, bindir, err);
	if (rc != LL_OK)
		return rc;
	return init_run_as(c, run_as, err);
}

/* ---- running programs ------------------------------------------------- */

static enum ll_status runas_prepare(const struct ll_cluster *c,
				    struct runas *ra, struct ll_error *err)
{
	char buf[PWBUF_BYTES];
	struct passwd pw, *res = NULL;
	int rc, n;

	memset(ra, 0, sizeof(*ra));
	if (!is_root())
		return LL_OK;
	if (!c->run_as[0])
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "running as root with no server user");
	rc = getpwnam_r(c->run_as, &pw, buf, sizeof(buf), &res);
	if (rc != 0 || !res)
		return ll_error_set(err, LL_IO, NULL, 0, NULL,
				    "server user '%s' does not exist (set "
				    "LEDGERLINE_PG_USER to an unprivileged "
				    "user)", c->run_as);
	if (pw.pw_uid == 0)
		return ll_error_set(err, LL_IO, NULL, 0, NULL,
				    "server user '%s' is root; PostgreSQL "
				    "refuses to run as root", c->run_as);
	ra->drop = true;
	ra->uid = pw.pw_uid;
	ra->gid = pw.pw_gid;
	n = GROUPS_MAX;
	if (getgrouplist(pw.pw_name, pw.pw_gid, ra->groups, &n) < 0)
		return ll_error_set(err, LL_IO, NULL, 0, NULL,
				    "server user '%s' is in more than %d "
				    "groups", c->run_as, GROUPS_MAX);
	ra->ngroups = n;
	return LL_OK;
}

/*
 * In a forked child: become the server user when root.  Only
 * async-signal-safe calls (the group list was read before fork).
 */
static bool child_drop(const struct runas *ra)
{
	if (!ra->drop)
		return true;
	if (setgroups((size_t)ra->ngroups, ra->groups) != 0)
		return false;
	if (setgid(ra->gid) != 0 || setuid(ra->uid) != 0)
		return false;
	return getuid() == ra->uid && geteuid() == ra->uid &&
	       getegid() == ra->gid && setuid(0) != 0;
}

static void child_write(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t k = write(STDERR_FILENO, s, n);

		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

static enum ll_status wait_child(pid_t pid, int *status, struct ll_error *err)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return ll_error_set(err, LL_IO, NULL, 0, NULL,
					    "cannot wait for child process: %s",
					    strerror(errno));
	}
	return LL_OK;
}

/*
 * Run argv[0] with argv and the minimal environment, as the server user
 * when root, stdin from /dev/null, stdout and stderr to out_fd.  *ok is
 * true when it exited with status 0.  LL_IO only when it could not run.
 */
static enum ll_status run_program(const struct runas *ra, char *const argv[],
				  int out_fd, bool *ok, struct ll_error *err)
{
	sigset_t all;
	pid_t pid;
	long open_max;
	int status, null_fd, sig, fd;

	*ok = false;
	open_max = sysconf(_SC_OPEN_MAX);
	if (open_max < 0 || open_max > FDS_MAX)
		open_max = FDS_MAX;
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0)
		return ll_error_set(err, LL_IO, "/dev/null", 0, NULL,
				    "cannot open: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		(void)close(null_fd);
		return ll_error_set(err, LL_IO, argv[0], 0, NULL,
				    "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		for (sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				(void)signal(sig, SIG_DFL);
		(void)sigemptyset(&all);
		(void)sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(null_fd, STDIN_FILENO) < 0 ||
		    dup2(out_fd, STDOUT_FILENO) < 0 ||
		    dup2(out_fd, STDERR_FILENO) < 0)
			_exit(EXIT_EXEC_FAILED);
		/* Nothing else of ours (lock, sockets) reaches the server. */
		if (close_range(3, ~0U, 0) != 0)
			for (fd = 3; fd < open_max; fd++)
				(void)close(fd);	/* EBADF expected */
		if (!child_drop(ra)) {
			child_write("ledgerline: cannot switch to the server "
				    "user\n");
			_exit(EXIT_DROP_FAILED);
		}
		(void)umask(077);
		if (chdir("/") != 0)
			_exit(EXIT_EXEC_FAILED);
		execve(argv[0], argv, child_env);
		child_write("ledgerline: cannot execute ");
		child_write(argv[0]);
		child_write("\n");
		_exit(EXIT_EXEC_FAILED);
	}
	(void)close(null_fd);
	if (wait_child(pid, &status, err) != LL_OK)
		return LL_IO;
	*ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return LL_OK;
}

/* Can the server user search (traverse) dir and every directory above? */
static enum ll_status server_can_reach(const struct runas *ra, const char *dir,
				       bool *ok, struct ll_error *err)
{
	pid_t pid;
	int status;

	*ok = true;
	if (!ra->drop)
		return LL_OK;
	pid = fork();
	if (pid < 0)
		return ll_error_set(err, LL_IO, dir, 0, NULL,
				    "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		if (!child_drop(ra))
			_exit(EXIT_DROP_FAILED);
		_exit(access(dir, X_OK) == 0 ? 0 : 1);
	}
	if (wait_child(pid, &status, err) != LL_OK)
		return LL_IO;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == EXIT_DROP_FAILED)
		return ll_error_set(err, LL_IO, NULL, 0, NULL,
				    "cannot switch to the server user to test "
				    "access to '%s'", dir);
	*ok = WEXITSTATUS(status) == 0;
	return LL_OK;
}

/* ---- files ------------------------------------------------------------ */

/* mkdir -p; directories we create get mode (exactly, whatever the umask). */
static enum ll_status mkdir_p(const char *path, mode_t mode,
			      struct ll_error *err)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t i, len;

	if (!fmt_path(buf, sizeof(buf), "%s", path))
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "path too long");
	len = strlen(buf);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) == 0) {
			if (chmod(buf, mode) != 0)
				return ll_error_set(err, LL_IO, buf, 0, NULL,
						    "cannot chmod: %s",
						    strerror(errno));
		} else if (errno != EEXIST) {
			return ll_error_set(err, LL_IO, buf, 0, NULL,
					    "cannot create directory: %s",
					    strerror(errno));
		} else if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
			return ll_error_set(err, LL_IO, buf, 0, NULL,
					    "exists and is not a directory");
		}
		if (i < len)
			buf[i] = '/';
	}
	return LL_OK;
}

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0)
		return 0;	/* keep the top directory itself */
	if (type == FTW_DP)
		return rmdir(path) == 0 ? 0 : -1;
	return unlink(path) == 0 ? 0 : -1;
}

/* Remove everything inside dir, keeping dir (its owner and mode). */
static enum ll_status clear_dir(const char *dir, struct ll_error *err)
{
	assert(dir[0] == '/' && dir[1] != '\0');
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
		return ll_error_set(err, LL_IO, dir, 0, NULL,
				    "cannot remove the half-made cluster: %s",
				    strerror(errno));
	return LL_OK;
}

/* Write content to path through a temporary file and rename; owned by the
 * server user when root, mode 0600. */
static enum ll_status write_file(const struct runas *ra, const char *path,
				 const char *content, struct ll_error *err)
{
	char tmp[PATH_MAX];
	size_t left = strlen(content);
	const char *p = content;
	int fd;

	if (!fmt_path(tmp, sizeof(tmp), "%s.tmp", path))
		return ll_error_set(err, LL_IO, path, 0, NULL, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return ll_error_set(err, LL_IO, tmp, 0, NULL,
				    "cannot create: %s", strerror(errno));
	while (left > 0) {
		ssize_t k = write(fd, p, left);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto fail;
		p += k;
		left -= (size_t)k;
	}
	if (ra->drop && fchown(fd, ra->uid, ra->gid) != 0)
		goto fail;
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) != 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot replace: %s", strerror(errno));
	return LL_OK;
fail:
	ll_error_set(err, LL_IO, tmp, 0, NULL, "cannot write: %s",
		     strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	(void)unlink(tmp);
	return LL_IO;
}

static enum ll_status append_file(const char *path, const char *content,
				  struct ll_error *err)
{
	size_t left = strlen(content);
	const char *p = content;
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot open: %s", strerror(errno));
	while (left > 0) {
		ssize_t k = write(fd, p, left);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			ll_error_set(err, LL_IO, path, 0, NULL,
				     "cannot write: %s", strerror(errno));
			(void)close(fd);
			return LL_IO;
		}
		p += k;
		left -= (size_t)k;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot write: %s", strerror(errno));
	return LL_OK;
}

/*
 * Open the server log for appending (creating it, owned by the server
 * user when root, rotating it to .old past LOG_ROTATE_BYTES).  Returns a
 * new fd the caller closes, and the log's size before anything is added.
 */
static enum ll_status open_log(const struct ll_cluster *c,
			       const struct runas *ra, int *fd_out,
			       off_t *size_out, struct ll_error *err)
{
	char path[PATH_MAX], old[PATH_MAX];
	struct stat st;
	int fd;

	if (log_path(c, path, sizeof(path), err) != LL_OK)
		return LL_IO;
	if (stat(path, &st) == 0 && st.st_size > LOG_ROTATE_BYTES) {
		if (!fmt_path(old, sizeof(old), "%s.old", path))
			return ll_error_set(err, LL_IO, path, 0, NULL,
					    "path too long");
		if (rename(path, old) != 0)
			return ll_error_set(err, LL_IO, path, 0, NULL,
					    "cannot rotate: %s",
					    strerror(errno));
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot open server log: %s",
				    strerror(errno));
	if ((ra->drop && fchown(fd, ra->uid, ra->gid) != 0) ||
	    fstat(fd, &st) != 0) {
		ll_error_set(err, LL_IO, path, 0, NULL,
			     "cannot prepare server log: %s", strerror(errno));
		(void)close(fd);
		return LL_IO;
	}
	*fd_out = fd;
	*size_out = st.st_size;
	return LL_OK;
}

/*
 * A log line without what precedes its severity ("2026-01-02 03:04:05.678
 * UTC [42] FATAL:  ..." -> "FATAL:  ..."); pg_ctl's own lines unchanged.
 */
static const char *log_line_core(const char *line)
{
	static const char *const levels[] = {
		"PANIC:", "FATAL:", "ERROR:", "WARNING:", "LOG:", "HINT:",
		"DETAIL:", "initdb: ", "pg_ctl: ",
	};
	const char *best = NULL, *p;
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		p = strstr(line, levels[i]);
		if (p && (!best || p < best))
			best = p;
	}
	if (best)
		return best;
	while (*line == ' ')
		line++;
	return line;
}

/*
 * The end of the server log into buf (at most LOG_TAIL_BYTES, from offset
 * since when the log is at least that long), one NUL-terminated string
 * per line with control characters blanked.  Returns the bytes read (0
 * when there is no log) and the offset they start at in *from.
 */
static size_t log_read_end(const struct ll_cluster *c, off_t since,
			   char buf[LOG_TAIL_BYTES + 1], off_t *from)
{
	char path[PATH_MAX];
	struct stat st;
	size_t len, i;
	ssize_t n;
	int fd;

	if (log_path(c, path, sizeof(path), NULL) != LL_OK)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0) {
		(void)close(fd);
		return 0;
	}
	*from = st.st_size > LOG_TAIL_BYTES ? st.st_size - LOG_TAIL_BYTES : 0;
	if (since > *from && since <= st.st_size)
		*from = since;	/* only what this attempt wrote */
	n = pread(fd, buf, LOG_TAIL_BYTES, *from);
	(void)close(fd);
	if (n <= 0)
		return 0;
	len = (size_t)n;
	buf[len] = '\0';
	for (i = 0; i < len; i++)	/* one string per line, no controls */
		if (buf[i] == '\n')
			buf[i] = '\0';
		else if ((unsigned char)buf[i] < 0x20)
			buf[i] = ' ';
	return len;
}

/*
 * Walk back from buf + len over the complete lines starting at or after
 * buf + first, keeping (newest first) the cores of at most LOG_TAIL_LINES
 * non-blank ones that fit, joined, in out_size bytes.  Returns how many.
 */
static size_t log_pick_lines(char *buf, size_t len, size_t first,
			     const char *lines[LOG_TAIL_LINES],
			     size_t out_size)
{
	size_t n_lines = 0, used = 0, need;
	char *p = buf + len;

	while (p > buf + first && n_lines < LOG_TAIL_LINES) {
		char *start = p - 1;

		while (start > buf + first && start[-1] != '\0')
			start--;
		if (start[strspn(start, " ")] != '\0' &&
		    strcmp(start, "Examine the log output.") != 0) {
			const char *core = log_line_core(start);

			need = strlen(core) + (n_lines ? 3 : 0);
			if (used + need + 1 > out_size && n_lines > 0)
				break;
			lines[n_lines++] = core;
			used += need;
		}
		p = start > buf ? start - 1 : buf;
		if (start == buf + first)
			break;
	}
	return n_lines;
}

/*
 * The last lines of the server log (at most LOG_TAIL_LINES, newest kept
 * first when they do not all fit), joined with " | ", for an error
 * message; only what was written from offset since on, when the log is
 * at least that long.  out is "" when there is no log.
 */
static void log_tail(const struct ll_cluster *c, off_t since, char *out,
		     size_t out_size)
{
	char buf[LOG_TAIL_BYTES + 1];
	const char *lines[LOG_TAIL_LINES];
	size_t len, i, o, n_lines, first;
	off_t from = 0;

	assert(out_size > 0);
	out[0] = '\0';
	len = log_read_end(c, since, buf, &from);
	if (len == 0)
		return;
	/* Walk back over complete lines (the first may be cut: skip it). */
	first = from > 0 && from != since ? strlen(buf) + 1 : 0;
	n_lines = log_pick_lines(buf, len, first, lines, out_size);
	/* Oldest first. */
	for (o = 0, i = n_lines; i > 0; i--) {
		const char *q = lines[i - 1];

		if (i != n_lines) {
			if (o + 3 >= out_size)
				break;
			memcpy(out + o, " | ", 3);
			o += 3;
		}
		while (*q && o + 1 < out_size)
			out[o++] = *q++;
	}
	out[o] = '\0';
}

/* ---- the server ------------------------------------------------------- */

static PGPing ping(const struct ll_cluster *c)
{
	char dsn[LL_CLUSTER_DSN_MAX];

	ll_cluster_dsn(c, "postgres", dsn, sizeof(dsn));
	if (!dsn[0])
		return PQPING_NO_ATTEMPT;
	return PQping(dsn);
}

/* Is pid a live PostgreSQL postmaster serving pgdata, as far as we can
 * tell?  PIDs get reused after a reboot or a container restart. */
static bool pid_is_our_postmaster(pid_t pid, const char *pgdata)
{
	char path[64], buf[512], real[PATH_MAX], cwd[PATH_MAX];
	const char *paren;
	ssize_t n;
	int fd;

	/* ESRCH: gone.  EPERM: another user's process, and ours runs as us
	 * (or as the server user, which root may signal). */
	if (kill(pid, 0) != 0)
		return false;
	if (!fmt_path(path, sizeof(path), "/proc/%ld/stat", (long)pid))
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT || access("/proc/self", F_OK) != 0;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n > 0) {
		buf[n] = '\0';
		paren = strrchr(buf, ')');
		if (paren && paren[1] == ' ' &&
		    (paren[2] == 'Z' || paren[2] == 'X'))
			return false;	/* a zombie serves nothing */
	}
	if (!fmt_path(path, sizeof(path), "/proc/%ld/comm", (long)pid))
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n < 0)
		return true;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "postgres") != 0)
		return false;
	/* A postmaster runs in its data directory. */
	if (!fmt_path(path, sizeof(path), "/proc/%ld/cwd", (long)pid))
		return true;
	n = readlink(path, cwd, sizeof(cwd) - 1);
	if (n < 0 || !realpath(pgdata, real))
		return true;	/* cannot tell: assume it is ours */
	cwd[n] = '\0';
	return strcmp(cwd, real) == 0;
}

/*
 * Read the PID in the first line of a postmaster.pid-style file.  *pid is
 * 0 when the file is missing, -1 when it holds no valid PID.
 */
static enum ll_status read_pidfile(const char *path, long *pid,
				   struct ll_error *err)
{
	char buf[PIDFILE_BYTES_MAX + 1], *end;
	ssize_t n;
	int fd;

	*pid = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return LL_OK;
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot open: %s", strerror(errno));
	}
	n = read(fd, buf, PIDFILE_BYTES_MAX);
	(void)close(fd);
	if (n < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot read: %s", strerror(errno));
	buf[n] = '\0';
	errno = 0;
	*pid = strtol(buf, &end, 10);
	if (errno || end == buf || (*end != '\n' && *end != '\0') ||
	    *pid <= 0 || *pid > INT32_MAX)
		*pid = -1;
	return LL_OK;
}

/*
 * Remove path (postmaster.pid or the socket lock file) when it names no
 * live postmaster of this cluster.  *live tells whether one does.
 */
static enum ll_status clear_stale_pidfile(const struct ll_cluster *c,
					  const char *name, bool *live,
					  struct ll_error *err)
{
	char path[PATH_MAX];
	long pid;

	*live = false;
	if (!fmt_path(path, sizeof(path), "%s/%s", c->pgdata, name))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	if (read_pidfile(path, &pid, err) != LL_OK)
		return LL_IO;
	if (pid == 0)
		return LL_OK;
	if (pid > 0 && pid_is_our_postmaster((pid_t)pid, c->pgdata)) {
		*live = true;
		return LL_OK;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot remove stale pid file: %s",
				    strerror(errno));
	return LL_OK;
}

/* Rewrite <pgdata>/ledgerline.conf: the settings that keep it private. */
static enum ll_status write_settings(const struct ll_cluster *c,
				     const struct runas *ra,
				     struct ll_error *err)
{
	char path[PATH_MAX], text[PATH_MAX + 512];

	if (!fmt_path(path, sizeof(path), "%s/%s", c->pgdata, CONF_NAME))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	/* sockdir has no quote, backslash or comma (set_pgdata); the double
	 * quotes are belt and braces for the list syntax. */
	if (!fmt_path(text, sizeof(text),
		      "# Written by ledgerline before every start; edits are "
		      "lost (SPEC 7).\n"
		      "listen_addresses = ''\n"
		      "port = %d\n"
		      "unix_socket_directories = '\"%s\"'\n"
		      "unix_socket_permissions = 0700\n",
		      CLUSTER_PORT, c->sockdir))
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "settings too long");
	return write_file(ra, path, text, err);
}

/*
 * Write <pgdata>/ledgerline_cluster: the mark of a cluster ledgerline made
 * (ll_cluster_destroy removes nothing without it), naming its home so a
 * cluster left behind under /var/lib/ledgerline can be traced.
 */
static enum ll_status write_owner(const struct ll_cluster *c,
				  const struct runas *ra, struct ll_error *err)
{
	char path[PATH_MAX], text[PATH_MAX + 256];

	if (!fmt_path(path, sizeof(path), "%s/%s", c->pgdata, OWNER_NAME) ||
	    !fmt_path(text, sizeof(text),
		      "# A PostgreSQL cluster made by ledgerline for the data "
		      "directory below;\n# 'ledgerline db destroy --yes' "
		      "removes it.\nhome=%s\n", c->home))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	return write_file(ra, path, text, err);
}

/* initdb into the (empty, server-owned) pgdata, then our configuration. */
static enum ll_status make_cluster(const struct ll_cluster *c,
				   const struct runas *ra, struct ll_error *err)
{
	char initdb[PATH_MAX], path[PATH_MAX], pgdata[PATH_MAX], text[128];
	char user_opt[] = "-U", user[sizeof(SUPERUSER)], d_opt[] = "-D";
	char auth[] = "--auth=trust", enc[] = "--encoding=UTF8";
	char loc[] = "--locale=C", noinst[] = "--no-instructions";
	char tail[LL_ERROR_TEXT_MAX - 64];
	char *argv[10];
	bool ok;
	int log_fd;
	off_t log_size;
	enum ll_status rc;

	if (!fmt_path(initdb, sizeof(initdb), "%s/initdb", c->bindir) ||
	    !fmt_path(pgdata, sizeof(pgdata), "%s", c->pgdata))
		return ll_error_set(err, LL_IO, c->bindir, 0, NULL,
				    "path too long");
	memcpy(user, SUPERUSER, sizeof(SUPERUSER));
	argv[0] = initdb;
	argv[1] = d_opt;
	argv[2] = pgdata;
	argv[3] = user_opt;
	argv[4] = user;
	argv[5] = auth;
	argv[6] = enc;
	argv[7] = loc;
	argv[8] = noinst;
	argv[9] = NULL;

	if (open_log(c, ra, &log_fd, &log_size, err) != LL_OK)
		return LL_IO;
	rc = run_program(ra, argv, log_fd, &ok, err);
	(void)close(log_fd);
	if (rc != LL_OK)
		return rc;
	if (!ok) {
		log_tail(c, log_size, tail, sizeof(tail));
		return ll_error_set(err, LL_DB, c->pgdata, 0, NULL,
				    "initdb failed: %s", tail);
	}
	rc = write_owner(c, ra, err);
	if (rc != LL_OK)
		return rc;

	/* Only the private socket: party logins (grant) by password, the
	 * rest trusted (the socket's directory is private). */
	if (!fmt_path(path, sizeof(path), "%s/pg_hba.conf", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	rc = write_file(ra, path,
			"# Written by ledgerline: the Unix socket in the data "
			"directory only, no TCP (SPEC 7).\n"
			"local all +ledgerline_party scram-sha-256\n"
			"local all all trust\n", err);
	if (rc != LL_OK)
		return rc;
	rc = write_settings(c, ra, err);
	if (rc != LL_OK)
		return rc;
	if (!fmt_path(path, sizeof(path), "%s/postgresql.conf", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	if (!fmt_path(text, sizeof(text),
		      "\n# ledgerline: private settings, rewritten before "
		      "every start\ninclude '%s'\n", CONF_NAME))
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "include line too long");
	return append_file(path, text, err);
}

/* First 16 hex digits of SHA-256(s). */
static enum ll_status short_hash(const char *s, char out[17],
				 struct ll_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	int i;

	if (EVP_Digest(s, strlen(s), md, &md_len, EVP_sha256(), NULL) != 1 ||
	    md_len < 8)
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "SHA-256 failed");
	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[16] = '\0';
	return LL_OK;
}

/*
 * The fallback directory for c->home, /var/lib/ledgerline/clusters/<hash>,
 * made (parents passable, the directory the server user's, 0700) and
 * checked reachable by the server user; its path in target.
 */
static enum ll_status fallback_dir(const struct ll_cluster *c,
				   const struct runas *ra,
				   char target[PATH_MAX],
				   struct ll_error *err)
{
	char real[PATH_MAX], hash[17];
	struct stat st;
	enum ll_status rc;
	bool ok;

	if (!realpath(c->home, real))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "cannot resolve: %s", strerror(errno));
	rc = short_hash(real, hash, err);
	if (rc != LL_OK)
		return rc;
	if (!fmt_path(target, PATH_MAX, "%s/%s", FALLBACK_CLUSTERS, hash))
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "path too long");
	rc = mkdir_p(FALLBACK_CLUSTERS, 0711, err);
	if (rc != LL_OK)
		return rc;
	/* Whatever umask or an older run left: the server must get through. */
	if ((stat(FALLBACK_BASE, &st) == 0 && st.st_uid == 0 &&
	     chmod(FALLBACK_BASE, (st.st_mode & 07777) | 0111) != 0) ||
	    (stat(FALLBACK_CLUSTERS, &st) == 0 && st.st_uid == 0 &&
	     chmod(FALLBACK_CLUSTERS, (st.st_mode & 07777) | 0111) != 0))
		return ll_error_set(err, LL_IO, FALLBACK_CLUSTERS, 0, NULL,
				    "cannot chmod: %s", strerror(errno));
	if (mkdir(target, 0700) != 0 && errno != EEXIST)
		return ll_error_set(err, LL_IO, target, 0, NULL,
				    "cannot create directory: %s",
				    strerror(errno));
	if (chown(target, ra->uid, ra->gid) != 0 || chmod(target, 0700) != 0)
		return ll_error_set(err, LL_IO, target, 0, NULL,
				    "cannot hand to the server user: %s",
				    strerror(errno));
	rc = server_can_reach(ra, target, &ok, err);
	if (rc != LL_OK)
		return rc;
	if (!ok)
		return ll_error_set(err, LL_IO, target, 0, NULL,
				    "server user '%s' cannot reach its "
				    "cluster directory", c->run_as);
	return LL_OK;
}

/*
 * <home>/pg linked to target, and "<target>.log" created (the server
 * user's) with <home>/pg.log linked to it.
 */
static enum ll_status fallback_links(const struct ll_cluster *c,
				     const struct runas *ra,
				     const char *target, struct ll_error *err)
{
	char link[PATH_MAX], logp[PATH_MAX];
	int fd;

	if (!fmt_path(link, sizeof(link), "%s/pg", c->home) ||
	    !fmt_path(logp, sizeof(logp), "%s.log", target))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	if (symlink(target, link) != 0)
		return ll_error_set(err, LL_IO, link, 0, NULL,
				    "cannot link to '%s': %s", target,
				    strerror(errno));
	/* The log, created here so <home>/pg.log can point at it. */
	fd = open(logp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return ll_error_set(err, LL_IO, logp, 0, NULL,
				    "cannot create: %s", strerror(errno));
	if (fchown(fd, ra->uid, ra->gid) != 0) {
		ll_error_set(err, LL_IO, logp, 0, NULL, "cannot chown: %s",
			     strerror(errno));
		(void)close(fd);
		return LL_IO;
	}
	if (close(fd) != 0)
		return ll_error_set(err, LL_IO, logp, 0, NULL,
				    "cannot create: %s", strerror(errno));
	if (!fmt_path(link, sizeof(link), "%s/pg.log", c->home))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	if (symlink(logp, link) != 0 && errno != EEXIST)
		return ll_error_set(err, LL_IO, link, 0, NULL,
				    "cannot link to '%s': %s", logp,
				    strerror(errno));
	return LL_OK;
}

/*
 * The server user cannot reach <home>: put the cluster under
 * /var/lib/ledgerline/clusters and link <home>/pg and <home>/pg.log to it.
 */
static enum ll_status place_fallback(struct ll_cluster *c,
				     const struct runas *ra,
				     struct ll_error *err)
{
	char target[PATH_MAX];
	enum ll_status rc;

	rc = fallback_dir(c, ra, target, err);
	if (rc != LL_OK)
		return rc;
	rc = fallback_links(c, ra, target, err);
	if (rc != LL_OK)
		return rc;
	return set_pgdata(c, target, err);
}

/*
 * Just placed at the fallback location: a cluster already there was made
 * for this same home path (its <home>/pg link got lost) — keep it, a
 * ledger is not thrown away on a guess; a half-made one is emptied.
 */
static enum ll_status fallback_reuse(const struct ll_cluster *c,
				     const char *marker, bool *reused,
				     struct ll_error *err)
{
	char version[PATH_MAX];

	*reused = false;
	if (!fmt_path(version, sizeof(version), "%s/PG_VERSION", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	if (!path_exists(version))
		return clear_dir(c->pgdata, err);
	*reused = true;
	if (unlink(marker) != 0 && errno != ENOENT)
		return ll_error_set(err, LL_IO, marker, 0, NULL,
				    "cannot remove: %s", strerror(errno));
	return LL_OK;
}

/*
 * Follow <home>/pg as it is now (another process may have made it since
 * ll_cluster_init) and point c at it; *is_link says it was a symlink.
 */
static enum ll_status follow_pg(struct ll_cluster *c, bool *is_link,
				struct ll_error *err)
{
	char pg[PATH_MAX], target[PATH_MAX];
	struct stat st;
	bool have_pg;
	ssize_t n;

	*is_link = false;
	if (!fmt_path(pg, sizeof(pg), "%s/pg", c->home))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	have_pg = lstat(pg, &st) == 0;
	if (!have_pg && errno != ENOENT)
		return ll_error_set(err, LL_IO, pg, 0, NULL, "cannot stat: %s",
				    strerror(errno));
	*is_link = have_pg && S_ISLNK(st.st_mode);
	if (*is_link) {
		n = readlink(pg, target, sizeof(target) - 1);
		if (n < 0 || (size_t)n >= sizeof(target) - 1)
			return ll_error_set(err, LL_IO, pg, 0, NULL,
					    "cannot read symlink");
		target[n] = '\0';
		if (target[0] != '/') {
			if (!fmt_path(pg, sizeof(pg), "%s/%s", c->home, target))
				return ll_error_set(err, LL_IO, c->home, 0,
						    NULL, "path too long");
		} else {
			memcpy(pg, target, (size_t)n + 1);
		}
	} else if (have_pg && !S_ISDIR(st.st_mode)) {
		return ll_error_set(err, LL_IO, pg, 0, NULL,
				    "is neither a directory nor a symlink");
	}
	return set_pgdata(c, pg, err);
}

/*
 * A fresh cluster, as root, at <home>/pg itself: when the server user
 * cannot reach it, move to the fallback location; *reused when a cluster
 * made for this home was already there.
 */
static enum ll_status place_reachable(struct ll_cluster *c,
				      const struct runas *ra,
				      const char *marker, bool *reused,
				      struct ll_error *err)
{
	enum ll_status rc;
	bool reach;

	*reused = false;
	rc = server_can_reach(ra, c->home, &reach, err);
	if (rc != LL_OK || reach)
		return rc;
	if (rmdir(c->pgdata) != 0 && errno != ENOENT)
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "cannot remove: %s", strerror(errno));
	rc = place_fallback(c, ra, err);
	if (rc != LL_OK)
		return rc;
	return fallback_reuse(c, marker, reused, err);
}

/*
 * The marker, the directories above pgdata (passable by the server user
 * when root makes them) and pgdata itself, the server user's when root.
 */
static enum ll_status make_pgdata(const struct ll_cluster *c,
				  const struct runas *ra, const char *marker,
				  struct ll_error *err)
{
	char parent[PATH_MAX], *slash;
	enum ll_status rc;
	int fd;

	fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || close(fd) != 0)
		return ll_error_set(err, LL_IO, marker, 0, NULL,
				    "cannot create: %s", strerror(errno));
	/* Directories root makes above the cluster must let the server
	 * user through. */
	if (!fmt_path(parent, sizeof(parent), "%s", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		rc = mkdir_p(parent, ra->drop ? 0711 : 0700, err);
		if (rc != LL_OK)
			return rc;
	}
	if (mkdir(c->pgdata, 0700) != 0 && errno != EEXIST)
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "cannot create directory: %s",
				    strerror(errno));
	if (ra->drop &&
	    (chown(c->pgdata, ra->uid, ra->gid) != 0 ||
	     chmod(c->pgdata, 0700) != 0))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "cannot hand to server user '%s': %s",
				    c->run_as, strerror(errno));
	return LL_OK;
}

/*
 * Make sure an initialised cluster exists (under the lock): follow or
 * create <home>/pg, wipe a half-made one, initdb.
 */
static enum ll_status place_cluster(struct ll_cluster *c,
				    const struct runas *ra,
				    struct ll_error *err)
{
	char marker[PATH_MAX], version[PATH_MAX];
	struct stat st;
	bool is_link, marked, reused;
	enum ll_status rc;

	if (!fmt_path(marker, sizeof(marker), "%s/%s", c->home, MARKER_NAME))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	rc = follow_pg(c, &is_link, err);
	if (rc != LL_OK)
		return rc;

	if (!fmt_path(version, sizeof(version), "%s/PG_VERSION", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	marked = path_exists(marker);
	if (path_exists(version) && !marked)
		return LL_OK;	/* made before */

	/* Half-made by a process that died: start over. */
	if (stat(c->pgdata, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = clear_dir(c->pgdata, err);
		if (rc != LL_OK)
			return rc;
	}

	/* A fresh cluster: can the server user reach <home>/pg? */
	if (ra->drop && !is_link) {
		rc = place_reachable(c, ra, marker, &reused, err);
		if (rc != LL_OK || reused)
			return rc;
	}

	rc = make_pgdata(c, ra, marker, err);
	if (rc != LL_OK)
		return rc;
	rc = make_cluster(c, ra, err);
	if (rc != LL_OK)
		return rc;
	if (unlink(marker) != 0)
		return ll_error_set(err, LL_IO, marker, 0, NULL,
				    "cannot remove: %s", strerror(errno));
	return LL_OK;
}

/*
 * pg_ctl start, or stop in shutdown mode "fast" (a checkpoint first: the
 * data is kept) or "immediate" (no checkpoint: for a cluster about to be
 * removed, which a busy machine could otherwise take minutes to stop).
 */
static enum ll_status pg_ctl(const struct ll_cluster *c,
			     const struct runas *ra, const char *action,
			     bool immediate, struct ll_error *err)
{
	char prog[PATH_MAX], pgdata[PATH_MAX], logp[PATH_MAX];
	char d_opt[] = "-D", l_opt[] = "-l", w_opt[] = "-w", t_opt[] = "-t";
	char t_val[] = "60", m_opt[] = "-m", m_fast[] = "fast";
	char m_immediate[] = "immediate";
	char start[] = "start", stop[] = "stop";
	char tail[LL_ERROR_TEXT_MAX - 64];
	char *argv[12];
	bool ok, starting = strcmp(action, "start") == 0;
	int log_fd, i = 0;
	off_t log_size;
	enum ll_status rc;

	if (!fmt_path(prog, sizeof(prog), "%s/pg_ctl", c->bindir) ||
	    !fmt_path(pgdata, sizeof(pgdata), "%s", c->pgdata))
		return ll_error_set(err, LL_IO, c->bindir, 0, NULL,
				    "path too long");
	rc = log_path(c, logp, sizeof(logp), err);
	if (rc != LL_OK)
		return rc;
	argv[i++] = prog;
	argv[i++] = d_opt;
	argv[i++] = pgdata;
	if (starting) {
		argv[i++] = l_opt;
		argv[i++] = logp;
	} else {
		argv[i++] = m_opt;
		argv[i++] = immediate ? m_immediate : m_fast;
	}
	argv[i++] = w_opt;
	argv[i++] = t_opt;
	argv[i++] = t_val;
	argv[i++] = starting ? start : stop;
	argv[i] = NULL;

	rc = open_log(c, ra, &log_fd, &log_size, err);
	if (rc != LL_OK)
		return rc;
	rc = run_program(ra, argv, log_fd, &ok, err);
	(void)close(log_fd);
	if (rc != LL_OK)
		return rc;
	if (!ok) {
		log_tail(c, log_size, tail, sizeof(tail));
		return ll_error_set(err, LL_DB, logp, 0, NULL,
				    "cannot %s the database server: %s",
				    action, tail);
	}
	return LL_OK;
}

/* Start the server of an initialised cluster unless it runs (locked). */
static enum ll_status start_server(struct ll_cluster *c,
				   const struct runas *ra,
				   struct ll_error *err)
{
	char parent[PATH_MAX], owner[PATH_MAX], *slash;
	bool live, sock_live, reach;
	long waited;
	enum ll_status rc;

	/* A live postmaster of this cluster that is still starting up (or
	 * shutting down): wait for it rather than start a second one. */
	for (waited = 0;; waited += SERVER_POLL_MS) {
		if (ping(c) == PQPING_OK)
			return LL_OK;
		rc = clear_stale_pidfile(c, "postmaster.pid", &live, err);
		if (rc != LL_OK)
			return rc;
		if (!live)
			break;
		if (waited >= SERVER_WAIT_MS_MAX)
			return ll_error_set(err, LL_DB, c->pgdata, 0, NULL,
					    "a server runs on this cluster but "
					    "does not accept connections");
		sleep_ms(SERVER_POLL_MS);
	}
	rc = clear_stale_pidfile(c, SOCKET_LOCK_NAME, &sock_live, err);
	if (rc != LL_OK)
		return rc;

	if (ra->drop) {
		if (!fmt_path(parent, sizeof(parent), "%s", c->pgdata))
			return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
					    "path too long");
		slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		rc = server_can_reach(ra, parent, &reach, err);
		if (rc != LL_OK)
			return rc;
		if (!reach)
			return ll_error_set(err, LL_IO, parent, 0, NULL,
					    "server user '%s' cannot reach the "
					    "cluster: a directory above it is "
					    "not searchable (chmod o+x)",
					    c->run_as);
	}
	rc = write_settings(c, ra, err);
	if (rc != LL_OK)
		return rc;
	if (!fmt_path(owner, sizeof(owner), "%s/%s", c->pgdata, OWNER_NAME))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	if (!path_exists(owner)) {
		/* made by a ledgerline from before the mark */
		rc = write_owner(c, ra, err);
		if (rc != LL_OK)
			return rc;
	}
	rc = pg_ctl(c, ra, "start", false, err);
	if (rc != LL_OK)
		return rc;
	if (ping(c) != PQPING_OK)
		return ll_error_set(err, LL_DB, c->pgdata, 0, NULL,
				    "the server started but does not accept "
				    "connections on '%s'", c->sockdir);
	return LL_OK;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* libpq's last message without its trailing newline, into buf. */
static const char *pq_message(PGconn *conn, char *buf, size_t size)
{
	size_t n;

	(void)fmt_path(buf, size, "%s", PQerrorMessage(conn));
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

static enum ll_status create_database(const struct ll_cluster *c,
				      const char *dbname, struct ll_error *err)
{
	char sql[DBNAME_BYTES_MAX * 2 + 64], dsn[LL_CLUSTER_DSN_MAX];
	char msg[LL_ERROR_TEXT_MAX];
	const char *params[1] = { dbname };
	const char *state;
	char *ident = NULL;
	PGresult *res = NULL;
	PGconn *conn;
	enum ll_status rc = LL_OK;
	bool exists;

	ll_cluster_dsn(c, "postgres", dsn, sizeof(dsn));
	conn = PQconnectdb(dsn);
	if (!conn)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "cannot allocate a connection");
	if (PQstatus(conn) != CONNECTION_OK) {
		rc = ll_error_set(err, LL_DB, NULL, 0, NULL,
				  "cannot connect to the cluster: %s",
				  pq_message(conn, msg, sizeof(msg)));
		goto out;
	}
	(void)PQsetNoticeProcessor(conn, quiet_notices, NULL);
	res = PQexecParams(conn, SQL_DB_EXISTS, 1, NULL, params, NULL, NULL,
			   0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQnfields(res) != 1) {
		rc = ll_error_set(err, LL_DB, NULL, 0, NULL,
				  "cannot list databases: %s",
				  pq_message(conn, msg, sizeof(msg)));
		goto out;
	}
	exists = PQntuples(res) > 0;
	PQclear(res);
	res = NULL;
	if (exists)
		goto out;
	ident = PQescapeIdentifier(conn, dbname, strlen(dbname));
	if (!ident) {
		rc = ll_error_set(err, LL_DB, NULL, 0, NULL,
				  "cannot quote database name: %s",
				  pq_message(conn, msg, sizeof(msg)));
		goto out;
	}
	/* CREATE DATABASE takes no parameters; ident is quoted by libpq. */
	if (!fmt_path(sql, sizeof(sql), "CREATE DATABASE %s", ident)) {
		rc = ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				  "database name too long");
		goto out;
	}
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* 42P04 duplicate_database: someone else made it, fine. */
		if (!state || strcmp(state, "42P04") != 0)
			rc = ll_error_set(err, LL_DB, NULL, 0, NULL,
					  "cannot create database '%s': %s",
					  dbname,
					  pq_message(conn, msg, sizeof(msg)));
	}
out:
	PQclear(res);
	if (ident)
		PQfreemem(ident);
	PQfinish(conn);
	return rc;
}

/* ---- the lock --------------------------------------------------------- */

/* Open and flock <home>/cluster.lock; returns the fd holding the lock. */
static enum ll_status lock_home(const struct ll_cluster *c, int *fd_out,
				struct ll_error *err)
{
	char path[PATH_MAX];
	long waited;
	int fd;

	if (!fmt_path(path, sizeof(path), "%s/cluster.lock", c->home))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot open lock file: %s",
				    strerror(errno));
	for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0;
	     waited += LOCK_POLL_MS) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			ll_error_set(err, LL_IO, path, 0, NULL,
				     "cannot lock: %s", strerror(errno));
			(void)close(fd);
			return LL_IO;
		}
		if (waited >= LOCK_WAIT_MS_MAX) {
			ll_error_set(err, LL_IO, path, 0, NULL,
				     "another ledgerline process holds the "
				     "cluster lock for over %d s",
				     LOCK_WAIT_MS_MAX / 1000);
			(void)close(fd);
			return LL_IO;
		}
		sleep_ms(LOCK_POLL_MS);
	}
	*fd_out = fd;
	return LL_OK;
}

/* ---- public ----------------------------------------------------------- */

static enum ll_status ensure_locked(struct ll_cluster *c,
				    const struct runas *ra,
				    struct ll_error *err)
{
	struct stat st;
	enum ll_status rc;

	if (ping(c) == PQPING_OK)
		return LL_OK;	/* the cheap path */
	/* The server user must get through <home> (search only, no read). */
	if (ra->drop) {
		if (stat(c->home, &st) != 0)
			return ll_error_set(err, LL_IO, c->home, 0, NULL,
					    "cannot stat: %s", strerror(errno));
		if (st.st_uid == 0 && (st.st_mode & 0011) != 0011 &&
		    chmod(c->home, (st.st_mode & 07777) | 0011) != 0)
			return ll_error_set(err, LL_IO, c->home, 0, NULL,
					    "cannot chmod: %s",
					    strerror(errno));
	}
	rc = place_cluster(c, ra, err);
	if (rc != LL_OK)
		return rc;
	return start_server(c, ra, err);
}

enum ll_status ll_cluster_ensure(struct ll_cluster *c, const char *dbname,
				 struct ll_error *err)
{
	struct runas ra;
	enum ll_status rc;
	size_t len;
	int lock_fd;

	assert(c && c->home[0] && c->pgdata[0] && c->bindir[0]);
	if (dbname) {
		len = strlen(dbname);
		if (len == 0 || len > DBNAME_BYTES_MAX)
			return ll_error_set(err, LL_INVALID, NULL, 0, NULL,
					    "database name '%s' must have 1 to "
					    "%d bytes", dbname,
					    DBNAME_BYTES_MAX);
	}
	rc = runas_prepare(c, &ra, err);
	if (rc != LL_OK)
		return rc;
	rc = mkdir_p(c->home, 0700, err);
	if (rc != LL_OK)
		return rc;
	rc = lock_home(c, &lock_fd, err);
	if (rc != LL_OK)
		return rc;
	rc = ensure_locked(c, &ra, err);
	if (rc == LL_OK && dbname) {
		rc = create_database(c, dbname, err);
		if (rc == LL_OK)
			ll_cluster_dsn(c, dbname, c->dsn, sizeof(c->dsn));
	}
	if (close(lock_fd) != 0 && rc == LL_OK)
		rc = ll_error_set(err, LL_IO, c->home, 0, NULL,
				  "cannot release the cluster lock: %s",
				  strerror(errno));
	return rc;
}

enum ll_status ll_cluster_status(const struct ll_cluster *c, bool *running,
				 struct ll_error *err)
{
	PGPing p;

	assert(c && running);
	*running = false;
	p = ping(c);
	if (p == PQPING_NO_ATTEMPT)
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "invalid connection string for '%s'",
				    c->sockdir);
	*running = p == PQPING_OK;
	return LL_OK;
}

enum ll_status ll_cluster_stop(struct ll_cluster *c, struct ll_error *err)
{
	char version[PATH_MAX];
	struct runas ra;
	enum ll_status rc;
	bool live;
	int lock_fd;

	assert(c && c->home[0] && c->pgdata[0]);
	if (!fmt_path(version, sizeof(version), "%s/PG_VERSION", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	if (!path_exists(c->home) || !path_exists(version))
		return LL_OK;	/* never created */
	rc = runas_prepare(c, &ra, err);
	if (rc != LL_OK)
		return rc;
	rc = lock_home(c, &lock_fd, err);
	if (rc != LL_OK)
		return rc;
	rc = clear_stale_pidfile(c, "postmaster.pid", &live, err);
	if (rc == LL_OK && live)
		rc = pg_ctl(c, &ra, "stop", false, err);
	if (close(lock_fd) != 0 && rc == LL_OK)
		rc = ll_error_set(err, LL_IO, c->home, 0, NULL,
				  "cannot release the cluster lock: %s",
				  strerror(errno));
	return rc;
}

/* ---- destroy ---------------------------------------------------------- */

static int rm_any(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) == 0 ? 0 : -1;
	return unlink(path) == 0 ? 0 : -1;
}

/* Is path a symlink?  (lstat; false when absent.) */
static bool is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/*
 * Fill f with what destroy would remove, after checking that c->pgdata is
 * a cluster ledgerline made: a real directory (not a symlink), either
 * <home>/pg or the target of that link, holding PG_VERSION and
 * ledgerline_cluster — or, half-made, with <home>/pg.initializing present
 * and living at <home>/pg or directly under /var/lib/ledgerline/clusters.
 */
static enum ll_status destroy_plan(const struct ll_cluster *c,
				   struct ll_cluster_files *f,
				   struct ll_error *err)
{
	char pg[PATH_MAX], path[PATH_MAX], initializing[PATH_MAX];
	const char *base;
	struct stat st;
	bool linked, made, half, placed;
	size_t n;

	memset(f, 0, sizeof(*f));
	if (!fmt_path(pg, sizeof(pg), "%s/pg", c->home) ||
	    !fmt_path(initializing, sizeof(initializing), "%s/%s", c->home,
		      MARKER_NAME))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	linked = is_symlink(pg);
	if (linked && !fmt_path(f->link, sizeof(f->link), "%s", pg))
		return ll_error_set(err, LL_IO, pg, 0, NULL, "path too long");
	if (!fmt_path(path, sizeof(path), "%s/pg.log", c->home))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	if (is_symlink(path) &&
	    !fmt_path(f->log_link, sizeof(f->log_link), "%s", path))
		return ll_error_set(err, LL_IO, path, 0, NULL, "path too long");
	if (lstat(c->pgdata, &st) != 0) {
		if (errno == ENOENT)
			return LL_OK;	/* no cluster; maybe a dangling link */
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "cannot stat: %s", strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return ll_error_set(err, LL_USAGE, c->pgdata, 0, NULL,
				    "not a directory: not a ledgerline "
				    "cluster, nothing removed");
	if (!fmt_path(path, sizeof(path), "%s/PG_VERSION", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	made = path_exists(path);
	if (!fmt_path(path, sizeof(path), "%s/%s", c->pgdata, OWNER_NAME))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	made = made && path_exists(path);
	base = FALLBACK_CLUSTERS;
	n = strlen(base);
	placed = strcmp(c->pgdata, pg) == 0 ||
		 (strncmp(c->pgdata, base, n) == 0 && c->pgdata[n] == '/' &&
		  c->pgdata[n + 1] && !strchr(c->pgdata + n + 1, '/'));
	half = placed && path_exists(initializing);
	if (!made && !half)
		return ll_error_set(err, LL_USAGE, c->pgdata, 0, NULL,
				    "not a ledgerline cluster (no PG_VERSION "
				    "and %s in it): nothing removed",
				    OWNER_NAME);
	if (!fmt_path(f->dir, sizeof(f->dir), "%s", c->pgdata) ||
	    !fmt_path(f->log, sizeof(f->log), "%s.log", c->pgdata))
		return ll_error_set(err, LL_IO, c->pgdata, 0, NULL,
				    "path too long");
	if (!path_exists(f->log) || is_symlink(f->log))
		f->log[0] = '\0';
	return LL_OK;
}

/* Stop the server and remove everything in f (locked). */
static enum ll_status destroy_locked(struct ll_cluster *c,
				     const struct ll_cluster_files *f,
				     struct ll_error *err)
{
	char path[PATH_MAX];
	struct runas ra;
	enum ll_status rc;
	bool live;

	if (f->dir[0]) {
		rc = runas_prepare(c, &ra, err);
		if (rc != LL_OK)
			return rc;
		rc = clear_stale_pidfile(c, "postmaster.pid", &live, err);
		if (rc == LL_OK && live)
			rc = pg_ctl(c, &ra, "stop", true, err);
		if (rc != LL_OK)
			return rc;
		assert(f->dir[0] == '/' && f->dir[1] != '\0');
		if (nftw(f->dir, rm_any, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) !=
		    0)
			return ll_error_set(err, LL_IO, f->dir, 0, NULL,
					    "cannot remove the cluster: %s",
					    strerror(errno));
		if (!fmt_path(path, sizeof(path), "%s.log.old", f->dir))
			return ll_error_set(err, LL_IO, f->dir, 0, NULL,
					    "path too long");
		if ((f->log[0] && unlink(f->log) != 0 && errno != ENOENT) ||
		    (unlink(path) != 0 && errno != ENOENT))
			return ll_error_set(err, LL_IO, f->log, 0, NULL,
					    "cannot remove the server log: %s",
					    strerror(errno));
	}
	if ((f->link[0] && unlink(f->link) != 0 && errno != ENOENT) ||
	    (f->log_link[0] && unlink(f->log_link) != 0 && errno != ENOENT))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "cannot remove the links to the cluster: "
				    "%s", strerror(errno));
	if (!fmt_path(path, sizeof(path), "%s/%s", c->home, MARKER_NAME))
		return ll_error_set(err, LL_IO, c->home, 0, NULL,
				    "path too long");
	if (unlink(path) != 0 && errno != ENOENT)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot remove: %s", strerror(errno));
	return LL_OK;
}

enum ll_status ll_cluster_destroy(struct ll_cluster *c, bool dry_run,
				  struct ll_cluster_files *files,
				  struct ll_error *err)
{
	enum ll_status rc;
	int lock_fd;

	assert(c && c->home[0] && c->pgdata[0] && files);
	memset(files, 0, sizeof(*files));
	if (!path_exists(c->home))
		return LL_OK;	/* nothing was ever made */
	if (dry_run)
		return destroy_plan(c, files, err);
	rc = lock_home(c, &lock_fd, err);
	if (rc != LL_OK)
		return rc;
	rc = destroy_plan(c, files, err);
	if (rc == LL_OK)
		rc = destroy_locked(c, files, err);
	if (close(lock_fd) != 0 && rc == LL_OK)
		rc = ll_error_set(err, LL_IO, c->home, 0, NULL,
				  "cannot release the cluster lock: %s",
				  strerror(errno));
	return rc;
}
