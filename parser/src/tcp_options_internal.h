/* Private: TCP option parsing when the capture may hold fewer option bytes
 * than the header declares. */
#ifndef TCPSIFT_TCP_OPTIONS_INTERNAL_H
#define TCPSIFT_TCP_OPTIONS_INTERNAL_H

#include <stddef.h>

#include "cursor.h"
#include "tcpsift/decode.h"

/* NOP, NOP, kind 8, length 10: the timestamps layout of RFC 7323 Appendix A, 12 bytes. */
#define TCP_OPT_TS_PREDICTED_PREFIX 0x0101080Au
#define TCP_OPT_TS_PREDICTED_LEN    12u

/* MSS (kind 2, length 4, value), SACK-permitted (4, 2), timestamps (8, 10, values), NOP,
 * window scale (3, 3, shift): Linux's SYN layout, 20 bytes. */
#define TCP_OPT_SYN_PREDICTED_LEN     20u
#define TCP_OPT_SYN_PREDICTED_MSS     0x0204u
#define TCP_OPT_SYN_PREDICTED_SACK_TS 0x0402080Au
#define TCP_OPT_SYN_PREDICTED_NOP_WS  0x01030300u

/* Parse `captured` bytes of an option space of `declared` bytes
 * (captured <= declared). An option cut by the end of the capture is
 * TRUNCATED_TCP_OPTIONS; one running past the option space is BAD_OPTION_LENGTH. */
tcpsift_error tcp_options_parse_bounded(tcpsift_tcp_options *out, const uint8_t *raw,
                                        size_t captured, size_t declared);

/* The same into a struct already all zero (the decoder has cleared the whole packet): not
 * cleared again. */
tcpsift_error tcp_options_parse_cleared(tcpsift_tcp_options *out, const uint8_t *raw,
                                        size_t captured, size_t declared);

/* Whether a whole option space (every declared byte captured) is exactly the predicted
 * timestamps layout, NOP, NOP, TS (RFC 7323 Appendix A; every Linux segment after the
 * handshake), recognised by one 4-byte compare; then *tsval and *tsecr are set. For those 12
 * bytes tcp_options_parse_bounded reports the same: the timestamps, nothing else, no error. */
static inline int tcp_options_timestamps_only(tcpsift_cursor opts, uint32_t *tsval, uint32_t *tsecr)
{
    const uint8_t *ts;
    if (cursor_left(&opts) != TCP_OPT_TS_PREDICTED_LEN ||
        !cursor_peek(&opts, TCP_OPT_TS_PREDICTED_LEN, &ts) ||
        load_be32(ts) != TCP_OPT_TS_PREDICTED_PREFIX)
        return 0;
    *tsval = load_be32(ts + 4);
    *tsecr = load_be32(ts + 8);
    return 1;
}

#endif
