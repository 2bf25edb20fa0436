/*
 * progress.c — names of the phases progress is reported in (progress.h).
 *
 * Design decision: the switch has no default, so a new phase without a
 * name is a compiler warning, not a blank on the screen.
 */
#include "ledgerline/progress.h"

const char *ll_phase_name(enum ll_phase phase)
{
	switch (phase) {
	case LL_PHASE_READING:
		return "reading";
	case LL_PHASE_SETTLING:
		return "settling";
	case LL_PHASE_SIGNING:
		return "signing";
	case LL_PHASE_STORING:
		return "storing";
	case LL_PHASE_PUBLISHING:
		return "publishing";
	}
	return "working";
}
