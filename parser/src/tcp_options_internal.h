/* Private: TCP option parsing when the capture may hold fewer option bytes
 * than the header declares. */
#ifndef TCPSIFT_TCP_OPTIONS_INTERNAL_H
#define TCPSIFT_TCP_OPTIONS_INTERNAL_H

#include "tcpsift/decode.h"

/* Parse `captured` bytes of an option space of `declared` bytes
 * (captured <= declared). An option cut by the end of the capture is
 * TRUNCATED_TCP_OPTIONS; one running past the option space is BAD_OPTION_LENGTH. */
tcpsift_error tcp_options_parse_bounded(tcpsift_tcp_options *out, const uint8_t *raw,
                                        size_t captured, size_t declared);

#endif
