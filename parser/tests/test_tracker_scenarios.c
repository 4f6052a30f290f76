/* Scenario tests of the connection tracker, built from byte-exact frames.
 *
 * Every frame is assembled by support_packets (Ethernet + IPv4/IPv6 + TCP,
 * checksums from the naive reference implementation), decoded with
 * tcpsift_packet_decode and fed to tcpsift_tracker_packet with increasing
 * timestamps. Expected values are derived from RFC 9293 / 5961 / 7323, the
 * contract (../shared/contract/cli.md), docs/state-events.md and Zeek's rules
 * in ../shared/reference/tcp-observer-rules.md — never from running the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/state.h"
#include "tcpsift/tracker.h"

#define LINKTYPE_ETHERNET 1
#define MAX_FRAMES        96
#define MAX_CONNS         8
#define STREAM_CAP        4096

#define F_FIN TCPSIFT_TCP_FIN
#define F_SYN TCPSIFT_TCP_SYN
#define F_URG TCPSIFT_TCP_URG
#define F_RST TCPSIFT_TCP_RST
#define F_PSH TCPSIFT_TCP_PSH
#define F_ACK TCPSIFT_TCP_ACK

#define MS 1000000LL

/* CSUM_IP_BAD / CSUM_IP_ZERO: the TCP checksum good, the IPv4 header's wrong / left 0. */
enum csum_mode { CSUM_GOOD = 0, CSUM_BAD, CSUM_OFFLOAD, CSUM_IP_BAD, CSUM_IP_ZERO };

/* One reported connection, copied out of the on_conn_end callback. */
struct rec_conn {
    uint64_t id;
    uint8_t ip_version;
    uint8_t caddr[16], saddr[16];
    uint16_t cport, sport;
    int64_t first_ns, last_ns;
    tcpsift_endpoint_info cli, srv;
    tcpsift_conn_end end;
    int handshake, guessed, rst_unconfirmed, timed_out, evicted;
    uint8_t completeness;
    char conn_state[16];
    char history[TCPSIFT_HISTORY_MAX + 1];
    uint32_t ev[TCPSIFT_ANOMALY_COUNT];
};

/* Stream bytes of one direction of one connection id, in sequence-space offsets. */
struct rec_stream {
    uint8_t bytes[STREAM_CAP];
    uint64_t pos;      /* next expected offset: data and gaps must be contiguous */
    uint64_t data_len; /* bytes delivered */
    uint64_t gap_len;  /* bytes reported as gaps */
    unsigned gaps;
};

/* A two-party conversation: endpoint 0 is the client, 1 the server. */
struct sc {
    tcpsift_tracker *t;
    int v6;
    uint8_t addr[2][16];
    uint16_t port[2];
    uint32_t nxt[2]; /* next sequence number each side sends */
    uint16_t win[2];
    uint8_t ttl[2];  /* TTL / hop limit each side sends; 0 = 64 */
    size_t snap;     /* capture snap length; 0 = whole frames */
    int64_t ts;
    uint8_t *frames[MAX_FRAMES];
    size_t nframes;
    struct rec_conn conns[MAX_CONNS];
    size_t nconns;
    struct rec_stream streams[MAX_CONNS][2];
    int finished;
};

static void on_conn_end(void *ctx, const tcpsift_conn_info *ci)
{
    struct sc *s = ctx;
    assert_true(s->nconns < MAX_CONNS);
    struct rec_conn *r = &s->conns[s->nconns++];
    memset(r, 0, sizeof *r);
    r->id = ci->id;
    r->ip_version = ci->ip_version;
    size_t alen = ci->ip_version == 6 ? 16 : 4;
    memcpy(r->caddr, ci->client_addr, alen);
    memcpy(r->saddr, ci->server_addr, alen);
    r->cport = ci->client_port;
    r->sport = ci->server_port;
    r->first_ns = ci->first_ns;
    r->last_ns = ci->last_ns;
    r->cli = ci->client;
    r->srv = ci->server;
    r->end = ci->end;
    r->handshake = ci->handshake;
    r->guessed = ci->direction_guessed;
    r->rst_unconfirmed = ci->rst_unconfirmed;
    r->timed_out = ci->timed_out;
    r->evicted = ci->evicted;
    r->completeness = ci->completeness;
    assert_non_null(ci->conn_state);
    assert_non_null(ci->history);
    assert_true(strlen(ci->conn_state) < sizeof r->conn_state);
    strcpy(r->conn_state, ci->conn_state);
    assert_true(strlen(ci->history) <= TCPSIFT_HISTORY_MAX);
    strcpy(r->history, ci->history);
    memcpy(r->ev, ci->events, sizeof r->ev);
}

static struct rec_stream *stream_of(struct sc *s, uint64_t id, tcpsift_direction dir)
{
    assert_true(id < MAX_CONNS);
    return &s->streams[id][dir == TCPSIFT_C2S ? 0 : 1];
}

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    struct rec_stream *st = stream_of(ctx, id, dir);
    assert_true(offset == st->pos); /* in order, holes reported as gaps */
    assert_true(offset + len <= STREAM_CAP);
    memcpy(st->bytes + offset, data, len);
    st->pos += len;
    st->data_len += len;
}

static void on_gap(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset, uint64_t len)
{
    struct rec_stream *st = stream_of(ctx, id, dir);
    assert_true(offset == st->pos);
    st->pos += len;
    st->gap_len += len;
    st->gaps++;
}

static void sc_init_cfg(struct sc *s, int v6, tcpsift_checksum_policy policy,
                        uint32_t max_connections);

static void sc_init_policy(struct sc *s, int v6, tcpsift_checksum_policy policy)
{
    sc_init_cfg(s, v6, policy, 0);
}

static void sc_init_reasm(struct sc *s, int v6, tcpsift_checksum_policy policy,
                          uint32_t max_connections, const tcpsift_reasm_config *reasm);

static void sc_init_cfg(struct sc *s, int v6, tcpsift_checksum_policy policy,
                        uint32_t max_connections)
{
    sc_init_reasm(s, v6, policy, max_connections, NULL);
}

static void sc_init_reasm(struct sc *s, int v6, tcpsift_checksum_policy policy,
                          uint32_t max_connections, const tcpsift_reasm_config *reasm)
{
    memset(s, 0, sizeof *s);
    s->v6 = v6;
    if (v6) {
        memcpy(s->addr[0], TEST_V6_SRC, 16);
        memcpy(s->addr[1], TEST_V6_DST, 16);
    } else {
        memcpy(s->addr[0], TEST_V4_SRC, 4);
        memcpy(s->addr[1], TEST_V4_DST, 4);
    }
    s->port[0] = 40000;
    s->port[1] = 80;
    s->win[0] = s->win[1] = 65535;
    s->ts = 1700000000LL * 1000000000LL;
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x31 * i + 7);
    cfg.checksums = policy;
    if (max_connections) {
        /* Small tables get a small pool of half-open (SYN-only) embryos. */
        cfg.max_connections = max_connections;
        cfg.embryo_capacity = max_connections / 2;
    }
    cfg.reassemble = 1;
    if (reasm) cfg.reasm = *reasm;
    cfg.cb.on_conn_end = on_conn_end;
    cfg.cb.on_data = on_data;
    cfg.cb.on_gap = on_gap;
    cfg.cb.ctx = s;
    assert_int_equal(tcpsift_tracker_create(&cfg, &s->t), TCPSIFT_OK);
}

static void sc_init(struct sc *s)
{
    sc_init_policy(s, 0, TCPSIFT_CHECKSUM_AUTO);
}

/* sc_init with the given stream delivery (on arrival, or once acknowledged). */
static void sc_init_mode(struct sc *s, tcpsift_reasm_mode mode)
{
    tcpsift_reasm_config rc;
    tcpsift_reasm_config_default(&rc);
    rc.mode = mode;
    sc_init_reasm(s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
}

static void sc_free(struct sc *s)
{
    tcpsift_tracker_destroy(s->t);
    for (size_t i = 0; i < s->nframes; i++)
        free(s->frames[i]);
    s->t = NULL;
    s->nframes = 0;
}

static void store16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Emit one segment from endpoint `from` with explicit fields, 1 ms after the last. */
static void sc_raw(struct sc *s, int from, uint16_t flags, uint32_t seq, uint32_t ack, uint16_t win,
                   const void *data, size_t len, const uint8_t *opts, size_t optlen,
                   enum csum_mode csum)
{
    struct tcp_spec ts = tcp_default();
    ts.sport = s->port[from];
    ts.dport = s->port[1 - from];
    ts.seq = seq;
    ts.ack = (flags & F_ACK) ? ack : 0;
    ts.flags = flags;
    ts.window = win;
    ts.opts = opts;
    ts.opts_len = optlen;
    ts.payload = data;
    ts.payload_len = len;
    uint8_t seg[1600];
    size_t n = tcp_segment(seg, sizeof seg, &ts);
    size_t alen = s->v6 ? 16 : 4;
    const uint8_t *src = s->addr[from], *dst = s->addr[1 - from];
    switch (csum) {
    case CSUM_GOOD:
        break;
    case CSUM_BAD: {
        uint16_t good = ref_l4_csum(src, dst, alen, 6, seg, n);
        store16(seg + 16, (uint16_t)(good ^ 0x5a5a)); /* never 0 <-> 0xffff */
        break;
    }
    case CSUM_OFFLOAD:
        store16(seg + 16, ref_pseudo_partial(src, dst, alen, 6, n));
        break;
    case CSUM_IP_BAD:
    case CSUM_IP_ZERO:
        break;
    }
    struct pb *p = malloc(sizeof *p);
    assert_non_null(p);
    pb_init(p);
    if (s->v6) {
        pb_ethernet(p, 0x86DD);
        struct ip6_spec ip = ip6_default(6);
        memcpy(ip.src, src, 16);
        memcpy(ip.dst, dst, 16);
        ip.l4_csum = csum == CSUM_GOOD;
        if (s->ttl[from]) ip.hlim = s->ttl[from];
        pb_ipv6(p, &ip, seg, n);
    } else {
        pb_ethernet(p, 0x0800);
        struct ip4_spec ip = ip4_default(6);
        memcpy(ip.src, src, 4);
        memcpy(ip.dst, dst, 4);
        ip.l4_csum = csum == CSUM_GOOD || csum == CSUM_IP_BAD || csum == CSUM_IP_ZERO;
        if (s->ttl[from]) ip.ttl = s->ttl[from];
        pb_ipv4(p, &ip, seg, n);
        uint8_t *ip_csum = p->b + p->len - n - 20 + 10; /* no IP options here */
        if (csum == CSUM_IP_BAD) ip_csum[0] ^= 0x5a;
        if (csum == CSUM_IP_ZERO) ip_csum[0] = ip_csum[1] = 0;
    }
    assert_true(s->nframes < MAX_FRAMES);
    uint8_t *frame = malloc(p->len);
    assert_non_null(frame);
    memcpy(frame, p->b, p->len);
    s->frames[s->nframes++] = frame;
    tcpsift_packet pkt;
    size_t caplen = s->snap && s->snap < p->len ? s->snap : p->len;
    assert_int_equal(tcpsift_packet_decode(&pkt, LINKTYPE_ETHERNET, frame, caplen, p->len),
                     TCPSIFT_OK);
    assert_int_equal(pkt.payload_len, len);
    free(p);
    s->ts += MS;
    assert_int_equal(tcpsift_tracker_packet(s->t, &pkt, s->ts), TCPSIFT_OK);
}

/* Emit the next segment of `from` in its sequence: SEQ = its next sequence
 * number, ACK = the peer's next sequence number; SYN and FIN take one each. */
static void sc_tx(struct sc *s, int from, uint16_t flags, const char *data)
{
    size_t len = data ? strlen(data) : 0;
    sc_raw(s, from, flags, s->nxt[from], s->nxt[1 - from], s->win[from], data, len, NULL, 0,
           CSUM_GOOD);
    s->nxt[from] += (uint32_t)len + ((flags & F_SYN) ? 1u : 0u) + ((flags & F_FIN) ? 1u : 0u);
}

#define C 0
#define S 1

/* SYN, SYN-ACK, ACK with the given ISNs. */
static void sc_open(struct sc *s, uint32_t cisn, uint32_t sisn)
{
    s->nxt[C] = cisn;
    s->nxt[S] = sisn;
    sc_tx(s, C, F_SYN, NULL);
    sc_tx(s, S, F_SYN | F_ACK, NULL);
    sc_tx(s, C, F_ACK, NULL);
}

static void sc_finish(struct sc *s)
{
    tcpsift_tracker_finish(s->t);
    s->finished = 1;
}

static uint32_t total_events(const struct rec_conn *r)
{
    uint32_t n = 0;
    for (int i = 0; i < TCPSIFT_ANOMALY_COUNT; i++)
        n += r->ev[i];
    return n;
}

/* Print the non-zero events (helps when an exact count fails). */
static void dump_conn(const struct rec_conn *r)
{
    printf("  conn %llu: %s/%s end=%s %s history=%s events:", (unsigned long long)r->id,
           tcpsift_tcp_state_name(r->cli.state), tcpsift_tcp_state_name(r->srv.state),
           tcpsift_conn_end_name(r->end), r->conn_state, r->history);
    printf(" [c %llu+%llu gap, s %llu+%llu gap]", (unsigned long long)r->cli.stream_bytes,
           (unsigned long long)r->cli.gap_bytes, (unsigned long long)r->srv.stream_bytes,
           (unsigned long long)r->srv.gap_bytes);
    for (int i = 1; i < TCPSIFT_ANOMALY_COUNT; i++)
        if (r->ev[i]) printf(" %s=%u", tcpsift_anomaly_name((tcpsift_anomaly)i), r->ev[i]);
    printf("\n");
}

static const struct rec_conn *only_conn(struct sc *s)
{
    assert_true(s->finished);
    assert_int_equal(s->nconns, 1);
    dump_conn(&s->conns[0]);
    return &s->conns[0];
}

#define ASSERT_STATES(r, cs, ss)                                                                   \
    do {                                                                                           \
        assert_string_equal(tcpsift_tcp_state_name((r)->cli.state),                                \
                            tcpsift_tcp_state_name(TCPSIFT_ST_##cs));                              \
        assert_string_equal(tcpsift_tcp_state_name((r)->srv.state),                                \
                            tcpsift_tcp_state_name(TCPSIFT_ST_##ss));                              \
    } while (0)

#define ASSERT_END(r, e)                                                                           \
    assert_string_equal(tcpsift_conn_end_name((r)->end), tcpsift_conn_end_name(TCPSIFT_END_##e))

#define EV(r, name) ((r)->ev[TCPSIFT_ANOMALY_##name])


static void assert_stream(struct sc *s, uint64_t id, tcpsift_direction dir, const char *want)
{
    struct rec_stream *st = stream_of(s, id, dir);
    size_t n = strlen(want);
    assert_int_equal(st->data_len, n);
    assert_int_equal(st->gap_len, 0);
    assert_memory_equal(st->bytes, want, n);
}

static const char REQ[] = "GET / HTTP/1.0\r\n\r\n";
static const char RSP[] = "HTTP/1.0 200 OK\r\n\r\nhi";

/* ------------------------------------------------------------ open / close */

/* The reported last_ns is the timestamp of the connection's last packet,
 * even when that is earlier than an earlier packet's (a merged or reordered
 * capture) or negative, while the flow table's last_seen_ns is its clock
 * (the latest time seen, clamped at 0), which expiry needs to stay
 * monotonic. So conn.last_ns is not a duplicate of the node's last_seen_ns
 * (issue 9: both kept, 8 bytes each). */
static void test_last_ns_is_last_packet_not_latest(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    s.ts = 100 * MS - MS; /* the next packet is at 100 ms */
    sc_open(&s, 1000, 5000); /* 100, 101, 102 ms */
    s.ts = 150 * MS - MS;
    sc_tx(&s, C, F_ACK | F_PSH, REQ); /* 150 ms: the latest time */
    s.ts = 120 * MS - MS;
    sc_tx(&s, S, F_ACK, NULL); /* 120 ms: earlier than the one before */
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(r->first_ns, 100 * MS);
    assert_int_equal(r->last_ns, 120 * MS);
    assert_int_equal(r->cli.pkts, 3);
    assert_int_equal(r->srv.pkts, 2);
    sc_free(&s);

    /* A negative last timestamp is reported as is (the table clamps its own at 0). */
    sc_init(&s);
    s.ts = 3 * MS - MS;
    sc_open(&s, 1000, 5000); /* 3, 4, 5 ms */
    s.ts = -7 * MS - MS;
    sc_tx(&s, C, F_ACK | F_PSH, REQ); /* -7 ms */
    sc_finish(&s);
    r = only_conn(&s);
    assert_int_equal(r->first_ns, 3 * MS);
    assert_int_equal(r->last_ns, -7 * MS);
    sc_free(&s);
}

/* RFC 9293 §3.6 Figure 12, the client closing: it ends in TIME-WAIT, the
 * server (LAST-ACK, then the last ACK) in CLOSED. Zeek: S h A D a d F f. */
static void test_normal_open_data_client_close(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_tx(&s, S, F_ACK | F_PSH, RSP);
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_int_equal(r->handshake, 1);
    assert_int_equal(r->guessed, 0);
    assert_int_equal(r->rst_unconfirmed, 0);
    assert_int_equal(r->timed_out, 0);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "ShADadFf");
    assert_int_equal(r->completeness, 1 | 2 | 4 | 8 | 16);
    assert_int_equal(total_events(r), 0);
    assert_int_equal(r->id, 0);
    assert_int_equal(r->ip_version, 4);
    assert_memory_equal(r->caddr, TEST_V4_SRC, 4);
    assert_memory_equal(r->saddr, TEST_V4_DST, 4);
    assert_int_equal(r->cport, 40000);
    assert_int_equal(r->sport, 80);
    assert_int_equal(r->cli.pkts, 6);
    assert_int_equal(r->srv.pkts, 4);
    assert_int_equal(r->cli.bytes, strlen(REQ));
    assert_int_equal(r->srv.bytes, strlen(RSP));
    assert_int_equal(r->cli.stream_bytes, strlen(REQ));
    assert_int_equal(r->srv.stream_bytes, strlen(RSP));
    assert_int_equal(r->cli.gap_bytes, 0);
    assert_int_equal(r->last_ns - r->first_ns, 9 * MS);
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    assert_stream(&s, 0, TCPSIFT_S2C, RSP);
    sc_free(&s);
}

/* The server closes first (over IPv6): it goes to TIME-WAIT, the client
 * (CLOSE-WAIT, LAST-ACK) to CLOSED. Zeek: S h A D a d f F. */
static void test_normal_close_from_server_ipv6(void **state)
{
    (void)state;
    struct sc s;
    sc_init_policy(&s, 1, TCPSIFT_CHECKSUM_VERIFY);
    sc_open(&s, 0x12345678, 0x9abcdef0);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_tx(&s, S, F_ACK | F_PSH, RSP);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, CLOSED, TIME_WAIT);
    ASSERT_END(r, FIN);
    assert_int_equal(r->handshake, 1);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "ShADadfF");
    assert_int_equal(total_events(r), 0);
    assert_int_equal(r->ip_version, 6);
    assert_memory_equal(r->caddr, TEST_V6_SRC, 16);
    assert_memory_equal(r->saddr, TEST_V6_DST, 16);
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    assert_stream(&s, 0, TCPSIFT_S2C, RSP);
    sc_free(&s);
}

/* A FIN,ACK answering the FIN at once (three-way close): no CLOSING. */
static void test_three_way_close(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "ShAFf");
    assert_int_equal(r->completeness, 1 | 2 | 4 | 16);
    assert_int_equal(total_events(r), 0);
    sc_free(&s);
}

/* RFC 9293 §3.5 Figure 7: both send SYN, each answers with SYN,ACK; both
 * end ESTABLISHED. Each SYN,ACK re-sends its SYN (same sequence number), so
 * by anomaly.h's definition each is a retransmission. Zeek records S and H
 * in one slot, so the SYN,ACKs with the SYNs' sequence numbers add nothing. */
static void simultaneous_open(struct sc *s)
{
    sc_init(s);
    s->nxt[C] = 1000;
    s->nxt[S] = 5000;
    sc_raw(s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(s, S, F_SYN, 5000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(s, C, F_SYN | F_ACK, 1000, 5001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    s->nxt[C] = 1001;
    s->nxt[S] = 5001;
    sc_tx(s, C, F_ACK | F_PSH, REQ);
    sc_tx(s, S, F_ACK, NULL);
}

static void test_simultaneous_open(void **state)
{
    (void)state;
    struct sc s;
    simultaneous_open(&s);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    ASSERT_END(r, OPEN);
    /* SYN, the server's SYN,ACK and the client's ACK of it were all seen (the contract), though
     * the client's own SYN,ACK had acknowledged the server's SYN before (a black-box finding:
     * handshake followed the order of the two SYN,ACKs). */
    assert_int_equal(r->handshake, 1);
    assert_string_equal(r->conn_state, "S1");
    assert_string_equal(r->history, "SsDa");
    assert_int_equal(EV(r, RETRANSMISSION), 2);
    /* No payload was re-sent: nothing spurious (anomaly.h, tshark). */
    assert_int_equal(EV(r, SPURIOUS_RETRANSMISSION), 0);
    assert_int_equal(total_events(r), 2);
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    sc_free(&s);

    /* ... and it closes normally from the client. */
    simultaneous_open(&s);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "SsDaFfA"); /* the final ACK is its first pure ACK */
    sc_free(&s);
}

/* A simultaneous open and nothing after it: the two SYN,ACKs cross, each end takes the other's
 * in SYN-RECEIVED and is ESTABLISHED (RFC 9293 Figure 8; Linux), in either capture order of
 * the SYN,ACKs. Before, the end whose SYN was acknowledged before its own SYN,ACK was captured
 * stayed SYN_RECEIVED, and handshake was false (a contract audit finding). */
static void test_simultaneous_open_synacks_only(void **state)
{
    (void)state;
    for (int server_first = 0; server_first < 2; server_first++) {
        struct sc s;
        sc_init(&s);
        sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_raw(&s, S, F_SYN, 5000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        for (int i = 0; i < 2; i++) {
            if ((i == 0) == (server_first == 1))
                sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
            else
                sc_raw(&s, C, F_SYN | F_ACK, 1000, 5001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        }
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
        ASSERT_END(r, OPEN);
        assert_int_equal(r->handshake, 1);
        sc_free(&s);
    }
}

/* SYN and SYN,ACK each re-sent with the same ISN: one connection, one
 * retransmission each (RFC 9293 §3.8.1); Zeek repeats S/H only on a new seq. */
static void test_syn_and_synack_retransmission(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    s.nxt[C] = 1001;
    s.nxt[S] = 5001;
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    ASSERT_END(r, OPEN);
    assert_int_equal(r->handshake, 1);
    assert_string_equal(r->conn_state, "S1");
    assert_string_equal(r->history, "ShADa");
    assert_int_equal(EV(r, RETRANSMISSION), 2);
    assert_int_equal(total_events(r), 2);
    assert_int_equal(r->cli.pkts, 4);
    assert_int_equal(r->srv.pkts, 3);
    sc_free(&s);
}

/* Split handshake: SYN, SYN, SYN,ACK (from the client), ACK (from the
 * server). RFC 9293 §3.5 Figure 7's simultaneous-open arcs make both ends
 * ESTABLISHED (docs/state-events.md, test_state_table's split scenario);
 * no anomaly. Zeek: S s (the client's SYN,ACK repeats its SYN's seq), a. */
static void test_split_handshake(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN, 5000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_SYN | F_ACK, 1000, 5001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_ACK, 5001, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    ASSERT_END(r, OPEN);
    assert_string_equal(r->history, "Ssa");
    assert_string_equal(r->conn_state, "S1");
    /* The client's SYN,ACK re-sends its SYN: retransmission by definition. */
    assert_int_equal(EV(r, RETRANSMISSION), 1);
    assert_int_equal(total_events(r), 1);
    sc_free(&s);
}

/* RST,ACK acknowledging the SYN (RFC 9293 §3.10.7.3): rejected, REJ. */
static void test_rejected(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_RST | F_ACK, 0, 1001, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, REJECTED);
    ASSERT_STATES(r, CLOSED, CLOSED);
    assert_int_equal(r->handshake, 0);
    assert_string_equal(r->conn_state, "REJ");
    assert_string_equal(r->history, "Sr");
    assert_int_equal(r->completeness, 1 | 32);
    assert_int_equal(total_events(r), 0);
    sc_free(&s);

    /* A RST whose ACK does not acknowledge the SYN is not acceptable in
     * SYN-SENT (§3.10.7.3): ignored, the attempt stays unanswered. */
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_RST | F_ACK, 0, 7777, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_int_not_equal(r->end, TCPSIFT_END_REJECTED);
    assert_int_not_equal(r->end, TCPSIFT_END_RST);
    assert_int_equal(r->cli.state, TCPSIFT_ST_SYN_SENT);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 1);
    sc_free(&s);
}

/* SYNs and nothing back: S0, the server never heard from (UNKNOWN). */
static void test_syn_unanswered(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, SYN_UNANSWERED);
    ASSERT_STATES(r, SYN_SENT, UNKNOWN);
    assert_string_equal(r->conn_state, "S0");
    assert_string_equal(r->history, "S");
    assert_int_equal(EV(r, RETRANSMISSION), 2);
    assert_int_equal(total_events(r), 2);
    assert_int_equal(r->cli.pkts, 3);
    assert_int_equal(r->srv.pkts, 0);
    assert_int_equal(r->completeness, 1);
    sc_free(&s);
}

/* Simultaneous close (RFC 9293 §3.6 Figure 13): crossing FINs, each end
 * FIN-WAIT-1 -> CLOSING -> TIME-WAIT. */
static void simultaneous_close(struct sc *s, int steps)
{
    sc_init(s);
    sc_open(s, 1000, 5000);
    uint32_t c_fin = s->nxt[C], s_fin = s->nxt[S];
    /* Each FIN acknowledges only what was sent before the other's FIN. */
    sc_raw(s, C, F_ACK | F_FIN, c_fin, s_fin, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(s, S, F_ACK | F_FIN, s_fin, c_fin, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    if (steps > 2) sc_raw(s, C, F_ACK, c_fin + 1, s_fin + 1, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    if (steps > 3) sc_raw(s, S, F_ACK, s_fin + 1, c_fin + 1, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(s);
}

static void test_simultaneous_close(void **state)
{
    (void)state;
    struct sc s;
    simultaneous_close(&s, 2);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, FIN_WAIT_1, FIN_WAIT_1);
    sc_free(&s);

    simultaneous_close(&s, 3);
    r = only_conn(&s);
    ASSERT_STATES(r, CLOSING, FIN_WAIT_2);
    sc_free(&s);

    simultaneous_close(&s, 4);
    r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, TIME_WAIT);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    /* The server's last ACK is its first pure ACK: Zeek's 'a'. */
    assert_string_equal(r->history, "ShAFfa");
    assert_int_equal(total_events(r), 0);
    sc_free(&s);
}

/* Half-close (RFC 9293 §3.6): after the client's FIN the server keeps
 * sending; end is half_closed until the server's FIN, with no anomaly. */
static void half_close(struct sc *s, int close_server)
{
    sc_init(s);
    sc_open(s, 1000, 5000);
    sc_tx(s, C, F_ACK | F_PSH, REQ);
    sc_tx(s, C, F_ACK | F_FIN, NULL);
    sc_tx(s, S, F_ACK, NULL);
    sc_tx(s, S, F_ACK | F_PSH, "part one;");
    sc_tx(s, C, F_ACK, NULL);
    sc_tx(s, S, F_ACK | F_PSH, "part two.");
    sc_tx(s, C, F_ACK, NULL);
    if (close_server) {
        sc_tx(s, S, F_ACK | F_FIN, NULL);
        sc_tx(s, C, F_ACK, NULL);
    }
    sc_finish(s);
}

static void test_half_close(void **state)
{
    (void)state;
    struct sc s;
    half_close(&s, 0);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, FIN_WAIT_2, CLOSE_WAIT);
    ASSERT_END(r, HALF_CLOSED);
    assert_string_equal(r->conn_state, "S2");
    assert_string_equal(r->history, "ShADFad");
    assert_int_equal(total_events(r), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    assert_stream(&s, 0, TCPSIFT_S2C, "part one;part two.");
    sc_free(&s);

    half_close(&s, 1);
    r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "ShADFadf");
    assert_int_equal(total_events(r), 0);
    assert_stream(&s, 0, TCPSIFT_S2C, "part one;part two.");
    sc_free(&s);
}

/* A FIN re-sent with its sequence number: one retransmission; Zeek's F is
 * not repeated for the same sequence number. */
static void test_fin_retransmission(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    uint32_t c_fin = s.nxt[C];
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_raw(&s, C, F_ACK | F_FIN, c_fin, s.nxt[S], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "ShAFf");
    assert_int_equal(EV(r, RETRANSMISSION), 1);
    assert_int_equal(total_events(r), 1);
    sc_free(&s);
}

/* New payload beyond the FIN (RFC 9293 §3.10.2 "connection closing"):
 * data_after_fin, the bytes are not part of the stream. */
static void test_data_after_fin(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK | F_PSH, "sneaky");
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, FIN_WAIT_1, ESTABLISHED);
    ASSERT_END(r, HALF_CLOSED);
    assert_int_equal(EV(r, DATA_AFTER_FIN), 1);
    assert_int_equal(r->cli.bytes, strlen(REQ) + 6);
    assert_int_equal(r->cli.stream_bytes, strlen(REQ));
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    sc_free(&s);
}

/* ------------------------------------------------------------ resets */

/* Established, client data acked by the server; then a client RST at `off`
 * from the client's next sequence number. */
static void established_then_rst(struct sc *s, uint32_t off)
{
    sc_init(s);
    sc_open(s, 1000, 5000);
    sc_tx(s, C, F_ACK | F_PSH, REQ);
    sc_tx(s, S, F_ACK, NULL);
    sc_raw(s, C, F_RST, s->nxt[C] + off, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
}

/* RFC 5961 §3.2: SEQ = RCV.NXT resets the connection. */
static void test_rst_exact(void **state)
{
    (void)state;
    struct sc s;
    established_then_rst(&s, 0);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, CLOSED, CLOSED);
    ASSERT_END(r, RST);
    assert_int_equal(r->rst_unconfirmed, 0);
    assert_string_equal(r->conn_state, "RSTO");
    assert_string_equal(r->history, "ShADaR");
    assert_int_equal(total_events(r), 0);
    assert_int_equal(r->completeness, 1 | 2 | 4 | 8 | 32);
    sc_free(&s);

    /* The server resetting: RSTR, endpoints CLOSED. */
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_raw(&s, S, F_RST | F_ACK, s.nxt[S], s.nxt[C], 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_STATES(r, CLOSED, CLOSED);
    ASSERT_END(r, RST);
    assert_string_equal(r->conn_state, "RSTR");
    assert_string_equal(r->history, "ShADr");
    sc_free(&s);
}

/* Acked delivery after an accepted exact RST (an evasion hunt: a reset Linux receiver read
 * "ABCD" and answered the rest with RSTs; tcpsift released the rest at the end as if the
 * capture had been cut): bytes sent after the reset, and bytes held beyond a hole, are never
 * acknowledged and not delivered (reset_held_dropped). When the receiver acknowledges bytes
 * after the RST (an injected RST it never took), they are delivered. */
static void test_acked_reset_held_not_released(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        tcpsift_reasm_config rc;
        tcpsift_reasm_config_default(&rc);
        rc.mode = TCPSIFT_REASM_ACKED;
        rc.policy = TCPSIFT_OVERLAP_LINUX;
        struct sc s;
        sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
        sc_open(&s, 1000, 5000);
        sc_tx(&s, C, F_ACK | F_PSH, "ABCD");
        sc_tx(&s, S, F_ACK, NULL);
        if (k == 1) /* held beyond a 4-byte hole */
            sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C] + 4, s.nxt[S], 65535, "IJKL", 4, NULL, 0,
                   CSUM_GOOD);
        sc_raw(&s, C, F_RST | F_ACK, s.nxt[C], s.nxt[S], 0, NULL, 0, NULL, 0, CSUM_GOOD);
        if (k != 1)
            sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C], s.nxt[S], 65535, "EVIL", 4, NULL, 0,
                   CSUM_GOOD);
        if (k == 2) /* the receiver goes on: the RST never reached it */
            sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C] + 4, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        assert_int_equal(EV(r, RESET_HELD_DROPPED), k < 2);
        assert_int_equal(EV(r, RELEASED_UNACKED), 0);
        assert_stream(&s, 0, TCPSIFT_C2S, k == 2 ? "ABCDEVIL" : "ABCD");
        sc_free(&s);
    }
}

/* In the window but not exact, and then silence: pending, confirmed at the
 * end (nobody refuted it), flagged rst_unconfirmed. */
static void test_rst_in_window_silence(void **state)
{
    (void)state;
    struct sc s;
    established_then_rst(&s, 1000);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, RST);
    assert_int_equal(r->rst_unconfirmed, 1);
    ASSERT_STATES(r, CLOSED, CLOSED);
    assert_int_equal(EV(r, RST_IN_WINDOW_PENDING), 1);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 0);
    assert_string_equal(r->conn_state, "RSTO");
    sc_free(&s);
}

/* In the window, inexact, and the sender goes on: refuted (RFC 5961 §3.2:
 * the receiver only sent a challenge ACK); the connection closes normally. */
static void test_rst_in_window_refuted(void **state)
{
    (void)state;
    struct sc s;
    established_then_rst(&s, 1000);
    sc_tx(&s, S, F_ACK, NULL); /* the challenge ACK */
    sc_tx(&s, C, F_ACK | F_PSH, "more");
    sc_tx(&s, S, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, FIN);
    assert_int_equal(r->rst_unconfirmed, 0);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    assert_int_equal(EV(r, RST_IN_WINDOW_PENDING), 1);
    /* Zeek marks the originator RESET on any RST: RSTO. */
    assert_string_equal(r->conn_state, "RSTO");
    assert_string_equal(r->history, "ShADaRFf");
    assert_int_equal(r->cli.stream_bytes, strlen(REQ) + 4);
    sc_free(&s);
}

/* Outside the window: dropped and counted, the connection goes on. */
static void test_rst_out_of_window(void **state)
{
    (void)state;
    struct sc s;
    established_then_rst(&s, 0x20000000u);
    sc_tx(&s, C, F_ACK | F_PSH, "more");
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, OPEN);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 1);
    assert_int_equal(EV(r, RST_IN_WINDOW_PENDING), 0);
    assert_int_equal(r->rst_unconfirmed, 0);
    assert_int_equal(r->cli.stream_bytes, strlen(REQ) + 4);
    sc_free(&s);

    /* Below RCV.NXT is outside too (modulo 2^32). */
    established_then_rst(&s, (uint32_t)-10);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_END(r, OPEN);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 1);
    sc_free(&s);
}

/* A blind forged SYN or SYN-ACK (any ISN, any ACK) from the server's address in the middle of
 * a connection: the client is synchronized and drops it with a challenge ACK (RFC 9293
 * §3.10.7.4, RFC 5961 §4), so the server's ISN stands and its later bytes are its stream.
 * Before, the new ISN rebased the server's stream and every later byte was lost. */
static void test_forged_syn_mid_connection(void **state)
{
    (void)state;
    static const uint16_t forged_flags[] = {F_SYN | F_ACK, F_SYN};
    for (int from = C; from <= S; from++) {
        for (size_t k = 0; k < 2; k++) {
            struct sc s;
            sc_init(&s);
            sc_open(&s, 1000, 5000);
            sc_tx(&s, C, F_ACK | F_PSH, "hello");
            sc_tx(&s, S, F_ACK, NULL);
            sc_raw(&s, from, forged_flags[k], 0x12345678u, 0xdeadbeefu, 65535, "EVIL", 4, NULL,
                   0, CSUM_GOOD);
            sc_tx(&s, S, F_ACK | F_PSH, "resp-1");
            sc_tx(&s, C, F_ACK | F_PSH, "more");
            sc_tx(&s, S, F_ACK | F_PSH, "resp-2");
            sc_tx(&s, C, F_ACK | F_FIN, NULL);
            sc_tx(&s, S, F_ACK | F_FIN, NULL);
            sc_tx(&s, C, F_ACK, NULL);
            sc_finish(&s);
            const struct rec_conn *r = only_conn(&s);
            ASSERT_END(r, FIN);
            ASSERT_STATES(r, TIME_WAIT, CLOSED);
            assert_int_equal(EV(r, SYN_IN_SYNCHRONIZED_STATE), 1);
            assert_int_equal(EV(r, RETRANSMISSION), 0);
            assert_stream(&s, 0, TCPSIFT_C2S, "hellomore");
            assert_stream(&s, 0, TCPSIFT_S2C, "resp-1resp-2");
            sc_free(&s);
        }
    }
}

/* Two SYN-ACKs with different ISNs: SYN-SENT took the first acceptable one and is ESTABLISHED
 * (RFC 9293 §3.10.7.3), so the second is a SYN to a synchronized endpoint: the first ISN
 * stands, whichever the client's ACK then confirms. */
static void test_second_synack_other_isn(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 0x7000000u, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    s.nxt[C] = 1001;
    s.nxt[S] = 5001;
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, S, F_ACK | F_PSH, "resp");
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_true(r->handshake);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    assert_int_equal(EV(r, SYN_IN_SYNCHRONIZED_STATE), 1);
    assert_stream(&s, 0, TCPSIFT_S2C, "resp");
    sc_free(&s);
}

/* A SYN-ACK whose ACK is not of the client's SYN (RFC 9293 §3.10.7.3: SEG.ACK =< ISS or
 * > SND.NXT): SYN-SENT discards it and answers with a RST (seq = SEG.ACK), which the server,
 * without that SYN-ACK, ignores. Its ACK is no evidence of client bytes (no gap), and the
 * real handshake and close after it stand. */
static void test_synack_unacceptable_ack(void **state)
{
    (void)state;
    static const uint32_t bad_acks[] = {1000, 1002, 5975, 0x80000000u};
    for (size_t k = 0; k < 4; k++) {
        for (int with_rst = 0; with_rst <= 1; with_rst++) {
            struct sc s;
            sc_init(&s);
            sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
            sc_raw(&s, S, F_SYN | F_ACK, 0x6000000u, bad_acks[k], 65535, NULL, 0, NULL, 0,
                   CSUM_GOOD);
            if (with_rst) sc_raw(&s, C, F_RST, bad_acks[k], 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
            s.nxt[C] = 1000;
            s.nxt[S] = 5000;
            s.nxt[C]++; /* the SYN above */
            sc_tx(&s, S, F_SYN | F_ACK, NULL);
            sc_tx(&s, C, F_ACK | F_PSH, "request");
            sc_tx(&s, S, F_ACK | F_PSH, "reply");
            sc_tx(&s, C, F_ACK | F_FIN, NULL);
            sc_tx(&s, S, F_ACK | F_FIN, NULL);
            sc_tx(&s, C, F_ACK, NULL);
            sc_finish(&s);
            const struct rec_conn *r = only_conn(&s);
            ASSERT_END(r, FIN);
            ASSERT_STATES(r, TIME_WAIT, CLOSED);
            assert_true(r->handshake);
            assert_int_equal(EV(r, ACK_OUT_OF_WINDOW), 1);
            assert_int_equal(EV(r, CONTENT_GAP), 0);
            assert_int_equal(r->cli.gap_bytes, 0);
            assert_stream(&s, 0, TCPSIFT_C2S, "request");
            assert_stream(&s, 0, TCPSIFT_S2C, "reply");
            sc_free(&s);
        }
    }
}

/* A FIN outside the receiver's window (any sequence number far from RCV.NXT, above or below):
 * dropped by the receiver with the segment (RFC 9293 §3.10.7.4), so it neither half-closes
 * the direction nor makes the real bytes after it data_after_fin. A FIN at RCV.NXT - 1 (one
 * the receiver acknowledged, sent again) is not outside. */
static void test_fin_out_of_window(void **state)
{
    (void)state;
    static const uint32_t offsets[] = {0x20000000u, 0x80000000u, (uint32_t)-10, 70000};
    for (size_t k = 0; k < 4; k++) {
        struct sc s;
        sc_init(&s);
        sc_open(&s, 1000, 5000);
        sc_tx(&s, C, F_ACK | F_PSH, "GET /");
        sc_tx(&s, S, F_ACK, NULL);
        sc_raw(&s, C, F_ACK | F_FIN, s.nxt[C] + offsets[k], 0x13572468u, 65535, NULL, 0, NULL, 0,
               CSUM_GOOD);
        sc_tx(&s, C, F_ACK | F_PSH, "index.html");
        sc_tx(&s, S, F_ACK, NULL);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        ASSERT_END(r, OPEN);
        ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
        assert_int_equal(EV(r, FIN_OUT_OF_WINDOW), 1);
        assert_int_equal(EV(r, DATA_AFTER_FIN), 0);
        assert_int_equal(r->cli.gap_bytes, 0);
        assert_stream(&s, 0, TCPSIFT_C2S, "GET /index.html");
        sc_free(&s);
    }
    /* The client's FIN, acknowledged, then sent again: not outside (RCV.NXT - 1). */
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, "bye");
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK, NULL);
    sc_raw(&s, C, F_ACK | F_FIN, s.nxt[C] - 1, s.nxt[S], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, FIN);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    assert_int_equal(EV(r, FIN_OUT_OF_WINDOW), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, "bye");
    sc_free(&s);
}

/* A segment whose ACK acknowledges bytes its receiver could not have sent (past the sender's
 * largest window beyond its last ACK), or lies more than a window behind its last ACK, is dropped
 * by the receiver with its data (RFC 9293 §3.10.7.4 fifth check, RFC 5961 §5.2). Variant 0: a
 * forged pure ACK of 100,000 bytes the client never sent (before: a 1-byte phantom gap, the
 * client's FIN judged outside the window, CLOSE_WAIT / FIN_WAIT_2); 1 and 2: bytes injected at
 * the client's next sequence number with an ACK far ahead or far behind, then the real bytes
 * (before: the injected ones were the stream, on arrival and acked); 3 and 4: the same as the
 * client's first ACK, which the server in SYN-RECEIVED takes only past its ISN (4: the ISN). */
static void test_ack_unacceptable_dropped(void **state)
{
    (void)state;
    for (int acked = 0; acked < 2; acked++) {
        for (int k = 0; k < 5; k++) {
            struct sc s;
            sc_init_mode(&s, acked ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL);
            s.nxt[C] = 1000;
            s.nxt[S] = 5000;
            sc_tx(&s, C, F_SYN, NULL);
            sc_tx(&s, S, F_SYN | F_ACK, NULL);
            static const uint32_t forged_ack_offset[] = {0, 100000, -0x70000000u, 100000, -1u};
            if (k >= 3) /* before the client's first ACK */
                sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C], s.nxt[S] + forged_ack_offset[k], 65535,
                       "EVI", 3, NULL, 0, CSUM_GOOD);
            else
                sc_tx(&s, C, F_ACK, NULL);
            sc_tx(&s, C, F_ACK | F_PSH, "one");
            sc_tx(&s, S, F_ACK | F_PSH, "hi");
            if (k == 0)
                sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C] + 100000, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
            else if (k < 3)
                sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C], s.nxt[S] + forged_ack_offset[k], 65535,
                       "EVIL!", 5, NULL, 0, CSUM_GOOD);
            sc_tx(&s, C, F_ACK | F_PSH, "two.!");
            sc_tx(&s, S, F_ACK, NULL);
            sc_tx(&s, C, F_ACK | F_FIN, NULL);
            sc_tx(&s, S, F_ACK | F_FIN, NULL);
            sc_tx(&s, C, F_ACK, NULL);
            sc_finish(&s);
            const struct rec_conn *r = only_conn(&s);
            assert_int_equal(EV(r, ACK_OUT_OF_WINDOW), 1);
            assert_int_equal(EV(r, ACK_UNSEEN_SEGMENT), 0);
            assert_int_equal(EV(r, FIN_OUT_OF_WINDOW), 0);
            assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
            assert_int_equal(EV(r, RETRANSMISSION), 0);
            assert_true(r->handshake);
            ASSERT_END(r, FIN);
            ASSERT_STATES(r, TIME_WAIT, CLOSED);
            assert_stream(&s, 0, TCPSIFT_C2S, "onetwo.!");
            assert_stream(&s, 0, TCPSIFT_S2C, "hi");
            sc_free(&s);
        }
    }
}

/* An old ACK is judged as Linux judges it (tcp_ack(): behind SND.UNA by more than
 * min(largest window, bytes acknowledged) drops the segment, data and all): with a 100-byte
 * greeting acknowledged, data whose ACK is 101 behind is dropped and 100 behind taken; while the
 * server has sent nothing, any older ACK is dropped (an evasion hunt: Linux read "GOOD", tcpsift
 * delivered "EVIL"). Both delivery modes. */
static void test_old_ack_bound_by_bytes_acked(void **state)
{
    (void)state;
    static char greeting[101];
    memset(greeting, 'g', 100);
    for (int acked = 0; acked < 2; acked++) {
        for (int k = 0; k < 3; k++) {
            struct sc s;
            sc_init_mode(&s, acked ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL);
            sc_open(&s, 1000, 5000);
            uint32_t behind = 1;
            if (k > 0) {
                sc_tx(&s, S, F_ACK | F_PSH, greeting);
                sc_tx(&s, C, F_ACK, NULL);
                behind = k == 1 ? 101 : 100;
            }
            sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C], s.nxt[S] - behind, 65535, "EVIL", 4, NULL, 0,
                   CSUM_GOOD);
            sc_tx(&s, C, F_ACK | F_PSH, k == 2 ? NULL : "GOOD");
            sc_tx(&s, S, F_ACK, NULL);
            sc_finish(&s);
            const struct rec_conn *r = only_conn(&s);
            int dropped = k < 2;
            assert_int_equal(EV(r, ACK_OUT_OF_WINDOW), dropped);
            assert_stream(&s, 0, TCPSIFT_C2S, dropped ? "GOOD" : "EVIL");
            sc_free(&s);
        }
    }
}

/* The line between capture loss and a forged ACK: the server may have sent, unseen, up to the
 * client's largest window past the client's last ACK (+1 for a FIN); an ACK of exactly that much
 * is capture loss (ack_unseen_segment, the segment and its bytes taken), one more is dropped. */
static void test_ack_unseen_within_reach(void **state)
{
    (void)state;
    for (uint32_t beyond = 0; beyond < 2; beyond++) {
        struct sc s;
        sc_init(&s);
        sc_open(&s, 1000, 5000);
        sc_tx(&s, C, F_ACK | F_PSH, "GET /");
        sc_tx(&s, S, F_ACK, NULL);
        uint32_t reach = s.nxt[S] + 65535 + 1; /* the client's last ACK + its window + a FIN */
        sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C], reach + beyond, 65535, "x", 1, NULL, 0, CSUM_GOOD);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        assert_int_equal(EV(r, ACK_UNSEEN_SEGMENT), beyond ? 0 : 1);
        assert_int_equal(EV(r, ACK_OUT_OF_WINDOW), beyond ? 1 : 0);
        assert_stream(&s, 0, TCPSIFT_C2S, beyond ? "GET /" : "GET /x");
        sc_free(&s);
    }
}

/* A FIN without ACK (a FIN scan's, or one injected with bytes) after the handshake: every
 * receiver drops it (RFC 9293 §3.10.7.4 fifth check), so it neither closes the direction nor
 * carries data. Before, its bytes were the stream on arrival and acked (the real ones counted
 * an overlap mismatch), and a bare one made the real bytes data_after_fin. */
static void test_fin_without_ack_dropped(void **state)
{
    (void)state;
    for (int acked = 0; acked < 2; acked++) {
        for (int with_data = 0; with_data < 2; with_data++) {
            struct sc s;
            sc_init_mode(&s, acked ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL);
            sc_open(&s, 1000, 5000);
            sc_raw(&s, C, F_FIN | F_PSH, s.nxt[C], 0, 65535, with_data ? "EVIL!" : NULL,
                   with_data ? 5 : 0, NULL, 0, CSUM_GOOD);
            sc_tx(&s, C, F_ACK | F_PSH, "GET /");
            sc_tx(&s, S, F_ACK, NULL);
            sc_tx(&s, C, F_ACK | F_FIN, NULL);
            sc_tx(&s, S, F_ACK | F_FIN, NULL);
            sc_tx(&s, C, F_ACK, NULL);
            sc_finish(&s);
            const struct rec_conn *r = only_conn(&s);
            assert_int_equal(EV(r, FIN_WITHOUT_ACK), 1);
            assert_int_equal(EV(r, DATA_AFTER_FIN), 0);
            assert_int_equal(EV(r, FIN_REFUTED), 0);
            assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
            assert_int_equal(EV(r, RETRANSMISSION), 0);
            assert_int_equal(r->completeness & 16, 16);
            ASSERT_END(r, FIN);
            ASSERT_STATES(r, TIME_WAIT, CLOSED);
            assert_stream(&s, 0, TCPSIFT_C2S, "GET /");
            sc_free(&s);
        }
    }
}

/* A FIN injected at the receiver's next sequence number (a TTL that expires on the way), then
 * the sender's real bytes at the same numbers, which the receiver acknowledges: nothing follows
 * a FIN (RFC 9293 §3.5), so that acknowledgement refutes the FIN, the sender's close is undone
 * through the table (FIN_REFUTED) and the real bytes are the stream, on arrival and acked.
 * Before, the FIN ended the direction and hid every later byte (data_after_fin). */
/* A FIN from `from`'s address at `seq` whose TTL of 1 expires before the peer. */
static void sc_injected_fin(struct sc *s, int from, uint32_t seq)
{
    s->ttl[from] = 1;
    sc_raw(s, from, F_ACK | F_FIN, seq, s->nxt[1 - from], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    s->ttl[from] = 0;
}

static void fin_injected(struct sc *s, tcpsift_reasm_mode mode, int from, int close)
{
    sc_init_mode(s, mode);
    sc_open(s, 1000, 5000);
    sc_tx(s, C, F_ACK | F_PSH, "GET /");
    sc_tx(s, S, F_ACK, NULL);
    if (from == C) { /* the client's injected FIN comes after the server's real one: LAST_ACK */
        sc_tx(s, S, F_ACK | F_FIN, NULL);
        sc_tx(s, C, F_ACK, NULL);
    }
    sc_injected_fin(s, from, s->nxt[from]);
    sc_tx(s, from, F_ACK | F_PSH, "HTTP/1.1 200");
    sc_tx(s, 1 - from, F_ACK, NULL);
    sc_tx(s, from, F_ACK | F_PSH, " OK");
    sc_tx(s, 1 - from, F_ACK, NULL);
    if (close) {
        if (from == S) sc_tx(s, C, F_ACK | F_FIN, NULL);
        sc_tx(s, from, F_ACK | F_FIN, NULL);
        sc_tx(s, 1 - from, F_ACK, NULL);
    }
    sc_finish(s);
}

static void test_fin_refuted_by_ack(void **state)
{
    (void)state;
    for (int acked = 0; acked < 2; acked++) {
        tcpsift_reasm_mode mode = acked ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL;
        for (int close = 0; close < 2; close++) {
            struct sc s;
            fin_injected(&s, mode, S, close); /* FIN_WAIT_1 -> ESTABLISHED */
            const struct rec_conn *r = only_conn(&s);
            assert_int_equal(EV(r, FIN_REFUTED), 1);
            assert_int_equal(r->srv.gap_bytes, 0);
            assert_stream(&s, 0, TCPSIFT_S2C, "HTTP/1.1 200 OK");
            if (close) {
                ASSERT_END(r, FIN);
                ASSERT_STATES(r, TIME_WAIT, CLOSED); /* the client's FIN went first */
            } else {
                ASSERT_END(r, OPEN);
                ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
            }
            sc_free(&s);
            fin_injected(&s, mode, C, close); /* LAST_ACK -> CLOSE_WAIT */
            r = only_conn(&s);
            assert_int_equal(EV(r, FIN_REFUTED), 1);
            assert_stream(&s, 0, TCPSIFT_C2S, "GET /HTTP/1.1 200 OK");
            if (close) {
                ASSERT_END(r, FIN);
                ASSERT_STATES(r, CLOSED, TIME_WAIT);
            } else {
                ASSERT_STATES(r, CLOSE_WAIT, FIN_WAIT_2);
            }
            sc_free(&s);
        }
    }
    /* The other way round: a real FIN, bytes injected past it, and the receiver acknowledging
     * the FIN alone: nothing is refuted, and acked delivery ends the stream at the FIN. (On
     * arrival the injected bytes are out before the acknowledgement: data_after_fin.) */
    for (int acked = 0; acked < 2; acked++) {
        struct sc s;
        sc_init_mode(&s, acked ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL);
        sc_open(&s, 1000, 5000);
        sc_tx(&s, C, F_ACK | F_PSH, "GET /");
        sc_tx(&s, S, F_ACK | F_PSH, "200 OK");
        sc_tx(&s, S, F_ACK | F_FIN, NULL);
        sc_raw(&s, S, F_ACK | F_PSH, s.nxt[S] - 1, s.nxt[C], 65535, "EVIL", 4, NULL, 0, CSUM_GOOD);
        sc_tx(&s, C, F_ACK, NULL);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        assert_int_equal(EV(r, FIN_REFUTED), 0);
        assert_int_equal(EV(r, DATA_AFTER_FIN), 1);
        ASSERT_STATES(r, CLOSE_WAIT, FIN_WAIT_2);
        if (acked) assert_stream(&s, 0, TCPSIFT_S2C, "200 OK");
        sc_free(&s);
    }
}

/* Two FIN positions from the server before the client acknowledges either (fin_moved): one
 * is injected (a TTL that expires on the way), and the client's acknowledgement decides.
 * `variant` 0: the injected FIN comes first, 100 bytes ahead of the client's RCV.NXT (in its
 * window, ahead of a hole the real bytes fill); the client closes first, then the server's
 * real FIN follows its data and the client acknowledges exactly that one. Before, the first
 * FIN stayed in force: an 80-byte phantom gap at the end, the real bytes counted
 * data_after_fin, and the server ended in CLOSING, the client in FIN_WAIT_2. 1: the injected
 * FIN comes first at RCV.NXT, the real bytes and FIN follow, and the client's first ACK passes
 * the injected FIN but not the real one (an ACK past the FIN in force: the other one stays).
 * 2: the real FIN comes first, an injected one inside the bytes already sent follows, and the
 * client acknowledges the real FIN: nothing is refuted, the stream is whole. 3: two injected
 * FINs, 100 and 5 bytes ahead; the client's ACK of the real bytes passes the second, so an
 * older ACK of exactly it arriving late does not take it; the real FIN then becomes the other
 * position and the client's ACK of it takes it. */
static void fin_two_positions(struct sc *s, tcpsift_reasm_mode mode, int variant)
{
    sc_init_mode(s, mode);
    sc_open(s, 1000, 5000);
    sc_tx(s, C, F_ACK | F_PSH, "GET /");
    sc_tx(s, S, F_ACK, NULL);
    uint32_t start = s->nxt[S];
    uint32_t injected_at = variant == 0 || variant == 3 ? start + 100 : start;
    if (variant != 2) sc_injected_fin(s, S, injected_at);
    if (variant == 3) sc_injected_fin(s, S, start + 5);
    sc_tx(s, S, F_ACK | F_PSH, "HTTP/1.1 200");
    if (variant == 3) {
        sc_tx(s, C, F_ACK, NULL);
        sc_raw(s, C, F_ACK, s->nxt[C], start + 6, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_tx(s, S, F_ACK | F_PSH | F_FIN, " OK");
        sc_tx(s, C, F_ACK, NULL);
    } else if (variant == 0) {
        sc_tx(s, C, F_ACK, NULL);
        sc_tx(s, S, F_ACK | F_PSH, " OK");
        sc_tx(s, C, F_ACK, NULL);
        sc_tx(s, C, F_ACK | F_FIN, NULL);
        sc_tx(s, S, F_ACK | F_FIN, NULL);
        sc_tx(s, C, F_ACK, NULL);
    } else if (variant == 1) {
        sc_tx(s, S, F_ACK | F_PSH | F_FIN, " OK");
        sc_raw(s, C, F_ACK, s->nxt[C], s->nxt[S] - 4, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_tx(s, C, F_ACK, NULL);
    } else {
        sc_tx(s, S, F_ACK | F_PSH, " OK");
        sc_tx(s, S, F_ACK | F_FIN, NULL);
        sc_injected_fin(s, S, s->nxt[S] - 5);
        sc_tx(s, C, F_ACK, NULL);
    }
    sc_finish(s);
}

static void test_fin_moved_receiver_decides(void **state)
{
    (void)state;
    for (int acked = 0; acked < 2; acked++) {
        tcpsift_reasm_mode mode = acked ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL;
        for (int variant = 0; variant < 4; variant++) {
            struct sc s;
            fin_two_positions(&s, mode, variant);
            const struct rec_conn *r = only_conn(&s);
            assert_int_equal(EV(r, FIN_MOVED), variant == 3 ? 2 : 1);
            assert_int_equal(EV(r, FIN_REFUTED), variant == 2 ? 0 : 1);
            /* Variant 1's real bytes come after the FIN in force when they arrive. */
            assert_int_equal(EV(r, DATA_AFTER_FIN), variant == 1 ? 2 : 0);
            assert_int_equal(r->srv.gap_bytes, 0);
            assert_stream(&s, 0, TCPSIFT_S2C, "HTTP/1.1 200 OK");
            if (variant == 0) {
                ASSERT_END(r, FIN);
                ASSERT_STATES(r, TIME_WAIT, CLOSED); /* the server was in LAST_ACK */
            } else {
                ASSERT_END(r, HALF_CLOSED);
                ASSERT_STATES(r, CLOSE_WAIT, FIN_WAIT_2);
            }
            sc_free(&s);
        }
    }
}

/* RFC 7323 §2.2: the window is scaled only when both SYNs carried the
 * option. The server advertises a raw window of 1000 with shift 7: scaled,
 * 128000, a RST 100000 beyond RCV.NXT is inside; unscaled it is outside. */
static void wscale_rst(struct sc *s, int client_offers)
{
    static const uint8_t ws7[] = {1, 3, 3, 7};
    sc_init(s);
    sc_raw(s, C, F_SYN, 1000, 0, 65535, NULL, 0, client_offers ? ws7 : NULL,
           client_offers ? sizeof ws7 : 0, CSUM_GOOD);
    sc_raw(s, S, F_SYN | F_ACK, 5000, 1001, 1000, NULL, 0, ws7, sizeof ws7, CSUM_GOOD);
    s->nxt[C] = 1001;
    s->nxt[S] = 5001;
    s->win[S] = 1000;
    sc_tx(s, C, F_ACK, NULL);
    sc_tx(s, C, F_ACK | F_PSH, REQ);
    sc_tx(s, S, F_ACK, NULL);
    sc_raw(s, C, F_RST, s->nxt[C] + 100000, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(s);
}

static void test_window_scale_both_syns(void **state)
{
    (void)state;
    struct sc s;
    wscale_rst(&s, 1);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, RST_IN_WINDOW_PENDING), 1);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 0);
    ASSERT_END(r, RST);
    assert_int_equal(r->rst_unconfirmed, 1);
    sc_free(&s);

    wscale_rst(&s, 0);
    r = only_conn(&s);
    assert_int_equal(EV(r, RST_IN_WINDOW_PENDING), 0);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 1);
    ASSERT_END(r, OPEN);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    sc_free(&s);
}

/* ------------------------------------------------------------ pickup, reuse, timers */

/* No SYN seen: direction guessed (first sender, ephemeral -> 80), both ends
 * inferred ESTABLISHED, Zeek OTH. */
static void test_midstream_pickup(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    s.nxt[C] = 0x40000000;
    s.nxt[S] = 0x70000000;
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_tx(&s, S, F_ACK | F_PSH, RSP);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(r->guessed, 1);
    assert_int_equal(r->handshake, 0);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    ASSERT_END(r, OPEN);
    assert_string_equal(r->conn_state, "OTH");
    assert_string_equal(r->history, "DadA");
    assert_int_equal(r->cport, 40000);
    assert_int_equal(r->sport, 80);
    assert_int_equal(EV(r, MIDSTREAM_PICKUP), 1);
    assert_int_equal(total_events(r), 1);
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    assert_stream(&s, 0, TCPSIFT_S2C, RSP);
    sc_free(&s);

    /* The first packet seen is the server's (port 80 -> ephemeral): the
     * well-known port is taken as the server, the guess is marked. */
    sc_init(&s);
    s.nxt[C] = 0x40000000;
    s.nxt[S] = 0x70000000;
    sc_tx(&s, S, F_ACK | F_PSH, RSP);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    r = only_conn(&s);
    assert_int_equal(r->guessed, 1);
    assert_int_equal(r->cport, 40000);
    assert_int_equal(r->sport, 80);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    assert_string_equal(r->conn_state, "OTH");
    assert_stream(&s, 0, TCPSIFT_S2C, RSP);
    sc_free(&s);
}

/* TIME-WAIT lasts 2*MSL of packet time (RFC 9293 §3.10.7.4), then CLOSED. */
static void test_time_wait_expiry(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    tcpsift_tracker_advance_time(s.t, s.ts + 10LL * 1000 * MS);
    assert_int_equal(s.nconns, 0); /* 10 s: still in TIME-WAIT */
    tcpsift_tracker_advance_time(s.t, s.ts + 241LL * 1000 * MS);
    assert_int_equal(s.nconns, 1);
    const struct rec_conn *r = &s.conns[0];
    dump_conn(r);
    assert_int_equal(r->timed_out, 1);
    ASSERT_STATES(r, CLOSED, CLOSED);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    sc_finish(&s);
    assert_int_equal(s.nconns, 1);
    sc_free(&s);
}

/* A new SYN (new ISN) on the tuple of a closed connection starts a new
 * connection id (tshark's tcp.stream, RFC 6191), counted as tuple_reuse. */
static void test_tuple_reuse(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_open(&s, 900000, 7000000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_finish(&s);
    assert_int_equal(s.nconns, 2);
    dump_conn(&s.conns[0]);
    dump_conn(&s.conns[1]);
    const struct rec_conn *a = &s.conns[0], *b = &s.conns[1];
    assert_int_equal(a->id, 0);
    assert_int_equal(b->id, 1);
    /* The new incarnation ended the old one's TIME_WAIT (one socket a tuple: a black-box run on
     * Linux showed one TIME-WAIT, the last connection's). */
    ASSERT_STATES(a, CLOSED, CLOSED);
    ASSERT_END(a, FIN);
    assert_int_equal(EV(a, TUPLE_REUSE), 0);
    assert_int_equal(total_events(a), 0);
    ASSERT_STATES(b, ESTABLISHED, ESTABLISHED);
    ASSERT_END(b, OPEN);
    assert_int_equal(b->handshake, 1);
    assert_int_equal(EV(b, TUPLE_REUSE), 1);
    assert_int_equal(total_events(b), 1);
    assert_string_equal(b->history, "ShAD");
    assert_string_equal(b->conn_state, "S1");
    assert_stream(&s, 1, TCPSIFT_C2S, REQ);
    assert_int_equal(stream_of(&s, 0, TCPSIFT_C2S)->data_len, 0);
    sc_free(&s);
}

/* A new SYN from an endpoint that has sent its FIN starts a new connection even when the
 * close did not finish in the capture (the last ACK lost, or the peer's FIN never seen): the
 * FIN was its last sequence number, so the SYN cannot belong to the old connection. Before,
 * the new connection was merged into the old one and its bytes were dropped as
 * data_after_fin. A SYN from the endpoint that has not sent its FIN stays inside
 * (syn_in_synchronized_state). */
static void test_tuple_reuse_close_unfinished(void **state)
{
    (void)state;
    /* both FINs, the last ACK missing; then either side's FIN first */
    for (int first = C; first <= S; first++) {
        struct sc s;
        sc_init(&s);
        sc_open(&s, 1000, 5000);
        sc_tx(&s, first, F_ACK | F_FIN, NULL);
        sc_tx(&s, 1 - first, F_ACK | F_FIN, NULL);
        sc_open(&s, 900000, 7000000);
        sc_tx(&s, C, F_ACK | F_PSH, REQ);
        sc_finish(&s);
        assert_int_equal(s.nconns, 2);
        dump_conn(&s.conns[0]);
        dump_conn(&s.conns[1]);
        const struct rec_conn *a = &s.conns[0], *b = &s.conns[1];
        ASSERT_END(a, FIN);
        assert_int_equal(total_events(a), 0);
        assert_int_equal(b->id, 1);
        assert_int_equal(EV(b, TUPLE_REUSE), 1);
        assert_int_equal(total_events(b), 1);
        assert_string_equal(b->history, "ShAD");
        assert_stream(&s, 1, TCPSIFT_C2S, REQ);
        sc_free(&s);
    }

    /* only the client's FIN: the client's new SYN starts a new connection... */
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK, NULL);
    sc_open(&s, 900000, 7000000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_finish(&s);
    assert_int_equal(s.nconns, 2);
    ASSERT_END(&s.conns[0], HALF_CLOSED);
    assert_int_equal(EV(&s.conns[1], TUPLE_REUSE), 1);
    assert_stream(&s, 1, TCPSIFT_C2S, REQ);
    sc_free(&s);

    /* ... a SYN from the server, which has not sent its FIN, does not */
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK, NULL);
    sc_raw(&s, S, F_SYN, 3000000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    assert_int_equal(s.nconns, 1);
    assert_int_equal(EV(&s.conns[0], SYN_IN_SYNCHRONIZED_STATE), 1);
    assert_int_equal(EV(&s.conns[0], TUPLE_REUSE), 0);
    sc_free(&s);
}

/* RFC 9293 §3.4: comparisons modulo 2^32. The client's ISN is 0xFFFFFF00,
 * its 600 bytes run across 2^32; the server's SYN takes 0xFFFFFFFF. */
static void test_sequence_wraparound(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 0xFFFFFF00u, 0xFFFFFFFFu);
    assert_int_equal(s.nxt[S], 0);
    static uint8_t data[600];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)('a' + i % 26);
    for (int k = 0; k < 3; k++) {
        sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C], s.nxt[S], 65535, data + 200 * k, 200, NULL, 0,
               CSUM_GOOD);
        s.nxt[C] += 200;
        sc_tx(&s, S, F_ACK, NULL);
    }
    assert_int_equal(s.nxt[C], 0x159u); /* 0xFFFFFF01 + 600, modulo 2^32 */
    sc_tx(&s, S, F_ACK | F_PSH, "0123456789");
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "ShADadFf");
    assert_int_equal(total_events(r), 0);
    struct rec_stream *st = stream_of(&s, 0, TCPSIFT_C2S);
    assert_int_equal(st->data_len, 600);
    assert_int_equal(st->gap_len, 0);
    assert_memory_equal(st->bytes, data, 600);
    assert_int_equal(r->cli.stream_bytes, 600);
    assert_stream(&s, 0, TCPSIFT_S2C, "0123456789");
    sc_free(&s);
}

/* ------------------------------------------------------------ checksums, flags, windows */

/* A bad checksum: the segment is ignored by state and reassembly (counted,
 * history C); its good retransmission is then new data. */
static void test_bad_checksum_ignored(void **state)
{
    (void)state;
    struct sc s;
    sc_init_policy(&s, 0, TCPSIFT_CHECKSUM_VERIFY);
    sc_open(&s, 1000, 5000);
    sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C], s.nxt[S], 65535, REQ, strlen(REQ), NULL, 0, CSUM_BAD);
    sc_raw(&s, C, F_ACK | F_FIN, s.nxt[C], s.nxt[S], 65535, NULL, 0, NULL, 0, CSUM_BAD);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    ASSERT_END(r, OPEN);
    assert_int_equal(EV(r, BAD_CHECKSUM), 2);
    assert_int_equal(EV(r, RETRANSMISSION), 0);
    assert_int_equal(total_events(r), 2);
    assert_string_equal(r->history, "ShACDa");
    assert_string_equal(r->conn_state, "S1");
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    assert_int_equal(tcpsift_tracker_get_stats(s.t)->bad_checksum, 2);
    sc_free(&s);
}

/* A bad IPv4 header checksum (TCP's good): the host discards the datagram (RFC 1122
 * 3.2.1.2), so the observer must too, or one crafted segment takes the place of the real
 * bytes. `auto` lets a header checksum left 0 (IP checksum offload on a sending host) pass. */
static void ip_checksum_run(struct sc *s, tcpsift_checksum_policy policy, enum csum_mode bad)
{
    sc_init_policy(s, 0, policy);
    sc_open(s, 1000, 5000);
    sc_raw(s, C, F_ACK | F_PSH, s->nxt[C], s->nxt[S], 65535, "EVIL", 4, NULL, 0, bad);
    sc_tx(s, C, F_ACK | F_PSH, "GOOD");
    sc_tx(s, S, F_ACK, NULL);
    sc_finish(s);
}

static void test_bad_ip_header_checksum_ignored(void **state)
{
    (void)state;
    struct sc s;
    tcpsift_checksum_policy policies[] = {TCPSIFT_CHECKSUM_AUTO, TCPSIFT_CHECKSUM_VERIFY};
    for (size_t i = 0; i < 2; i++) {
        ip_checksum_run(&s, policies[i], CSUM_IP_BAD);
        const struct rec_conn *r = only_conn(&s);
        assert_int_equal(EV(r, BAD_CHECKSUM), 1);
        assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
        assert_stream(&s, 0, TCPSIFT_C2S, "GOOD");
        assert_int_equal(tcpsift_tracker_get_stats(s.t)->bad_checksum, 1);
        sc_free(&s);
    }
    ip_checksum_run(&s, TCPSIFT_CHECKSUM_VERIFY, CSUM_IP_ZERO);
    assert_int_equal(EV(only_conn(&s), BAD_CHECKSUM), 1);
    assert_stream(&s, 0, TCPSIFT_C2S, "GOOD");
    sc_free(&s);
    ip_checksum_run(&s, TCPSIFT_CHECKSUM_AUTO, CSUM_IP_ZERO);
    assert_int_equal(EV(only_conn(&s), BAD_CHECKSUM), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, "EVIL");
    sc_free(&s);
    ip_checksum_run(&s, TCPSIFT_CHECKSUM_OFF, CSUM_IP_BAD);
    assert_int_equal(EV(only_conn(&s), BAD_CHECKSUM), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, "EVIL");
    sc_free(&s);
}

/* Transmit offload: the field holds only the pseudo-header partial sum.
 * `auto` accepts such a segment (unverified); `verify` ignores it. */
static void offload_run(struct sc *s, tcpsift_checksum_policy policy)
{
    sc_init_policy(s, 0, policy);
    sc_open(s, 1000, 5000);
    sc_raw(s, C, F_ACK | F_PSH, s->nxt[C], s->nxt[S], 65535, REQ, strlen(REQ), NULL, 0,
           CSUM_OFFLOAD);
    s->nxt[C] += (uint32_t)strlen(REQ);
    sc_tx(s, S, F_ACK, NULL);
    sc_finish(s);
}

static void test_offload_checksum_policy(void **state)
{
    (void)state;
    struct sc s;
    offload_run(&s, TCPSIFT_CHECKSUM_AUTO);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, BAD_CHECKSUM), 0);
    assert_int_equal(total_events(r), 0);
    assert_string_equal(r->history, "ShADa");
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    sc_free(&s);

    offload_run(&s, TCPSIFT_CHECKSUM_VERIFY);
    r = only_conn(&s);
    assert_int_equal(EV(r, BAD_CHECKSUM), 1);
    /* Zeek letters the hole when the server's ACK passes it: G after a. */
    assert_string_equal(r->history, "ShACaG");
    assert_int_equal(stream_of(&s, 0, TCPSIFT_C2S)->data_len, 0);
    assert_int_equal(stream_of(&s, 0, TCPSIFT_C2S)->gap_len, strlen(REQ));
    /* The server acked bytes the observer had to ignore. */
    assert_int_equal(EV(r, ACK_UNSEEN_SEGMENT), 1);
    sc_free(&s);

    offload_run(&s, TCPSIFT_CHECKSUM_OFF);
    r = only_conn(&s);
    assert_int_equal(EV(r, BAD_CHECKSUM), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    sc_free(&s);
}

/* SYN+FIN (RFC 9293 §3.1: no stack sends it): invalid_flag_combination,
 * Zeek Q; the segment does not drive the state machine. */
static void test_invalid_flags(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_raw(&s, C, F_SYN | F_FIN, s.nxt[C], 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_SYN | F_RST, s.nxt[C], 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, INVALID_FLAG_COMBINATION), 2);
    assert_string_equal(r->history, "ShAQ");
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    ASSERT_END(r, OPEN);
    assert_int_equal(r->rst_unconfirmed, 0);
    sc_free(&s);

    /* FIN+RST together: Zeek I. */
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_raw(&s, C, F_FIN | F_RST | F_ACK, s.nxt[C], s.nxt[S], 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(r->history, "ShAI");
    sc_free(&s);
}

/* Duplicate ACK (data outstanding, same ACK and window), keep-alive (one
 * old byte at SND.NXT-1, RFC 9293 §3.8.4), zero window (Zeek W) and the
 * window update that reopens it. */
static void test_dupack_keepalive_zero_window(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, "AAAA");
    sc_tx(&s, S, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_PSH, "BBBB");
    /* The server repeats its ACK of "AAAA" while "BBBB" is outstanding. */
    sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C] - 4, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_tx(&s, S, F_ACK, NULL);
    const struct rec_conn *r;
    /* Keep-alive: the client's last byte again. */
    sc_raw(&s, C, F_ACK, s.nxt[C] - 1, s.nxt[S], 65535, "B", 1, NULL, 0, CSUM_GOOD);
    /* Zero window from the server, then a window update. */
    sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_int_equal(EV(r, DUPLICATE_ACK), 1);
    assert_int_equal(EV(r, KEEP_ALIVE), 1);
    assert_int_equal(EV(r, ZERO_WINDOW), 1);
    assert_int_equal(EV(r, WINDOW_UPDATE), 1);
    /* ack + 0 is left of ack + 65535 (RFC 9293 §3.8.6.2.2 discourages it). */
    assert_int_equal(EV(r, WINDOW_SHRUNK), 1);
    assert_int_equal(EV(r, RETRANSMISSION), 0);
    assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
    assert_non_null(strchr(r->history, 'w'));
    assert_null(strchr(r->history, 'W'));
    assert_stream(&s, 0, TCPSIFT_C2S, "AAAABBBB");
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    sc_free(&s);
}

/* A zero-window probe whose byte differs from the data sent when the window opens: the
 * receiver dropped the probe (RFC 9293 §3.10.7.4: a zero window admits no data), so the real
 * byte at that sequence number is the stream's, without an overlap_mismatch. A probe with the
 * real next byte (as stacks send) leaves the stream as sent. */
static void test_zero_window_probe_not_delivered(void **state)
{
    (void)state;
    static const char *const probes[] = {"E", "s"};
    for (size_t k = 0; k < 2; k++) {
        struct sc s;
        sc_init(&s);
        sc_open(&s, 1000, 5000);
        sc_tx(&s, C, F_ACK | F_PSH, "first");
        sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 0, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_raw(&s, C, F_ACK, s.nxt[C], s.nxt[S], 65535, probes[k], 1, NULL, 0, CSUM_GOOD);
        sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 0, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_tx(&s, C, F_ACK | F_PSH, "second");
        sc_tx(&s, S, F_ACK, NULL);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        assert_int_equal(EV(r, ZERO_WINDOW_PROBE), 1);
        assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
        assert_int_equal(r->cli.gap_bytes, 0);
        assert_stream(&s, 0, TCPSIFT_C2S, "firstsecond");
        sc_free(&s);
    }
}

/* More than a probe into a zero window: the receiver drops every new byte (Linux's
 * TCPZeroWindowDrop; an evasion hunt saw Linux read "second" where tcpsift delivered the
 * forged bytes), so the bytes sent at those sequence numbers once the window opens are the
 * stream, counted data_out_of_window, in both delivery modes. Old bytes resent into the closed
 * window stay a plain retransmission. */
static void test_zero_window_drops_data(void **state)
{
    (void)state;
    for (int acked = 0; acked < 2; acked++) {
        tcpsift_reasm_config rc;
        tcpsift_reasm_config_default(&rc);
        rc.mode = acked ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL;
        rc.policy = TCPSIFT_OVERLAP_LINUX;
        struct sc s;
        sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
        sc_open(&s, 1000, 5000);
        sc_tx(&s, C, F_ACK | F_PSH, "first");
        sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 0, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_raw(&s, C, F_ACK, s.nxt[C], s.nxt[S], 65535, "EVIL!!", 6, NULL, 0, CSUM_GOOD);
        sc_raw(&s, C, F_ACK, s.nxt[C] - 3, s.nxt[S], 65535, "rst", 3, NULL, 0, CSUM_GOOD);
        sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_tx(&s, C, F_ACK | F_PSH, "second");
        sc_tx(&s, S, F_ACK, NULL);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        assert_int_equal(EV(r, DATA_OUT_OF_WINDOW), 1);
        assert_int_equal(EV(r, ZERO_WINDOW_PROBE), 0);
        assert_int_equal(r->cli.gap_bytes, 0);
        assert_stream(&s, 0, TCPSIFT_C2S, "firstsecond");
        sc_free(&s);
    }
}

/* Data on a SYN that the SYN-ACK does not acknowledge (no Fast Open: RFC 7413 §4.2.2, a
 * server without it drops the data), then other bytes at the same sequence numbers, which are
 * acknowledged: acked delivery gives the acknowledged bytes under every overlap policy, as no
 * receiver ever held the SYN's. (On arrival the SYN's bytes are out at once: the first copy.) */
static void test_syn_data_refused_acked_delivery(void **state)
{
    (void)state;
    for (int policy = 0; policy < TCPSIFT_OVERLAP_COUNT_; policy++) {
        tcpsift_reasm_config rc;
        tcpsift_reasm_config_default(&rc);
        rc.mode = TCPSIFT_REASM_ACKED;
        rc.policy = (tcpsift_overlap_policy)policy;
        struct sc s;
        sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
        sc_raw(&s, C, F_SYN, 1000, 0, 65535, "EVIL-PAYLOAD", 12, NULL, 0, CSUM_GOOD);
        sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        s.nxt[C] = 1001;
        s.nxt[S] = 5001;
        sc_tx(&s, C, F_ACK | F_PSH, "GOOD-PAYLOAD");
        sc_tx(&s, S, F_ACK, NULL);
        sc_finish(&s);
        only_conn(&s);
        assert_stream(&s, 0, TCPSIFT_C2S, "GOOD-PAYLOAD");
        sc_free(&s);
    }
    /* Fast Open: the SYN-ACK acknowledges the data, which is the stream's. */
    tcpsift_reasm_config rc;
    tcpsift_reasm_config_default(&rc);
    rc.mode = TCPSIFT_REASM_ACKED;
    struct sc s;
    sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, "FAST", 4, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1005, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    s.nxt[C] = 1005;
    s.nxt[S] = 5001;
    sc_tx(&s, C, F_ACK | F_PSH, "MORE");
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    only_conn(&s);
    assert_stream(&s, 0, TCPSIFT_C2S, "FASTMORE");
    sc_free(&s);
}

/* Data on a SYN-ACK that the originator's ACK does not acknowledge (Linux drops a SYN-ACK's
 * payload: tcp_rcv_synsent_state_process() answers with RCV.NXT = ISN + 1), then other bytes at
 * the same sequence numbers, which are acknowledged: acked delivery gives the acknowledged
 * bytes under every overlap policy. Taken when the ACK covers it (FreeBSD queues it). Bytes the
 * responder sends after an empty SYN-ACK, crossing the originator's ACK of ISN + 1 (a Fast Open
 * server's reply), are not the SYN-ACK's and stay. */
static void test_synack_data_refused_acked_delivery(void **state)
{
    (void)state;
    for (int policy = 0; policy < TCPSIFT_OVERLAP_COUNT_; policy++) {
        for (int handshake_fast = 0; handshake_fast < 2; handshake_fast++) {
            tcpsift_reasm_config rc;
            tcpsift_reasm_config_default(&rc);
            rc.mode = TCPSIFT_REASM_ACKED;
            rc.policy = (tcpsift_overlap_policy)policy;
            struct sc s;
            sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
            sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
            /* The second variant's forged SYN-ACK follows a real empty one. */
            if (handshake_fast) sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
            sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, "EVIL-PAYLOAD", 12, NULL, 0, CSUM_GOOD);
            sc_raw(&s, C, F_ACK, 1001, 5001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
            s.nxt[C] = 1001;
            s.nxt[S] = 5001;
            sc_tx(&s, S, F_ACK | F_PSH, "GOOD-PAYLOAD");
            sc_tx(&s, C, F_ACK, NULL);
            sc_finish(&s);
            only_conn(&s);
            assert_stream(&s, 0, TCPSIFT_S2C, "GOOD-PAYLOAD");
            sc_free(&s);
        }
    }
    /* Acknowledged: the SYN-ACK's bytes are the stream's. */
    tcpsift_reasm_config rc;
    tcpsift_reasm_config_default(&rc);
    rc.mode = TCPSIFT_REASM_ACKED;
    struct sc s;
    sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, "SYNACK", 6, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 1001, 5007, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    s.nxt[C] = 1001;
    s.nxt[S] = 5007;
    sc_tx(&s, S, F_ACK | F_PSH, "MORE");
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    only_conn(&s);
    assert_stream(&s, 0, TCPSIFT_S2C, "SYNACKMORE");
    sc_free(&s);
    /* A reply crossing the originator's ACK of the empty SYN-ACK. */
    sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_ACK | F_PSH, 5001, 1001, 65535, "REPLY", 5, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 1001, 5001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 1001, 5006, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    only_conn(&s);
    assert_stream(&s, 0, TCPSIFT_S2C, "REPLY");
    sc_free(&s);
}

/* ------------------------------------------------------------ Zeek conn_state corners */

/* SYN then FIN from the originator, nothing back: Zeek SH (o CLOSED, r
 * inactive); RFC 9293 §3.10.4: CLOSE in SYN-SENT sends no FIN. The FIN has
 * no ACK, so the responder drops it (§3.10.7): the attempt stays unanswered,
 * not half closed. */
static void test_zeek_sh(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_FIN, 1001, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->conn_state, "SH");
    assert_string_equal(r->history, "SF");
    ASSERT_STATES(r, SYN_SENT, UNKNOWN);
    assert_int_equal(EV(r, FIN_BEFORE_HANDSHAKE), 1);
    assert_int_equal(EV(r, FIN_WITHOUT_ACK), 0);
    ASSERT_END(r, SYN_UNANSWERED);
    sc_free(&s);
}

/* SYN then RST from the originator, no SYN-ACK: Zeek RSTOS0. RFC 9293
 * §3.10.7.2: the peer (LISTEN at most) ignores an RST; the attempt is
 * reported as unanswered, not reset. */
static void test_zeek_rstos0(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_RST, 1001, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->conn_state, "RSTOS0");
    assert_string_equal(r->history, "SR");
    assert_int_not_equal(r->end, TCPSIFT_END_RST);
    assert_int_equal(r->srv.state, TCPSIFT_ST_UNKNOWN);
    sc_free(&s);
}

/* First packet a SYN-ACK (the SYN was not captured): Zeek flips ('^'); the
 * responder's SYN-ACK then FIN is SHR, then RST is RSTRH. */
static void test_zeek_shr_rstrh(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_FIN | F_ACK, 5001, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->conn_state, "SHR");
    assert_string_equal(r->history, "^hf");
    assert_int_equal(r->cport, 40000);
    assert_int_equal(r->sport, 80);
    assert_int_equal(r->guessed, 0);
    assert_int_equal(EV(r, DIRECTION_FLIPPED), 1);
    sc_free(&s);

    sc_init(&s);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_RST, 5001, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(r->conn_state, "RSTRH");
    assert_string_equal(r->history, "^hr");
    ASSERT_END(r, RST);
    ASSERT_STATES(r, CLOSED, CLOSED);
    sc_free(&s);
}

/* A full connection whose SYN was not captured: roles from the SYN-ACK
 * (not guessed), states inferred through the handshake ACK, Zeek '^'. */
static void test_flipped_capture(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    s.nxt[C] = 1001;
    s.nxt[S] = 5000;
    sc_tx(&s, S, F_SYN | F_ACK, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_tx(&s, S, F_ACK | F_PSH, RSP);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->history, "^hADadFf");
    assert_string_equal(r->conn_state, "SF");
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_int_equal(r->handshake, 0); /* the SYN was never seen */
    assert_int_equal(r->guessed, 0);
    assert_int_equal(EV(r, DIRECTION_FLIPPED), 1);
    assert_int_equal(total_events(r), 1);
    assert_int_equal(r->cport, 40000);
    assert_memory_equal(r->caddr, TEST_V4_SRC, 4);
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    assert_stream(&s, 0, TCPSIFT_S2C, RSP);
    sc_free(&s);
}

/* Established, then only the server closes: Zeek S3; client CLOSE-WAIT. */
static void test_zeek_s3(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->conn_state, "S3");
    assert_string_equal(r->history, "ShAf");
    ASSERT_STATES(r, CLOSE_WAIT, FIN_WAIT_2);
    ASSERT_END(r, HALF_CLOSED);
    assert_int_equal(total_events(r), 0);
    sc_free(&s);
}

/* ------------------------------------------------------------ retransmission, gaps */

/* Zeek's T is lettered at the 1st and 10th retransmission; a copy of bytes
 * the peer already acknowledged is also spurious. Bytes delivered once. */
static void test_payload_retransmission_letters(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    uint32_t seq = s.nxt[C];
    sc_tx(&s, C, F_ACK | F_PSH, "AAAA");
    for (int i = 0; i < 10; i++)
        sc_raw(&s, C, F_ACK | F_PSH, seq, s.nxt[S], 65535, "AAAA", 4, NULL, 0, CSUM_GOOD);
    sc_tx(&s, S, F_ACK, NULL);
    sc_raw(&s, C, F_ACK | F_PSH, seq, s.nxt[S], 65535, "AAAA", 4, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, RETRANSMISSION), 11);
    assert_int_equal(EV(r, SPURIOUS_RETRANSMISSION), 1);
    assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
    assert_string_equal(r->history, "ShADTTa");
    assert_stream(&s, 0, TCPSIFT_C2S, "AAAA");
    assert_int_equal(r->cli.bytes, 12 * 4);
    assert_int_equal(r->cli.pkts, 2 + 12);
    sc_free(&s);
}

/* A segment never captured, acknowledged by the peer: a hole skipped (never
 * filled) at its sequence-space offset, lost_segment, Zeek G. */
static void test_gap(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, "one-");
    s.nxt[C] += 4; /* "two-" never captured */
    sc_tx(&s, C, F_ACK | F_PSH, "three");
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, LOST_SEGMENT), 1);
    assert_string_equal(r->history, "ShADaG");
    struct rec_stream *st = stream_of(&s, 0, TCPSIFT_C2S);
    assert_int_equal(st->data_len, 9);
    assert_int_equal(st->gap_len, 4);
    assert_int_equal(st->gaps, 1);
    assert_memory_equal(st->bytes, "one-", 4);
    assert_memory_equal(st->bytes + 8, "three", 5);
    assert_int_equal(r->cli.stream_bytes, 9);
    assert_int_equal(r->cli.gap_bytes, 4);
    sc_free(&s);
}

/* The missing segment arrives late: it fills the hole (anomaly.h's
 * out_of_order: "fills a hole below data already seen"), the stream is whole. */
static void test_out_of_order(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    uint32_t two = s.nxt[C] + 4;
    sc_tx(&s, C, F_ACK | F_PSH, "one-");
    s.nxt[C] += 4;
    sc_tx(&s, C, F_ACK | F_PSH, "three");
    sc_raw(&s, C, F_ACK | F_PSH, two, s.nxt[S], 65535, "two-", 4, NULL, 0, CSUM_GOOD);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_stream(&s, 0, TCPSIFT_C2S, "one-two-three");
    assert_int_equal(EV(r, LOST_SEGMENT), 1);
    /* Zeek letters T for any payload that does not advance its last seq. */
    assert_string_equal(r->history, "ShADTa");
    assert_int_equal(EV(r, OUT_OF_ORDER), 1);
    assert_int_equal(EV(r, RETRANSMISSION), 0);
    sc_free(&s);
}

/* ------------------------------------------------------------ more resets */

/* After an accepted RST, the sender's later data is not stream data. */
static void test_data_after_rst(void **state)
{
    (void)state;
    struct sc s;
    established_then_rst(&s, 0);
    sc_tx(&s, C, F_ACK | F_PSH, "late");
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, RST);
    ASSERT_STATES(r, CLOSED, CLOSED);
    assert_int_equal(EV(r, SEGMENT_AFTER_CLOSE), 1);
    /* Policy (docs/state-events.md, `abort`): bytes after an accepted RST are
     * still delivered, counted as segment_after_close. An RST injected with
     * the right sequence number must not blind the observer while the real
     * endpoints go on (Ptacek & Newsham 1998); tshark's follow agrees. */
    char expect[64];
    snprintf(expect, sizeof expect, "%slate", REQ);
    assert_stream(&s, 0, TCPSIFT_C2S, expect);
    sc_free(&s);
}

/* In-window inexact RST answered only by the receiver's challenge ACK
 * (RFC 5961 §3.2), then silence: the receiver stayed ESTABLISHED (a black-box
 * run on Linux stacks: ss showed both ESTAB), so the RST is refuted; the
 * contract counts an inexact RST accepted only when neither side sent more. */
static void test_rst_challenge_ack_then_silence(void **state)
{
    (void)state;
    struct sc s;
    established_then_rst(&s, 1000);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, OPEN);
    assert_int_equal(r->rst_unconfirmed, 0);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    assert_int_equal(EV(r, RST_IN_WINDOW_PENDING), 1);
    sc_free(&s);

    /* A sender that did reset answers the challenge ACK with an exact RST: accepted. */
    established_then_rst(&s, 1000);
    sc_tx(&s, S, F_ACK, NULL);
    sc_raw(&s, C, F_RST, s.nxt[C], 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_END(r, RST);
    assert_int_equal(r->rst_unconfirmed, 0);
    ASSERT_STATES(r, CLOSED, CLOSED);
    sc_free(&s);

    /* Silence from both after it: accepted, unconfirmed (the contract). */
    established_then_rst(&s, 1000);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_END(r, RST);
    assert_int_equal(r->rst_unconfirmed, 1);
    ASSERT_STATES(r, CLOSED, CLOSED);
    sc_free(&s);

    /* ... but data from the receiver refutes it. */
    established_then_rst(&s, 1000);
    sc_tx(&s, S, F_ACK | F_PSH, RSP);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_END(r, OPEN);
    assert_int_equal(r->rst_unconfirmed, 0);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    assert_stream(&s, 0, TCPSIFT_S2C, RSP);
    sc_free(&s);
}

/* A RST at the sender's own FIN number (RCV.NXT - 1 for its peer): Linux resets a CLOSE_WAIT,
 * LAST_ACK or CLOSING endpoint on it (tcp_reset_check(); a black-box run on Linux stacks: the
 * server's socket was gone and its next send() failed), while in ESTABLISHED, before any FIN,
 * RCV.NXT - 1 is left of the window and ignored. */
static void test_rst_at_fin_number(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK, NULL);
    sc_raw(&s, C, F_RST, s.nxt[C] - 1, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, RST);
    ASSERT_STATES(r, CLOSED, CLOSED);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 0);
    sc_free(&s);

    /* The server's FIN sent too (LAST_ACK): the RST ends it (both FINs seen, so the
     * connection still ended by FIN, as after any RST that follows both FINs). */
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_raw(&s, C, F_RST, s.nxt[C] - 1, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_END(r, FIN);
    ASSERT_STATES(r, CLOSED, CLOSED);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 0);
    sc_free(&s);

    /* No FIN: RCV.NXT - 1 is out of the window. */
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_raw(&s, C, F_RST, s.nxt[C] - 1, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    ASSERT_END(r, OPEN);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 1);
    sc_free(&s);
}

/* Only the client's direction captured (an asymmetric route): SYN, then its ACK of the unseen
 * SYN,ACK, data, FIN. A SYN-SENT endpoint sends nothing but SYNs, so its ACK shows the SYN,ACK
 * reached it: ESTABLISHED, then FIN_WAIT_1 (a black-box run on Linux stacks; before, it stayed
 * SYN_SENT with data_before_handshake and fin_before_handshake). Its ACK covers a SYN never
 * seen: ack_unseen_segment. Only while the peer is unseen: its SYN seen, an ACK must cover it.
 * The mirror, only the server's direction: its ACK of client bytes shows the client synchronized. */
static void test_one_sided_client_synchronized(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    s.nxt[C] = 1000;
    s.nxt[S] = 5001; /* the unseen SYN,ACK's ISN + 1 */
    sc_tx(&s, C, F_SYN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(tcpsift_tcp_state_name(r->cli.state), "FIN_WAIT_1");
    assert_string_equal(tcpsift_tcp_state_name(r->srv.state), "UNKNOWN");
    ASSERT_END(r, HALF_CLOSED);
    assert_int_equal(r->handshake, 0);
    assert_int_equal(EV(r, ACK_UNSEEN_SEGMENT), 1);
    assert_int_equal(EV(r, DATA_BEFORE_HANDSHAKE), 0);
    assert_int_equal(EV(r, FIN_BEFORE_HANDSHAKE), 0);
    assert_int_equal(total_events(r), 1);
    assert_string_equal(r->conn_state, "SH");
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    sc_free(&s);

    /* With the peer seen (its SYN), an ACK that does not cover that SYN synchronizes nothing:
     * still SYN_SENT, its segment dropped as the receiver drops it. */
    sc_init(&s);
    s.nxt[C] = 1000;
    s.nxt[S] = 5000;
    sc_tx(&s, C, F_SYN, NULL);
    sc_tx(&s, S, F_SYN, NULL);
    sc_raw(&s, C, F_ACK | F_PSH, 1001, 5000, 65535, REQ, strlen(REQ), NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(tcpsift_tcp_state_name(r->cli.state), "SYN_SENT");
    assert_int_equal(EV(r, ACK_OUT_OF_WINDOW), 1);
    assert_int_equal(EV(r, ACK_UNSEEN_SEGMENT), 0);
    assert_int_equal(r->cli.stream_bytes, 0);
    sc_free(&s);

    /* Only the server's direction: its SYN,ACK makes the client SYN_SENT (inferred); an ACK that
     * only repeats the SYN's proves nothing, one covering client bytes shows the client sent
     * them, synchronized. */
    for (int moves = 0; moves < 2; moves++) {
        sc_init(&s);
        sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        sc_raw(&s, S, F_ACK, 5001, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
        if (moves) sc_raw(&s, S, F_ACK | F_PSH, 5001, 1005, 65535, "ok", 2, NULL, 0, CSUM_GOOD);
        sc_finish(&s);
        r = only_conn(&s);
        assert_string_equal(tcpsift_tcp_state_name(r->cli.state),
                            moves ? "ESTABLISHED" : "SYN_SENT");
        sc_free(&s);
    }
}

/* A new SYN (new ISN) after a RST starts a new connection (tshark
 * tcp.stream, issue 3 "tuple reuse"). */
static void test_reuse_after_rst(void **state)
{
    (void)state;
    struct sc s;
    established_then_rst(&s, 0);
    sc_raw(&s, C, F_SYN, 3000000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    assert_int_equal(s.nconns, 2);
    dump_conn(&s.conns[0]);
    dump_conn(&s.conns[1]);
    ASSERT_END(&s.conns[0], RST);
    assert_int_equal(EV(&s.conns[0], TUPLE_REUSE), 0);
    assert_int_equal(s.conns[1].id, 1);
    assert_int_equal(EV(&s.conns[1], TUPLE_REUSE), 1);
    ASSERT_END(&s.conns[1], SYN_UNANSWERED);
    assert_string_equal(s.conns[1].conn_state, "S0");
    assert_string_equal(s.conns[1].history, "S");
    sc_free(&s);
}

/* RFC 7323 §2.3: a shift above 14 is used as 14 (wscale_too_large). The
 * server's raw window 1 is then 16384: +10000 is inside, +20000 outside. */
static void wscale15_rst(struct sc *s, uint32_t off)
{
    static const uint8_t ws15[] = {1, 3, 3, 15};
    sc_init(s);
    sc_raw(s, C, F_SYN, 1000, 0, 65535, NULL, 0, ws15, sizeof ws15, CSUM_GOOD);
    sc_raw(s, S, F_SYN | F_ACK, 5000, 1001, 1, NULL, 0, ws15, sizeof ws15, CSUM_GOOD);
    s->nxt[C] = 1001;
    s->nxt[S] = 5001;
    s->win[C] = 1;
    s->win[S] = 1;
    sc_tx(s, C, F_ACK, NULL);
    sc_tx(s, S, F_ACK, NULL);
    sc_raw(s, C, F_RST, s->nxt[C] + off, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(s);
}

static void test_window_scale_clamped(void **state)
{
    (void)state;
    struct sc s;
    wscale15_rst(&s, 10000);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, WSCALE_TOO_LARGE), 2);
    assert_int_equal(EV(r, RST_IN_WINDOW_PENDING), 1);
    sc_free(&s);
    wscale15_rst(&s, 20000);
    r = only_conn(&s);
    assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 1);
    sc_free(&s);
}

/* Data on the SYN (TCP Fast Open, RFC 7413): counted, and stream data from
 * ISN+1 (tshark's follow includes it). */
static void test_syn_with_data(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, "early", 5, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1006, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    s.nxt[C] = 1006;
    s.nxt[S] = 5001;
    sc_tx(&s, C, F_ACK | F_PSH, "+more");
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, SYN_WITH_DATA), 1);
    assert_int_equal(EV(r, DATA_BEFORE_HANDSHAKE), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, "early+more");
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    assert_string_equal(r->history, "ShDa");
    sc_free(&s);
}

/* RFC 7323 §5.3: with timestamps negotiated, a non-RST segment whose TSval
 * is older than TS.Recent fails PAWS and is dropped: it moves no state and
 * adds no stream bytes (docs/state-events.md). */
static size_t ts_opt(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
    o[0] = 1;
    o[1] = 1;
    o[2] = 8;
    o[3] = 10;
    for (int i = 0; i < 4; i++) {
        o[4 + i] = (uint8_t)(tsval >> (24 - 8 * i));
        o[8 + i] = (uint8_t)(tsecr >> (24 - 8 * i));
    }
    return 12;
}

static void test_paws(void **state)
{
    (void)state;
    struct sc s;
    uint8_t o[12];
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, o, ts_opt(o, 100, 0), CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, o, ts_opt(o, 7000, 100), CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 1001, 5001, 65535, NULL, 0, o, ts_opt(o, 101, 7000), CSUM_GOOD);
    sc_raw(&s, C, F_ACK | F_PSH, 1001, 5001, 65535, "AAAA", 4, o, ts_opt(o, 102, 7000), CSUM_GOOD);
    sc_raw(&s, S, F_ACK, 5001, 1005, 65535, NULL, 0, o, ts_opt(o, 7001, 102), CSUM_GOOD);
    /* An old duplicate: TSval 50, new sequence numbers, data and FIN. */
    sc_raw(&s, C, F_ACK | F_PSH | F_FIN, 1005, 5001, 65535, "OLD!", 4, o, ts_opt(o, 50, 6000),
           CSUM_GOOD);
    sc_raw(&s, S, F_ACK, 5001, 1005, 65535, NULL, 0, o, ts_opt(o, 7002, 102), CSUM_GOOD);
    /* The real next segment (TSval moves on) is accepted. */
    sc_raw(&s, C, F_ACK | F_PSH, 1005, 5001, 65535, "BBBB", 4, o, ts_opt(o, 103, 7002), CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, PAWS_FAILURE), 1);
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    ASSERT_END(r, OPEN);
    assert_int_equal(EV(r, DATA_AFTER_FIN), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, "AAAABBBB");
    sc_free(&s);

    /* Reordered before the capture point: a later segment (beyond the
     * receiver's ACK, so it does not update TS.Recent, RFC 7323 §4.3) is
     * seen before an earlier one with a smaller TSval: no PAWS failure. */
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, o, ts_opt(o, 100, 0), CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, o, ts_opt(o, 7000, 100), CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 1001, 5001, 65535, NULL, 0, o, ts_opt(o, 101, 7000), CSUM_GOOD);
    sc_raw(&s, C, F_ACK | F_PSH, 1005, 5001, 65535, "BBBB", 4, o, ts_opt(o, 103, 7000), CSUM_GOOD);
    sc_raw(&s, C, F_ACK | F_PSH, 1001, 5001, 65535, "AAAA", 4, o, ts_opt(o, 102, 7000), CSUM_GOOD);
    sc_raw(&s, S, F_ACK, 5001, 1009, 65535, NULL, 0, o, ts_opt(o, 7001, 103), CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_int_equal(EV(r, PAWS_FAILURE), 0);
    assert_stream(&s, 0, TCPSIFT_C2S, "AAAABBBB");
    sc_free(&s);
}

/* PAWS as Linux applies it (tcp_paws_check()): a TSval one below TS.Recent passes
 * (TCP_PAWS_WINDOW, 1), two below fails; and a TS.Recent of 0 (an OS that sends its SYN with
 * TSval 0) checks nothing, and the next TSval becomes TS.Recent whatever it is. A segment
 * dropped here that the receiver takes would hide its bytes from the observer (an evasion). */
static void test_paws_linux_window(void **state)
{
    (void)state;
    struct sc s;
    uint8_t o[12];
    for (int below = 1; below <= 2; below++) {
        sc_init(&s);
        sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, o, ts_opt(o, 100, 0), CSUM_GOOD);
        sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, o, ts_opt(o, 7000, 100), CSUM_GOOD);
        sc_raw(&s, C, F_ACK, 1001, 5001, 65535, NULL, 0, o, ts_opt(o, 101, 7000), CSUM_GOOD);
        sc_raw(&s, C, F_ACK | F_PSH, 1001, 5001, 65535, "AAAA", 4, o, ts_opt(o, (uint32_t)(101 - below), 7000),
               CSUM_GOOD);
        /* The receiver acknowledges what it took. */
        sc_raw(&s, S, F_ACK, 5001, below == 2 ? 1001 : 1005, 65535, NULL, 0, o, ts_opt(o, 7001, 101),
               CSUM_GOOD);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        assert_int_equal(EV(r, PAWS_FAILURE), below == 2);
        assert_stream(&s, 0, TCPSIFT_C2S, below == 2 ? "" : "AAAA");
        sc_free(&s);
    }
    /* TS.Recent 0: a TSval "older" in sequence space passes and becomes TS.Recent. */
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, o, ts_opt(o, 0, 0), CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, o, ts_opt(o, 7000, 0), CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 1001, 5001, 65535, NULL, 0, o, ts_opt(o, 0, 7000), CSUM_GOOD);
    sc_raw(&s, C, F_ACK | F_PSH, 1001, 5001, 65535, "AAAA", 4, o, ts_opt(o, 0x90000000u, 7000),
           CSUM_GOOD);
    sc_raw(&s, S, F_ACK, 5001, 1005, 65535, NULL, 0, o, ts_opt(o, 7001, 0x90000000u), CSUM_GOOD);
    /* Now TS.Recent is 0x90000000: one far below fails. */
    sc_raw(&s, C, F_ACK | F_PSH, 1005, 5001, 65535, "OLD!", 4, o, ts_opt(o, 0x80000000u, 7001),
           CSUM_GOOD);
    sc_raw(&s, C, F_ACK | F_PSH, 1005, 5001, 65535, "BBBB", 4, o, ts_opt(o, 0x90000001u, 7001),
           CSUM_GOOD);
    sc_raw(&s, S, F_ACK, 5001, 1009, 65535, NULL, 0, o, ts_opt(o, 7002, 0x90000001u), CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, PAWS_FAILURE), 1);
    assert_stream(&s, 0, TCPSIFT_C2S, "AAAABBBB");
    sc_free(&s);
}

/* A scenario tracker with (`embryo` 1, the default) or without the half-open pool. */
static void sc_init_pool(struct sc *s, int embryo)
{
    if (embryo)
        sc_init(s);
    else
        sc_init_cfg(s, 0, TCPSIFT_CHECKSUM_AUTO, 1);
}

/* A RST answering a SYN in SYN-SENT must echo the SYN's timestamps: TSecr
 * within [TSval of the endpoint's SYN, its newest TSval] (Linux,
 * tcp_rcv_synsent_state_process; judge_rst()), else it is ignored. The SYN's
 * TSval is kept in the silent peer's unused ISN (syn_note()): a SYN
 * retransmitted with a newer TSval keeps it, a SYN with a new ISN replaces it.
 * `embryo` 0: a one-connection table without the half-open pool, so every SYN
 * takes the general path; 1: the default pool, which keeps the first and the
 * newest TSval of a retransmitted SYN (embryo_absorb()) and replays both: the
 * same range. */
static void rst_tsecr_case(int embryo, uint32_t isn2, uint32_t tsval2, uint32_t rst_tsecr,
                           int rejected)
{
    struct sc s;
    uint8_t o[12];
    sc_init_pool(&s, embryo);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, o, ts_opt(o, 100, 0), CSUM_GOOD);
    sc_raw(&s, C, F_SYN, isn2, 0, 65535, NULL, 0, o, ts_opt(o, tsval2, 0), CSUM_GOOD);
    sc_raw(&s, S, F_RST | F_ACK, 0, isn2 + 1, 0, NULL, 0, o, ts_opt(o, 9000, rst_tsecr),
           CSUM_GOOD);
    sc_finish(&s);
    /* A new ISN while the first SYN went unanswered is a new connection (tshark's tcp.stream):
     * the first attempt is reported on its own, unanswered. */
    const struct rec_conn *r = &s.conns[0];
    if (isn2 != 1000) {
        assert_int_equal(s.nconns, 2);
        ASSERT_END(r, SYN_UNANSWERED);
        assert_string_equal(r->conn_state, "S0");
        r = &s.conns[1];
        assert_int_equal(EV(r, TUPLE_REUSE), 1);
    } else {
        r = only_conn(&s);
    }
    if (rejected) {
        ASSERT_END(r, REJECTED);
        assert_string_equal(r->conn_state, "REJ");
        assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 0);
    } else {
        assert_int_not_equal(r->end, TCPSIFT_END_REJECTED);
        assert_int_equal(r->cli.state, TCPSIFT_ST_SYN_SENT);
        assert_int_equal(EV(r, RST_OUT_OF_WINDOW), 1);
    }
    sc_free(&s);
}

static void test_rst_tsecr_in_syn_sent(void **state)
{
    (void)state;
    for (int embryo = 0; embryo <= 1; embryo++) {
        /* The SYN retransmitted (same ISN) with TSval 150: the range is [100, 150], with
         * the pool too. */
        rst_tsecr_case(embryo, 1000, 150, 99, 0);
        rst_tsecr_case(embryo, 1000, 150, 100, 1);
        rst_tsecr_case(embryo, 1000, 150, 149, 1);
        rst_tsecr_case(embryo, 1000, 150, 150, 1);
        rst_tsecr_case(embryo, 1000, 150, 151, 0);
        /* A new ISN with TSval 300: a new connection, whose range is [300, 300]. */
        rst_tsecr_case(embryo, 2000, 300, 200, 0);
        rst_tsecr_case(embryo, 2000, 300, 299, 0);
        rst_tsecr_case(embryo, 2000, 300, 300, 1);
        rst_tsecr_case(embryo, 2000, 300, 301, 0);
    }
}

/* One SYN attempt retransmitted with the TSvals `tsv[0..n)` (same ISN), then a RST echoing
 * `rst_tsecr`: the report, with (`embryo` 1) or without the half-open pool. */
static struct rec_conn syn_tsvals_rst(int embryo, const uint32_t *tsv, size_t n,
                                      uint32_t rst_tsecr)
{
    struct sc s;
    uint8_t o[12];
    sc_init_pool(&s, embryo);
    for (size_t i = 0; i < n; i++)
        sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, o, ts_opt(o, tsv[i], 0), CSUM_GOOD);
    sc_raw(&s, S, F_RST | F_ACK, 0, 1001, 0, NULL, 0, o, ts_opt(o, 9000, rst_tsecr), CSUM_GOOD);
    sc_finish(&s);
    struct rec_conn r = *only_conn(&s);
    sc_free(&s);
    return r;
}

/* The half-open pool stands for the SYNs it absorbs: whatever TSvals the repeats carry
 * (rising, equal, one going back, wrapping), the report with the pool is the report
 * without it, for a RST echoing each TSval seen and each neighbour. While TSvals rise the
 * RST is accepted exactly within [first, newest]. */
static void test_embryo_syn_tsvals_as_general(void **state)
{
    (void)state;
    static const struct {
        uint32_t tsv[4];
        size_t n;
        int rising; /* every TSval >= the one before (sequence space) */
    } cases[] = {
        {{100, 150, 200}, 3, 1},
        {{100, 100, 100, 100}, 4, 1},
        {{100, 150, 120}, 3, 0},
        {{100, 150, 120, 180}, 4, 0},
        {{0xfffffff0u, 0x10, 0x20}, 3, 1},
        {{500, 100}, 2, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (size_t j = 0; j < cases[k].n; j++) {
            for (int d = -1; d <= 1; d++) {
                uint32_t echo = cases[k].tsv[j] + (uint32_t)d;
                struct rec_conn g = syn_tsvals_rst(0, cases[k].tsv, cases[k].n, echo);
                struct rec_conn e = syn_tsvals_rst(1, cases[k].tsv, cases[k].n, echo);
                assert_int_equal(e.end, g.end);
                assert_string_equal(e.conn_state, g.conn_state);
                assert_string_equal(e.history, g.history);
                assert_int_equal(e.cli.state, g.cli.state);
                assert_int_equal(e.srv.state, g.srv.state);
                assert_memory_equal(e.ev, g.ev, sizeof e.ev);
                if (cases[k].rising) {
                    uint32_t first = cases[k].tsv[0], newest = cases[k].tsv[cases[k].n - 1];
                    int inside = (int32_t)(echo - first) >= 0 && (int32_t)(newest - echo) >= 0;
                    assert_int_equal(g.end == TCPSIFT_END_REJECTED, inside);
                }
            }
        }
    }
}

/* ------------------------------------------------------------ table life */

/* RST payload is diagnostic text, not stream data (RFC 9293 §3.5.3). */
static void test_rst_with_data(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_raw(&s, S, F_RST | F_ACK, s.nxt[S], s.nxt[C], 0, "go away", 7, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_END(r, RST);
    assert_int_equal(EV(r, RST_WITH_DATA), 1);
    assert_int_equal(stream_of(&s, 0, TCPSIFT_S2C)->data_len, 0);
    assert_int_equal(r->srv.stream_bytes, 0);
    assert_int_equal(r->srv.bytes, 7);
    sc_free(&s);
}

/* A bare SYN attempt idles out after the embryonic timeout (30 s by
 * default) of packet time: reported timed out, S0. */
static void test_embryonic_timeout(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    tcpsift_tracker_advance_time(s.t, s.ts + 29LL * 1000 * MS);
    assert_int_equal(s.nconns, 0);
    tcpsift_tracker_advance_time(s.t, s.ts + 31LL * 1000 * MS);
    assert_int_equal(s.nconns, 1);
    const struct rec_conn *r = &s.conns[0];
    dump_conn(r);
    assert_int_equal(r->timed_out, 1);
    assert_int_equal(r->evicted, 0);
    ASSERT_END(r, SYN_UNANSWERED);
    assert_string_equal(r->conn_state, "S0");
    ASSERT_STATES(r, SYN_SENT, UNKNOWN);
    sc_finish(&s);
    assert_int_equal(s.nconns, 1);
    sc_free(&s);
}

/* Half-open pool full (1 embryo) and the full table full (2 entries): the
 * embryonic attempt is evicted, never the older established connection
 * (issue 3's documented order), and still reported once, with evicted set.
 * While the table has room a SYN takes a full entry instead. */
static void test_eviction_embryonic_first(void **state)
{
    (void)state;
    struct sc s;
    sc_init_cfg(&s, 0, TCPSIFT_CHECKSUM_AUTO, 2);
    s.port[C] = 40001;
    sc_open(&s, 1000, 5000); /* id 0, established: full entry 1 of 2 */
    s.port[C] = 40002;
    sc_raw(&s, C, F_SYN, 2000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD); /* id 1, the embryo */
    s.port[C] = 40003;
    sc_raw(&s, C, F_SYN, 3000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD); /* id 2, full entry 2 */
    assert_int_equal(s.nconns, 0);
    s.port[C] = 40004;
    sc_raw(&s, C, F_SYN, 4000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD); /* id 3: evicts id 1 */
    assert_int_equal(s.nconns, 1);
    dump_conn(&s.conns[0]);
    assert_int_equal(s.conns[0].id, 1);
    assert_int_equal(s.conns[0].evicted, 1);
    assert_int_equal(s.conns[0].cport, 40002);
    ASSERT_END(&s.conns[0], SYN_UNANSWERED);
    sc_finish(&s);
    assert_int_equal(s.nconns, 4);
    for (size_t i = 1; i < 4; i++)
        assert_int_equal(s.conns[i].evicted, 0);
    assert_int_equal(s.conns[1].id, 0);
    assert_int_equal(tcpsift_tracker_get_stats(s.t)->evicted, 1);
    assert_int_equal(tcpsift_tracker_get_stats(s.t)->tcp_connections, 4);
    sc_free(&s);
}

/* A SYN flood: 20000 distinct SYNs against 4 embryos and 8 full entries fill
 * the free entries (7) and the embryo pool (4), then churn attempts only; the
 * established connection is never evicted and every evicted attempt is
 * reported exactly once. Built without the scenario recorder (it keeps a
 * handful of connections). */
struct flood_count {
    uint64_t ended, evicted, id0_seen, id0_evicted;
};

static void flood_on_end(void *ctx, const tcpsift_conn_info *ci)
{
    struct flood_count *fc = ctx;
    fc->ended++;
    fc->evicted += ci->evicted;
    if (ci->id == 0) {
        fc->id0_seen++;
        fc->id0_evicted = ci->evicted;
    }
}

static void flood_feed(tcpsift_tracker *t, const struct tcp_spec *spec, int64_t ts)
{
    struct pb p;
    build_eth_ipv4_tcp(&p, spec);
    tcpsift_packet pkt;
    assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len), TCPSIFT_OK);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, ts), TCPSIFT_OK);
}

static void test_syn_flood_churns_embryos_only(void **state)
{
    (void)state;
    struct flood_count fc = {0};
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.max_connections = 8;
    cfg.embryo_capacity = 4;
    cfg.cb.on_conn_end = flood_on_end;
    cfg.cb.ctx = &fc;
    tcpsift_tracker *t;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    int64_t ts = 1700000000LL * 1000000000LL;
    struct tcp_spec sp = tcp_default();
    /* id 0: a connection carrying data (picked up midstream: the builder
     * writes one address order only) */
    static const uint8_t hello[] = "hello";
    sp.flags = F_ACK | F_PSH, sp.sport = 50000, sp.payload = hello, sp.payload_len = 5;
    flood_feed(t, &sp, ts++);
    const uint32_t syns = 20000;
    for (uint32_t i = 0; i < syns; i++) {
        sp = tcp_default();
        sp.flags = F_SYN, sp.sport = (uint16_t)(1024 + i % 40000), sp.seq = 7 * i, sp.ack = 0;
        sp.dport = (uint16_t)(81 + i / 40000);
        flood_feed(t, &sp, ts++);
    }
    const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(t);
    assert_int_equal(st->evicted, syns - 4 - 7);
    assert_int_equal(fc.ended, syns - 4 - 7);
    assert_int_equal(fc.evicted, syns - 4 - 7);
    assert_int_equal(fc.id0_seen, 0); /* the established connection was never touched */
    tcpsift_tracker_finish(t);
    assert_int_equal(fc.ended, syns + 1);
    assert_int_equal(fc.id0_seen, 1);
    assert_int_equal(fc.id0_evicted, 0);
    assert_int_equal(st->tcp_connections, syns + 1);
    tcpsift_tracker_destroy(t);
}

/* The final ACK is seen but lost: the LAST-ACK end re-sends its FIN and the
 * TIME-WAIT end re-acks it (RFC 9293 §3.10.7.4 eighth). One connection. */
static void test_last_ack_fin_resent(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    uint32_t s_fin = s.nxt[S];
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_raw(&s, S, F_ACK | F_FIN, s_fin, s.nxt[C], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_tx(&s, C, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    ASSERT_STATES(r, TIME_WAIT, CLOSED);
    ASSERT_END(r, FIN);
    assert_string_equal(r->conn_state, "SF");
    assert_string_equal(r->history, "ShAFf");
    /* One anomaly for the one re-sent FIN: a retransmission (docs/state-events.md). */
    assert_int_equal(EV(r, RETRANSMISSION), 1);
    assert_int_equal(EV(r, SEGMENT_AFTER_CLOSE), 0);
    sc_free(&s);
}

/* A keep-alive without payload, and its answer: tshark marks the answer a
 * keep-alive ACK, not a duplicate ACK. */
static void test_keepalive_ack(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_raw(&s, C, F_ACK, s.nxt[C] - 1, s.nxt[S], 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, KEEP_ALIVE), 1);
    assert_int_equal(EV(r, RETRANSMISSION), 0);
    assert_int_equal(EV(r, DUPLICATE_ACK), 0);
    sc_free(&s);
}

/* RFC 9293 §3.10.7.4: a segment wholly outside the receiver's window is
 * not acceptable; its bytes are not delivered. */
static void test_data_out_of_window(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    s.win[S] = 100;
    sc_open(&s, 1000, 5000);
    sc_raw(&s, C, F_ACK | F_PSH, s.nxt[C] + 1000, s.nxt[S], 65535, "far away", 8, NULL, 0,
           CSUM_GOOD);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, DATA_OUT_OF_WINDOW), 1);
    struct rec_stream *st = stream_of(&s, 0, TCPSIFT_C2S);
    assert_int_equal(st->data_len, strlen(REQ));
    assert_memory_equal(st->bytes, REQ, strlen(REQ));
    sc_free(&s);
}

/* A second attempt with a new ISN while the first is unanswered, answered
 * and completed. Whether that is a new connection is policy (tshark: yes,
 * any new base seq; conns-exceptions.tsv: the contract starts a new id only
 * on a closed or reset tuple; docs/state-events.md's tuple_reuse row lists
 * SYN_SENT too). Either way no byte was sent, so no content gap may appear. */
static void test_new_attempt_while_syn_sent(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_SYN, 7000000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 7000001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 7000001, 5001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    assert_true(s.nconns == 1 || s.nconns == 2);
    for (size_t i = 0; i < s.nconns; i++)
        dump_conn(&s.conns[i]);
    const struct rec_conn *r = &s.conns[s.nconns - 1];
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    uint64_t gaps = 0;
    for (size_t i = 0; i < s.nconns; i++)
        gaps += s.conns[i].cli.gap_bytes + EV(&s.conns[i], CONTENT_GAP);
    assert_int_equal(gaps, 0);
    assert_null(strchr(r->history, 'G'));
    sc_free(&s);
}

/* After a close the old server opens toward the old client: a new
 * connection whose client is the port-80 side. */
static void test_reuse_reverse_direction(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_raw(&s, S, F_SYN, 9000000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    assert_int_equal(s.nconns, 2);
    dump_conn(&s.conns[1]);
    const struct rec_conn *b = &s.conns[1];
    assert_int_equal(b->id, 1);
    assert_int_equal(b->cport, 80);
    assert_int_equal(b->sport, 40000);
    assert_memory_equal(b->caddr, TEST_V4_DST, 4);
    ASSERT_STATES(b, SYN_SENT, UNKNOWN);
    ASSERT_END(b, SYN_UNANSWERED);
    assert_string_equal(b->history, "S");
    sc_free(&s);
}

/* `auto` ignores a checksum that is plainly wrong (not an offload partial
 * sum); `off` never computes it and accepts the segment. */
static void bad_csum_run(struct sc *s, tcpsift_checksum_policy policy)
{
    sc_init_policy(s, 0, policy);
    sc_open(s, 1000, 5000);
    sc_raw(s, C, F_ACK | F_PSH, s->nxt[C], s->nxt[S], 65535, REQ, strlen(REQ), NULL, 0, CSUM_BAD);
    sc_finish(s);
}

static void test_bad_checksum_auto_and_off(void **state)
{
    (void)state;
    struct sc s;
    bad_csum_run(&s, TCPSIFT_CHECKSUM_AUTO);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, BAD_CHECKSUM), 1);
    assert_string_equal(r->history, "ShAC");
    assert_int_equal(stream_of(&s, 0, TCPSIFT_C2S)->data_len, 0);
    assert_int_equal(r->cli.pkts, 3);
    assert_int_equal(r->cli.bytes, strlen(REQ));
    assert_int_equal(tcpsift_tracker_get_stats(s.t)->bad_checksum, 1);
    assert_int_equal(tcpsift_tracker_get_stats(s.t)->events[TCPSIFT_ANOMALY_BAD_CHECKSUM], 1);
    sc_free(&s);

    bad_csum_run(&s, TCPSIFT_CHECKSUM_OFF);
    r = only_conn(&s);
    assert_int_equal(EV(r, BAD_CHECKSUM), 0);
    assert_string_equal(r->history, "ShAD");
    assert_stream(&s, 0, TCPSIFT_C2S, REQ);
    assert_int_equal(tcpsift_tracker_get_stats(s.t)->bad_checksum, 0);
    sc_free(&s);
}

/* Zeek's W (update_window): a zero window after the peer's FIN is not
 * lettered; one on a SYN is. */
static void test_zeek_zero_window_letter(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    s.win[S] = 0;
    sc_tx(&s, S, F_ACK, NULL); /* acks the FIN with a zero window */
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->history, "ShAFa");
    assert_int_equal(EV(r, ZERO_WINDOW), 1);
    sc_free(&s);

    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(r->history, "SW");
    sc_free(&s);
}

/* Zeek's UpdateClosedState: after a FIN exchange a RST changes nothing (SF);
 * a FIN answering the peer's FIN-then-RST turns the peer back to CLOSED
 * (UpdateEstablishedState: "this was actually normal termination"). */
static void test_zeek_rst_after_fin(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_raw(&s, C, F_RST, s.nxt[C], 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->history, "ShAFfR");
    assert_string_equal(r->conn_state, "SF");
    sc_free(&s);

    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_raw(&s, C, F_RST, s.nxt[C], 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(r->history, "ShAFRf");
    assert_string_equal(r->conn_state, "SF");
    sc_free(&s);

    /* A RST after only its own FIN, the peer silent: RSTO. */
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_FIN, NULL);
    sc_raw(&s, C, F_RST, s.nxt[C], 0, 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(r->conn_state, "RSTO");
    sc_free(&s);
}

/* Zeek's UpdateInactiveState without control flags: the originator's ACK
 * after a SYN-ACK whose SYN was missed establishes it (S1, S3, not OTH /
 * SHR); a responder's bare ACK of the SYN leaves it inactive (S0). */
static void test_zeek_inactive_rules(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    s.nxt[C] = 1001;
    s.nxt[S] = 5000;
    sc_tx(&s, S, F_SYN | F_ACK, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, C, F_ACK | F_PSH, REQ);
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_string_equal(r->history, "^hADa");
    assert_string_equal(r->conn_state, "S1");
    ASSERT_STATES(r, ESTABLISHED, ESTABLISHED);
    sc_free(&s);

    sc_init(&s);
    s.nxt[C] = 1001;
    s.nxt[S] = 5000;
    sc_tx(&s, S, F_SYN | F_ACK, NULL);
    sc_tx(&s, C, F_ACK, NULL);
    sc_tx(&s, S, F_ACK | F_FIN, NULL);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(r->conn_state, "S3");
    sc_free(&s);

    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, S, F_ACK, 5000, 1001, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    r = only_conn(&s);
    assert_string_equal(r->history, "Sa");
    assert_string_equal(r->conn_state, "S0");
    assert_int_equal(EV(r, ACK_BEFORE_SYN), 1);
    sc_free(&s);
}


/* ------------------------------------------------------------ anomaly coverage */

/* A snap length cutting the payload: segment_truncated, the tail is a gap. */
static void test_anomaly_segment_truncated(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    s.snap = 14 + 20 + 20 + 4; /* Ethernet, IPv4, TCP, then 4 payload bytes */
    sc_tx(&s, C, F_ACK | F_PSH, "0123456789");
    s.snap = 0;
    sc_tx(&s, S, F_ACK, NULL);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, SEGMENT_TRUNCATED), 1);
    assert_int_equal(r->cli.stream_bytes, 4);
    assert_int_equal(r->cli.gap_bytes, 6);
    sc_free(&s);
}

/* URG, MSS outside a SYN and a TTL change: each counted once per segment. */
static void test_anomaly_urgent_option_ttl(void **state)
{
    (void)state;
    static const uint8_t mss[] = {2, 4, 0x05, 0xb4};
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_raw(&s, C, F_ACK | F_PSH | F_URG, s.nxt[C], s.nxt[S], 65535, "u", 1, NULL, 0, CSUM_GOOD);
    s.nxt[C] += 1;
    sc_raw(&s, C, F_ACK, s.nxt[C], s.nxt[S], 65535, NULL, 0, mss, sizeof mss, CSUM_GOOD);
    s.ttl[C] = 3; /* an inserted segment from nearer the observer */
    sc_tx(&s, C, F_ACK | F_PSH, "x");
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, URGENT_DATA), 1);
    assert_int_equal(EV(r, OPTION_OUTSIDE_SYN), 1);
    assert_int_equal(EV(r, TTL_CHANGED), 1);
    sc_free(&s);
}

/* RFC 7323 §3.2: timestamps negotiated, then a segment without them. */
static void test_anomaly_timestamp_missing(void **state)
{
    (void)state;
    static const uint8_t ts1[] = {1, 1, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0};
    static const uint8_t ts2[] = {1, 1, 8, 10, 0, 0, 0, 200, 0, 0, 0, 100};
    static const uint8_t ts3[] = {1, 1, 8, 10, 0, 0, 0, 101, 0, 0, 0, 200};
    struct sc s;
    sc_init(&s);
    sc_raw(&s, C, F_SYN, 1000, 0, 65535, NULL, 0, ts1, sizeof ts1, CSUM_GOOD);
    sc_raw(&s, S, F_SYN | F_ACK, 5000, 1001, 65535, NULL, 0, ts2, sizeof ts2, CSUM_GOOD);
    sc_raw(&s, C, F_ACK, 1001, 5001, 65535, NULL, 0, ts3, sizeof ts3, CSUM_GOOD);
    sc_raw(&s, C, F_ACK | F_PSH, 1001, 5001, 65535, "no-ts", 5, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, TIMESTAMP_MISSING), 1);
    assert_int_equal(EV(r, PAWS_FAILURE), 0);
    sc_free(&s);
}

/* One byte at the next sequence number into the peer's zero window. */
static void test_anomaly_zero_window_probe(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, C, F_ACK | F_PSH, "abc");
    sc_raw(&s, S, F_ACK, s.nxt[S], s.nxt[C], 0, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_raw(&s, C, F_ACK, s.nxt[C], s.nxt[S], 65535, "d", 1, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, ZERO_WINDOW), 1);
    assert_int_equal(EV(r, ZERO_WINDOW_PROBE), 1);
    sc_free(&s);
}

/* Reassembly caps: out-of-order data past a hole with room for one held
 * segment; the lowest hole is skipped and counted. */
static void test_anomaly_reassembly_caps(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        tcpsift_reasm_config rc;
        tcpsift_reasm_config_default(&rc);
        if (which == 0)
            rc.max_segments = 1;
        else
            rc.max_buffered_bytes = 1; /* any held segment is over the cap */
        struct sc s;
        sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
        sc_open(&s, 1000, 5000);
        uint32_t base = s.nxt[C];
        sc_raw(&s, C, F_ACK | F_PSH, base + 10, s.nxt[S], 65535, "BBBB", 4, NULL, 0, CSUM_GOOD);
        sc_raw(&s, C, F_ACK | F_PSH, base + 20, s.nxt[S], 65535, "CCCC", 4, NULL, 0, CSUM_GOOD);
        sc_raw(&s, C, F_ACK | F_PSH, base + 30, s.nxt[S], 65535, "DDDD", 4, NULL, 0, CSUM_GOOD);
        sc_finish(&s);
        const struct rec_conn *r = only_conn(&s);
        if (which == 0)
            assert_true(EV(r, REASSEMBLY_SEGMENT_CAP) >= 1);
        else
            assert_true(EV(r, REASSEMBLY_MEMCAP) >= 1);
        assert_true(EV(r, CONTENT_GAP) >= 1);
        assert_int_equal(r->cli.stream_bytes, 12);
        sc_free(&s);
    }
}

/* Without retained bytes a copy of delivered data cannot be compared. */
static void test_anomaly_retransmission_unverified(void **state)
{
    (void)state;
    tcpsift_reasm_config rc;
    tcpsift_reasm_config_default(&rc);
    rc.max_retained_bytes = 0;
    struct sc s;
    sc_init_reasm(&s, 0, TCPSIFT_CHECKSUM_AUTO, 0, &rc);
    sc_open(&s, 1000, 5000);
    uint32_t at = s.nxt[C];
    sc_tx(&s, C, F_ACK | F_PSH, "same");
    sc_raw(&s, C, F_ACK | F_PSH, at, s.nxt[S], 65535, "same", 4, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, RETRANSMISSION), 1);
    assert_int_equal(EV(r, RETRANSMISSION_UNVERIFIED), 1);
    assert_int_equal(r->cli.stream_bytes, 4);
    sc_free(&s);
}


/* RFC 5961 §5.2: an ACK more than a window below what was acknowledged. */
static void test_anomaly_ack_out_of_window(void **state)
{
    (void)state;
    struct sc s;
    sc_init(&s);
    sc_open(&s, 1000, 5000);
    sc_tx(&s, S, F_ACK | F_PSH, "data");
    sc_tx(&s, C, F_ACK, NULL);
    sc_raw(&s, C, F_ACK, s.nxt[C], s.nxt[S] - 200000, 65535, NULL, 0, NULL, 0, CSUM_GOOD);
    sc_finish(&s);
    const struct rec_conn *r = only_conn(&s);
    assert_int_equal(EV(r, ACK_OUT_OF_WINDOW), 1);
    sc_free(&s);
}

/* A malformed option: the decoder reports bad_option_length, the tracker
 * still processes the segment and counts bad_option. */
static void test_anomaly_bad_option(void **state)
{
    (void)state;
    static const uint8_t bad_mss[] = {2, 3, 5, 1}; /* MSS must be 4 bytes long */
    struct flood_count fc = {0};
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    uint32_t counted = 0;
    cfg.cb.on_conn_end = flood_on_end;
    cfg.cb.ctx = &fc;
    tcpsift_tracker *t;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    struct tcp_spec sp = tcp_default();
    sp.flags = F_SYN, sp.ack = 0, sp.opts = bad_mss, sp.opts_len = sizeof bad_mss;
    struct pb p;
    build_eth_ipv4_tcp(&p, &sp);
    tcpsift_packet pkt;
    assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len),
                     TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_true(pkt.layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 1), TCPSIFT_OK);
    counted = (uint32_t)tcpsift_tracker_get_stats(t)->events[TCPSIFT_ANOMALY_BAD_OPTION];
    assert_int_equal(counted, 1);
    tcpsift_tracker_finish(t);
    assert_int_equal(fc.ended, 1);
    tcpsift_tracker_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_open_data_client_close),
        cmocka_unit_test(test_normal_close_from_server_ipv6),
        cmocka_unit_test(test_three_way_close),
        cmocka_unit_test(test_simultaneous_open),
        cmocka_unit_test(test_simultaneous_open_synacks_only),
        cmocka_unit_test(test_syn_and_synack_retransmission),
        cmocka_unit_test(test_split_handshake),
        cmocka_unit_test(test_rejected),
        cmocka_unit_test(test_syn_unanswered),
        cmocka_unit_test(test_simultaneous_close),
        cmocka_unit_test(test_half_close),
        cmocka_unit_test(test_fin_retransmission),
        cmocka_unit_test(test_data_after_fin),
        cmocka_unit_test(test_rst_exact),
        cmocka_unit_test(test_acked_reset_held_not_released),
        cmocka_unit_test(test_rst_in_window_silence),
        cmocka_unit_test(test_rst_in_window_refuted),
        cmocka_unit_test(test_rst_out_of_window),
        cmocka_unit_test(test_forged_syn_mid_connection),
        cmocka_unit_test(test_second_synack_other_isn),
        cmocka_unit_test(test_synack_unacceptable_ack),
        cmocka_unit_test(test_fin_out_of_window),
        cmocka_unit_test(test_ack_unacceptable_dropped),
        cmocka_unit_test(test_old_ack_bound_by_bytes_acked),
        cmocka_unit_test(test_ack_unseen_within_reach),
        cmocka_unit_test(test_fin_without_ack_dropped),
        cmocka_unit_test(test_fin_refuted_by_ack),
        cmocka_unit_test(test_fin_moved_receiver_decides),
        cmocka_unit_test(test_window_scale_both_syns),
        cmocka_unit_test(test_midstream_pickup),
        cmocka_unit_test(test_time_wait_expiry),
        cmocka_unit_test(test_tuple_reuse),
        cmocka_unit_test(test_tuple_reuse_close_unfinished),
        cmocka_unit_test(test_sequence_wraparound),
        cmocka_unit_test(test_bad_checksum_ignored),
        cmocka_unit_test(test_bad_ip_header_checksum_ignored),
        cmocka_unit_test(test_offload_checksum_policy),
        cmocka_unit_test(test_invalid_flags),
        cmocka_unit_test(test_dupack_keepalive_zero_window),
        cmocka_unit_test(test_zero_window_probe_not_delivered),
        cmocka_unit_test(test_zero_window_drops_data),
        cmocka_unit_test(test_syn_data_refused_acked_delivery),
        cmocka_unit_test(test_synack_data_refused_acked_delivery),
        cmocka_unit_test(test_zeek_sh),
        cmocka_unit_test(test_zeek_rstos0),
        cmocka_unit_test(test_zeek_shr_rstrh),
        cmocka_unit_test(test_flipped_capture),
        cmocka_unit_test(test_zeek_s3),
        cmocka_unit_test(test_payload_retransmission_letters),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_data_after_rst),
        cmocka_unit_test(test_rst_challenge_ack_then_silence),
        cmocka_unit_test(test_rst_at_fin_number),
        cmocka_unit_test(test_one_sided_client_synchronized),
        cmocka_unit_test(test_reuse_after_rst),
        cmocka_unit_test(test_window_scale_clamped),
        cmocka_unit_test(test_syn_with_data),
        cmocka_unit_test(test_paws),
        cmocka_unit_test(test_paws_linux_window),
        cmocka_unit_test(test_rst_tsecr_in_syn_sent),
        cmocka_unit_test(test_embryo_syn_tsvals_as_general),
        cmocka_unit_test(test_rst_with_data),
        cmocka_unit_test(test_embryonic_timeout),
        cmocka_unit_test(test_eviction_embryonic_first),
        cmocka_unit_test(test_syn_flood_churns_embryos_only),
        cmocka_unit_test(test_anomaly_segment_truncated),
        cmocka_unit_test(test_anomaly_urgent_option_ttl),
        cmocka_unit_test(test_anomaly_timestamp_missing),
        cmocka_unit_test(test_anomaly_zero_window_probe),
        cmocka_unit_test(test_anomaly_reassembly_caps),
        cmocka_unit_test(test_anomaly_retransmission_unverified),
        cmocka_unit_test(test_anomaly_ack_out_of_window),
        cmocka_unit_test(test_anomaly_bad_option),
        cmocka_unit_test(test_last_ack_fin_resent),
        cmocka_unit_test(test_keepalive_ack),
        cmocka_unit_test(test_data_out_of_window),
        cmocka_unit_test(test_new_attempt_while_syn_sent),
        cmocka_unit_test(test_reuse_reverse_direction),
        cmocka_unit_test(test_bad_checksum_auto_and_off),
        cmocka_unit_test(test_zeek_zero_window_letter),
        cmocka_unit_test(test_zeek_rst_after_fin),
        cmocka_unit_test(test_zeek_inactive_rules),
        cmocka_unit_test(test_last_ns_is_last_packet_not_latest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
