/* `conns -i IFACE`: the pipeline over a live capture. Packet buffers live
 * only during libpcap's callback, so the tracker copies what it keeps; the
 * idle timeouts are always on and run on real time between packets, so a
 * connection is reported soon after it ends or goes quiet (contract: "when
 * reading without end, each is printed when it ends, times out or is
 * evicted"). */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "pipeline.h"

static void on_live_record(void *ctx, const tcpsift_capture_record *rec)
{
    pipeline_feed(ctx, rec);
}

static void on_tick(void *ctx, int64_t now_ns)
{
    pipeline *p = ctx;
    tcpsift_tracker_advance_time(p->tracker, now_ns);
    jw_flush(p->w); /* what ended or timed out is seen now, and a write failure is noticed */
}

static int output_failed(void *ctx)
{
    const pipeline *p = ctx;
    return p->w->failed;
}

int pipeline_run_live(pipeline *p)
{
    p->cfg.buffers_stable = 0;
    tcpsift_tracker_config defaults;
    tcpsift_tracker_config_init(&defaults);
    memcpy(p->cfg.timeout_ns, defaults.timeout_ns, sizeof p->cfg.timeout_ns);
    pipeline_watch_conns(p);
    p->frags.key_vlan = p->cfg.key_vlan; /* fragments keyed as connections are */
    p->frags.key_tunnel = p->cfg.key_tunnel;
    tcpsift_error err = tcpsift_tracker_create(&p->cfg, &p->tracker);
    if (err != TCPSIFT_OK) {
        fprintf(stderr, "tcpsift: cannot create the tracker: %s\n", tcpsift_error_text(err));
        return 1;
    }
    live_handler h = {on_live_record, on_tick, output_failed, p};
    capture_input in;
    memset(&in, 0, sizeof in);
    in.path = p->live->iface;
    live_result lr;
    int status = live_run(p->live, &h, &lr);
    in.frames = lr.frames;
    if (status < 0) {
        /* Nothing was captured: no summary, which would pass for a quiet interface. */
        tcpsift_tracker_destroy(p->tracker);
        frag_stage_free(&p->frags);
        if (status == -1) cli_report_live_open_failure(p->w, p->live->iface);
        jw_flush(p->w);
        return -status;
    }
    in.live = 1;
    in.kernel_drops = lr.kernel_drops;
    /* Stopped (signal, -c or error): every connection still open is reported. */
    tcpsift_tracker_finish(p->tracker);
    pipeline_write_summary(p, &in);
    jw_flush(p->w);
    if (p->w->failed && status == 0) {
        fprintf(stderr, "tcpsift: error writing output\n");
        status = 1;
    }
    tcpsift_tracker_destroy(p->tracker);
    frag_stage_free(&p->frags);
    return status;
}
