/* JSON-header nesting through objects (fuzz/coverage.sh found only arrays reaching the depth
 * limit): a header whose members nest TCPSIFT_FRAMER_JSON_MAX_DEPTH objects deep is read, one
 * level more is bad_length (tcpsift/framer.h: a header that is not one valid JSON object,
 * nesting <= TCPSIFT_FRAMER_JSON_MAX_DEPTH). Through the public framer API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/framer.h"

struct seen {
    unsigned n;
    tcpsift_frame_part part[4];
    tcpsift_frame_error error[4];
    uint64_t offset[4], len[4];
    uint8_t body[4][16];
};

static void collect(void *ctx, const tcpsift_frame *fr)
{
    struct seen *s = ctx;
    assert_true(s->n < 4);
    s->part[s->n] = fr->part;
    s->error[s->n] = fr->error;
    s->offset[s->n] = fr->offset;
    s->len[s->n] = fr->len;
    tcpsift_frame_copy_body(fr, s->body[s->n], sizeof s->body[0]);
    s->n++;
}

/* One message: 2-byte length, {"size":7,"a":{"a":...0...}} with `nested` inner objects, body. */
static size_t message(uint8_t *out, size_t cap, int nested, size_t *json_len)
{
    char json[512];
    size_t n = (size_t)snprintf(json, sizeof json, "{\"size\":7,\"a\":");
    for (int i = 0; i < nested; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "{\"a\":");
    json[n++] = '0';
    for (int i = 0; i < nested; i++)
        json[n++] = '}';
    json[n++] = '}';
    assert_true(2 + n + 7 <= cap);
    out[0] = (uint8_t)(n >> 8);
    out[1] = (uint8_t)n;
    memcpy(out + 2, json, n);
    memcpy(out + 2 + n, "1234567", 7);
    *json_len = n;
    return 2 + n + 7;
}

static void run(int nested, struct seen *s, size_t *json_len)
{
    tcpsift_framer_config cfg;
    char why[100];
    assert_int_equal(tcpsift_framer_spec_parse("json-header:2", &cfg, why, sizeof why), TCPSIFT_OK);
    tcpsift_framer f;
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, NULL), TCPSIFT_OK);
    uint8_t msg[600];
    size_t len = message(msg, sizeof msg, nested, json_len);
    memset(s, 0, sizeof *s);
    assert_int_equal(tcpsift_framer_feed(&f, msg, len, collect, s), TCPSIFT_OK);
    tcpsift_framer_finish(&f, collect, s);
    tcpsift_framer_destroy(&f);
}

static void test_object_nesting_limit(void **state)
{
    (void)state;
    struct seen s;
    size_t jl;
    /* The top-level object plus 31 nested ones: 32 levels, accepted. */
    run(TCPSIFT_FRAMER_JSON_MAX_DEPTH - 1, &s, &jl);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.part[0], TCPSIFT_FRAME_HEADER);
    assert_int_equal(s.error[0], TCPSIFT_FRAME_OK);
    assert_int_equal(s.len[0], jl);
    assert_int_equal(s.part[1], TCPSIFT_FRAME_BODY);
    assert_int_equal(s.error[1], TCPSIFT_FRAME_OK);
    assert_int_equal(s.offset[1], 2 + jl);
    assert_int_equal(s.len[1], 7);
    assert_memory_equal(s.body[1], "1234567", 7);
    /* 33 levels: the header frame, then the body is bad_length and the direction stops. */
    run(TCPSIFT_FRAMER_JSON_MAX_DEPTH, &s, &jl);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.part[0], TCPSIFT_FRAME_HEADER);
    assert_int_equal(s.len[0], jl);
    assert_int_equal(s.part[1], TCPSIFT_FRAME_BODY);
    assert_int_equal(s.error[1], TCPSIFT_FRAME_BAD_LENGTH);
    assert_int_equal(s.offset[1], 2 + jl);
    assert_int_equal(s.len[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_nesting_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
