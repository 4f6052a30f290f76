/* Test support: whole files read into memory, for the tests that replay captures. */
#ifndef TCPSIFT_SUPPORT_FILES_H
#define TCPSIFT_SUPPORT_FILES_H

#include <stddef.h>
#include <stdint.h>

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

#endif
