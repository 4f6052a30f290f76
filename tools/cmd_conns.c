/* `tcpsift conns CAPTURE`: one object per connection, then a summary. */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "pipeline.h"

static const char conns_usage[] =
    "usage: tcpsift conns [--format json|text] [OPTIONS] CAPTURE\n"
    "       tcpsift conns -i IFACE [--filter EXPR] [-c N] [OPTIONS]\n"
    "\n"
    "Track every TCP connection and UDP flow of CAPTURE (pcap/pcapng, - for stdin)\n"
    "and print one JSON object per connection in id order (TCP first, then UDP):\n"
    "endpoints, each endpoint's RFC 9293 state, handshake, end, Zeek conn_state and\n"
    "history, packet/byte/stream counts, gaps and anomaly events; then a summary.\n"
    "With -i each connection is printed when it ends, times out (idle timeouts\n"
    "are on) or is evicted; the rest when capturing stops.\n"
    "\n"
    "options:\n"
    "  --format json|text         JSON Lines (default) or a table for people\n";

int cmd_conns(int argc, char **argv)
{
    static json_writer w;
    jw_init(&w, stdout);
    pipeline p;
    pipeline_init(&p, &w);
    live_options live = {0};
    int options_done = 0;
    for (int i = 1; i < argc; i++) {
        int positional = cli_positional(conns_usage, argv, i, &options_done, &p.capture_path);
        if (positional == 2) return 2;
        if (positional) continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(conns_usage, stdout);
            fputs(pipeline_options_help, stdout);
            fputs(capture_reader_help, stdout);
            fputs(live_options_help, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--format") == 0) {
            if (i + 1 >= argc) return cli_missing(conns_usage, "a value for --format");
            const char *f = argv[++i];
            if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0) {
                fprintf(stderr, "tcpsift: --format: expected json or text, not '%s'\n", f);
                return 2;
            }
            p.format_text = strcmp(f, "text") == 0;
            continue;
        }
        int r = pipeline_option(&p, argc, argv, &i);
        if (r < 0) return 2;
        if (r > 0) continue;
        r = live_option(&live, argc, argv, &i);
        if (r < 0) return 2;
        if (r > 0) continue;
        return cli_usage_error(conns_usage, argv[i]);
    }
    if (!live_options_valid(&live, p.capture_path)) return 2;
    if (live.iface) p.live = &live;
    if (!p.capture_path && !p.live) return cli_missing(conns_usage, "CAPTURE (or -i IFACE)");
    return pipeline_run(&p, 1);
}
