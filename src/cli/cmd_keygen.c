/*
 * cmd_keygen.c — "ledgerline keygen": create the Ed25519 key pair that
 * signs statements.
 *
 * Design decision: keygen never overwrites a key: statements already
 * handed out stay verifiable only while their key exists, so replacing a
 * key is a deliberate act done by moving the old files away first.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ledgerline/buf.h"
#include "ledgerline/cli.h"
#include "ledgerline/config.h"
#include "ledgerline/io.h"
#include "ledgerline/sign.h"

static const char usage[] =
	"usage: ledgerline keygen [--out DIR]\n"
	"\n"
	"Create an Ed25519 key pair for signing statements:\n"
	"  DIR/signing.pem      private key (PKCS#8 PEM, mode 0600)\n"
	"  DIR/signing.pub.pem  public key (give it to whoever verifies)\n"
	"DIR defaults to $LEDGERLINE_HOME/keys (the key 'ledgerline run' uses\n"
	"unless signing.key is configured).  Never overwrites a key.  Prints\n"
	"the key id: the hex SHA-256 of the raw 32-byte public key.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 a key already exists or cannot be\n"
	"written.\n";

/* Where the key goes: DIR/signing.pem and DIR/signing.pub.pem with
 * --out DIR, else the configured key's files; dir: the directory to
 * create.  Prints its errors. */
static enum ll_status key_paths(struct ll_cli_ctx *ctx, const char *out,
				char priv[PATH_MAX], char pub[PATH_MAX],
				char dir[PATH_MAX])
{
	struct ll_error err;
	enum ll_status rc;
	char *slash;

	if (out) {
		if (snprintf(priv, PATH_MAX, "%s/signing.pem", out) >=
			    PATH_MAX ||
		    snprintf(pub, PATH_MAX, "%s/signing.pub.pem", out) >=
			    PATH_MAX)
			return ll_cli_usage_error("keygen", "path too long");
		if (!ll_str_copy(dir, PATH_MAX, out))
			return ll_cli_usage_error("keygen",
						  "--out: path too long");
		return LL_OK;
	}
	ll_error_clear(&err);
	rc = ll_cli_open(ctx, &err);
	if (rc == LL_OK)
		rc = ll_config_key_paths(&ctx->cfg, priv, pub, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	if (!ll_str_copy(dir, PATH_MAX, priv))
		return ll_cli_fail(LL_USAGE, "signing key path too long");
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		ll_str_copy(dir, PATH_MAX, ".");
	return LL_OK;
}

static enum ll_status run(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	char priv[PATH_MAX], pub[PATH_MAX], dir[PATH_MAX];
	const char *out = NULL;
	struct ll_error err;
	struct ll_key key;
	enum ll_status rc;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			return ll_cli_help(usage);
		if (c != 'o')
			return ll_cli_usage_error("keygen", "invalid option");
		rc = ll_cli_set_once("keygen", "--out", &out, optarg);
		if (rc != LL_OK)
			return rc;
	}
	if (optind != argc)
		return ll_cli_usage_error("keygen", "unexpected argument '%s'",
					  argv[optind]);
	rc = key_paths(ctx, out, priv, pub, dir);
	if (rc != LL_OK)
		return rc;
	ll_error_clear(&err);
	ll_key_init(&key);
	rc = ll_mkdir_p(dir, 0700, &err);
	if (rc == LL_OK)
		rc = ll_key_generate(&key, &err);
	if (rc == LL_OK)
		rc = ll_key_write(&key, priv, pub, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		ll_key_release(&key);
		return rc == LL_IO ? LL_INVALID : rc;
	}
	printf("private key: %s\npublic key:  %s\nkey id:      %s\n", priv, pub,
	       key.keyid);
	ll_key_release(&key);
	return LL_OK;
}

const struct ll_cmd ll_cmd_keygen = { "keygen", run, LL_CMD_CONFIG,
				      "create the Ed25519 statement signing key",
				      usage };
