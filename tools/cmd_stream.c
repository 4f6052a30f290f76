/* `tcpsift stream --out DIR CAPTURE`: each direction's reassembled bytes to
 * DIR/<id>.c2s.bin and DIR/<id>.s2c.bin, and the `conns` objects. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_common.h"
#include "commands.h"
#include "pipeline.h"
#include "stream_files.h"

static void on_data(void *ctx, uint64_t conn_id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    pipeline *p = ctx;
    stream_files *s = p->ctx;
    (void)offset; /* holes are skipped, never filled: bytes are appended */
    stream_files_write(s, conn_id, dir, data, len);
}

static void on_conn_end(void *ctx, const tcpsift_conn_info *conn)
{
    if (conn->proto == 6) stream_files_finish_conn(ctx, conn->id);
}

/* DIR and any missing parent, as mkdir -p; 1 when DIR is a directory in the end. */
static int make_directories(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return 0;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) return 0;
        path[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return 0;
    }
    return 1;
}

static const char stream_usage[] =
    "usage: tcpsift stream --out DIR [OPTIONS] CAPTURE\n"
    "\n"
    "Reassemble every TCP connection and write each direction's bytes to\n"
    "DIR/<id>.c2s.bin and DIR/<id>.s2c.bin (holes skipped, never filled; files\n"
    "of those names already in DIR are replaced), then print the `conns` objects.\n"
    "\n"
    "options:\n"
    "  --out DIR                  output directory (created if missing)\n";

int cmd_stream(int argc, char **argv)
{
    static json_writer w;
    jw_init(&w, stdout);
    pipeline p;
    pipeline_init(&p, &w);
    stream_files s;
    stream_files_init(&s, NULL);
    int options_done = 0;
    for (int i = 1; i < argc; i++) {
        int positional = cli_positional(stream_usage, argv, i, &options_done, &p.capture_path);
        if (positional == 2) return 2;
        if (positional) continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(stream_usage, stdout);
            fputs(pipeline_options_help, stdout);
            fputs(capture_reader_help, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc) return cli_missing(stream_usage, "a value for --out");
            s.dir = argv[++i];
            continue;
        }
        int r = pipeline_option(&p, argc, argv, &i);
        if (r < 0) return 2;
        if (r > 0) continue;
        return cli_usage_error(stream_usage, argv[i]);
    }
    if (!s.dir) return cli_missing(stream_usage, "--out DIR");
    if (!p.capture_path) return cli_missing(stream_usage, "CAPTURE");
    if (!make_directories(s.dir)) {
        fprintf(stderr, "tcpsift: %s: %s\n", s.dir, strerror(errno));
        return 1;
    }
    p.cfg.cb.on_data = on_data;
    p.on_conn_end = on_conn_end;
    p.ctx = &s;
    int status = pipeline_run(&p, 1);
    if (!stream_files_close_all(&s)) {
        fprintf(stderr, "tcpsift: %llu stream files are incomplete (the first named above)\n",
                (unsigned long long)s.failures);
        return status ? status : 1;
    }
    return status;
}
