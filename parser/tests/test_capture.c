/* Capture reader tests: byte-exact pcap/pcapng vectors, every truncation point at a guard page,
 * malformed blocks, timestamp resolutions, and the shared real captures against tshark. */
#define _DEFAULT_SOURCE /* opendir/readdir */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support_files.h"

#include "support_guard.h"
#include "tcpsift/capture.h"

/* ------------------------------------------------------------------ hand-built pcap vectors
 * Two records each: 1600000000.123456(789) with 4 bytes (wirelen 60), and 1.999999(999) with 3
 * bytes. Link-type field 0x10000001: Ethernet with FCS bits set in the upper half (must be
 * masked). Checked with tshark 4.0.17: 1600000000.123456000 / 1.999999000 (usec) and
 * 1600000000.123456789 / 1.999999999 (nsec). */
/* clang-format off */
static const uint8_t pcap_le_usec[] = {
    /* global header */
    0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10,
    /* record 1 header, 4 bytes of data */
    0x00, 0x10, 0x5e, 0x5f, 0x40, 0xe2, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,
    0xde, 0xad, 0xbe, 0xef,
    /* record 2 header, 3 bytes of data */
    0x01, 0x00, 0x00, 0x00, 0x3f, 0x42, 0x0f, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x01, 0x02, 0x03,
};
static const uint8_t pcap_be_usec[] = {
    /* global header */
    0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x10, 0x00, 0x00, 0x01,
    /* record 1 header, 4 bytes of data */
    0x5f, 0x5e, 0x10, 0x00, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3c,
    0xde, 0xad, 0xbe, 0xef,
    /* record 2 header, 3 bytes of data */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x42, 0x3f, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,
    0x01, 0x02, 0x03,
};
static const uint8_t pcap_le_nsec[] = {
    /* global header */
    0x4d, 0x3c, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10,
    /* record 1 header, 4 bytes of data */
    0x00, 0x10, 0x5e, 0x5f, 0x15, 0xcd, 0x5b, 0x07, 0x04, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,
    0xde, 0xad, 0xbe, 0xef,
    /* record 2 header, 3 bytes of data */
    0x01, 0x00, 0x00, 0x00, 0xff, 0xc9, 0x9a, 0x3b, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    0x01, 0x02, 0x03,
};
static const uint8_t pcap_be_nsec[] = {
    /* global header */
    0xa1, 0xb2, 0x3c, 0x4d, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x10, 0x00, 0x00, 0x01,
    /* record 1 header, 4 bytes of data */
    0x5f, 0x5e, 0x10, 0x00, 0x07, 0x5b, 0xcd, 0x15, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x3c,
    0xde, 0xad, 0xbe, 0xef,
    /* record 2 header, 3 bytes of data */
    0x00, 0x00, 0x00, 0x01, 0x3b, 0x9a, 0xc9, 0xff, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,
    0x01, 0x02, 0x03,
};
/* clang-format on */
#define PCAP_VECTOR_LEN 63u

/* ------------------------------------------------------------------ hand-built pcapng vector
 * Every block type, two sections of opposite byte order. tshark 4.0.17 reads section 1 as:
 * 1600000000.123456789 if0 5/60, 105.500000000 if1 4/4, (no time) SPB 6/6, 102.000000000 if1
 * 2/2 (it also lists the custom block as a frame: tcpsift reports packets only). */
/* clang-format off */
static const uint8_t pcapng_vector[] = {
    /* SHB little-endian, version 1.0, section length -1 */
    0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0x00, 0x00, 0x00, 0x4d, 0x3c, 0x2b, 0x1a,
    0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x1c, 0x00, 0x00, 0x00,
    /* IDB 0: Ethernet, snaplen 0x40000, if_tsresol 9 (ns) */
    0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x04, 0x00, 0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
    /* IDB 1: Linux SLL, snaplen 64, if_tsresol 0x8a (2^-10 s), if_tsoffset 100 */
    0x01, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x71, 0x00, 0x00, 0x00,
    0x40, 0x00, 0x00, 0x00, 0x09, 0x00, 0x01, 0x00, 0x8a, 0x00, 0x00, 0x00,
    0x0e, 0x00, 0x08, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
    /* EPB if 0: ts 1600000000.123456789, caplen 5, origlen 60, epb_flags 1 */
    0x06, 0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x85, 0x57, 0x34, 0x16, 0x15, 0xcd, 0xfb, 0xdf, 0x05, 0x00, 0x00, 0x00,
    0x3c, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x34, 0x00, 0x00, 0x00,
    /* NRB: one IPv4 record, end */
    0x04, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00,
    0x7f, 0x00, 0x00, 0x01, 0x6c, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x1c, 0x00, 0x00, 0x00,
    /* EPB if 1: 5632 units of 2^-10 s = 5.5 s (+100 offset), caplen 4 */
    0x06, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0xa1, 0xa2, 0xa3, 0xa4, 0x24, 0x00, 0x00, 0x00,
    /* ISB if 0, no options */
    0x05, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
    /* SPB: origlen 6, 6 bytes + 2 padding */
    0x03, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
    0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
    /* obsolete PB if 1: 2048 units = 2 s (+100), caplen 2, pack_flags 2, no endofopt */
    0x02, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0xc1, 0xc2, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
    /* custom block (0xBAD): PEN + 4 bytes */
    0xad, 0x0b, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0xd9, 0x7e, 0x00, 0x00,
    0x61, 0x62, 0x63, 0x64, 0x14, 0x00, 0x00, 0x00,
    /* DSB: secrets type, length 4, 4 bytes */
    0x0a, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x4b, 0x53, 0x4c, 0x54,
    0x04, 0x00, 0x00, 0x00, 0x6b, 0x65, 0x79, 0x73, 0x18, 0x00, 0x00, 0x00,
    /* unknown block type 0x12345678, empty body */
    0x78, 0x56, 0x34, 0x12, 0x0c, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00,
    /* SHB big-endian: new section, interface table reset */
    0x0a, 0x0d, 0x0d, 0x0a, 0x00, 0x00, 0x00, 0x1c, 0x1a, 0x2b, 0x3c, 0x4d,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x00, 0x00, 0x1c,
    /* IDB 0 (big-endian): raw IP, snaplen 0, no options (tsresol 6) */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x65, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14,
    /* EPB (big-endian) if 1: unknown in this section */
    0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
    /* EPB (big-endian) if 0: 1000001 us, caplen 1 */
    0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x41, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x01, 0xd1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24,
};

/* clang-format on */

/* End offset of every block above, and whether it yields an event (record or error). */
static const struct {
    size_t end;
    int event;
} pcapng_blocks[] = {{28, 0},  {60, 0},  {104, 0}, {156, 1}, {184, 0}, {220, 1},
                     {244, 0}, {268, 1}, {312, 1}, {332, 0}, {356, 0}, {368, 0},
                     {396, 0}, {416, 0}, {448, 1}, {484, 1}};
#define PCAPNG_HEADER_END 28u

/* ------------------------------------------------------------------ helpers */
#define MAX_EVENTS 512

struct event {
    int rc;
    tcpsift_error err;
    tcpsift_capture_record rec;
};

static void expect_record(const tcpsift_capture_record *rec, const uint8_t *data, uint32_t caplen,
                          uint32_t wirelen, int64_t sec, uint32_t nsec, uint8_t digits,
                          int linktype, uint32_t iface, uint32_t flags, uint64_t frame);

/* tcpsift_capture_next_batch() in batches of `batch` hands out exactly the events `want` of
 * tcpsift_capture_next(): the same records (field by field), the same errors at the same
 * places, then the clean end. */
static void expect_same_batched(const uint8_t *buf, size_t len, size_t batch,
                                const struct event *want, size_t n_want)
{
    tcpsift_capture_reader r;
    assert_int_equal(tcpsift_capture_open(&r, buf, len), TCPSIFT_OK);
    tcpsift_capture_record recs[64];
    assert_true(batch <= 64);
    size_t at = 0;
    for (;;) {
        tcpsift_error err = TCPSIFT_E_INVALID_ARGUMENT;
        memset(recs, 0xA5, sizeof recs);
        size_t got = tcpsift_capture_next_batch(&r, recs, batch, &err);
        assert_true(got <= batch);
        for (size_t i = 0; i < got; i++, at++) {
            assert_true(at < n_want);
            const tcpsift_capture_record *w = &want[at].rec;
            assert_int_equal(want[at].rc, 1);
            expect_record(&recs[i], w->data, w->caplen, w->wirelen, w->ts_sec, w->ts_nsec,
                          w->ts_digits, w->linktype, w->interface_id, w->epb_flags,
                          w->frame_number);
        }
        if (err != TCPSIFT_OK) {
            assert_true(at < n_want);
            assert_int_equal(want[at].rc, -1);
            assert_int_equal(want[at].err, err);
            at++;
            continue;
        }
        if (got < batch) break; /* the clean end */
    }
    assert_int_equal(at, n_want);
    tcpsift_error err = TCPSIFT_E_INVALID_ARGUMENT;
    assert_int_equal(tcpsift_capture_next_batch(&r, recs, batch, &err), 0);
    assert_int_equal(err, TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_at_end(&r), 1);
}

/* Read everything; returns the number of events (records and errors, fatal ones included) up to
 * the clean end. Checks every record lies inside the buffer and the reader stays at its end. */
static size_t read_all(const uint8_t *buf, size_t len, tcpsift_error *open_err, struct event *ev,
                       size_t max)
{
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err = TCPSIFT_E_INVALID_ARGUMENT;
    *open_err = tcpsift_capture_open(&r, buf, len);
    size_t n = 0;
    if (*open_err == TCPSIFT_OK) {
        for (;;) {
            struct event e;
            memset(&e, 0, sizeof e);
            e.rc = tcpsift_capture_next(&r, &e.rec, &e.err);
            if (e.rc == 0) break;
            if (e.rc == 1) {
                assert_true(e.rec.data >= buf);
                assert_true((size_t)(e.rec.data - buf) <= len);
                assert_true(e.rec.caplen <= len - (size_t)(e.rec.data - buf));
                assert_true(e.rec.ts_nsec < 1000000000u);
            } else {
                assert_int_equal(e.rc, -1);
            }
            assert_true(n < max);
            ev[n++] = e;
        }
    }
    /* After the end (clean or fatal) the reader stays at its end. */
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
    if (*open_err == TCPSIFT_OK) {
        static const size_t batch_sizes[] = {1, 2, 3, 7, 64};
        for (size_t i = 0; i < sizeof batch_sizes / sizeof batch_sizes[0]; i++)
            expect_same_batched(buf, len, batch_sizes[i], ev, n);
    }
    return n;
}

static int is_fatal(const struct event *e)
{
    return e->rc == -1 &&
           (e->err == TCPSIFT_E_CAPTURE_TRUNCATED || e->err == TCPSIFT_E_BAD_CAPTURE_RECORD);
}

static void expect_record(const tcpsift_capture_record *rec, const uint8_t *data, uint32_t caplen,
                          uint32_t wirelen, int64_t sec, uint32_t nsec, uint8_t digits,
                          int linktype, uint32_t iface, uint32_t flags, uint64_t frame)
{
    assert_ptr_equal(rec->data, data);
    assert_int_equal(rec->caplen, caplen);
    assert_int_equal(rec->wirelen, wirelen);
    assert_true(rec->ts_sec == sec);
    assert_int_equal(rec->ts_nsec, nsec);
    assert_int_equal(rec->ts_digits, digits);
    assert_int_equal(rec->linktype, linktype);
    assert_int_equal(rec->interface_id, iface);
    assert_int_equal(rec->epb_flags, flags);
    assert_int_equal(rec->frame_number, frame);
}

static int next_ok(tcpsift_capture_reader *r, tcpsift_capture_record *rec)
{
    tcpsift_error err = TCPSIFT_E_INVALID_ARGUMENT;
    int rc = tcpsift_capture_next(r, rec, &err);
    assert_int_equal(rc, 1);
    assert_int_equal(err, TCPSIFT_OK);
    return rc;
}

/* An error; fatal ones leave the reader at its end, recoverable ones do not. */
static void next_err(tcpsift_capture_reader *r, tcpsift_error want)
{
    tcpsift_capture_record rec;
    tcpsift_error err = TCPSIFT_OK;
    assert_int_equal(tcpsift_capture_at_end(r), 0);
    assert_int_equal(tcpsift_capture_next(r, &rec, &err), -1);
    assert_int_equal(err, want);
    int fatal = want == TCPSIFT_E_CAPTURE_TRUNCATED || want == TCPSIFT_E_BAD_CAPTURE_RECORD;
    if (fatal) assert_int_equal(tcpsift_capture_at_end(r), 1);
    if (want == TCPSIFT_E_UNKNOWN_INTERFACE) assert_int_equal(tcpsift_capture_at_end(r), 0);
}

/* BAD_PCAPNG_BLOCK is fatal or recoverable depending on what was malformed. */
static void next_err_fatal(tcpsift_capture_reader *r, tcpsift_error want, int fatal)
{
    next_err(r, want);
    assert_int_equal(tcpsift_capture_at_end(r), fatal);
}

static void next_end(tcpsift_capture_reader *r)
{
    tcpsift_capture_record rec;
    tcpsift_error err = TCPSIFT_E_INVALID_ARGUMENT;
    assert_int_equal(tcpsift_capture_next(r, &rec, &err), 0);
    assert_int_equal(err, TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_at_end(r), 1);
}

/* A byte builder for variant vectors (written in either byte order). */
struct bb {
    uint8_t b[16384];
    size_t n;
    int big;
};

static void put8(struct bb *w, uint8_t v)
{
    assert_true(w->n < sizeof w->b);
    w->b[w->n++] = v;
}
static void put16(struct bb *w, uint16_t v)
{
    if (w->big) {
        put8(w, (uint8_t)(v >> 8));
        put8(w, (uint8_t)v);
    } else {
        put8(w, (uint8_t)v);
        put8(w, (uint8_t)(v >> 8));
    }
}
static void put32(struct bb *w, uint32_t v)
{
    if (w->big) {
        put16(w, (uint16_t)(v >> 16));
        put16(w, (uint16_t)v);
    } else {
        put16(w, (uint16_t)v);
        put16(w, (uint16_t)(v >> 16));
    }
}
static void put64(struct bb *w, uint64_t v)
{
    if (w->big) {
        put32(w, (uint32_t)(v >> 32));
        put32(w, (uint32_t)v);
    } else {
        put32(w, (uint32_t)v);
        put32(w, (uint32_t)(v >> 32));
    }
}
static void put_bytes(struct bb *w, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(w, ((const uint8_t *)p)[i]);
}
static void set32(struct bb *w, size_t at, uint32_t v)
{
    size_t save = w->n;
    w->n = at;
    put32(w, v);
    w->n = save;
}
/* Blocks: begin writes type and a placeholder length; end pads to 4 and fixes both lengths. */
static size_t block_begin(struct bb *w, uint32_t type)
{
    size_t start = w->n;
    put32(w, type);
    put32(w, 0);
    return start;
}
static void block_end(struct bb *w, size_t start)
{
    while (w->n % 4)
        put8(w, 0);
    uint32_t total = (uint32_t)(w->n - start + 4);
    put32(w, total);
    set32(w, start + 4, total);
}
static void opt_bytes(struct bb *w, uint16_t code, const void *v, uint16_t len)
{
    put16(w, code);
    put16(w, len);
    put_bytes(w, v, len);
    while (w->n % 4)
        put8(w, 0);
}
static void add_shb(struct bb *w, int big)
{
    w->big = big;
    size_t s = block_begin(w, 0x0a0d0d0au);
    put32(w, 0x1a2b3c4du);
    put16(w, 1);
    put16(w, 0);
    put64(w, UINT64_MAX);
    block_end(w, s);
}
/* tsresol < 0: option absent; with_offset: add if_tsoffset. */
static void add_idb(struct bb *w, uint16_t linktype, uint32_t snaplen, int tsresol, int with_offset,
                    int64_t offset)
{
    size_t s = block_begin(w, 1);
    put16(w, linktype);
    put16(w, 0);
    put32(w, snaplen);
    if (tsresol >= 0) {
        uint8_t v = (uint8_t)tsresol;
        opt_bytes(w, 9, &v, 1);
    }
    if (with_offset) {
        put16(w, 14);
        put16(w, 8);
        put64(w, (uint64_t)offset);
    }
    if (tsresol >= 0 || with_offset) put32(w, 0); /* opt_endofopt */
    block_end(w, s);
}
static size_t add_epb(struct bb *w, uint32_t iface, uint64_t ts, const void *data, uint32_t len)
{
    size_t s = block_begin(w, 6);
    put32(w, iface);
    put32(w, (uint32_t)(ts >> 32));
    put32(w, (uint32_t)ts);
    put32(w, len);
    put32(w, len);
    size_t data_at = w->n;
    put_bytes(w, data, len);
    block_end(w, s);
    return data_at;
}

/* ------------------------------------------------------------------ pcap */
static void check_pcap_vector(const uint8_t *v, int nsec)
{
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    assert_int_equal(tcpsift_capture_open(&r, v, PCAP_VECTOR_LEN), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_is_pcapng(&r), 0);
    assert_int_equal(tcpsift_capture_linktype(&r), 1); /* FCS bits 0x1000.... masked off */
    next_ok(&r, &rec);
    expect_record(&rec, v + 40, 4, 60, 1600000000, nsec ? 123456789u : 123456000u, nsec ? 9 : 6, 1,
                  0, 0, 1);
    next_ok(&r, &rec);
    expect_record(&rec, v + 60, 3, 3, 1, nsec ? 999999999u : 999999000u, nsec ? 9 : 6, 1, 0, 0, 2);
    next_end(&r);
    next_end(&r);
}

static void test_pcap_all_magics(void **state)
{
    (void)state;
    check_pcap_vector(pcap_le_usec, 0);
    check_pcap_vector(pcap_be_usec, 0);
    check_pcap_vector(pcap_le_nsec, 1);
    check_pcap_vector(pcap_be_nsec, 1);
}

static void test_pcap_header_rejected(void **state)
{
    (void)state;
    tcpsift_capture_reader r;
    for (size_t len = 0; len < 24; len++)
        assert_int_equal(tcpsift_capture_open(&r, pcap_le_usec, len), TCPSIFT_E_NOT_A_CAPTURE);
    /* exactly the header: a capture with no records */
    assert_int_equal(tcpsift_capture_open(&r, pcap_le_usec, 24), TCPSIFT_OK);
    next_end(&r);
    assert_int_equal(tcpsift_capture_open(&r, NULL, 100), TCPSIFT_E_NOT_A_CAPTURE);
    assert_int_equal(tcpsift_capture_open(NULL, pcap_le_usec, 24), TCPSIFT_E_INVALID_ARGUMENT);
    /* The batch reader's arguments: NULL reader, NULL records with room for some, max 0. */
    tcpsift_capture_record one;
    tcpsift_error berr = TCPSIFT_OK;
    assert_int_equal(tcpsift_capture_next_batch(NULL, &one, 1, &berr), 0);
    assert_int_equal(berr, TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_capture_open(&r, pcap_le_usec, sizeof pcap_le_usec), TCPSIFT_OK);
    berr = TCPSIFT_OK;
    assert_int_equal(tcpsift_capture_next_batch(&r, NULL, 1, &berr), 0);
    assert_int_equal(berr, TCPSIFT_E_INVALID_ARGUMENT);
    berr = TCPSIFT_E_INVALID_ARGUMENT;
    assert_int_equal(tcpsift_capture_next_batch(&r, NULL, 0, &berr), 0);
    assert_int_equal(berr, TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_at_end(&r), 0); /* max 0 reads nothing */
    assert_int_equal(tcpsift_capture_next_batch(&r, &one, 1, NULL), 1);
    assert_int_equal(one.frame_number, 1);

    uint8_t v[PCAP_VECTOR_LEN];
    memcpy(v, pcap_le_usec, sizeof v);
    v[4] = 3; /* major version 3 */
    assert_int_equal(tcpsift_capture_open(&r, v, sizeof v), TCPSIFT_E_NOT_A_CAPTURE);
    next_end(&r);
    memcpy(v, pcap_le_usec, sizeof v);
    v[0] = 0x34; /* 0xa1b2cd34 (Kuznetsov's modified pcap) is not accepted */
    v[1] = 0xcd;
    assert_int_equal(tcpsift_capture_open(&r, v, sizeof v), TCPSIFT_E_NOT_A_CAPTURE);
    memcpy(v, pcap_le_usec, sizeof v);
    v[0] ^= 1;
    assert_int_equal(tcpsift_capture_open(&r, v, sizeof v), TCPSIFT_E_NOT_A_CAPTURE);
    assert_int_equal(tcpsift_capture_is_pcapng(&r), 0);
    assert_int_equal(tcpsift_capture_linktype(&r), -1);
}

static void pcap_header(struct bb *w, int big, uint32_t magic, uint32_t snaplen, uint32_t link)
{
    w->n = 0;
    w->big = big;
    put32(w, magic);
    put16(w, 2);
    put16(w, 4);
    put32(w, 0);
    put32(w, 0);
    put32(w, snaplen);
    put32(w, link);
}
static void pcap_rec(struct bb *w, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen,
                     size_t present)
{
    put32(w, sec);
    put32(w, frac);
    put32(w, caplen);
    put32(w, wirelen);
    for (size_t i = 0; i < present; i++)
        put8(w, (uint8_t)i);
}

static void test_pcap_record_edge_cases(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;

    /* caplen > wirelen kept; caplen > snaplen accepted; usec >= 10^6 carried into seconds;
     * link type 228 (IPv4) big-endian. */
    pcap_header(&w, 1, 0xa1b2c3d4u, 8, 228);
    pcap_rec(&w, 10, 2500000, 12, 5, 12);
    pcap_rec(&w, 0xffffffffu, 0, 0, 0, 0); /* seconds are unsigned: 2106 */
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_linktype(&r), 228);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + 40, 12, 5, 12, 500000000u, 6, 228, 0, 0, 1);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + 68, 0, 0, 4294967295LL, 0, 6, 228, 0, 0, 2);
    next_end(&r);

    /* nsec >= 10^9 carried too */
    pcap_header(&w, 0, 0xa1b23c4du, 65535, 1);
    pcap_rec(&w, 7, 3000000001u, 1, 1, 1);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + 40, 1, 1, 10, 1, 9, 1, 0, 0, 1);

    /* caplen at the bound but absent: truncated, and the reader stays at end */
    pcap_header(&w, 0, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&w, 1, 0, 2, 2, 2);
    pcap_rec(&w, 1, 0, TCPSIFT_CAPTURE_MAX_CAPLEN, TCPSIFT_CAPTURE_MAX_CAPLEN, 100);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_ok(&r, &rec);
    next_err(&r, TCPSIFT_E_CAPTURE_TRUNCATED);
    next_end(&r);

    /* caplen above the bound: corrupt header, fatal, even with the bytes present */
    static uint8_t big_rec[24 + 16 + TCPSIFT_CAPTURE_MAX_CAPLEN + 1];
    pcap_header(&w, 0, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&w, 1, 0, TCPSIFT_CAPTURE_MAX_CAPLEN + 1, 1, 0);
    memset(big_rec, 0, sizeof big_rec);
    memcpy(big_rec, w.b, w.n);
    assert_int_equal(tcpsift_capture_open(&r, big_rec, sizeof big_rec), TCPSIFT_OK);
    next_err(&r, TCPSIFT_E_BAD_CAPTURE_RECORD);
    next_end(&r);
    /* exactly the bound is fine */
    pcap_header(&w, 0, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&w, 1, 0, TCPSIFT_CAPTURE_MAX_CAPLEN, 1, 0);
    memcpy(big_rec, w.b, w.n);
    assert_int_equal(tcpsift_capture_open(&r, big_rec, sizeof big_rec - 1), TCPSIFT_OK);
    next_ok(&r, &rec);
    assert_int_equal(rec.caplen, TCPSIFT_CAPTURE_MAX_CAPLEN);
    next_end(&r);
}

/* Format 2.2 and older stored a record's original length first; in 2.3 either order occurs
 * (libpcap sf-pcap.c, Wireshark): read back as libpcap does, by next() and next_batch(). */
static void test_pcap_old_versions_swap_lengths(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record recs[4];
    tcpsift_error err = TCPSIFT_OK;
    for (int minor = 2; minor <= 4; minor++) {
        for (int batch = 0; batch < 2; batch++) {
            pcap_header(&w, 0, 0xa1b2c3d4u, 65535, 1);
            w.b[6] = (uint8_t)minor;
            pcap_rec(&w, 1, 0, 1514, 54, 54); /* an old writer's order: len, then caplen */
            if (minor == 2)
                pcap_rec(&w, 2, 0, 60, 60, 60); /* equal: the order does not show */
            else
                pcap_rec(&w, 2, 0, 60, 1514, 60); /* today's order, read as it is in 2.3 */
            assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
            if (minor == 4) { /* 2.4 is read in today's order: 1514 bytes that are not there */
                next_err(&r, TCPSIFT_E_CAPTURE_TRUNCATED);
                continue;
            }
            const tcpsift_capture_record *first = &recs[0], *second = &recs[1];
            if (batch) {
                assert_int_equal(tcpsift_capture_next_batch(&r, recs, 4, &err), 2);
                assert_int_equal(err, TCPSIFT_OK);
            } else {
                next_ok(&r, &recs[0]);
                next_ok(&r, &recs[1]);
            }
            expect_record(first, w.b + 40, 54, 1514, 1, 0, 6, 1, 0, 0, 1);
            expect_record(second, w.b + 110, 60, minor == 2 ? 60 : 1514, 2, 0, 6, 1, 0, 0, 2);
            next_end(&r);
        }
    }
}

/* Every prefix, placed to end at a guard page: the records whose end lies within the prefix,
 * then a clean end exactly on a boundary or CAPTURE_TRUNCATED; NOT_A_CAPTURE below the header. */
static void check_every_prefix(const uint8_t *full, size_t full_len, const size_t *ends,
                               const int *is_event, size_t n_blocks, size_t header_end)
{
    static struct event all[MAX_EVENTS], part[MAX_EVENTS];
    tcpsift_error open_err;
    size_t n_all = read_all(full, full_len, &open_err, all, MAX_EVENTS);
    assert_int_equal(open_err, TCPSIFT_OK);
    for (size_t i = 0; i < n_all; i++)
        assert_false(is_fatal(&all[i]));
    for (size_t len = 0; len <= full_len; len++) {
        struct guard_buf g;
        const uint8_t *p = guard_place(&g, full, len);
        assert_non_null(p);
        size_t n = read_all(p, len, &open_err, part, MAX_EVENTS);
        if (len < header_end) {
            assert_int_equal(open_err, TCPSIFT_E_NOT_A_CAPTURE);
            assert_int_equal(n, 0);
            guard_release(&g);
            continue;
        }
        assert_int_equal(open_err, TCPSIFT_OK);
        size_t want = 0;
        int boundary = len == header_end;
        for (size_t b = 0; b < n_blocks; b++) {
            if (ends[b] <= len) want += (size_t)is_event[b];
            if (ends[b] == len) boundary = 1;
        }
        if (!boundary) {
            /* the input ends inside a block: one final CAPTURE_TRUNCATED */
            assert_int_equal(n, want + 1);
            assert_int_equal(part[n - 1].rc, -1);
            assert_int_equal(part[n - 1].err, TCPSIFT_E_CAPTURE_TRUNCATED);
            n--;
        } else {
            assert_int_equal(n, want);
        }
        assert_true(n <= n_all);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(part[i].rc, all[i].rc);
            assert_int_equal(part[i].err, all[i].err);
            if (part[i].rc != 1) continue;
            assert_int_equal(part[i].rec.data - p, all[i].rec.data - full);
            assert_int_equal(part[i].rec.caplen, all[i].rec.caplen);
            assert_int_equal(part[i].rec.wirelen, all[i].rec.wirelen);
            assert_true(part[i].rec.ts_sec == all[i].rec.ts_sec);
            assert_int_equal(part[i].rec.ts_nsec, all[i].rec.ts_nsec);
            assert_int_equal(part[i].rec.linktype, all[i].rec.linktype);
            assert_int_equal(part[i].rec.frame_number, all[i].rec.frame_number);
            assert_memory_equal(part[i].rec.data, all[i].rec.data, all[i].rec.caplen);
        }
        guard_release(&g);
    }
}

static void test_pcap_every_prefix(void **state)
{
    (void)state;
    const size_t ends[] = {44, 63};
    const int ev[] = {1, 1};
    check_every_prefix(pcap_le_usec, PCAP_VECTOR_LEN, ends, ev, 2, 24);
    check_every_prefix(pcap_be_nsec, PCAP_VECTOR_LEN, ends, ev, 2, 24);
}

/* ------------------------------------------------------------------ pcapng */
static void test_pcapng_every_block_type(void **state)
{
    (void)state;
    const uint8_t *v = pcapng_vector;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    assert_int_equal(sizeof pcapng_vector, 484);
    assert_int_equal(tcpsift_capture_open(&r, v, sizeof pcapng_vector), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_is_pcapng(&r), 1);
    assert_int_equal(tcpsift_capture_linktype(&r), -1); /* no IDB read yet */
    next_ok(&r, &rec);                                  /* EPB, ns resolution, flags */
    expect_record(&rec, v + 132, 5, 60, 1600000000, 123456789, 9, 1, 0, 1, 1);
    assert_int_equal(tcpsift_capture_linktype(&r), 1);
    next_ok(&r, &rec); /* EPB on the SLL interface: 2^-10 resolution, +100 s offset */
    expect_record(&rec, v + 212, 4, 4, 105, 500000000, 9, 113, 1, 0, 2);
    next_ok(&r, &rec); /* SPB: interface 0, no timestamp */
    expect_record(&rec, v + 256, 6, 6, 0, 0, 9, 1, 0, 0, 3);
    next_ok(&r, &rec); /* obsolete PB on interface 1 with pack_flags */
    expect_record(&rec, v + 296, 2, 2, 102, 0, 9, 113, 1, 2, 4);
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE); /* new section: interface 1 is gone */
    next_ok(&r, &rec);                         /* big-endian section, default usec */
    expect_record(&rec, v + 476, 1, 1, 1, 1000, 6, 101, 0, 0, 5);
    assert_int_equal(tcpsift_capture_linktype(&r), 1); /* still the file's first IDB */
    next_end(&r);
}

static void test_pcapng_every_prefix(void **state)
{
    (void)state;
    size_t n = sizeof pcapng_blocks / sizeof pcapng_blocks[0];
    size_t ends[32];
    int ev[32];
    for (size_t i = 0; i < n; i++) {
        ends[i] = pcapng_blocks[i].end;
        ev[i] = pcapng_blocks[i].event;
    }
    check_every_prefix(pcapng_vector, sizeof pcapng_vector, ends, ev, n, PCAPNG_HEADER_END);
}

static void test_pcapng_open_rejects(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    w.n = 0;
    add_shb(&w, 0);
    for (size_t len = 0; len < w.n; len++)
        assert_int_equal(tcpsift_capture_open(&r, w.b, len), TCPSIFT_E_NOT_A_CAPTURE);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    assert_int_equal(tcpsift_capture_is_pcapng(&r), 1);
    next_end(&r);
    w.b[12] = 2; /* major version 2 */
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_E_NOT_A_CAPTURE);
    assert_int_equal(tcpsift_capture_is_pcapng(&r), 0);
    w.b[12] = 1;
    w.b[8] = 0x4e; /* byte-order magic neither way round */
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_E_NOT_A_CAPTURE);
    w.b[8] = 0x4d;
    w.b[w.n - 4] = 0x20; /* trailing length differs */
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_E_NOT_A_CAPTURE);
    /* an SHB of 24 bytes (body too short for its fields) */
    w.n = 0;
    size_t s = block_begin(&w, 0x0a0d0d0au);
    put32(&w, 0x1a2b3c4du);
    put16(&w, 1);
    put16(&w, 0);
    put32(&w, 0);
    block_end(&w, s);
    assert_int_equal(w.n, 24);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_E_NOT_A_CAPTURE);
}

static void test_pcapng_unknown_interface_recoverable(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    const uint8_t d[3] = {1, 2, 3};
    w.n = 0;
    add_shb(&w, 0);
    add_epb(&w, 0, 1, d, 3);       /* before any IDB */
    size_t s = block_begin(&w, 3); /* SPB before any IDB */
    put32(&w, 3);
    put_bytes(&w, d, 3);
    block_end(&w, s);
    add_idb(&w, 1, 0, -1, 0, 0);
    size_t a = add_epb(&w, 0, 2000000, d, 3);
    add_epb(&w, 1, 0, d, 3);
    add_epb(&w, 0xffffffffu, 0, d, 3);
    size_t b = add_epb(&w, 0, 3000000, d, 2);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE);
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + a, 3, 3, 2, 0, 6, 1, 0, 0, 1);
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE);
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + b, 2, 2, 3, 0, 6, 1, 0, 0, 2);
    next_end(&r);
}

/* An EPB on interface 0 written as it stands, without padding: total 32 + len bytes, so a len
 * that is not a multiple of 4 leaves every later block off the 4-byte grid (a writer bug). */
static size_t put_epb_unpadded(struct bb *w, uint32_t ts, const void *data, uint32_t len)
{
    put32(w, 6);
    put32(w, 32 + len);
    put32(w, 0);
    put32(w, 0);
    put32(w, ts);
    put32(w, len);
    put32(w, len);
    size_t data_at = w->n;
    put_bytes(w, data, len);
    put32(w, 32 + len);
    return data_at;
}

/* A block of impossible framing: the reader looks for the next soundly framed block (known
 * type, trailing length = leading length) in 4-byte steps, reports the bad block once and reads
 * on from it; with none after it, the error is fatal. */
static void test_pcapng_bad_framing_resync(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    const uint8_t d[4] = {9, 9, 9, 9};
    size_t good_end, last;

    /* trailing length differs from the leading one: the EPB after it is found */
    w.n = 0;
    add_shb(&w, 0);
    add_idb(&w, 1, 0, -1, 0, 0);
    add_epb(&w, 0, 0, d, 4);
    good_end = w.n;
    add_epb(&w, 0, 0, d, 4);
    last = w.n;
    add_epb(&w, 0, 7, d, 4);
    assert_int_equal(w.n - good_end, 2 * 36);
    set32(&w, good_end + 32, 40); /* this EPB is 36 bytes: its trailer sits at +32 */
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_ok(&r, &rec);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0);
    next_ok(&r, &rec);
    assert_ptr_equal(rec.data, w.b + last + 28); /* the last EPB's packet */
    assert_int_equal(rec.frame_number, 2);
    next_end(&r);

    /* the same bad trailer on an EPB whose packet data holds a whole EPB: its leading length
     * still frames it (a good block follows), so it is skipped whole and the bytes its sender
     * chose are not taken for a frame */
    static struct bb inner;
    inner.n = 0;
    add_epb(&inner, 0, 77, d, 4);
    w.n = 0;
    add_shb(&w, 0);
    add_idb(&w, 1, 0, -1, 0, 0);
    add_epb(&w, 0, 0, d, 4);
    good_end = w.n;
    add_epb(&w, 0, 0, inner.b, (uint32_t)inner.n);
    set32(&w, w.n - 4, (uint32_t)(w.n - good_end + 4));
    last = w.n;
    add_epb(&w, 0, 7, d, 4);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_ok(&r, &rec);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0);
    next_ok(&r, &rec);
    assert_ptr_equal(rec.data, w.b + last + 28);
    assert_int_equal(rec.frame_number, 2);
    next_end(&r);

    /* an unpadded EPB (total 37, trailer 37): reported, and the blocks after it, now off the
     * 4-byte grid, are read; the same as the last block (the input ends right after it) */
    const uint8_t five[5] = {5, 5, 5, 5, 5};
    for (int follows = 0; follows <= 1; follows++) {
        w.n = 0;
        add_shb(&w, 0);
        add_idb(&w, 1, 0, -1, 0, 0);
        add_epb(&w, 0, 0, d, 4);
        put_epb_unpadded(&w, 1, five, 5);
        size_t third = follows ? put_epb_unpadded(&w, 2, d, 4) : 0;
        size_t fourth = follows ? put_epb_unpadded(&w, 3, d, 4) : 0;
        assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
        next_ok(&r, &rec);
        next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0);
        if (follows) {
            next_ok(&r, &rec);
            expect_record(&rec, w.b + third, 4, 4, 0, 2000, 6, 1, 0, 0, 2);
            next_ok(&r, &rec);
            expect_record(&rec, w.b + fourth, 4, 4, 0, 3000, 6, 1, 0, 0, 3);
        }
        next_end(&r);
    }

    /* total length below 12, not a multiple of 4 (the usual writer bug: the unpadded length),
     * or beyond the next block: the EPB after it is found, or none follows (fatal) */
    const uint32_t bad_totals[] = {0, 8, 11, 14, 30, 34, 40};
    for (size_t i = 0; i < sizeof bad_totals / sizeof bad_totals[0]; i++) {
        for (int follows = 0; follows <= 1; follows++) {
            w.n = 0;
            add_shb(&w, 1);
            add_idb(&w, 1, 0, -1, 0, 0);
            add_epb(&w, 0, 0, d, 4);
            good_end = w.n;
            add_epb(&w, 0, 0, d, 4);
            if (follows) add_epb(&w, 0, 0, d, 4);
            set32(&w, good_end + 4, bad_totals[i]);
            assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
            next_ok(&r, &rec);
            if (!follows && bad_totals[i] % 4 == 0 && bad_totals[i] >= 12) {
                /* 40 runs past the input: truncation, as before */
                next_err(&r, TCPSIFT_E_CAPTURE_TRUNCATED);
            } else {
                next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, !follows);
                if (follows) next_ok(&r, &rec);
            }
            next_end(&r);
        }
    }
    w.n = 0;
    add_shb(&w, 0);
    add_idb(&w, 1, 0, -1, 0, 0);
    good_end = w.n;
    add_epb(&w, 0, 0, d, 4);
    set32(&w, good_end + 4, 0xfffffffcu);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_err(&r, TCPSIFT_E_CAPTURE_TRUNCATED);
    next_end(&r);

    /* a mid-file SHB whose byte-order magic is garbage: fatal with nothing after it; with a
     * section after it, that section is read */
    w.n = 0;
    add_shb(&w, 0);
    good_end = w.n;
    add_shb(&w, 0);
    w.b[good_end + 8] = 0x00;
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 1);
    next_end(&r);
    add_shb(&w, 1);
    add_idb(&w, 1, 0, -1, 0, 0);
    add_epb(&w, 0, 0, d, 4);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0);
    next_ok(&r, &rec);
    next_end(&r);

    /* garbage between blocks, even a block-like word that is not one (unknown type, or a known
     * type whose trailing length differs): skipped in one report */
    w.n = 0;
    add_shb(&w, 0);
    add_idb(&w, 1, 0, -1, 0, 0);
    good_end = w.n;
    put32(&w, 0x12345678u);
    put32(&w, 5); /* total 5: impossible */
    put32(&w, 6); /* an EPB type ... */
    put32(&w, 16); /* ... 16 bytes long, but its trailer (the next word) is not 16 */
    put32(&w, 0xdeadbeefu);
    put32(&w, 0xdeadbeefu);
    add_epb(&w, 0, 0, d, 4);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0);
    next_ok(&r, &rec);
    next_end(&r);
}

/* An EPB on interface 3 (the test below) of one data byte at ts_low, padded, its options next:
 * returns the block's start for block_end(), the data's offset in *data_at. */
static size_t epb_one_byte(struct bb *w, uint32_t ts_low, const uint8_t *d, size_t *data_at)
{
    size_t s = block_begin(w, 6);
    put32(w, 3);
    put32(w, 0);
    put32(w, ts_low);
    put32(w, 1);
    put32(w, 1);
    *data_at = w->n;
    put_bytes(w, d, 1);
    while (w->n % 4)
        put8(w, 0);
    return s;
}

static void test_pcapng_malformed_block_recoverable(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    const uint8_t d[5] = {1, 2, 3, 4, 5};
    size_t s;
    w.n = 0;
    add_shb(&w, 0);
    /* IDB 0 too short for its fixed fields: takes id 0, unusable */
    s = block_begin(&w, 1);
    put32(&w, 1);
    block_end(&w, s);
    /* IDB 1 with a wrong-length if_tsresol */
    s = block_begin(&w, 1);
    put16(&w, 1);
    put16(&w, 0);
    put32(&w, 0);
    put16(&w, 9);
    put16(&w, 2);
    put16(&w, 0x0909);
    put16(&w, 0);
    block_end(&w, s);
    /* IDB 2 whose option runs past the block */
    s = block_begin(&w, 1);
    put16(&w, 1);
    put16(&w, 0);
    put32(&w, 0);
    put16(&w, 2);
    put16(&w, 200);
    block_end(&w, s);
    add_idb(&w, 101, 0, 3, 0, 0); /* IDB 3, good: milliseconds */
    add_epb(&w, 0, 0, d, 1);      /* on the short IDB */
    /* EPB whose caplen runs past its block */
    s = block_begin(&w, 6);
    put32(&w, 3);
    put32(&w, 0);
    put32(&w, 0);
    put32(&w, 9);
    put32(&w, 9);
    put_bytes(&w, d, 5);
    block_end(&w, s);
    /* EPB with an epb_flags option of the wrong length: the packet is kept, its options
     * ignored (libpcap reads it too) */
    size_t at_bad_flags, at_overrun;
    s = epb_one_byte(&w, 0, d, &at_bad_flags);
    opt_bytes(&w, 2, d, 2);
    block_end(&w, s);
    /* EPB whose option runs past the block: kept the same way */
    s = epb_one_byte(&w, 2000, d, &at_overrun);
    put16(&w, 2);
    put16(&w, 500);
    put32(&w, 1);
    block_end(&w, s);
    /* EPB body shorter than its fixed fields */
    s = block_begin(&w, 6);
    put32(&w, 3);
    block_end(&w, s);
    /* a good EPB on IDB 3, with an unknown option and epb_flags */
    s = block_begin(&w, 6);
    put32(&w, 3);
    put32(&w, 0);
    put32(&w, 4321);
    put32(&w, 5);
    put32(&w, 7);
    size_t at = w.n;
    put_bytes(&w, d, 5);
    while (w.n % 4)
        put8(&w, 0);
    opt_bytes(&w, 1, "hello", 5); /* opt_comment */
    put16(&w, 2);
    put16(&w, 4);
    put32(&w, 0x01000002u);
    put32(&w, 0);
    block_end(&w, s);
    /* packets on the IDBs with a malformed option: read at the default resolution (us) */
    size_t on_idb1 = add_epb(&w, 1, 5000000, d, 2);
    size_t on_idb2 = add_epb(&w, 2, 7, d, 3);

    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0); /* IDB 0 short */
    assert_int_equal(tcpsift_capture_linktype(&r), -1);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0); /* IDB 1 bad tsresol length, kept */
    assert_int_equal(tcpsift_capture_linktype(&r), 1);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0); /* IDB 2 option overrun, kept */
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE); /* EPB on malformed IDB 0 */
    assert_int_equal(tcpsift_capture_linktype(&r), 1);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0); /* caplen past block */
    next_ok(&r, &rec); /* epb_flags length 2 */
    expect_record(&rec, w.b + at_bad_flags, 1, 1, 0, 0, 3, 101, 3, 0, 1);
    next_ok(&r, &rec); /* option overrun */
    expect_record(&rec, w.b + at_overrun, 1, 1, 2, 0, 3, 101, 3, 0, 2);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0); /* EPB too short */
    next_ok(&r, &rec);
    expect_record(&rec, w.b + at, 5, 7, 4, 321000000, 3, 101, 3, 0x01000002u, 3);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + on_idb1, 2, 2, 5, 0, 6, 1, 1, 0, 4);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + on_idb2, 3, 3, 0, 7000, 6, 1, 2, 0, 5);
    next_end(&r);
}

static void test_pcapng_interface_limit(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    const uint8_t d[1] = {7};
    w.n = 0;
    add_shb(&w, 1);
    for (int i = 0; i <= TCPSIFT_CAPTURE_MAX_INTERFACES; i++)
        add_idb(&w, (uint16_t)(200 + i), 0, -1, 0, 0);
    size_t a = add_epb(&w, TCPSIFT_CAPTURE_MAX_INTERFACES - 1, 0, d, 1);
    add_epb(&w, TCPSIFT_CAPTURE_MAX_INTERFACES, 0, d, 1);
    /* a new section resets the table */
    add_shb(&w, 0);
    add_epb(&w, 0, 0, d, 1);
    add_idb(&w, 1, 0, -1, 0, 0);
    size_t b = add_epb(&w, 0, 0, d, 1);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0); /* the 65th IDB */
    next_ok(&r, &rec);
    expect_record(&rec, w.b + a, 1, 1, 0, 0, 6, 200 + TCPSIFT_CAPTURE_MAX_INTERFACES - 1,
                  TCPSIFT_CAPTURE_MAX_INTERFACES - 1, 0, 1);
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE);
    next_err(&r, TCPSIFT_E_UNKNOWN_INTERFACE);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + b, 1, 1, 0, 0, 6, 1, 0, 0, 2);
    assert_int_equal(tcpsift_capture_linktype(&r), 200);
    next_end(&r);
}

static void test_pcapng_shb_switches_byte_order(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    const uint8_t d[2] = {0xab, 0xcd};
    w.n = 0;
    add_shb(&w, 1);
    add_idb(&w, 1, 0, 9, 0, 0);
    size_t a = add_epb(&w, 0, 0x0000000100000002ull, d, 2);
    add_shb(&w, 0);
    add_idb(&w, 113, 0, 9, 0, 0);
    size_t b = add_epb(&w, 0, 0x0000000100000002ull, d, 1);
    add_shb(&w, 1);
    add_idb(&w, 101, 0, -1, 0, 0);
    size_t c = add_epb(&w, 0, 0x0000000100000002ull, d, 2);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_ok(&r, &rec); /* 4294967298 ns */
    expect_record(&rec, w.b + a, 2, 2, 4, 294967298, 9, 1, 0, 0, 1);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + b, 1, 1, 4, 294967298, 9, 113, 0, 0, 2);
    next_ok(&r, &rec); /* 4294967298 us */
    expect_record(&rec, w.b + c, 2, 2, 4294, 967298000, 6, 101, 0, 0, 3);
    next_end(&r);
}

static void test_pcapng_spb_caplen(void **state)
{
    (void)state;
    static struct bb w;
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    const uint8_t d[12] = {0};
    size_t s;
    w.n = 0;
    add_shb(&w, 0);
    add_idb(&w, 1, 6, -1, 0, 0); /* snaplen 6 */
    s = block_begin(&w, 3);      /* origlen 100, 12 bytes present: snaplen wins */
    put32(&w, 100);
    size_t a = w.n;
    put_bytes(&w, d, 12);
    block_end(&w, s);
    s = block_begin(&w, 3); /* origlen 3, 4 bytes present (padding): origlen wins */
    put32(&w, 3);
    size_t b = w.n;
    put_bytes(&w, d, 4);
    block_end(&w, s);
    s = block_begin(&w, 3); /* no origlen: malformed */
    block_end(&w, s);
    assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + a, 6, 100, 0, 0, 6, 1, 0, 0, 1);
    next_ok(&r, &rec);
    expect_record(&rec, w.b + b, 3, 3, 0, 0, 6, 1, 0, 0, 2);
    next_err_fatal(&r, TCPSIFT_E_BAD_PCAPNG_BLOCK, 0);
    next_end(&r);
}

/* if_tsresol / if_tsoffset conversions; expected values worked out by hand. */
static void test_pcapng_tsresol(void **state)
{
    (void)state;
    static const struct {
        int tsresol;
        int with_offset;
        int64_t offset;
        uint64_t units;
        int64_t sec;
        uint32_t nsec;
        uint8_t digits;
    } cases[] = {
        {-1, 0, 0, 1234567, 1, 234567000, 6},   /* default: microseconds */
        {0, 0, 0, 17, 17, 0, 0},                /* 10^0: whole seconds */
        {3, 0, 0, 1234567, 1234, 567000000, 3}, /* milliseconds */
        {9, 0, 0, 1234567890123456789ull, 1234567890, 123456789, 9},
        {12, 0, 0, 1234567890123456ull, 1234, 567890123, 9}, /* picoseconds, floored */
        {19, 0, 0, UINT64_MAX, 1, 844674407, 9},             /* 10^19 still fits */
        {20, 0, 0, UINT64_MAX, 0, 184467440, 9},             /* 10^20 does not */
        {30, 0, 0, UINT64_MAX, 0, 0, 9},
        {127, 0, 0, UINT64_MAX, 0, 0, 9},
        {0, 0, 0, UINT64_MAX, INT64_MAX, 0, 0}, /* 2^64-1 s saturates */
        {0x80, 0, 0, 7, 7, 0, 9},               /* 2^0 */
        {0x8a, 0, 0, 5 * 1024 + 512, 5, 500000000, 9},
        {0x8a, 0, 0, 1, 0, 976562, 9}, /* 1/1024 s = 976562.5 ns, floored */
        {0x9e, 0, 0, (3ull << 30) | (1ull << 29), 3, 500000000, 9},
        {0xbf, 0, 0, UINT64_MAX, 1, 999999999, 9}, /* 2^-63 */
        {0xc0, 0, 0, 1ull << 63, 0, 500000000, 9}, /* 2^-64 */
        {0xff, 0, 0, UINT64_MAX, 0, 0, 9},         /* 2^-127 */
        /* Bit patterns whose 128-bit product carries between halves. tshark 4.0.17 prints
         * 1193046.001349063 and 6.000000001 for these two and 1234.014487801 for the 10^-12
         * case above: its 64-bit fraction arithmetic overflows above nanosecond resolution. */
        {0xa8, 0, 0, 0x123456789abcdef0ull, 1193046, 471111111, 9},
        {0xbd, 0, 0, 0xdeadbeefcafebabeull, 6, 958709209, 9},
        {0xb2, 0, 0, 0xfedcba9876543210ull, 16311, 182222222, 9},
        {0xc0, 0, 0, 0xfedcba9876543210ull, 0, 995555555, 9},
        {0xc6, 0, 0, UINT64_MAX, 0, 15624999, 9},
        {6, 1, -10, 5000000, -5, 0, 6},
        /* the time is ts_sec + ts_nsec / 10^9: here -4.75 s (tshark prints "-5.250000000") */
        {6, 1, -10, 5250000, -5, 250000000, 6},
        {6, 1, INT64_MIN, 0, INT64_MIN, 0, 6},
        {6, 1, INT64_MIN, 2000000, INT64_MIN + 2, 0, 6},
        {6, 1, INT64_MAX, 1000000, INT64_MAX, 0, 6}, /* saturates */
        {6, 1, 1, 0, 1, 0, 6},
    };
    static struct bb w;
    const uint8_t d[1] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int big = 0; big <= 1; big++) {
            tcpsift_capture_reader r;
            tcpsift_capture_record rec;
            w.n = 0;
            add_shb(&w, big);
            add_idb(&w, 1, 0, cases[i].tsresol, cases[i].with_offset, cases[i].offset);
            add_epb(&w, 0, cases[i].units, d, 1);
            assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
            next_ok(&r, &rec);
            if (rec.ts_sec != cases[i].sec || rec.ts_nsec != cases[i].nsec ||
                rec.ts_digits != cases[i].digits)
                fail_msg("case %zu (big %d): got %lld.%09u digits %u", i, big,
                         (long long)rec.ts_sec, rec.ts_nsec, rec.ts_digits);
            next_end(&r);
        }
    }
}

/* tcpsift_capture_record_ns(): seconds and nanoseconds to one int64_t, saturated at both ends
 * (a pcapng at if_tsresol 10^0 claiming 10^10 s once overflowed the example's own sum), and a
 * caller's record with ts_nsec out of range still cannot overflow. */
static void test_record_ns(void **state)
{
    (void)state;
    static const struct {
        int64_t sec;
        uint32_t nsec;
        int64_t ns;
    } cases[] = {
        {0, 0, 0},
        {0, 5, 5},
        {1700000000, 123456789, 1700000000123456789},
        {-1, 999999999, 0}, /* before the epoch */
        {INT64_MIN, 0, 0},
        {9223372034, 999999999, 9223372034999999999},
        {9223372035, 0, INT64_MAX}, /* saturated, as the CLI always did */
        {10000000000, 0, INT64_MAX},
        {INT64_MAX, 999999999, INT64_MAX},
        {1, 4000000000u, 1999999999}, /* ts_nsec past 10^9: the second's last nanosecond */
        {9223372034, UINT32_MAX, 9223372034999999999},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcpsift_capture_record rec;
        memset(&rec, 0, sizeof rec);
        rec.ts_sec = cases[i].sec;
        rec.ts_nsec = cases[i].nsec;
        if (tcpsift_capture_record_ns(&rec) != cases[i].ns)
            fail_msg("case %zu: %lld.%09u -> %lld, want %lld", i, (long long)cases[i].sec,
                     cases[i].nsec, (long long)tcpsift_capture_record_ns(&rec),
                     (long long)cases[i].ns);
    }
    assert_int_equal(tcpsift_capture_record_ns(NULL), 0);
    /* The reader's own record: 10^10 whole seconds (if_tsresol 10^0). */
    static struct bb w;
    const uint8_t d[1] = {0};
    for (int big = 0; big <= 1; big++) {
        tcpsift_capture_reader r;
        tcpsift_capture_record rec;
        w.n = 0;
        add_shb(&w, big);
        add_idb(&w, 1, 0, 0, 0, 0);
        add_epb(&w, 0, 10000000000ull, d, 1);
        assert_int_equal(tcpsift_capture_open(&r, w.b, w.n), TCPSIFT_OK);
        next_ok(&r, &rec);
        assert_int_equal(rec.ts_sec, 10000000000ll);
        assert_true(tcpsift_capture_record_ns(&rec) == INT64_MAX);
        next_end(&r);
    }
}

/* ------------------------------------------------------------------ shared real captures */
#define EXTERNAL_DIR TCPSIFT_SHARED_DIR "/captures/external"

static int shared_present(void)
{
    DIR *d = opendir(EXTERNAL_DIR);
    if (!d) {
        printf("SKIPPED: ../shared absent (%s)\n", EXTERNAL_DIR);
        fflush(stdout);
        return 0;
    }
    closedir(d);
    return 1;
}


struct count_result {
    uint64_t packets;
    size_t errors;
    int final_rc;
};

static struct count_result count_packets(const uint8_t *buf, size_t len)
{
    struct count_result c = {0, 0, 0};
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    assert_int_equal(tcpsift_capture_open(&r, buf, len), TCPSIFT_OK);
    int rc;
    while ((rc = tcpsift_capture_next(&r, &rec, &err)) != 0) {
        if (rc == 1) {
            c.packets++;
            assert_int_equal(rec.frame_number, c.packets);
        } else {
            c.errors++;
            c.final_rc = -1;
        }
    }
    return c;
}


/* Manifest lookup: packets (column 7) for a relative path, -1 when not listed. */
static long manifest_packets(const char *manifest, const char *rel)
{
    const char *line = manifest;
    size_t rel_len = strlen(rel);
    while (line && *line) {
        if (strncmp(line, rel, rel_len) == 0 && line[rel_len] == '\t') {
            const char *p = line;
            for (int col = 1; col < 7; col++) {
                p = strchr(p, '\t');
                if (!p) return -1;
                p++;
            }
            return strtol(p, NULL, 10);
        }
        line = strchr(line, '\n');
        if (line) line++;
    }
    return -1;
}

static void test_shared_packet_counts(void **state)
{
    (void)state;
    if (!shared_present()) {
        skip();
        return;
    }
    size_t mlen;
    uint8_t *manifest = test_load_file(EXTERNAL_DIR "/MANIFEST.tsv", &mlen);
    assert_non_null(manifest);
    manifest = realloc(manifest, mlen + 1);
    assert_non_null(manifest);
    manifest[mlen] = 0;
    assert_true(strncmp((const char *)manifest, "file\t", 5) == 0); /* header row first */
    const char *subdirs[] = {"pcapplusplus", "suricata-verify", "tcpdump", "zeek"};
    size_t files = 0, pcapng_files = 0;
    for (size_t s = 0; s < sizeof subdirs / sizeof subdirs[0]; s++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", EXTERNAL_DIR, subdirs[s]);
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            int ng = test_ends_with(de->d_name, ".pcapng");
            if (!ng && !test_ends_with(de->d_name, ".pcap")) continue;
            char rel[512], path[2048];
            snprintf(rel, sizeof rel, "%s/%s", subdirs[s], de->d_name);
            snprintf(path, sizeof path, "%s/%s", EXTERNAL_DIR, rel);
            long want = manifest_packets((const char *)manifest, rel);
            if (want < 0) fail_msg("%s is not in MANIFEST.tsv", rel);
            size_t len;
            uint8_t *buf = test_load_file(path, &len);
            assert_non_null(buf);
            struct count_result c = count_packets(buf, len);
            if (c.packets != (uint64_t)want || c.errors != 0)
                fail_msg("%s: %llu packets, %zu errors; MANIFEST says %ld packets", rel,
                         (unsigned long long)c.packets, c.errors, want);
            free(buf);
            files++;
            pcapng_files += (size_t)ng;
        }
        closedir(d);
    }
    printf("read %zu captures (%zu pcapng), counts equal MANIFEST.tsv\n", files, pcapng_files);
    assert_int_equal(files, 80);
    assert_true(pcapng_files >= 4);
    free(manifest);
}

/* Timestamps of the first records, as `tshark -r FILE -T fields -e frame.time_epoch
 * -e frame.interface_id -c 3` (tshark 4.0.17) printed them. */
static void test_shared_timestamps_match_tshark(void **state)
{
    (void)state;
    if (!shared_present()) {
        skip();
        return;
    }
    static const struct {
        const char *file;
        uint64_t frame;
        int64_t sec;
        uint32_t nsec;
        uint8_t digits;
        int linktype;
        uint32_t iface;
        uint32_t caplen, wirelen;
    } want[] = {
        /* big-endian nanosecond pcap */
        {"pcapplusplus/nanosecs_big_endian.pcap", 1, 1766361926, 167647291, 9, 1, 0, 74, 74},
        {"pcapplusplus/nanosecs_big_endian.pcap", 2, 1766361926, 167658091, 9, 1, 0, 74, 74},
        {"pcapplusplus/nanosecs_big_endian.pcap", 3, 1766361926, 167666291, 9, 1, 0, 66, 66},
        /* little-endian nanosecond pcap, Linux SLL */
        {"tcpdump/tcp-handshake-nano.pcap", 1, 1418145369, 924505488, 9, 113, 0, 76, 76},
        {"tcpdump/tcp-handshake-nano.pcap", 3, 1418145370, 52115157, 9, 113, 0, 68, 68},
        /* microsecond pcap */
        {"pcapplusplus/one_tcp_stream.pcap", 1, 1491516383, 915793000, 6, 1, 0, 66, 66},
        {"pcapplusplus/one_tcp_stream.pcap", 3, 1491516383, 931437000, 6, 1, 0, 60, 60},
        /* pcapng, two interfaces with different link types and resolutions */
        {"pcapplusplus/pcapng-example.pcapng", 1, 1422527998, 578402281, 9, 1, 0, 74, 74},
        {"pcapplusplus/pcapng-example.pcapng", 2, 2894531997, 938836488, 9, 1, 0, 74, 74},
        {"pcapplusplus/pcapng-example.pcapng", 3, 1422527998, 578455857, 9, 1, 0, 66, 66},
        {"pcapplusplus/pcapng-example.pcapng", 61, 18446744073204, 126338000, 6, 113, 1, 128, 1444},
        {"pcapplusplus/pcapng-example.pcapng", 159, 18446744073204, 277451000, 6, 113, 1, 128,
         1444},
        {"zeek/retransmit-timeout.pcapng", 3, 629503500, 40000, 6, 1, 0, 72, 72},
        {"zeek/ip-discarder-truncated-tcp-oob.pcapng", 1, 0, 1000, 6, 1, 0, 34, 54},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", EXTERNAL_DIR, want[i].file);
        size_t len;
        uint8_t *buf = test_load_file(path, &len);
        assert_non_null(buf);
        tcpsift_capture_reader r;
        tcpsift_capture_record rec;
        tcpsift_error err;
        assert_int_equal(tcpsift_capture_open(&r, buf, len), TCPSIFT_OK);
        int rc;
        while ((rc = tcpsift_capture_next(&r, &rec, &err)) == 1 && rec.frame_number < want[i].frame)
            ;
        assert_int_equal(rc, 1);
        if (rec.ts_sec != want[i].sec || rec.ts_nsec != want[i].nsec ||
            rec.ts_digits != want[i].digits || rec.linktype != want[i].linktype ||
            rec.interface_id != want[i].iface || rec.caplen != want[i].caplen ||
            rec.wirelen != want[i].wirelen)
            fail_msg("%s frame %llu: got %lld.%09u digits %u link %d if %u len %u/%u", want[i].file,
                     (unsigned long long)want[i].frame, (long long)rec.ts_sec, rec.ts_nsec,
                     rec.ts_digits, rec.linktype, rec.interface_id, rec.caplen, rec.wirelen);
        free(buf);
    }
}

/* Every prefix of small real captures at a guard page: a prefix of the full parse, then a clean
 * end or CAPTURE_TRUNCATED, never a read past the end. */
static void test_shared_every_prefix(void **state)
{
    (void)state;
    if (!shared_present()) {
        skip();
        return;
    }
    static const char *files[] = {
        "pcapplusplus/nanosecs_big_endian.pcap", "tcpdump/tcp-handshake-nano.pcap",
        "zeek/retransmit-timeout.pcapng", "zeek/ip-discarder-truncated-tcp-oob.pcapng",
        "zeek/http-on-irc-port-missing-syn.pcapng"};
    static struct event all[MAX_EVENTS], part[MAX_EVENTS];
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", EXTERNAL_DIR, files[f]);
        size_t len;
        uint8_t *buf = test_load_file(path, &len);
        assert_non_null(buf);
        tcpsift_error open_err;
        size_t n_all = read_all(buf, len, &open_err, all, MAX_EVENTS);
        assert_int_equal(open_err, TCPSIFT_OK);
        for (size_t i = 0; i < n_all; i++)
            assert_int_equal(all[i].rc, 1);
        size_t prev = 0;
        for (size_t cut = 0; cut <= len; cut++) {
            struct guard_buf g;
            const uint8_t *p = guard_place(&g, buf, cut);
            assert_non_null(p);
            size_t n = read_all(p, cut, &open_err, part, MAX_EVENTS);
            if (n > 0 && part[n - 1].rc == -1) {
                /* only a final CAPTURE_TRUNCATED may follow the records */
                assert_int_equal(part[n - 1].err, TCPSIFT_E_CAPTURE_TRUNCATED);
                n--;
            }
            if (open_err != TCPSIFT_OK) {
                assert_int_equal(open_err, TCPSIFT_E_NOT_A_CAPTURE);
                assert_int_equal(prev, 0);
            } else {
                assert_true(n >= prev && n <= n_all);
                for (size_t i = 0; i < n; i++) {
                    assert_int_equal(part[i].rc, 1);
                    assert_int_equal(part[i].rec.data - p, all[i].rec.data - buf);
                    assert_int_equal(part[i].rec.caplen, all[i].rec.caplen);
                    assert_true(part[i].rec.ts_sec == all[i].rec.ts_sec);
                    assert_int_equal(part[i].rec.ts_nsec, all[i].rec.ts_nsec);
                }
                if (cut == len) assert_int_equal(n, n_all);
                prev = n;
            }
            guard_release(&g);
        }
        free(buf);
    }
}

static void test_guard_place(void **state)
{
    (void)state;
    struct guard_buf g;
    const char text[] = "abc";
    const uint8_t *p = guard_place(&g, text, 3);
    assert_non_null(p);
    assert_memory_equal(p, "abc", 3);
    /* the copy ends exactly at a page boundary, where the guard page starts */
    long page = sysconf(_SC_PAGESIZE);
    assert_true(page > 0);
    assert_int_equal(((uintptr_t)(p + 3)) % (uintptr_t)page, 0);
    guard_release(&g);
    assert_null(g.map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_place),
        cmocka_unit_test(test_pcap_all_magics),
        cmocka_unit_test(test_pcap_header_rejected),
        cmocka_unit_test(test_pcap_record_edge_cases),
        cmocka_unit_test(test_pcap_old_versions_swap_lengths),
        cmocka_unit_test(test_pcap_every_prefix),
        cmocka_unit_test(test_pcapng_every_block_type),
        cmocka_unit_test(test_pcapng_every_prefix),
        cmocka_unit_test(test_pcapng_open_rejects),
        cmocka_unit_test(test_pcapng_unknown_interface_recoverable),
        cmocka_unit_test(test_pcapng_bad_framing_resync),
        cmocka_unit_test(test_pcapng_malformed_block_recoverable),
        cmocka_unit_test(test_pcapng_interface_limit),
        cmocka_unit_test(test_pcapng_shb_switches_byte_order),
        cmocka_unit_test(test_pcapng_spb_caplen),
        cmocka_unit_test(test_pcapng_tsresol),
        cmocka_unit_test(test_record_ns),
        cmocka_unit_test(test_shared_packet_counts),
        cmocka_unit_test(test_shared_timestamps_match_tshark),
        cmocka_unit_test(test_shared_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
