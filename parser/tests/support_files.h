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

#endif
