/*
 * catalog.h — a label's or publisher's own catalogue (SPEC §6,
 * reconcile): a CSV file, one row per work the party holds a share of,
 * with its share of each side as an exact string.
 *
 * Design decision: the parser is strict and stops at the first problem,
 * which it names as FILE:LINE: FIELD: message.  A catalogue is the
 * yardstick statements are held against, so nothing in it is guessed:
 * no whitespace is trimmed, no column is optional unless SPEC says so,
 * and every identifier is checked and kept in its canonical form.
 *
 * The format: a header line naming the columns, in any order, each once:
 * isrc, share_master and share_publishing (required) and iswc and title
 * (optional); then one row per work with as many fields as the header.
 * Fields are separated by commas and may be quoted as RFC 4180 says
 * ("Hello, Goodbye"; a quote inside doubled); a quoted field may not
 * span lines.  Lines end with LF or CRLF; a UTF-8 byte order mark at the
 * very start is skipped.  A row names its work by ISRC, or by ISWC when
 * the isrc field is empty; ISRCs, and the ISWCs of rows without an ISRC,
 * are unique.  A share is an exact string ("1/2", "0.5"), greater than 0
 * and at most 1, or empty where the party holds no share of that side;
 * at least one side has a share.
 */
#ifndef LEDGERLINE_CATALOG_H
#define LEDGERLINE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gmp.h>

#include "ledgerline/ident.h"
#include "ledgerline/status.h"

enum {
	LL_CATALOG_BYTES_MAX = 64 * 1024 * 1024,	/* a whole file */
	LL_CATALOG_ROWS_MAX = 1000000,
	LL_CATALOG_FIELD_BYTES_MAX = 1024,	/* one field, unquoted */
};

/* The two sides of a work, in the order of a statement line's "side". */
enum ll_catalog_side { LL_CATALOG_MASTER, LL_CATALOG_PUBLISHING,
		       LL_CATALOG_SIDES };

struct ll_catalog_work {
	char isrc[LL_ISRC_LEN + 1];	/* canonical, "" when none */
	char iswc[LL_ISWC_LEN + 1];	/* canonical, "" when none */
	char *title;			/* owned; NULL without a title column */
	bool has_share[LL_CATALOG_SIDES];	/* by enum ll_catalog_side */
	mpq_t share[LL_CATALOG_SIDES];	/* when has_share */
	uint32_t line;			/* its line in the file */
};

struct ll_catalog {
	struct ll_catalog_work *v;
	size_t n, alloc;
};

void ll_catalog_init(struct ll_catalog *c);
void ll_catalog_release(struct ll_catalog *c);

/*
 * Parse the catalogue text (len bytes; name is the file name for
 * messages) into c, which must be freshly initialised.  LL_OK;
 * LL_INVALID with err naming name, the line and the column ("header"
 * for the header line, "row" for a row's shape); LL_NOMEM.  On failure
 * c holds what was parsed so far, for ll_catalog_release.
 */
enum ll_status ll_catalog_parse(struct ll_catalog *c, const char *name,
				const char *text, size_t len,
				struct ll_error *err);

/* The work whose ISRC is isrc (canonical), or NULL; borrowed. */
const struct ll_catalog_work *ll_catalog_by_isrc(const struct ll_catalog *c,
						 const char *isrc);
/* The first work whose ISWC is iswc (canonical), preferring a row
 * without an ISRC, or NULL; borrowed. */
const struct ll_catalog_work *ll_catalog_by_iswc(const struct ll_catalog *c,
						 const char *iswc);

#endif
