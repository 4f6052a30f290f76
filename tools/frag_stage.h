/* IP fragments in the CLI: every command that decodes frames sends fragments through one
 * tcpsift_defrag pool and decodes the datagrams it completes (tcpsift/defrag.h). */
#ifndef TCPSIFT_TOOLS_FRAG_STAGE_H
#define TCPSIFT_TOOLS_FRAG_STAGE_H

#include "tcpsift/capture.h"
#include "tcpsift/decode.h"
#include "tcpsift/defrag.h"

typedef struct frag_kept frag_kept;

/* Zero-initialise; the pool is created at the first fragment. */
typedef struct frag_stage {
    tcpsift_defrag *pool;
    tcpsift_packet whole;  /* the datagram completed by the last fragment fed */
    tcpsift_error error;   /* the pool's verdict on the last fragment fed */
    frag_kept *kept;       /* datagrams copied to outlive the pool's buffer */
    int unavailable;       /* the pool could not be created: fragments stay fragments */
} frag_stage;

/* Feed a decoded fragment (pkt has TCPSIFT_LAYER_FRAGMENT). Returns the decoded reassembled
 * datagram when this fragment completed one, else NULL. The datagram's bytes live until the
 * next call, or, with `keep` set, until frag_stage_free() (for consumers that keep views into
 * packet buffers; bounded by the fragment bytes of the capture). */
const tcpsift_packet *frag_stage_packet(frag_stage *f, const tcpsift_capture_record *rec,
                                        const tcpsift_packet *pkt, int keep);

void frag_stage_free(frag_stage *f);

#endif
