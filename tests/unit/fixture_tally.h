/*
 * fixture_tally.h — the registry and run context that test_tally and
 * test_partial share: W-1 (ISRC GBAAA2600001) and W-3 in P-L's
 * catalogue under L-1 (EUR), W-2 under L-A (USD), and L-X, which also
 * covers W-2 from 2026-09-15, so that W-2 has two licences from then on;
 * licensee P-AI, model m-1, period 2026-Q3, sources a.ndjson and
 * b.ndjson.
 *
 * Design decision: the run context is built from the registry and
 * ll_elig_build, not through run.c, so that the tests using it test the
 * tally and the partials alone.  fixture_tally.c uses the core library
 * and cmocka only, so it links into core unit binaries.  Include it
 * after "unit.h".
 */
#ifndef LEDGERLINE_TESTS_FIXTURE_TALLY_H
#define LEDGERLINE_TESTS_FIXTURE_TALLY_H

#include "ledgerline/elig.h"
#include "ledgerline/event.h"
#include "ledgerline/registry.h"
#include "ledgerline/strmap.h"
#include "ledgerline/tally.h"

/* The registry, its eligibility index and a run context for 2026-Q3. */
struct fx {
	struct ll_registry reg;
	struct ll_elig elig;
	struct ll_strmap models;
	struct ll_run_ctx ctx;
	struct ll_event_parser *parser;
	const char *sources[2];
};

/* cmocka setup and teardown: *state becomes (and then was) a struct fx. */
int fixture_tally_setup(void **state);
int fixture_tally_teardown(void **state);

#endif
