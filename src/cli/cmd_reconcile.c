/*
 * cmd_reconcile.c — "ledgerline reconcile": hold a party's statements
 * against its own catalogue, as a label's or publisher's royalty analyst
 * would, with no database.
 *
 * Design decision: everything is read and checked before anything is
 * printed (the catalogue, then every statement), so bad input leaves
 * stdout empty and exits 3; the reconciliation itself is the core's
 * (reconcile.h), and this file reads files, checks signatures when a key
 * is given, and lays the findings out as text, CSV or JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ledgerline/catalog.h"
#include "ledgerline/cli.h"
#include "ledgerline/dsse.h"
#include "ledgerline/io.h"
#include "ledgerline/reconcile.h"
#include "ledgerline/render.h"
#include "ledgerline/sign.h"
#include "ledgerline/statement.h"

enum { STATEMENT_BYTES_MAX = 256 * 1024 * 1024, TEXT_WIDTH_MAX = 80 };

static const char usage[] =
	"usage: ledgerline reconcile STATEMENT... --catalog FILE.csv\n"
	"                            [--key PUB.pem] [--strict]\n"
	"                            [--format text|csv|json]\n"
	"\n"
	"Hold signed statements (statements/<party>.dsse.json) against your\n"
	"own catalogue, without any database.  The catalogue is CSV with a\n"
	"header naming its columns, in any order: isrc, share_master,\n"
	"share_publishing, and optionally iswc and title; one row per work,\n"
	"shares as exact strings (\"1/2\" or \"0.5\"), empty where you hold no\n"
	"share of that side; a row without an isrc names its work by iswc.\n"
	"\n"
	"The statements are those of one party (the catalogue's) and of the\n"
	"parties it is payee for.  Findings:\n"
	"  unknown_work    a line of a work not in the catalogue\n"
	"  share_mismatch  the catalogue party's share on a line is not the\n"
	"                  catalogue's for that side\n"
	"  arithmetic      share x work_exact is not exact, or the amount is\n"
	"                  not exact rounded to minor units\n"
	"  signature, statement  with --key: the statement does not verify\n"
	"  missing_work    a catalogue work no line pays, with the reason of\n"
	"                  the statements' exclusions, else \"not used\"\n"
	"                  (a discrepancy only with --strict)\n"
	"  unallocated     a line of no work (information)\n"
	"Without --key the signatures are not checked (a warning says so).\n"
	"\n"
	"Exit codes: 0 no discrepancy, 1 discrepancies, 2 usage, 3 invalid\n"
	"input (the catalogue or a statement cannot be read).\n";

struct args {
	const char *catalog, *key, *format;
	bool strict;
	int first, argc;
	char **argv;
};

/* Everything read, before anything is printed. */
struct job {
	struct args a;
	const struct ll_render_backend *be;	/* csv; NULL for text, json */
	struct ll_catalog cat;
	struct ll_key key;
	bool keyed;
	json_t **st;		/* the statements' in-toto statements */
	struct ll_recon_input *in;
	size_t n;
	struct ll_recon r;
	struct ll_error err;
};

static enum ll_status parse_args(int argc, char **argv, struct args *a,
				 int *help)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "strict", no_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc = LL_OK;
	int c;

	*help = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			*help = 1;
			return LL_OK;
		case 'c':
			rc = ll_cli_set_once("reconcile", "--catalog",
					     &a->catalog, optarg);
			break;
		case 'k':
			rc = ll_cli_set_once("reconcile", "--key", &a->key,
					     optarg);
			break;
		case 'f':
			rc = ll_cli_set_once("reconcile", "--format",
					     &a->format, optarg);
			break;
		case 's':
			a->strict = true;
			break;
		default:
			return ll_cli_usage_error("reconcile",
						  "invalid option");
		}
		if (rc != LL_OK)
			return rc;
	}
	if (!a->catalog)
		return ll_cli_usage_error("reconcile",
					  "--catalog FILE.csv is required");
	if (optind >= argc)
		return ll_cli_usage_error("reconcile", "no statement given");
	if (!a->format)
		a->format = "text";
	if (strcmp(a->format, "text") != 0 && strcmp(a->format, "csv") != 0 &&
	    strcmp(a->format, "json") != 0)
		return ll_cli_usage_error("reconcile", "--format must be "
					  "text, csv or json, not \"%s\"",
					  a->format);
	a->first = optind;
	a->argc = argc;
	a->argv = argv;
	return LL_OK;
}

static enum ll_status read_catalog(struct job *j)
{
	char *text = NULL;
	size_t len = 0;
	enum ll_status rc;

	rc = ll_read_all(j->a.catalog, LL_CATALOG_BYTES_MAX, &text, &len,
			 &j->err);
	if (rc == LL_OK)
		rc = ll_catalog_parse(&j->cat, j->a.catalog, text, len,
				      &j->err);
	free(text);
	return rc;
}

/*
 * The in-toto statement inside envelope text (not verified: the
 * signature is checked, when a key is given, by check_signature), a
 * new reference in *st.  LL_INVALID with err naming the file.
 */
static enum ll_status open_envelope(const char *name, const char *text,
				    size_t len, json_t **st,
				    struct ll_error *err)
{
	json_t *env = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	const char *b64 = json_string_value(json_object_get(env, "payload"));
	uint8_t *payload = NULL;
	size_t plen = 0;
	const char *why = NULL;

	*st = NULL;
	if (!b64)
		why = "not a DSSE envelope (no payload)";
	else if (!(payload = ll_base64_decode(b64, strlen(b64), &plen)))
		why = "payload is not base64";
	else if (!(*st = json_loadb((const char *)payload, plen,
				    JSON_REJECT_DUPLICATES, NULL)))
		why = "payload is not JSON";
	else if (!json_is_object(json_object_get(*st, "predicate")) ||
		 !json_string_value(json_object_get(*st, "predicateType")) ||
		 strcmp(json_string_value(json_object_get(*st,
							  "predicateType")),
			LL_STATEMENT_PREDICATE_TYPE) != 0)
		why = "not a ledgerline statement of account";
	json_decref(env);
	free(payload);
	if (!why)
		return LL_OK;
	json_decref(*st);
	*st = NULL;
	return ll_error_set(err, LL_INVALID, name, 0, "payload", "%s", why);
}

/* With --key: verify statement name as verify does; a statement that
 * does not verify is a finding, signature or statement. */
static enum ll_status check_signature(struct job *j, const char *name,
				      const char *text, size_t len,
				      const json_t *st)
{
	struct ll_verdict v;
	uint8_t *payload = NULL;
	char *type = NULL;
	size_t plen;
	enum ll_status rc, open_rc;
	struct ll_error oerr;

	rc = ll_statement_verify(name, text, len, &j->key, NULL, &v, &j->err);
	if (rc != LL_OK || !v.problem[0])
		return rc;
	open_rc = ll_dsse_open(text, len, &j->key, &payload, &plen, &type,
			       &oerr);
	free(payload);
	free(type);
	if (open_rc == LL_NOMEM)
		return ll_error_set(&j->err, LL_NOMEM, name, 0, NULL, "%s",
				    oerr.text);
	return ll_recon_add_problem(&j->r, open_rc == LL_OK ?
				    LL_RECON_STATEMENT : LL_RECON_SIGNATURE,
				    name, json_string_value(json_object_get(
					    json_object_get(json_object_get(
						    st, "predicate"), "party"),
					    "id")), v.problem, &j->err);
}

static enum ll_status read_statements(struct job *j)
{
	enum ll_status rc = LL_OK;
	size_t i;

	j->n = (size_t)(j->a.argc - j->a.first);
	j->st = calloc(j->n, sizeof(*j->st));
	j->in = calloc(j->n, sizeof(*j->in));
	if (!j->st || !j->in)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	for (i = 0; i < j->n && rc == LL_OK; i++) {
		const char *name = j->a.argv[j->a.first + (int)i];
		char *text = NULL;
		size_t len = 0;

		rc = ll_read_all(name, STATEMENT_BYTES_MAX, &text, &len,
				 &j->err);
		if (rc == LL_OK)
			rc = open_envelope(name, text, len, &j->st[i],
					   &j->err);
		if (rc == LL_OK && j->keyed)
			rc = check_signature(j, name, text, len,
					     j->st[i]);
		free(text);
		j->in[i].name = name;
		j->in[i].predicate = json_object_get(j->st[i], "predicate");
	}
	return rc;
}

/* The work a finding is about, for a person: ISRC, else ISWC. */
static const char *ident(const struct ll_recon_finding *f)
{
	return f->isrc ? f->isrc : f->iswc ? f->iswc : "-";
}

/* Print text indented by four spaces, broken at spaces to fit
 * TEXT_WIDTH_MAX columns (a word longer than a line stands alone). */
static void wrap(const char *text)
{
	const size_t width = TEXT_WIDTH_MAX - 4;
	const char *p = text;

	while (*p) {
		size_t n = strlen(p), cut = n;

		if (n > width) {
			for (cut = width; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)
				for (cut = width; p[cut] && p[cut] != ' ';
				     cut++)
					;
		}
		printf("    %.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void print_text(const struct job *j)
{
	const struct ll_recon *r = &j->r;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct ll_recon_finding *f = &r->v[i];
		char *who = NULL;

		/* kind, work, weight and the title when it fits */
		printf("%-14s %-15s %-11s", ll_recon_kind_name(f->kind),
		       ident(f), f->discrepancy ? "discrepancy" : "note");
		if (f->title && strlen(f->title) + 45 <= TEXT_WIDTH_MAX)
			printf(" \"%s\"\n", f->title);
		else if (f->title)
			printf("\n    \"%s\"\n", f->title);
		else
			printf("\n");
		if (f->statement &&
		    asprintf(&who, "%s (party %s): %s", f->statement,
			     f->party ? f->party : "?", f->detail) >= 0) {
			wrap(who);
			free(who);
		} else {
			wrap(f->detail);
		}
	}
	printf("%s: %zu statement%s, %zu line%s, %zu work%s (%zu paid), "
	       "%zu discrepanc%s, %zu note%s\n",
	       r->party, r->statements, r->statements == 1 ? "" : "s",
	       r->lines, r->lines == 1 ? "" : "s", r->works,
	       r->works == 1 ? "" : "s", r->works_paid, r->discrepancies,
	       r->discrepancies == 1 ? "y" : "ies", r->notes,
	       r->notes == 1 ? "" : "s");
}

static const struct ll_render_col csv_cols[] = {
	{ "kind", 0, LL_RENDER_LEFT },
	{ "discrepancy", 0, LL_RENDER_LEFT },
	{ "statement", 0, LL_RENDER_LEFT },
	{ "party", 0, LL_RENDER_LEFT },
	{ "licence", 0, LL_RENDER_LEFT },
	{ "work", 0, LL_RENDER_LEFT },
	{ "isrc", 0, LL_RENDER_LEFT },
	{ "iswc", 0, LL_RENDER_LEFT },
	{ "title", 0, LL_RENDER_LEFT },
	{ "component", 0, LL_RENDER_LEFT },
	{ "side", 0, LL_RENDER_LEFT },
	{ "catalogue_share", 0, LL_RENDER_LEFT },
	{ "statement_share", 0, LL_RENDER_LEFT },
	{ "reason", 0, LL_RENDER_LEFT },
	{ "detail", 0, LL_RENDER_LEFT },
};
enum { N_COLS = sizeof(csv_cols) / sizeof(csv_cols[0]) };

/* The values of finding f in csv_cols order, borrowed from f. */
static void values(const struct ll_recon_finding *f, const char *v[N_COLS])
{
	const char *const all[N_COLS] = {
		ll_recon_kind_name(f->kind),
		f->discrepancy ? "true" : "false", f->statement, f->party,
		f->licence, f->work, f->isrc, f->iswc, f->title, f->component,
		f->side, f->catalogue_share, f->statement_share, f->reason,
		f->detail
	};

	memcpy(v, all, sizeof(all));
}

static enum ll_status print_csv(struct job *j)
{
	static const struct ll_render_table t = { csv_cols, N_COLS, NULL };
	struct ll_render rd;
	const char *v[N_COLS];
	size_t i;

	ll_render_begin(&rd, j->be, &t, NULL, stdout);
	for (i = 0; i < j->r.n; i++) {
		values(&j->r.v[i], v);
		ll_render_row(&rd, v);
	}
	return ll_render_end(&rd, &j->err);
}

/* The findings as one JSON document (schema in the man page); a new
 * reference, NULL on no memory. */
static json_t *json_doc(const struct job *j)
{
	const struct ll_recon *r = &j->r;
	json_t *doc = json_object(), *arr = json_array();
	const char *v[N_COLS];
	size_t i, k;
	int fail = !doc || !arr;

	for (i = 0; i < r->n && !fail; i++) {
		json_t *o = json_object();

		values(&r->v[i], v);
		fail |= !o || json_array_append_new(arr, o) != 0;
		for (k = 0; k < N_COLS && !fail; k++)
			fail |= json_object_set_new(
				o, csv_cols[k].name,
				k == 1 ? json_boolean(r->v[i].discrepancy) :
				v[k] ? json_string(v[k]) : json_null()) != 0;
	}
	fail |= json_object_set_new(doc, "party", json_string(r->party)) ||
		json_object_set_new(doc, "catalog",
				    json_string(j->a.catalog)) ||
		json_object_set_new(doc, "signatures_checked",
				    json_boolean(j->keyed)) ||
		json_object_set_new(doc, "key", j->keyed ?
				    json_string(j->key.keyid) : json_null()) ||
		json_object_set_new(doc, "statements",
				    json_integer((json_int_t)r->statements)) ||
		json_object_set_new(doc, "lines",
				    json_integer((json_int_t)r->lines)) ||
		json_object_set_new(doc, "works",
				    json_integer((json_int_t)r->works)) ||
		json_object_set_new(doc, "works_paid",
				    json_integer((json_int_t)r->works_paid)) ||
		json_object_set_new(doc, "discrepancies",
				    json_integer((json_int_t)r->discrepancies)) ||
		json_object_set_new(doc, "notes",
				    json_integer((json_int_t)r->notes)) ||
		json_object_set(doc, "findings", arr);
	json_decref(arr);
	if (fail) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static enum ll_status print_json(struct job *j)
{
	json_t *doc = json_doc(j);
	char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) :
			  NULL;

	json_decref(doc);
	if (!s)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory writing JSON");
	printf("%s\n", s);
	free(s);
	return LL_OK;
}

static void job_release(struct job *j)
{
	size_t i;

	for (i = 0; j->st && i < j->n; i++)
		json_decref(j->st[i]);
	free(j->st);
	free(j->in);
	ll_catalog_release(&j->cat);
	ll_key_release(&j->key);
	ll_recon_release(&j->r);
}

static enum ll_status reconcile(struct job *j)
{
	enum ll_status rc;

	rc = read_catalog(j);
	if (rc == LL_OK && j->keyed)
		rc = ll_key_load_public(&j->key, j->a.key, &j->err);
	if (rc == LL_OK)
		rc = read_statements(j);
	if (rc == LL_OK)
		rc = ll_reconcile(&j->r, &j->cat, j->in, j->n, j->a.strict,
				  &j->err);
	if (rc != LL_OK)
		return rc;
	if (!j->keyed)
		fprintf(stderr, "ledgerline: warning: signatures not checked "
			"(no --key)\n");
	if (strcmp(j->a.format, "json") == 0)
		rc = print_json(j);
	else if (j->be)
		rc = print_csv(j);
	else
		print_text(j);
	return rc;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct job j;
	enum ll_status rc;
	int help;

	(void)ctx; /* no configuration, no database */
	memset(&j, 0, sizeof(j));
	rc = parse_args(argc, argv, &j.a, &help);
	if (rc != LL_OK)
		return rc;
	if (help)
		return ll_cli_help(usage);
	ll_error_clear(&j.err);
	ll_catalog_init(&j.cat);
	ll_key_init(&j.key);
	ll_recon_init(&j.r);
	j.keyed = j.a.key != NULL;
	j.be = strcmp(j.a.format, "csv") == 0 ? ll_render_backend("csv") : NULL;
	rc = reconcile(&j);
	if (rc != LL_OK)
		ll_cli_print_error(&j.err);
	else if (j.r.discrepancies)
		rc = LL_FINDINGS;
	job_release(&j);
	return rc == LL_IO ? LL_INVALID : rc;
}

const struct ll_cmd ll_cmd_reconcile = { "reconcile", run, 0,
					 "hold statements against your "
					 "catalogue (no database)",
					 usage };
