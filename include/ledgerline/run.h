/*
 * run.h — one run (SPEC §3): a licensee, a period, manifests and logs,
 * from eligibility to the settlement and the compliance findings.
 *
 * Design decision: struct ll_run owns everything a run computes, in the
 * order it is computed (prepare → training → logs → settle); the steps
 * here are pure, and the command shell (cmd_run.c) only adds reading
 * inputs, the database and writing files around them.
 */
#ifndef LEDGERLINE_RUN_H
#define LEDGERLINE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "ledgerline/elig.h"
#include "ledgerline/engine.h"
#include "ledgerline/ident.h"
#include "ledgerline/manifest.h"
#include "ledgerline/registry.h"
#include "ledgerline/strmap.h"
#include "ledgerline/tally.h"

enum {
	LL_RUN_ID_LEN = 36,	/* "run-" + 32 hex */
	/* a buffer for a run id read back (the ledger, a statement):
	 * 64 bytes, more than LL_RUN_ID_LEN + 1 needs */
	LL_RUN_ID_SIZE = 64,
};

/* One log: a name for messages and a readable, seekable descriptor
 * positioned at its start.  The edge opens, reads (pipeline.h) and closes
 * the descriptor; the core only carries it and reads the outputs. */
struct ll_log_input {
	const char *name;
	int fd;
	char sha256[LL_SHA256_HEX_LEN + 1];	/* out */
	uint64_t bytes;				/* out */
	uint64_t lines;				/* out */
};

/* A manifest item that earns nothing, and why. */
struct ll_excluded {
	uint32_t manifest;
	size_t item;		/* index into that manifest's items */
	enum ll_reason reason;
};

/* A work trained under consent whose training consent lapsed after
 * trained_at, and which still earned usage at or after that moment. */
struct ll_withdrawn {
	uint32_t work;
	uint32_t manifest;
	int64_t lapsed_us;	/* when the consent stopped holding */
	enum ll_reason reason;	/* no_consent or opted_out */
};

struct ll_run {
	char id[LL_RUN_ID_LEN + 1];
	const char *licensee;
	const char *period;
	int32_t first_day, last_day;
	const struct ll_registry *reg;	/* borrowed */
	char registry_sha256[LL_SHA256_HEX_LEN + 1];
	struct ll_elig elig;
	struct ll_run_ctx ctx;
	struct ll_manifest *manifests;	/* borrowed array */
	size_t n_manifests;
	struct ll_log_input *logs;	/* borrowed array */
	size_t n_logs;
	const char **log_names;		/* for ctx.sources */
	struct ll_strmap models;
	struct ll_training_pair *pairs;
	size_t n_pairs;
	struct ll_excluded *excluded;
	size_t n_excluded;
	size_t n_items;
	struct ll_tally tally;
	struct ll_settlement st;
	struct ll_withdrawn *withdrawn;
	size_t n_withdrawn;
	struct ll_errlist errs;		/* manifest and training errors */
};

/*
 * Set up a run over reg (linked, borrowed) for licensee and period:
 * eligibility index and the run context.  LL_INVALID with err for an
 * unknown licensee, LL_USAGE for a malformed period (it is an option).
 */
enum ll_status ll_run_prepare(struct ll_run *r, const struct ll_registry *reg,
			      const char *licensee, const char *period,
			      struct ll_manifest *manifests, size_t n_manifests,
			      struct ll_log_input *logs, size_t n_logs,
			      struct ll_error *err);
void ll_run_release(struct ll_run *r);

/*
 * Judge every manifest item at its trained_at: catalogue, content hash,
 * licence, consent.  Eligible items become training pairs, the rest
 * excluded items; a manifest of another licensee and overlapping licences
 * are errors (r->errs).
 */
enum ll_status ll_run_training(struct ll_run *r);

/*
 * After the logs are tallied into r->tally: the settlement, the
 * withdrawn-consent findings and the run id.  LL_INVALID (err) when an
 * amount does not fit the ledger.
 */
enum ll_status ll_run_settle(struct ll_run *r, struct ll_error *err);

/* The run id alone (ll_run_settle makes it too), once the inputs' digests
 * are known: for work that needs it before the settlement. */
void ll_run_name(struct ll_run *r);

/* A party's total in one currency under some run. */
struct ll_party_amount {
	char party[LL_PARTY_ID_SIZE];
	char currency[LL_CURRENCY_LEN + 1];
	int64_t minor;
};

enum {
	/* a component's or a side's name and its NUL ("minimum_guarantee",
	 * "publishing"), rounded up to a multiple of 8 bytes */
	LL_RUN_LINE_NAME_SIZE = 24,
};

/*
 * A line of a stored run as the ledger keeps it (run_line): by id and
 * name, not registry index, so it reads whatever the registry says now.
 */
struct ll_run_line {
	char party[LL_PARTY_ID_SIZE];
	char licence[LL_PARTY_ID_SIZE];		/* any registry id fits */
	char work[LL_PARTY_ID_SIZE];		/* "" for none */
	char component[LL_RUN_LINE_NAME_SIZE];
	char side[LL_RUN_LINE_NAME_SIZE];	/* "" for none */
	char currency[LL_CURRENCY_LEN + 1];
	int64_t minor;
};

/*
 * When a run restates a period: the run it supersedes, what each party
 * had under it (sorted by party, currency) and its lines (sorted by
 * party, licence, work, component, side, in byte order).
 */
struct ll_restatement {
	const char *supersedes;		/* run id */
	const struct ll_party_amount *prev;
	size_t n_prev;
	const struct ll_run_line *lines;
	size_t n_lines;
};

/* SHA-256 over the registry records in force (kind, id, version, digest
 * in order), hex into out. */
void ll_registry_digest(const struct ll_registry *reg,
			char out[LL_SHA256_HEX_LEN + 1]);

#endif
