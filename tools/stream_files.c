#include "stream_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void stream_files_init(stream_files *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    s->dir = dir;
}

static void fail(stream_files *s, const char *path, int err)
{
    if (!s->failed) fprintf(stderr, "tcpsift: %s: %s\n", path, strerror(err));
    s->failed = 1;
}

static void close_slot(stream_files *s, stream_file *slot)
{
    if (slot->f && fclose(slot->f) != 0) s->failed = 1;
    slot->f = NULL;
}

/* Whether this run created (id, dir)'s file already; marks it created. 0 on no memory (then
 * the file is appended to, as before this table existed). */
static int created_before(stream_files *s, uint64_t id, tcpsift_direction dir)
{
    if (id >= s->created_ids) {
        uint64_t want = s->created_ids ? s->created_ids : 1024;
        while (want <= id) want *= 2;
        uint8_t *grown = realloc(s->created, (size_t)(want / 4));
        if (!grown) return 1;
        memset(grown + s->created_ids / 4, 0, (size_t)((want - s->created_ids) / 4));
        s->created = grown;
        s->created_ids = want;
    }
    unsigned bit = (unsigned)(id % 4) * 2 + (dir == TCPSIFT_C2S ? 0 : 1);
    uint8_t *byte = &s->created[id / 4];
    int before = (*byte >> bit) & 1;
    *byte = (uint8_t)(*byte | 1u << bit);
    return before;
}

FILE *stream_files_get(stream_files *s, uint64_t id, tcpsift_direction dir)
{
    stream_file *lru = &s->open[0];
    for (size_t i = 0; i < STREAM_FILES_OPEN; i++) {
        stream_file *slot = &s->open[i];
        if (slot->f && slot->id == id && slot->dir == dir) {
            slot->last_use = ++s->uses;
            return slot->f;
        }
        if (!slot->f || (lru->f && slot->last_use < lru->last_use)) lru = slot;
    }
    close_slot(s, lru);
    char path[4096];
    snprintf(path, sizeof path, "%s/%llu.%s.bin", s->dir, (unsigned long long)id,
             dir == TCPSIFT_C2S ? "c2s" : "s2c");
    FILE *f = fopen(path, created_before(s, id, dir) ? "ab" : "wb");
    if (!f) {
        fail(s, path, errno);
        return NULL;
    }
    *lru = (stream_file){f, id, dir, ++s->uses};
    return f;
}

void stream_files_finish_conn(stream_files *s, uint64_t id)
{
    for (int d = 0; d < 2; d++) stream_files_get(s, id, (tcpsift_direction)d);
    for (size_t i = 0; i < STREAM_FILES_OPEN; i++)
        if (s->open[i].f && s->open[i].id == id) close_slot(s, &s->open[i]);
}

int stream_files_close_all(stream_files *s)
{
    for (size_t i = 0; i < STREAM_FILES_OPEN; i++) close_slot(s, &s->open[i]);
    free(s->created);
    s->created = NULL;
    s->created_ids = 0;
    return !s->failed;
}
