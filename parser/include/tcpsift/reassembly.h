/* tcpsift per-direction TCP stream reassembly.
 *
 * One tcpsift_reasm turns the segments one endpoint sent into that direction's byte stream.
 * It knows nothing of packet decoding: the caller hands it (seq, payload, flags) and the
 * peer's acknowledgement numbers, and receives callbacks.
 *
 * Stream offsets. The offset of a byte is its sequence number minus the sequence number of the
 * direction's first data byte, modulo 2^32, extended to 64 bits (so it survives wraparound and a
 * hole advances the offset by its size). The first data byte is ISN+1 when a SYN was fed (the SYN
 * occupies one sequence number, RFC 9293 §3.4); otherwise ("midstream pickup") it is the first
 * byte of the first segment carrying data, and anything older is treated as already delivered.
 * Sequence numbers are interpreted relative to the next undelivered byte with the usual
 * modulo-2^32 window of ±2^31 (RFC 9293 §3.4): the caller must reject wildly out-of-window
 * segments and unacceptable ACKs itself (this module does not track the receive window).
 *
 * Delivery modes.
 * - ON_ARRIVAL (default): bytes are delivered as soon as they are in order. A segment that
 *   starts at the next expected byte is delivered as a VIEW into the caller's buffer (copied=0),
 *   never copied. Out-of-order bytes are copied into buffers and delivered from there
 *   (copied=1) once the hole before them fills. Bytes already delivered keep the first copy;
 *   among copies not yet delivered, the overlap policy decides.
 *   An ACK beyond every byte seen, with nothing held after the hole, does not skip the hole
 *   at once: captures do show an ACK before the data it acknowledges (timestamps out of
 *   order, multi-queue capture), and that late data is still delivered. The hole becomes an
 *   ACK_UNSEEN gap when data past it arrives, or at finish.
 * - ACKED: every byte is copied and held until the peer's ACK covers it; the overlap policy
 *   decides among the copies seen before that ACK, except that under an OS policy a copy that
 *   was in order when it came (contiguous from the delivery point with the copies held before
 *   it) is in the receiver's queue and stays, as every stack trims later copies to RCV.NXT:
 *   the policies decide past a hole, as in ON_ARRIVAL mode. Delivered ptrs are copied=1, except for a
 *   segment delivered at once because a cap left no room to hold it (see below).
 * Views given to on_data are valid only during the callback; with config.stable_buffers a
 * copied=0 view points into the caller's buffer and stays valid as long as that buffer.
 * In both modes an ACK beyond the bytes seen turns the hole below it into a gap (ACK_UNSEEN);
 * bytes of that hole arriving later are behind the delivery point and only counted.
 * Midstream pickup: bytes before the first data byte seen have negative offsets; they are
 * counted as unverified retransmissions, never delivered.
 *
 * Retransmissions of delivered bytes. Comparing a later copy with bytes already delivered needs
 * those bytes: when config.max_retained_bytes > 0 the last that many delivered bytes are
 * retained and later copies are compared: identical -> RETRANSMISSION, different ->
 * OVERLAP_MISMATCH. Bytes older than that can only be counted (RETRANSMISSION_UNVERIFIED,
 * unverified_bytes). How they are retained depends on config.stable_buffers:
 * - 0 (default): every delivered byte is copied into a ring of up to max_retained_bytes
 *   (allocated at the first delivery with 256 bytes, doubled as the stream's delivered bytes
 *   grow, moving what it retains; memory counted; a ring that cannot grow keeps its size and
 *   retains fewer bytes). This is the only copy of in-order data.
 * - 1: the caller promises that the bytes passed to tcpsift_reasm_segment() stay valid and
 *   unchanged until tcpsift_reasm_finish() or tcpsift_reasm_free() (a mapped capture file, a
 *   capture read whole). Bytes delivered as views (copied=0) are then retained as views:
 *   (stream offset, pointer, length) into the caller's buffer, never copied. At most
 *   max_retained_bytes bytes are retained (view bytes count against it, the oldest trimmed
 *   first) in at most max_retained_views views (an array grown on demand; memory counted).
 *   Bytes delivered from held copies (copied=1) live only during on_data, so they are copied
 *   into the ring (allocated only then; grown as above when max_retained_bytes is a power of
 *   two, the views into it moved along, else allocated whole) and retained as views of it.
 * stats.bytes_copied counts every byte this module copies (held segments and the ring): with
 * stable buffers an in-order stream costs 0.
 *
 * Memory and caps. Held bytes are stored per received segment (one allocation of header + the
 * segment's captured bytes, shared by the extents that still reference it) through the
 * allocator hooks. memory_bytes counts every allocation (segment buffers, the extent array, the
 * retention ring). Caps: config.max_buffered_bytes (memory of this direction),
 * config.max_segments (extents held: contiguous pieces of held data, each at most one segment),
 * and an optional shared tcpsift_reasm_budget (memory across many reassemblers). An allocation
 * that would exceed a cap is never made. Instead the lowest held data is released: the hole
 * before it (if any) is skipped and reported as a gap (reason MEMCAP or SEGMENT_CAP), then the
 * contiguous held run is delivered (in ACKED mode before its ACK), repeating until the new
 * segment fits or is itself the lowest data; in that case it is delivered at once as a view.
 * Each such release raises MEMCAP_HIT or SEGMENT_CAP_HIT once per segment (an allocator
 * returning NULL is handled the same way, as MEMCAP_HIT).
 *
 * Bounded work. Held extents sit in a sorted ring-ordered array: a segment costs a binary search
 * plus O(pieces it overlaps), and an insertion moves at most half the extents (none for
 * ascending or descending arrival), so max_segments bounds the work per segment.
 *
 * FIN occupies one sequence number (RFC 9293 §3.4); bytes at or after the FIN's sequence number
 * are never delivered (dropped_after_fin_bytes, DATA_AFTER_FIN). The first FIN fixes the end.
 * RST: the caller decides acceptance; payload carried by an RST segment is diagnostic text, not
 * stream data (RFC 1122 §4.2.2.12), and is only counted in rst_payload_bytes. Call
 * tcpsift_reasm_finish() when the connection is closed or forgotten.
 *
 * Not thread-safe; no global state: every reassembler (and budget) is independent. */
#ifndef TCPSIFT_REASSEMBLY_H
#define TCPSIFT_REASSEMBLY_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/alloc.h"
#include "tcpsift/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Segment flags for tcpsift_reasm_segment(); same values as enum tcpsift_tcp_flag. */
#define TCPSIFT_REASM_FIN 0x001u
#define TCPSIFT_REASM_SYN 0x002u
#define TCPSIFT_REASM_RST 0x004u

typedef enum tcpsift_reasm_mode {
    TCPSIFT_REASM_ON_ARRIVAL = 0,
    TCPSIFT_REASM_ACKED = 1
} tcpsift_reasm_mode;

/* Which copy of an overlapped byte is kept among copies not yet delivered.
 * "new" is the arriving copy N, "old" the copy O currently held for those bytes (the segment
 * that supplied it, with its original start/end). For each overlapped byte range:
 *   FIRST      old always wins.
 *   LAST       new always wins.
 *   BSD        new wins iff N.start < O.start.
 *   WINDOWS    same rule as BSD (Suricata maps Windows and Windows 2003 to it).
 *   LINUX      new wins iff N.start < O.start, or N.start == O.start and N.end > O.end.
 *   OLD_LINUX  new wins iff N.start < O.start, or N.start == O.start and N.end >= O.end.
 *   SOLARIS    new wins iff N.end > O.end, or N.end == O.end and N.start <= O.start.
 * The OS rules are exactly the pairwise rules of Suricata's DoHandleDataOverlap
 * (src/stream-tcp-list.c), its implementation of Novak & Sturges 2007. With more than two
 * copies tcpsift compares the new copy with the copy currently holding each byte; Suricata
 * compares it with every stored segment in tree order, which may differ for three or more
 * mutually overlapping copies. On Suricata's multi-segment overlap vectors (its
 * src/tests/stream-tcp-list.c) every policy gives exactly Suricata's bytes in ACKED mode when
 * every copy lands out of order, as there (Suricata inserts them into its list directly; fed
 * as they are, copies in order at offset 0 stay: see ACKED above)
 * (parser/tests/test_overlap_vectors.c; FIRST is checked against its VISTA vectors, WINDOWS
 * against BSD). In ON_ARRIVAL mode bytes delivered in order keep their first copy whatever the
 * policy (a later differing copy is only recorded as a conflict). Other OS names (hpux10, irix, macos: BSD rule there; hpux11:
 * Solaris rule; vista: first) are not offered because we cannot check them against vectors. */
typedef enum tcpsift_overlap_policy {
    TCPSIFT_OVERLAP_FIRST = 0,
    TCPSIFT_OVERLAP_LAST,
    TCPSIFT_OVERLAP_BSD,
    TCPSIFT_OVERLAP_WINDOWS,
    TCPSIFT_OVERLAP_LINUX,
    TCPSIFT_OVERLAP_OLD_LINUX,
    TCPSIFT_OVERLAP_SOLARIS,
    TCPSIFT_OVERLAP_COUNT_
} tcpsift_overlap_policy;

/* Stable lower-case name ("first", "last", "bsd", ...), "unknown" when out of range. */
const char *tcpsift_overlap_policy_name(tcpsift_overlap_policy p);
/* Parse a name as printed by tcpsift_overlap_policy_name(); TCPSIFT_E_INVALID_ARGUMENT if
 * unknown. */
tcpsift_error tcpsift_overlap_policy_parse(const char *name, tcpsift_overlap_policy *out);
/* 1 when the new copy [new_start,new_end) replaces the old copy [old_start,old_end) on the
 * bytes they share under policy p, else 0. Offsets are stream offsets (64-bit, no wrap). */
int tcpsift_overlap_new_wins(tcpsift_overlap_policy p, uint64_t new_start, uint64_t new_end,
                             uint64_t old_start, uint64_t old_end);

typedef enum tcpsift_reasm_gap_reason {
    TCPSIFT_GAP_MEMCAP = 0,  /* skipped to make room under a memory cap */
    TCPSIFT_GAP_SEGMENT_CAP, /* skipped to make room under max_segments */
    TCPSIFT_GAP_ACK_UNSEEN,  /* the peer acknowledged bytes never seen */
    TCPSIFT_GAP_FINISH,      /* the connection ended with a hole */
    TCPSIFT_GAP_TRUNCATED    /* sent (IP length) but not captured (snaplen) */
} tcpsift_reasm_gap_reason;

const char *tcpsift_reasm_gap_reason_name(tcpsift_reasm_gap_reason r);

typedef enum tcpsift_reasm_event_kind {
    TCPSIFT_REASM_EV_RETRANSMISSION = 0,        /* identical copy of bytes seen before, dropped */
    TCPSIFT_REASM_EV_RETRANSMISSION_UNVERIFIED, /* copy of delivered bytes no longer retained */
    TCPSIFT_REASM_EV_OVERLAP_MISMATCH, /* range = first..last differing byte of one overlap */
    TCPSIFT_REASM_EV_DATA_AFTER_FIN,   /* bytes at/after the FIN's sequence number, dropped */
    TCPSIFT_REASM_EV_MEMCAP_HIT,       /* offset/len: the segment that did not fit */
    TCPSIFT_REASM_EV_SEGMENT_CAP_HIT,  /* offset/len: the segment that did not fit */
    TCPSIFT_REASM_EV_COUNT_
} tcpsift_reasm_event_kind;

const char *tcpsift_reasm_event_name(tcpsift_reasm_event_kind k);

typedef struct tcpsift_reasm_callbacks {
    /* Bytes [offset, offset+len) of the stream, in order, each byte exactly once. */
    void (*on_data)(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied);
    /* Bytes [offset, offset+len) will never be delivered. */
    void (*on_gap)(void *ctx, uint64_t offset, uint64_t len, tcpsift_reasm_gap_reason reason);
    void (*on_event)(void *ctx, tcpsift_reasm_event_kind kind, uint64_t offset, uint64_t len);
    void *ctx;
} tcpsift_reasm_callbacks;

/* Memory shared by many reassemblers (e.g. every connection of a table). cap 0 = no cap.
 * Zero-initialise, set cap; never touched concurrently. */
typedef struct tcpsift_reasm_budget {
    uint64_t cap;
    uint64_t used;
    uint64_t peak;
    uint64_t hits; /* times an allocation was refused because of this cap */
} tcpsift_reasm_budget;

typedef struct tcpsift_reasm_config {
    tcpsift_reasm_mode mode;
    tcpsift_overlap_policy policy;
    uint64_t max_buffered_bytes; /* memory cap for this direction; 0 = no per-direction cap */
    uint32_t max_segments;       /* held extents cap; 0 = no cap */
    uint32_t max_retained_bytes; /* delivered bytes kept to verify retransmissions; 0 = off */
    /* 1: data given to tcpsift_reasm_segment() stays valid and unchanged until finish/free;
     * delivered bytes are retained as views into it instead of copies (see the header). */
    int stable_buffers;
    uint32_t max_retained_views; /* stable_buffers: views retained at most; 0 = none kept */
} tcpsift_reasm_config;

/* Defaults: ON_ARRIVAL, FIRST, 1 MiB, 4096 extents, 64 KiB retained, buffers not stable,
 * 64 retained views. */
void tcpsift_reasm_config_default(tcpsift_reasm_config *cfg);

typedef struct tcpsift_reasm_stats {
    uint64_t delivered_bytes; /* bytes passed to on_data */
    uint64_t buffered_bytes;  /* stream bytes held now (not yet delivered) */
    uint64_t buffered_peak;   /* maximum of buffered_bytes */
    uint64_t memory_bytes;    /* allocated now (held segments, extent array, ring) */
    uint64_t memory_peak;
    uint64_t gap_bytes;           /* bytes passed to on_gap */
    uint64_t retransmitted_bytes; /* identical copies dropped */
    uint64_t unverified_bytes;    /* copies of delivered bytes that could not be compared */
    uint64_t overlap_bytes;       /* bytes of differing copies (all bytes of mismatch ranges) */
    uint64_t dropped_after_fin_bytes;
    uint64_t rst_payload_bytes;
    uint64_t memcap_hits;
    uint64_t segment_cap_hits;
    uint64_t conflicts; /* mismatching overlaps seen (recorded or not) */
    uint64_t bytes_copied; /* bytes copied: held segments, retention ring (0 when in order
                              with stable_buffers) */
} tcpsift_reasm_stats;

/* One range where copies differed. */
typedef struct tcpsift_reasm_conflict {
    uint64_t offset;
    uint64_t len;
    uint8_t new_won;   /* 1: the later copy was kept, 0: the earlier copy */
    uint8_t delivered; /* 1: the earlier copy had already been delivered (it stays) */
} tcpsift_reasm_conflict;

/* Conflict records kept: allocated (and counted in memory_bytes) at the first conflict, so a
 * clean stream pays nothing; under a memory cap records may be missing (stats.conflicts still
 * counts every conflict). */
#define TCPSIFT_REASM_CONFLICT_RECORDS 32

struct tcpsift_reasm_extent; /* private */
struct tcpsift_reasm_held;   /* private */

/* Private (reassembly.c): one retained view of delivered bytes, 16 bytes on every target. Its
 * layout is here only because a state holds its first view inline. */
struct tcpsift_reasm_view {
    const uint8_t *ptr;
#if UINTPTR_MAX <= 0xFFFFFFFFu
    uint32_t pad_;
#endif
    uint32_t off_lo;
    uint32_t len;
};

/* Caller-owned: treat every field as private, use the functions below. A reassembler is two
 * parts (issue 9: memory per connection). The setup is what never changes after
 * tcpsift_reasm_init(): the configuration but for the overlap policy, the callbacks, the
 * allocator and the budget. A tracker keeps one setup for all its streams (parser/src/tracker.c).
 * The state is what one direction needs: the policy, the stream position, the held and retained
 * bytes and the statistics. */
typedef struct tcpsift_reasm_setup {
    tcpsift_reasm_callbacks cb;
    tcpsift_allocator alloc;
    tcpsift_reasm_budget *budget;
    uint64_t max_buffered_bytes; /* tcpsift_reasm_config's caps */
    uint32_t max_segments;
    uint32_t max_retained_bytes;
    uint32_t max_retained_views;
    uint8_t mode;           /* tcpsift_reasm_mode */
    uint8_t stable_buffers; /* config.stable_buffers != 0 */
    uint8_t ctx_is_state;   /* callbacks get the state's address as ctx, not cb.ctx (one
                               setup for many states: the tracker's) */
} tcpsift_reasm_setup;

/* The fields an in-order segment and an ACK touch come first, in the first cache line (stable
 * buffers; the copy ring and delivered_bytes are in the second, bytes_copied the fourth): with
 * thousands of connections open, each line of stream state a packet touches is a likely cache
 * miss. No holes; every field is as narrow as its range. */
typedef struct tcpsift_reasm_state {
    uint32_t base_seq; /* sequence number of stream offset 0 */
    uint8_t have_base, have_fin, finished, in_callback;
    uint64_t next_offset;    /* next byte to deliver (or gap) */
    uint64_t acked_hole_end; /* ON_ARRIVAL: peer acked up to here, nothing held past the hole */
    uint64_t ring_start;     /* stream offset of the oldest retained byte; retained up to next */

    /* stable_buffers: retained bytes as views, a ring-ordered array, oldest first (while
     * view_cap is 1, first_view below: nothing allocated) */
    struct tcpsift_reasm_view *views;
    uint32_t view_head, view_count, view_cap;
    uint32_t view_bytes; /* sum of the views' lengths: <= max_retained_bytes, a uint32_t */

    uint32_t ext_count;        /* held extents */
    uint8_t policy;            /* tcpsift_overlap_policy: per direction (the tracker's prefixes) */
    uint8_t conflict_next;     /* the conflict ring's next slot (records made modulo the ring) */
    uint8_t conflicts_wrapped; /* every slot of the conflict ring has been written */
    uint8_t ring_shift;        /* the ring's size while it grows (reassembly.c, ring_size) */

    uint64_t fin_offset;              /* valid when have_fin */
    uint8_t *ring;                    /* retained delivered bytes (copies) */
    struct tcpsift_reasm_extent *ext; /* ring-ordered array of held extents */
    uint32_t ext_head, ext_cap;
    /* the last TCPSIFT_REASM_CONFLICT_RECORDS recorded conflicts, a ring; allocated at the
     * first conflict */
    tcpsift_reasm_conflict *conflicts;
    struct tcpsift_reasm_view first_view; /* the views while view_cap is 1 (reassembly.c) */

    tcpsift_reasm_stats stats;
} tcpsift_reasm_state;

/* A standalone reassembler: its own setup and one state. */
typedef struct tcpsift_reasm {
    tcpsift_reasm_state state;
    tcpsift_reasm_setup setup;
} tcpsift_reasm;

/* cfg NULL = defaults; alloc NULL = malloc/free; budget may be NULL. Never allocates. */
tcpsift_error tcpsift_reasm_init(tcpsift_reasm *r, const tcpsift_reasm_config *cfg,
                                 const tcpsift_reasm_callbacks *cb, const tcpsift_allocator *alloc,
                                 tcpsift_reasm_budget *budget);

/* One segment of this direction. seq: its sequence number; data/len: captured payload;
 * wire_len: payload length implied by the IP header (>= len; the uncaptured tail is a gap,
 * reason TRUNCATED); flags: TCPSIFT_REASM_SYN/FIN/RST. Returns INVALID_ARGUMENT for
 * wire_len < len, data NULL with len > 0, wire_len >= 2^31, or a call from a callback. */
tcpsift_error tcpsift_reasm_segment(tcpsift_reasm *r, uint32_t seq, const uint8_t *data, size_t len,
                                    size_t wire_len, unsigned flags);

/* The peer acknowledged everything before `ack`. Holes below it become gaps (ACK_UNSEEN); in
 * ACKED mode held bytes below it are delivered. Ignored before the first SYN/data byte. */
tcpsift_error tcpsift_reasm_ack(tcpsift_reasm *r, uint32_t ack);

/* Connection over: deliver everything held (holes become gaps, reason FINISH, including a hole
 * before a seen FIN) and release memory. Further segments are ignored. */
tcpsift_error tcpsift_reasm_finish(tcpsift_reasm *r);

/* Release all memory without delivering (e.g. an evicted connection). Further segments are
 * ignored, as after finish. Safe after finish; from a callback it does nothing. */
void tcpsift_reasm_free(tcpsift_reasm *r);

const tcpsift_reasm_stats *tcpsift_reasm_get_stats(const tcpsift_reasm *r);

/* Copy up to `max` of the most recent conflict records, oldest first; returns how many. The
 * records are memory of the reassembler: read them before tcpsift_reasm_finish()/free(). */
size_t tcpsift_reasm_conflicts(const tcpsift_reasm *r, tcpsift_reasm_conflict *out, size_t max);

/* 1 when the internal invariants hold (held extents ordered, disjoint, at or after the next
 * byte and before the FIN; counters match; caps respected), else 0. For tests and fuzzers. */
int tcpsift_reasm_check(const tcpsift_reasm *r);

/* Stream offset of the next byte to be delivered, and whether a FIN was seen and reached. */
uint64_t tcpsift_reasm_next_offset(const tcpsift_reasm *r);
int tcpsift_reasm_fin_reached(const tcpsift_reasm *r);
/* Bytes acknowledged by the peer but neither seen nor yet declared a gap (ON_ARRIVAL keeps
 * such a hole open for late data); 0 when there is none. */
uint64_t tcpsift_reasm_acked_hole(const tcpsift_reasm *r);

#ifdef __cplusplus
}
#endif
#endif
