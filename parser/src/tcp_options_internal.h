/* Private: TCP option parsing when the capture may hold fewer option bytes
 * than the header declares. */
#ifndef TCPSIFT_TCP_OPTIONS_INTERNAL_H
#define TCPSIFT_TCP_OPTIONS_INTERNAL_H

#include <stddef.h>

#include "cursor.h"
#include "tcpsift/decode.h"

/* NOP, NOP, kind 8, length 10: the timestamps layout of RFC 7323 Appendix A, 12 bytes. */
#define TCP_OPT_TS_PREDICTED_PREFIX 0x0101080Au
#define TCP_OPT_TS_PREDICTED_LEN 12u

/* Reset what a parse reports to "no option". The bounded arrays (sack, unknown_kinds) are
 * meaningful only up to their counts and are not cleared: every packet would otherwise pay for
 * 52 bytes it almost never uses. Views are cleared (absent = NULL, 0). */
static inline void tcp_options_reset(tcpsift_tcp_options *out)
{
    out->present = 0;
    out->mss = 0;
    out->wscale = 0;
    out->sack_count = 0;
    out->tsval = 0;
    out->tsecr = 0;
    out->tfo_kind = 0;
    out->tfo_cookie.ptr = NULL;
    out->tfo_cookie.len = 0;
    out->md5_digest.ptr = NULL;
    out->md5_digest.len = 0;
    out->user_timeout = 0;
    out->mptcp.ptr = NULL;
    out->mptcp.len = 0;
    out->unknown_count = 0;
    out->error = TCPSIFT_OK;
    out->error_offset = 0;
}

/* Parse `captured` bytes of an option space of `declared` bytes
 * (captured <= declared). An option cut by the end of the capture is
 * TRUNCATED_TCP_OPTIONS; one running past the option space is BAD_OPTION_LENGTH. */
tcpsift_error tcp_options_parse_bounded(tcpsift_tcp_options *out, const uint8_t *raw,
                                        size_t captured, size_t declared);

/* Whether a whole option space (every declared byte captured) is exactly the predicted
 * timestamps layout, NOP, NOP, TS (RFC 7323 Appendix A; every Linux segment after the
 * handshake), recognised by one 4-byte compare; then *tsval and *tsecr are set. For those 12
 * bytes tcp_options_parse_bounded reports the same: the timestamps, nothing else, no error. */
static inline int tcp_options_timestamps_only(tcpsift_cursor opts, uint32_t *tsval,
                                              uint32_t *tsecr)
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

/* What a parse of an empty option space (has_ts 0) or of the predicted timestamps layout
 * (has_ts 1) reports: every field written once, as tcp_options_reset then the timestamps. */
static inline void tcp_options_set_simple(tcpsift_tcp_options *out, int has_ts, uint32_t tsval,
                                          uint32_t tsecr)
{
    out->present = has_ts ? TCPSIFT_OPT_TIMESTAMP : 0;
    out->mss = 0;
    out->wscale = 0;
    out->sack_count = 0;
    out->tsval = tsval;
    out->tsecr = tsecr;
    out->tfo_kind = 0;
    out->tfo_cookie.ptr = NULL;
    out->tfo_cookie.len = 0;
    out->md5_digest.ptr = NULL;
    out->md5_digest.len = 0;
    out->user_timeout = 0;
    out->mptcp.ptr = NULL;
    out->mptcp.len = 0;
    out->unknown_count = 0;
    out->error = TCPSIFT_OK;
    out->error_offset = 0;
}

#endif
