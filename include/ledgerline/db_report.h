/*
 * db_report.h — reading a party's earnings report (report.h) from the
 * ledger: its name, its lines of the postings in force, its account step
 * by step, what each restatement changed of its lines, and its parts of
 * payments.
 *
 * Design decision: every query reads only what a party login of
 * sql/008_party_access.sql and sql/011_party_access_more.sql may read,
 * so "ledgerline report" under that login reads exactly what it reads as
 * the application role, and prints the same report.
 */
#ifndef LEDGERLINE_DB_REPORT_H
#define LEDGERLINE_DB_REPORT_H

#include "ledgerline/db.h"
#include "ledgerline/report.h"

/*
 * Fill r (initialised, empty) with everything the ledger holds for
 * party: all periods (ll_report_filter marks what to show).  LL_INVALID
 * naming --party when the database shows no such party (under a party
 * login: any party but the login's own), LL_DB when a query fails.
 */
enum ll_status ll_db_report_read(struct ll_db *db, const char *party,
				 struct ll_report *r, struct ll_error *err);

#endif
