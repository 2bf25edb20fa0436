/*
 * cluster.h — the embedded PostgreSQL cluster of SPEC §7: a private
 * cluster under the data directory, created on first use, started on
 * demand, listening only on a Unix socket inside its own directory.
 *
 * Design decision: the cluster is driven through Debian's own initdb and
 * pg_ctl binaries, never by re-implementing them; ledgerline only adds
 * what they lack: a lock so concurrent invocations start it once, stale
 * pid-file recovery, and dropping root to an unprivileged server user.
 */
#ifndef LEDGERLINE_CLUSTER_H
#define LEDGERLINE_CLUSTER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "ledgerline/config.h"
#include "ledgerline/status.h"

enum { LL_CLUSTER_DSN_MAX = PATH_MAX + 128 };

/* Plain data, filled by ll_cluster_init; nothing to release. */
struct ll_cluster {
	char home[PATH_MAX];	/* ledgerline data directory (absolute) */
	char pgdata[PATH_MAX];	/* the cluster: <home>/pg, or the target of
				 * that symlink (see ll_cluster_init) */
	char sockdir[PATH_MAX];	/* Unix socket directory (== pgdata) */
	char bindir[PATH_MAX];	/* directory holding initdb, pg_ctl, postgres */
	char run_as[LL_CONFIG_USER_MAX];	/* server user when invoked as root, else "" */
	/* libpq connection string: database "postgres" after init, then
	 * the dbname of the last successful ll_cluster_ensure. */
	char dsn[LL_CLUSTER_DSN_MAX];
};

/*
 * Resolve the data directory and the PostgreSQL binaries.  home is the
 * data directory to use (the caller resolves $LEDGERLINE_HOME /
 * $XDG_DATA_HOME / ~/.local/share as in SPEC §7).  bindir may be NULL or
 * empty: then $LEDGERLINE_PG_BINDIR, else the newest
 * /usr/lib/postgresql/<N>/bin holding initdb, else the directory of an
 * initdb found on PATH.  run_as may be NULL or empty: when the process is
 * root, the server runs as $LEDGERLINE_PG_USER, else "postgres" when that
 * user exists, else "nobody"; when not root, run_as is ignored ("").
 * A relative home is made absolute against the current directory.  When
 * <home>/pg is a symlink (the root fallback of ll_cluster_ensure), pgdata
 * is its target.  No file is written.
 *
 * LL_IO when no initdb/pg_ctl can be found, when the socket path
 * "<sockdir>/.s.PGSQL.5432" would not fit a Unix socket address (107
 * bytes; the message suggests a shorter LEDGERLINE_HOME), or when the
 * path holds a character the server's configuration, pg_ctl's shell
 * command or a libpq host list could not carry (quotes, backslash, '$',
 * '`', ',', control characters).
 */
enum ll_status ll_cluster_init(struct ll_cluster *c, const char *home,
			       const char *bindir, const char *run_as,
			       struct ll_error *err);

/*
 * Make sure the cluster exists and runs, and that database dbname exists
 * in it: initdb on first use (superuser "ledgerline", UTF-8, C locale,
 * trust authentication over the private socket only, listen_addresses ''),
 * start on demand (pg_ctl -w), remove a stale postmaster.pid left by a
 * crash, and serialise concurrent callers with a lock file in home.
 * Safe to call when it already runs (cheap: a lock, a ping and one
 * connection to check dbname).  initdb and pg_ctl output and the server
 * log go to "<pgdata>.log" (normally <home>/pg.log), never to stdout.
 * dbname may be NULL (only the cluster); else 1 to 63 bytes (LL_INVALID
 * otherwise), and on success c->dsn names it.
 *
 * As root, every initdb/pg_ctl runs as c->run_as; <home> gets g+x,o+x
 * so that user can reach <home>/pg, and when a directory above <home>
 * still blocks it, the cluster goes to /var/lib/ledgerline/clusters/<16
 * hex of SHA-256 of the real home path>, with <home>/pg (and pg.log)
 * symlinked to it; c->pgdata, sockdir and dsn are updated.
 *
 * LL_IO for file-system failures, LL_DB when initdb, the start or the
 * database creation fails (the message carries the last lines of the
 * server log).
 */
enum ll_status ll_cluster_ensure(struct ll_cluster *c, const char *dbname,
				 struct ll_error *err);

/* Is the server accepting connections (PQping)?  Never starts it, no
 * side effects; *running is false for a cluster never created. */
enum ll_status ll_cluster_status(const struct ll_cluster *c, bool *running,
				 struct ll_error *err);

/* Stop the server (pg_ctl -m fast -w, as run_as when root) if it runs;
 * LL_OK when already down or never created.  Takes the same lock as
 * ll_cluster_ensure. */
enum ll_status ll_cluster_stop(struct ll_cluster *c, struct ll_error *err);

/* What ll_cluster_destroy removes (or would); "" where there is none. */
struct ll_cluster_files {
	char dir[PATH_MAX];	/* the cluster directory */
	char log[PATH_MAX];	/* its server log, "<dir>.log" */
	char link[PATH_MAX];	/* <home>/pg when a symlink to dir */
	char log_link[PATH_MAX];	/* <home>/pg.log when a symlink */
};

/*
 * Remove the embedded cluster: stop its server (immediate shutdown: no
 * checkpoint for data about to go), then delete its directory, its log
 * (and the rotated .log.old), the <home>/pg and <home>/pg.log links of
 * the /var/lib/ledgerline fallback, and a leftover <home>/pg.initializing;
 * the data directory itself and its keys are kept.  With dry_run, only check and fill files.
 *
 * Only a cluster ledgerline made is ever removed: c->pgdata must be a
 * directory (not a symlink) holding PG_VERSION and the ledgerline_cluster
 * mark written right after initdb — or a half-made one (<home>/
 * pg.initializing present) at <home>/pg or directly under
 * /var/lib/ledgerline/clusters.  Anything else is LL_USAGE and nothing
 * is touched.  files says what was (or would be) removed; all "" when
 * there is no cluster (LL_OK).  Takes the same lock as ll_cluster_ensure.
 * LL_DB when the server does not stop (then nothing is removed), LL_IO
 * for file-system failures.
 */
enum ll_status ll_cluster_destroy(struct ll_cluster *c, bool dry_run,
				  struct ll_cluster_files *files,
				  struct ll_error *err);

/*
 * Connection string for database dbname in this cluster
 * ("host=<sockdir> port=5432 dbname=<dbname> user=ledgerline"; the port
 * is explicit so a PGPORT in the environment cannot redirect it), written
 * to out.  Values are quoted as libpq requires ('...' around values with
 * blanks, quotes or backslashes; \' and \\ inside).  out is "" when the
 * string does not fit: never a truncated DSN.
 */
void ll_cluster_dsn(const struct ll_cluster *c, const char *dbname,
		    char *out, size_t out_size);

#endif
