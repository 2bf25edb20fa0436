/*
 * input.h — opening run inputs (SPEC §3: "every input path may be a file,
 * -, or an https:// URL") as rewindable file descriptors.
 *
 * Design decision: standard input and URLs are copied once into an
 * unlinked temporary file, so every input can be read twice (the
 * duplicate-id check may need a second pass), none is ever held in memory
 * whole, and a download is complete and verified before any of it counts.
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

/* Is spec an https:// URL? */
int ll_input_is_url(const char *spec);

/*
 * Open spec for reading from its start: a file path, "-" (standard input,
 * spooled), or an https:// URL (downloaded with libcurl: TLS verified,
 * https only, also for redirects; $LEDGERLINE_CA_FILE names extra trusted
 * CA certificates).  More than max_bytes is LL_INVALID.  *fd is the
 * caller's to close.  LL_IO for files, LL_NETWORK for downloads.
 */
enum ll_status ll_input_open(const char *spec, uint64_t max_bytes, int *fd,
			     struct ll_error *err);

/* ll_input_open, then read it all into a new NUL-terminated buffer. */
enum ll_status ll_input_read_all(const char *spec, size_t max_bytes,
				 char **out, size_t *len,
				 struct ll_error *err);

#endif
