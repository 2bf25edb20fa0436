/*
 * delivery.c — webhook-ids, signed content, the retry schedule and
 * Retry-After for `ledgerline deliver` (delivery.h).
 *
 * Design decision: nothing here reads a clock or draws a random number;
 * the caller hands in the time and the randomness, so every decision is
 * reproducible in a test.  The HTTP-date of a Retry-After is converted to
 * unix seconds with the days-from-civil arithmetic of the proleptic
 * Gregorian calendar, not with the C library's time functions.
 */
#include "ledgerline/delivery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerline/hash.h"

const char *ll_delivery_outcome_name(enum ll_delivery_outcome o)
{
	switch (o) {
	case LL_DELIVERY_DELIVERED:
		return "delivered";
	case LL_DELIVERY_RETRY:
		return "retry";
	case LL_DELIVERY_FAILED:
		return "failed";
	case LL_DELIVERY_DISABLED:
		return "disabled";
	}
	return "?";
}

void ll_delivery_policy_default(struct ll_delivery_policy *p)
{
	p->backoff_base_ms = 1000;
	p->backoff_max_ms = 5 * 60 * 1000;
	p->attempts_total_max = LL_DELIVERY_ATTEMPTS_TOTAL_MAX;
}

/* Full jitter: a uniform wait in [0, min(max, base · 2^(attempt−1))]. */
static int64_t backoff_ms(const struct ll_delivery_policy *p, int attempt,
			  uint64_t rnd)
{
	int64_t cap = p->backoff_base_ms > 0 ? p->backoff_base_ms : 0;
	int i;

	for (i = 1; i < attempt && cap < p->backoff_max_ms; i++)
		cap *= 2;
	if (cap > p->backoff_max_ms)
		cap = p->backoff_max_ms;
	if (cap <= 0)
		return 0;
	return (int64_t)(rnd % ((uint64_t)cap + 1));
}

static void retry(const struct ll_delivery_policy *p, int attempt,
		  const struct ll_delivery_response *r, uint64_t rnd,
		  const char *reason, struct ll_delivery_decision *d)
{
	int64_t wait = backoff_ms(p, attempt, rnd);
	int64_t after = r->retry_after_ms;

	if (attempt >= p->attempts_total_max) {
		d->outcome = LL_DELIVERY_FAILED;
		d->reason = "gave up: too many attempts";
		return;
	}
	if (after > (int64_t)LL_DELIVERY_RETRY_AFTER_MAX_S * 1000)
		after = (int64_t)LL_DELIVERY_RETRY_AFTER_MAX_S * 1000;
	if (after > wait)
		wait = after;
	d->outcome = LL_DELIVERY_RETRY;
	d->delay_ms = wait;
	d->reason = reason;
}

void ll_delivery_decide(const struct ll_delivery_policy *p, int attempt,
			const struct ll_delivery_response *r, uint64_t rnd,
			struct ll_delivery_decision *d)
{
	int s = r->http_status;

	LL_ENSURE(attempt >= 1);
	d->delay_ms = 0;
	if (s >= 200 && s <= 299) {
		d->outcome = LL_DELIVERY_DELIVERED;
		d->reason = "acknowledged";
	} else if (s == 410) {
		d->outcome = LL_DELIVERY_DISABLED;
		d->reason = "endpoint gone (410): disabled";
	} else if (s == 0) {
		retry(p, attempt, r, rnd, "no response", d);
	} else if (s == 429) {
		retry(p, attempt, r, rnd, "too many requests (429)", d);
	} else if (s >= 500 && s <= 599) {
		retry(p, attempt, r, rnd, "server error", d);
	} else if (s >= 300 && s <= 399) {
		d->outcome = LL_DELIVERY_FAILED;
		d->reason = "redirect not followed";
	} else {
		d->outcome = LL_DELIVERY_FAILED;
		d->reason = "refused by the endpoint";
	}
}

/* ---- Retry-After ---------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n decimal digits at s into *v; false unless all are digits. */
static bool digits(const char *s, int n, int64_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" into unix seconds. */
static bool imf_fixdate(const char *s, int64_t *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t day, year, hh, mm, ss, mon;
	const char *m;

	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    strcmp(s + 25, " GMT") != 0)
		return false;
	if (!digits(s + 5, 2, &day) || !digits(s + 12, 4, &year) ||
	    !digits(s + 17, 2, &hh) || !digits(s + 20, 2, &mm) ||
	    !digits(s + 23, 2, &ss))
		return false;
	for (m = months; *m; m += 3) {
		if (strncmp(m, s + 8, 3) == 0)
			break;
	}
	if (!*m)
		return false;
	mon = (m - months) / 3 + 1;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	*t = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
	return true;
}

bool ll_delivery_retry_after(const char *value, int64_t now_s,
			     int64_t *delay_ms)
{
	const int64_t cap = LL_DELIVERY_RETRY_AFTER_MAX_S;
	size_t n = strlen(value);
	int64_t secs, when;

	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	if (n > 0 && n <= 10 && strspn(value, "0123456789") == n) {
		if (!digits(value, (int)n, &secs))
			return false;
	} else if (n == 29) {
		char buf[30];

		memcpy(buf, value, 29);
		buf[29] = '\0';
		if (!imf_fixdate(buf, &when))
			return false;
		secs = when > now_s ? when - now_s : 0;
	} else {
		return false;
	}
	*delay_ms = (secs > cap ? cap : secs) * 1000;
	return true;
}

/* ---- identity and signed content ------------------------------------------ */

void ll_delivery_webhook_id(const char *run_id, int64_t posting,
			    const char *party,
			    char out[LL_DELIVERY_ID_LEN + 1])
{
	static const char domain[] = "ledgerline/webhook/v1\n";
	uint8_t d[LL_SHA256_LEN];
	char hex[LL_SHA256_HEX_LEN + 1], num[32];
	struct ll_hash h;

	snprintf(num, sizeof(num), "%lld", (long long)posting);
	ll_hash_init(&h);
	ll_hash_update(&h, domain, sizeof(domain) - 1);
	ll_hash_update(&h, run_id, strlen(run_id));
	ll_hash_update(&h, "\n", 1);
	ll_hash_update(&h, num, strlen(num));
	ll_hash_update(&h, "\n", 1);
	ll_hash_update(&h, party, strlen(party));
	ll_hash_final(&h, d);
	ll_hex(d, sizeof(d), hex);
	memcpy(out, "msg_", 4);
	memcpy(out + 4, hex, 32);
	out[LL_DELIVERY_ID_LEN] = '\0';
}

uint8_t *ll_delivery_signed_content(const char *id, int64_t timestamp,
				    const char *body, size_t body_len,
				    size_t *len)
{
	char ts[32];
	size_t id_len = strlen(id), ts_len;
	uint8_t *out;

	ts_len = (size_t)snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	*len = id_len + 1 + ts_len + 1 + body_len;
	out = malloc(*len ? *len : 1);
	if (!out)
		return NULL;
	memcpy(out, id, id_len);
	out[id_len] = '.';
	memcpy(out + id_len + 1, ts, ts_len);
	out[id_len + 1 + ts_len] = '.';
	if (body_len)
		memcpy(out + id_len + ts_len + 2, body, body_len);
	return out;
}

char *ll_delivery_seal_text(const struct ll_delivery_sealed *s)
{
	const char *err = s->error ? s->error : "";
	char *out = NULL;

	if (asprintf(&out,
		     "ledgerline-delivery-outcome-v1\n"
		     "webhook-id %s\nattempt %d\nurl %zu:%s\nowner %zu:%s\n"
		     "owner-version %d\nwebhook-timestamp %lld\noutcome %s\n"
		     "http-status %d\nerror %s%zu:%s\nretry-after-s %lld\n",
		     s->webhook_id, s->attempt, strlen(s->url), s->url,
		     strlen(s->owner), s->owner, s->owner_version,
		     (long long)s->webhook_timestamp, s->outcome,
		     s->http_status, s->error ? "" : "none ", strlen(err), err,
		     (long long)s->retry_after_s) < 0)
		return NULL;
	return out;
}
