#include "packet_json.h"

#include <arpa/inet.h>
#include <sys/socket.h>

static void write_address(json_writer *w, const char *key, const uint8_t *addr, uint8_t len)
{
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof text)) text[0] = '\0';
    jw_key_str(w, key, text);
}

static void write_options(json_writer *w, const tcpsift_tcp_options *o)
{
    jw_key_object_begin(w, "opts");
    if (o->present & TCPSIFT_OPT_MSS) jw_key_u64(w, "mss", o->mss);
    if (o->present & TCPSIFT_OPT_WSCALE) jw_key_u64(w, "ws", o->wscale);
    if (o->present & TCPSIFT_OPT_SACK_PERM) jw_key_bool(w, "sack_perm", 1);
    if (o->present & TCPSIFT_OPT_TIMESTAMP) {
        jw_key_u64(w, "tsval", o->tsval);
        jw_key_u64(w, "tsecr", o->tsecr);
    }
    if (o->present & TCPSIFT_OPT_SACK) {
        jw_key_array_begin(w, "sack");
        for (unsigned i = 0; i < o->sack_count; i++) {
            jw_array_begin(w);
            jw_u64(w, o->sack[i][0]);
            jw_u64(w, o->sack[i][1]);
            jw_array_end(w);
        }
        jw_array_end(w);
    }
    if (o->present & TCPSIFT_OPT_TFO) jw_key_hex(w, "tfo", o->tfo_cookie.ptr, o->tfo_cookie.len);
    if (o->present & TCPSIFT_OPT_UNKNOWN) {
        jw_key_array_begin(w, "unknown");
        for (unsigned i = 0; i < o->unknown_count; i++) jw_u64(w, o->unknown_kinds[i]);
        jw_array_end(w);
    }
    jw_object_end(w);
}

static const char *checksum_name(uint8_t status)
{
    switch ((enum tcpsift_checksum_status)status) {
    case TCPSIFT_CSUM_GOOD:
        return "good";
    case TCPSIFT_CSUM_BAD:
        return "bad";
    case TCPSIFT_CSUM_NOT_CHECKED:
    case TCPSIFT_CSUM_UNVERIFIED:
    case TCPSIFT_CSUM_ABSENT:
        return "unverified";
    }
    return "unverified";
}

static const char *proto_name(const tcpsift_packet *pkt)
{
    if (!(pkt->layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6))) return "other";
    if (pkt->ip_proto == 6) return "tcp";
    if (pkt->ip_proto == 17) return "udp";
    return "other";
}

/* The transport keys of one decoded datagram. */
static void write_transport(json_writer *w, const tcpsift_packet *pkt)
{
    if (pkt->layers & TCPSIFT_LAYER_PORTS) {
        jw_key_u64(w, "sport", pkt->sport);
        jw_key_u64(w, "dport", pkt->dport);
    }
    if (pkt->layers & TCPSIFT_LAYER_TCP_FIXED) {
        jw_key_u64(w, "seq", pkt->seq);
        jw_key_u64(w, "ack", pkt->ack);
        jw_key_u64(w, "flags", pkt->tcp_flags);
        jw_key_u64(w, "win", pkt->window);
    }
    if (pkt->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP)) {
        jw_key_u64(w, "len", pkt->payload_len);
        jw_key_u64(w, "caplen_payload", pkt->payload.len);
    }
    if (pkt->layers & TCPSIFT_LAYER_TCP) write_options(w, &pkt->opts);
    if (pkt->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP)) {
        jw_key_str(w, "csum", checksum_name(pkt->l4_csum));
        if (pkt->l4_csum == TCPSIFT_CSUM_BAD && pkt->l4_csum_offload) jw_key_bool(w, "csum_offload", 1);
    }
}

void packet_json_write(json_writer *w, const tcpsift_capture_record *rec, const tcpsift_packet *pkt,
                       const tcpsift_packet *reassembled, tcpsift_error frag_error,
                       int frag_overlapped)
{
    jw_object_begin(w);
    jw_key_u64(w, "frame", rec->frame_number);
    jw_key_timestamp(w, "ts", rec->ts_sec, rec->ts_nsec, rec->ts_digits);
    /* A tunnel carried in fragments: the datagram reassembled on this last fragment holds the
     * tunnel, and the segment's protocol, layers and addresses are its innermost ones, as for
     * any tunnelled frame (never the outer addresses paired with the inner ports). */
    const tcpsift_packet *inner =
        reassembled && reassembled->encap_count > pkt->encap_count ? reassembled : pkt;
    jw_key_str(w, "proto", proto_name(inner));
    if (inner->encap_count) {
        jw_key_array_begin(w, "encap");
        for (unsigned i = 0; i < inner->encap_count; i++)
            jw_str(w, tcpsift_encap_name(inner->encap[i]));
        jw_array_end(w);
    }
    if (inner->layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6)) {
        write_address(w, "src", inner->src, inner->addr_len);
        write_address(w, "dst", inner->dst, inner->addr_len);
    }
    /* Shown only when bad: a host discards such a datagram (RFC 1122 3.2.1.2). */
    if (pkt->ip_csum == TCPSIFT_CSUM_BAD) jw_key_str(w, "ip_csum", "bad");
    /* The same for an outer layer of a tunnel: the inner datagram never reaches the host. */
    if (inner->encap_csum == TCPSIFT_CSUM_BAD) jw_key_str(w, "encap_csum", "bad");
    int fragment = (pkt->layers & TCPSIFT_LAYER_FRAGMENT) != 0;
    if (fragment) jw_key_bool(w, "frag", 1);
    if (fragment && frag_overlapped) jw_key_bool(w, "frag_overlap", 1);
    /* A fragment's transport keys belong to the reassembled datagram, shown on its last frame. */
    if (!fragment)
        write_transport(w, pkt);
    else if (reassembled)
        write_transport(w, reassembled);
    tcpsift_error err = pkt->error;
    /* Running out of pool memory is ours, not the frame's fault. */
    if (err == TCPSIFT_OK && frag_error != TCPSIFT_E_NO_MEMORY) err = frag_error;
    if (err == TCPSIFT_OK && reassembled) err = reassembled->error;
    if (err != TCPSIFT_OK) jw_key_str(w, "error", tcpsift_error_name(err));
    jw_object_end(w);
    jw_line_end(w);
}
