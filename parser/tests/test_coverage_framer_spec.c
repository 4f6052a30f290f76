/* Framing configuration checks the spec tests leave out (found by fuzz/coverage.sh): a
 * tcpsift_framer_config built by hand and given to tcpsift_framer_init() is held to the same
 * rules as a parsed SPEC (each rule rejected one at a time, each boundary accepted), and the
 * spec parser's remaining malformed inputs and its `why` buffer handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/framer.h"

static tcpsift_framer_config parsed(const char *spec)
{
    tcpsift_framer_config c;
    char why[128];
    assert_int_equal(tcpsift_framer_spec_parse(spec, &c, why, sizeof why), TCPSIFT_OK);
    return c;
}

static tcpsift_error init_with(const tcpsift_framer_config *c)
{
    tcpsift_framer f;
    tcpsift_error e = tcpsift_framer_init(&f, c, TCPSIFT_FRAMER_COPY_TAIL, NULL);
    if (e == TCPSIFT_OK) tcpsift_framer_destroy(&f);
    return e;
}

#define REJECTED(c) assert_int_equal(init_with(&(c)), TCPSIFT_E_INVALID_ARGUMENT)
#define ACCEPTED(c) assert_int_equal(init_with(&(c)), TCPSIFT_OK)

static void test_init_checks_max(void **state)
{
    (void)state;
    tcpsift_framer_config c = parsed("line");
    ACCEPTED(c);
    c.max = 0;
    REJECTED(c);
    c.max = TCPSIFT_FRAMER_MAX_MAX + 1;
    REJECTED(c);
    c.max = TCPSIFT_FRAMER_MAX_MAX;
    ACCEPTED(c);
}

static void test_init_checks_length_fields(void **state)
{
    (void)state;
    tcpsift_framer_config base = parsed("len:4"), c;
    c = base;
    c.width = 5;
    REJECTED(c);
    /* offset plus the field must fit in max: 6 + 4 > 9 ... */
    c = base;
    c.max = 9;
    c.header_offset = 6;
    REJECTED(c);
    c.header_offset = 10; /* past max on its own */
    REJECTED(c);
    c.header_offset = 5; /* 5 + 4 == 9: accepted */
    ACCEPTED(c);
    /* |adjust| <= 2^62. */
    c = base;
    c.adjust = (INT64_C(1) << 62) + 1;
    REJECTED(c);
    c.adjust = -(INT64_C(1) << 62) - 1;
    REJECTED(c);
    c.adjust = INT64_C(1) << 62;
    ACCEPTED(c);
    c.adjust = -(INT64_C(1) << 62);
    ACCEPTED(c);
    /* varint is len's alone. */
    c = parsed("json-header:2");
    c.width = 0;
    REJECTED(c);
}

static void test_init_checks_json_header(void **state)
{
    (void)state;
    tcpsift_framer_config base = parsed("json-header:2,key=length"), c;
    ACCEPTED(base);
    c = base;
    c.key_len = 0;
    REJECTED(c);
    c = base;
    c.key_len = TCPSIFT_FRAMER_MAX_KEY + 1;
    REJECTED(c);
    c = base;
    c.key_len = 5; /* "length" is 6 bytes: the length must agree with the string */
    REJECTED(c);
    c = base;
    memset(c.key, 'k', TCPSIFT_FRAMER_MAX_KEY);
    c.key[TCPSIFT_FRAMER_MAX_KEY] = '\0';
    c.key_len = TCPSIFT_FRAMER_MAX_KEY;
    ACCEPTED(c);
    c = base;
    c.header_offset = 1;
    REJECTED(c);
    c = base;
    c.adjust = -1;
    REJECTED(c);
}

static void test_init_checks_delimiters_and_kind(void **state)
{
    (void)state;
    tcpsift_framer_config c = parsed("line");
    c.delim_len = 2;
    REJECTED(c);
    c = parsed("line");
    c.delim[0] = '\r';
    REJECTED(c);
    c = parsed("delim:00");
    c.delim_len = 0;
    REJECTED(c);
    c.delim_len = TCPSIFT_FRAMER_MAX_DELIM + 1;
    REJECTED(c);
    c.delim_len = TCPSIFT_FRAMER_MAX_DELIM;
    ACCEPTED(c);
    c = parsed("len:1");
    c.kind = (tcpsift_framer_kind)(TCPSIFT_FRAMER_JSON_HEADER + 1);
    REJECTED(c);
}

/* Malformed specs not in test_framer_spec.c, each with the reason it gets. */
static void test_spec_reasons(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *why;
    } cases[] = {
        {"len:9", "width must be 1, 2, 3, 4, 8 or varint"},    /* digit above the limit */
        {"len:4,max=-1", "max must be an integer in 1..2^62"}, /* sign is not a digit */
        {"len:4,offset=x", "offset must be an integer >= 0"},
        {"len:4,adjust=1,adjust=1", "adjust given twice"},
        {"len:4,adjust=", "adjust must be an integer, |adjust| <= 2^62"},
        {"len:4,adjust=+", "adjust must be an integer, |adjust| <= 2^62"},
        {"delim:0z", "delim HEX has a non-hex digit"}, /* bad low digit */
        {"delim:+a", "delim HEX has a non-hex digit"}, /* below '0' */
        {"delim:0:", "delim HEX has a non-hex digit"}, /* between '9' and 'A' */
        {"delim:0G", "delim HEX has a non-hex digit"}, /* past 'F' */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcpsift_framer_config c;
        char why[128] = "untouched";
        assert_int_equal(tcpsift_framer_spec_parse(cases[i].spec, &c, why, sizeof why),
                         TCPSIFT_E_INVALID_ARGUMENT);
        assert_string_equal(why, cases[i].why);
    }
    /* Upper-case hex and signed adjust are accepted. */
    tcpsift_framer_config c = parsed("delim:0D0A");
    assert_int_equal(c.delim_len, 2);
    assert_memory_equal(c.delim, "\r\n", 2);
    c = parsed("len:2,adjust=+7");
    assert_int_equal(c.adjust, 7);
}

/* `why` is optional: NULL or a zero length is never written. */
static void test_spec_why_optional(void **state)
{
    (void)state;
    tcpsift_framer_config c;
    char why[16] = "untouched";
    assert_int_equal(tcpsift_framer_spec_parse("len:5", &c, NULL, 0), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_framer_spec_parse("len:5", &c, why, 0), TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(why, "untouched");
    assert_int_equal(tcpsift_framer_spec_parse("len:4", NULL, why, sizeof why),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(why, "missing spec");
    /* A short buffer gets a truncated, terminated reason. */
    assert_int_equal(tcpsift_framer_spec_parse("len:5", &c, why, 6), TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(why, "width");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_checks_max),
        cmocka_unit_test(test_init_checks_length_fields),
        cmocka_unit_test(test_init_checks_json_header),
        cmocka_unit_test(test_init_checks_delimiters_and_kind),
        cmocka_unit_test(test_spec_reasons),
        cmocka_unit_test(test_spec_why_optional),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
