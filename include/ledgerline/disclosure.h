/*
 * disclosure.h — the bytes of a public training-content summary
 * (disclose.h) as JSON, Markdown or HTML.
 *
 * Design decision: Markdown and HTML are two backends of one document
 * (headings, paragraphs, tables) described once, so a web page and its
 * Markdown source always say the same thing; JSON is the machine form
 * with its own stable schema (docs/disclose.md, "schema" member).
 */
#ifndef LEDGERLINE_DISCLOSURE_H
#define LEDGERLINE_DISCLOSURE_H

#include <stddef.h>

#include "ledgerline/disclose.h"
#include "ledgerline/status.h"

/* The JSON schema's identifier, its "schema" member. */
#define LL_DISCLOSE_SCHEMA "https://ledgerline.dev/disclose/v1"

enum ll_disclosure_format {
	LL_DISCLOSURE_JSON,
	LL_DISCLOSURE_MD,
	LL_DISCLOSURE_HTML,
};

/* "json", "md", "html" into *f; false for any other name. */
bool ll_disclosure_format_parse(const char *name,
				enum ll_disclosure_format *f);

/*
 * d in format f: a new NUL-terminated text in *out (caller frees), its
 * length in *len.  LL_NOMEM or LL_OK.
 */
enum ll_status ll_disclosure_render(const struct ll_disclosure *d,
				    enum ll_disclosure_format f, char **out,
				    size_t *len);

#endif
