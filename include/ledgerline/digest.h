/*
 * digest.h — SHA-256 (one shot and streaming) over OpenSSL's EVP
 * interface; the sizes and ll_hex come from hash.h.
 *
 * Design decision: digests are fixed 32-byte arrays and hex strings fixed
 * 65-byte buffers; nothing here allocates except the EVP context.  The
 * pure core hashes with hash.h instead; both are the same function.
 */
#ifndef LEDGERLINE_DIGEST_H
#define LEDGERLINE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/hash.h"
#include "ledgerline/status.h"

/* out = SHA-256(data). */
void ll_sha256(const void *data, size_t len, uint8_t out[LL_SHA256_LEN]);

/* Streaming SHA-256. */
struct ll_sha256_ctx {
	void *md;	/* EVP_MD_CTX, opaque here */
};
enum ll_status ll_sha256_init(struct ll_sha256_ctx *c);
void ll_sha256_update(struct ll_sha256_ctx *c, const void *data, size_t len);
/* Writes the digest and releases the context. */
void ll_sha256_final(struct ll_sha256_ctx *c, uint8_t out[LL_SHA256_LEN]);
/* Releases without a digest (error paths); safe after final. */
void ll_sha256_release(struct ll_sha256_ctx *c);

#endif
