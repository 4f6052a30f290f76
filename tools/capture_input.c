/* Capture files are mapped (or, for pipes and standard input, read whole)
 * so records are views into one buffer that lives until the command ends:
 * the library can then hand out frames spanning packets without copying. */
#define _DEFAULT_SOURCE 1 /* madvise (MADV_POPULATE_READ) */
#include "capture_input.h"
#include "capture_libpcap.h"
#include "capture_stream.h"
#include "cli_signals.h"
#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_all(int fd, uint8_t **out, size_t *out_len)
{
    size_t cap = 1 << 20, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return 0;
    for (;;) {
        if (len == cap) {
            uint8_t *bigger = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return 0;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            free(buf);
            return 0;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    *out = buf;
    *out_len = len;
    return 1;
}

const char capture_reader_help[] =
    "  --reader own|libpcap|auto  the capture file reader: tcpsift's own (pcap and\n"
    "                             pcapng, every interface), libpcap (stops where\n"
    "                             libpcap stops, e.g. at a pcapng interface whose\n"
    "                             link type differs from the first), or auto (own;\n"
    "                             libpcap for a format only libpcap knows; default)\n";

int capture_reader_option(capture_reader *r, int argc, char **argv, int *i)
{
    if (strcmp(argv[*i], "--reader") != 0) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "tcpsift: --reader needs a value\n");
        return -1;
    }
    const char *v = argv[++*i];
    if (strcmp(v, "own") == 0)
        *r = CAPTURE_READER_OWN;
    else if (strcmp(v, "auto") == 0)
        *r = CAPTURE_READER_AUTO;
    else if (strcmp(v, "libpcap") == 0) {
        if (!capture_libpcap_available()) {
            fprintf(stderr, "tcpsift: --reader libpcap: this tcpsift was built without libpcap\n");
            return -1;
        }
        *r = CAPTURE_READER_LIBPCAP;
    } else {
        fprintf(stderr, "tcpsift: --reader: expected own, libpcap or auto, not '%s'\n", v);
        return -1;
    }
    return 1;
}

static void report_open_failure(json_writer *w, const char *path, const char *code,
                                const char *why)
{
    fprintf(stderr, "tcpsift: %s: %s\n", path, why);
    jw_object_begin(w);
    jw_key_str(w, "error", code);
    jw_key_str(w, "file", path);
    jw_key_str(w, "detail", why);
    jw_object_end(w);
    jw_line_end(w);
    jw_flush(w);
}

/* The own reader unless asked otherwise; libpcap also when the own reader
 * does not know the format and libpcap does (said on stderr). */
static void choose_reader(capture_input *in)
{
    if (in->reader == CAPTURE_READER_LIBPCAP) {
        in->via_libpcap = 1;
        return;
    }
    if (in->reader == CAPTURE_READER_OWN) return;
    tcpsift_capture_reader probe;
    if (tcpsift_capture_open(&probe, in->data, in->len) == TCPSIFT_E_NOT_A_CAPTURE &&
        capture_libpcap_opens(in)) {
        in->via_libpcap = 1;
        fprintf(stderr, "tcpsift: %s: a format tcpsift's reader does not know; reading it "
                        "through libpcap\n", in->path);
    }
}

/* Whether libpcap opens the stream from its first bytes (its headers come first: a pcap file
 * header, a pcapng section). Only then is the stream read whole for it, so that a stream of
 * something else (/dev/zero, a log) is not buffered up to the window's cap first. */
#define STREAM_PROBE_BYTES ((size_t)64 << 10)

static int stream_libpcap_opens(capture_input *in)
{
    if (!capture_stream_read_prefix(in, STREAM_PROBE_BYTES)) return 0;
    in->data = in->window;
    int opens = capture_libpcap_opens(in);
    in->data = NULL;
    return opens;
}

/* A pipe or socket: the own reader through a sliding window; libpcap (the
 * fallback for a format only it knows) reads the whole stream from memory.
 * On failure the window and the descriptor are given back. */
static int open_stream(capture_input *in, int fd, json_writer *w)
{
    tcpsift_error e = capture_stream_start(in, fd);
    in->stream_open = e;
    if (e == TCPSIFT_E_NO_MEMORY) {
        report_open_failure(w, in->path, "cannot_open", strerror(errno ? errno : ENOMEM));
        capture_close(in);
        return 0;
    }
    if (e == TCPSIFT_E_NOT_A_CAPTURE && in->reader == CAPTURE_READER_AUTO &&
        capture_libpcap_available() && stream_libpcap_opens(in)) {
        if (!capture_stream_read_rest(in)) {
            report_open_failure(w, in->path, "cannot_open", "reading the stream failed");
            capture_close(in);
            return 0;
        }
        in->streamed = 0; /* now whole in memory, in->window */
        choose_reader(in);
    }
    return 1;
}

int capture_records_transient(const capture_input *in)
{
    return in->via_libpcap || in->streamed;
}

int capture_open(capture_input *in, const char *path, capture_reader reader, json_writer *w)
{
    memset(in, 0, sizeof *in);
    in->path = path;
    in->reader = reader;
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        report_open_failure(w, path, "cannot_open", strerror(errno));
        return 0;
    }
    struct stat st;
    int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (!regular && reader != CAPTURE_READER_LIBPCAP) return open_stream(in, fd, w);
    if (regular && st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            in->data = map;
            in->len = (size_t)st.st_size;
            in->mapped = 1;
            in->fd = fd; /* kept: its size again if the file shrinks (cli_signals.h) */
            cli_mapping_watch(map, in->len);
            choose_reader(in);
            return 1;
        }
    }
    if (!in->mapped) {
        uint8_t *buf;
        size_t len;
        if (!read_all(fd, &buf, &len)) {
            int e = errno;
            if (fd != STDIN_FILENO) close(fd);
            report_open_failure(w, path, "cannot_open", strerror(e ? e : ENOMEM));
            return 0;
        }
        in->data = buf;
        in->len = len;
    }
    if (fd != STDIN_FILENO) close(fd);
    choose_reader(in);
    return 1;
}

/* The mapped file is faulted in ahead of the reader a window at a time (one madvise per window
 * instead of a page fault every 64 KiB, the kernel's fault-around), never more than one window
 * beyond the reader. Ignored where the kernel lacks MADV_POPULATE_READ (before Linux 5.14). */
#define POPULATE_WINDOW ((size_t)8 << 20)

static void populate_ahead(const capture_input *in, size_t pos, size_t *populated)
{
#ifdef MADV_POPULATE_READ
    while (*populated < in->len && *populated < pos + POPULATE_WINDOW) {
        size_t n = in->len - *populated < POPULATE_WINDOW ? in->len - *populated : POPULATE_WINDOW;
        /* offsets are multiples of the window: page-aligned, as madvise wants */
        (void)madvise((void *)(uintptr_t)(in->data + *populated), n, MADV_POPULATE_READ);
        *populated += n;
    }
#else
    (void)in;
    (void)pos;
    (void)populated;
#endif
}

/* The size a mapped file shrank to (cli_signals.h), to read no record past it; 0 when the size
 * cannot be had (nothing more is read). */
static size_t shrunk_size(const capture_input *in)
{
    struct stat st;
    return fstat(in->fd, &st) == 0 && (uint64_t)st.st_size < in->len ? (size_t)st.st_size : 0;
}

/* Whether the mapped file shrank under the batch recs[0..n) before it is analysed. A byte of the
 * page after the batch is read: a file cut inside the batch faults there (SIGBUS, caught), as
 * bytes past a new end within its last page read as zeros without a fault. At the mapping's
 * last page there is no such page, and the size is asked instead. */
static int batch_shrunk(const capture_input *in, const tcpsift_capture_record *recs, size_t n)
{
    if (cli_mapping_faulted()) return 1;
    if (n == 0) return 0;
    size_t end = (size_t)(recs[n - 1].data - in->data) + recs[n - 1].caplen;
    size_t next_page = (end | (size_t)4095) + 1; /* 4 KiB: a page, or within the next one */
    if (next_page < in->len) {
        (void)*(const volatile uint8_t *)(in->data + next_page);
        return cli_mapping_faulted();
    }
    struct stat st;
    return fstat(in->fd, &st) == 0 && (uint64_t)st.st_size < in->len;
}

static int capture_run_input(capture_input *in, const capture_handler *h);

int capture_run(capture_input *in, const capture_handler *h)
{
    cli_stop_signals_catch();
    int r = capture_run_input(in, h);
    in->interrupted = cli_stop_requested();
    cli_stop_signals_release();
    return r;
}

static int capture_run_input(capture_input *in, const capture_handler *h)
{
    if (in->via_libpcap) return capture_run_libpcap(in, h);
    if (in->streamed) {
        if (in->stream_open != TCPSIFT_OK) {
            in->fatal = TCPSIFT_E_NOT_A_CAPTURE;
            return 1;
        }
        return capture_run_stream(in, h);
    }
    tcpsift_capture_reader reader;
    tcpsift_error err = tcpsift_capture_open(&reader, in->data, in->len);
    if (err != TCPSIFT_OK) {
        in->fatal = err;
        return 1;
    }
    /* Records come in batches so the next record's bytes can be prefetched
     * while the current one is analysed (the capture is mapped: the views
     * stay valid). */
    enum { BATCH = 16 };
    tcpsift_capture_record recs[BATCH];
    progress prog;
    progress_init(&prog);
    size_t populated = 0;
    const char *shrink_env = in->mapped ? getenv("TCPSIFT_TEST_SHRINK_AT_FRAME") : NULL;
    uint64_t shrink_at = shrink_env ? strtoull(shrink_env, NULL, 10) : 0;
    size_t limit = in->len; /* below it when the file shrank */
    for (;;) {
        if (in->mapped) populate_ahead(in, tcpsift_capture_consumed(&reader), &populated);
        size_t n = tcpsift_capture_next_batch(&reader, recs, BATCH, &err);
        /* A file cut while it is read ends as a cut one: records whole below its new size are
         * read, the first past it ends reading (the pages past the end read as zeros). */
        if (limit == in->len && in->mapped && batch_shrunk(in, recs, n)) limit = shrunk_size(in);
        size_t i = 0;
        for (; i < n; i++) {
            if (limit < in->len || cli_mapping_faulted()) {
                if (limit == in->len) limit = shrunk_size(in);
                if ((size_t)(recs[i].data - in->data) + recs[i].caplen > limit) break;
            }
            if (i + 1 < n) __builtin_prefetch(recs[i + 1].data);
            in->frames++;
            h->on_record(h->ctx, &recs[i]);
            progress_tick(&prog, in->frames, (size_t)(recs[i].data - in->data), in->len);
        }
        if (i < n) {
            in->fatal = TCPSIFT_E_CAPTURE_TRUNCATED;
            snprintf(in->detail, sizeof in->detail, "the file shrank to %zu bytes while it was read",
                     limit);
            break;
        }
        if (shrink_at && in->frames >= shrink_at && n > 0) {
            /* Test hook (TCPSIFT_TEST_SHRINK_AT_FRAME=N): the file loses everything after the
             * batch holding frame N, as a copytruncate would cut it. */
            if (truncate(in->path, (off_t)((size_t)(recs[n - 1].data - in->data) +
                                           recs[n - 1].caplen)) != 0)
                perror("tcpsift: TCPSIFT_TEST_SHRINK_AT_FRAME");
            shrink_at = 0;
        }
        if (cli_stop_requested()) break;
        if (err == TCPSIFT_OK) {
            if (n < BATCH) break; /* clean end of the input */
            continue;
        }
        if (!tcpsift_capture_at_end(&reader)) {
            in->skipped++;
            if (h->on_skipped_block) h->on_skipped_block(h->ctx, err, in->frames);
            continue;
        }
        in->fatal = err;
        progress_done(&prog);
        return 1;
    }
    progress_done(&prog);
    return in->fatal != TCPSIFT_OK;
}

void capture_report_end(const capture_input *in, json_writer *w)
{
    if (in->interrupted) {
        /* Stopped on request: whatever the reader met last (a record cut by the stop) is the
         * stop's doing. */
        fprintf(stderr, "tcpsift: warning: %s: stopped by %s after frame %llu; the rest was not "
                        "read\n", in->path, cli_signal_name(in->interrupted),
                (unsigned long long)in->frames);
        jw_object_begin(w);
        jw_key_str(w, "error", "interrupted");
        jw_key_str(w, "file", in->path);
        jw_key_u64(w, "after_frame", in->frames);
        jw_key_str(w, "signal", cli_signal_name(in->interrupted));
        jw_object_end(w);
        jw_line_end(w);
        return;
    }
    if (in->fatal == TCPSIFT_OK || in->fatal == TCPSIFT_E_NOT_A_CAPTURE) return;
    fprintf(stderr, "tcpsift: warning: %s: %s after frame %llu; the rest was not read\n", in->path,
            in->detail[0] ? in->detail : tcpsift_error_text(in->fatal),
            (unsigned long long)in->frames);
    jw_object_begin(w);
    jw_key_str(w, "error", in->fatal_code ? in->fatal_code : tcpsift_error_name(in->fatal));
    jw_key_str(w, "file", in->path);
    jw_key_u64(w, "after_frame", in->frames);
    if (in->detail[0]) jw_key_str(w, "detail", in->detail);
    jw_object_end(w);
    jw_line_end(w);
}

void capture_close(capture_input *in)
{
    if (in->mapped) {
        munmap((void *)(uintptr_t)in->data, in->len);
        cli_mapping_unwatch();
    }
    else if (in->window) /* a stream's window (in->data may point into it) */
        free(in->window);
    else
        free((void *)(uintptr_t)in->data);
    if (in->fd > STDIN_FILENO) close(in->fd);
    in->data = NULL;
    in->window = NULL;
}
