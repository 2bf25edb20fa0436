/*
 * merkle.h — Merkle trees as RFC 6962 (Certificate Transparency) defines
 * them: leaf hash SHA-256(0x00 || data), node hash SHA-256(0x01 || left ||
 * right), the tree over n leaves split at the largest power of two below
 * n, and audit paths (inclusion proofs) verified as RFC 9162 §2.1.3.2.
 *
 * Design decision: ll_merkle_root and ll_merkle_proof recompute from the
 * leaf hashes by the recursive definition, which is small and obviously
 * correct; a caller that needs every leaf's proof (one statement per
 * party) builds the tree once with ll_merkle_tree_build, level by level
 * (a lone last node moves up unchanged, which is the same tree), so n
 * proofs cost n - 1 node hashes instead of n times n - 1.
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

/* The whole tree: 2n - 1 hashes at most, levels from the leaves up. */
struct ll_merkle_tree {
	size_t n;		/* leaves */
	size_t levels;		/* levels, the leaves' included */
	size_t off[LL_MERKLE_PROOF_MAX + 1];  /* first node of each level */
	size_t size[LL_MERKLE_PROOF_MAX + 1]; /* nodes in each level */
	uint8_t (*node)[LL_MERKLE_HASH_LEN];
};

/* Builds t over n >= 1 leaf hashes; LL_NOMEM or LL_INVALID (n = 0).
 * ll_merkle_tree_release frees it, also after a failure. */
enum ll_status ll_merkle_tree_build(struct ll_merkle_tree *t,
				    const uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
				    size_t n);
/* The root of t, the same as ll_merkle_root over its leaves. */
void ll_merkle_tree_root(const struct ll_merkle_tree *t,
			 uint8_t root[LL_MERKLE_HASH_LEN]);
/* The audit path of leaf index, the same as ll_merkle_proof's. */
enum ll_status ll_merkle_tree_proof(const struct ll_merkle_tree *t,
				    size_t index,
				    uint8_t (*proof)[LL_MERKLE_HASH_LEN],
				    size_t *proof_len);
void ll_merkle_tree_release(struct ll_merkle_tree *t);

/* Does the audit path prove leaf at index in a tree of size n with this
 * root? */
__attribute__((warn_unused_result)) bool
ll_merkle_verify(const uint8_t leaf[LL_MERKLE_HASH_LEN], size_t index,
		 size_t n, const uint8_t (*proof)[LL_MERKLE_HASH_LEN],
		 size_t proof_len, const uint8_t root[LL_MERKLE_HASH_LEN]);

#endif
