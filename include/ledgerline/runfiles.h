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

#include "ledgerline/run.h"

/* SEPA-safe end-to-end id of a payout row: "LL" + 32 hex digits of a
 * digest of the run id, payee id and currency (34 characters). */
void ll_end_to_end_id(const char *run_id, const char *payee,
		      const char *currency, char out[35]);

/*
 * payouts.csv: header and one row per (payee, currency) in payee-id,
 * currency order.  statement_sha256 is an array parallel to
 * r->st.payouts (NULL: the column stays empty).  New malloc'd string.
 */
char *ll_runfile_payouts_csv(const struct ll_run *r,
			     const char *const *statement_sha256);

/* compliance.json: a new malloc'd string (NULL: no memory). */
char *ll_runfile_compliance(const struct ll_run *r);

/*
 * run.json: a new malloc'd string (NULL: no memory), naming the
 * statements' Merkle root and signing key, and the payees that cannot be
 * paid by transfer (no IBAN, or nothing to pay).  With rs, a
 * "restatement" section names the superseded run and each party's
 * previous amount, new amount and adjustment per currency.
 */
char *ll_runfile_run_json(const struct ll_run *r,
			  const struct ll_restatement *rs,
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
 * hex digits of a digest of the run id and currency. */
void ll_payfile_msg_id(const char *run_id, const char *currency,
		       char out[35]);

#endif
