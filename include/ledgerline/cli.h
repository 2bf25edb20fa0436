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
#include <stdint.h>

#include "ledgerline/progress.h"
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
/* Take value for the single-valued option opt of command cmd into *slot;
 * a second occurrence is a usage error ("run: --period given twice"),
 * never a silent override. */
enum ll_status ll_cli_set_once(const char *cmd, const char *opt,
			       const char **slot, const char *value);
/* Print the usage text of a command to stdout and return LL_OK. */
enum ll_status ll_cli_help(const char *usage);
/* Draw progress lines (on stderr)?  Only when stdout and stderr are both
 * a terminal, never in pipes, files or CI. */
bool ll_cli_progress_enabled(void);

/*
 * A progress line on stderr for long work (SPEC §6: what it is doing, how
 * far, how long left): the phase, and while reading the percentage of
 * the known total, MB read, the rate and the time left.  Redrawn in
 * place (\r, line cleared) at most every LL_CLI_PROGRESS_REDRAW_MS, on
 * every change of phase and when the input is all read; ended with a
 * newline.  Does nothing unless
 * ll_cli_progress_enabled() held at init.  Errors printed through this
 * file while a line is drawn clear it first.
 */
enum { LL_CLI_PROGRESS_REDRAW_MS = 250 };

struct ll_cli_progress {
	bool on;		/* a person is watching */
	bool drawn;		/* a line is on the screen, not ended */
	bool started;		/* a phase has been reported */
	enum ll_phase phase;
	int64_t start_ms, phase_ms, last_ms;
	uint64_t done, total, events;
};

void ll_cli_progress_init(struct ll_cli_progress *p);
/* The library's ll_progress_fn; user is a struct ll_cli_progress. */
void ll_cli_progress_cb(void *user, enum ll_phase phase, uint64_t bytes_done,
			uint64_t bytes_total, uint64_t events);
/* Enter a phase that counts no bytes (settling, signing, ...). */
void ll_cli_progress_phase(struct ll_cli_progress *p, enum ll_phase phase);
/* The last line, with the time taken, and a newline; idempotent. */
void ll_cli_progress_end(struct ll_cli_progress *p);

/* The commands. */
extern const struct ll_cmd ll_cmd_init, ll_cmd_load, ll_cmd_run, ll_cmd_verify,
	ll_cmd_balance, ll_cmd_audit, ll_cmd_keygen, ll_cmd_db;

#endif
