/* Test support: the "forged, then real" conversation the receiver-discard tests share
 * (test_tracker_ip_options, test_tracker_tcp_signature, test_tracker_link_multicast): client
 * port 40000 to server port 80, a tracker reassembling the client's bytes into `c2s`, the
 * connection's anomaly counts taken at its report. Each test builds its own frames (its IP
 * options, TCP options or destination MAC) around forged_tcp_spec() and hands them to
 * forged_send(). */
#ifndef TCPSIFT_SUPPORT_FORGED_H
#define TCPSIFT_SUPPORT_FORGED_H

#include <stddef.h>
#include <stdint.h>

#include "support_packets.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/tracker.h"

#define FORGED_CLIENT 0
#define FORGED_SERVER 1

struct forged_run {
    tcpsift_tracker *t;
    uint32_t nxt[2]; /* each endpoint's next sequence number */
    int64_t ts;
    char c2s[64]; /* the client's stream as delivered */
    size_t c2s_len;
    uint32_t ev[TCPSIFT_ANOMALY_COUNT]; /* the connection's anomaly counts at its report */
    int reported;
};

/* Zeroes *r, sets the ISNs (client 1000, server 5000) and the clock; fills cfg's hash key and
 * callbacks (reassembly on) so the tracker created from it reports into *r. */
void forged_init(struct forged_run *r, tcpsift_tracker_config *cfg);

/* The TCP segment of `from` at its next sequence number with `flags` and `data` (NUL-terminated,
 * or NULL), acknowledging the peer's next number when ACK is set, window 65535. */
struct tcp_spec forged_tcp_spec(const struct forged_run *r, int from, uint16_t flags,
                                const char *data);

/* Decodes frame p of link type `linktype` (asserting it decodes cleanly unless `errors_ok`),
 * feeds it to the tracker 1 ms after the previous one, and, when `advance`, moves the sender's
 * next sequence number past ts's data and SYN or FIN. */
void forged_send(struct forged_run *r, int linktype, const struct pb *p, const struct tcp_spec *ts,
                 int from, int advance, int errors_ok);

/* Finishes and destroys the tracker; asserts one connection was reported. */
void forged_finish(struct forged_run *r);

#endif
