/*
 * input.h — opening run inputs (SPEC §3: "every input path may be a file,
 * -, or an https:// URL") as rewindable file descriptors.
 *
 * Design decision: standard input, pipes, devices and URLs are copied
 * once into an unlinked temporary file, so every input can be read twice
 * (the duplicate-id check may need a second pass), none is ever held in
 * memory whole, and a download is complete and verified before any of it
 * counts.  The copy enforces the limits as it goes, so an endless stream
 * is refused without being read to its end.
 */
#ifndef LEDGERLINE_INPUT_H
#define LEDGERLINE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

enum {
	LL_FETCH_TIMEOUT_CONNECT_S = 30,
	LL_FETCH_REDIRECTS_MAX = 5,
};

/*
 * How much of each kind of input is read (docs/ledgerline.1, LIMITS); more
 * is invalid input.  The line limit of generation logs is
 * LL_EVENT_LINE_BYTES_MAX (event.h).
 *
 * LL_LOG_SPOOL_BYTES_MAX: one generation log from standard input, a pipe,
 * a device or https://, copied to a temporary file before it is read (a
 * regular file is read where it is, whatever its size).
 * LL_MANIFEST_BYTES_MAX: one training manifest, held in memory whole.
 * LL_REGISTRY_BYTES_MAX: one registry file given to load, held in memory
 * whole.
 */
#define LL_LOG_SPOOL_BYTES_MAX (UINT64_C(64) << 30)	/* 64 GiB */
#define LL_MANIFEST_BYTES_MAX ((size_t)256 << 20)	/* 256 MiB */
#define LL_REGISTRY_BYTES_MAX ((size_t)256 << 20)	/* 256 MiB */

/* Is spec an https:// URL? */
int ll_input_is_url(const char *spec);

/*
 * Open spec for reading from its start: a regular file (used in place,
 * whatever its size), "-" (standard input), a pipe or device, or an
 * https:// URL (downloaded with libcurl: TLS verified, https only, also
 * for redirects; $LEDGERLINE_CA_FILE names extra trusted CA
 * certificates).  All but regular files are copied to a temporary file as
 * they arrive, and the copy stops with LL_INVALID as soon as it passes
 * spool_bytes_max bytes or has a line longer than line_bytes_max (0: no
 * line limit; err->line names the line), so an endless stream is never
 * read to its end.  Errors name spec as given ("-" only for standard
 * input).  *fd is the caller's to close.  LL_IO for files, LL_NETWORK for
 * downloads.
 */
enum ll_status ll_input_open(const char *spec, uint64_t spool_bytes_max,
			     size_t line_bytes_max, int *fd,
			     struct ll_error *err);

/* Read all of spec into a new NUL-terminated buffer: ll_read_all (io.h)
 * for files, pipes and "-", read as they arrive; an https:// URL is
 * downloaded first.  More than max_bytes is LL_INVALID. */
enum ll_status ll_input_read_all(const char *spec, size_t max_bytes,
				 char **out, size_t *len,
				 struct ll_error *err);

#endif
