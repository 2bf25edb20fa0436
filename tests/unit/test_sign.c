/*
 * test_sign.c — unit tests for sign.c: generate, sign and verify (every
 * changed message or signature byte fails); the RFC 8032 §7.1 known-answer
 * vectors; PEM write/load round trips with file modes 0600/0644 whatever
 * the umask; refusing to overwrite and leaving nothing behind; key ids
 * stable across files; rejecting RSA, X25519 and Ed448 keys, garbage and
 * missing files; and a cross-check against the openssl command-line tool
 * in both directions (it verifies our signatures over a DSSE PAE and
 * produces byte-identical ones, Ed25519 being deterministic).
 *
 * Design decision: foreign keys are fixed PEM literals made once with
 * `openssl genpkey`, and the openssl tool is run with fork/execvp (never
 * system()), skipped when it is not on PATH.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ledgerline/dsse.h"
#include "ledgerline/sign.h"
#include "ledgerline/status.h"

#include "fixture.h"

/* ---- fixed keys ----------------------------------------------------------- */

/* RFC 8032 §7.1 TEST 1 and TEST 2 secret keys as PKCS#8 (prefix
 * 302e020100300506032b657004220420 + the 32-byte seed). */
static const char rfc8032_test1_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
	"-----END PRIVATE KEY-----\n";
static const char rfc8032_test1_pub[] =
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
/* python3 -c "import hashlib;print(hashlib.sha256(bytes.fromhex(
 * 'd75a98...511a')).hexdigest())" */
static const char rfc8032_test1_keyid[] =
	"21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9";
static const char rfc8032_test1_sig[] =
	"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
	"fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static const char rfc8032_test2_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7\n"
	"-----END PRIVATE KEY-----\n";
static const char rfc8032_test2_pub[] =
	"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
static const char rfc8032_test2_sig[] =
	"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da0"
	"85ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

/* openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 */
static const char rsa_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAMl6woPTz2mSNhtm\n"
	"gAeMbGQ5CkrYblG1W84i3iSTUM4srj5WAr+GzWrIgplMRQfvv6W2VsNZzMsdgLCq\n"
	"+cvF5nR0lQLSlP/Mo2a9xURD5eGZfoh13tUrjNvK9uxXHOFZA4qosG8MqWpDc1I5\n"
	"lfzcaMp3yfZX8C2IePGIjiJZUvzTAgMBAAECgYEAvcgomUxWvza+SKkQSAv5vZ4N\n"
	"F9sub0DJrS4i2Yj6QHrN1mHmTMqJi+A7RHMXQxaOC2Xp7DEWOu0bX05t5YgQPk1h\n"
	"bBYr865F+sLEPgw1BtVt+UI4EwB/oTJ6Egt1iHjLNgLYiRa9VO2CITtJnoLMkClW\n"
	"TtrSiAQO9268tl/qa8ECQQDv+PNR+w4Ko8S7n3pibcmM7kIKAW9iZN3auqyqfgZC\n"
	"hXu9I6F5AadCs5mR2I2d8wSAS3j0He9hxE64wXm/HLULAkEA1u+oOmsGu3CCPVZN\n"
	"+/80r6KcLfyYIKEota7vUQY3Agp6rsc5w/+x+NcmB45Zz47CRsHRqwKvHsOma7l2\n"
	"PTekWQJBAOB710qaeyEy4CfP4RHQuBmxDHAFtaeqyesCc+GtsLdr3Twq57Ol+0yn\n"
	"bAKGPLxECLLnZ0ed9UBU/ntQ6k4AUc8CQCNPxlSqprV+u3b2SeOfvvkn/v6zJA8g\n"
	"Sv7mWZz3J2xnalZylrPzuzqFplLReUHXU2WqjBbLXxfvztSd6KYQESkCQH1IUiZe\n"
	"jzFp1gOcK95IpBFa1JFfoomU8rbs/HZw3FeTtDy8Nj7LL7iLSrQY/UgGVNmLEf2Y\n"
	"bX887Les4+PT5Xo=\n"
	"-----END PRIVATE KEY-----\n";

/* openssl genpkey -algorithm X25519; openssl pkey -pubout */
static const char x25519_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VuBCIEINhwDK1Z5yc/ttJie4sp7KoBRiSDW5vcuP6l5LTGXp96\n"
	"-----END PRIVATE KEY-----\n";
static const char x25519_pub_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MCowBQYDK2VuAyEAk6dQajqip3Jr4B0MkyQxdcLK4YZPsDP26l76rivnv1g=\n"
	"-----END PUBLIC KEY-----\n";

/* openssl genpkey -algorithm ED448 */
static const char ed448_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MEcCAQAwBQYDK2VxBDsEOeKprzbs+z1QukXSRpS1HEvUfwxbIaDJtthVKvAmOMVh\n"
	"wtjQg5NDRzeSffdc221+BmmxLJfDFIxYUw==\n"
	"-----END PRIVATE KEY-----\n";

/* ---- helpers -------------------------------------------------------------- */

struct tmp {
	char dir[256];
};

static int setup(void **state)
{
	struct tmp *t = malloc(sizeof(*t));

	if (!t)
		return -1;
	if (!tmp_dir_make(t->dir, sizeof(t->dir), "sign")) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;

	tmp_dir_remove(t->dir);
	free(t);
	return 0;
}

/* Whole file into buf (NUL-terminated); returns its length. */
static size_t read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	assert_true(n < size - 1);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static void to_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* keyid recomputed independently of sign.c and digest.c. */
static void expected_keyid(const uint8_t pub[LL_ED25519_PUB_LEN],
			   char out[65])
{
	uint8_t d[32];
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(pub, LL_ED25519_PUB_LEN, d, &n,
				    EVP_sha256(), NULL), 1);
	assert_int_equal(n, 32);
	to_hex(d, 32, out);
}

static mode_t file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- generate, sign, verify ----------------------------------------------- */

static void test_generate_sign_verify(void **state)
{
	static const char text[] = "statement bytes: 12.50 EUR to P-ADA";
	struct ll_key k, other;
	struct ll_error err;
	uint8_t msg[sizeof(text) - 1];
	uint8_t sig[LL_ED25519_SIG_LEN], sig2[LL_ED25519_SIG_LEN];
	char keyid[65];
	size_t i;
	int bit;

	(void)state;
	memcpy(msg, text, sizeof(msg));
	ll_key_init(&k);
	ll_key_init(&other);
	assert_int_equal(ll_key_generate(&k, &err), LL_OK);
	assert_non_null(k.pkey);
	assert_true(k.has_private);
	expected_keyid(k.pub, keyid);
	assert_string_equal(k.keyid, keyid);

	assert_int_equal(ll_key_sign(&k, msg, sizeof(msg), sig, &err), LL_OK);
	assert_true(ll_key_verify(&k, msg, sizeof(msg), sig));
	/* deterministic */
	assert_int_equal(ll_key_sign(&k, msg, sizeof(msg), sig2, &err), LL_OK);
	assert_memory_equal(sig, sig2, sizeof(sig));

	/* every changed message byte, every changed signature bit */
	for (i = 0; i < sizeof(msg); i++) {
		msg[i] ^= 0x01;
		assert_false(ll_key_verify(&k, msg, sizeof(msg), sig));
		msg[i] ^= 0x01;
	}
	for (i = 0; i < sizeof(sig); i++) {
		for (bit = 0; bit < 8; bit++) {
			sig[i] ^= (uint8_t)(1u << bit);
			assert_false(ll_key_verify(&k, msg, sizeof(msg), sig));
			sig[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* truncated and extended messages */
	assert_false(ll_key_verify(&k, msg, sizeof(msg) - 1, sig));
	assert_true(ll_key_verify(&k, msg, sizeof(msg), sig));

	/* another key's signature */
	assert_int_equal(ll_key_generate(&other, &err), LL_OK);
	assert_string_not_equal(other.keyid, k.keyid);
	assert_false(ll_key_verify(&other, msg, sizeof(msg), sig));

	/* the empty message */
	assert_int_equal(ll_key_sign(&k, NULL, 0, sig, &err), LL_OK);
	assert_true(ll_key_verify(&k, NULL, 0, sig));
	assert_false(ll_key_verify(&other, NULL, 0, sig));

	/* generating into a key that holds one replaces it */
	assert_int_equal(ll_key_generate(&k, &err), LL_OK);
	assert_false(ll_key_verify(&k, NULL, 0, sig));

	ll_key_release(&k);
	ll_key_release(&other);
	assert_null(k.pkey);
}

/* RFC 8032 §7.1 TEST 1 (empty message) and TEST 2 (one byte 0x72). */
static void test_rfc8032_vectors(void **state)
{
	struct tmp *t = *state;
	char p1[512], p2[512];
	struct ll_key k, pub;
	struct ll_error err;
	uint8_t want_pub[LL_ED25519_PUB_LEN], want_sig[LL_ED25519_SIG_LEN];
	uint8_t sig[LL_ED25519_SIG_LEN];
	const uint8_t msg2[1] = {0x72};

	tmp_path(t->dir, "t1.pem", p1, sizeof(p1));
	tmp_path(t->dir, "t2.pem", p2, sizeof(p2));
	write_text(p1, rfc8032_test1_pem);
	write_text(p2, rfc8032_test2_pem);
	ll_key_init(&k);
	ll_key_init(&pub);

	assert_int_equal(ll_key_load_private(&k, p1, &err), LL_OK);
	assert_true(k.has_private);
	from_hex(rfc8032_test1_pub, want_pub, sizeof(want_pub));
	assert_memory_equal(k.pub, want_pub, sizeof(want_pub));
	assert_string_equal(k.keyid, rfc8032_test1_keyid);
	assert_int_equal(ll_key_sign(&k, NULL, 0, sig, &err), LL_OK);
	from_hex(rfc8032_test1_sig, want_sig, sizeof(want_sig));
	assert_memory_equal(sig, want_sig, sizeof(sig));

	/* the public half of a private PEM verifies but cannot sign */
	assert_int_equal(ll_key_load_public(&pub, p1, &err), LL_OK);
	assert_false(pub.has_private);
	assert_string_equal(pub.keyid, rfc8032_test1_keyid);
	assert_true(ll_key_verify(&pub, NULL, 0, want_sig));
	ll_error_clear(&err);
	assert_int_equal(ll_key_sign(&pub, NULL, 0, sig, &err), LL_INVALID);
	assert_int_equal(err.code, LL_INVALID);
	assert_non_null(strstr(err.text, "no private key"));

	/* loading again replaces the key */
	assert_int_equal(ll_key_load_private(&k, p2, &err), LL_OK);
	from_hex(rfc8032_test2_pub, want_pub, sizeof(want_pub));
	assert_memory_equal(k.pub, want_pub, sizeof(want_pub));
	assert_int_equal(ll_key_sign(&k, msg2, sizeof(msg2), sig, &err), LL_OK);
	from_hex(rfc8032_test2_sig, want_sig, sizeof(want_sig));
	assert_memory_equal(sig, want_sig, sizeof(sig));
	assert_true(ll_key_verify(&k, msg2, sizeof(msg2), want_sig));
	/* TEST 2's signature under TEST 1's key */
	assert_false(ll_key_verify(&pub, msg2, sizeof(msg2), want_sig));

	ll_key_release(&k);
	ll_key_release(&pub);
}

/* ---- files ---------------------------------------------------------------- */

static void test_write_load_round_trip(void **state)
{
	struct tmp *t = *state;
	char priv[512], pubp[512], text[4096];
	struct ll_key k, lp, lq, lr;
	struct ll_error err;
	uint8_t sig[LL_ED25519_SIG_LEN];
	static const uint8_t msg[] = "round trip";
	mode_t old;

	tmp_path(t->dir, "signing.pem", priv, sizeof(priv));
	tmp_path(t->dir, "signing.pub.pem", pubp, sizeof(pubp));
	ll_key_init(&k);
	ll_key_init(&lp);
	ll_key_init(&lq);
	ll_key_init(&lr);
	assert_int_equal(ll_key_generate(&k, &err), LL_OK);

	/* the modes are exact whatever the umask */
	old = umask(0077);
	ll_error_clear(&err);
	assert_int_equal(ll_key_write(&k, priv, pubp, &err), LL_OK);
	umask(old);
	assert_int_equal(file_mode(priv), 0600);
	assert_int_equal(file_mode(pubp), 0644);

	read_text(priv, text, sizeof(text));
	assert_true(strncmp(text, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	read_text(pubp, text, sizeof(text));
	assert_true(strncmp(text, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
	assert_null(strstr(text, "PRIVATE"));

	assert_int_equal(ll_key_load_private(&lp, priv, &err), LL_OK);
	assert_true(lp.has_private);
	assert_string_equal(lp.keyid, k.keyid);
	assert_memory_equal(lp.pub, k.pub, sizeof(k.pub));

	assert_int_equal(ll_key_load_public(&lq, pubp, &err), LL_OK);
	assert_false(lq.has_private);
	assert_string_equal(lq.keyid, k.keyid);
	assert_memory_equal(lq.pub, k.pub, sizeof(k.pub));

	assert_int_equal(ll_key_load_public(&lr, priv, &err), LL_OK);
	assert_false(lr.has_private);
	assert_string_equal(lr.keyid, k.keyid);
	{
		/* it holds the public half only, not the secret */
		uint8_t raw[64];
		size_t raw_len = sizeof(raw);

		assert_int_not_equal(EVP_PKEY_get_raw_private_key(
					     lr.pkey, raw, &raw_len), 1);
		raw_len = sizeof(raw);
		assert_int_not_equal(EVP_PKEY_get_raw_private_key(
					     lq.pkey, raw, &raw_len), 1);
		raw_len = sizeof(raw);
		assert_int_equal(EVP_PKEY_get_raw_private_key(lp.pkey, raw,
							      &raw_len), 1);
		assert_int_equal(raw_len, 32);
	}

	/* signed with the loaded private key, verified with every copy */
	assert_int_equal(ll_key_sign(&lp, msg, sizeof(msg), sig, &err), LL_OK);
	assert_true(ll_key_verify(&k, msg, sizeof(msg), sig));
	assert_true(ll_key_verify(&lq, msg, sizeof(msg), sig));
	assert_true(ll_key_verify(&lr, msg, sizeof(msg), sig));

	/* a public key file is not a private key */
	ll_error_clear(&err);
	assert_int_equal(ll_key_load_private(&lr, pubp, &err), LL_INVALID);
	assert_string_equal(err.source, pubp);
	/* a failed load leaves the key as it was */
	assert_string_equal(lr.keyid, k.keyid);

	/* a public-only key cannot be written */
	ll_error_clear(&err);
	tmp_path(t->dir, "again.pem", priv, sizeof(priv));
	tmp_path(t->dir, "again.pub.pem", pubp, sizeof(pubp));
	assert_int_equal(ll_key_write(&lq, priv, pubp, &err), LL_INVALID);
	assert_false(exists(priv));
	assert_false(exists(pubp));

	ll_key_release(&k);
	ll_key_release(&lp);
	ll_key_release(&lq);
	ll_key_release(&lr);
}

static void test_write_refuses_overwrite(void **state)
{
	struct tmp *t = *state;
	char priv[512], pubp[512], text[256];
	struct ll_key k;
	struct ll_error err;

	tmp_path(t->dir, "k.pem", priv, sizeof(priv));
	tmp_path(t->dir, "k.pub.pem", pubp, sizeof(pubp));
	ll_key_init(&k);
	assert_int_equal(ll_key_generate(&k, &err), LL_OK);

	/* the private file exists: nothing is touched or created */
	write_text(priv, "precious\n");
	ll_error_clear(&err);
	assert_int_equal(ll_key_write(&k, priv, pubp, &err), LL_IO);
	assert_int_equal(err.code, LL_IO);
	assert_string_equal(err.source, priv);
	assert_non_null(strstr(err.text, "already exists"));
	read_text(priv, text, sizeof(text));
	assert_string_equal(text, "precious\n");
	assert_false(exists(pubp));
	assert_int_equal(unlink(priv), 0);

	/* the public file exists: the private file written first is removed */
	write_text(pubp, "also precious\n");
	ll_error_clear(&err);
	assert_int_equal(ll_key_write(&k, priv, pubp, &err), LL_IO);
	assert_string_equal(err.source, pubp);
	assert_non_null(strstr(err.text, "already exists"));
	assert_false(exists(priv));
	read_text(pubp, text, sizeof(text));
	assert_string_equal(text, "also precious\n");

	/* the same path twice */
	ll_error_clear(&err);
	assert_int_equal(ll_key_write(&k, priv, priv, &err), LL_IO);
	assert_false(exists(priv));

	/* a missing directory */
	tmp_path(t->dir, "no/such/dir.pem", priv, sizeof(priv));
	ll_error_clear(&err);
	assert_int_equal(ll_key_write(&k, priv, pubp, &err), LL_IO);
	assert_non_null(strstr(err.text, "cannot create"));

	ll_key_release(&k);
}

static void expect_load_fails(const char *path, bool as_private,
			      enum ll_status want, const char *text)
{
	struct ll_key k;
	struct ll_error err;
	enum ll_status rc;

	ll_key_init(&k);
	ll_error_clear(&err);
	rc = as_private ? ll_key_load_private(&k, path, &err) :
			  ll_key_load_public(&k, path, &err);
	assert_int_equal(rc, want);
	assert_int_equal(err.code, want);
	assert_string_equal(err.source, path);
	if (text && !strstr(err.text, text))
		fail_msg("%s: expected \"%s\" in \"%s\"", path, text, err.text);
	assert_null(k.pkey);
	ll_key_release(&k);
}

static void test_load_rejects(void **state)
{
	struct tmp *t = *state;
	char p[512];
	int as_private;

	for (as_private = 0; as_private <= 1; as_private++) {
		tmp_path(t->dir, "rsa.pem", p, sizeof(p));
		write_text(p, rsa_pem);
		expect_load_fails(p, as_private, LL_INVALID,
				  "not an Ed25519 key");
		tmp_path(t->dir, "x25519.pem", p, sizeof(p));
		write_text(p, x25519_pem);
		expect_load_fails(p, as_private, LL_INVALID,
				  "not an Ed25519 key");
		tmp_path(t->dir, "ed448.pem", p, sizeof(p));
		write_text(p, ed448_pem);
		expect_load_fails(p, as_private, LL_INVALID,
				  "not an Ed25519 key");
		tmp_path(t->dir, "garbage.pem", p, sizeof(p));
		write_text(p, "-----BEGIN PRIVATE KEY-----\nnot base64!\n"
			      "-----END PRIVATE KEY-----\n");
		expect_load_fails(p, as_private, LL_INVALID, NULL);
		tmp_path(t->dir, "empty.pem", p, sizeof(p));
		write_text(p, "");
		expect_load_fails(p, as_private, LL_INVALID, NULL);
		tmp_path(t->dir, "missing.pem", p, sizeof(p));
		expect_load_fails(p, as_private, LL_IO, "cannot open");
	}
	tmp_path(t->dir, "x25519.pub.pem", p, sizeof(p));
	write_text(p, x25519_pub_pem);
	expect_load_fails(p, false, LL_INVALID, "not an Ed25519 key");
	expect_load_fails(p, true, LL_INVALID, "not a PEM private key");
}

/* ---- cross-check with the openssl tool ------------------------------------ */

/* Is prog an executable on PATH? */
static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[1024];

	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		char full[1200];

		if (n > 0 && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			snprintf(full, sizeof(full), "%s/%s", dir, prog);
			if (access(full, X_OK) == 0)
				return true;
		}
		path = colon ? colon + 1 : NULL;
	}
	return false;
}

/* Run argv (stdout and stderr captured into out); its exit status, or -1
 * when it did not exit normally. */
static int run(char *const argv[], char *out, size_t out_size)
{
	int fds[2], status = 0;
	size_t n = 0;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t k = read(fds[0], out + n, out_size - 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == out_size - 1) {
			char sink[256];

			while (read(fds[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	out[n] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_openssl_cross_check(void **state)
{
	static const char payload[] =
		"{\"_type\":\"https://in-toto.io/Statement/v1\"}";
	struct tmp *t = *state;
	char priv[512], pubp[512], pae_p[512], sig_p[512], sig2_p[512];
	char out[4096];
	struct ll_key k;
	struct ll_error err;
	uint8_t sig[LL_ED25519_SIG_LEN], sig2[LL_ED25519_SIG_LEN];
	uint8_t *pae;
	size_t pae_len;
	FILE *f;

	if (!on_path("openssl"))
		skip();
	tmp_path(t->dir, "k.pem", priv, sizeof(priv));
	tmp_path(t->dir, "k.pub.pem", pubp, sizeof(pubp));
	tmp_path(t->dir, "pae.bin", pae_p, sizeof(pae_p));
	tmp_path(t->dir, "sig.bin", sig_p, sizeof(sig_p));
	tmp_path(t->dir, "sig2.bin", sig2_p, sizeof(sig2_p));
	ll_key_init(&k);
	assert_int_equal(ll_key_generate(&k, &err), LL_OK);
	assert_int_equal(ll_key_write(&k, priv, pubp, &err), LL_OK);
	pae = ll_dsse_pae(LL_DSSE_INTOTO_TYPE, (const uint8_t *)payload,
			  strlen(payload), &pae_len);
	assert_non_null(pae);
	assert_int_equal(ll_key_sign(&k, pae, pae_len, sig, &err), LL_OK);
	write_bytes(pae_p, pae, pae_len);
	write_bytes(sig_p, sig, sizeof(sig));

	{
		char *argv[] = {"openssl", "pkeyutl", "-verify", "-pubin",
				"-inkey", pubp, "-rawin", "-in", pae_p,
				"-sigfile", sig_p, NULL};

		assert_int_equal(run(argv, out, sizeof(out)), 0);
		if (!strstr(out, "Signature Verified Successfully"))
			fail_msg("openssl said: %s", out);

		/* a tampered message fails */
		pae[pae_len - 2] ^= 0x01;
		write_bytes(pae_p, pae, pae_len);
		assert_int_not_equal(run(argv, out, sizeof(out)), 0);
		assert_null(strstr(out, "Signature Verified Successfully"));
		pae[pae_len - 2] ^= 0x01;
		write_bytes(pae_p, pae, pae_len);

		/* a tampered signature fails */
		sig[10] ^= 0x80;
		write_bytes(sig_p, sig, sizeof(sig));
		assert_int_not_equal(run(argv, out, sizeof(out)), 0);
		sig[10] ^= 0x80;
	}
	{
		/* the other way: openssl signs with our private key file;
		 * Ed25519 is deterministic, so the bytes are ours */
		char *argv[] = {"openssl", "pkeyutl", "-sign", "-inkey", priv,
				"-rawin", "-in", pae_p, "-out", sig2_p, NULL};

		assert_int_equal(run(argv, out, sizeof(out)), 0);
		f = fopen(sig2_p, "rb");
		assert_non_null(f);
		assert_int_equal(fread(sig2, 1, sizeof(sig2), f), sizeof(sig2));
		assert_int_equal(fgetc(f), EOF);
		fclose(f);
		assert_memory_equal(sig2, sig, sizeof(sig));
		assert_true(ll_key_verify(&k, pae, pae_len, sig2));
	}
	free(pae);
	ll_key_release(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_sign_verify),
		cmocka_unit_test_setup_teardown(test_rfc8032_vectors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_load_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_refuses_overwrite,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_rejects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_openssl_cross_check,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
