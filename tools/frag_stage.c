#include "frag_stage.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash_key.h"

struct frag_kept {
    frag_kept *next;
    uint8_t bytes[];
};

/* The datagram is decoded from its reassembled bytes alone: the layers the completing fragment
 * came through (VLAN tags, tunnels, their ids) are its too, as keys (--key-vlan, --key-tunnel)
 * and in packets' output; the layers inside the datagram (a tunnel carried in fragments) follow
 * them. */
static void with_fragment_context(tcpsift_packet *whole, const tcpsift_packet *frag)
{
    whole->vlan_count = frag->vlan_count;
    memcpy(whole->vlan_ids, frag->vlan_ids, sizeof whole->vlan_ids);
    if (frag->layers & TCPSIFT_LAYER_VLAN) whole->layers |= TCPSIFT_LAYER_VLAN;
    uint8_t inner[TCPSIFT_MAX_ENCAP];
    unsigned n_inner = whole->encap_count;
    memcpy(inner, whole->encap, n_inner);
    unsigned n = frag->encap_count;
    memcpy(whole->encap, frag->encap, n);
    for (unsigned i = 0; i < n_inner && n < TCPSIFT_MAX_ENCAP; i++) whole->encap[n++] = inner[i];
    whole->encap_count = (uint8_t)n;
    if (whole->tunnel_id_kind == 0) {
        whole->tunnel_id = frag->tunnel_id;
        whole->tunnel_id_kind = frag->tunnel_id_kind;
    }
}

const tcpsift_packet *frag_stage_packet(frag_stage *f, const tcpsift_capture_record *rec,
                                        const tcpsift_packet *pkt, int keep)
{
    f->error = TCPSIFT_OK;
    f->overlapped = 0;
    if (!f->pool && !f->unavailable) {
        tcpsift_defrag_config cfg;
        tcpsift_defrag_config_init(&cfg);
        cfg.overlap = f->overlap;
        cfg.policy = f->policy;
        cfg.accept_ip_options = f->accept_ip_options;
        cfg.key_vlan = f->key_vlan;
        cfg.key_tunnel = f->key_tunnel;
        random_hash_key(cfg.hash_key, sizeof cfg.hash_key);
        if (tcpsift_defrag_create(&cfg, &f->pool) != TCPSIFT_OK) f->unavailable = 1;
    }
    if (!f->pool) return NULL;
    tcpsift_bytes dg;
    f->error =
        tcpsift_defrag_feed(f->pool, pkt, tcpsift_capture_record_ns(rec), &dg, &f->overlapped);
    if (!dg.ptr) return NULL;
    const uint8_t *bytes = dg.ptr;
    if (keep) {
        frag_kept *k = malloc(sizeof *k + dg.len);
        if (!k) {
            f->error = TCPSIFT_E_NO_MEMORY;
            return NULL;
        }
        memcpy(k->bytes, dg.ptr, dg.len);
        k->next = f->kept;
        f->kept = k;
        bytes = k->bytes;
    }
    tcpsift_packet_decode(&f->whole, TCPSIFT_LINK_RAW, bytes, dg.len, dg.len);
    tcpsift_packet_verify_checksums(&f->whole);
    with_fragment_context(&f->whole, pkt);
    return &f->whole;
}

int frag_stage_option(frag_stage *f, int argc, char **argv, int *i)
{
    if (strcmp(argv[*i], "--frag-overlap") != 0) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "tcpsift: --frag-overlap needs a value\n");
        return -1;
    }
    const char *v = argv[++*i];
    if (strcmp(v, "discard") == 0) {
        f->overlap = TCPSIFT_DEFRAG_DISCARD;
        return 1;
    }
    if (tcpsift_overlap_policy_parse(v, &f->policy) != TCPSIFT_OK) {
        fprintf(stderr, "tcpsift: --frag-overlap: expected discard or a policy, not '%s'\n", v);
        return -1;
    }
    f->overlap = TCPSIFT_DEFRAG_RESOLVE;
    return 1;
}

const tcpsift_defrag_stats *frag_stage_stats(const frag_stage *f)
{
    return f->pool ? tcpsift_defrag_get_stats(f->pool) : NULL;
}

int frag_stage_checksum_rejects(tcpsift_packet *frag, tcpsift_checksum_policy policy)
{
    if (policy == TCPSIFT_CHECKSUM_OFF) return 0;
    if (frag->ip_csum == TCPSIFT_CSUM_NOT_CHECKED && frag->encap_csum == TCPSIFT_CSUM_NOT_CHECKED)
        tcpsift_packet_verify_checksums(frag);
    /* The tunnel around a fragment is checked here: the datagram it joins is decoded without it. */
    if ((frag->layers & TCPSIFT_LAYER_IP_TUNNEL) && frag->encap_csum == TCPSIFT_CSUM_BAD &&
        !(policy == TCPSIFT_CHECKSUM_AUTO && frag->encap_csum_offload))
        return 1;
    if (!(frag->layers & TCPSIFT_LAYER_IPV4) || frag->ip_csum != TCPSIFT_CSUM_BAD) return 0;
    const uint8_t *h = frag->ip_header.ptr;
    return !(policy == TCPSIFT_CHECKSUM_AUTO && h[10] == 0 && h[11] == 0);
}

void frag_stage_free(frag_stage *f)
{
    tcpsift_defrag_destroy(f->pool);
    f->pool = NULL;
    while (f->kept) {
        frag_kept *next = f->kept->next;
        free(f->kept);
        f->kept = next;
    }
}
