/*
 * engine.h — what is owed (SPEC §3): licence components, minimum
 * guarantee, unallocated fees, work → party splits, and the rounding to
 * minor units (half-even licence total, then largest remainder to parties
 * and to each party's lines).
 *
 * Design decision: every amount stays an exact rational until the single
 * rounding step per licence, and the conservation laws (Σ lines = party
 * total, Σ party totals = licence total, exact and minor) are checked with
 * never-compiled-out assertions.  Pure: no I/O, no database.
 */
#ifndef LEDGERLINE_ENGINE_H
#define LEDGERLINE_ENGINE_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/tally.h"

/* In byte order of their names, which is also the tie order of lines. */
enum ll_component {
	LL_COMP_MINIMUM_GUARANTEE,
	LL_COMP_TRAINING,
	LL_COMP_UNALLOCATED,
	LL_COMP_USAGE,
	LL_COMP_COUNT
};
const char *ll_component_name(enum ll_component c);

/* A work trained under a licence (an eligible manifest item). */
struct ll_training_pair {
	uint32_t licence;
	uint32_t work;
};

/*
 * One line: (licence, party, work, component, side).  exact is
 * share × work_exact: share is the party's split fraction of that side of
 * the work, work_exact the work's amount of the component on that side
 * before the split (1 and exact itself for the unallocated line).
 */
struct ll_line {
	uint32_t licence;
	uint32_t party;		/* index in reg->parties */
	int32_t work;		/* index in reg->works, -1: none */
	uint8_t component;
	int8_t side;		/* enum ll_side, -1: none */
	mpq_t exact;		/* major units */
	mpq_t share;
	mpq_t work_exact;	/* major units */
	int64_t minor;
};

/* A party's total under one licence; its lines are
 * lines[first_line .. first_line + n_lines). */
struct ll_party_total {
	uint32_t licence;
	uint32_t party;
	mpq_t exact;
	int64_t minor;
	size_t first_line, n_lines;
};

struct ll_licence_total {
	uint32_t licence;
	mpq_t component[LL_COMP_COUNT];	/* exact, per component */
	mpq_t exact;
	int64_t minor;
	size_t n_training_works;
	size_t n_usage_works;
};

/* What a payee receives in one currency. */
struct ll_payout {
	uint32_t payee;		/* party index */
	char currency[4];
	int exponent;
	int64_t minor;
	size_t n_parties;	/* parties paid through this payee */
};

struct ll_settlement {
	struct ll_licence_total *lic;
	size_t n_lic;
	struct ll_party_total *parties;	/* by licence id, party id */
	size_t n_parties;
	struct ll_line *lines;		/* by licence, party, then tie order */
	size_t n_lines;
	struct ll_payout *payouts;	/* by payee id, currency */
	size_t n_payouts;
};

/*
 * Compute the settlement of the licences of ctx->elig's licensee active
 * in the period, from the training pairs (any order, duplicates allowed)
 * and the merged usage tally.  LL_INVALID with err when an amount does not
 * fit the ledger's 64-bit minor units; LL_NOMEM.
 */
enum ll_status ll_settle(struct ll_settlement *s, const struct ll_run_ctx *ctx,
			 const struct ll_training_pair *pairs, size_t n_pairs,
			 const struct ll_tally *usage, struct ll_error *err);
void ll_settlement_release(struct ll_settlement *s);

/* The payee of party index p (its "payee", or itself). */
uint32_t ll_payee_of(const struct ll_registry *reg, uint32_t p);

#endif
