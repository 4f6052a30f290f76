#include "cli_common.h"

#include <stdio.h>
#include <string.h>

int cli_positional(const char *usage, char **argv, int i, int *options_done, const char **path)
{
    if (!*options_done && strcmp(argv[i], CLI_END_OF_OPTIONS) == 0) {
        *options_done = 1;
        return 1;
    }
    if (!*options_done && argv[i][0] == '-' && argv[i][1] != '\0') return 0;
    if (*path) return cli_usage_error(usage, argv[i]);
    *path = argv[i];
    return 1;
}

int cli_missing(const char *usage, const char *what)
{
    fprintf(stderr, "tcpsift: missing %s\n", what);
    fputs(usage, stderr);
    return 2;
}

int cli_usage_error(const char *usage, const char *bad_arg)
{
    if (bad_arg)
        fprintf(stderr, "tcpsift: unexpected argument '%s'\n", bad_arg);
    else
        fprintf(stderr, "tcpsift: missing argument\n");
    fputs(usage, stderr);
    return 2;
}

void cli_report_skipped_block(json_writer *w, const char *path, tcpsift_error err,
                              uint64_t frames_so_far)
{
    jw_object_begin(w);
    jw_key_str(w, "error", tcpsift_error_name(err));
    jw_key_str(w, "file", path); /* as every capture-level error object */
    jw_key_u64(w, "after_frame", frames_so_far);
    jw_object_end(w);
    jw_line_end(w);
}

void cli_report_live_open_failure(json_writer *w, const char *iface)
{
    jw_object_begin(w);
    jw_key_str(w, "error", "cannot_open");
    jw_key_str(w, "interface", iface);
    jw_object_end(w);
    jw_line_end(w);
}

int cli_finish(const capture_input *in, json_writer *w)
{
    if (in->fatal == TCPSIFT_E_NOT_A_CAPTURE) {
        fprintf(stderr, "tcpsift: %s: not a pcap or pcapng file\n", in->path);
        jw_object_begin(w);
        jw_key_str(w, "error", "not_a_capture");
        jw_key_str(w, "file", in->path);
        jw_object_end(w);
        jw_line_end(w);
        jw_flush(w);
        return 1;
    }
    capture_report_end(in, w);
    jw_flush(w);
    if (w->failed) {
        fprintf(stderr, "tcpsift: error writing output\n");
        return 1;
    }
    return in->interrupted ? 128 + in->interrupted : 0; /* as the shell reports a signal */
}
