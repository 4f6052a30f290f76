/* Overlap policies: the full geometry table of every policy, written out by hand from the
 * branches of Suricata's DoHandleDataOverlap (src/stream-tcp-list.c), not from our formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpsift/reassembly.h"

/* Old copy is [100, 200). The nine cases place the new copy's start before/at/after 100 and
 * its end before/at/after 200 (always overlapping the old copy). */
static const uint64_t case_bounds[9][2] = {
    {50, 150},  {50, 200},  {50, 250},  /* starts before: ends before / at / after */
    {100, 150}, {100, 200}, {100, 250}, /* starts at */
    {120, 150}, {120, 200}, {120, 250}, /* starts after */
};

struct policy_row {
    tcpsift_overlap_policy p;
    int new_wins[9];
};

static const struct policy_row rows[] = {
    {TCPSIFT_OVERLAP_FIRST, {0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {TCPSIFT_OVERLAP_LAST, {1, 1, 1, 1, 1, 1, 1, 1, 1}},
    /* Suricata: the BSD group takes new data only in the "seg starts before list" branch. */
    {TCPSIFT_OVERLAP_BSD, {1, 1, 1, 0, 0, 0, 0, 0, 0}},
    {TCPSIFT_OVERLAP_WINDOWS, {1, 1, 1, 0, 0, 0, 0, 0, 0}},
    /* LINUX: also "same start, ends beyond". */
    {TCPSIFT_OVERLAP_LINUX, {1, 1, 1, 0, 0, 1, 0, 0, 0}},
    /* OLD_LINUX: also "same start, ends at or beyond". */
    {TCPSIFT_OVERLAP_OLD_LINUX, {1, 1, 1, 0, 1, 1, 0, 0, 0}},
    /* SOLARIS: same start & end >=, before & end >=, after & end beyond. */
    {TCPSIFT_OVERLAP_SOLARIS, {0, 1, 1, 0, 1, 1, 0, 0, 1}},
};

static void test_policy_table(void **state)
{
    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        for (int c = 0; c < 9; c++) {
            int got =
                tcpsift_overlap_new_wins(rows[r].p, case_bounds[c][0], case_bounds[c][1], 100, 200);
            if (got != rows[r].new_wins[c])
                fail_msg("policy %s case %d: got %d want %d",
                         tcpsift_overlap_policy_name(rows[r].p), c, got, rows[r].new_wins[c]);
        }
    }
    assert_int_equal(sizeof(rows) / sizeof(rows[0]), TCPSIFT_OVERLAP_COUNT_);
}

static void test_policy_names(void **state)
{
    (void)state;
    static const char *const names[] = {"first", "last",      "bsd",    "windows",
                                        "linux", "old_linux", "solaris"};
    for (unsigned i = 0; i < TCPSIFT_OVERLAP_COUNT_; i++) {
        tcpsift_overlap_policy p = TCPSIFT_OVERLAP_LAST;
        assert_string_equal(tcpsift_overlap_policy_name((tcpsift_overlap_policy)i), names[i]);
        assert_int_equal(tcpsift_overlap_policy_parse(names[i], &p), TCPSIFT_OK);
        assert_int_equal(p, i);
    }
    tcpsift_overlap_policy p = TCPSIFT_OVERLAP_BSD;
    assert_int_equal(tcpsift_overlap_policy_parse("vista", &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_overlap_policy_parse("", &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_overlap_policy_parse(NULL, &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(p, TCPSIFT_OVERLAP_BSD);
    assert_string_equal(tcpsift_overlap_policy_name(TCPSIFT_OVERLAP_COUNT_), "unknown");
    assert_int_equal(tcpsift_overlap_new_wins(TCPSIFT_OVERLAP_COUNT_, 0, 10, 5, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_table),
        cmocka_unit_test(test_policy_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
