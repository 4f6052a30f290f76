/* One decoded frame as a `packets` JSON object (../shared/contract/cli.md). */
#ifndef TCPSIFT_TOOLS_PACKET_JSON_H
#define TCPSIFT_TOOLS_PACKET_JSON_H

#include "json_writer.h"
#include "tcpsift/capture.h"
#include "tcpsift/decode.h"

/* `reassembled`: the datagram this fragment frame completed (its TCP/UDP keys are printed on
 * this frame, as tshark does), else NULL. `frag_error`: the fragment pool's verdict, printed as
 * the frame's error when decoding found none (frag_overlap on the fragment that made the pool
 * discard its datagram, frag_discarded on its later fragments). `frag_overlapped`: the fragment
 * overlapped bytes already held, printed as "frag_overlap": true whatever the pool did with it
 * (discarded, ignored as an exact duplicate, or resolved by --frag-overlap POLICY). */
void packet_json_write(json_writer *w, const tcpsift_capture_record *rec, const tcpsift_packet *pkt,
                       const tcpsift_packet *reassembled, tcpsift_error frag_error,
                       int frag_overlapped);

#endif
