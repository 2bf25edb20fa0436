/*
 * test_hash.c — unit tests for hash.c: the FIPS 180-2 example vectors
 * (including the million 'a'), every length 0..300 and random inputs fed
 * in random pieces against OpenSSL's SHA-256, and ll_hex.
 *
 * Design decision: the oracle is OpenSSL's EVP called directly, which is
 * also what digest.c wraps; the two must agree byte for byte, since record
 * digests (core) and log digests (pipeline) end up side by side in run ids
 * and statements.  hash.c itself links no OpenSSL: this test is built
 * against the core library, with libcrypto for the oracle alone.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ledgerline/hash.h"

static void hex_of(const void *data, size_t len, char out[65])
{
	uint8_t d[LL_SHA256_LEN];

	ll_hash_sha256(data, len, d);
	ll_hex(d, sizeof(d), out);
}

static void test_vectors(void **state)
{
	char hex[65];
	char *million = malloc(1000000);

	(void)state;
	hex_of("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	       56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
				 "a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
				 "f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void oracle(const void *data, size_t len, uint8_t out[LL_SHA256_LEN])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, LL_SHA256_LEN);
}

static void test_agrees_with_openssl(void **state)
{
	enum { LEN_MAX = 300, RANDOM_CASES = 2000, RANDOM_BYTES_MAX = 5000 };
	static uint8_t buf[RANDOM_BYTES_MAX];
	uint8_t a[LL_SHA256_LEN], b[LL_SHA256_LEN];
	size_t len, i;
	int n;

	(void)state;
	srand(20260701);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (len = 0; len <= LEN_MAX; len++) {
		ll_hash_sha256(buf, len, a);
		oracle(buf, len, b);
		assert_memory_equal(a, b, sizeof(a));
	}
	for (n = 0; n < RANDOM_CASES; n++) {
		struct ll_hash c;
		size_t at = 0;

		len = (size_t)rand() % (RANDOM_BYTES_MAX + 1);
		ll_hash_init(&c);
		while (at < len) {
			size_t piece = (size_t)rand() % 150;

			if (piece > len - at)
				piece = len - at;
			ll_hash_update(&c, buf + at, piece);
			at += piece;
		}
		ll_hash_final(&c, a);
		oracle(buf, len, b);
		assert_memory_equal(a, b, sizeof(a));
	}
}

static void test_hex(void **state)
{
	const uint8_t in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];

	(void)state;
	ll_hex(in, sizeof(in), out);
	assert_string_equal(out, "000fa5ff");
	ll_hex(in, 0, out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_agrees_with_openssl),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
