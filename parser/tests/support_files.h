/* Test support: whole files read into memory, for the tests that replay captures. */
#ifndef TCPSIFT_SUPPORT_FILES_H
#define TCPSIFT_SUPPORT_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/capture.h"
#include "tcpsift/decode.h"

/* The whole file in a malloc'ed buffer (free it), its size in *len; NULL when it cannot be
 * opened. A failed allocation fails the running test. */
uint8_t *test_load_file(const char *path, size_t *len);

/* 1 when s ends with suffix. */
int test_ends_with(const char *s, const char *suffix);

/* Called with each capture file, loaded whole (freed after the call). */
typedef void (*test_capture_fn)(const char *path, const uint8_t *buf, size_t len, void *ctx);

/* fn on every .pcap / .pcapng directly in dir; returns how many (0 when dir is absent). */
size_t test_each_capture_in(const char *dir, test_capture_fn fn, void *ctx);

/* fn on every capture of ../shared/captures/external (its four source folders); returns how
 * many. When ../shared is absent, prints "SKIPPED: ... <what> not checked on the 80 external
 * captures" and returns 0: the caller then calls skip(). */
size_t test_each_shared_capture(const char *what, test_capture_fn fn, void *ctx);

/* fn on every capture named in the colon-separated list in environment variable `var` (extra
 * captures a test may be given, e.g. the bench workloads); returns how many. When `var` is
 * unset, prints "SKIPPED: <var> not set" and returns 0: the caller then calls skip(). A name
 * that cannot be read fails the running test. */
size_t test_each_named_capture(const char *var, test_capture_fn fn, void *ctx);

/* Called with each decoded packet and its time in ns. */
typedef void (*test_packet_fn)(void *ctx, const tcpsift_packet *pkt, int64_t ns);

/* Every packet record of the capture decoded, in order, with its time (absurd timestamps,
 * which some shared captures have, saturate as in the CLI); record errors are skipped as the
 * CLI skips them. Returns how many packets. */
uint64_t test_each_packet(const uint8_t *buf, size_t len, test_packet_fn fn, void *ctx);

#endif
