#include "stream_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Failures named one by one on standard error before they are only counted. */
#define STREAM_FILES_NAMED 8

void stream_files_init(stream_files *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    s->dir = dir;
    s->cap = STREAM_FILES_OPEN;
}

static void file_path(const stream_files *s, uint64_t id, tcpsift_direction dir, char *path,
                      size_t size)
{
    snprintf(path, size, "%s/%llu.%s.bin", s->dir, (unsigned long long)id,
             dir == TCPSIFT_C2S ? "c2s" : "s2c");
}

static int mark_test_set(direction_marks *m, uint64_t id, tcpsift_direction dir, int missing);

/* The file of (id, dir) lost bytes (err: errno): counted once, named on standard error while
 * few have, and not written to again. */
static void fail(stream_files *s, uint64_t id, tcpsift_direction dir, const char *what, int err)
{
    s->failed = 1;
    if (mark_test_set(&s->broken, id, dir, 0)) return;
    if (s->failures++ < STREAM_FILES_NAMED) {
        char path[4096];
        file_path(s, id, dir, path, sizeof path);
        fprintf(stderr, "tcpsift: %s: %s: %s\n", path, what, strerror(err));
    }
}

static void close_slot(stream_files *s, stream_file *slot)
{
    if (slot->f && fclose(slot->f) != 0) fail(s, slot->id, slot->dir, "write", errno);
    slot->f = NULL;
}

/* Two bits a connection id, one per direction, grown on demand. */
static int mark_grow(direction_marks *m, uint64_t id)
{
    if (id < m->ids) return 1;
    uint64_t want = m->ids ? m->ids : 1024;
    while (want <= id) want *= 2;
    uint8_t *grown = realloc(m->bits, (size_t)(want / 4));
    if (!grown) return 0;
    memset(grown + m->ids / 4, 0, (size_t)((want - m->ids) / 4));
    m->bits = grown;
    m->ids = want;
    return 1;
}

/* Whether (id, dir) was marked; marks it. `missing` when the table cannot grow. */
static int mark_test_set(direction_marks *m, uint64_t id, tcpsift_direction dir, int missing)
{
    if (!mark_grow(m, id)) return missing;
    unsigned bit = (unsigned)(id % 4) * 2 + (dir == TCPSIFT_C2S ? 0 : 1);
    uint8_t *byte = &m->bits[id / 4];
    int before = (*byte >> bit) & 1;
    *byte = (uint8_t)(*byte | 1u << bit);
    return before;
}

static int mark_test(const direction_marks *m, uint64_t id, tcpsift_direction dir)
{
    if (id >= m->ids) return 0;
    unsigned bit = (unsigned)(id % 4) * 2 + (dir == TCPSIFT_C2S ? 0 : 1);
    return (m->bits[id / 4] >> bit) & 1;
}

/* The file, created by this run or reopened to append. What the name held before is unlinked,
 * never written through: a symbolic link, a FIFO or a hard link planted in DIR (a shared
 * directory, a run as root) must not turn packet bytes into writes elsewhere or block. So the
 * file is created exclusively, and a reopened one must be the regular file (no link followed,
 * a FIFO refused without waiting). -1 with errno set on failure. */
static int open_file(const char *path, int append)
{
    int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    if (!append) {
        if (unlink(path) != 0 && errno != ENOENT) return -1;
        flags |= O_CREAT | O_EXCL;
    } else {
        flags |= O_APPEND;
    }
    int fd = open(path, flags, 0644);
    if (fd < 0) return -1;
    struct stat st;
    int err = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
    if (err) {
        close(fd);
        errno = err;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

/* The least recently used open slot among the first `cap` (a free one first). */
static stream_file *slot_to_use(stream_files *s)
{
    stream_file *lru = &s->open[0];
    for (size_t i = 0; i < s->cap; i++) {
        stream_file *slot = &s->open[i];
        if (!slot->f) return slot;
        if (slot->last_use < lru->last_use) lru = slot;
    }
    return lru;
}

FILE *stream_files_get(stream_files *s, uint64_t id, tcpsift_direction dir)
{
    for (size_t i = 0; i < s->cap; i++) {
        stream_file *slot = &s->open[i];
        if (slot->f && slot->id == id && slot->dir == dir) {
            slot->last_use = ++s->uses;
            return slot->f;
        }
    }
    stream_file *slot = slot_to_use(s);
    close_slot(s, slot);
    char path[4096];
    file_path(s, id, dir, path, sizeof path);
    /* Without memory for the table the file is appended to, as before it existed. */
    int append = mark_test_set(&s->created, id, dir, 1);
    int fd;
    /* Out of descriptors (a low RLIMIT_NOFILE): keep fewer files open, down to one. */
    while ((fd = open_file(path, append)) < 0 && (errno == EMFILE || errno == ENFILE) &&
           s->cap > 1) {
        stream_file *last = &s->open[--s->cap];
        if (last != slot) {
            close_slot(s, last);
        } else {
            /* The chosen slot leaves the usable range: the last usable one is closed instead
             * and takes its place. */
            close_slot(s, &s->open[s->cap - 1]);
            slot = &s->open[s->cap - 1];
        }
    }
    FILE *f = fd >= 0 ? fdopen(fd, append ? "ab" : "wb") : NULL;
    if (!f) {
        int err = errno;
        if (fd >= 0) close(fd);
        fail(s, id, dir, "open", err);
        return NULL;
    }
    *slot = (stream_file){f, id, dir, ++s->uses};
    return f;
}

void stream_files_write(stream_files *s, uint64_t id, tcpsift_direction dir, const uint8_t *data,
                        size_t len)
{
    if (mark_test(&s->broken, id, dir)) return; /* incomplete already: said once */
    FILE *f = stream_files_get(s, id, dir);
    if (f && fwrite(data, 1, len, f) != len) fail(s, id, dir, "write", errno);
}

void stream_files_finish_conn(stream_files *s, uint64_t id)
{
    for (int d = 0; d < 2; d++) stream_files_get(s, id, (tcpsift_direction)d);
    for (size_t i = 0; i < s->cap; i++)
        if (s->open[i].f && s->open[i].id == id) close_slot(s, &s->open[i]);
}

int stream_files_close_all(stream_files *s)
{
    for (size_t i = 0; i < STREAM_FILES_OPEN; i++) close_slot(s, &s->open[i]);
    free(s->created.bits);
    free(s->broken.bits);
    memset(&s->created, 0, sizeof s->created);
    memset(&s->broken, 0, sizeof s->broken);
    return !s->failed;
}
