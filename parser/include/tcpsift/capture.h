/* tcpsift capture-file reader: pcap and pcapng over a caller-owned memory buffer, zero-copy.
 *
 * tcpsift_capture_open() detects the format; tcpsift_capture_next() returns one packet record at
 * a time as a view into the caller's buffer. Nothing is allocated and nothing is copied: the
 * record's `data` stays valid exactly as long as the caller keeps the buffer unchanged. Every read
 * is bounds-checked against the buffer, so hostile input can only produce a named error.
 *
 * Formats: pcap with all four magics (0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds, each in
 * both byte orders; version 2.x), and pcapng (draft-ietf-opsawg-pcapng): SHB, IDB, EPB, SPB and
 * the obsolete Packet Block; every other block type (NRB, ISB, DSB, custom, unknown, local use)
 * is skipped by its length. A new SHB starts a new section: byte order and interface table reset.
 *
 * Errors from tcpsift_capture_next() (-1 with *err set) come in two kinds:
 *
 *   fatal (the framing of the rest of the input cannot be trusted; the reader then stays at
 *   its end and every later call returns 0):
 *     TCPSIFT_E_CAPTURE_TRUNCATED   the input ends inside a record header, record or block.
 *     TCPSIFT_E_BAD_CAPTURE_RECORD  pcap record caplen above TCPSIFT_CAPTURE_MAX_CAPLEN: the
 *                                   length is corrupt, so the next record cannot be located.
 *     TCPSIFT_E_BAD_PCAPNG_BLOCK    an SHB of major version != 1; or a block whose framing is
 *                                   impossible (below) with no soundly framed block after it.
 *
 *   recoverable (reported once for the block; the next call continues with the next block, so
 *   every good packet before and after it is still returned):
 *     TCPSIFT_E_BAD_PCAPNG_BLOCK    a block whose framing is impossible (total length < 12 or
 *                                   not a multiple of 4, the trailing copy of the length
 *                                   differing from the leading one, an SHB with an unknown
 *                                   byte-order magic): the reader looks for the next block in
 *                                   4-byte steps from there, one of a known type (SHB, IDB,
 *                                   PB, SPB, NRB, ISB, EPB, DSB, custom), of at most
 *                                   TCPSIFT_CAPTURE_MAX_CAPLEN + 4096 bytes, whose trailing
 *                                   length equals its leading one, and goes on from it; the
 *                                   error is reported once, when that block is found (or, if
 *                                   none is, as the fatal error above).
 *     TCPSIFT_E_UNKNOWN_INTERFACE   EPB/PB interface id (or SPB's implied interface 0) not
 *                                   described by a valid IDB of the current section.
 *     TCPSIFT_E_BAD_PCAPNG_BLOCK    a soundly framed block whose contents are malformed: body
 *                                   too short for its fixed fields, captured length beyond the
 *                                   block, options running past the block, a known option of
 *                                   the wrong length, or an IDB beyond
 *                                   TCPSIFT_CAPTURE_MAX_INTERFACES. A malformed IDB still
 *                                   takes its interface id (so later ids keep their meaning);
 *                                   packets on it report TCPSIFT_E_UNKNOWN_INTERFACE.
 *
 * Documented choices:
 *   - pcap record caplen > wirelen is kept as is (tshark does the same); caplen > snaplen is
 *     accepted when within the buffer and TCPSIFT_CAPTURE_MAX_CAPLEN.
 *   - pcap timestamp fractions >= 1 s (usec >= 10^6, nsec >= 10^9) are carried into seconds.
 *   - pcapng timestamps are unsigned 64-bit counts of units of 10^-k or 2^-k seconds
 *     (if_tsresol, k = 0..127, default 10^-6); every k is converted exactly (floor to the
 *     nanosecond) without overflow. if_tsoffset (signed seconds) is added with saturation at
 *     INT64_MIN/INT64_MAX. ts_digits is k for 10^-k capped at 9 (the record carries
 *     nanoseconds), and 9 for 2^-k.
 *   - pcapng options need not end with opt_endofopt; the last option's padding may be missing.
 *   - pcapng section length is ignored (-1 is common); blocks are walked by their own lengths.
 *   - pcapng captured lengths are bounded by their block, not by TCPSIFT_CAPTURE_MAX_CAPLEN.
 *
 * Input that arrives in pieces (a pipe, a socket) is read through a window that the caller
 * slides along the stream and reuses: tcpsift_capture_open_partial() over the first bytes, then
 * tcpsift_capture_refill() with the bytes not yet consumed followed by new ones. In this mode a
 * record or block that runs past the window's end is not an error: the reader stops before it
 * and tcpsift_capture_wants_more() says so. The records, errors and their order are exactly
 * those tcpsift_capture_open() gives on the whole input, wherever the window ends fall. */
#ifndef TCPSIFT_CAPTURE_H
#define TCPSIFT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest pcap record caplen accepted: 256 KiB, libpcap's and Wireshark's maximum snapshot
 * length for ordinary link types. A larger value means a corrupt record header. */
#define TCPSIFT_CAPTURE_MAX_CAPLEN 0x40000u
/* Interfaces (IDBs) per pcapng section; one more is reported as TCPSIFT_E_BAD_PCAPNG_BLOCK. */
#define TCPSIFT_CAPTURE_MAX_INTERFACES 64

/* One packet record: a view into the caller's buffer. */
typedef struct tcpsift_capture_record {
    const uint8_t *data;   /* caplen bytes inside the buffer given to tcpsift_capture_open() */
    uint32_t caplen;       /* bytes present in `data` */
    uint32_t wirelen;      /* length of the packet on the wire (pcap len, pcapng origlen) */
    int64_t ts_sec;        /* seconds since the epoch */
    uint32_t ts_nsec;      /* fraction of the second in nanoseconds, < 10^9 */
    uint8_t ts_digits;     /* decimal digits of the capture's precision: 6 usec pcap, 9 nsec pcap;
                              pcapng: k for if_tsresol 10^-k (capped at 9), 9 for 2^-k */
    int linktype;          /* LINKTYPE_* of this record (pcapng interfaces may differ) */
    uint32_t interface_id; /* pcapng interface id within its section; 0 for pcap */
    uint32_t epb_flags;    /* pcapng epb_flags (or PB pack_flags) option when present, else 0 */
    uint64_t frame_number; /* 1-based; counts every packet record returned */
} tcpsift_capture_record;

/* The record's time in nanoseconds since the epoch, as tcpsift_tracker_packet() takes it:
 * ts_sec * 10^9 + ts_nsec, saturated instead of overflowing int64_t: 0 before the epoch,
 * INT64_MAX from the year 2262 on (a pcapng's if_tsresol and if_tsoffset let any capture
 * claim such times). 0 for a NULL record. */
int64_t tcpsift_capture_record_ns(const tcpsift_capture_record *rec);

/* Private per-interface state of a pcapng section. */
typedef struct tcpsift_capture_interface_ {
    int64_t tsoffset; /* if_tsoffset seconds */
    uint32_t snaplen; /* 0 = unlimited */
    int linktype;     /* -1: the IDB was malformed; packets on it are refused */
    uint8_t tsresol;  /* raw if_tsresol byte: MSB set = 2^-k, else 10^-k */
} tcpsift_capture_interface_;

/* Caller-owned reader state. All fields are private: use the functions below. */
typedef struct tcpsift_capture_reader {
    const uint8_t *buf_;
    size_t len_;
    size_t pos_;            /* offset of the next record header / block */
    uint64_t frames_;       /* packet records returned so far */
    int format_;            /* 0 none, 1 pcap, 2 pcapng */
    int big_endian_;        /* pcap file / current pcapng section byte order */
    int at_end_;            /* set after the end or a fatal error */
    int first_linktype_;    /* pcap header link type, or the file's first IDB's; -1 if none */
    int pcap_nsec_;         /* pcap: fractions are nanoseconds */
    int pcap_swapped_lengths_; /* pcap: 1 caplen and len stored swapped, 2 swapped when caplen > len */
    uint32_t n_interfaces_; /* IDBs seen in the current pcapng section */
    int partial_;           /* more input may follow the window (tcpsift_capture_open_partial) */
    int wants_more_;        /* partial: stopped where a record or block runs past the window */
    size_t needed_;         /* wants_more_: that record's or block's size, 0 if not yet known */
    size_t prefetched_;     /* pcap: look-ahead asked for up to here (an offset into buf_) */
    int resyncing_;         /* pcapng: looking for the next block after an impossible one */
    tcpsift_capture_interface_ interfaces_[TCPSIFT_CAPTURE_MAX_INTERFACES];
} tcpsift_capture_reader;

/* Start reading `len` bytes at `buf` (not copied; must outlive the reader). Detects pcap (all four
 * magics) or pcapng (validates the first SHB). Returns TCPSIFT_E_NOT_A_CAPTURE when the input is
 * neither, or is shorter than its file header / first SHB; TCPSIFT_E_INVALID_ARGUMENT for a NULL
 * reader. On error the reader is left at end (tcpsift_capture_next() returns 0). */
tcpsift_error tcpsift_capture_open(tcpsift_capture_reader *r, const uint8_t *buf, size_t len);

/* Next packet record. Returns 1 and fills *rec; 0 at the clean end of the input (and forever
 * after a fatal error); -1 with *err set on an error (see the top of this file for which ones
 * are fatal and which skip one block). `err` may be NULL. */
int tcpsift_capture_next(tcpsift_capture_reader *r, tcpsift_capture_record *rec,
                         tcpsift_error *err);

/* The next records, up to `max`, into recs[0..n-1]; returns n. The same records, errors and
 * order as calls to tcpsift_capture_next(), handed out together so that the caller can look
 * ahead (prefetch recs[i + k].data while decoding recs[i]) and pays one call per batch:
 *   - n == max, *err == TCPSIFT_OK: there may be more;
 *   - *err != TCPSIFT_OK: the n records are those before the error, which tcpsift_capture_next()
 *     would have returned as -1 after them; tcpsift_capture_at_end() tells a fatal error (1)
 *     from a skipped block (0, the next call continues after it);
 *   - n < max, *err == TCPSIFT_OK: the input ended cleanly after these n (0 = already at end).
 * TCPSIFT_E_INVALID_ARGUMENT for a NULL reader, or NULL recs with max > 0. `err` may be NULL. */
size_t tcpsift_capture_next_batch(tcpsift_capture_reader *r, tcpsift_capture_record *recs,
                                  size_t max, tcpsift_error *err);

/* pcap header link type, or the first IDB's link type for pcapng; -1 if no IDB read yet. */
int tcpsift_capture_linktype(const tcpsift_capture_reader *r);

/* 1 once the reader is at its end: after the clean end, after a fatal error (so after a -1 from
 * tcpsift_capture_next() it tells a fatal error, 1, from a skipped block, 0), or when open
 * failed. */
int tcpsift_capture_at_end(const tcpsift_capture_reader *r);

/* 1 when the input is pcapng, 0 for pcap (or when open failed). */
int tcpsift_capture_is_pcapng(const tcpsift_capture_reader *r);

/* ---- Input in pieces: a window over the stream (see the top of this file) ---- */

/* As tcpsift_capture_open() over the first `len` bytes of a stream that goes on. Returns
 * TCPSIFT_E_CAPTURE_TRUNCATED when the magic is a capture's but the window is too short for the
 * file header (pcap: 24 bytes; pcapng: the whole first SHB): read more and call it again with
 * the longer window (tcpsift_capture_needed() gives the header's size when known). */
tcpsift_error tcpsift_capture_open_partial(tcpsift_capture_reader *r, const uint8_t *buf,
                                           size_t len);

/* 1 when the reader stopped at the end of a partial window: tcpsift_capture_next() returned 0
 * (or a batch ended early with TCPSIFT_OK) because the next record or block is not whole in the
 * window. Not at end: call tcpsift_capture_refill(). */
int tcpsift_capture_wants_more(const tcpsift_capture_reader *r);

/* Bytes at the start of the window the reader is done with (records returned, blocks skipped).
 * The next window must start with the byte after them. */
size_t tcpsift_capture_consumed(const tcpsift_capture_reader *r);

/* When the reader wants more: the size of the record (pcap: 16 + caplen) or block (pcapng: its
 * total length) that did not fit, counted from its first byte; 0 when even its length is not
 * in the window yet. A window at least this long, starting at that byte, holds it. */
size_t tcpsift_capture_needed(const tcpsift_capture_reader *r);

/* The next window: `buf` starts with the first byte not consumed (tcpsift_capture_consumed()
 * of the previous window) and holds `len` bytes. Records returned before this call point into
 * the previous window: the caller must be done with them (or keep those bytes). `final` set:
 * this window holds the rest of the stream, so a record cut by its end is reported as
 * TCPSIFT_E_CAPTURE_TRUNCATED, as by tcpsift_capture_open(). TCPSIFT_E_INVALID_ARGUMENT for a
 * NULL reader or a NULL buf with len > 0; a reader at its end stays there, done with the whole
 * window (tcpsift_capture_consumed() is then its length). */
tcpsift_error tcpsift_capture_refill(tcpsift_capture_reader *r, const uint8_t *buf, size_t len,
                                     int final);

#ifdef __cplusplus
}
#endif
#endif
