/* The connection records `conns` and `stream` print at the end of a capture, in id order (the
 * CLI contract): the first CONN_RECORDS_IN_MEMORY kept in memory, the rest appended to an
 * unnamed temporary file, so a capture of many connections (a SYN flood piped in for hours)
 * costs 16 bytes of memory a record past them instead of the whole record. Records are opaque
 * bytes of one fixed size. */
#ifndef TCPSIFT_CONN_RECORDS_H
#define TCPSIFT_CONN_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CONN_RECORDS_IN_MEMORY 16384

typedef struct conn_record_ref {
    uint64_t order; /* the print order: smaller first */
    uint64_t at;    /* < CONN_RECORDS_IN_MEMORY: in memory; else the spill file's record - that */
} conn_record_ref;

typedef struct conn_records {
    size_t size;         /* bytes of a record */
    unsigned char *mem;  /* up to CONN_RECORDS_IN_MEMORY records */
    size_t in_memory;
    FILE *spill;         /* tmpfile(), opened at the first record past memory */
    uint64_t spilled;
    conn_record_ref *refs;
    size_t count, cap;
} conn_records;

void conn_records_init(conn_records *s, size_t record_size);

/* Keeps a copy of the record; 0 when no memory or temporary file could take it. Every record is
 * added before conn_records_each(). */
int conn_records_add(conn_records *s, uint64_t order, const void *record);

/* Calls visit with each record in ascending order (equal orders: in the order added); 0 when a
 * spilled record could not be read back (the ones before it were visited). */
int conn_records_each(conn_records *s, void (*visit)(void *ctx, const void *record), void *ctx);

void conn_records_free(conn_records *s);

#endif
