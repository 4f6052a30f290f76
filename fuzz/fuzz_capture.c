/* Fuzz harness: the pcap/pcapng reader over a memory buffer, then the decoder
 * on every record it returns (the capture -> decode pipeline).
 *
 * The input is a whole capture file, copied into an exactly-sized buffer.
 * Properties:
 *   - open fails only with a capture error, and the reader then returns 0;
 *   - tcpsift_capture_next() makes progress: every call consumes at least one
 *     12-byte pcapng block or 16-byte pcap record header, so more calls than
 *     size/12 + 2 means a hang;
 *   - each record's data lies inside the input, after the previous record's
 *     data; caplen is sane; ts_nsec < 10^9 and tcpsift_capture_record_ns() is
 *     exact or saturated; ts_digits <= 9; frame_number goes
 *     1, 2, 3, ...; interface ids are in range;
 *   - every error is a valid, named capture error; once 0 is returned, it stays 0;
 *   - every record decodes with all of fuzz_decode's properties (the record is
 *     copied into its own exactly-sized buffer so a read past caplen is caught);
 *   - the same bytes read as a stream in pieces (tcpsift_capture_open_partial /
 *     refill, chunk sizes seeded by the input, each window a fresh allocation;
 *     next() or next_batch() by the seed) give exactly the same records, errors
 *     and end (capture_windows.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture_windows.h"
#include "fuzz_check.h"
#include "tcpsift/capture.h"
#include "tcpsift/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_record(const tcpsift_capture_record *rec)
{
    uint8_t *frame = malloc(rec->caplen ? rec->caplen : 1);
    if (frame == NULL) return;
    if (rec->caplen) memcpy(frame, rec->data, rec->caplen);
    tcpsift_packet pkt;
    tcpsift_error ret = tcpsift_packet_decode(&pkt, rec->linktype, frame, rec->caplen, rec->wirelen);
    fuzz_check_packet(&pkt, ret, frame, rec->caplen, rec->wirelen);
    fuzz_check_checksums(&pkt);
    free(frame);
}

static int is_capture_error(tcpsift_error e)
{
    return e == TCPSIFT_E_CAPTURE_TRUNCATED || e == TCPSIFT_E_BAD_CAPTURE_RECORD ||
           e == TCPSIFT_E_BAD_PCAPNG_BLOCK || e == TCPSIFT_E_UNKNOWN_INTERFACE;
}

/* The stream-in-pieces property, windows chosen by a hash of the input. */
static void check_windows(const uint8_t *buf, size_t size)
{
    cw_reference ref;
    if (!cw_read_whole(buf, size, &ref)) return;
    uint64_t seed = 1469598103934665603ull ^ size;
    for (size_t i = 0; i < size && i < 64; i++) seed = (seed ^ buf[i]) * 1099511628211ull;
    char why[160];
    int ok = cw_read_windows(buf, size, &ref, seed, size / 3 + 1, (int)(seed >> 63), why,
                             sizeof why);
    cw_reference_free(&ref);
    FUZZ_CHECK(ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) return 0;
    memcpy(buf, data, size);
    check_windows(buf, size);

    tcpsift_capture_reader r;
    tcpsift_capture_record rec;
    tcpsift_error err;
    tcpsift_error oe = tcpsift_capture_open(&r, buf, size);
    fuzz_check_error(oe);
    if (oe != TCPSIFT_OK) {
        FUZZ_CHECK(oe == TCPSIFT_E_NOT_A_CAPTURE || oe == TCPSIFT_E_BAD_PCAPNG_BLOCK);
        FUZZ_CHECK(tcpsift_capture_next(&r, &rec, &err) == 0 && err == TCPSIFT_OK);
        free(buf);
        return 0;
    }
    int pcapng = tcpsift_capture_is_pcapng(&r);

    size_t max_calls = size / 12 + 2;
    size_t calls = 0;
    uint64_t frames = 0;
    uintptr_t prev_end = (uintptr_t)buf;
    for (;;) {
        FUZZ_CHECK(++calls <= max_calls); /* no progress: the reader hangs */
        int got = tcpsift_capture_next(&r, &rec, &err);
        FUZZ_CHECK(got >= -1 && got <= 1);
        if (got == 0) {
            FUZZ_CHECK(err == TCPSIFT_OK);
            break;
        }
        if (got < 0) {
            fuzz_check_error(err);
            FUZZ_CHECK(is_capture_error(err));
            if (!pcapng) FUZZ_CHECK(err != TCPSIFT_E_UNKNOWN_INTERFACE);
            continue;
        }
        FUZZ_CHECK(err == TCPSIFT_OK);
        FUZZ_CHECK(rec.frame_number == ++frames);
        FUZZ_CHECK(fuzz_inside(buf, size, rec.data, rec.caplen));
        if (rec.caplen) {
            FUZZ_CHECK((uintptr_t)rec.data >= prev_end);
            prev_end = (uintptr_t)rec.data + rec.caplen;
        }
        FUZZ_CHECK(rec.ts_nsec < 1000000000u);
        /* The record's time in ns: saturated at both ends, exact in between. */
        int64_t ns = tcpsift_capture_record_ns(&rec);
        if (rec.ts_sec < 0)
            FUZZ_CHECK(ns == 0);
        else if (rec.ts_sec >= INT64_MAX / 1000000000 - 1)
            FUZZ_CHECK(ns == INT64_MAX);
        else
            FUZZ_CHECK(ns / 1000000000 == rec.ts_sec && ns % 1000000000 == (int64_t)rec.ts_nsec);
        FUZZ_CHECK(rec.ts_digits <= 9);
        if (pcapng) {
            FUZZ_CHECK(rec.interface_id < TCPSIFT_CAPTURE_MAX_INTERFACES);
        } else {
            FUZZ_CHECK(rec.caplen <= TCPSIFT_CAPTURE_MAX_CAPLEN);
            FUZZ_CHECK(rec.interface_id == 0 && rec.epb_flags == 0);
            FUZZ_CHECK(rec.ts_digits == 6 || rec.ts_digits == 9);
            FUZZ_CHECK(rec.linktype == tcpsift_capture_linktype(&r));
        }
        decode_record(&rec);
    }
    /* The end is sticky. */
    FUZZ_CHECK(tcpsift_capture_next(&r, &rec, &err) == 0 && err == TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_capture_is_pcapng(&r) == pcapng);
    free(buf);
    return 0;
}
