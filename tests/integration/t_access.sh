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

# The tables that came after party logins (sql/009 manifests, sql/010
# the delivery outbox) and the view of sql/011: a party login sees none
# of another party's manifests, outbox rows or webhook URLs, even when
# someone later grants it SELECT by mistake; it sees its own parts of
# payments in party_payment and nothing else there.  Every relation of
# the schema is read, from pg_class.
test_access_newest_tables_hide_other_parties() {
    local dsn rel out all="" n=0 nw_posting
    expect_rc 0 init
    expect_rc 0 load "$DATA"/demo/registry/*.json
    expect_rc 0 run --licensee P-AI --period 2026-Q3 --manifest "$ACC_MANIFEST" \
        --logs "$ACC_LOG" --out "$IT_TMP/out"
    # the outbox holds another party's webhook, tried and disabled
    nw_posting=$(sql "$IT_DB" -c "SELECT posting_id FROM ledgerline.posting_statement WHERE party = 'P-NW'")
    [ -n "$nw_posting" ] || fail "no statement of P-NW to queue"
    sql "$IT_DB" -c "INSERT INTO ledgerline.delivery (webhook_id, posting_id, party)
                     VALUES ('msg_0123456789abcdef0123456789abcdef', $nw_posting, 'P-NW')" \
        -c "INSERT INTO ledgerline.delivery_attempt (webhook_id, attempt, url, owner, owner_version, webhook_timestamp)
            VALUES ('msg_0123456789abcdef0123456789abcdef', 1,
                    'https://statements.northwind.example/ledgerline', 'P-NW', 1, 1780000000)" \
        -c "INSERT INTO ledgerline.delivery_outcome (webhook_id, attempt, outcome, http_status)
            VALUES ('msg_0123456789abcdef0123456789abcdef', 1, 'disabled', 410)" >/dev/null
    # what there is to hide: the owner sees it
    [ "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.run_manifest_item WHERE work = 'W-0004'")" -gt 0 ] ||
        fail "the manifests name no work of P-BLUE: nothing to hide"
    assert_eq "$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.delivery_endpoint_disabled")" 1
    [ "$(sql "$IT_DB" -c "SELECT count(DISTINCT party) FROM ledgerline.party_payment")" -gt 1 ] ||
        fail "the owner sees one party's payments only"
    expect_rc 0 grant --party P-KAI
    dsn=$(printf '%s\n' "$OUT" | sed -n 's/^dsn: //p')
    [ -n "$dsn" ] || fail "grant printed no dsn: $OUT"
    for rel in $(sql "$IT_DB" -c "SELECT n.nspname || '.' || c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname LIKE 'ledgerline%' AND c.relkind IN ('r','v','m','S','p','f')"); do
        n=$((n + 1))
        out=$(acc_psql "$dsn" -c "SELECT * FROM $rel" 2>&1)
        all="$all
$rel: $out"
    done
    for rel in run_manifest run_manifest_item delivery delivery_attempt delivery_outcome \
        delivery_endpoint_disabled party_payment; do
        assert_contains "$all" "ledgerline.$rel:" "$rel was not among the relations read"
    done
    # even a mistaken grant opens no row of the manifests or the outbox
    sql "$IT_DB" -c "GRANT SELECT ON ledgerline.run_manifest, ledgerline.run_manifest_item,
                     ledgerline.delivery, ledgerline.delivery_attempt,
                     ledgerline.delivery_outcome TO ledgerline_party" >/dev/null
    for rel in run_manifest run_manifest_item delivery delivery_attempt delivery_outcome; do
        assert_eq "$(acc_psql "$dsn" -c "SELECT count(*) FROM ledgerline.$rel" 2>&1)" 0 \
            "P-KAI's login reads ledgerline.$rel once granted"
    done
    # its own parts of payments, and only those
    [ "$(acc_psql "$dsn" -c "SELECT count(*) FROM ledgerline.party_payment WHERE party = 'P-KAI'")" -gt 0 ] ||
        fail "P-KAI sees none of its own payments"
    assert_eq "$(acc_psql "$dsn" -c "SELECT count(*) FROM ledgerline.party_payment WHERE party <> 'P-KAI'")" 0
    for secret in northwind.example msg_0123456789abcdef "Northwind Records" DE89370400440532013000 \
        "Harbour Music Publishing" "GB82 WEST" "Ada Strings" "Bluewater Collective" "Synth Co" \
        DE02120300000000202051 W-0004 P-BLUE P-ADA; do
        case $all in
        *"$secret"*) fail "P-KAI's login shows $secret: $(printf '%s\n' "$all" | grep -F -- "$secret" | head -3)" ;;
        esac
    done
    [ "$n" -gt 20 ] || fail "only $n relations read"
}
