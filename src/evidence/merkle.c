/*
 * merkle.c — RFC 6962 Merkle tree hashes and audit paths (merkle.h).
 *
 * Design decision: root and audit path are the recursive definitions of
 * RFC 6962 §2.1 and §2.1.1 transcribed literally (MTH, PATH; split at the
 * largest power of two below n), while verification is the iterative
 * RFC 9162 §2.1.3.2 algorithm, so the two sides of a proof are written
 * independently and test each other.  Inputs are leaf hashes, not leaf
 * data: the caller hashes each leaf once with ll_merkle_leaf_hash.
 */
#include "ledgerline/merkle.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ledgerline/digest.h"

void ll_merkle_leaf_hash(const uint8_t *data, size_t len,
			 uint8_t out[LL_MERKLE_HASH_LEN])
{
	static const uint8_t prefix = 0x00;
	struct ll_sha256_ctx c;

	assert((data || len == 0) && out);
	/* a failure to allocate a digest context is not an input problem */
	LL_ENSURE(ll_sha256_init(&c) == LL_OK);
	ll_sha256_update(&c, &prefix, 1);
	if (len > 0)
		ll_sha256_update(&c, data, len);
	ll_sha256_final(&c, out);
}

/* out = SHA-256(0x01 || left || right); out may alias either input. */
static void node_hash(const uint8_t left[LL_MERKLE_HASH_LEN],
		      const uint8_t right[LL_MERKLE_HASH_LEN],
		      uint8_t out[LL_MERKLE_HASH_LEN])
{
	uint8_t buf[1 + 2 * LL_MERKLE_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, LL_MERKLE_HASH_LEN);
	memcpy(buf + 1 + LL_MERKLE_HASH_LEN, right, LL_MERKLE_HASH_LEN);
	ll_sha256(buf, sizeof(buf), out);
}

/* The largest power of two k with k < n (n >= 2). */
static size_t split_point(size_t n)
{
	size_t k = 1;

	assert(n >= 2);
	while (k < n - k)
		k <<= 1;
	assert(k < n && n <= 2 * k);
	return k;
}

/* MTH(D[0:n]) over leaf hashes, n >= 1. */
static void mth(const uint8_t (*leaves)[LL_MERKLE_HASH_LEN], size_t n,
		uint8_t out[LL_MERKLE_HASH_LEN])
{
	uint8_t left[LL_MERKLE_HASH_LEN], right[LL_MERKLE_HASH_LEN];
	size_t k;

	assert(n >= 1);
	if (n == 1) {
		memcpy(out, leaves[0], LL_MERKLE_HASH_LEN);
		return;
	}
	k = split_point(n);
	mth(leaves, k, left);
	mth(leaves + k, n - k, right);
	node_hash(left, right, out);
}

enum ll_status ll_merkle_root(const uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
			      size_t n, uint8_t root[LL_MERKLE_HASH_LEN])
{
	assert(root && (leaves || n == 0));
	if (n == 0) {
		ll_sha256("", 0, root);
		return LL_OK;
	}
	mth(leaves, n, root);
	return LL_OK;
}

/*
 * PATH(m, D[0:n]) appended at proof[*len]: the recursion reaches the leaf
 * first, so the deepest sibling is written first (leaf-to-root order).
 */
static void path(const uint8_t (*leaves)[LL_MERKLE_HASH_LEN], size_t n,
		 size_t m, uint8_t (*proof)[LL_MERKLE_HASH_LEN], size_t *len)
{
	size_t k;

	assert(m < n);
	if (n == 1)
		return;
	k = split_point(n);
	if (m < k) {
		path(leaves, k, m, proof, len);
		LL_ENSURE(*len < LL_MERKLE_PROOF_MAX);
		mth(leaves + k, n - k, proof[(*len)++]);
	} else {
		path(leaves + k, n - k, m - k, proof, len);
		LL_ENSURE(*len < LL_MERKLE_PROOF_MAX);
		mth(leaves, k, proof[(*len)++]);
	}
}

enum ll_status ll_merkle_proof(const uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
			       size_t n, size_t index,
			       uint8_t (*proof)[LL_MERKLE_HASH_LEN],
			       size_t *proof_len)
{
	assert((leaves || n == 0) && proof && proof_len);
	*proof_len = 0;
	if (n == 0 || index >= n)
		return LL_INVALID;
	path(leaves, n, index, proof, proof_len);
	return LL_OK;
}

enum ll_status ll_merkle_tree_build(struct ll_merkle_tree *t,
				    const uint8_t (*leaves)[LL_MERKLE_HASH_LEN],
				    size_t n)
{
	size_t total = 0, sz = n, k, j;

	assert(t && (leaves || n == 0));
	memset(t, 0, sizeof(*t));
	if (n == 0)
		return LL_INVALID;
	for (k = 0;; k++) {
		LL_ENSURE(k <= LL_MERKLE_PROOF_MAX);
		t->off[k] = total;
		t->size[k] = sz;
		total += sz;
		if (sz == 1)
			break;
		sz = (sz + 1) / 2;
	}
	t->levels = k + 1;
	t->node = malloc(total * sizeof(*t->node));
	if (!t->node)
		return LL_NOMEM;
	t->n = n;
	memcpy(t->node, leaves, n * sizeof(*t->node));
	for (k = 1; k < t->levels; k++) {
		const uint8_t (*below)[LL_MERKLE_HASH_LEN] =
			(const uint8_t(*)[LL_MERKLE_HASH_LEN])t->node +
			t->off[k - 1];
		uint8_t (*here)[LL_MERKLE_HASH_LEN] = t->node + t->off[k];

		for (j = 0; j < t->size[k]; j++) {
			if (2 * j + 1 < t->size[k - 1])
				node_hash(below[2 * j], below[2 * j + 1],
					  here[j]);
			else
				memcpy(here[j], below[2 * j],
				       LL_MERKLE_HASH_LEN);
		}
	}
	return LL_OK;
}

void ll_merkle_tree_root(const struct ll_merkle_tree *t,
			 uint8_t root[LL_MERKLE_HASH_LEN])
{
	assert(t && t->node && root);
	memcpy(root, t->node[t->off[t->levels - 1]], LL_MERKLE_HASH_LEN);
}

enum ll_status ll_merkle_tree_proof(const struct ll_merkle_tree *t,
				    size_t index,
				    uint8_t (*proof)[LL_MERKLE_HASH_LEN],
				    size_t *proof_len)
{
	size_t k, i = index, sib;

	assert(t && proof && proof_len);
	*proof_len = 0;
	if (index >= t->n)
		return LL_INVALID;
	for (k = 0; k + 1 < t->levels; k++, i >>= 1) {
		if (i & 1)
			sib = i - 1;
		else if (i + 1 < t->size[k])
			sib = i + 1;
		else
			continue; /* a lone last node: moves up as it is */
		LL_ENSURE(*proof_len < LL_MERKLE_PROOF_MAX);
		memcpy(proof[(*proof_len)++], t->node[t->off[k] + sib],
		       LL_MERKLE_HASH_LEN);
	}
	return LL_OK;
}

void ll_merkle_tree_release(struct ll_merkle_tree *t)
{
	if (!t)
		return;
	free(t->node);
	memset(t, 0, sizeof(*t));
}

bool ll_merkle_verify(const uint8_t leaf[LL_MERKLE_HASH_LEN], size_t index,
		      size_t n, const uint8_t (*proof)[LL_MERKLE_HASH_LEN],
		      size_t proof_len, const uint8_t root[LL_MERKLE_HASH_LEN])
{
	uint8_t r[LL_MERKLE_HASH_LEN];
	size_t fn, sn, i;

	assert(leaf && root && (proof || proof_len == 0));
	/* RFC 9162 §2.1.3.2 step 1 */
	if (index >= n || proof_len > LL_MERKLE_PROOF_MAX)
		return false;
	/* steps 2 and 3 */
	fn = index;
	sn = n - 1;
	memcpy(r, leaf, sizeof(r));
	/* step 4 */
	for (i = 0; i < proof_len; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			node_hash(proof[i], r, r);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* step 5 */
	return sn == 0 && CRYPTO_memcmp(r, root, sizeof(r)) == 0;
}
