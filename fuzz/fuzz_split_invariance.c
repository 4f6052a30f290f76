/* Fuzz harness: split invariance (differential), after Suricata's
 * fuzz_tcpsplit.c. The same stream is fed whole and cut at fuzzer-chosen
 * points; the frames (part, error, offset, len, header and body bytes) and the
 * reassembled bytes must not depend on the cut. (Netty's varint decoder once
 * failed exactly here: a length field split across two reads.)
 *
 * Input:
 *   bytes 0-5   framer config (fuzz_framing.h); the form bits are ignored:
 *               every form (len, line, delim, json-header) is run with the
 *               parameters these bytes give it
 *   byte 6      bits 0-3 number of cuts; bit 4: segments reach the
 *               reassembler in reverse order; bits 5-7 ISN below 2^32 (x 512)
 *   bytes 7-10  bit i set (i < 16): chunk i is fed with
 *               tcpsift_framer_feed_transient (STABLE run), its buffer
 *               scribbled over and freed at once; bit 16 + i set: chunk i is
 *               never seen (a gap: tcpsift_framer_gap, a hole for the
 *               reassembler)
 *   then 2 bytes per cut (big-endian position, modulo stream length + 1),
 *   then the stream.
 *
 * For every form, compared with the whole-stream COPY_TAIL run (each maximal
 * run of seen chunks fed at once, each maximal run of gap chunks as one gap):
 *   - COPY_TAIL, chunk by chunk, each chunk in its own buffer freed right
 *     after feed();
 *   - STABLE, chunk by chunk, chunks either kept until the end (feed) or
 *     transient (feed_transient);
 *   - the reassembler (ON_ARRIVAL, a SYN first, the chunks as segments in
 *     order or reversed) feeding a STABLE framer: views with feed(), copies
 *     with feed_transient(), gaps with tcpsift_framer_gap(), as the tracker
 *     does. Its delivered bytes must be the stream exactly and its gaps
 *     exactly the gap chunks (merged); with no gap chunk, everything is
 *     delivered before finish().
 * Any difference aborts. The tail allocator checks the memory bound too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_framing.h"
#include "tcpsift/framer.h"
#include "tcpsift/reassembly.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CUTS   15
#define MAX_CHUNKS (MAX_CUTS + 1)
#define HDR_BYTES  (FUZZ_FRAMER_CONFIG_BYTES + 5)

typedef struct chunks {
    size_t n;
    size_t start[MAX_CHUNKS], len[MAX_CHUNKS];
    uint32_t transient; /* bit i: chunk i transient */
    uint32_t gap;       /* bit i: chunk i never seen */
} chunks;

static int is_gap(const chunks *ch, size_t i) { return (ch->gap >> i & 1) && ch->len[i] > 0; }

static void on_frame(void *ctx, const tcpsift_frame *f)
{
    fuzz_log_frame(ctx, f);
}

typedef struct framer_run {
    tcpsift_framer f;
    fuzz_tail_alloc ta;
    fuzz_frame_log log;
} framer_run;

static void run_init(framer_run *r, const tcpsift_framer_config *cfg, tcpsift_framer_mode mode)
{
    memset(r, 0, sizeof *r);
    r->ta.limit = fuzz_tail_limit(cfg);
    tcpsift_framer_alloc alloc = {fuzz_tail_realloc, fuzz_tail_free, &r->ta};
    FUZZ_CHECK(tcpsift_framer_init(&r->f, cfg, mode, &alloc) == TCPSIFT_OK);
}

static void run_end(framer_run *r, uint64_t total)
{
    FUZZ_CHECK(tcpsift_framer_offset(&r->f) == total);
    FUZZ_CHECK(tcpsift_framer_finish(&r->f, on_frame, &r->log) == TCPSIFT_OK);
    tcpsift_framer_destroy(&r->f);
    FUZZ_CHECK(r->ta.live == 0);
}

/* A copy of bytes in a buffer of exactly that size (ASan sees overreads). */
static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL) abort();
    if (n) memcpy(b, p, n);
    return b;
}

static void run_whole(const tcpsift_framer_config *cfg, const uint8_t *s, size_t n,
                      const chunks *ch, framer_run *r)
{
    run_init(r, cfg, TCPSIFT_FRAMER_COPY_TAIL);
    for (size_t i = 0; i < ch->n;) {
        size_t j = i, len = 0;
        int gap = is_gap(ch, i);
        while (j < ch->n && (is_gap(ch, j) == gap || ch->len[j] == 0)) len += ch->len[j++];
        if (gap) {
            FUZZ_CHECK(tcpsift_framer_gap(&r->f, len, on_frame, &r->log) == TCPSIFT_OK);
        } else {
            uint8_t *b = dup_bytes(s + ch->start[i], len);
            FUZZ_CHECK(tcpsift_framer_feed(&r->f, b, len, on_frame, &r->log) == TCPSIFT_OK);
            free(b);
        }
        i = j;
    }
    run_end(r, n);
}

static void run_copy_tail(const tcpsift_framer_config *cfg, const uint8_t *s, size_t n,
                          const chunks *ch, framer_run *r)
{
    run_init(r, cfg, TCPSIFT_FRAMER_COPY_TAIL);
    for (size_t i = 0; i < ch->n; i++) {
        if (is_gap(ch, i)) {
            FUZZ_CHECK(tcpsift_framer_gap(&r->f, ch->len[i], on_frame, &r->log) == TCPSIFT_OK);
            continue;
        }
        uint8_t *b = dup_bytes(s + ch->start[i], ch->len[i]);
        FUZZ_CHECK(tcpsift_framer_feed(&r->f, b, ch->len[i], on_frame, &r->log) == TCPSIFT_OK);
        memset(b, 0xA5, ch->len[i]); /* the framer may not keep pointers into it */
        free(b);
    }
    run_end(r, n);
}

static void run_stable(const tcpsift_framer_config *cfg, const uint8_t *s, size_t n,
                       const chunks *ch, framer_run *r)
{
    uint8_t *kept[MAX_CHUNKS] = {0};
    run_init(r, cfg, TCPSIFT_FRAMER_STABLE);
    for (size_t i = 0; i < ch->n; i++) {
        if (is_gap(ch, i)) {
            FUZZ_CHECK(tcpsift_framer_gap(&r->f, ch->len[i], on_frame, &r->log) == TCPSIFT_OK);
            continue;
        }
        uint8_t *b = dup_bytes(s + ch->start[i], ch->len[i]);
        if (ch->transient >> i & 1) {
            FUZZ_CHECK(tcpsift_framer_feed_transient(&r->f, b, ch->len[i], on_frame, &r->log) ==
                       TCPSIFT_OK);
            memset(b, 0xA5, ch->len[i]);
            free(b);
        } else {
            FUZZ_CHECK(tcpsift_framer_feed(&r->f, b, ch->len[i], on_frame, &r->log) == TCPSIFT_OK);
            kept[i] = b;
        }
    }
    run_end(r, n);
    for (size_t i = 0; i < ch->n; i++) free(kept[i]);
}

/* ------------------------------------------------------------ reassembly */

typedef struct reasm_sink {
    framer_run *fr; /* may be NULL */
    const uint8_t *stream;
    size_t n;
    uint64_t next;
    const chunks *ch;
} reasm_sink;

/* Is [offset, offset+len) exactly a maximal run of gap chunks, or inside seen chunks? */
static int range_is_gap_run(const chunks *ch, uint64_t offset, uint64_t len)
{
    for (size_t i = 0; i < ch->n; i++) {
        if (ch->start[i] != offset || !is_gap(ch, i)) continue;
        if (i > 0 && is_gap(ch, i - 1)) return 0;
        uint64_t run = 0;
        size_t j = i;
        while (j < ch->n && (is_gap(ch, j) || ch->len[j] == 0)) run += ch->len[j++];
        return run == len;
    }
    return 0;
}

static int range_seen(const chunks *ch, uint64_t offset, uint64_t len)
{
    for (size_t i = 0; i < ch->n; i++)
        if (is_gap(ch, i) && ch->start[i] < offset + len && offset < ch->start[i] + ch->len[i])
            return 0;
    return 1;
}

static void sink_data(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    reasm_sink *k = ctx;
    FUZZ_CHECK(offset == k->next);
    FUZZ_CHECK(offset <= k->n && len <= k->n - offset);
    FUZZ_CHECK(range_seen(k->ch, offset, len));
    FUZZ_CHECK(len == 0 || memcmp(ptr, k->stream + offset, len) == 0);
    k->next += len;
    if (k->fr) {
        tcpsift_error e =
            copied ? tcpsift_framer_feed_transient(&k->fr->f, ptr, len, on_frame, &k->fr->log)
                   : tcpsift_framer_feed(&k->fr->f, ptr, len, on_frame, &k->fr->log);
        FUZZ_CHECK(e == TCPSIFT_OK);
    }
}

static void sink_gap(void *ctx, uint64_t offset, uint64_t len, tcpsift_reasm_gap_reason reason)
{
    reasm_sink *k = ctx;
    /* Only the chunks never sent are holes, reported at finish (no ACK, no cap hit). */
    FUZZ_CHECK(reason == TCPSIFT_GAP_FINISH);
    FUZZ_CHECK(offset == k->next);
    FUZZ_CHECK(range_is_gap_run(k->ch, offset, len));
    k->next += len;
    if (k->fr)
        FUZZ_CHECK(tcpsift_framer_gap(&k->fr->f, len, on_frame, &k->fr->log) == TCPSIFT_OK);
}

static void run_reasm(const tcpsift_framer_config *cfg, const uint8_t *s, size_t n,
                      const chunks *ch, uint32_t isn, int reverse, framer_run *r)
{
    uint8_t *kept[MAX_CHUNKS] = {0};
    if (cfg) run_init(r, cfg, TCPSIFT_FRAMER_STABLE);
    reasm_sink sink = {cfg ? r : NULL, s, n, 0, ch};
    int holes = 0;
    tcpsift_reasm_callbacks cb = {sink_data, sink_gap, NULL, &sink};
    tcpsift_reasm_config rc;
    tcpsift_reasm_config_default(&rc);
    tcpsift_reasm re;
    FUZZ_CHECK(tcpsift_reasm_init(&re, &rc, &cb, NULL, NULL) == TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_reasm_segment(&re, isn, NULL, 0, 0, TCPSIFT_REASM_SYN) == TCPSIFT_OK);
    for (size_t j = 0; j < ch->n; j++) {
        size_t i = reverse ? ch->n - 1 - j : j;
        if (is_gap(ch, i)) {
            holes = 1;
            continue;
        }
        /* The chunks stay valid until the end: STABLE views into them. */
        kept[i] = dup_bytes(s + ch->start[i], ch->len[i]);
        uint32_t seq = isn + 1u + (uint32_t)ch->start[i];
        FUZZ_CHECK(tcpsift_reasm_segment(&re, seq, ch->len[i] ? kept[i] : NULL, ch->len[i],
                                         ch->len[i], 0) == TCPSIFT_OK);
        FUZZ_CHECK(tcpsift_reasm_check(&re));
    }
    /* With no hole, everything is delivered before finish. */
    if (!holes) FUZZ_CHECK(sink.next == n);
    FUZZ_CHECK(tcpsift_reasm_finish(&re) == TCPSIFT_OK);
    /* A trailing hole is never reported (nothing after it was seen). */
    FUZZ_CHECK(sink.next <= n);
    if (sink.next < n) {
        FUZZ_CHECK(range_is_gap_run(ch, sink.next, n - sink.next));
        if (cfg)
            FUZZ_CHECK(tcpsift_framer_gap(&r->f, n - sink.next, on_frame, &r->log) ==
                       TCPSIFT_OK);
    }
    tcpsift_reasm_free(&re);
    if (cfg) run_end(r, n);
    for (size_t i = 0; i < ch->n; i++) free(kept[i]);
}

static int by_value(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR_BYTES) return 0;
    const uint8_t *c = data;
    unsigned ncuts = data[6] & 15u;
    int reverse = (data[6] & 0x10) != 0;
    uint32_t isn = UINT32_MAX - (uint32_t)(data[6] >> 5) * 512u;
    if (size - HDR_BYTES < 2u * ncuts) return 0;
    const uint8_t *cutp = data + HDR_BYTES;
    size_t n = size - HDR_BYTES - 2u * ncuts;
    uint8_t *s = dup_bytes(cutp + 2u * ncuts, n);

    chunks ch;
    memset(&ch, 0, sizeof ch);
    ch.transient = fuzz_be32(data + 7) & 0xFFFFu;
    ch.gap = fuzz_be32(data + 7) >> 16;
    size_t cuts[MAX_CUTS + 2];
    cuts[0] = 0;
    for (unsigned i = 0; i < ncuts; i++) cuts[i + 1] = fuzz_be16(cutp + 2u * i) % (n + 1);
    cuts[ncuts + 1] = n;
    qsort(cuts + 1, ncuts, sizeof cuts[0], by_value);
    ch.n = ncuts + 1u;
    for (size_t i = 0; i < ch.n; i++) {
        ch.start[i] = cuts[i];
        ch.len[i] = cuts[i + 1] - cuts[i];
    }

    /* The reassembler alone (in order and reversed) must give the stream back. */
    run_reasm(NULL, s, n, &ch, isn, reverse, NULL);

    for (int kind = 0; kind < 4; kind++) {
        tcpsift_framer_config cfg;
        char spec[160];
        if (!fuzz_framer_config(c, kind, &cfg, spec, sizeof spec)) continue;
        framer_run whole, cut;
        run_whole(&cfg, s, n, &ch, &whole);

        run_copy_tail(&cfg, s, n, &ch, &cut);
        fuzz_log_same(&whole.log, &cut.log, "whole and cut (COPY_TAIL) frames", spec);
        fuzz_log_free(&cut.log);

        run_stable(&cfg, s, n, &ch, &cut);
        fuzz_log_same(&whole.log, &cut.log, "whole and cut (STABLE, transient) frames", spec);
        fuzz_log_free(&cut.log);

        run_reasm(&cfg, s, n, &ch, isn, reverse, &cut);
        fuzz_log_same(&whole.log, &cut.log, "whole and reassembled frames", spec);
        fuzz_log_free(&cut.log);
        fuzz_log_free(&whole.log);
    }
    free(s);
    return 0;
}
