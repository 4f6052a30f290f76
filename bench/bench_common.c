/* Helpers shared by the bench programs: capture loading, ground truth, RSS, time. */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/resource.h>
#include <time.h>

/* ------------------------------------------------------------------ helpers */
double now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

double clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Peak and current resident size of this program's memory (kB): VmHWM / VmRSS of
 * /proc/self/status. getrusage's ru_maxrss is the fallback only: Linux carries it across
 * execve, so a child of a big parent (python) would report the parent's peak. */
static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    if (f) fclose(f);
    return kb;
}

long peak_rss_kb(void)
{
    long kb = status_kb("VmHWM");
    if (kb >= 0) return kb;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

long current_rss_kb(void)
{
    long kb = status_kb("VmRSS");
    return kb >= 0 ? kb : peak_rss_kb();
}

static uint64_t json_u64(const char *text, const char *key)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(text, pat);
    if (!p) {
        fprintf(stderr, "bench: ground truth lacks \"%s\"\n", key);
        exit(2);
    }
    return strtoull(p + strlen(pat), NULL, 10);
}

uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    if (fseek(f, 0, SEEK_END) != 0) exit(2);
    long n = ftell(f);
    if (n < 0) exit(2);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "bench: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

void load_truth(const char *path, truth *t)
{
    memset(t, 0, sizeof *t);
    if (!path) return; /* no ground truth: nothing is checked */
    size_t len;
    char *text = (char *)read_file(path, &len);
    t->packets = json_u64(text, "packets");
    t->connections = json_u64(text, "connections");
    t->closed_connections = json_u64(text, "closed_connections");
    t->frames_c2s = json_u64(text, "frames_c2s");
    t->frames_s2c = json_u64(text, "frames_s2c");
    t->stream_c2s = json_u64(text, "stream_bytes_c2s");
    t->stream_s2c = json_u64(text, "stream_bytes_s2c");
    t->payload_bytes = json_u64(text, "payload_bytes");
    t->captured_bytes = json_u64(text, "captured_bytes");
    t->loaded = 1;
    free(text);
}

int check(const char *what, uint64_t got, uint64_t want)
{
    if (got == want) return 0;
    fprintf(stderr, "bench: MISMATCH %s: got %llu, ground truth %llu\n", what,
            (unsigned long long)got, (unsigned long long)want);
    return 1;
}

int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

uint8_t *load_capture(const char *path, size_t *len, int *locked)
{
    uint8_t *buf = read_file(path, len);
    *locked = mlock(buf, *len) == 0;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < *len; i += 4096)
        sink = (uint8_t)(sink + buf[i]);
    return buf;
}

uint8_t *map_capture(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
        perror(path);
        exit(2);
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    *len = (size_t)st.st_size;
    return p;
}

void print_result_fields(const char *tier, const char *capture, uint64_t packets, uint64_t bytes,
                         double *times, int repeat, const char *clock, long peak_kb,
                         long rss_before_kb, int locked, int checked, uint64_t frames)
{
    qsort(times, (size_t)repeat, sizeof *times, cmp_double);
    double best = times[0], median = times[repeat / 2], pk = (double)(packets ? packets : 1);
    printf("{\"tier\": \"%s\", \"capture\": \"%s\", \"packets\": %llu, \"repeat\": %d, "
           "\"clock\": \"%s\", \"best_ns_per_packet\": %.2f, \"median_ns_per_packet\": %.2f, "
           "\"mpps\": %.3f, \"gbit_s\": %.3f, \"peak_rss_kb\": %ld, \"rss_before_kb\": %ld, "
           "\"rss_growth_kb\": %ld, \"mlocked\": %s, \"checked\": %s, \"frames\": %llu",
           tier, capture, (unsigned long long)packets, repeat, clock, best / pk, median / pk,
           pk / best * 1e3, (double)bytes * 8.0 / best, peak_kb, rss_before_kb,
           peak_kb - rss_before_kb, locked ? "true" : "false", checked ? "true" : "false",
           (unsigned long long)frames);
}
