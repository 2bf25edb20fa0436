/*
 * manifest.h — training manifests (SPEC §2.2): one JSON document per
 * training run, naming the works a model was trained on.
 *
 * Design decision: a manifest is parsed and checked on its own (syntax,
 * types, identifiers); resolving its items against the catalogue and
 * judging their eligibility belongs to the run, which reports excluded
 * items instead of failing on them.  Pure: no I/O.
 */
#ifndef LEDGERLINE_MANIFEST_H
#define LEDGERLINE_MANIFEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/hash.h"
#include "ledgerline/event.h"
#include "ledgerline/ident.h"
#include "ledgerline/status.h"

enum { LL_MANIFEST_ITEMS_MAX = 10000000 };

struct ll_manifest_item {
	enum ll_ref_kind kind;
	const char *ref;	/* work id or canonical ISRC (borrowed from
				 * the manifest's JSON / isrc buffer) */
	char isrc[LL_ISRC_LEN + 1];
	int64_t duration_ms;	/* 0 when absent */
	char content_sha256[LL_SHA256_HEX_LEN + 1];	/* "" when absent */
	size_t index;		/* position in "items" */
};

struct ll_manifest {
	const char *source;	/* borrowed */
	char sha256[LL_SHA256_HEX_LEN + 1];	/* of the file's bytes */
	size_t bytes;
	const char *model;
	const char *training_run;
	const char *licensee;
	int64_t trained_at_us;
	const char *trained_at;	/* as written */
	struct ll_manifest_item *items;
	size_t n_items;
	json_t *json;		/* owned */
	const char *text;	/* borrowed, for error lines */
	size_t text_len;
};

/*
 * Parse source's text (borrowed; must outlive m).  Problems go to errs;
 * returns LL_INVALID when there were any, LL_NOMEM, or LL_OK.
 */
enum ll_status ll_manifest_parse(struct ll_manifest *m, const char *source,
				 const char *text, size_t len,
				 struct ll_errlist *errs);
void ll_manifest_release(struct ll_manifest *m);

#endif
