/* TCP-MD5 signatures (tcpsift_tcp_signature_policy), judged by the receiver's own SYN: a segment
 * with a TCP-MD5 option (RFC 2385) sent to an endpoint whose SYN carried none, or one without
 * the option sent to an endpoint whose SYN carried one (it holds a key: a BGP session), is
 * dropped by Linux before any state processing (tcp_inbound_hash), so under policy host (the
 * default) it is counted tcp_signature_unexpected / tcp_signature_missing and ignored, and the
 * real bytes sent after it are the stream; under policy accept it is processed as any other. A
 * connection whose handshake was not seen is not judged, nor is TCP-AO (RFC 5925, option 29),
 * which Linux before 6.7 ignores: such segments are taken under both policies.
 *
 * Each case: a handshake (each SYN signed or not, or none: midstream), then the client's next
 * bytes forged ("EVIL!") with the case's option, then the real bytes ("GET /") with the
 * options the handshake agreed, the server's ACK and a close. Expectations follow from the
 * policy's definition in tcpsift/tracker.h and Linux's tcp_inbound_hash(), never from running
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

/* MD5: kind 19, length 18, a 16-byte digest, then two NOPs. AO: kind 29, length 16, KeyID,
 * RNextKeyID, a 12-byte MAC. */
static const uint8_t OPT_MD5[20] = {19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 1};
static const uint8_t OPT_AO[16] = {29, 16, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

enum sig { SIG_NONE, SIG_MD5, SIG_AO };

/* One IPv4 segment of `from` at its next sequence number carrying signature `sig`; advances
 * the sender's next number when `advance`. */
static void segment(struct forged_run *r, int from, uint16_t flags, const char *data, enum sig sig,
                    int advance)
{
    struct tcp_spec ts = forged_tcp_spec(r, from, flags, data);
    ts.opts = sig == SIG_MD5 ? OPT_MD5 : sig == SIG_AO ? OPT_AO : NULL;
    ts.opts_len = sig == SIG_MD5 ? sizeof OPT_MD5 : sig == SIG_AO ? sizeof OPT_AO : 0;
    uint8_t l4[256];
    size_t n = tcp_segment(l4, sizeof l4, &ts);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    struct ip4_spec ip = ip4_default(6);
    if (from == S) {
        memcpy(ip.src, TEST_V4_DST, 4);
        memcpy(ip.dst, TEST_V4_SRC, 4);
    }
    pb_ipv4(&p, &ip, l4, n);
    forged_send(r, LINKTYPE_ETHERNET, &p, &ts, from, advance, 0);
}

struct sig_case {
    const char *what;
    int handshake;             /* 0: picked up midstream */
    enum sig syn, synack;      /* the SYNs' signatures; later segments carry syn's */
    enum sig forged;           /* the forged segment's */
    int unexpected, missing;   /* the expectations under policy host */
};

static const struct sig_case CASES[] = {
    {"MD5 on an unsigned connection", 1, SIG_NONE, SIG_NONE, SIG_MD5, 1, 0},
    {"AO on an unsigned connection", 1, SIG_NONE, SIG_NONE, SIG_AO, 0, 0},
    {"no option on an unsigned connection", 1, SIG_NONE, SIG_NONE, SIG_NONE, 0, 0},
    {"MD5 on an MD5 connection", 1, SIG_MD5, SIG_MD5, SIG_MD5, 0, 0},
    {"AO on an AO connection", 1, SIG_AO, SIG_AO, SIG_AO, 0, 0},
    {"no option on an MD5 connection", 1, SIG_MD5, SIG_MD5, SIG_NONE, 0, 1},
    {"no option on an AO connection", 1, SIG_AO, SIG_AO, SIG_NONE, 0, 0},
    {"MD5 midstream", 0, SIG_NONE, SIG_NONE, SIG_MD5, 0, 0},
    {"no option midstream, the rest signed", 0, SIG_MD5, SIG_MD5, SIG_NONE, 0, 0},
};

static void run_case(struct forged_run *r, const struct sig_case *sc,
                     tcpsift_tcp_signature_policy policy, uint32_t embryos)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    forged_init(r, &cfg);
    cfg.tcp_signature = policy;
    cfg.embryo_capacity = embryos;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    if (sc->handshake) {
        segment(r, C, TCPSIFT_TCP_SYN, NULL, sc->syn, 1);
        segment(r, S, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, NULL, sc->synack, 1);
        segment(r, C, TCPSIFT_TCP_ACK, NULL, sc->syn, 1);
    }
    segment(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "EVIL!", sc->forged, 0);
    segment(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "GET /", sc->syn, 1);
    segment(r, S, TCPSIFT_TCP_ACK, NULL, sc->synack, 1);
    segment(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL, sc->syn, 1);
    segment(r, S, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL, sc->synack, 1);
    segment(r, C, TCPSIFT_TCP_ACK, NULL, sc->syn, 1);
    forged_finish(r);
}

static void test_tcp_signature_host_and_accept(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const struct sig_case *sc = &CASES[k];
        for (int accept = 0; accept < 2; accept++) {
            /* With the embryo pool the SYN is kept compact until the SYN-ACK (tracker_embryo.c),
             * without it the SYN opens the connection: the signature must survive both. */
            for (uint32_t embryos = 0; embryos <= 64; embryos += 64) {
                struct forged_run r;
                printf("  %s, policy %s, embryos %u\n", sc->what, accept ? "accept" : "host",
                       (unsigned)embryos);
                run_case(&r, sc, accept ? TCPSIFT_TCP_SIGNATURE_ACCEPT : TCPSIFT_TCP_SIGNATURE_HOST,
                         embryos);
                int ignored = (sc->unexpected || sc->missing) && !accept;
                assert_int_equal(r.ev[TCPSIFT_ANOMALY_TCP_SIGNATURE_UNEXPECTED],
                                 sc->unexpected && !accept);
                assert_int_equal(r.ev[TCPSIFT_ANOMALY_TCP_SIGNATURE_MISSING], sc->missing && !accept);
                /* Taken, the forged bytes came first: the real ones are a differing copy. */
                assert_int_equal(r.ev[TCPSIFT_ANOMALY_OVERLAP_MISMATCH], !ignored);
                assert_int_equal(r.c2s_len, 5);
                assert_memory_equal(r.c2s, ignored ? "GET /" : "EVIL!", 5);
            }
        }
    }
}

/* A signed SYN-ACK answering an unsigned SYN: the originator holds no key for the responder and
 * drops it, so under host the attempt stays unanswered. The other way round, an unsigned
 * SYN-ACK answering a signed SYN: the originator holds a key and drops it too. */
static void test_synack_signature_judged_by_originator(void **state)
{
    (void)state;
    for (int k = 0; k < 4; k++) {
        int accept = k & 1, syn_signed = k >> 1;
        struct forged_run r;
        tcpsift_tracker_config cfg;
        tcpsift_tracker_config_init(&cfg);
        forged_init(&r, &cfg);
        cfg.tcp_signature = accept ? TCPSIFT_TCP_SIGNATURE_ACCEPT : TCPSIFT_TCP_SIGNATURE_HOST;
        assert_int_equal(tcpsift_tracker_create(&cfg, &r.t), TCPSIFT_OK);
        segment(&r, C, TCPSIFT_TCP_SYN, NULL, syn_signed ? SIG_MD5 : SIG_NONE, 1);
        segment(&r, S, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, NULL, syn_signed ? SIG_NONE : SIG_MD5, 1);
        forged_finish(&r);
        assert_int_equal(r.ev[TCPSIFT_ANOMALY_TCP_SIGNATURE_UNEXPECTED], !accept && !syn_signed);
        assert_int_equal(r.ev[TCPSIFT_ANOMALY_TCP_SIGNATURE_MISSING], !accept && syn_signed);
    }
}

static void test_tcp_signature_policy_names(void **state)
{
    (void)state;
    tcpsift_tcp_signature_policy p = TCPSIFT_TCP_SIGNATURE_HOST;
    assert_int_equal(tcpsift_tcp_signature_policy_parse("accept", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_TCP_SIGNATURE_ACCEPT);
    assert_int_equal(tcpsift_tcp_signature_policy_parse("host", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_TCP_SIGNATURE_HOST);
    assert_int_equal(tcpsift_tcp_signature_policy_parse("drop", &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tcp_signature_policy_parse(NULL, &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(tcpsift_tcp_signature_policy_name(TCPSIFT_TCP_SIGNATURE_ACCEPT), "accept");
    assert_string_equal(tcpsift_tcp_signature_policy_name((tcpsift_tcp_signature_policy)7), "unknown");
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    assert_int_equal(cfg.tcp_signature, TCPSIFT_TCP_SIGNATURE_HOST);
    cfg.tcp_signature = (tcpsift_tcp_signature_policy)7;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_signature_host_and_accept),
        cmocka_unit_test(test_synack_signature_judged_by_originator),
        cmocka_unit_test(test_tcp_signature_policy_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
