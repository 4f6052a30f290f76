#include "support_verify.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

#include "support_files.h"
#include "tcpsift/framer.h"
#include "tracker_internal.h"

void verify_config(int full, tcpsift_tracker_config *cfg)
{
    tcpsift_tracker_config_init(cfg);
    for (int i = 0; i < 16; i++)
        cfg->hash_key[i] = (uint8_t)(0x11 * i + 3);
    cfg->max_connections = 4096;
    cfg->embryo_capacity = 1024;
    if (full) {
        cfg->reassemble = 1;
        cfg->framing = 1;
        assert_int_equal(tcpsift_framer_spec_parse("len:4:be", &cfg->framer, NULL, 0), TCPSIFT_OK);
    }
}

tcpsift_tracker *verify_tracker(verify_path path, int full)
{
    tcpsift_tracker_config cfg;
    verify_config(full, &cfg);
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    switch (path) {
    case VERIFY_STEADY:
        t->verify_steady = 1;
        break;
    case VERIFY_EMBRYO_SYN:
        t->verify_embryo_syn = 1;
        break;
    case VERIFY_HANDSHAKE:
        t->verify_handshake = 1;
        break;
    }
    return t;
}

static const char *path_name(verify_path path)
{
    switch (path) {
    case VERIFY_STEADY:
        return "steady segment";
    case VERIFY_EMBRYO_SYN:
        return "embryo SYN";
    case VERIFY_HANDSHAKE:
        return "handshake";
    }
    return "?";
}

/* What one check compares, plural. */
static const char *path_what(verify_path path)
{
    switch (path) {
    case VERIFY_STEADY:
        return "steady segments";
    case VERIFY_EMBRYO_SYN:
        return "embryo SYNs";
    case VERIFY_HANDSHAKE:
        return "handshake SYN-ACKs and ACKs";
    }
    return "?";
}

static void feed_packet(void *ctx, const tcpsift_packet *pkt, int64_t ns)
{
    tcpsift_tracker_packet(ctx, pkt, ns);
}

void verify_capture(const char *path, const uint8_t *buf, size_t len, void *ctx)
{
    verify_totals *tot = ctx;
    tot->files++;
    for (int full = 0; full <= 1; full++) {
        tcpsift_tracker *t = verify_tracker(tot->path, full);
        tot->packets += test_each_packet(buf, len, feed_packet, t);
        tcpsift_tracker_finish(t);
        uint64_t checked = 0, mismatches = 0;
        switch (tot->path) {
        case VERIFY_STEADY:
            checked = t->steady_checked;
            mismatches = t->steady_mismatches;
            break;
        case VERIFY_EMBRYO_SYN:
            checked = t->embryo_syn_checked;
            mismatches = t->embryo_syn_mismatches;
            break;
        case VERIFY_HANDSHAKE:
            checked = t->handshake_checked;
            mismatches = t->handshake_mismatches;
            tot->synacks += t->handshake_synack_checked;
            break;
        }
        if (mismatches != 0)
            fail_msg("%s (%s): %llu of %llu %s differ from the general path", path,
                     full ? "full" : "state", (unsigned long long)mismatches,
                     (unsigned long long)checked, path_what(tot->path));
        tot->checked += checked;
        tcpsift_tracker_destroy(t);
    }
}

static void report(const char *set, const verify_totals *tot)
{
    printf("%s direct == general on %zu %s captures: %llu %s compared of %llu packets (both "
           "configurations)\n",
           path_name(tot->path), tot->files, set, (unsigned long long)tot->checked,
           path_what(tot->path), (unsigned long long)tot->packets);
    if (tot->path == VERIFY_HANDSHAKE)
        printf("  of which %llu SYN-ACKs, %llu ACKs\n", (unsigned long long)tot->synacks,
               (unsigned long long)(tot->checked - tot->synacks));
}

/* The handshake check compares two direct paths: each must have been compared. */
static void both_kinds(const verify_totals *tot)
{
    if (tot->path != VERIFY_HANDSHAKE) return;
    assert_true(tot->synacks > 0);
    assert_true(tot->checked - tot->synacks > 0);
}

void verify_test_conformance(verify_path path, uint64_t min_checked)
{
    verify_totals tot = {path, 0, 0, 0, 0};
    test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/crafted", verify_capture, &tot);
    test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/real", verify_capture, &tot);
    test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/tunnels", verify_capture, &tot);
    report("conformance", &tot);
    assert_true(tot.files >= 20);
    assert_true(tot.checked >= min_checked);
    both_kinds(&tot);
}

void verify_test_shared(verify_path path, uint64_t min_checked)
{
    verify_totals tot = {path, 0, 0, 0, 0};
    if (test_each_shared_capture("the direct path vs the general one", verify_capture, &tot) ==
        0) {
        skip();
        return;
    }
    report("shared", &tot);
    assert_int_equal(tot.files, 80);
    assert_true(tot.checked >= min_checked);
    both_kinds(&tot);
}

void verify_test_named(verify_path path)
{
    verify_totals tot = {path, 0, 0, 0, 0};
    if (test_each_named_capture("TCPSIFT_STEADY_CAPTURES", verify_capture, &tot) == 0) {
        skip();
        return;
    }
    report("named", &tot);
    assert_true(tot.checked > 0);
    both_kinds(&tot);
}
