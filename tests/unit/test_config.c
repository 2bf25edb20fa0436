/*
 * test_config.c — unit tests for config.c (SPEC §7): the data directory
 * ($LEDGERLINE_HOME, else $XDG_DATA_HOME/ledgerline, else
 * $HOME/.local/share/ledgerline; empty variables count as unset; relative
 * paths made absolute), the configuration file ($LEDGERLINE_CONFIG, else
 * $XDG_CONFIG_HOME/ledgerline/ledgerline.conf, else
 * ~/.config/ledgerline/ledgerline.conf, else /etc/ledgerline — never
 * ./config/ledgerline.conf nor <home>/ledgerline.conf) with its keys,
 * comments, blank lines and errors (unknown key -> LL_USAGE with file and
 * line), and the environment overriding the file.
 *
 * Design decision: each test runs in a fresh temporary working directory
 * with every variable config.c reads saved and unset first, and restored
 * (with the working directory) afterwards, so the repository's own
 * config/ledgerline.conf and the caller's environment never leak in.
 */
#include "unit.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledgerline/config.h"
#include "ledgerline/status.h"

#include "fixture.h"

static const char *const VARS[] = {
	"LEDGERLINE_HOME",     "XDG_DATA_HOME",	     "HOME",
	"XDG_CONFIG_HOME",
	"LEDGERLINE_CONFIG",   "LEDGERLINE_DSN",      "LEDGERLINE_PG_BINDIR",
	"LEDGERLINE_PG_USER",  "LEDGERLINE_SIGNING_KEY",
};
enum { N_VARS = sizeof(VARS) / sizeof(VARS[0]) };

struct fixture {
	char *saved[N_VARS];	/* NULL: was unset */
	char old_cwd[PATH_MAX];
	char dir[PATH_MAX];	/* the temporary working directory */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	for (int i = 0; i < N_VARS; i++) {
		const char *v = getenv(VARS[i]);

		f->saved[i] = v ? strdup(v) : NULL;
		unsetenv(VARS[i]);
	}
	if (!getcwd(f->old_cwd, sizeof(f->old_cwd)))
		return -1;
	if (!tmp_dir_make(f->dir, sizeof(f->dir), "config") ||
	    chdir(f->dir) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = 0;

	if (chdir(f->old_cwd) != 0)
		rc = -1;
	tmp_dir_remove(f->dir);
	for (int i = 0; i < N_VARS; i++) {
		if (f->saved[i])
			setenv(VARS[i], f->saved[i], 1);
		else
			unsetenv(VARS[i]);
		free(f->saved[i]);
	}
	free(f);
	return rc;
}

static void load_ok(struct ll_config *cfg)
{
	struct ll_error err;
	enum ll_status rc;

	ll_error_clear(&err);
	rc = ll_config_load(cfg, &err);
	if (rc != LL_OK) {
		char buf[2048];

		ll_error_format(&err, buf, sizeof(buf));
		fail_msg("ll_config_load: status %d: %s", (int)rc, buf);
	}
}

/* ---- the data directory --------------------------------------------------- */

static void test_home_order(void **state)
{
	struct ll_config cfg;

	(void)state;
	setenv("LEDGERLINE_HOME", "/srv/ledger", 1);
	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	setenv("HOME", "/home/ada", 1);
	load_ok(&cfg);
	assert_string_equal(cfg.home, "/srv/ledger");

	unsetenv("LEDGERLINE_HOME");
	load_ok(&cfg);
	assert_string_equal(cfg.home, "/xdg/data/ledgerline");

	unsetenv("XDG_DATA_HOME");
	load_ok(&cfg);
	assert_string_equal(cfg.home, "/home/ada/.local/share/ledgerline");

	/* an empty variable counts as unset */
	setenv("LEDGERLINE_HOME", "", 1);
	setenv("XDG_DATA_HOME", "", 1);
	load_ok(&cfg);
	assert_string_equal(cfg.home, "/home/ada/.local/share/ledgerline");
	setenv("XDG_DATA_HOME", "/xdg2", 1);
	load_ok(&cfg);
	assert_string_equal(cfg.home, "/xdg2/ledgerline");
}

static void test_home_without_home_variable(void **state)
{
	struct ll_config cfg;
	const char *suffix = "/.local/share/ledgerline";
	size_t n, k = strlen(suffix);

	(void)state;
	/* no HOME: the password database's home directory */
	load_ok(&cfg);
	n = strlen(cfg.home);
	assert_true(n > k);
	assert_string_equal(cfg.home + n - k, suffix);
	assert_int_equal(cfg.home[0], '/');
}

static void test_home_relative_made_absolute(void **state)
{
	struct fixture *f = *state;
	struct ll_config cfg;
	char cwd[PATH_MAX], want[PATH_MAX + 32];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	(void)f;
	setenv("LEDGERLINE_HOME", "data/ll", 1);
	load_ok(&cfg);
	snprintf(want, sizeof(want), "%s/data/ll", cwd);
	assert_string_equal(cfg.home, want);
}

static void test_home_too_long(void **state)
{
	struct ll_config cfg;
	struct ll_error err;
	char *home = malloc(PATH_MAX + 16);

	(void)state;
	assert_non_null(home);
	home[0] = '/';
	memset(home + 1, 'h', PATH_MAX + 8);
	home[PATH_MAX + 9] = '\0';
	setenv("LEDGERLINE_HOME", home, 1);
	ll_error_clear(&err);
	assert_int_equal(ll_config_load(&cfg, &err), LL_USAGE);
	assert_contains(err.text, "too long");
	/* the same through XDG_DATA_HOME, which gains "/ledgerline" */
	unsetenv("LEDGERLINE_HOME");
	home[PATH_MAX - 5] = '\0';
	setenv("XDG_DATA_HOME", home, 1);
	ll_error_clear(&err);
	assert_int_equal(ll_config_load(&cfg, &err), LL_USAGE);
	assert_contains(err.text, "too long");
	free(home);
}

static void test_defaults_without_file(void **state)
{
	struct ll_config cfg;

	(void)state;
	setenv("LEDGERLINE_HOME", "/nonexistent/ll-home", 1);
	memset(&cfg, 'x', sizeof(cfg));
	load_ok(&cfg);
	assert_string_equal(cfg.file, "");
	assert_string_equal(cfg.dsn, "");
	assert_string_equal(cfg.pg_bindir, "");
	assert_string_equal(cfg.pg_user, "");
	assert_string_equal(cfg.signing_key, "");
	assert_string_equal(cfg.deliver_cacert, "");
	assert_int_equal(cfg.deliver_backoff_base_ms, -1);
	assert_int_equal(cfg.deliver_backoff_max_ms, -1);
}

/* ---- the configuration file ----------------------------------------------- */

static void test_file_from_variable(void **state)
{
	struct fixture *f = *state;
	struct ll_config cfg;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/my.conf", f->dir);
	write_text(path,
		   "# a comment line\n"
		   "\n"
		   "   \n"
		   "\t# indented comment\n"
		   "database.dsn = host=/var/run/postgresql dbname=ledgerline # trailing\n"
		   "postgres.bindir=/usr/lib/postgresql/16/bin\n"
		   "  postgres.user   =\tpostgres  \r\n"
		   "signing.key = /etc/ledgerline/signing.pem\n"
		   "deliver.cacert = /etc/ledgerline/webhook-ca.pem\n"
		   "deliver.backoff_base_ms = 0\n"
		   "deliver.backoff_max_ms = 3600000\n");
	setenv("LEDGERLINE_HOME", "/nonexistent/ll-home", 1);
	setenv("LEDGERLINE_CONFIG", path, 1);
	load_ok(&cfg);
	assert_string_equal(cfg.file, path);
	assert_string_equal(cfg.dsn,
			    "host=/var/run/postgresql dbname=ledgerline");
	assert_string_equal(cfg.pg_bindir, "/usr/lib/postgresql/16/bin");
	assert_string_equal(cfg.pg_user, "postgres");
	assert_string_equal(cfg.signing_key, "/etc/ledgerline/signing.pem");
	assert_string_equal(cfg.deliver_cacert,
			    "/etc/ledgerline/webhook-ca.pem");
	assert_int_equal(cfg.deliver_backoff_base_ms, 0);
	assert_int_equal(cfg.deliver_backoff_max_ms, 3600000);
}

static void test_env_overrides_file(void **state)
{
	struct fixture *f = *state;
	struct ll_config cfg;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/my.conf", f->dir);
	write_text(path, "database.dsn = dbname=fromfile\n"
			 "postgres.bindir = /file/bin\n"
			 "postgres.user = fileuser\n"
			 "signing.key = /file/key.pem\n");
	setenv("LEDGERLINE_HOME", "/nonexistent/ll-home", 1);
	setenv("LEDGERLINE_CONFIG", path, 1);
	setenv("LEDGERLINE_DSN", "dbname=fromenv", 1);
	load_ok(&cfg);
	assert_string_equal(cfg.dsn, "dbname=fromenv");
	assert_string_equal(cfg.pg_bindir, "/file/bin");

	setenv("LEDGERLINE_PG_BINDIR", "/env/bin", 1);
	setenv("LEDGERLINE_PG_USER", "envuser", 1);
	setenv("LEDGERLINE_SIGNING_KEY", "/env/key.pem", 1);
	load_ok(&cfg);
	assert_string_equal(cfg.pg_bindir, "/env/bin");
	assert_string_equal(cfg.pg_user, "envuser");
	assert_string_equal(cfg.signing_key, "/env/key.pem");

	/* an empty LEDGERLINE_DSN does not override */
	setenv("LEDGERLINE_DSN", "", 1);
	load_ok(&cfg);
	assert_string_equal(cfg.dsn, "dbname=fromfile");
}

static void test_file_search_order(void **state)
{
	struct fixture *f = *state;
	struct ll_config cfg;
	struct ll_error err;
	char home[PATH_MAX + 32], path[PATH_MAX + 128], user[PATH_MAX + 32];
	char xdg[PATH_MAX + 32];

	/* the system file is the last resort; these tests need it absent */
	if (access(LL_CONFIG_SYSTEM_FILE, F_OK) == 0)
		skip();
	snprintf(home, sizeof(home), "%s/home", f->dir);
	snprintf(user, sizeof(user), "%s/user", f->dir);
	assert_int_equal(mkdir(home, 0755), 0);
	assert_int_equal(mkdir(user, 0755), 0);
	setenv("LEDGERLINE_HOME", home, 1);
	setenv("HOME", user, 1);

	/* neither <home>/ledgerline.conf nor ./config/ledgerline.conf (a
	 * path relative to the working directory) is ever read */
	snprintf(path, sizeof(path), "%s/ledgerline.conf", home);
	write_text(path, "database.dsn = dbname=home\n");
	assert_int_equal(mkdir("config", 0755), 0);
	write_text("config/ledgerline.conf", "database.dsn = dbname=cwd\n");
	load_ok(&cfg);
	assert_string_equal(cfg.file, "");
	assert_string_equal(cfg.dsn, "");

	/* ~/.config/ledgerline/ledgerline.conf when XDG_CONFIG_HOME is
	 * unset (or empty) */
	snprintf(path, sizeof(path), "%s/.config", user);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/.config/ledgerline", user);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/.config/ledgerline/ledgerline.conf",
		 user);
	write_text(path, "database.dsn = dbname=dotconfig\n");
	setenv("XDG_CONFIG_HOME", "", 1);
	load_ok(&cfg);
	assert_string_equal(cfg.file, path);
	assert_string_equal(cfg.dsn, "dbname=dotconfig");

	/* $XDG_CONFIG_HOME/ledgerline/ledgerline.conf replaces ~/.config */
	snprintf(xdg, sizeof(xdg), "%s/xdg", f->dir);
	assert_int_equal(mkdir(xdg, 0755), 0);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	load_ok(&cfg);
	assert_string_equal(cfg.file, "");	/* not there: nothing */
	snprintf(path, sizeof(path), "%s/ledgerline", xdg);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/ledgerline/ledgerline.conf", xdg);
	write_text(path, "database.dsn = dbname=xdg\n");
	load_ok(&cfg);
	assert_string_equal(cfg.file, path);
	assert_string_equal(cfg.dsn, "dbname=xdg");

	/* an existing file that cannot be read is an error, not skipped */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		ll_error_clear(&err);
		assert_int_equal(ll_config_load(&cfg, &err), LL_USAGE);
		assert_string_equal(err.source, path);
		assert_int_equal(chmod(path, 0644), 0);
	}

	/* $LEDGERLINE_CONFIG beats them all */
	snprintf(path, sizeof(path), "%s/other.conf", f->dir);
	write_text(path, "postgres.user = u\n");
	setenv("LEDGERLINE_CONFIG", path, 1);
	load_ok(&cfg);
	assert_string_equal(cfg.file, path);
	assert_string_equal(cfg.dsn, "");
	assert_string_equal(cfg.pg_user, "u");
}

static void test_file_errors(void **state)
{
	static const struct {
		const char *text;
		long line;
		const char *field;
		const char *word;
	} cases[] = {
		{ "# ok\ndatabase.dsn = x\ndatabase.dns = y\n", 3,
		  "database.dns", "unknown configuration key" },
		{ "\n\n\n\nsigning_key = /k\n", 5, "signing_key",
		  "unknown configuration key" },
		{ "database.dsn = x\njust words\n", 2, "",
		  "expected \"key = value\"" },
		{ "= value\n", 1, "", "unknown configuration key" },
		{ "postgres.user = "
		  "a-user-name-that-is-much-longer-than-sixty-three-bytes-in-total-x\n",
		  1, "postgres.user", "value too long" },
		{ "deliver.backoff_base_ms = 1s\n", 1,
		  "deliver.backoff_base_ms", "not a whole number" },
		{ "deliver.backoff_max_ms = -5\n", 1,
		  "deliver.backoff_max_ms", "not a whole number" },
		{ "deliver.backoff_max_ms = 3600001\n", 1,
		  "deliver.backoff_max_ms", "more than 3600000 ms" },
		{ "deliver.backoff_base_ms =\n", 1,
		  "deliver.backoff_base_ms", "not a whole number" },
	};
	struct fixture *f = *state;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/bad.conf", f->dir);
	setenv("LEDGERLINE_HOME", "/nonexistent/ll-home", 1);
	setenv("LEDGERLINE_CONFIG", path, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ll_config cfg;
		struct ll_error err;
		enum ll_status rc;

		write_text(path, cases[i].text);
		ll_error_clear(&err);
		rc = ll_config_load(&cfg, &err);
		if (rc != LL_USAGE)
			fail_msg("case %zu: status %d", i, (int)rc);
		assert_int_equal(err.code, LL_USAGE);
		assert_string_equal(err.source, path);
		assert_int_equal(err.line, cases[i].line);
		if (cases[i].field[0])
			assert_string_equal(err.field, cases[i].field);
		assert_contains(err.text, cases[i].word);
	}
}

static void test_file_line_limit(void **state)
{
	struct fixture *f = *state;
	struct ll_config cfg;
	struct ll_error err;
	char path[PATH_MAX + 32];
	/* "# " + filler: a comment line of exactly n bytes before '\n' */
	char *text = malloc(LL_CONFIG_LINE_BYTES_MAX + 64);
	size_t n;

	assert_non_null(text);
	snprintf(path, sizeof(path), "%s/long.conf", f->dir);
	setenv("LEDGERLINE_HOME", "/nonexistent/ll-home", 1);
	setenv("LEDGERLINE_CONFIG", path, 1);

	/* LL_CONFIG_LINE_BYTES_MAX - 2 bytes: the longest line accepted */
	n = LL_CONFIG_LINE_BYTES_MAX - 2;
	memset(text, '#', n);
	memcpy(text + n, "\npostgres.user = u\n", 20);
	write_text(path, text);
	load_ok(&cfg);
	assert_string_equal(cfg.pg_user, "u");

	/* one more byte: refused, at line 1 */
	n = LL_CONFIG_LINE_BYTES_MAX - 1;
	memset(text, '#', n);
	memcpy(text + n, "\npostgres.user = u\n", 20);
	write_text(path, text);
	ll_error_clear(&err);
	assert_int_equal(ll_config_load(&cfg, &err), LL_USAGE);
	assert_int_equal(err.line, 1);
	assert_contains(err.text, "line longer than");
	free(text);
}

static void test_missing_config_file(void **state)
{
	struct fixture *f = *state;
	struct ll_config cfg;
	struct ll_error err;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/absent.conf", f->dir);
	setenv("LEDGERLINE_HOME", "/nonexistent/ll-home", 1);
	setenv("LEDGERLINE_CONFIG", path, 1);
	ll_error_clear(&err);
	assert_int_equal(ll_config_load(&cfg, &err), LL_USAGE);
	assert_string_equal(err.source, path);
	assert_contains(err.text, "cannot open configuration file");
}

/* Values may contain '=' (a DSN does); a '#' starts a comment even inside
 * a value; an empty value is an empty setting. */
static void test_values(void **state)
{
	struct fixture *f = *state;
	struct ll_config cfg;
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/v.conf", f->dir);
	setenv("LEDGERLINE_HOME", "/nonexistent/ll-home", 1);
	setenv("LEDGERLINE_CONFIG", path, 1);
	write_text(path, "database.dsn = host=h port=5433 user=u\n"
			 "postgres.user =\n"
			 "signing.key = /k/a#b\n");
	load_ok(&cfg);
	assert_string_equal(cfg.dsn, "host=h port=5433 user=u");
	assert_string_equal(cfg.pg_user, "");
	assert_string_equal(cfg.signing_key, "/k/a");

	/* the longest postgres.user that fits (63 bytes) */
	write_text(path, "postgres.user = "
			 "a-user-name-that-is-much-longer-than-sixty-three-bytes-in-total\n");
	load_ok(&cfg);
	assert_int_equal(strlen(cfg.pg_user), sizeof(cfg.pg_user) - 1);

	/* a later line wins */
	write_text(path, "database.dsn = first\ndatabase.dsn = second\n");
	load_ok(&cfg);
	assert_string_equal(cfg.dsn, "second");

	/* an empty file */
	write_text(path, "");
	load_ok(&cfg);
	assert_string_equal(cfg.file, path);
	assert_string_equal(cfg.dsn, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_home_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_home_without_home_variable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_home_relative_made_absolute,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_home_too_long, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_defaults_without_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_from_variable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_env_overrides_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_search_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_line_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_config_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
