/* IP options, IPv6 extension headers and lengths a host discards (tcpsift_ip_option_policy): a
 * segment in such a datagram carries bytes the receiver never reads, so under policy host (the
 * default) it is counted (ip_option_discarded, or ip_length_beyond_frame for a length past the
 * frame) and ignored, and the real bytes sent after it are the stream; under policy accept it
 * is processed as any other. Datagrams a host keeps are processed under both.
 *
 * Each case: a handshake, then the client's next bytes forged ("EVIL!") in a datagram with
 * the case's options or length, then the real bytes ("GET /") without them, the server's ACK
 * and a close. Expectations follow from RFC 791 §3.1, RFC 8200 §4, RFC 4942 §2.1.9.5, Linux's
 * ip_rcv_core / ipv6_rcv and the policy's definition in tcpsift/tracker.h, never from running
 * the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "support_forged.h"
#include "support_packets.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define LINKTYPE_ETHERNET 1
#define C FORGED_CLIENT
#define S FORGED_SERVER

struct run {
    struct forged_run f;
    int v6;
};

/* One segment of `from` at its next sequence number in a datagram with IPv4 options `opts`
 * or IPv6 extension headers `ext` (whose first next-header byte is patched to TCP or to the
 * next one by the caller); advances the sender's next number when `advance`. */
static void segment(struct run *r, int from, uint16_t flags, const char *data,
                    const uint8_t *ext, size_t ext_len, uint8_t first_ext, long len_extra,
                    int advance)
{
    struct tcp_spec ts = forged_tcp_spec(&r->f, from, flags, data);
    uint8_t l4[256];
    size_t n = tcp_segment(l4, sizeof l4, &ts);
    struct pb p;
    pb_init(&p);
    if (r->v6) {
        pb_ethernet(&p, 0x86DD);
        struct ip6_spec ip = ip6_default(6);
        if (from == S) {
            memcpy(ip.src, TEST_V6_DST, 16);
            memcpy(ip.dst, TEST_V6_SRC, 16);
        }
        if (ext_len) {
            ip.next = first_ext;
            ip.ext = ext;
            ip.ext_len = ext_len;
        }
        if (len_extra) ip.payload_len = (long)(ext_len + n) + len_extra;
        pb_ipv6(&p, &ip, l4, n);
    } else {
        pb_ethernet(&p, 0x0800);
        struct ip4_spec ip = ip4_default(6);
        if (from == S) {
            memcpy(ip.src, TEST_V4_DST, 4);
            memcpy(ip.dst, TEST_V4_SRC, 4);
        }
        ip.opts = ext;
        ip.opts_len = ext_len;
        if (len_extra) ip.total_len = (long)(20 + (ext_len + 3) / 4 * 4 + n) + len_extra;
        pb_ipv4(&p, &ip, l4, n);
    }
    forged_send(&r->f, LINKTYPE_ETHERNET, &p, &ts, from, advance, 1); /* a bad option: an error */
}

static void tx(struct run *r, int from, uint16_t flags, const char *data)
{
    segment(r, from, flags, data, NULL, 0, 0, 0, 1);
}

/* The conversation of the file's comment; `ext` holds the case's options or headers. */
static void run_case(struct run *r, tcpsift_ip_option_policy policy, int v6, const uint8_t *ext,
                     size_t ext_len, uint8_t first_ext, long len_extra)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    forged_init(&r->f, &cfg);
    r->v6 = v6;
    cfg.ip_options = policy;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->f.t), TCPSIFT_OK);
    tx(r, C, TCPSIFT_TCP_SYN, NULL);
    tx(r, S, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, NULL);
    tx(r, C, TCPSIFT_TCP_ACK, NULL);
    segment(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "EVIL!", ext, ext_len, first_ext, len_extra, 0);
    tx(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "GET /");
    tx(r, S, TCPSIFT_TCP_ACK, NULL);
    tx(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL);
    tx(r, S, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL);
    tx(r, C, TCPSIFT_TCP_ACK, NULL);
    forged_finish(&r->f);
}

struct ip_case {
    const char *what;
    int v6;
    uint8_t first_ext; /* IPv6: the fixed header's next header */
    uint8_t bytes[48];
    size_t len;
    int discarded;  /* by a host (the expectation under policy host): 1 for its options,
                       2 for a length past the frame */
    long len_extra; /* declared IP length beyond the datagram's bytes on the wire */
};

#define HBH 0
#define DST 60
#define RTH 43
#define TCP 6

/* Datagrams a host discards, and datagrams it keeps (the same kinds of bytes, within the
 * rules), each checked under both policies. */
static const struct ip_case CASES[] = {
    /* IPv4 (the route's last address is the destination, so the checksum holds either way) */
    {"v4 loose source route", 0, 0, {1, 131, 7, 4, 198, 51, 100, 2}, 8, 1, 0},
    {"v4 strict source route", 0, 0, {1, 137, 7, 4, 198, 51, 100, 2}, 8, 1, 0},
    {"v4 option length 1", 0, 0, {7, 1, 0, 0}, 4, 1, 0},
    {"v4 option past the header", 0, 0, {1, 68, 40, 5}, 4, 1, 0},
    {"v4 router alert and record route", 0, 0,
     {148, 4, 0, 0, 1, 7, 7, 4, 0, 0, 0, 0}, 12, 0, 0},
    {"v4 NOPs then EOL", 0, 0, {1, 1, 1, 0}, 4, 0, 0},
    /* Linux's ip_options_compile() */
    {"v4 two record routes", 0, 0, {7, 7, 4, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0, 1, 0}, 16, 1, 0},
    {"v4 record route pointer 3", 0, 0, {7, 7, 3, 0, 0, 0, 0, 0}, 8, 1, 0},
    {"v4 record route, room for half an address", 0, 0, {7, 9, 8, 1, 2, 3, 4, 0, 0, 0, 0, 0}, 12, 1, 0},
    {"v4 record route full", 0, 0, {7, 7, 8, 1, 2, 3, 4, 0}, 8, 0, 0},
    {"v4 timestamp pointer 4", 0, 0, {68, 8, 4, 0, 0, 0, 0, 0}, 8, 1, 0},
    {"v4 two timestamps", 0, 0, {68, 8, 5, 0, 0, 0, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0}, 16, 1, 0},
    {"v4 full timestamp, overflow 15", 0, 0, {68, 8, 9, 0xF0, 1, 2, 3, 4}, 8, 1, 0},
    {"v4 full timestamp, overflow 14", 0, 0, {68, 8, 9, 0xE0, 1, 2, 3, 4}, 8, 0, 0},
    {"v4 timestamp with addresses, room for a time only", 0, 0, {68, 8, 5, 0x01, 0, 0, 0, 0}, 8, 1, 0},
    {"v4 router alert of 2 bytes", 0, 0, {148, 2, 1, 1}, 4, 1, 0},
    {"v4 CIPSO", 0, 0, {134, 10, 0, 0, 0, 1, 1, 4, 0, 0, 1, 0}, 12, 1, 0},
    /* IPv6 Hop-by-Hop / Destination Options: next header, length in 8-byte units - 1, options */
    {"v6 unknown option, action discard", 1, DST, {TCP, 0, 0x4F, 4, 0, 0, 0, 0}, 8, 1, 0},
    {"v6 unknown option, action discard + ICMP", 1, HBH, {TCP, 0, 0x8F, 4, 0, 0, 0, 0}, 8, 1, 0},
    {"v6 unknown option, action discard + ICMP unless multicast", 1, DST,
     {TCP, 0, 0xCF, 4, 0, 0, 0, 0}, 8, 1, 0},
    {"v6 PadN with a byte other than zero", 1, DST, {TCP, 0, 1, 4, 0, 0, 1, 0}, 8, 1, 0},
    {"v6 14 bytes of padding", 1, DST, {TCP, 1, 1, 12}, 16, 1, 0},
    {"v6 option past the header", 1, DST, {TCP, 0, 0x0F, 200, 0, 0, 0, 0}, 8, 1, 0},
    {"v6 nine options", 1, DST,
     {TCP, 2, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0,
      1, 2}, 24, 1, 0},
    {"v6 Hop-by-Hop after Destination Options", 1, DST,
     {HBH, 0, 1, 4, 0, 0, 0, 0, TCP, 0, 1, 4, 0, 0, 0, 0}, 16, 1, 0},
    {"v6 PadN of 4 zero bytes", 1, DST, {TCP, 0, 1, 4, 0, 0, 0, 0}, 8, 0, 0},
    {"v6 Pad1 x6", 1, HBH, {TCP, 0, 0, 0, 0, 0, 0, 0}, 8, 0, 0},
    {"v6 unknown option, action skip", 1, DST, {TCP, 0, 0x0F, 4, 9, 9, 9, 9}, 8, 0, 0},
    {"v6 eight options", 1, DST,
     {TCP, 2, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 0x0F, 0, 1, 4},
     24, 0, 0},
    {"v6 Home Address in Destination Options", 1, DST,
     {TCP, 2, 0xC9, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2}, 24, 0, 0},
    {"v6 Hop-by-Hop first, then Destination Options", 1, HBH,
     {DST, 0, 1, 4, 0, 0, 0, 0, TCP, 0, 1, 4, 0, 0, 0, 0}, 16, 0, 0},
    /* Jumbo Payload with a payload length (RFC 2675 §3, Linux ipv6_hop_jumbo()) */
    {"v6 Jumbo Payload with a payload length", 1, HBH, {TCP, 0, 0xC2, 4, 0, 1, 0, 0}, 8, 1, 0},
    /* segment routing and RPL headers, dropped while seg6_enabled / rpl_seg_enabled is 0 */
    {"v6 segment routing header, segments left 0", 1, RTH,
     {TCP, 2, 4, 0, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 24, 1, 0},
    {"v6 RPL routing header, segments left 0", 1, RTH, {TCP, 0, 3, 0, 0, 0, 0, 0}, 8, 1, 0},
    {"v6 type 0 routing header, segments left 0", 1, RTH,
     {TCP, 2, 0, 0, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, 24, 0, 0},
    /* lengths past the frame on the wire (Linux ip_rcv_core, ipv6_rcv) */
    {"v4 total length 40 past the frame", 0, 0, {0}, 0, 2, 40},
    {"v6 payload length 40 past the frame", 1, 0, {0}, 0, 2, 40},
};

static void test_ip_options_host_and_accept(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const struct ip_case *ic = &CASES[k];
        for (int accept = 0; accept < 2; accept++) {
            struct run r;
            printf("  %s, policy %s\n", ic->what, accept ? "accept" : "host");
            run_case(&r, accept ? TCPSIFT_IP_OPTIONS_ACCEPT : TCPSIFT_IP_OPTIONS_HOST, ic->v6,
                     ic->bytes, ic->len, ic->first_ext, ic->len_extra);
            int ignored = ic->discarded && !accept;
            assert_int_equal(r.f.ev[TCPSIFT_ANOMALY_IP_OPTION_DISCARDED], ignored && ic->discarded == 1);
            assert_int_equal(r.f.ev[TCPSIFT_ANOMALY_IP_LENGTH_BEYOND_FRAME], ignored && ic->discarded == 2);
            /* Taken, the forged bytes came first: the real ones are a differing copy. */
            assert_int_equal(r.f.ev[TCPSIFT_ANOMALY_OVERLAP_MISMATCH], !ignored);
            assert_int_equal(r.f.ev[TCPSIFT_ANOMALY_BAD_CHECKSUM], 0);
            assert_int_equal(r.f.c2s_len, 5);
            assert_memory_equal(r.f.c2s, ignored ? "GET /" : "EVIL!", 5);
        }
    }
}

static void test_ip_option_policy_names(void **state)
{
    (void)state;
    tcpsift_ip_option_policy p = TCPSIFT_IP_OPTIONS_HOST;
    assert_int_equal(tcpsift_ip_option_policy_parse("accept", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_IP_OPTIONS_ACCEPT);
    assert_int_equal(tcpsift_ip_option_policy_parse("host", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_IP_OPTIONS_HOST);
    assert_int_equal(tcpsift_ip_option_policy_parse("linux", &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_ip_option_policy_parse(NULL, &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(tcpsift_ip_option_policy_name(TCPSIFT_IP_OPTIONS_ACCEPT), "accept");
    assert_string_equal(tcpsift_ip_option_policy_name((tcpsift_ip_option_policy)7), "unknown");
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    assert_int_equal(cfg.ip_options, TCPSIFT_IP_OPTIONS_HOST);
    cfg.ip_options = (tcpsift_ip_option_policy)2;
    tcpsift_tracker *t = (tcpsift_tracker *)&cfg;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_options_host_and_accept),
        cmocka_unit_test(test_ip_option_policy_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
