/*
 * cmd_init.c — "ledgerline init": create the database schema, or bring it
 * up to date.
 *
 * Design decision: init is the only command that changes the schema;
 * every other command refuses to run against an out-of-date one.
 */
#include <getopt.h>
#include <stdio.h>

#include "ledgerline/cli.h"
#include "ledgerline/config.h"
#include "ledgerline/db.h"

static const char usage[] =
	"usage: ledgerline init\n"
	"\n"
	"Create the ledger's database schema, or apply the migrations it lacks\n"
	"(each in its own transaction).  Running it again is a no-op.\n"
	"\n"
	"With no database configured (LEDGERLINE_DSN or database.dsn in the\n"
	"configuration file), ledgerline creates and starts its own embedded\n"
	"PostgreSQL cluster under the data directory first.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 4 database.\n";

static enum ll_status run(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct ll_config cfg;
	struct ll_error err;
	struct ll_db db;
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
	rc = ll_config_load(&cfg, &err);
	if (rc == LL_OK)
		rc = ll_db_open(&db, &cfg, LL_DB_ADMIN, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	rc = ll_db_migrate(&db, &applied, &err);
	ll_db_close(&db);
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
	return LL_OK;
}

const struct ll_cmd ll_cmd_init = { "init", run,
				    "create or migrate the database schema",
				    usage };
