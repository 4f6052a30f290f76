/* Fuzz harness: the small public entry points the other harnesses do not drive — the string
 * parsers an embedder feeds from its own configuration (policy names, overlap prefixes,
 * framing SPECs), every name/text function and the state table's queries on any integer, the
 * overlap rule and key comparison on any values, the flow table's memory figure on any
 * configuration, and the getters given NULL.
 *
 * Input: byte 0 picks the mode (mod 5), the rest is its data.
 *   0  strings: the rest, cut at its first NUL, parsed by every parser; what a parser accepts
 *      must print back (name) and parse again to the same value; a refusal leaves no half
 *      result and writes a NUL-terminated reason where one is asked for.
 *   1  names: each 4-byte little-endian word of the rest given to every name function and to
 *      the state table (state, event pairs): a NUL-terminated string, never NULL; in range,
 *      tcpsift_state_next() agrees with the cell and the reason; out of range, the documented
 *      "stays, no action" answer.
 *   2  overlap rule and keys: the policy and four offsets from the rest; the result is 0 or 1,
 *      FIRST never replaces, LAST always does. Two keys from the rest: equality is reflexive
 *      and symmetric and agrees with their bytes.
 *   3  flow table sizes: a configuration from the rest; memory_needed() either refuses it or,
 *      for a small one, names exactly what create() then allocates.
 *   4  NULL and out-of-range arguments to getters and parsers: named errors or neutral
 *      answers, no crash; the version string; the state table printed (once per process). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "tcpsift/tcpsift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 512

/* A returned name or text: present and NUL-terminated (ASan sees a read past its end). */
static void check_name(const char *s)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(strlen(s) < 4096);
}

/* ------------------------------------------------------------ 0: strings */

#define POLICY_ROUND_TRIP(type, parse, name, text)                                                 \
    do {                                                                                           \
        type v_, w_;                                                                               \
        if (parse(text, &v_) == TCPSIFT_OK) {                                                      \
            const char *n_ = name(v_);                                                             \
            check_name(n_);                                                                        \
            FUZZ_CHECK(parse(n_, &w_) == TCPSIFT_OK);                                              \
            FUZZ_CHECK(w_ == v_);                                                                  \
        }                                                                                          \
    } while (0)

static void strings(const char *text)
{
    POLICY_ROUND_TRIP(tcpsift_checksum_policy, tcpsift_checksum_policy_parse,
                      tcpsift_checksum_policy_name, text);
    POLICY_ROUND_TRIP(tcpsift_urgent_policy, tcpsift_urgent_policy_parse,
                      tcpsift_urgent_policy_name, text);
    POLICY_ROUND_TRIP(tcpsift_ttl_policy, tcpsift_ttl_policy_parse, tcpsift_ttl_policy_name, text);
    POLICY_ROUND_TRIP(tcpsift_ip_option_policy, tcpsift_ip_option_policy_parse,
                      tcpsift_ip_option_policy_name, text);
    POLICY_ROUND_TRIP(tcpsift_tcp_signature_policy, tcpsift_tcp_signature_policy_parse,
                      tcpsift_tcp_signature_policy_name, text);
    POLICY_ROUND_TRIP(tcpsift_link_multicast_policy, tcpsift_link_multicast_policy_parse,
                      tcpsift_link_multicast_policy_name, text);
    POLICY_ROUND_TRIP(tcpsift_overlap_policy, tcpsift_overlap_policy_parse,
                      tcpsift_overlap_policy_name, text);

    tcpsift_overlap_prefix row;
    if (tcpsift_overlap_prefix_parse(text, &row) == TCPSIFT_OK) {
        FUZZ_CHECK(row.ip_version == 4 || row.ip_version == 6);
        FUZZ_CHECK(row.prefix_len <= (row.ip_version == 4 ? 32 : 128));
        tcpsift_overlap_policy p;
        FUZZ_CHECK(tcpsift_overlap_policy_parse(tcpsift_overlap_policy_name(row.policy), &p) ==
                   TCPSIFT_OK);
        FUZZ_CHECK(p == row.policy);
    }

    tcpsift_framer_config cfg;
    char why[64];
    memset(why, 'x', sizeof why);
    if (tcpsift_framer_spec_parse(text, &cfg, why, sizeof why) == TCPSIFT_OK) {
        FUZZ_CHECK(cfg.kind == TCPSIFT_FRAMER_LENGTH || cfg.kind == TCPSIFT_FRAMER_LINE ||
                   cfg.kind == TCPSIFT_FRAMER_DELIM || cfg.kind == TCPSIFT_FRAMER_JSON_HEADER);
        FUZZ_CHECK(cfg.max > 0 && cfg.max <= TCPSIFT_FRAMER_MAX_MAX);
        FUZZ_CHECK(cfg.delim_len <= TCPSIFT_FRAMER_MAX_DELIM);
        FUZZ_CHECK(cfg.key_len <= TCPSIFT_FRAMER_MAX_KEY && cfg.key[cfg.key_len] == 0 &&
                   strlen(cfg.key) == cfg.key_len);
        if (cfg.kind == TCPSIFT_FRAMER_LENGTH || cfg.kind == TCPSIFT_FRAMER_JSON_HEADER)
            FUZZ_CHECK(cfg.width <= 4 || cfg.width == 8);
        if (cfg.kind == TCPSIFT_FRAMER_LINE || cfg.kind == TCPSIFT_FRAMER_DELIM)
            FUZZ_CHECK(cfg.delim_len > 0);
    } else {
        FUZZ_CHECK(memchr(why, 0, sizeof why) != NULL); /* a reason, terminated */
    }
    /* No reason asked for: still a clean refusal or the same answer. */
    tcpsift_framer_config again;
    tcpsift_error e1 = tcpsift_framer_spec_parse(text, &again, NULL, 0);
    tcpsift_error e2 = tcpsift_framer_spec_parse(text, &cfg, why, 1);
    FUZZ_CHECK(e1 == e2);
    if (e2 != TCPSIFT_OK) FUZZ_CHECK(why[0] == 0);
}

/* ------------------------------------------------------------ 1: names */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void names(int32_t v, int32_t w)
{
    check_name(tcpsift_error_name((tcpsift_error)v));
    check_name(tcpsift_error_text((tcpsift_error)v));
    check_name(tcpsift_anomaly_name((tcpsift_anomaly)v));
    check_name(tcpsift_anomaly_text((tcpsift_anomaly)v));
    check_name(tcpsift_encap_name(v));
    check_name(tcpsift_linktype_name(v));
    check_name(tcpsift_flow_class_name((enum tcpsift_flow_class)v));
    check_name(tcpsift_flow_remove_reason_name((enum tcpsift_flow_remove_reason)v));
    check_name(tcpsift_frame_error_name((tcpsift_frame_error)v));
    check_name(tcpsift_frame_part_name((tcpsift_frame_part)v));
    check_name(tcpsift_reasm_gap_reason_name((tcpsift_reasm_gap_reason)v));
    check_name(tcpsift_reasm_event_name((tcpsift_reasm_event_kind)v));
    check_name(tcpsift_conn_end_name((tcpsift_conn_end)v));
    check_name(tcpsift_checksum_policy_name((tcpsift_checksum_policy)v));
    check_name(tcpsift_urgent_policy_name((tcpsift_urgent_policy)v));
    check_name(tcpsift_ttl_policy_name((tcpsift_ttl_policy)v));
    check_name(tcpsift_ip_option_policy_name((tcpsift_ip_option_policy)v));
    check_name(tcpsift_tcp_signature_policy_name((tcpsift_tcp_signature_policy)v));
    check_name(tcpsift_link_multicast_policy_name((tcpsift_link_multicast_policy)v));
    check_name(tcpsift_overlap_policy_name((tcpsift_overlap_policy)v));
    check_name(tcpsift_tcp_state_name((tcpsift_tcp_state)v));
    check_name(tcpsift_state_event_name((tcpsift_state_event)v));
    check_name(tcpsift_state_action_name((tcpsift_state_action)v));
    check_name(tcpsift_state_cell_kind_name((tcpsift_state_cell_kind)v));

    /* The state table at (v, w): the cell, the step and the reason tell one story. */
    tcpsift_tcp_state s = (tcpsift_tcp_state)v;
    tcpsift_state_event e = (tcpsift_state_event)w;
    tcpsift_state_action action = (tcpsift_state_action)-1;
    tcpsift_anomaly anomaly = (tcpsift_anomaly)-1;
    const tcpsift_state_transition *cell = tcpsift_state_table_cell(s, e);
    tcpsift_tcp_state next = tcpsift_state_next(s, e, &action, &anomaly);
    const char *reason = tcpsift_state_table_reason(s, e);
    (void)tcpsift_state_next(s, e, NULL, NULL);
    if (cell == NULL) {
        FUZZ_CHECK(next == s);
        FUZZ_CHECK(action == TCPSIFT_ACT_NONE);
        FUZZ_CHECK(anomaly == TCPSIFT_ANOMALY_NONE);
        FUZZ_CHECK(reason == NULL);
    } else {
        FUZZ_CHECK(next == (tcpsift_tcp_state)cell->next_state);
        FUZZ_CHECK(action == (tcpsift_state_action)cell->action);
        FUZZ_CHECK(anomaly == (tcpsift_anomaly)cell->anomaly);
        FUZZ_CHECK(strcmp(tcpsift_tcp_state_name(next), "invalid") != 0);
        FUZZ_CHECK(strcmp(tcpsift_state_action_name(action), "invalid") != 0);
        check_name(reason);
    }
}

/* ------------------------------------------------------------ 2: overlap rule, keys */

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void overlap_and_keys(const uint8_t *d, size_t n)
{
    if (n < 1 + 32) return;
    tcpsift_overlap_policy p = (tcpsift_overlap_policy)(int8_t)d[0];
    uint64_t ns = le64(d + 1), ne = le64(d + 9), os = le64(d + 17), oe = le64(d + 25);
    int wins = tcpsift_overlap_new_wins(p, ns, ne, os, oe);
    FUZZ_CHECK(wins == 0 || wins == 1);
    if (p == TCPSIFT_OVERLAP_FIRST) FUZZ_CHECK(wins == 0);
    if (p == TCPSIFT_OVERLAP_LAST) FUZZ_CHECK(wins == 1);
    d += 33;
    n -= 33;
    if (n < 2 * sizeof(tcpsift_flow_key)) return;
    tcpsift_flow_key x, y;
    memcpy(&x, d, sizeof x);
    memcpy(&y, d + sizeof x, sizeof y);
    FUZZ_CHECK(tcpsift_flow_key_equal(&x, &x) == 1);
    int xy = tcpsift_flow_key_equal(&x, &y);
    FUZZ_CHECK(xy == tcpsift_flow_key_equal(&y, &x));
    if (memcmp(&x, &y, sizeof x) == 0) FUZZ_CHECK(xy == 1);
    FUZZ_CHECK(tcpsift_flow_key_equal(NULL, &x) == 0 && tcpsift_flow_key_equal(&x, NULL) == 0);
}

/* ------------------------------------------------------------ 3: flow table sizes */

typedef struct counted_heap {
    size_t outstanding, allocations;
} counted_heap;

static void *counted_alloc(void *ctx, size_t size)
{
    counted_heap *h = ctx;
    void *p = malloc(size ? size : 1);
    if (p) {
        h->outstanding += size;
        h->allocations++;
    }
    return p;
}

static void counted_free(void *ctx, void *p, size_t size)
{
    counted_heap *h = ctx;
    FUZZ_CHECK(h->outstanding >= size);
    h->outstanding -= size;
    free(p);
}

static void flow_table_sizes(const uint8_t *d, size_t n)
{
    if (n < 16) return;
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = le32(d);
    cfg.embryo_capacity = le32(d + 4);
    cfg.value_size = le32(d + 8) & 0x1fffff;
    cfg.embryo_value_size = le32(d + 12) & 0x1fffff;
    if (n > 16) cfg.key_vlan = d[16] & 1;
    size_t bytes = 0;
    tcpsift_error err = tcpsift_flow_table_memory_needed(&cfg, &bytes);
    fuzz_check_error(err);
    if (err != TCPSIFT_OK || bytes > (8u << 20)) return;
    counted_heap heap = {0, 0};
    tcpsift_allocator a = {counted_alloc, counted_free, &heap};
    cfg.allocator = &a;
    tcpsift_flow_table *t = NULL;
    FUZZ_CHECK(tcpsift_flow_table_create(&cfg, &t) == TCPSIFT_OK);
    FUZZ_CHECK(heap.allocations == 1 && heap.outstanding == bytes); /* one block, as named */
    FUZZ_CHECK(tcpsift_flow_table_entry_size(t) > 0);
    FUZZ_CHECK(tcpsift_flow_table_now(t) == 0);
    FUZZ_CHECK(tcpsift_flow_table_longest_chain(t) == 0);
    tcpsift_flow_table_stats st;
    tcpsift_flow_table_get_stats(t, &st);
    FUZZ_CHECK(st.bytes_allocated == bytes);
    tcpsift_flow_table_destroy(t);
    FUZZ_CHECK(heap.outstanding == 0);
}

/* ------------------------------------------------------------ 4: NULL arguments */

static void null_arguments(void)
{
    static int printed;
    check_name(tcpsift_version());
    FUZZ_CHECK(tcpsift_capture_at_end(NULL) == 1); /* no reader: nothing more to read */
    FUZZ_CHECK(tcpsift_framer_copied_bytes(NULL) == 0);
    FUZZ_CHECK(tcpsift_framer_stopped(NULL) == 1);
    FUZZ_CHECK(tcpsift_frame_copy_body(NULL, NULL, 0) == 0);
    FUZZ_CHECK(tcpsift_reasm_conflicts(NULL, NULL, 4) == 0);
    FUZZ_CHECK(tcpsift_reasm_fin_reached(NULL) == 0);
    FUZZ_CHECK(tcpsift_reasm_acked_hole(NULL) == 0);
    FUZZ_CHECK(tcpsift_flow_table_entry_size(NULL) == 0);
    FUZZ_CHECK(tcpsift_flow_table_embryo_size(NULL) == 0);
    FUZZ_CHECK(tcpsift_flow_table_now(NULL) == 0);
    FUZZ_CHECK(tcpsift_flow_table_longest_chain(NULL) == 0);
    FUZZ_CHECK(tcpsift_flow_table_expire_some(NULL, 1, 1, NULL, NULL) == 0);
    size_t bytes = 1;
    FUZZ_CHECK(tcpsift_flow_table_memory_needed(NULL, &bytes) != TCPSIFT_OK);
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    FUZZ_CHECK(tcpsift_flow_table_memory_needed(&cfg, NULL) != TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_flow_entry_value(NULL) == NULL);
    FUZZ_CHECK(tcpsift_flow_embryo_value(NULL) == NULL);
    FUZZ_CHECK(tcpsift_flow_entry_last_seen(NULL) == 0);
    FUZZ_CHECK(tcpsift_flow_embryo_last_seen(NULL) == 0);
    FUZZ_CHECK(tcpsift_flow_embryo_isn(NULL) == 0);
    tcpsift_defrag_expire(NULL, 1);
    tcpsift_tracker_advance_time(NULL, 1);
    tcpsift_checksum_policy cp;
    FUZZ_CHECK(tcpsift_checksum_policy_parse(NULL, &cp) != TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_checksum_policy_parse("auto", NULL) != TCPSIFT_OK);
    tcpsift_overlap_policy op;
    FUZZ_CHECK(tcpsift_overlap_policy_parse(NULL, &op) != TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_overlap_prefix_parse(NULL, NULL) != TCPSIFT_OK);
    tcpsift_framer_config fc;
    FUZZ_CHECK(tcpsift_framer_spec_parse(NULL, &fc, NULL, 0) != TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_framer_spec_parse("line", NULL, NULL, 0) != TCPSIFT_OK);
    if (!printed) { /* the whole table, once: every cell's names and reason are printable */
        printed = 1;
        FILE *out = fopen("/dev/null", "w");
        if (out) {
            FUZZ_CHECK(tcpsift_state_table_print_text(out) == 0);
            FUZZ_CHECK(tcpsift_state_table_print_dot(out) == 0);
            fclose(out);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 5) {
    case 0: {
        char text[TEXT_MAX + 1];
        size_t len = n < TEXT_MAX ? n : TEXT_MAX;
        memcpy(text, d, len);
        text[len] = 0;
        /* An exactly sized copy: a parser reading past the NUL meets ASan's redzone. */
        size_t slen = strlen(text);
        char *exact = malloc(slen + 1);
        if (!exact) return 0;
        memcpy(exact, text, slen + 1);
        strings(exact);
        free(exact);
        break;
    }
    case 1:
        for (size_t i = 0; i + 8 <= n && i < 64; i += 8)
            names((int32_t)le32(d + i), (int32_t)le32(d + i + 4));
        if (n >= 4 && n < 8) names((int32_t)le32(d), 0);
        break;
    case 2:
        overlap_and_keys(d, n);
        break;
    case 3:
        flow_table_sizes(d, n);
        break;
    default:
        null_arguments();
        break;
    }
    return 0;
}
