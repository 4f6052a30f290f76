/* tcpsift connection tracker: decoded packets in, connections, stream bytes,
 * gaps, frames and anomaly events out.
 *
 * The tracker owns a bounded flow table (tcpsift/flow_table.h). For every TCP
 * connection it drives each endpoint's RFC 9293 state through the explicit
 * state table (tcpsift/state.h), judges RST acceptability per RFC 5961,
 * counts anomalies (tcpsift/anomaly.h), keeps Zeek's history and conn_state,
 * and, when asked, reassembles each direction (tcpsift/reassembly.h) and cuts
 * it into frames (tcpsift/framer.h). UDP flows are counted, and with framing
 * on each datagram is one frame.
 *
 * Feed packets in capture order with tcpsift_tracker_packet(); call
 * tcpsift_tracker_finish() at the end of input (or to flush a live capture).
 * Time is the packets' own clock (nanoseconds since the epoch): idle
 * timeouts and TIME_WAIT never look at the wall clock.
 *
 * Lifetimes: every pointer passed to a callback (conn info, data, frame) is
 * valid only during the callback. Stream data delivered in order on arrival
 * points into the packet buffer given to tcpsift_tracker_packet().
 *
 * Callbacks must not call back into their tracker: while one of its entry
 * points runs, tcpsift_tracker_packet() and tcpsift_tracker_packets() return
 * TCPSIFT_E_INVALID_ARGUMENT with nothing processed,
 * tcpsift_tracker_advance_time() and tcpsift_tracker_finish() do nothing, and
 * tcpsift_tracker_destroy() frees nothing (the running call still uses the
 * tracker). tcpsift_tracker_get_stats() may be called.
 *
 * One tracker per thread; trackers share nothing and hold no locks. */
#ifndef TCPSIFT_TRACKER_H
#define TCPSIFT_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/alloc.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/error.h"
#include "tcpsift/flow_table.h"
#include "tcpsift/framer.h"
#include "tcpsift/reassembly.h"
#include "tcpsift/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a segment with a bad checksum (TCP, or its IPv4 header's: RFC 1122
 * 3.2.1.2) does to state and reassembly. */
typedef enum tcpsift_checksum_policy {
    /* Verify; a bad checksum makes the segment ignored (counted, history C),
     * except that a segment whose bad checksum looks like transmit offload
     * (the field holds only the pseudo-header sum, as on every loopback or
     * sending-host capture; an IPv4 header checksum field left 0) is treated
     * as unverified. Judged per segment: sending-host captures mix finished
     * and offloaded sums in one direction (seen in zeek's and suricata's test
     * captures). A forged segment can carry such a sum too: on a tap, where
     * every sum is finished, use VERIFY. The default. */
    TCPSIFT_CHECKSUM_AUTO = 0,
    TCPSIFT_CHECKSUM_VERIFY, /* every bad checksum: segment ignored */
    TCPSIFT_CHECKSUM_OFF     /* never computed: every segment accepted */
} tcpsift_checksum_policy;

const char *tcpsift_checksum_policy_name(tcpsift_checksum_policy p);
tcpsift_error tcpsift_checksum_policy_parse(const char *name, tcpsift_checksum_policy *out);

/* What the byte an urgent pointer marks does to the stream (RFC 9293 §3.8.5).
 * The urgent pointer points one past the urgent byte: RFC 6093 §2-3 records
 * that every major stack reads it that way (RFC 793's text, not RFC 1122's),
 * so the byte at SEG.SEQ + urgent_ptr - 1 is the urgent one, and only the
 * newest pointer's byte is out-of-band, as in BSD and Linux (tcp_check_urg:
 * a later pointer replaces an earlier unread one, whose byte stays inline). */
typedef enum tcpsift_urgent_policy {
    /* The byte stays in the stream (a receiver with SO_OOBINLINE, and RFC
     * 6093 §4's advice). Segments with URG are only counted. The default. */
    TCPSIFT_URGENT_INLINE = 0,
    /* The byte is taken out of the stream, as a receiver without
     * SO_OOBINLINE reads it. Offsets stay in sequence space (the CLI
     * contract): the removed byte is neither data nor a gap, so the next
     * on_data / on_gap offset jumps by one with no gap event; consumers see
     * it through the urgent_removed count (stream_bytes leaves it out).
     * Framers work on the contiguous in-band bytes (a length-prefixed
     * message after an out-of-band byte still frames), and each frame's
     * offset is mapped back to sequence space: in-band offset + removed
     * bytes before that position; a frame's len counts in-band bytes only.
     * With framing on, a direction remembers at most 8 removals past the
     * start of the last frame it reported (bounded memory): while those 8
     * are pending, a further urgent byte of the direction stays inline, as
     * under TCPSIFT_URGENT_INLINE (its segment counted urgent_data, not
     * urgent_removed); the next frame reported frees them. Without framing
     * there is no limit. Counted urgent_removed. */
    TCPSIFT_URGENT_OOB,
    /* The byte is reported as a one-byte gap (on_gap; framers see a hole).
     * Counted urgent_skipped and content_gap. */
    TCPSIFT_URGENT_GAP
} tcpsift_urgent_policy;

const char *tcpsift_urgent_policy_name(tcpsift_urgent_policy p);
tcpsift_error tcpsift_urgent_policy_parse(const char *name, tcpsift_urgent_policy *out);

/* What a segment whose TTL / hop limit is below its sender's expected one
 * does (insertion: a segment crafted to expire between the observer and the
 * receiver; Ptacek & Newsham 1998). The expected TTL of a direction is the
 * TTL of its first segment: not the minimum (inserted segments would drag it
 * down) nor the maximum (one forged high TTL would make every genuine
 * segment an outlier). */
typedef enum tcpsift_ttl_policy {
    TCPSIFT_TTL_FLAG = 0, /* count ttl_below_expected; process as usual (default) */
    TCPSIFT_TTL_DROP      /* count it, and ignore the segment for state and stream */
} tcpsift_ttl_policy;

const char *tcpsift_ttl_policy_name(tcpsift_ttl_policy p);
tcpsift_error tcpsift_ttl_policy_parse(const char *name, tcpsift_ttl_policy *out);

/* What a TCP segment in an IP datagram that a host discards for its IP options or extension
 * headers, or for a length past the frame, does (insertion: the observer would take bytes the
 * receiver never reads). A host discards a datagram whose IPv4 total length or IPv6 payload
 * length claims more than the frame carried on the wire (Linux ip_rcv_core, ipv6_rcv). A host
 * discards an IPv4 datagram with a malformed option or a source route (LSRR, SSRR: Linux,
 * FreeBSD and Windows hosts refuse them by default), an option Linux's ip_options_compile()
 * refuses (a second Record Route or Timestamp, an impossible pointer, a full Timestamp whose
 * overflow count is 15, a Router Alert under 4 bytes) or a CIPSO option (no DOI configured);
 * and an IPv6 packet whose Hop-by-Hop header is not first (RFC 8200 §4.1), or whose Hop-by-Hop
 * or Destination Options header is malformed, holds an option it does not know whose two high
 * bits say discard (RFC 8200 §4.2; known: Pad1, PadN, Jumbo Payload in Hop-by-Hop, Home Address
 * in Destination Options), PadN bytes other than zero or more than 7 bytes of padding in a row
 * (RFC 4942 §2.1.9.5), more than 8 other options (Linux's max_hbh_opts_number /
 * max_dst_opts_number) or a Jumbo Payload option Linux's ipv6_hop_jumbo() refuses, or that
 * carries a segment routing or RPL routing header (Linux: seg6_enabled, rpl_seg_enabled 0). */
typedef enum tcpsift_ip_option_policy {
    TCPSIFT_IP_OPTIONS_HOST = 0, /* count ip_option_discarded (ip_length_beyond_frame), ignore
                                    the segment for state and stream, as the host does (default) */
    TCPSIFT_IP_OPTIONS_ACCEPT    /* process every segment whatever its IP options */
} tcpsift_ip_option_policy;

const char *tcpsift_ip_option_policy_name(tcpsift_ip_option_policy p);
tcpsift_error tcpsift_ip_option_policy_parse(const char *name, tcpsift_ip_option_policy *out);

/* What a segment does whose TCP-MD5 option (RFC 2385) its receiver did not agree to: one
 * carrying the option sent to an endpoint whose own SYN (or SYN-ACK) did not, or one without it
 * sent to an endpoint whose SYN carried one (which holds a key for the peer: a BGP session).
 * Linux drops both before any state processing (insertion: the observer would take bytes the
 * receiver never reads); hosts without MD5 support, such as Windows, ignore the option. A
 * segment whose receiver's SYN was not seen is not judged, nor is TCP-AO (RFC 5925), which
 * Linux before 6.7 ignores. */
typedef enum tcpsift_tcp_signature_policy {
    TCPSIFT_TCP_SIGNATURE_HOST = 0, /* count tcp_signature_unexpected / tcp_signature_missing,
                                       ignore the segment for state and stream, as Linux does
                                       (default) */
    TCPSIFT_TCP_SIGNATURE_ACCEPT    /* process the segment whatever its signature options */
} tcpsift_tcp_signature_policy;

const char *tcpsift_tcp_signature_policy_name(tcpsift_tcp_signature_policy p);
tcpsift_error tcpsift_tcp_signature_policy_parse(const char *name,
                                                 tcpsift_tcp_signature_policy *out);

/* What a TCP segment in an Ethernet frame sent to a group address (broadcast or multicast
 * destination MAC) does (insertion: Linux takes TCP only from frames addressed to the host,
 * tcp_v4_rcv's PACKET_HOST test, so no endpoint reads it). Not dropped by default: Microsoft
 * NLB's multicast modes send a cluster's unicast traffic to a group MAC, which its Windows
 * hosts take, and test tools write captures with arbitrary MACs. Frames of other link types
 * are not judged. */
typedef enum tcpsift_link_multicast_policy {
    TCPSIFT_LINK_MULTICAST_FLAG = 0, /* count link_multicast_destination, process (default) */
    TCPSIFT_LINK_MULTICAST_DROP      /* count it and ignore the segment for state and stream,
                                        as a Linux receiver does */
} tcpsift_link_multicast_policy;

const char *tcpsift_link_multicast_policy_name(tcpsift_link_multicast_policy p);
tcpsift_error tcpsift_link_multicast_policy_parse(const char *name,
                                                  tcpsift_link_multicast_policy *out);

/* One row of a per-destination overlap policy table (an IDS's host OS
 * table): the stream towards an address inside addr/prefix_len uses
 * `policy`; the longest matching prefix wins, rows of the other IP version
 * never match, and an address no row matches uses cfg.reasm.policy. */
typedef struct tcpsift_overlap_prefix {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t prefix_len; /* 0..32 or 0..128 */
    uint8_t addr[16];   /* network address (bits past prefix_len are ignored) */
    tcpsift_overlap_policy policy;
} tcpsift_overlap_prefix;

/* Parse "ADDR/LEN=POLICY" (e.g. "10.0.0.0/8=windows", "2001:db8::/32=linux";
 * "/LEN" may be left out for a single host). INVALID_ARGUMENT when malformed. */
tcpsift_error tcpsift_overlap_prefix_parse(const char *text, tcpsift_overlap_prefix *out);

/* How a connection ended (contract `end`). */
typedef enum tcpsift_conn_end {
    TCPSIFT_END_OPEN = 0,
    TCPSIFT_END_FIN,            /* both sides' FINs seen */
    TCPSIFT_END_HALF_CLOSED,    /* one side's FIN only */
    TCPSIFT_END_RST,            /* an accepted RST */
    TCPSIFT_END_REJECTED,       /* RST answering the SYN */
    TCPSIFT_END_SYN_UNANSWERED  /* SYN(s) and nothing back */
} tcpsift_conn_end;

const char *tcpsift_conn_end_name(tcpsift_conn_end e);

typedef enum tcpsift_direction {
    TCPSIFT_C2S = 0, /* client (originator) to server */
    TCPSIFT_S2C = 1
} tcpsift_direction;

#define TCPSIFT_HISTORY_MAX 31

typedef struct tcpsift_endpoint_info {
    tcpsift_tcp_state state; /* TCP: inferred RFC 9293 state at report time */
    uint64_t pkts;           /* packets this endpoint sent (retransmissions included) */
    uint64_t bytes;          /* payload bytes it sent (retransmissions included) */
    uint64_t stream_bytes;   /* bytes of its stream delivered in order */
    uint64_t gap_bytes;      /* bytes of its stream never seen (holes skipped) */
} tcpsift_endpoint_info;

/* A connection (TCP) or flow (UDP) as reported. */
typedef struct tcpsift_conn_info {
    uint64_t id;          /* 0-based, in order of first packet, TCP and UDP counted apart */
    uint8_t proto;        /* 6 or 17 */
    uint8_t ip_version;   /* 4 or 6 */
    uint16_t vlan;        /* outermost VLAN id of the first packet, 0 when none */
    const uint8_t *client_addr, *server_addr; /* ip_version 4: 4 bytes; 6: 16 bytes */
    uint16_t client_port, server_port;
    int64_t first_ns; /* timestamp of its first packet */
    int64_t last_ns;  /* timestamp of its last packet, as captured: where capture time steps
                         back (merged captures) it can be earlier than first_ns, so a duration
                         is last_ns - first_ns only when that is not negative */
    tcpsift_endpoint_info client, server;
    tcpsift_conn_end end;
    uint8_t handshake;         /* SYN, SYN-ACK and the ACK completing them all seen */
    uint8_t direction_guessed; /* no SYN seen: client chosen by ports and flags */
    uint8_t rst_unconfirmed;   /* end = rst from an in-window inexact RST nobody refuted */
    uint8_t timed_out, evicted;
    uint8_t completeness;      /* tshark's tcp.completeness bits */
    const char *conn_state;    /* Zeek's conn_state ("SF", "S0", ...) */
    const char *history;       /* Zeek's history letters */
    const uint32_t *events;    /* TCPSIFT_ANOMALY_COUNT counts, indexed by tcpsift_anomaly */
} tcpsift_conn_info;

typedef struct tcpsift_tracker_callbacks {
    /* A connection is over: closed and finished, timed out, evicted, or
     * flushed by tcpsift_tracker_finish(). Called exactly once per id. */
    void (*on_conn_end)(void *ctx, const tcpsift_conn_info *conn);
    /* In-order stream bytes of one direction (reassembly on). */
    void (*on_data)(void *ctx, uint64_t conn_id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len);
    /* Bytes of one direction that will never be seen (reassembly on). */
    void (*on_gap)(void *ctx, uint64_t conn_id, tcpsift_direction dir, uint64_t offset,
                   uint64_t len);
    /* A frame of one direction (framing on). */
    void (*on_frame)(void *ctx, uint64_t conn_id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *frame);
    void *ctx;
} tcpsift_tracker_callbacks;

typedef struct tcpsift_tracker_config {
    uint32_t max_connections; /* full connection entries */
    uint32_t embryo_capacity; /* compact half-open (SYN-only) entries */
    size_t table_memcap;      /* cap on the flow table's memory, 0 = none */
    /* idle timeouts by flow class; CLOSING's is 2*MSL: TIME_WAIT -> CLOSED */
    uint64_t timeout_ns[TCPSIFT_FLOW_CLASS_COUNT];
    uint8_t hash_key[16];     /* per-instance SipHash key: make it random */
    int key_vlan;             /* the VLAN id is part of the flow key */
    int key_tunnel;           /* the tunnel id (MPLS label, GRE key, VXLAN VNI) is part of
                                 the flow key: see tcpsift_packet tunnel_id */
    tcpsift_checksum_policy checksums;
    int reassemble;           /* deliver stream bytes (and gaps) */
    tcpsift_reasm_config reasm;
    uint64_t reasm_global_cap; /* bytes buffered across all connections, 0 = none */
    /* Cut streams (and UDP datagrams) into frames. Frames are cut from the reassembled
     * stream, so framing turns reassembly on whatever `reassemble` says (on_data and on_gap,
     * when set, are then called too). */
    int framing;
    tcpsift_framer_config framer;
    /* Packet buffers (and the payload views in them) stay valid and unchanged until
     * tcpsift_tracker_destroy() (a mapped file, a capture read whole): frames spanning segments
     * are then views, and reassembly retains views instead of copying delivered bytes. */
    int buffers_stable;
    /* Hostile traffic (issue 8). */
    tcpsift_urgent_policy urgent;       /* default inline */
    tcpsift_ttl_policy ttl_policy;      /* default flag */
    uint8_t ttl_margin;                 /* TTL below the expected by more than this is an
                                           outlier; default 5 (Snort stream5's ttl_limit) */
    tcpsift_ip_option_policy ip_options; /* default host */
    tcpsift_tcp_signature_policy tcp_signature; /* default host */
    tcpsift_link_multicast_policy link_multicast; /* default flag */
    /* Per-destination overlap policies (copied at create; NULL/0 = none; a row that could
     * never match makes create fail). */
    const tcpsift_overlap_prefix *overlap_prefixes;
    size_t overlap_prefix_count;
    /* Span-port duplicates: an IP datagram identical to one of the last
     * TCPSIFT_SPAN_DUP_HISTORY seen, no more than this many ns later, is
     * counted duplicate_frame and otherwise ignored. 0 = off (default). */
    uint64_t duplicate_window_ns;
    /* ACKED delivery when the peer was never seen (one-sided capture): once
     * a direction holds this many bytes they are released without an ACK
     * (released_unacked). 0 = wait for the caps or the end. Default 64 KiB. */
    uint64_t one_sided_release_bytes;
    /* A direction's stream idle for this long (capture time: the packets' clock, which never
     * goes back, as for the timeouts) rests in a compact form (48 to 512 bytes instead of
     * ~440 and its retained views' array) until a segment needs it, when nothing is held out
     * of order: what it retained and every count are kept, so results are the same (stats
     * streams_rested / streams_woken count it). Idle: its connection saw no packet, or the
     * direction delivered no byte (the quiet side of a one-way transfer). 0 = never.
     * Default 1 s. */
    uint64_t stream_rest_ns;
    /* A stream put to rest whose peer has acknowledged every byte it delivered also lets go of
     * the copies or views it retained of them (one that rests before that ACK, when the ACK
     * comes), as Zeek does by default (tcp_max_old_segments 0: acknowledged data is not kept);
     * the CLI's --forget-acked. A resting connection then holds no stream bytes, which
     * matters where buffers are not stable (a live capture copies up to max_retained_bytes a
     * direction; bench/README has the figures). The price: a copy of those bytes seen after
     * the rest is counted retransmission_unverified instead of being compared, so a differing
     * one is not an overlap_mismatch (the receiver, having acknowledged the bytes, ignores it
     * too). 0 (default): resting changes no result. */
    int rest_drops_acked;
    const tcpsift_allocator *allocator; /* NULL: malloc/free */
    tcpsift_tracker_callbacks cb;
} tcpsift_tracker_config;

/* Counters over the tracker's life (the CLI's `summary`). */
typedef struct tcpsift_tracker_stats {
    uint64_t packets;          /* packets given to tcpsift_tracker_packet */
    uint64_t tcp_packets, udp_packets;
    uint64_t other_packets;    /* neither TCP nor UDP, or fragments */
    uint64_t malformed;        /* a decode error left no TCP or UDP packet (not a fragment) */
    uint64_t bad_checksum;     /* segments ignored for a bad checksum */
    uint64_t tcp_connections, udp_flows;
    uint64_t evicted, timed_out;
    uint64_t memcap_hits;      /* flow table pool full + reassembly caps */
    uint64_t reasm_buffered_peak; /* bytes buffered at peak, all connections */
    /* bytes the reassemblers and framers copied (held out-of-order or unacked data, retention
     * copies, framer tails), counted when a direction's stream is released; with
     * buffers_stable an in-order stream whose frames need at most TCPSIFT_FRAMER_MAX_VIEWS
     * views adds 0 */
    uint64_t stream_copied_bytes;
    uint64_t duplicate_frames; /* span-port duplicates ignored (duplicate_window_ns) */
    uint64_t released_unacked_bytes; /* ACKED mode: bytes released without an ACK */
    /* Streams put to rest after stream_rest_ns idle, and woken again by a segment (or to be
     * finished): resting changes no other figure and no callback. */
    uint64_t streams_rested, streams_woken;
    uint64_t errors[TCPSIFT_ERROR_COUNT_]; /* decode errors by code */
    uint64_t events[TCPSIFT_ANOMALY_COUNT]; /* anomalies over all connections */
} tcpsift_tracker_stats;

#define TCPSIFT_SPAN_DUP_HISTORY 32

typedef struct tcpsift_tracker tcpsift_tracker;

/* Defaults: 65536 connections, default timeouts (2*MSL = 240 s),
 * checksums auto, no reassembly, no framing, a zero hash key (replace it). */
void tcpsift_tracker_config_init(tcpsift_tracker_config *cfg);

/* INVALID_ARGUMENT, and *out NULL, for a configuration the tracker cannot honour, rather than
 * a tracker with a feature silently off: max_connections 0; checksums, urgent, ttl_policy or
 * ip_options not one of their enum's values; an overlap_prefixes row that could never match (ip_version
 * not 4 or 6, prefix_len past the address, an unknown policy); with reassembly on (or
 * framing, which turns it on) a reasm config tcpsift_reasm_init() refuses; with framing on a
 * framer config tcpsift_framer_init() refuses (a spec that failed to parse leaves one). */
tcpsift_error tcpsift_tracker_create(const tcpsift_tracker_config *cfg, tcpsift_tracker **out);
void tcpsift_tracker_destroy(tcpsift_tracker *t);

/* One decoded packet, seen at `ts_ns`. Packets that are not TCP/UDP are
 * counted and otherwise ignored. Checksums are verified here per policy
 * unless the caller already called tcpsift_packet_verify_checksums(); the
 * packet is only read. */
tcpsift_error tcpsift_tracker_packet(tcpsift_tracker *t, const tcpsift_packet *pkt, int64_t ts_ns);

/* The same for n packets in capture order, with exactly the results of n
 * tcpsift_tracker_packet() calls: packet i at time ts_ns[i]. Faster on
 * captures with many connections: each packet's flow is hashed ahead of its
 * turn and its table memory prefetched while earlier packets are analysed.
 * Every packet is processed whatever another's result; results (may be NULL)
 * receives each packet's code. Returns TCPSIFT_OK, or the first packet's error
 * (INVALID_ARGUMENT also for a NULL tracker, pkts or ts_ns with n > 0, or
 * after tcpsift_tracker_finish() or from a callback, then nothing is processed). */
tcpsift_error tcpsift_tracker_packets(tcpsift_tracker *t, const tcpsift_packet *pkts,
                                      const int64_t *ts_ns, size_t n, tcpsift_error *results);

/* Move the clock forward without a packet (live capture): expires idle
 * connections. A time older than the clock is ignored. */
void tcpsift_tracker_advance_time(tcpsift_tracker *t, int64_t now_ns);

/* End of input: finish every connection (pending data flushed, holes become
 * gaps, unfinished frames reported incomplete) and report each through
 * on_conn_end, in id order within each protocol (TCP, then UDP). */
void tcpsift_tracker_finish(tcpsift_tracker *t);

const tcpsift_tracker_stats *tcpsift_tracker_get_stats(const tcpsift_tracker *t);

#ifdef __cplusplus
}
#endif
#endif
