/*
 * check.h - the tiny test harness every C test uses. A test file defines
 * test functions and lists them in main() with RUN(); a failed CHECK prints
 * file:line and the expression, marks the test failed and returns from it.
 * The process exits non-zero if any test failed, which is what CTest reads.
 */
#ifndef AVP_TESTS_CHECK_H
#define AVP_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failed_;
static int check_count_;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
            check_failed_ = 1;                                             \
            return;                                                        \
        }                                                                  \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                              \
    do {                                                                   \
        double a_ = (a), b_ = (b);                                         \
        if (!(fabs(a_ - b_) <= (tol))) {                                   \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = "   \
                    "%.9g (tol %g)\n", __FILE__, __LINE__, #a, a_, #b, b_, \
                    (double)(tol));                                        \
            check_failed_ = 1;                                             \
            return;                                                        \
        }                                                                  \
    } while (0)

#define RUN(test)                                                          \
    do {                                                                   \
        int before_ = check_failed_;                                       \
        check_failed_ = 0;                                                 \
        test();                                                            \
        check_count_++;                                                    \
        fprintf(stderr, "%s %s\n", check_failed_ ? "FAIL" : "ok  ", #test); \
        check_failed_ |= before_;                                          \
    } while (0)

#define CHECK_DONE() (check_failed_ ? EXIT_FAILURE : EXIT_SUCCESS)

/* For tests that need files outside the repository (the shared model):
 * CTest treats exit code 77 as "skipped" (SKIP_RETURN_CODE). */
#define CHECK_SKIP(why)                                                    \
    do {                                                                   \
        fprintf(stderr, "SKIP: %s\n", why);                                \
        exit(77);                                                          \
    } while (0)

#endif
