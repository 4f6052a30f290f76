/* Signals the CLI turns into orderly ends rather than lost output: SIGINT, SIGTERM and SIGHUP
 * while a capture is read (the records so far are analysed and reported, then the command
 * exits with 128 + the signal's number), and SIGBUS from a mapped capture file that shrank
 * while it was read (truncated, rotated with copytruncate): the missing pages read as zeros and
 * reading stops with capture_truncated. The handlers only set flags the readers poll. */
#ifndef TCPSIFT_TOOLS_CLI_SIGNALS_H
#define TCPSIFT_TOOLS_CLI_SIGNALS_H

#include <stddef.h>

/* Catch SIGINT/SIGTERM/SIGHUP until cli_stop_signals_release() (a second one of the same kind
 * acts as it would have: each handler is reset once it ran). */
void cli_stop_signals_catch(void);
void cli_stop_signals_release(void);
/* The number of the first stop signal caught, or 0. */
int cli_stop_requested(void);

/* Watch one read-only mapping for SIGBUS (a shrunk file) until cli_mapping_unwatch(). */
void cli_mapping_watch(const void *base, size_t len);
void cli_mapping_unwatch(void);
/* Whether a page of the watched mapping was past the file's end when read. */
int cli_mapping_faulted(void);

/* "SIGINT", "SIGTERM", "SIGHUP" or "signal". */
const char *cli_signal_name(int sig);

#endif
