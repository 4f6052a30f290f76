/* Helpers every subcommand shares: usage errors and the contract's exit status. */
#ifndef TCPSIFT_TOOLS_CLI_COMMON_H
#define TCPSIFT_TOOLS_CLI_COMMON_H

#include "capture_input.h"
#include "json_writer.h"

/* Print the usage text (and the offending argument) to stderr; returns 2. */
int cli_usage_error(const char *usage, const char *bad_arg);

/* A recoverable capture error: reported as an error object, reading goes on. */
void cli_report_skipped_block(json_writer *w, const char *path, tcpsift_error err,
                              uint64_t frames_so_far);

/* The error object of an interface live capture could not open (why: on standard error). */
void cli_report_live_open_failure(json_writer *w, const char *iface);

/* End of a command over a capture: the final error object if reading stopped
 * early, flush, and the exit status (0 read to its end or truncated, 1 not a capture or the
 * output failed, 128 + the signal's number when a signal stopped reading). */
int cli_finish(const capture_input *in, json_writer *w);

#endif
