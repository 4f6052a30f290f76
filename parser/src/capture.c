/* Capture reader dispatch (pcap vs pcapng by magic) and the bits both formats share. */
#include <string.h>

#include "capture_internal.h"
#include "cursor.h"
#include "tcpsift/capture.h"

#define PCAP_MAGIC_USEC         0xa1b2c3d4u
#define PCAP_MAGIC_NSEC         0xa1b23c4du
#define PCAP_MAGIC_USEC_SWAPPED 0xd4c3b2a1u
#define PCAP_MAGIC_NSEC_SWAPPED 0x4d3cb2a1u
/* SHB block type: a palindrome, so it reads the same in either byte order. */
#define PCAPNG_SHB_TYPE 0x0a0d0d0au

static void reader_reset(tcpsift_capture_reader *r, const uint8_t *buf, size_t len)
{
    memset(r, 0, sizeof *r);
    r->buf_ = buf;
    r->len_ = buf ? len : 0;
    r->first_linktype_ = -1;
    r->at_end_ = 1; /* until a back end accepts the header */
}

static tcpsift_error open_window(tcpsift_capture_reader *r, const uint8_t *buf, size_t len,
                                 int partial)
{
    if (!r) return TCPSIFT_E_INVALID_ARGUMENT;
    reader_reset(r, buf, len);
    r->partial_ = partial;
    tcpsift_cursor c = cursor_make(r->buf_, r->len_);
    uint32_t magic;
    if (!cursor_be32(&c, &magic)) {
        if (!partial) return TCPSIFT_E_NOT_A_CAPTURE;
        tcpsift_capture_wait(r, 4); /* the magic decides */
        return TCPSIFT_E_CAPTURE_TRUNCATED;
    }
    tcpsift_error e;
    switch (magic) {
    case PCAP_MAGIC_USEC:
    case PCAP_MAGIC_NSEC:
    case PCAP_MAGIC_USEC_SWAPPED:
    case PCAP_MAGIC_NSEC_SWAPPED:
        e = tcpsift_capture_pcap_open(r);
        break;
    case PCAPNG_SHB_TYPE:
        e = tcpsift_capture_pcapng_open(r);
        break;
    default:
        return TCPSIFT_E_NOT_A_CAPTURE;
    }
    if (e != TCPSIFT_OK) {
        size_t needed = r->needed_;
        reader_reset(r, buf, len);
        if (e == TCPSIFT_E_CAPTURE_TRUNCATED) tcpsift_capture_wait(r, needed);
        return e;
    }
    r->at_end_ = 0;
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_capture_open(tcpsift_capture_reader *r, const uint8_t *buf, size_t len)
{
    return open_window(r, buf, len, 0);
}

tcpsift_error tcpsift_capture_open_partial(tcpsift_capture_reader *r, const uint8_t *buf,
                                           size_t len)
{
    return open_window(r, buf, len, 1);
}

int tcpsift_capture_wants_more(const tcpsift_capture_reader *r)
{
    return r && r->wants_more_;
}

size_t tcpsift_capture_consumed(const tcpsift_capture_reader *r)
{
    return r ? r->pos_ : 0;
}

size_t tcpsift_capture_needed(const tcpsift_capture_reader *r)
{
    return r && r->wants_more_ ? r->needed_ : 0;
}

tcpsift_error tcpsift_capture_refill(tcpsift_capture_reader *r, const uint8_t *buf, size_t len,
                                     int final)
{
    if (!r || (!buf && len > 0)) return TCPSIFT_E_INVALID_ARGUMENT;
    /* An empty window (the stream ended) still gets a real address: pointer
     * arithmetic on NULL, even + 0, is undefined. */
    static const uint8_t no_bytes[1];
    if (r->at_end_) {
        /* The clean end or a fatal error: nothing more is read, and the reader is done with the
         * whole window (consumed() never exceeds the window it was given). */
        r->buf_ = buf ? buf : no_bytes;
        r->len_ = buf ? len : 0;
        r->pos_ = r->len_;
        r->wants_more_ = 0;
        r->needed_ = 0;
        r->prefetched_ = 0;
        return TCPSIFT_OK;
    }
    r->buf_ = buf ? buf : no_bytes;
    r->len_ = buf ? len : 0;
    r->pos_ = 0;
    r->partial_ = !final;
    r->wants_more_ = 0;
    r->needed_ = 0;
    r->prefetched_ = 0; /* an offset into the old window */
    return TCPSIFT_OK;
}

void tcpsift_capture_wait(tcpsift_capture_reader *r, size_t needed)
{
    r->wants_more_ = 1;
    r->needed_ = needed;
}

int tcpsift_capture_next(tcpsift_capture_reader *r, tcpsift_capture_record *rec, tcpsift_error *err)
{
    tcpsift_error dummy;
    if (!err) err = &dummy;
    *err = TCPSIFT_OK;
    if (!r || !rec) {
        *err = TCPSIFT_E_INVALID_ARGUMENT;
        return -1;
    }
    if (r->at_end_) return 0;
    switch ((enum tcpsift_capture_format_)r->format_) {
    case TCPSIFT_CAPTURE_FORMAT_PCAP:
        return tcpsift_capture_pcap_next(r, rec, err);
    case TCPSIFT_CAPTURE_FORMAT_PCAPNG:
        return tcpsift_capture_pcapng_next(r, rec, err);
    case TCPSIFT_CAPTURE_FORMAT_NONE:
        break;
    }
    return 0;
}

size_t tcpsift_capture_next_batch(tcpsift_capture_reader *r, tcpsift_capture_record *recs,
                                  size_t max, tcpsift_error *err)
{
    tcpsift_error dummy;
    if (!err) err = &dummy;
    *err = TCPSIFT_OK;
    if (!r || (!recs && max > 0)) {
        *err = TCPSIFT_E_INVALID_ARGUMENT;
        return 0;
    }
    if (r->at_end_ || max == 0) return 0;
    switch ((enum tcpsift_capture_format_)r->format_) {
    case TCPSIFT_CAPTURE_FORMAT_PCAP:
        return tcpsift_capture_pcap_next_batch(r, recs, max, err);
    case TCPSIFT_CAPTURE_FORMAT_PCAPNG: {
        size_t n = 0;
        while (n < max && tcpsift_capture_pcapng_next(r, &recs[n], err) == 1) n++;
        return n;
    }
    case TCPSIFT_CAPTURE_FORMAT_NONE:
        break;
    }
    return 0;
}

int tcpsift_capture_linktype(const tcpsift_capture_reader *r)
{
    return r ? r->first_linktype_ : -1;
}

int tcpsift_capture_at_end(const tcpsift_capture_reader *r)
{
    return !r || r->at_end_;
}

int tcpsift_capture_is_pcapng(const tcpsift_capture_reader *r)
{
    return r && r->format_ == TCPSIFT_CAPTURE_FORMAT_PCAPNG;
}

int tcpsift_capture_fail_fatal(tcpsift_capture_reader *r, tcpsift_error code, tcpsift_error *err)
{
    r->at_end_ = 1;
    r->pos_ = r->len_;
    *err = code;
    return -1;
}

/* 10^0 .. 10^19: every power of ten a uint64_t holds. */
static const uint64_t pow10_u64[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};

/* floor(x * 10^9 / 2^k) for k in 0..127, via a 128-bit product kept in two halves (C11 has no
 * portable 128-bit integer). */
static uint64_t mul_1e9_shift(uint64_t x, unsigned k)
{
    const uint64_t billion = 1000000000ull;
    uint64_t lo_part = (x & 0xffffffffull) * billion; /* < 2^62 */
    uint64_t hi_part = (x >> 32) * billion;           /* < 2^62, weight 2^32 */
    uint64_t lo = lo_part + (hi_part << 32);
    uint64_t hi = (hi_part >> 32) + (lo < lo_part ? 1u : 0u);
    if (k == 0) return lo;
    if (k < 64) return (lo >> k) | (hi << (64 - k));
    return hi >> (k - 64);
}

void tcpsift_capture_ts_from_units(uint64_t units, uint8_t tsresol, uint64_t *sec, uint32_t *nsec)
{
    unsigned k = tsresol & 0x7fu;
    if (tsresol & 0x80u) { /* units of 2^-k seconds */
        uint64_t rem;
        if (k >= 64) {
            *sec = 0;
            rem = units;
        } else {
            *sec = units >> k;
            rem = k ? units & ((1ull << k) - 1) : 0;
        }
        *nsec = (uint32_t)mul_1e9_shift(rem, k); /* rem < 2^k, so the result is < 10^9 */
        return;
    }
    if (k <= 19) { /* units of 10^-k seconds, 10^k representable */
        uint64_t per_sec = pow10_u64[k];
        uint64_t rem = units % per_sec;
        *sec = units / per_sec;
        *nsec = (uint32_t)(k <= 9 ? rem * pow10_u64[9 - k] : rem / pow10_u64[k - 9]);
        return;
    }
    /* k >= 20: 10^k exceeds every uint64_t, so the count is below one second. */
    *sec = 0;
    *nsec = (uint32_t)(k - 9 <= 19 ? units / pow10_u64[k - 9] : 0);
}

uint8_t tcpsift_capture_ts_digits(uint8_t tsresol)
{
    if (tsresol & 0x80u) return 9;
    return (uint8_t)((tsresol & 0x7fu) > 9 ? 9 : (tsresol & 0x7fu));
}

int64_t tcpsift_capture_record_ns(const tcpsift_capture_record *rec)
{
    const int64_t ns_per_sec = 1000000000;
    if (!rec || rec->ts_sec < 0) return 0;
    if (rec->ts_sec >= INT64_MAX / ns_per_sec - 1) return INT64_MAX;
    /* The reader keeps ts_nsec below 10^9; a caller's own record might not. */
    int64_t nsec = rec->ts_nsec < ns_per_sec ? (int64_t)rec->ts_nsec : ns_per_sec - 1;
    return rec->ts_sec * ns_per_sec + nsec;
}

int64_t tcpsift_capture_add_seconds(uint64_t sec, int64_t offset)
{
    const uint64_t max = (uint64_t)INT64_MAX;
    if (offset >= 0) {
        uint64_t o = (uint64_t)offset;
        if (sec >= max || max - sec < o) return INT64_MAX;
        return (int64_t)(sec + o);
    }
    uint64_t mag = (uint64_t)(-(offset + 1)) + 1u; /* |offset| without overflowing INT64_MIN */
    if (sec >= mag) {
        uint64_t d = sec - mag;
        return d > max ? INT64_MAX : (int64_t)d;
    }
    uint64_t d = mag - sec; /* 1 .. 2^63 */
    if (d > max) return INT64_MIN;
    return -(int64_t)d;
}
