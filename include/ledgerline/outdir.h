/*
 * outdir.h — publishing a command's output files into a directory the
 * user chose (--out), all at once after the work is done, without ever
 * deleting or overwriting a file ledgerline did not write (SPEC §4).
 *
 * Design decision: ledgerline keeps a record of what it wrote, in the
 * directory itself: LL_OUTDIR_RECORD, one "SHA256  PATH" line per file it
 * published (the format of sha256sum, so `sha256sum -c` checks it).  A
 * file is ledgerline's only while the record names it with its present
 * content: a file it did not write, or one it wrote and someone has since
 * edited, is the user's, and is never replaced or removed.
 *
 * The life of an output directory follows git's lockfile.h:
 *
 *   ll_outdir_init(&od);
 *   ll_outdir_open(&od, dir, &err);      lock DIR, read the record, make
 *                                        a private staging directory
 *   ll_outdir_add(&od, "run.json", ...)  refuse a user's file at that
 *                                        path (LL_USAGE), else stage it
 *   ... store the run in the database ...
 *   ll_outdir_commit(&od, &err);         publish: rename into place,
 *                                        remove ledgerline's own files of
 *                                        an earlier run that this one did
 *                                        not write, write the record
 *   ll_outdir_rollback(&od);             or: drop the staging directory;
 *                                        DIR is as it was
 *   ll_outdir_release(&od);
 *
 * A path is a file at the top of DIR or in one subdirectory of it
 * ("statements/P-X.dsse.json").  A subdirectory that holds only files
 * ledgerline may replace is swapped whole, so it never shows two runs;
 * one that also holds the user's own files keeps them: they are carried
 * into the new directory as hard links before the swap (or, when that is
 * impossible, the files are renamed in one by one).  Names beginning with
 * ".ledgerline-" at the top of DIR are ledgerline's own bookkeeping.
 */
#ifndef LEDGERLINE_OUTDIR_H
#define LEDGERLINE_OUTDIR_H

#include <limits.h>
#include <stddef.h>

#include "ledgerline/digest.h"
#include "ledgerline/status.h"

#define LL_OUTDIR_RECORD ".ledgerline-outputs"
#define LL_OUTDIR_STAGE_PREFIX ".ledgerline-stage-"

enum {
	LL_OUTDIR_FILES_MAX = 1 << 20,		/* files in one record */
	LL_OUTDIR_PATH_BYTES_MAX = 512,		/* one relative path */
	LL_OUTDIR_RECORD_BYTES_MAX = 64 << 20,	/* the record file */
	LL_OUTDIR_WRITERS = 4,			/* threads of one add_many */
};

struct ll_outdir_file {
	char *path;				/* relative to the directory */
	char sha256[LL_SHA256_HEX_LEN + 1];	/* lower-case hex */
};

struct ll_outdir {
	char dir[PATH_MAX];	/* the output directory */
	char stage[PATH_MAX];	/* staging directory; "" when none */
	int lock_fd;		/* the directory, flock()ed; -1 when none */
	struct ll_outdir_file *rec;	/* the record as found at open */
	size_t n_rec;
	struct ll_outdir_file *add;	/* files staged by ll_outdir_add */
	size_t n_add, cap_add;
};

/* An empty, unopened output directory. */
void ll_outdir_init(struct ll_outdir *od);

/*
 * Create dir if missing (mkdir -p), take its lock (a second ledgerline
 * writing to the same directory is LL_USAGE), read its record (an
 * unreadable record is LL_USAGE), finish or undo what a killed ledgerline
 * left half done, and make a private staging directory in it.
 */
enum ll_status ll_outdir_open(struct ll_outdir *od, const char *dir,
			      struct ll_error *err);

/*
 * Stage data as the file path (relative, at most one directory level).
 * A file at that path in the output directory that ledgerline did not
 * write, or that was edited since, is LL_USAGE naming it; nothing in the
 * output directory changes.  A path added twice or an invalid path is
 * LL_INTERNAL.  data is copied (borrowed).
 */
enum ll_status ll_outdir_add(struct ll_outdir *od, const char *path,
			     const void *data, size_t len,
			     struct ll_error *err);

/*
 * ll_outdir_add for n files (paths[i] holding data[i], len[i] bytes), in
 * order: the same checks, the files written in order, then made durable
 * (fsync) by up to LL_OUTDIR_WRITERS threads, whose waits overlap.  On
 * failure none of the n is staged, and the error is the first in their
 * order.
 */
enum ll_status ll_outdir_add_many(struct ll_outdir *od, size_t n,
				  const char *const *paths,
				  const char *const *data, const size_t *len,
				  struct ll_error *err);

/*
 * Would ll_outdir_add accept path?  The same check of what stands there,
 * without staging anything: for a file whose content is known only later
 * (after the database work), so that a user's file in its way stops the
 * command before anything is stored.
 */
enum ll_status ll_outdir_check(struct ll_outdir *od, const char *path,
			       struct ll_error *err);

/*
 * Publish every staged file, remove the files of the record that were not
 * staged this time and still hold what ledgerline wrote, and write the
 * new record; then release the staging directory.  A user's file that
 * appeared at a staged path since it was added is LL_USAGE naming it,
 * with nothing published.  The record is rewritten before and after the
 * renames so that a process killed half way leaves every file it wrote
 * recognisable as its own.
 */
enum ll_status ll_outdir_commit(struct ll_outdir *od, struct ll_error *err);

/* Drop the staging directory; the output directory is left as it was
 * found.  Safe to call more than once and after a commit. */
void ll_outdir_rollback(struct ll_outdir *od);

/* Roll back if needed, unlock and free everything. */
void ll_outdir_release(struct ll_outdir *od);

/*
 * Is rel (a path in the record's form) safe to publish: not empty, not
 * absolute, no "." or ".." component, no empty component, at most one
 * '/', at most LL_OUTDIR_PATH_BYTES_MAX bytes, no newline, and not
 * beginning with ".ledgerline-"?
 */
int ll_outdir_path_ok(const char *rel);

#endif
