/* tcpsift_tracker_create() and the configuration it is given (tcpsift/tracker.h).
 *
 * Framing turns reassembly on: frames are cut from the reassembled stream, so README's snippet
 * (framing = 1, reassemble left 0) must deliver the TCP messages; before, create succeeded
 * and no TCP frame ever came.
 *
 * A configuration the tracker cannot honour is refused with INVALID_ARGUMENT (and *out NULL,
 * nothing leaked) instead of a tracker whose feature silently does nothing: framer settings
 * tcpsift_framer_init() refuses, reassembler settings tcpsift_reasm_init() refuses, policies
 * outside their enums, overlap prefix rows that could never match. Settings of a feature that
 * is off are not read, so they are not checked either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/framer.h"
#include "tcpsift/tracker.h"

enum { CLIENT = 0, SERVER = 1 };

typedef struct seen {
    unsigned tcp_frames, udp_frames;
    char bodies[64]; /* the TCP frames' bodies, each followed by '|' */
    uint64_t data_bytes;
} seen;

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    seen *s = ctx;
    (void)id;
    (void)dir;
    if (proto != 6) {
        s->udp_frames++;
        return;
    }
    s->tcp_frames++;
    size_t at = strlen(s->bodies);
    assert_true(at + f->len + 2 <= sizeof s->bodies);
    assert_int_equal(tcpsift_frame_copy_body(f, (uint8_t *)s->bodies + at, f->len), f->len);
    s->bodies[at + f->len] = '|';
}

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    seen *s = ctx;
    (void)id;
    (void)dir;
    (void)offset;
    (void)data;
    s->data_bytes += len;
}

static void feed_segment(tcpsift_tracker *t, int from, uint16_t flags, uint32_t seq, uint32_t ack,
                         const char *payload, size_t len, int64_t ts_ns)
{
    struct tcp_spec ts = tcp_default();
    ts.sport = from == CLIENT ? 40000 : 80;
    ts.dport = from == CLIENT ? 80 : 40000;
    ts.seq = seq;
    ts.ack = ack;
    ts.flags = flags;
    ts.payload = (const uint8_t *)payload;
    ts.payload_len = len;
    uint8_t l4[256];
    size_t n = tcp_segment(l4, sizeof l4, &ts);
    struct ip4_spec ip = ip4_default(6);
    memcpy(ip.src, from == CLIENT ? TEST_V4_SRC : TEST_V4_DST, 4);
    memcpy(ip.dst, from == CLIENT ? TEST_V4_DST : TEST_V4_SRC, 4);
    ip.l4_csum = 1;
    feed_eth_ipv4(t, &ip, l4, n, ts_ns);
}

/* A whole connection whose client writes two len:4:be messages, "abc" and "de", in one
 * segment. */
static void feed_two_messages(tcpsift_tracker *t)
{
    static const char msgs[] = "\0\0\0\3abc\0\0\0\2de";
    const uint16_t SYN = TCPSIFT_TCP_SYN, ACK = TCPSIFT_TCP_ACK, FIN = TCPSIFT_TCP_FIN;
    int64_t ts = 1000000000;
    feed_segment(t, CLIENT, SYN, 1000, 0, NULL, 0, ts++);
    feed_segment(t, SERVER, SYN | ACK, 5000, 1001, NULL, 0, ts++);
    feed_segment(t, CLIENT, ACK, 1001, 5001, NULL, 0, ts++);
    feed_segment(t, CLIENT, ACK | TCPSIFT_TCP_PSH, 1001, 5001, msgs, 13, ts++);
    feed_segment(t, SERVER, ACK, 5001, 1014, NULL, 0, ts++);
    feed_segment(t, CLIENT, ACK | FIN, 1014, 5001, NULL, 0, ts++);
    feed_segment(t, SERVER, ACK | FIN, 5001, 1015, NULL, 0, ts++);
    feed_segment(t, CLIENT, ACK, 1015, 5002, NULL, 0, ts++);
    tcpsift_tracker_finish(t);
}

/* README's "The library in brief": framing on, reassemble left as config_init set it (0). */
static void snippet_config(tcpsift_tracker_config *cfg, seen *s)
{
    tcpsift_tracker_config_init(cfg);
    memcpy(cfg->hash_key, "0123456789abcdef", sizeof cfg->hash_key);
    cfg->framing = 1;
    char why[128];
    assert_int_equal(tcpsift_framer_spec_parse("len:4:be", &cfg->framer, why, sizeof why),
                     TCPSIFT_OK);
    cfg->cb.on_frame = on_frame;
    cfg->cb.ctx = s;
}

static void test_framing_turns_reassembly_on(void **state)
{
    (void)state;
    for (int with_on_data = 0; with_on_data < 2; with_on_data++) {
        seen s;
        memset(&s, 0, sizeof s);
        tcpsift_tracker_config cfg;
        snippet_config(&cfg, &s);
        assert_int_equal(cfg.reassemble, 0);
        if (with_on_data) cfg.cb.on_data = on_data;
        tcpsift_tracker *t = NULL;
        assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
        feed_two_messages(t);
        assert_int_equal(s.tcp_frames, 2);
        assert_string_equal(s.bodies, "abc|de|");
        /* Reassembly is on, so on_data (documented) gets the stream when it is set. */
        assert_int_equal(s.data_bytes, with_on_data ? 13 : 0);
        tcpsift_tracker_destroy(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_turns_reassembly_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
