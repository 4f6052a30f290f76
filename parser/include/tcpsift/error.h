/* tcpsift error codes: one enum, one stable lower_snake_case name per code.
 *
 * The list is an X-macro so the enum, the names and the descriptions can never
 * drift apart. Names are part of the CLI contract (the "error" key): never
 * rename one, only add. */
#ifndef TCPSIFT_ERROR_H
#define TCPSIFT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(ENUM_SUFFIX, "name", "description") */
#define TCPSIFT_ERROR_LIST(X)                                                                      \
    X(OK, "ok", "no error")                                                                        \
    /* link layer */                                                                               \
    X(UNSUPPORTED_LINK_TYPE, "unsupported_link_type", "link type not decoded by tcpsift")          \
    X(TRUNCATED_LINK_HEADER, "truncated_link_header", "frame shorter than its link-layer header")  \
    X(TRUNCATED_VLAN_HEADER, "truncated_vlan_header", "frame ends inside an 802.1Q/802.1ad tag")   \
    X(VLAN_TOO_DEEP, "vlan_too_deep", "more stacked VLAN tags than the decoder allows")            \
    X(BAD_LINK_HEADER, "bad_link_header", "link-layer header field holds an impossible value")     \
    X(ENCAP_TOO_DEEP, "encap_too_deep", "more nested encapsulations than the decoder allows")       \
    X(TRUNCATED_ENCAP_HEADER, "truncated_encap_header",                                            \
      "frame ends inside an MPLS, GRE, VXLAN or Teredo header")                                    \
    /* IPv4 */                                                                                     \
    X(TRUNCATED_IP_HEADER, "truncated_ip_header", "frame ends inside the IP header")               \
    X(BAD_IP_VERSION, "bad_ip_version", "IP version field is neither 4 nor 6 as expected")         \
    X(BAD_IP_HEADER_LENGTH, "bad_ip_header_length", "IPv4 IHL below 5 words")                      \
    X(BAD_IP_TOTAL_LENGTH, "bad_ip_total_length",                                                  \
      "IPv4 total length smaller than its header or larger than the frame on the wire")            \
    X(BAD_IP_OPTION_LENGTH, "bad_ip_option_length", "IPv4 option length runs past the header")     \
    /* IPv6 */                                                                                     \
    X(BAD_IPV6_PAYLOAD_LENGTH, "bad_ipv6_payload_length",                                          \
      "IPv6 payload length larger than the frame on the wire")                                     \
    X(TRUNCATED_IPV6_EXT_HEADER, "truncated_ipv6_ext_header",                                      \
      "frame ends inside an IPv6 extension header")                                                \
    X(BAD_IPV6_EXT_HEADER, "bad_ipv6_ext_header",                                                  \
      "IPv6 extension header longer than the payload it sits in")                                  \
    X(IPV6_EXT_CHAIN_TOO_LONG, "ipv6_ext_chain_too_long",                                          \
      "more IPv6 extension headers than the decoder allows")                                       \
    /* IP fragment reassembly (tcpsift/defrag.h) */                                                \
    X(FRAG_TRUNCATED, "frag_truncated", "fragment not captured whole: it cannot be reassembled")   \
    X(FRAG_BAD_LENGTH, "frag_bad_length",                                                          \
      "IPv6 fragment other than the last not a multiple of 8 bytes")                               \
    X(FRAG_TOO_LARGE, "frag_too_large",                                                            \
      "fragment ends past 65535 bytes or past the per-datagram cap")                               \
    X(FRAG_TINY, "frag_tiny",                                                                      \
      "first fragment too short for the TCP header, or a TCP fragment at offset 8 (RFC 1858)")     \
    X(FRAG_TEARDROP, "frag_teardrop",                                                              \
      "fragment ends past the datagram end, or a last fragment ends before data already held")     \
    X(FRAG_DUPLICATE_LAST, "frag_duplicate_last",                                                  \
      "second last fragment (no more-fragments flag) with a different end")                        \
    X(FRAG_OVERLAP, "frag_overlap",                                                                \
      "fragment overlaps another of its datagram: the datagram is discarded (RFC 5722)")           \
    X(FRAG_DISCARDED, "frag_discarded",                                                            \
      "fragment of a datagram already discarded for overlapping fragments (RFC 5722)")             \
    X(FRAG_HEADER_CHAIN_INCOMPLETE, "frag_header_chain_incomplete",                                \
      "first IPv6 fragment without the whole header chain through the upper-layer header")         \
    X(FRAG_EMPTY, "frag_empty",                                                                    \
      "fragment without data (IPv4: once trimmed to 8-byte units): its datagram is dropped")       \
    X(FRAG_ECN_MIXED, "frag_ecn_mixed",                                                            \
      "fragments mix Not-ECT with ECT or CE: the datagram is dropped, as Linux does")              \
    X(FRAG_IP_OPTIONS, "frag_ip_options",                                                          \
      "fragment whose own IP options or IPv6 extension headers a host discards: not stored")      \
    /* TCP */                                                                                      \
    X(TRUNCATED_TCP_HEADER, "truncated_tcp_header", "frame ends inside the TCP header")            \
    X(BAD_TCP_DATA_OFFSET, "bad_tcp_data_offset",                                                  \
      "TCP data offset below 5 words or past the end of the IP payload")                           \
    X(BAD_OPTION_LENGTH, "bad_option_length",                                                      \
      "TCP option length below 2, past the option space, or wrong for its kind")                   \
    X(TRUNCATED_TCP_OPTIONS, "truncated_tcp_options", "frame ends inside the TCP options")         \
    /* UDP */                                                                                      \
    X(TRUNCATED_UDP_HEADER, "truncated_udp_header", "frame ends inside the UDP header")            \
    X(BAD_UDP_LENGTH, "bad_udp_length",                                                            \
      "UDP length below 8 or larger than the IP payload")                                          \
    /* capture files */                                                                            \
    X(NOT_A_CAPTURE, "not_a_capture", "input is neither a pcap nor a pcapng file")                 \
    X(CAPTURE_TRUNCATED, "capture_truncated", "capture file ends inside a record")                 \
    X(BAD_CAPTURE_RECORD, "bad_capture_record",                                                    \
      "capture record header holds an impossible length")                                          \
    X(BAD_PCAPNG_BLOCK, "bad_pcapng_block", "pcapng block malformed or of an impossible length")   \
    X(UNKNOWN_INTERFACE, "unknown_interface",                                                      \
      "pcapng packet refers to an interface that was never described")                            \
    /* resources and API use */                                                                    \
    X(NO_MEMORY, "no_memory", "allocation failed or a memory cap was reached")                     \
    X(INVALID_ARGUMENT, "invalid_argument", "argument out of range or inconsistent")

typedef enum tcpsift_error {
#define TCPSIFT_X_ENUM(suffix, name, text) TCPSIFT_E_##suffix,
    TCPSIFT_ERROR_LIST(TCPSIFT_X_ENUM)
#undef TCPSIFT_X_ENUM
        TCPSIFT_ERROR_COUNT_
} tcpsift_error;

#define TCPSIFT_OK TCPSIFT_E_OK

/* Stable lower_snake_case name of an error, "unknown_error" when out of range. */
const char *tcpsift_error_name(tcpsift_error err);
/* One-line human description of an error. */
const char *tcpsift_error_text(tcpsift_error err);

#ifdef __cplusplus
}
#endif
#endif
