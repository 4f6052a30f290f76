/* `conns --format text`: connections as a table for people to read. */
#ifndef TCPSIFT_TOOLS_CONN_TABLE_H
#define TCPSIFT_TOOLS_CONN_TABLE_H

#include <stdio.h>

#include "tcpsift/defrag.h"
#include "tcpsift/tracker.h"

/* The column titles. */
void conn_table_header(FILE *out);

/* One connection; the addresses and strings are the caller's copies (the
 * pointers inside `c` may no longer be valid). */
void conn_table_row(FILE *out, const tcpsift_conn_info *c, const uint8_t *client_addr,
                    const uint8_t *server_addr, const char *conn_state, const char *history);

/* The closing lines: totals, IP fragments (`d` NULL when none were seen) and the events seen. */
void conn_table_summary(FILE *out, const tcpsift_tracker_stats *s, const tcpsift_defrag_stats *d,
                        uint64_t frames);

#endif
