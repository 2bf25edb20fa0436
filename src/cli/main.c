/*
 * main.c — ledgerline's entry point: global options and the command table.
 *
 * Design decision: commands are rows of a table ({name, fn, flags,
 * summary, usage}, in cmd_<name>.c); adding a command is one file
 * src/cli/cmd_<name>.c and one row here.  The flags say what the command
 * needs opened (cli.h); main hands it a context and releases the context
 * when the command returns, rolling back what it did not commit.  The
 * exit code comes only from the status a command returns, and a failed
 * flush of stdout (a full disk, a closed pipe) is itself an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ledgerline/cli.h"
#include "ledgerline/hotmem.h"
#include "ledgerline/hugemem.h"

#ifndef LL_VERSION
#define LL_VERSION "0.0.0"
#endif

static const struct ll_cmd *const commands[] = {
	&ll_cmd_init,
	&ll_cmd_load,
	&ll_cmd_run,
	&ll_cmd_tally,
	&ll_cmd_verify,
	&ll_cmd_reconcile,
	&ll_cmd_balance,
	&ll_cmd_payments,
	&ll_cmd_audit,
	&ll_cmd_keygen,
	&ll_cmd_db,
	&ll_cmd_grant,
	&ll_cmd_revoke,
	&ll_cmd_disclose,
	&ll_cmd_deliver,
	&ll_cmd_report,
};

static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

static const struct ll_cmd *find(const char *name)
{
	size_t i;

	for (i = 0; i < n_commands; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

static void usage(FILE *out)
{
	size_t i;

	fputs("usage: ledgerline [--version] [--help] COMMAND [ARGS]\n"
	      "\n"
	      "Royalty attribution and compensation ledger for AI music.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (i = 0; i < n_commands; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
	fputs("  help       show the help of a command\n"
	      "\n"
	      "'ledgerline help COMMAND' or 'ledgerline COMMAND --help' "
	      "describes one command.\n"
	      "Exit codes: 0 ok, 1 findings, 2 usage, 3 invalid input, "
	      "4 database, 5 network, 6 internal.\n",
	      out);
}

static int finish(enum ll_status rc)
{
	int code = ll_status_exit_code(rc);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ledgerline: cannot write output: %s\n",
			strerror(errno));
		if (code == 0)
			code = ll_status_exit_code(LL_IO);
	}
	return code;
}

/* Run cmd with what its flags ask for, and end that in one place. */
static enum ll_status run_command(const struct ll_cmd *cmd, int argc,
				  char **argv)
{
	struct ll_cli_ctx ctx;
	enum ll_status rc;

	ll_cli_ctx_init(&ctx, cmd->flags);
	rc = cmd->fn(&ctx, argc, argv);
	ll_cli_ctx_release(&ctx);
	return rc;
}

int main(int argc, char **argv)
{
	const struct ll_cmd *cmd;

	ll_hot_install(ll_huge_calloc, ll_huge_free);
	if (argc < 2) {
		usage(stderr);
		return finish(LL_USAGE);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return finish(LL_OK);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ledgerline %s\n", LL_VERSION);
		return finish(LL_OK);
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return finish(LL_OK);
		}
		cmd = find(argv[2]);
		if (!cmd)
			return finish(ll_cli_fail(
				LL_USAGE, "unknown command '%s' (see 'ledgerline --help')",
				argv[2]));
		return finish(ll_cli_help(cmd->usage));
	}
	cmd = find(argv[1]);
	if (!cmd)
		return finish(ll_cli_fail(
			LL_USAGE, "unknown command '%s' (see 'ledgerline --help')",
			argv[1]));
	return finish(run_command(cmd, argc - 1, argv + 1));
}
