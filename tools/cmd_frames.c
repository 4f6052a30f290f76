/* `tcpsift frames --framing SPEC CAPTURE`: one object per application frame,
 * in the order frames complete. */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "pipeline.h"

typedef struct frames_ctx {
    int no_data;
} frames_ctx;

static void write_views_hex(json_writer *w, const char *key, const tcpsift_bytes *v, size_t n)
{
    /* The views are contiguous pieces of one body: print them as one string. */
    static const char hex[] = "0123456789abcdef";
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += v[i].len;
    jw_key_raw(w, key, "\"");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].len; j++) {
            char two[3] = {hex[v[i].ptr[j] >> 4], hex[v[i].ptr[j] & 15], '\0'};
            jw_raw(w, two);
        }
    jw_raw(w, "\"");
    (void)total;
}

static void on_frame(void *ctx, uint64_t conn_id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *frame)
{
    pipeline *p = ctx;
    frames_ctx *f = p->ctx;
    json_writer *w = p->w;
    if (f->no_data && proto != 17 && frame->part == TCPSIFT_FRAME_WHOLE &&
        frame->error == TCPSIFT_FRAME_OK && frame->nheader == 0) {
        jw_frame_line(w, conn_id, dir == TCPSIFT_S2C, frame->offset, frame->len);
        return;
    }
    jw_object_begin(w);
    jw_key_u64(w, "conn", conn_id);
    if (proto == 17) jw_key_str(w, "proto", "udp");
    jw_key_literal(w, "dir", dir == TCPSIFT_C2S ? "c2s" : "s2c");
    jw_key_u64(w, "offset", frame->offset);
    jw_key_u64(w, "len", frame->len);
    if (frame->part != TCPSIFT_FRAME_WHOLE) jw_key_str(w, "part", tcpsift_frame_part_name(frame->part));
    if (frame->error != TCPSIFT_FRAME_OK) jw_key_str(w, "error", tcpsift_frame_error_name(frame->error));
    /* --no-data leaves out only "data" (the contract): "header" is part of the frame's
     * description, as its offset and length are. */
    if (frame->nheader) write_views_hex(w, "header", frame->header, frame->nheader);
    if (!f->no_data &&
        (frame->error == TCPSIFT_FRAME_OK || frame->error == TCPSIFT_FRAME_TRUNCATED))
        write_views_hex(w, "data", frame->segs, frame->nsegs);
    jw_object_end(w);
    jw_line_end(w);
}

static const char frames_usage[] =
    "usage: tcpsift frames --framing SPEC [--no-data] [OPTIONS] CAPTURE\n"
    "\n"
    "Reassemble every TCP connection, cut each direction into application frames\n"
    "and print one JSON object per frame (conn, dir, offset, len, data in hex);\n"
    "each UDP datagram is one frame (\"proto\":\"udp\").\n"
    "\n"
    "SPEC:\n"
    "  len:W[:be|le][,offset=N][,adjust=N][,max=N]\n"
    "      a W-byte length field (W = 1, 2, 3, 4, 8, or varint) after N header bytes;\n"
    "      body length = field + adjust, measured from the byte after the field;\n"
    "      max bounds the whole frame, header included (default 16 MiB)\n"
    "  line[,max=N]          frames end at \\n (a preceding \\r is dropped)\n"
    "  delim:HEX[,max=N]     frames end at the given byte sequence\n"
    "  json-header:W[:be|le][,key=size][,max=N]\n"
    "      a W-byte length of a JSON header, the header, then a body of `key` bytes;\n"
    "      each message gives a header frame and a body frame (\"part\"); max bounds\n"
    "      the header (field included) and the body apart: a body over it is skipped\n"
    "      (too_long), a header over it stops the direction (the body length is in it)\n"
    "errors: truncated, desync, too_long, bad_length, incomplete\n"
    "\n"
    "options:\n"
    "  --framing SPEC             the framing (required)\n"
    "  --no-data                  leave out each frame's body bytes (\"data\"; a\n"
    "                             \"header\" stays)\n";

int cmd_frames(int argc, char **argv)
{
    static json_writer w;
    jw_init(&w, stdout);
    pipeline p;
    pipeline_init(&p, &w);
    frames_ctx f = {0};
    const char *spec = NULL;
    int options_done = 0;
    for (int i = 1; i < argc; i++) {
        int positional = cli_positional(frames_usage, argv, i, &options_done, &p.capture_path);
        if (positional == 2) return 2;
        if (positional) continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(frames_usage, stdout);
            fputs(pipeline_options_help, stdout);
            fputs(capture_reader_help, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--framing") == 0) {
            if (i + 1 >= argc) return cli_missing(frames_usage, "a value for --framing");
            spec = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--no-data") == 0) {
            f.no_data = 1;
            continue;
        }
        int r = pipeline_option(&p, argc, argv, &i);
        if (r < 0) return 2;
        if (r > 0) continue;
        return cli_usage_error(frames_usage, argv[i]);
    }
    if (!spec) return cli_missing(frames_usage, "--framing SPEC");
    if (!p.capture_path) return cli_missing(frames_usage, "CAPTURE");
    char why[200];
    if (tcpsift_framer_spec_parse(spec, &p.cfg.framer, why, sizeof why) != TCPSIFT_OK) {
        fprintf(stderr, "tcpsift: --framing %s: %s\n", spec, why);
        return 2;
    }
    p.cfg.framing = 1;
    p.cfg.cb.on_frame = on_frame;
    p.ctx = &f;
    return pipeline_run(&p, 0);
}
