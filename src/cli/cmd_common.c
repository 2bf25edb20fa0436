/*
 * cmd_common.c — what the commands share (cli.h): opening and releasing
 * what a command's flags ask for, printing helpers, and the progress line
 * they draw for the library's progress reports.
 *
 * Design decision: only this file and main.c write diagnostics, always to
 * stderr and always prefixed "ledgerline: ", so every message a user or a
 * script sees has one shape; and because they all pass through here, a
 * progress line on the screen is cleared before any of them is printed.
 * The configuration, connection and transaction of every command are
 * opened in ll_cli_open and ended in ll_cli_ctx_release, the one place
 * where what a command connects with can change.
 */
#include "ledgerline/cli.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- what a command's flags open ------------------------------------- */

void ll_cli_ctx_init(struct ll_cli_ctx *ctx, unsigned flags)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->flags = flags;
}

enum ll_status ll_cli_open(struct ll_cli_ctx *ctx, struct ll_error *err)
{
	unsigned f = ctx->flags;
	bool db = (f & (LL_CMD_DB | LL_CMD_TX)) != 0;
	enum ll_status rc = LL_OK;

	assert(!ctx->opened && f != 0);
	assert(!(db && (f & LL_CMD_DB_ADMIN)));
	rc = ll_config_load(&ctx->cfg, err);
	if (rc == LL_OK && (f & LL_CMD_DB_ADMIN))
		rc = ll_db_open(&ctx->db, &ctx->cfg, LL_DB_ADMIN, err);
	else if (rc == LL_OK && db)
		rc = ll_db_open_ready(&ctx->db, &ctx->cfg, err);
	if (rc == LL_OK && (f & LL_CMD_TX)) {
		rc = ll_db_begin(&ctx->db, err);
		ctx->in_tx = rc == LL_OK;
	}
	ctx->opened = rc == LL_OK;
	return rc;
}

enum ll_status ll_cli_commit(struct ll_cli_ctx *ctx, struct ll_error *err)
{
	enum ll_status rc;

	assert(ctx->in_tx);
	rc = ll_db_commit(&ctx->db, err);
	if (rc == LL_OK)
		ctx->in_tx = false;
	return rc;
}

void ll_cli_ctx_release(struct ll_cli_ctx *ctx)
{
	if (ctx->in_tx)
		ll_db_rollback(&ctx->db);
	ctx->in_tx = false;
	ll_db_close(&ctx->db);
	ctx->opened = false;
}

/* ---- messages ---------------------------------------------------------- */

/* The progress line now on stderr, not ended with a newline; NULL when
 * none. */
static struct ll_cli_progress *drawing;

/* Wipe a progress line off the screen before a message is printed. */
static void progress_clear(void)
{
	if (!drawing)
		return;
	fputs("\r\033[K", stderr);
	drawing->drawn = false;
	drawing = NULL;
}

void ll_cli_print_error(const struct ll_error *err)
{
	char buf[LL_ERROR_SOURCE_MAX + LL_ERROR_FIELD_MAX + LL_ERROR_TEXT_MAX +
		 64];

	ll_error_format(err, buf, sizeof(buf));
	progress_clear();
	fprintf(stderr, "ledgerline: %s\n", buf);
}

void ll_cli_print_errlist(const struct ll_errlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ll_cli_print_error(&l->v[i]);
	progress_clear();
	if (l->dropped)
		fprintf(stderr, "ledgerline: ... and %zu more error%s\n",
			l->dropped, l->dropped == 1 ? "" : "s");
}

enum ll_status ll_cli_fail(enum ll_status code, const char *fmt, ...)
{
	va_list ap;

	progress_clear();
	fputs("ledgerline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

enum ll_status ll_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	progress_clear();
	fputs("ledgerline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: see 'ledgerline %s --help'\n", cmd);
	return LL_USAGE;
}

enum ll_status ll_cli_set_once(const char *cmd, const char *opt,
			       const char **slot, const char *value)
{
	if (*slot)
		return ll_cli_usage_error(cmd, "%s: %s given twice", cmd, opt);
	*slot = value;
	return LL_OK;
}

enum ll_status ll_cli_help(const char *usage)
{
	fputs(usage, stdout);
	return LL_OK;
}

bool ll_cli_progress_enabled(void)
{
	/* a person is watching: both streams are the terminal */
	return isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1;
}

/* ---- the progress line ------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* s seconds as "M:SS" or "H:MM:SS". */
static void fmt_duration(char *buf, size_t size, uint64_t s)
{
	if (s >= 3600)
		snprintf(buf, size, "%llu:%02llu:%02llu",
			 (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, size, "%llu:%02llu", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
}

/* bytes as MB (10^6) with one decimal. */
static void fmt_mb(char *buf, size_t size, uint64_t bytes)
{
	uint64_t tenths = bytes / 100000;

	snprintf(buf, size, "%llu.%llu", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10));
}

/* The reading phase: how far, how fast, how long left. */
static void fmt_reading(const struct ll_cli_progress *p, int64_t ms,
			char *line, size_t size)
{
	uint64_t rate = ms > 0 ? p->done * 1000 / (uint64_t)ms : 0;
	char done[32], total[32], mbs[32], left[32];

	fmt_mb(done, sizeof(done), p->done);
	fmt_mb(mbs, sizeof(mbs), rate);
	if (!p->total) {
		snprintf(line, size, "reading  %s MB  %s MB/s  %llu events",
			 done, mbs, (unsigned long long)p->events);
		return;
	}
	fmt_mb(total, sizeof(total), p->total);
	if (p->done >= p->total)
		snprintf(left, sizeof(left), "0:00");
	else if (rate > 0)
		fmt_duration(left, sizeof(left), (p->total - p->done) / rate);
	else
		snprintf(left, sizeof(left), "?");
	snprintf(line, size,
		 "reading %3llu%%  %s of %s MB  %s MB/s  %s left  %llu events",
		 (unsigned long long)(p->done >= p->total
					      ? 100
					      : p->done * 100 / p->total),
		 done, total, mbs, left, (unsigned long long)p->events);
}

static void draw(struct ll_cli_progress *p, int64_t t)
{
	char line[256], el[32];

	if (p->phase == LL_PHASE_READING) {
		fmt_reading(p, t - p->phase_ms, line, sizeof(line));
	} else {
		fmt_duration(el, sizeof(el), (uint64_t)(t - p->start_ms) / 1000);
		snprintf(line, sizeof(line), "%s  %llu events  %s",
			 ll_phase_name(p->phase),
			 (unsigned long long)p->events, el);
	}
	fprintf(stderr, "\r\033[Kledgerline: %s", line);
	fflush(stderr);
	p->last_ms = t;
	p->drawn = true;
	drawing = p;
}

void ll_cli_progress_init(struct ll_cli_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->on = ll_cli_progress_enabled();
	p->start_ms = now_ms();
}

void ll_cli_progress_cb(void *user, enum ll_phase phase, uint64_t bytes_done,
			uint64_t bytes_total, uint64_t events)
{
	struct ll_cli_progress *p = user;
	int64_t t;
	bool change;

	if (!p->on)
		return;
	t = now_ms();
	change = !p->started || phase != p->phase;
	if (change) {
		p->phase = phase;
		p->phase_ms = t;
		p->started = true;
	}
	p->done = bytes_done;
	p->total = bytes_total;
	p->events = events;
	/* a new phase and the end of the input are always shown */
	if (change || t - p->last_ms >= LL_CLI_PROGRESS_REDRAW_MS ||
	    (bytes_total && bytes_done == bytes_total))
		draw(p, t);
}

void ll_cli_progress_phase(struct ll_cli_progress *p, enum ll_phase phase)
{
	ll_cli_progress_cb(p, phase, p->done, p->total, p->events);
}

void ll_cli_progress_end(struct ll_cli_progress *p)
{
	char el[32], mb[32];

	if (!p->on)
		return;
	p->on = false;
	if (!p->started)
		return;
	fmt_duration(el, sizeof(el), (uint64_t)(now_ms() - p->start_ms) / 1000);
	fmt_mb(mb, sizeof(mb), p->done);
	fprintf(stderr, "\r\033[Kledgerline: done in %s: %s MB read, %llu "
			"events\n",
		el, mb, (unsigned long long)p->events);
	fflush(stderr);
	p->drawn = false;
	if (drawing == p)
		drawing = NULL;
}
