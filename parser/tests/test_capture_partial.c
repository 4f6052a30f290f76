/* The capture reader over a stream in pieces (tcpsift_capture_open_partial / refill / wants_more
 * / consumed / needed): exactly the records, errors and end of the whole-buffer reader, wherever
 * the windows end, on every conformance and shared capture and on each of them cut short; and
 * the window edge cases one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../fuzz/capture_windows.h"
#include "support_files.h"
#include "tcpsift/capture.h"

/* Windowed == whole for one input, under several seeds, chunk limits and both call styles. */
static void assert_windows_agree(const uint8_t *buf, size_t len, const char *what)
{
    cw_reference ref;
    assert_true(cw_read_whole(buf, len, &ref));
    static const size_t max_chunks[] = {1, 7, 64, 1500, 65536};
    for (size_t m = 0; m < sizeof max_chunks / sizeof max_chunks[0]; m++)
        for (uint64_t seed = 1; seed <= 3; seed++)
            for (int batch = 0; batch <= 1; batch++) {
                if (max_chunks[m] == 1 && len > 200000) continue; /* byte by byte: slow on big */
                char why[200];
                if (!cw_read_windows(buf, len, &ref, seed * 0x9e3779b97f4a7c15ull + m,
                                     max_chunks[m], batch, why, sizeof why))
                    fail_msg("%s (%zu bytes, chunks <= %zu, seed %llu, %s): %s", what, len,
                             max_chunks[m], (unsigned long long)seed, batch ? "batch" : "next",
                             why);
            }
    cw_reference_free(&ref);
}

/* One capture, whole and cut at three places (the end then falls inside a record or block:
 * the final window must report the truncation the whole reader reports). */
static void check_capture(const char *path, const uint8_t *buf, size_t len, void *ctx)
{
    (void)ctx;
    assert_windows_agree(buf, len, path);
    for (int cut = 1; cut <= 3; cut++) assert_windows_agree(buf, len * cut / 4 + 3, path);
}

static void test_windows_conformance_captures(void **state)
{
    (void)state;
    size_t files =
        test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/crafted", check_capture,
                             NULL) +
        test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/real", check_capture,
                             NULL) +
        test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/tunnels", check_capture, NULL);
    printf("windows == whole on %zu conformance captures\n", files);
    assert_true(files >= 60);
}

static void test_windows_shared_captures(void **state)
{
    (void)state;
    size_t files = test_each_shared_capture("the windowed reader", check_capture, NULL);
    if (files == 0) {
        skip();
        return;
    }
    printf("windows == whole on %zu shared captures\n", files);
    assert_int_equal(files, 80);
}

/* ------------------------------------------------------------------ edges, one by one */

static const uint8_t pcap_header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                        0,    0,    0,    0,    0, 0, 4, 0, 1, 0, 0, 0};

/* pcap header + one record of 40 bytes of data. */
static size_t one_record_pcap(uint8_t *out)
{
    memcpy(out, pcap_header, sizeof pcap_header);
    uint8_t rec[16] = {1, 0, 0, 0, 2, 0, 0, 0, 40, 0, 0, 0, 40, 0, 0, 0};
    memcpy(out + 24, rec, sizeof rec);
    for (int i = 0; i < 40; i++) out[40 + i] = (uint8_t)i;
    return 80;
}

static void test_open_partial_needs_the_header(void **state)
{
    (void)state;
    tcpsift_capture_reader r;
    /* 3 bytes: the magic is not whole yet */
    assert_int_equal(tcpsift_capture_open_partial(&r, pcap_header, 3), TCPSIFT_E_CAPTURE_TRUNCATED);
    assert_true(tcpsift_capture_wants_more(&r));
    assert_int_equal(tcpsift_capture_needed(&r), 4);
    /* a pcap magic, but not the whole 24-byte header */
    assert_int_equal(tcpsift_capture_open_partial(&r, pcap_header, 10), TCPSIFT_E_CAPTURE_TRUNCATED);
    assert_int_equal(tcpsift_capture_needed(&r), 24);
    tcpsift_capture_record rec;
    tcpsift_error err;
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0); /* a failed open is at its end */
    /* the same bytes as a whole input are simply not a capture */
    assert_int_equal(tcpsift_capture_open(&r, pcap_header, 10), TCPSIFT_E_NOT_A_CAPTURE);
    assert_false(tcpsift_capture_wants_more(&r));
    /* not a capture's magic: no amount of input helps */
    static const uint8_t junk[8] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'};
    assert_int_equal(tcpsift_capture_open_partial(&r, junk, sizeof junk), TCPSIFT_E_NOT_A_CAPTURE);
    assert_false(tcpsift_capture_wants_more(&r));
    /* pcapng: the whole first SHB (28 bytes here) is the header */
    static const uint8_t shb[28] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a,
                                    1,    0,    0,    0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 28, 0, 0, 0};
    assert_int_equal(tcpsift_capture_open_partial(&r, shb, 8), TCPSIFT_E_CAPTURE_TRUNCATED);
    assert_int_equal(tcpsift_capture_needed(&r), 0); /* the length needs the byte order: 12 bytes */
    assert_int_equal(tcpsift_capture_open_partial(&r, shb, 20), TCPSIFT_E_CAPTURE_TRUNCATED);
    assert_int_equal(tcpsift_capture_needed(&r), 28);
    assert_int_equal(tcpsift_capture_open_partial(&r, shb, 28), TCPSIFT_OK);
    assert_true(tcpsift_capture_is_pcapng(&r));
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    assert_int_equal(err, TCPSIFT_OK);
    assert_true(tcpsift_capture_wants_more(&r)); /* a partial window never ends the input */
    assert_int_equal(tcpsift_capture_consumed(&r), 28);
}

static void test_cut_record_waits_then_arrives(void **state)
{
    (void)state;
    uint8_t file[80];
    size_t len = one_record_pcap(file);
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    /* the window ends inside the record's data */
    assert_int_equal(tcpsift_capture_open_partial(&r, file, 50), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    assert_int_equal(err, TCPSIFT_OK);
    assert_true(tcpsift_capture_wants_more(&r));
    assert_false(tcpsift_capture_at_end(&r));
    assert_int_equal(tcpsift_capture_consumed(&r), 24); /* the record header is not consumed */
    assert_int_equal(tcpsift_capture_needed(&r), 16 + 40);
    /* asking again without new bytes changes nothing */
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    assert_int_equal(tcpsift_capture_consumed(&r), 24);
    /* the next window: the unconsumed bytes and the rest, in a new buffer */
    uint8_t *next = malloc(len - 24);
    assert_non_null(next);
    memcpy(next, file + 24, len - 24);
    assert_int_equal(tcpsift_capture_refill(&r, next, len - 24, 0), TCPSIFT_OK);
    assert_false(tcpsift_capture_wants_more(&r));
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 1);
    assert_ptr_equal(rec.data, next + 16);
    assert_int_equal(rec.caplen, 40);
    assert_int_equal(rec.frame_number, 1);
    assert_int_equal(rec.ts_sec, 1);
    assert_int_equal(rec.ts_nsec, 2000);
    /* at the window's end, between records: more may come */
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    assert_true(tcpsift_capture_wants_more(&r));
    assert_int_equal(tcpsift_capture_needed(&r), 0);
    assert_int_equal(tcpsift_capture_consumed(&r), len - 24);
    /* the stream ended: an empty final window is the clean end */
    assert_int_equal(tcpsift_capture_refill(&r, NULL, 0, 1), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    assert_int_equal(err, TCPSIFT_OK);
    assert_false(tcpsift_capture_wants_more(&r));
    assert_true(tcpsift_capture_at_end(&r));
    /* a reader at its end stays there */
    assert_int_equal(tcpsift_capture_refill(&r, next, len - 24, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    assert_true(tcpsift_capture_at_end(&r));
    free(next);
}

static void test_final_window_reports_truncation(void **state)
{
    (void)state;
    uint8_t file[80];
    one_record_pcap(file);
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    assert_int_equal(tcpsift_capture_open_partial(&r, file, 50), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    /* no more input: the final window is what was left */
    assert_int_equal(tcpsift_capture_refill(&r, file + 24, 26, 1), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_CAPTURE_TRUNCATED);
    assert_true(tcpsift_capture_at_end(&r));
    /* a corrupt length is fatal whether or not more input follows */
    uint8_t bad[40];
    memcpy(bad, pcap_header, 24);
    uint8_t hdr[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0}; /* caplen 1 MiB */
    memcpy(bad + 24, hdr, 16);
    assert_int_equal(tcpsift_capture_open_partial(&r, bad, sizeof bad), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), -1);
    assert_int_equal(err, TCPSIFT_E_BAD_CAPTURE_RECORD);
    assert_false(tcpsift_capture_wants_more(&r));
}

static void test_refill_arguments(void **state)
{
    (void)state;
    uint8_t file[80];
    one_record_pcap(file);
    tcpsift_capture_reader r;
    assert_int_equal(tcpsift_capture_open_partial(&r, file, 30), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_refill(NULL, file, 10, 0), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_capture_refill(&r, NULL, 10, 0), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_capture_open_partial(NULL, file, 30), TCPSIFT_E_INVALID_ARGUMENT);
    assert_false(tcpsift_capture_wants_more(NULL));
    assert_int_equal(tcpsift_capture_consumed(NULL), 0);
    assert_int_equal(tcpsift_capture_needed(NULL), 0);
}

/* A little-endian pcapng built word by word: SHB, IDB (Ethernet), then EPBs of `len` bytes. */
struct ng {
    uint8_t b[4096];
    size_t n;
};

static void ng_u32(struct ng *g, uint32_t v)
{
    assert_true(g->n + 4 <= sizeof g->b);
    for (int i = 0; i < 4; i++) g->b[g->n++] = (uint8_t)(v >> (8 * i));
}

static void ng_start(struct ng *g)
{
    g->n = 0;
    static const uint32_t shb[] = {0x0a0d0d0au, 28, 0x1a2b3c4du, 1, 0xffffffffu, 0xffffffffu, 28};
    static const uint32_t idb[] = {1, 20, 1, 0, 20};
    for (size_t i = 0; i < sizeof shb / sizeof shb[0]; i++) ng_u32(g, shb[i]);
    for (size_t i = 0; i < sizeof idb / sizeof idb[0]; i++) ng_u32(g, idb[i]);
}

static size_t ng_epb(struct ng *g, uint32_t ts, uint32_t words)
{
    size_t at = g->n;
    uint32_t total = 32 + 4 * words;
    ng_u32(g, 6);
    ng_u32(g, total);
    ng_u32(g, 0);
    ng_u32(g, 0);
    ng_u32(g, ts);
    ng_u32(g, 4 * words);
    ng_u32(g, 4 * words);
    for (uint32_t i = 0; i < words; i++) ng_u32(g, 0x11111111u * (i % 15));
    ng_u32(g, total);
    return at;
}

static void ng_set(struct ng *g, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) g->b[at + i] = (uint8_t)(v >> (8 * i));
}

/* The resync after a block of impossible framing finds the same next block, wherever the
 * windows end: a total that is not a multiple of 4, a trailer that differs, garbage words. */
static void test_windows_pcapng_resync(void **state)
{
    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        struct ng g;
        ng_start(&g);
        ng_epb(&g, 1, 3);
        size_t bad = ng_epb(&g, 2, 9);
        if (kind == 0) ng_set(&g, bad + 4, 32 + 4 * 9 - 2);     /* the unpadded length */
        if (kind == 1) ng_set(&g, bad + 32 + 4 * 9, 12);        /* its trailer */
        if (kind == 2) for (int i = 0; i < 5; i++) ng_u32(&g, 0x0a0d0d0au); /* SHB types, no BOM */
        ng_epb(&g, 3, 1);
        ng_epb(&g, 4, 20);
        assert_windows_agree(g.b, g.n, "pcapng resync");
        for (size_t cut = g.n - 40; cut < g.n; cut += 4) assert_windows_agree(g.b, cut, "cut");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_partial_needs_the_header),
        cmocka_unit_test(test_cut_record_waits_then_arrives),
        cmocka_unit_test(test_final_window_reports_truncation),
        cmocka_unit_test(test_refill_arguments),
        cmocka_unit_test(test_windows_pcapng_resync),
        cmocka_unit_test(test_windows_conformance_captures),
        cmocka_unit_test(test_windows_shared_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
