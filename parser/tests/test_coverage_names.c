/* Name and lookup functions at and past the ends of their ranges (paths the other tests and the
 * corpora leave out, found by fuzz/coverage.sh): encapsulation and link-type names, error names
 * and texts, the state table's out-of-range lookups, frame and reassembly names, and the
 * run-time version string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/error.h"
#include "tcpsift/framer.h"
#include "tcpsift/reassembly.h"
#include "tcpsift/state.h"
#include "tcpsift/tcpsift.h"
#include "tcpsift/version.h"

/* tcpsift_packet encap[] holds these kinds; the CLI prints them by these names. */
static void test_encap_names(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_VLAN), "vlan");
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_MPLS), "mpls");
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_PPPOE), "pppoe");
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_IPIP), "ipip");
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_GRE), "gre");
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_VXLAN), "vxlan");
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_TEREDO), "teredo");
    assert_string_equal(tcpsift_encap_name(0), "unknown");
    assert_string_equal(tcpsift_encap_name(TCPSIFT_ENCAP_TEREDO + 1), "unknown");
    assert_string_equal(tcpsift_encap_name(-1), "unknown");
}

static void test_ppp_ether_link_name(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_linktype_name(TCPSIFT_LINK_PPP_ETHER), "ppp_ether");
    assert_int_equal(tcpsift_linktype_supported(TCPSIFT_LINK_PPP_ETHER), 1);
    assert_string_equal(tcpsift_linktype_name(-1), "unknown");
    assert_int_equal(tcpsift_linktype_supported(-1), 0);
}

static void test_error_names_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_error_name(TCPSIFT_ERROR_COUNT_), "unknown_error");
    assert_string_equal(tcpsift_error_text(TCPSIFT_ERROR_COUNT_), "unknown error code");
    assert_string_equal(tcpsift_error_name((tcpsift_error)-1), "unknown_error");
    assert_string_equal(tcpsift_error_text((tcpsift_error)-1), "unknown error code");
    /* The last code in range still has its own name and text. */
    tcpsift_error last = (tcpsift_error)(TCPSIFT_ERROR_COUNT_ - 1);
    assert_string_not_equal(tcpsift_error_name(last), "unknown_error");
    assert_string_not_equal(tcpsift_error_text(last), "unknown error code");
    assert_string_equal(tcpsift_error_name(TCPSIFT_E_INVALID_ARGUMENT), "invalid_argument");
}

/* tcpsift/state.h: out-of-range lookups return the documented neutral answers. */
static void test_state_lookups_out_of_range(void **state)
{
    (void)state;
    tcpsift_state_action act = TCPSIFT_ACT_ABORT;
    tcpsift_anomaly an = (tcpsift_anomaly)1;
    assert_int_equal(tcpsift_state_next(TCPSIFT_ST_ESTABLISHED, TCPSIFT_EV_COUNT, &act, &an),
                     TCPSIFT_ST_ESTABLISHED);
    assert_int_equal(act, TCPSIFT_ACT_NONE);
    assert_int_equal(an, TCPSIFT_ANOMALY_NONE);
    /* NULL action / anomaly pointers are allowed, in range or not. */
    assert_int_equal(tcpsift_state_next(TCPSIFT_ST_COUNT, TCPSIFT_EV_SEND_SYN, NULL, NULL),
                     TCPSIFT_ST_COUNT);
    assert_int_equal(tcpsift_state_next(TCPSIFT_ST_CLOSED, TCPSIFT_EV_SEND_SYN, NULL, NULL),
                     TCPSIFT_ST_SYN_SENT); /* RFC 9293 §3.10.1: active OPEN */
    assert_null(tcpsift_state_table_cell(TCPSIFT_ST_COUNT, TCPSIFT_EV_SEND_SYN));
    assert_null(tcpsift_state_table_cell(TCPSIFT_ST_CLOSED, TCPSIFT_EV_COUNT));
    assert_null(tcpsift_state_table_reason(TCPSIFT_ST_COUNT, TCPSIFT_EV_SEND_SYN));
    assert_null(tcpsift_state_table_reason(TCPSIFT_ST_CLOSED, (tcpsift_state_event)-1));
    assert_non_null(tcpsift_state_table_reason(TCPSIFT_ST_CLOSED, TCPSIFT_EV_SEND_SYN));
    assert_string_equal(tcpsift_state_event_name((tcpsift_state_event)(TCPSIFT_EV_COUNT + 1)),
                        "invalid");
    assert_string_equal(tcpsift_state_action_name((tcpsift_state_action)(TCPSIFT_ACT_COUNT + 1)),
                        "invalid");
    assert_string_equal(tcpsift_state_cell_kind_name(TCPSIFT_CELL_UNSET), "unset");
    assert_string_equal(tcpsift_state_cell_kind_name(TCPSIFT_CELL_KIND_COUNT), "invalid");
    assert_string_equal(
        tcpsift_state_cell_kind_name((tcpsift_state_cell_kind)(TCPSIFT_CELL_KIND_COUNT + 1)),
        "invalid");
    assert_string_equal(tcpsift_state_cell_kind_name(TCPSIFT_CELL_IMPOSSIBLE), "impossible");
}

/* Frame error and part names are the contract's (contract/cli.md, `frames`). */
static void test_frame_names(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_OK), "");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_TRUNCATED), "truncated");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_DESYNC), "desync");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_TOO_LONG), "too_long");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_BAD_LENGTH), "bad_length");
    assert_string_equal(tcpsift_frame_error_name(TCPSIFT_FRAME_INCOMPLETE), "incomplete");
    assert_string_equal(
        tcpsift_frame_error_name((tcpsift_frame_error)(TCPSIFT_FRAME_INCOMPLETE + 1)), "unknown");
    assert_string_equal(tcpsift_frame_part_name(TCPSIFT_FRAME_WHOLE), "whole");
    assert_string_equal(tcpsift_frame_part_name(TCPSIFT_FRAME_HEADER), "header");
    assert_string_equal(tcpsift_frame_part_name(TCPSIFT_FRAME_BODY), "body");
    assert_string_equal(tcpsift_frame_part_name((tcpsift_frame_part)(TCPSIFT_FRAME_BODY + 1)),
                        "unknown");
}

/* Reassembly gap reasons and events: the enum suffix in lower case, "unknown" out of range. */
static void test_reasm_names(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_reasm_gap_reason_name(TCPSIFT_GAP_MEMCAP), "memcap");
    assert_string_equal(tcpsift_reasm_gap_reason_name(TCPSIFT_GAP_SEGMENT_CAP), "segment_cap");
    assert_string_equal(tcpsift_reasm_gap_reason_name(TCPSIFT_GAP_ACK_UNSEEN), "ack_unseen");
    assert_string_equal(tcpsift_reasm_gap_reason_name(TCPSIFT_GAP_FINISH), "finish");
    assert_string_equal(tcpsift_reasm_gap_reason_name(TCPSIFT_GAP_TRUNCATED), "truncated");
    assert_string_equal(
        tcpsift_reasm_gap_reason_name((tcpsift_reasm_gap_reason)(TCPSIFT_GAP_TRUNCATED + 1)),
        "unknown");
    assert_string_equal(tcpsift_reasm_event_name(TCPSIFT_REASM_EV_RETRANSMISSION),
                        "retransmission");
    assert_string_equal(tcpsift_reasm_event_name(TCPSIFT_REASM_EV_RETRANSMISSION_UNVERIFIED),
                        "retransmission_unverified");
    assert_string_equal(tcpsift_reasm_event_name(TCPSIFT_REASM_EV_OVERLAP_MISMATCH),
                        "overlap_mismatch");
    assert_string_equal(tcpsift_reasm_event_name(TCPSIFT_REASM_EV_DATA_AFTER_FIN),
                        "data_after_fin");
    assert_string_equal(tcpsift_reasm_event_name(TCPSIFT_REASM_EV_MEMCAP_HIT), "memcap_hit");
    assert_string_equal(tcpsift_reasm_event_name(TCPSIFT_REASM_EV_SEGMENT_CAP_HIT),
                        "segment_cap_hit");
    assert_string_equal(tcpsift_reasm_event_name(TCPSIFT_REASM_EV_COUNT_), "unknown");
    assert_string_equal(
        tcpsift_reasm_event_name((tcpsift_reasm_event_kind)(TCPSIFT_REASM_EV_COUNT_ + 1)),
        "unknown");
}

/* The library reports the version it was built as, which is the header's. */
static void test_version_matches_header(void **state)
{
    (void)state;
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TCPSIFT_VERSION_MAJOR, TCPSIFT_VERSION_MINOR,
             TCPSIFT_VERSION_PATCH);
    assert_string_equal(tcpsift_version(), want);
    assert_string_equal(tcpsift_version(), TCPSIFT_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encap_names),
        cmocka_unit_test(test_ppp_ether_link_name),
        cmocka_unit_test(test_error_names_out_of_range),
        cmocka_unit_test(test_state_lookups_out_of_range),
        cmocka_unit_test(test_frame_names),
        cmocka_unit_test(test_reasm_names),
        cmocka_unit_test(test_version_matches_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
