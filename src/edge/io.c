/*
 * io.c — whole-input reads with limits and atomic writes (io.h).
 *
 * Design decision: reads go through one loop over read(2) for files and
 * pipes alike, so "-" and a path share every limit and error message.
 */
#include "ledgerline/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum ll_status ll_read_all(const char *spec, size_t max_bytes, char **out,
			   size_t *len, struct ll_error *err)
{
	int fd;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	enum ll_status rc = LL_OK;
	int is_stdin = strcmp(spec, "-") == 0;

	*out = NULL;
	*len = 0;
	fd = is_stdin ? STDIN_FILENO : open(spec, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ll_error_set(err, LL_IO, spec, 0, NULL,
				    "cannot open: %s", strerror(errno));
	for (;;) {
		ssize_t k;

		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb;

			/* room for max_bytes + 1 (to see that it is too
			 * much) + the NUL, without overflowing */
			if (max_bytes < SIZE_MAX - 2 && ncap > max_bytes + 2)
				ncap = max_bytes + 2;
			if (ncap <= n + 1) {
				rc = ll_error_set(err, LL_INVALID, spec, 0,
						  NULL,
						  "larger than the limit of %zu bytes",
						  max_bytes);
				goto out;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				rc = ll_error_set(err, LL_NOMEM, spec, 0, NULL,
						  "out of memory reading");
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		k = read(fd, buf + n, cap - 1 - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			rc = ll_error_set(err, LL_IO, spec, 0, NULL,
					  "cannot read: %s", strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max_bytes) {
			rc = ll_error_set(err, LL_INVALID, spec, 0, NULL,
					  "larger than the limit of %zu bytes",
					  max_bytes);
			goto out;
		}
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf) {
			rc = ll_error_set(err, LL_NOMEM, spec, 0, NULL,
					  "out of memory reading");
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	if (!is_stdin)
		close(fd);
	return rc;
}

enum ll_status ll_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return LL_IO;
		}
		p += w;
		len -= (size_t)w;
	}
	return LL_OK;
}

enum ll_status ll_write_atomic(const char *path, const void *data, size_t len,
			       int private_mode, struct ll_error *err)
{
	char tmp[PATH_MAX];
	int fd, k;

	k = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (k < 0 || (size_t)k >= sizeof(tmp))
		return ll_error_set(err, LL_IO, path, 0, NULL, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  private_mode ? 0600 : 0644);
	if (fd < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot create: %s", strerror(errno));
	if (ll_write_all(fd, data, len) != LL_OK)
		goto fail;
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return LL_OK;
fail:
	k = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ll_error_set(err, LL_IO, path, 0, NULL, "cannot write: %s",
			    strerror(k));
}

enum ll_status ll_mkdir_p(const char *path, unsigned mode,
			  struct ll_error *err)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "invalid directory path");
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) != 0) {
			struct stat st;

			if (errno != EEXIST)
				return ll_error_set(err, LL_IO, buf, 0, NULL,
						    "cannot create directory: %s",
						    strerror(errno));
			if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
				return ll_error_set(err, LL_IO, buf, 0, NULL,
						    "exists and is not a "
						    "directory");
		}
		buf[i] = i == n ? '\0' : '/';
	}
	return LL_OK;
}
