/* Live capture through libpcap. The kernel filters with the compiled BPF
 * program; each packet is handed over as a tcpsift_capture_record whose data
 * lives only during the callback (the trackers run with buffers_stable off).
 * The loop polls the capture descriptor with a 200 ms timeout so idle
 * connections still expire on real time and a signal stops it promptly. */
/* libpcap's headers use the BSD types u_char/u_int (glibc: _DEFAULT_SOURCE). */
#define _DEFAULT_SOURCE 1
#include "live_capture.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef TCPSIFT_HAVE_PCAP
#include <pcap/pcap.h>
#include <poll.h>
#endif

const char live_options_help[] =
    "  -i IFACE                   capture live from IFACE through libpcap (needs\n"
    "                             root or CAP_NET_RAW); stop with Ctrl-C or -c\n"
    "  --filter EXPR              BPF filter for -i, pcap-filter(7) syntax\n"
    "                             (e.g. \"tcp port 80\")\n"
    "  -c N                       with -i: stop after N packets\n";

int live_option(live_options *o, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    int is_iface = strcmp(arg, "-i") == 0 || strcmp(arg, "--interface") == 0;
    int is_filter = strcmp(arg, "--filter") == 0;
    int is_count = strcmp(arg, "-c") == 0 || strcmp(arg, "--count") == 0;
    if (!is_iface && !is_filter && !is_count) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "tcpsift: %s needs a value\n", arg);
        return -1;
    }
    const char *v = argv[++*i];
    if (is_iface) {
        o->iface = v;
    } else if (is_filter) {
        o->filter = v;
    } else {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || *end || end == v || v[0] == '-' || n == 0) {
            fprintf(stderr, "tcpsift: %s: expected a positive count, not '%s'\n", arg, v);
            return -1;
        }
        o->count = n;
    }
    return 1;
}

int live_options_valid(const live_options *o, const char *capture_path)
{
    if (!o->iface && (o->filter || o->count)) {
        fprintf(stderr, "tcpsift: --filter and -c apply to a live capture (-i IFACE)\n");
        return 0;
    }
    if (o->iface && capture_path) {
        fprintf(stderr, "tcpsift: give either -i IFACE or a capture file, not both\n");
        return 0;
    }
    return 1;
}

#ifndef TCPSIFT_HAVE_PCAP

int live_run(const live_options *o, const live_handler *h, live_result *r)
{
    (void)h;
    memset(r, 0, sizeof *r);
    fprintf(stderr, "tcpsift: -i %s: this tcpsift was built without libpcap\n", o->iface);
    return -1;
}


#else

/* Set by SIGINT/SIGTERM/SIGHUP: the one piece of process state a signal may touch. */
static volatile sig_atomic_t live_stop_requested;

static void request_stop(int sig)
{
    (void)sig;
    live_stop_requested = 1;
}

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct live_state {
    const live_options *o;
    const live_handler *h;
    pcap_t *pc;
    int linktype;
    int nano;
    uint64_t frames;
} live_state;

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
    live_state *s = (live_state *)(void *)user;
    if (s->o->count && s->frames >= s->o->count) return;
    tcpsift_capture_record rec;
    memset(&rec, 0, sizeof rec);
    rec.data = bytes;
    rec.caplen = hdr->caplen;
    rec.wirelen = hdr->len;
    rec.ts_sec = hdr->ts.tv_sec;
    /* With nanosecond precision libpcap stores nanoseconds in tv_usec. */
    rec.ts_nsec = s->nano ? (uint32_t)hdr->ts.tv_usec : (uint32_t)hdr->ts.tv_usec * 1000u;
    rec.ts_digits = s->nano ? 9 : 6;
    /* DLT values equal LINKTYPE values for the link types tcpsift decodes,
     * and the decoder also knows the OS-specific DLT_RAW values (12, 14). */
    rec.linktype = s->linktype;
    rec.frame_number = ++s->frames;
    s->h->on_record(s->h->ctx, &rec);
    if (s->o->count && s->frames >= s->o->count) pcap_breakloop(s->pc);
}

/* NULL with *status 1 when the interface cannot be opened, 2 when the filter does not compile
 * (a bad option value: a usage error). */
static pcap_t *open_interface(const live_options *o, int *status)
{
    *status = 1;
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = '\0';
    pcap_t *pc = pcap_create(o->iface, errbuf);
    if (!pc) {
        fprintf(stderr, "tcpsift: -i %s: %s\n", o->iface, errbuf);
        return NULL;
    }
    /* 256 KiB: libpcap's and tcpsift's largest snapshot, so nothing is cut. */
    pcap_set_snaplen(pc, (int)TCPSIFT_CAPTURE_MAX_CAPLEN);
    pcap_set_promisc(pc, 1);
    /* Deliver each packet at once: connections are reported as they end. */
    pcap_set_immediate_mode(pc, 1);
    pcap_set_timeout(pc, 200);
    (void)pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(pc);
    if (rc < 0) {
        fprintf(stderr, "tcpsift: -i %s: %s\n", o->iface,
                rc == PCAP_ERROR ? pcap_geterr(pc) : pcap_statustostr(rc));
        pcap_close(pc);
        return NULL;
    }
    if (rc > 0) fprintf(stderr, "tcpsift: -i %s: warning: %s\n", o->iface, pcap_statustostr(rc));
    if (o->filter) {
        struct bpf_program prog;
        if (pcap_compile(pc, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(pc, &prog) != 0) {
            fprintf(stderr, "tcpsift: --filter '%s': %s\n", o->filter, pcap_geterr(pc));
            pcap_close(pc);
            *status = 2;
            return NULL;
        }
        pcap_freecode(&prog);
    }
    if (pcap_setnonblock(pc, 1, errbuf) != 0) {
        fprintf(stderr, "tcpsift: -i %s: %s\n", o->iface, errbuf);
        pcap_close(pc);
        return NULL;
    }
    return pc;
}

int live_run(const live_options *o, const live_handler *h, live_result *r)
{
    memset(r, 0, sizeof *r);
    int open_status;
    pcap_t *pc = open_interface(o, &open_status);
    if (!pc) return -open_status;
    live_state s = {o, h, pc, pcap_datalink(pc), 0, 0};
    s.nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
    int fd = pcap_get_selectable_fd(pc);

    /* No SA_RESTART: a signal wakes poll() at once. */
    struct sigaction stop, old_int, old_term, old_hup;
    memset(&stop, 0, sizeof stop);
    stop.sa_handler = request_stop;
    sigemptyset(&stop.sa_mask);
    live_stop_requested = 0;
    sigaction(SIGINT, &stop, &old_int);
    sigaction(SIGTERM, &stop, &old_term);
    sigaction(SIGHUP, &stop, &old_hup); /* a closed terminal: report what was seen, as Ctrl-C */
    fprintf(stderr, "tcpsift: capturing on %s%s%s\n", o->iface, o->filter ? ", filter " : "",
            o->filter ? o->filter : "");

    int status = 0;
    int64_t last_tick = realtime_ns();
    while (!live_stop_requested && !(o->count && s.frames >= o->count)) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int ready = fd >= 0 ? poll(&pfd, 1, 200) : 1;
        if (ready < 0 && errno != EINTR) {
            fprintf(stderr, "tcpsift: -i %s: poll: %s\n", o->iface, strerror(errno));
            status = 1;
            break;
        }
        if (ready > 0) {
            int n = pcap_dispatch(pc, -1, on_packet, (u_char *)(void *)&s);
            if (n == PCAP_ERROR) {
                fprintf(stderr, "tcpsift: -i %s: %s\n", o->iface, pcap_geterr(pc));
                status = 1;
                break;
            }
        }
        int64_t now = realtime_ns();
        if (now - last_tick >= 200000000) {
            if (h->on_tick) h->on_tick(h->ctx, now);
            last_tick = now;
            /* An interface set down and then deleted leaves libpcap waiting for ever. */
            if (strcmp(o->iface, "any") != 0 && if_nametoindex(o->iface) == 0) {
                fprintf(stderr, "tcpsift: -i %s: the interface disappeared\n", o->iface);
                status = 1;
                break;
            }
        }
        if (h->output_failed && h->output_failed(h->ctx)) {
            /* Nobody reads what is captured: stop, as a file's reading does. */
            fprintf(stderr, "tcpsift: error writing output\n");
            status = 1;
            break;
        }
    }
    struct pcap_stat st;
    if (pcap_stats(pc, &st) == 0) {
        r->kernel_drops = st.ps_drop;
        if (st.ps_drop)
            fprintf(stderr, "tcpsift: -i %s: the kernel dropped %u packets\n", o->iface,
                    st.ps_drop);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    pcap_close(pc);
    r->frames = s.frames;
    return status;
}

#endif
