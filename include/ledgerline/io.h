/*
 * io.h — reading whole inputs (a file path, "-" for standard input) with a
 * size limit, and writing files atomically.
 *
 * Design decision: every output file is written to a temporary name in the
 * same directory and renamed into place, so a reader never sees half a
 * file and an interrupted command leaves nothing behind under the final
 * name.
 */
#ifndef LEDGERLINE_IO_H
#define LEDGERLINE_IO_H

#include <stddef.h>

#include "ledgerline/status.h"

/*
 * Read all of spec ("-" = standard input) into a new NUL-terminated buffer
 * (*out, caller frees; *len excludes the NUL).  More than max_bytes is an
 * error (LL_INVALID).  Missing or unreadable files are LL_IO, with the
 * path and the system's reason in err.
 */
enum ll_status ll_read_all(const char *spec, size_t max_bytes, char **out,
			   size_t *len, struct ll_error *err);

/* Write all len bytes to fd, retrying short writes and EINTR; LL_IO with
 * errno set on failure. */
enum ll_status ll_write_all(int fd, const void *data, size_t len);

/* Write data to path atomically (temp file + fsync + rename), mode 0644
 * (0600 when private is non-zero). */
enum ll_status ll_write_atomic(const char *path, const void *data, size_t len,
			       int private_mode, struct ll_error *err);

/* Write data to path, which must not exist yet, mode 0644, without
 * making it durable (see ll_fsync_path): for a private directory whose
 * files are published only once every one is written and made durable.
 * On failure the file is removed. */
enum ll_status ll_write_new(const char *path, const void *data, size_t len,
			    struct ll_error *err);

/* Make the file at path durable (fsync through a descriptor of its own). */
enum ll_status ll_fsync_path(const char *path, struct ll_error *err);

/* mkdir -p with the given mode for the directories it creates. */
enum ll_status ll_mkdir_p(const char *path, unsigned mode,
			  struct ll_error *err);

#endif
