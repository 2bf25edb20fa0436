/*
 * merkle.h — Merkle trees as RFC 6962 (Certificate Transparency) defines
 * them: leaf hash SHA-256(0x00 || data), node hash SHA-256(0x01 || left ||
 * right), the tree over n leaves split at the largest power of two below
 * n, and audit paths (inclusion proofs) verified as RFC 9162 §2.1.3.2.
 *
 * Design decision: the tree is never stored; root and proofs are
 * recomputed from the leaf hashes by the recursive definition, which is
 * small, obviously correct and fast enough for one leaf per party.
 */
#ifndef LEDGERLINE_MERKLE_H
#define LEDGERLINE_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/status.h"

enum { LL_MERKLE_HASH_LEN = 32, LL_MERKLE_PROOF_MAX = 64 };

/* out = SHA-256(0x00 || data). */
void ll_merkle_leaf_hash(const uint8_t *data, size_t len,
			 uint8_t out[LL_MERKLE_HASH_LEN]);

/* root of the tree over n >= 1 leaf hashes (n = 0: SHA-256 of ""). */
enum ll_status ll_merkle_root(const uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
			      size_t n, uint8_t root[LL_MERKLE_HASH_LEN]);

/* The audit path of leaf index (< n), leaf-to-root order, into proof
 * (room for LL_MERKLE_PROOF_MAX hashes); *proof_len set. */
enum ll_status ll_merkle_proof(const uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
			       size_t n, size_t index,
			       uint8_t (*proof)[LL_MERKLE_HASH_LEN],
			       size_t *proof_len);

/* Does the audit path prove leaf at index in a tree of size n with this
 * root? */
__attribute__((warn_unused_result)) bool
ll_merkle_verify(const uint8_t leaf[LL_MERKLE_HASH_LEN], size_t index,
		 size_t n, const uint8_t (*proof)[LL_MERKLE_HASH_LEN],
		 size_t proof_len, const uint8_t root[LL_MERKLE_HASH_LEN]);

#endif
