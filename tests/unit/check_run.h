/* check_run.h -- the end of every check_*.c main(): run the suite, print
 * Check's summary line (tests/run adds those up), and exit 1 when any test
 * failed.  One copy here instead of one in each test program. */
#ifndef CHECK_RUN_H
#define CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
