/* The tracker's use of the flow table's recent-flow index (tcpsift_tracker_packets, issue 9):
 * with far more flows active than the index has words, hints are rare and a batch without
 * enough of them sets the index aside for a while; with few flows it is used again. Either way
 * the tracker reports exactly what one tcpsift_tracker_packet() call per packet reports (that
 * path keeps the index in use). Traffic: UDP datagrams, each flow's in turn, 40,000 flows
 * (16,384 words) and then 64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"
#include "tracker_internal.h"

enum { MANY = 40000, FEW = 64, MANY_ROUNDS = 3, FEW_ROUNDS = 150, FRAME = 64, BATCH = 16 };

struct traffic {
    uint8_t *frames;
    tcpsift_packet *pkt;
    int64_t *ts;
    size_t n, few_from; /* the packets of the FEW flows start at few_from */
};

static void datagram(struct traffic *tr, uint32_t flow)
{
    uint8_t udp[32];
    const uint8_t payload[4] = {1, 2, 3, 4};
    /* Flows differ by source address (ports of the decoder's UDP tunnels stay out). */
    size_t n = udp_datagram(udp, sizeof udp, 40000, 53, payload, sizeof payload, -1);
    struct ip4_spec ip = ip4_default(17);
    ip.src[0] = 10;
    ip.src[1] = (uint8_t)(flow >> 16);
    ip.src[2] = (uint8_t)(flow >> 8);
    ip.src[3] = (uint8_t)flow;
    struct pb p;
    pb_eth_ipv4(&p, &ip, udp, n);
    assert_true(p.len <= FRAME);
    uint8_t *frame = tr->frames + tr->n * FRAME;
    memcpy(frame, p.b, p.len);
    assert_int_equal(
        tcpsift_packet_decode(&tr->pkt[tr->n], TCPSIFT_LINK_ETHERNET, frame, p.len, p.len),
        TCPSIFT_OK);
    tr->ts[tr->n] = 1700000000LL * 1000000000LL + (int64_t)tr->n * 1000;
    tr->n++;
}

static void traffic_make(struct traffic *tr)
{
    size_t total = (size_t)MANY * MANY_ROUNDS + (size_t)FEW * FEW_ROUNDS;
    tr->frames = malloc(total * FRAME);
    tr->pkt = malloc(total * sizeof *tr->pkt);
    tr->ts = malloc(total * sizeof *tr->ts);
    assert_true(tr->frames && tr->pkt && tr->ts);
    tr->n = 0;
    for (int r = 0; r < MANY_ROUNDS; r++)
        for (uint32_t f = 0; f < MANY; f++)
            datagram(tr, f);
    tr->few_from = tr->n;
    for (int r = 0; r < FEW_ROUNDS; r++)
        for (uint32_t f = 0; f < FEW; f++)
            datagram(tr, MANY + f); /* new flows */
}

static tcpsift_tracker *tracker(void)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x2d ^ (i * 7));
    cfg.max_connections = 2 * MANY; /* no eviction: every flow stays */
    cfg.embryo_capacity = 0;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

static void test_index_set_aside_then_used_again(void **state)
{
    (void)state;
    struct traffic tr;
    traffic_make(&tr);

    tcpsift_tracker *single = tracker();
    for (size_t i = 0; i < tr.n; i++)
        assert_int_equal(tcpsift_tracker_packet(single, &tr.pkt[i], tr.ts[i]), TCPSIFT_OK);
    assert_int_equal(single->recent_skip, 0);

    tcpsift_tracker *batch = tracker();
    size_t set_aside = 0, used_at_end = 0, batches_few = 0;
    for (size_t i = 0; i < tr.n; i += BATCH) {
        size_t m = tr.n - i < BATCH ? tr.n - i : BATCH;
        assert_int_equal(tcpsift_tracker_packets(batch, tr.pkt + i, tr.ts + i, m, NULL),
                         TCPSIFT_OK);
        if (i < tr.few_from) {
            /* Each flow's word was taken by others since its last datagram. */
            set_aside += batch->recent_skip > 0;
        } else if (++batches_few > 2 * 64) {
            used_at_end += batch->recent_skip == 0;
        }
    }
    printf("batches with the index set aside among the %d flows: %zu of %zu; in use among the "
           "%d flows' last batches: %zu of %zu\n",
           MANY, set_aside, tr.few_from / BATCH, FEW, used_at_end, batches_few - 2 * 64);
    assert_true(set_aside > tr.few_from / BATCH / 2);
    assert_int_equal(used_at_end, batches_few - 2 * 64);

    /* The same reports either way. */
    tcpsift_tracker_finish(single);
    tcpsift_tracker_finish(batch);
    const tcpsift_tracker_stats *a = tcpsift_tracker_get_stats(single),
                                *b = tcpsift_tracker_get_stats(batch);
    assert_int_equal(a->udp_flows, MANY + FEW);
    assert_int_equal(a->udp_packets, tr.n);
    assert_memory_equal(a, b, sizeof *a);
    tcpsift_tracker_destroy(single);
    tcpsift_tracker_destroy(batch);
    free(tr.frames);
    free(tr.pkt);
    free(tr.ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_set_aside_then_used_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
