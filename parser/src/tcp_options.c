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
    /* 144 bytes in constant pieces of at most 64: a few vector stores, not a `rep stos`. */
    uint8_t *b = (uint8_t *)out;
    _Static_assert(sizeof *out <= 192, "three pieces");
    memset(b, 0, sizeof *out < 64 ? sizeof *out : 64);
    if (sizeof *out > 64) memset(b + 64, 0, sizeof *out - 64 < 64 ? sizeof *out - 64 : 64);
    if (sizeof *out > 128) memset(b + 128, 0, sizeof *out - 128);
    return tcp_options_parse_cleared(out, raw, captured, declared);
}

tcpsift_error tcp_options_parse_cleared(tcpsift_tcp_options *out, const uint8_t *raw,
                                        size_t captured, size_t declared)
{
    tcpsift_cursor c = cursor_make(raw, captured);
    /* Linux's (and most stacks') layout: NOP, NOP, timestamps first (RFC 7323 Appendix A),
     * recognised by one 4-byte compare. It is exactly what the loop below would parse from
     * these 12 bytes (the length 10 fits: declared >= captured >= 12), so the loop then goes
     * on with whatever follows (SACK blocks, padding). */
    const uint8_t *o;
    if (cursor_peek(&c, TCP_OPT_TS_PREDICTED_LEN, &o) &&
        load_be32(o) == TCP_OPT_TS_PREDICTED_PREFIX) {
        out->tsval = load_be32(o + 4);
        out->tsecr = load_be32(o + 8);
        out->present = TCPSIFT_OPT_TIMESTAMP;
        cursor_skip(&c, TCP_OPT_TS_PREDICTED_LEN);
    }
    /* Linux's SYN and SYN-ACK layout (tcp_options_write: MSS, SACK-permitted and timestamps
     * together, NOP and window scale; RFC 9293 §3.2, RFC 2018, RFC 7323), recognised by three
     * compares: exactly what the loop below would parse from these 20 bytes (every length fits:
     * declared >= captured >= 20). */
    if (cursor_peek(&c, TCP_OPT_SYN_PREDICTED_LEN, &o) &&
        load_be16(o) == TCP_OPT_SYN_PREDICTED_MSS &&
        load_be32(o + 4) == TCP_OPT_SYN_PREDICTED_SACK_TS &&
        (load_be32(o + 16) & 0xFFFFFF00u) == TCP_OPT_SYN_PREDICTED_NOP_WS) {
        out->mss = load_be16(o + 2);
        out->tsval = load_be32(o + 8);
        out->tsecr = load_be32(o + 12);
        out->wscale = o[19];
        out->present =
            TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM | TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_WSCALE;
        cursor_skip(&c, TCP_OPT_SYN_PREDICTED_LEN);
    }
    /* `offset`: bytes of the option space consumed so far, always captured - cursor_left. */
    while (cursor_peek(&c, 1, &o)) {
        size_t offset = captured - cursor_left(&c);
        uint8_t kind = o[0];
        if (kind == TCPSIFT_OPTKIND_NOP) {
            cursor_skip(&c, 1);
            continue;
        }
        if (kind == TCPSIFT_OPTKIND_EOL) {
            out->present |= TCPSIFT_OPT_EOL;
            return TCPSIFT_OK; /* the rest is padding (RFC 9293 §3.1) */
        }
        if (!cursor_peek(&c, 2, &o)) {
            /* The length byte is missing: outside the option space it is a
             * malformed option; inside it, the capture was cut short. */
            return option_error(out,
                                captured < declared ? TCPSIFT_E_TRUNCATED_TCP_OPTIONS
                                                    : TCPSIFT_E_BAD_OPTION_LENGTH,
                                offset);
        }
        size_t len = o[1];
        if (len < 2 || len > declared - offset)
            return option_error(out, TCPSIFT_E_BAD_OPTION_LENGTH, offset);
        if (!cursor_take(&c, len, &o))
            return option_error(out, TCPSIFT_E_TRUNCATED_TCP_OPTIONS, offset);
        if (!store_option(out, kind, o + 2, len))
            return option_error(out, TCPSIFT_E_BAD_OPTION_LENGTH, offset);
    }
    if (captured < declared) return option_error(out, TCPSIFT_E_TRUNCATED_TCP_OPTIONS, captured);
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_tcp_options_parse(tcpsift_tcp_options *out, const uint8_t *raw, size_t len)
{
    if (out == NULL) return TCPSIFT_E_INVALID_ARGUMENT;
    return tcp_options_parse_bounded(out, raw, raw ? len : 0, raw ? len : 0);
}
