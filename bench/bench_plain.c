/* bench_plain: the straightforward parser issue 9 sets the full pipeline's level by.
 *
 *   bench_plain --tier plain-decode|plain-state|plain-full|plain-full-16k --capture FILE
 *               [--truth FILE.json] [--repeat N] [--max-conns N]
 *
 * The target for the full pipeline is "the level of a straightforward parser without
 * bounds checks" (../shared/reference/performance.md measured one at 187 / 376 / 413
 * instructions a packet for its three tiers). This is such a parser, written plainly and
 * measured in the same run as tcpsift's tiers so the comparison needs no other machine:
 *   plain-decode    walk the pcap records trusting the file (as the floor does), decode
 *                   Ethernet / IPv4 / TCP and its options (MSS, window scale, SACK-permitted,
 *                   timestamps); prefetch 4 KiB ahead, as the floor
 *   plain-state     + an open-addressing flow table (linear probing, backward-shift deletion)
 *                   and a small state machine: SYN, SYN-ACK, ACK of the SYN-ACK, FIN each way,
 *                   the last FIN's ACK or a RST ends the connection
 *   plain-full      + in-order reassembly (a segment past the next expected byte is dropped and
 *                   counted; bytes already delivered are skipped) and len:4:be framing
 *   plain-full-16k  plain-full asking for every line up to 16 KiB ahead, as tcpsift's capture
 *                   reader does (the floor-16k walk)
 * No checksums, no options beyond those four, no VLANs, IPv6, fragments, midstream pickup,
 * timeouts or anomaly rules: what tcpsift does beyond this is what the comparison measures.
 * Every run is cross-checked against the generator's ground truth (FILE.json); out-of-order
 * segments are not reassembled, so the impaired workloads do not pass the full tiers' check.
 *
 * Output: one JSON line in bench_inproc's shape (bench/run reads both). */
#define _POSIX_C_SOURCE 200809L /* clockid_t (bench_common.h) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench_common.h"

typedef enum plain_tier { PLAIN_DECODE, PLAIN_STATE, PLAIN_FULL, PLAIN_FULL_16K } plain_tier;
static const char *const plain_tier_names[] = {"plain-decode", "plain-state", "plain-full",
                                               "plain-full-16k"};

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_ACK = 0x10 };

typedef struct plain_pkt {
    uint32_t src, dst, seq, ack, tsval, tsecr;
    uint16_t sport, dport, window, mss;
    uint8_t flags, wscale, sack_ok, has_ts;
    const uint8_t *payload;
    uint32_t payload_len;
} plain_pkt;

/* Ethernet / IPv4 / TCP; 0 for anything else. Lengths are trusted. */
static inline int plain_decode(const uint8_t *f, plain_pkt *p)
{
    if (be16(f + 12) != 0x0800) return 0;
    const uint8_t *ip = f + 14;
    if (ip[0] >> 4 != 4 || ip[9] != 6) return 0;
    uint32_t ihl = (uint32_t)(ip[0] & 15) * 4, total = be16(ip + 2);
    const uint8_t *th = ip + ihl;
    uint32_t doff = (uint32_t)(th[12] >> 4) * 4;
    p->src = be32(ip + 12);
    p->dst = be32(ip + 16);
    p->sport = be16(th);
    p->dport = be16(th + 2);
    p->seq = be32(th + 4);
    p->ack = be32(th + 8);
    p->flags = th[13];
    p->window = be16(th + 14);
    p->mss = 0;
    p->wscale = p->sack_ok = p->has_ts = 0;
    p->tsval = p->tsecr = 0;
    for (const uint8_t *o = th + 20, *end = th + doff; o < end;) {
        if (o[0] == 0) break;  /* end of list */
        if (o[0] == 1) {       /* no-op */
            o++;
            continue;
        }
        if (o[1] < 2) break;
        switch (o[0]) {
        case 2: p->mss = be16(o + 2); break;
        case 3: p->wscale = o[2]; break;
        case 4: p->sack_ok = 1; break;
        case 8:
            p->has_ts = 1;
            p->tsval = be32(o + 2);
            p->tsecr = be32(o + 6);
            break;
        default: break;
        }
        o += o[1];
    }
    p->payload = th + doff;
    p->payload_len = total - ihl - doff;
    return 1;
}

/* ---- the flow table: one slot per connection, keyed by both endpoints in a fixed order */
typedef struct plain_dir {
    uint32_t next_seq, fin_seq;
    uint32_t body_left, len_value; /* the framer: body bytes to skip, length field so far */
    uint8_t len_got, fin, fin_acked;
} plain_dir;

enum { PC_SYN_SENT, PC_SYN_RCVD, PC_ESTABLISHED };

typedef struct plain_conn {
    uint64_t lo, hi;     /* endpoints (ip << 16 | port), lower first; lo's bit 63 marks in use */
    uint8_t client_lo;   /* the SYN's sender is `lo` */
    uint8_t state;
    plain_dir d[2];      /* [0] client to server */
} plain_conn;

typedef struct plain_table {
    plain_conn *slot;
    size_t mask;
    int shift;
} plain_table;

#define IN_USE (1ull << 63)

static inline size_t slot_of(const plain_table *t, uint64_t lo, uint64_t hi)
{
    return (size_t)(((lo * 0x9E3779B97F4A7C15ull) ^ hi) * 0xC2B2AE3D27D4EB4Full >> t->shift);
}

/* Backward-shift deletion: entries after the hole move up unless their home lies after it. */
static void table_remove(plain_table *t, size_t i)
{
    size_t j = i;
    for (;;) {
        t->slot[i].lo = 0;
        for (;;) {
            j = (j + 1) & t->mask;
            if (!t->slot[j].lo) return;
            size_t home = slot_of(t, t->slot[j].lo & ~IN_USE, t->slot[j].hi);
            int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) break;
        }
        t->slot[i] = t->slot[j];
        i = j;
    }
}

typedef struct plain_counts {
    uint64_t packets, bytes, tcp_ok, payload_bytes, established, ended, frames[2], stream[2];
    uint64_t untracked, out_of_order, table_full, sink;
} plain_counts;

/* len:4:be framing of in-order bytes: a frame counts when its body is complete. */
static inline void frame_bytes(plain_dir *f, const uint8_t *p, uint32_t n, uint64_t *frames)
{
    while (n) {
        if (f->len_got == 4) {
            uint32_t take = n < f->body_left ? n : f->body_left;
            p += take;
            n -= take;
            f->body_left -= take;
        } else if (f->len_got == 0 && n >= 4) {
            f->body_left = be32(p);
            f->len_got = 4;
            p += 4;
            n -= 4;
        } else {
            f->len_value = f->len_value << 8 | *p++;
            n--;
            if (++f->len_got == 4) f->body_left = f->len_value;
        }
        if (f->len_got == 4 && f->body_left == 0) {
            (*frames)++;
            f->len_got = 0;
            f->len_value = 0;
        }
    }
}

/* In order: the bytes past what was delivered, when the segment starts at or before it. */
static inline void deliver(plain_dir *d, const plain_pkt *p, plain_counts *c, int dir)
{
    uint32_t skip = d->next_seq - p->seq;
    if ((int32_t)skip < 0) {
        c->out_of_order++;
        return;
    }
    if (skip >= p->payload_len) return; /* all delivered before */
    uint32_t n = p->payload_len - skip;
    frame_bytes(d, p->payload + skip, n, &c->frames[dir]);
    c->stream[dir] += n;
    d->next_seq += n;
}

static inline void track(plain_table *t, const plain_pkt *p, int reassemble, plain_counts *c)
{
    uint64_t a = (uint64_t)p->src << 16 | p->sport, b = (uint64_t)p->dst << 16 | p->dport;
    int src_lo = a < b;
    uint64_t lo = src_lo ? a : b, hi = src_lo ? b : a;
    size_t i = slot_of(t, lo, hi);
    plain_conn *cn;
    for (;; i = (i + 1) & t->mask) {
        cn = &t->slot[i];
        if (cn->lo == (lo | IN_USE) && cn->hi == hi) break;
        if (!cn->lo) {
            if ((p->flags & (F_SYN | F_ACK | F_RST)) != F_SYN) {
                c->untracked++;
                return;
            }
            memset(cn, 0, sizeof *cn);
            cn->lo = lo | IN_USE;
            cn->hi = hi;
            cn->client_lo = (uint8_t)src_lo;
            cn->state = PC_SYN_SENT;
            cn->d[0].next_seq = p->seq + 1;
            return;
        }
    }
    int from = src_lo != cn->client_lo;
    plain_dir *s = &cn->d[from], *r = &cn->d[1 - from];
    if (p->flags & F_RST) {
        c->ended++;
        table_remove(t, i);
        return;
    }
    if (p->flags & F_SYN) {
        if (from == 1 && (p->flags & F_ACK) && cn->state == PC_SYN_SENT) {
            s->next_seq = p->seq + 1;
            cn->state = PC_SYN_RCVD;
        }
        return;
    }
    if (cn->state == PC_SYN_RCVD && from == 0 && (p->flags & F_ACK) && p->ack == r->next_seq) {
        cn->state = PC_ESTABLISHED;
        c->established++;
    }
    if (p->payload_len) {
        if (reassemble)
            deliver(s, p, c, from);
        else if (p->seq == s->next_seq)
            s->next_seq += p->payload_len;
    }
    if ((p->flags & F_FIN) && !s->fin) {
        s->fin = 1;
        s->fin_seq = p->seq + p->payload_len;
        if (s->next_seq == s->fin_seq) s->next_seq++;
    }
    if ((p->flags & F_ACK) && r->fin && !r->fin_acked && p->ack == r->fin_seq + 1) {
        r->fin_acked = 1;
        if (s->fin_acked) {
            c->ended++;
            table_remove(t, i);
        }
    }
}

/* The timed packet loop (callgrind: --toggle-collect=bench_loop). */
__attribute__((noinline)) void bench_loop(plain_tier tier, const uint8_t *buf, size_t len,
                                          plain_table *t, plain_counts *c);
__attribute__((noinline)) void bench_loop(plain_tier tier, const uint8_t *buf, size_t len,
                                          plain_table *t, plain_counts *c)
{
    size_t pos = 24, asked = 0; /* the generator writes little-endian microsecond pcap */
    plain_pkt p;
    while (pos + 16 <= len) {
        uint32_t caplen = le32(buf + pos + 8);
        const uint8_t *frame = buf + pos + 16;
        if (pos + 16 + caplen > len) break;
        if (tier == PLAIN_FULL_16K)
            for (; asked < pos + 16384 && asked < len; asked += 64)
                __builtin_prefetch(buf + asked);
        else
            __builtin_prefetch(frame + 4096);
        c->packets++;
        c->bytes += caplen;
        pos += 16 + (size_t)caplen;
        if (!plain_decode(frame, &p)) continue;
        c->tcp_ok++;
        c->payload_bytes += p.payload_len;
        if (tier == PLAIN_DECODE) {
            c->sink += p.seq ^ p.ack ^ p.window ^ p.tsval ^ p.flags;
            continue;
        }
        track(t, &p, tier != PLAIN_STATE, c);
    }
}

static int cross_check(plain_tier tier, const plain_counts *c, const truth *tr)
{
    int bad = check("packets", c->packets, tr->packets);
    bad += check("captured bytes", c->bytes, tr->captured_bytes);
    bad += check("TCP packets", c->tcp_ok, tr->packets);
    bad += check("payload bytes", c->payload_bytes, tr->payload_bytes);
    if (tier == PLAIN_DECODE) return bad;
    bad += check("connections established", c->established, tr->connections);
    bad += check("connections ended", c->ended, tr->connections);
    bad += check("packets of no connection", c->untracked, 0);
    if (tier == PLAIN_STATE) return bad;
    bad += check("frames c2s", c->frames[0], tr->frames_c2s);
    bad += check("frames s2c", c->frames[1], tr->frames_s2c);
    bad += check("stream bytes c2s", c->stream[0], tr->stream_c2s);
    bad += check("stream bytes s2c", c->stream[1], tr->stream_s2c);
    bad += check("segments out of order (not reassembled)", c->out_of_order, 0);
    return bad;
}

int main(int argc, char **argv)
{
    const char *tier_name = NULL, *capture = NULL, *truth_path = NULL;
    int repeat = 3;
    unsigned long max_conns = 65536; /* tcpsift's default max_connections */
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "bench_plain: %s needs a value\n", argv[i]);
            return 2;
        }
        const char *v = argv[i + 1];
        if (strcmp(argv[i], "--tier") == 0)
            tier_name = v;
        else if (strcmp(argv[i], "--capture") == 0)
            capture = v;
        else if (strcmp(argv[i], "--truth") == 0)
            truth_path = v;
        else if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(v);
        else if (strcmp(argv[i], "--max-conns") == 0)
            max_conns = strtoul(v, NULL, 10);
        else {
            fprintf(stderr, "bench_plain: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    int tier = -1;
    for (int k = 0; tier_name && k < 4; k++)
        if (strcmp(tier_name, plain_tier_names[k]) == 0) tier = k;
    if (tier < 0 || !capture || repeat < 1 || repeat > 1000 || max_conns < 1 ||
        max_conns > (1ul << 24)) {
        fprintf(stderr, "usage: bench_plain --tier plain-decode|plain-state|plain-full|"
                        "plain-full-16k --capture FILE [--truth FILE.json] [--repeat N] "
                        "[--max-conns N (1..16777216)]\n");
        return 2;
    }
    truth tr;
    load_truth(truth_path, &tr);
    size_t len = 0;
    int locked = 0;
    uint8_t *buf = load_capture(capture, &len, &locked);
    long rss_before = current_rss_kb();

    /* twice the connections, rounded up to a power of two: probes stay short */
    plain_table t;
    t.shift = 64;
    while (((size_t)1 << (64 - t.shift)) < 2 * max_conns) t.shift--;
    t.mask = ((size_t)1 << (64 - t.shift)) - 1;
    t.slot = calloc(t.mask + 1, sizeof *t.slot);
    double *times = calloc((size_t)repeat, sizeof *times);
    if (!t.slot || !times) return 2;
    plain_counts c;
    uint64_t sink = 0;
    int bad = 0;
    for (int r = 0; r < repeat && !bad; r++) {
        memset(&c, 0, sizeof c);
        memset(t.slot, 0, (t.mask + 1) * sizeof *t.slot);
        double t0 = now_ns();
        bench_loop((plain_tier)tier, buf, len, &t, &c);
        times[r] = now_ns() - t0;
        sink += c.sink;
        if (tr.loaded) bad += cross_check((plain_tier)tier, &c, &tr);
    }
    long peak = peak_rss_kb();
    if (bad) {
        fprintf(stderr, "bench_plain: tier %s FAILED the ground-truth cross-check on %s\n",
                plain_tier_names[tier], capture);
        free(times);
        free(t.slot);
        free(buf);
        return 3;
    }
    print_result_fields(plain_tier_names[tier], capture, c.packets, c.bytes, times, repeat, "wall",
                        peak, rss_before, locked, tr.loaded, c.frames[0] + c.frames[1]);
    printf(", \"sink\": %llu}\n", (unsigned long long)(sink & 0xff));
    free(times);
    free(t.slot);
    munlock(buf, len);
    free(buf);
    return 0;
}
