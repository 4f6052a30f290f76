/* Fuzz harness: the IP fragment pool (tcpsift/defrag.h) fed a fragment sequence.
 *
 * Input: byte 0 configures the pool: bits 0-2 the overlap handling (7: DISCARD, the default;
 * 0-6: RESOLVE with that tcpsift_overlap_policy), bit 3
 * reject_tiny, bits 4-7 max_datagrams - 1. Then 6-byte records, one fragment each:
 *   r[0] bit 0 IPv6, bit 1 more fragments, bits 2-3 identification (0-3), bits 4-7 seconds
 *        since the previous fragment (packet time, drives the timeout; 15: 20 s back, as
 *        merged captures step back);
 *   r[1..2] fragment offset in 8-byte units (13 bits used);
 *   r[3] data length; r[4] first data byte (then +1 per byte); r[5] protocol / next header.
 * Each fragment is built as a bare IP packet in an exactly-sized buffer, decoded
 * (TCPSIFT_LINK_RAW) and fed. Properties: the pool never holds more than its memory cap nor
 * more datagrams than allowed; a reassembled datagram is an IP packet the decoder takes whole,
 * whose views stay inside it; every allocation is given back by destroy; each byte of a
 * reassembled datagram's payload that is checked (its first and last, and the first and last of
 * every fragment of its key, up to 64) is a byte some fragment of that key carried at that
 * offset (every data byte is r[4] + its index, so a byte moved, changed or invented shows). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "tcpsift/decode.h"
#include "tcpsift/defrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEMORY_CAP (96u * 1024u)

typedef struct counting {
    size_t live;
} counting;

static void *count_alloc(void *ctx, size_t n)
{
    void *p = malloc(n);
    if (p) ((counting *)ctx)->live += n;
    return p;
}

static void count_free(void *ctx, void *p, size_t n)
{
    ((counting *)ctx)->live -= n;
    free(p);
}

static size_t build(uint8_t *out, const uint8_t *r)
{
    int v6 = r[0] & 1, more = (r[0] >> 1) & 1;
    uint16_t off8 = (uint16_t)(((r[1] << 8) | r[2]) & 0x1FFF);
    size_t len = r[3], at;
    uint8_t id = (uint8_t)((r[0] >> 2) & 3);
    if (!v6) {
        size_t total = 20 + len;
        const uint8_t h[20] = {0x45, 0, (uint8_t)(total >> 8), (uint8_t)total, 0, id,
                               (uint8_t)((more ? 0x20 : 0) | off8 >> 8), (uint8_t)off8, 64, r[5],
                               0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
        memcpy(out, h, 20);
        at = 20;
    } else {
        size_t payload = 8 + len;
        memset(out, 0, 48);
        out[0] = 0x60;
        out[4] = (uint8_t)(payload >> 8);
        out[5] = (uint8_t)payload;
        out[6] = 44;
        out[7] = 64;
        out[23] = 1;
        out[39] = 2;
        out[40] = r[5];
        out[42] = (uint8_t)(off8 >> 5);
        out[43] = (uint8_t)((off8 << 3) | (more ? 1 : 0));
        out[47] = id;
        at = 48;
    }
    for (size_t i = 0; i < len; i++) out[at + i] = (uint8_t)(r[4] + i);
    return at + len;
}

/* A fragment fed: its datagram key (the addresses are fixed) and its bytes' rule. */
typedef struct fed_fragment {
    uint8_t v6, id, proto;
    uint8_t first; /* data byte i is first + i */
    uint32_t off, len;
} fed_fragment;

typedef struct fed_log {
    fed_fragment f[4096 / 6 + 1];
    size_t n;
} fed_log;

/* Whether some fragment of key k carried `value` at payload offset o. */
static int carried(const fed_log *log, const fed_fragment *k, uint32_t o, uint8_t value)
{
    for (size_t i = 0; i < log->n; i++) {
        const fed_fragment *f = &log->f[i];
        if (f->v6 != k->v6 || f->id != k->id || (!k->v6 && f->proto != k->proto)) continue;
        if (o >= f->off && o - f->off < f->len && (uint8_t)(f->first + (o - f->off)) == value)
            return 1;
    }
    return 0;
}

static void check_payload(const fed_log *log, const fed_fragment *k, const tcpsift_bytes *dg)
{
    size_t hdr = k->v6 ? 40 : 20; /* build() puts nothing between the IP and fragment headers */
    FUZZ_CHECK(dg->len > hdr);
    uint32_t plen = (uint32_t)(dg->len - hdr);
    uint32_t at[64];
    size_t n = 0;
    at[n++] = 0;
    at[n++] = plen - 1;
    for (size_t i = 0; i < log->n && n + 2 <= 64; i++) {
        const fed_fragment *f = &log->f[i];
        if (f->v6 != k->v6 || f->id != k->id || f->len == 0) continue;
        if (f->off < plen) at[n++] = f->off;
        if (f->off + f->len - 1 < plen) at[n++] = f->off + f->len - 1;
    }
    for (size_t i = 0; i < n; i++) FUZZ_CHECK(carried(log, k, at[i], dg->ptr[hdr + at[i]]));
}

static void check_datagram(const tcpsift_bytes *dg)
{
    FUZZ_CHECK(dg->len >= 20 && dg->len <= 65535 + 40);
    uint8_t *copy = malloc(dg->len);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, dg->ptr, dg->len);
    tcpsift_packet pkt;
    tcpsift_error err = tcpsift_packet_decode(&pkt, TCPSIFT_LINK_RAW, copy, dg->len, dg->len);
    fuzz_check_error(err);
    FUZZ_CHECK(pkt.layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6));
    /* The pool takes an IPv6 first fragment whose extension header runs past it when Linux does
     * (it cannot read the header's length: e2e443b4); the datagram's fuzzed chain may then be
     * one the decoder stops in (bad_ipv6_ext_header, ...), before any upper layer. */
    int chain_error = pkt.error == TCPSIFT_E_BAD_IPV6_EXT_HEADER ||
                      pkt.error == TCPSIFT_E_TRUNCATED_IPV6_EXT_HEADER ||
                      pkt.error == TCPSIFT_E_IPV6_EXT_CHAIN_TOO_LONG;
    if (pkt.encap_count == 0 && !chain_error) {
        FUZZ_CHECK(!(pkt.layers & TCPSIFT_LAYER_FRAGMENT));
        /* The rebuilt header declares exactly the bytes handed out. */
        FUZZ_CHECK(pkt.l4_offset + pkt.l4_length == dg->len);
    } else {
        /* The datagram carries a tunnel (its protocol bytes are fuzzed: IP-in-IP, GRE, ...):
         * the packet's fields and layers then describe the innermost datagram, which may
         * itself be a fragment. The decoder enters a tunnel only from a whole datagram, so
         * the outer one was not; its rebuilt header is checked byte by byte (so is one whose
         * chain the decoder stopped in). */
        if ((copy[0] >> 4) == 4) {
            FUZZ_CHECK((copy[6] & 0x3F) == 0 && copy[7] == 0); /* MF clear, offset 0 */
            FUZZ_CHECK((size_t)(copy[2] << 8 | copy[3]) == dg->len);
        } else {
            FUZZ_CHECK((copy[0] >> 4) == 6);
            FUZZ_CHECK((size_t)(copy[4] << 8 | copy[5]) + 40 == dg->len);
        }
    }
    FUZZ_CHECK(fuzz_inside(copy, dg->len, pkt.payload.ptr, pkt.payload.len));
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    counting cnt = {0};
    tcpsift_allocator a = {count_alloc, count_free, &cnt};
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    unsigned overlap = data[0] & 7u;
    cfg.overlap = overlap == 7 ? TCPSIFT_DEFRAG_DISCARD : TCPSIFT_DEFRAG_RESOLVE;
    cfg.policy = (tcpsift_overlap_policy)(overlap % TCPSIFT_OVERLAP_COUNT_);
    cfg.reject_tiny = (data[0] >> 3) & 1;
    cfg.max_datagrams = 1u + (data[0] >> 4);
    cfg.memory_cap = MEMORY_CAP;
    cfg.allocator = &a;
    tcpsift_defrag *d = NULL;
    FUZZ_CHECK(tcpsift_defrag_create(&cfg, &d) == TCPSIFT_OK);
    size_t fixed = cnt.live;
    int64_t now = 0;
    static fed_log log;
    log.n = 0;
    for (size_t at = 1; at + 6 <= size; at += 6) {
        const uint8_t *r = data + at;
        unsigned step = r[0] >> 4;
        now += step == 15 ? -20 * 1000000000LL : (int64_t)step * 1000000000LL;
        uint8_t frame[48 + 255];
        size_t n = build(frame, r);
        uint8_t *exact = malloc(n);
        FUZZ_CHECK(exact != NULL);
        memcpy(exact, frame, n);
        tcpsift_packet pkt;
        tcpsift_packet_decode(&pkt, TCPSIFT_LINK_RAW, exact, n, n);
        if (pkt.layers & TCPSIFT_LAYER_FRAGMENT) {
            fed_fragment *k = &log.f[log.n++];
            k->v6 = r[0] & 1;
            k->id = (uint8_t)((r[0] >> 2) & 3);
            k->proto = r[5];
            k->first = r[4];
            k->off = (uint32_t)(((r[1] << 8) | r[2]) & 0x1FFF) * 8;
            k->len = r[3];
            tcpsift_bytes dg;
            int overlapped = 0;
            tcpsift_error err = tcpsift_defrag_feed(d, &pkt, now, &dg, &overlapped);
            fuzz_check_error(err);
            if (err != TCPSIFT_OK) FUZZ_CHECK(dg.ptr == NULL);
            if (dg.ptr) {
                check_datagram(&dg);
                check_payload(&log, k, &dg);
            }
        }
        free(exact);
        const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(d);
        FUZZ_CHECK(s->memory <= cfg.memory_cap);
        FUZZ_CHECK(cnt.live - fixed == s->memory);
        FUZZ_CHECK(s->in_progress <= cfg.max_datagrams);
        FUZZ_CHECK(s->conflicts <= s->overlaps);
        FUZZ_CHECK(s->discarded + s->duplicates <= s->overlaps);
        if (cfg.overlap == TCPSIFT_DEFRAG_RESOLVE) FUZZ_CHECK(s->discarded + s->duplicates == 0);
    }
    tcpsift_defrag_destroy(d);
    FUZZ_CHECK(cnt.live == 0);
    return 0;
}
