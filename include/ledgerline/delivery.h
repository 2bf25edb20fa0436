/*
 * delivery.h — the decisions of `ledgerline deliver` (SPEC §6), pure: the
 * webhook-id of a statement, the bytes a webhook signature signs, what a
 * response means (delivered, retry at a time, failed, disabled) and the
 * Retry-After header.
 *
 * Design decision: the outcome of an attempt is a function of the attempt
 * number, the response and a random number handed in, so that the retry
 * schedule (exponential backoff with full jitter, Retry-After honoured and
 * capped) is unit-tested without a network, a clock or a database.
 */
#ifndef LEDGERLINE_DELIVERY_H
#define LEDGERLINE_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

enum {
	/* "msg_" + 32 hex digits and its NUL */
	LL_DELIVERY_ID_LEN = 4 + 32,
	/* attempts of one statement, over every invocation, before a
	 * retryable answer becomes a failure */
	LL_DELIVERY_ATTEMPTS_TOTAL_MAX = 50,
	/* a Retry-After beyond this is taken as this */
	LL_DELIVERY_RETRY_AFTER_MAX_S = 3600,
};

enum ll_delivery_outcome {
	LL_DELIVERY_DELIVERED,	/* 2xx: acknowledged, never sent again */
	LL_DELIVERY_RETRY,	/* 429, 5xx, no response: send again later */
	LL_DELIVERY_FAILED,	/* 3xx (not followed), other 4xx, too many
				 * attempts: reported, not sent again */
	LL_DELIVERY_DISABLED,	/* 410: the endpoint is gone */
};

/* "delivered", "retry", "failed", "disabled" (as stored). */
const char *ll_delivery_outcome_name(enum ll_delivery_outcome o);

/* The retry schedule. */
struct ll_delivery_policy {
	int64_t backoff_base_ms;	/* the first retry waits up to this */
	int64_t backoff_max_ms;		/* no backoff waits longer */
	int attempts_total_max;		/* LL_DELIVERY_ATTEMPTS_TOTAL_MAX */
};

/* backoff 1 s doubling up to 5 min, LL_DELIVERY_ATTEMPTS_TOTAL_MAX. */
void ll_delivery_policy_default(struct ll_delivery_policy *p);

/* What came back from attempt number `attempt` (1-based). */
struct ll_delivery_response {
	int http_status;	/* 0: no response (transport error) */
	int64_t retry_after_ms;	/* the Retry-After header; -1 when absent */
};

struct ll_delivery_decision {
	enum ll_delivery_outcome outcome;
	int64_t delay_ms;	/* RETRY: wait this long before the next */
	const char *reason;	/* static text for people */
};

/*
 * Decide what an attempt's response means.  2xx delivered; 410 disabled;
 * 429, 5xx and no response retry after max(the Retry-After, capped at
 * LL_DELIVERY_RETRY_AFTER_MAX_S; a full-jitter backoff: rnd mod
 * (min(backoff_max, backoff_base · 2^(attempt−1)) + 1) ms), unless
 * attempt reached attempts_total_max (then failed); 3xx failed (a redirect
 * is not followed); every other status failed.
 */
void ll_delivery_decide(const struct ll_delivery_policy *p, int attempt,
			const struct ll_delivery_response *r, uint64_t rnd,
			struct ll_delivery_decision *d);

/*
 * A Retry-After header value (RFC 9110 §10.2.3): delay-seconds, or an
 * HTTP-date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") taken relative
 * to now_s (unix seconds; a date in the past is 0).  *delay_ms is the wait
 * in milliseconds, capped at LL_DELIVERY_RETRY_AFTER_MAX_S.  Returns false
 * (and leaves *delay_ms alone) for a value that is neither.
 */
bool ll_delivery_retry_after(const char *value, int64_t now_s,
			     int64_t *delay_ms);

/*
 * The webhook-id of the statement of party in posting `posting` of run
 * run_id: "msg_" + the first 32 hex digits of SHA-256 of
 * "ledgerline/webhook/v1\n" run_id "\n" posting "\n" party.  The same
 * statement always has the same id (the idempotency key receivers
 * deduplicate on); another statement never does.
 */
void ll_delivery_webhook_id(const char *run_id, int64_t posting,
			    const char *party,
			    char out[LL_DELIVERY_ID_LEN + 1]);

/*
 * The bytes a Standard Webhooks signature signs: id "." timestamp "."
 * body.  New malloc'd buffer of *len bytes (NULL when out of memory).
 */
uint8_t *ll_delivery_signed_content(const char *id, int64_t timestamp,
				    const char *body, size_t body_len,
				    size_t *len);

/* One recorded attempt and its outcome, as the outbox holds them. */
struct ll_delivery_sealed {
	const char *webhook_id;
	int attempt;
	const char *url, *owner;
	int owner_version;
	int64_t webhook_timestamp;
	const char *outcome;	/* "delivered", "retry", "failed", "disabled" */
	int http_status;	/* 0: none */
	const char *error;	/* NULL: none */
	int64_t retry_after_s;	/* -1: none */
};

/*
 * The text the seal of an outcome signs (sql/012_delivery_seal.sql):
 * "ledgerline-delivery-outcome-v1\n" then one "name value\n" line per
 * field of s, in the order of the struct, free text (url, owner, error)
 * as "LENGTH:BYTES" so that no value can pose as another.  New malloc'd
 * NUL-terminated string, NULL when out of memory.
 */
char *ll_delivery_seal_text(const struct ll_delivery_sealed *s);

#endif
