#define _DEFAULT_SOURCE /* opendir/readdir */
#include "support_files.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

uint8_t *test_load_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        cap *= 2;
        uint8_t *bigger = realloc(buf, cap);
        assert_non_null(bigger);
        buf = bigger;
    }
    fclose(f);
    *len = n;
    return buf;
}

int test_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

size_t test_each_capture_in(const char *dir, test_capture_fn fn, void *ctx)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t files = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!test_ends_with(de->d_name, ".pcap") && !test_ends_with(de->d_name, ".pcapng")) continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t len;
        uint8_t *buf = test_load_file(path, &len);
        assert_non_null(buf);
        fn(path, buf, len, ctx);
        free(buf);
        files++;
    }
    closedir(d);
    return files;
}

size_t test_each_shared_capture(const char *what, test_capture_fn fn, void *ctx)
{
    const char *root = TCPSIFT_SHARED_DIR "/captures/external";
    DIR *d = opendir(root);
    if (!d) {
        printf("SKIPPED: ../shared absent (%s): %s not checked on the 80 external captures\n",
               root, what);
        fflush(stdout);
        return 0;
    }
    closedir(d);
    static const char *const subdirs[] = {"pcapplusplus", "suricata-verify", "tcpdump", "zeek"};
    size_t files = 0;
    for (size_t s = 0; s < sizeof subdirs / sizeof subdirs[0]; s++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", root, subdirs[s]);
        files += test_each_capture_in(dir, fn, ctx);
    }
    return files;
}

size_t test_each_named_capture(const char *var, test_capture_fn fn, void *ctx)
{
    const char *list = getenv(var);
    if (!list || !*list) {
        printf("SKIPPED: %s not set (optional extra captures)\n", var);
        fflush(stdout);
        return 0;
    }
    size_t files = 0;
    char path[2048];
    while (*list) {
        size_t n = strcspn(list, ":");
        assert_true(n < sizeof path);
        memcpy(path, list, n);
        path[n] = '\0';
        list += n + (list[n] == ':');
        if (n == 0) continue;
        size_t len;
        uint8_t *buf = test_load_file(path, &len);
        if (!buf) fail_msg("cannot read %s", path);
        fn(path, buf, len, ctx);
        free(buf);
        files++;
    }
    return files;
}

uint64_t test_each_packet(const uint8_t *buf, size_t len, test_packet_fn fn, void *ctx)
{
    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    uint64_t packets = 0;
    if (tcpsift_capture_open(&r, buf, len) != TCPSIFT_OK) return 0;
    int rc;
    while ((rc = tcpsift_capture_next(&r, &rec, &err)) != 0) {
        if (rc != 1) continue;
        tcpsift_packet pkt;
        tcpsift_packet_decode(&pkt, rec.linktype, rec.data, rec.caplen, rec.wirelen);
        int64_t ns = rec.ts_sec < 0                                  ? 0
                     : rec.ts_sec >= INT64_MAX / 1000000000 - 1 ? INT64_MAX
                                                                : rec.ts_sec * 1000000000 +
                                                                      (int64_t)rec.ts_nsec;
        fn(ctx, &pkt, ns);
        packets++;
    }
    return packets;
}
