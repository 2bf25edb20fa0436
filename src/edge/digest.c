/*
 * digest.c — SHA-256 (digest.h) on OpenSSL EVP.
 *
 * Design decision: a failure inside OpenSSL's SHA-256 of in-memory data is
 * not an input problem but a broken library, so it is a checked invariant
 * (LL_ENSURE), not a status every caller must thread through.
 */
#include "ledgerline/digest.h"

#include <pthread.h>

#include <openssl/evp.h>

/* SHA-256 fetched from the provider once, not at every digest (an
 * implicit fetch per call costs as much as hashing a short input). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
	LL_ENSURE(pthread_once(&sha256_once, sha256_fetch) == 0);
	LL_ENSURE(sha256_md != NULL);
	return sha256_md;
}

void ll_sha256(const void *data, size_t len, uint8_t out[LL_SHA256_LEN])
{
	unsigned int n = 0;

	LL_ENSURE(EVP_Digest(data, len, out, &n, sha256(), NULL) == 1);
	LL_ENSURE(n == LL_SHA256_LEN);
}

enum ll_status ll_sha256_init(struct ll_sha256_ctx *c)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	c->md = NULL;
	if (!md)
		return LL_NOMEM;
	if (EVP_DigestInit_ex(md, sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return LL_INTERNAL;
	}
	c->md = md;
	return LL_OK;
}

void ll_sha256_update(struct ll_sha256_ctx *c, const void *data, size_t len)
{
	LL_ENSURE(c->md != NULL);
	LL_ENSURE(EVP_DigestUpdate(c->md, data, len) == 1);
}

void ll_sha256_final(struct ll_sha256_ctx *c, uint8_t out[LL_SHA256_LEN])
{
	unsigned int n = 0;

	LL_ENSURE(c->md != NULL);
	LL_ENSURE(EVP_DigestFinal_ex(c->md, out, &n) == 1);
	LL_ENSURE(n == LL_SHA256_LEN);
	ll_sha256_release(c);
}

void ll_sha256_release(struct ll_sha256_ctx *c)
{
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}
