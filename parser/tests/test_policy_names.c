/* Every configuration policy's name and parse functions (parser/src/policy_names.c): each value
 * has the name the CLI and its man page use, written out here by hand, parse is the inverse of
 * name, and a bad value, name or pointer is refused without touching the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/reassembly.h"
#include "tcpsift/tracker.h"

/* One policy's expected names in enum order, and its two functions behind a common shape. */
#define CHECK_POLICY(type, prefix, ...)                                                            \
    do {                                                                                           \
        static const char *const expected[] = {__VA_ARGS__};                                       \
        const size_t n = sizeof expected / sizeof expected[0];                                     \
        for (size_t i = 0; i < n; i++) {                                                           \
            assert_string_equal(prefix##_name((type)i), expected[i]);                              \
            type parsed = (type)(n + 7);                                                           \
            assert_int_equal(prefix##_parse(expected[i], &parsed), TCPSIFT_OK);                    \
            assert_int_equal((int)parsed, (int)i);                                                 \
        }                                                                                          \
        assert_string_equal(prefix##_name((type)n), "unknown");                                    \
        assert_string_equal(prefix##_name((type)(unsigned)-1), "unknown");                         \
        type untouched = (type)(n + 7);                                                            \
        assert_int_equal(prefix##_parse("unknown", &untouched), TCPSIFT_E_INVALID_ARGUMENT);       \
        assert_int_equal(prefix##_parse("", &untouched), TCPSIFT_E_INVALID_ARGUMENT);              \
        assert_int_equal(prefix##_parse(NULL, &untouched), TCPSIFT_E_INVALID_ARGUMENT);            \
        /* a name is matched whole: neither a prefix nor an extension of one is taken */           \
        char longer[64] = {0};                                                                     \
        for (size_t k = 0; expected[0][k] && k < sizeof longer - 2; k++)                           \
            longer[k] = expected[0][k];                                                            \
        longer[strlen(longer)] = 'x';                                                              \
        assert_int_equal(prefix##_parse(longer, &untouched), TCPSIFT_E_INVALID_ARGUMENT);          \
        longer[strlen(longer) - 2] = '\0';                                                         \
        assert_int_equal(prefix##_parse(longer, &untouched), TCPSIFT_E_INVALID_ARGUMENT);          \
        assert_int_equal((int)untouched, (int)(n + 7));                                            \
        assert_int_equal(prefix##_parse(expected[0], NULL), TCPSIFT_E_INVALID_ARGUMENT);           \
    } while (0)

static void test_every_policy_round_trips(void **state)
{
    (void)state;
    CHECK_POLICY(tcpsift_checksum_policy, tcpsift_checksum_policy, "auto", "verify", "off");
    CHECK_POLICY(tcpsift_overlap_policy, tcpsift_overlap_policy, "first", "last", "bsd", "windows",
                 "linux", "old_linux", "solaris");
    CHECK_POLICY(tcpsift_urgent_policy, tcpsift_urgent_policy, "inline", "oob", "gap");
    CHECK_POLICY(tcpsift_ttl_policy, tcpsift_ttl_policy, "flag", "drop");
    CHECK_POLICY(tcpsift_ip_option_policy, tcpsift_ip_option_policy, "host", "accept");
    CHECK_POLICY(tcpsift_tcp_signature_policy, tcpsift_tcp_signature_policy, "host", "accept");
    CHECK_POLICY(tcpsift_link_multicast_policy, tcpsift_link_multicast_policy, "flag", "drop");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_policy_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
