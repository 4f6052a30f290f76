/* Live capture from a network interface through libpcap, for `packets` and
 * `conns`: -i IFACE, --filter EXPR (BPF, pcap-filter(7)), -c N. */
#ifndef TCPSIFT_TOOLS_LIVE_CAPTURE_H
#define TCPSIFT_TOOLS_LIVE_CAPTURE_H

#include <stdint.h>

#include "tcpsift/capture.h"

typedef struct live_options {
    const char *iface;  /* NULL: read a capture file instead */
    const char *filter; /* BPF filter expression, or NULL */
    uint64_t count;     /* stop after this many packets; 0: until SIGINT/SIGTERM */
} live_options;

extern const char live_options_help[];

/* Parses -i, --filter and -c. Returns 1 when argv[*i] (and its value) was
 * consumed, 0 when it is not a live option, -1 on a bad value (message printed). */
int live_option(live_options *o, int argc, char **argv, int *i);

/* --filter and -c without -i, or -i with a capture file too: prints why and
 * returns 0. */
int live_options_valid(const live_options *o, const char *capture_path);

typedef struct live_handler {
    /* one packet; rec->data is valid only during the call */
    void (*on_record)(void *ctx, const tcpsift_capture_record *rec);
    /* real time (ns since the epoch), about every 200 ms even when idle */
    void (*on_tick)(void *ctx, int64_t now_ns);
    /* 1 once writing the output failed (may be NULL): capturing stops */
    int (*output_failed)(void *ctx);
    void *ctx;
} live_handler;

/* Captures until -c packets were seen or SIGINT/SIGTERM/SIGHUP arrives. Returns 0
 * after a clean stop; 1 when capturing fails (the interface disappeared, the
 * output cannot be written); -1 when the interface cannot be opened and -2 when
 * the filter does not compile, before anything was captured (a message is
 * printed each time). *r counts the packets and the kernel's drops. */
typedef struct live_result {
    uint64_t frames;       /* packets captured */
    uint64_t kernel_drops; /* packets the kernel dropped before libpcap saw them */
} live_result;

int live_run(const live_options *o, const live_handler *h, live_result *r);

#endif
