/*
 * unit.h — common includes for the cmocka unit tests.  cmocka needs
 * <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before <cmocka.h>.
 */
#ifndef LEDGERLINE_TESTS_UNIT_H
#define LEDGERLINE_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
