/* The files `tcpsift stream` writes, DIR/<id>.c2s.bin and DIR/<id>.s2c.bin: a few kept open at
 * once (reassembled bytes of interleaved connections arrive in alternation, and reopening a
 * file per chunk cost more than the rest of the work; fewer when descriptors run out), each
 * created by this run the first time it is opened (whatever an earlier run or anyone else left
 * under that name, a link or a FIFO included, is unlinked and replaced, never written through)
 * and appended to after that. Each file that loses bytes is named on standard error (the first
 * few) and counted. */
#ifndef TCPSIFT_TOOLS_STREAM_FILES_H
#define TCPSIFT_TOOLS_STREAM_FILES_H

#include <stdint.h>
#include <stdio.h>

#include "tcpsift/tracker.h"

#define STREAM_FILES_OPEN 64 /* files open at once, well below the usual 1024 descriptors */

typedef struct stream_file {
    FILE *f; /* NULL: the slot is free */
    uint64_t id;
    tcpsift_direction dir;
    uint64_t last_use;
} stream_file;

/* Two bits a connection id: one per direction. */
typedef struct direction_marks {
    uint8_t *bits;
    uint64_t ids; /* ids covered */
} direction_marks;

typedef struct stream_files {
    const char *dir;
    stream_file open[STREAM_FILES_OPEN];
    uint64_t uses;
    size_t cap; /* slots in use at most: STREAM_FILES_OPEN, fewer after running out of fds */
    direction_marks created; /* its file exists from this run */
    direction_marks broken;  /* its file lost bytes (an open, write or close failed) */
    int failed;
    uint64_t failures; /* files that lost bytes (the first few named on stderr) */
} stream_files;

void stream_files_init(stream_files *s, const char *dir);

/* The open file for (id, dir), created or reopened as needed; NULL on failure (failed set). */
FILE *stream_files_get(stream_files *s, uint64_t id, tcpsift_direction dir);

/* Append bytes to (id, dir)'s file; a failure is named and counted. */
void stream_files_write(stream_files *s, uint64_t id, tcpsift_direction dir, const uint8_t *data,
                        size_t len);

/* Both files of connection `id` exist (empty when a direction carried nothing) and are closed. */
void stream_files_finish_conn(stream_files *s, uint64_t id);

/* Close every file; 0 when a write or close failed. */
int stream_files_close_all(stream_files *s);

#endif
