/*
 * reconcile.h — hold a party's statements against its own catalogue
 * (SPEC §6, reconcile): what the statements pay that the catalogue does
 * not know, at shares it does not hold, with figures that do not hold,
 * and what the catalogue holds that no statement pays.
 *
 * Design decision: the catalogue is one party's: the catalogue party.
 * The statements given are that party's own (any number: periods,
 * restatements) and those of parties it is payee for (an artist whose
 * earnings a label receives), whose statements name it as payee.  Every
 * line of every statement must be of a catalogue work and its figures
 * must hold; only the catalogue party's own lines are held to the
 * catalogue's shares, since a routed party's share is its own, not the
 * label's.  A catalogue work that no line of any statement pays is
 * missing, with the reasons the statements' exclusions give for it.
 * Statements of parties that are neither are refused (LL_INVALID):
 * reconcile one party's statements at a time.
 *
 * Works are matched by ISRC; a line without an ISRC, or whose ISRC is
 * not in the catalogue, matches a catalogue row by ISWC when the line
 * has no ISRC or the row has none.
 */
#ifndef LEDGERLINE_RECONCILE_H
#define LEDGERLINE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ledgerline/catalog.h"
#include "ledgerline/ident.h"
#include "ledgerline/status.h"

/* What a finding is, in output order of importance. */
enum ll_recon_kind {
	LL_RECON_SIGNATURE,	/* the envelope's signature does not verify */
	LL_RECON_STATEMENT,	/* the statement does not verify otherwise */
	LL_RECON_UNKNOWN_WORK,	/* a line of a work not in the catalogue */
	LL_RECON_SHARE_MISMATCH,	/* a line's share is not the catalogue's */
	LL_RECON_ARITHMETIC,	/* a line's figures do not hold */
	LL_RECON_MISSING_WORK,	/* a catalogue work no line pays */
	LL_RECON_UNALLOCATED,	/* a line of no work (information) */
	LL_RECON_KIND_COUNT
};

/* "signature", "statement", "unknown_work", "share_mismatch",
 * "arithmetic", "missing_work", "unallocated". */
const char *ll_recon_kind_name(enum ll_recon_kind k);

/* One finding; every string owned, NULL where it does not apply. */
struct ll_recon_finding {
	enum ll_recon_kind kind;
	bool discrepancy;	/* counts toward exit 1; else information */
	char *statement;	/* the statement's file name */
	char *party;
	char *licence, *work, *isrc, *iswc, *title, *component, *side;
	char *catalogue_share;	/* canonical, as the catalogue gives it */
	char *statement_share;	/* as the statement gives it */
	char *reason;		/* missing_work: the exclusions' reasons,
				 * ", " between them, or "not used" */
	char *detail;		/* one sentence for people */
};

/* The statements to reconcile: file names and predicates (borrowed). */
struct ll_recon_input {
	const char *name;
	const json_t *predicate;
};

struct ll_recon {
	struct ll_recon_finding *v;
	size_t n, alloc;
	size_t statements, lines, works, works_paid;
	size_t discrepancies, notes;
	char party[LL_PARTY_ID_SIZE];	/* the catalogue party */
};

void ll_recon_init(struct ll_recon *r);
void ll_recon_release(struct ll_recon *r);

/*
 * A whole-statement finding (LL_RECON_SIGNATURE or LL_RECON_STATEMENT,
 * a discrepancy) about statement name, found before reconciling; detail
 * is copied.  LL_OK or LL_NOMEM (err filled).
 */
enum ll_status ll_recon_add_problem(struct ll_recon *r,
				    enum ll_recon_kind kind, const char *name,
				    const char *party, const char *detail,
				    struct ll_error *err);

/*
 * Reconcile the n statements in in against catalogue c; with strict a
 * missing work is a discrepancy.  Findings are appended to r in the
 * statements' order, line by line, then the missing works in catalogue
 * order.  LL_OK; LL_INVALID (err names the statement) when the
 * statements are not of one catalogue party or a predicate lacks its
 * party or lines; LL_NOMEM.
 */
enum ll_status ll_reconcile(struct ll_recon *r, const struct ll_catalog *c,
			    const struct ll_recon_input *in, size_t n,
			    bool strict, struct ll_error *err);

#endif
