# Integration tests of the stored registry's digests (SPEC §5 tamper
# evidence): a registry record edited in the database behind ledgerline's
# back, even by a superuser with the triggers disabled, no longer matches
# the digest stored with it, and a run or load that reads it stops with
# exit 4 naming the record, posting and writing nothing.

# Edit the usage rate of licence L-2026-NW in place, as a superuser who
# disables the append-only triggers to do it.
rd_edit_rate() {
    sql "$IT_DB" -c "ALTER TABLE ledgerline.registry_record DISABLE TRIGGER ALL" \
        -c "UPDATE ledgerline.registry_record SET body = jsonb_set(body, '{terms,usage_rate}', '\"0.90\"') WHERE kind = 'licence' AND id = 'L-2026-NW'" \
        -c "ALTER TABLE ledgerline.registry_record ENABLE TRIGGER ALL" >/dev/null ||
        fail "cannot edit the stored licence"
    n=$(sql "$IT_DB" -c "SELECT count(*) FROM ledgerline.registry_record WHERE body->'terms'->>'usage_rate' = '0.90'")
    assert_eq "$n" "1" "edited licence versions"
}

test_registry_edited_behind_the_back_is_refused() {
    out="$IT_TMP/rd-out-$(date +%s%N)"
    expect_rc 0 init
    expect_rc 0 load "$DEMO_REG"/*.json
    rd_edit_rate
    expect_rc 4 run --licensee P-AI --period 2026-Q3 \
        --manifest "$DATA/demo/manifest-harmony-2.json" \
        --logs "$DATA/demo/generations-2026-q3.ndjson" --out "$out"
    assert_contains "$ERR" "ledgerline: ledger database: licence L-2026-NW version 1: stored record does not match its digest"
    n=$(sql "$IT_DB" -c "SELECT (SELECT count(*) FROM ledgerline.run) + (SELECT count(*) FROM ledgerline.posting) + (SELECT count(*) FROM ledgerline.journal_entry)")
    assert_eq "$n" "0" "rows stored by a run over an edited registry"
    [ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] ||
        fail "a run over an edited registry wrote into --out: $(ls -A "$out")"
    # load reads the stored registry too, and changes nothing
    before=$(registry_state)
    expect_rc 4 load "$DEMO_REG"/licences.json
    assert_contains "$ERR" "licence L-2026-NW version 1: stored record does not match its digest"
    assert_eq "$(registry_state)" "$before" "the registry after a refused load"
}

test_registry_unedited_digests_hold() {
    # the same steps without the edit run: the check refuses only edits
    out="$IT_TMP/rd-out-$(date +%s%N)"
    st_demo_run "$out"
    expect_rc 0 load "$DEMO_REG"/*.json
}
