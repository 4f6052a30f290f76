/* Captures from a pipe or socket, read through a sliding window
 * (capture_stream.c). */
#ifndef TCPSIFT_TOOLS_CAPTURE_STREAM_H
#define TCPSIFT_TOOLS_CAPTURE_STREAM_H

#include "capture_input.h"

/* The largest window: a pcapng block larger than this on a pipe is an error
 * (a mapped file has no such limit; pcap records are at most 256 KiB). */
#define CAPTURE_STREAM_MAX_WINDOW (64u << 20)

/* Reads the first window from fd and opens the own reader on it (partially).
 * Returns the open result: TCPSIFT_OK, NOT_A_CAPTURE (the stream's start is
 * no capture, or its first block is larger than the largest window), or
 * NO_MEMORY (reading failed or memory ran out; errno says which). */
tcpsift_error capture_stream_start(capture_input *in, int fd);

/* Reads until the window holds `want` bytes or the stream ended (its first bytes, for a
 * format probe). 0 when reading failed or memory ran out. */
int capture_stream_read_prefix(capture_input *in, size_t want);

/* Reads the rest of the stream into the window (for libpcap, which reads
 * from memory): in->data/in->len then hold the whole input. 0 on failure. */
int capture_stream_read_rest(capture_input *in);

/* Delivers every record, sliding the window as it goes. As capture_run(). */
int capture_run_stream(capture_input *in, const capture_handler *h);

#endif
