/*
 * checkpoint.h — signed checkpoints (SPEC §4 checkpoint.dsse.json): the
 * ledger's state after one posting, an in-toto Statement v1 in a DSSE
 * envelope signed with the statement key.
 *
 * The construction:
 *   predicate = {"licensee", "period": {"label", "first", "last"},
 *                "run_id", "posting" (1 for the first posting of the
 *                licensee and period, 2 for its first restatement, ...),
 *                "journal": {"entries" (journal entries in the whole
 *                ledger after the posting), "head" (the hash of the last
 *                one)}, "merkle_root" (the posting's statements' root)}
 *   subject   = [{"name": "checkpoint",
 *                 "digest": {"sha256": hex SHA-256(JCS(predicate))}}]
 *   payload   = JCS of the whole Statement, predicateType
 *               https://ledgerline.dev/checkpoint/v1, payloadType
 *               application/vnd.in-toto+json, signed as statements are.
 *
 * Design decision: a checkpoint is built from plain values (struct
 * ll_checkpoint), not from a run or a connection, so the store computes
 * the journal's figures, the evidence layer signs and checks them, and
 * the same parser serves verify and whoever reads a stored checkpoint.
 */
#ifndef LEDGERLINE_CHECKPOINT_H
#define LEDGERLINE_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/hash.h"
#include "ledgerline/ident.h"
#include "ledgerline/sign.h"
#include "ledgerline/status.h"

#define LL_CHECKPOINT_PREDICATE_TYPE "https://ledgerline.dev/checkpoint/v1"
#define LL_CHECKPOINT_SUBJECT "checkpoint"

enum {
	LL_CHECKPOINT_ID_BYTES = LL_ID_LEN_MAX + 1,	/* licensee, run id */
	LL_CHECKPOINT_LABEL_BYTES = 32,			/* a period's label */
	LL_CHECKPOINT_DATE_BYTES = 11,			/* YYYY-MM-DD */
	LL_CHECKPOINT_HEX_BYTES = LL_SHA256_HEX_LEN + 1,
	LL_CHECKPOINT_PROBLEM_BYTES = 512,
};

struct ll_checkpoint {
	char licensee[LL_CHECKPOINT_ID_BYTES];
	char label[LL_CHECKPOINT_LABEL_BYTES];
	char first[LL_CHECKPOINT_DATE_BYTES];
	char last[LL_CHECKPOINT_DATE_BYTES];
	char run_id[LL_CHECKPOINT_ID_BYTES];
	int64_t posting;			/* 1, 2, ... */
	int64_t entries;			/* journal entries, >= 0 */
	char head[LL_CHECKPOINT_HEX_BYTES];	/* last entry's hash */
	char merkle_root[LL_CHECKPOINT_HEX_BYTES];
};

/*
 * The envelope of cp signed by key: the checkpoint.dsse.json file's bytes.
 * New malloc'd string; NULL with err filled (LL_NOMEM, or LL_INTERNAL for
 * a checkpoint whose fields are not well formed).
 */
char *ll_checkpoint_sign(const struct ll_checkpoint *cp,
			 const struct ll_key *key, struct ll_error *err);

/*
 * Read a checkpoint from the payload of its envelope (an in-toto
 * Statement, JSON): shape, types and the subject digest.  LL_INVALID with
 * err naming what is wrong; LL_NOMEM.
 */
enum ll_status ll_checkpoint_parse(struct ll_checkpoint *cp,
				   const char *payload, size_t len,
				   struct ll_error *err);

/*
 * Read a checkpoint from its envelope without checking the signature: for
 * a checkpoint ledgerline stored itself, whatever key signs today.  As
 * ll_checkpoint_parse.
 */
enum ll_status ll_checkpoint_read(struct ll_checkpoint *cp,
				  const char *envelope, size_t len,
				  struct ll_error *err);

/*
 * Is envelope (its bytes) a checkpoint?  Looks at the predicateType of its
 * payload without checking the signature: for choosing the verifier only,
 * which then checks everything.
 */
bool ll_checkpoint_envelope_is(const char *envelope, size_t len);

/* What verifying one checkpoint found. */
struct ll_checkpoint_verdict {
	struct ll_checkpoint cp;
	char problem[LL_CHECKPOINT_PROBLEM_BYTES];	/* "" when it holds */
};

/*
 * Verify one checkpoint envelope: signature by pub, payloadType, in-toto
 * shape, subject digest, and when expected_root is not NULL that its
 * merkle_root equals it.  Problems go to v->problem; LL_OK is returned
 * unless the verifier itself failed (LL_NOMEM).
 */
enum ll_status ll_checkpoint_verify(const char *envelope, size_t len,
				    const struct ll_key *pub,
				    const char *expected_root,
				    struct ll_checkpoint_verdict *v,
				    struct ll_error *err);

#endif
