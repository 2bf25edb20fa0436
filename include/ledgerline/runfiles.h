/*
 * runfiles.h — the bytes of a run's output files (SPEC §4): payouts.csv,
 * compliance.json and run.json.
 *
 * Design decision: files are built in memory from the run alone, in a
 * canonical order (ids, then names), with money always as strings, so
 * identical inputs give byte-identical files and the writer can put them
 * in place atomically or not at all.  Pure: no I/O.
 */
#ifndef LEDGERLINE_RUNFILES_H
#define LEDGERLINE_RUNFILES_H

#include "ledgerline/account.h"
#include "ledgerline/hash.h"
#include "ledgerline/run.h"

/* The ids derived from a run: "LL" + the first 32 hex digits (half) of a
 * SHA-256. */
enum {
	LL_DERIVED_ID_LEN = 2 + LL_SHA256_HEX_LEN / 2,
	LL_DERIVED_ID_SIZE = LL_DERIVED_ID_LEN + 1,
};

/*
 * payouts.csv: header and one row per payment of acc (payee-id, currency
 * order).  statement_sha256 is an array parallel to acc->pay: the
 * payee's own statement digest (NULL: the column stays empty).  New
 * malloc'd string.
 */
char *ll_runfile_payouts_csv(const struct ll_registry *reg,
			     const struct ll_accounts *acc,
			     const char *const *statement_sha256);

/*
 * remittance.csv: header and one row per party a payment of acc settles
 * (end_to_end_id, payee_id, party_id, currency, amount: the balance it
 * settled, statement_sha256), in payment order, then party id.
 * statement_sha256 is an array parallel to acc->v (NULL entries: empty).
 * New malloc'd string.
 */
char *ll_runfile_remittance_csv(const struct ll_registry *reg,
				const struct ll_accounts *acc,
				const char *const *statement_sha256);

/* compliance.json: a new malloc'd string (NULL: no memory). */
char *ll_runfile_compliance(const struct ll_run *r);

/*
 * run.json: a new malloc'd string (NULL: no memory), naming the posting
 * number and payments of acc, the statements' Merkle root and signing
 * key, and the payments that cannot go by transfer (no IBAN, or above
 * what one transfer may carry).  "payouts" stays what each payee earned
 * in the run.  With rs, a "restatement" section names the superseded run
 * and each party's previous amount, new amount and adjustment per
 * currency.
 */
char *ll_runfile_run_json(const struct ll_run *r,
			  const struct ll_restatement *rs,
			  const struct ll_accounts *acc,
			  const char *merkle_root, const char *key_id,
			  size_t n_statements);

/*
 * run.json as published: the run.json text stored with the posting (as
 * ll_runfile_run_json wrote it) with a last member "checkpoint": {sha256
 * of the checkpoint envelope, journal entries, head}.  The stored text has
 * no checkpoint because the journal's hash chain covers it and the
 * checkpoint signs the chain.  Parsing and writing again with the same
 * settings gives the same bytes for the same stored text.  New malloc'd
 * string; NULL when out of memory or run_json is not such a text.
 */
char *ll_runfile_with_checkpoint(const char *run_json, const char *sha256,
				 int64_t entries, const char *head);

/* SEPA-safe message id of the payment file of one currency: "LL" + 32
 * hex digits of a digest of the run id, posting number and currency (a
 * bank refuses a message id it has seen: each posting's file is new). */
void ll_payfile_msg_id(const char *run_id, int64_t posting,
		       const char *currency, char out[LL_DERIVED_ID_SIZE]);

#endif
