#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
    return (long long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

void progress_init(progress *p)
{
    p->enabled = isatty(STDERR_FILENO);
    p->shown = 0;
    p->after_ms = 2000;
    const char *env = getenv("TCPSIFT_PROGRESS_AFTER_MS");
    if (env && *env) p->after_ms = atoll(env);
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

void progress_tick(progress *p, uint64_t frames, size_t pos, size_t total)
{
    if (!p->enabled || ((frames & 4095) != 0 && frames != 1)) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ms_between(&p->start, &now) < p->after_ms) return;
    if (p->shown && ms_between(&p->last, &now) < 500) return;
    p->last = now;
    p->shown = 1;
    if (total)
        fprintf(stderr, "\rtcpsift: %llu frames, %.0f%% of the capture read",
                (unsigned long long)frames, 100.0 * (double)pos / (double)total);
    else /* a pipe: its length is unknown */
        fprintf(stderr, "\rtcpsift: %llu frames, reading", (unsigned long long)frames);
    fflush(stderr);
}

void progress_done(progress *p)
{
    if (!p->shown) return;
    fputs("\r\033[K", stderr); /* erase the line: the output that follows stays clean */
    fflush(stderr);
    p->shown = 0;
}
