/* Overlap policies against published multi-segment vectors.
 *
 * The segment patterns are the Novak & Sturges ("Target-Based TCP Stream Reassembly", 2007)
 * style overlap tests as Suricata runs them: OverlapBSD / OverlapVISTA / OverlapLINUX /
 * OverlapLINUXOLD / OverlapSOLARIS / OverlapLAST and their "Before", "Same" and "After"
 * variants, plus StreamTcpReassembleTest30-32, in OISF/suricata src/tests/stream-tcp-list.c
 * (read at commit 2bfd8060d2ed8b4c63393fdb029669276d14a88e). Every expected string below is the
 * final stream content Suricata's test asserts for that policy after the last segment,
 * transcribed by hand: '_' marks a byte no segment carried (Suricata's '\0'; for us a gap).
 * Suricata has no vector for WINDOWS (it maps Windows to the BSD rule, which we follow: the
 * BSD strings are asserted for it) nor for FIRST (its VISTA policy is "first copy wins"
 * everywhere: the VISTA strings are asserted for FIRST).
 *
 * Each vector is fed in ACKED mode (every copy held, the policy decides among all of them),
 * acknowledged at once at the end, from four initial sequence numbers as Suricata does (0, 1,
 * 2^32-1, 2^32-11: the last two wrap inside the stream). Suricata inserts the segments into its
 * list directly, where no copy is ever in order; a receiver keeps what it took in order (RFC
 * 9293 trims later copies to RCV.NXT), and tcpsift does too (reassembly.c, held_queued_end), so
 * the published strings are checked with the vectors fed behind a one-byte hole that the last
 * segment fills: every copy lands in the out-of-order queue, as the policies' tests meant.
 * test_in_order_copies_kept feeds them as they are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/reassembly.h"

struct seg {
    uint32_t off; /* stream offset of the first byte (Suricata's relative seq - 1) */
    const char *bytes;
};

struct vector {
    const char *name;
    const struct seg *segs;
    size_t nsegs;
    /* expected stream per policy, indexed by tcpsift_overlap_policy */
    const char *want[TCPSIFT_OVERLAP_COUNT_];
};

/* The main pattern: nine segments with holes, then eight overlapping them in every way, then
 * the first byte (so nothing is in order until the end). */
static const struct seg main_segs[] = {
    {1, "AAA"}, {5, "BB"},   {7, "CCC"}, {11, "D"}, {14, "EE"}, {16, "FFF"},
    {19, "GG"}, {21, "HH"},  {23, "I"},  {2, "JJJJ"}, {7, "KKK"}, {10, "LLL"},
    {13, "MMM"}, {17, "N"},  {20, "O"},  {21, "P"},   {23, "QQ"}, {0, "0"},
};
/* New segments that start before the held ones. */
static const struct seg before_segs[] = {
    {2, "B"}, {8, "D"}, {11, "EE"}, {1, "AA"}, {0, "JJJJ"}, {7, "LLL"}, {10, "MMM"},
};
/* New segments that start at the same sequence number as held ones. */
static const struct seg same_segs[] = {
    {0, "CCC"}, {14, "HH"}, {16, "II"}, {0, "KKK"}, {0, "LLLL"}, {14, "P"}, {14, "QQ"},
};
/* New segments that start after held ones. */
static const struct seg after_segs[] = {
    {0, "AA"}, {15, "FFF"}, {18, "GG"}, {1, "JJ"}, {19, "O"}, {16, "N"},
};
/* StreamTcpReassembleTest30 / 31 / 32 (BSD only there). */
static const struct seg t30_segs[] = {{2, "BBB"}, {0, "AA"}};
static const struct seg t31_segs[] = {{0, "AA"}, {2, "BBB"}};
static const struct seg t32_segs[] = {
    {10, "AAAAAAAAAA"},
    {20, "BBBBBBBBBB"},
    {40, "CCCCCCCCCC"},
    {5, "aaaaaaaaaaaaaaaaaaaa"},
    {0, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct vector vectors[] = {
    {"main",
     main_segs,
     N(main_segs),
     {
         [TCPSIFT_OVERLAP_FIRST] = "0AAAJBBCCCLDLMEEFFFGGHHIQ",     /* VISTA */
         [TCPSIFT_OVERLAP_LAST] = "0AJJJJBKKKLLLMMMFNFGOPHQQ",
         [TCPSIFT_OVERLAP_BSD] = "0AAAJJBCCCLLLMMMFFFGGHHIQ",
         [TCPSIFT_OVERLAP_WINDOWS] = "0AAAJJBCCCLLLMMMFFFGGHHIQ",   /* BSD */
         [TCPSIFT_OVERLAP_LINUX] = "0AAAJJBCCCLLLMMMFFFGGHHQQ",
         [TCPSIFT_OVERLAP_OLD_LINUX] = "0AAAJJBKKKLLLMMMFFFGGHHQQ",
         [TCPSIFT_OVERLAP_SOLARIS] = "0AJJJBBKKKLLLMMMFFFGGHHQQ",
     }},
    {"before",
     before_segs,
     N(before_segs),
     {
         [TCPSIFT_OVERLAP_FIRST] = "JABJ___LDLMEE", /* VISTA */
         [TCPSIFT_OVERLAP_LAST] = "JJJJ___LLLMMM",
         [TCPSIFT_OVERLAP_BSD] = "JJJJ___LLLMMM",
         [TCPSIFT_OVERLAP_WINDOWS] = "JJJJ___LLLMMM", /* BSD */
         [TCPSIFT_OVERLAP_LINUX] = "JJJJ___LLLMMM",
         [TCPSIFT_OVERLAP_OLD_LINUX] = "JJJJ___LLLMMM",
         [TCPSIFT_OVERLAP_SOLARIS] = "JJJJ___LLLMMM",
     }},
    {"same",
     same_segs,
     N(same_segs),
     {
         [TCPSIFT_OVERLAP_FIRST] = "CCCL__________HHII", /* VISTA */
         [TCPSIFT_OVERLAP_LAST] = "LLLL__________QQII",
         [TCPSIFT_OVERLAP_BSD] = "CCCL__________HHII",
         [TCPSIFT_OVERLAP_WINDOWS] = "CCCL__________HHII", /* BSD */
         [TCPSIFT_OVERLAP_LINUX] = "LLLL__________HHII",
         [TCPSIFT_OVERLAP_OLD_LINUX] = "LLLL__________QQII",
         [TCPSIFT_OVERLAP_SOLARIS] = "LLLL__________QQII",
     }},
    {"after",
     after_segs,
     N(after_segs),
     {
         [TCPSIFT_OVERLAP_FIRST] = "AAJ____________FFFGG", /* VISTA */
         [TCPSIFT_OVERLAP_LAST] = "AJJ____________FNFGO",
         [TCPSIFT_OVERLAP_BSD] = "AAJ____________FFFGG",
         [TCPSIFT_OVERLAP_WINDOWS] = "AAJ____________FFFGG", /* BSD */
         [TCPSIFT_OVERLAP_LINUX] = "AAJ____________FFFGG",
         [TCPSIFT_OVERLAP_OLD_LINUX] = "AAJ____________FFFGG",
         [TCPSIFT_OVERLAP_SOLARIS] = "AJJ____________FFFGG",
     }},
    {"test30", t30_segs, N(t30_segs), {[TCPSIFT_OVERLAP_BSD] = "AABBB"}},
    {"test31", t31_segs, N(t31_segs), {[TCPSIFT_OVERLAP_BSD] = "AABBB"}},
    {"test32",
     t32_segs,
     N(t32_segs),
     {[TCPSIFT_OVERLAP_BSD] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}},
};

/* ------------------------------------------------------------------ the sink */

#define OUT_MAX 64

struct out {
    char bytes[OUT_MAX + 1]; /* '_' where a gap was reported */
    uint64_t next;
};

static void on_data(void *ctx, uint64_t off, const uint8_t *p, size_t len, int copied)
{
    struct out *o = ctx;
    (void)copied;
    assert_int_equal(off, o->next);
    assert_true(off + len <= OUT_MAX);
    memcpy(o->bytes + off, p, len);
    o->next += len;
}

static void on_gap(void *ctx, uint64_t off, uint64_t len, tcpsift_reasm_gap_reason why)
{
    struct out *o = ctx;
    assert_int_equal(off, o->next);
    assert_true(off + len <= OUT_MAX);
    /* an ACK covering bytes never sent: the holes of the vectors */
    assert_int_equal(why, TCPSIFT_GAP_ACK_UNSEEN);
    memset(o->bytes + off, '_', (size_t)len);
    o->next += len;
}

/* Feed one vector under one policy, acknowledge everything, return the stream. With hole, every
 * segment is fed one byte later and a last segment "#" fills the first byte. */
static void run_vector_fed(const struct vector *v, tcpsift_overlap_policy p, uint32_t isn,
                           tcpsift_reasm_mode mode, int hole, struct out *o, uint64_t *conflicts)
{
    memset(o, 0, sizeof *o);
    tcpsift_reasm_config cfg;
    tcpsift_reasm_config_default(&cfg);
    cfg.mode = mode;
    cfg.policy = p;
    tcpsift_reasm_callbacks cb = {on_data, on_gap, NULL, o};
    tcpsift_reasm r;
    assert_int_equal(tcpsift_reasm_init(&r, &cfg, &cb, NULL, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(&r, isn, NULL, 0, 0, TCPSIFT_REASM_SYN), TCPSIFT_OK);
    uint32_t end = 0, shift = hole ? 1 : 0;
    for (size_t i = 0; i < v->nsegs; i++) {
        size_t len = strlen(v->segs[i].bytes);
        uint32_t off = v->segs[i].off + shift;
        assert_int_equal(tcpsift_reasm_segment(&r, isn + 1 + off,
                                               (const uint8_t *)v->segs[i].bytes, len, len, 0),
                         TCPSIFT_OK);
        assert_true(tcpsift_reasm_check(&r));
        if (off + len > end) end = off + (uint32_t)len;
    }
    if (hole)
        assert_int_equal(tcpsift_reasm_segment(&r, isn + 1, (const uint8_t *)"#", 1, 1, 0),
                         TCPSIFT_OK);
    if (mode == TCPSIFT_REASM_ACKED)
        assert_int_equal(o->next, 0); /* nothing before the acknowledgement */
    assert_int_equal(tcpsift_reasm_ack(&r, isn + 1 + end), TCPSIFT_OK);
    assert_int_equal(o->next, end);
    o->bytes[end] = '\0';
    *conflicts = tcpsift_reasm_get_stats(&r)->conflicts;
    tcpsift_reasm_free(&r);
}

static void run_vector_mode(const struct vector *v, tcpsift_overlap_policy p, uint32_t isn,
                            tcpsift_reasm_mode mode, struct out *o, uint64_t *conflicts)
{
    run_vector_fed(v, p, isn, mode, 0, o, conflicts);
}

static void run_vector(const struct vector *v, tcpsift_overlap_policy p, uint32_t isn,
                       struct out *o)
{
    uint64_t conflicts;
    run_vector_fed(v, p, isn, TCPSIFT_REASM_ACKED, 1, o, &conflicts);
}

static void test_published_overlap_vectors(void **state)
{
    (void)state;
    static const uint32_t isns[] = {0, 1, UINT32_MAX, UINT32_MAX - 10};
    unsigned checked = 0;
    for (size_t v = 0; v < N(vectors); v++)
        for (unsigned p = 0; p < TCPSIFT_OVERLAP_COUNT_; p++) {
            const char *want = vectors[v].want[p];
            if (want == NULL) continue;
            for (size_t k = 0; k < N(isns); k++) {
                struct out o;
                run_vector(&vectors[v], (tcpsift_overlap_policy)p, isns[k], &o);
                if (o.bytes[0] != '#' || strcmp(o.bytes + 1, want) != 0)
                    fail_msg("vector %s, policy %s, isn %u: got %s, want %s", vectors[v].name,
                             tcpsift_overlap_policy_name((tcpsift_overlap_policy)p), isns[k],
                             o.bytes, want);
                checked++;
            }
        }
    assert_int_equal(checked, (4 * TCPSIFT_OVERLAP_COUNT_ + 3) * 4);
}

/* A documented design choice, not a policy: in ON_ARRIVAL mode bytes delivered in order keep
 * the copy they were delivered with (reassembly.h), so a later copy that a policy would prefer
 * can only be recorded as a conflict. In the "after" vector "AA" at offset 0 is delivered at
 * once; "JJ" at 1 then loses byte 1 under every policy, which changes the SOLARIS and LAST
 * results at that byte only (A instead of J); the held bytes are still decided by the policy. */
static void test_after_vector_on_arrival(void **state)
{
    (void)state;
    static const struct {
        tcpsift_overlap_policy p;
        const char *want;
    } rows[] = {
        {TCPSIFT_OVERLAP_FIRST, "AAJ____________FFFGG"},
        {TCPSIFT_OVERLAP_LAST, "AAJ____________FNFGO"},
        {TCPSIFT_OVERLAP_BSD, "AAJ____________FFFGG"},
        {TCPSIFT_OVERLAP_WINDOWS, "AAJ____________FFFGG"},
        {TCPSIFT_OVERLAP_LINUX, "AAJ____________FFFGG"},
        {TCPSIFT_OVERLAP_OLD_LINUX, "AAJ____________FFFGG"},
        {TCPSIFT_OVERLAP_SOLARIS, "AAJ____________FFFGG"},
    };
    const struct vector *after = &vectors[3];
    assert_string_equal(after->name, "after");
    for (size_t i = 0; i < N(rows); i++) {
        struct out o;
        uint64_t conflicts;
        run_vector_mode(after, rows[i].p, 1000, TCPSIFT_REASM_ON_ARRIVAL, &o, &conflicts);
        if (strcmp(o.bytes, rows[i].want) != 0)
            fail_msg("policy %s on arrival: got %s, want %s",
                     tcpsift_overlap_policy_name(rows[i].p), o.bytes, rows[i].want);
        /* J against the delivered A at 1, O against G at 19, N against F at 16 */
        assert_int_equal(conflicts, 3);
    }
}

/* The vectors fed as they are: a copy that was in order when it came (the first segment of
 * "same" and "after", at offset 0) is in the receiver's queue, and no OS policy lets a later copy
 * replace it; past the first hole the policies decide as published. So under every OS policy and
 * FIRST, ACKED mode gives what ON_ARRIVAL mode gives (which delivered those copies at once); LAST
 * is no stack and keeps its definition. Only these cells differ from Suricata's strings: "same"
 * (every OS policy: CCC, then the fourth byte of LLLL, instead of LLLL under linux, old_linux and
 * solaris) and "after" under solaris (A at byte 1, not J). */
static void test_in_order_copies_kept(void **state)
{
    (void)state;
    static const struct {
        const char *vector;
        tcpsift_overlap_policy p;
        const char *want;
    } changed[] = {
        {"same", TCPSIFT_OVERLAP_BSD, "CCCL__________HHII"},
        {"same", TCPSIFT_OVERLAP_WINDOWS, "CCCL__________HHII"},
        {"same", TCPSIFT_OVERLAP_LINUX, "CCCL__________HHII"},
        {"same", TCPSIFT_OVERLAP_OLD_LINUX, "CCCL__________QQII"},
        {"same", TCPSIFT_OVERLAP_SOLARIS, "CCCL__________QQII"},
        {"same", TCPSIFT_OVERLAP_LAST, "LLLL__________QQII"},
        {"after", TCPSIFT_OVERLAP_SOLARIS, "AAJ____________FFFGG"},
        {"after", TCPSIFT_OVERLAP_LAST, "AJJ____________FNFGO"},
    };
    for (size_t i = 0; i < N(changed); i++) {
        const struct vector *v = NULL;
        for (size_t k = 0; k < N(vectors); k++)
            if (strcmp(vectors[k].name, changed[i].vector) == 0) v = &vectors[k];
        assert_non_null(v);
        struct out o;
        uint64_t conflicts;
        run_vector_mode(v, changed[i].p, 7, TCPSIFT_REASM_ACKED, &o, &conflicts);
        if (strcmp(o.bytes, changed[i].want) != 0)
            fail_msg("vector %s as fed, policy %s: got %s, want %s", changed[i].vector,
                     tcpsift_overlap_policy_name(changed[i].p), o.bytes, changed[i].want);
    }
    unsigned compared = 0;
    for (size_t k = 0; k < N(vectors); k++)
        for (unsigned p = 0; p < TCPSIFT_OVERLAP_COUNT_; p++) {
            if (p == TCPSIFT_OVERLAP_LAST || vectors[k].want[p] == NULL) continue;
            struct out acked, arrival;
            uint64_t c1, c2;
            run_vector_mode(&vectors[k], (tcpsift_overlap_policy)p, 7, TCPSIFT_REASM_ACKED,
                            &acked, &c1);
            run_vector_mode(&vectors[k], (tcpsift_overlap_policy)p, 7, TCPSIFT_REASM_ON_ARRIVAL,
                            &arrival, &c2);
            if (strcmp(acked.bytes, arrival.bytes) != 0)
                fail_msg("vector %s, policy %s: acked %s, on arrival %s", vectors[k].name,
                         tcpsift_overlap_policy_name((tcpsift_overlap_policy)p), acked.bytes,
                         arrival.bytes);
            /* where no copy was in order, the published string itself */
            if (strcmp(vectors[k].name, "same") != 0 &&
                !(strcmp(vectors[k].name, "after") == 0 && p == TCPSIFT_OVERLAP_SOLARIS))
                assert_string_equal(acked.bytes, vectors[k].want[p]);
            compared++;
        }
    assert_int_equal(compared, 4 * (TCPSIFT_OVERLAP_COUNT_ - 1) + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_overlap_vectors),
        cmocka_unit_test(test_in_order_copies_kept),
        cmocka_unit_test(test_after_vector_on_arrival),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
