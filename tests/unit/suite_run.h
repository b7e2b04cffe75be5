/*
 * suite_run: the end of a libcheck test's main(), shared by the unit tests
 * that include it: run the suite, free it, and give the exit status for
 * automake (0 passed, 1 failed).
 */
#ifndef DB_SUITE_RUN_H
#define DB_SUITE_RUN_H

#include <check.h>
#include <stdlib.h>

/* Run every test of s (which is freed) and return the number that failed. */
static inline int
suite_run_failed(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

/* suite_run_failed() as an exit status. */
static inline int
suite_run(Suite *s)
{
	return suite_run_failed(s) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
