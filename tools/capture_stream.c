/* A capture that arrives through a pipe (standard input from tcpdump -w -, a
 * socket): read with large read()s into one reused window that slides along
 * the stream (tcpsift_capture_open_partial / refill), so memory stays bounded
 * by the window however long the capture, and records are handled as they
 * arrive. A record's bytes live until the window slides: handlers are told
 * (on_window_end) and the pipeline runs its tracker with buffers_stable off. */
#include "capture_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_signals.h"
#include "progress.h"

/* The window: enough for many records per refill; it grows only to hold a
 * single block larger than this, up to CAPTURE_STREAM_MAX_WINDOW. */
#define CAPTURE_STREAM_WINDOW (4u << 20)

/* TCPSIFT_STREAM_WINDOW=BYTES (tests): a small window, so windows end everywhere. */
static size_t initial_window(void)
{
    const char *env = getenv("TCPSIFT_STREAM_WINDOW");
    if (env && *env) {
        char *end;
        unsigned long long v = strtoull(env, &end, 10);
        if (*end == '\0' && v >= 16 && v <= CAPTURE_STREAM_WINDOW) return (size_t)v;
    }
    return CAPTURE_STREAM_WINDOW;
}

static int grow_window(capture_input *in, size_t want)
{
    if (want <= in->window_cap) return 1;
    if (want > CAPTURE_STREAM_MAX_WINDOW) return 0;
    size_t cap = in->window_cap ? in->window_cap : initial_window();
    while (cap < want) cap = cap > CAPTURE_STREAM_MAX_WINDOW / 2 ? CAPTURE_STREAM_MAX_WINDOW : cap * 2;
    uint8_t *bigger = realloc(in->window, cap);
    if (!bigger) return 0;
    in->window = bigger;
    in->window_cap = cap;
    return 1;
}

/* One read() into the free end of the window (what the pipe has now, at
 * least one byte unless the stream ended). 0 on a read error. */
static int read_some(capture_input *in)
{
    for (;;) {
        ssize_t n = read(in->fd, in->window + in->len, in->window_cap - in->len);
        if (n < 0 && errno == EINTR && cli_stop_requested()) {
            in->eof = 1; /* stopped: what the window holds is read as the stream's end */
            return 1;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return 0;
        if (n == 0) in->eof = 1;
        in->len += (size_t)n;
        return 1;
    }
}

/* Reads until the window holds `want` bytes (growing it) or the stream ends.
 * 0 when reading failed or memory ran out (errno set). */
static int read_until(capture_input *in, size_t want)
{
    if (!grow_window(in, want > in->len + 1 ? want : in->len + 1)) {
        errno = ENOMEM;
        return 0;
    }
    do {
        if (in->len == in->window_cap && !grow_window(in, in->window_cap + 1)) {
            errno = ENOMEM;
            return 0;
        }
        if (!read_some(in)) return 0;
    } while (in->len < want && !in->eof);
    return 1;
}

/* Reads and drops the stream until `needed` bytes from the window's start went by (1) or the
 * stream ended first (0). The window's bytes count. */
static int drain(capture_input *in, size_t needed)
{
    uint64_t seen = in->len;
    while (seen < needed && !in->eof) {
        in->len = 0;
        if (!read_some(in)) return 1; /* a read error: not known to be cut short */
        seen += in->len;
    }
    in->len = 0;
    return seen >= needed;
}

tcpsift_error capture_stream_start(capture_input *in, int fd)
{
    in->fd = fd;
    in->streamed = 1;
    in->data = NULL;
    if (!grow_window(in, initial_window())) return TCPSIFT_E_NO_MEMORY;
    for (;;) {
        if (!read_until(in, in->len + 1)) return TCPSIFT_E_NO_MEMORY;
        tcpsift_error e = in->eof ? tcpsift_capture_open(&in->stream_reader, in->window, in->len)
                                  : tcpsift_capture_open_partial(&in->stream_reader, in->window,
                                                                 in->len);
        if (e != TCPSIFT_E_CAPTURE_TRUNCATED || in->eof) return e;
        size_t needed = tcpsift_capture_needed(&in->stream_reader);
        /* A first block no window can hold: as a file, this one could not be read either. */
        if (needed > CAPTURE_STREAM_MAX_WINDOW) return TCPSIFT_E_NOT_A_CAPTURE;
        if (needed > in->len && !read_until(in, needed)) return TCPSIFT_E_NO_MEMORY;
    }
}

int capture_stream_read_prefix(capture_input *in, size_t want)
{
    return in->len >= want || in->eof || read_until(in, want);
}

int capture_stream_read_rest(capture_input *in)
{
    while (!in->eof)
        if (!read_until(in, in->len + 1)) return 0;
    in->data = in->window;
    return 1;
}

int capture_run_stream(capture_input *in, const capture_handler *h)
{
    tcpsift_capture_reader *r = &in->stream_reader;
    enum { BATCH = 16 };
    tcpsift_capture_record recs[BATCH];
    progress prog;
    progress_init(&prog);
    uint64_t stream_pos = 0; /* bytes of the stream before the window */
    tcpsift_error err;
    for (;;) {
        size_t n = tcpsift_capture_next_batch(r, recs, BATCH, &err);
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n) __builtin_prefetch(recs[i + 1].data);
            in->frames++;
            h->on_record(h->ctx, &recs[i]);
            progress_tick(&prog, in->frames, 0, 0);
        }
        if (cli_stop_requested()) break;
        if (err != TCPSIFT_OK) {
            if (!tcpsift_capture_at_end(r)) {
                in->skipped++;
                if (h->on_skipped_block) h->on_skipped_block(h->ctx, err, in->frames);
                continue;
            }
            in->fatal = err;
            break;
        }
        if (n == BATCH) continue;
        if (!tcpsift_capture_wants_more(r)) break; /* the clean end */
        /* Slide: the records handed out so far point into the bytes about to move. */
        if (h->on_window_end) h->on_window_end(h->ctx);
        size_t consumed = tcpsift_capture_consumed(r), needed = tcpsift_capture_needed(r);
        memmove(in->window, in->window + consumed, in->len - consumed);
        in->len -= consumed;
        stream_pos += consumed;
        if (needed > CAPTURE_STREAM_MAX_WINDOW) {
            /* Too large to hold. If the stream ends inside it, that is the truncation a file
             * would report; if it is whole, it cannot be read here. */
            int whole = drain(in, needed);
            in->fatal = whole ? TCPSIFT_E_BAD_PCAPNG_BLOCK : TCPSIFT_E_CAPTURE_TRUNCATED;
            if (whole)
                snprintf(in->detail, sizeof in->detail,
                         "a block of %zu bytes at byte %llu of the stream: more than the %u MiB "
                         "a piped capture may buffer", needed, (unsigned long long)stream_pos,
                         (unsigned)(CAPTURE_STREAM_MAX_WINDOW >> 20));
            break;
        }
        if (!read_until(in, needed > in->len ? needed : in->len + 1)) {
            in->fatal = TCPSIFT_E_CAPTURE_TRUNCATED;
            snprintf(in->detail, sizeof in->detail, "reading the stream failed: %s",
                     errno ? strerror(errno) : "out of memory");
            break;
        }
        tcpsift_capture_refill(r, in->window, in->len, in->eof);
    }
    progress_done(&prog);
    return in->fatal != TCPSIFT_OK;
}
