/*
 * test_payfile.c — unit tests for payfile.c: ISO 20022 pain.001.001.09
 * credit-transfer files (SPEC §4 payouts-<CUR>.xml).
 *
 * - one transaction: the whole document byte for byte (element order,
 *   2-space indentation, final newline);
 * - 2 and 100 transactions: NbOfTxs and CtrlSum at both levels, every
 *   InstdAmt parsed back and compared with its minor units and with
 *   ll_exact_minor_str_i64 (an independent formatter), IBANs built with
 *   their own mod-97 check digits, empty BICs (no CdtrAgt; DbtrAgt as
 *   Othr/Id NOTPROVIDED);
 * - texts: &, <, >, quotes escaped; ü, Å, Ø, CJK and emoji kept; names
 *   longer than 70 characters and remittance longer than 140 cut on a
 *   code-point boundary (multi-byte characters at the cut); control
 *   characters replaced by spaces; invalid UTF-8 refused; every text read
 *   back through a real XML parser (xmllint --xpath) equals what was meant;
 * - JPY (exponent 0) and BHD (exponent 3) amounts; non-EUR files carry no
 *   SEPA service level;
 * - invalid batches (no transaction, zero/negative amounts, empty or bad
 *   IBANs, bad BICs, ids, dates, currency/exponent mismatch, SEPA maximum,
 *   18-digit control sum, duplicate end-to-end ids) -> LL_INVALID with the
 *   field named and no document;
 * - identical input, identical bytes.
 *
 * Design decision: every EUR document is validated against the EPC SCT
 * schema copied into tests/data/schemas/ by running xmllint (fork/execvp,
 * no shell); a document broken on purpose and a JPY document must fail
 * that validation, so a validator that accepts everything cannot pass the
 * suite.  Without xmllint on PATH the tests that need it are skipped.
 * The binary expects to run from the repository root (as make does).
 */
#include "unit.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledgerline/exact.h"
#include "ledgerline/payfile.h"
#include "ledgerline/status.h"

#include "fixture.h"

static const char xsd_path[] =
	"tests/data/schemas/pain.001.001.09-EPC132-08_2023_SCT.xsd";

enum {
	TX_MAX = 100,		/* largest batch a fixture holds */
	NAME_BYTES_MAX = 512,
	XPATH_OUT_MAX = 4096,
	RANDOM_ROUNDS = 40,	/* random 100-transaction batches */
};

/* ---- helpers ------------------------------------------------------------ */

/*
 * A German IBAN for bank code 37040044 and a 10-digit account, with check
 * digits computed here (ISO 7064 mod 97-10: BBAN + "DE00" as digits).
 */
static void make_iban(uint64_t account, char out[35])
{
	char bban[19], num[32];
	unsigned r = 0;

	snprintf(bban, sizeof(bban), "37040044%010llu",
		 (unsigned long long)(account % UINT64_C(10000000000)));
	snprintf(num, sizeof(num), "%s131400", bban);	/* D=13 E=14 00 */
	for (const char *p = num; *p; p++)
		r = (r * 10 + (unsigned)(*p - '0')) % 97;
	snprintf(out, 35, "DE%02u%s", 98 - r, bban);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
		n++;
	return n;
}

/* A string of k copies of unit. */
static void repeat(char *out, size_t out_size, const char *unit, size_t k)
{
	size_t n = 0, len = strlen(unit);

	for (size_t i = 0; i < k; i++) {
		assert_true(n + len < out_size);
		memcpy(out + n, unit, len);
		n += len;
	}
	out[n] = '\0';
}

/* ---- xmllint ------------------------------------------------------------ */

static bool xmllint_on_path(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (path == NULL)
		return false;
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n > 0 && n + sizeof("/xmllint") < sizeof(buf)) {
			memcpy(buf, path, n);
			memcpy(buf + n, "/xmllint", sizeof("/xmllint"));
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/*
 * Run xmllint with argv (argv[0] = "xmllint"), no shell.  stdout goes to
 * out (NUL-terminated, cut to out_size - 1) when out is not NULL, else to
 * /dev/null; stderr is kept unless quiet.  Returns the exit status, or -1
 * when the child could not be run.
 */
static int run_xmllint(char *const argv[], char *out, size_t out_size,
		       bool quiet)
{
	int fds[2] = { -1, -1 }, status;
	size_t n = 0;
	pid_t pid;

	if (out != NULL && pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (out != NULL) {
			close(fds[0]);
			dup2(fds[1], STDOUT_FILENO);
			close(fds[1]);
		} else if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
		}
		if (quiet && devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out != NULL) {
		ssize_t got;
		char sink[256];

		close(fds[1]);
		while (n + 1 < out_size &&
		       (got = read(fds[0], out + n, out_size - 1 - n)) > 0)
			n += (size_t)got;
		while (read(fds[0], sink, sizeof(sink)) > 0)
			;
		out[n] = '\0';
		close(fds[0]);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Write doc to a new temporary file; path receives its name. */
static void write_temp(const char *doc, char path[64])
{
	size_t len = strlen(doc), off = 0;
	int fd;

	snprintf(path, 64, "/tmp/ll_payfile.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	while (off < len) {
		ssize_t w = write(fd, doc + off, len - off);

		assert_true(w > 0);
		off += (size_t)w;
	}
	assert_int_equal(close(fd), 0);
}

/* Exit status of xmllint --schema on doc (0: valid). */
static int schema_status(const char *doc, bool quiet)
{
	char path[64];
	char *argv[] = { "xmllint", "--noout", "--nonet", "--schema",
			 (char *)xsd_path, path, NULL };
	int rc;

	assert_int_equal(access(xsd_path, R_OK), 0);
	write_temp(doc, path);
	rc = run_xmllint(argv, NULL, 0, quiet);
	unlink(path);
	assert_true(rc >= 0 && rc != 127);
	return rc;
}

/*
 * The document is valid against the EPC SCT schema: fails the test if it
 * is not, returns false if xmllint is missing (the caller frees what it
 * holds, then skip()s), true once validated.  xmllint runs quietly; on a
 * failure it runs again to show why.
 */
static bool schema_valid(const char *doc)
{
	if (!xmllint_on_path())
		return false;
	if (schema_status(doc, true) != 0) {
		(void)schema_status(doc, false);
		fail_msg("the document is not valid against %s", xsd_path);
	}
	return true;
}

/* Evaluate an XPath expression on doc with a real parser. */
static void xpath(const char *doc, const char *expr, char *out, size_t size)
{
	char path[64];
	char *argv[] = { "xmllint", "--nonet", "--xpath", (char *)expr, path,
			 NULL };
	size_t n;
	int rc;

	write_temp(doc, path);
	rc = run_xmllint(argv, out, size, false);
	unlink(path);
	assert_int_equal(rc, 0);
	n = strlen(out);
	if (n > 0 && out[n - 1] == '\n')	/* xmllint adds one */
		out[n - 1] = '\0';
}

/* Name of the k-th (1-based) element `party` as the parser reads it. */
static void parsed_name(const char *doc, const char *party, size_t k,
			char *out, size_t size)
{
	char expr[256];

	snprintf(expr, sizeof(expr),
		 "string((//*[local-name()='%s'])[%zu]/*[local-name()='Nm'])",
		 party, k);
	xpath(doc, expr, out, size);
}

/* ---- fixtures ----------------------------------------------------------- */

struct fx {
	struct ll_pay_tx tx[TX_MAX];
	char e2e[TX_MAX][36];
	char iban[TX_MAX][35];
	char name[TX_MAX][NAME_BYTES_MAX];
	struct ll_pay_batch b;
};

/* A valid EUR batch of n transactions (1..TX_MAX). */
static struct fx *fx_new(size_t n)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(n >= 1 && n <= TX_MAX);
	for (size_t i = 0; i < n; i++) {
		snprintf(f->e2e[i], sizeof(f->e2e[i]), "LLE2E%05zu", i);
		make_iban(1000 + i, f->iban[i]);
		snprintf(f->name[i], sizeof(f->name[i]), "Payee %zu", i);
		f->tx[i] = (struct ll_pay_tx){
			.end_to_end_id = f->e2e[i],
			.minor = (int64_t)(i + 1) * 100,
			.creditor_name = f->name[i],
			.iban = f->iban[i],
			.bic = i % 2 ? "" : "COBADEFFXXX",
			.remittance = "Royalties 2026-Q3",
		};
	}
	f->b = (struct ll_pay_batch){
		.msg_id = "LL-2026Q3-EUR",
		.created = "2026-10-01T00:00:00",
		.execution_date = "2026-10-05",
		.initiator_name = "Ledgerline Demo AI",
		.debtor_name = "Demo AI GmbH",
		.debtor_iban = "DE89370400440532013000",
		.debtor_bic = "COBADEFFXXX",
		.currency = "EUR",
		.exponent = 2,
		.tx = f->tx,
		.n_tx = n,
	};
	return f;
}

/* Build the document; fails the test unless LL_OK. */
static char *build_ok(const struct ll_pay_batch *b)
{
	struct ll_error err;
	char *xml = NULL;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_payfile_pain001(b, &xml, &err);
	if (rc != LL_OK)
		fail_msg("ll_payfile_pain001: %s: %s", err.field, err.text);
	assert_non_null(xml);
	return xml;
}

/* Every InstdAmt, in order, parsed back to minor units with exponent e
 * (exactly e digits after the point, none and no point when e == 0). */
static size_t parse_amounts(const char *xml, const char *ccy, int e,
			    int64_t *out, size_t max)
{
	char open[40];
	size_t n = 0, olen;

	snprintf(open, sizeof(open), "<InstdAmt Ccy=\"%s\">", ccy);
	olen = strlen(open);
	for (const char *p = strstr(xml, open); p; p = strstr(p, open)) {
		int64_t v = 0;
		int frac = -1;

		p += olen;
		for (; *p != '<'; p++) {
			if (*p == '.') {
				assert_int_equal(frac, -1);
				frac = 0;
				continue;
			}
			assert_true(*p >= '0' && *p <= '9');
			v = v * 10 + (*p - '0');
			if (frac >= 0)
				frac++;
		}
		assert_int_equal(frac, e == 0 ? -1 : e);
		assert_true(n < max);
		out[n++] = v;
	}
	return n;
}

/* "<tag>value</tag>" occurs exactly `times` times. */
static void assert_leaf(const char *xml, const char *tag, const char *value,
			size_t times)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "<%s>%s</%s>", tag, value, tag);
	assert_int_equal(count_of(xml, buf), times);
}

/* ---- tests -------------------------------------------------------------- */

static const char golden_one[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09\">\n"
	"  <CstmrCdtTrfInitn>\n"
	"    <GrpHdr>\n"
	"      <MsgId>LL-2026Q3-EUR</MsgId>\n"
	"      <CreDtTm>2026-10-01T00:00:00</CreDtTm>\n"
	"      <NbOfTxs>1</NbOfTxs>\n"
	"      <CtrlSum>1234.50</CtrlSum>\n"
	"      <InitgPty>\n"
	"        <Nm>Ledgerline Demo AI</Nm>\n"
	"      </InitgPty>\n"
	"    </GrpHdr>\n"
	"    <PmtInf>\n"
	"      <PmtInfId>LL-2026Q3-EUR</PmtInfId>\n"
	"      <PmtMtd>TRF</PmtMtd>\n"
	"      <NbOfTxs>1</NbOfTxs>\n"
	"      <CtrlSum>1234.50</CtrlSum>\n"
	"      <PmtTpInf>\n"
	"        <SvcLvl>\n"
	"          <Cd>SEPA</Cd>\n"
	"        </SvcLvl>\n"
	"      </PmtTpInf>\n"
	"      <ReqdExctnDt>\n"
	"        <Dt>2026-10-05</Dt>\n"
	"      </ReqdExctnDt>\n"
	"      <Dbtr>\n"
	"        <Nm>Demo AI GmbH</Nm>\n"
	"      </Dbtr>\n"
	"      <DbtrAcct>\n"
	"        <Id>\n"
	"          <IBAN>DE89370400440532013000</IBAN>\n"
	"        </Id>\n"
	"      </DbtrAcct>\n"
	"      <DbtrAgt>\n"
	"        <FinInstnId>\n"
	"          <BICFI>COBADEFFXXX</BICFI>\n"
	"        </FinInstnId>\n"
	"      </DbtrAgt>\n"
	"      <ChrgBr>SLEV</ChrgBr>\n"
	"      <CdtTrfTxInf>\n"
	"        <PmtId>\n"
	"          <EndToEndId>LL0123456789abcdef0123456789abcdef</EndToEndId>\n"
	"        </PmtId>\n"
	"        <Amt>\n"
	"          <InstdAmt Ccy=\"EUR\">1234.50</InstdAmt>\n"
	"        </Amt>\n"
	"        <CdtrAgt>\n"
	"          <FinInstnId>\n"
	"            <BICFI>BNPAFRPPXXX</BICFI>\n"
	"          </FinInstnId>\n"
	"        </CdtrAgt>\n"
	"        <Cdtr>\n"
	"          <Nm>Kai M\xC3\xBCller &amp; S\xC3\xB6hne</Nm>\n"
	"        </Cdtr>\n"
	"        <CdtrAcct>\n"
	"          <Id>\n"
	"            <IBAN>FR1420041010050500013M02606</IBAN>\n"
	"          </Id>\n"
	"        </CdtrAcct>\n"
	"        <RmtInf>\n"
	"          <Ustrd>Royalties 2026-Q3 &lt;run-1&gt;</Ustrd>\n"
	"        </RmtInf>\n"
	"      </CdtTrfTxInf>\n"
	"    </PmtInf>\n"
	"  </CstmrCdtTrfInitn>\n"
	"</Document>\n";

static void test_one_tx_golden(void **state)
{
	struct fx *f = fx_new(1);
	char *xml;
	bool validated;

	(void)state;
	f->tx[0] = (struct ll_pay_tx){
		.end_to_end_id = "LL0123456789abcdef0123456789abcdef",
		.minor = 123450,
		.creditor_name = "Kai M\xC3\xBCller & S\xC3\xB6hne",
		.iban = "FR1420041010050500013M02606",
		.bic = "BNPAFRPPXXX",
		.remittance = "Royalties 2026-Q3 <run-1>",
	};
	xml = build_ok(&f->b);
	assert_string_equal(xml, golden_one);
	validated = schema_valid(xml);
	free(xml);
	free(f);
	if (!validated)
		skip();
}

/* Two payees, one without a BIC; the debtor without a BIC too. */
static void test_two_tx_empty_bic(void **state)
{
	struct fx *f = fx_new(2);
	char *xml;
	bool validated;

	(void)state;
	f->b.debtor_bic = "";
	f->tx[0].minor = 1;		/* 0.01, the SEPA minimum */
	f->tx[0].bic = "BYLADEM1001";
	f->tx[1].minor = 99999999999;	/* 999999999.99, the SEPA maximum */
	f->tx[1].bic = "";
	f->tx[1].remittance = "";
	xml = build_ok(&f->b);
	assert_leaf(xml, "NbOfTxs", "2", 2);
	assert_leaf(xml, "CtrlSum", "1000000000.00", 2);
	assert_contains(xml, "<InstdAmt Ccy=\"EUR\">0.01</InstdAmt>");
	assert_contains(xml, "<InstdAmt Ccy=\"EUR\">999999999.99</InstdAmt>");
	/* debtor agent without BIC: Othr/Id NOTPROVIDED, as EPC asks */
	assert_contains(xml, "      <DbtrAgt>\n"
			     "        <FinInstnId>\n"
			     "          <Othr>\n"
			     "            <Id>NOTPROVIDED</Id>\n"
			     "          </Othr>\n"
			     "        </FinInstnId>\n"
			     "      </DbtrAgt>\n");
	/* one CdtrAgt (the payee with a BIC), one RmtInf */
	assert_int_equal(count_of(xml, "<CdtrAgt>"), 1);
	assert_leaf(xml, "BICFI", "BYLADEM1001", 1);
	assert_int_equal(count_of(xml, "<RmtInf>"), 1);
	assert_int_equal(count_of(xml, "<CdtTrfTxInf>"), 2);
	validated = schema_valid(xml);
	free(xml);
	free(f);
	if (!validated)
		skip();
}

/* 100 transactions, random amounts; parsed back and summed. */
static void test_hundred_tx(void **state)
{
	struct rng r = { UINT64_C(0x9E3779B97F4A7C15) };
	int64_t got[TX_MAX];
	char ctrl[64], *first = NULL;
	bool validated;

	(void)state;
	for (int round = 0; round < RANDOM_ROUNDS; round++) {
		struct fx *f = fx_new(TX_MAX);
		int64_t sum = 0;
		char *xml, *s;
		size_t n, k = 0;

		for (size_t i = 0; i < TX_MAX; i++) {
			uint64_t x = rng_next(&r);

			/* small, medium and near-maximum amounts */
			switch (x % 3) {
			case 0:
				f->tx[i].minor = (int64_t)(x >> 8) % 1000 + 1;
				break;
			case 1:
				f->tx[i].minor =
					(int64_t)((x >> 8) % 100000000) + 1;
				break;
			default:
				f->tx[i].minor = 99999999999 -
						 (int64_t)((x >> 8) % 1000);
				break;
			}
			sum += f->tx[i].minor;
		}
		xml = build_ok(&f->b);
		n = parse_amounts(xml, "EUR", 2, got, TX_MAX);
		assert_int_equal(n, TX_MAX);
		for (size_t i = 0; i < TX_MAX; i++) {
			assert_int_equal(got[i], f->tx[i].minor);
			s = ll_exact_minor_str_i64(f->tx[i].minor, 2);
			assert_non_null(s);
			snprintf(ctrl, sizeof(ctrl),
				 "<InstdAmt Ccy=\"EUR\">%s</InstdAmt>", s);
			assert_contains(xml, ctrl);
			free(s);
		}
		s = ll_exact_minor_str_i64(sum, 2);
		assert_non_null(s);
		assert_leaf(xml, "NbOfTxs", "100", 2);
		assert_leaf(xml, "CtrlSum", s, 2);
		free(s);
		/* transactions keep the batch's order */
		for (size_t i = 0; i < TX_MAX; i++) {
			const char *p = strstr(xml, f->e2e[i]);

			assert_non_null(p);
			assert_true((size_t)(p - xml) > k);
			k = (size_t)(p - xml);
		}
		if (round == 0)	/* one schema run is enough for the shape */
			first = xml;
		else
			free(xml);
		free(f);
	}
	validated = schema_valid(first);
	free(first);
	if (!validated)
		skip();
}

struct text_case {
	const char *in;		/* creditor name as given */
	const char *xml;	/* as written in the document */
	const char *parsed;	/* as an XML parser reads it back */
};

/* Escaping, non-ASCII kept, control characters replaced. */
static const struct text_case text_cases[] = {
	{ "Tom & Jerry <Duo> \"Live\" 'n' Co",
	  "Tom &amp; Jerry &lt;Duo&gt; &quot;Live&quot; &apos;n&apos; Co",
	  "Tom & Jerry <Duo> \"Live\" 'n' Co" },
	{ "Kai M\xC3\xBCller & S\xC3\xB6hne",
	  "Kai M\xC3\xBCller &amp; S\xC3\xB6hne",
	  "Kai M\xC3\xBCller & S\xC3\xB6hne" },
	{ "\xC3\x85lborg \xC3\x98rkester", "\xC3\x85lborg \xC3\x98rkester",
	  "\xC3\x85lborg \xC3\x98rkester" },
	/* 東京交響楽団 */
	{ "\xE6\x9D\xB1\xE4\xBA\xAC\xE4\xBA\xA4\xE9\x9F\xBF\xE6\xA5\xBD"
	  "\xE5\x9B\xA3",
	  "\xE6\x9D\xB1\xE4\xBA\xAC\xE4\xBA\xA4\xE9\x9F\xBF\xE6\xA5\xBD"
	  "\xE5\x9B\xA3",
	  "\xE6\x9D\xB1\xE4\xBA\xAC\xE4\xBA\xA4\xE9\x9F\xBF\xE6\xA5\xBD"
	  "\xE5\x9B\xA3" },
	/* emoji, 4-byte sequences */
	{ "Beat \xF0\x9F\x8E\xB5 Studio \xF0\x9F\x98\x80",
	  "Beat \xF0\x9F\x8E\xB5 Studio \xF0\x9F\x98\x80",
	  "Beat \xF0\x9F\x8E\xB5 Studio \xF0\x9F\x98\x80" },
	/* TAB, LF, CR, U+0001, DEL, U+0085 (C1), U+FFFE: one space each */
	{ "A\tB\nC\rD\x01" "E\x7F" "F\xC2\x85G\xEF\xBF\xBEH",
	  "A B C D E F G H", "A B C D E F G H" },
	/* markup-looking text stays text */
	{ "]]> <![CDATA[ &amp;", "]]&gt; &lt;![CDATA[ &amp;amp;",
	  "]]> <![CDATA[ &amp;" },
};

static void test_text_escaping(void **state)
{
	struct fx *f = fx_new(N_ELEMS(text_cases));
	char *xml, want[1024], got[XPATH_OUT_MAX];
	bool validated;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(text_cases); i++)
		f->tx[i].creditor_name = text_cases[i].in;
	f->b.debtor_name = "D\xC3\xA9" "biteur & Fils";
	f->b.initiator_name = "";	/* falls back to the debtor's name */
	xml = build_ok(&f->b);
	for (size_t i = 0; i < N_ELEMS(text_cases); i++) {
		snprintf(want, sizeof(want), "<Nm>%s</Nm>", text_cases[i].xml);
		assert_contains(xml, want);
	}
	assert_leaf(xml, "Nm", "D\xC3\xA9" "biteur &amp; Fils", 2);
	validated = schema_valid(xml);
	/* read back by a real XML parser */
	for (size_t i = 0; validated && i < N_ELEMS(text_cases); i++) {
		parsed_name(xml, "Cdtr", i + 1, got, sizeof(got));
		assert_string_equal(got, text_cases[i].parsed);
	}
	if (validated) {
		parsed_name(xml, "InitgPty", 1, got, sizeof(got));
		assert_string_equal(got, "D\xC3\xA9" "biteur & Fils");
	}
	free(xml);
	free(f);
	if (!validated)
		skip();
}

/* Names beyond 70 characters, remittance beyond 140: cut on code points. */
static void test_cut_on_characters(void **state)
{
	enum { CASES = 9 };
	struct fx *f = fx_new(CASES);
	static char in[CASES][NAME_BYTES_MAX], out[CASES][NAME_BYTES_MAX];
	static char rin[1024], rout[1024], dn[NAME_BYTES_MAX];
	char a[80], *xml, want[CASES * NAME_BYTES_MAX + 16], got[XPATH_OUT_MAX];
	bool validated;

	(void)state;
	/* 0: 69 ASCII + ü + x -> 69 ASCII + ü (2-byte char is the 70th) */
	repeat(a, sizeof(a), "a", 69);
	snprintf(in[0], sizeof(in[0]), "%s\xC3\xBCx", a);
	snprintf(out[0], sizeof(out[0]), "%s\xC3\xBC", a);
	/* 1: 69 ASCII + ü: the ü would be the 71st -> 69 ASCII + x */
	repeat(a, sizeof(a), "b", 69);
	snprintf(in[1], sizeof(in[1]), "%sx\xC3\xBC", a);
	snprintf(out[1], sizeof(out[1]), "%sx", a);
	/* 2: 68 ASCII + emoji + "cd" -> 68 + emoji + "c" */
	repeat(a, sizeof(a), "c", 68);
	snprintf(in[2], sizeof(in[2]), "%s\xF0\x9F\x98\x80" "cd", a);
	snprintf(out[2], sizeof(out[2]), "%s\xF0\x9F\x98\x80" "c", a);
	/* 3: exactly 70 characters, ending in an emoji: unchanged */
	repeat(a, sizeof(a), "d", 69);
	snprintf(in[3], sizeof(in[3]), "%s\xF0\x9F\x98\x80", a);
	snprintf(out[3], sizeof(out[3]), "%s", in[3]);
	/* 4: 69 ASCII + emoji + emoji: the first emoji is kept whole */
	snprintf(in[4], sizeof(in[4]), "%s\xF0\x9F\x98\x80\xF0\x9F\x8E\xB5",
		 a);
	snprintf(out[4], sizeof(out[4]), "%s\xF0\x9F\x98\x80", a);
	/* 5: 80 euro signs (3 bytes each) -> 70 */
	repeat(in[5], sizeof(in[5]), "\xE2\x82\xAC", 80);
	repeat(out[5], sizeof(out[5]), "\xE2\x82\xAC", 70);
	/* 6: 100 CJK characters (音) -> 70 */
	repeat(in[6], sizeof(in[6]), "\xE9\x9F\xB3", 100);
	repeat(out[6], sizeof(out[6]), "\xE9\x9F\xB3", 70);
	/* 7: 80 ampersands: the cut counts characters, not escapes */
	repeat(in[7], sizeof(in[7]), "&", 80);
	repeat(out[7], sizeof(out[7]), "&amp;", 70);
	/* 8: 71 ASCII -> 70 */
	repeat(in[8], sizeof(in[8]), "e", 71);
	repeat(out[8], sizeof(out[8]), "e", 70);
	for (size_t i = 0; i < CASES; i++)
		f->tx[i].creditor_name = in[i];
	/* remittance: 150 é -> 140 */
	repeat(rin, sizeof(rin), "\xC3\xA9", 150);
	repeat(rout, sizeof(rout), "\xC3\xA9", 140);
	f->tx[0].remittance = rin;
	/* debtor and initiator names are cut as well */
	repeat(dn, sizeof(dn), "\xC3\x98", 75);
	f->b.debtor_name = dn;
	f->b.initiator_name = dn;

	xml = build_ok(&f->b);
	for (size_t i = 0; i < CASES; i++) {
		snprintf(want, sizeof(want), "<Nm>%s</Nm>", out[i]);
		assert_contains(xml, want);
	}
	assert_leaf(xml, "Ustrd", rout, 1);
	repeat(want, sizeof(want), "\xC3\x98", 70);
	assert_leaf(xml, "Nm", want, 2);
	/* the schema counts maxLength in characters: 70 multi-byte chars pass */
	validated = schema_valid(xml);
	for (size_t i = 0; validated && i < CASES; i++) {
		parsed_name(xml, "Cdtr", i + 1, got, sizeof(got));
		if (i == 7)
			repeat(want, sizeof(want), "&", 70);
		else
			snprintf(want, sizeof(want), "%s", out[i]);
		assert_string_equal(got, want);
	}
	free(xml);
	free(f);
	if (!validated)
		skip();
}

/* Texts that are not UTF-8 are refused, whatever the cut would keep. */
static void test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"M\xC3",			/* truncated 2-byte */
		"\xC0\xAF",			/* overlong '/' */
		"\xE0\x80\xAF",			/* overlong 3-byte */
		"\xED\xA0\x80",			/* surrogate U+D800 */
		"\xF4\x90\x80\x80",		/* above U+10FFFF */
		"\xF8\x88\x80\x80\x80",		/* 5-byte form */
		"\x80 stray continuation",
		"\xFF",
	};
	char late[200];

	(void)state;
	/* a bad byte beyond the 70-character cut is still refused */
	repeat(late, sizeof(late), "x", 80);
	late[75] = '\xC3';
	late[76] = '(';
	for (size_t i = 0; i <= N_ELEMS(bad); i++) {
		struct fx *f = fx_new(1);
		struct ll_error err;
		char *xml = (char *)1;

		f->tx[0].creditor_name = i < N_ELEMS(bad) ? bad[i] : late;
		ll_error_clear(&err);
		assert_int_equal(ll_payfile_pain001(&f->b, &xml, &err),
				 LL_INVALID);
		assert_null(xml);
		assert_string_equal(err.field, "tx[0].creditor_name");
		assert_non_null(strstr(err.text, "invalid UTF-8"));
		free(f);
	}
}

/* JPY (exponent 0), BHD (exponent 3): amounts and the non-SEPA shape. */
static void test_exponents(void **state)
{
	static const struct {
		const char *ccy;
		int e;
		int64_t minor[3];
		const char *text[3];
		const char *sum;
	} cases[] = {
		{ "JPY", 0, { 1234, 1, 1000000 }, { "1234", "1", "1000000" },
		  "1001235" },
		{ "BHD", 3, { 1234500, 5, 1000 }, { "1234.500", "0.005", "1.000" },
		  "1235.505" },
		{ "EUR", 2, { 123450, 5, 100 }, { "1234.50", "0.05", "1.00" },
		  "1235.55" },
		{ "CLF", 4, { 12345, 1, 10000 }, { "1.2345", "0.0001", "1.0000" },
		  "2.2346" },
	};
	char want[128], *eur = NULL;
	bool validated;

	(void)state;
	for (size_t c = 0; c < N_ELEMS(cases); c++) {
		struct fx *f = fx_new(3);
		int64_t got[3];
		char *xml;
		bool sepa = strcmp(cases[c].ccy, "EUR") == 0;

		f->b.currency = cases[c].ccy;
		f->b.exponent = cases[c].e;
		for (size_t i = 0; i < 3; i++)
			f->tx[i].minor = cases[c].minor[i];
		xml = build_ok(&f->b);
		for (size_t i = 0; i < 3; i++) {
			snprintf(want, sizeof(want),
				 "<InstdAmt Ccy=\"%s\">%s</InstdAmt>",
				 cases[c].ccy, cases[c].text[i]);
			assert_contains(xml, want);
		}
		assert_int_equal(parse_amounts(xml, cases[c].ccy, cases[c].e,
					       got, 3),
				 3);
		for (size_t i = 0; i < 3; i++)
			assert_int_equal(got[i], cases[c].minor[i]);
		assert_leaf(xml, "CtrlSum", cases[c].sum, 2);
		assert_leaf(xml, "NbOfTxs", "3", 2);
		/* SEPA service level and SLEV only in the EUR file */
		assert_int_equal(count_of(xml, "<Cd>SEPA</Cd>"), sepa ? 1 : 0);
		assert_leaf(xml, "ChrgBr", sepa ? "SLEV" : "SHAR", 1);
		/* only EUR is valid SEPA; the others must be refused */
		if (!sepa && xmllint_on_path())
			assert_true(schema_status(xml, true) != 0);
		if (sepa)
			eur = xml;
		else
			free(xml);
		free(f);
	}
	assert_non_null(eur);
	validated = schema_valid(eur);
	free(eur);
	if (!validated)
		skip();
}

/* A document broken on purpose fails validation: the check has teeth. */
static void test_schema_rejects_broken(void **state)
{
	static const struct {
		const char *from, *to;
	} breaks[] = {
		{ "<Cd>SEPA</Cd>", "<Cd>SEPX</Cd>" },
		{ "<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>SHAR</ChrgBr>" },
		{ "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>two</NbOfTxs>" },
		{ "<PmtMtd>TRF</PmtMtd>", "" },
		{ "Payee 0", "Payee 0 with a name far longer than the seventy "
			     "characters that SEPA allows" },
		{ ">1.00<", ">1.001<" },
	};
	struct fx *f;
	char *xml;

	(void)state;
	if (!xmllint_on_path())
		skip();
	f = fx_new(2);
	xml = build_ok(&f->b);
	assert_true(schema_valid(xml));
	for (size_t i = 0; i < N_ELEMS(breaks); i++) {
		const char *at = strstr(xml, breaks[i].from);
		size_t len = strlen(xml) + strlen(breaks[i].to) + 1;
		char *bad = malloc(len);

		assert_non_null(at);
		assert_non_null(bad);
		snprintf(bad, len, "%.*s%s%s", (int)(at - xml), xml,
			 breaks[i].to, at + strlen(breaks[i].from));
		assert_true(schema_status(bad, true) != 0);
		free(bad);
	}
	free(xml);
	free(f);
}

/* Identifiers and codes are normalised or refused, never cut. */
static void test_normalised_ids(void **state)
{
	struct fx *f = fx_new(1);
	char *xml;
	bool validated;

	(void)state;
	f->b.debtor_iban = "de89 3704 0044 0532 0130 00";
	f->b.debtor_bic = "coba de ff xxx";
	f->tx[0].iban = "GB82 WEST 1234 5698 7654 32";
	f->tx[0].bic = "westgb2l";
	f->b.created = "2026-10-01T00:00:00.123+02:00";
	xml = build_ok(&f->b);
	assert_leaf(xml, "IBAN", "DE89370400440532013000", 1);
	assert_leaf(xml, "IBAN", "GB82WEST12345698765432", 1);
	assert_leaf(xml, "BICFI", "COBADEFFXXX", 1);
	assert_leaf(xml, "BICFI", "WESTGB2L", 1);
	assert_leaf(xml, "CreDtTm", "2026-10-01T00:00:00.123+02:00", 1);
	validated = schema_valid(xml);
	free(xml);
	free(f);
	if (!validated)
		skip();
}

enum bad_case {
	BAD_NO_TX,
	BAD_NULL_TX,
	BAD_ZERO,
	BAD_NEGATIVE,
	BAD_INT64_MIN,
	BAD_DEBTOR_IBAN_EMPTY,
	BAD_DEBTOR_IBAN_NULL,
	BAD_DEBTOR_IBAN_CHECK,
	BAD_CREDITOR_IBAN_EMPTY,
	BAD_CREDITOR_IBAN_LENGTH,
	BAD_DEBTOR_BIC,
	BAD_CREDITOR_BIC,
	BAD_DEBTOR_NAME_EMPTY,
	BAD_CREDITOR_NAME_EMPTY,
	BAD_MSG_ID_EMPTY,
	BAD_MSG_ID_LONG,
	BAD_MSG_ID_CHARS,
	BAD_E2E_SLASHES,
	BAD_E2E_LONG,
	BAD_E2E_DUPLICATE,
	BAD_CREATED,
	BAD_CREATED_HOUR,
	BAD_EXEC_DATE,
	BAD_CURRENCY,
	BAD_EXPONENT,
	BAD_SEPA_MAX,
	BAD_18_DIGITS,
	BAD_CTRL_SUM,
	BAD_REMITTANCE_UTF8,
	BAD_COUNT
};

static const struct {
	enum bad_case c;
	const char *field;
} bad_fields[] = {
	{ BAD_NO_TX, "tx" },
	{ BAD_NULL_TX, "tx" },
	{ BAD_ZERO, "tx[1].minor" },
	{ BAD_NEGATIVE, "tx[0].minor" },
	{ BAD_INT64_MIN, "tx[2].minor" },
	{ BAD_DEBTOR_IBAN_EMPTY, "debtor_iban" },
	{ BAD_DEBTOR_IBAN_NULL, "debtor_iban" },
	{ BAD_DEBTOR_IBAN_CHECK, "debtor_iban" },
	{ BAD_CREDITOR_IBAN_EMPTY, "tx[2].iban" },
	{ BAD_CREDITOR_IBAN_LENGTH, "tx[0].iban" },
	{ BAD_DEBTOR_BIC, "debtor_bic" },
	{ BAD_CREDITOR_BIC, "tx[1].bic" },
	{ BAD_DEBTOR_NAME_EMPTY, "debtor_name" },
	{ BAD_CREDITOR_NAME_EMPTY, "tx[1].creditor_name" },
	{ BAD_MSG_ID_EMPTY, "msg_id" },
	{ BAD_MSG_ID_LONG, "msg_id" },
	{ BAD_MSG_ID_CHARS, "msg_id" },
	{ BAD_E2E_SLASHES, "tx[0].end_to_end_id" },
	{ BAD_E2E_LONG, "tx[2].end_to_end_id" },
	{ BAD_E2E_DUPLICATE, "tx.end_to_end_id" },
	{ BAD_CREATED, "created" },
	{ BAD_CREATED_HOUR, "created" },
	{ BAD_EXEC_DATE, "execution_date" },
	{ BAD_CURRENCY, "currency" },
	{ BAD_EXPONENT, "exponent" },
	{ BAD_SEPA_MAX, "tx[1].minor" },
	{ BAD_18_DIGITS, "tx[0].minor" },
	{ BAD_CTRL_SUM, "tx[2].minor" },
	{ BAD_REMITTANCE_UTF8, "tx[1].remittance" },
};

static void spoil(struct fx *f, enum bad_case c)
{
	switch (c) {
	case BAD_NO_TX:
		f->b.n_tx = 0;
		break;
	case BAD_NULL_TX:
		f->b.tx = NULL;
		break;
	case BAD_ZERO:
		f->tx[1].minor = 0;
		break;
	case BAD_NEGATIVE:
		f->tx[0].minor = -100;
		break;
	case BAD_INT64_MIN:
		f->tx[2].minor = INT64_MIN;
		break;
	case BAD_DEBTOR_IBAN_EMPTY:
		f->b.debtor_iban = "";
		break;
	case BAD_DEBTOR_IBAN_NULL:
		f->b.debtor_iban = NULL;
		break;
	case BAD_DEBTOR_IBAN_CHECK:
		f->b.debtor_iban = "DE88370400440532013000";
		break;
	case BAD_CREDITOR_IBAN_EMPTY:
		f->tx[2].iban = "";
		break;
	case BAD_CREDITOR_IBAN_LENGTH:
		f->tx[0].iban = "DE8937040044053201300";
		break;
	case BAD_DEBTOR_BIC:
		f->b.debtor_bic = "COBA1EFFXXX";
		break;
	case BAD_CREDITOR_BIC:
		f->tx[1].bic = "COBADEFFXX";
		break;
	case BAD_DEBTOR_NAME_EMPTY:
		f->b.debtor_name = "";
		break;
	case BAD_CREDITOR_NAME_EMPTY:
		f->tx[1].creditor_name = "";
		break;
	case BAD_MSG_ID_EMPTY:
		f->b.msg_id = "";
		break;
	case BAD_MSG_ID_LONG:	/* a 36-character run id does not fit */
		f->b.msg_id = "run-0123456789abcdef0123456789abcdef";
		break;
	case BAD_MSG_ID_CHARS:
		f->b.msg_id = "LL_2026&Q3";
		break;
	case BAD_E2E_SLASHES:
		f->tx[0].end_to_end_id = "LL//1";
		break;
	case BAD_E2E_LONG:
		f->tx[2].end_to_end_id = "LL0123456789abcdef0123456789abcdef01";
		break;
	case BAD_E2E_DUPLICATE:
		f->tx[2].end_to_end_id = f->tx[0].end_to_end_id;
		break;
	case BAD_CREATED:
		f->b.created = "2026-10-01 00:00:00";
		break;
	case BAD_CREATED_HOUR:
		f->b.created = "2026-10-01T24:00:01Z";
		break;
	case BAD_EXEC_DATE:
		f->b.execution_date = "2026-02-30";
		break;
	case BAD_CURRENCY:
		f->b.currency = "EURO";
		break;
	case BAD_EXPONENT:
		f->b.exponent = 3;
		break;
	case BAD_SEPA_MAX:
		f->tx[1].minor = 100000000000;	/* 1000000000.00 EUR */
		break;
	case BAD_18_DIGITS:
		f->b.currency = "JPY";
		f->b.exponent = 0;
		f->tx[0].minor = INT64_C(1000000000000000000);
		break;
	case BAD_CTRL_SUM:
		f->b.currency = "JPY";
		f->b.exponent = 0;
		f->tx[0].minor = INT64_C(400000000000000000);
		f->tx[1].minor = INT64_C(400000000000000000);
		f->tx[2].minor = INT64_C(400000000000000000);
		break;
	case BAD_REMITTANCE_UTF8:
		f->tx[1].remittance = "Royalties \xE2\x82";
		break;
	case BAD_COUNT:
		fail();
	}
}

static void test_invalid_batches(void **state)
{
	(void)state;
	assert_int_equal(N_ELEMS(bad_fields), BAD_COUNT);
	for (size_t i = 0; i < N_ELEMS(bad_fields); i++) {
		struct fx *f = fx_new(3);
		struct ll_error err;
		char *xml = (char *)1;
		enum ll_status rc;

		assert_int_equal(bad_fields[i].c, (enum bad_case)i);
		spoil(f, bad_fields[i].c);
		ll_error_clear(&err);
		rc = ll_payfile_pain001(&f->b, &xml, &err);
		if (rc != LL_INVALID || strcmp(err.field, bad_fields[i].field))
			fail_msg("case %zu: status %d field \"%s\" text \"%s\"",
				 i, (int)rc, err.field, err.text);
		assert_int_equal(err.code, LL_INVALID);
		assert_null(xml);
		assert_true(err.text[0] != '\0');
		free(f);
	}
	/* a NULL err is allowed */
	{
		struct fx *f = fx_new(1);
		char *xml = NULL;

		f->tx[0].minor = 0;
		assert_int_equal(ll_payfile_pain001(&f->b, &xml, NULL),
				 LL_INVALID);
		assert_null(xml);
		free(f);
	}
}

/* Same input, same bytes; nothing depends on the clock or the input's
 * addresses. */
static void test_deterministic(void **state)
{
	struct fx *f = fx_new(50), *g = fx_new(50);
	char *a, *b, *c;

	(void)state;
	a = build_ok(&f->b);
	b = build_ok(&f->b);
	c = build_ok(&g->b);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	/* pretty-printed: even indentation, no tabs, one final newline */
	assert_int_equal(strncmp(a, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<Document ", 49), 0);
	assert_null(strchr(a, '\t'));
	assert_true(strlen(a) > 2 && a[strlen(a) - 1] == '\n' &&
		    a[strlen(a) - 2] != '\n');
	for (const char *line = a; *line; line = strchr(line, '\n') + 1) {
		size_t sp = strspn(line, " ");

		assert_int_equal(sp % 2, 0);
		assert_int_equal(line[sp], '<');
	}
	free(a);
	free(b);
	free(c);
	free(f);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_tx_golden),
		cmocka_unit_test(test_two_tx_empty_bic),
		cmocka_unit_test(test_hundred_tx),
		cmocka_unit_test(test_text_escaping),
		cmocka_unit_test(test_cut_on_characters),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_exponents),
		cmocka_unit_test(test_schema_rejects_broken),
		cmocka_unit_test(test_normalised_ids),
		cmocka_unit_test(test_invalid_batches),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests_name("payfile", tests, NULL, NULL);
}
