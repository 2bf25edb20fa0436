/*
 * sign.c — Ed25519 keys (sign.h) on OpenSSL 3's EVP interface: generation,
 * PKCS#8 / SubjectPublicKeyInfo PEM files, key ids, one-shot signing and
 * verification.
 *
 * Design decision: secret key bytes never pass through stdio or an
 * unscrubbed heap buffer: PEM text is produced in a BIO_s_secmem() buffer
 * (freed with a clearing free) and written with write(2) to a file created
 * O_EXCL at its final mode, and a key file read from disk is cleansed
 * before it is freed.  A key loaded as public keeps only its public half.
 */
#include "ledgerline/sign.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ledgerline/digest.h"
#include "ledgerline/io.h"

enum {
	/* A PEM Ed25519 key is about 120 bytes; anything near this is not
	 * one. */
	KEY_FILE_BYTES_MAX = 16384,
	PRIVATE_FILE_MODE = 0600,
	PUBLIC_FILE_MODE = 0644,
};

void ll_key_init(struct ll_key *k)
{
	assert(k);
	memset(k, 0, sizeof(*k));
}

void ll_key_release(struct ll_key *k)
{
	assert(k);
	EVP_PKEY_free(k->pkey);
	OPENSSL_cleanse(k, sizeof(*k));
	ll_key_init(k);
}

/* Never prompt on a terminal for a passphrase: encrypted keys fail. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/*
 * Take ownership of pkey (an Ed25519 key, checked by the caller) into k,
 * releasing what k held: raw public key and its id.
 */
static enum ll_status key_adopt(struct ll_key *k, EVP_PKEY *pkey,
				bool has_private, const char *source,
				struct ll_error *err)
{
	uint8_t pub[LL_ED25519_PUB_LEN];
	uint8_t digest[LL_SHA256_LEN];
	size_t n = sizeof(pub);

	if (EVP_PKEY_get_raw_public_key(pkey, pub, &n) != 1 ||
	    n != LL_ED25519_PUB_LEN) {
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return ll_error_set(err, LL_INTERNAL, source, 0, NULL,
				    "cannot read the raw ed25519 public key");
	}
	ll_key_release(k);
	k->pkey = pkey;
	k->has_private = has_private;
	memcpy(k->pub, pub, sizeof(pub));
	ll_sha256(pub, sizeof(pub), digest);
	ll_hex(digest, sizeof(digest), k->keyid);
	return LL_OK;
}

enum ll_status ll_key_generate(struct ll_key *k, struct ll_error *err)
{
	EVP_PKEY *pkey;

	assert(k);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey) {
		ERR_clear_error();
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "ed25519 key generation failed");
	}
	return key_adopt(k, pkey, true, NULL, err);
}

/*
 * Create path (which must not exist) with exactly mode and write data to
 * it.  On failure nothing is left at path.
 */
static enum ll_status write_new_file(const char *path, const char *data,
				     size_t len, mode_t mode,
				     struct ll_error *err)
{
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return ll_error_set(err, LL_IO, path, 0, NULL,
					    "already exists, not overwriting it");
		return ll_error_set(err, LL_IO, path, 0, NULL,
				    "cannot create: %s", strerror(errno));
	}
	/* The umask may have taken bits away: the mode is part of the
	 * contract (0600 private, 0644 public). */
	if (fchmod(fd, mode) != 0 || ll_write_all(fd, data, len) != LL_OK ||
	    fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return LL_OK;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(path);
	return ll_error_set(err, LL_IO, path, 0, NULL, "cannot write: %s",
			    strerror(e));
}

/*
 * PEM of k's private (PKCS#8) or public (SubjectPublicKeyInfo) key into a
 * new secure-memory BIO (caller frees with BIO_free, which clears it).
 */
static BIO *key_pem(const struct ll_key *k, bool private_pem)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	int ok;

	if (!bio)
		return NULL;
	if (private_pem)
		ok = PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0,
					      NULL, NULL);
	else
		ok = PEM_write_bio_PUBKEY(bio, k->pkey);
	if (ok != 1) {
		BIO_free(bio);
		ERR_clear_error();
		return NULL;
	}
	return bio;
}

static enum ll_status write_pem(const struct ll_key *k, bool private_pem,
				const char *path, struct ll_error *err)
{
	BIO *bio = key_pem(k, private_pem);
	char *data = NULL;
	long n;
	enum ll_status rc;

	if (!bio)
		return ll_error_set(err, LL_INTERNAL, path, 0, NULL,
				    "cannot encode the %s key as PEM",
				    private_pem ? "private" : "public");
	n = BIO_get_mem_data(bio, &data);
	LL_ENSURE(n > 0 && data != NULL);
	rc = write_new_file(path, data, (size_t)n,
			    private_pem ? PRIVATE_FILE_MODE : PUBLIC_FILE_MODE,
			    err);
	BIO_free(bio);
	return rc;
}

enum ll_status ll_key_write(const struct ll_key *k, const char *private_path,
			    const char *public_path, struct ll_error *err)
{
	enum ll_status rc;

	assert(k && private_path && public_path);
	if (!k->pkey || !k->has_private)
		return ll_error_set(err, LL_INVALID, private_path, 0, NULL,
				    "no private key to write");
	rc = write_pem(k, true, private_path, err);
	if (rc != LL_OK)
		return rc;
	rc = write_pem(k, false, public_path, err);
	if (rc != LL_OK) {
		/* created O_EXCL above, so it is ours to remove */
		unlink(private_path);
		return rc;
	}
	return LL_OK;
}

/* One PEM key of text (private or public), or NULL. */
static EVP_PKEY *read_pem(const char *text, size_t len, bool private_pem)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	EVP_PKEY *pkey;

	if (!bio)
		return NULL;
	if (private_pem)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	else
		pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	return pkey;
}

/* A new Ed25519 key holding only the public half of pkey, or NULL. */
static EVP_PKEY *public_half(const EVP_PKEY *pkey)
{
	uint8_t pub[LL_ED25519_PUB_LEN];
	size_t n = sizeof(pub);
	EVP_PKEY *pub_only = NULL;

	if (EVP_PKEY_get_raw_public_key(pkey, pub, &n) == 1 &&
	    n == sizeof(pub))
		pub_only = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
						       pub, sizeof(pub));
	ERR_clear_error();
	return pub_only;
}

/*
 * Parse a key file's PEM text: the private key when want_private, else a
 * public key (or a private key's public half).  *out is a new Ed25519 key
 * holding only what was asked for.
 */
static enum ll_status parse_pem(const char *text, size_t len,
				bool want_private, const char *path,
				EVP_PKEY **out, struct ll_error *err)
{
	EVP_PKEY *pkey = NULL;
	bool got_private = false;

	assert(len <= KEY_FILE_BYTES_MAX);
	*out = NULL;
	if (!want_private)
		pkey = read_pem(text, len, false);
	if (!pkey) {
		pkey = read_pem(text, len, true);
		got_private = pkey != NULL;
	}
	if (!pkey)
		return ll_error_set(err, LL_INVALID, path, 0, NULL,
				    want_private ?
				    "not a PEM private key (PKCS#8, unencrypted)" :
				    "not a PEM public or private key");
	if (!EVP_PKEY_is_a(pkey, "ED25519")) {
		EVP_PKEY_free(pkey);
		return ll_error_set(err, LL_INVALID, path, 0, NULL,
				    "not an Ed25519 key");
	}
	if (got_private && !want_private) {
		EVP_PKEY *pub_only = public_half(pkey);

		EVP_PKEY_free(pkey);
		if (!pub_only)
			return ll_error_set(err, LL_INTERNAL, path, 0, NULL,
					    "cannot derive the public key");
		pkey = pub_only;
	}
	*out = pkey;
	return LL_OK;
}

static enum ll_status key_load(struct ll_key *k, const char *path,
			       bool want_private, struct ll_error *err)
{
	char *text = NULL;
	size_t len = 0;
	EVP_PKEY *pkey = NULL;
	enum ll_status rc;

	assert(k && path);
	rc = ll_read_all(path, KEY_FILE_BYTES_MAX, &text, &len, err);
	if (rc != LL_OK)
		return rc;
	rc = parse_pem(text, len, want_private, path, &pkey, err);
	OPENSSL_cleanse(text, len);
	free(text);
	if (rc != LL_OK)
		return rc;
	return key_adopt(k, pkey, want_private, path, err);
}

enum ll_status ll_key_load_private(struct ll_key *k, const char *path,
				   struct ll_error *err)
{
	return key_load(k, path, true, err);
}

enum ll_status ll_key_load_public(struct ll_key *k, const char *path,
				  struct ll_error *err)
{
	return key_load(k, path, false, err);
}

enum ll_status ll_key_sign(const struct ll_key *k, const uint8_t *msg,
			   size_t len, uint8_t sig[LL_ED25519_SIG_LEN],
			   struct ll_error *err)
{
	static const uint8_t empty[1];
	EVP_MD_CTX *ctx;
	size_t n = LL_ED25519_SIG_LEN;
	int ok;

	assert(k && sig && (msg || len == 0));
	if (!k->pkey || !k->has_private)
		return ll_error_set(err, LL_INVALID, NULL, 0, NULL,
				    "key %s has no private key to sign with",
				    k->pkey ? k->keyid : "(none)");
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ll_error_set(err, LL_NOMEM, NULL, 0, NULL,
				    "out of memory signing");
	/* Ed25519 is one-shot: no digest, no Update/Final. */
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &n, msg ? msg : empty, len) == 1 &&
	     n == LL_ED25519_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		return ll_error_set(err, LL_INTERNAL, NULL, 0, NULL,
				    "ed25519 signing failed");
	}
	return LL_OK;
}

bool ll_key_verify(const struct ll_key *k, const uint8_t *msg, size_t len,
		   const uint8_t sig[LL_ED25519_SIG_LEN])
{
	static const uint8_t empty[1];
	EVP_MD_CTX *ctx;
	bool ok;

	assert(k && sig && (msg || len == 0));
	if (!k->pkey)
		return false;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return false;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, LL_ED25519_SIG_LEN,
			      msg ? msg : empty, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}
