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
 * For a command flagged LL_CMD_BIG_HEAP, main first starts the program
 * again, once, so that glibc backs the heap with transparent huge pages
 * (heap_on_huge_pages).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/cli.h"

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

/* Set by heap_on_huge_pages for the program it starts again: "-" when
 * the caller had no GLIBC_TUNABLES, "+" and its value when it had. */
static const char CALLER_TUNABLES[] = "LEDGERLINE_CALLER_TUNABLES";
static const char HUGE_TUNABLE[] = "glibc.malloc.hugetlb=1";

/* Whether the kernel gives transparent huge pages to a region that asks
 * for them ("always" or "madvise" chosen, not "never"). */
static bool huge_pages_offered(void)
{
	char mode[256];
	ssize_t n;
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, mode, sizeof(mode) - 1);
	close(fd);
	if (n <= 0)
		return false;
	mode[n] = '\0';
	return strstr(mode, "[never]") == NULL;
}

/*
 * The heap on transparent huge pages.  A run's memory is first touched a
 * 4 KiB page at a time, each a page fault: about 64,000 in the bench's
 * run of 10^6 events, from the registry's records, the tallies' slots,
 * the statements and the read buffers.  On a virtual machine a fault
 * costs the kernel several microseconds; with the heap on 2 MiB pages
 * the faults halved (64,000 to 31,000) and the bench's run at 10^6
 * events took 3-11 % less time in five runs side by side
 * (docs/scale.md).  glibc does this when the tunable
 * glibc.malloc.hugetlb=1 is set, and reads tunables only when a program
 * starts: so the program starts itself again, once, with the tunable
 * added to the caller's GLIBC_TUNABLES, and the restarted program puts
 * the caller's value back before anything reads it.  Nothing happens
 * when the caller's GLIBC_TUNABLES already sets glibc.malloc.hugetlb,
 * when the kernel offers no huge pages, or when the restart fails (the
 * program goes on as it was started).  Only for the commands that read a
 * period's inputs: starting again costs about 10 ms (the shared
 * libraries loaded twice), more than a small command gains.
 */
static void heap_on_huge_pages(char **argv)
{
	const char *was = getenv(CALLER_TUNABLES);
	const char *t = getenv("GLIBC_TUNABLES");
	char *tunables, *mark;
	size_t n;

	if (was) {		/* the program started again */
		if (was[0] == '+')
			setenv("GLIBC_TUNABLES", was + 1, 1);
		else
			unsetenv("GLIBC_TUNABLES");
		unsetenv(CALLER_TUNABLES);
		return;
	}
	if ((t && strstr(t, "glibc.malloc.hugetlb")) || !huge_pages_offered())
		return;
	n = (t ? strlen(t) : 0) + sizeof(HUGE_TUNABLE) + 1;
	tunables = malloc(n);
	mark = malloc(n);
	if (!tunables || !mark) {
		free(tunables);
		free(mark);
		return;
	}
	snprintf(tunables, n, "%s%s%s", t && t[0] ? t : "",
		 t && t[0] ? ":" : "", HUGE_TUNABLE);
	snprintf(mark, n, "%s%s", t ? "+" : "-", t ? t : "");
	if (setenv(CALLER_TUNABLES, mark, 1) == 0 &&
	    setenv("GLIBC_TUNABLES", tunables, 1) == 0)
		execv("/proc/self/exe", argv);
	/* not started again: the environment as the caller gave it */
	if (t)
		setenv("GLIBC_TUNABLES", mark + 1, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	unsetenv(CALLER_TUNABLES);
	free(tunables);
	free(mark);
}

int main(int argc, char **argv)
{
	const struct ll_cmd *cmd;

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
	if (cmd->flags & LL_CMD_BIG_HEAP)
		heap_on_huge_pages(argv);
	return finish(run_command(cmd, argc - 1, argv + 1));
}
