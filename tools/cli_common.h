/* Helpers every subcommand shares: usage errors and the contract's exit status. */
#ifndef TCPSIFT_TOOLS_CLI_COMMON_H
#define TCPSIFT_TOOLS_CLI_COMMON_H

#include "capture_input.h"
#include "json_writer.h"

/* Usage error for a missing argument (`what`: "CAPTURE", "--out DIR", "a value for --framing"):
 * prints what is missing and the usage; returns 2. */
int cli_missing(const char *usage, const char *what);

/* A "--" argument ends the options: each command takes the argument after it as its capture
 * (a file named like an option), the usual POSIX convention. */
#define CLI_END_OF_OPTIONS "--"

/* argv[i] as the command's capture path when it is no option (or comes after "--", which it
 * notes): 1 taken, 0 an option for the caller to parse, 2 a second capture (usage error, said). */
int cli_positional(const char *usage, char **argv, int i, int *options_done, const char **path);

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
