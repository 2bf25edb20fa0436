/*
 * hash.h — SHA-256 (FIPS 180-4) in portable C, and hex encoding, for the
 * pure core: record digests, manifest digests, the registry snapshot
 * digest and the run id.
 *
 * Design decision: the core links no crypto library, so that it builds
 * and is tested with GMP and jansson alone.  Bulk hashing of generation
 * logs stays on OpenSSL (digest.h), whose SHA-256 is several times faster
 * on machines with SHA extensions; both compute the same function, and
 * test_hash holds them equal on random inputs.  Nothing here allocates.
 */
#ifndef LEDGERLINE_HASH_H
#define LEDGERLINE_HASH_H

#include <stddef.h>
#include <stdint.h>

enum {
	LL_SHA256_LEN = 32,
	LL_SHA256_HEX_LEN = 64,
	LL_SHA256_BLOCK_LEN = 64,
	LL_SHA256_STATE_WORDS = 8,
};

/* Streaming SHA-256 state; plain data, no release needed. */
struct ll_hash {
	uint32_t h[LL_SHA256_STATE_WORDS];
	uint64_t bytes;				/* hashed so far */
	uint8_t block[LL_SHA256_BLOCK_LEN];	/* a partial block */
	size_t used;				/* bytes in block */
};

void ll_hash_init(struct ll_hash *c);
void ll_hash_update(struct ll_hash *c, const void *data, size_t len);
/* Writes the digest; c must be initialised again before reuse. */
void ll_hash_final(struct ll_hash *c, uint8_t out[LL_SHA256_LEN]);

/* out = SHA-256(data). */
void ll_hash_sha256(const void *data, size_t len, uint8_t out[LL_SHA256_LEN]);

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void ll_hex(const uint8_t *in, size_t n, char *out);

#endif
