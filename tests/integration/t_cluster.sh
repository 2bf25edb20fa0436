# Integration tests of "ledgerline db destroy": an embedded cluster is
# never left behind, and nothing but a ledgerline cluster is ever removed.

# new_home [unreachable]: print a new data directory's path (not yet
# created), listed for the runner's cleanup so that its cluster is
# destroyed even when the test is interrupted.  With "unreachable", under
# a 0700 directory the server user cannot pass when we are root, so the
# cluster goes to /var/lib/ledgerline/clusters.
new_home() {
    if [ "${1:-}" = unreachable ]; then
        top=$(mktemp -d "$IT_TMP/locked.XXXXXX")
        chmod 0700 "$top"
        h="$top/x/home"
    else
        h=$(mktemp -u /tmp/ledgerline-home.XXXXXX)
    fi
    printf '%s\n' "$h" >>"$IT_SUITE_TMP/homes"
    printf '%s\n' "$h"
}

# destroy_home HOME: destroy the embedded cluster of HOME (wherever it
# lives) and remove HOME; for tests that make a data directory of their
# own.  Safe to call twice, and on a home that never had a cluster.
destroy_home() {
    LEDGERLINE_HOME="$1" LEDGERLINE_DSN= LEDGERLINE_CONFIG=/dev/null \
        "$LL" db destroy --yes >/dev/null 2>&1
    rm -rf "$1"
}

# The cluster directory "db status" names for the current LEDGERLINE_HOME.
cluster_dir() {
    "$LL" db status | sed -n 's/^database: embedded cluster in //p'
}

test_db_destroy_removes_cluster() {
    # a home the server user cannot reach when we are root (mktemp's 0700
    # parent): the cluster then lives in /var/lib/ledgerline/clusters
    home=$(new_home unreachable)
    (
        unset LEDGERLINE_DSN LEDGERLINE_ADMIN_DSN
        export LEDGERLINE_HOME="$home"
        expect_rc 0 db start
        dir=$(cluster_dir)
        [ -d "$dir" ] || fail "no cluster directory '$dir'"
        if [ "$(id -u)" -eq 0 ]; then
            hash=$(printf '%s' "$(realpath "$home")" | sha256sum | cut -c1-16)
            assert_eq "$dir" "/var/lib/ledgerline/clusters/$hash" "root fallback"
            [ -L "$home/pg" ] || fail "$home/pg is not a link"
        else
            assert_eq "$dir" "$home/pg"
        fi
        [ -f "$dir/ledgerline_cluster" ] || fail "no ledgerline_cluster mark"
        assert_contains "$(cat "$dir/ledgerline_cluster")" "home=$home"

        # without --yes: exit 2, says what it would remove, removes nothing
        expect_rc 2 db destroy
        assert_contains "$ERR" "$dir (the cluster)"
        assert_contains "$ERR" "$dir.log (its log)"
        assert_contains "$ERR" "db destroy --yes"
        [ -d "$dir/base" ] || fail "destroy without --yes removed something"
        expect_rc 0 db status
        assert_contains "$OUT" "status: running"

        # with a database configured, there is no embedded cluster to remove
        LEDGERLINE_DSN="host=$IT_SOCK dbname=$IT_DB" expect_rc 2 db destroy --yes
        assert_contains "$ERR" "a database is configured"
        [ -d "$dir/base" ] || fail "destroy with a DSN removed something"

        # --yes: the server stops, the cluster, its log and the link go
        pid=$(head -n 1 "$dir/postmaster.pid")
        expect_rc 0 db destroy --yes
        assert_contains "$OUT" "removed: $dir (the cluster)"
        [ ! -e "$dir" ] || fail "$dir is still there"
        [ ! -e "$dir.log" ] || fail "$dir.log is still there"
        [ ! -L "$home/pg" ] && [ ! -e "$home/pg" ] || fail "$home/pg is still there"
        [ ! -L "$home/pg.log" ] && [ ! -e "$home/pg.log" ] || fail "$home/pg.log is still there"
        # (an immediate shutdown: the postmaster may take a moment to go,
        # and a zombie not yet reaped is gone too)
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            st=$(ps -o stat= -p "$pid" 2>/dev/null) || break
            case "$st" in Z*) break ;; esac
            sleep 0.5
        done
        st=$(ps -o stat= -p "$pid" 2>/dev/null) || st=gone
        case "$st" in gone|Z*) ;; *) fail "the server (pid $pid) still runs: $st" ;; esac
        # the data directory itself stays
        [ -d "$home" ] || fail "the data directory was removed"

        # again: nothing to do
        expect_rc 0 db destroy --yes
        assert_contains "$OUT" "no embedded cluster in $home"
    )
    rc=$?
    destroy_home "$home"
    [ $rc -eq 0 ] || exit 1
}

test_db_destroy_refuses_what_is_not_a_cluster() {
    home="$IT_TMP/not-a-cluster"
    other="$IT_TMP/precious"
    mkdir -p "$home/pg" "$other"
    echo keep >"$home/pg/file"
    echo keep >"$other/file"
    echo 15 >"$other/PG_VERSION"
    (
        unset LEDGERLINE_DSN LEDGERLINE_ADMIN_DSN
        export LEDGERLINE_HOME="$home"
        # <home>/pg a plain directory that ledgerline did not make
        expect_rc 2 db destroy --yes
        assert_contains "$ERR" "not a ledgerline cluster"
        [ -f "$home/pg/file" ] || fail "a foreign directory was emptied"
        # <home>/pg a link to a directory with PG_VERSION but no mark
        rm -rf "$home/pg"
        ln -s "$other" "$home/pg"
        expect_rc 2 db destroy --yes
        assert_contains "$ERR" "not a ledgerline cluster"
        [ -f "$other/file" ] || fail "a foreign directory was emptied"
        [ -L "$home/pg" ] || fail "the link was removed"
        # a link to a file
        rm "$home/pg"
        ln -s "$other/file" "$home/pg"
        expect_rc 2 db destroy --yes
        [ -f "$other/file" ] || fail "a foreign file was removed"
        # usage
        expect_rc 2 db stop --yes
        expect_rc 0 db --help
        assert_contains "$OUT" "destroy  stop it and remove it"
    ) || exit 1
}

test_db_destroy_cluster_whose_home_is_gone() {
    # as root, deleting a home leaves its cluster in /var/lib; the README's
    # recipe finds it by its mark and removes it through a stand-in home
    [ "$(id -u)" -eq 0 ] || return 0
    home=$(new_home unreachable)
    stand_in="$IT_TMP/stand-in"
    printf '%s\n' "$stand_in" >>"$IT_SUITE_TMP/homes"
    (
        unset LEDGERLINE_DSN LEDGERLINE_ADMIN_DSN
        LEDGERLINE_HOME="$home" expect_rc 0 db start
        dir=$(LEDGERLINE_HOME="$home" cluster_dir)
        # the stand-in first, so an interrupted test still finds it
        mkdir -p "$stand_in"
        ln -s "$dir" "$stand_in/pg"
        rm -rf "$home"
        [ -d "$dir" ] || fail "expected $dir to outlive its home"
        found=$(grep -l -x "home=$home" /var/lib/ledgerline/clusters/*/ledgerline_cluster)
        assert_eq "$found" "$dir/ledgerline_cluster" "the mark names the home"
        LEDGERLINE_HOME="$stand_in" expect_rc 0 db destroy --yes
        [ ! -e "$dir" ] || fail "$dir is still there"
        [ ! -e "$dir.log" ] || fail "$dir.log is still there"
    )
    rc=$?
    destroy_home "$stand_in"
    destroy_home "$home"
    [ $rc -eq 0 ] || exit 1
}
