/*
 * fixture.h — what the unit tests share: the seeded random generator,
 * a growable text buffer, dates and instants as RFC 3339 text, throwaway
 * directories and files, and a few assertions with readable messages.
 *
 * Design decision: fixture.c uses the C library and cmocka only, so that
 * it links into every unit binary, the core ones (core library, -lgmp
 * -ljansson) as well as the full ones.  Include it after "unit.h".  The
 * generator is xorshift64* with the seed each test gives, never rand(),
 * so a failure reproduces exactly.
 */
#ifndef LEDGERLINE_TESTS_FIXTURE_H
#define LEDGERLINE_TESTS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ledgerline/registry.h"
#include "ledgerline/status.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const int64_t US_PER_DAY = INT64_C(86400000000);
static const int64_t US_PER_SEC = INT64_C(1000000);

/* ---- the random generator ------------------------------------------------ */

/* Seed it with a non-zero constant: struct rng r = { UINT64_C(...) }. */
struct rng {
	uint64_t s;
};

/* xorshift64* (Vigna); the seed must be non-zero. */
uint64_t rng_next(struct rng *r);
/* In [0, n), n > 0; the modulo bias is irrelevant for the small n used. */
unsigned rng_below(struct rng *r, unsigned n);
uint64_t rng_below64(struct rng *r, uint64_t n);
/* Marsaglia's xorshift64 (13, 7, 17), the high 32 bits: test_ident's
 * cases were drawn with it and stay the same. */
uint32_t rng_xorshift_hi32(struct rng *r);

/* ---- text ---------------------------------------------------------------- */

/* A growable NUL-terminated string; { NULL, 0, 0 } is empty, free(s)
 * releases it. */
struct sbuf {
	char *s;
	size_t n, cap;
};

void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fail unless needle occurs in hay. */
void assert_contains(const char *hay, const char *needle);
/* 1-based line of the first occurrence of needle in text (fails when it
 * does not occur). */
long line_of(const char *text, const char *needle);
/*
 * Print every error of e (the test's output on failure).  Inline, so
 * that fixture.c calls nothing of ledgerline's: ll_error_format is in
 * the core library, which every unit binary links.
 */
static inline void dump_errs(const struct ll_errlist *e)
{
	char buf[2048];
	size_t i;

	for (i = 0; i < e->n; i++) {
		ll_error_format(&e->v[i], buf, sizeof(buf));
		print_message("    error: %s\n", buf);
	}
	if (e->dropped)
		print_message("    (%zu more dropped)\n", e->dropped);
}
/* Initialise reg and load the registry document text into it, linked;
 * the test fails, its errors printed, when it does not load.  Inline for
 * the reason dump_errs is. */
static inline void fixture_registry(struct ll_registry *reg, const char *text)
{
	struct ll_errlist errs;

	ll_registry_init(reg);
	ll_errlist_init(&errs, 0);
	if (ll_registry_parse(reg, "reg.json", text, strlen(text), &errs) !=
		    LL_OK ||
	    ll_registry_link(reg, &errs) != LL_OK) {
		dump_errs(&errs);
		fail_msg("the registry does not load");
	}
	ll_errlist_release(&errs);
}

/* 2n hex digits into n bytes. */
void from_hex(const char *hex, uint8_t *out, size_t n);

/* ---- dates --------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date and back (Hinnant's algorithms). */
int32_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d);
/* YYYY-MM-DD of a day number (years 1 to 9999). */
void fmt_date(int32_t day, char out[11]);
/* RFC 3339 UTC with a 6-digit fraction when not whole (t >= 0). */
void fmt_ts(int64_t t, char out[40]);

/* ---- files --------------------------------------------------------------- */

/*
 * Make a fresh directory /tmp/ll-test-<tag>-XXXXXX into dir (size bytes).
 * Returns false when it cannot (for a cmocka setup to return -1).
 */
bool tmp_dir_make(char *dir, size_t size, const char *tag);
/* rm -r of an absolute path other than "/", symbolic links not followed. */
void tmp_dir_remove(const char *path);
/* out = dir/name, failing the test when it does not fit. */
void tmp_path(const char *dir, const char *name, char *out, size_t size);
/* Create or replace path with exactly these bytes. */
void write_bytes(const char *path, const void *data, size_t len);
void write_text(const char *path, const char *text);

#endif
