/* bench_nids: the libnids peer of bench_inproc's full tier (issue 9).
 *
 *   bench_nids --capture FILE [--truth FILE.json] [--repeat N] [--max-conns N] [--e2e]
 *
 * --e2e: libnids reads the file itself (nids_run over its own libpcap loop), for end-to-end
 * timing of the whole process by the caller.
 *
 * The same job as tcpsift's full pipeline: reassemble every TCP connection with libnids and cut
 * each direction into 4-byte big-endian length-prefixed frames, counting them. The capture is
 * loaded into memory first (like bench_inproc) and each record is handed to nids_pcap_handler(),
 * so only reassembly and framing are timed, not libpcap's reading. libnids checksums are off
 * (nids_register_chksum_ctl for every address) and port-scan detection is off, as in
 * ../shared/reference/performance.md. Counts are cross-checked against the ground truth.
 *
 * libnids is a process-wide singleton: each repeat is a nids_init() / nids_exit() pair. */
#define _DEFAULT_SOURCE /* libnids' headers need BSD types (u_int, u_char) */
#include <nids.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench_common.h"

typedef struct len_framer {
    uint32_t body_left; /* body bytes still to skip */
    uint32_t value;     /* length field being read */
    uint8_t got;        /* length-field bytes read */
} len_framer;

typedef struct stream_state {
    len_framer dir[2]; /* [0] client->server, [1] server->client */
} stream_state;

static struct {
    uint64_t established, ended, frames[2], stream[2];
} g;

/* A straightforward incremental len:4:be framer: frame counted when its body completes. */
static void frame_bytes(len_framer *f, const uint8_t *p, size_t n, uint64_t *frames)
{
    while (n) {
        if (f->got < 4) {
            f->value = f->value << 8 | *p++;
            n--;
            if (++f->got == 4) {
                f->body_left = f->value;
                if (f->body_left == 0) {
                    (*frames)++;
                    f->got = 0, f->value = 0;
                }
            }
            continue;
        }
        size_t take = n < f->body_left ? n : f->body_left;
        p += take;
        n -= take;
        f->body_left -= (uint32_t)take;
        if (f->body_left == 0) {
            (*frames)++;
            f->got = 0, f->value = 0;
        }
    }
}

static void on_tcp(struct tcp_stream *s, void **unused)
{
    (void)unused;
    switch (s->nids_state) {
    case NIDS_JUST_EST: {
        stream_state *st = calloc(1, sizeof *st);
        if (!st) abort();
        s->user = st;
        s->client.collect++;
        s->server.collect++;
        g.established++;
        return;
    }
    case NIDS_DATA: {
        stream_state *st = s->user;
        /* bytes the client sent arrive in the server's half, and vice versa */
        for (int d = 0; d < 2; d++) {
            struct half_stream *h = d == 0 ? &s->server : &s->client;
            if (h->count_new <= 0) continue;
            const uint8_t *p = (const uint8_t *)h->data + (h->count - h->offset) - h->count_new;
            frame_bytes(&st->dir[d], p, (size_t)h->count_new, &g.frames[d]);
            g.stream[d] += (uint64_t)h->count_new;
        }
        return;
    }
    default: /* CLOSE, RESET, TIMED_OUT, EXITING */
        free(s->user);
        s->user = NULL;
        g.ended++;
        return;
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

__attribute__((noinline)) void bench_loop(const uint8_t *buf, size_t len, uint64_t *packets,
                                          uint64_t *bytes);
__attribute__((noinline)) void bench_loop(const uint8_t *buf, size_t len, uint64_t *packets,
                                          uint64_t *bytes)
{
    /* the generator writes little-endian microsecond pcap */
    size_t pos = 24;
    while (pos + 16 <= len) {
        struct pcap_pkthdr h;
        h.ts.tv_sec = le32(buf + pos);
        h.ts.tv_usec = le32(buf + pos + 4);
        h.caplen = le32(buf + pos + 8);
        h.len = le32(buf + pos + 12);
        if (pos + 16 + h.caplen > len) break;
        nids_pcap_handler(NULL, &h, (u_char *)(uintptr_t)(buf + pos + 16));
        (*packets)++;
        *bytes += h.caplen;
        pos += 16 + (size_t)h.caplen;
    }
}

int main(int argc, char **argv)
{
    const char *capture = NULL, *truth_path = NULL;
    int repeat = 3, max_conns = 1 << 16, e2e = 0;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--e2e") == 0) {
            e2e = 1;
            i--;
        } else if (i + 1 >= argc) {
            fprintf(stderr, "bench_nids: %s needs a value\n", argv[i]);
            return 2;
        } else if (strcmp(argv[i], "--capture") == 0)
            capture = argv[i + 1];
        else if (strcmp(argv[i], "--truth") == 0)
            truth_path = argv[i + 1];
        else if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--max-conns") == 0)
            max_conns = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--tier") == 0)
            continue; /* bench/run passes --tier libnids */
        else {
            fprintf(stderr, "bench_nids: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!capture || repeat < 1 || repeat > 1000 || max_conns < 1) {
        fprintf(stderr, "usage: bench_nids --capture FILE [--truth FILE.json] [--repeat N] "
                        "[--max-conns N]\n");
        return 2;
    }
    truth tr;
    load_truth(truth_path, &tr);
    size_t len = 0;
    int locked = 0;
    uint8_t *buf = e2e ? NULL : load_capture(capture, &len, &locked);
    long rss_before = current_rss_kb();

    double *times = calloc((size_t)repeat, sizeof *times);
    if (!times) return 2;
    uint64_t packets = 0, bytes = 0;
    int bad = 0;
    for (int r = 0; r < repeat && !bad; r++) {
        memset(&g, 0, sizeof g);
        /* libnids opens the file for its link type only; we hand it the records ourselves */
        nids_params.filename = (char *)(uintptr_t)capture;
        nids_params.device = NULL;
        nids_params.scan_num_hosts = 0;        /* port-scan detection off */
        nids_params.n_tcp_streams = max_conns; /* at most 3/4 of it are tracked at once */
        nids_params.n_hosts = 256;
        nids_params.tcp_workarounds = 0;
        if (!nids_init()) {
            fprintf(stderr, "bench_nids: nids_init: %s\n", nids_errbuf);
            return 2;
        }
        static struct nids_chksum_ctl all = {0, 0, NIDS_DONT_CHKSUM, 0};
        nids_register_chksum_ctl(&all, 1);
        nids_register_tcp((void *)on_tcp);
        packets = bytes = 0;
        double t0 = now_ns();
        if (e2e) {
            nids_run();           /* libnids' own pcap_loop over the file */
            packets = tr.packets; /* not counted by libnids: checked through the streams */
        } else {
            bench_loop(buf, len, &packets, &bytes);
        }
        times[r] = now_ns() - t0;
        nids_exit();
        if (tr.loaded) {
            bad += check("packets", packets, tr.packets);
            bad += check("connections established", g.established, tr.connections);
            bad += check("connections ended", g.ended, tr.connections);
            bad += check("frames c2s", g.frames[0], tr.frames_c2s);
            bad += check("frames s2c", g.frames[1], tr.frames_s2c);
            bad += check("stream bytes c2s", g.stream[0], tr.stream_c2s);
            bad += check("stream bytes s2c", g.stream[1], tr.stream_s2c);
        }
    }
    long peak = peak_rss_kb();
    if (bad) {
        fprintf(stderr, "bench_nids: FAILED the ground-truth cross-check on %s\n", capture);
        return 3;
    }
    print_result_fields("libnids", capture, packets, bytes, times, repeat, "wall", peak, rss_before,
                        locked, tr.loaded, g.frames[0] + g.frames[1]);
    printf("}\n");
    free(times);
    if (buf) {
        munlock(buf, len);
        free(buf);
    }
    return 0;
}
