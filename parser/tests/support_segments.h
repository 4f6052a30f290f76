/* Test support: one scripted TCP segment of a connection between the test client
 * (TEST_V4_SRC port 40000) and server (TEST_V4_DST port 80), built as an Ethernet/IPv4 frame and
 * decoded, for the tests that walk the tracker through a connection step by step
 * (test_tcp_conn_steady, test_tcp_conn_handshake). */
#ifndef TCPSIFT_SUPPORT_SEGMENTS_H
#define TCPSIFT_SUPPORT_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

struct seg {
    int from; /* 0 the client, 1 the server */
    uint16_t flags;
    uint32_t seq, ack;
    uint16_t window;
    uint32_t tsval; /* 0: no timestamps option */
    const uint8_t *extra_opts; /* before the timestamps (a multiple of 4 bytes, at most 28) */
    size_t extra_len;
    size_t len;  /* payload bytes (zeros) */
    uint8_t ttl; /* 0: 64 */
    int want;    /* the path the test expects it to take, for tests that say (else 0) */
};

/* The frame of s, built in *p (its bytes live there), decoded into *pkt (asserted clean). */
void seg_decode(const struct seg *s, struct pb *p, tcpsift_packet *pkt);

/* The Ethernet/IPv4 frame of the TCP segment ts sent by endpoint `from` (0: TEST_V4_SRC, else
 * TEST_V4_DST), with a valid checksum, in a malloc'd buffer of its own that the caller frees
 * (a tracker with stable buffers keeps views into it), decoded into *pkt (asserted clean). */
uint8_t *seg_stable_frame(const struct tcp_spec *ts, int from, tcpsift_packet *pkt);

#endif
