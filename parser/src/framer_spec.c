/* Parsing and validation of the `frames --framing SPEC` strings of
 * contract/cli.md:
 *   len:W[:be|le][,offset=N][,adjust=N][,max=N]   W in 1,2,3,4,8 or varint
 *   line[,max=N]
 *   delim:HEX[,max=N]
 *   json-header:W[:be|le][,key=K][,max=N]
 * Options may come in any order, each at most once. */
#include <stdio.h>
#include <string.h>

#include "framer_internal.h"

static tcpsift_error spec_fail(char *why, size_t why_len, const char *reason)
{
    if (why && why_len > 0) snprintf(why, why_len, "%s", reason);
    return TCPSIFT_E_INVALID_ARGUMENT;
}

/* Decimal digits of [s, s+n) into *out; 0 on empty, non-digit or > limit. */
static int parse_u64(const char *s, size_t n, uint64_t limit, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20) return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (d > limit || v > (limit - d) / 10) return 0; /* v * 10 + d > limit */
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int token_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

const char *framer_config_check(const tcpsift_framer_config *cfg)
{
    if (cfg->max == 0) return "max must be > 0";
    if (cfg->max > TCPSIFT_FRAMER_MAX_MAX) return "max too large (limit 2^62)";
    switch (cfg->kind) {
    case TCPSIFT_FRAMER_LENGTH:
    case TCPSIFT_FRAMER_JSON_HEADER: {
        unsigned w = cfg->width;
        if (!(w == 1 || w == 2 || w == 3 || w == 4 || w == 8 ||
              (w == 0 && cfg->kind == TCPSIFT_FRAMER_LENGTH)))
            return "length width must be 1, 2, 3, 4, 8 (or varint for len)";
        uint64_t min_field = w ? w : 1;
        if (cfg->header_offset > cfg->max || min_field > cfg->max - cfg->header_offset)
            return "offset plus length field exceed max: every frame would be too long";
        if (cfg->kind == TCPSIFT_FRAMER_JSON_HEADER &&
            (cfg->key_len == 0 || cfg->key_len > TCPSIFT_FRAMER_MAX_KEY ||
             strlen(cfg->key) != cfg->key_len))
            return "json-header key must be 1..64 bytes";
        if (cfg->kind == TCPSIFT_FRAMER_JSON_HEADER && (cfg->header_offset || cfg->adjust))
            return "json-header takes no offset or adjust";
        if (cfg->adjust < -(INT64_C(1) << 62) || cfg->adjust > (INT64_C(1) << 62))
            return "adjust out of range (|adjust| <= 2^62)";
        return NULL;
    }
    case TCPSIFT_FRAMER_LINE:
        if (cfg->delim_len != 1 || cfg->delim[0] != '\n') return "line delimiter must be \\n";
        return NULL;
    case TCPSIFT_FRAMER_DELIM:
        if (cfg->delim_len == 0 || cfg->delim_len > TCPSIFT_FRAMER_MAX_DELIM)
            return "delimiter must be 1..64 bytes";
        return NULL;
    }
    return "unknown framing kind";
}

tcpsift_error tcpsift_framer_spec_parse(const char *spec, tcpsift_framer_config *out, char *why,
                                        size_t why_len)
{
    if (why && why_len > 0) why[0] = '\0';
    if (!spec || !out) return spec_fail(why, why_len, "missing spec");
    tcpsift_framer_config c;
    memset(&c, 0, sizeof c);
    c.big_endian = 1;
    c.max = TCPSIFT_FRAMER_DEFAULT_MAX;

    /* Head: everything before the first ','. */
    size_t total = strlen(spec);
    const char *comma = memchr(spec, ',', total);
    size_t head_len = comma ? (size_t)(comma - spec) : total;
    const char *colon = memchr(spec, ':', head_len);
    size_t name_len = colon ? (size_t)(colon - spec) : head_len;
    const char *args = colon ? colon + 1 : spec + head_len;
    size_t args_len = colon ? head_len - name_len - 1 : 0;

    int takes_width = 0;
    if (token_is(spec, name_len, "len")) {
        c.kind = TCPSIFT_FRAMER_LENGTH;
        takes_width = 1;
    } else if (token_is(spec, name_len, "json-header")) {
        c.kind = TCPSIFT_FRAMER_JSON_HEADER;
        takes_width = 1;
        memcpy(c.key, "size", 5);
        c.key_len = 4;
    } else if (token_is(spec, name_len, "line")) {
        c.kind = TCPSIFT_FRAMER_LINE;
        if (colon) return spec_fail(why, why_len, "line takes no ':' argument");
        c.delim[0] = '\n';
        c.delim_len = 1;
    } else if (token_is(spec, name_len, "delim")) {
        c.kind = TCPSIFT_FRAMER_DELIM;
        if (!colon || args_len == 0) return spec_fail(why, why_len, "delim needs :HEX");
        if (args_len % 2) return spec_fail(why, why_len, "delim HEX needs an even digit count");
        if (args_len / 2 > TCPSIFT_FRAMER_MAX_DELIM)
            return spec_fail(why, why_len, "delimiter longer than 64 bytes");
        for (size_t i = 0; i < args_len; i += 2) {
            int hi = hex_digit(args[i]), lo = hex_digit(args[i + 1]);
            if (hi < 0 || lo < 0) return spec_fail(why, why_len, "delim HEX has a non-hex digit");
            c.delim[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        c.delim_len = args_len / 2;
    } else {
        return spec_fail(why, why_len, "unknown framing (expected len, line, delim, json-header)");
    }

    if (takes_width) {
        if (!colon || args_len == 0) return spec_fail(why, why_len, "missing :W length width");
        const char *c2 = memchr(args, ':', args_len);
        size_t w_len = c2 ? (size_t)(c2 - args) : args_len;
        uint64_t w;
        if (c.kind == TCPSIFT_FRAMER_LENGTH && token_is(args, w_len, "varint")) {
            c.width = 0;
        } else if (parse_u64(args, w_len, 8, &w) &&
                   (w == 1 || w == 2 || w == 3 || w == 4 || w == 8)) {
            c.width = (unsigned)w;
        } else {
            return spec_fail(why, why_len,
                             c.kind == TCPSIFT_FRAMER_LENGTH
                                 ? "width must be 1, 2, 3, 4, 8 or varint"
                                 : "width must be 1, 2, 3, 4 or 8");
        }
        if (c2) {
            const char *o = c2 + 1;
            size_t o_len = args_len - w_len - 1;
            if (c.width == 0) return spec_fail(why, why_len, "varint takes no byte order");
            if (token_is(o, o_len, "be"))
                c.big_endian = 1;
            else if (token_is(o, o_len, "le"))
                c.big_endian = 0;
            else
                return spec_fail(why, why_len, "byte order must be be or le");
        }
    }

    /* Options. */
    int seen_offset = 0, seen_adjust = 0, seen_max = 0, seen_key = 0;
    const char *p = comma;
    while (p) {
        const char *opt = p + 1;
        const char *end = strchr(opt, ',');
        size_t opt_len = end ? (size_t)(end - opt) : strlen(opt);
        const char *eq = memchr(opt, '=', opt_len);
        if (!eq) return spec_fail(why, why_len, "option must be name=value");
        size_t k_len = (size_t)(eq - opt);
        const char *v = eq + 1;
        size_t v_len = opt_len - k_len - 1;
        if (token_is(opt, k_len, "max")) {
            if (seen_max++) return spec_fail(why, why_len, "max given twice");
            if (!parse_u64(v, v_len, TCPSIFT_FRAMER_MAX_MAX, &c.max) || c.max == 0)
                return spec_fail(why, why_len, "max must be an integer in 1..2^62");
        } else if (token_is(opt, k_len, "offset") && c.kind == TCPSIFT_FRAMER_LENGTH) {
            if (seen_offset++) return spec_fail(why, why_len, "offset given twice");
            if (!parse_u64(v, v_len, TCPSIFT_FRAMER_MAX_MAX, &c.header_offset))
                return spec_fail(why, why_len, "offset must be an integer >= 0");
        } else if (token_is(opt, k_len, "adjust") && c.kind == TCPSIFT_FRAMER_LENGTH) {
            if (seen_adjust++) return spec_fail(why, why_len, "adjust given twice");
            int neg = v_len > 0 && v[0] == '-';
            size_t skip = v_len > 0 && (v[0] == '-' || v[0] == '+') ? 1 : 0;
            uint64_t mag;
            if (!parse_u64(v + skip, v_len - skip, UINT64_C(1) << 62, &mag))
                return spec_fail(why, why_len, "adjust must be an integer, |adjust| <= 2^62");
            c.adjust = neg ? -(int64_t)mag : (int64_t)mag;
        } else if (token_is(opt, k_len, "key") && c.kind == TCPSIFT_FRAMER_JSON_HEADER) {
            if (seen_key++) return spec_fail(why, why_len, "key given twice");
            if (v_len == 0 || v_len > TCPSIFT_FRAMER_MAX_KEY)
                return spec_fail(why, why_len, "key must be 1..64 bytes");
            memcpy(c.key, v, v_len);
            c.key[v_len] = '\0';
            c.key_len = v_len;
        } else {
            return spec_fail(why, why_len, "unknown option for this framing");
        }
        p = end;
    }

    const char *bad = framer_config_check(&c);
    if (bad) return spec_fail(why, why_len, bad);
    *out = c;
    return TCPSIFT_OK;
}
