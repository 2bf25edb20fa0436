/*
 * test_merkle.c — unit tests for merkle.c: leaf hashes and roots against
 * literal vectors (the Certificate Transparency reference leaves, and
 * leaves of our own, every root computed with Python's hashlib), roots
 * against a naive recursive MTH written here on raw EVP SHA-256, and for
 * every tree size 1..70 and every index: the audit path equals a naive
 * PATH, verifies, and stops verifying when any byte of any proof element,
 * the leaf or the root changes, at any other index, when truncated or
 * extended; at a wrong tree size it verifies exactly when the naive
 * recursive check says the same path fits that size too.
 *
 * Design decision: the oracle shares no code with merkle.c — not even
 * digest.c — and splits trees by a different computation of the largest
 * power of two, so a shared mistake cannot make both agree.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ledgerline/merkle.h"
#include "ledgerline/status.h"

#include "fixture.h"

enum { H = LL_MERKLE_HASH_LEN, N_MAX = 70 };

/* ---- the oracle ----------------------------------------------------------- */

static void sha256_parts(const uint8_t *a, size_t an, const uint8_t *b,
			 size_t bn, const uint8_t *c, size_t cn,
			 uint8_t out[H])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, an), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, b, bn), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, c, cn), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, &n), 1);
	assert_int_equal(n, H);
	EVP_MD_CTX_free(ctx);
}

static void naive_leaf(const void *data, size_t len, uint8_t out[H])
{
	static const uint8_t zero = 0x00;

	sha256_parts(&zero, 1, data, len, NULL, 0, out);
}

static void naive_node(const uint8_t l[H], const uint8_t r[H], uint8_t out[H])
{
	static const uint8_t one = 0x01;

	sha256_parts(&one, 1, l, H, r, H, out);
}

/* Largest power of two below n (n >= 2), from the highest bit of n - 1. */
static size_t naive_split(size_t n)
{
	size_t m = n - 1, k = 1;

	while (m >>= 1)
		k <<= 1;
	return k;
}

static void naive_mth(const uint8_t (*d)[H], size_t n, uint8_t out[H])
{
	uint8_t l[H], r[H];
	size_t k;

	if (n == 1) {
		memcpy(out, d[0], H);
		return;
	}
	k = naive_split(n);
	naive_mth(d, k, l);
	naive_mth(d + k, n - k, r);
	naive_node(l, r, out);
}

/* RFC 6962 §2.1.1 PATH(m, D[n]), appended leaf-to-root. */
static void naive_path(const uint8_t (*d)[H], size_t n, size_t m,
		       uint8_t (*p)[H], size_t *len)
{
	size_t k;

	if (n == 1)
		return;
	k = naive_split(n);
	if (m < k) {
		naive_path(d, k, m, p, len);
		naive_mth(d + k, n - k, p[(*len)++]);
	} else {
		naive_path(d + k, n - k, m - k, p, len);
		naive_mth(d, k, p[(*len)++]);
	}
}

/* The root the path implies for leaf m of a tree of n, or false when the
 * path has the wrong length for that position.  Reads the path top-down
 * (from its end), the opposite direction to RFC 9162's loop. */
static bool naive_root_from_path(const uint8_t leaf[H], size_t m, size_t n,
				 const uint8_t (*p)[H], size_t len,
				 uint8_t out[H])
{
	uint8_t sub[H];
	size_t k;

	if (n == 1) {
		if (len != 0)
			return false;
		memcpy(out, leaf, H);
		return true;
	}
	if (len == 0)
		return false;
	k = naive_split(n);
	if (m < k) {
		if (!naive_root_from_path(leaf, m, k, p, len - 1, sub))
			return false;
		naive_node(sub, p[len - 1], out);
	} else {
		if (!naive_root_from_path(leaf, m - k, n - k, p, len - 1, sub))
			return false;
		naive_node(p[len - 1], sub, out);
	}
	return true;
}

static bool naive_verify(const uint8_t leaf[H], size_t m, size_t n,
			 const uint8_t (*p)[H], size_t len,
			 const uint8_t root[H])
{
	uint8_t r[H];

	return m < n && naive_root_from_path(leaf, m, n, p, len, r) &&
	       memcmp(r, root, H) == 0;
}

/* ---- helpers -------------------------------------------------------------- */

static void expect_hex(const uint8_t got[H], const char *hex)
{
	uint8_t want[H];

	from_hex(hex, want, H);
	assert_memory_equal(got, want, H);
}

/* Leaf hashes of "leaf-0", "leaf-1", ... */
static uint8_t (*own_leaves(size_t n))[H]
{
	uint8_t (*leaves)[H] = malloc((n ? n : 1) * sizeof(*leaves));
	size_t i;

	assert_non_null(leaves);
	for (i = 0; i < n; i++) {
		char text[32];
		int len = snprintf(text, sizeof(text), "leaf-%zu", i);

		ll_merkle_leaf_hash((const uint8_t *)text, (size_t)len,
				    leaves[i]);
	}
	return leaves;
}

/* ---- vectors -------------------------------------------------------------- */

static void test_leaf_and_empty(void **state)
{
	uint8_t out[H], want[H];
	static const uint8_t data[] = "ledgerline";

	(void)state;
	/* SHA-256("") */
	assert_int_equal(ll_merkle_root(NULL, 0, out), LL_OK);
	expect_hex(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* SHA-256(0x00) */
	ll_merkle_leaf_hash(NULL, 0, out);
	expect_hex(out, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	ll_merkle_leaf_hash(data, sizeof(data) - 1, out);
	naive_leaf(data, sizeof(data) - 1, want);
	assert_memory_equal(out, want, H);
}

/*
 * The leaves of the Certificate Transparency reference tests
 * (merkle_tree_test.cc) and the roots of their first n, recomputed with
 *   python3 -c "import hashlib; H=lambda b: hashlib.sha256(b).digest(); ..."
 * (MTH as RFC 6962 §2.1).
 */
static void test_ct_vectors(void **state)
{
	static const struct {
		const char *data;
		size_t len;
	} ct[] = {
		{"", 0},
		{"\x00", 1},
		{"\x10", 1},
		{"\x20\x21", 2},
		{"\x30\x31", 2},
		{"\x40\x41\x42\x43", 4},
		{"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
		{"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
	};
	static const char *const roots[] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	uint8_t leaves[8][H], root[H], naive[H];
	size_t n;

	(void)state;
	for (n = 0; n < 8; n++)
		ll_merkle_leaf_hash((const uint8_t *)ct[n].data, ct[n].len,
				    leaves[n]);
	for (n = 1; n <= 8; n++) {
		assert_int_equal(ll_merkle_root((const uint8_t (*)[H])leaves,
						n, root),
				 LL_OK);
		expect_hex(root, roots[n - 1]);
		naive_mth((const uint8_t (*)[H])leaves, n, naive);
		assert_memory_equal(root, naive, H);
	}
}

/* Leaves "leaf-0".."leaf-7", roots by python3 hashlib as above. */
static void test_own_vectors(void **state)
{
	static const struct {
		size_t n;
		const char *root;
	} vec[] = {
		{1, "305df59f9590c3c9ac63d2b2743c388e3792449078cebf7fb3dbe6471643b2b7"},
		{3, "cf763a041c81ceef1578a6083f75c61bef2e0014f2a3e683a97fcfca5be7f19a"},
		{5, "00d21829a5503145348abcf712513eacf2a274211ad83e970202bb5b6d80b286"},
		{7, "0b007fb915eb9b2a146f54b1c86ec53b664f8e455b7660b0b6ee13edc0d921c0"},
		{8, "ca6b7b3e674ac86c1027b59c87c064fc3bc27b313294c75f83bd05fdd13f0dcf"},
	};
	uint8_t (*leaves)[H] = own_leaves(8);
	uint8_t root[H];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		assert_int_equal(ll_merkle_root((const uint8_t (*)[H])leaves,
						vec[i].n, root),
				 LL_OK);
		expect_hex(root, vec[i].root);
	}
	free(leaves);
}

/* Roots for n = 1..300 (and around powers of two up to 2^12) against the
 * naive MTH. */
static void test_roots_oracle(void **state)
{
	static const size_t extra[] = {511, 512, 513, 1023, 1024, 1025, 4095,
				       4096, 4097};
	uint8_t (*leaves)[H] = own_leaves(4097);
	uint8_t root[H], naive[H];
	size_t n, i;

	(void)state;
	for (n = 1; n <= 300; n++) {
		assert_int_equal(ll_merkle_root((const uint8_t (*)[H])leaves,
						n, root),
				 LL_OK);
		naive_mth((const uint8_t (*)[H])leaves, n, naive);
		assert_memory_equal(root, naive, H);
	}
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		n = extra[i];
		assert_int_equal(ll_merkle_root((const uint8_t (*)[H])leaves,
						n, root),
				 LL_OK);
		naive_mth((const uint8_t (*)[H])leaves, n, naive);
		assert_memory_equal(root, naive, H);
	}
	free(leaves);
}

/* ---- proofs --------------------------------------------------------------- */

static bool verify(const uint8_t leaf[H], size_t m, size_t n,
		   const uint8_t (*p)[H], size_t len, const uint8_t root[H])
{
	return ll_merkle_verify(leaf, m, n, p, len, root);
}

/* Everything about the proof of leaf m in the tree of the first n. */
static void check_proof(const uint8_t (*leaves)[H], size_t n, size_t m,
			size_t *wrong_size_accepted)
{
	uint8_t proof[LL_MERKLE_PROOF_MAX + 2][H];
	uint8_t want[LL_MERKLE_PROOF_MAX][H];
	uint8_t root[H], leaf[H], bad_root[H];
	size_t len = 999, want_len = 0, i, j, b;

	assert_int_equal(ll_merkle_root(leaves, n, root), LL_OK);
	assert_int_equal(ll_merkle_proof(leaves, n, m, proof, &len), LL_OK);
	naive_path(leaves, n, m, want, &want_len);
	assert_int_equal(len, want_len);
	if (len > 0)
		assert_memory_equal(proof, want, len * H);
	memcpy(leaf, leaves[m], H);

	if (!verify(leaf, m, n, (const uint8_t (*)[H])proof, len, root))
		fail_msg("n=%zu m=%zu: a correct proof does not verify", n, m);
	assert_true(naive_verify(leaf, m, n, (const uint8_t (*)[H])proof, len,
				 root));

	/* any changed byte of any proof element */
	for (i = 0; i < len; i++) {
		for (b = 0; b < H; b++) {
			proof[i][b] ^= 0x01;
			if (verify(leaf, m, n, (const uint8_t (*)[H])proof, len,
				   root))
				fail_msg("n=%zu m=%zu: proof[%zu][%zu] changed "
					 "but verifies", n, m, i, b);
			proof[i][b] ^= 0x01;
		}
	}
	/* any changed byte of the leaf or of the root */
	for (b = 0; b < H; b++) {
		leaf[b] ^= 0x80;
		assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof,
				    len, root));
		leaf[b] ^= 0x80;
		memcpy(bad_root, root, H);
		bad_root[b] ^= 0x80;
		assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof,
				    len, bad_root));
	}
	/* any other index, in the tree and beyond it */
	for (j = 0; j <= n + 2; j++) {
		if (j == m)
			continue;
		if (verify(leaf, j, n, (const uint8_t (*)[H])proof, len, root))
			fail_msg("n=%zu m=%zu: verifies at index %zu", n, m, j);
	}
	assert_false(verify(leaf, SIZE_MAX, n, (const uint8_t (*)[H])proof,
			    len, root));
	/*
	 * Another tree size: the path only fixes the shape of the tree
	 * along it, so a size with the same shape along the path verifies
	 * too (index 0 of 5 and of 6 both go left, left, left).  Exactly
	 * when the recursive definition says so.
	 */
	for (j = 0; j <= n + 8; j++) {
		bool got, want_ok;

		if (j == n)
			continue;
		got = verify(leaf, m, j, (const uint8_t (*)[H])proof, len,
			     root);
		want_ok = naive_verify(leaf, m, j, (const uint8_t (*)[H])proof,
				       len, root);
		if (got != want_ok)
			fail_msg("n=%zu m=%zu: at size %zu verify says %d, "
				 "the definition %d", n, m, j, got, want_ok);
		*wrong_size_accepted += got;
	}
	assert_false(verify(leaf, m, 0, (const uint8_t (*)[H])proof, len,
			    root));
	assert_false(verify(leaf, m, SIZE_MAX, (const uint8_t (*)[H])proof,
			    len, root));
	/* truncated */
	for (i = 0; i < len; i++)
		assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof, i,
				    root));
	/* extended by a zero hash, a copy of the last element, the root */
	memset(proof[len], 0, H);
	assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof, len + 1,
			    root));
	if (len > 0) {
		memcpy(proof[len], proof[len - 1], H);
		assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof,
				    len + 1, root));
	}
	memcpy(proof[len], root, H);
	assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof, len + 1,
			    root));
	/* extended by p, against a root that really is H(0x01 || p || root)
	 * (RFC 9162 step 4a: the path must end where the tree does) */
	memset(proof[len], 0x5a, H);
	naive_node(proof[len], root, bad_root);
	assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof, len + 1,
			    bad_root));
	/* extended at the front */
	memmove(proof[1], proof[0], len * H);
	memset(proof[0], 0, H);
	assert_false(verify(leaf, m, n, (const uint8_t (*)[H])proof, len + 1,
			    root));
}

static void test_proofs_exhaustive(void **state)
{
	uint8_t (*leaves)[H] = own_leaves(N_MAX);
	size_t n, m, wrong_size_accepted = 0;

	(void)state;
	for (n = 1; n <= N_MAX; n++)
		for (m = 0; m < n; m++)
			check_proof((const uint8_t (*)[H])leaves, n, m,
				    &wrong_size_accepted);
	/* the wrong-size comparison met sizes that are accepted too */
	assert_true(wrong_size_accepted > 0);
	free(leaves);
}

/* A few proofs in large trees, near powers of two. */
static void test_proofs_large(void **state)
{
	static const size_t sizes[] = {127, 128, 129, 1000, 1024, 1025};
	static const size_t picks[] = {0, 1, 63, 64, 127, 128, 511, 999, 1024};
	uint8_t (*leaves)[H] = own_leaves(1025);
	size_t i, j, unused = 0;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (j = 0; j < sizeof(picks) / sizeof(picks[0]); j++)
			if (picks[j] < sizes[i])
				check_proof((const uint8_t (*)[H])leaves,
					    sizes[i], picks[j], &unused);
	free(leaves);
}

/* The tree built once gives, for every size 1..N_MAX and a few large
 * ones, the oracle's root and, at every index, the oracle's path. */
static void check_tree(const uint8_t (*leaves)[H], size_t n)
{
	struct ll_merkle_tree t;
	uint8_t proof[LL_MERKLE_PROOF_MAX][H], want[LL_MERKLE_PROOF_MAX][H];
	uint8_t root[H], want_root[H];
	size_t m, len, want_len;

	assert_int_equal(ll_merkle_tree_build(&t, leaves, n), LL_OK);
	ll_merkle_tree_root(&t, root);
	naive_mth(leaves, n, want_root);
	assert_memory_equal(root, want_root, H);
	for (m = 0; m < n; m++) {
		len = 999;
		want_len = 0;
		assert_int_equal(ll_merkle_tree_proof(&t, m, proof, &len),
				 LL_OK);
		naive_path(leaves, n, m, want, &want_len);
		assert_int_equal(len, want_len);
		if (len > 0)
			assert_memory_equal(proof, want, len * H);
		assert_true(verify(leaves[m], m, n,
				   (const uint8_t (*)[H])proof, len, root));
	}
	len = 7;
	assert_int_equal(ll_merkle_tree_proof(&t, n, proof, &len),
			 LL_INVALID);
	assert_int_equal(len, 0);
	ll_merkle_tree_release(&t);
}

static void test_tree(void **state)
{
	static const size_t large[] = {127, 128, 129, 1000, 1024, 1025};
	uint8_t (*leaves)[H] = own_leaves(1025);
	struct ll_merkle_tree t;
	size_t n, i;

	(void)state;
	for (n = 1; n <= N_MAX; n++)
		check_tree((const uint8_t (*)[H])leaves, n);
	for (i = 0; i < sizeof(large) / sizeof(large[0]); i++)
		check_tree((const uint8_t (*)[H])leaves, large[i]);
	assert_int_equal(ll_merkle_tree_build(&t, NULL, 0), LL_INVALID);
	ll_merkle_tree_release(&t);
	free(leaves);
}

static void test_proof_errors(void **state)
{
	uint8_t (*leaves)[H] = own_leaves(4);
	uint8_t proof[LL_MERKLE_PROOF_MAX][H], root[H];
	size_t len = 7;

	(void)state;
	assert_int_equal(ll_merkle_proof((const uint8_t (*)[H])leaves, 4, 4,
					 proof, &len),
			 LL_INVALID);
	assert_int_equal(len, 0);
	assert_int_equal(ll_merkle_proof((const uint8_t (*)[H])leaves, 0, 0,
					 proof, &len),
			 LL_INVALID);
	/* one leaf: the empty path, the leaf is the root */
	assert_int_equal(ll_merkle_proof((const uint8_t (*)[H])leaves, 1, 0,
					 proof, &len),
			 LL_OK);
	assert_int_equal(len, 0);
	assert_int_equal(ll_merkle_root((const uint8_t (*)[H])leaves, 1, root),
			 LL_OK);
	assert_memory_equal(root, leaves[0], H);
	assert_true(ll_merkle_verify(leaves[0], 0, 1, NULL, 0, root));
	assert_false(ll_merkle_verify(leaves[1], 0, 1, NULL, 0, root));
	/* the empty tree proves nothing, not even its own root */
	assert_int_equal(ll_merkle_root(NULL, 0, root), LL_OK);
	assert_false(ll_merkle_verify(root, 0, 0, NULL, 0, root));
	/* a proof longer than any tree can need */
	assert_false(ll_merkle_verify(leaves[0], 0, 4,
				      (const uint8_t (*)[H])proof,
				      LL_MERKLE_PROOF_MAX + 1, root));
	free(leaves);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_and_empty),
		cmocka_unit_test(test_ct_vectors),
		cmocka_unit_test(test_own_vectors),
		cmocka_unit_test(test_roots_oracle),
		cmocka_unit_test(test_proofs_exhaustive),
		cmocka_unit_test(test_proofs_large),
		cmocka_unit_test(test_proof_errors),
		cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
