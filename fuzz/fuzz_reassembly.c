/* Fuzz harness: TCP stream reassembly (tcpsift/reassembly.h) against a plain
 * byte-map reference model.
 *
 * Input:
 *   byte 0,1  ISN = 2^32 - 1 - (b0 * 16 + (b1 & 15)): within 4 KiB of the wrap,
 *             so a few segments cross it.
 *   byte 1    bits 4-5: retention ring (0, 16, 1000, 64 KiB bytes; without
 *             stable buffers the ring grows: 256, 512, then 1000);
 *             bits 6-7: allocator fails every (4, 16, never, never) allocations;
 *             3 also declares stable buffers (every segment's bytes are kept
 *             until the end, so retained views stay valid)
 *   byte 2    bit 0 mode (0 on_arrival, 1 acked); bits 1-3 policy (% 7);
 *             bit 4 shared budget; bits 5-7 budget cap (x 512 bytes, 0 = none)
 *   byte 3    bits 0-3 max_segments (0 = none); bits 4-7 max_buffered_bytes
 *             (x 256 bytes, 0 = none)
 *   then 4-byte records:
 *     r0  bits 0-1: 3 = ACK, else a segment; bit 2 SYN, 3 FIN, 4 RST,
 *         bit 5 conflicting copy (payload bytes differ from the
 *         deterministic ones), bit 6 truncated (wire_len > len),
 *         bit 7 backward: start = last_end - r1, else last_end + r1
 *     r1  distance
 *     r2,r3  length = r2 | (r3 & 3) << 8; r3 >> 2: truncated extra bytes
 *   ACK record: ack = highest end seen - 128 + r1 (+ r2 * 256 when bit 7).
 * Positions are "rel" = sequence number - (ISN + 1). A byte's payload is a
 * function of its sequence number, so every non-conflicting copy of a range
 * carries equal bytes. A SYN segment's sequence number is one before its data.
 *
 * Properties:
 *   - on_data and on_gap ranges are contiguous from offset 0, never overlap;
 *   - a copied == 0 view lies inside the segment being fed;
 *   - every delivered byte was sent in a non-RST segment (delivered bytes
 *     never exceed bytes seen), and equals the reference byte-map wherever no
 *     conflicting copy of that sequence number was ever sent;
 *   - every delivered byte is the value of the copy the overlap policy makes hold it
 *     (reassembly.h), both modes: per byte the model keeps its holder; a copy arriving while
 *     the byte is held (not yet delivered) with a different value takes it when the policy's
 *     pairwise rule (Novak & Sturges, as Suricata applies them), on the two copies' original
 *     bounds, lets the new copy win; in acked mode under an OS policy never for a byte in the
 *     receiver's queue (held copies contiguous from the delivery point when the copy came).
 *     The bytes of a segment that hit a cap are not judged: which copies it was compared
 *     with depends on what the cap released first;
 *   - stats.delivered_bytes / gap_bytes equal the callbacks' sums;
 *   - tcpsift_reasm_check() after every call; the stream's base sequence
 *     number never changes once set (ISN + 1 when the first segment is a SYN);
 *   - memory counted by a test allocator equals stats.memory_bytes and never
 *     exceeds max_buffered_bytes or the budget cap;
 *   - finish() releases everything (allocator balance zero). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "tcpsift/reassembly.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model's per-byte loops need no coverage feedback of their own (it only
 * slows the fuzzer down): clang >= 13 can leave them uninstrumented. */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(no_sanitize_coverage)
#define MODEL_LOOP __attribute__((no_sanitize_coverage, noinline))
#endif
#endif
#ifndef MODEL_LOOP
#define MODEL_LOOP
#endif

/* Reference byte-map: rel positions [-RANGE_NEG, range_pos), range_pos sized
 * by the input (a record moves at most 255 + 1023 + 64 bytes forward) and
 * capped at RANGE_POS_MAX (records beyond are skipped). */
#define RANGE_NEG     4096
#define RANGE_POS_MAX (256 * 1024)

typedef struct counting_alloc {
    uint64_t current, peak, allocs, frees;
    unsigned fail_every, calls;
} counting_alloc;

static void *ca_alloc(void *ctx, size_t size)
{
    counting_alloc *a = ctx;
    a->calls++;
    if (a->fail_every && a->calls % a->fail_every == 0) return NULL;
    void *p = malloc(size ? size : 1);
    if (p == NULL) return NULL;
    a->current += size;
    if (a->current > a->peak) a->peak = a->current;
    a->allocs++;
    return p;
}

static void ca_free(void *ctx, void *p, size_t size)
{
    counting_alloc *a = ctx;
    FUZZ_CHECK(p != NULL);
    FUZZ_CHECK(size <= a->current);
    a->current -= size;
    a->frees++;
    free(p);
}

/* A captured copy: its data bytes [start, end) in rel positions, and whether they conflict. */
typedef struct copy_info {
    int64_t start, end;
    int conflicting;
} copy_info;

typedef struct model {
    uint32_t isn;
    /* The overlap oracle: per position, the copy holding it (1-based into `copies`, 0 none)
     * and whether it is judged (0 after a cap hit on a copy of it). In acked mode under an OS
     * policy, queue_end: the end (rel) of the held copies contiguous from the delivery point,
     * the receiver's queue, which later copies never replace. */
    int judge;
    int queue_rule;
    tcpsift_overlap_policy policy;
    uint32_t *holder;
    uint8_t *unjudged;
    int64_t queue_end;
    copy_info *copies;
    size_t ncopies;
    int64_t cur_start, cur_end; /* the segment being fed (its captured data) */
    uint8_t *sent;     /* 1: a non-RST segment captured this byte */
    uint8_t *conflict; /* 1: a conflicting copy of this byte was sent */
    int64_t range_pos;
    uint64_t next;     /* next offset expected from on_data/on_gap */
    uint64_t delivered, gaps;
    const tcpsift_reasm *r;
    const uint8_t *seg; /* segment being fed (views must point into it) */
    size_t seg_len;
} model;

MODEL_LOOP static uint8_t gen_byte(uint32_t seq)
{
    uint32_t x = seq * 2654435761u;
    return (uint8_t)(x >> 24 ^ x >> 11);
}

MODEL_LOOP static int rel_index(const model *m, uint32_t seq, size_t *idx)
{
    int64_t rel = (int64_t)(int32_t)(seq - (m->isn + 1u));
    if (rel < -RANGE_NEG || rel >= m->range_pos) return 0;
    *idx = (size_t)(rel + RANGE_NEG);
    return 1;
}

/* The pairwise rule of each policy, as reassembly.h states it (written here from that
 * text, not taken from the library): does the new copy [ns,ne) replace the held [os,oe)? */
static int policy_new_wins(tcpsift_overlap_policy p, int64_t ns, int64_t ne, int64_t os,
                           int64_t oe)
{
    switch (p) {
    case TCPSIFT_OVERLAP_LAST: return 1;
    case TCPSIFT_OVERLAP_BSD:
    case TCPSIFT_OVERLAP_WINDOWS: return ns < os; /* only a copy that begins earlier */
    case TCPSIFT_OVERLAP_LINUX: return ns < os || (ns == os && ne > oe);
    case TCPSIFT_OVERLAP_OLD_LINUX: return ns < os || (ns == os && ne >= oe);
    case TCPSIFT_OVERLAP_SOLARIS: return ne > oe || (ne == oe && ns <= os);
    case TCPSIFT_OVERLAP_FIRST:
    case TCPSIFT_OVERLAP_COUNT_: break;
    }
    return 0; /* FIRST: what is held stays */
}

MODEL_LOOP static void check_bytes(const model *m, uint64_t offset, const uint8_t *ptr, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint32_t seq = m->r->state.base_seq + (uint32_t)(offset + i);
        size_t idx;
        /* Every byte we send lies inside the model's range. */
        FUZZ_CHECK(rel_index(m, seq, &idx));
        FUZZ_CHECK(m->sent[idx]);
        if (!m->conflict[idx]) FUZZ_CHECK(ptr[i] == gen_byte(seq));
        if (m->judge && m->holder[idx] && !m->unjudged[idx]) {
            const copy_info *h = &m->copies[m->holder[idx] - 1];
            FUZZ_CHECK(ptr[i] == (uint8_t)(gen_byte(seq) ^ (h->conflicting ? 0x5B : 0)));
        }
    }
}

/* A captured copy [start, start+len) arrives: it takes the positions still held where it
 * differs from their holder and the policy lets it win (outside the receiver's queue), and
 * the positions no copy holds. */
MODEL_LOOP static void note_copy(model *m, int64_t start, size_t len, int conflicting)
{
    if (!m->judge) return;
    copy_info *c = &m->copies[m->ncopies++];
    c->start = start;
    c->end = start + (int64_t)len;
    c->conflicting = conflicting;
    const tcpsift_reasm_state *st = &m->r->state;
    int64_t next_rel = INT64_MIN, base_rel = INT64_MIN; /* nothing delivered before the base */
    if (st->have_base) {
        base_rel = (int64_t)(int32_t)(st->base_seq - (m->isn + 1u));
        next_rel = base_rel + (int64_t)m->next;
    }
    int64_t end = c->end;
    if (st->have_fin && end > base_rel + (int64_t)st->fin_offset) /* trimmed at the FIN */
        end = base_rel + (int64_t)st->fin_offset;
    int64_t queue_end = next_rel;
    if (m->queue_rule && st->have_base) {
        /* Held bytes only leave the model by delivery (next moves past them): the run grows. */
        if (m->queue_end < next_rel) m->queue_end = next_rel;
        while (m->queue_end < m->range_pos && m->holder[m->queue_end + RANGE_NEG]) m->queue_end++;
        queue_end = m->queue_end;
    }
    /* A copy's bounds as the stream knows them: offsets below the base are clamped to it. */
#define CLAMP(x) ((x) < base_rel ? base_rel : (x))
    for (int64_t rel = start; rel < end; rel++) {
        if (rel < next_rel) continue; /* delivered: compared, never replaced */
        size_t idx = (size_t)(rel + RANGE_NEG);
        uint32_t h = m->holder[idx];
        if (h == 0) {
            m->holder[idx] = (uint32_t)m->ncopies;
            continue;
        }
        const copy_info *o = &m->copies[h - 1];
        if (o->conflicting == conflicting || rel < queue_end) continue; /* the same bytes / queued */
        if (policy_new_wins(m->policy, CLAMP(c->start), CLAMP(c->end), CLAMP(o->start),
                            CLAMP(o->end)))
            m->holder[idx] = (uint32_t)m->ncopies;
    }
#undef CLAMP
    m->cur_start = c->start;
    m->cur_end = c->end;
}

/* A cap made room by releasing held bytes before this segment was compared with them: its
 * positions are not judged (marked before any of them is delivered). */
MODEL_LOOP static void cap_hit(model *m)
{
    for (int64_t rel = m->cur_start; rel < m->cur_end; rel++)
        m->unjudged[rel + RANGE_NEG] = 1;
}

MODEL_LOOP static void fill_segment(model *m, uint8_t *buf, uint32_t seq0, size_t len,
                                    int conflicting, int rst)
{
    for (size_t k = 0; k < len; k++) {
        uint32_t s = seq0 + (uint32_t)k;
        size_t idx;
        FUZZ_CHECK(rel_index(m, s, &idx));
        buf[k] = gen_byte(s);
        if (conflicting) {
            buf[k] ^= (uint8_t)(0x5A | 1);
            m->conflict[idx] = 1;
        }
        if (!rst) m->sent[idx] = 1;
    }
}

static void on_data(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    model *m = ctx;
    FUZZ_CHECK(offset == m->next);
    FUZZ_CHECK(ptr != NULL || len == 0);
    FUZZ_CHECK(copied == 0 || copied == 1);
    if (!copied) FUZZ_CHECK(m->seg != NULL && fuzz_inside(m->seg, m->seg_len, ptr, len));
    FUZZ_CHECK(m->r->state.have_base);
    check_bytes(m, offset, ptr, len);
    m->next += len;
    m->delivered += len;
}

static void on_gap(void *ctx, uint64_t offset, uint64_t len, tcpsift_reasm_gap_reason reason)
{
    model *m = ctx;
    FUZZ_CHECK(offset == m->next);
    FUZZ_CHECK(reason <= TCPSIFT_GAP_TRUNCATED);
    FUZZ_CHECK(len <= UINT64_MAX - m->next);
    m->next += len;
    m->gaps += len;
}

static void on_event(void *ctx, tcpsift_reasm_event_kind kind, uint64_t offset, uint64_t len)
{
    model *m = ctx;
    (void)offset;
    (void)len;
    FUZZ_CHECK((unsigned)kind < TCPSIFT_REASM_EV_COUNT_);
    if (m->judge && (kind == TCPSIFT_REASM_EV_MEMCAP_HIT || kind == TCPSIFT_REASM_EV_SEGMENT_CAP_HIT))
        cap_hit(m);
}

static void check_all(const tcpsift_reasm *r, const model *m, const counting_alloc *a,
                      const tcpsift_reasm_budget *budget)
{
    FUZZ_CHECK(tcpsift_reasm_check(r));
    const tcpsift_reasm_stats *st = tcpsift_reasm_get_stats(r);
    FUZZ_CHECK(st->delivered_bytes == m->delivered);
    FUZZ_CHECK(st->gap_bytes == m->gaps);
    FUZZ_CHECK(st->memory_bytes == a->current);
    FUZZ_CHECK(st->memory_peak >= st->memory_bytes);
    FUZZ_CHECK(st->buffered_bytes <= st->buffered_peak);
    FUZZ_CHECK(tcpsift_reasm_next_offset(r) == m->next);
    if (r->setup.max_buffered_bytes) FUZZ_CHECK(a->current <= r->setup.max_buffered_bytes);
    if (budget) {
        FUZZ_CHECK(budget->used == a->current);
        if (budget->cap) FUZZ_CHECK(budget->used <= budget->cap);
    }
}

static void model_free(model *m)
{
    free(m->sent);
    free(m->conflict);
    free(m->holder);
    free(m->unjudged);
    free(m->copies);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    static const uint32_t retained[4] = {0, 16, 1000, 65536};
    static const unsigned fail_every[4] = {4, 16, 0, 0};

    model m;
    memset(&m, 0, sizeof m);
    m.isn = UINT32_MAX - (uint32_t)(data[0] * 16u + (data[1] & 15u));
    m.range_pos = (int64_t)(size / 4) * 1400 + 4096;
    if (m.range_pos > RANGE_POS_MAX) m.range_pos = RANGE_POS_MAX;
    m.sent = calloc((size_t)(RANGE_NEG + m.range_pos), 1);
    m.conflict = calloc((size_t)(RANGE_NEG + m.range_pos), 1);
    m.judge = 1;
    m.holder = calloc((size_t)(RANGE_NEG + m.range_pos), sizeof *m.holder);
    m.unjudged = calloc((size_t)(RANGE_NEG + m.range_pos), 1);
    m.copies = calloc(size / 4 + 1, sizeof *m.copies);
    if (m.sent == NULL || m.conflict == NULL || !m.holder || !m.unjudged || !m.copies) {
        model_free(&m);
        return 0;
    }

    counting_alloc a;
    memset(&a, 0, sizeof a);
    a.fail_every = fail_every[data[1] >> 6];
    tcpsift_allocator alloc = {ca_alloc, ca_free, &a};

    tcpsift_reasm_config cfg;
    tcpsift_reasm_config_default(&cfg);
    cfg.mode = (data[2] & 1) ? TCPSIFT_REASM_ACKED : TCPSIFT_REASM_ON_ARRIVAL;
    cfg.policy = (tcpsift_overlap_policy)(((data[2] >> 1) & 7u) % TCPSIFT_OVERLAP_COUNT_);
    m.policy = cfg.policy;
    m.queue_rule = cfg.mode == TCPSIFT_REASM_ACKED && cfg.policy != TCPSIFT_OVERLAP_FIRST &&
                   cfg.policy != TCPSIFT_OVERLAP_LAST;
    m.queue_end = INT64_MIN;
    cfg.max_retained_bytes = retained[(data[1] >> 4) & 3];
    cfg.max_segments = data[3] & 15u;
    cfg.max_buffered_bytes = (uint64_t)(data[3] >> 4) * 256u;
    cfg.stable_buffers = (data[1] >> 6) == 3;
    uint8_t **kept = NULL; /* stable buffers: every segment's bytes, freed after finish */
    size_t nkept = 0;
    if (cfg.stable_buffers) {
        kept = calloc(size / 4 + 1, sizeof *kept);
        if (kept == NULL) {
            model_free(&m);
            return 0;
        }
    }
    tcpsift_reasm_budget budget_store;
    memset(&budget_store, 0, sizeof budget_store);
    tcpsift_reasm_budget *budget = NULL;
    if (data[2] & 0x10) {
        budget = &budget_store;
        budget->cap = (uint64_t)(data[2] >> 5) * 512u;
    }

    tcpsift_reasm_callbacks cb = {on_data, on_gap, on_event, &m};
    tcpsift_reasm r;
    FUZZ_CHECK(tcpsift_reasm_init(&r, &cfg, &cb, &alloc, budget) == TCPSIFT_OK);
    m.r = &r;

    int64_t last_end = 0, hi_end = 0;
    int fed_any = 0, base_known = 0;
    uint32_t base = 0;
    for (size_t i = 4; i + 4 <= size; i += 4) {
        const uint8_t *rec = data + i;
        tcpsift_error ret;
        if ((rec[0] & 3) == 3) {
            int64_t rel = hi_end - 128 + rec[1];
            if (rec[0] & 0x80) rel += (int64_t)rec[2] * 256;
            ret = tcpsift_reasm_ack(&r, m.isn + 1u + (uint32_t)rel);
        } else {
            int64_t start = (rec[0] & 0x80) ? last_end - rec[1] : last_end + rec[1];
            size_t len = rec[2] | (size_t)(rec[3] & 3) << 8;
            size_t extra = (rec[0] & 0x40) ? (size_t)(rec[3] >> 2) + 1 : 0;
            if (start < -RANGE_NEG + 1 || start + (int64_t)(len + extra) >= m.range_pos) continue;
            unsigned flags = 0;
            if (rec[0] & 0x04) flags |= TCPSIFT_REASM_SYN;
            if (rec[0] & 0x08) flags |= TCPSIFT_REASM_FIN;
            if (rec[0] & 0x10) flags |= TCPSIFT_REASM_RST;
            int conflicting = (rec[0] & 0x20) != 0;
            uint32_t seq0 = m.isn + 1u + (uint32_t)start; /* first data byte */
            uint8_t *buf = malloc(len ? len : 1);
            if (buf == NULL) break;
            fill_segment(&m, buf, seq0, len, conflicting, (flags & TCPSIFT_REASM_RST) != 0);
            uint32_t seq = (flags & TCPSIFT_REASM_SYN) ? seq0 - 1u : seq0;
            m.seg = buf;
            m.seg_len = len;
            m.cur_start = m.cur_end = 0;
            if (!(flags & TCPSIFT_REASM_RST) && !r.state.finished) note_copy(&m, start, len, conflicting);
            ret = tcpsift_reasm_segment(&r, seq, len ? buf : NULL, len, len + extra, flags);
            m.seg = NULL;
            if (kept)
                kept[nkept++] = buf;
            else
                free(buf);
            if (!fed_any && (flags & TCPSIFT_REASM_SYN) && !(flags & TCPSIFT_REASM_RST)) {
                /* RFC 9293 §3.4: the SYN occupies ISN; data starts at ISN + 1. */
                FUZZ_CHECK(r.state.have_base && r.state.base_seq == seq0);
            }
            fed_any = 1;
            last_end = start + (int64_t)len;
            if (last_end > hi_end) hi_end = last_end;
        }
        FUZZ_CHECK(ret == TCPSIFT_OK);
        if (base_known) FUZZ_CHECK(r.state.have_base && r.state.base_seq == base);
        if (r.state.have_base && !base_known) {
            base_known = 1;
            base = r.state.base_seq;
        }
        check_all(&r, &m, &a, budget);
    }

    FUZZ_CHECK(tcpsift_reasm_finish(&r) == TCPSIFT_OK);
    check_all(&r, &m, &a, budget);
    FUZZ_CHECK(a.current == 0);
    FUZZ_CHECK(r.state.stats.buffered_bytes == 0);
    tcpsift_reasm_free(&r);
    FUZZ_CHECK(a.current == 0 && a.allocs == a.frees);
    if (budget) FUZZ_CHECK(budget->used == 0);
    for (size_t k = 0; k < nkept; k++)
        free(kept[k]);
    free(kept);
    model_free(&m);
    return 0;
}
