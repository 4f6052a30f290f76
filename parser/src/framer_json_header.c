/* JSON-header framing, `json-header:W[:be|le][,key=K][,max=N]`:
 *
 *   | W-byte length L | L bytes: one JSON object | body of object[K] bytes |
 *
 * Two frames per message: the header (part HEADER, offset = the length
 * field) then the body (part BODY, offset = its first byte). The header is
 * read by a small bounded JSON reader (RFC 8259 grammar, nesting depth
 * capped, no allocation) that walks the pending views in place. */
#include "framer_internal.h"

enum json_phase {
    JSON_FIELD,  /* the W-byte length of the header */
    JSON_HEADER, /* need = header bytes left */
    JSON_BODY,   /* need = body bytes left; frame_start = body offset */
    JSON_SKIP    /* too_long body: need = bytes left to skip */
};

#define JSON_LIMIT (UINT64_C(1) << 63)

/* ------------------------------------------------------------ JSON reader */

typedef struct json_reader {
    const tcpsift_bytes *segs;
    size_t nsegs;
    size_t i;
    tcpsift_cursor cur;
} json_reader;

/* Next byte without consuming it, -1 at the end of the header. */
static int rd_peek(json_reader *r)
{
    while (cursor_left(&r->cur) == 0) {
        if (r->i + 1 >= r->nsegs) return -1;
        r->i++;
        r->cur = cursor_make(r->segs[r->i].ptr, r->segs[r->i].len);
    }
    const uint8_t *p = NULL;
    if (!cursor_peek(&r->cur, 1, &p)) return -1;
    return p[0];
}

static int rd_next(json_reader *r)
{
    int c = rd_peek(r);
    if (c >= 0) cursor_skip(&r->cur, 1);
    return c;
}

static void rd_ws(json_reader *r)
{
    for (;;) {
        int c = rd_peek(r);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        rd_next(r);
    }
}

static int hex_val(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

typedef struct key_match {
    const char *key; /* NULL: not matching */
    size_t len, at;
    int ok;
} key_match;

static void match_byte(key_match *m, uint8_t b)
{
    if (!m->ok) return;
    if (m->at < m->len && (uint8_t)m->key[m->at] == b)
        m->at++;
    else
        m->ok = 0;
}

static void match_utf8(key_match *m, unsigned cp)
{
    if (cp < 0x80) {
        match_byte(m, (uint8_t)cp);
    } else if (cp < 0x800) {
        match_byte(m, (uint8_t)(0xc0 | cp >> 6));
        match_byte(m, (uint8_t)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        match_byte(m, (uint8_t)(0xe0 | cp >> 12));
        match_byte(m, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
        match_byte(m, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        match_byte(m, (uint8_t)(0xf0 | cp >> 18));
        match_byte(m, (uint8_t)(0x80 | (cp >> 12 & 0x3f)));
        match_byte(m, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
        match_byte(m, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

/* A high surrogate escape not followed by a low one (or a low one alone) is no character: the
 * string matches no key, as a UTF-8 key cannot contain it. */
static void lone_surrogate(key_match *m, unsigned *high)
{
    if (*high) m->ok = 0;
    *high = 0;
}

/* String (RFC 8259 section 7) after its opening quote; decoded bytes are
 * compared with m, a \u escape as UTF-8 and a surrogate pair as the one
 * character beyond U+FFFF it encodes (section 7: "\ud834\udd1e"). */
static int json_string(json_reader *r, key_match *m)
{
    unsigned high = 0; /* a high surrogate escape waiting for its low half */
    for (;;) {
        int c = rd_next(r);
        if (c < 0 || c < 0x20) return 0;
        if (c != '\\') lone_surrogate(m, &high);
        if (c == '"') return 1;
        if (c != '\\') {
            match_byte(m, (uint8_t)c);
            continue;
        }
        int e = rd_next(r);
        if (e != 'u') lone_surrogate(m, &high);
        switch (e) {
        case '"':
        case '\\':
        case '/':
            match_byte(m, (uint8_t)e);
            break;
        case 'b':
            match_byte(m, 8);
            break;
        case 'f':
            match_byte(m, 12);
            break;
        case 'n':
            match_byte(m, 10);
            break;
        case 'r':
            match_byte(m, 13);
            break;
        case 't':
            match_byte(m, 9);
            break;
        case 'u': {
            unsigned cp = 0;
            for (int k = 0; k < 4; k++) {
                int h = hex_val(rd_next(r));
                if (h < 0) return 0;
                cp = cp << 4 | (unsigned)h;
            }
            if (high && cp >= 0xdc00 && cp <= 0xdfff) {
                match_utf8(m, 0x10000 + ((high - 0xd800) << 10) + (cp - 0xdc00));
                high = 0;
                break;
            }
            lone_surrogate(m, &high);
            if (cp >= 0xd800 && cp <= 0xdbff)
                high = cp;
            else if (cp >= 0xdc00 && cp <= 0xdfff)
                m->ok = 0;
            else
                match_utf8(m, cp);
            break;
        }
        default:
            return 0;
        }
    }
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Number (RFC 8259 section 6). *is_uint: no sign, fraction or exponent and
 * the value fits in 64 bits (then in *value). */
static int json_number(json_reader *r, uint64_t *value, int *is_uint)
{
    int neg = 0, frac = 0, overflow = 0;
    uint64_t v = 0;
    if (rd_peek(r) == '-') {
        neg = 1;
        rd_next(r);
    }
    int c = rd_peek(r);
    if (c == '0') {
        rd_next(r);
    } else if (c >= '1' && c <= '9') {
        while (is_digit(rd_peek(r))) {
            unsigned d = (unsigned)(rd_next(r) - '0');
            if (v > (UINT64_MAX - d) / 10)
                overflow = 1;
            else
                v = v * 10 + d;
        }
    } else {
        return 0;
    }
    if (rd_peek(r) == '.') {
        rd_next(r);
        frac = 1;
        if (!is_digit(rd_peek(r))) return 0;
        while (is_digit(rd_peek(r)))
            rd_next(r);
    }
    c = rd_peek(r);
    if (c == 'e' || c == 'E') {
        rd_next(r);
        frac = 1;
        c = rd_peek(r);
        if (c == '+' || c == '-') rd_next(r);
        if (!is_digit(rd_peek(r))) return 0;
        while (is_digit(rd_peek(r)))
            rd_next(r);
    }
    *value = v;
    *is_uint = !neg && !frac && !overflow;
    return 1;
}

static int json_literal(json_reader *r, const char *word)
{
    for (; *word; word++)
        if (rd_next(r) != (unsigned char)*word) return 0;
    return 1;
}

static int json_value(json_reader *r, unsigned depth);

/* Object members after '{'. When key is given (top level), count members
 * named key and require their value to be an unsigned integer. */
static int json_members(json_reader *r, unsigned depth, const char *key, size_t key_len,
                        uint64_t *found, unsigned *count)
{
    rd_ws(r);
    if (rd_peek(r) == '}') {
        rd_next(r);
        return 1;
    }
    for (;;) {
        if (rd_next(r) != '"') return 0;
        key_match m = {key, key_len, 0, key != NULL};
        if (!json_string(r, &m)) return 0;
        rd_ws(r);
        if (rd_next(r) != ':') return 0;
        rd_ws(r);
        if (m.ok && m.at == m.len) {
            uint64_t v;
            int is_uint;
            if (!json_number(r, &v, &is_uint) || !is_uint) return 0;
            *found = v;
            (*count)++;
        } else if (!json_value(r, depth)) {
            return 0;
        }
        rd_ws(r);
        int c = rd_next(r);
        if (c == '}') return 1;
        if (c != ',') return 0;
        rd_ws(r);
    }
}

static int json_value(json_reader *r, unsigned depth)
{
    uint64_t v;
    int is_uint;
    unsigned unused_count = 0;
    switch (rd_peek(r)) {
    case '{':
        if (depth >= TCPSIFT_FRAMER_JSON_MAX_DEPTH) return 0;
        rd_next(r);
        return json_members(r, depth + 1, NULL, 0, &v, &unused_count);
    case '[':
        if (depth >= TCPSIFT_FRAMER_JSON_MAX_DEPTH) return 0;
        rd_next(r);
        rd_ws(r);
        if (rd_peek(r) == ']') {
            rd_next(r);
            return 1;
        }
        for (;;) {
            if (!json_value(r, depth + 1)) return 0;
            rd_ws(r);
            int c = rd_next(r);
            if (c == ']') return 1;
            if (c != ',') return 0;
            rd_ws(r);
        }
    case '"':
        rd_next(r);
        return json_string(r, &(key_match){NULL, 0, 0, 0});
    case 't':
        return json_literal(r, "true");
    case 'f':
        return json_literal(r, "false");
    case 'n':
        return json_literal(r, "null");
    default:
        return json_number(r, &v, &is_uint);
    }
}

int framer_json_find_uint(const tcpsift_bytes *segs, size_t nsegs, const char *key, size_t key_len,
                          uint64_t *out)
{
    json_reader r;
    r.segs = segs;
    r.nsegs = nsegs;
    r.i = 0;
    r.cur = nsegs ? cursor_make(segs[0].ptr, segs[0].len) : cursor_make(NULL, 0);
    rd_ws(&r);
    if (rd_next(&r) != '{') return 0;
    uint64_t v = 0;
    unsigned count = 0;
    if (!json_members(&r, 1, key, key_len, &v, &count)) return 0;
    rd_ws(&r);
    if (rd_peek(&r) != -1) return 0; /* one object, nothing after it */
    if (count != 1) return 0;        /* missing, or duplicated (ambiguous) */
    *out = v;
    return 1;
}

/* ------------------------------------------------------------ framing */

static void json_next_message(tcpsift_framer_state *f, uint64_t start)
{
    f->phase = JSON_FIELD;
    f->msg_start = start;
    f->frame_start = start;
    framer_field_reset(f);
    framer_pend_reset(f);
}

void framer_json_init(tcpsift_framer_state *f)
{
    json_next_message(f, 0);
}

static void json_stop(tcpsift_framer_state *f, tcpsift_frame_part part, tcpsift_frame_error err,
                      uint64_t offset, uint64_t len, tcpsift_frame_cb cb, void *ctx)
{
    framer_pend_reset(f);
    framer_emit_error(f, part, err, offset, len, cb, ctx);
    f->stopped = 1;
}

/* The header is complete (f->pos just past it). */
static void json_header_done(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                             tcpsift_frame_cb cb, void *ctx)
{
    uint64_t w = s->cfg.width;
    uint64_t hlen = f->body_len;
    tcpsift_bytes segs[TCPSIFT_FRAMER_MAX_VIEWS + 1];
    size_t n = framer_pend_slice(f, w, hlen, segs, TCPSIFT_FRAMER_MAX_VIEWS + 1);
    uint64_t size = 0;
    int ok = framer_json_find_uint(segs, n, s->cfg.key, s->cfg.key_len, &size);
    framer_emit(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_OK, f->msg_start, hlen, 0, 0, w, hlen, cb,
                ctx);
    framer_pend_reset(f);
    f->frame_start = f->pos;
    if (!ok || size > JSON_LIMIT) {
        json_stop(f, TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_BAD_LENGTH, f->pos, 0, cb, ctx);
        return;
    }
    f->body_len = size;
    if (size > s->cfg.max) {
        framer_emit_error(f, TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_TOO_LONG, f->pos, size, cb, ctx);
        f->phase = JSON_SKIP;
        f->need = size;
        return;
    }
    if (size == 0) {
        framer_emit(f, TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_OK, f->pos, 0, 0, 0, 0, 0, cb, ctx);
        json_next_message(f, f->pos);
        return;
    }
    f->phase = JSON_BODY;
    f->need = size;
}

/* The header length is known (f->pos just past the field). */
static void json_field_done(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                            tcpsift_frame_cb cb, void *ctx)
{
    uint64_t w = s->cfg.width;
    uint64_t hlen = f->field_value;
    f->body_len = hlen;
    if (hlen > JSON_LIMIT - w) {
        json_stop(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_BAD_LENGTH, f->msg_start, 0, cb, ctx);
        return;
    }
    if (w + hlen > s->cfg.max) {
        /* The body length is inside the header we cannot keep: framing
         * cannot resume past it, so the direction stops here. */
        json_stop(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_TOO_LONG, f->msg_start, hlen, cb, ctx);
        return;
    }
    if (hlen == 0) {
        json_header_done(f, s, cb, ctx);
        return;
    }
    f->phase = JSON_HEADER;
    f->need = hlen;
}

int framer_json_feed(tcpsift_framer_state *f, const tcpsift_framer_setup *s, tcpsift_cursor *in,
                     tcpsift_frame_cb cb, void *ctx)
{
    while (cursor_left(in) > 0 && !f->stopped) {
        size_t left = cursor_left(in);
        size_t n = f->need < left ? (size_t)f->need : left;
        const uint8_t *p = NULL;
        switch ((enum json_phase)f->phase) {
        case JSON_FIELD:
            cursor_take(in, 1, &p);
            if (!framer_pend_add(f, s, p, 1)) return 0;
            f->pos += 1;
            switch (framer_field_byte(f, s, p[0])) {
            case FIELD_MORE:
                break;
            case FIELD_DONE:
                json_field_done(f, s, cb, ctx);
                break;
            case FIELD_OVERFLOW: /* fixed widths never overflow */
                json_stop(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_BAD_LENGTH, f->msg_start, 0, cb,
                          ctx);
                break;
            }
            break;
        case JSON_HEADER:
            cursor_take(in, n, &p);
            if (!framer_pend_add(f, s, p, n)) return 0;
            f->pos += n;
            f->need -= n;
            if (f->need == 0) json_header_done(f, s, cb, ctx);
            break;
        case JSON_BODY:
            cursor_take(in, n, &p);
            if (!framer_pend_add(f, s, p, n)) return 0;
            f->pos += n;
            f->need -= n;
            if (f->need == 0) {
                framer_emit(f, TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_OK, f->frame_start, f->body_len, 0,
                            0, 0, f->body_len, cb, ctx);
                json_next_message(f, f->pos);
            }
            break;
        case JSON_SKIP:
            cursor_skip(in, n);
            f->pos += n;
            f->need -= n;
            if (f->need == 0) json_next_message(f, f->pos);
            break;
        }
    }
    f->pos += cursor_left(in);
    cursor_skip(in, cursor_left(in));
    return 1;
}

void framer_json_gap(tcpsift_framer_state *f, uint64_t gap_len, tcpsift_frame_cb cb, void *ctx)
{
    switch ((enum json_phase)f->phase) {
    case JSON_FIELD:
    case JSON_HEADER:
        json_stop(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_DESYNC, f->msg_start, 0, cb, ctx);
        return;
    case JSON_BODY:
        framer_emit(f, TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_TRUNCATED, f->frame_start, f->body_len, 0,
                    0, 0, f->body_len - f->need, cb, ctx);
        framer_pend_reset(f);
        f->phase = JSON_SKIP;
        break;
    case JSON_SKIP:
        break;
    }
    if (gap_len < f->need) {
        f->need -= gap_len;
        return;
    }
    uint64_t next = f->pos + f->need;
    if (gap_len == f->need) {
        json_next_message(f, next);
        return;
    }
    json_stop(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_DESYNC, next, 0, cb, ctx);
}

void framer_json_finish(tcpsift_framer_state *f, tcpsift_frame_cb cb, void *ctx)
{
    switch ((enum json_phase)f->phase) {
    case JSON_FIELD:
        if (framer_pend_len(f) > 0)
            framer_emit_error(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_INCOMPLETE, f->msg_start, 0,
                              cb, ctx);
        return;
    case JSON_HEADER:
        framer_emit_error(f, TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_INCOMPLETE, f->msg_start,
                          f->body_len, cb, ctx);
        return;
    case JSON_BODY:
        framer_emit_error(f, TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_INCOMPLETE, f->frame_start,
                          f->body_len, cb, ctx);
        return;
    case JSON_SKIP:
        return;
    }
}
