/*
 * fixture.c — the helpers the unit tests share (fixture.h).
 *
 * Design decision: one copy of each helper, with the behaviour its users
 * had when each test kept its own: the generator's sequence is the same
 * for the same seed, so every random case stays the case it was.
 */
#include "unit.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

uint64_t rng_below64(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

uint32_t rng_xorshift_hi32(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 32);
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		size_t room = b->cap - b->n;

		va_start(ap, fmt);
		k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? room : 0, fmt,
			      ap);
		va_end(ap);
		assert_true(k >= 0);
		if (b->s && (size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
}

void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		print_error("expected \"%s\" in \"%s\"\n", needle, hay);
		fail();
	}
}

long line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	long line = 1;
	const char *p;

	if (!at) {
		print_error("marker \"%s\" not in the test text\n", needle);
		fail();
	}
	for (p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

void from_hex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;

	assert_int_equal(strlen(hex), 2 * n);
	for (i = 0; i < n; i++) {
		char byte[3] = {hex[2 * i], hex[2 * i + 1], '\0'};

		out[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
}

int32_t days_from_civil(int y, unsigned m, unsigned d)
{
	int era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
	int era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

void fmt_date(int32_t day, char out[11])
{
	int y;
	unsigned m, d;
	char buf[40];

	civil_from_days(day, &y, &m, &d);
	assert_true(y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
		    d <= 31);
	snprintf(buf, sizeof(buf), "%04d-%02u-%02u", y, m, d);
	memcpy(out, buf, 11);
}

void fmt_ts(int64_t t, char out[40])
{
	int64_t day = t / US_PER_DAY, rem = t % US_PER_DAY;
	int64_t sec = rem / US_PER_SEC, us = rem % US_PER_SEC;
	char date[11];

	assert_true(t >= 0);
	fmt_date((int32_t)day, date);
	if (us)
		snprintf(out, 40, "%sT%02d:%02d:%02d.%06dZ", date,
			 (int)(sec / 3600), (int)(sec / 60 % 60),
			 (int)(sec % 60), (int)us);
	else
		snprintf(out, 40, "%sT%02d:%02d:%02dZ", date, (int)(sec / 3600),
			 (int)(sec / 60 % 60), (int)(sec % 60));
}

bool tmp_dir_make(char *dir, size_t size, const char *tag)
{
	int k = snprintf(dir, size, "/tmp/ll-test-%s-XXXXXX", tag);

	return k > 0 && (size_t)k < size && mkdtemp(dir) != NULL;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

void tmp_dir_remove(const char *path)
{
	if (path[0] == '/' && path[1] != '\0')
		(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tmp_path(const char *dir, const char *name, char *out, size_t size)
{
	int k = snprintf(out, size, "%s/%s", dir, name);

	assert_true(k > 0 && (size_t)k < size);
}

void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}
