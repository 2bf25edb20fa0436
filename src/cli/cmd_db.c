/*
 * cmd_db.c — "ledgerline db start|stop|status": the embedded PostgreSQL
 * cluster of SPEC §7.
 *
 * Design decision: with a database configured (LEDGERLINE_DSN or
 * database.dsn), ledgerline does not manage any server; start and stop
 * refuse, and status reports whether the configured database answers.
 */
#include <getopt.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/cli.h"
#include "ledgerline/cluster.h"
#include "ledgerline/config.h"

static const char usage[] =
	"usage: ledgerline db start|stop|status\n"
	"\n"
	"Manage the embedded PostgreSQL cluster that ledgerline runs under its\n"
	"data directory ($LEDGERLINE_HOME, else $XDG_DATA_HOME/ledgerline, else\n"
	"~/.local/share/ledgerline) when no database is configured.  It listens\n"
	"only on a Unix socket in its own directory; other commands start it on\n"
	"demand.  When run as root, the server runs as an unprivileged user.\n"
	"\n"
	"  start    create the cluster if needed and start it\n"
	"  stop     stop it (fast shutdown)\n"
	"  status   say whether it runs, and its connection string\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 4 database.\n";

static enum ll_status external_status(const struct ll_config *cfg)
{
	PGPing p = PQping(cfg->dsn);

	printf("database: configured (%s)\n",
	       cfg->file[0] && !getenv("LEDGERLINE_DSN") ? cfg->file
							 : "LEDGERLINE_DSN");
	printf("status: %s\n", p == PQPING_OK ? "accepting connections"
					      : "not reachable");
	printf("dsn: %s\n", cfg->dsn);
	return LL_OK;
}

static enum ll_status run(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	struct ll_config cfg;
	struct ll_cluster cl;
	struct ll_error err;
	enum ll_status rc;
	const char *action;
	bool running = false;
	char dsn[LL_CLUSTER_DSN_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return ll_cli_help(usage);
		return ll_cli_usage_error("db", "invalid option");
	}
	if (argc - optind != 1)
		return ll_cli_usage_error("db", "expected one of start, stop, "
						"status");
	action = argv[optind];
	if (strcmp(action, "start") != 0 && strcmp(action, "stop") != 0 &&
	    strcmp(action, "status") != 0)
		return ll_cli_usage_error("db", "unknown action '%s'", action);
	ll_error_clear(&err);
	rc = ll_config_load(&cfg, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	if (cfg.dsn[0]) {
		if (strcmp(action, "status") == 0)
			return external_status(&cfg);
		return ll_cli_fail(LL_USAGE,
				   "a database is configured (LEDGERLINE_DSN or "
				   "database.dsn): ledgerline manages only its "
				   "embedded cluster");
	}
	rc = ll_cluster_init(&cl, cfg.home, cfg.pg_bindir, cfg.pg_user, &err);
	if (rc == LL_OK) {
		if (strcmp(action, "start") == 0)
			rc = ll_cluster_ensure(&cl, "ledgerline", &err);
		else if (strcmp(action, "stop") == 0)
			rc = ll_cluster_stop(&cl, &err);
		if (rc == LL_OK)
			rc = ll_cluster_status(&cl, &running, &err);
	}
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	ll_cluster_dsn(&cl, "ledgerline", dsn, sizeof(dsn));
	printf("database: embedded cluster in %s\n", cl.pgdata);
	printf("status: %s\n", running ? "running" : "stopped");
	printf("dsn: %s\n", dsn);
	return LL_OK;
}

const struct ll_cmd ll_cmd_db = { "db", run,
				  "start, stop or inspect the embedded database",
				  usage };
