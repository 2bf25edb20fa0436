/*
 * config.c — resolution of the data directory, configuration file and
 * database (config.h).
 *
 * Design decision: the file format is deliberately tiny ("key = value"),
 * parsed by hand with a line limit, and strict: a misspelt key is an
 * error, because a silently ignored database.dsn would send a ledger to
 * the wrong database.
 */
#include "ledgerline/config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerline/buf.h"

static enum ll_status set_field(char *dst, size_t size, const char *value,
				struct ll_error *err, const char *source,
				long line, const char *key)
{
	if (!ll_str_copy(dst, size, value))
		return ll_error_set(err, LL_USAGE, source, line, key,
				    "value too long");
	return LL_OK;
}

/* A whole number of milliseconds, 0..LL_CONFIG_BACKOFF_MS_MAX. */
static enum ll_status set_ms(int64_t *dst, const char *value,
			     struct ll_error *err, const char *source,
			     long line, const char *key)
{
	char *end;
	long long v;

	if (value[0] < '0' || value[0] > '9')
		return ll_error_set(err, LL_USAGE, source, line, key,
				    "not a whole number of milliseconds");
	v = strtoll(value, &end, 10);
	if (*end != '\0')
		return ll_error_set(err, LL_USAGE, source, line, key,
				    "not a whole number of milliseconds");
	if (v > LL_CONFIG_BACKOFF_MS_MAX)
		return ll_error_set(err, LL_USAGE, source, line, key,
				    "more than %d ms",
				    LL_CONFIG_BACKOFF_MS_MAX);
	*dst = v;
	return LL_OK;
}

/* deliver.backoff_base_ms and deliver.backoff_max_ms; any other key is
 * unknown. */
static enum ll_status set_backoff(struct ll_config *cfg, const char *key,
				  const char *value, struct ll_error *err,
				  const char *source, long line)
{
	if (strcmp(key, "deliver.backoff_base_ms") == 0)
		return set_ms(&cfg->deliver_backoff_base_ms, value, err,
			      source, line, key);
	if (strcmp(key, "deliver.backoff_max_ms") == 0)
		return set_ms(&cfg->deliver_backoff_max_ms, value, err,
			      source, line, key);
	return ll_error_set(err, LL_USAGE, source, line, key,
			    "unknown configuration key");
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static enum ll_status read_file(struct ll_config *cfg, const char *path,
				struct ll_error *err)
{
	char buf[LL_CONFIG_LINE_BYTES_MAX];
	FILE *f = fopen(path, "r");
	long line = 0;
	enum ll_status rc = LL_OK;

	if (!f)
		return ll_error_set(err, LL_USAGE, path, 0, NULL,
				    "cannot open configuration file: %s",
				    strerror(errno));
	while (rc == LL_OK && fgets(buf, sizeof(buf), f)) {
		char *s, *eq, *key, *value, *hash;

		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			rc = ll_error_set(err, LL_USAGE, path, line, NULL,
					  "line longer than %d bytes",
					  LL_CONFIG_LINE_BYTES_MAX - 2);
			break;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		s = trim(buf);
		if (!*s)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			rc = ll_error_set(err, LL_USAGE, path, line, NULL,
					  "expected \"key = value\"");
			break;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (strcmp(key, "database.dsn") == 0)
			rc = set_field(cfg->dsn, sizeof(cfg->dsn), value, err,
				       path, line, key);
		else if (strcmp(key, "database.admin_dsn") == 0)
			rc = set_field(cfg->admin_dsn, sizeof(cfg->admin_dsn),
				       value, err, path, line, key);
		else if (strcmp(key, "postgres.bindir") == 0)
			rc = set_field(cfg->pg_bindir, sizeof(cfg->pg_bindir),
				       value, err, path, line, key);
		else if (strcmp(key, "postgres.user") == 0)
			rc = set_field(cfg->pg_user, sizeof(cfg->pg_user),
				       value, err, path, line, key);
		else if (strcmp(key, "signing.key") == 0)
			rc = set_field(cfg->signing_key,
				       sizeof(cfg->signing_key), value, err,
				       path, line, key);
		else if (strcmp(key, "deliver.cacert") == 0)
			rc = set_field(cfg->deliver_cacert,
				       sizeof(cfg->deliver_cacert), value, err,
				       path, line, key);
		else
			rc = set_backoff(cfg, key, value, err, path, line);
	}
	if (rc == LL_OK && ferror(f))
		rc = ll_error_set(err, LL_USAGE, path, 0, NULL,
				  "cannot read configuration file");
	fclose(f);
	return rc;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

/* $HOME, else the password database's home; borrowed, NULL if none. */
static const char *home_dir(void)
{
	const char *v = env("HOME");

	if (!v) {
		struct passwd *pw = getpwuid(getuid());

		v = pw && pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : NULL;
	}
	return v;
}

static enum ll_status resolve_home(struct ll_config *cfg, struct ll_error *err)
{
	const char *v;
	int k;

	if ((v = env("LEDGERLINE_HOME")))
		k = ll_str_copy(cfg->home, sizeof(cfg->home), v) ? 0 : -1;
	else if ((v = env("XDG_DATA_HOME")))
		k = snprintf(cfg->home, sizeof(cfg->home), "%s/ledgerline", v);
	else {
		v = home_dir();
		if (!v)
			return ll_error_set(err, LL_USAGE, NULL, 0, NULL,
					    "cannot find a home directory: set "
					    "LEDGERLINE_HOME");
		k = snprintf(cfg->home, sizeof(cfg->home),
			     "%s/.local/share/ledgerline", v);
	}
	if (k < 0 || (size_t)k >= sizeof(cfg->home))
		return ll_error_set(err, LL_USAGE, NULL, 0, NULL,
				    "data directory path too long");
	if (cfg->home[0] != '/') {
		char cwd[PATH_MAX], tmp[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return ll_error_set(err, LL_IO, NULL, 0, NULL,
					    "cannot get the working directory");
		memcpy(tmp, cfg->home, sizeof(tmp));
		k = snprintf(cfg->home, sizeof(cfg->home), "%s/%s", cwd, tmp);
		if (k < 0 || (size_t)k >= sizeof(cfg->home))
			return ll_error_set(err, LL_USAGE, NULL, 0, NULL,
					    "data directory path too long");
	}
	return LL_OK;
}

/*
 * The configuration file: $LEDGERLINE_CONFIG (which must then exist), else
 * $XDG_CONFIG_HOME/ledgerline/ledgerline.conf ($XDG_CONFIG_HOME defaulting
 * to ~/.config), else /etc/ledgerline/ledgerline.conf, each only when
 * present.  Never a path relative to the working directory: running from
 * another directory must not switch databases.
 */
static enum ll_status resolve_file(struct ll_config *cfg, struct ll_error *err)
{
	char path[PATH_MAX];
	const char *v;
	int k = -1;

	if ((v = env("LEDGERLINE_CONFIG"))) {
		if (!ll_str_copy(cfg->file, sizeof(cfg->file), v))
			return ll_error_set(err, LL_USAGE, "LEDGERLINE_CONFIG",
					    0, NULL, "path too long");
		return LL_OK;
	}
	if ((v = env("XDG_CONFIG_HOME")))
		k = snprintf(path, sizeof(path), "%s/ledgerline/ledgerline.conf",
			     v);
	else if ((v = home_dir()))
		k = snprintf(path, sizeof(path),
			     "%s/.config/ledgerline/ledgerline.conf", v);
	if (k > 0 && (size_t)k < sizeof(path) && path[0] == '/' &&
	    access(path, F_OK) == 0) {
		memcpy(cfg->file, path, (size_t)k + 1);
		return LL_OK;
	}
	if (access(LL_CONFIG_SYSTEM_FILE, F_OK) == 0)	/* a short constant */
		LL_ENSURE(ll_str_copy(cfg->file, sizeof(cfg->file),
				      LL_CONFIG_SYSTEM_FILE));
	return LL_OK;
}

enum ll_status ll_config_load(struct ll_config *cfg, struct ll_error *err)
{
	enum ll_status rc;
	const char *v;

	memset(cfg, 0, sizeof(*cfg));
	cfg->deliver_backoff_base_ms = -1;
	cfg->deliver_backoff_max_ms = -1;
	rc = resolve_home(cfg, err);
	if (rc != LL_OK)
		return rc;
	rc = resolve_file(cfg, err);
	if (rc != LL_OK)
		return rc;
	if (cfg->file[0]) {
		rc = read_file(cfg, cfg->file, err);
		if (rc != LL_OK)
			return rc;
	}
	if ((v = env("LEDGERLINE_DSN")))
		rc = set_field(cfg->dsn, sizeof(cfg->dsn), v, err,
			       "LEDGERLINE_DSN", 0, NULL);
	if (rc == LL_OK && (v = env("LEDGERLINE_ADMIN_DSN")))
		rc = set_field(cfg->admin_dsn, sizeof(cfg->admin_dsn), v, err,
			       "LEDGERLINE_ADMIN_DSN", 0, NULL);
	if (rc == LL_OK && (v = env("LEDGERLINE_PG_BINDIR")))
		rc = set_field(cfg->pg_bindir, sizeof(cfg->pg_bindir), v, err,
			       "LEDGERLINE_PG_BINDIR", 0, NULL);
	if (rc == LL_OK && (v = env("LEDGERLINE_PG_USER")))
		rc = set_field(cfg->pg_user, sizeof(cfg->pg_user), v, err,
			       "LEDGERLINE_PG_USER", 0, NULL);
	if (rc == LL_OK && (v = env("LEDGERLINE_SIGNING_KEY")))
		rc = set_field(cfg->signing_key, sizeof(cfg->signing_key), v,
			       err, "LEDGERLINE_SIGNING_KEY", 0, NULL);
	return rc;
}

enum ll_status ll_config_key_paths(const struct ll_config *cfg,
				   char private_path[PATH_MAX],
				   char public_path[PATH_MAX],
				   struct ll_error *err)
{
	size_t n;
	int k;

	if (cfg->signing_key[0])
		k = ll_str_copy(private_path, PATH_MAX, cfg->signing_key)
			    ? 0 : -1;
	else
		k = snprintf(private_path, PATH_MAX, "%s/keys/signing.pem",
			     cfg->home);
	if (k < 0 || k >= PATH_MAX)
		return ll_error_set(err, LL_USAGE, NULL, 0, NULL,
				    "signing key path too long");
	n = strlen(private_path);
	if (n > 4 && strcmp(private_path + n - 4, ".pem") == 0)
		k = snprintf(public_path, PATH_MAX, "%.*s.pub.pem",
			     (int)(n - 4), private_path);
	else
		k = snprintf(public_path, PATH_MAX, "%s.pub", private_path);
	if (k < 0 || k >= PATH_MAX)
		return ll_error_set(err, LL_USAGE, NULL, 0, NULL,
				    "signing key path too long");
	return LL_OK;
}
