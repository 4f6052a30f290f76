/* The capture -> decoder -> tracker pipeline shared by `conns`, `stream`
 * and `frames`: option parsing, the packet loop, and connection reports
 * collected and printed in id order (TCP first, then UDP). */
#ifndef TCPSIFT_TOOLS_PIPELINE_H
#define TCPSIFT_TOOLS_PIPELINE_H

#include "capture_input.h"
#include "frag_stage.h"
#include "conn_records.h"
#include "json_writer.h"
#include "live_capture.h"
#include "tcpsift/tracker.h"

typedef struct conn_record conn_record;

#define PIPELINE_MAX_OVERLAP_FOR 256

#define PIPELINE_BATCH 16

typedef struct pipeline {
    const char *capture_path;
    capture_reader reader; /* --reader */
    tcpsift_tracker_config cfg;
    tcpsift_tracker *tracker;
    json_writer *w;
    /* collected reports */
    conn_records records; /* conns, stream: printed at the end, in id order */
    int keep_records;     /* frames prints none */
    int oom;
    frag_stage frags; /* IP fragments: the tracker sees the datagrams they complete */
    /* Decoded packets not yet given to the tracker: handed over PIPELINE_BATCH at a time
     * (tcpsift_tracker_packets looks ahead across them). Views into the capture buffer. */
    tcpsift_packet batch[PIPELINE_BATCH];
    int64_t batch_ns[PIPELINE_BATCH];
    size_t nbatch;
    /* per-command hooks, chained behind the pipeline's own on_conn_end */
    void (*on_conn_end)(void *ctx, const tcpsift_conn_info *conn);
    void *ctx;
    /* live capture (-i): each connection is printed as it ends */
    const live_options *live;
    /* conns --format text: a table instead of JSON Lines */
    int format_text;
    int table_started;
    /* --overlap-for rows, given to the tracker (which copies them) */
    tcpsift_overlap_prefix overlap_for[PIPELINE_MAX_OVERLAP_FOR];
    size_t n_overlap_for;
} pipeline;

/* Parses the options every pipeline command shares. Returns 1 when argv[*i]
 * (and maybe its value) was consumed, 0 when it is not a shared option, -1
 * on a bad value (a message is printed). */
int pipeline_option(pipeline *p, int argc, char **argv, int *i);

extern const char pipeline_options_help[];

void pipeline_init(pipeline *p, json_writer *w);

/* Runs the capture through the tracker. Returns the exit status. When
 * print_conns is set, prints every connection object then the summary. */
int pipeline_run(pipeline *p, int print_conns);

/* Live capture (p->live set; pipeline_run calls it): idle connections expire
 * on real time, each connection is printed when it ends, times out or is
 * evicted, the rest when capturing stops; then the summary. */
int pipeline_run_live(pipeline *p);

/* Used by pipeline_run_live. */
void pipeline_watch_conns(pipeline *p);
void pipeline_feed(pipeline *p, const tcpsift_capture_record *rec);
void pipeline_write_summary(pipeline *p, const capture_input *in);

#endif
