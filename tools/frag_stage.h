/* IP fragments in the CLI: every command that decodes frames sends fragments through one
 * tcpsift_defrag pool and decodes the datagrams it completes (tcpsift/defrag.h). How overlapping
 * fragments are handled is the --frag-overlap option every such command takes. */
#ifndef TCPSIFT_TOOLS_FRAG_STAGE_H
#define TCPSIFT_TOOLS_FRAG_STAGE_H

#include "tcpsift/capture.h"
#include "tcpsift/decode.h"
#include "tcpsift/defrag.h"
#include "tcpsift/tracker.h"

typedef struct frag_kept frag_kept;

/* The --frag-overlap lines of a command's --help. */
#define FRAG_STAGE_OPTIONS_HELP                                                                    \
    "  --frag-overlap discard|POLICY\n"                                                            \
    "                             IP fragments that overlap: discard the datagram\n"               \
    "                             (default, as Linux since 4.19: RFC 5722; a\n"                    \
    "                             fragment inside the fragments held is a duplicate,\n"            \
    "                             ignored), or reassemble it, overlapped bytes\n"                  \
    "                             from the copy POLICY picks (first, last, bsd,\n"                 \
    "                             windows, linux, old_linux, solaris; older stacks)\n"

/* Zero-initialise; the pool is created at the first fragment. */
typedef struct frag_stage {
    tcpsift_defrag *pool;
    tcpsift_packet whole;           /* the datagram completed by the last fragment fed */
    tcpsift_error error;            /* the pool's verdict on the last fragment fed */
    int overlapped;                 /* the last fragment fed overlapped bytes already held */
    tcpsift_defrag_overlap overlap; /* --frag-overlap (zero: discard) */
    tcpsift_overlap_policy policy;  /* --frag-overlap POLICY */
    int accept_ip_options;          /* --ip-options accept (zero: host, the pool's default) */
    int key_vlan, key_tunnel;       /* --key-vlan, --key-tunnel: part of a datagram's key */
    frag_kept *kept;                /* datagrams copied to outlive the pool's buffer */
    int unavailable;                /* the pool could not be created: fragments stay fragments */
} frag_stage;

/* Feed a decoded fragment (pkt has TCPSIFT_LAYER_FRAGMENT). Returns the decoded reassembled
 * datagram when this fragment completed one, else NULL. The datagram's bytes live until the
 * next call, or, with `keep` set, until frag_stage_free() (for consumers that keep views into
 * packet buffers; bounded by the fragment bytes of the capture). */
const tcpsift_packet *frag_stage_packet(frag_stage *f, const tcpsift_capture_record *rec,
                                        const tcpsift_packet *pkt, int keep);

void frag_stage_free(frag_stage *f);

/* Whether a fragment stays out of reassembly for its IPv4 header checksum under `policy`: the
 * host discards such a datagram unread (RFC 1122 3.2.1.2), so a forged one must neither give
 * its bytes nor, overlapping a real fragment, get the real datagram discarded. A field left 0
 * by offload passes under auto, as in the tracker. `frag` is verified here if it was not. */
int frag_stage_checksum_rejects(tcpsift_packet *frag, tcpsift_checksum_policy policy);

/* Parses --frag-overlap VALUE at argv[*i]: 1 consumed, 0 not this option, -1 bad value (said on
 * standard error). */
int frag_stage_option(frag_stage *f, int argc, char **argv, int *i);

/* The pool's counters, NULL when no fragment was seen. */
const tcpsift_defrag_stats *frag_stage_stats(const frag_stage *f);

#endif
