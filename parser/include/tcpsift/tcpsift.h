/* tcpsift: the whole public API in one include.
 *
 * Embedders include `<tcpsift/tcpsift.h>` and link with `-ltcpsift`
 * (pkg-config tcpsift) or the CMake target tcpsift::tcpsift.
 *
 * Compile-time version: TCPSIFT_VERSION_MAJOR/MINOR/PATCH and
 * TCPSIFT_VERSION_STRING (tcpsift/version.h); the library actually linked
 * reports its own with tcpsift_version().
 *
 * Thread rules: the library has no global mutable state. Every object
 * (capture reader, tracker, flow table, reassembler, framer) is an
 * independent instance owned by the caller; use one instance from one
 * thread at a time. Nothing inside takes a lock, and distinct instances can
 * run on distinct threads without any coordination. Memory: objects that
 * allocate take a caller-supplied tcpsift_allocator (tcpsift/alloc.h) and
 * caps (e.g. tcpsift_tracker_config's max_connections, table_memcap,
 * reasm_global_cap); the decode path never allocates. */
#ifndef TCPSIFT_TCPSIFT_H
#define TCPSIFT_TCPSIFT_H

#include "tcpsift/version.h"

#include "tcpsift/alloc.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/capture.h"
#include "tcpsift/decode.h"
#include "tcpsift/defrag.h"
#include "tcpsift/error.h"
#include "tcpsift/flow_key.h"
#include "tcpsift/flow_table.h"
#include "tcpsift/framer.h"
#include "tcpsift/reassembly.h"
#include "tcpsift/state.h"
#include "tcpsift/tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library linked at run time ("MAJOR.MINOR.PATCH"), to
 * compare with the TCPSIFT_VERSION_STRING the caller was compiled against.
 * A static string: never free it. */
const char *tcpsift_version(void);

#ifdef __cplusplus
}
#endif
#endif
