#include "support_forged.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

#define MS 1000000LL

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    struct forged_run *r = ctx;
    if (id != 0 || dir != TCPSIFT_C2S) return;
    assert_int_equal(offset, r->c2s_len);
    assert_true(r->c2s_len + len < sizeof r->c2s);
    memcpy(r->c2s + r->c2s_len, data, len);
    r->c2s_len += len;
}

static void on_conn_end(void *ctx, const tcpsift_conn_info *ci)
{
    struct forged_run *r = ctx;
    assert_int_equal(ci->id, 0);
    memcpy(r->ev, ci->events, sizeof r->ev);
    r->reported++;
}

void forged_init(struct forged_run *r, tcpsift_tracker_config *cfg)
{
    memset(r, 0, sizeof *r);
    r->ts = 1700000000LL * 1000 * MS;
    r->nxt[FORGED_CLIENT] = 1000;
    r->nxt[FORGED_SERVER] = 5000;
    for (int i = 0; i < 16; i++) cfg->hash_key[i] = (uint8_t)(0x17 * i + 5);
    cfg->reassemble = 1;
    cfg->cb.on_data = on_data;
    cfg->cb.on_conn_end = on_conn_end;
    cfg->cb.ctx = r;
}

struct tcp_spec forged_tcp_spec(const struct forged_run *r, int from, uint16_t flags,
                                const char *data)
{
    struct tcp_spec ts = tcp_default();
    ts.sport = from == FORGED_CLIENT ? 40000 : 80;
    ts.dport = from == FORGED_CLIENT ? 80 : 40000;
    ts.seq = r->nxt[from];
    ts.ack = (flags & TCPSIFT_TCP_ACK) ? r->nxt[1 - from] : 0;
    ts.flags = flags;
    ts.window = 65535;
    ts.payload = (const uint8_t *)data;
    ts.payload_len = data ? strlen(data) : 0;
    return ts;
}

void forged_send(struct forged_run *r, int linktype, const struct pb *p, const struct tcp_spec *ts,
                 int from, int advance, int errors_ok)
{
    tcpsift_packet pkt;
    tcpsift_error err = tcpsift_packet_decode(&pkt, linktype, p->b, p->len, p->len);
    if (!errors_ok) assert_int_equal(err, TCPSIFT_OK);
    r->ts += MS;
    assert_int_equal(tcpsift_tracker_packet(r->t, &pkt, r->ts), TCPSIFT_OK);
    if (advance)
        r->nxt[from] += (uint32_t)ts->payload_len +
                        ((ts->flags & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN)) != 0);
}

void forged_finish(struct forged_run *r)
{
    tcpsift_tracker_finish(r->t);
    tcpsift_tracker_destroy(r->t);
    assert_int_equal(r->reported, 1);
}
