/* A progress line on standard error while a long capture is read, only when
 * standard error is a terminal (never in pipes, logs or CI output). */
#ifndef TCPSIFT_TOOLS_PROGRESS_H
#define TCPSIFT_TOOLS_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct progress {
    int enabled;
    int shown;
    long long after_ms; /* first line after this long (TCPSIFT_PROGRESS_AFTER_MS, default 2000) */
    struct timespec start, last;
} progress;

void progress_init(progress *p);
/* Called per record: cheap, looks at the clock every 4096 frames. */
void progress_tick(progress *p, uint64_t frames, size_t pos, size_t total);
/* Clears the line if one was shown. */
void progress_done(progress *p);

#endif
