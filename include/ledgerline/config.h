/*
 * config.h — where ledgerline keeps its data and which database it uses
 * (SPEC §7): environment first, then the configuration file.
 *
 * Design decision: the configuration is resolved once, into fixed-size
 * fields, before any command touches a file or the database; commands
 * never read the environment themselves.
 */
#ifndef LEDGERLINE_CONFIG_H
#define LEDGERLINE_CONFIG_H

#include <limits.h>
#include <stdint.h>

#include "ledgerline/status.h"

enum {
	LL_CONFIG_VALUE_MAX = 1024,
	LL_CONFIG_LINE_BYTES_MAX = 4096,
	LL_CONFIG_USER_MAX = 64,	/* a server user name and its NUL */
	LL_CONFIG_BACKOFF_MS_MAX = 3600000,	/* one hour */
};

/* The system-wide configuration file, the last place looked at. */
#define LL_CONFIG_SYSTEM_FILE "/etc/ledgerline/ledgerline.conf"

struct ll_config {
	char home[PATH_MAX];	/* data directory */
	char file[PATH_MAX];	/* configuration file read, "" if none */
	char dsn[LL_CONFIG_VALUE_MAX];	/* "" = the embedded cluster */
	char admin_dsn[LL_CONFIG_VALUE_MAX];	/* schema owner, for init; ""
						 * = dsn */
	char pg_bindir[PATH_MAX];	/* "" = discover */
	char pg_user[LL_CONFIG_USER_MAX];	/* server user when root, "" = default */
	char signing_key[PATH_MAX];	/* "" = <home>/keys/signing.pem */
	char deliver_cacert[PATH_MAX];	/* deliver's CA bundle, "" = the
					 * system's */
	/* deliver's retry backoff (deliver.backoff_base_ms and
	 * deliver.backoff_max_ms, 0..LL_CONFIG_BACKOFF_MS_MAX); -1 = the
	 * default of ll_delivery_policy_default */
	int64_t deliver_backoff_base_ms, deliver_backoff_max_ms;
};

/*
 * Resolve the configuration:
 *   data directory: $LEDGERLINE_HOME, else $XDG_DATA_HOME/ledgerline, else
 *     $HOME/.local/share/ledgerline;
 *   file: $LEDGERLINE_CONFIG (must exist), else
 *     $XDG_CONFIG_HOME/ledgerline/ledgerline.conf ($XDG_CONFIG_HOME
 *     defaulting to $HOME/.config), else LL_CONFIG_SYSTEM_FILE, when
 *     present (an existing file that cannot be read is an error) — never
 *     a path relative to the working directory;
 *   database: $LEDGERLINE_DSN, else "database.dsn" from the file, else
 *     the embedded cluster; for schema changes ("init"),
 *     $LEDGERLINE_ADMIN_DSN, else "database.admin_dsn", else the same.
 * The file holds "key = value" lines; '#' starts a comment.  Keys:
 * database.dsn, database.admin_dsn, postgres.bindir, postgres.user,
 * signing.key, deliver.cacert, deliver.backoff_base_ms,
 * deliver.backoff_max_ms.  An unknown
 * key is an error (LL_USAGE with file and line).
 */
enum ll_status ll_config_load(struct ll_config *cfg, struct ll_error *err);

/*
 * The signing key's files: private = signing.key (or
 * $LEDGERLINE_SIGNING_KEY), else <home>/keys/signing.pem; public = the
 * private path with ".pem" replaced by ".pub.pem".
 */
enum ll_status ll_config_key_paths(const struct ll_config *cfg,
				   char private_path[PATH_MAX],
				   char public_path[PATH_MAX],
				   struct ll_error *err);

#endif
