# Integration tests of where ledgerline finds its configuration (SPEC §7):
# fixed places only, never the working directory; and of the "not
# initialised" messages, which name the database looked at.

# A directory whose config/ledgerline.conf points at a database that does
# not exist: running from it must not change anything.
bogus_cwd() {
    d="$IT_TMP/cwd-$1"
    mkdir -p "$d/config"
    printf 'database.dsn = host=/nonexistent-ll dbname=bogus_cwd_db user=x\n' \
        >"$d/config/ledgerline.conf"
    printf '%s\n' "$d"
}

test_config_in_working_directory_is_ignored() {
    cwd=$(bogus_cwd ignored)
    (
        cd "$cwd" || exit 1
        unset LEDGERLINE_DSN LEDGERLINE_ADMIN_DSN LEDGERLINE_CONFIG
        export XDG_CONFIG_HOME="$IT_TMP/xdg-none" HOME="$IT_TMP/home-none"
        # the suite's embedded cluster, whose "ledgerline" database was
        # never initialised
        export LEDGERLINE_HOME="$IT_HOME"
        expect_rc 0 db status
        assert_contains "$OUT" "database: embedded cluster in $IT_HOME/pg"
        case "$OUT$ERR" in *bogus*) fail "read ./config/ledgerline.conf: $OUT" ;; esac
        expect_rc 4 balance
        assert_contains "$ERR" "the database is not initialised: run 'ledgerline init'"
        assert_contains "$ERR" "embedded cluster $IT_HOME/pg, dbname=ledgerline"
        case "$ERR" in *bogus*) fail "read ./config/ledgerline.conf: $ERR" ;; esac
    ) || exit 1
}

test_config_from_xdg_config_home() {
    cwd=$(bogus_cwd xdg)
    xdg="$IT_TMP/xdg"
    mkdir -p "$xdg/ledgerline"
    printf 'database.dsn = %s\ndatabase.admin_dsn = %s\n' \
        "$LEDGERLINE_DSN" "$LEDGERLINE_ADMIN_DSN" >"$xdg/ledgerline/ledgerline.conf"
    (
        cd "$cwd" || exit 1
        unset LEDGERLINE_DSN LEDGERLINE_ADMIN_DSN LEDGERLINE_CONFIG
        export XDG_CONFIG_HOME="$xdg" HOME="$IT_TMP/home-none"
        export LEDGERLINE_HOME="$IT_TMP/xdg-home"
        expect_rc 0 db status
        assert_contains "$OUT" "database: configured ($xdg/ledgerline/ledgerline.conf)"
        assert_contains "$OUT" "dbname=$IT_DB"
        expect_rc 0 init
        expect_rc 0 load "$DATA/demo/registry/parties.json"
        n=$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.registry_record WHERE kind = 'party'")
        [ "$n" -gt 0 ] || fail "load did not reach the database of the XDG file"
    ) || exit 1
}

test_config_home_dot_config_when_xdg_unset() {
    cwd=$(bogus_cwd dotconfig)
    user="$IT_TMP/user-home"
    mkdir -p "$user/.config/ledgerline"
    printf 'database.dsn = %s\n' "$LEDGERLINE_DSN" >"$user/.config/ledgerline/ledgerline.conf"
    (
        cd "$cwd" || exit 1
        unset LEDGERLINE_DSN LEDGERLINE_ADMIN_DSN LEDGERLINE_CONFIG XDG_CONFIG_HOME
        export HOME="$user" LEDGERLINE_HOME="$IT_TMP/dot-home"
        expect_rc 0 db status
        assert_contains "$OUT" "database: configured ($user/.config/ledgerline/ledgerline.conf)"
    ) || exit 1
}

test_config_variable_wins() {
    cwd=$(bogus_cwd variable)
    xdg="$IT_TMP/xdg-loses"
    mkdir -p "$xdg/ledgerline"
    printf 'database.dsn = host=/nonexistent-ll dbname=xdg_loses\n' >"$xdg/ledgerline/ledgerline.conf"
    conf="$IT_TMP/wins.conf"
    # a password in the DSN is never shown
    printf 'database.dsn = host=%s dbname=%s user=ledgerline_app password=s3cret-pw\n' \
        "$IT_SOCK" "$IT_DB" >"$conf"
    (
        cd "$cwd" || exit 1
        unset LEDGERLINE_DSN LEDGERLINE_ADMIN_DSN
        export XDG_CONFIG_HOME="$xdg" LEDGERLINE_CONFIG="$conf"
        export LEDGERLINE_HOME="$IT_TMP/wins-home"
        expect_rc 0 db status
        assert_contains "$OUT" "database: configured ($conf)"
        assert_contains "$OUT" "dbname=$IT_DB user=ledgerline_app"
        case "$OUT" in *s3cret*) fail "db status shows the password: $OUT" ;; esac
        # the test database is not initialised: the message names it
        expect_rc 4 balance
        assert_contains "$ERR" "the database is not initialised: run 'ledgerline init'"
        assert_contains "$ERR" "(database: host=$IT_SOCK dbname=$IT_DB user=ledgerline_app)"
        case "$ERR" in *s3cret*|*xdg_loses*|*bogus*) fail "wrong or secret text: $ERR" ;; esac
    ) || exit 1
}

test_not_initialised_says_init() {
    # every command that needs the ledger, before init, says to run init
    # (run too: init also makes the signing key, so keygen is not the
    # first thing to do) and names the database it looked at
    export LEDGERLINE_HOME="$IT_TMP/noinit-home"
    for cmd in "balance" "audit" "load $DATA/demo/registry/parties.json" \
        "run --licensee P-AI --period 2026-Q3 --manifest $DATA/demo/manifest-harmony-2.json --logs $DATA/demo/generations-2026-q3.ndjson --out $IT_TMP/noinit-out"; do
        # shellcheck disable=SC2086
        expect_rc 4 $cmd
        assert_contains "$ERR" "the database is not initialised: run 'ledgerline init'" "$cmd"
        assert_contains "$ERR" "dbname=$IT_DB user=ledgerline_app" "$cmd"
        case "$ERR" in *keygen*) fail "$cmd suggests keygen before init: $ERR" ;; esac
    done
    [ ! -e "$IT_TMP/noinit-out" ] || fail "run before init wrote outputs"
}
