/* The files `tcpsift stream` writes, DIR/<id>.c2s.bin and DIR/<id>.s2c.bin: a few kept open at
 * once (reassembled bytes of interleaved connections arrive in alternation, and reopening a
 * file per chunk cost more than the rest of the work), each created empty by this run the first
 * time it is opened (a file left by an earlier run into the same DIR is replaced, not appended
 * to) and appended to after that. */
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

typedef struct stream_files {
    const char *dir;
    stream_file open[STREAM_FILES_OPEN];
    uint64_t uses;
    uint8_t *created; /* 2 bits a connection id: its c2s / s2c file exists from this run */
    uint64_t created_ids;
    int failed; /* a file could not be opened or written (said once on standard error) */
} stream_files;

void stream_files_init(stream_files *s, const char *dir);

/* The open file for (id, dir), created or reopened as needed; NULL on failure (failed set). */
FILE *stream_files_get(stream_files *s, uint64_t id, tcpsift_direction dir);

/* Both files of connection `id` exist (empty when a direction carried nothing) and are closed. */
void stream_files_finish_conn(stream_files *s, uint64_t id);

/* Close every file; 0 when a write or close failed. */
int stream_files_close_all(stream_files *s);

#endif
