/*
 * sign.h — Ed25519 signing keys (SPEC §4, §6 keygen): generation, PEM
 * files, key ids, signing and verification, over OpenSSL's EVP API.
 *
 * Design decision: a key's id is the hex SHA-256 of its raw 32-byte public
 * key, computed once when the key is loaded, so the same key always has
 * the same id whichever file or process it came from; signatures are fixed
 * 64-byte arrays and verification results must be used.
 */
#ifndef LEDGERLINE_SIGN_H
#define LEDGERLINE_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/hash.h"
#include "ledgerline/status.h"

enum { LL_ED25519_PUB_LEN = 32, LL_ED25519_SIG_LEN = 64 };

struct ll_key {
	void *pkey;			/* EVP_PKEY (opaque here) */
	bool has_private;
	uint8_t pub[LL_ED25519_PUB_LEN];
	char keyid[LL_SHA256_HEX_LEN + 1];	/* hex SHA-256 of pub */
};

void ll_key_init(struct ll_key *k);
void ll_key_release(struct ll_key *k);

/* A new random Ed25519 key pair. */
enum ll_status ll_key_generate(struct ll_key *k, struct ll_error *err);

/*
 * Write the private key (PKCS#8 PEM, mode 0600) and the public key
 * (SubjectPublicKeyInfo PEM, mode 0644).  Refuses (LL_IO) to overwrite an
 * existing file; nothing is left behind on failure.
 */
enum ll_status ll_key_write(const struct ll_key *k, const char *private_path,
			    const char *public_path, struct ll_error *err);

/* Load a private key PEM (LL_IO missing/unreadable, LL_INVALID not an
 * Ed25519 private key). */
enum ll_status ll_key_load_private(struct ll_key *k, const char *path,
				   struct ll_error *err);
/* Load a public key PEM (a private key PEM is accepted too: its public
 * half is used). */
enum ll_status ll_key_load_public(struct ll_key *k, const char *path,
				  struct ll_error *err);

/* sig = Ed25519(k, msg).  k must hold a private key. */
enum ll_status ll_key_sign(const struct ll_key *k, const uint8_t *msg,
			   size_t len, uint8_t sig[LL_ED25519_SIG_LEN],
			   struct ll_error *err);

/* Does sig verify over msg with k's public key? */
__attribute__((warn_unused_result)) bool
ll_key_verify(const struct ll_key *k, const uint8_t *msg, size_t len,
	      const uint8_t sig[LL_ED25519_SIG_LEN]);

#endif
