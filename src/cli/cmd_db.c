/*
 * cmd_db.c — "ledgerline db start|stop|status|destroy": the embedded
 * PostgreSQL cluster of SPEC §7.
 *
 * Design decision: with a database configured (LEDGERLINE_DSN or
 * database.dsn), ledgerline does not manage any server; start, stop and
 * destroy refuse, and status reports whether the configured database
 * answers.
 */
#include <getopt.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/cli.h"
#include "ledgerline/cluster.h"
#include "ledgerline/config.h"
#include "ledgerline/db.h"

static const char usage[] =
	"usage: ledgerline db start|stop|status\n"
	"       ledgerline db destroy [--yes]\n"
	"\n"
	"Manage the embedded PostgreSQL cluster that ledgerline runs under its\n"
	"data directory ($LEDGERLINE_HOME, else $XDG_DATA_HOME/ledgerline, else\n"
	"~/.local/share/ledgerline) when no database is configured.  It listens\n"
	"only on a Unix socket in its own directory; other commands start it on\n"
	"demand.  When run as root, the server runs as an unprivileged user; if\n"
	"that user cannot reach the data directory, the cluster lives in\n"
	"/var/lib/ledgerline/clusters/<hash> and <home>/pg links to it.\n"
	"\n"
	"  start    create the cluster if needed and start it\n"
	"  stop     stop it (fast shutdown)\n"
	"  status   say whether it runs, where it lives, and its connection\n"
	"           string\n"
	"  destroy  stop it and remove it, with every ledger in it: the cluster\n"
	"           directory, its log and the <home>/pg link; the data\n"
	"           directory and its keys stay.  Without --yes, only says what\n"
	"           it would remove (exit 2).  Removes only a cluster ledgerline\n"
	"           made (PG_VERSION and its ledgerline_cluster mark), never\n"
	"           with a database configured.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 4 database.\n";

static enum ll_status external_status(const struct ll_config *cfg)
{
	PGPing p = PQping(cfg->dsn);
	char shown[LL_DB_WHERE_MAX];

	/* never the password a DSN may carry */
	ll_db_describe_dsn(cfg->dsn, shown, sizeof(shown));
	printf("database: configured (%s)\n",
	       cfg->file[0] && !getenv("LEDGERLINE_DSN") ? cfg->file
							 : "LEDGERLINE_DSN");
	printf("status: %s\n", p == PQPING_OK ? "accepting connections"
					      : "not reachable");
	printf("dsn: %s\n", shown);
	return LL_OK;
}

/* Print each path of f that is set, after prefix. */
static void print_files(FILE *out, const char *prefix,
			const struct ll_cluster_files *f)
{
	if (f->dir[0])
		fprintf(out, "%s%s (the cluster)\n", prefix, f->dir);
	if (f->log[0])
		fprintf(out, "%s%s (its log)\n", prefix, f->log);
	if (f->link[0])
		fprintf(out, "%s%s (link)\n", prefix, f->link);
	if (f->log_link[0])
		fprintf(out, "%s%s (link)\n", prefix, f->log_link);
}

static enum ll_status destroy(struct ll_cluster *cl, bool yes)
{
	struct ll_cluster_files f;
	struct ll_error err;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_cluster_destroy(cl, !yes, &f, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	if (!f.dir[0] && !f.link[0] && !f.log_link[0]) {
		printf("no embedded cluster in %s\n", cl->home);
		return LL_OK;
	}
	if (yes) {
		print_files(stdout, "removed: ", &f);
		return LL_OK;
	}
	fprintf(stderr, "ledgerline: db destroy removes the embedded cluster "
			"and every ledger in it:\n");
	print_files(stderr, "  ", &f);
	return ll_cli_fail(LL_USAGE, "nothing removed: run 'ledgerline db "
				     "destroy --yes' to remove them");
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "yes", no_argument, NULL, 'y' },
					      { NULL, 0, NULL, 0 } };
	const struct ll_config *cfg = &ctx->cfg;
	struct ll_cluster cl;
	struct ll_error err;
	enum ll_status rc;
	const char *action;
	bool running = false, yes = false;
	char dsn[LL_CLUSTER_DSN_MAX];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return ll_cli_help(usage);
		if (c == 'y') {
			yes = true;
			continue;
		}
		return ll_cli_usage_error("db", "invalid option");
	}
	if (argc - optind != 1)
		return ll_cli_usage_error("db", "expected one of start, stop, "
						"status, destroy");
	action = argv[optind];
	if (strcmp(action, "start") != 0 && strcmp(action, "stop") != 0 &&
	    strcmp(action, "status") != 0 && strcmp(action, "destroy") != 0)
		return ll_cli_usage_error("db", "unknown action '%s'", action);
	if (yes && strcmp(action, "destroy") != 0)
		return ll_cli_usage_error("db", "--yes goes with destroy only");
	ll_error_clear(&err);
	rc = ll_cli_open(ctx, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	if (cfg->dsn[0]) {
		if (strcmp(action, "status") == 0)
			return external_status(cfg);
		return ll_cli_fail(LL_USAGE,
				   "a database is configured (LEDGERLINE_DSN or "
				   "database.dsn): ledgerline manages only its "
				   "embedded cluster");
	}
	rc = ll_cluster_init(&cl, cfg->home, cfg->pg_bindir, cfg->pg_user,
			     &err);
	if (rc == LL_OK && strcmp(action, "destroy") == 0)
		return destroy(&cl, yes);
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

const struct ll_cmd ll_cmd_db = { "db", run, LL_CMD_CONFIG,
				  "start, stop or inspect the embedded database",
				  usage };
