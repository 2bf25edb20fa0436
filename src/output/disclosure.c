/*
 * disclosure.c — a training-content summary as JSON, Markdown or HTML
 * (disclosure.h).
 *
 * Design decision: the human document is written once, as calls on a
 * small table of backend functions (heading, field, paragraph, table),
 * and every string reaches a backend unescaped: each backend escapes
 * what it writes, so no path can put a registry name into HTML or
 * Markdown raw.
 */
#include "ledgerline/disclosure.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/buf.h"

enum { NUM_SIZE = 24, TABLE_COLS_MAX = 6 };

static const char TEMPLATE[] =
	"European Commission, Template for the public summary of training "
	"content for general-purpose AI models (July 2025)";

/* The training exclusion reasons, in the order of every format. */
static const enum ll_reason reasons[] = {
	LL_REASON_UNKNOWN_WORK, LL_REASON_HASH_MISMATCH, LL_REASON_NO_LICENCE,
	LL_REASON_NO_CONSENT,	LL_REASON_OPTED_OUT,
};
enum { N_REASONS = sizeof(reasons) / sizeof(reasons[0]) };

static const char *reason_text(enum ll_reason r)
{
	switch (r) {
	case LL_REASON_UNKNOWN_WORK:
		return "not in the catalogue";
	case LL_REASON_HASH_MISMATCH:
		return "content differs from the catalogued recording";
	case LL_REASON_NO_LICENCE:
		return "no licence covered the work for training";
	case LL_REASON_NO_CONSENT:
		return "a rights holder had not opted in";
	case LL_REASON_OPTED_OUT:
		return "a rights holder had opted out";
	case LL_ELIGIBLE:
	case LL_REASON_CURRENCY:
	case LL_REASON_COUNT:
		break;
	}
	return "?";
}

static const char *bin_text(enum ll_size_bin b)
{
	switch (b) {
	case LL_BIN_UNDER_10K_HOURS:
		return "Less than 10,000 hours";
	case LL_BIN_10K_TO_1M_HOURS:
		return "10,000 to 1 million hours";
	case LL_BIN_OVER_1M_HOURS:
		return "More than 1 million hours";
	}
	return "?";
}

static const char CONSENT_TEXT[] =
	"Every item was checked at its training run's trained_at. An item "
	"counts as licensed only when an active licence covered its work for "
	"training and every rights holder with a share of the work had "
	"opted in to training (opt-in consent: no record means no). An "
	"opt-out in force at trained_at was honoured: the item was excluded. "
	"Excluded items are listed below by reason.";

static void num(char out[NUM_SIZE], uint64_t v)
{
	snprintf(out, NUM_SIZE, "%llu", (unsigned long long)v);
}

/* ---- JSON ------------------------------------------------------------- */

static void put(json_t *o, const char *k, json_t *v, int *fail)
{
	if (!v || json_object_set_new(o, k, v) != 0)
		*fail = 1;
}

static void append(json_t *a, json_t *v, int *fail)
{
	if (!v || json_array_append_new(a, v) != 0)
		*fail = 1;
}

static json_t *hours_json(uint64_t ms)
{
	char h[LL_DISCLOSE_HOURS_SIZE];

	ll_disclose_hours(ms, h);
	return json_string(h);
}

static json_t *unused(int *fail)
{
	json_t *o = json_object();

	put(o, "used", json_false(), fail);
	return o;
}

static json_t *json_general(const struct ll_disclosure *d, int *fail)
{
	json_t *o = json_object(), *prov = json_object(), *runs = json_array();
	size_t i;

	put(prov, "id", json_string(d->provider_id), fail);
	put(prov, "name", json_string(d->provider_name), fail);
	put(o, "provider", prov, fail);
	put(o, "model", json_string(d->model), fail);
	for (i = 0; i < d->n_runs; i++) {
		const struct ll_disclosure_run *r = &d->runs[i];
		json_t *x = json_object();

		put(x, "training_run", json_string(r->training_run), fail);
		put(x, "trained_at", json_string(r->trained_at), fail);
		put(x, "manifest_sha256", json_string(r->manifest_sha256),
		    fail);
		put(x, "items", json_integer((json_int_t)r->items), fail);
		put(x, "licensed_items",
		    json_integer((json_int_t)r->eligible_items), fail);
		put(x, "licensed_ms", json_integer((json_int_t)r->eligible_ms),
		    fail);
		put(x, "licensed_hours", hours_json(r->eligible_ms), fail);
		append(runs, x, fail);
	}
	put(o, "training_runs", runs, fail);
	put(o, "modality", json_string("audio"), fail);
	put(o, "items", json_integer((json_int_t)d->items), fail);
	put(o, "licensed_items", json_integer((json_int_t)d->eligible_items),
	    fail);
	put(o, "licensed_works", json_integer((json_int_t)d->eligible_works),
	    fail);
	put(o, "licensed_items_without_duration",
	    json_integer((json_int_t)d->items_without_duration), fail);
	put(o, "licensed_ms", json_integer((json_int_t)d->eligible_ms), fail);
	put(o, "licensed_hours", hours_json(d->eligible_ms), fail);
	put(o, "size_bin", json_string(ll_disclose_bin_name(d->bin)), fail);
	put(o, "last_update", json_string(d->last_update), fail);
	return o;
}

static json_t *json_licensed(const struct ll_disclosure *d, int *fail)
{
	json_t *o = json_object(), *list = json_array(), *ind = json_object();
	size_t i;

	put(o, "used", json_boolean(d->eligible_items > 0), fail);
	for (i = 0; i < d->n_licensors; i++) {
		const struct ll_disclosure_licensor *l = &d->licensors[i];
		json_t *x = json_object();

		put(x, "id", json_string(l->id), fail);
		put(x, "name", json_string(l->name), fail);
		put(x, "kind", json_string(l->kind), fail);
		put(x, "works", json_integer((json_int_t)l->works), fail);
		put(x, "items", json_integer((json_int_t)l->items), fail);
		put(x, "ms", json_integer((json_int_t)l->ms), fail);
		put(x, "hours", hours_json(l->ms), fail);
		append(list, x, fail);
	}
	put(o, "licensors", list, fail);
	put(ind, "count", json_integer((json_int_t)d->individual_licensors),
	    fail);
	put(ind, "works", json_integer((json_int_t)d->individual_works), fail);
	put(ind, "items", json_integer((json_int_t)d->individual_items), fail);
	put(ind, "ms", json_integer((json_int_t)d->individual_ms), fail);
	put(ind, "hours", hours_json(d->individual_ms), fail);
	put(o, "individual_licensors", ind, fail);
	put(o, "rights_holders", json_integer((json_int_t)d->rights_holders),
	    fail);
	put(o, "individual_rights_holders",
	    json_integer((json_int_t)d->individual_rights_holders), fail);
	return o;
}

static json_t *json_sources(const struct ll_disclosure *d, int *fail)
{
	json_t *o = json_object();

	put(o, "publicly_available_datasets", unused(fail), fail);
	put(o, "commercially_licensed", json_licensed(d, fail), fail);
	put(o, "other_private_datasets", unused(fail), fail);
	put(o, "crawled_data", unused(fail), fail);
	put(o, "user_data", unused(fail), fail);
	put(o, "synthetic_data", unused(fail), fail);
	put(o, "other_sources", unused(fail), fail);
	return o;
}

static json_t *json_processing(const struct ll_disclosure *d, int *fail)
{
	json_t *o = json_object(), *res = json_object(), *ex = json_array();
	size_t i;

	put(res, "consent", json_string("opt_in_required"), fail);
	put(res, "opt_outs_honoured_at", json_string("trained_at"), fail);
	put(res, "text", json_string(CONSENT_TEXT), fail);
	put(o, "reservation_of_rights", res, fail);
	for (i = 0; i < N_REASONS; i++) {
		const struct ll_disclosure_excl *x = &d->excluded[reasons[i]];
		json_t *e = json_object();

		put(e, "reason", json_string(ll_reason_name(reasons[i])), fail);
		put(e, "items", json_integer((json_int_t)x->items), fail);
		put(e, "ms", json_integer((json_int_t)x->ms), fail);
		put(e, "hours", hours_json(x->ms), fail);
		append(ex, e, fail);
	}
	put(o, "exclusions", ex, fail);
	put(o, "excluded_items", json_integer((json_int_t)d->excluded_items),
	    fail);
	put(o, "excluded_ms", json_integer((json_int_t)d->excluded_ms), fail);
	put(o, "excluded_hours", hours_json(d->excluded_ms), fail);
	return o;
}

static enum ll_status render_json(const struct ll_disclosure *d, char **out,
				  size_t *len)
{
	json_t *root = json_object();
	int fail = !root;
	char *s;

	put(root, "schema", json_string(LL_DISCLOSE_SCHEMA), &fail);
	put(root, "template", json_string(TEMPLATE), &fail);
	put(root, "general_information", json_general(d, &fail), &fail);
	put(root, "data_sources", json_sources(d, &fail), &fail);
	put(root, "data_processing", json_processing(d, &fail), &fail);
	s = fail ? NULL
		 : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		return LL_NOMEM;
	*len = strlen(s);
	*out = realloc(s, *len + 2);
	if (!*out) {
		free(s);
		return LL_NOMEM;
	}
	(*out)[(*len)++] = '\n';
	(*out)[*len] = '\0';
	return LL_OK;
}

/* ---- the document, for people ------------------------------------------ */

struct doc_backend {
	void (*begin)(struct ll_buf *b, const char *title);
	void (*heading)(struct ll_buf *b, int level, const char *text);
	void (*field)(struct ll_buf *b, const char *label, const char *value);
	void (*para)(struct ll_buf *b, const char *text);
	/* a table of n rows of ncols cells each, row-major */
	void (*table)(struct ll_buf *b, const char *const *cols, size_t ncols,
		      const char *const *cells, size_t n);
	void (*end)(struct ll_buf *b);
};

/*
 * Markdown: text escaped so that no character of a name is markup.  Text
 * from outside (names, ids) never starts a line here (it follows "- ",
 * "| " or "# "), so the characters that matter only there (#, +, -, a
 * digit's ".") are left as they are and figures stay greppable.
 */
static void md_text(struct ll_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s && strchr("\\`*_[]<>|&~", *s))
			ll_buf_add(b, "\\", 1);
		if (*s == '\n' || *s == '\r')
			ll_buf_add(b, " ", 1);
		else
			ll_buf_add(b, s, 1);
	}
}

static void md_begin(struct ll_buf *b, const char *title)
{
	ll_buf_str(b, "# ");
	md_text(b, title);
	ll_buf_str(b, "\n");
}

static void md_heading(struct ll_buf *b, int level, const char *text)
{
	ll_buf_str(b, "\n");
	ll_buf_add(b, "######", (size_t)level);
	ll_buf_str(b, " ");
	md_text(b, text);
	ll_buf_str(b, "\n\n");
}

static void md_field(struct ll_buf *b, const char *label, const char *value)
{
	ll_buf_str(b, "- ");
	md_text(b, label);
	ll_buf_str(b, ": ");
	md_text(b, value);
	ll_buf_str(b, "\n");
}

static void md_para(struct ll_buf *b, const char *text)
{
	ll_buf_str(b, "\n");
	md_text(b, text);
	ll_buf_str(b, "\n");
}

static void md_table(struct ll_buf *b, const char *const *cols, size_t ncols,
		     const char *const *cells, size_t n)
{
	size_t i, k;

	ll_buf_str(b, "\n|");
	for (k = 0; k < ncols; k++) {
		ll_buf_str(b, " ");
		md_text(b, cols[k]);
		ll_buf_str(b, " |");
	}
	ll_buf_str(b, "\n|");
	for (k = 0; k < ncols; k++)
		ll_buf_str(b, k == 0 ? " --- |" : " ---: |");
	for (i = 0; i < n; i++) {
		ll_buf_str(b, "\n|");
		for (k = 0; k < ncols; k++) {
			ll_buf_str(b, " ");
			md_text(b, cells[i * ncols + k]);
			ll_buf_str(b, " |");
		}
	}
	ll_buf_str(b, "\n");
}

static void md_end(struct ll_buf *b)
{
	(void)b;
}

static const struct doc_backend md = { md_begin, md_heading, md_field,
				       md_para,	 md_table,   md_end };

/* HTML: every string escaped, one self-contained page. */
static void html_begin(struct ll_buf *b, const char *title)
{
	ll_buf_str(b,
		   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		   "<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, "
		   "initial-scale=1\">\n<title>");
	ll_buf_html(b, title);
	ll_buf_str(b,
		   "</title>\n<style>\n"
		   "body{font-family:system-ui,sans-serif;max-width:60rem;"
		   "margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}\n"
		   "h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;"
		   "padding-bottom:.2rem;margin-top:2rem}\n"
		   "table{border-collapse:collapse;margin:.8rem 0}\n"
		   "th,td{border:1px solid #bbb;padding:.25rem .6rem;"
		   "text-align:right}\n"
		   "th:first-child,td:first-child{text-align:left}\n"
		   "th{background:#f2f2f2}ul{padding-left:1.2rem}\n"
		   "</style>\n</head>\n<body>\n<h1>");
	ll_buf_html(b, title);
	ll_buf_str(b, "</h1>\n");
}

static void html_heading(struct ll_buf *b, int level, const char *text)
{
	char tag[8];

	snprintf(tag, sizeof(tag), "h%d>", level);
	ll_buf_str(b, "<");
	ll_buf_str(b, tag);
	ll_buf_html(b, text);
	ll_buf_str(b, "</");
	ll_buf_str(b, tag);
	ll_buf_str(b, "\n");
}

static void html_field(struct ll_buf *b, const char *label, const char *value)
{
	ll_buf_str(b, "<p><strong>");
	ll_buf_html(b, label);
	ll_buf_str(b, ":</strong> ");
	ll_buf_html(b, value);
	ll_buf_str(b, "</p>\n");
}

static void html_para(struct ll_buf *b, const char *text)
{
	ll_buf_str(b, "<p>");
	ll_buf_html(b, text);
	ll_buf_str(b, "</p>\n");
}

static void html_table(struct ll_buf *b, const char *const *cols,
		       size_t ncols, const char *const *cells, size_t n)
{
	size_t i, k;

	ll_buf_str(b, "<table>\n<tr>");
	for (k = 0; k < ncols; k++) {
		ll_buf_str(b, "<th>");
		ll_buf_html(b, cols[k]);
		ll_buf_str(b, "</th>");
	}
	ll_buf_str(b, "</tr>\n");
	for (i = 0; i < n; i++) {
		ll_buf_str(b, "<tr>");
		for (k = 0; k < ncols; k++) {
			ll_buf_str(b, "<td>");
			ll_buf_html(b, cells[i * ncols + k]);
			ll_buf_str(b, "</td>");
		}
		ll_buf_str(b, "</tr>\n");
	}
	ll_buf_str(b, "</table>\n");
}

static void html_end(struct ll_buf *b)
{
	ll_buf_str(b, "</body>\n</html>\n");
}

static const struct doc_backend html = { html_begin, html_heading,
					 html_field, html_para,
					 html_table, html_end };

/* Cells are built in a scratch arena of fixed-size strings. */
struct cells {
	const char **v;
	char (*text)[LL_DISCLOSE_HOURS_SIZE];
	size_t n, cap;
};

static bool cells_init(struct cells *c, size_t cap)
{
	c->v = calloc(cap ? cap : 1, sizeof(*c->v));
	c->text = calloc(cap ? cap : 1, sizeof(*c->text));
	c->n = 0;
	c->cap = cap;
	return c->v && c->text;
}

static void cells_release(struct cells *c)
{
	free(c->v);
	free(c->text);
}

static void cell_str(struct cells *c, const char *s)
{
	LL_ENSURE(c->n < c->cap);
	c->v[c->n++] = s;
}

static void cell_num(struct cells *c, uint64_t v)
{
	LL_ENSURE(c->n < c->cap);
	num(c->text[c->n], v);
	c->v[c->n] = c->text[c->n];
	c->n++;
}

static void cell_hours(struct cells *c, uint64_t ms)
{
	LL_ENSURE(c->n < c->cap);
	ll_disclose_hours(ms, c->text[c->n]);
	c->v[c->n] = c->text[c->n];
	c->n++;
}

static bool doc_general(const struct doc_backend *be, struct ll_buf *b,
			const struct ll_disclosure *d)
{
	static const char *const cols[] = { "Training run", "Trained at",
					    "Items", "Licensed items",
					    "Licensed hours" };
	char n1[NUM_SIZE], n2[NUM_SIZE], h[LL_DISCLOSE_HOURS_SIZE];
	struct cells c;
	size_t i;

	if (!cells_init(&c, d->n_runs * 5))
		return false;
	be->heading(b, 2, "1. General information");
	be->heading(b, 3, "1.1 Provider identification");
	be->field(b, "Provider", d->provider_name);
	be->heading(b, 3, "1.2 Model identification");
	be->field(b, "Model", d->model);
	for (i = 0; i < d->n_runs; i++) {
		cell_str(&c, d->runs[i].training_run);
		cell_str(&c, d->runs[i].trained_at);
		cell_num(&c, d->runs[i].items);
		cell_num(&c, d->runs[i].eligible_items);
		cell_hours(&c, d->runs[i].eligible_ms);
	}
	be->table(b, cols, 5, c.v, d->n_runs);
	cells_release(&c);
	be->heading(b, 3, "1.3 Modality, overall training data size and "
			  "other characteristics");
	be->field(b, "Modality", "audio");
	num(n1, d->eligible_items);
	num(n2, d->eligible_works);
	be->field(b, "Licensed items", n1);
	be->field(b, "Licensed works", n2);
	ll_disclose_hours(d->eligible_ms, h);
	be->field(b, "Total hours of licensed audio", h);
	be->field(b, "Training data size", bin_text(d->bin));
	num(n1, d->items_without_duration);
	be->field(b, "Licensed items without a duration", n1);
	be->field(b, "Date of last update", d->last_update);
	return true;
}

static bool doc_licensed(const struct doc_backend *be, struct ll_buf *b,
			 const struct ll_disclosure *d)
{
	static const char *const cols[] = { "Licensor", "Kind", "Works",
					    "Items", "Hours" };
	char n1[NUM_SIZE], n2[NUM_SIZE], n3[NUM_SIZE], n4[NUM_SIZE];
	char h[LL_DISCLOSE_HOURS_SIZE];
	char text[512];
	struct cells c;
	size_t i;

	if (!cells_init(&c, d->n_licensors * 5))
		return false;
	be->heading(b, 4, "2.2.1 Datasets commercially licensed by rights "
			  "holders or their representatives");
	be->field(b, "Used", d->eligible_items > 0 ? "yes" : "no");
	for (i = 0; i < d->n_licensors; i++) {
		cell_str(&c, d->licensors[i].name);
		cell_str(&c, d->licensors[i].kind);
		cell_num(&c, d->licensors[i].works);
		cell_num(&c, d->licensors[i].items);
		cell_hours(&c, d->licensors[i].ms);
	}
	be->table(b, cols, 5, c.v, d->n_licensors);
	cells_release(&c);
	num(n1, d->individual_licensors);
	num(n2, d->individual_works);
	num(n3, d->individual_items);
	ll_disclose_hours(d->individual_ms, h);
	snprintf(text, sizeof(text),
		 "Individual licensors (artists, songwriters; not named): %s, "
		 "with %s works, %s items and %s hours.",
		 n1, n2, n3, h);
	be->para(b, text);
	num(n1, d->rights_holders);
	num(n4, d->individual_rights_holders);
	snprintf(text, sizeof(text),
		 "Rights holders with a share of the licensed works: %s, of "
		 "whom %s individuals (not named).",
		 n1, n4);
	be->para(b, text);
	be->heading(b, 4, "2.2.2 Private datasets obtained from other third "
			  "parties");
	be->field(b, "Used", "no");
	return true;
}

static bool doc_sources(const struct doc_backend *be, struct ll_buf *b,
			const struct ll_disclosure *d)
{
	be->heading(b, 2, "2. List of data sources");
	be->heading(b, 3, "2.1 Publicly available datasets");
	be->field(b, "Used", "no");
	be->heading(b, 3, "2.2 Private non-publicly available datasets "
			  "obtained from third parties");
	if (!doc_licensed(be, b, d))
		return false;
	be->heading(b, 3, "2.3 Data crawled and scraped from online sources");
	be->field(b, "Used", "no");
	be->heading(b, 3, "2.4 User data");
	be->field(b, "Used", "no");
	be->heading(b, 3, "2.5 Synthetic data");
	be->field(b, "Used", "no");
	be->heading(b, 3, "2.6 Other sources of data");
	be->field(b, "Used", "no");
	return true;
}

static bool doc_processing(const struct doc_backend *be, struct ll_buf *b,
			   const struct ll_disclosure *d)
{
	static const char *const cols[] = { "Reason", "Meaning", "Items",
					    "Hours" };
	char n1[NUM_SIZE], h[LL_DISCLOSE_HOURS_SIZE];
	struct cells c;
	size_t i;

	if (!cells_init(&c, N_REASONS * 4))
		return false;
	be->heading(b, 2, "3. Data processing aspects");
	be->heading(b, 3, "3.1 Respect of reservation of rights from text and "
			  "data mining exception or limitation");
	be->field(b, "Consent", "opt-in required from every rights holder "
				"with a share");
	be->field(b, "Opt-outs", "honoured at each training run's trained_at");
	be->para(b, CONSENT_TEXT);
	for (i = 0; i < N_REASONS; i++) {
		cell_str(&c, ll_reason_name(reasons[i]));
		cell_str(&c, reason_text(reasons[i]));
		cell_num(&c, d->excluded[reasons[i]].items);
		cell_hours(&c, d->excluded[reasons[i]].ms);
	}
	be->table(b, cols, 4, c.v, N_REASONS);
	cells_release(&c);
	num(n1, d->excluded_items);
	ll_disclose_hours(d->excluded_ms, h);
	be->field(b, "Excluded items", n1);
	be->field(b, "Excluded hours", h);
	return true;
}

static enum ll_status render_doc(const struct doc_backend *be,
				 const struct ll_disclosure *d, char **out,
				 size_t *len)
{
	struct ll_buf b = LL_BUF_INIT;
	char title[256];
	bool ok;

	snprintf(title, sizeof(title),
		 "Public summary of training content: %.200s", d->model);
	be->begin(&b, title);
	be->para(&b, "Shaped after the European Commission's template for the "
		     "public summary of training content of general-purpose "
		     "AI models (July 2025).");
	ok = doc_general(be, &b, d) && doc_sources(be, &b, d) &&
	     doc_processing(be, &b, d);
	be->end(&b);
	if (!ok || b.fail || !b.s) {
		free(b.s);
		return LL_NOMEM;
	}
	*out = b.s;
	*len = b.n;
	return LL_OK;
}

bool ll_disclosure_format_parse(const char *name,
				enum ll_disclosure_format *f)
{
	if (strcmp(name, "json") == 0)
		*f = LL_DISCLOSURE_JSON;
	else if (strcmp(name, "md") == 0)
		*f = LL_DISCLOSURE_MD;
	else if (strcmp(name, "html") == 0)
		*f = LL_DISCLOSURE_HTML;
	else
		return false;
	return true;
}

enum ll_status ll_disclosure_render(const struct ll_disclosure *d,
				    enum ll_disclosure_format f, char **out,
				    size_t *len)
{
	switch (f) {
	case LL_DISCLOSURE_JSON:
		return render_json(d, out, len);
	case LL_DISCLOSURE_MD:
		return render_doc(&md, d, out, len);
	case LL_DISCLOSURE_HTML:
		return render_doc(&html, d, out, len);
	}
	return LL_INTERNAL;
}
