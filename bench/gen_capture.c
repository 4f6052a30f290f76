/* gen_capture: deterministic, seeded pcap generator for the benchmark workloads of
 * ../shared/reference/performance.md, with the ground truth written beside the capture.
 *
 *   gen_capture [--seed N] WORKLOAD OUT.pcap      (writes OUT.pcap and OUT.pcap.json)
 *
 * Workloads:
 *   small       ~103k packets, 10k connections, 1k open at once (churn), ~5.5 messages each
 *   large       ~515k packets, 16k connections, 2k open at once, ~33 messages each
 *   tiny        ~10k packets, 1k connections, 100 open: the callgrind gate (fast)
 *   handshake   10k connections, 1k open, handshake + FIN teardown, no data
 *   impaired    the small workload with reordered and duplicated data segments
 *   impaired-tiny, handshake-tiny   the same at 1k connections, 100 open (ctest cross-check)
 *   open-hs-N   N connections open at once, handshake only, never closed (memory per conn)
 *   open-data-N N connections open at once, one message each way fully acked, never closed
 *   open-oneway-N N connections open at once, each a one-way transfer still going at the end:
 *               the client's one request, then ONEWAY_ROUNDS short messages from the server,
 *               the client ACKing every second; packets taken round-robin, the time paced so
 *               that every connection has a packet every ~60 ms (its client's direction quiet
 *               for ~3.6 s at the end, the connection never idle 1 s); never closed
 *
 * Traffic: Ethernet / IPv4 / TCP, connections interleaved packet by packet (each packet is
 * taken from a connection drawn at random among the open ones). Each connection carries
 * 4-byte big-endian length-prefixed messages (body sizes: 40% 16-64 B, 30% 65-512 B,
 * 20% 513-2048 B, 10% 2049-4096 B) in bursts of 1-3 messages per direction, coalesced into one
 * byte stream and cut into MSS-sized segments (1448 B payload: 1500 MTU minus 20 B IPv4, 20 B
 * TCP, 12 B timestamps option, RFC 7323 §3). The receiver ACKs every second full segment
 * (delayed ACK, RFC 1122 §4.2.3.2) and at the end of a burst unless its own reply follows.
 * Full three-way handshakes (MSS, SACK-permitted, timestamps, window scale) and FIN teardowns
 * (FIN, ACK, FIN, ACK). IPv4 and TCP checksums are valid. Everything derives from the seed.
 *
 * Ground truth (OUT.pcap.json): packets, connections, frames and stream bytes per direction,
 * payload bytes (duplicates included), data segments, frames spanning segments, data segments
 * carrying two or more frame starts. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SMALL_MSGS
#define SMALL_MSGS 10
#endif
#ifndef SMALL_BURST
#define SMALL_BURST 8
#endif
#ifndef LARGE_MSGS
#define LARGE_MSGS 65
#endif
#ifndef LARGE_BURST
#define LARGE_BURST 8
#endif
#define ONEWAY_ROUNDS 40
#define ONEWAY_PASS_US 60000u /* a round-robin pass over every connection's next packet */
#define MSS         1448u
#define ETH_LEN     14u
#define IP_LEN      20u
#define TCP_TS_LEN  32u /* 20 + NOP NOP TS(10) */
#define TCP_SYN_LEN 40u /* 20 + MSS(4) SACK_PERM(2) TS(10) NOP(1) WS(3) */

enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10 };

/* ------------------------------------------------------------------ PRNG (splitmix64) */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)((rnd() >> 32) * n >> 32);
}
static uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
    return lo + rnd_below(hi - lo + 1);
}

/* ------------------------------------------------------------------ workload parameters */
typedef struct workload {
    const char *name;
    uint32_t conns;       /* connections in the capture */
    uint32_t open;        /* connections open at once */
    uint32_t max_msgs;    /* messages per connection: uniform in [1, max_msgs] (0: none) */
    int fixed_msgs;       /* exactly max_msgs messages, one per burst */
    uint32_t max_burst;   /* messages per burst: uniform in [1, max_burst] */
    int teardown;         /* FIN teardown at the end */
    int staged;           /* all handshakes first, then the data (open-N variants) */
    uint32_t dup_pct10;   /* per mille of data segments duplicated */
    uint32_t reord_pct10; /* per mille of data segments swapped with the next */
    int oneway;           /* open-oneway-N: a request, then the server's rounds (plan_oneway) */
    uint32_t step_us;     /* time between packets: 0 = 1-20 us at random */
} workload;

/* ------------------------------------------------------------------ packets of one connection */
typedef struct pdesc {
    uint8_t dir; /* 0 client->server, 1 server->client */
    uint8_t flags;
    uint8_t is_data;
    uint32_t seq_rel;  /* relative to the sender's ISN */
    uint32_t ack_rel;  /* relative to the peer's ISN (0 when no ACK flag) */
    uint32_t off, len; /* payload: bytes [off, off+len) of the sender's stream */
} pdesc;

typedef struct conn {
    uint32_t index;
    uint32_t isn[2];
    uint8_t *stream[2];
    uint32_t stream_len[2], stream_cap[2];
    pdesc *p;
    uint32_t np, cap, next;
    uint32_t phase2; /* staged: first packet of the data phase */
    uint32_t last_tsval[2];
} conn;

typedef struct truth {
    uint64_t packets, connections, frames[2], stream_bytes[2], payload_bytes, captured_bytes;
    uint64_t data_segments, dup_segments, reordered_segments, frames_spanning, bytes_in_spanning,
        segments_multi_start, pure_acks;
} truth;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "gen_capture: out of memory\n");
        exit(1);
    }
    return q;
}

static void push(conn *c, pdesc d)
{
    if (c->np == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->p = xrealloc(c->p, c->cap * sizeof *c->p);
    }
    c->p[c->np++] = d;
}

static uint32_t body_size(void)
{
    uint32_t r = rnd_below(100);
    if (r < 40) return rnd_range(16, 64);
    if (r < 70) return rnd_range(65, 512);
    if (r < 90) return rnd_range(513, 2048);
    return rnd_range(2049, 4096);
}

static void append_message_of(conn *c, int dir, uint32_t body, truth *t)
{
    uint32_t need = c->stream_len[dir] + 4 + body;
    if (need > c->stream_cap[dir]) {
        c->stream_cap[dir] = need * 2;
        c->stream[dir] = xrealloc(c->stream[dir], c->stream_cap[dir]);
    }
    uint8_t *m = c->stream[dir] + c->stream_len[dir];
    m[0] = (uint8_t)(body >> 24);
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
    uint8_t fill = (uint8_t)rnd();
    for (uint32_t i = 0; i < body; i++)
        m[4 + i] = (uint8_t)(fill + i * 7u);
    c->stream_len[dir] = need;
    t->frames[dir]++;
    t->stream_bytes[dir] += 4 + body;
}

static void append_message(conn *c, int dir, truth *t)
{
    append_message_of(c, dir, body_size(), t);
}

/* One burst of `k` messages from `dir`: segments plus the peer's delayed ACKs. `reply_follows`:
 * the peer sends data next, so its data segment carries the final ACK. */
static void burst(conn *c, int dir, uint32_t k, int reply_follows, truth *t)
{
    uint32_t start = c->stream_len[dir];
    /* message boundaries inside the burst, to count spanning frames and multi-start segments */
    uint32_t bounds[16];
    for (uint32_t i = 0; i < k; i++) {
        bounds[i] = c->stream_len[dir];
        append_message(c, dir, t);
    }
    uint32_t end = c->stream_len[dir];
    for (uint32_t i = 0; i < k; i++) {
        uint32_t ms = bounds[i] - start, me = (i + 1 < k ? bounds[i + 1] : end) - start;
        if (ms / MSS != (me - 1) / MSS) {
            t->frames_spanning++;
            t->bytes_in_spanning += me - ms;
        }
    }
    uint32_t unacked = 0;
    for (uint32_t off = start; off < end; off += MSS) {
        uint32_t len = end - off < MSS ? end - off : MSS;
        uint32_t starts = 0;
        for (uint32_t i = 0; i < k; i++)
            if (bounds[i] >= off && bounds[i] < off + len) starts++;
        if (starts >= 2) t->segments_multi_start++;
        pdesc d = {(uint8_t)dir, F_ACK, 1, 1 + off, 1 + c->stream_len[!dir], off, len};
        if (off + len == end) d.flags |= F_PSH;
        push(c, d);
        t->data_segments++;
        if (++unacked == 2 || (off + len == end && !reply_follows)) {
            pdesc a = {(uint8_t)!dir, F_ACK, 0, 1 + c->stream_len[!dir], 1 + off + len, 0, 0};
            push(c, a);
            t->pure_acks++;
            unacked = 0;
        }
    }
}

static void plan_handshake(conn *c)
{
    push(c, (pdesc){0, F_SYN, 0, 0, 0, 0, 0});
    push(c, (pdesc){1, F_SYN | F_ACK, 0, 0, 1, 0, 0});
    push(c, (pdesc){0, F_ACK, 0, 1, 1, 0, 0});
}

static void plan_rest(conn *c, const workload *w, truth *t)
{
    uint32_t msgs = 0;
    if (w->max_msgs) msgs = w->fixed_msgs ? w->max_msgs : rnd_range(1, w->max_msgs);
    int dir = 0;
    while (msgs) {
        uint32_t k = w->fixed_msgs ? 1 : rnd_range(1, w->max_burst);
        if (k > msgs) k = msgs;
        msgs -= k;
        burst(c, dir, k, msgs > 0, t);
        dir = !dir;
    }
    if (w->teardown) {
        uint32_t cs = 1 + c->stream_len[0], ss = 1 + c->stream_len[1];
        push(c, (pdesc){0, F_FIN | F_ACK, 0, cs, ss, 0, 0});
        push(c, (pdesc){1, F_ACK, 0, ss, cs + 1, 0, 0});
        push(c, (pdesc){1, F_FIN | F_ACK, 0, ss, cs + 1, 0, 0});
        push(c, (pdesc){0, F_ACK, 0, cs + 1, ss + 1, 0, 0});
    }
}

/* open-oneway-N's data: the client's request (one segment), then ONEWAY_ROUNDS messages of
 * 16-64 B from the server, one segment each (the first carries the request's ACK), the client
 * ACKing every second one. */
static void plan_oneway(conn *c, truth *t)
{
    append_message_of(c, 0, rnd_range(16, 64), t);
    push(c, (pdesc){0, F_ACK | F_PSH, 1, 1, 1, 0, c->stream_len[0]});
    t->data_segments++;
    for (uint32_t r = 0; r < ONEWAY_ROUNDS; r++) {
        uint32_t off = c->stream_len[1];
        append_message_of(c, 1, rnd_range(16, 64), t);
        uint32_t len = c->stream_len[1] - off;
        push(c, (pdesc){1, F_ACK | F_PSH, 1, 1 + off, 1 + c->stream_len[0], off, len});
        t->data_segments++;
        if (r % 2 == 1) {
            push(c, (pdesc){0, F_ACK, 0, 1 + c->stream_len[0], 1 + off + len, 0, 0});
            t->pure_acks++;
        }
    }
}

/* Impairments on data segments: a duplicate right after, or a swap with the next packet of the
 * same direction (the later segment arrives first). Stream contents are unchanged. */
static void impair(conn *c, const workload *w, truth *t)
{
    if (!w->dup_pct10 && !w->reord_pct10) return;
    pdesc *old = c->p;
    uint32_t n = c->np;
    c->p = NULL;
    c->np = c->cap = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (old[i].is_data && i + 1 < n && old[i + 1].is_data && old[i + 1].dir == old[i].dir &&
            rnd_below(1000) < w->reord_pct10) {
            push(c, old[i + 1]);
            push(c, old[i]);
            t->reordered_segments++;
            i++;
            continue;
        }
        push(c, old[i]);
        if (old[i].is_data && rnd_below(1000) < w->dup_pct10) {
            push(c, old[i]);
            t->dup_segments++;
        }
    }
    free(old);
}

static void conn_open(conn *c, uint32_t index, const workload *w, truth *t)
{
    memset(c, 0, sizeof *c);
    c->index = index;
    c->isn[0] = (uint32_t)rnd();
    c->isn[1] = (uint32_t)rnd();
    plan_handshake(c);
    c->phase2 = c->np;
    if (w->oneway)
        plan_oneway(c, t);
    else
        plan_rest(c, w, t);
    impair(c, w, t);
    t->connections++;
}

static void conn_free(conn *c)
{
    free(c->stream[0]);
    free(c->stream[1]);
    free(c->p);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------ packet writing */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    return s;
}
static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}
static void be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint64_t now_us = 1700000000ull * 1000000ull;

static uint32_t step_us; /* the workload's: 0 = 1-20 us at random */

static void write_packet(FILE *out, conn *c, const pdesc *d, truth *t)
{
    static uint8_t f[ETH_LEN + IP_LEN + TCP_SYN_LEN + MSS + 16];
    int syn = (d->flags & F_SYN) != 0;
    uint32_t tcp_len = syn ? TCP_SYN_LEN : TCP_TS_LEN;
    uint32_t ip_total = IP_LEN + tcp_len + d->len, caplen = ETH_LEN + ip_total;
    /* hosts: client 10.x.y.z unique per connection, server 172.16.0.(1..16) */
    uint32_t client = 0x0a000000u + 1 + c->index, server = 0xac100001u + (c->index & 15);
    uint32_t src = d->dir ? server : client, dst = d->dir ? client : server;
    uint16_t cport = (uint16_t)(10000 + c->index % 50000), sport = 7000;
    memset(f, 0, ETH_LEN + IP_LEN + tcp_len);
    /* Ethernet II: locally administered MACs, type IPv4 */
    f[0] = 0x02, f[5] = (uint8_t)(d->dir ? 1 : 2), f[6] = 0x02, f[11] = (uint8_t)(d->dir ? 2 : 1);
    be16(f + 12, 0x0800);
    uint8_t *ip = f + ETH_LEN;
    ip[0] = 0x45;
    be16(ip + 2, ip_total);
    be16(ip + 4, (uint16_t)(t->packets * 7));
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    be32(ip + 12, src);
    be32(ip + 16, dst);
    be16(ip + 10, fold(sum16(ip, IP_LEN, 0)));
    uint8_t *tcp = ip + IP_LEN;
    be16(tcp, d->dir ? sport : cport);
    be16(tcp + 2, d->dir ? cport : sport);
    be32(tcp + 4, c->isn[d->dir] + d->seq_rel);
    be32(tcp + 8, (d->flags & F_ACK) ? c->isn[!d->dir] + d->ack_rel : 0);
    tcp[12] = (uint8_t)((tcp_len / 4) << 4);
    tcp[13] = d->flags;
    be16(tcp + 14, syn ? 65535 : 1024); /* scaled by 2^7 after the handshake */
    uint32_t tsval = (uint32_t)(now_us / 1000);
    if (tsval <= c->last_tsval[d->dir]) tsval = c->last_tsval[d->dir] + 1;
    c->last_tsval[d->dir] = tsval;
    uint32_t tsecr = (d->flags & F_ACK) ? c->last_tsval[!d->dir] : 0;
    uint8_t *o = tcp + 20;
    if (syn) {
        o[0] = 2, o[1] = 4, be16(o + 2, MSS + 12); /* MSS 1460: 1448 + 12 B timestamps */
        o[4] = 4, o[5] = 2;                        /* SACK permitted */
        o[6] = 8, o[7] = 10, be32(o + 8, tsval), be32(o + 12, tsecr);
        o[16] = 1, o[17] = 3, o[18] = 3, o[19] = 7; /* NOP, window scale 7 */
    } else {
        o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10, be32(o + 4, tsval), be32(o + 8, tsecr);
    }
    if (d->len) memcpy(tcp + tcp_len, c->stream[d->dir] + d->off, d->len);
    /* TCP checksum over the pseudo-header (RFC 9293 §3.1) */
    uint32_t s = sum16(ip + 12, 8, 0) + 6 + tcp_len + d->len;
    be16(tcp + 16, fold(sum16(tcp, tcp_len + d->len, s)));

    uint8_t rec[16];
    le32(rec, (uint32_t)(now_us / 1000000));
    le32(rec + 4, (uint32_t)(now_us % 1000000));
    le32(rec + 8, caplen);
    le32(rec + 12, caplen);
    if (fwrite(rec, 1, 16, out) != 16 || fwrite(f, 1, caplen, out) != caplen) {
        perror("gen_capture: write");
        exit(1);
    }
    now_us += step_us ? step_us : 1 + rnd_below(20);
    t->packets++;
    t->payload_bytes += d->len;
    t->captured_bytes += caplen;
}

/* ------------------------------------------------------------------ main */
static int parse_workload(const char *name, workload *w)
{
    memset(w, 0, sizeof *w);
    w->name = name;
    w->teardown = 1;
    unsigned n;
    if (strcmp(name, "small") == 0) {
        w->conns = 10000, w->open = 1000, w->max_msgs = SMALL_MSGS, w->max_burst = SMALL_BURST;
    } else if (strcmp(name, "large") == 0) {
        w->conns = 16000, w->open = 2000, w->max_msgs = LARGE_MSGS, w->max_burst = LARGE_BURST;
    } else if (strcmp(name, "tiny") == 0) {
        w->conns = 1000, w->open = 100, w->max_msgs = SMALL_MSGS, w->max_burst = SMALL_BURST;
    } else if (strcmp(name, "handshake") == 0) {
        w->conns = 10000, w->open = 1000, w->max_msgs = 0;
    } else if (strcmp(name, "impaired") == 0) {
        w->conns = 10000, w->open = 1000, w->max_msgs = SMALL_MSGS, w->max_burst = SMALL_BURST,
        w->dup_pct10 = 20, w->reord_pct10 = 30;
    } else if (strcmp(name, "impaired-tiny") == 0) {
        w->conns = 1000, w->open = 100, w->max_msgs = SMALL_MSGS, w->max_burst = SMALL_BURST,
        w->dup_pct10 = 20, w->reord_pct10 = 30;
    } else if (strcmp(name, "handshake-tiny") == 0) {
        w->conns = 1000, w->open = 100, w->max_msgs = 0;
    } else if (sscanf(name, "open-hs-%u", &n) == 1 && n > 0 && n <= 10000000) {
        w->conns = w->open = n, w->max_msgs = 0, w->teardown = 0, w->staged = 1;
    } else if (sscanf(name, "open-data-%u", &n) == 1 && n > 0 && n <= 10000000) {
        w->conns = w->open = n, w->max_msgs = 2, w->fixed_msgs = 1, w->teardown = 0, w->staged = 1;
    } else if (sscanf(name, "open-oneway-%u", &n) == 1 && n > 0 && n <= 1000000) {
        w->conns = w->open = n, w->teardown = 0, w->staged = 1, w->oneway = 1;
        w->step_us = ONEWAY_PASS_US / n ? ONEWAY_PASS_US / n : 1;
    } else {
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--seed") == 0) {
        seed = strtoull(argv[i + 1], NULL, 10);
        i += 2;
    }
    workload w;
    if (argc - i != 2 || !parse_workload(argv[i], &w)) {
        fprintf(stderr, "usage: gen_capture [--seed N] "
                        "small|large|tiny|handshake|impaired|impaired-tiny|handshake-tiny|"
                        "open-hs-N|open-data-N|open-oneway-N OUT.pcap\n");
        return 2;
    }
    const char *path = argv[i + 1];
    rng_state = seed * 0x2545f4914f6cdd1dull + 0x1234567;
    FILE *out = fopen(path, "wb");
    if (!out) {
        perror(path);
        return 1;
    }
    static char iobuf[1 << 20];
    setvbuf(out, iobuf, _IOFBF, sizeof iobuf);
    uint8_t hdr[24] = {0};
    le32(hdr, 0xa1b2c3d4u);
    hdr[4] = 2, hdr[6] = 4; /* version 2.4 */
    le32(hdr + 16, 65535);
    le32(hdr + 20, 1); /* LINKTYPE_ETHERNET */
    if (fwrite(hdr, 1, 24, out) != 24) return 1;

    truth t;
    memset(&t, 0, sizeof t);
    conn *open = calloc(w.open, sizeof *open);
    if (!open) return 1;
    uint32_t nopen = 0, started = 0;
    while (nopen < w.open && started < w.conns)
        conn_open(&open[nopen++], started++, &w, &t);
    if (w.staged) {
        /* all handshakes, interleaved, then all the data: every connection open at once */
        for (int phase = 0; phase < 2; phase++) {
            uint32_t live = nopen;
            uint32_t *order = malloc(live * sizeof *order);
            if (!order) return 1;
            for (uint32_t k = 0; k < live; k++)
                order[k] = k;
            if (phase == 1 && w.oneway) step_us = w.step_us;
            while (live) {
                if (phase == 1 && w.oneway) {
                    /* round-robin: a pass takes each connection's next packet, in a new random
                     * order each pass, so no connection waits more than two passes */
                    for (uint32_t k = live; k > 1; k--) {
                        uint32_t j = rnd_below(k), x = order[k - 1];
                        order[k - 1] = order[j];
                        order[j] = x;
                    }
                    for (uint32_t k = 0; k < live; k++) {
                        conn *c = &open[order[k]];
                        if (c->next < c->np) write_packet(out, c, &c->p[c->next++], &t);
                    }
                    uint32_t keep = 0;
                    for (uint32_t k = 0; k < live; k++)
                        if (open[order[k]].next < open[order[k]].np) order[keep++] = order[k];
                    live = keep;
                    continue;
                }
                uint32_t k = rnd_below(live);
                conn *c = &open[order[k]];
                uint32_t stop = phase == 0 ? c->phase2 : c->np;
                if (c->next < stop) write_packet(out, c, &c->p[c->next++], &t);
                if (c->next >= stop) order[k] = order[--live];
            }
            free(order);
        }
        for (uint32_t k = 0; k < nopen; k++)
            conn_free(&open[k]);
    } else {
        while (nopen) {
            uint32_t k = rnd_below(nopen);
            conn *c = &open[k];
            write_packet(out, c, &c->p[c->next++], &t);
            if (c->next == c->np) {
                conn_free(c);
                if (started < w.conns)
                    conn_open(c, started++, &w, &t);
                else
                    open[k] = open[--nopen];
            }
        }
    }
    free(open);
    if (fclose(out) != 0) {
        perror(path);
        return 1;
    }

    size_t jl = strlen(path) + 6;
    char *jpath = malloc(jl);
    if (!jpath) return 1;
    snprintf(jpath, jl, "%s.json", path);
    FILE *j = fopen(jpath, "w");
    if (!j) {
        perror(jpath);
        return 1;
    }
    fprintf(j,
            "{\"workload\": \"%s\", \"seed\": %llu, \"packets\": %llu, \"connections\": %llu,\n"
            " \"closed_connections\": %llu,"
            " \"open_at_once\": %u, \"frames\": %llu, \"frames_c2s\": %llu, \"frames_s2c\": %llu,\n"
            " \"stream_bytes_c2s\": %llu, \"stream_bytes_s2c\": %llu, \"payload_bytes\": %llu,\n"
            " \"captured_bytes\": %llu, \"file_bytes\": %llu, \"data_segments\": %llu,\n"
            " \"pure_acks\": %llu, \"dup_segments\": %llu, \"reordered_pairs\": %llu,\n"
            " \"frames_spanning_segments\": %llu, \"bytes_in_spanning_frames\": %llu,\n"
            " \"segments_with_2plus_frame_starts\": %llu}\n",
            w.name, (unsigned long long)seed, (unsigned long long)t.packets,
            (unsigned long long)t.connections, (unsigned long long)(w.teardown ? t.connections : 0),
            w.open, (unsigned long long)(t.frames[0] + t.frames[1]),
            (unsigned long long)t.frames[0], (unsigned long long)t.frames[1],
            (unsigned long long)t.stream_bytes[0], (unsigned long long)t.stream_bytes[1],
            (unsigned long long)t.payload_bytes, (unsigned long long)t.captured_bytes,
            (unsigned long long)(24 + 16 * t.packets + t.captured_bytes),
            (unsigned long long)t.data_segments, (unsigned long long)t.pure_acks,
            (unsigned long long)t.dup_segments, (unsigned long long)t.reordered_segments,
            (unsigned long long)t.frames_spanning, (unsigned long long)t.bytes_in_spanning,
            (unsigned long long)t.segments_multi_start);
    fclose(j);
    free(jpath);
    return 0;
}
