/*
 * cli.h — what the commands share: the command table's entry type,
 * printing errors in the SPEC §6 form, and option helpers.  Used only by
 * src/cli/main.c and src/cli/cmd_*.c (the shell around the library).
 *
 * Design decision: commands return a status, never an exit code; main()
 * maps it with ll_status_exit_code(), so the exit-code contract lives in
 * one place.
 */
#ifndef LEDGERLINE_CLI_H
#define LEDGERLINE_CLI_H

#include <stdbool.h>

#include "ledgerline/status.h"

struct ll_cmd {
	const char *name;
	enum ll_status (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;	/* full --help text */
};

/* Print "ledgerline: FILE:LINE: FIELD: message" to stderr. */
void ll_cli_print_error(const struct ll_error *err);
/* Print every error of l, then "... and N more" when some were dropped. */
void ll_cli_print_errlist(const struct ll_errlist *l);
/* Print "ledgerline: <formatted>" to stderr and return code. */
enum ll_status ll_cli_fail(enum ll_status code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print a usage error with a hint to --help and return LL_USAGE. */
enum ll_status ll_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the usage text of a command to stdout and return LL_OK. */
enum ll_status ll_cli_help(const char *usage);
/* Draw progress lines (on stderr)?  Only when stdout and stderr are both
 * a terminal, never in pipes, files or CI. */
bool ll_cli_progress_enabled(void);

/* The commands. */
extern const struct ll_cmd ll_cmd_init, ll_cmd_load, ll_cmd_run, ll_cmd_verify,
	ll_cmd_balance, ll_cmd_audit, ll_cmd_keygen, ll_cmd_db;

#endif
