/* Reading a capture file through libpcap instead of tcpsift's own reader:
 * `--reader libpcap`, and the fallback for a file whose header the own
 * reader does not know (libpcap also reads e.g. the "modified" pcap format).
 *
 * libpcap reads the same in-memory copy of the file (fmemopen), so both
 * readers see identical bytes. A record's data lives in libpcap's buffer
 * only until the next record: the caller must not keep views into it (the
 * pipeline runs its tracker with buffers_stable off, as for live capture). */
/* libpcap's headers use the BSD types u_char/u_int (glibc: _DEFAULT_SOURCE). */
#define _DEFAULT_SOURCE 1
#include "capture_libpcap.h"

#include <stdio.h>
#include <string.h>

#include "cli_signals.h"
#include "progress.h"

#ifndef TCPSIFT_HAVE_PCAP

int capture_libpcap_available(void) { return 0; }

int capture_libpcap_opens(const capture_input *in)
{
    (void)in;
    return 0;
}

int capture_run_libpcap(capture_input *in, const capture_handler *h)
{
    (void)h;
    in->fatal = TCPSIFT_E_NOT_A_CAPTURE;
    return 1;
}

#else

#include <pcap/pcap.h>

int capture_libpcap_available(void) { return 1; }

/* libpcap over the buffer the CLI already holds; NULL (errbuf says why) if it refuses it. */
static pcap_t *open_buffer(const capture_input *in, char errbuf[PCAP_ERRBUF_SIZE])
{
    errbuf[0] = '\0';
    if (in->len == 0) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "empty file");
        return NULL;
    }
    FILE *f = fmemopen((void *)(uintptr_t)in->data, in->len, "rb");
    if (!f) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "fmemopen failed");
        return NULL;
    }
    /* Nanoseconds: libpcap scales microsecond files up, never a nanosecond file down. */
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) fclose(f);
    return pc; /* pcap_close() closes f */
}

int capture_libpcap_opens(const capture_input *in)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = open_buffer(in, errbuf);
    if (!pc) return 0;
    pcap_close(pc);
    return 1;
}

/* Decimal digits of the file's timestamps. A pcap file says it in its magic;
 * libpcap does not tell a pcapng interface's if_tsresol, so pcapng records
 * carry nanoseconds (the same instants, printed with 9 digits). */
static uint8_t timestamp_digits(const capture_input *in)
{
    static const uint8_t nsec_le[4] = {0x4d, 0x3c, 0xb2, 0xa1}, nsec_be[4] = {0xa1, 0xb2, 0x3c, 0x4d};
    /* microseconds: standard pcap and the "modified" format (magic 0xa1b2cd34) */
    static const uint8_t usec[4][4] = {{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4},
                                       {0x34, 0xcd, 0xb2, 0xa1}, {0xa1, 0xb2, 0xcd, 0x34}};
    if (in->len < 4) return 9;
    if (memcmp(in->data, nsec_le, 4) == 0 || memcmp(in->data, nsec_be, 4) == 0) return 9;
    for (int i = 0; i < 4; i++)
        if (memcmp(in->data, usec[i], 4) == 0) return 6;
    return 9;
}

/* libpcap reports every reading problem as text; "truncated ..." is the
 * contract's capture_truncated (the file ends inside a record), anything
 * else is libpcap_error with libpcap's words as the detail. */
static void note_failure(capture_input *in, const char *why)
{
    snprintf(in->detail, sizeof in->detail, "%s", why);
    if (strncmp(why, "truncated", 9) == 0) {
        in->fatal = TCPSIFT_E_CAPTURE_TRUNCATED;
    } else {
        in->fatal = TCPSIFT_E_BAD_CAPTURE_RECORD;
        in->fatal_code = "libpcap_error";
    }
}

int capture_run_libpcap(capture_input *in, const capture_handler *h)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = open_buffer(in, errbuf);
    if (!pc) {
        in->fatal = TCPSIFT_E_NOT_A_CAPTURE;
        snprintf(in->detail, sizeof in->detail, "%s", errbuf);
        return 1;
    }
    tcpsift_capture_record rec;
    memset(&rec, 0, sizeof rec);
    /* DLT values equal LINKTYPE values for the link types tcpsift decodes,
     * and the decoder also knows the OS-specific DLT_RAW values (12, 14). */
    rec.linktype = pcap_datalink(pc);
    rec.ts_digits = timestamp_digits(in);
    FILE *f = pcap_file(pc);
    progress prog;
    progress_init(&prog);
    int status = 0;
    for (;;) {
        struct pcap_pkthdr *hdr;
        const u_char *bytes;
        int rc = pcap_next_ex(pc, &hdr, &bytes);
        if (rc == PCAP_ERROR_BREAK) break; /* the end of the file */
        if (rc != 1) {
            note_failure(in, pcap_geterr(pc));
            status = 1;
            break;
        }
        rec.data = bytes;
        rec.caplen = hdr->caplen;
        rec.wirelen = hdr->len;
        rec.ts_sec = hdr->ts.tv_sec;
        /* With nanosecond precision libpcap stores nanoseconds in tv_usec. */
        rec.ts_nsec = (uint32_t)hdr->ts.tv_usec;
        rec.frame_number = ++in->frames;
        h->on_record(h->ctx, &rec);
        long pos = f ? ftell(f) : -1;
        progress_tick(&prog, in->frames, pos > 0 ? (size_t)pos : 0, in->len);
        if (cli_stop_requested()) break;
    }
    progress_done(&prog);
    pcap_close(pc);
    return status;
}

#endif
