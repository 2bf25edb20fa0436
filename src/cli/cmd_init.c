/*
 * cmd_init.c — "ledgerline init": create the database schema, or bring it
 * up to date.
 *
 * Design decision: init is the only command that changes the schema;
 * every other command refuses to run against an out-of-date one.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/buf.h"
#include "ledgerline/cli.h"
#include "ledgerline/config.h"
#include "ledgerline/db.h"
#include "ledgerline/io.h"
#include "ledgerline/sign.h"

static const char usage[] =
	"usage: ledgerline init\n"
	"\n"
	"Create the ledger's database schema, or apply the migrations it lacks\n"
	"(each in its own transaction).  Running it again is a no-op.\n"
	"\n"
	"With no database configured (LEDGERLINE_DSN or database.dsn in the\n"
	"configuration file), ledgerline creates and starts its own embedded\n"
	"PostgreSQL cluster under the data directory first.  When there is no\n"
	"statement signing key yet (signing.key, else\n"
	"$LEDGERLINE_HOME/keys/signing.pem), init creates one, as keygen would.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 4 database.\n";

/* Create the signing key when none exists; report it either way. */
static enum ll_status ensure_key(const struct ll_config *cfg,
				 struct ll_error *err)
{
	char priv[PATH_MAX], pub[PATH_MAX], dir[PATH_MAX], *slash;
	struct ll_key key;
	enum ll_status rc;

	rc = ll_config_key_paths(cfg, priv, pub, err);
	if (rc != LL_OK)
		return rc;
	ll_key_init(&key);
	if (access(priv, F_OK) == 0) {
		rc = ll_key_load_private(&key, priv, err);
		if (rc == LL_OK)
			printf("signing key: %s (key id %s)\n", priv,
			       key.keyid);
		ll_key_release(&key);
		return rc;
	}
	if (!ll_str_copy(dir, sizeof(dir), priv))
		return ll_error_set(err, LL_USAGE, NULL, 0, NULL,
				    "signing key path too long");
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	rc = slash ? ll_mkdir_p(dir, 0700, err) : LL_OK;
	if (rc == LL_OK)
		rc = ll_key_generate(&key, err);
	if (rc == LL_OK)
		rc = ll_key_write(&key, priv, pub, err);
	if (rc == LL_OK)
		printf("signing key created: %s (public key %s, key id %s)\n",
		       priv, pub, key.keyid);
	ll_key_release(&key);
	return rc;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct ll_error err;
	enum ll_status rc;
	int c, applied = 0;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return ll_cli_help(usage);
		return ll_cli_usage_error("init", "invalid option");
	}
	if (optind != argc)
		return ll_cli_usage_error("init", "unexpected argument '%s'",
					  argv[optind]);
	ll_error_clear(&err);
	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_migrate(&ctx->db, &applied, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	if (applied)
		printf("initialised: applied %d migration%s, schema version %d\n",
		       applied, applied == 1 ? "" : "s",
		       ll_migrations[ll_migrations_count - 1].version);
	else
		printf("already initialised: schema version %d is up to date\n",
		       ll_migrations[ll_migrations_count - 1].version);
	rc = ensure_key(&ctx->cfg, &err);
	if (rc != LL_OK)
		ll_cli_print_error(&err);
	return rc;
}

const struct ll_cmd ll_cmd_init = { "init", run,
				    LL_CMD_CONFIG | LL_CMD_DB_ADMIN,
				    "create or migrate the database schema",
				    usage };
