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
#include "tcpsift/reassembly.h"
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

/* An allocator that counts what is live: a refused create must leave nothing behind. */
typedef struct counting_alloc {
    size_t live;
    unsigned calls;
} counting_alloc;

static void *counting_alloc_fn(void *ctx, size_t size)
{
    counting_alloc *a = ctx;
    void *p = malloc(size);
    if (p) {
        a->live += size;
        a->calls++;
    }
    return p;
}

static void counting_free_fn(void *ctx, void *ptr, size_t size)
{
    counting_alloc *a = ctx;
    if (ptr) a->live -= size;
    free(ptr);
}

/* create refuses cfg: INVALID_ARGUMENT, *out NULL, nothing left allocated. */
static void assert_refused(const tcpsift_tracker_config *cfg_in)
{
    tcpsift_tracker_config cfg = *cfg_in;
    counting_alloc a = {0, 0};
    tcpsift_allocator alloc = {counting_alloc_fn, counting_free_fn, &a};
    cfg.allocator = &alloc;
    tcpsift_tracker *t = (tcpsift_tracker *)&cfg; /* not NULL: create must clear it */
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
    assert_int_equal(a.live, 0);
}

/* A valid configuration with reassembly and framing (len:4:be): the base every refusal
 * below changes in one place, and which is itself accepted and frames. */
static void valid_config(tcpsift_tracker_config *cfg, seen *s)
{
    snippet_config(cfg, s);
    cfg->reassemble = 1;
}

static void test_valid_config_accepted(void **state)
{
    (void)state;
    seen s;
    memset(&s, 0, sizeof s);
    tcpsift_tracker_config cfg;
    valid_config(&cfg, &s);
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    feed_two_messages(t);
    assert_string_equal(s.bodies, "abc|de|");
    tcpsift_tracker_destroy(t);
}

/* Framer settings tcpsift_framer_init() refuses: the zeroed config a failed
 * tcpsift_framer_spec_parse() leaves behind, and a delimiter longer than the framer holds. */
static void test_invalid_framer_refused(void **state)
{
    (void)state;
    seen s;
    tcpsift_tracker_config cfg;
    char why[128];
    tcpsift_framer f;

    valid_config(&cfg, &s);
    memset(&cfg.framer, 0, sizeof cfg.framer);
    assert_int_equal(tcpsift_framer_spec_parse("len:5", &cfg.framer, why, sizeof why),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_framer_init(&f, &cfg.framer, TCPSIFT_FRAMER_COPY_TAIL, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_refused(&cfg);

    valid_config(&cfg, &s);
    cfg.framer.kind = TCPSIFT_FRAMER_DELIM;
    cfg.framer.delim_len = 1000;
    assert_int_equal(tcpsift_framer_init(&f, &cfg.framer, TCPSIFT_FRAMER_COPY_TAIL, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_refused(&cfg);
    cfg.buffers_stable = 1; /* the other buffer mode: the same check */
    assert_refused(&cfg);
}

/* Reassembler settings tcpsift_reasm_init() refuses, with reassembly asked for and with
 * reassembly turned on by framing alone. */
static void test_invalid_reasm_refused(void **state)
{
    (void)state;
    seen s;
    tcpsift_tracker_config cfg;
    tcpsift_reasm r;
    for (int framing_only = 0; framing_only < 2; framing_only++) {
        for (int which = 0; which < 4; which++) {
            valid_config(&cfg, &s);
            if (framing_only) cfg.reassemble = 0;
            switch (which) {
            case 0: cfg.reasm.policy = (tcpsift_overlap_policy)99; break;
            case 1: cfg.reasm.policy = TCPSIFT_OVERLAP_COUNT_; break;
            case 2: cfg.reasm.mode = (tcpsift_reasm_mode)99; break;
            default: cfg.reasm.max_segments = (1u << 30) + 1; break;
            }
            assert_int_equal(tcpsift_reasm_init(&r, &cfg.reasm, NULL, NULL, NULL),
                             TCPSIFT_E_INVALID_ARGUMENT);
            assert_refused(&cfg);
        }
    }
}

/* Policies outside their enums, each alone (reassembly and framing off: they are read by the
 * state tracking too). */
static void test_unknown_policies_refused(void **state)
{
    (void)state;
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.checksums = (tcpsift_checksum_policy)(TCPSIFT_CHECKSUM_OFF + 1);
    assert_refused(&cfg);
    tcpsift_tracker_config_init(&cfg);
    cfg.urgent = (tcpsift_urgent_policy)(TCPSIFT_URGENT_GAP + 1);
    assert_refused(&cfg);
    tcpsift_tracker_config_init(&cfg);
    cfg.ttl_policy = (tcpsift_ttl_policy)(TCPSIFT_TTL_DROP + 1);
    assert_refused(&cfg);
    tcpsift_tracker_config_init(&cfg);
    cfg.urgent = (tcpsift_urgent_policy)-1;
    assert_refused(&cfg);
    /* Every value of each enum is accepted. */
    for (int v = TCPSIFT_CHECKSUM_AUTO; v <= TCPSIFT_CHECKSUM_OFF; v++)
        for (int u = TCPSIFT_URGENT_INLINE; u <= TCPSIFT_URGENT_GAP; u++)
            for (int d = TCPSIFT_TTL_FLAG; d <= TCPSIFT_TTL_DROP; d++) {
                tcpsift_tracker_config_init(&cfg);
                cfg.checksums = (tcpsift_checksum_policy)v;
                cfg.urgent = (tcpsift_urgent_policy)u;
                cfg.ttl_policy = (tcpsift_ttl_policy)d;
                tcpsift_tracker *t = NULL;
                assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
                tcpsift_tracker_destroy(t);
            }
}

/* Overlap prefix rows that could never match: refused, wherever they stand among good rows,
 * instead of dropped (their hosts would silently get the default policy). */
static void test_bad_prefix_rows_refused(void **state)
{
    (void)state;
    tcpsift_overlap_prefix good4, good6;
    assert_int_equal(tcpsift_overlap_prefix_parse("10.0.0.0/8=first", &good4), TCPSIFT_OK);
    assert_int_equal(tcpsift_overlap_prefix_parse("2001:db8::/32=linux", &good6), TCPSIFT_OK);
    tcpsift_overlap_prefix bad[5] = {good4, good4, good6, good4, good6};
    bad[0].ip_version = 5;
    bad[1].prefix_len = 33;
    bad[2].prefix_len = 129;
    bad[3].policy = (tcpsift_overlap_policy)99;
    bad[4].policy = TCPSIFT_OVERLAP_COUNT_;
    seen s;
    tcpsift_tracker_config cfg;
    for (size_t i = 0; i < 5; i++)
        for (size_t at = 0; at < 3; at++) {
            tcpsift_overlap_prefix rows[3] = {good4, good6, good4};
            rows[at] = bad[i];
            valid_config(&cfg, &s);
            cfg.overlap_prefixes = rows;
            cfg.overlap_prefix_count = 3;
            assert_refused(&cfg);
        }
    /* The longest legal lengths and the good rows are accepted. */
    tcpsift_overlap_prefix rows[4] = {good4, good6, good4, good6};
    rows[2].prefix_len = 32;
    rows[3].prefix_len = 128;
    valid_config(&cfg, &s);
    cfg.overlap_prefixes = rows;
    cfg.overlap_prefix_count = 4;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    tcpsift_tracker_destroy(t);
}

/* Settings of a feature that is off are never read, so they are not checked: a tracker
 * without reassembly or framing accepts any reasm and framer config (config_init leaves the
 * framer zeroed, which the framer itself refuses). */
static void test_settings_of_features_off_not_checked(void **state)
{
    (void)state;
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.reasm.policy = (tcpsift_overlap_policy)99;
    cfg.framer.kind = TCPSIFT_FRAMER_DELIM;
    cfg.framer.delim_len = 1000;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    tcpsift_tracker_destroy(t);
    /* Reassembly without framing: the framer's settings are not read. */
    tcpsift_tracker_config_init(&cfg);
    cfg.reassemble = 1;
    cfg.framer.delim_len = 1000;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    tcpsift_tracker_destroy(t);
}

static void test_null_arguments(void **state)
{
    (void)state;
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    tcpsift_tracker *t = (tcpsift_tracker *)&cfg;
    assert_int_equal(tcpsift_tracker_create(NULL, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
    assert_int_equal(tcpsift_tracker_create(&cfg, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    cfg.max_connections = 0;
    assert_refused(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_turns_reassembly_on),
        cmocka_unit_test(test_valid_config_accepted),
        cmocka_unit_test(test_invalid_framer_refused),
        cmocka_unit_test(test_invalid_reasm_refused),
        cmocka_unit_test(test_unknown_policies_refused),
        cmocka_unit_test(test_bad_prefix_rows_refused),
        cmocka_unit_test(test_settings_of_features_off_not_checked),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
