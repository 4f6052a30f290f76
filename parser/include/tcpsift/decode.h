/* tcpsift packet decoder: link layer -> IP -> TCP/UDP, zero-copy.
 *
 * tcpsift_packet_decode() fills a caller-owned tcpsift_packet whose pointers
 * are views into the caller's frame buffer. It never allocates, never copies
 * payload and never reads past `caplen`. The views stay valid exactly as long
 * as the caller keeps the frame buffer unchanged.
 *
 * A malformed frame still reports every layer that decoded cleanly: check
 * `layers` for what is present and `error` for the first problem found.
 *
 * Every decode writes the whole struct, whatever it held before: fields of absent layers and
 * options are 0 / NULL, the bounded arrays past their counts and padding bytes are 0. */
#ifndef TCPSIFT_DECODE_H
#define TCPSIFT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Link types use the LINKTYPE_* numbers of pcap/pcapng files. */
enum tcpsift_linktype {
    TCPSIFT_LINK_NULL = 0,        /* BSD loopback: 4-byte AF in host order of the writer */
    TCPSIFT_LINK_ETHERNET = 1,    /* Ethernet II, with 802.1Q / 802.1ad tags */
    TCPSIFT_LINK_PPP = 9,         /* PPP (RFC 1661), HDLC address/control optional */
    TCPSIFT_LINK_PPP_HDLC = 50,   /* PPP in HDLC framing (RFC 1662) or Cisco HDLC */
    TCPSIFT_LINK_PPP_ETHER = 51,  /* PPPoE session header without Ethernet (RFC 2516) */
    TCPSIFT_LINK_C_HDLC = 104,    /* Cisco HDLC: address, control, ethertype */
    TCPSIFT_LINK_RAW = 101,       /* raw IPv4 or IPv6 */
    TCPSIFT_LINK_RAW_DLT12 = 12,  /* DLT_RAW as written by some BSDs */
    TCPSIFT_LINK_RAW_DLT14 = 14,  /* DLT_RAW as written by OpenBSD */
    TCPSIFT_LINK_LOOP = 108,      /* OpenBSD loopback: 4-byte AF, network order */
    TCPSIFT_LINK_LINUX_SLL = 113, /* Linux cooked capture v1 */
    TCPSIFT_LINK_IPV4 = 228,
    TCPSIFT_LINK_IPV6 = 229,
    TCPSIFT_LINK_LINUX_SLL2 = 276 /* Linux cooked capture v2 */
};

/* Decoder limits: bounded work for hostile stacks of headers. */
#define TCPSIFT_MAX_VLAN_TAGS 4
#define TCPSIFT_MAX_IPV6_EXT_HEADERS 8
#define TCPSIFT_MAX_SACK_BLOCKS 4
#define TCPSIFT_MAX_UNKNOWN_OPTIONS 20 /* 40 option bytes / 2 */
#define TCPSIFT_MAX_ENCAP 8       /* outer layers (VLAN tags included); deeper = encap_too_deep */
#define TCPSIFT_MAX_MPLS_LABELS 8 /* label stack entries walked before encap_too_deep */

/* Layers between the link header and the innermost IP header, in order. */
enum tcpsift_encap_kind {
    TCPSIFT_ENCAP_VLAN = 1,
    TCPSIFT_ENCAP_MPLS,
    TCPSIFT_ENCAP_PPPOE,
    TCPSIFT_ENCAP_IPIP,
    TCPSIFT_ENCAP_GRE,
    TCPSIFT_ENCAP_VXLAN,
    TCPSIFT_ENCAP_TEREDO
};

/* Which layers decoded cleanly (bit set = the fields of that layer are valid). */
enum tcpsift_layer {
    TCPSIFT_LAYER_LINK = 1u << 0,
    TCPSIFT_LAYER_VLAN = 1u << 1,
    TCPSIFT_LAYER_IPV4 = 1u << 2,
    TCPSIFT_LAYER_IPV6 = 1u << 3,
    TCPSIFT_LAYER_TCP = 1u << 4, /* fixed TCP header valid (20 bytes + data offset sane) */
    TCPSIFT_LAYER_TCP_OPTIONS = 1u << 5, /* every option parsed without error */
    TCPSIFT_LAYER_UDP = 1u << 6,
    TCPSIFT_LAYER_FRAGMENT = 1u << 7, /* the IP datagram is a fragment */
    TCPSIFT_LAYER_PORTS = 1u << 8,    /* sport/dport valid (even if the rest of L4 is cut) */
    /* seq, ack, flags, window, checksum, urgent valid: the 20 fixed bytes are present. Set with
     * TCPSIFT_LAYER_TCP, and without it when the data offset is bad (options, payload unknown). */
    TCPSIFT_LAYER_TCP_FIXED = 1u << 9,
    /* The datagram came out of an IP-level tunnel (IP-in-IP, GRE, VXLAN, Teredo): outer
     * layers with checksums of their own (encap_csum) are in encap. */
    TCPSIFT_LAYER_IP_TUNNEL = 1u << 10
};

/* TCP flag bits as in header bytes 12-13 (low 12 bits), like tshark's tcp.flags. */
enum tcpsift_tcp_flag {
    TCPSIFT_TCP_FIN = 0x001,
    TCPSIFT_TCP_SYN = 0x002,
    TCPSIFT_TCP_RST = 0x004,
    TCPSIFT_TCP_PSH = 0x008,
    TCPSIFT_TCP_ACK = 0x010,
    TCPSIFT_TCP_URG = 0x020,
    TCPSIFT_TCP_ECE = 0x040,
    TCPSIFT_TCP_CWR = 0x080,
    TCPSIFT_TCP_NS = 0x100 /* AE (AccECN) in RFC 9768 */
};

/* Which TCP options were seen (bit set = the matching field is valid). */
enum tcpsift_tcp_option_bit {
    TCPSIFT_OPT_MSS = 1u << 0,
    TCPSIFT_OPT_WSCALE = 1u << 1,
    TCPSIFT_OPT_SACK_PERM = 1u << 2,
    TCPSIFT_OPT_SACK = 1u << 3,
    TCPSIFT_OPT_TIMESTAMP = 1u << 4,
    TCPSIFT_OPT_TFO = 1u << 5,
    TCPSIFT_OPT_MD5 = 1u << 6,
    TCPSIFT_OPT_USER_TIMEOUT = 1u << 7,
    TCPSIFT_OPT_MPTCP = 1u << 8,
    TCPSIFT_OPT_UNKNOWN = 1u << 9,
    TCPSIFT_OPT_EOL = 1u << 10
};

/* TCP option kinds (IANA). */
enum tcpsift_tcp_option_kind {
    TCPSIFT_OPTKIND_EOL = 0,
    TCPSIFT_OPTKIND_NOP = 1,
    TCPSIFT_OPTKIND_MSS = 2,
    TCPSIFT_OPTKIND_WSCALE = 3,
    TCPSIFT_OPTKIND_SACK_PERM = 4,
    TCPSIFT_OPTKIND_SACK = 5,
    TCPSIFT_OPTKIND_TIMESTAMP = 8,
    TCPSIFT_OPTKIND_MD5 = 19,
    TCPSIFT_OPTKIND_USER_TIMEOUT = 28,
    TCPSIFT_OPTKIND_MPTCP = 30,
    TCPSIFT_OPTKIND_TFO = 34,
    TCPSIFT_OPTKIND_EXPERIMENTAL = 254 /* TFO when followed by magic 0xF989 (RFC 7413) */
};

enum tcpsift_checksum_status {
    TCPSIFT_CSUM_NOT_CHECKED = 0, /* tcpsift_packet_verify_checksums() not called */
    TCPSIFT_CSUM_GOOD,
    TCPSIFT_CSUM_BAD,
    TCPSIFT_CSUM_UNVERIFIED, /* the capture lacks bytes needed to compute it */
    TCPSIFT_CSUM_ABSENT      /* UDP over IPv4 with checksum 0: none was sent */
};

/* A borrowed byte range inside the caller's buffer. */
typedef struct tcpsift_bytes {
    const uint8_t *ptr;
    size_t len;
} tcpsift_bytes;

/* Parsed TCP options. Scalars are decoded values; byte strings are views. */
typedef struct tcpsift_tcp_options {
    uint32_t present; /* enum tcpsift_tcp_option_bit */
    uint16_t mss;
    uint8_t wscale; /* shift count as sent (not clamped to 14) */
    uint8_t sack_count;
    uint32_t tsval, tsecr;
    uint32_t sack[TCPSIFT_MAX_SACK_BLOCKS][2]; /* [left, right) edges */
    uint8_t tfo_kind;                          /* 34 or 254 */
    tcpsift_bytes tfo_cookie;                  /* len 0 = cookie request */
    tcpsift_bytes md5_digest;
    uint16_t user_timeout; /* raw 16-bit field: granularity bit + timeout */
    tcpsift_bytes mptcp;   /* option body after kind and length */
    uint8_t unknown_count;
    uint8_t unknown_kinds[TCPSIFT_MAX_UNKNOWN_OPTIONS];
    tcpsift_error error;     /* TCPSIFT_OK, BAD_OPTION_LENGTH or TRUNCATED_TCP_OPTIONS */
    uint8_t error_offset;    /* byte offset inside the option space of the bad option */
} tcpsift_tcp_options;

typedef struct tcpsift_packet {
    /* the frame as given */
    const uint8_t *frame;
    size_t caplen;  /* bytes present in `frame` */
    size_t wirelen; /* bytes the frame had on the wire (>= caplen) */
    int linktype;

    uint32_t layers;     /* enum tcpsift_layer */
    tcpsift_error error; /* first error met, TCPSIFT_OK when clean */

    /* link layer */
    uint16_t ethertype; /* innermost ethertype (or pseudo value for NULL/raw) */
    uint8_t vlan_count;
    uint16_t vlan_ids[TCPSIFT_MAX_VLAN_TAGS]; /* 12-bit VLAN ids, outermost first */
    uint8_t encap_count;
    uint8_t encap[TCPSIFT_MAX_ENCAP];         /* enum tcpsift_encap_kind, outermost first */
    /* The identifier of the tunnel the innermost datagram travelled in: the id of the
     * innermost outer layer that carries one, so that identical inner tuples in different
     * tunnels can be told apart (see tcpsift_flow_key_set_tunnel). tunnel_id_kind is
     *   TCPSIFT_ENCAP_MPLS:  the bottom-of-stack label of the innermost MPLS stack (20 bits,
     *                        RFC 3032 §2.1; the VPN / pseudowire label of a two-label stack),
     *   TCPSIFT_ENCAP_GRE:   the GRE key (32 bits, RFC 2890 §2.1), only when the K bit is set,
     *   TCPSIFT_ENCAP_VXLAN: the VNI (24 bits, RFC 7348 §5),
     *   0:                   none (tunnel_id 0).
     * Layers without an identifier (IP-in-IP, keyless GRE, PPPoE, Teredo) leave it as the
     * outer layers set it. VLAN ids are not folded in: they are in vlan_ids (key_vlan). A layer
     * whose inner datagram did not decode is dropped from encap and from tunnel_id alike. */
    uint32_t tunnel_id;
    uint8_t tunnel_id_kind; /* enum tcpsift_encap_kind, 0 = no tunnel id */
    size_t l3_offset;                         /* offset of the IP header in frame */

    /* IP (v4 or v6) */
    uint8_t ip_version;     /* 4 or 6, 0 when no IP */
    uint8_t addr_len;       /* 4 or 16 */
    const uint8_t *src;     /* view: addr_len bytes */
    const uint8_t *dst;     /* view: addr_len bytes, as in the IP header */
    const uint8_t *final_dst; /* destination for the pseudo-header: dst, or an IPv6
                                 routing header's final address (RFC 8200 §8.1) */
    tcpsift_bytes ip_header; /* IPv4 header with options / IPv6 fixed header + extensions */
    uint8_t ttl;            /* TTL or hop limit */
    uint8_t ip_proto;       /* upper-layer protocol (after IPv6 extension headers) */
    uint16_t ip_id;         /* IPv4 id; IPv6 fragment id low 16 bits */
    uint32_t ip6_frag_id;
    uint16_t frag_offset;  /* in bytes / 8, as on the wire */
    uint8_t more_fragments;
    uint8_t dont_fragment;
    uint8_t ip_tos; /* IPv4 TOS / IPv6 traffic class */
    uint8_t ipv6_ext_count;
    uint8_t ipv6_ext_types[TCPSIFT_MAX_IPV6_EXT_HEADERS];
    uint16_t ip_checksum;
    size_t l4_offset;   /* offset of the TCP/UDP header in frame */
    size_t l4_length;   /* upper-layer length declared by IP (or derived, see below) */
    uint8_t ip_len_from_capture; /* IP said 0 (TSO / jumbogram): l4_length from the wire length,
                                    or from an IPv6 Jumbo Payload option (RFC 2675) */

    /* TCP */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t tcp_flags; /* enum tcpsift_tcp_flag, 12 bits */
    uint16_t window;    /* raw, unscaled */
    uint16_t tcp_checksum;
    uint16_t urgent_ptr;
    uint8_t tcp_header_len;    /* data offset * 4 */
    tcpsift_bytes tcp_options_raw; /* view of the option bytes present in the capture */
    tcpsift_tcp_options opts;

    /* UDP */
    uint16_t udp_length;
    uint16_t udp_checksum;

    /* payload of TCP or UDP */
    size_t payload_len;    /* implied by the IP lengths */
    tcpsift_bytes payload; /* bytes actually captured (len <= payload_len) */

    /* checksums (filled by tcpsift_packet_verify_checksums) */
    uint8_t ip_csum;      /* enum tcpsift_checksum_status */
    uint8_t l4_csum;      /* enum tcpsift_checksum_status */
    uint8_t l4_csum_offload; /* bad, but equals the pseudo-header partial sum */
    /* The outer layers a decapsulating host checks before the inner datagram exists: every
     * outer IPv4 header checksum, a GRE checksum (C bit), a UDP tunnel's non-zero checksum.
     * The worst status among them (BAD before UNVERIFIED before GOOD), NOT_CHECKED without
     * such a layer; offload: each bad one looks like transmit offload (an IPv4 header field
     * 0, a UDP field holding the pseudo-header sum). */
    uint8_t encap_csum;
    uint8_t encap_csum_offload;
} tcpsift_packet;

/* Decode one frame. Returns the same code stored in pkt->error. `wirelen`
 * smaller than `caplen` is treated as `caplen`. */
tcpsift_error tcpsift_packet_decode(tcpsift_packet *pkt, int linktype, const uint8_t *frame,
                                    size_t caplen, size_t wirelen);

/* Compute the IPv4 header and TCP/UDP checksums of a decoded packet and set
 * ip_csum / l4_csum / l4_csum_offload, and for a tunnelled one the outer layers'
 * (encap_csum, encap_csum_offload). Touches every payload byte. */
void tcpsift_packet_verify_checksums(tcpsift_packet *pkt);

/* Parse a TCP option space (the bytes after the 20-byte header). Used by the
 * decoder; exposed for tools and fuzzing. Never reads outside `raw`. */
tcpsift_error tcpsift_tcp_options_parse(tcpsift_tcp_options *out, const uint8_t *raw, size_t len);

/* Name of an encapsulation kind as the CLI prints it ("vlan", "pppoe", ...). */
const char *tcpsift_encap_name(int kind);

/* Whether a link type is decoded by this version. */
int tcpsift_linktype_supported(int linktype);

/* Name of the link type ("ethernet", "linux_sll", ...), "unknown" when not supported. */
const char *tcpsift_linktype_name(int linktype);

#ifdef __cplusplus
}
#endif
#endif
