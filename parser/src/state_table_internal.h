/* The state table's cells for the tracker's per-segment path. Never installed.
 *
 * tcp_conn.c indexes the table directly, [state][event], instead of calling
 * tcpsift_state_next() for every event (issue 9): the same data, without the
 * range checks an endpoint's state (always a value the table wrote) and the
 * tracker's events (enum constants) cannot fail. */
#ifndef TCPSIFT_STATE_TABLE_INTERNAL_H
#define TCPSIFT_STATE_TABLE_INTERNAL_H

#include "tcpsift/state.h"

/* Not tcpsift_-prefixed: stays out of the shared library's exports. */
extern const tcpsift_state_transition state_table_cells[TCPSIFT_ST_COUNT][TCPSIFT_EV_COUNT];

#endif
