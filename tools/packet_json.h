/* One decoded frame as a `packets` JSON object (../shared/contract/cli.md). */
#ifndef TCPSIFT_TOOLS_PACKET_JSON_H
#define TCPSIFT_TOOLS_PACKET_JSON_H

#include "json_writer.h"
#include "tcpsift/capture.h"
#include "tcpsift/decode.h"

void packet_json_write(json_writer *w, const tcpsift_capture_record *rec, const tcpsift_packet *pkt);

#endif
