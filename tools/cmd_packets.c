/* `tcpsift packets CAPTURE`: one JSON object per frame, in capture order. */
#include <stdio.h>
#include <string.h>

#include "capture_input.h"
#include "cli_common.h"
#include "commands.h"
#include "frag_stage.h"
#include "live_capture.h"
#include "packet_json.h"

typedef struct packets_ctx {
    json_writer *w;
    const char *path;
    frag_stage frags;
} packets_ctx;

static void on_record(void *ctx_, const tcpsift_capture_record *rec)
{
    packets_ctx *ctx = ctx_;
    tcpsift_packet pkt;
    tcpsift_packet_decode(&pkt, rec->linktype, rec->data, rec->caplen, rec->wirelen);
    tcpsift_packet_verify_checksums(&pkt);
    const tcpsift_packet *whole = NULL;
    ctx->frags.error = TCPSIFT_OK;
    ctx->frags.overlapped = 0;
    /* The datagram shown is the one the host reassembles (default checksum policy). */
    if ((pkt.layers & TCPSIFT_LAYER_FRAGMENT) &&
        !frag_stage_checksum_rejects(&pkt, TCPSIFT_CHECKSUM_AUTO))
        whole = frag_stage_packet(&ctx->frags, rec, &pkt, 0);
    packet_json_write(ctx->w, rec, &pkt, whole, ctx->frags.error, ctx->frags.overlapped);
}

static void on_skipped_block(void *ctx_, tcpsift_error err, uint64_t frames_so_far)
{
    packets_ctx *ctx = ctx_;
    cli_report_skipped_block(ctx->w, ctx->path, err, frames_so_far);
}

static const char packets_usage[] =
    "usage: tcpsift packets [--help] [--checksums auto|verify|off]\n"
    "                       [--frag-overlap discard|POLICY] CAPTURE\n"
    "       tcpsift packets -i IFACE [--filter EXPR] [-c N]\n"
    "\n"
    "Decode every frame of CAPTURE (pcap or pcapng file, or - for standard input)\n"
    "and print one JSON object per frame: frame, ts, proto, src, dst, sport, dport,\n"
    "seq, ack, flags, win, len, caplen_payload, opts, csum, encap, frag, error.\n"
    "Checksums are reported as they are (good, bad or unverified). An IP fragment\n"
    "that overlaps another of its datagram carries \"frag_overlap\": true; by\n"
    "default its datagram is discarded (error frag_overlap), unless it lies inside\n"
    "fragments held (a duplicate, ignored), as Linux does.\n"
    "\n"
    "options:\n"
    "  --checksums auto|verify|off  accepted, as by conns, stream and frames, and\n"
    "                             changes nothing here: checksums are reported as\n"
    "                             they are whatever it says\n" FRAG_STAGE_OPTIONS_HELP;

/* --checksums VALUE, checked and ignored: packets reports checksums as they are "whatever
 * --checksums says" (the contract), so a command line shared with conns runs here too. */
static int checksums_option_ignored(int argc, char **argv, int *i)
{
    if (strcmp(argv[*i], "--checksums") != 0) return 0;
    tcpsift_checksum_policy unused;
    if (*i + 1 >= argc || tcpsift_checksum_policy_parse(argv[*i + 1], &unused) != TCPSIFT_OK) {
        fprintf(stderr, "tcpsift: --checksums: expected auto, verify or off\n");
        return -1;
    }
    ++*i;
    return 1;
}

static void on_live_record(void *ctx_, const tcpsift_capture_record *rec)
{
    packets_ctx *ctx = ctx_;
    on_record(ctx, rec);
    jw_flush(ctx->w); /* each packet is seen as it arrives */
}

static int live_output_failed(void *ctx_)
{
    const packets_ctx *ctx = ctx_;
    return ctx->w->failed;
}

static int packets_live(const live_options *live, const frag_stage *frags)
{
    static json_writer w;
    jw_init(&w, stdout);
    packets_ctx ctx = {.w = &w, .frags = *frags};
    live_handler h = {on_live_record, NULL, live_output_failed, &ctx};
    live_result lr;
    int status = live_run(live, &h, &lr);
    frag_stage_free(&ctx.frags);
    if (status == -1) cli_report_live_open_failure(&w, live->iface);
    jw_flush(&w);
    if (status < 0) return -status;
    if (w.failed && status == 0) {
        fprintf(stderr, "tcpsift: error writing output\n");
        status = 1;
    }
    return status;
}

int cmd_packets(int argc, char **argv)
{
    const char *path = NULL;
    live_options live = {0};
    capture_reader reader = CAPTURE_READER_AUTO;
    frag_stage frags = {0}; /* only the --frag-overlap choice: the pool starts with a fragment */
    int options_done = 0;
    for (int i = 1; i < argc; i++) {
        int positional = cli_positional(packets_usage, argv, i, &options_done, &path);
        if (positional == 2) return 2;
        if (positional) continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(packets_usage, stdout);
            fputs(capture_reader_help, stdout);
            fputs(live_options_help, stdout);
            return 0;
        }
        int r = live_option(&live, argc, argv, &i);
        if (r == 0) r = capture_reader_option(&reader, argc, argv, &i);
        if (r == 0) r = frag_stage_option(&frags, argc, argv, &i);
        if (r == 0) r = checksums_option_ignored(argc, argv, &i);
        if (r < 0) return 2;
        if (r > 0) continue;
        return cli_usage_error(packets_usage, argv[i]);
    }
    if (!live_options_valid(&live, path)) return 2;
    if (live.iface) return packets_live(&live, &frags);
    if (!path) return cli_missing(packets_usage, "CAPTURE (or -i IFACE)");

    static json_writer w;
    jw_init(&w, stdout);
    capture_input in;
    if (!capture_open(&in, path, reader, &w)) return 1;
    packets_ctx ctx = {.w = &w, .path = path, .frags = frags};
    capture_handler h = {on_record, on_skipped_block, NULL, &ctx};
    capture_run(&in, &h);
    frag_stage_free(&ctx.frags);
    int status = cli_finish(&in, &w);
    capture_close(&in);
    return status;
}
