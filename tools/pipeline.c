#include "pipeline.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli_common.h"
#include "conn_table.h"
#include "hash_key.h"

struct conn_record {
    tcpsift_conn_info info;
    uint8_t client_addr[16], server_addr[16];
    char history[TCPSIFT_HISTORY_MAX + 1];
    char conn_state[8];
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
};

const char pipeline_options_help[] =
    "  --checksums auto|verify|off  what a bad TCP checksum does to state and\n"
    "                             reassembly (auto: ignore the segment, except\n"
    "                             transmit-offload sums, as on loopback; default)\n"
    "  --deliver arrival|acked    deliver stream bytes on arrival (default) or when\n"
    "                             the peer acknowledges them\n"
    "  --overlap POLICY           first|last|bsd|windows|linux|old_linux|solaris\n"
    "                             (which copy of overlapping bytes wins; acked mode;\n"
    "                             an OS policy keeps a copy taken in order)\n"
    "  --overlap-for NET/LEN=POLICY\n"
    "                             the overlap policy of streams towards hosts in\n"
    "                             NET/LEN (IPv4 or IPv6; repeatable, up to 256; the\n"
    "                             longest matching prefix wins, --overlap elsewhere),\n"
    "                             e.g. --overlap-for 10.0.0.0/8=windows\n"
    "  --urgent inline|oob|gap    the byte an urgent pointer marks (RFC 6093: the\n"
    "                             pointer is one past it): kept in the stream\n"
    "                             (default), taken out of band (not delivered, not a\n"
    "                             gap: offsets stay in sequence space and skip it;\n"
    "                             frames are cut from the in-band bytes;\n"
    "                             urgent_removed), or a 1-byte gap (urgent_skipped)\n"
    "  --ttl-outliers flag|drop   a segment whose TTL / hop limit is more than\n"
    "                             --ttl-margin below its sender's first one may\n"
    "                             expire before the receiver (insertion): counted\n"
    "                             ttl_below_expected (default flag), or also ignored\n"
    "  --ttl-margin N             hops of TTL drop tolerated (default 5)\n"
    "  --ip-options host|accept   a segment in a datagram a host discards for its\n"
    "                             IPv4 options (malformed, source route) or IPv6\n"
    "                             extension headers (Hop-by-Hop not first, unknown\n"
    "                             option marked discard, bad padding), or for an IP\n"
    "                             length past the frame: counted ip_option_discarded\n"
    "                             (ip_length_beyond_frame) and ignored (default\n"
    "                             host), or processed as any other (accept); a\n"
    "                             fragment's own are judged before reassembly\n"
    "                             (frag_ip_options)\n"
    "  --link-multicast flag|drop  a segment in an Ethernet frame sent to a\n"
    "                             broadcast or multicast MAC (Linux takes TCP only\n"
    "                             from frames to its own): counted\n"
    "                             link_multicast_destination (default flag), or\n"
    "                             also ignored (drop)\n"
    "  --tcp-signature host|accept  a segment with a TCP-MD5 option sent to an\n"
    "                             endpoint whose SYN had none, or one without it\n"
    "                             sent to an endpoint whose SYN had one (Linux drops\n"
    "                             both): counted\n"
    "                             tcp_signature_unexpected / tcp_signature_missing\n"
    "                             and ignored (default host), or processed (accept)\n"
    "  --span-duplicates USEC     ignore an IP datagram identical to one of the last\n"
    "                             32 seen within USEC microseconds (a span port's\n"
    "                             second copy), counted duplicate_frame (default off)\n"
    "  --release-unacked BYTES    acked mode, peer never seen (one-sided capture):\n"
    "                             release a direction's held bytes once it holds\n"
    "                             this many, counted released_unacked (default 65536;\n"
    "                             0 waits for the caps or the end)\n"
    "  --forget-acked             a direction quiet for 1 s (capture time) lets go of\n"
    "                             the delivered bytes its peer acknowledged: less\n"
    "                             memory per idle connection (a live capture above\n"
    "                             all); a later copy of them is then counted\n"
    "                             retransmission_unverified, not compared (no\n"
    "                             overlap_mismatch), as Zeek does by default\n"
    "  --reasm-cap BYTES          memory one direction may hold out of order\n"
    "                             (default 1048576; 0: no cap of its own)\n"
    "  --reasm-segments N         out-of-order pieces one direction may hold\n"
    "                             (default 4096; 0: no cap)\n"
    "  --reasm-memcap BYTES       memory all directions together may hold out of\n"
    "                             order (default: no cap). A cap reached releases\n"
    "                             the direction's lowest held bytes, the hole\n"
    "                             before them skipped (c2s_gaps/s2c_gaps), counted\n"
    "                             reassembly_memcap (reassembly_segment_cap) and\n"
    "                             in the summary's memcap_hits\n"
    "  --max-conns N              connection table size (default 65536)\n"
    "  --key-vlan                 the VLAN id is part of the connection key\n"
    "  --key-tunnel               the tunnel id (innermost MPLS label, GRE key or\n"
    "                             VXLAN VNI) is part of the connection key, so equal\n"
    "                             inner tuples in different tunnels stay apart\n"
    "  --timeouts                 expire idle connections by packet time (embryonic\n"
    "                             30 s, established 300 s, closing 240 s, UDP 60 s),\n"
    "                             as Zeek does; off by default for a capture file, so\n"
    "                             connection ids equal tshark's tcp.stream\n" FRAG_STAGE_OPTIONS_HELP;

void pipeline_init(pipeline *p, json_writer *w)
{
    memset(p, 0, sizeof *p);
    p->w = w;
    tcpsift_tracker_config_init(&p->cfg);
    p->cfg.reassemble = 1; /* stream byte counts and gaps need it */
    /* The capture is mapped (or read whole) until the command ends: frames
     * spanning segments are delivered as views, not copies. */
    p->cfg.buffers_stable = 1;
    /* Delivered bytes kept per direction to tell a retransmission from a
     * conflicting overlap: 16 KiB bounds memory per connection. */
    p->cfg.reasm.max_retained_bytes = 16 * 1024;
    /* A capture file is read whole: like tshark, never split a connection
     * for idleness (memory stays bounded by --max-conns eviction). */
    for (int i = 0; i < TCPSIFT_FLOW_CLASS_COUNT; i++) p->cfg.timeout_ns[i] = TCPSIFT_FLOW_NO_TIMEOUT;
    random_hash_key(p->cfg.hash_key, sizeof p->cfg.hash_key);
}

static int value_of(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "tcpsift: %s needs a value\n", argv[*i]);
        return 0;
    }
    *out = argv[++*i];
    return 1;
}

static int number_of(const char *opt, const char *v, unsigned long long max,
                     unsigned long long *out)
{
    char *end;
    if (*v < '0' || *v > '9') goto bad;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || n > max) goto bad;
    *out = n;
    return 1;
bad:
    fprintf(stderr, "tcpsift: %s: expected 0..%llu, not '%s'\n", opt, max, v);
    return 0;
}

int pipeline_option(pipeline *p, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *v;
    int reader = capture_reader_option(&p->reader, argc, argv, i);
    if (reader != 0) return reader;
    int frag = frag_stage_option(&p->frags, argc, argv, i);
    if (frag != 0) return frag;
    if (strcmp(arg, "--checksums") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (tcpsift_checksum_policy_parse(v, &p->cfg.checksums) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --checksums: expected auto, verify or off, not '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(arg, "--deliver") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (strcmp(v, "arrival") == 0)
            p->cfg.reasm.mode = TCPSIFT_REASM_ON_ARRIVAL;
        else if (strcmp(v, "acked") == 0)
            p->cfg.reasm.mode = TCPSIFT_REASM_ACKED;
        else {
            fprintf(stderr, "tcpsift: --deliver: expected arrival or acked, not '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(arg, "--overlap") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (tcpsift_overlap_policy_parse(v, &p->cfg.reasm.policy) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --overlap: unknown policy '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(arg, "--overlap-for") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (p->n_overlap_for == PIPELINE_MAX_OVERLAP_FOR) {
            fprintf(stderr, "tcpsift: --overlap-for: at most %d rows\n", PIPELINE_MAX_OVERLAP_FOR);
            return -1;
        }
        if (tcpsift_overlap_prefix_parse(v, &p->overlap_for[p->n_overlap_for]) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --overlap-for: expected NET/LEN=POLICY, not '%s'\n", v);
            return -1;
        }
        p->n_overlap_for++;
        p->cfg.overlap_prefixes = p->overlap_for;
        p->cfg.overlap_prefix_count = p->n_overlap_for;
        return 1;
    }
    if (strcmp(arg, "--urgent") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (tcpsift_urgent_policy_parse(v, &p->cfg.urgent) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --urgent: expected inline, oob or gap, not '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(arg, "--ttl-outliers") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (tcpsift_ttl_policy_parse(v, &p->cfg.ttl_policy) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --ttl-outliers: expected flag or drop, not '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(arg, "--ip-options") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (tcpsift_ip_option_policy_parse(v, &p->cfg.ip_options) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --ip-options: expected host or accept, not '%s'\n", v);
            return -1;
        }
        /* A fragment's own options are judged before reassembly, as a host does. */
        p->frags.accept_ip_options = p->cfg.ip_options == TCPSIFT_IP_OPTIONS_ACCEPT;
        return 1;
    }
    if (strcmp(arg, "--link-multicast") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (tcpsift_link_multicast_policy_parse(v, &p->cfg.link_multicast) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --link-multicast: expected flag or drop, not '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(arg, "--tcp-signature") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        if (tcpsift_tcp_signature_policy_parse(v, &p->cfg.tcp_signature) != TCPSIFT_OK) {
            fprintf(stderr, "tcpsift: --tcp-signature: expected host or accept, not '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(arg, "--ttl-margin") == 0) {
        unsigned long long n;
        if (!value_of(argc, argv, i, &v) || !number_of(arg, v, 255, &n)) return -1;
        p->cfg.ttl_margin = (uint8_t)n;
        return 1;
    }
    if (strcmp(arg, "--span-duplicates") == 0) {
        unsigned long long n;
        if (!value_of(argc, argv, i, &v) || !number_of(arg, v, 3600ull * 1000000, &n)) return -1;
        p->cfg.duplicate_window_ns = n * 1000;
        return 1;
    }
    if (strcmp(arg, "--release-unacked") == 0) {
        unsigned long long n;
        if (!value_of(argc, argv, i, &v) || !number_of(arg, v, 1ull << 40, &n)) return -1;
        p->cfg.one_sided_release_bytes = n;
        return 1;
    }
    if (strcmp(arg, "--reasm-cap") == 0 || strcmp(arg, "--reasm-memcap") == 0) {
        unsigned long long n;
        if (!value_of(argc, argv, i, &v) || !number_of(arg, v, 1ull << 50, &n)) return -1;
        if (strcmp(arg, "--reasm-memcap") == 0) p->cfg.reasm_global_cap = n;
        else p->cfg.reasm.max_buffered_bytes = n;
        return 1;
    }
    if (strcmp(arg, "--reasm-segments") == 0) {
        unsigned long long n;
        if (!value_of(argc, argv, i, &v) || !number_of(arg, v, UINT32_MAX, &n)) return -1;
        p->cfg.reasm.max_segments = (uint32_t)n;
        return 1;
    }
    if (strcmp(arg, "--max-conns") == 0) {
        if (!value_of(argc, argv, i, &v)) return -1;
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        if (*end || n == 0 || n > (1ul << 30)) {
            fprintf(stderr, "tcpsift: --max-conns: expected 1..1073741824, not '%s'\n", v);
            return -1;
        }
        p->cfg.max_connections = (uint32_t)n;
        return 1;
    }
    if (strcmp(arg, "--timeouts") == 0) {
        tcpsift_tracker_config defaults;
        tcpsift_tracker_config_init(&defaults);
        memcpy(p->cfg.timeout_ns, defaults.timeout_ns, sizeof p->cfg.timeout_ns);
        return 1;
    }
    if (strcmp(arg, "--forget-acked") == 0) {
        p->cfg.rest_drops_acked = 1;
        return 1;
    }
    if (strcmp(arg, "--key-vlan") == 0) {
        p->cfg.key_vlan = 1;
        return 1;
    }
    if (strcmp(arg, "--key-tunnel") == 0) {
        p->cfg.key_tunnel = 1;
        return 1;
    }
    return 0;
}

static void write_conn(json_writer *w, const conn_record *r);

static void emit_conn(pipeline *p, const conn_record *r)
{
    if (!p->format_text) {
        write_conn(p->w, r);
        return;
    }
    jw_flush(p->w); /* the table shares standard output with error objects */
    if (!p->table_started) conn_table_header(stdout);
    p->table_started = 1;
    conn_table_row(stdout, &r->info, r->client_addr, r->server_addr, r->conn_state, r->history);
}

static void emit_kept(void *ctx, const void *record)
{
    emit_conn(ctx, record);
}

/* src into a field of cap bytes, cut to fit and always terminated: what snprintf(dst, cap, "%s",
 * src) writes, without parsing a format (issue 9: ~570 instructions a call, two a connection). */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    while (n + 1 < cap && src[n]) n++;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void collect(void *ctx, const tcpsift_conn_info *info)
{
    pipeline *p = ctx;
    if (p->on_conn_end) p->on_conn_end(p->ctx, info);
    conn_record record, *r = &record;
    if (!p->live && !p->keep_records) return; /* frames: no connection objects */
    memset(r, 0, sizeof *r); /* every byte defined: it may be written to the spill file */
    r->info = *info;
    size_t alen = info->ip_version == 4 ? 4 : 16;
    memcpy(r->client_addr, info->client_addr, alen);
    memcpy(r->server_addr, info->server_addr, alen);
    copy_text(r->history, sizeof r->history, info->history);
    copy_text(r->conn_state, sizeof r->conn_state, info->conn_state);
    memcpy(r->events, info->events, sizeof r->events);
    if (p->live) { /* printed as it ends, not kept */
        emit_conn(p, r);
        jw_flush(p->w);
        fflush(stdout);
        return;
    }
    /* TCP first, then UDP, each by id (the contract). */
    uint64_t order = (info->proto == 6 ? 0 : UINT64_C(1) << 63) | (info->id & ~(UINT64_C(1) << 63));
    if (!conn_records_add(&p->records, order, r)) p->oom = 1;
}

static void write_addr(json_writer *w, const char *key, const uint8_t *addr, uint8_t version)
{
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(version == 4 ? AF_INET : AF_INET6, addr, text, sizeof text)) text[0] = '\0';
    jw_key_str(w, key, text);
}

static void write_conn(json_writer *w, const conn_record *r)
{
    const tcpsift_conn_info *c = &r->info;
    int tcp = c->proto == 6;
    jw_object_begin(w);
    jw_key_u64(w, "id", c->id);
    jw_key_str(w, "proto", tcp ? "tcp" : "udp");
    write_addr(w, "client", r->client_addr, c->ip_version);
    jw_key_u64(w, "cport", c->client_port);
    write_addr(w, "server", r->server_addr, c->ip_version);
    jw_key_u64(w, "sport", c->server_port);
    if (c->direction_guessed) jw_key_bool(w, "direction_guessed", 1);
    if (tcp) {
        jw_key_str(w, "client_state", tcpsift_tcp_state_name(c->client.state));
        jw_key_str(w, "server_state", tcpsift_tcp_state_name(c->server.state));
        jw_key_bool(w, "handshake", c->handshake);
        jw_key_str(w, "end", tcpsift_conn_end_name(c->end));
        if (c->rst_unconfirmed) jw_key_bool(w, "rst_unconfirmed", 1);
        jw_key_str(w, "conn_state", r->conn_state);
        jw_key_str(w, "history", r->history);
        jw_key_u64(w, "completeness", c->completeness);
    }
    if (c->timed_out) jw_key_bool(w, "timed_out", 1);
    if (c->evicted) jw_key_bool(w, "evicted", 1);
    jw_key_u64(w, "c2s_pkts", c->client.pkts);
    jw_key_u64(w, "s2c_pkts", c->server.pkts);
    jw_key_u64(w, "c2s_bytes", c->client.bytes);
    jw_key_u64(w, "s2c_bytes", c->server.bytes);
    if (tcp) {
        jw_key_u64(w, "c2s_stream_bytes", c->client.stream_bytes);
        jw_key_u64(w, "s2c_stream_bytes", c->server.stream_bytes);
        jw_key_u64(w, "c2s_gaps", c->client.gap_bytes);
        jw_key_u64(w, "s2c_gaps", c->server.gap_bytes);
        jw_key_object_begin(w, "events");
        for (unsigned a = 1; a < TCPSIFT_ANOMALY_COUNT; a++)
            if (r->events[a]) jw_key_u64(w, tcpsift_anomaly_name((tcpsift_anomaly)a), r->events[a]);
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_line_end(w);
}

/* The fragment pool's counters: present only when the capture held IP fragments. */
static void write_defrag(json_writer *w, const tcpsift_defrag_stats *d)
{
    if (!d) return;
    jw_key_object_begin(w, "defrag");
    jw_key_u64(w, "fragments", d->fragments);
    jw_key_u64(w, "reassembled", d->reassembled);
    jw_key_u64(w, "overlaps", d->overlaps);
    jw_key_u64(w, "conflicts", d->conflicts);
    jw_key_u64(w, "duplicates", d->duplicates);
    jw_key_u64(w, "discarded", d->discarded);
    jw_key_u64(w, "timed_out", d->timed_out);
    jw_key_u64(w, "evicted", d->evicted);
    jw_object_end(w);
}

static void write_summary(json_writer *w, const tcpsift_tracker_stats *s,
                          const tcpsift_defrag_stats *d, const capture_input *in)
{
    jw_object_begin(w);
    jw_key_object_begin(w, "summary");
    jw_key_u64(w, "frames", in->frames);
    jw_key_u64(w, "tcp_packets", s->tcp_packets);
    jw_key_u64(w, "udp_packets", s->udp_packets);
    jw_key_u64(w, "other_packets", s->other_packets);
    jw_key_u64(w, "malformed_packets", s->malformed);
    jw_key_u64(w, "bad_checksum_packets", s->bad_checksum);
    jw_key_u64(w, "tcp_connections", s->tcp_connections);
    jw_key_u64(w, "udp_flows", s->udp_flows);
    jw_key_u64(w, "evictions", s->evicted);
    jw_key_u64(w, "timeouts", s->timed_out);
    jw_key_u64(w, "memcap_hits", s->memcap_hits);
    jw_key_u64(w, "reassembly_memory_peak", s->reasm_buffered_peak);
    jw_key_u64(w, "skipped_capture_blocks", in->skipped);
    /* A live capture's connections are incomplete when the kernel dropped packets. */
    if (in->live) jw_key_u64(w, "kernel_drops", in->kernel_drops);
    /* Present only when the policy acted, so default output is unchanged. */
    if (s->duplicate_frames) jw_key_u64(w, "duplicate_frames", s->duplicate_frames);
    if (s->released_unacked_bytes)
        jw_key_u64(w, "released_unacked_bytes", s->released_unacked_bytes);
    write_defrag(w, d);
    /* Fragments never reach the tracker: the pool's errors are the rest of the frames'. */
    jw_key_object_begin(w, "errors");
    for (unsigned e = 1; e < TCPSIFT_ERROR_COUNT_; e++) {
        uint64_t n = s->errors[e] + (d ? d->errors[e] : 0);
        if (n) jw_key_u64(w, tcpsift_error_name((tcpsift_error)e), n);
    }
    jw_object_end(w);
    jw_key_object_begin(w, "events");
    for (unsigned a = 1; a < TCPSIFT_ANOMALY_COUNT; a++)
        if (s->events[a]) jw_key_u64(w, tcpsift_anomaly_name((tcpsift_anomaly)a), s->events[a]);
    jw_object_end(w);
    jw_object_end(w);
    jw_object_end(w);
    jw_line_end(w);
}

/* Gives the decoded packets held back so far to the tracker, in capture order. */
static void flush_batch(pipeline *p)
{
    if (p->nbatch == 0) return;
    tcpsift_tracker_packets(p->tracker, p->batch, p->batch_ns, p->nbatch, NULL);
    p->nbatch = 0;
}

static void on_record(void *ctx, const tcpsift_capture_record *rec)
{
    pipeline *p = ctx;
    tcpsift_packet *pkt_slot = &p->batch[p->nbatch];
    tcpsift_packet_decode(pkt_slot, rec->linktype, rec->data, rec->caplen, rec->wirelen);
    int64_t ns = tcpsift_capture_record_ns(rec); /* absurd timestamps saturate */
    if (pkt_slot->layers & TCPSIFT_LAYER_FRAGMENT) {
        /* Fragments reach the tracker only as the datagram the last of them completes,
         * after the packets before it, and at once (the staged datagram is not kept). */
        tcpsift_packet frag = *pkt_slot;
        flush_batch(p);
        if (frag_stage_checksum_rejects(&frag, p->cfg.checksums)) return;
        const tcpsift_packet *whole = frag_stage_packet(&p->frags, rec, &frag, p->cfg.buffers_stable);
        if (whole) tcpsift_tracker_packet(p->tracker, whole, ns);
        return;
    }
    p->batch_ns[p->nbatch++] = ns;
    if (p->nbatch == PIPELINE_BATCH) flush_batch(p);
}

/* libpcap's record lives only until the next one: nothing may wait in a batch. */
static void on_record_unstable(void *ctx, const tcpsift_capture_record *rec)
{
    on_record(ctx, rec);
    flush_batch(ctx);
}

/* A pipe's window is about to slide: the batch's packets point into it. */
static void window_end(void *ctx)
{
    flush_batch(ctx);
}

static void on_skipped_block(void *ctx, tcpsift_error err, uint64_t frames_so_far)
{
    pipeline *p = ctx;
    (void)p;
    (void)err;
    (void)frames_so_far;
}

int pipeline_run(pipeline *p, int print_conns)
{
    if (p->live) return pipeline_run_live(p);
    p->keep_records = print_conns;
    conn_records_init(&p->records, sizeof(conn_record));
    capture_input in;
    if (!capture_open(&in, p->capture_path, p->reader, p->w)) return 1;
    /* libpcap reuses its record buffer, a pipe's window slides: the tracker
     * copies what it keeps. */
    if (capture_records_transient(&in)) p->cfg.buffers_stable = 0;
    /* Fragments are keyed as connections are (--key-vlan, --key-tunnel). */
    p->frags.key_vlan = p->cfg.key_vlan;
    p->frags.key_tunnel = p->cfg.key_tunnel;
    /* Commands install on_data/on_gap/on_frame; every callback gets the pipeline. */
    p->cfg.cb.on_conn_end = collect;
    p->cfg.cb.ctx = p;
    tcpsift_error err = tcpsift_tracker_create(&p->cfg, &p->tracker);
    if (err != TCPSIFT_OK) {
        fprintf(stderr, "tcpsift: cannot create the tracker: %s\n", tcpsift_error_text(err));
        capture_close(&in);
        return 1;
    }
    capture_handler h = {in.via_libpcap ? on_record_unstable : on_record, on_skipped_block,
                         window_end, p};
    capture_run(&in, &h);
    flush_batch(p);
    tcpsift_tracker_finish(p->tracker);
    uint64_t memcap_hits = tcpsift_tracker_get_stats(p->tracker)->memcap_hits;
    if (memcap_hits)
        /* Said where people look: in frames' output a cut stream is only a desync error. */
        fprintf(stderr, "tcpsift: warning: a memory cap was reached or an allocation failed %llu "
                        "times (memcap_hits): streams have gaps there, and frames across them "
                        "are lost\n", (unsigned long long)memcap_hits);
    if (in.fatal == TCPSIFT_E_NOT_A_CAPTURE) {
        tcpsift_tracker_destroy(p->tracker);
        frag_stage_free(&p->frags);
        int status = cli_finish(&in, p->w);
        capture_close(&in);
        return status;
    }
    if (print_conns) {
        if (!conn_records_each(&p->records, emit_kept, p)) p->oom = 1;
        pipeline_write_summary(p, &in);
    }
    if (p->oom)
        fprintf(stderr, "tcpsift: out of memory (or temporary file space): some connections were "
                        "not reported\n");
    tcpsift_tracker_destroy(p->tracker);
    frag_stage_free(&p->frags); /* after the tracker: it may hold views into kept datagrams */
    conn_records_free(&p->records);
    int status = cli_finish(&in, p->w);
    capture_close(&in);
    return p->oom ? 1 : status;
}

/* The pieces the live pipeline (pipeline_live.c) shares. */
void pipeline_watch_conns(pipeline *p)
{
    p->cfg.cb.on_conn_end = collect;
    p->cfg.cb.ctx = p;
}

void pipeline_feed(pipeline *p, const tcpsift_capture_record *rec)
{
    on_record(p, rec);
    flush_batch(p); /* a live record's bytes are valid only during this call */
}

void pipeline_write_summary(pipeline *p, const capture_input *in)
{
    if (p->format_text) {
        jw_flush(p->w);
        conn_table_summary(stdout, tcpsift_tracker_get_stats(p->tracker),
                           frag_stage_stats(&p->frags), in->frames);
        return;
    }
    write_summary(p->w, tcpsift_tracker_get_stats(p->tracker), frag_stage_stats(&p->frags), in);
}
