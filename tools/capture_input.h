/* Reading a capture file (or "-" for standard input) for the CLI's commands,
 * with the contract's exit-status rules in one place. */
#ifndef TCPSIFT_TOOLS_CAPTURE_INPUT_H
#define TCPSIFT_TOOLS_CAPTURE_INPUT_H

#include "json_writer.h"
#include "tcpsift/capture.h"

typedef struct capture_handler {
    /* one packet record; its data is valid until capture_close() (the file is mapped) */
    void (*on_record)(void *ctx, const tcpsift_capture_record *rec);
    /* a recoverable reader error: the block is skipped and reading goes on */
    void (*on_skipped_block)(void *ctx, tcpsift_error err, uint64_t frames_so_far);
    void *ctx;
} capture_handler;

typedef struct capture_input {
    const char *path;
    const uint8_t *data;
    size_t len;
    int mapped;
    tcpsift_error fatal;   /* TCPSIFT_OK, or why reading stopped before the end */
    uint64_t frames;       /* packet records delivered */
    uint64_t skipped;      /* recoverable errors met */
} capture_input;

/* Open and validate the capture. On failure prints a diagnostic and an error
 * object and returns 0; the command then exits with status 1. */
int capture_open(capture_input *in, const char *path, json_writer *w);

/* Deliver every record to the handler. Returns 1 when reading stopped early
 * (in->fatal says why); the data stays readable until capture_close(). */
int capture_run(capture_input *in, const capture_handler *h);

/* Print the contract's final error object (and a warning on stderr) when the
 * capture ended inside a record or was cut by a corrupt header. */
void capture_report_end(const capture_input *in, json_writer *w);

void capture_close(capture_input *in);

#endif
