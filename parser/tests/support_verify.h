/* Test support: the capture runs of the tests that check a direct path of the tracker against
 * its general path with the tracker's tests-only cross-check on (tcp_conn.c, verify_begin /
 * verify_end): test_tcp_conn_steady (the steady segment), test_tracker_embryo_syn (an
 * embryo's first SYN) and test_tcp_conn_handshake (the handshake's SYN-ACK and ACK). */
#ifndef TCPSIFT_SUPPORT_VERIFY_H
#define TCPSIFT_SUPPORT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/tracker.h"

typedef enum verify_path { VERIFY_STEADY, VERIFY_EMBRYO_SYN, VERIFY_HANDSHAKE } verify_path;

/* The configuration both tests use: state only (full 0), or with reassembly and len:4:be
 * framing (full 1). */
void verify_config(int full, tcpsift_tracker_config *cfg);

/* A tracker of that configuration with the cross-check of `path` on. */
tcpsift_tracker *verify_tracker(verify_path path, int full);

typedef struct verify_totals {
    verify_path path;
    size_t files;
    uint64_t packets, checked;
    uint64_t synacks; /* VERIFY_HANDSHAKE: the SYN-ACKs among those checked */
} verify_totals;

/* A test_capture_fn (ctx: verify_totals): every record of the capture through a cross-checking
 * tracker of each configuration; fails the running test when the direct path and the general
 * path left anything different, and adds what was compared to the totals. */
void verify_capture(const char *path, const uint8_t *buf, size_t len, void *ctx);

/* Test bodies, one per set of captures: the bundled conformance captures (crafted, real,
 * tunnels), the 80 under ../shared (skipped loudly when absent), and those named in
 * TCPSIFT_STEADY_CAPTURES (colon-separated, e.g. the bench workloads; skipped loudly when
 * unset). Each prints what was compared and asserts that at least `min_checked` segments or
 * SYNs were (the comparison must have had something to compare). */
void verify_test_conformance(verify_path path, uint64_t min_checked);
void verify_test_shared(verify_path path, uint64_t min_checked);
void verify_test_named(verify_path path);

#endif
