/* Fuzz harness: TCP option parsing, differential.
 *
 * The library's cursor-based parser is compared with ref_parse() below: a
 * deliberately simple byte-at-a-time reading of RFC 9293 §3.1 and the option
 * RFCs, written from the documented contract (decode.h), with an index and
 * explicit comparisons instead of a cursor. Both must agree on the error, its
 * offset, the present bits and every value the present bits make valid.
 *
 * Input: byte 0 is the mode, the rest the option space.
 *   mode < 0x80: tcpsift_tcp_options_parse(rest) (everything captured);
 *   mode >= 0x80: the decoder's internal tcp_options_parse_bounded() with the
 *                 last (mode & 0x7F) bytes of the option space not captured
 *                 (a snap length cutting the TCP header).
 * The captured bytes are copied into an exactly-sized buffer for ASan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "tcp_options_internal.h"
#include "tcpsift/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct ref_options {
    tcpsift_error error;
    size_t error_offset;
    uint32_t present;
    unsigned mss, wscale, user_timeout, tfo_kind;
    unsigned sack_count;
    uint32_t sack[4][2];
    uint32_t tsval, tsecr;
    const uint8_t *tfo_cookie, *md5, *mptcp;
    size_t tfo_len, md5_len, mptcp_len;
    unsigned unknown_count;
    uint8_t unknown_kinds[TCPSIFT_MAX_UNKNOWN_OPTIONS];
} ref_options;

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void ref_unknown(ref_options *r, unsigned kind)
{
    r->present |= TCPSIFT_OPT_UNKNOWN;
    if (r->unknown_count < TCPSIFT_MAX_UNKNOWN_OPTIONS) {
        r->unknown_kinds[r->unknown_count] = (uint8_t)kind;
        r->unknown_count = r->unknown_count + 1;
    }
}

/* Returns 0 when the option's length is wrong for its kind. `o` points at the
 * kind byte; all `n` bytes of the option are present. */
static int ref_option(ref_options *r, const uint8_t *o, unsigned n)
{
    unsigned kind = o[0];
    if (kind == 2) {
        if (n != 4) return 0;
        r->present |= TCPSIFT_OPT_MSS;
        r->mss = o[2] * 256u + o[3];
    } else if (kind == 3) {
        if (n != 3) return 0;
        r->present |= TCPSIFT_OPT_WSCALE;
        r->wscale = o[2];
    } else if (kind == 4) {
        if (n != 2) return 0;
        r->present |= TCPSIFT_OPT_SACK_PERM;
    } else if (kind == 5) {
        if (n != 10 && n != 18 && n != 26 && n != 34) return 0;
        r->present |= TCPSIFT_OPT_SACK;
        r->sack_count = (n - 2) / 8;
        for (unsigned b = 0; b < r->sack_count; b++) {
            r->sack[b][0] = get32(o + 2 + 8 * b);
            r->sack[b][1] = get32(o + 6 + 8 * b);
        }
    } else if (kind == 8) {
        if (n != 10) return 0;
        r->present |= TCPSIFT_OPT_TIMESTAMP;
        r->tsval = get32(o + 2);
        r->tsecr = get32(o + 6);
    } else if (kind == 19) {
        if (n != 18) return 0;
        r->present |= TCPSIFT_OPT_MD5;
        r->md5 = o + 2;
        r->md5_len = 16;
    } else if (kind == 28) {
        if (n != 4) return 0;
        r->present |= TCPSIFT_OPT_USER_TIMEOUT;
        r->user_timeout = o[2] * 256u + o[3];
    } else if (kind == 30) {
        if (n < 3) return 0;
        r->present |= TCPSIFT_OPT_MPTCP;
        r->mptcp = o + 2;
        r->mptcp_len = n - 2;
    } else if (kind == 34) {
        if (!(n == 2 || (n >= 6 && n <= 18))) return 0;
        r->present |= TCPSIFT_OPT_TFO;
        r->tfo_kind = 34;
        r->tfo_cookie = o + 2;
        r->tfo_len = n - 2;
    } else if (kind == 254 && n >= 4 && o[2] == 0xF9 && o[3] == 0x89) {
        if (!(n == 4 || (n >= 8 && n <= 20))) return 0;
        r->present |= TCPSIFT_OPT_TFO;
        r->tfo_kind = 254;
        r->tfo_cookie = o + 4;
        r->tfo_len = n - 4;
    } else {
        ref_unknown(r, kind);
    }
    return 1;
}

static void ref_fail(ref_options *r, tcpsift_error e, size_t at)
{
    r->error = e;
    r->error_offset = at > 255 ? 255 : at;
}

/* `space` bytes of option space, of which the first `have` were captured. */
static void ref_parse(ref_options *r, const uint8_t *b, size_t have, size_t space)
{
    memset(r, 0, sizeof *r);
    size_t i = 0;
    for (;;) {
        if (i >= have) {
            if (have < space) ref_fail(r, TCPSIFT_E_TRUNCATED_TCP_OPTIONS, i);
            return;
        }
        if (b[i] == 0) { /* end of option list */
            r->present |= TCPSIFT_OPT_EOL;
            return;
        }
        if (b[i] == 1) { /* no-operation */
            i = i + 1;
            continue;
        }
        if (i + 1 >= have) { /* the length byte is not there */
            ref_fail(r, have < space ? TCPSIFT_E_TRUNCATED_TCP_OPTIONS : TCPSIFT_E_BAD_OPTION_LENGTH,
                     i);
            return;
        }
        unsigned n = b[i + 1];
        if (n < 2 || i + n > space) {
            ref_fail(r, TCPSIFT_E_BAD_OPTION_LENGTH, i);
            return;
        }
        if (i + n > have) {
            ref_fail(r, TCPSIFT_E_TRUNCATED_TCP_OPTIONS, i);
            return;
        }
        if (!ref_option(r, b + i, n)) {
            ref_fail(r, TCPSIFT_E_BAD_OPTION_LENGTH, i);
            return;
        }
        i = i + n;
    }
}

static void compare(const tcpsift_tcp_options *o, tcpsift_error ret, const ref_options *r,
                    const uint8_t *buf, size_t have)
{
    fuzz_check_error(ret);
    FUZZ_CHECK(ret == o->error);
    FUZZ_CHECK(o->error == r->error);
    FUZZ_CHECK(o->error_offset == r->error_offset);
    FUZZ_CHECK(o->present == r->present);
    if (r->present & TCPSIFT_OPT_MSS) FUZZ_CHECK(o->mss == r->mss);
    if (r->present & TCPSIFT_OPT_WSCALE) FUZZ_CHECK(o->wscale == r->wscale);
    if (r->present & TCPSIFT_OPT_SACK) {
        FUZZ_CHECK(o->sack_count == r->sack_count);
        for (unsigned b = 0; b < r->sack_count; b++)
            FUZZ_CHECK(o->sack[b][0] == r->sack[b][0] && o->sack[b][1] == r->sack[b][1]);
    } else {
        FUZZ_CHECK(o->sack_count == 0);
    }
    if (r->present & TCPSIFT_OPT_TIMESTAMP)
        FUZZ_CHECK(o->tsval == r->tsval && o->tsecr == r->tsecr);
    if (r->present & TCPSIFT_OPT_MD5)
        FUZZ_CHECK(o->md5_digest.ptr == r->md5 && o->md5_digest.len == r->md5_len);
    else
        FUZZ_CHECK(o->md5_digest.ptr == NULL && o->md5_digest.len == 0);
    if (r->present & TCPSIFT_OPT_USER_TIMEOUT) FUZZ_CHECK(o->user_timeout == r->user_timeout);
    if (r->present & TCPSIFT_OPT_MPTCP)
        FUZZ_CHECK(o->mptcp.ptr == r->mptcp && o->mptcp.len == r->mptcp_len);
    else
        FUZZ_CHECK(o->mptcp.ptr == NULL && o->mptcp.len == 0);
    if (r->present & TCPSIFT_OPT_TFO) {
        FUZZ_CHECK(o->tfo_kind == r->tfo_kind);
        FUZZ_CHECK(o->tfo_cookie.ptr == r->tfo_cookie && o->tfo_cookie.len == r->tfo_len);
    } else {
        FUZZ_CHECK(o->tfo_cookie.ptr == NULL && o->tfo_cookie.len == 0);
    }
    FUZZ_CHECK(o->unknown_count == r->unknown_count);
    FUZZ_CHECK(memcmp(o->unknown_kinds, r->unknown_kinds, r->unknown_count) == 0);
    /* Views stay inside the captured bytes. */
    FUZZ_CHECK(fuzz_inside(buf, have, o->md5_digest.ptr, o->md5_digest.len));
    FUZZ_CHECK(fuzz_inside(buf, have, o->mptcp.ptr, o->mptcp.len));
    FUZZ_CHECK(fuzz_inside(buf, have, o->tfo_cookie.ptr, o->tfo_cookie.len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0];
    size_t space = size - 1;
    size_t cut = mode >= 0x80 ? (size_t)(mode & 0x7F) : 0;
    size_t have = cut < space ? space - cut : 0;
    uint8_t *buf = malloc(have ? have : 1);
    if (buf == NULL) return 0;
    memcpy(buf, data + 1, have);

    tcpsift_tcp_options got;
    ref_options want;
    tcpsift_error ret;
    if (mode < 0x80)
        ret = tcpsift_tcp_options_parse(&got, buf, have);
    else
        ret = tcp_options_parse_bounded(&got, buf, have, space);
    ref_parse(&want, buf, have, space);
    compare(&got, ret, &want, buf, have);
    free(buf);
    return 0;
}
