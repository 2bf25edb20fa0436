/*
 * cli.h — what the commands share: the command table's entry type and
 * its flags, the context that carries what main opened for a command,
 * printing errors in the SPEC §6 form, and option helpers.  Used only by
 * src/cli/main.c and src/cli/cmd_*.c (the shell around the library).
 *
 * Design decision: commands return a status, never an exit code; main()
 * maps it with ll_status_exit_code(), so the exit-code contract lives in
 * one place.  Likewise the configuration, the database connection and
 * the transaction a command asks for in its flags are opened by one
 * function (ll_cli_open) and rolled back and closed by one
 * (ll_cli_ctx_release, called by main), never by the command itself.
 */
#ifndef LEDGERLINE_CLI_H
#define LEDGERLINE_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "ledgerline/config.h"
#include "ledgerline/db.h"
#include "ledgerline/progress.h"
#include "ledgerline/status.h"

/*
 * What a command needs opened, the flags of its row in the command table
 * (as git's RUN_SETUP).  Each implies the ones before it: a transaction
 * needs a connection, a connection the configuration.
 */
enum {
	LL_CMD_CONFIG = 1 << 0,	/* read the configuration */
	LL_CMD_DB = 1 << 1,	/* connect; the schema must be up to date */
	LL_CMD_DB_ADMIN = 1 << 2,	/* connect as the schema owner, whatever
					 * the schema (init) */
	LL_CMD_TX = 1 << 3,	/* begin a transaction */
};

/*
 * What main hands a command: its flags and, once ll_cli_open succeeded,
 * what they asked for.  The command opens when it is ready (after its
 * arguments are checked, so --help and usage errors need neither a
 * configuration nor a database) and commits when it must
 * (ll_cli_commit); main releases the context after the command returns.
 */
struct ll_cli_ctx {
	unsigned flags;		/* LL_CMD_* */
	bool opened;		/* ll_cli_open succeeded */
	bool in_tx;		/* a transaction is open: rolled back on release */
	struct ll_config cfg;	/* with LL_CMD_CONFIG */
	struct ll_db db;	/* with LL_CMD_DB or LL_CMD_DB_ADMIN */
};

struct ll_cmd {
	const char *name;
	enum ll_status (*fn)(struct ll_cli_ctx *ctx, int argc, char **argv);
	unsigned flags;		/* LL_CMD_*: what main opens for it */
	const char *summary;
	const char *usage;	/* full --help text */
};

void ll_cli_ctx_init(struct ll_cli_ctx *ctx, unsigned flags);
/* Open what ctx->flags ask for, in order: the configuration, the
 * connection, the transaction.  Prints nothing: on failure err says why,
 * and whatever was opened is closed again by ll_cli_ctx_release. */
enum ll_status ll_cli_open(struct ll_cli_ctx *ctx, struct ll_error *err);
/* Commit the transaction ll_cli_open began; on failure it stays open and
 * is rolled back on release. */
enum ll_status ll_cli_commit(struct ll_cli_ctx *ctx, struct ll_error *err);
/* Roll back what was not committed and close the connection. */
void ll_cli_ctx_release(struct ll_cli_ctx *ctx);

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
	ll_cmd_balance, ll_cmd_payments, ll_cmd_audit, ll_cmd_keygen, ll_cmd_db;
extern const struct ll_cmd ll_cmd_reconcile, ll_cmd_grant, ll_cmd_revoke,
	ll_cmd_disclose, ll_cmd_deliver;
extern const struct ll_cmd ll_cmd_report;
extern const struct ll_cmd ll_cmd_tally;

#endif
