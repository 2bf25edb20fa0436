/*
 * fixture_tally.c — the registry and run context of test_tally and
 * test_partial (fixture_tally.h).
 */
#include "unit.h"

#include <stdlib.h>

#include "ledgerline/status.h"

#include "fixture.h"
#include "fixture_tally.h"

/* The registry document. */
static const char REGISTRY[] =
	"{\"parties\": [\n"
	" {\"id\": \"P-AI\", \"name\": \"Synth Co\", \"kind\": \"licensee\"},\n"
	" {\"id\": \"P-L\", \"name\": \"Label\", \"kind\": \"label\"},\n"
	" {\"id\": \"P-A\", \"name\": \"Artist\", \"kind\": \"artist\"}],\n"
	"\"consents\": [\n"
	" {\"id\": \"C-1\", \"party\": \"P-L\", \"all_works\": true, "
	"\"use\": \"generation\", \"decision\": \"opt_in\", "
	"\"effective\": \"2026-01-01T00:00:00Z\"},\n"
	" {\"id\": \"C-2\", \"party\": \"P-A\", \"all_works\": true, "
	"\"use\": \"generation\", \"decision\": \"opt_in\", "
	"\"effective\": \"2026-01-01T00:00:00Z\"}],\n"
	"\"works\": [\n"
	" {\"id\": \"W-1\", \"isrc\": \"GBAAA2600001\", \"duration_ms\": 1000, "
	"\"splits\": {\"master\": [{\"party\": \"P-L\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-2\", \"duration_ms\": 1000, "
	"\"splits\": {\"master\": [{\"party\": \"P-A\", \"share\": \"1\"}]}},\n"
	" {\"id\": \"W-3\", \"duration_ms\": 1000, "
	"\"splits\": {\"master\": [{\"party\": \"P-L\", "
	"\"share\": \"1\"}]}}],\n"
	"\"licences\": [\n"
	" {\"id\": \"L-1\", \"licensee\": \"P-AI\", \"licensor\": \"P-L\", "
	"\"scope\": {\"catalog_of\": \"P-L\"}, \"uses\": [\"generation\"], "
	"\"start\": \"2026-01-01\", \"end\": \"2026-12-31\", "
	"\"currency\": \"EUR\"},\n"
	" {\"id\": \"L-A\", \"licensee\": \"P-AI\", \"licensor\": \"P-A\", "
	"\"scope\": {\"works\": [\"W-2\"]}, \"uses\": [\"generation\"], "
	"\"start\": \"2026-01-01\", \"end\": \"2026-12-31\", "
	"\"currency\": \"USD\"},\n"
	" {\"id\": \"L-X\", \"licensee\": \"P-AI\", \"licensor\": \"P-A\", "
	"\"scope\": {\"catalog_of\": \"P-A\"}, \"uses\": [\"generation\"], "
	"\"start\": \"2026-09-15\", \"end\": \"2026-12-31\", "
	"\"currency\": \"USD\"}]}\n";

int fixture_tally_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ll_error err;

	assert_non_null(f);
	fixture_registry(&f->reg, REGISTRY);
	ll_error_clear(&err);
	assert_int_equal(ll_elig_build(&f->elig, &f->reg, "P-AI", &err), LL_OK);
	ll_strmap_init(&f->models);
	assert_int_equal(ll_strmap_put(&f->models, "m-1", 0, NULL, NULL),
			 LL_OK);
	f->sources[0] = "a.ndjson";
	f->sources[1] = "b.ndjson";
	f->ctx.reg = &f->reg;
	f->ctx.elig = &f->elig;
	f->ctx.first_day = days_from_civil(2026, 7, 1);
	f->ctx.last_day = days_from_civil(2026, 9, 30);
	f->ctx.period = "2026-Q3";
	f->ctx.models = &f->models;
	f->ctx.sources = f->sources;
	f->parser = ll_event_parser_new();
	assert_non_null(f->parser);
	*state = f;
	return 0;
}

int fixture_tally_teardown(void **state)
{
	struct fx *f = *state;

	ll_event_parser_free(f->parser);
	ll_strmap_release(&f->models);
	ll_elig_release(&f->elig);
	ll_registry_release(&f->reg);
	free(f);
	return 0;
}
