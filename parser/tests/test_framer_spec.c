/* SPEC string parsing: every contract form with its fields, and the
 * rejections (each with a reason). */
#include "test_framer_support.h"

static void test_spec_len_forms(void **state)
{
    (void)state;
    tcpsift_framer_config c = parse_spec("len:4:be");
    assert_int_equal(c.kind, TCPSIFT_FRAMER_LENGTH);
    assert_int_equal(c.width, 4);
    assert_int_equal(c.big_endian, 1);
    assert_int_equal(c.header_offset, 0);
    assert_int_equal(c.adjust, 0);
    assert_int_equal(c.max, 16 * 1024 * 1024);
    c = parse_spec("len:2:le,offset=3,adjust=-5,max=100");
    assert_int_equal(c.width, 2);
    assert_int_equal(c.big_endian, 0);
    assert_int_equal(c.header_offset, 3);
    assert_true(c.adjust == -5);
    assert_int_equal(c.max, 100);
    c = parse_spec("len:8,max=8,adjust=+4");
    assert_int_equal(c.width, 8);
    assert_int_equal(c.big_endian, 1);
    assert_true(c.adjust == 4);
    c = parse_spec("len:varint");
    assert_int_equal(c.width, 0);
    c = parse_spec("len:1");
    assert_int_equal(c.width, 1);
    c = parse_spec("len:3,max=4611686018427387904");
    assert_int_equal(c.width, 3);
    assert_true(c.max == (UINT64_C(1) << 62));
}

static void test_spec_other_forms(void **state)
{
    (void)state;
    tcpsift_framer_config c = parse_spec("line");
    assert_int_equal(c.kind, TCPSIFT_FRAMER_LINE);
    assert_int_equal(c.delim_len, 1);
    assert_int_equal(c.delim[0], '\n');
    assert_int_equal(c.max, 16 * 1024 * 1024);
    c = parse_spec("line,max=80");
    assert_int_equal(c.max, 80);
    c = parse_spec("delim:0D0a00ff");
    assert_int_equal(c.kind, TCPSIFT_FRAMER_DELIM);
    assert_int_equal(c.delim_len, 4);
    assert_memory_equal(c.delim, "\r\n\x00\xff", 4);
    c = parse_spec("json-header:4");
    assert_int_equal(c.kind, TCPSIFT_FRAMER_JSON_HEADER);
    assert_int_equal(c.width, 4);
    assert_string_equal(c.key, "size");
    assert_int_equal(c.key_len, 4);
    c = parse_spec("json-header:2:le,key=content-length,max=9");
    assert_int_equal(c.big_endian, 0);
    assert_string_equal(c.key, "content-length");
    assert_int_equal(c.max, 9);
}

static void test_spec_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "len",
        "len:",
        "len:5",
        "len:0",
        "len:16",
        "len:varint:be",
        "len:4:xe",
        "len:4,max=0",
        "len:4,max=",
        "len:4,max=4611686018427387905",
        "len:4,max=99999999999999999999999",
        "len:4,offset=8,max=10",
        "len:4,adjust=abc",
        "len:4,adjust=-",
        "len:4,adjust=9999999999999999999",
        "len:4,max=1,max=2",
        "len:4,offset=1,offset=1",
        "len:4,bogus=1",
        "len:4,max",
        "len:4,",
        "len:4,key=size",
        "line:x",
        "line,offset=1",
        "delim",
        "delim:",
        "delim:0",
        "delim:zz",
        "delim:0a,adjust=1",
        ("delim:00000000000000000000000000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000000000000000000000"), /* 65 bytes */
        "json-header",
        "json-header:varint",
        "json-header:2,key=",
        "json-header:2,offset=1",
        "json-header:2,key=a,key=b",
        ("json-header:2,key=0123456789012345678901234567890123456789012345678901234567890123"
         "4"),
        "udp",
        "LEN:4",
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        tcpsift_framer_config c;
        char why[128] = "untouched";
        tcpsift_error e = tcpsift_framer_spec_parse(bad[i], &c, why, sizeof why);
        if (e != TCPSIFT_E_INVALID_ARGUMENT) fail_msg("spec \"%s\" accepted", bad[i]);
        assert_true(why[0] != '\0' && strcmp(why, "untouched") != 0);
    }
    tcpsift_framer_config c;
    assert_int_equal(tcpsift_framer_spec_parse(NULL, &c, NULL, 0), TCPSIFT_E_INVALID_ARGUMENT);
    /* 64 delimiter bytes are accepted, a reason buffer is optional. */
    char spec[6 + 128 + 1] = "delim:";
    memset(spec + 6, 'a', 128);
    spec[134] = '\0';
    assert_int_equal(tcpsift_framer_spec_parse(spec, &c, NULL, 0), TCPSIFT_OK);
    assert_int_equal(c.delim_len, 64);
}

static void test_spec_names(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_TRUNCATED), "truncated");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_DESYNC), "desync");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_TOO_LONG), "too_long");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_BAD_LENGTH), "bad_length");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_INCOMPLETE), "incomplete");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_OK), "");
    assert_string_equal(tcpsift_frame_part_name(TCPSIFT_FRAME_WHOLE), "whole");
    assert_string_equal(tcpsift_frame_part_name(TCPSIFT_FRAME_HEADER), "header");
    assert_string_equal(tcpsift_frame_part_name(TCPSIFT_FRAME_BODY), "body");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_len_forms),
        cmocka_unit_test(test_spec_other_forms),
        cmocka_unit_test(test_spec_rejects),
        cmocka_unit_test(test_spec_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
