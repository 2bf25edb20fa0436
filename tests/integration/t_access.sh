# Integration tests of party logins (SPEC §5 "Party-scoped access"):
# grant a login to one party, read every relation of the schema under it
# (listed from pg_class, so a relation added later is covered too) and
# find nothing of any other party; writes refused; revoke ends it.

ACC_MANIFEST="$DATA/demo/manifest-harmony-2.json"
ACC_LOG="$DATA/demo/generations-2026-q3.ndjson"

# psql under a dsn; rest: args
acc_psql() {
    local dsn=$1
    shift
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -At "$dsn" "$@"
}

test_access_party_sees_only_its_own() {
    local dsn rel out all=""
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$ACC_MANIFEST" \
        --logs "$ACC_LOG" --out "$IT_TMP/out"
    expect_rc 3 grant --party P-NOBODY
    expect_rc 0 grant --party P-KAI
    dsn=$(printf '%s\n' "$OUT" | sed -n 's/^dsn: //p')
    [ -n "$dsn" ] || fail "grant printed no dsn: $OUT"
    expect_rc 3 grant --party P-KAI
    # a wrong password is refused: the login is not trusted
    acc_psql "${dsn%password=*}password='wrong'" -c "SELECT 1" >/dev/null 2>&1 &&
        fail "a wrong password was accepted"
    assert_eq "$(acc_psql "$dsn" -c "SELECT ledgerline.login_party()")" P-KAI
    # it sees its own lines
    [ "$(acc_psql "$dsn" -c "SELECT count(*) FROM ledgerline.run_line")" -gt 0 ] ||
        fail "P-KAI sees none of its own lines"
    assert_eq "$(acc_psql "$dsn" -c "SELECT count(*) FROM ledgerline.run_line WHERE party <> 'P-KAI'")" 0
    for rel in $(sql "$IT_DB" -c "SELECT n.nspname || '.' || c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname LIKE 'ledgerline%' AND c.relkind IN ('r','v','m','S','p','f')"); do
        out=$(acc_psql "$dsn" -c "SELECT * FROM $rel" 2>&1)
        all="$all
$out"
        for verb in "DELETE FROM $rel" "TRUNCATE $rel" "INSERT INTO $rel DEFAULT VALUES"; do
            acc_psql "$dsn" -v ON_ERROR_STOP=1 -c "$verb" >/dev/null 2>&1 &&
                fail "P-KAI could $verb"
        done
    done
    out=$(acc_psql "$dsn" -c "SET row_security = off" -c "SELECT * FROM ledgerline.run_line" 2>&1)
    all="$all
$out"
    out=$(acc_psql "$dsn" -c "SET ROLE ledgerline_party" -c "SELECT * FROM ledgerline.run_line" 2>&1)
    all="$all
$out"
    out=$(acc_psql "$dsn" -c "SELECT * FROM pg_authid" 2>&1)
    all="$all
$out"
    for secret in "Northwind Records" DE89370400440532013000 "Harbour Music Publishing" \
        GB82WEST12345698765432 "GB82 WEST" "Ada Strings" "Bluewater Collective" "Synth Co" \
        DE02120300000000202051; do
        case $all in
        *"$secret"*) fail "P-KAI's login shows $secret" ;;
        esac
    done
    case $all in
    *P-ADA*) fail "P-KAI's login shows P-ADA (who holds no share with it)" ;;
    esac
    expect_rc 0 revoke --party P-KAI
    acc_psql "$dsn" -c "SELECT 1" >/dev/null 2>&1 && fail "the revoked login still connects"
    expect_rc 3 revoke --party P-KAI
    # the application role still sees every party
    [ "$(sql "$IT_DB" -c "SELECT count(DISTINCT party) FROM ledgerline.run_line")" -gt 1 ] ||
        fail "the owner sees one party only"
}
