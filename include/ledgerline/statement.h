/*
 * statement.h — signed statements of account (SPEC §4): one per party the
 * posting touches (a line now or in the superseded posting, an account),
 * an in-toto Statement v1 in a DSSE envelope, carrying the party's lines
 * (exact and rounded; in a restatement with each line's previous amount
 * and adjustment), totals, its account per currency (opening, earned,
 * adjustments, payments, closing), its works that earned nothing and why,
 * the run's input digests, the rounding method and the run's Merkle root
 * with this statement's inclusion proof.
 *
 * The construction, so that anyone can verify it independently:
 *   1. The predicate of party P, without its "merkle" member, is
 *      serialised by RFC 8785 (JCS); call those bytes B(P).
 *   2. The statement's subject digest is SHA-256(B(P)).
 *   3. Leaves are SHA-256(0x00 || B(P)) for every party P with a
 *      statement, in byte order of party id; the run root is the RFC 6962
 *      Merkle tree hash over them (nodes SHA-256(0x01 || left || right)).
 *   4. predicate.merkle = {root, leaf_hash, leaf_index, tree_size,
 *      audit_path (leaf-to-root, RFC 6962 PATH)}.
 *   5. The DSSE payload is the JCS serialisation of the whole Statement,
 *      payloadType application/vnd.in-toto+json, signed with Ed25519 over
 *      the DSSE pre-authentication encoding; keyid = hex SHA-256 of the raw
 *      public key.
 */
#ifndef LEDGERLINE_STATEMENT_H
#define LEDGERLINE_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/account.h"
#include "ledgerline/hash.h"
#include "ledgerline/ident.h"
#include "ledgerline/run.h"
#include "ledgerline/sign.h"

#define LL_STATEMENT_PREDICATE_TYPE "https://ledgerline.dev/statement/v1"
#define LL_INTOTO_STATEMENT_TYPE "https://in-toto.io/Statement/v1"

struct ll_statement {
	uint32_t party;		/* party index */
	char *envelope;		/* the .dsse.json file's bytes (owned) */
	char sha256[LL_SHA256_HEX_LEN + 1];	/* of those bytes */
};

struct ll_statements {
	struct ll_statement *v;	/* in party-id order */
	size_t n;
	char root[LL_SHA256_HEX_LEN + 1];	/* the run's Merkle root, hex */
};

struct ll_accounts;

/*
 * Build and sign the statements of a settled run (rs: the restatement it
 * makes, or NULL; acc: the posting's accounts and payments, or NULL for
 * statements without an account).  LL_NOMEM, or a signing failure with
 * err.
 */
enum ll_status ll_statements_build(struct ll_statements *s,
				   const struct ll_run *r,
				   const struct ll_restatement *rs,
				   const struct ll_accounts *acc,
				   const struct ll_key *key,
				   struct ll_error *err);
void ll_statements_release(struct ll_statements *s);

/*
 * The same in two steps, so that what needs only the Merkle root (run.json,
 * the posting) can go ahead while the statements are signed:
 * ll_statements_prepare makes every predicate, the tree and s->root (s->n
 * and each s->v[i].party set, nothing signed) and hands the rest over in
 * *draft; ll_statements_sign signs them and frees the draft, whatever it
 * returns.  A draft not signed is freed with ll_statements_draft_free.
 * On failure s is released.
 */
struct ll_statements_draft;

enum ll_status ll_statements_prepare(struct ll_statements *s,
				     struct ll_statements_draft **draft,
				     const struct ll_run *r,
				     const struct ll_restatement *rs,
				     const struct ll_accounts *acc,
				     struct ll_error *err);
enum ll_status ll_statements_sign(struct ll_statements *s,
				  struct ll_statements_draft *draft,
				  const struct ll_key *key, struct ll_error *err);
void ll_statements_draft_free(struct ll_statements_draft *d);

/* The statement of party index p, or NULL. */
const struct ll_statement *ll_statements_of(const struct ll_statements *s,
					    uint32_t p);

/* What verifying one statement found.  A problem may carry the text of an
 * error (struct ll_error), so it has the same room. */
enum { LL_VERDICT_PROBLEM_MAX = LL_ERROR_TEXT_MAX };

struct ll_verdict {
	char party[LL_PARTY_ID_SIZE];
	char run_id[LL_RUN_ID_SIZE];
	char root[LL_SHA256_HEX_LEN + 1];
	char problem[LL_VERDICT_PROBLEM_MAX];	/* "" when everything holds */
};

/*
 * Verify one envelope (its bytes; name is used for messages and, when it
 * is "<party>.dsse.json", must match the statement's party): signature by
 * pub, in-toto shape, subject digest, arithmetic (Σ lines = totals per
 * currency, exact and rounded; each amount within one minor unit of its
 * exact value under largest remainder; each line's exact value its
 * share × work_exact; in a restatement each line's adjustment its amount
 * minus previous; per currency of the account, opening + earned +
 * adjustments - payments = closing, earned the statement's total,
 * adjustments minus the lines' previous amounts, and an entry for every
 * currency of the totals), Merkle inclusion, and when
 * expected_root is not NULL that the root equals it.  Problems go to
 * v->problem (LL_OK is returned unless the verifier itself failed).
 */
enum ll_status ll_statement_verify(const char *name, const char *envelope,
				   size_t len, const struct ll_key *pub,
				   const char *expected_root,
				   struct ll_verdict *v, struct ll_error *err);

#endif
