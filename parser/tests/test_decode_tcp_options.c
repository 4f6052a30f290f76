/* TCP options (RFC 9293 §3.1, RFC 7323, RFC 2018, RFC 7413, RFC 2385, RFC 5482, RFC 8684):
 * byte-exact vectors for every kind, every wrong length, truncation by the snap length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_guard.h"
#include "support_packets.h"
#include "tcp_options_internal.h"
#include "tcpsift/decode.h"

#define L4 34 /* Ethernet 14 + IPv4 20 */

/* Parse `raw` placed to end at the guard page; the copy stays mapped until g is released. */
static tcpsift_error parse_at_guard(struct guard_buf *g, const uint8_t **copy,
                                    tcpsift_tcp_options *o, const uint8_t *raw, size_t len)
{
    *copy = guard_place(g, raw, len);
    assert_non_null(*copy);
    memset(o, 0xA5, sizeof *o); /* the parser must reset every field */
    return tcpsift_tcp_options_parse(o, *copy, len);
}

/* Parse `raw` directly and inside a whole frame (option space padded with EOL); both must give
 * `want`. The direct parse's result is left in *o with its copy kept in g. */
static void parse_both(struct guard_buf *g, const uint8_t **copy, tcpsift_tcp_options *o,
                       const uint8_t *raw, size_t len, tcpsift_error want)
{
    assert_int_equal(parse_at_guard(g, copy, o, raw, len), want);
    assert_int_equal(o->error, want);
    if (len > 40) return;
    /* Pad with NOPs (not EOL) so the frame's options mean exactly what `raw` means. */
    uint8_t padded[40];
    memcpy(padded, raw, len);
    while (len % 4)
        padded[len++] = TCPSIFT_OPTKIND_NOP;
    struct tcp_spec t = tcp_default();
    t.opts = padded;
    t.opts_len = len;
    t.payload = (const uint8_t *)"xy";
    t.payload_len = 2;
    struct pb p;
    build_eth_ipv4_tcp(&p, &t);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, want);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(!!(d.pkt.layers & TCPSIFT_LAYER_TCP_OPTIONS), want == TCPSIFT_OK);
    assert_int_equal(d.pkt.tcp_header_len, 20 + len);
    assert_int_equal(d.pkt.opts.present, o->present);
    assert_int_equal(d.pkt.opts.error, o->error);
    assert_int_equal(d.pkt.opts.error_offset, o->error_offset);
    assert_ptr_equal(d.pkt.tcp_options_raw.ptr, d.frame + L4 + 20);
    assert_memory_equal(d.pkt.payload.ptr, "xy", 2);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void expect_ok(tcpsift_tcp_options *o, const uint8_t *raw, size_t len, uint32_t present)
{
    struct guard_buf g;
    const uint8_t *copy;
    parse_both(&g, &copy, o, raw, len, TCPSIFT_OK);
    assert_int_equal(o->present, present);
    guard_release(&g);
}

static void test_eol_and_nop(void **state)
{
    (void)state;
    tcpsift_tcp_options o;
    /* EOL, then what would be an MSS option: padding, ignored. */
    static const uint8_t eol[8] = {0x00, 0x02, 0x04, 0x05, 0xb4, 0xAA, 0x01, 0xFF};
    expect_ok(&o, eol, sizeof eol, TCPSIFT_OPT_EOL);
    assert_int_equal(o.mss, 0);
    static const uint8_t nops[4] = {1, 1, 1, 1};
    expect_ok(&o, nops, 4, 0);
    static const uint8_t nop_eol[4] = {1, 1, 0, 0};
    expect_ok(&o, nop_eol, 4, TCPSIFT_OPT_EOL);
}

static void test_mss_wscale_sackperm(void **state)
{
    (void)state;
    tcpsift_tcp_options o;
    static const uint8_t mss[4] = {0x02, 0x04, 0x05, 0xb4};
    expect_ok(&o, mss, 4, TCPSIFT_OPT_MSS);
    assert_int_equal(o.mss, 1460);
    static const uint8_t ws[4] = {0x01, 0x03, 0x03, 0x0e};
    expect_ok(&o, ws, 4, TCPSIFT_OPT_WSCALE);
    assert_int_equal(o.wscale, 14);
    static const uint8_t ws15[4] = {0x01, 0x03, 0x03, 0x0f}; /* kept as sent, not clamped */
    expect_ok(&o, ws15, 4, TCPSIFT_OPT_WSCALE);
    assert_int_equal(o.wscale, 15);
    static const uint8_t sp[4] = {0x01, 0x01, 0x04, 0x02};
    expect_ok(&o, sp, 4, TCPSIFT_OPT_SACK_PERM);
    /* A Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale 7. */
    static const uint8_t syn[20] = {0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x9a, 0x3b,
                                    0x1c, 0x22, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
    expect_ok(&o, syn, 20,
              TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM | TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_WSCALE);
    assert_int_equal(o.mss, 65495);
    assert_int_equal(o.tsval, 0x9a3b1c22);
    assert_int_equal(o.tsecr, 0);
    assert_int_equal(o.wscale, 7);
}

static void test_sack_blocks(void **state)
{
    (void)state;
    for (size_t blocks = 1; blocks <= 4; blocks++) {
        uint8_t raw[40] = {1, 1, 5, (uint8_t)(2 + 8 * blocks)};
        for (size_t i = 0; i < 8 * blocks; i++)
            raw[4 + i] = (uint8_t)(0x10 + i);
        tcpsift_tcp_options o;
        expect_ok(&o, raw, 4 + 8 * blocks, TCPSIFT_OPT_SACK);
        assert_int_equal(o.sack_count, blocks);
        for (size_t b = 0; b < blocks; b++) {
            uint8_t l0 = (uint8_t)(0x10 + 8 * b), r0 = (uint8_t)(l0 + 4);
            uint32_t left = (uint32_t)l0 << 24 | (uint32_t)(l0 + 1) << 16 |
                            (uint32_t)(l0 + 2) << 8 | (uint32_t)(l0 + 3);
            uint32_t right = (uint32_t)r0 << 24 | (uint32_t)(r0 + 1) << 16 |
                             (uint32_t)(r0 + 2) << 8 | (uint32_t)(r0 + 3);
            assert_int_equal(o.sack[b][0], left);
            assert_int_equal(o.sack[b][1], right);
        }
    }
    /* An exact vector: one block [1000, 2000). */
    static const uint8_t one[12] = {1, 1, 5, 10, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0};
    tcpsift_tcp_options o;
    expect_ok(&o, one, 12, TCPSIFT_OPT_SACK);
    assert_int_equal(o.sack[0][0], 1000);
    assert_int_equal(o.sack[0][1], 2000);
    /* Five blocks need 42 bytes: impossible inside a header, rejected when parsed directly. */
    uint8_t five[42] = {5, 42};
    struct guard_buf g;
    const uint8_t *copy;
    assert_int_equal(parse_at_guard(&g, &copy, &o, five, 42), TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_int_equal(o.error_offset, 0);
    assert_false(o.present & TCPSIFT_OPT_SACK);
    guard_release(&g);
    /* Empty SACK (length 2). */
    static const uint8_t empty[4] = {1, 1, 5, 2};
    parse_both(&g, &copy, &o, empty, 4, TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_int_equal(o.error_offset, 2);
    guard_release(&g);
}

static void test_predicted_layouts_then_more(void **state)
{
    (void)state;
    /* The layouts recognised by one compare each (Linux's SYN; NOP, NOP, timestamps) followed
     * by more options: the general loop goes on after them. */
    tcpsift_tcp_options o;
    static const uint8_t syn_mptcp[28] = {
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0,    0,    0,    5,    0,    0,
        0,    6,    0x01, 0x03, 0x03, 0x02, 0x01, 0x01, 0x1e, 0x04, 0x00, 0x81, 0x01, 0x01};
    expect_ok(&o, syn_mptcp, sizeof syn_mptcp,
              TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM | TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_WSCALE |
                  TCPSIFT_OPT_MPTCP);
    assert_int_equal(o.mss, 1460);
    assert_int_equal(o.tsval, 5);
    assert_int_equal(o.tsecr, 6);
    assert_int_equal(o.wscale, 2);
    assert_int_equal(o.mptcp.len, 2);
    static const uint8_t ts_eol[16] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0x02, 0x04, 0x05};
    expect_ok(&o, ts_eol, 16, TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_EOL);
    assert_int_equal(o.mss, 0);
}

static void test_predicted_layout_lookalikes(void **state)
{
    (void)state;
    /* One byte off Linux's SYN layout: the general loop reports what is wrong, where. */
    static const uint8_t syn[20] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0,    0,
                                    0,    1,    0,    0,    0,    0,    0x01, 0x03, 0x03, 0x07};
    struct {
        size_t at;
        uint8_t value;
        tcpsift_error want;
        uint8_t offset;
    } cases[] = {
        {1, 0x05, TCPSIFT_E_BAD_OPTION_LENGTH, 0},   /* MSS length 5 */
        {5, 0x03, TCPSIFT_E_BAD_OPTION_LENGTH, 4},   /* SACK-permitted length 3 */
        {7, 0x09, TCPSIFT_E_BAD_OPTION_LENGTH, 6},   /* timestamps length 9 */
        {18, 0x04, TCPSIFT_E_BAD_OPTION_LENGTH, 17}, /* window scale length 4 */
        {16, 0x00, TCPSIFT_OK, 0},                   /* EOL before the window scale */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t v[20];
        memcpy(v, syn, sizeof v);
        v[cases[i].at] = cases[i].value;
        struct guard_buf g;
        const uint8_t *copy;
        tcpsift_tcp_options o;
        parse_both(&g, &copy, &o, v, sizeof v, cases[i].want);
        assert_int_equal(o.error_offset, cases[i].offset);
        if (cases[i].want == TCPSIFT_OK) {
            assert_int_equal(o.present, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM |
                                            TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_EOL);
            assert_int_equal(o.wscale, 0);
        }
        guard_release(&g);
    }
    /* Cut by the snap length anywhere: truncated, with the options before the cut. */
    for (size_t k = 0; k < sizeof syn; k++) {
        tcpsift_tcp_options o;
        memset(&o, 0xA5, sizeof o);
        struct guard_buf g;
        const uint8_t *copy = guard_place(&g, syn, k);
        assert_non_null(copy);
        assert_int_equal(tcp_options_parse_bounded(&o, copy, k, sizeof syn),
                         TCPSIFT_E_TRUNCATED_TCP_OPTIONS);
        uint32_t want = (k >= 4 ? TCPSIFT_OPT_MSS : 0) | (k >= 6 ? TCPSIFT_OPT_SACK_PERM : 0) |
                        (k >= 16 ? TCPSIFT_OPT_TIMESTAMP : 0);
        assert_int_equal(o.present, want);
        guard_release(&g);
    }
}

static void test_timestamps(void **state)
{
    (void)state;
    static const uint8_t ts[12] = {1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x01, 0x00};
    tcpsift_tcp_options o;
    expect_ok(&o, ts, 12, TCPSIFT_OPT_TIMESTAMP);
    assert_int_equal(o.tsval, 0xdeadbeef);
    assert_int_equal(o.tsecr, 256);
}

static void test_tfo(void **state)
{
    (void)state;
    struct guard_buf g;
    const uint8_t *copy;
    tcpsift_tcp_options o;
    /* Kind 34, cookie request (RFC 7413 §4.1.1). */
    static const uint8_t req[4] = {34, 2, 1, 1};
    parse_both(&g, &copy, &o, req, 4, TCPSIFT_OK);
    assert_int_equal(o.present, TCPSIFT_OPT_TFO);
    assert_int_equal(o.tfo_kind, 34);
    assert_int_equal(o.tfo_cookie.len, 0);
    guard_release(&g);
    /* Cookies of 4, 8 and 16 bytes. */
    static const size_t cookie_lens[] = {4, 8, 16};
    for (size_t i = 0; i < 3; i++) {
        uint8_t raw[20] = {34, (uint8_t)(2 + cookie_lens[i])};
        for (size_t j = 0; j < cookie_lens[i]; j++)
            raw[2 + j] = (uint8_t)(0xC0 + j);
        parse_both(&g, &copy, &o, raw, 2 + cookie_lens[i], TCPSIFT_OK);
        assert_int_equal(o.present, TCPSIFT_OPT_TFO);
        assert_int_equal(o.tfo_kind, 34);
        assert_ptr_equal(o.tfo_cookie.ptr, copy + 2); /* a view, not a copy */
        assert_int_equal(o.tfo_cookie.len, cookie_lens[i]);
        assert_memory_equal(o.tfo_cookie.ptr, raw + 2, cookie_lens[i]);
        guard_release(&g);
    }
    /* Kind 254 with the experiment id 0xF989: request, then an 8-byte cookie. */
    static const uint8_t exp_req[4] = {254, 4, 0xF9, 0x89};
    parse_both(&g, &copy, &o, exp_req, 4, TCPSIFT_OK);
    assert_int_equal(o.present, TCPSIFT_OPT_TFO);
    assert_int_equal(o.tfo_kind, 254);
    assert_int_equal(o.tfo_cookie.len, 0);
    guard_release(&g);
    static const uint8_t exp_cookie[12] = {254, 12, 0xF9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8};
    parse_both(&g, &copy, &o, exp_cookie, 12, TCPSIFT_OK);
    assert_int_equal(o.tfo_kind, 254);
    assert_ptr_equal(o.tfo_cookie.ptr, copy + 4);
    assert_int_equal(o.tfo_cookie.len, 8);
    guard_release(&g);
    /* Kind 254 with another experiment id (or none): an unknown option. */
    static const uint8_t other_exp[4] = {254, 4, 0x12, 0x34};
    parse_both(&g, &copy, &o, other_exp, 4, TCPSIFT_OK);
    assert_int_equal(o.present, TCPSIFT_OPT_UNKNOWN);
    assert_int_equal(o.unknown_count, 1);
    assert_int_equal(o.unknown_kinds[0], 254);
    guard_release(&g);
    static const uint8_t bare_exp[4] = {1, 1, 254, 2};
    parse_both(&g, &copy, &o, bare_exp, 4, TCPSIFT_OK);
    assert_int_equal(o.present, TCPSIFT_OPT_UNKNOWN);
    assert_int_equal(o.unknown_kinds[0], 254);
    guard_release(&g);
}

static void test_md5_uto_mptcp(void **state)
{
    (void)state;
    struct guard_buf g;
    const uint8_t *copy;
    tcpsift_tcp_options o;
    uint8_t md5[20] = {1, 1, 19, 18};
    for (size_t i = 0; i < 16; i++)
        md5[4 + i] = (uint8_t)(0x50 + i);
    parse_both(&g, &copy, &o, md5, 20, TCPSIFT_OK);
    assert_int_equal(o.present, TCPSIFT_OPT_MD5);
    assert_ptr_equal(o.md5_digest.ptr, copy + 4);
    assert_int_equal(o.md5_digest.len, 16);
    guard_release(&g);

    static const uint8_t uto[4] = {28, 4, 0x80, 0x0A}; /* granularity bit: minutes, 10 */
    parse_both(&g, &copy, &o, uto, 4, TCPSIFT_OK);
    assert_int_equal(o.present, TCPSIFT_OPT_USER_TIMEOUT);
    assert_int_equal(o.user_timeout, 0x800A);
    guard_release(&g);

    /* MP_CAPABLE (subtype 0, version 1) with the sender's key. */
    static const uint8_t mp[12] = {30, 12, 0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8};
    parse_both(&g, &copy, &o, mp, 12, TCPSIFT_OK);
    assert_int_equal(o.present, TCPSIFT_OPT_MPTCP);
    assert_ptr_equal(o.mptcp.ptr, copy + 2);
    assert_int_equal(o.mptcp.len, 10);
    guard_release(&g);
    static const uint8_t mp_short[4] = {1, 30, 3, 0x20}; /* shortest: subtype nibble only */
    parse_both(&g, &copy, &o, mp_short, 4, TCPSIFT_OK);
    assert_int_equal(o.mptcp.len, 1);
    guard_release(&g);
}

static void test_unknown_in_order(void **state)
{
    (void)state;
    static const uint8_t raw[12] = {9, 2, 1, 14, 3, 0, 0xAA, 2, 27, 4, 0, 0};
    tcpsift_tcp_options o;
    expect_ok(&o, raw, 12, TCPSIFT_OPT_UNKNOWN);
    assert_int_equal(o.unknown_count, 4);
    assert_int_equal(o.unknown_kinds[0], 9);
    assert_int_equal(o.unknown_kinds[1], 14);
    assert_int_equal(o.unknown_kinds[2], 0xAA);
    assert_int_equal(o.unknown_kinds[3], 27);
    /* Known and unknown mixed. */
    static const uint8_t mix[8] = {0x99, 2, 2, 4, 0x05, 0xdc, 0x77, 2};
    expect_ok(&o, mix, 8, TCPSIFT_OPT_UNKNOWN | TCPSIFT_OPT_MSS);
    assert_int_equal(o.mss, 1500);
    assert_int_equal(o.unknown_count, 2);
    assert_int_equal(o.unknown_kinds[0], 0x99);
    assert_int_equal(o.unknown_kinds[1], 0x77);
    /* Twenty 2-byte unknown options fill the 40-byte space; a 21st (direct parse) is counted
     * no further. */
    uint8_t many[42];
    for (size_t i = 0; i < 21; i++) {
        many[2 * i] = (uint8_t)(100 + i);
        many[2 * i + 1] = 2;
    }
    expect_ok(&o, many, 40, TCPSIFT_OPT_UNKNOWN);
    assert_int_equal(o.unknown_count, 20);
    assert_int_equal(o.unknown_kinds[19], 119);
    struct guard_buf g;
    const uint8_t *copy;
    assert_int_equal(parse_at_guard(&g, &copy, &o, many, 42), TCPSIFT_OK);
    assert_int_equal(o.unknown_count, TCPSIFT_MAX_UNKNOWN_OPTIONS);
    assert_int_equal(o.unknown_kinds[19], 119);
    guard_release(&g);
}

static void test_wrong_length_for_each_kind(void **state)
{
    (void)state;
    static const struct {
        uint8_t kind;
        uint8_t lens[6];
        size_t n;
    } cases[] = {
        {TCPSIFT_OPTKIND_MSS, {2, 3, 5, 6}, 4},
        {TCPSIFT_OPTKIND_WSCALE, {2, 4, 5}, 3},
        {TCPSIFT_OPTKIND_SACK_PERM, {3, 4}, 2},
        {TCPSIFT_OPTKIND_SACK, {2, 3, 9, 11, 17, 19}, 6},
        {TCPSIFT_OPTKIND_TIMESTAMP, {2, 8, 9, 11, 12}, 5},
        {TCPSIFT_OPTKIND_MD5, {2, 16, 17, 19, 20}, 5},
        {TCPSIFT_OPTKIND_USER_TIMEOUT, {2, 3, 5, 6}, 4},
        {TCPSIFT_OPTKIND_MPTCP, {2}, 1},
        {TCPSIFT_OPTKIND_TFO, {3, 4, 5, 19, 20}, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t j = 0; j < cases[i].n; j++) {
            /* NOP, MSS 536, then the bad option at offset 5; the space is 40 bytes of EOL
             * after it, so the length never runs past the space. */
            uint8_t raw[40] = {1, 2, 4, 0x02, 0x18, cases[i].kind, cases[i].lens[j]};
            struct guard_buf g;
            const uint8_t *copy;
            tcpsift_tcp_options o;
            parse_both(&g, &copy, &o, raw, 40, TCPSIFT_E_BAD_OPTION_LENGTH);
            assert_int_equal(o.error_offset, 5);
            assert_int_equal(o.present, TCPSIFT_OPT_MSS); /* the good option before it stays */
            assert_int_equal(o.mss, 536);
            guard_release(&g);
        }
    }
    /* TFO over kind 254 with the magic: cookie of 1..3 or 17 bytes. */
    static const uint8_t exp_lens[] = {5, 6, 7, 21};
    for (size_t j = 0; j < 4; j++) {
        uint8_t raw[40] = {254, exp_lens[j], 0xF9, 0x89};
        struct guard_buf g;
        const uint8_t *copy;
        tcpsift_tcp_options o;
        parse_both(&g, &copy, &o, raw, 40, TCPSIFT_E_BAD_OPTION_LENGTH);
        assert_int_equal(o.error_offset, 0);
        assert_int_equal(o.present, 0);
        guard_release(&g);
    }
}

static void test_malformed_lengths(void **state)
{
    (void)state;
    struct guard_buf g;
    const uint8_t *copy;
    tcpsift_tcp_options o;
    /* Length below 2, for a known and an unknown kind. */
    static const uint8_t len1[4] = {1, 2, 1, 0};
    parse_both(&g, &copy, &o, len1, 4, TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_int_equal(o.error_offset, 1);
    guard_release(&g);
    static const uint8_t len0[4] = {0xAA, 0, 1, 1};
    parse_both(&g, &copy, &o, len0, 4, TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_int_equal(o.error_offset, 0);
    assert_int_equal(o.unknown_count, 0);
    guard_release(&g);
    /* Timestamps at offset 2 claiming 10 bytes in an 8-byte space. */
    static const uint8_t past[8] = {1, 1, 8, 10, 0, 0, 0, 1};
    parse_both(&g, &copy, &o, past, 8, TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_int_equal(o.error_offset, 2);
    assert_int_equal(o.present, 0);
    guard_release(&g);
    /* An unknown kind whose length runs past the space. */
    static const uint8_t upast[4] = {1, 0x42, 4, 0};
    parse_both(&g, &copy, &o, upast, 4, TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_int_equal(o.error_offset, 1);
    guard_release(&g);
    /* A kind in the last byte of the space: its length byte does not exist. */
    static const uint8_t nolen[4] = {1, 1, 1, 2};
    parse_both(&g, &copy, &o, nolen, 4, TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_int_equal(o.error_offset, 3);
    guard_release(&g);
}

static void test_options_cut_by_snaplen(void **state)
{
    (void)state;
    /* MSS(0) SACK-perm(4) TS(6) NOP(16) WS(17): 20 bytes. */
    static const uint8_t opts[20] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0,    0,
                                     0,    1,    0,    0,    0,    0,    0x01, 0x03, 0x03, 0x07};
    struct tcp_spec t = tcp_default();
    t.opts = opts;
    t.opts_len = sizeof opts;
    struct pb p;
    build_eth_ipv4_tcp(&p, &t);
    static const struct {
        size_t captured;  /* option bytes captured */
        uint8_t offset;   /* error_offset */
        uint32_t present; /* options parsed before the cut */
    } cuts[] = {
        {0, 0, 0},
        {1, 0, 0},
        {3, 0, 0},
        {4, 4, TCPSIFT_OPT_MSS},
        {5, 4, TCPSIFT_OPT_MSS},
        {6, 6, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM},
        {15, 6, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM},
        {16, 16, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM | TCPSIFT_OPT_TIMESTAMP},
        {17, 17, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM | TCPSIFT_OPT_TIMESTAMP},
        {19, 17, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM | TCPSIFT_OPT_TIMESTAMP},
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        struct decoded d;
        decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, L4 + 20 + cuts[i].captured, p.len);
        assert_int_equal(d.rc, TCPSIFT_E_TRUNCATED_TCP_OPTIONS);
        assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP);
        assert_false(d.pkt.layers & TCPSIFT_LAYER_TCP_OPTIONS);
        assert_int_equal(d.pkt.tcp_header_len, 40);
        assert_int_equal(d.pkt.tcp_options_raw.len, cuts[i].captured);
        assert_int_equal(d.pkt.opts.error, TCPSIFT_E_TRUNCATED_TCP_OPTIONS);
        assert_int_equal(d.pkt.opts.error_offset, cuts[i].offset);
        assert_int_equal(d.pkt.opts.present, cuts[i].present);
        decoded_release(&d);
    }
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.opts.present, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM |
                                             TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_WSCALE);
    assert_int_equal(d.pkt.opts.tsval, 1);
    assert_int_equal(d.pkt.opts.wscale, 7);
    decoded_release(&d);
}

static void test_full_option_space(void **state)
{
    (void)state;
    /* NOP NOP SACK(4 blocks, 34 bytes) NOP NOP EOL EOL = 40 bytes, data offset 15. */
    uint8_t raw[40] = {1, 1, 5, 34};
    for (size_t i = 0; i < 32; i++)
        raw[4 + i] = (uint8_t)i;
    raw[36] = 1;
    raw[37] = 1;
    tcpsift_tcp_options o;
    expect_ok(&o, raw, 40, TCPSIFT_OPT_SACK | TCPSIFT_OPT_EOL);
    assert_int_equal(o.sack_count, 4);
    assert_int_equal(o.sack[3][1], 0x1C1D1E1F);
}

static void test_parse_api_edges(void **state)
{
    (void)state;
    static const uint8_t mss[4] = {2, 4, 1, 0};
    tcpsift_tcp_options o;
    assert_int_equal(tcpsift_tcp_options_parse(NULL, mss, 4), TCPSIFT_E_INVALID_ARGUMENT);
    memset(&o, 0xFF, sizeof o);
    assert_int_equal(tcpsift_tcp_options_parse(&o, NULL, 0), TCPSIFT_OK);
    assert_int_equal(o.present, 0);
    assert_int_equal(o.error, TCPSIFT_OK);
    memset(&o, 0xFF, sizeof o);
    assert_int_equal(tcpsift_tcp_options_parse(&o, NULL, 40), TCPSIFT_OK);
    assert_int_equal(o.present, 0);
    memset(&o, 0xFF, sizeof o);
    assert_int_equal(tcpsift_tcp_options_parse(&o, mss, 0), TCPSIFT_OK);
    assert_int_equal(o.present, 0);
    assert_int_equal(o.unknown_count, 0);
    assert_int_equal(tcpsift_tcp_options_parse(&o, mss, 4), TCPSIFT_OK);
    assert_int_equal(o.mss, 256);
    /* Every prefix of a valid list, parsed directly at the guard page: never a read past. */
    static const uint8_t syn[20] = {0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x9a, 0x3b,
                                    0x1c, 0x22, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
    static const tcpsift_error want[21] = {TCPSIFT_OK,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_OK,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_OK,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_OK,
                                           TCPSIFT_OK,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_E_BAD_OPTION_LENGTH,
                                           TCPSIFT_OK};
    for (size_t k = 0; k <= 20; k++) {
        struct guard_buf g;
        const uint8_t *copy;
        assert_int_equal(parse_at_guard(&g, &copy, &o, syn, k), want[k]);
        guard_release(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eol_and_nop),
        cmocka_unit_test(test_mss_wscale_sackperm),
        cmocka_unit_test(test_sack_blocks),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_predicted_layouts_then_more),
        cmocka_unit_test(test_predicted_layout_lookalikes),
        cmocka_unit_test(test_tfo),
        cmocka_unit_test(test_md5_uto_mptcp),
        cmocka_unit_test(test_unknown_in_order),
        cmocka_unit_test(test_wrong_length_for_each_kind),
        cmocka_unit_test(test_malformed_lengths),
        cmocka_unit_test(test_options_cut_by_snaplen),
        cmocka_unit_test(test_full_option_space),
        cmocka_unit_test(test_parse_api_edges),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
