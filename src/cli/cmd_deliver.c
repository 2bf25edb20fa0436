/*
 * cmd_deliver.c — "ledgerline deliver": POST each stored statement to its
 * party's webhook, else its payee's, as Standard Webhooks (SPEC §6), with
 * every attempt recorded in the outbox (sql/010_delivery.sql).
 *
 * Design decision: the outbox is written before and after every request,
 * each row committed on its own (no transaction around the command):
 * "attempt N started" before the POST, its outcome after it.  A statement
 * whose outcome is "delivered" is never sent again; one whose last
 * attempt has no outcome (deliver was killed in between) is sent again
 * with the same webhook-id, which receivers deduplicate on.  What a
 * response means is decided by the core (delivery.h); this file only
 * carries a statement through resolve, send and record, and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/delivery.h"
#include "ledgerline/dsse.h"
#include "ledgerline/registry.h"
#include "ledgerline/render.h"
#include "ledgerline/sign.h"
#include "ledgerline/webhook.h"

enum {
	ATTEMPTS_DEFAULT = 5,		/* per statement per invocation */
	ATTEMPTS_MAX = 100,
	MAX_WAIT_MS_DEFAULT = 60000,	/* waiting for retries, in all */
	MAX_WAIT_MS_MAX = 24 * 3600 * 1000,
	DETAIL_MAX = 320,
};

static const char usage[] =
	"usage: ledgerline deliver [--run RUN] [--cacert FILE] [--dry-run]\n"
	"                          [--timeout-ms N] [--attempts N]\n"
	"                          [--max-wait-ms N]\n"
	"\n"
	"POST every signed statement not yet acknowledged to its party's\n"
	"webhook, else to its payee's (the registry in force now), following\n"
	"the Standard Webhooks specification: the body is the statement's\n"
	"DSSE envelope as stored, with the headers webhook-id (stable per\n"
	"statement: the idempotency key), webhook-timestamp and\n"
	"webhook-signature (v1a: Ed25519 with the signing key over\n"
	"\"ID.TIMESTAMP.BODY\").  https only, certificates verified, redirects\n"
	"not followed, the answer cut at 64 KiB.\n"
	"\n"
	"2xx: delivered, never sent again.  410: the endpoint is disabled\n"
	"until the party record naming it is loaded as a new version.  429,\n"
	"5xx, no answer: retried with exponential backoff and jitter,\n"
	"honouring Retry-After.  3xx and other 4xx: failed, reported.  Every\n"
	"attempt is recorded; running deliver again resumes.\n"
	"\n"
	"  --run RUN         only the statements of run RUN (all its postings)\n"
	"  --cacert FILE     CA certificates to verify endpoints with (also\n"
	"                    deliver.cacert); default: the system's\n"
	"  --dry-run         list what would be sent; send and record nothing\n"
	"  --timeout-ms N    one request's total time (default 10000)\n"
	"  --attempts N      attempts per statement in this run (default 5)\n"
	"  --max-wait-ms N   time spent waiting for retries (default 60000)\n"
	"\n"
	"Retries back off from deliver.backoff_base_ms (default 1000) up to\n"
	"deliver.backoff_max_ms (default 300000); after 50 attempts in all a\n"
	"delivery fails.\n"
	"\n"
	"Exit codes: 0 nothing left pending, 2 usage, 3 invalid input,\n"
	"4 database, 5 deliveries still pending (run deliver again later),\n"
	"6 internal.\n"
	"Failed and disabled deliveries are reported on stderr and in the\n"
	"summary; they do not change the exit code.\n";

static const struct ll_render_col columns[] = {
	{ "run", 36, LL_RENDER_LEFT },	 { "posting", 7, LL_RENDER_RIGHT },
	{ "party", 12, LL_RENDER_LEFT }, { "endpoint", 40, LL_RENDER_LEFT },
	{ "outcome", 11, LL_RENDER_LEFT }, { "attempts", 8, LL_RENDER_RIGHT },
	{ "detail", 0, LL_RENDER_LEFT },
};

static const struct ll_render_table table = {
	columns, sizeof(columns) / sizeof(columns[0]), NULL
};

struct args {
	const char *run, *cacert;
	bool dry_run;
	long timeout_ms;
	int attempts;
	long max_wait_ms;
	int help;
};

/* What became of one statement in this invocation. */
struct result {
	const char *url;	/* borrowed from the registry, or "" */
	const char *outcome;	/* delivered, pending, failed, disabled, ... */
	int attempts;		/* recorded so far, over every invocation */
	char detail[DETAIL_MAX];
};

struct job {
	struct ll_cli_ctx *ctx;
	struct args a;
	struct ll_error err;
	struct ll_key key;
	struct ll_registry reg;
	struct ll_errlist errs;
	struct ll_delivery_policy pol;
	struct ll_delivery_item *items;
	size_t n;
	int64_t already;	/* acknowledged before this invocation */
	struct result *res;
	int64_t deadline_ms;	/* stop waiting for retries after this */
	bool tty;
	size_t delivered, pending, failed, disabled, no_endpoint, dry;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t random64(void)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint64_t)now_ms() * 6364136223846793005ULL;
	return r;
}

/* A decimal option value in [lo, hi]. */
static enum ll_status number(const char *opt, const char *v, long lo, long hi,
			     long *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return ll_cli_usage_error("deliver",
					  "%s must be a number from %ld to %ld",
					  opt, lo, hi);
	*out = x;
	return LL_OK;
}

static enum ll_status parse_option(struct args *a, int c)
{
	long v;
	enum ll_status rc;

	switch (c) {
	case 'r':
		return ll_cli_set_once("deliver", "--run", &a->run, optarg);
	case 'c':
		return ll_cli_set_once("deliver", "--cacert", &a->cacert,
				       optarg);
	case 'n':
		a->dry_run = true;
		return LL_OK;
	case 't':
		return number("--timeout-ms", optarg, 1,
			      LL_WEBHOOK_TIMEOUT_MS_MAX, &a->timeout_ms);
	case 'a':
		rc = number("--attempts", optarg, 1, ATTEMPTS_MAX, &v);
		a->attempts = (int)v;
		return rc;
	case 'w':
		return number("--max-wait-ms", optarg, 0, MAX_WAIT_MS_MAX,
			      &a->max_wait_ms);
	default:
		return ll_cli_usage_error("deliver", "invalid option");
	}
}

static enum ll_status parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "run", required_argument, NULL, 'r' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "max-wait-ms", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc;
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = LL_WEBHOOK_TIMEOUT_MS_DEFAULT;
	a->attempts = ATTEMPTS_DEFAULT;
	a->max_wait_ms = MAX_WAIT_MS_DEFAULT;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			a->help = 1;
			return LL_OK;
		}
		rc = parse_option(a, c);
		if (rc != LL_OK)
			return rc;
	}
	if (optind != argc)
		return ll_cli_usage_error("deliver", "unexpected argument '%s'",
					  argv[optind]);
	if (a->run && (strncmp(a->run, "run-", 4) != 0 ||
		       strlen(a->run) != 4 + 32 ||
		       strspn(a->run + 4, "0123456789abcdef") != 32))
		return ll_cli_usage_error("deliver",
					  "invalid run id '%s' (run- and 32 "
					  "hex digits)",
					  a->run);
	return LL_OK;
}

/* ---- phases --------------------------------------------------------------- */

/* The connection, the deliver lock, the signing key, the registry in
 * force and the statements not yet acknowledged. */
static enum ll_status open_all(struct job *j)
{
	char key_priv[PATH_MAX], key_pub[PATH_MAX];
	bool taken = false;
	enum ll_status rc;

	rc = ll_cli_open(j->ctx, &j->err);
	if (rc == LL_OK && !j->a.dry_run) {
		rc = ll_db_delivery_lock(&j->ctx->db, &taken, &j->err);
		if (rc == LL_OK && !taken)
			rc = ll_error_set(&j->err, LL_NETWORK, NULL, 0, NULL,
					  "another deliver is running on this "
					  "ledger; try again when it is done");
	}
	if (rc == LL_OK)
		rc = ll_config_key_paths(&j->ctx->cfg, key_priv, key_pub,
					 &j->err);
	if (rc == LL_OK)
		rc = ll_key_load_private(&j->key, key_priv, &j->err);
	if (rc == LL_OK)
		rc = ll_db_registry_read(&j->ctx->db, &j->reg, &j->errs,
					 &j->err);
	if (rc == LL_OK && ll_registry_link(&j->reg, &j->errs) != LL_OK)
		rc = ll_error_set(&j->err, LL_DB, NULL, 0, NULL,
				  "the stored registry does not hold together");
	if (rc == LL_OK)
		rc = ll_db_delivery_items(&j->ctx->db, j->a.run, &j->items,
					  &j->n, &j->already, &j->err);
	if (rc == LL_OK) {
		j->res = calloc(j->n ? j->n : 1, sizeof(*j->res));
		if (!j->res)
			rc = ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
					  "out of memory");
	}
	return rc;
}

/* The party whose webhook the statement of it goes to: itself, else its
 * payee; NULL when neither has one. */
static const struct ll_party *owner_of(const struct job *j, const char *party)
{
	const struct ll_party *p = ll_registry_party(&j->reg, party);

	if (!p)
		return NULL;
	if (p->webhook)
		return p;
	p = p->payee ? ll_registry_party(&j->reg, p->payee) : NULL;
	return p && p->webhook ? p : NULL;
}

static void report(struct job *j, const struct ll_delivery_item *it,
		   struct result *r, const char *outcome, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void report(struct job *j, const struct ll_delivery_item *it,
		   struct result *r, const char *outcome, const char *fmt, ...)
{
	va_list ap;

	r->outcome = outcome;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	if (strcmp(outcome, "failed") == 0 || strcmp(outcome, "disabled") == 0 ||
	    strcmp(outcome, "pending") == 0)
		fprintf(stderr, "ledgerline: %s: deliver: %s (%s posting %lld)"
				": %s: %s\n",
			r->url[0] ? r->url : "-", it->party, it->run_id,
			(long long)it->posting, outcome, r->detail);
	else if (j->tty)
		fprintf(stderr, "deliver: [%zu/%zu] %s (posting %lld) %s: %s\n",
			(size_t)(r - j->res) + 1, j->n, it->party,
			(long long)it->posting, outcome, r->detail);
}

/* "v1a," + base64 Ed25519 over id.timestamp.body; NULL on failure. */
static char *signature(struct job *j, const char *id, int64_t ts,
		       const char *body)
{
	uint8_t sig[LL_ED25519_SIG_LEN];
	size_t len;
	uint8_t *msg = ll_delivery_signed_content(id, ts, body, strlen(body),
						  &len);
	char *b64, *out = NULL;

	if (!msg || ll_key_sign(&j->key, msg, len, sig, &j->err) != LL_OK) {
		free(msg);
		return NULL;
	}
	free(msg);
	b64 = ll_base64_encode(sig, sizeof(sig));
	if (b64 && (out = malloc(strlen(b64) + 5)) != NULL)
		snprintf(out, strlen(b64) + 5, "v1a,%s", b64);
	free(b64);
	return out;
}

/* out->seal: attempt at and its outcome *out signed with the statement key
 * (over ll_delivery_seal_text), base64 in *b64 (to free); LL_OK, or the
 * status with j->err set. */
static enum ll_status seal(struct job *j, const struct ll_delivery_attempt *at,
			   struct ll_delivery_result *out, char **b64)
{
	struct ll_delivery_sealed s = {
		at->webhook_id, at->attempt, at->url, at->owner,
		at->owner_version, at->timestamp, out->outcome,
		out->http_status, out->error,
		out->retry_after_ms >= 0 ? out->retry_after_ms / 1000 : -1
	};
	uint8_t sig[LL_ED25519_SIG_LEN];
	char *text = ll_delivery_seal_text(&s);
	enum ll_status rc;

	*b64 = NULL;
	if (!text)
		return ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory");
	rc = ll_key_sign(&j->key, (const uint8_t *)text, strlen(text), sig,
			 &j->err);
	free(text);
	if (rc == LL_OK && !(*b64 = ll_base64_encode(sig, sizeof(sig))))
		rc = ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
				  "out of memory");
	out->seal = *b64;
	out->seal_key_id = j->key.keyid;
	return rc;
}

/* What a response was, for people: "HTTP 503", or the transport error. */
static void describe(const struct ll_webhook_response *resp, char *out,
		     size_t size)
{
	if (resp->http_status && resp->error[0])
		snprintf(out, size, "HTTP %d (%s)", resp->http_status,
			 resp->error);
	else if (resp->http_status)
		snprintf(out, size, "HTTP %d", resp->http_status);
	else
		snprintf(out, size, "no response: %s", resp->error);
}

/* One attempt: recorded as started, sent, its outcome recorded; *d says
 * what it meant and r->detail what came back. */
static enum ll_status attempt_once(struct job *j, struct ll_delivery_item *it,
				   struct result *r,
				   const struct ll_party *owner, const char *id,
				   const char *body,
				   struct ll_delivery_decision *d)
{
	int64_t ts = now_ms() / 1000;
	struct ll_delivery_attempt at = { id, it->attempts + 1, owner->webhook,
					  owner->id, owner->meta.version, ts };
	struct ll_webhook_request req = { owner->webhook, id, ts, NULL, body,
					  strlen(body), j->a.cacert, 0,
					  j->a.timeout_ms };
	struct ll_delivery_response dr = { 0, -1 };
	struct ll_delivery_result out;
	struct ll_webhook_response resp;
	char *sig = signature(j, id, ts, body);
	enum ll_status rc;

	if (!sig)
		return j->err.code != LL_OK
			       ? j->err.code
			       : ll_error_set(&j->err, LL_NOMEM, NULL, 0, NULL,
					      "out of memory");
	req.signature = sig;
	req.connect_timeout_ms = j->a.timeout_ms < LL_WEBHOOK_CONNECT_TIMEOUT_MS_DEFAULT
					 ? j->a.timeout_ms
					 : LL_WEBHOOK_CONNECT_TIMEOUT_MS_DEFAULT;
	rc = ll_db_delivery_begin(&j->ctx->db, &at, &j->err);
	if (rc == LL_OK) {
		it->attempts++;
		rc = ll_webhook_post(&req, &resp, &j->err);
	}
	free(sig);
	if (rc != LL_OK)
		return rc;
	dr.http_status = resp.http_status;
	if (resp.retry_after[0] &&
	    !ll_delivery_retry_after(resp.retry_after, now_ms() / 1000,
				     &dr.retry_after_ms))
		dr.retry_after_ms = -1;
	ll_delivery_decide(&j->pol, it->attempts, &dr, random64(), d);
	out.outcome = ll_delivery_outcome_name(d->outcome);
	out.http_status = resp.http_status;
	out.error = resp.error[0] ? resp.error : NULL;
	out.retry_after_ms = dr.retry_after_ms;
	out.next_ms = d->outcome == LL_DELIVERY_RETRY ? now_ms() + d->delay_ms
						      : -1;
	it->next_ms = out.next_ms;
	describe(&resp, r->detail, sizeof(r->detail));
	rc = seal(j, &at, &out, &sig);
	if (rc == LL_OK)
		rc = ll_db_delivery_finish(&j->ctx->db, id, it->attempts, &out,
					   &j->err);
	free(sig);
	return rc;
}

/* Wait for the statement's next attempt if it is due within this run's
 * budget; false when it is left for a later run. */
static bool wait_due(struct job *j, const struct ll_delivery_item *it,
		     int sent)
{
	int64_t wait = it->next_ms - now_ms();

	if (sent >= j->a.attempts)
		return false;
	if (wait <= 0)
		return true;
	if (now_ms() + wait > j->deadline_ms)
		return false;
	if (j->tty)
		fprintf(stderr, "deliver: %s: next attempt in %.1f s\n",
			it->party, (double)wait / 1000.0);
	sleep_ms(wait);
	return true;
}

/* Queue the statement, then attempt it until it is delivered, failed or
 * disabled, or its next attempt is beyond this run's budget. */
static enum ll_status send_loop(struct job *j, struct ll_delivery_item *it,
				struct result *r, const struct ll_party *owner,
				const char *id)
{
	struct ll_delivery_decision d = { LL_DELIVERY_RETRY, 0, "" };
	char *body = NULL, last[DETAIL_MAX];
	enum ll_status rc = LL_OK;
	int sent = 0;

	if (!it->queued)
		rc = ll_db_delivery_queue(&j->ctx->db, id, it->posting_id,
					  it->party, &j->err);
	if (rc == LL_OK)
		rc = ll_db_delivery_envelope(&j->ctx->db, it->posting_id,
					     it->party, &body, &j->err);
	snprintf(last, sizeof(last), "%s",
		 it->in_doubt ? "an attempt was in doubt" : "not yet sent");
	while (rc == LL_OK && wait_due(j, it, sent)) {
		rc = attempt_once(j, it, r, owner, id, body, &d);
		sent++;
		r->attempts = it->attempts;
		snprintf(last, sizeof(last), "%s", r->detail);
		if (rc != LL_OK || d.outcome != LL_DELIVERY_RETRY)
			break;
		if (j->tty)
			fprintf(stderr, "deliver: %s: attempt %d: %s: %s\n",
				it->party, it->attempts, last, d.reason);
	}
	free(body);
	if (rc != LL_OK)
		return rc;
	if (sent == 0 || d.outcome == LL_DELIVERY_RETRY) {
		j->pending++;
		report(j, it, r, "pending", "%s; next attempt in %lld s", last,
		       (long long)((it->next_ms - now_ms()) > 0
					   ? (it->next_ms - now_ms() + 999) / 1000
					   : 0));
	} else if (d.outcome == LL_DELIVERY_DELIVERED) {
		j->delivered++;
		report(j, it, r, "delivered", "%s", last);
	} else if (d.outcome == LL_DELIVERY_DISABLED) {
		j->disabled++;
		report(j, it, r, "disabled", "%s: %s", last, d.reason);
	} else {
		j->failed++;
		report(j, it, r, "failed", "%s: %s", last, d.reason);
	}
	return LL_OK;
}

static bool same_endpoint(const struct ll_delivery_item *it,
			  const struct ll_party *owner)
{
	return strcmp(it->last_url, owner->webhook) == 0 &&
	       strcmp(it->last_owner, owner->id) == 0 &&
	       it->last_owner_version == owner->meta.version;
}

/* One statement: where it goes, whether it may go there, then send. */
static enum ll_status deliver_one(struct job *j, size_t i)
{
	struct ll_delivery_item *it = &j->items[i];
	struct result *r = &j->res[i];
	const struct ll_party *owner = owner_of(j, it->party);
	char id[LL_DELIVERY_ID_LEN + 1];
	bool disabled = false;
	enum ll_status rc;

	r->url = owner ? owner->webhook : "";
	r->attempts = it->attempts;
	if (!owner) {
		j->no_endpoint++;
		report(j, it, r, "no endpoint", "no webhook for the party or "
						"its payee");
		return LL_OK;
	}
	if (!ll_webhook_url_ok(r->url)) {
		j->failed++;
		report(j, it, r, "failed", "webhook of %s is not an https:// "
					   "URL: not sent", owner->id);
		return LL_OK;
	}
	rc = ll_db_delivery_disabled(&j->ctx->db, r->url, owner->id,
				     owner->meta.version, &disabled, &j->err);
	if (rc != LL_OK)
		return rc;
	if (disabled) {
		j->disabled++;
		report(j, it, r, "disabled", "endpoint disabled by HTTP 410 "
		       "until party %s is loaded as a new version", owner->id);
		return LL_OK;
	}
	if (strcmp(it->last_outcome, "failed") == 0 && same_endpoint(it, owner)) {
		j->failed++;
		report(j, it, r, "failed", "failed before (HTTP %d%s%s): not "
		       "sent again to this endpoint", it->last_status,
		       it->last_error[0] ? ", " : "", it->last_error);
		return LL_OK;
	}
	ll_delivery_webhook_id(it->run_id, it->posting, it->party, id);
	if (j->a.dry_run) {
		j->dry++;
		report(j, it, r, "would send", "webhook-id %s", id);
		return LL_OK;
	}
	return send_loop(j, it, r, owner, id);
}

static void summarise(struct job *j)
{
	char posting[24], attempts[16];
	struct ll_render out;
	size_t i;

	ll_render_begin(&out, ll_render_backend("text"), &table, NULL, stdout);
	for (i = 0; i < j->n; i++) {
		const struct ll_delivery_item *it = &j->items[i];
		const struct result *r = &j->res[i];
		const char *v[7] = { it->run_id, posting, it->party, r->url,
				     r->outcome, attempts, r->detail };

		if (!r->outcome)
			continue;
		snprintf(posting, sizeof(posting), "%lld",
			 (long long)it->posting);
		snprintf(attempts, sizeof(attempts), "%d", r->attempts);
		ll_render_row(&out, v);
	}
	(void)ll_render_end(&out, NULL);
	printf("%s: %zu delivered, %zu pending, %zu failed, %zu disabled, "
	       "%zu without endpoint, %lld delivered before\n",
	       j->a.dry_run ? "dry run (nothing sent)" : "deliver",
	       j->delivered, j->pending, j->failed, j->disabled,
	       j->no_endpoint, (long long)j->already);
	if (j->a.dry_run)
		printf("would send: %zu\n", j->dry);
}

/* The retry policy: the defaults, with the configured backoff. */
static void policy(struct ll_delivery_policy *p, const struct ll_config *cfg)
{
	ll_delivery_policy_default(p);
	if (cfg->deliver_backoff_base_ms >= 0)
		p->backoff_base_ms = cfg->deliver_backoff_base_ms;
	if (cfg->deliver_backoff_max_ms >= 0)
		p->backoff_max_ms = cfg->deliver_backoff_max_ms;
}

/* A CA file that cannot be read is the user's mistake, said before any
 * attempt, not a network failure on every one. */
static enum ll_status cacert_readable(struct job *j)
{
	FILE *f = fopen(j->a.cacert, "r");

	if (!f)
		return ll_error_set(&j->err, LL_USAGE, j->a.cacert, 0,
				    "cacert", "cannot read CA certificates: %s",
				    strerror(errno));
	fclose(f);
	return LL_OK;
}

static void job_release(struct job *j)
{
	ll_db_delivery_items_free(j->items, j->n);
	free(j->res);
	ll_registry_release(&j->reg);
	ll_errlist_release(&j->errs);
	ll_key_release(&j->key);
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct job j;
	enum ll_status rc;
	bool started;
	size_t i;

	/* an endpoint that drops the connection while the request is being
	 * written ends that attempt, not deliver (under CURLOPT_NOSIGNAL
	 * libcurl leaves SIGPIPE to the program) */
	signal(SIGPIPE, SIG_IGN);
	memset(&j, 0, sizeof(j));
	j.ctx = ctx;
	rc = parse_args(argc, argv, &j.a);
	if (rc != LL_OK || j.a.help)
		return rc == LL_OK ? ll_cli_help(usage) : rc;
	ll_error_clear(&j.err);
	ll_key_init(&j.key);
	ll_registry_init(&j.reg);
	ll_errlist_init(&j.errs, 0);
	policy(&j.pol, &ctx->cfg);
	j.tty = ll_cli_progress_enabled();
	j.deadline_ms = now_ms() + j.a.max_wait_ms;
	rc = open_all(&j);
	if (rc == LL_OK && !j.a.cacert && ctx->cfg.deliver_cacert[0])
		j.a.cacert = ctx->cfg.deliver_cacert;
	if (rc == LL_OK && j.a.cacert)
		rc = cacert_readable(&j);
	started = rc == LL_OK;
	for (i = 0; rc == LL_OK && i < j.n; i++)
		rc = deliver_one(&j, i);
	if (rc != LL_OK) {
		ll_cli_print_errlist(&j.errs);
		ll_cli_print_error(&j.err);
	}
	if (started)
		summarise(&j);
	if (rc == LL_OK && j.pending > 0)
		rc = ll_cli_fail(LL_NETWORK, "%zu deliver%s still pending: run "
				 "'ledgerline deliver' again later",
				 j.pending, j.pending == 1 ? "y is" : "ies are");
	job_release(&j);
	return rc;
}

const struct ll_cmd ll_cmd_deliver = {
	"deliver", run, LL_CMD_DB,
	"send statements to their parties' webhooks", usage
};
