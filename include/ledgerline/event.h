/*
 * event.h — one generation-log event (SPEC §2.3): parsing a single NDJSON
 * line into a validated event.
 *
 * Design decision: two parsers, one contract.  A hand-written fast path
 * handles the common shape (ASCII strings without escapes, exact decimal
 * strings) with no allocation; anything else — escapes, non-ASCII,
 * duplicate keys, errors of any kind — is re-parsed by a jansson-based
 * slow path, which alone decides what is wrong and says so.  The fast path
 * may only ever accept lines the slow path accepts, with identical values
 * (tested by differential fuzzing).  Pure: no I/O.
 */
#ifndef LEDGERLINE_EVENT_H
#define LEDGERLINE_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledgerline/exact.h"
#include "ledgerline/ident.h"
#include "ledgerline/status.h"

enum {
	LL_EVENT_LINE_BYTES_MAX = 1024 * 1024,	/* one NDJSON line */
	LL_EVENT_ATTRIBUTIONS_MAX = 1024,	/* attributions in one event */
	LL_EVENT_MODEL_BYTES_MAX = 256,
};

/*
 * An exact number as read: a decimal (is_dec, value in dec; raw NULL) or a
 * fraction (raw/raw_len hold the validated string, NUL-terminated and
 * owned by the parser; parse it with ll_exact_parse).
 */
struct ll_num {
	bool is_dec;
	struct ll_dec dec;
	const char *raw;
	size_t raw_len;
};

enum ll_ref_kind { LL_REF_WORK, LL_REF_ISRC };

struct ll_attr {
	enum ll_ref_kind kind;
	const char *ref;	/* work id, or canonical 12-character ISRC;
				 * NUL-terminated */
	size_t ref_len;		/* strlen(ref) */
	uint64_t ref_hash;	/* ll_refix_hash(ref, ref_len) */
	struct ll_num weight;
};

/*
 * A parsed event.  Every pointer is borrowed from the parser (or the line)
 * and valid until the next ll_event_parse call on the same parser.
 */
struct ll_event {
	const char *id;		/* NUL-terminated (copied into the parser) */
	const char *model;	/* NUL-terminated */
	int64_t ts_us;		/* microseconds since the epoch, UTC */
	struct ll_num value;
	char currency[LL_CURRENCY_LEN + 1];
	int currency_exponent;
	struct ll_attr *attr;
	size_t n_attr;
	const char *voice;	/* party id, or NULL when absent */
	/*
	 * Σ weight: when every weight is a decimal, weight_sum18 is the exact
	 * sum scaled by 10^18 (weights have at most 18 fractional digits and
	 * sum to at most 1, so it always fits); all_dec says so.  When some
	 * weight is a fraction, all_dec is false and the caller sums exactly.
	 */
	bool all_dec;
	ll_i128 weight_sum18;
};

struct ll_event_parser;

/* A new parser (caller frees with ll_event_parser_free); NULL when out of
 * memory. */
struct ll_event_parser *ll_event_parser_new(void);
void ll_event_parser_free(struct ll_event_parser *p);

/*
 * Parse and validate one line (without its newline; a trailing '\r' is an
 * error).  Checks: a JSON object with exactly the SPEC keys (id, model, ts,
 * value, currency, attribution, voice — voice optional, attribution
 * required and possibly empty), no duplicate keys, id syntax, model 1..256
 * bytes, ts an RFC 3339 UTC timestamp, value and weights exact strings
 * (a JSON number is an error), currency a known ISO 4217 code, each
 * attribution an object with exactly one of "work" (id syntax) or "isrc"
 * (normalised) and a "weight", the same work id / ISRC not twice in one
 * event, and Σ weight <= 1 exactly.
 *
 * Returns LL_OK and fills *ev; or LL_INVALID with err->field set to the
 * JSON path ("attribution[2].weight") and err->text to the reason
 * (err->source and err->line are left for the caller); LL_NOMEM.  The
 * field is "" for problems of the whole line: empty (len 0: "empty
 * line"), longer than LL_EVENT_LINE_BYTES_MAX, a trailing '\r', nested
 * deeper than 8, invalid JSON (jansson's text and column), not an object.
 * Only the first problem is reported, in a fixed order that does not
 * depend on key order: unknown keys, id, model, ts, value, currency,
 * voice, then each attribution, repeats, and Σ weight.  A JSON null is
 * not "absent" (voice: null is an error).  err may be NULL.
 */
enum ll_status ll_event_parse(struct ll_event_parser *p, const char *line,
			      size_t len, struct ll_event *ev,
			      struct ll_error *err);

/*
 * The fast path alone on the line that starts at line and ends before
 * the first '\n' at or after it, or at end: when the fast path takes that
 * whole line, fills *ev and *len (the line's length without its '\n')
 * and returns true, with exactly what ll_event_parse would give for
 * line[0, *len).  Otherwise returns false, *ev garbage: the caller finds
 * the line's end and calls ll_event_parse.  Saves looking for the newline
 * before parsing.  The text between line and end must be readable.
 */
bool ll_event_parse_line_fast(struct ll_event_parser *p, const char *line,
			      const char *end, struct ll_event *ev,
			      size_t *len);

/* Was the last successful parse done by the fast path?  (For tests and
 * the benchmark.) */
bool ll_event_parser_last_fast(const struct ll_event_parser *p);

struct ll_refix;

/*
 * Ask the fast path to prefetch, as it hashes each attribution's
 * reference, the slot of the index the tally will look it up in (work
 * ids in work, ISRCs in isrc; either may be NULL): the lookup then finds
 * the slot in cache instead of waiting on memory.  Changes no result.
 */
void ll_event_parser_set_prefetch(struct ll_event_parser *p,
				  const struct ll_refix *work,
				  const struct ll_refix *isrc);

#endif
