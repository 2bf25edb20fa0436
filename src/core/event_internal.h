/*
 * event_internal.h — knobs of the event parser that are not part of its
 * contract: for the differential tests and the benchmark only.
 *
 * Design decision: kept out of include/ so no caller can come to depend on
 * which of the two parsers runs; the results are the same either way.
 */
#ifndef LEDGERLINE_EVENT_INTERNAL_H
#define LEDGERLINE_EVENT_INTERNAL_H

#include <stdbool.h>

#include "ledgerline/event.h"

/*
 * Enable (the default) or disable the fast path of p.  With it disabled
 * every line goes through the jansson slow path, which the differential
 * tests use as the oracle.
 */
void ll_event_parser_set_fast(struct ll_event_parser *p, bool enabled);

#endif
