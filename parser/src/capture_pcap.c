/* Classic pcap files: a 24-byte global header, then 16-byte record headers each followed by
 * caplen bytes (https://www.tcpdump.org/manpages/pcap-savefile.5.html, draft-ietf-opsawg-pcap). */
#include "capture_internal.h"
#include "cursor.h"
#include "tcpsift/capture.h"

#define PCAP_MAGIC_USEC      0xa1b2c3d4u
#define PCAP_MAGIC_NSEC      0xa1b23c4du
#define PCAP_FILE_HEADER_LEN 24u
#define PCAP_RECORD_HEADER_LEN 16u
/* Records are read in file order: ask for the three cache lines 6 KiB ahead now, so that they are
 * in cache when their turn comes (bench/README.md: the walk without it costs 1.5x; asking for
 * three lines instead of one took the decode tier from ~105 to ~92 ns/packet, 6 KiB instead of
 * 4 KiB ahead to ~86; 2, 3, 8 and 12 KiB measured worse). */
#define PCAP_PREFETCH_AHEAD 16384u
#define PCAP_VERSION_MAJOR   2u

/* Writers before format 2.3 stored a record's original length before its captured length;
 * 2.3 files come from both kinds of writer. libpcap (sf-pcap.c) and Wireshark swap the two
 * fields back: always below 2.3, in 2.3 when the captured length would be the larger. */
enum { LENGTHS_IN_ORDER, LENGTHS_SWAPPED, LENGTHS_MAYBE_SWAPPED };

tcpsift_error tcpsift_capture_pcap_open(tcpsift_capture_reader *r)
{
    tcpsift_cursor c = cursor_make(r->buf_, r->len_);
    const uint8_t *hdr;
    if (!cursor_peek(&c, PCAP_FILE_HEADER_LEN, &hdr)) {
        if (!r->partial_) return TCPSIFT_E_NOT_A_CAPTURE;
        tcpsift_capture_wait(r, PCAP_FILE_HEADER_LEN); /* the stream goes on: read more */
        return TCPSIFT_E_CAPTURE_TRUNCATED;
    }
    uint32_t magic_be = load_be32(hdr);
    /* The writer stored the magic in its own byte order: reading it big-endian tells which. */
    int big = magic_be == PCAP_MAGIC_USEC || magic_be == PCAP_MAGIC_NSEC;
    uint32_t magic, snaplen, linktype_field, thiszone, sigfigs;
    uint16_t major, minor;
    if (!cursor_u32_order(&c, big, &magic) || !cursor_u16_order(&c, big, &major) ||
        !cursor_u16_order(&c, big, &minor) || !cursor_u32_order(&c, big, &thiszone) ||
        !cursor_u32_order(&c, big, &sigfigs) || !cursor_u32_order(&c, big, &snaplen) ||
        !cursor_u32_order(&c, big, &linktype_field))
        return TCPSIFT_E_NOT_A_CAPTURE;
    if (major != PCAP_VERSION_MAJOR) return TCPSIFT_E_NOT_A_CAPTURE;
    /* 2.2 .. 2.4 exist in the wild and share the record layout but for the lengths' order. */
    r->pcap_swapped_lengths_ = minor < 3    ? LENGTHS_SWAPPED
                               : minor == 3 ? LENGTHS_MAYBE_SWAPPED
                                            : LENGTHS_IN_ORDER;
    (void)thiszone; /* always 0 in practice; tshark ignores it too */
    (void)sigfigs;
    (void)snaplen; /* records above snaplen are accepted; TCPSIFT_CAPTURE_MAX_CAPLEN bounds them */
    r->format_ = TCPSIFT_CAPTURE_FORMAT_PCAP;
    r->big_endian_ = big;
    r->pcap_nsec_ = magic == PCAP_MAGIC_NSEC;
    /* The upper bits of this field carry FCS presence/length (pcap-savefile(5) LinkType and
     * additional information); the link type proper is the low 16 bits. */
    r->first_linktype_ = (int)(linktype_field & 0xffffu);
    r->pos_ = PCAP_FILE_HEADER_LEN;
    return TCPSIFT_OK;
}

/* The reader's state for a run of records, in locals: the byte order and timestamp unit are
 * fixed at open, so the per-record work is one 16-byte bounds check, four loads, the record's
 * own checks and its fields. */
typedef struct pcap_run {
    tcpsift_cursor c; /* at the next record header */
    uint64_t frames;
    int big, linktype;
    uint32_t per_sec;  /* fraction units in a second: 10^9 (nanoseconds) or 10^6 */
    uint32_t to_nsec;  /* 1 or 1000 */
    uint8_t ts_digits; /* 9 or 6 */
    uint32_t cut_caplen; /* PCAP_CUT_DATA: the caplen of the record the input cut */
    int swapped_lengths; /* the reader's pcap_swapped_lengths_ */
} pcap_run;

/* A record header cut by the end of the input, or a record's data (the cursor is then past
 * its header): truncation, or in a partial window the place to wait for more. */
typedef enum pcap_outcome {
    PCAP_RECORD,
    PCAP_END,
    PCAP_CUT_HEADER,
    PCAP_CUT_DATA,
    PCAP_BAD_RECORD
} pcap_outcome;

/* Look-ahead (issue 9): every line from where the last call stopped asking up to
 * PCAP_PREFETCH_AHEAD bytes past the next record, four lines a step. Where each later record
 * header lies is known only once the one before it is read, so all the lines are asked for:
 * the records of a batch were asked for a few batches before. */
static inline void pcap_prefetch_ahead(tcpsift_capture_reader *r)
{
#if defined(__GNUC__) || defined(__clang__)
    size_t left = r->len_ - r->pos_;
    size_t want = left > PCAP_PREFETCH_AHEAD ? r->pos_ + PCAP_PREFETCH_AHEAD : r->len_;
    size_t at = r->prefetched_ > r->pos_ ? r->prefetched_ : r->pos_;
    if (at >= want) return;
    const uint8_t *p = r->buf_ + at;
    size_t steps = (want - at) / 256;
    for (size_t i = 0; i < steps; i++, p += 256) {
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
        __builtin_prefetch(p + 128);
        __builtin_prefetch(p + 192);
    }
    r->prefetched_ = at + steps * 256;
#else
    (void)r;
#endif
}

static inline pcap_run pcap_run_start(const tcpsift_capture_reader *r)
{
    pcap_run run;
    run.c = cursor_make(r->buf_ + r->pos_, r->len_ - r->pos_);
    run.frames = r->frames_;
    run.big = r->big_endian_;
    run.per_sec = r->pcap_nsec_ ? 1000000000u : 1000000u;
    run.to_nsec = r->pcap_nsec_ ? 1u : 1000u;
    run.ts_digits = r->pcap_nsec_ ? 9 : 6;
    run.linktype = r->first_linktype_;
    run.cut_caplen = 0;
    run.swapped_lengths = r->pcap_swapped_lengths_;
    return run;
}

/* Inlined into both callers: the batch loop is the per-packet path. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline pcap_outcome pcap_record(pcap_run *run, tcpsift_capture_record *rec,
                                       int swapped_lengths)
{
    const uint8_t *h;
    if (TCPSIFT_UNLIKELY(!cursor_take(&run->c, PCAP_RECORD_HEADER_LEN, &h)))
        return cursor_left(&run->c) == 0 ? PCAP_END : PCAP_CUT_HEADER;
    uint32_t ts_sec, ts_frac, caplen, wirelen;
    if (TCPSIFT_LIKELY(!run->big)) {
        ts_sec = load_le32(h);
        ts_frac = load_le32(h + 4);
        caplen = load_le32(h + 8);
        wirelen = load_le32(h + 12);
    } else {
        ts_sec = load_be32(h);
        ts_frac = load_be32(h + 4);
        caplen = load_be32(h + 8);
        wirelen = load_be32(h + 12);
    }
    /* A constant in each caller's loop: files of format 2.4 pay nothing for older ones. */
    if (swapped_lengths == LENGTHS_SWAPPED ||
        (swapped_lengths == LENGTHS_MAYBE_SWAPPED && caplen > wirelen)) {
        uint32_t t = caplen;
        caplen = wirelen;
        wirelen = t;
    }
    /* A caplen this large is a corrupt header: the next record cannot be located, so stop. */
    if (TCPSIFT_UNLIKELY(caplen > TCPSIFT_CAPTURE_MAX_CAPLEN)) return PCAP_BAD_RECORD;
    const uint8_t *data;
    if (TCPSIFT_UNLIKELY(!cursor_take(&run->c, caplen, &data))) {
        run->cut_caplen = caplen;
        return PCAP_CUT_DATA;
    }

    rec->data = data;
    rec->caplen = caplen; /* kept even when > wirelen, as tshark does */
    rec->wirelen = wirelen;
    uint32_t per_sec = run->per_sec;
    int64_t sec = (int64_t)ts_sec;
    if (TCPSIFT_UNLIKELY(ts_frac >= per_sec)) {
        /* A fraction of a second or more (writers that never normalised) is carried into
         * seconds. */
        sec += (int64_t)(ts_frac / per_sec);
        ts_frac %= per_sec;
    }
    rec->ts_sec = sec;
    rec->ts_nsec = ts_frac * run->to_nsec; /* < 10^9 */
    rec->ts_digits = run->ts_digits;
    rec->linktype = run->linktype;
    rec->interface_id = 0;
    rec->epb_flags = 0;
    rec->frame_number = ++run->frames;
    return PCAP_RECORD;
}

/* Store the run back (what is left of the input, the frame count); the outcome of the last
 * attempt: a record, the end, or a fatal error (-1). */
static int pcap_run_finish(tcpsift_capture_reader *r, size_t left, uint64_t frames,
                           uint32_t cut_caplen, pcap_outcome o, tcpsift_error *err)
{
    r->frames_ = frames;
    size_t record_start = r->len_ - left; /* where the last attempt began, but for CUT_DATA */
    switch (o) {
    case PCAP_RECORD:
        break;
    case PCAP_END:
        if (r->partial_)
            tcpsift_capture_wait(r, 0);
        else
            r->at_end_ = 1;
        break;
    case PCAP_CUT_HEADER:
        if (!r->partial_) return tcpsift_capture_fail_fatal(r, TCPSIFT_E_CAPTURE_TRUNCATED, err);
        tcpsift_capture_wait(r, 0);
        break;
    case PCAP_CUT_DATA:
        if (!r->partial_) return tcpsift_capture_fail_fatal(r, TCPSIFT_E_CAPTURE_TRUNCATED, err);
        /* wait before the record's header, which was already read */
        record_start -= PCAP_RECORD_HEADER_LEN;
        tcpsift_capture_wait(r, PCAP_RECORD_HEADER_LEN + (size_t)cut_caplen);
        break;
    case PCAP_BAD_RECORD:
        return tcpsift_capture_fail_fatal(r, TCPSIFT_E_BAD_CAPTURE_RECORD, err);
    }
    r->pos_ = record_start;
    return 0;
}

int tcpsift_capture_pcap_next(tcpsift_capture_reader *r, tcpsift_capture_record *rec,
                              tcpsift_error *err)
{
    pcap_prefetch_ahead(r);
    pcap_run run = pcap_run_start(r);
    pcap_outcome o = pcap_record(&run, rec, run.swapped_lengths);
    int rc = pcap_run_finish(r, cursor_left(&run.c), run.frames, run.cut_caplen, o, err);
    return o == PCAP_RECORD ? 1 : rc;
}

size_t tcpsift_capture_pcap_next_batch(tcpsift_capture_reader *r, tcpsift_capture_record *recs,
                                       size_t max, tcpsift_error *err)
{
    pcap_prefetch_ahead(r);
    pcap_run run = pcap_run_start(r);
    pcap_outcome o = PCAP_RECORD;
    size_t n = 0;
    if (TCPSIFT_LIKELY(run.swapped_lengths == LENGTHS_IN_ORDER)) {
        while (n < max && (o = pcap_record(&run, &recs[n], LENGTHS_IN_ORDER)) == PCAP_RECORD) n++;
    } else {
        while (n < max && (o = pcap_record(&run, &recs[n], run.swapped_lengths)) == PCAP_RECORD)
            n++;
    }
    pcap_run_finish(r, cursor_left(&run.c), run.frames, run.cut_caplen, o, err);
    return n;
}
