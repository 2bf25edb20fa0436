/*
 * outdir.c — staging and publishing output files, and the record of what
 * ledgerline wrote (outdir.h).
 *
 * Design decision: "ours" is decided in one place, is_ours(): the record
 * names the path with the SHA-256 of the bytes now there.  Everything
 * that replaces or removes a file in the output directory asks it first,
 * right before acting; whatever is not ours is left alone, even by the
 * clean-up after a killed run.
 */
#include "ledgerline/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledgerline/buf.h"
#include "ledgerline/io.h"
#include "ledgerline/task.h"

#define OLD_PREFIX ".old-"
#define RECORD_TMP ".record"
#define LL_PREFIX ".ledgerline-"

enum { READ_CHUNK_BYTES = 64 * 1024 };

/* ---- paths and digests ------------------------------------------------ */

/* out = a "/" b; 0 when it does not fit. */
static int join(char *out, size_t size, const char *a, const char *b)
{
	int k = snprintf(out, size, "%s/%s", a, b);

	return k > 0 && (size_t)k < size;
}

int ll_outdir_path_ok(const char *rel)
{
	size_t n = strlen(rel), i, start = 0, slashes = 0;

	if (n == 0 || n > LL_OUTDIR_PATH_BYTES_MAX || rel[0] == '/' ||
	    strncmp(rel, LL_PREFIX, strlen(LL_PREFIX)) == 0)
		return 0;
	for (i = 0; i <= n; i++) {
		if (rel[i] == '\n' || rel[i] == '\r')
			return 0;
		if (rel[i] != '/' && rel[i] != '\0')
			continue;
		if (i == start || (i - start == 1 && rel[start] == '.') ||
		    (i - start == 2 && rel[start] == '.' &&
		     rel[start + 1] == '.'))
			return 0;
		if (rel[i] == '/')
			slashes++;
		start = i + 1;
	}
	return slashes <= 1;
}

enum kind { K_ABSENT, K_FILE, K_OTHER };

/*
 * What is at path (never following a symbolic link), and for a regular
 * file the hex SHA-256 of its content.  LL_IO when it cannot be read.
 */
static enum ll_status probe(const char *path, enum kind *kind,
			    char hex[LL_SHA256_HEX_LEN + 1],
			    struct ll_error *err)
{
	struct ll_sha256_ctx c;
	struct stat st;
	uint8_t d[LL_SHA256_LEN];
	char *buf;
	int fd;
	enum ll_status rc = LL_OK;

	hex[0] = '\0';
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*kind = K_ABSENT;
			return LL_OK;
		}
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot examine: %s", strerror(errno));
	}
	*kind = S_ISREG(st.st_mode) ? K_FILE : K_OTHER;
	if (*kind != K_FILE)
		return LL_OK;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot read: %s", strerror(errno));
	buf = malloc(READ_CHUNK_BYTES);
	if (!buf || ll_sha256_init(&c) != LL_OK) {
		free(buf);
		close(fd);
		return ll_error_set(err, LL_NOMEM, path, 0, NULL,
				    "out of memory");
	}
	for (;;) {
		ssize_t k = read(fd, buf, READ_CHUNK_BYTES);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = ll_error_set(err, LL_IO, path, 0, NULL,
					  "cannot read: %s", strerror(errno));
			break;
		}
		if (k == 0)
			break;
		ll_sha256_update(&c, buf, (size_t)k);
	}
	if (rc == LL_OK) {
		ll_sha256_final(&c, d);
		ll_hex(d, sizeof(d), hex);
	} else {
		ll_sha256_release(&c);
	}
	free(buf);
	close(fd);
	return rc;
}

static int recorded(const struct ll_outdir_file *v, size_t n, const char *rel,
		    const char *hex)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].path, rel) == 0 && strcmp(v[i].sha256, hex) == 0)
			return 1;
	}
	return 0;
}

static const struct ll_outdir_file *find(const struct ll_outdir_file *v,
					 size_t n, const char *rel)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].path, rel) == 0)
			return &v[i];
	}
	return NULL;
}

/*
 * The one judgement: is what lies at rel in the directory absent (*kind
 * K_ABSENT), or ledgerline's (*mine: a regular file the record names with
 * its present content)?
 */
static enum ll_status is_ours_hex(const struct ll_outdir *od, const char *rel,
				  enum kind *kind, int *mine,
				  char hex[LL_SHA256_HEX_LEN + 1],
				  struct ll_error *err)
{
	char path[PATH_MAX];
	enum ll_status rc;

	*mine = 0;
	if (!join(path, sizeof(path), od->dir, rel))
		return ll_error_set(err, LL_IO, od->dir, 0, NULL,
				    "path too long");
	rc = probe(path, kind, hex, err);
	if (rc == LL_OK && *kind == K_FILE)
		*mine = recorded(od->rec, od->n_rec, rel, hex);
	return rc;
}

static enum ll_status is_ours(const struct ll_outdir *od, const char *rel,
			      enum kind *kind, int *mine, struct ll_error *err)
{
	char hex[LL_SHA256_HEX_LEN + 1];

	return is_ours_hex(od, rel, kind, mine, hex, err);
}

/* ---- the record ------------------------------------------------------- */

static void files_free(struct ll_outdir_file *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < LL_SHA256_HEX_LEN; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

static enum ll_status record_bad(const char *path, long line,
				 struct ll_error *err)
{
	return ll_error_set(err, LL_USAGE, path, line, NULL,
			    "unreadable record of the files ledgerline wrote "
			    "here; without it every file counts as the "
			    "user's: remove it and move ledgerline's old "
			    "outputs away");
}

/* Parse the record at od->dir into od->rec; a missing record is empty. */
static enum ll_status record_read(struct ll_outdir *od, struct ll_error *err)
{
	char path[PATH_MAX], *text = NULL, *p, *nl;
	size_t len = 0, cap = 0;
	long line = 0;
	enum ll_status rc;
	struct stat st;

	if (!join(path, sizeof(path), od->dir, LL_OUTDIR_RECORD))
		return ll_error_set(err, LL_IO, od->dir, 0, NULL,
				    "path too long");
	if (lstat(path, &st) != 0 && errno == ENOENT)
		return LL_OK;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return record_bad(path, 0, err);
	rc = ll_read_all(path, LL_OUTDIR_RECORD_BYTES_MAX, &text, &len, err);
	if (rc == LL_INVALID)
		return record_bad(path, 0, err);
	if (rc != LL_OK)
		return rc;
	for (p = text; p < text + len; p = nl + 1) {
		struct ll_outdir_file *f;

		line++;
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl || (size_t)(nl - p) < LL_SHA256_HEX_LEN + 3 ||
		    !is_hex64(p) || p[64] != ' ' || p[65] != ' ') {
			rc = record_bad(path, line, err);
			break;
		}
		*nl = '\0';
		if (!ll_outdir_path_ok(p + 66) || od->n_rec == LL_OUTDIR_FILES_MAX) {
			rc = record_bad(path, line, err);
			break;
		}
		if (od->n_rec == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ll_outdir_file *v =
				realloc(od->rec, ncap * sizeof(*v));

			if (!v) {
				rc = ll_error_set(err, LL_NOMEM, path, 0, NULL,
						  "out of memory");
				break;
			}
			od->rec = v;
			cap = ncap;
		}
		f = &od->rec[od->n_rec];
		memcpy(f->sha256, p, LL_SHA256_HEX_LEN);
		f->sha256[LL_SHA256_HEX_LEN] = '\0';
		f->path = strdup(p + 66);
		if (!f->path) {
			rc = ll_error_set(err, LL_NOMEM, path, 0, NULL,
					  "out of memory");
			break;
		}
		od->n_rec++;
	}
	free(text);
	return rc;
}

static int cmp_file(const void *a, const void *b)
{
	const struct ll_outdir_file *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->sha256, y->sha256);
}

/*
 * Write the record of v[0..n) (sorted here; repeated lines once) through
 * the staging directory, and rename it into place.
 */
static enum ll_status record_write(struct ll_outdir *od,
				   struct ll_outdir_file *v, size_t n,
				   struct ll_error *err)
{
	struct ll_buf b = LL_BUF_INIT;
	char tmp[PATH_MAX], path[PATH_MAX];
	enum ll_status rc;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_file);
	ll_buf_str(&b, "");
	for (i = 0; i < n; i++) {
		if (i > 0 && cmp_file(&v[i - 1], &v[i]) == 0)
			continue;
		ll_buf_str(&b, v[i].sha256);
		ll_buf_str(&b, "  ");
		ll_buf_str(&b, v[i].path);
		ll_buf_str(&b, "\n");
	}
	if (b.fail) {
		free(b.s);
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	}
	if (!join(tmp, sizeof(tmp), od->stage, RECORD_TMP) ||
	    !join(path, sizeof(path), od->dir, LL_OUTDIR_RECORD)) {
		free(b.s);
		return ll_error_set(err, LL_IO, od->dir, 0, NULL,
				    "path too long");
	}
	rc = ll_write_atomic(tmp, b.s, b.n, 0, err);
	free(b.s);
	if (rc == LL_OK && rename(tmp, path) != 0)
		rc = ll_error_set(err, LL_IO, path, 0, NULL, "cannot write: %s",
				  strerror(errno));
	return rc;
}

/* ---- clean-up of staging directories ---------------------------------- */

/*
 * old is a subdirectory name (rel, e.g. "statements") that a swap moved
 * out of the directory.  Remove from it what is also in the new one (a
 * carried link) or ours; move anything else back (a file that appeared
 * during the swap), never over an existing name; what cannot move stays.
 */
static void sweep_old(const struct ll_outdir *od, const char *old,
		      const char *name)
{
	DIR *d = opendir(old);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char from[PATH_MAX], live[PATH_MAX], rel[PATH_MAX];
		char hex[LL_SHA256_HEX_LEN + 1];
		struct stat a, b;
		enum kind k;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!join(from, sizeof(from), old, e->d_name) ||
		    !join(rel, sizeof(rel), name, e->d_name) ||
		    !join(live, sizeof(live), od->dir, rel) ||
		    lstat(from, &a) != 0)
			continue;
		if (lstat(live, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			unlink(from);
			continue;
		}
		if (probe(from, &k, hex, NULL) == LL_OK && k == K_FILE &&
		    recorded(od->rec, od->n_rec, rel, hex)) {
			unlink(from);
			continue;
		}
		(void)renameat2(AT_FDCWD, from, AT_FDCWD, live,
				RENAME_NOREPLACE);
	}
	closedir(d);
	rmdir(old);
}

/* Remove a staged subdirectory: files ledgerline wrote there, and links
 * to the user's files whose other name still exists. */
static void remove_staged_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (join(path, sizeof(path), dir, e->d_name) &&
		    lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * Clean up a staging directory, this process's or a killed one's.  A
 * subdirectory swapped out (".old-NAME") goes back if the live one is
 * missing (the kill fell between the two renames), else is swept; the
 * rest of the stage is ledgerline's own.
 */
static void stage_cleanup(const struct ll_outdir *od, const char *stage)
{
	DIR *d = opendir(stage);
	struct dirent *e;
	int pass;

	if (!d)
		return;
	for (pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((e = readdir(d))) {
			char path[PATH_MAX], live[PATH_MAX];
			const char *name = e->d_name;
			int old = strncmp(name, OLD_PREFIX,
					  strlen(OLD_PREFIX)) == 0;
			struct stat st;

			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
			    !join(path, sizeof(path), stage, name) ||
			    lstat(path, &st) != 0)
				continue;
			if (pass == 0 && old) {
				/* first: the user's files back in place */
				name += strlen(OLD_PREFIX);
				if (!join(live, sizeof(live), od->dir, name))
					continue;
				if (renameat2(AT_FDCWD, path, AT_FDCWD, live,
					      RENAME_NOREPLACE) != 0)
					sweep_old(od, path, name);
			} else if (pass == 1 && !old) {
				if (S_ISDIR(st.st_mode))
					remove_staged_dir(path);
				else
					unlink(path);
			}
		}
	}
	closedir(d);
	rmdir(stage);
}

/* Staging directories left by a killed ledgerline: whoever holds the
 * directory's lock is the only one writing, so every other stage is
 * dead. */
static void recover(const struct ll_outdir *od)
{
	DIR *d = opendir(od->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];

		if (strncmp(e->d_name, LL_OUTDIR_STAGE_PREFIX,
			    strlen(LL_OUTDIR_STAGE_PREFIX)) == 0 &&
		    join(path, sizeof(path), od->dir, e->d_name))
			stage_cleanup(od, path);
	}
	closedir(d);
}

/* ---- the life cycle ---------------------------------------------------- */

void ll_outdir_init(struct ll_outdir *od)
{
	memset(od, 0, sizeof(*od));
	od->lock_fd = -1;
}

enum ll_status ll_outdir_open(struct ll_outdir *od, const char *dir,
			      struct ll_error *err)
{
	enum ll_status rc;

	if (!ll_str_copy(od->dir, sizeof(od->dir), dir))
		return ll_error_set(err, LL_IO, dir, 0, NULL, "path too long");
	rc = ll_mkdir_p(dir, 0755, err);
	if (rc != LL_OK)
		return rc;
	od->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (od->lock_fd < 0)
		return ll_error_set(err, LL_IO, dir, 0, NULL, "cannot open: %s",
				    strerror(errno));
	if (flock(od->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return ll_error_set(err, errno == EWOULDBLOCK ? LL_USAGE : LL_IO,
				    dir, 0, NULL,
				    "another ledgerline is writing to this "
				    "directory");
	rc = record_read(od, err);
	if (rc != LL_OK)
		return rc;
	recover(od);
	if (!join(od->stage, sizeof(od->stage), dir,
		  LL_OUTDIR_STAGE_PREFIX "XXXXXX")) {
		od->stage[0] = '\0';
		return ll_error_set(err, LL_IO, dir, 0, NULL, "path too long");
	}
	if (!mkdtemp(od->stage)) {
		od->stage[0] = '\0';
		return ll_error_set(err, LL_IO, dir, 0, NULL,
				    "cannot create a staging directory: %s",
				    strerror(errno));
	}
	return LL_OK;
}

static enum ll_status conflict(const struct ll_outdir *od, const char *rel,
			       struct ll_error *err)
{
	char path[PATH_MAX];

	if (!join(path, sizeof(path), od->dir, rel))
		ll_str_copy_cut(path, sizeof(path), rel); /* error text only */
	return ll_error_set(err, LL_USAGE, path, 0, NULL,
			    "not written by ledgerline, or changed since: "
			    "ledgerline will not replace it (move it away or "
			    "choose another output directory)");
}

/* Is rel free for ledgerline to write: its directory (if any) a
 * directory, and nothing there, or ours?  *absent tells which. */
static enum ll_status check_target(const struct ll_outdir *od, const char *rel,
				   int *absent, struct ll_error *err)
{
	const char *slash = strchr(rel, '/');
	enum kind k;
	int mine;
	enum ll_status rc;

	if (slash) {
		char sub[LL_OUTDIR_PATH_BYTES_MAX + 1], path[PATH_MAX];
		struct stat st;

		memcpy(sub, rel, (size_t)(slash - rel));
		sub[slash - rel] = '\0';
		if (!join(path, sizeof(path), od->dir, sub))
			return ll_error_set(err, LL_IO, od->dir, 0, NULL,
					    "path too long");
		if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			return conflict(od, sub, err);
	}
	rc = is_ours(od, rel, &k, &mine, err);
	if (rc != LL_OK)
		return rc;
	if (k != K_ABSENT && !mine)
		return conflict(od, rel, err);
	*absent = k == K_ABSENT;
	return LL_OK;
}

enum ll_status ll_outdir_check(struct ll_outdir *od, const char *path,
			       struct ll_error *err)
{
	int absent;

	if (!od->stage[0])
		return ll_error_set(err, LL_INTERNAL, path, 0, NULL,
				    "output directory not open");
	if (!ll_outdir_path_ok(path))
		return ll_error_set(err, LL_INTERNAL, path, 0, NULL,
				    "invalid output path");
	return check_target(od, path, &absent, err);
}

/* Check path and make room for it in od->add: the entry's path is set,
 * its digest not yet; staged gets where it is staged. */
static enum ll_status add_entry(struct ll_outdir *od, const char *path,
				char staged[PATH_MAX], struct ll_error *err)
{
	const char *slash = strchr(path, '/');
	struct ll_outdir_file *f;
	enum ll_status rc;
	int absent;

	if (!ll_outdir_path_ok(path) || find(od->add, od->n_add, path))
		return ll_error_set(err, LL_INTERNAL, path, 0, NULL,
				    "invalid or repeated output path");
	if (od->n_add == LL_OUTDIR_FILES_MAX)
		return ll_error_set(err, LL_INTERNAL, path, 0, NULL,
				    "more than %d output files",
				    LL_OUTDIR_FILES_MAX);
	rc = check_target(od, path, &absent, err);
	if (rc != LL_OK)
		return rc;
	if (!join(staged, PATH_MAX, od->stage, path))
		return ll_error_set(err, LL_IO, od->stage, 0, NULL,
				    "path too long");
	if (slash) {
		staged[strlen(od->stage) + 1 + (size_t)(slash - path)] = '\0';
		if (mkdir(staged, 0755) != 0 && errno != EEXIST)
			return ll_error_set(err, LL_IO, staged, 0, NULL,
					    "cannot create: %s",
					    strerror(errno));
		staged[strlen(staged)] = '/';
	}
	if (od->n_add == od->cap_add) {
		size_t ncap = od->cap_add ? od->cap_add * 2 : 16;
		struct ll_outdir_file *v = realloc(od->add, ncap * sizeof(*v));

		if (!v)
			return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					    "out of memory");
		od->add = v;
		od->cap_add = ncap;
	}
	f = &od->add[od->n_add];
	f->path = strdup(path);
	if (!f->path)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	f->sha256[0] = '\0';
	od->n_add++;
	return LL_OK;
}

/* The files of one ll_outdir_add_many: written in order by the caller,
 * then made durable by several threads. */
struct add_batch {
	struct ll_outdir_file *f;	/* n entries of od->add */
	char **staged;			/* where each is staged */
	const char *const *data;
	const size_t *len;
	pthread_mutex_t mu;
	size_t failed;			/* the first that failed, or n */
	struct ll_error err;		/* why */
};

static void batch_failed(struct add_batch *b, size_t i,
			 const struct ll_error *e)
{
	pthread_mutex_lock(&b->mu);
	if (i < b->failed) {
		b->failed = i;
		b->err = *e;
	}
	pthread_mutex_unlock(&b->mu);
}

static void sync_one(void *arg, size_t i)
{
	struct add_batch *b = arg;
	struct ll_error e;
	uint8_t d[LL_SHA256_LEN];

	if (ll_fsync_path(b->staged[i], &e) != LL_OK) {
		batch_failed(b, i, &e);
		return;
	}
	ll_sha256(b->data[i], b->len[i], d);
	ll_hex(d, sizeof(d), b->f[i].sha256);
}

/*
 * Write the batch's files and make them durable.  The staging directory
 * is private and published only whole, so each file is written at its
 * own name.  The files are created by this thread alone: a creation
 * holds the directory's lock, which other threads would only spin on;
 * the fsyncs, which do not, run on several threads and overlap.
 */
static void write_batch(struct add_batch *b, size_t n)
{
	struct ll_error e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (ll_write_new(b->staged[i], b->data[i], b->len[i], &e) !=
		    LL_OK) {
			batch_failed(b, i, &e);
			return;
		}
	}
	ll_task_each(n, n > 1 ? LL_OUTDIR_WRITERS : 1, sync_one, b);
}

enum ll_status ll_outdir_add_many(struct ll_outdir *od, size_t n,
				  const char *const *paths,
				  const char *const *data, const size_t *len,
				  struct ll_error *err)
{
	struct add_batch b;
	size_t base = od->n_add, i;
	enum ll_status rc = LL_OK;

	if (!od->stage[0])
		return ll_error_set(err, LL_INTERNAL, n ? paths[0] : NULL, 0,
				    NULL, "output directory not open");
	memset(&b, 0, sizeof(b));
	b.staged = calloc(n ? n : 1, sizeof(*b.staged));
	if (!b.staged)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (i = 0; i < n && rc == LL_OK; i++) {
		char staged[PATH_MAX];

		rc = add_entry(od, paths[i], staged, err);
		if (rc == LL_OK && !(b.staged[i] = strdup(staged)))
			rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
	}
	if (rc == LL_OK) {
		b.f = od->add + base;
		b.data = data;
		b.len = len;
		b.failed = n;
		pthread_mutex_init(&b.mu, NULL);
		write_batch(&b, n);
		pthread_mutex_destroy(&b.mu);
		if (b.failed < n) {
			*err = b.err;
			rc = b.err.code ? b.err.code : LL_IO;
		}
	}
	if (rc != LL_OK) {
		/* none of them is staged: what was written goes with the
		 * staging directory */
		while (od->n_add > base)
			free(od->add[--od->n_add].path);
	}
	for (i = 0; i < n; i++)
		free(b.staged[i]);
	free(b.staged);
	return rc;
}

enum ll_status ll_outdir_add(struct ll_outdir *od, const char *path,
			     const void *data, size_t len,
			     struct ll_error *err)
{
	const char *d = data;

	return ll_outdir_add_many(od, 1, &path, &d, &len, err);
}

/* Rename the staged rel into place; over nothing when absent says the
 * target was empty when checked (a file that appeared since is kept). */
static enum ll_status place(const struct ll_outdir *od, const char *rel,
			    int absent, struct ll_error *err)
{
	char from[PATH_MAX], to[PATH_MAX];
	int r;

	if (!join(from, sizeof(from), od->stage, rel) ||
	    !join(to, sizeof(to), od->dir, rel))
		return ll_error_set(err, LL_IO, od->dir, 0, NULL,
				    "path too long");
	r = absent ? renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE)
		   : rename(from, to);
	if (r != 0 && absent && errno == EINVAL) /* no NOREPLACE here */
		r = rename(from, to);
	if (r != 0 && errno == EEXIST)
		return conflict(od, rel, err);
	if (r != 0)
		return ll_error_set(err, LL_IO, to, 0, NULL, "cannot write: %s",
				    strerror(errno));
	return LL_OK;
}

/*
 * Carry the user's entries of the live subdirectory name into the staged
 * one as hard links; *whole stays 1 only when every one of them could be
 * (ledgerline's own files, of this run or an earlier one, are not
 * carried).
 */
static enum ll_status carry_user_files(const struct ll_outdir *od,
				       const char *name, const char *live,
				       const char *staged, int *whole,
				       struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	struct dirent *e;
	DIR *d = opendir(live);

	if (!d)
		return ll_error_set(err, LL_IO, live, 0, NULL,
				    "cannot read: %s", strerror(errno));
	while (*whole && (e = readdir(d))) {
		char rel[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
		struct stat est;
		enum kind k;
		int mine;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!join(rel, sizeof(rel), name, e->d_name) ||
		    !join(from, sizeof(from), live, e->d_name) ||
		    !join(to, sizeof(to), staged, e->d_name)) {
			*whole = 0;
			break;
		}
		if (find(od->add, od->n_add, rel))
			continue; /* ours, replaced (checked) */
		rc = is_ours(od, rel, &k, &mine, err);
		if (rc != LL_OK)
			break;
		if (mine || k == K_ABSENT)
			continue; /* ours of an earlier run: not carried */
		if (lstat(from, &est) != 0 || S_ISDIR(est.st_mode) ||
		    linkat(AT_FDCWD, from, AT_FDCWD, to, 0) != 0)
			*whole = 0;
	}
	closedir(d);
	return rc;
}

/* Swap the staged subdirectory for the live one (mode: the live one's),
 * which goes to old and is swept; put back when the swap fails. */
static enum ll_status swap_subdir(const struct ll_outdir *od,
				  const char *name, const char *live,
				  const char *staged, const char *old,
				  mode_t mode, struct ll_error *err)
{
	(void)chmod(staged, mode & 07777);
	if (rename(live, old) != 0)
		return ll_error_set(err, LL_IO, live, 0, NULL,
				    "cannot replace: %s", strerror(errno));
	if (rename(staged, live) != 0) {
		int en = errno;

		(void)rename(old, live);
		return ll_error_set(err, LL_IO, live, 0, NULL,
				    "cannot write: %s", strerror(en));
	}
	sweep_old(od, old, name);
	return LL_OK;
}

/* out = prefix name; 0 when it does not fit. */
static int prefixed(char *out, size_t size, const char *prefix,
		    const char *name)
{
	size_t np = strlen(prefix), nn = strlen(name);

	if (np + nn >= size)
		return 0;
	memcpy(out, prefix, np);
	memcpy(out + np, name, nn + 1);
	return 1;
}

/*
 * Publish the staged subdirectory name.  When the live one is a real
 * directory whose other entries (the user's) can all be hard-linked, it
 * is swapped whole, the user's files carried over as links, so readers
 * never see two runs mixed; else the files go in one by one.
 */
static enum ll_status publish_subdir(const struct ll_outdir *od,
				     const char *name, const int *absent,
				     struct ll_error *err)
{
	char live[PATH_MAX], staged[PATH_MAX], old[PATH_MAX];
	char oldname[LL_OUTDIR_PATH_BYTES_MAX + 8];
	struct stat st;
	int whole;
	size_t i, n = strlen(name);
	enum ll_status rc = LL_OK;

	if (!prefixed(oldname, sizeof(oldname), OLD_PREFIX, name) ||
	    !join(live, sizeof(live), od->dir, name) ||
	    !join(staged, sizeof(staged), od->stage, name) ||
	    !join(old, sizeof(old), od->stage, oldname))
		return ll_error_set(err, LL_IO, od->dir, 0, NULL,
				    "path too long");
	if (lstat(live, &st) != 0) {
		if (errno == ENOENT && rename(staged, live) == 0)
			return LL_OK;
		return ll_error_set(err, LL_IO, live, 0, NULL,
				    "cannot write: %s", strerror(errno));
	}
	whole = S_ISDIR(st.st_mode);
	if (whole) {
		rc = carry_user_files(od, name, live, staged, &whole, err);
		if (rc != LL_OK)
			return rc;
	}
	if (whole)
		return swap_subdir(od, name, live, staged, old, st.st_mode,
				   err);
	for (i = 0; i < od->n_add && rc == LL_OK; i++) {
		if (strncmp(od->add[i].path, name, n) == 0 &&
		    od->add[i].path[n] == '/')
			rc = place(od, od->add[i].path, absent[i], err);
	}
	return rc;
}

/* Has an earlier entry of v[0..i) the same first path component as
 * v[i]? */
static int subdir_seen(const struct ll_outdir_file *v, size_t i)
{
	const char *slash = strchr(v[i].path, '/');
	size_t n = (size_t)(slash - v[i].path) + 1, j;

	for (j = 0; j < i; j++) {
		if (strncmp(v[j].path, v[i].path, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * Before anything moves: every target still ours or free (absent[i] for
 * od->add[i]), and in keep the record's files that still hold what
 * ledgerline wrote.
 */
static enum ll_status commit_check(struct ll_outdir *od, int *absent,
				   struct ll_outdir_file *keep,
				   size_t *n_keep, struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	size_t i;

	*n_keep = 0;
	for (i = 0; i < od->n_add && rc == LL_OK; i++)
		rc = check_target(od, od->add[i].path, &absent[i], err);
	for (i = 0; i < od->n_rec && rc == LL_OK; i++) {
		char hex[LL_SHA256_HEX_LEN + 1];
		enum kind k;
		int mine;

		rc = is_ours_hex(od, od->rec[i].path, &k, &mine, hex, err);
		if (rc == LL_OK && mine && strcmp(hex, od->rec[i].sha256) == 0)
			keep[(*n_keep)++] = od->rec[i];
	}
	return rc;
}

/* Move the staged files into place: each subdirectory, then the files at
 * the top. */
static enum ll_status commit_publish(struct ll_outdir *od, const int *absent,
				     struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	size_t i;

	for (i = 0; i < od->n_add && rc == LL_OK; i++) {
		char name[LL_OUTDIR_PATH_BYTES_MAX + 1];
		const char *slash = strchr(od->add[i].path, '/');

		if (!slash || subdir_seen(od->add, i))
			continue;
		snprintf(name, sizeof(name), "%.*s",
			 (int)(slash - od->add[i].path), od->add[i].path);
		rc = publish_subdir(od, name, absent, err);
	}
	for (i = 0; i < od->n_add && rc == LL_OK; i++) {
		if (!strchr(od->add[i].path, '/'))
			rc = place(od, od->add[i].path, absent[i], err);
	}
	return rc;
}

/* Remove ledgerline's files of an earlier run (keep) that this one did
 * not write, when they are still ours. */
static enum ll_status commit_sweep(struct ll_outdir *od,
				   const struct ll_outdir_file *keep,
				   size_t n_keep, struct ll_error *err)
{
	enum ll_status rc = LL_OK;
	size_t i;

	for (i = 0; i < n_keep && rc == LL_OK; i++) {
		char path[PATH_MAX];
		enum kind k;
		int mine;

		if (find(od->add, od->n_add, keep[i].path))
			continue;
		rc = is_ours(od, keep[i].path, &k, &mine, err);
		if (rc == LL_OK && mine &&
		    join(path, sizeof(path), od->dir, keep[i].path))
			unlink(path);
	}
	return rc;
}

enum ll_status ll_outdir_commit(struct ll_outdir *od, struct ll_error *err)
{
	struct ll_outdir_file *keep, *all;
	size_t n_keep = 0;
	int *absent;
	enum ll_status rc = LL_OK;

	if (!od->stage[0])
		return ll_error_set(err, LL_INTERNAL, od->dir, 0, NULL,
				    "output directory not open");
	absent = calloc(od->n_add + 1, sizeof(*absent));
	keep = calloc(od->n_rec + 1, sizeof(*keep));
	all = calloc(od->n_rec + od->n_add + 1, sizeof(*all));
	if (!absent || !keep || !all) {
		rc = ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
		goto out;
	}
	rc = commit_check(od, absent, keep, &n_keep, err);
	if (rc != LL_OK)
		goto out;
	/* while files move, the record names both the old and the new */
	memcpy(all, keep, n_keep * sizeof(*all));
	if (od->n_add)
		memcpy(all + n_keep, od->add, od->n_add * sizeof(*all));
	rc = record_write(od, all, n_keep + od->n_add, err);
	if (rc == LL_OK)
		rc = commit_publish(od, absent, err);
	if (rc == LL_OK)
		rc = commit_sweep(od, keep, n_keep, err);
	if (rc == LL_OK)
		rc = record_write(od, od->add, od->n_add, err);
	if (rc == LL_OK)
		ll_outdir_rollback(od); /* only the stage's husk is left */
out:
	free(absent);
	free(keep);
	free(all);
	return rc;
}

void ll_outdir_rollback(struct ll_outdir *od)
{
	if (!od->stage[0])
		return;
	stage_cleanup(od, od->stage);
	od->stage[0] = '\0';
}

void ll_outdir_release(struct ll_outdir *od)
{
	ll_outdir_rollback(od);
	if (od->lock_fd >= 0)
		close(od->lock_fd);
	files_free(od->rec, od->n_rec);
	files_free(od->add, od->n_add);
	ll_outdir_init(od);
}
