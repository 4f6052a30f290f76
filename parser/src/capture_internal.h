/* Private glue between the capture reader's dispatch (capture.c) and its two formats
 * (capture_pcap.c, capture_pcapng.c). Never installed. */
#ifndef TCPSIFT_CAPTURE_INTERNAL_H
#define TCPSIFT_CAPTURE_INTERNAL_H

#include <stdint.h>

#include "tcpsift/capture.h"

enum tcpsift_capture_format_ {
    TCPSIFT_CAPTURE_FORMAT_NONE = 0,
    TCPSIFT_CAPTURE_FORMAT_PCAP = 1,
    TCPSIFT_CAPTURE_FORMAT_PCAPNG = 2
};

/* Format back ends. open: the dispatcher has reset *r and checked the first 4 bytes. */
tcpsift_error tcpsift_capture_pcap_open(tcpsift_capture_reader *r);
int tcpsift_capture_pcap_next(tcpsift_capture_reader *r, tcpsift_capture_record *rec,
                              tcpsift_error *err);
/* Up to max records (max >= 1), stopping at the end or at an error (then *err is set). */
size_t tcpsift_capture_pcap_next_batch(tcpsift_capture_reader *r, tcpsift_capture_record *recs,
                                       size_t max, tcpsift_error *err);
tcpsift_error tcpsift_capture_pcapng_open(tcpsift_capture_reader *r);
int tcpsift_capture_pcapng_next(tcpsift_capture_reader *r, tcpsift_capture_record *rec,
                                tcpsift_error *err);

/* Partial window: the next record or block (`needed` bytes from its first, 0 = unknown) runs
 * past the window's end; the reader stays before it (r->pos_ unchanged) until a refill. */
void tcpsift_capture_wait(tcpsift_capture_reader *r, size_t needed);

/* Report a fatal error: the rest of the input is unreadable, so the reader stays at its end. */
int tcpsift_capture_fail_fatal(tcpsift_capture_reader *r, tcpsift_error code, tcpsift_error *err);

/* Convert a pcapng timestamp (count of units of 10^-k or 2^-k s, as given by the raw if_tsresol
 * byte) to whole seconds and nanoseconds, exactly (floor to the nanosecond), for every k. */
void tcpsift_capture_ts_from_units(uint64_t units, uint8_t tsresol, uint64_t *sec, uint32_t *nsec);
/* Digits of precision for a raw if_tsresol byte: k for 10^-k (capped at 9), 9 for 2^-k. */
uint8_t tcpsift_capture_ts_digits(uint8_t tsresol);
/* seconds + offset, saturating at INT64_MIN / INT64_MAX. */
int64_t tcpsift_capture_add_seconds(uint64_t sec, int64_t offset);

#endif
