/* bench_inproc: in-process benchmark tiers over one capture loaded into memory.
 *
 *   bench_inproc --tier TIER --capture FILE [--truth FILE.json] [--repeat N] [--max-conns N]
 * [--clock wall|thread] [--e2e] [--stream-rest-ns N] [--rest-drops-acked]
 *
 * --stream-rest-ns N: the tracker's stream_rest_ns (default: the library's, 1 s; 0 = streams
 * never rest). The output counts the streams rested and woken.
 * --rest-drops-acked: the tracker's rest_drops_acked (a resting stream lets go of what it
 * retained of bytes its peer acknowledged).
 * --heap-at-end: heap_growth_kb, the heap in use at the end of the packets (before the
 * tracker's finish) less before the tracker was made: what the open connections hold then,
 * without the freed memory their peak left in RSS (glibc's mallinfo2; -1 elsewhere).
 *
 * --e2e: map the file instead of reading it into memory (the caller times the whole process).
 * --clock thread: time the loop in this thread's CPU time (CLOCK_THREAD_CPUTIME_ID) instead of
 * wall time (CLOCK_MONOTONIC, the default and what bench/run reports): on a shared machine the
 * CPU time of A/B builds run in alternation varies far less, though it hides time the loop
 * spends descheduled or waiting on page faults.
 *
 * The capture is read whole into memory (mlock'ed when allowed, every page touched) before
 * anything is timed; only the packet loop is timed (clock_gettime, CLOCK_MONOTONIC), N times.
 * Tiers:
 *   floor        walk the pcap records, touch the first 64 B of each packet, prefetch 4 KiB ahead
 *   floor-nopf   the same walk without the prefetch
 *   floor-16k    the same walk asking for every line up to 16 KiB ahead, as the capture reader
 *                does (floor_walk_every_line says why)
 *   decode       tcpsift_capture_next + tcpsift_packet_decode
 *   state        decode + tcpsift_tracker (no reassembly), checksums off
 *   full         decode + tracker + reassembly + len:4:be framing, checksums off, buffers
 *                stable (the capture stays in memory, as the CLI's mapped file)
 *   full-csum    full with checksums verified (tcpsift_checksum_policy VERIFY)
 *   full-libpcap full, the records read by libpcap (pcap_next_ex over the same in-memory capture,
 *                fmemopen) instead of tcpsift's reader; libpcap reuses its record buffer, so
 *                buffers are not stable and each packet goes to the tracker at once
 *                (built when libpcap is found)
 * Every run is cross-checked against the generator's ground truth (FILE.json): packets,
 * payload bytes, connections, frames and stream bytes per direction. A mismatch exits 3.
 *
 * Output: one JSON line with the best and median loop time, ns/packet, Mpps, Gbit/s (captured
 * packet bytes), peak RSS (VmHWM; getrusage where /proc is missing) and the RSS growth during the
 * loop (peak minus the resident size before the first run, so the loaded capture is excluded).
 *
 * Under callgrind, run with --toggle-collect=bench_loop so only the packet loop is counted. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1 /* libpcap's headers (tier full-libpcap) use u_char/u_int */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tcpsift/capture.h"
#include "tcpsift/decode.h"
#include "tcpsift/flow_table.h"
#include "tcpsift/framer.h"
#include "tcpsift/tracker.h"

#include "bench_common.h"

#ifdef BENCH_HAVE_PCAP
#include <pcap/pcap.h>
#endif

/* private, for --sizes only: the tracker's per-connection payload and per-direction stream */
#include "tracker_internal.h"
static const int rest_sizes[STREAM_REST_CLASSES] = STREAM_REST_SIZES;

typedef enum tier {
    TIER_FLOOR,
    TIER_FLOOR_NOPF,
    TIER_FLOOR_16K,
    TIER_DECODE,
    TIER_STATE,
    TIER_FULL,
    TIER_FULL_CSUM,
    TIER_FULL_LIBPCAP
} tier;

static const char *const tier_names[] = {"floor", "floor-nopf", "floor-16k", "decode",
                                         "state", "full",       "full-csum", "full-libpcap"};

typedef struct counts {
    uint64_t packets, bytes, payload_bytes, tcp_ok, touch;
    uint64_t conns_ended, frames[2], frame_errors, stream[2], bad_checksum, tcp_connections;
    uint64_t streams_rested, streams_woken;
    int heap_at_end;     /* --heap-at-end: read the heap in use before the tracker's finish */
    long heap_end_kb;    /* that reading, -1 when not read */
} counts;

/* Bytes the heap holds for the program (glibc's mallinfo2: chunks in use, and mapped ones),
 * in KiB; -1 where it cannot be read. Freed memory the heap keeps counts in RSS, not here: a
 * resting connection's share, apart from what its peak left behind. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
static long heap_in_use_kb(void)
{
    struct mallinfo2 m = mallinfo2();
    return (long)((m.uordblks + m.hblkhd) / 1024);
}
#else
static long heap_in_use_kb(void)
{
    return -1;
}
#endif

/* ------------------------------------------------------------------ floor */
static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* What the floors do with each packet: read its first 64 bytes (all of a shorter one) into *acc,
 * count it. Inlined: the floor's code stays what its baseline measured. */
static inline __attribute__((always_inline)) void touch_packet(const uint8_t *pkt,
                                                               uint32_t caplen, uint64_t *acc,
                                                               counts *c)
{
    if (caplen >= 64)
        for (int i = 0; i < 64; i += 8)
            *acc += load64(pkt + i);
    else
        for (uint32_t i = 0; i < caplen; i++)
            *acc += pkt[i];
    c->packets++;
    c->bytes += caplen;
}

/* The floor: a pcap walk that trusts the file (no checks beyond the buffer end), touching the
 * first 64 bytes of every packet. The generator writes little-endian microsecond pcap. */
static void floor_walk(const uint8_t *buf, size_t len, int prefetch, counts *c)
{
    size_t pos = 24;
    uint64_t acc = 0;
    while (pos + 16 <= len) {
        uint32_t caplen = le32(buf + pos + 8);
        const uint8_t *pkt = buf + pos + 16;
        if (pos + 16 + caplen > len) break;
        if (prefetch) __builtin_prefetch(pkt + 4096);
        touch_packet(pkt, caplen, &acc, c);
        pos += 16 + (size_t)caplen;
    }
    c->touch = acc;
}

/* The same walk asking for every line up to 16 KiB ahead, as the capture reader does
 * (capture_pcap.c): the floor's one line 4 KiB past each packet is usually a line the walk never
 * reads, so where no hardware prefetcher makes up for it the floor waits on memory. */
static void floor_walk_every_line(const uint8_t *buf, size_t len, counts *c)
{
    size_t pos = 24, asked = 0;
    uint64_t acc = 0;
    while (pos + 16 <= len) {
        uint32_t caplen = le32(buf + pos + 8);
        const uint8_t *pkt = buf + pos + 16;
        if (pos + 16 + caplen > len) break;
        for (; asked < pos + 16384 && asked < len; asked += 64)
            __builtin_prefetch(buf + asked);
        touch_packet(pkt, caplen, &acc, c);
        pos += 16 + (size_t)caplen;
    }
    c->touch = acc;
}

/* ------------------------------------------------------------------ tracker callbacks */
static void on_conn_end(void *ctx, const tcpsift_conn_info *info)
{
    counts *c = ctx;
    c->conns_ended++;
    c->stream[0] += info->client.stream_bytes;
    c->stream[1] += info->server.stream_bytes;
}

static void on_frame(void *ctx, uint64_t conn_id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *frame)
{
    counts *c = ctx;
    (void)conn_id;
    (void)proto;
    if (frame->error == TCPSIFT_FRAME_OK)
        c->frames[dir == TCPSIFT_S2C]++;
    else
        c->frame_errors++;
}

static int64_t record_ns(const tcpsift_capture_record *rec)
{
    return rec->ts_sec * 1000000000 + (int64_t)rec->ts_nsec;
}

static tcpsift_tracker *make_tracker(tier t, counts *c, uint32_t max_conns,
                                     const uint64_t *rest_ns, int drops_acked)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    if (max_conns) cfg.max_connections = max_conns;
    if (rest_ns) cfg.stream_rest_ns = *rest_ns;
    cfg.rest_drops_acked = drops_acked;
    for (int i = 0; i < TCPSIFT_FLOW_CLASS_COUNT; i++)
        cfg.timeout_ns[i] = TCPSIFT_FLOW_NO_TIMEOUT;
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x5a + 13 * i); /* fixed: repeatable */
    cfg.checksums = t == TIER_FULL_CSUM ? TCPSIFT_CHECKSUM_VERIFY : TCPSIFT_CHECKSUM_OFF;
    if (t == TIER_FULL || t == TIER_FULL_CSUM || t == TIER_FULL_LIBPCAP) {
        cfg.reassemble = 1;
        cfg.framing = 1;
        /* The capture is in memory until the end, as the CLI's mapped file: frames spanning
         * segments stay views and reassembly retains views, so in-order bytes are never
         * copied (the CLI sets the same). libpcap's records live until its next read: the
         * tracker copies what it keeps (the CLI's --reader libpcap does the same). */
        cfg.buffers_stable = t != TIER_FULL_LIBPCAP;
        char why[128];
        if (tcpsift_framer_spec_parse("len:4:be", &cfg.framer, why, sizeof why) != TCPSIFT_OK) {
            fprintf(stderr, "bench_inproc: framer spec: %s\n", why);
            exit(2);
        }
        cfg.cb.on_frame = on_frame;
    }
    cfg.cb.on_conn_end = on_conn_end;
    cfg.cb.ctx = c;
    tcpsift_tracker *tr = NULL;
    if (tcpsift_tracker_create(&cfg, &tr) != TCPSIFT_OK) {
        fprintf(stderr, "bench_inproc: tracker_create failed\n");
        exit(2);
    }
    return tr;
}

#define BENCH_BATCH 16

#ifdef BENCH_HAVE_PCAP
/* full-libpcap: the records come from pcap_next_ex, each packet to the tracker at once. */
static void libpcap_loop(const uint8_t *buf, size_t len, tcpsift_tracker *tr, counts *c)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    FILE *f = fmemopen((void *)(uintptr_t)buf, len, "rb");
    pcap_t *pc = f ? pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO,
                                                                 errbuf)
                   : NULL;
    if (!pc) {
        fprintf(stderr, "bench_inproc: libpcap cannot read the capture\n");
        exit(2);
    }
    int linktype = pcap_datalink(pc);
    uint64_t packets = 0, bytes = 0;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    while (pcap_next_ex(pc, &hdr, &data) == 1) {
        tcpsift_packet pkt;
        packets++;
        bytes += hdr->caplen;
        tcpsift_packet_decode(&pkt, linktype, data, hdr->caplen, hdr->len);
        tcpsift_tracker_packet(tr, &pkt, (int64_t)hdr->ts.tv_sec * 1000000000 + hdr->ts.tv_usec);
    }
    pcap_close(pc);
    c->packets += packets;
    c->bytes += bytes;
    if (c->heap_at_end) c->heap_end_kb = heap_in_use_kb();
    tcpsift_tracker_finish(tr);
}
#endif

/* The timed packet loop of every tier (callgrind: --toggle-collect=bench_loop). */
__attribute__((noinline)) void bench_loop(tier t, const uint8_t *buf, size_t len,
                                          tcpsift_tracker *tr, counts *c);
__attribute__((noinline)) void bench_loop(tier t, const uint8_t *buf, size_t len,
                                          tcpsift_tracker *tr, counts *c)
{
    if (t == TIER_FLOOR || t == TIER_FLOOR_NOPF) {
        floor_walk(buf, len, t == TIER_FLOOR, c);
        return;
    }
    if (t == TIER_FLOOR_16K) {
        floor_walk_every_line(buf, len, c);
        return;
    }
#ifdef BENCH_HAVE_PCAP
    if (t == TIER_FULL_LIBPCAP) {
        libpcap_loop(buf, len, tr, c);
        return;
    }
#endif
    tcpsift_capture_reader r;
    tcpsift_capture_record recs[BENCH_BATCH];
    tcpsift_packet pkts[BENCH_BATCH];
    int64_t ts[BENCH_BATCH];
    tcpsift_error err;
    if (tcpsift_capture_open(&r, buf, len) != TCPSIFT_OK) return;
    /* Counted in locals (stored once at the end): the callees cannot see them, so they stay in
     * registers instead of being reloaded around every call. */
    uint64_t packets = 0, bytes = 0, tcp_ok = 0, payload_bytes = 0;
    for (;;) {
        /* Records in batches (one reader call per BENCH_BATCH packets); an error ends a batch
         * early and is skipped, like tcpsift_capture_next()'s -1. */
        size_t n = tcpsift_capture_next_batch(&r, recs, BENCH_BATCH, &err);
        for (size_t i = 0; i < n; i++) {
            const tcpsift_capture_record *rec = &recs[i];
            tcpsift_packet *pkt = &pkts[i];
            packets++;
            bytes += rec->caplen;
            tcpsift_packet_decode(pkt, rec->linktype, rec->data, rec->caplen, rec->wirelen);
            if (t == TIER_DECODE) {
                tcp_ok += pkt->error == TCPSIFT_OK && (pkt->layers & TCPSIFT_LAYER_TCP);
                payload_bytes += pkt->payload.len;
                continue;
            }
            ts[i] = record_ns(rec);
        }
        /* The decoded batch in one call: the tracker hashes ahead and prefetches each flow's
         * table slot (tcpsift_tracker_packets), as the CLI does. */
        if (tr && n) tcpsift_tracker_packets(tr, pkts, ts, n, NULL);
        if (err != TCPSIFT_OK) {
            if (tcpsift_capture_at_end(&r)) break;
            continue;
        }
        if (n < BENCH_BATCH) break;
    }
    c->packets += packets;
    c->bytes += bytes;
    c->tcp_ok += tcp_ok;
    c->payload_bytes += payload_bytes;
    if (tr && c->heap_at_end) c->heap_end_kb = heap_in_use_kb();
    if (tr) tcpsift_tracker_finish(tr);
}

/* ------------------------------------------------------------------ cross-check */

static int cross_check(tier t, const counts *c, const truth *tr)
{
    int bad = 0;
    bad += check("packets", c->packets, tr->packets);
    bad += check("captured bytes", c->bytes, tr->captured_bytes);
    switch (t) {
    case TIER_FLOOR:
    case TIER_FLOOR_NOPF:
    case TIER_FLOOR_16K:
        break;
    case TIER_DECODE:
        bad += check("clean TCP packets", c->tcp_ok, tr->packets);
        bad += check("payload bytes", c->payload_bytes, tr->payload_bytes);
        break;
    case TIER_STATE:
        bad += check("connections ended", c->conns_ended, tr->connections);
        bad += check("tcp connections", c->tcp_connections, tr->connections);
        break;
    case TIER_FULL:
    case TIER_FULL_CSUM:
    case TIER_FULL_LIBPCAP:
        bad += check("connections ended", c->conns_ended, tr->connections);
        bad += check("tcp connections", c->tcp_connections, tr->connections);
        bad += check("frames c2s", c->frames[0], tr->frames_c2s);
        bad += check("frames s2c", c->frames[1], tr->frames_s2c);
        bad += check("frame errors", c->frame_errors, 0);
        bad += check("stream bytes c2s", c->stream[0], tr->stream_c2s);
        bad += check("stream bytes s2c", c->stream[1], tr->stream_s2c);
        bad += check("bad checksums", c->bad_checksum, 0);
        break;
    }
    return bad;
}

/* Bytes one tracker connection takes in the flow table's pool (payload = the tracker's conn). */
static size_t flow_entry_size(void)
{
    tcpsift_flow_table_config fc;
    tcpsift_flow_table_config_init(&fc);
    fc.max_connections = 16;
    fc.embryo_capacity = 0;
    fc.value_size = sizeof(conn);
    tcpsift_flow_table *ft = NULL;
    if (tcpsift_flow_table_create(&fc, &ft) != TCPSIFT_OK) return 0;
    size_t n = tcpsift_flow_table_entry_size(ft);
    tcpsift_flow_table_destroy(ft);
    return n;
}

int main(int argc, char **argv)
{
    const char *tier_name = NULL, *capture = NULL, *truth_path = NULL;
    int repeat = 3, keep_going = 0, e2e = 0;
    uint32_t max_conns = 0;
    uint64_t rest_ns = 0;
    int rest_set = 0, drops_acked = 0, heap_at_end = 0;
    clockid_t clock = CLOCK_MONOTONIC;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--sizes") == 0) {
            tcpsift_reasm_config rc;
            tcpsift_reasm_config_default(&rc);
            printf("{\"flow_table_entry_bytes\": %zu, \"tracker_conn_bytes\": %zu, "
                   "\"framer_bytes\": %zu, \"framer_state_bytes\": %zu, "
                   "\"direction_stream_bytes\": %zu, \"reasm_retained_bytes_default\": %u, "
                   "\"conn_ext_bytes\": %zu, \"conn_rare_bytes\": %zu, "
                   "\"stream_rest_bytes\": [%d, %d, %d]}\n",
                   flow_entry_size(), sizeof(conn), sizeof(tcpsift_framer),
                   sizeof(tcpsift_framer_state), sizeof(direction_stream),
                   (unsigned)rc.max_retained_bytes, sizeof(conn_ext), sizeof(conn_rare),
                   rest_sizes[0], rest_sizes[1], rest_sizes[2]);
            return 0;
        }
        if (strcmp(a, "--keep-going") == 0) {
            keep_going = 1;
            continue;
        }
        if (strcmp(a, "--rest-drops-acked") == 0) {
            drops_acked = 1;
            continue;
        }
        if (strcmp(a, "--heap-at-end") == 0) {
            heap_at_end = 1;
            continue;
        }
        if (strcmp(a, "--e2e") == 0) { /* end to end: map the file, no preloading */
            e2e = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "bench_inproc: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--tier") == 0)
            tier_name = v;
        else if (strcmp(a, "--capture") == 0)
            capture = v;
        else if (strcmp(a, "--truth") == 0)
            truth_path = v;
        else if (strcmp(a, "--repeat") == 0)
            repeat = atoi(v);
        else if (strcmp(a, "--max-conns") == 0)
            max_conns = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--stream-rest-ns") == 0)
            rest_ns = strtoull(v, NULL, 10), rest_set = 1;
        else if (strcmp(a, "--clock") == 0 && strcmp(v, "wall") == 0)
            clock = CLOCK_MONOTONIC;
        else if (strcmp(a, "--clock") == 0 && strcmp(v, "thread") == 0)
            clock = CLOCK_THREAD_CPUTIME_ID;
        else {
            fprintf(stderr, "bench_inproc: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    int t = -1;
    for (int k = 0; tier_name && k < (int)(sizeof tier_names / sizeof tier_names[0]); k++)
        if (strcmp(tier_name, tier_names[k]) == 0) t = k;
    if (t < 0 || !capture || repeat < 1 || repeat > 1000) {
        fprintf(stderr, "usage: bench_inproc --tier floor|floor-nopf|floor-16k|decode|state|full|full-csum"
                        "|full-libpcap --capture FILE [--truth FILE.json] [--repeat N] "
                        "[--max-conns N] [--clock wall|thread] [--e2e] [--stream-rest-ns N]\n"
                        "       [--rest-drops-acked] [--heap-at-end]\n"
                        "       bench_inproc --sizes\n");
        return 2;
    }
#ifndef BENCH_HAVE_PCAP
    if (t == TIER_FULL_LIBPCAP) {
        fprintf(stderr, "bench_inproc: tier full-libpcap: built without libpcap\n");
        return 4;
    }
#endif
    truth tr;
    load_truth(truth_path, &tr);

    size_t len;
    int locked;
    uint8_t *buf;
    if (e2e) {
        buf = map_capture(capture, &len);
        locked = 0;
    } else {
        buf = load_capture(capture, &len, &locked);
    }
    uint64_t sink = 0;
    long rss_before = current_rss_kb();
    long heap_growth = -1; /* --heap-at-end: heap in use before finish less before the tracker */

    double *times = calloc((size_t)repeat, sizeof *times);
    if (!times) return 2;
    counts c;
    int bad = 0;
    for (int r = 0; r < repeat; r++) {
        memset(&c, 0, sizeof c);
        c.heap_at_end = heap_at_end;
        c.heap_end_kb = -1;
        long heap_start = heap_at_end ? heap_in_use_kb() : -1;
        tcpsift_tracker *trk =
            t >= TIER_STATE
                ? make_tracker((tier)t, &c, max_conns, rest_set ? &rest_ns : NULL, drops_acked)
                : NULL;
        double t0 = clock_ns(clock);
        bench_loop((tier)t, buf, len, trk, &c);
        times[r] = clock_ns(clock) - t0;
        if (c.heap_end_kb >= 0 && heap_start >= 0) heap_growth = c.heap_end_kb - heap_start;
        if (trk) {
            const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(trk);
            c.tcp_connections = st->tcp_connections;
            c.bad_checksum = st->bad_checksum;
            c.streams_rested = st->streams_rested;
            c.streams_woken = st->streams_woken;
            tcpsift_tracker_destroy(trk);
        }
        sink += c.touch;
        if (tr.loaded) bad += cross_check((tier)t, &c, &tr);
        if (bad && !keep_going) break;
    }
    long peak = peak_rss_kb();
    if (bad) {
        fprintf(stderr, "bench_inproc: tier %s FAILED the ground-truth cross-check on %s\n",
                tier_names[t], capture);
        return 3;
    }
    print_result_fields(tier_names[t], capture, c.packets, c.bytes, times, repeat,
                        clock == CLOCK_MONOTONIC ? "wall" : "thread", peak, rss_before, locked,
                        tr.loaded, c.frames[0] + c.frames[1]);
    printf(", \"streams_rested\": %llu, \"streams_woken\": %llu, \"heap_growth_kb\": %ld, "
           "\"sink\": %llu}\n",
           (unsigned long long)c.streams_rested, (unsigned long long)c.streams_woken, heap_growth,
           (unsigned long long)(sink & 0xff));
    free(times);
    if (e2e) {
        munmap(buf, len);
    } else {
        munlock(buf, len);
        free(buf);
    }
    return 0;
}
