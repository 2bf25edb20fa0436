/*
 * cmd_grant.c — "ledgerline grant --party P" and "ledgerline revoke
 * --party P": a read-only database login for one party, and its removal
 * (SPEC §5 "Party-scoped access").
 *
 * Design decision: both run as the schema owner in one transaction, so a
 * login exists with its record in ledgerline.party_login or not at all;
 * the password is printed once, after the commit, and kept nowhere (the
 * server holds only its SCRAM verifier).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ledgerline/cli.h"
#include "ledgerline/db.h"
#include "ledgerline/ident.h"

static const char grant_usage[] =
	"usage: ledgerline grant --party PARTY\n"
	"\n"
	"Create a read-only PostgreSQL login for PARTY and print its\n"
	"connection string once:\n"
	"\n"
	"  dsn: host=... dbname=... user=ledgerline_p_... password=...\n"
	"\n"
	"The password is random (192 bits), sent to the server only as its\n"
	"SCRAM-SHA-256 verifier and stored nowhere: keep the line; a lost\n"
	"password is replaced with 'revoke' then 'grant'.  Under that login\n"
	"(LEDGERLINE_DSN=...) row-level security shows PARTY its own lines,\n"
	"totals, balances, payments and statements and the works it holds a\n"
	"share in, and nothing of any other party; 'ledgerline report' works\n"
	"under it.  Runs as the schema owner.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 unknown party or a login exists,\n"
	"4 database.\n";

static const char revoke_usage[] =
	"usage: ledgerline revoke --party PARTY\n"
	"\n"
	"Drop PARTY's login made by 'ledgerline grant' and end its open\n"
	"sessions.  Runs as the schema owner.\n"
	"\n"
	"Exit codes: 0 ok, 2 usage, 3 the party has no login, 4 database.\n";

static enum ll_status parse_args(const char *cmd, int argc, char **argv,
				 const char **party, int *help)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "party", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	enum ll_status rc;
	int c;

	*party = NULL;
	*help = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			*help = 1;
			return LL_OK;
		}
		if (c != 'p')
			return ll_cli_usage_error(cmd, "invalid option");
		rc = ll_cli_set_once(cmd, "--party", party, optarg);
		if (rc != LL_OK)
			return rc;
	}
	if (optind != argc)
		return ll_cli_usage_error(cmd, "unexpected argument '%s'",
					  argv[optind]);
	if (!*party)
		return ll_cli_usage_error(cmd, "--party is required");
	if (!ll_id_valid(*party))
		return ll_cli_usage_error(cmd, "invalid party id '%s'", *party);
	return LL_OK;
}

/* Connect as the owner to an up-to-date schema, in a transaction. */
static enum ll_status open_admin(struct ll_cli_ctx *ctx, struct ll_error *err)
{
	enum ll_status rc = ll_cli_open(ctx, err);

	if (rc == LL_OK)
		rc = ll_db_require_schema(&ctx->db, err);
	if (rc == LL_OK)
		rc = ll_db_begin(&ctx->db, err);
	ctx->in_tx = rc == LL_OK;
	return rc;
}

static enum ll_status grant(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	struct ll_party_login login;
	struct ll_error err;
	const char *party;
	enum ll_status rc;
	int help;

	rc = parse_args("grant", argc, argv, &party, &help);
	if (rc != LL_OK || help)
		return rc != LL_OK ? rc : ll_cli_help(grant_usage);
	ll_error_clear(&err);
	memset(&login, 0, sizeof(login));
	rc = open_admin(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_grant_party(&ctx->db, party, &login, &err);
	if (rc == LL_OK)
		rc = ll_cli_commit(ctx, &err);
	if (rc == LL_OK) {
		printf("party: %s\nrole: %s\ndsn: %s\n", party, login.role,
		       login.dsn);
		fputs("ledgerline: the password is shown only once\n", stderr);
	} else {
		ll_cli_print_error(&err);
	}
	OPENSSL_cleanse(&login, sizeof(login));
	return rc;
}

static enum ll_status revoke(struct ll_cli_ctx *ctx, int argc, char **argv)
{
	char role[LL_DB_ROLE_MAX];
	struct ll_error err;
	const char *party;
	enum ll_status rc;
	int help;

	rc = parse_args("revoke", argc, argv, &party, &help);
	if (rc != LL_OK || help)
		return rc != LL_OK ? rc : ll_cli_help(revoke_usage);
	ll_error_clear(&err);
	rc = open_admin(ctx, &err);
	if (rc == LL_OK)
		rc = ll_db_revoke_party(&ctx->db, party, role, &err);
	if (rc == LL_OK)
		rc = ll_cli_commit(ctx, &err);
	if (rc != LL_OK) {
		ll_cli_print_error(&err);
		return rc;
	}
	printf("revoked: %s (%s)\n", party, role);
	return LL_OK;
}

const struct ll_cmd ll_cmd_grant = { "grant", grant,
				     LL_CMD_CONFIG | LL_CMD_DB_ADMIN,
				     "a read-only database login for a party",
				     grant_usage };
const struct ll_cmd ll_cmd_revoke = { "revoke", revoke,
				      LL_CMD_CONFIG | LL_CMD_DB_ADMIN,
				      "remove a party's database login",
				      revoke_usage };
