/* Reading a capture file (or "-" for standard input) for the CLI's commands,
 * with the contract's exit-status rules in one place. */
#ifndef TCPSIFT_TOOLS_CAPTURE_INPUT_H
#define TCPSIFT_TOOLS_CAPTURE_INPUT_H

#include "json_writer.h"
#include "tcpsift/capture.h"

/* Which reader parses the file. AUTO: tcpsift's own, or libpcap when the own
 * reader does not know the file's format and libpcap does. */
typedef enum capture_reader {
    CAPTURE_READER_AUTO,
    CAPTURE_READER_OWN,
    CAPTURE_READER_LIBPCAP
} capture_reader;

extern const char capture_reader_help[];

/* Parses --reader own|libpcap|auto. Returns 1 when argv[*i] and its value
 * were consumed, 0 when it is not this option, -1 on a bad value (message
 * printed; also for libpcap when this tcpsift was built without it). */
int capture_reader_option(capture_reader *r, int argc, char **argv, int *i);

typedef struct capture_handler {
    /* one packet record; its data is valid until capture_close() (the file is
     * mapped), or only during the call when in->via_libpcap */
    void (*on_record)(void *ctx, const tcpsift_capture_record *rec);
    /* a recoverable reader error: the block is skipped and reading goes on */
    void (*on_skipped_block)(void *ctx, tcpsift_error err, uint64_t frames_so_far);
    /* streamed input (a pipe): the records delivered so far are about to be
     * overwritten (may be NULL) */
    void (*on_window_end)(void *ctx);
    void *ctx;
} capture_handler;

typedef struct capture_input {
    const char *path;
    const uint8_t *data;
    size_t len;
    int mapped;
    capture_reader reader; /* as asked */
    int via_libpcap;       /* the reader chosen at open: libpcap */
    /* a pipe or socket, read through a sliding window (capture_stream.c):
     * data is NULL, window[0..len) the bytes now held */
    int streamed;
    int fd, eof;
    uint8_t *window;
    size_t window_cap;
    tcpsift_capture_reader stream_reader;
    tcpsift_error stream_open; /* the own reader's verdict on the stream's start */
    tcpsift_error fatal;   /* TCPSIFT_OK, or why reading stopped before the end */
    const char *fatal_code; /* the error object's code when it is not fatal's name */
    char detail[256];       /* libpcap's explanation, or "" */
    int interrupted;       /* the stop signal (SIGINT/SIGTERM/SIGHUP) that ended reading, or 0 */
    uint64_t frames;       /* packet records delivered */
    int live;              /* a live capture (-i): kernel_drops is known */
    uint64_t kernel_drops; /* packets the kernel dropped before libpcap saw them (live) */
    uint64_t skipped;      /* recoverable errors met */
} capture_input;

/* Open the capture and choose its reader (in->via_libpcap). On failure prints
 * a diagnostic and an error object and returns 0; the command then exits
 * with status 1. */
int capture_open(capture_input *in, const char *path, capture_reader reader, json_writer *w);

/* 1 when a record's bytes do not outlive the reading (libpcap's buffer, a
 * pipe's window): whoever keeps them must copy (tracker buffers_stable off). */
int capture_records_transient(const capture_input *in);

/* Deliver every record to the handler. Returns 1 when reading stopped early
 * (in->fatal says why); the data stays readable until capture_close(). SIGINT, SIGTERM and
 * SIGHUP end reading early as the input's end would (in->interrupted), and a mapped file that
 * shrinks ends it as a cut one (cli_signals.h). */
int capture_run(capture_input *in, const capture_handler *h);

/* Print the contract's final error object (and a warning on stderr) when the
 * capture ended inside a record or was cut by a corrupt header, or an "interrupted" one when
 * a signal stopped reading. */
void capture_report_end(const capture_input *in, json_writer *w);

void capture_close(capture_input *in);

#endif
