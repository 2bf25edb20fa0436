/*
 * webhook.c — one HTTPS POST of a webhook through libcurl (webhook.h).
 *
 * Design decision: every safety setting is made here, on every request,
 * and none can be loosened by a caller: the protocol is https only
 * (CURLOPT_PROTOCOLS_STR), the peer and its host name are verified,
 * redirects are not followed (a 3xx is returned as the answer), the
 * response body is counted and the transfer aborted past
 * LL_WEBHOOK_RESPONSE_BYTES_MAX, and both a connect and a total timeout
 * apply.  An incomplete exchange (a timeout, a reset, a certificate
 * refused) is "no response" (status 0) with libcurl's reason; a body cut
 * at the limit keeps the status the endpoint sent before it.
 */
#include "ledgerline/webhook.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "ledgerline/buf.h"

#ifndef LL_VERSION
#define LL_VERSION "0.0.0"
#endif

bool ll_webhook_url_ok(const char *url)
{
	return url && strncasecmp(url, "https://", 8) == 0 && url[8] != '\0' &&
	       url[8] != '/';
}

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct ll_webhook_response *r = user;
	size_t n = size * nmemb;

	(void)ptr;
	if (n > LL_WEBHOOK_RESPONSE_BYTES_MAX - r->body_bytes) {
		r->body_bytes = LL_WEBHOOK_RESPONSE_BYTES_MAX;
		r->body_cut = true;
		return 0; /* aborts the transfer */
	}
	r->body_bytes += n;
	return n;
}

/* Keep the Retry-After of the final response (a new status line, as
 * after an interim 1xx, starts over). */
static size_t header_line(char *ptr, size_t size, size_t nmemb, void *user)
{
	static const char name[] = "retry-after:";
	struct ll_webhook_response *r = user;
	size_t n = size * nmemb, k;
	const char *v;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		r->retry_after[0] = '\0';
		return n;
	}
	if (n < sizeof(name) - 1 || strncasecmp(ptr, name, sizeof(name) - 1))
		return n;
	v = ptr + sizeof(name) - 1;
	k = n - (sizeof(name) - 1);
	while (k > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		k--;
	}
	while (k > 0 && isspace((unsigned char)v[k - 1]))
		k--;
	if (k >= sizeof(r->retry_after))
		k = 0; /* longer than any valid value: ignored */
	memcpy(r->retry_after, v, k);
	r->retry_after[k] = '\0';
	return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The request's headers, or NULL when out of memory. */
static struct curl_slist *headers(const struct ll_webhook_request *req)
{
	char id[LL_WEBHOOK_HEADER_BYTES_MAX + 32], ts[64],
		sig[LL_WEBHOOK_HEADER_BYTES_MAX + 32];
	const char *lines[6];
	struct curl_slist *h = NULL, *t;
	size_t i;

	snprintf(id, sizeof(id), "webhook-id: %s", req->id);
	snprintf(ts, sizeof(ts), "webhook-timestamp: %lld",
		 (long long)req->timestamp);
	snprintf(sig, sizeof(sig), "webhook-signature: %s", req->signature);
	lines[0] = "content-type: application/json";
	lines[1] = "Expect:";	/* no 100-continue round trip */
	lines[2] = "Accept:";
	lines[3] = id;
	lines[4] = ts;
	lines[5] = sig;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		t = curl_slist_append(h, lines[i]);
		if (!t) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = t;
	}
	return h;
}

static void set_options(CURL *c, const struct ll_webhook_request *req,
			struct curl_slist *hdr, struct ll_webhook_response *resp,
			char *ebuf)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->cacert && req->cacert[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, req->cacert);
	else if (getenv("LEDGERLINE_CA_FILE") && getenv("LEDGERLINE_CA_FILE")[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, getenv("LEDGERLINE_CA_FILE"));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ledgerline/" LL_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)req->body_len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_line);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
}

enum ll_status ll_webhook_post(const struct ll_webhook_request *req,
			       struct ll_webhook_response *resp,
			       struct ll_error *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr;
	long status = 0;
	CURLcode cc;
	CURL *c;

	memset(resp, 0, sizeof(*resp));
	if (!ll_webhook_url_ok(req->url))
		return ll_error_set(err, LL_INVALID, req->url, 0, "webhook",
				    "not an https:// URL: ledgerline delivers "
				    "statements over https only");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return ll_error_set(err, LL_INTERNAL, req->url, 0, NULL,
				    "cannot initialise libcurl");
	c = curl_easy_init();
	hdr = c ? headers(req) : NULL;
	if (!c || !hdr) {
		if (c)
			curl_easy_cleanup(c);
		return ll_error_set(err, LL_NOMEM, req->url, 0, NULL,
				    "out of memory");
	}
	set_options(c, req, hdr, resp, ebuf);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (resp->body_cut) {
		resp->http_status = (int)status;
		snprintf(resp->error, sizeof(resp->error),
			 "response body over %d bytes: cut",
			 LL_WEBHOOK_RESPONSE_BYTES_MAX);
	} else if (cc != CURLE_OK) {
		resp->http_status = 0;
		ll_str_copy_cut(resp->error, sizeof(resp->error),
			    ebuf[0] ? ebuf : curl_easy_strerror(cc));
	} else {
		resp->http_status = (int)status;
	}
	if (resp->http_status < 100 || resp->http_status > 599)
		resp->http_status = 0;
	if (resp->http_status == 0 && !resp->error[0])
		ll_str_copy_cut(resp->error, sizeof(resp->error),
			    "no HTTP status in the response");
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	return LL_OK;
}
