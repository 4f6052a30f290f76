/* Fuzz harness: connection tracker (tcpsift/tracker.h) with reassembly and
 * framing on, fed byte-exact IPv4/TCP frames built from structure-aware
 * records, so the fuzzer reaches deep connection states cheaply.
 *
 * Input:
 *   byte 0  bits 0-1 checksum policy (auto, verify, off, off); bit 2 reassembly
 *           mode acked; bit 3 framing on; bit 4 buffers_stable; bit 5
 *           reassembly caps small; bits 6-7 allocator fails every
 *           (never, never, 64, 512) allocations after create
 *   byte 1  bits 0-2 max_connections - 1 (1..8); bits 3-7 global reassembly
 *           cap (x 256 bytes, 0 = none)
 *   bytes 2-7  framer config (fuzz_framing.h); an invalid spec: framing off. Their
 *           low bits also pick the hostile-traffic policies: urgent policy
 *           (byte 2 ^ byte 7) & 3 (inline, oob, gap, oob); byte 3 TTL drop,
 *           bit 1 TCP signatures accepted (tcp_signature policy accept), bit 2
 *           records may carry a signature option (r7);
 *           byte 4 span duplicates (5 ms); byte 5 one-sided release at 64
 *           bytes; byte 6 a prefix table (the server /32 last, 10/8 bsd); byte 4
 *           bits 1-3 feed packets one by one (0) or in tcpsift_tracker_packets()
 *           batches of 1, 2, 3, 5, 8, 16, 17; byte 6 bits 1-2 streams rest after
 *           (1 s, never, 1 ns, 5 ms) idle, bit 3 a resting stream lets go of the
 *           bytes its peer acknowledged (rest_drops_acked)
 *   then 8-byte packet records:
 *     r0  bits 0-1 connection (client port 40000 + n); bit 2 direction
 *         (server to client); bit 3 bad TCP checksum; bits 4-7 options
 *         MSS, window scale, SACK-permitted, timestamps
 *     r1  TCP flags (FIN SYN RST PSH ACK URG ECE CWR)
 *     r2  seq: the sender's next sequence number + (int8_t)r2
 *     r3  ack: the peer's next sequence number + (int8_t)r3
 *     r4  payload length (x 8 when r7 bit 0)
 *     r5  window (r5 * 257)
 *     r6  time step: r6 ms, or (r6 & 0x7F) * 10 s when bit 7 (timeouts)
 *     r7  bit 1: a bad checksum holds the pseudo-header sum (offload
 *         pattern, for checksum policy auto); bits 2-7 payload salt, also
 *         the urgent pointer when URG is set; bit 7 also a TTL of 50, not 64;
 *         with byte 3 bit 2, bit 2 a signature option: TCP-MD5 (bit 3; left
 *         out when the other options leave no room) or TCP-AO (not judged:
 *         an unknown option)
 *   An odd number of records: tcpsift_tracker_advance_time() an hour past the last one
 *   before finish (every connection must then be reported, timed out).
 *   A segment's SYN and FIN each take one sequence number; the sender's next
 *   sequence number advances to the end of what it sent when that is beyond.
 *   Initial sequence numbers sit just below 2^32 so the streams wrap.
 *
 * Properties:
 *   - every decoded frame passes the decoder's own checks (fuzz_check.h);
 *   - tcpsift_tracker_packet / _packets return valid error codes (a batch:
 *     the first of its per-packet results);
 *   - on_conn_end exactly once per id, ids below stats.tcp_connections, and
 *     after finish every id has ended; no data, gap or frame callback for an
 *     id after its end;
 *   - at every moment the open connections (started - ended) fit
 *     max_connections;
 *   - a reported connection: states are valid enum values reachable from
 *     UNKNOWN through the state table (cells other than IMPOSSIBLE); end,
 *     proto, addresses, ports valid; history at most 31 letters of Zeek's
 *     alphabet; conn_state one of Zeek's; each endpoint's stream_bytes and
 *     gap_bytes equal the sums of its on_data / on_gap callbacks, and
 *     stream_bytes <= payload bytes it sent;
 *   - on_data / on_gap offsets are contiguous per direction in sequence
 *     space: under urgent policy oob an offset may jump past removed urgent
 *     bytes (neither data nor gap), which were delivered, so per endpoint
 *     stream_bytes + bytes jumped <= payload bytes sent; under inline and
 *     gap no jump at all (urgent_removed is no exact bound: an anomaly
 *     counts once per segment, and a removal while a connection is flushed
 *     at finish or eviction can share the last segment's count);
 *   - frames of a direction come in increasing offsets (fuzz_framing.h frame
 *     checks), in sequence space: a frame's first byte was delivered (or
 *     gapped) already or is the next one, offset <= the next data offset;
 *   - the allocator is balanced after destroy (no leak);
 *   - streams that rest change nothing (stream_rest.c): when the allocator
 *     never fails and streams rested, the input runs again with resting off,
 *     and every callback (a digest of their arguments and bytes) and every
 *     statistic must be the same; with rest_drops_acked too, but for the
 *     counts of overlap_mismatch and retransmission_unverified (a copy of
 *     bytes let go is not compared) and the figures of retained memory (peak,
 *     bytes copied), and only when no reassembly cap was hit (the memory let
 *     go can change that). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_framing.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/state.h"
#include "tcpsift/tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONN       4
#define MAX_IDS     1024
#define CONFIG_SIZE (2 + FUZZ_FRAMER_CONFIG_BYTES)
#define REC_SIZE    8

typedef struct counting_alloc {
    uint64_t current, allocs, frees;
    unsigned fail_every, calls;
    int failing;
} counting_alloc;

static void *ca_alloc(void *ctx, size_t size)
{
    counting_alloc *a = ctx;
    a->calls++;
    if (a->failing && a->fail_every && a->calls % a->fail_every == 0) return NULL;
    void *p = malloc(size ? size : 1);
    if (p == NULL) return NULL;
    a->current += size;
    a->allocs++;
    return p;
}

static void ca_free(void *ctx, void *p, size_t size)
{
    counting_alloc *a = ctx;
    if (p == NULL) return;
    FUZZ_CHECK(size <= a->current);
    a->current -= size;
    a->frees++;
    free(p);
}

typedef struct dir_model {
    uint64_t next;           /* next on_data/on_gap offset */
    uint64_t data, gaps;     /* sums of the callbacks */
    uint64_t jumped;         /* offsets skipped without a callback (urgent oob) */
    fuzz_frame_log frames;
} dir_model;

typedef struct id_model {
    uint8_t ended;
    dir_model dir[2];
} id_model;

typedef struct harness {
    id_model *ids; /* nids entries: at most one connection per packet */
    size_t nids;
    uint64_t ended;
    uint32_t max_connections;
    uint16_t reachable; /* bit per tcpsift_tcp_state */
    int oob;            /* urgent policy oob: offsets may jump past removed bytes */
    const tcpsift_tracker *t;
    uint64_t digest; /* FNV-1a of every callback's arguments and bytes */
    int copies_loose; /* rest_drops_acked: the digest leaves out the counts it can change */
} harness;

/* The anomalies whose counts rest_drops_acked changes: a copy of delivered bytes is compared
 * (a mismatch when it differs) or, once they are let go, counted unverified. */
static void copies_counts_clear(uint32_t *events)
{
    events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH] = 0;
    events[TCPSIFT_ANOMALY_RETRANSMISSION_UNVERIFIED] = 0;
}

/* The same in the tracker's totals, and the figures of retained memory: its peak, and the bytes
 * copied (a ring let go is not copied when the stream grows a new one). */
static void copies_totals_clear(tcpsift_tracker_stats *st)
{
    st->events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH] = 0;
    st->events[TCPSIFT_ANOMALY_RETRANSMISSION_UNVERIFIED] = 0;
    st->reasm_buffered_peak = 0;
    st->stream_copied_bytes = 0;
}

static void digest_mix(harness *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h->digest ^= b[i];
        h->digest *= 0x100000001b3ull;
    }
}

static void digest_u64(harness *h, uint64_t v) { digest_mix(h, &v, sizeof v); }

static id_model *live_id(harness *h, uint64_t id)
{
    FUZZ_CHECK(id < h->nids);
    FUZZ_CHECK(!h->ids[id].ended);
    return &h->ids[id];
}

/* Offsets are in sequence space: only a removed urgent byte (policy oob) is
 * neither data nor gap, so only then may the next offset jump ahead. */
static void advance_to(const harness *h, dir_model *d, uint64_t offset)
{
    if (!h->oob) {
        FUZZ_CHECK(offset == d->next);
        return;
    }
    FUZZ_CHECK(offset >= d->next);
    d->jumped += offset - d->next;
    d->next = offset;
}

static void on_data(void *ctx, uint64_t conn_id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *ptr, size_t len)
{
    harness *h = ctx;
    FUZZ_CHECK(dir == TCPSIFT_C2S || dir == TCPSIFT_S2C);
    FUZZ_CHECK(ptr != NULL || len == 0);
    dir_model *d = &live_id(h, conn_id)->dir[dir];
    advance_to(h, d, offset);
    d->next += len;
    d->data += len;
    digest_u64(h, 1);
    digest_u64(h, conn_id << 1 | (uint64_t)dir);
    digest_u64(h, offset);
    digest_u64(h, len);
    digest_mix(h, ptr, len);
}

static void on_gap(void *ctx, uint64_t conn_id, tcpsift_direction dir, uint64_t offset,
                   uint64_t len)
{
    harness *h = ctx;
    FUZZ_CHECK(dir == TCPSIFT_C2S || dir == TCPSIFT_S2C);
    dir_model *d = &live_id(h, conn_id)->dir[dir];
    advance_to(h, d, offset);
    d->next += len;
    d->gaps += len;
    digest_u64(h, 2);
    digest_u64(h, conn_id << 1 | (uint64_t)dir);
    digest_u64(h, offset);
    digest_u64(h, len);
}

static void on_frame(void *ctx, uint64_t conn_id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *frame)
{
    harness *h = ctx;
    FUZZ_CHECK(proto == 6);
    FUZZ_CHECK(dir == TCPSIFT_C2S || dir == TCPSIFT_S2C);
    dir_model *d = &live_id(h, conn_id)->dir[dir];
    /* on_data / on_gap run before the framer sees the same bytes */
    FUZZ_CHECK(frame->offset <= d->next);
    digest_u64(h, 3);
    digest_u64(h, conn_id << 1 | (uint64_t)dir);
    digest_u64(h, frame->offset);
    digest_u64(h, frame->len);
    digest_u64(h, (uint64_t)frame->part << 8 | (uint64_t)frame->error);
    for (size_t i = 0; i < frame->nsegs; i++) digest_mix(h, frame->segs[i].ptr, frame->segs[i].len);
    fuzz_log_frame(&d->frames, frame);
    /* the log's bytes are not needed here: keep memory flat */
    d->frames.len = 0;
}

static int zeek_state_known(const char *s)
{
    static const char *const states[] = {"S0",   "S1",     "SF",    "REJ", "S2",  "S3", "RSTO",
                                         "RSTR", "RSTOS0", "RSTRH", "SH",  "SHR", "OTH"};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(s, states[i]) == 0) return 1;
    return 0;
}

static void check_endpoint(const harness *h, const tcpsift_endpoint_info *e, const dir_model *d)
{
    FUZZ_CHECK((unsigned)e->state < TCPSIFT_ST_COUNT);
    FUZZ_CHECK(h->reachable >> e->state & 1);
    FUZZ_CHECK(e->stream_bytes == d->data);
    FUZZ_CHECK(e->gap_bytes == d->gaps);
    FUZZ_CHECK(e->stream_bytes <= e->bytes);
}

static void on_conn_end(void *ctx, const tcpsift_conn_info *c)
{
    harness *h = ctx;
    FUZZ_CHECK(c->proto == 6);
    id_model *m = live_id(h, c->id);
    FUZZ_CHECK(c->id < tcpsift_tracker_get_stats(h->t)->tcp_connections);
    m->ended = 1;
    h->ended++;
    FUZZ_CHECK(c->ip_version == 4);
    FUZZ_CHECK(c->client_addr != NULL && c->server_addr != NULL);
    FUZZ_CHECK(c->first_ns <= c->last_ns);
    FUZZ_CHECK(c->end <= TCPSIFT_END_SYN_UNANSWERED);
    FUZZ_CHECK(c->handshake <= 1 && c->direction_guessed <= 1 && c->rst_unconfirmed <= 1);
    FUZZ_CHECK(c->timed_out <= 1 && c->evicted <= 1);
    FUZZ_CHECK(c->events != NULL);
    FUZZ_CHECK(c->conn_state != NULL && zeek_state_known(c->conn_state));
    FUZZ_CHECK(c->history != NULL && strlen(c->history) <= TCPSIFT_HISTORY_MAX);
    for (const char *p = c->history; *p; p++)
        FUZZ_CHECK(strchr("SHADFRCGTWIQshadfrcgtwiq^", *p) != NULL);
    /* client and server are endpoints 40000+n and 80, whichever way round */
    FUZZ_CHECK((c->client_port == 80) != (c->server_port == 80));
    check_endpoint(h, &c->client, &m->dir[TCPSIFT_C2S]);
    check_endpoint(h, &c->server, &m->dir[TCPSIFT_S2C]);
    digest_u64(h, 4);
    digest_u64(h, c->id);
    const tcpsift_endpoint_info *side[2] = {&c->client, &c->server};
    for (int i = 0; i < 2; i++) {
        digest_u64(h, side[i]->state);
        digest_u64(h, side[i]->pkts);
        digest_u64(h, side[i]->bytes);
        digest_u64(h, side[i]->stream_bytes);
        digest_u64(h, side[i]->gap_bytes);
    }
    digest_u64(h, (uint64_t)c->end << 8 | c->completeness);
    digest_u64(h, (uint64_t)c->timed_out << 1 | c->evicted);
    digest_mix(h, c->history, strlen(c->history));
    digest_mix(h, c->conn_state, strlen(c->conn_state));
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
    memcpy(events, c->events, sizeof events);
    if (h->copies_loose) copies_counts_clear(events);
    digest_mix(h, events, sizeof events);
    /* A jump skips removed urgent bytes only: delivered, if not as data. */
    FUZZ_CHECK(c->client.stream_bytes + m->dir[TCPSIFT_C2S].jumped <= c->client.bytes);
    FUZZ_CHECK(c->server.stream_bytes + m->dir[TCPSIFT_S2C].jumped <= c->server.bytes);
    fuzz_log_free(&m->dir[0].frames);
    fuzz_log_free(&m->dir[1].frames);
}

/* States reachable from UNKNOWN (a fresh endpoint) through the table. */
static uint16_t reachable_states(void)
{
    uint16_t seen = 1u << TCPSIFT_ST_UNKNOWN;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int s = 0; s < TCPSIFT_ST_COUNT; s++) {
            if (!(seen >> s & 1)) continue;
            for (int e = 0; e < TCPSIFT_EV_COUNT; e++) {
                const tcpsift_state_transition *cell =
                    tcpsift_state_table_cell((tcpsift_tcp_state)s, (tcpsift_state_event)e);
                FUZZ_CHECK(cell != NULL && cell->next_state < TCPSIFT_ST_COUNT);
                if (cell->kind == TCPSIFT_CELL_IMPOSSIBLE) continue;
                if (!(seen >> cell->next_state & 1)) {
                    seen |= (uint16_t)(1u << cell->next_state);
                    changed = 1;
                }
            }
        }
    }
    return seen;
}

/* ------------------------------------------------------------ frames */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

typedef struct conn_model {
    uint32_t next[2]; /* next sequence number of client (0) and server (1) */
} conn_model;

/* Builds one IPv4/TCP frame; returns its length (buffer of 60 + 40 + 2040). */
static size_t build_frame(uint8_t *f, const uint8_t *r, conn_model *cm, unsigned conn,
                          int signing)
{
    int from = (r[0] >> 2) & 1;
    unsigned flags = r[1];
    uint32_t seq = cm->next[from] + (uint32_t)(int32_t)(int8_t)r[2];
    uint32_t ack = cm->next[1 - from] + (uint32_t)(int32_t)(int8_t)r[3];
    size_t len = (r[7] & 1) ? (size_t)r[4] * 8u : r[4];

    uint8_t opts[40];
    size_t olen = 0;
    if (r[0] & 0x10) { /* MSS */
        opts[olen++] = 2, opts[olen++] = 4, opts[olen++] = 0x05, opts[olen++] = 0xB4;
    }
    if (r[0] & 0x20) { /* window scale, padded with a NOP */
        opts[olen++] = 1, opts[olen++] = 3, opts[olen++] = 3, opts[olen++] = 7;
    }
    if (r[0] & 0x40) { /* SACK permitted */
        opts[olen++] = 1, opts[olen++] = 1, opts[olen++] = 4, opts[olen++] = 2;
    }
    if (r[0] & 0x80) { /* timestamps */
        opts[olen++] = 1, opts[olen++] = 1, opts[olen++] = 8, opts[olen++] = 10;
        put32(opts + olen, 1000u + r[6]);
        put32(opts + olen + 4, 500u);
        olen += 8;
    }
    if (signing && (r[7] & 4)) {
        if (!(r[7] & 8)) { /* TCP-AO: KeyID, RNextKeyID, a 4-byte MAC */
            opts[olen++] = 29, opts[olen++] = 8, opts[olen++] = 1, opts[olen++] = 1;
            put32(opts + olen, 0xA0A0A0A0u ^ r[6]);
            olen += 4;
        } else if (olen + 20 <= sizeof opts) { /* TCP-MD5: a 16-byte digest, two NOPs */
            opts[olen++] = 19, opts[olen++] = 18;
            memset(opts + olen, r[6], 16);
            olen += 16;
            opts[olen++] = 1, opts[olen++] = 1;
        }
    }
    size_t thl = 20 + olen, total = 20 + thl + len;

    uint8_t *ip = f, *tcp = f + 20;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)total);
    put16(ip + 4, 1);
    ip[6] = 0x40; /* DF */
    ip[8] = (r[7] & 0x80) ? 50 : 64; /* salt bit 7: a TTL 14 below the usual (outlier) */
    ip[9] = 6;
    const uint8_t client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
    memcpy(ip + 12, from ? server : client, 4);
    memcpy(ip + 16, from ? client : server, 4);
    put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, 20)));

    uint16_t cport = (uint16_t)(40000u + conn), sport = 80;
    put16(tcp, from ? sport : cport);
    put16(tcp + 2, from ? cport : sport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)(thl / 4) << 4;
    tcp[13] = (uint8_t)flags;
    put16(tcp + 14, r[5] * 257u);
    put16(tcp + 16, 0);
    put16(tcp + 18, (flags & 0x20) ? (uint32_t)(r[7] >> 2) : 0u); /* URG: pointer = salt */
    memcpy(tcp + 20, opts, olen);
    uint8_t salt = (uint8_t)(r[7] >> 2);
    for (size_t i = 0; i < len; i++)
        tcp[thl + i] = (uint8_t)((seq + (uint32_t)i) * 31u + salt + (uint32_t)from * 7u);

    uint32_t pseudo = csum_add(0, ip + 12, 8) + 6u + (uint32_t)(thl + len);
    uint16_t sum = (uint16_t)~csum_fold(csum_add(pseudo, tcp, thl + len));
    if (r[0] & 0x08) sum = (r[7] & 2) ? csum_fold(pseudo) : (uint16_t)(sum ^ 0x1234u);
    put16(tcp + 16, sum);

    /* the sender's next sequence number: SYN and FIN take one each */
    uint32_t end = seq + (uint32_t)len + ((flags & 2) ? 1u : 0u) + ((flags & 1) ? 1u : 0u);
    if ((int32_t)(end - cm->next[from]) > 0) cm->next[from] = end;
    return total;
}

/* One run of the input, streams resting after `rest_ns` idle: 0 when it did not run (too
 * short, or the harness's own memory ran out); else 1, its callbacks' digest, its statistics,
 * the streams it rested, and whether the allocator was set to fail. */
typedef struct run_result {
    uint64_t digest, rested;
    tcpsift_tracker_stats stats;
    int allocator_fails;
} run_result;

static int run_input(const uint8_t *data, size_t size, uint64_t rest_ns, int drops_acked,
                     run_result *out)
{
    if (size < CONFIG_SIZE) return 0;
    static const tcpsift_checksum_policy policies[4] = {
        TCPSIFT_CHECKSUM_AUTO, TCPSIFT_CHECKSUM_VERIFY, TCPSIFT_CHECKSUM_OFF,
        TCPSIFT_CHECKSUM_OFF};
    static const unsigned fail_every[4] = {0, 0, 64, 512};

    size_t nrec = (size - CONFIG_SIZE) / REC_SIZE;
    if (nrec > MAX_IDS) nrec = MAX_IDS;
    harness *h = calloc(1, sizeof *h);
    if (h == NULL) return 0;
    h->nids = nrec;
    h->ids = calloc(nrec ? nrec : 1, sizeof *h->ids);
    if (h->ids == NULL) {
        free(h);
        return 0;
    }
    h->reachable = reachable_states();
    h->digest = 0xcbf29ce484222325ull;
    h->copies_loose = drops_acked;

    counting_alloc a;
    memset(&a, 0, sizeof a);
    a.fail_every = fail_every[data[0] >> 6];
    tcpsift_allocator alloc = {ca_alloc, ca_free, &a};

    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.max_connections = (data[1] & 7u) + 1u;
    /* Half-open connections live in their own small pool (embryos). */
    cfg.embryo_capacity = (data[1] & 7u) / 2u;
    h->max_connections = cfg.max_connections + cfg.embryo_capacity;
    cfg.checksums = policies[data[0] & 3];
    cfg.reassemble = 1;
    cfg.reasm.mode = (data[0] & 4) ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL;
    if (data[0] & 0x20) {
        cfg.reasm.max_buffered_bytes = 2048;
        cfg.reasm.max_segments = 4;
        cfg.reasm.max_retained_bytes = 64;
    }
    cfg.reasm_global_cap = (uint64_t)(data[1] >> 3) * 256u;
    char spec[160];
    cfg.framing = (data[0] & 8) && fuzz_framer_config(data + 2, -1, &cfg.framer, spec,
                                                      sizeof spec);
    cfg.buffers_stable = (data[0] & 0x10) != 0;
    /* Hostile-traffic policies (issue 8), from the framer bytes' low bits. */
    static const tcpsift_urgent_policy urgent[4] = {TCPSIFT_URGENT_INLINE, TCPSIFT_URGENT_OOB,
                                                    TCPSIFT_URGENT_GAP, TCPSIFT_URGENT_OOB};
    cfg.urgent = urgent[(data[2] ^ data[7]) & 3];
    h->oob = cfg.urgent == TCPSIFT_URGENT_OOB;
    cfg.ttl_policy = (data[3] & 1) ? TCPSIFT_TTL_DROP : TCPSIFT_TTL_FLAG;
    cfg.tcp_signature = (data[3] & 2) ? TCPSIFT_TCP_SIGNATURE_ACCEPT : TCPSIFT_TCP_SIGNATURE_HOST;
    cfg.duplicate_window_ns = (data[4] & 1) ? 5000000u : 0u;
    if (data[5] & 1) cfg.one_sided_release_bytes = 64;
    tcpsift_overlap_prefix rows[2];
    if (data[6] & 1 && tcpsift_overlap_prefix_parse("10.0.0.2/32=last", &rows[0]) == TCPSIFT_OK &&
        tcpsift_overlap_prefix_parse("10.0.0.0/8=bsd", &rows[1]) == TCPSIFT_OK) {
        cfg.overlap_prefixes = rows;
        cfg.overlap_prefix_count = 2;
    }
    cfg.stream_rest_ns = rest_ns;
    cfg.rest_drops_acked = drops_acked;
    cfg.allocator = &alloc;
    cfg.cb.on_conn_end = on_conn_end;
    cfg.cb.on_data = on_data;
    cfg.cb.on_gap = on_gap;
    cfg.cb.on_frame = on_frame;
    cfg.cb.ctx = h;

    tcpsift_tracker *t = NULL;
    if (tcpsift_tracker_create(&cfg, &t) != TCPSIFT_OK) {
        FUZZ_CHECK(a.current == 0);
        free(h->ids);
        free(h);
        return 0;
    }
    h->t = t;
    a.failing = 1;

    /* buffers_stable: every frame stays valid until the tracker is done */
    uint8_t **kept = cfg.buffers_stable ? calloc(nrec ? nrec : 1, sizeof *kept) : NULL;
    if (cfg.buffers_stable && kept == NULL) {
        tcpsift_tracker_destroy(t);
        free(h->ids);
        free(h);
        return 0;
    }
    conn_model cm[NCONN];
    for (unsigned i = 0; i < NCONN; i++) {
        cm[i].next[0] = UINT32_MAX - 200u - 4096u * i;
        cm[i].next[1] = UINT32_MAX - 1000u - 4096u * i;
    }
    int64_t now = INT64_C(1700000000) * 1000000000;
    uint8_t frame[20 + 60 + 255 * 8];
    /* One tcpsift_tracker_packet() call per packet, or tcpsift_tracker_packets() batches. */
    static const size_t batch_sizes[8] = {0, 1, 2, 3, 5, 8, 16, 17};
    size_t batch = batch_sizes[(data[4] >> 1) & 7];
    tcpsift_packet pkts[17];
    int64_t when[17];
    uint8_t *bufs[17];
    tcpsift_error results[17];
    size_t pending = 0, nkept = 0;
    for (size_t k = 0; k < nrec; k++) {
        const uint8_t *r = data + CONFIG_SIZE + k * REC_SIZE;
        unsigned conn = r[0] & 3u;
        size_t n = build_frame(frame, r, &cm[conn], conn, (data[3] & 4) != 0);
        uint8_t *buf = malloc(n);
        if (buf == NULL) break;
        memcpy(buf, frame, n);
        now += (r[6] & 0x80) ? (int64_t)(r[6] & 0x7F) * 10 * 1000000000 : (int64_t)r[6] * 1000000;

        tcpsift_packet *pkt = &pkts[pending];
        tcpsift_error ret = tcpsift_packet_decode(pkt, TCPSIFT_LINK_RAW, buf, n, n);
        fuzz_check_packet(pkt, ret, buf, n, n);
        FUZZ_CHECK(ret == TCPSIFT_OK);
        when[pending] = now;
        bufs[pending] = buf;
        pending++;
        if (batch == 0) {
            ret = tcpsift_tracker_packet(t, pkt, now);
            fuzz_check_error(ret);
        } else if (pending == batch || k + 1 == nrec) {
            ret = tcpsift_tracker_packets(t, pkts, when, pending, results);
            fuzz_check_error(ret);
            tcpsift_error first = TCPSIFT_OK;
            for (size_t i = 0; i < pending; i++) {
                fuzz_check_error(results[i]);
                if (first == TCPSIFT_OK) first = results[i];
            }
            FUZZ_CHECK(ret == first);
        } else {
            continue; /* the packet waits for its batch */
        }

        const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(t);
        FUZZ_CHECK(st->tcp_connections <= k + 1);
        FUZZ_CHECK(h->ended <= st->tcp_connections);
        FUZZ_CHECK(st->tcp_connections - h->ended <= h->max_connections);
        FUZZ_CHECK(st->packets == k + 1);
        FUZZ_CHECK(st->udp_flows == 0);
        for (size_t i = 0; i < pending; i++) {
            if (kept) kept[nkept++] = bufs[i];
            else free(bufs[i]);
        }
        pending = 0;
    }
    /* A malloc failure above ends the input early: what waits is still processed. */
    if (pending > 0) {
        fuzz_check_error(tcpsift_tracker_packets(t, pkts, when, pending, NULL));
        for (size_t i = 0; i < pending; i++) {
            if (kept) kept[nkept++] = bufs[i];
            else free(bufs[i]);
        }
    }
    /* Inputs with an odd number of records end as a live capture's timer would: time moved an
     * hour past the last packet (every timeout is shorter), so every connection is reported
     * now, once, timed out, and finish has none left. */
    if (nrec & 1) {
        tcpsift_tracker_advance_time(t, now + INT64_C(3600) * 1000000000);
        const tcpsift_tracker_stats *sa = tcpsift_tracker_get_stats(t);
        FUZZ_CHECK(h->ended == sa->tcp_connections);
    }
    tcpsift_tracker_finish(t);
    const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(t);
    FUZZ_CHECK(h->ended == st->tcp_connections);
    FUZZ_CHECK(st->evicted + st->timed_out <= h->ended);
    out->digest = h->digest;
    out->stats = *st;
    out->rested = st->streams_rested;
    /* the only figures resting may change */
    out->stats.streams_rested = out->stats.streams_woken = 0;
    out->allocator_fails = a.fail_every != 0;
    tcpsift_tracker_destroy(t);
    FUZZ_CHECK(a.current == 0 && a.allocs == a.frees);
    if (kept) {
        for (size_t k = 0; k < nkept; k++) free(kept[k]);
        free(kept);
    }
    for (size_t i = 0; i < h->nids; i++) {
        fuzz_log_free(&h->ids[i].dir[0].frames);
        fuzz_log_free(&h->ids[i].dir[1].frames);
    }
    free(h->ids);
    free(h);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < CONFIG_SIZE) return 0;
    static const uint64_t rest_after[4] = {1000000000u, 0, 1, 5000000u};
    int drops_acked = (data[6] >> 3) & 1;
    run_result first, second;
    if (!run_input(data, size, rest_after[(data[6] >> 1) & 3], drops_acked, &first)) return 0;
    if (first.allocator_fails || first.rested == 0) return 0;
    if (!run_input(data, size, 0, drops_acked, &second)) return 0;
    FUZZ_CHECK(second.rested == 0);
    if (drops_acked) {
        if (first.stats.memcap_hits || second.stats.memcap_hits) return 0;
        copies_totals_clear(&first.stats);
        copies_totals_clear(&second.stats);
    }
    FUZZ_CHECK(first.digest == second.digest);
    FUZZ_CHECK(memcmp(&first.stats, &second.stats, sizeof first.stats) == 0);
    return 0;
}
