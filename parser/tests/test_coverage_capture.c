/* Capture reader paths test_capture.c leaves out (found by fuzz/coverage.sh): the NULL and
 * accessor contract of tcpsift/capture.h, and pcapng blocks too short for their fixed fields
 * (a Section Header Block without its version, an Interface Description Block without link
 * type or snap length, an obsolete Packet Block without its interface id), each with the
 * error the pcapng draft's structure implies and what the reader does afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/capture.h"
#include "tcpsift/decode.h"

/* A little-endian pcapng writer. */
struct ng {
    uint8_t b[1024];
    size_t len;
};
static void put32(struct ng *w, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        w->b[w->len++] = (uint8_t)(v >> (8 * i));
}
/* A block of `type` whose body is `body_len` bytes (a multiple of 4) from `body`. */
static void block(struct ng *w, uint32_t type, const void *body, size_t body_len)
{
    assert_int_equal(body_len % 4, 0);
    put32(w, type);
    put32(w, (uint32_t)(12 + body_len));
    if (body_len) memcpy(w->b + w->len, body, body_len);
    w->len += body_len;
    put32(w, (uint32_t)(12 + body_len));
}
static void shb(struct ng *w)
{
    uint8_t body[16] = {
        0x4D, 0x3C, 0x2B, 0x1A, 1,    0,    0,    0,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}; /* byte-order magic, 1.0, length unknown */
    block(w, 0x0A0D0D0A, body, sizeof body);
}
static void idb(struct ng *w, uint16_t linktype)
{
    uint8_t body[8] = {(uint8_t)linktype, (uint8_t)(linktype >> 8), 0, 0, 0, 0, 0, 0};
    block(w, 1, body, sizeof body);
}
static void epb(struct ng *w, uint32_t iface, const uint8_t *data, uint32_t len)
{
    size_t start = w->len;
    put32(w, 6);
    put32(w, 0);
    put32(w, iface);
    put32(w, 0);
    put32(w, 1000);
    put32(w, len);
    put32(w, len);
    memcpy(w->b + w->len, data, len);
    w->len += len;
    while (w->len % 4)
        w->b[w->len++] = 0;
    put32(w, (uint32_t)(w->len - start + 4));
    memcpy(w->b + start + 4, w->b + w->len - 4, 4);
}

static const uint8_t FRAME[6] = {1, 2, 3, 4, 5, 6};

/* tcpsift/capture.h: NULL reader or record is invalid_argument, NULL err is allowed, and the
 * accessors answer for a NULL reader without touching it. */
static void test_null_arguments_and_accessors(void **state)
{
    (void)state;
    struct ng w = {.len = 0};
    shb(&w);
    idb(&w, 1);
    epb(&w, 0, FRAME, sizeof FRAME);
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err = TCPSIFT_OK;
    assert_int_equal(tcpsift_capture_next(NULL, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_capture_linktype(NULL), -1);
    assert_int_equal(tcpsift_capture_at_end(NULL), 1);
    assert_int_equal(tcpsift_capture_is_pcapng(NULL), 0);

    assert_int_equal(tcpsift_capture_open(&r, w.b, w.len), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_is_pcapng(&r), 1);
    assert_int_equal(tcpsift_capture_at_end(&r), 0);
    err = TCPSIFT_OK;
    assert_int_equal(tcpsift_capture_next(&r, NULL, &err), -1);
    assert_int_equal(err, TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_capture_next(&r, NULL, NULL), -1);
    /* err may be NULL: the record is still read. */
    assert_int_equal(tcpsift_capture_next(&r, &rec, NULL), 1);
    assert_int_equal(rec.caplen, sizeof FRAME);
    assert_memory_equal(rec.data, FRAME, sizeof FRAME);
    assert_int_equal(rec.linktype, 1);
    assert_int_equal(tcpsift_capture_linktype(&r), 1);
    assert_int_equal(tcpsift_capture_at_end(&r), 0);
    assert_int_equal(tcpsift_capture_next(&r, &rec, NULL), 0);
    assert_int_equal(tcpsift_capture_at_end(&r), 1);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0); /* stays at the end */
    assert_int_equal(err, TCPSIFT_OK);
}

/* A first SHB whose body lacks the byte-order magic (the reader then sees the trailer where
 * the magic belongs), the version, or the section length is no capture at all. */
static void test_short_first_section_header(void **state)
{
    (void)state;
    static const uint8_t body[8] = {0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0};
    for (size_t n = 0; n <= 8; n += 4) {
        struct ng w = {.len = 0};
        block(&w, 0x0A0D0D0A, body, n);
        tcpsift_capture_reader r;
        assert_int_equal(tcpsift_capture_open(&r, w.b, w.len), TCPSIFT_E_NOT_A_CAPTURE);
        assert_int_equal(tcpsift_capture_at_end(&r), 1);
        assert_int_equal(tcpsift_capture_linktype(&r), -1);
    }
}

/* A later SHB too short for its version ends the file: bad_pcapng_block, fatal. */
static void test_short_later_section_header(void **state)
{
    (void)state;
    struct ng w = {.len = 0};
    shb(&w);
    idb(&w, 1);
    epb(&w, 0, FRAME, sizeof FRAME);
    uint8_t magic[4] = {0x4D, 0x3C, 0x2B, 0x1A};
    block(&w, 0x0A0D0D0A, magic, 4);
    epb(&w, 0, FRAME, sizeof FRAME);
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.len), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 1);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_BAD_PCAPNG_BLOCK);
    assert_int_equal(tcpsift_capture_at_end(&r), 1);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
}

/* An IDB without link type (empty body) or without snap length (4 bytes) is bad, but takes
 * its interface id: packets on it are unknown_interface, later interfaces keep their ids. */
static void test_short_interface_blocks(void **state)
{
    (void)state;
    struct ng w = {.len = 0};
    shb(&w);
    block(&w, 1, NULL, 0); /* interface 0: no fields */
    uint8_t four[4] = {1, 0, 0, 0};
    block(&w, 1, four, 4); /* interface 1: no snap length */
    idb(&w, 101);          /* interface 2: raw IP */
    epb(&w, 0, FRAME, sizeof FRAME);
    epb(&w, 1, FRAME, sizeof FRAME);
    epb(&w, 2, FRAME, sizeof FRAME);
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.len), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_BAD_PCAPNG_BLOCK);
    assert_int_equal(tcpsift_capture_at_end(&r), 0); /* recoverable */
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_BAD_PCAPNG_BLOCK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_UNKNOWN_INTERFACE);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_UNKNOWN_INTERFACE);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 1);
    assert_int_equal(rec.interface_id, 2);
    assert_int_equal(rec.linktype, 101);
    assert_int_equal(rec.frame_number, 1);
    assert_int_equal(tcpsift_capture_linktype(&r), 101);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
}

/* An obsolete Packet Block (pcapng Appendix A) with an empty body is bad; the next one reads. */
static void test_short_obsolete_packet_block(void **state)
{
    (void)state;
    struct ng w = {.len = 0};
    shb(&w);
    idb(&w, 1);
    block(&w, 2, NULL, 0);
    uint8_t pb[28] = {0};
    pb[8] = 7;                 /* timestamp low word */
    pb[12] = pb[16] = 6;       /* captured and original length */
    memcpy(pb + 20, FRAME, 6); /* data, padded to 8 */
    block(&w, 2, pb, sizeof pb);
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.len), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_BAD_PCAPNG_BLOCK);
    assert_int_equal(tcpsift_capture_at_end(&r), 0);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 1);
    assert_int_equal(rec.caplen, 6);
    assert_int_equal(rec.wirelen, 6);
    assert_memory_equal(rec.data, FRAME, 6);
    assert_int_equal(rec.interface_id, 0);
    assert_int_equal(rec.frame_number, 1);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_arguments_and_accessors),
        cmocka_unit_test(test_short_first_section_header),
        cmocka_unit_test(test_short_later_section_header),
        cmocka_unit_test(test_short_interface_blocks),
        cmocka_unit_test(test_short_obsolete_packet_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
