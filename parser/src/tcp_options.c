/* TCP options (RFC 9293 §3.1, RFC 7323, RFC 2018, RFC 7413, RFC 2385,
 * RFC 5482, RFC 8684). A malformed length stops parsing with an error: the
 * options after it cannot be located, and are never guessed at. */
#include <string.h>

#include "decode_internal.h"
#include "tcp_options_internal.h"

#define TFO_EXP_MAGIC 0xF989

static tcpsift_error option_error(tcpsift_tcp_options *out, tcpsift_error err, size_t offset)
{
    out->error = err;
    out->error_offset = (uint8_t)(offset > 255 ? 255 : offset);
    return err;
}

/* Store one option whose kind and total length are known and whose body is present. */
static int store_option(tcpsift_tcp_options *out, uint8_t kind, const uint8_t *body, size_t len)
{
    switch (kind) {
    case TCPSIFT_OPTKIND_MSS:
        if (len != 4) return 0;
        out->mss = load_be16(body);
        out->present |= TCPSIFT_OPT_MSS;
        return 1;
    case TCPSIFT_OPTKIND_WSCALE:
        if (len != 3) return 0;
        out->wscale = body[0];
        out->present |= TCPSIFT_OPT_WSCALE;
        return 1;
    case TCPSIFT_OPTKIND_SACK_PERM:
        if (len != 2) return 0;
        out->present |= TCPSIFT_OPT_SACK_PERM;
        return 1;
    case TCPSIFT_OPTKIND_SACK: {
        /* 1 to 4 blocks of two 32-bit edges (RFC 2018 §3). */
        size_t blocks = (len - 2) / 8;
        if (len < 10 || (len - 2) % 8 != 0 || blocks > TCPSIFT_MAX_SACK_BLOCKS) return 0;
        for (size_t i = 0; i < blocks; i++) {
            out->sack[i][0] = load_be32(body + i * 8);
            out->sack[i][1] = load_be32(body + i * 8 + 4);
        }
        out->sack_count = (uint8_t)blocks;
        out->present |= TCPSIFT_OPT_SACK;
        return 1;
    }
    case TCPSIFT_OPTKIND_TIMESTAMP:
        if (len != 10) return 0;
        out->tsval = load_be32(body);
        out->tsecr = load_be32(body + 4);
        out->present |= TCPSIFT_OPT_TIMESTAMP;
        return 1;
    case TCPSIFT_OPTKIND_MD5:
        if (len != 18) return 0;
        out->md5_digest.ptr = body;
        out->md5_digest.len = 16;
        out->present |= TCPSIFT_OPT_MD5;
        return 1;
    case TCPSIFT_OPTKIND_USER_TIMEOUT:
        if (len != 4) return 0;
        out->user_timeout = load_be16(body);
        out->present |= TCPSIFT_OPT_USER_TIMEOUT;
        return 1;
    case TCPSIFT_OPTKIND_MPTCP:
        if (len < 3) return 0; /* RFC 8684 §3: at least the subtype nibble */
        out->mptcp.ptr = body;
        out->mptcp.len = len - 2;
        out->present |= TCPSIFT_OPT_MPTCP;
        return 1;
    case TCPSIFT_OPTKIND_TFO:
        /* RFC 7413 §4.1.1: empty = cookie request, else a 4..16 byte cookie. */
        if (len != 2 && (len < 6 || len > 18)) return 0;
        out->tfo_kind = kind;
        out->tfo_cookie.ptr = body;
        out->tfo_cookie.len = len - 2;
        out->present |= TCPSIFT_OPT_TFO;
        return 1;
    case TCPSIFT_OPTKIND_EXPERIMENTAL:
        /* RFC 6994 experiment id; 0xF989 is the pre-RFC TFO option. */
        if (len >= 4 && load_be16(body) == TFO_EXP_MAGIC) {
            if (len != 4 && (len < 8 || len > 20)) return 0;
            out->tfo_kind = kind;
            out->tfo_cookie.ptr = body + 2;
            out->tfo_cookie.len = len - 4;
            out->present |= TCPSIFT_OPT_TFO;
            return 1;
        }
        break;
    default:
        break;
    }
    if (out->unknown_count < TCPSIFT_MAX_UNKNOWN_OPTIONS)
        out->unknown_kinds[out->unknown_count++] = kind;
    out->present |= TCPSIFT_OPT_UNKNOWN;
    return 1;
}

tcpsift_error tcp_options_parse_bounded(tcpsift_tcp_options *out, const uint8_t *raw,
                                        size_t captured, size_t declared)
{
    memset(out, 0, sizeof *out);
    tcpsift_cursor c = cursor_make(raw, captured);
    size_t offset = 0;
    uint8_t kind, len;
    while (cursor_u8(&c, &kind)) {
        if (kind == TCPSIFT_OPTKIND_EOL) {
            out->present |= TCPSIFT_OPT_EOL;
            return TCPSIFT_OK; /* the rest is padding (RFC 9293 §3.1) */
        }
        if (kind == TCPSIFT_OPTKIND_NOP) {
            offset += 1;
            continue;
        }
        if (!cursor_u8(&c, &len)) {
            /* The length byte is missing: outside the option space it is a
             * malformed option; inside it, the capture was cut short. */
            return option_error(out,
                                captured < declared ? TCPSIFT_E_TRUNCATED_TCP_OPTIONS
                                                    : TCPSIFT_E_BAD_OPTION_LENGTH,
                                offset);
        }
        if (len < 2 || (size_t)len > declared - offset)
            return option_error(out, TCPSIFT_E_BAD_OPTION_LENGTH, offset);
        const uint8_t *body;
        if (!cursor_take(&c, (size_t)len - 2, &body))
            return option_error(out, TCPSIFT_E_TRUNCATED_TCP_OPTIONS, offset);
        if (!store_option(out, kind, body, len))
            return option_error(out, TCPSIFT_E_BAD_OPTION_LENGTH, offset);
        offset += len;
    }
    if (captured < declared) return option_error(out, TCPSIFT_E_TRUNCATED_TCP_OPTIONS, offset);
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_tcp_options_parse(tcpsift_tcp_options *out, const uint8_t *raw, size_t len)
{
    if (out == NULL) return TCPSIFT_E_INVALID_ARGUMENT;
    return tcp_options_parse_bounded(out, raw, raw ? len : 0, raw ? len : 0);
}
