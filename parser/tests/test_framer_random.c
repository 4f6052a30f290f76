/* Split invariance as a property over generated streams: for every framing
 * form, seeded random streams (biased towards lengths, delimiters and JSON
 * fragments so every path is reached) with random gaps give the same frames
 * fed at once, byte by byte and in random cuts, in both buffer modes. Also
 * checks invariants that hold for every frame (offsets increase, OK frames
 * carry exactly len bytes, only TRUNCATED/OK carry data). */
#include "test_framer_support.h"

static const char *const specs[] = {
    "len:1",
    "len:2,max=40",
    "len:2:le,offset=2,adjust=-4,max=30",
    "len:1,adjust=3,max=12",
    "len:varint,max=50",
    "len:3:le,adjust=-1",
    "len:4,max=64", /* the usual len:4:be: its own whole-frame loop (framer_length.c) */
    "len:4:be,max=9",
    "line,max=8",
    "delim:0d0a,max=6",
    "delim:616161,max=5",
    "delim:61626162,max=10",
    "json-header:1,max=30",
    "json-header:2:le,key=n,max=40",
};

static const char *const fragments[] = {
    "\x00",
    "\x01",
    "\x02",
    "\x05",
    "\x80",
    "\xff",
    "\r",
    "\n",
    "\r\n",
    "a",
    "aa",
    "ab",
    "b",
    "{\"size\":2}",
    "{\"n\":1}",
    "{\"size\":-1}",
    "{\"size\":1,\"size\":2}",
    "{\"x\":[1,{}],\"size\":0}",
    "\x0a{\"size\":3}",
    "\x07{\"n\":4}",
    "xyz",
    "\x00\x00\x00",
    "\x03\x00\x00",
    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
    "\x0a{\"size\":1}z",
    "\x07\x00{\"n\":2}zz",
    "\x0b{\"size\":-1}",
};

/* Well-formed len:4 (big-endian) messages, so bodies are reached: whole in one chunk, split
 * across chunks, empty (4 bytes, no body) and too long for the second spec's max. */
static const struct {
    const char *bytes;
    size_t len;
} len4_msgs[] = {{"\x00\x00\x00\x03"
                  "abc",
                  7},
                 {"\x00\x00\x00\x01"
                  "z",
                  5},
                 {"\x00\x00\x00\x00", 4},
                 {"\x00\x00\x00\x06"
                  "abcdef",
                  10},
                 {"\x00\x00\x01\x00", 4}};

/* Well-formed messages for the two json-header specs, so bodies are reached. */
static const char *const json1_msgs[] = {"\x0a{\"size\":3}abc", "\x0a{\"size\":1}z",
                                         "\x0a{\"size\":0}"};
static const char *const json2_msgs[] = {"\x07\x00{\"n\":2}zz", "\x07\x00{\"n\":0}",
                                         "\x09\x00{ \"n\":3 }abc"};

static void check_frame_invariants(const flog *l)
{
    uint64_t prev = 0;
    for (size_t i = 0; i < l->n; i++) {
        const rec *r = &l->v[i];
        assert_true(r->offset >= prev);
        prev = r->offset;
        switch (r->error) {
        case TCPSIFT_FRAME_OK:
            assert_true(r->body_len == r->len);
            break;
        case TCPSIFT_FRAME_TRUNCATED:
            assert_true(r->body_len < r->len);
            break;
        case TCPSIFT_FRAME_DESYNC:
        case TCPSIFT_FRAME_TOO_LONG:
        case TCPSIFT_FRAME_BAD_LENGTH:
        case TCPSIFT_FRAME_INCOMPLETE:
            assert_int_equal(r->body_len, 0);
            assert_int_equal(r->hdr_len, 0);
            break;
        }
    }
}

static void test_random_streams(void **state)
{
    (void)state;
    uint64_t seed = 0x1234567887654321u;
    for (size_t si = 0; si < NELEM(specs); si++) {
        tcpsift_framer_config cfg = parse_spec(specs[si]);
        for (int round = 0; round < 40; round++) {
            static uint8_t buf[512];
            step steps[16];
            size_t nsteps = 0, used = 0;
            int nparts = 1 + (int)(prng_next(&seed) % 5);
            for (int p = 0; p < nparts && nsteps < 15; p++) {
                size_t start = used;
                int nfrag = (int)(prng_next(&seed) % 24);
                for (int k = 0; k < nfrag; k++) {
                    const char *fr = fragments[prng_next(&seed) % NELEM(fragments)];
                    size_t n = fr[0] ? strlen(fr) : 1; /* "\x00" is one NUL byte */
                    if (cfg.kind == TCPSIFT_FRAMER_LENGTH && cfg.width == 4 &&
                        prng_next(&seed) % 8 != 0) {
                        size_t w = prng_next(&seed) % NELEM(len4_msgs);
                        fr = len4_msgs[w].bytes;
                        n = len4_msgs[w].len;
                    }
                    if (cfg.kind == TCPSIFT_FRAMER_JSON_HEADER && prng_next(&seed) % 8 != 0) {
                        size_t w = prng_next(&seed) % 3;
                        fr = cfg.width == 1 ? json1_msgs[w] : json2_msgs[w];
                        n = cfg.width == 1 ? strlen(fr) : 2 + strlen(fr + 2);
                    }
                    if (used + n > sizeof buf) break;
                    memcpy(buf + used, fr, n);
                    used += n;
                }
                steps[nsteps++] = (step){buf + start, used - start, 0};
                if (prng_next(&seed) % 3 == 0)
                    steps[nsteps++] = (step){NULL, 0, 1 + prng_next(&seed) % 6};
            }
            flog ref = {0};
            run_steps(&cfg, TCPSIFT_FRAMER_COPY_TAIL, steps, nsteps, (cutter){CUT_ONCE, 0, 0},
                      &ref);
            check_frame_invariants(&ref);
            for (int m = 0; m < 2; m++) {
                tcpsift_framer_mode mode = m ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL;
                char what[128];
                flog l = {0};
                run_steps(&cfg, mode, steps, nsteps, (cutter){CUT_FIXED, 1, 0}, &l);
                snprintf(what, sizeof what, "%s round %d mode %d bytewise", specs[si], round, m);
                assert_logs_equal(&ref, &l, what);
                flog_free(&l);
                for (int r = 0; r < 8; r++) {
                    run_steps(&cfg, mode, steps, nsteps,
                              (cutter){CUT_RANDOM, 0, prng_next(&seed) | 1}, &l);
                    snprintf(what, sizeof what, "%s round %d mode %d random %d", specs[si], round,
                             m, r);
                    assert_logs_equal(&ref, &l, what);
                    flog_free(&l);
                }
            }
            flog_free(&ref);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
