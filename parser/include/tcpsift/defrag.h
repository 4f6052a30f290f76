/* tcpsift IP fragment reassembly (IPv4: RFC 791 §3.2; IPv6: RFC 8200 §4.5).
 *
 * A tcpsift_defrag pool takes decoded fragment packets (TCPSIFT_LAYER_FRAGMENT set) and returns
 * a whole datagram once every byte from 0 to the end set by the last fragment has arrived. The
 * datagram is a bare IP packet (header of the first fragment, lengths fixed, IPv4 header
 * checksum recomputed, IPv6 fragment header removed, ECN set to CE when a fragment carried CE,
 * as Linux sets it): decode it with tcpsift_packet_decode(&pkt, TCPSIFT_LINK_RAW, d.ptr, d.len,
 * d.len). Its bytes belong to the pool and stay valid until the next call on the pool.
 *
 * Only fragments pay: a caller hands the pool nothing else. Datagrams are keyed by (source,
 * destination, protocol, identification) for IPv4 and (source, destination, identification)
 * for IPv6. Memory is bounded three ways: max_datagrams in progress, max_datagram_bytes per
 * datagram, memory_cap over all (buffers + piece lists). A new datagram that does not fit evicts
 * the datagrams that started first (like Linux's LRU of fragment queues), counted in `evicted`.
 * Datagrams older than timeout_ns (packet time, since their first fragment) are dropped at the
 * next call, counted in `timed_out`. A datagram is found through a hash keyed with hash_key,
 * and no call visits every datagram in progress (see defrag.c).
 *
 * Overlaps are counted in `overlaps` (`conflicts` when the overlapped bytes differ). By default
 * (overlap DISCARD) the pool does what Linux does since 4.19 for IPv4 and IPv6 ("ip: discard
 * IPv4 datagrams with overlapping segments"; inet_frag_queue_insert()), checked against a real
 * Linux 6.18 receiver: a fragment that overlaps bytes already held discards its whole datagram
 * (RFC 5722 §4), and the datagram is forgotten, so later fragments with its key start a new one
 * (a complete set is reassembled, as Linux does). A fragment lying wholly inside one run of held
 * fragments (fragments each appended right after the highest one held; a fragment placed below
 * the highest begins a run of its own) is a duplicate: dropped, the datagram kept, whatever its
 * bytes (RFC 8200 §4.5 lets a receiver drop duplicates; Linux does not compare them), counted in
 * `overlaps` and `duplicates` (and `conflicts` when its bytes differ). Overlapping fragments are
 * how an attacker makes an observer see other bytes than the receiver (Ptacek & Newsham 1998):
 * the pool keeps exactly what the receiver keeps. With rfc5722_strict set, RFC 5722 §4 is read as
 * it is worded: every later fragment of a discarded datagram is dropped until timeout_ns after
 * its first fragment ("including those not yet received"), and a fragment inside bytes held is
 * an overlap unless it repeats one held fragment exactly (same offset, end, more-fragments flag
 * and bytes).
 * With overlap RESOLVE (to model older stacks; RFC 791 allowed overlaps) overlaps are resolved
 * per byte range by the chosen tcpsift_overlap_policy, with exactly the pairwise rules documented
 * in tcpsift/reassembly.h (new copy against the copy currently holding each byte), so FIRST, LAST
 * and the OS-like policies of Novak & Sturges are all available.
 *
 * Named errors (the fragment is not stored; the counter errors[code] counts them):
 *   frag_truncated      the fragment was not captured whole (snap length) or decoded with an
 *                       error: its bytes are unknown.
 *   frag_bad_length     an IPv6 fragment other than the last is not a multiple of 8 bytes
 *                       (Linux ip6_frag_queue() answers a parameter problem). An IPv4 one is
 *                       trimmed to a multiple of 8 instead, as Linux ip_frag_queue() does: the
 *                       bytes past it are not part of the fragment.
 *   frag_too_large      the fragment ends past 65535 bytes of IPv4 datagram / IPv6 payload,
 *                       or past max_datagram_bytes.
 *   frag_tiny           only with reject_tiny set: RFC 1858 §3, a first TCP fragment shorter
 *                       than 20 bytes (a TCP header without options), or §4, a TCP fragment at
 *                       offset 8 bytes. By default such fragments are counted in `tiny` and
 *                       reassembled, as tshark and Suricata do.
 *   frag_teardrop       a fragment ends past the end set by the last fragment, or a last
 *                       fragment ends before bytes already held. The whole datagram is dropped.
 *   frag_duplicate_last a second last fragment with a different end. The whole datagram is
 *                       dropped (a second last fragment with the same end is an overlap).
 *   frag_overlap        overlap DISCARD: the fragment overlapped bytes already held (and is not
 *                       a duplicate). The whole datagram is discarded (`discarded`).
 *   frag_discarded      overlap DISCARD with rfc5722_strict: a fragment of a datagram discarded
 *                       for an overlap, before its timeout.
 *   frag_header_chain_incomplete
 *                       an IPv6 first fragment (offset 0, more fragments) whose fragmentable
 *                       part does not hold the whole header chain through the upper-layer
 *                       header (RFC 8200 §4.5, RFC 7112), judged as Linux (5.10+) does: after
 *                       the extension headers it knows (Hop-by-Hop, Routing, Destination
 *                       Options, AH, Fragment) the upper-layer header has fewer than TCP 20,
 *                       UDP 8, ICMPv6 8 bytes, any other (ESP too) 1 byte. Where Linux cannot
 *                       read an extension header's first bytes, or meets No Next Header, it
 *                       takes the fragment, and so does the pool. Hosts discard the fragment,
 *                       so its datagram can never complete; later fragments wait out their
 *                       timeout. Off with accept_incomplete_chain. IPv4 has no such rule (see
 *                       frag_tiny).
 *   frag_empty          the fragment holds no data (IPv4: none once trimmed), last or not. Linux
 *                       (ip_frag_queue(), ip6_frag_queue(): "if (end == offset) goto
 *                       discard_qp;") then drops the whole datagram, after the teardrop and
 *                       duplicate-last checks; so does the pool. A later fragment with the same
 *                       key starts a new datagram (it is not frag_discarded).
 *   frag_ecn_mixed      the datagram is complete but its fragments mix Not-ECT with ECT(0),
 *                       ECT(1) or CE: Linux ip_frag_reasm()/ip6_frag_reasm() (ip_frag_ecn_table)
 *                       drop it, and so does the pool; a later fragment with the same key starts
 *                       a new datagram. Exact duplicates are not counted (Linux does not queue
 *                       them). Mixing CE with ECT is fine: the datagram is marked CE (next).
 *   frag_ip_options     the fragment's own IPv4 options, or its IPv6 extension headers before
 *                       the fragment header, are ones a host discards
 *                       (tcpsift_ip_option_policy's rules, tracker.h): a
 *                       host reads them on each fragment before queueing it (Linux
 *                       ip_rcv_options(), ipv6_parse_hopopts() and the extension header
 *                       handlers run per fragment), so it never joins its datagram. Not stored;
 *                       the datagram's other fragments are kept. Off with accept_ip_options.
 *   no_memory           the fragment alone needs more than the memory cap, or allocation failed.
 * A fragment whose datagram the pool cannot identify (not a fragment) is invalid_argument. */
#ifndef TCPSIFT_DEFRAG_H
#define TCPSIFT_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/alloc.h"
#include "tcpsift/decode.h"
#include "tcpsift/error.h"
#include "tcpsift/reassembly.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest unfragmentable part kept from a first fragment (IPv4 header with options, IPv6 fixed
 * header and the extension headers before the fragment header). Longer ones: frag_too_large. */
#define TCPSIFT_DEFRAG_MAX_HEADER 256

/* What an overlapping fragment does (see above). */
typedef enum tcpsift_defrag_overlap {
    TCPSIFT_DEFRAG_DISCARD = 0, /* RFC 5722 §4, Linux >= 4.19: discard the datagram */
    TCPSIFT_DEFRAG_RESOLVE,     /* keep it, each byte from the copy `policy` picks */
    TCPSIFT_DEFRAG_OVERLAP_COUNT_
} tcpsift_defrag_overlap;

typedef struct tcpsift_defrag_config {
    uint32_t max_datagrams;      /* datagrams in progress at once (>= 1) */
    uint32_t max_datagram_bytes; /* reassembled payload bytes per datagram (<= 65535 + 8) */
    uint64_t memory_cap;         /* bytes of buffers and piece lists over the pool; 0 = no cap
                                  * of its own (max_datagrams x max_datagram_bytes bound it) */
    int64_t timeout_ns;          /* since the first fragment, in packet time */
    tcpsift_defrag_overlap overlap;
    tcpsift_overlap_policy policy; /* with overlap RESOLVE only */
    int reject_tiny;             /* refuse RFC 1858 tiny/offset-8 TCP fragments (frag_tiny) */
    int accept_incomplete_chain; /* reassemble IPv6 first fragments without the whole header
                                    chain, as tshark and Linux before 5.10 do (by default they
                                    are frag_header_chain_incomplete) */
    int rfc5722_strict;          /* overlap DISCARD read as RFC 5722 §4 words it: a fragment
                                    inside bytes held is an overlap too, and a discarded
                                    datagram's later fragments are dropped until its timeout
                                    (frag_discarded). By default the pool does what Linux (4.19
                                    and later) does: see above */
    int key_vlan;                /* the outermost VLAN id is part of a datagram's key, and */
    int key_tunnel;              /* the tunnel id (tcpsift_packet tunnel_id): fragments with
                                    equal addresses and id on two VLANs or in two tunnels are
                                    two datagrams, as the tracker's key_vlan / key_tunnel keep
                                    their connections apart */
    int accept_ip_options;       /* store fragments whatever their own IP options or IPv6
                                    extension headers (by default a fragment a host discards for
                                    them is frag_ip_options; tracker: ip_options accept) */
    const tcpsift_allocator *allocator; /* NULL: malloc/free */
    uint8_t hash_key[16]; /* SipHash key of the pool's datagram index: make it random (a known
                             key lets crafted fragments share one hash chain) */
} tcpsift_defrag_config;

/* Defaults: 1024 datagrams, 65535 bytes each, 16 MiB, 30 s (Linux ipfrag_time; RFC 8200 §4.5
 * says 60 s for IPv6, RFC 791 suggests 15 s), overlap DISCARD (policy FIRST if RESOLVE is
 * chosen), tiny fragments accepted, IPv6 first fragments without the whole header chain
 * refused, hash_key all zero (set a random one). */
void tcpsift_defrag_config_init(tcpsift_defrag_config *cfg);

typedef struct tcpsift_defrag_stats {
    uint64_t fragments;     /* fragments fed */
    uint64_t reassembled;   /* datagrams completed */
    uint64_t overlaps;      /* fragments that overlapped bytes already held */
    uint64_t conflicts;     /* ... of which the overlapped bytes differed */
    uint64_t duplicates;    /* ... of which exact duplicates, ignored (overlap DISCARD) */
    uint64_t discarded;     /* datagrams discarded for an overlap (overlap DISCARD) */
    uint64_t tiny;          /* RFC 1858 tiny or offset-8 TCP fragments seen */
    uint64_t timed_out;     /* datagrams dropped incomplete after timeout_ns */
    uint64_t evicted;       /* datagrams dropped incomplete to make room */
    uint64_t in_progress;   /* datagrams held now (discarded ones waiting out their timeout
                               included: they hold no bytes) */
    uint64_t memory;        /* bytes held now */
    uint64_t memory_peak;   /* most bytes ever held */
    uint64_t errors[TCPSIFT_ERROR_COUNT_];
} tcpsift_defrag_stats;

typedef struct tcpsift_defrag tcpsift_defrag;

tcpsift_error tcpsift_defrag_create(const tcpsift_defrag_config *cfg, tcpsift_defrag **out);
void tcpsift_defrag_destroy(tcpsift_defrag *d);

/* Feed one decoded fragment seen at packet time `ts_ns`. On TCPSIFT_OK, `*datagram` is either
 * empty (ptr NULL, len 0: still in progress) or the reassembled datagram; `*overlapped` (may be
 * NULL) is set to 1 when this fragment overlapped bytes already held (also when it is
 * frag_overlap). On an error the fragment was not stored (see the list above) and `*datagram` is
 * empty. All errors are per fragment: the pool goes on. */
tcpsift_error tcpsift_defrag_feed(tcpsift_defrag *d, const tcpsift_packet *fragment, int64_t ts_ns,
                                  tcpsift_bytes *datagram, int *overlapped);

/* Drop every datagram older than timeout_ns at time `now_ns` (feed does this too). */
void tcpsift_defrag_expire(tcpsift_defrag *d, int64_t now_ns);

const tcpsift_defrag_stats *tcpsift_defrag_get_stats(const tcpsift_defrag *d);

#ifdef __cplusplus
}
#endif
#endif
