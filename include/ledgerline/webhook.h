/*
 * webhook.h — one HTTPS POST of a webhook (SPEC §6 deliver), through
 * libcurl: https only, the server's certificate and host name verified,
 * redirects never followed, a connect and a total timeout, the response
 * body cut at a limit.
 *
 * Design decision: what the endpoint answered (a status, or no answer at
 * all) is the result, not an error: ll_webhook_post returns LL_OK for a
 * 503, a timeout or a refused certificate alike and describes it in
 * struct ll_webhook_response, so that the caller records and schedules
 * every attempt the same way.  Only a request that cannot be made at all
 * (an URL that is not https://, no memory) is an error.
 */
#ifndef LEDGERLINE_WEBHOOK_H
#define LEDGERLINE_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

enum {
	/* the response body kept; the transfer is cut beyond it */
	LL_WEBHOOK_RESPONSE_BYTES_MAX = 64 * 1024,
	/* a response header value kept (Retry-After) */
	LL_WEBHOOK_HEADER_BYTES_MAX = 128,
	/* a transport error's text */
	LL_WEBHOOK_ERROR_MAX = 256,
	LL_WEBHOOK_CONNECT_TIMEOUT_MS_DEFAULT = 5000,
	LL_WEBHOOK_TIMEOUT_MS_DEFAULT = 10000,
	LL_WEBHOOK_TIMEOUT_MS_MAX = 600000,
};

struct ll_webhook_request {
	const char *url;	/* must start with https:// */
	const char *id;		/* webhook-id */
	int64_t timestamp;	/* webhook-timestamp, unix seconds */
	const char *signature;	/* webhook-signature header value */
	const char *body;	/* application/json, sent as is */
	size_t body_len;
	const char *cacert;	/* CA bundle file; NULL/"": $LEDGERLINE_CA_FILE
				 * when set, else the system's */
	long connect_timeout_ms;
	long timeout_ms;	/* the whole exchange */
};

struct ll_webhook_response {
	int http_status;	/* 0: no response */
	char retry_after[LL_WEBHOOK_HEADER_BYTES_MAX];	/* "" when absent */
	bool body_cut;		/* the body went past the limit */
	size_t body_bytes;	/* received, at most the limit */
	char error[LL_WEBHOOK_ERROR_MAX];	/* "" when the exchange completed */
};

/* Is url an https:// URL ledgerline will POST to? */
bool ll_webhook_url_ok(const char *url);

/*
 * POST req->body to req->url with the Standard Webhooks headers
 * (webhook-id, webhook-timestamp, webhook-signature), content-type
 * application/json and User-Agent "ledgerline/VERSION".  Fills *resp.
 * LL_INVALID for an URL that is not https:// (nothing sent), LL_NOMEM or
 * LL_INTERNAL when libcurl cannot be set up; LL_OK otherwise, whatever
 * the endpoint answered.
 */
enum ll_status ll_webhook_post(const struct ll_webhook_request *req,
			       struct ll_webhook_response *resp,
			       struct ll_error *err);

#endif
