/*
 * cmd_common.c — printing helpers shared by the commands (cli.h).
 *
 * Design decision: only this file and main.c write diagnostics, always to
 * stderr and always prefixed "ledgerline: ", so every message a user or a
 * script sees has one shape.
 */
#include "ledgerline/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void ll_cli_print_error(const struct ll_error *err)
{
	char buf[LL_ERROR_SOURCE_MAX + LL_ERROR_FIELD_MAX + LL_ERROR_TEXT_MAX +
		 64];

	ll_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "ledgerline: %s\n", buf);
}

void ll_cli_print_errlist(const struct ll_errlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ll_cli_print_error(&l->v[i]);
	if (l->dropped)
		fprintf(stderr, "ledgerline: ... and %zu more error%s\n",
			l->dropped, l->dropped == 1 ? "" : "s");
}

enum ll_status ll_cli_fail(enum ll_status code, const char *fmt, ...)
{
	va_list ap;

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

	fputs("ledgerline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: see 'ledgerline %s --help'\n", cmd);
	return LL_USAGE;
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
