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

/* What ll_read_all has read so far: n bytes in buf of cap. */
struct readbuf {
	char *buf;	/* owned; NULL until the first read */
	size_t cap, n;
};

/*
 * Make room for more than rb->n bytes and a NUL: double the buffer, but
 * never past max_bytes + 1 (to see that it is too much) + the NUL,
 * without overflowing.  LL_INVALID when no more room is allowed.
 */
static enum ll_status readbuf_grow(struct readbuf *rb, size_t max_bytes,
				   const char *spec, struct ll_error *err)
{
	size_t ncap = rb->cap ? rb->cap * 2 : 65536;
	char *nb;

	if (max_bytes < SIZE_MAX - 2 && ncap > max_bytes + 2)
		ncap = max_bytes + 2;
	if (ncap <= rb->n + 1)
		return ll_error_set(err, LL_INVALID, spec, 0, NULL,
				    "larger than the limit of %zu bytes",
				    max_bytes);
	nb = realloc(rb->buf, ncap);
	if (!nb)
		return ll_error_set(err, LL_NOMEM, spec, 0, NULL,
				    "out of memory reading");
	rb->buf = nb;
	rb->cap = ncap;
	return LL_OK;
}

/* Read fd to its end into rb, at most max_bytes. */
static enum ll_status readbuf_fill(struct readbuf *rb, int fd,
				   size_t max_bytes, const char *spec,
				   struct ll_error *err)
{
	enum ll_status rc;

	for (;;) {
		ssize_t k;

		if (rb->n + 1 >= rb->cap) {
			rc = readbuf_grow(rb, max_bytes, spec, err);
			if (rc != LL_OK)
				return rc;
		}
		k = read(fd, rb->buf + rb->n, rb->cap - 1 - rb->n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return ll_error_set(err, LL_IO, spec, 0, NULL,
					    "cannot read: %s", strerror(errno));
		}
		if (k == 0)
			return LL_OK;
		rb->n += (size_t)k;
		if (rb->n > max_bytes)
			return ll_error_set(err, LL_INVALID, spec, 0, NULL,
					    "larger than the limit of %zu bytes",
					    max_bytes);
	}
}

enum ll_status ll_read_all(const char *spec, size_t max_bytes, char **out,
			   size_t *len, struct ll_error *err)
{
	struct readbuf rb = { NULL, 0, 0 };
	enum ll_status rc;
	int is_stdin = strcmp(spec, "-") == 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = is_stdin ? STDIN_FILENO : open(spec, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ll_error_set(err, LL_IO, spec, 0, NULL,
				    "cannot open: %s", strerror(errno));
	rc = readbuf_fill(&rb, fd, max_bytes, spec, err);
	if (rc == LL_OK && !rb.buf) {
		rb.buf = malloc(1);
		if (!rb.buf)
			rc = ll_error_set(err, LL_NOMEM, spec, 0, NULL,
					  "out of memory reading");
	}
	if (rc == LL_OK) {
		rb.buf[rb.n] = '\0';
		*out = rb.buf;
		*len = rb.n;
		rb.buf = NULL;
	}
	free(rb.buf);
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

enum ll_status ll_write_new(const char *path, const void *data, size_t len,
			    struct ll_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int k;

	if (fd < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot create: %s", strerror(errno));
	if (ll_write_all(fd, data, len) == LL_OK) {
		if (close(fd) == 0)
			return LL_OK;
		fd = -1;
	}
	k = errno;
	if (fd >= 0)
		close(fd);
	unlink(path);
	return ll_error_set(err, LL_IO, path, 0, NULL, "cannot write: %s",
			    strerror(k));
}

enum ll_status ll_fsync_path(const char *path, struct ll_error *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int k;

	if (fd < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot open: %s", strerror(errno));
	if (fsync(fd) != 0) {
		k = errno;
		close(fd);
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot make durable: %s", strerror(k));
	}
	if (close(fd) != 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot make durable: %s",
				    strerror(errno));
	return LL_OK;
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
