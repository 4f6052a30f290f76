/* Helpers shared by the bench programs (bench_inproc and the peers). */
#ifndef TCPSIFT_BENCH_COMMON_H
#define TCPSIFT_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The generator's ground truth (OUT.pcap.json). */
typedef struct truth {
    uint64_t packets, connections, closed_connections, frames_c2s, frames_s2c, stream_c2s,
        stream_s2c, payload_bytes, captured_bytes;
    int loaded;
} truth;

double now_ns(void);                               /* CLOCK_MONOTONIC */
/* Any clock: CLOCK_THREAD_CPUTIME_ID counts only this thread's CPU time, steadier than wall
 * time for A/B comparisons on a shared machine (bench_inproc --clock thread). */
double clock_ns(clockid_t clock);
long peak_rss_kb(void);                            /* VmHWM (getrusage as fallback) */
long current_rss_kb(void);                         /* VmRSS */
uint8_t *read_file(const char *path, size_t *len); /* whole file, NUL-terminated; exits on error */
void load_truth(const char *path, truth *t); /* path NULL: all zero, t->loaded 0 */
/* read the capture whole, mlock it when allowed, touch every page */
uint8_t *load_capture(const char *path, size_t *len, int *locked);
/* map the capture read-only (end-to-end runs: nothing preloaded); munmap to release */
uint8_t *map_capture(const char *path, size_t *len);
/* 0 when equal; else prints a MISMATCH line and returns 1 */
int check(const char *what, uint64_t got, uint64_t want);
int cmp_double(const void *a, const void *b);

/* The fields every bench program's one JSON result line starts with, from the loop times of its
 * repeats (sorted here): tier, capture, packets, repeat, clock, best and median ns a packet,
 * Mpps and Gbit/s (of `bytes` captured bytes) at the best, peak RSS and its growth from
 * rss_before, whether the capture was mlock'ed and the counts checked, frames. The caller adds
 * its own fields after a comma, and the closing brace. */
void print_result_fields(const char *tier, const char *capture, uint64_t packets, uint64_t bytes,
                         double *times, int repeat, const char *clock, long peak_kb,
                         long rss_before_kb, int locked, int checked, uint64_t frames);

#ifdef __cplusplus
}
#endif
#endif
