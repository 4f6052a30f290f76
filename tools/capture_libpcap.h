/* The libpcap reader of capture files (capture_libpcap.c): --reader libpcap,
 * and the fallback for formats the own reader does not know. */
#ifndef TCPSIFT_TOOLS_CAPTURE_LIBPCAP_H
#define TCPSIFT_TOOLS_CAPTURE_LIBPCAP_H

#include "capture_input.h"

/* 1 when this tcpsift was built with libpcap. */
int capture_libpcap_available(void);

/* 1 when libpcap accepts the file's header. */
int capture_libpcap_opens(const capture_input *in);

/* Delivers every record libpcap reads, like capture_run(); a record's data is
 * valid only during on_record. Returns 1 when reading stopped early:
 * in->fatal (and in->fatal_code, in->detail) say why. */
int capture_run_libpcap(capture_input *in, const capture_handler *h);

#endif
