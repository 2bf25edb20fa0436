/*
 * input.c — files, standard input and https:// URLs as rewindable
 * descriptors (input.h).
 *
 * Design decision: libcurl writes straight into the temporary file with a
 * byte limit enforced in the write callback, so a hostile or broken server
 * can neither fill memory nor the disk beyond what the caller allowed.
 */
#include "ledgerline/input.h"

#include "ledgerline/io.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ll_input_is_url(const char *spec)
{
	return strncmp(spec, "https://", 8) == 0;
}

static int temp_fd(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (!dir || !dir[0])
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && strcmp(dir, "/tmp") != 0)
		fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return fd;
}

/*
 * Watching line lengths as bytes go by, so that an endless stream with no
 * newline (/dev/zero) is refused after one line's worth of bytes, not
 * after the whole byte limit.
 */
struct line_watch {
	size_t max;		/* 0: no line limit */
	size_t cur;		/* bytes of the current line so far */
	long line;		/* its number */
};

static void watch_init(struct line_watch *w, size_t line_bytes_max)
{
	w->max = line_bytes_max;
	w->cur = 0;
	w->line = 1;
}

/* Account for p[0, n); false when the current line went over the limit. */
static bool watch(struct line_watch *w, const char *p, size_t n)
{
	if (w->max == 0)
		return true;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) : n;

		if (seg > w->max - w->cur)
			return false;
		if (!nl) {
			w->cur += seg;
			return true;
		}
		w->cur = 0;
		w->line++;
		p = nl + 1;
		n -= seg + 1;
	}
	return true;
}

static enum ll_status line_too_long(const struct line_watch *w,
				    const char *name, struct ll_error *err)
{
	return ll_error_set(err, LL_INVALID, name, w->line, NULL,
			    "line longer than %zu bytes", w->max);
}

/* Copy the stream from into the file to, at most max_bytes, no line
 * longer than line_bytes_max (0: any); name is for messages. */
static enum ll_status spool(int from, const char *name, int to,
			    uint64_t max_bytes, size_t line_bytes_max,
			    struct ll_error *err)
{
	char buf[65536];
	uint64_t total = 0;
	struct line_watch w;

	watch_init(&w, line_bytes_max);
	for (;;) {
		ssize_t k = read(from, buf, sizeof(buf));

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return ll_error_set(err, LL_IO, name, 0, NULL,
					    "cannot read: %s", strerror(errno));
		}
		if (k == 0)
			return LL_OK;
		total += (uint64_t)k;
		if (total > max_bytes)
			return ll_error_set(err, LL_INVALID, name, 0, NULL,
					    "larger than the limit of %llu bytes",
					    (unsigned long long)max_bytes);
		if (!watch(&w, buf, (size_t)k))
			return line_too_long(&w, name, err);
		if (ll_write_all(to, buf, (size_t)k) != LL_OK)
			return ll_error_set(err, LL_IO, name, 0, NULL,
					    "cannot copy to a temporary file: "
					    "%s",
					    strerror(errno));
	}
}

/* ---- https ------------------------------------------------------------ */

struct sink {
	int fd;
	uint64_t total, max;
	struct line_watch lines;
	int too_big, too_long, io_error;
};

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	s->total += n;
	if (s->total > s->max) {
		s->too_big = 1;
		return 0; /* aborts the transfer */
	}
	if (!watch(&s->lines, ptr, n)) {
		s->too_long = 1;
		return 0;
	}
	if (ll_write_all(s->fd, ptr, n) != LL_OK) {
		s->io_error = 1;
		return 0;
	}
	return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static enum ll_status fetch(const char *url, int fd, uint64_t max_bytes,
			    size_t line_bytes_max, struct ll_error *err)
{
	struct sink s = { fd, 0, max_bytes, { 0, 0, 0 }, 0, 0, 0 };
	char ebuf[CURL_ERROR_SIZE] = "";
	const char *ca = getenv("LEDGERLINE_CA_FILE");
	enum ll_status rc = LL_OK;
	long status = 0;
	CURLcode cc;
	CURL *h;

	watch_init(&s.lines, line_bytes_max);
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return ll_error_set(err, LL_INTERNAL, url, 0, NULL,
				    "cannot initialise libcurl");
	h = curl_easy_init();
	if (!h)
		return ll_error_set(err, LL_NOMEM, url, 0, NULL,
				    "cannot create a download");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)LL_FETCH_REDIRECTS_MAX);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
			 (long)LL_FETCH_TIMEOUT_CONNECT_S);
	/* give up on a transfer slower than 1 KiB/s for 60 s */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "ledgerline");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	if (ca && ca[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (s.too_big)
		rc = ll_error_set(err, LL_INVALID, url, 0, NULL,
				  "larger than the limit of %llu bytes",
				  (unsigned long long)max_bytes);
	else if (s.too_long)
		rc = line_too_long(&s.lines, url, err);
	else if (s.io_error)
		rc = ll_error_set(err, LL_IO, url, 0, NULL,
				  "cannot store the download: %s",
				  strerror(errno));
	else if (cc != CURLE_OK)
		rc = ll_error_set(err, LL_NETWORK, url, 0, NULL,
				  "download failed: %s",
				  ebuf[0] ? ebuf : curl_easy_strerror(cc));
	else if (status != 200)
		rc = ll_error_set(err, LL_NETWORK, url, 0, NULL,
				  "download failed: HTTP status %ld", status);
	curl_easy_cleanup(h);
	return rc;
}

/* A new unlinked temporary file holding the stream from (a pipe, a
 * device, standard input) or the download of the URL spec. */
static enum ll_status spool_to_temp(const char *spec, int from,
				    uint64_t max_bytes, size_t line_bytes_max,
				    int *fd, struct ll_error *err)
{
	enum ll_status rc;
	int t = temp_fd();

	if (t < 0)
		return ll_error_set(err, LL_IO, spec, 0, NULL,
				    "cannot create a temporary file: %s",
				    strerror(errno));
	rc = from >= 0 ? spool(from, spec, t, max_bytes, line_bytes_max, err)
		       : fetch(spec, t, max_bytes, line_bytes_max, err);
	if (rc == LL_OK && lseek(t, 0, SEEK_SET) != 0)
		rc = ll_error_set(err, LL_IO, spec, 0, NULL,
				  "cannot rewind: %s", strerror(errno));
	if (rc != LL_OK) {
		close(t);
		return rc;
	}
	*fd = t;
	return LL_OK;
}

enum ll_status ll_input_open(const char *spec, uint64_t spool_bytes_max,
			     size_t line_bytes_max, int *fd,
			     struct ll_error *err)
{
	enum ll_status rc;
	struct stat st;
	int f;

	*fd = -1;
	if (strcmp(spec, "-") == 0)
		return spool_to_temp(spec, STDIN_FILENO, spool_bytes_max,
				     line_bytes_max, fd, err);
	if (ll_input_is_url(spec))
		return spool_to_temp(spec, -1, spool_bytes_max, line_bytes_max,
				     fd, err);
	f = open(spec, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return ll_error_set(err, LL_IO, spec, 0, NULL, "cannot open: %s",
				    strerror(errno));
	if (fstat(f, &st) != 0) {
		rc = ll_error_set(err, LL_IO, spec, 0, NULL, "cannot stat: %s",
				  strerror(errno));
		close(f);
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		close(f);
		return ll_error_set(err, LL_IO, spec, 0, NULL,
				    "is a directory");
	}
	if (S_ISREG(st.st_mode)) {
		/* read in place: it can be read twice and costs no copy */
		*fd = f;
		return LL_OK;
	}
	/* a pipe or a device: copied, under the same limits as "-" */
	rc = spool_to_temp(spec, f, spool_bytes_max, line_bytes_max, fd, err);
	close(f);
	return rc;
}

enum ll_status ll_input_read_all(const char *spec, size_t max_bytes,
				 char **out, size_t *len,
				 struct ll_error *err)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	enum ll_status rc;
	int fd;

	*out = NULL;
	*len = 0;
	if (!ll_input_is_url(spec))
		return ll_read_all(spec, max_bytes, out, len, err);
	rc = ll_input_open(spec, max_bytes, 0, &fd, err);
	if (rc != LL_OK)
		return rc;
	for (;;) {
		ssize_t k;

		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, ncap);

			if (!nb) {
				rc = ll_error_set(err, LL_NOMEM, spec, 0, NULL,
						  "out of memory reading");
				break;
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
			break;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max_bytes) {
			rc = ll_error_set(err, LL_INVALID, spec, 0, NULL,
					  "larger than the limit of %zu bytes",
					  max_bytes);
			break;
		}
	}
	close(fd);
	if (rc != LL_OK) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return LL_OK;
}
