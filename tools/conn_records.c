/* Connection records kept for the end of a capture (conn_records.h). */
#include "conn_records.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An unnamed temporary file in $TMPDIR (else /tmp), as tmpfile() but where the user asks:
 * tmpfile() always uses /tmp. */
static FILE *spill_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/tcpsift-records-XXXXXX", dir) >= sizeof path)
        return NULL;
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    unlink(path); /* unnamed: gone when closed, whatever ends the process */
    FILE *f = fdopen(fd, "w+b");
    if (!f) close(fd);
    return f;
}

void conn_records_init(conn_records *s, size_t record_size)
{
    memset(s, 0, sizeof *s);
    s->size = record_size;
}

static int ref_append(conn_records *s, uint64_t order, uint64_t at)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        conn_record_ref *bigger = realloc(s->refs, cap * sizeof *bigger);
        if (!bigger) return 0;
        s->refs = bigger;
        s->cap = cap;
    }
    s->refs[s->count].order = order;
    s->refs[s->count].at = at;
    s->count++;
    return 1;
}

int conn_records_add(conn_records *s, uint64_t order, const void *record)
{
    if (s->in_memory < CONN_RECORDS_IN_MEMORY) {
        if (!s->mem && !(s->mem = malloc(CONN_RECORDS_IN_MEMORY * s->size))) return 0;
        if (!ref_append(s, order, s->in_memory)) return 0;
        memcpy(s->mem + s->in_memory * s->size, record, s->size);
        s->in_memory++;
        return 1;
    }
    if (!s->spill && !(s->spill = spill_file())) return 0;
    if (fwrite(record, s->size, 1, s->spill) != 1) return 0; /* appended: no read comes before */
    if (!ref_append(s, order, CONN_RECORDS_IN_MEMORY + s->spilled)) return 0;
    s->spilled++;
    return 1;
}

static int ref_order(const void *a, const void *b)
{
    const conn_record_ref *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at; /* stable: the order added */
}

int conn_records_each(conn_records *s, void (*visit)(void *ctx, const void *record), void *ctx)
{
    if (s->count) qsort(s->refs, s->count, sizeof *s->refs, ref_order);
    unsigned char *one = s->spilled ? malloc(s->size) : NULL;
    if (s->spilled && !one) return 0;
    int ok = 1;
    uint64_t next = UINT64_MAX; /* the spilled record the file is positioned at */
    for (size_t i = 0; i < s->count && ok; i++) {
        uint64_t at = s->refs[i].at;
        if (at < CONN_RECORDS_IN_MEMORY) {
            visit(ctx, s->mem + at * s->size);
            continue;
        }
        uint64_t nth = at - CONN_RECORDS_IN_MEMORY;
        /* Records mostly end in id order, so mostly no seek (a seek drops stdio's buffer);
         * fseeko: a spill past 2 GiB on a 32-bit long. */
        ok = (nth == next || fseeko(s->spill, (off_t)(nth * s->size), SEEK_SET) == 0) &&
             fread(one, s->size, 1, s->spill) == 1;
        next = nth + 1;
        if (ok) visit(ctx, one);
    }
    free(one);
    return ok;
}

void conn_records_free(conn_records *s)
{
    free(s->mem);
    free(s->refs);
    if (s->spill) fclose(s->spill);
    memset(s, 0, sizeof *s);
}
