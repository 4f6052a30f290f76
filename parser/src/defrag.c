/* IP fragment reassembly pool: see tcpsift/defrag.h for the contract.
 *
 * Each datagram in progress holds one buffer (a TCPSIFT_DEFRAG_MAX_HEADER prefix where the
 * header is written on completion, then the fragmentable bytes at their offsets) and a sorted
 * list of non-overlapping pieces, each remembering the fragment that supplied it, so overlap
 * policies compare the new fragment with the copy holding each byte. Piece boundaries are
 * fragment boundaries: multiples of 8 except the datagram end, so at most 65535 / 8 + 1.
 * With overlap DISCARD pieces never overlap, so each piece is exactly one fragment, and it
 * remembers the run it joined (linux_placement()); with rfc5722_strict a discarded datagram
 * keeps its slot (key and first time, no bytes) until its timeout, so its later fragments are
 * recognised and dropped (RFC 5722 §4: "including those not yet received").
 *
 * No call walks the slots: a keyed hash (SipHash-1-3, the config's hash_key) finds a datagram,
 * a free list gives a slot, and a list in creation order gives the oldest to evict and, while
 * packet time has not stepped back across it, the ones to expire (a flood of fragments of
 * distinct datagrams would otherwise cost max_datagrams slot visits each). */
#include "allocator_default.h"
#include "tcpsift/defrag.h"

#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"
#include "siphash.h"

#define IPV4_MAX_TOTAL 65535u
#define IPV6_MAX_PAYLOAD 65535u
#define IP6_HOP_BY_HOP 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_NO_NEXT 59
#define IP6_DEST_OPTS 60
#define TCP_MIN_HEADER 20
#define UDP_HEADER 8
#define ICMP6_HEADER 8
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_ICMPV6 58
#define MIN_BUFFER 2048u
/* A fragment's ECN codepoint as one bit (Linux ip4_frag_ecn()/ip6_frag_ecn(): 1 << codepoint). */
#define ECN_MASK 3u
#define ECN_CE 3u
#define ECN_SEEN_NOT_ECT 1u
#define ECN_SEEN_CE (1u << ECN_CE)
#define NO_SLOT UINT32_MAX

typedef struct frag_piece {
    uint32_t start, end;           /* bytes of the datagram this piece holds */
    uint32_t orig_start, orig_end; /* the fragment that supplied them */
    uint32_t run_start;            /* overlap DISCARD: where its run begins (linux_placement()) */
} frag_piece;

typedef struct frag_datagram {
    uint8_t used, version, addr_len, proto, have_last, have_header;
    uint8_t discarded; /* overlapping fragments seen: only the key is kept, until timeout */
    uint8_t ecn_seen;  /* OR of 1 << ECN codepoint over the fragments stored */
    uint8_t src[16], dst[16];
    uint32_t id;
    uint32_t tunnel_id;    /* with cfg.key_tunnel: tcpsift_packet tunnel_id, tunnel_kind */
    uint16_t vlan;         /* with cfg.key_vlan: the outermost VLAN id, else 0 */
    uint8_t tunnel_kind;
    int64_t first_ts;
    uint32_t end;     /* payload end set by the last fragment */
    uint32_t held;    /* bytes covered by pieces */
    uint32_t max_end; /* highest byte held */
    uint8_t header[TCPSIFT_DEFRAG_MAX_HEADER];
    uint16_t header_len;
    uint16_t next_header_at; /* IPv6: the byte naming the fragment header */
    uint8_t inner_next;      /* IPv6: the fragment header's next header */
    uint8_t *buf;
    size_t buf_cap;
    frag_piece *pieces, *scratch;
    uint32_t npieces, pieces_cap;
    uint32_t bucket;       /* its hash chain */
    uint32_t hash_next;    /* next slot in that chain; while unused, the next free slot */
    uint32_t older, newer; /* neighbours in creation order */
} frag_datagram;

struct tcpsift_defrag {
    tcpsift_defrag_config cfg;
    tcpsift_allocator alloc;
    frag_datagram *slots;
    uint32_t *buckets; /* first slot of each hash chain, NO_SLOT when empty */
    uint32_t bucket_mask;
    uint32_t free_head;        /* first unused slot */
    uint32_t oldest, newest;   /* ends of the creation-order list */
    uint32_t time_inversions;  /* neighbours in that list whose first_ts step back */
    int64_t first_ts_floor;    /* no datagram in progress started before this */
    tcpsift_siphash_key sip;
    uint8_t *done_buf; /* the datagram handed out last, freed at the next call */
    size_t done_cap;
    tcpsift_defrag_stats stats;
};

/* What a fragment contributes, located in its frame. */
typedef struct frag_view {
    const uint8_t *header; /* unfragmentable part */
    size_t header_len;
    size_t next_header_at;
    uint8_t inner_next; /* IPv6 fragment header's next header; IPv4: the protocol */
    const uint8_t *data;
    size_t len;
    uint32_t offset;
    int more;
    uint32_t id;
} frag_view;

void tcpsift_defrag_config_init(tcpsift_defrag_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->max_datagrams = 1024;
    cfg->max_datagram_bytes = 65535;
    cfg->memory_cap = 16u << 20;
    cfg->timeout_ns = 30LL * 1000000000LL;
    cfg->overlap = TCPSIFT_DEFRAG_DISCARD; /* RFC 5722 §4; Linux >= 4.19 for IPv4 too */
    cfg->policy = TCPSIFT_OVERLAP_FIRST;
}

static void account(tcpsift_defrag *d, size_t add, size_t sub)
{
    d->stats.memory = d->stats.memory + add - sub;
    if (d->stats.memory > d->stats.memory_peak) d->stats.memory_peak = d->stats.memory;
}

static void release(tcpsift_defrag *d, void *p, size_t size)
{
    if (!p) return;
    d->alloc.free(d->alloc.ctx, p, size);
    account(d, 0, size);
}

static void *obtain(tcpsift_defrag *d, size_t size)
{
    void *p = d->alloc.alloc(d->alloc.ctx, size);
    if (p) account(d, size, 0);
    return p;
}

static void datagram_release_bytes(tcpsift_defrag *d, frag_datagram *g)
{
    release(d, g->buf, g->buf_cap);
    release(d, g->pieces, (size_t)g->pieces_cap * sizeof *g->pieces);
    release(d, g->scratch, (size_t)g->pieces_cap * sizeof *g->scratch);
    g->buf = NULL;
    g->buf_cap = 0;
    g->pieces = g->scratch = NULL;
    g->npieces = g->pieces_cap = 0;
}

/* 1 when `newer` started at an earlier packet time than `older`, its neighbour before it. */
static uint32_t steps_back(const tcpsift_defrag *d, uint32_t older, uint32_t newer)
{
    return older != NO_SLOT && newer != NO_SLOT &&
           d->slots[newer].first_ts < d->slots[older].first_ts;
}

static void datagram_free(tcpsift_defrag *d, frag_datagram *g)
{
    datagram_release_bytes(d, g);
    uint32_t i = (uint32_t)(g - d->slots), older = g->older, newer = g->newer;
    d->time_inversions -= steps_back(d, older, i) + steps_back(d, i, newer);
    d->time_inversions += steps_back(d, older, newer);
    if (older != NO_SLOT) d->slots[older].newer = newer;
    else d->oldest = newer;
    if (newer != NO_SLOT) d->slots[newer].older = older;
    else d->newest = older;
    uint32_t *link = &d->buckets[g->bucket];
    while (*link != i) link = &d->slots[*link].hash_next;
    *link = g->hash_next;
    memset(g, 0, sizeof *g);
    g->hash_next = d->free_head;
    d->free_head = i;
    d->stats.in_progress--;
}

/* RFC 5722 §4: the datagram and every fragment of it, held or still to come, are dropped. */
static void datagram_discard(tcpsift_defrag *d, frag_datagram *g)
{
    datagram_release_bytes(d, g);
    g->discarded = 1;
    d->stats.discarded++;
}

static void drop_done(tcpsift_defrag *d)
{
    release(d, d->done_buf, d->done_cap);
    d->done_buf = NULL;
    d->done_cap = 0;
}

tcpsift_error tcpsift_defrag_create(const tcpsift_defrag_config *cfg, tcpsift_defrag **out)
{
    if (!cfg || !out || cfg->max_datagrams == 0 || cfg->max_datagram_bytes == 0 ||
        cfg->max_datagram_bytes > 65535u + 8u || (unsigned)cfg->policy >= TCPSIFT_OVERLAP_COUNT_ ||
        (unsigned)cfg->overlap >= TCPSIFT_DEFRAG_OVERLAP_COUNT_ ||
        cfg->timeout_ns < 0 || !allocator_usable(cfg->allocator))
        return TCPSIFT_E_INVALID_ARGUMENT;
    tcpsift_allocator a = allocator_or_libc(cfg->allocator);
    tcpsift_defrag *d = a.alloc(a.ctx, sizeof *d);
    if (!d) return TCPSIFT_E_NO_MEMORY;
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    d->alloc = a;
    size_t slots = (size_t)cfg->max_datagrams * sizeof *d->slots;
    if (slots / sizeof *d->slots != cfg->max_datagrams) slots = SIZE_MAX;
    d->slots = slots == SIZE_MAX ? NULL : a.alloc(a.ctx, slots);
    if (!d->slots) {
        a.free(a.ctx, d, sizeof *d);
        return TCPSIFT_E_NO_MEMORY;
    }
    memset(d->slots, 0, slots);
    uint32_t buckets = 1;
    while (buckets < cfg->max_datagrams && buckets < (1u << 31)) buckets <<= 1;
    d->buckets = a.alloc(a.ctx, (size_t)buckets * sizeof *d->buckets);
    if (!d->buckets) {
        a.free(a.ctx, d->slots, slots);
        a.free(a.ctx, d, sizeof *d);
        return TCPSIFT_E_NO_MEMORY;
    }
    for (uint32_t i = 0; i < buckets; i++) d->buckets[i] = NO_SLOT;
    d->bucket_mask = buckets - 1;
    for (uint32_t i = 0; i < cfg->max_datagrams; i++)
        d->slots[i].hash_next = i + 1 < cfg->max_datagrams ? i + 1 : NO_SLOT;
    d->free_head = 0;
    d->oldest = d->newest = NO_SLOT;
    tcpsift_siphash_key_init(&d->sip, cfg->hash_key);
    *out = d;
    return TCPSIFT_OK;
}

void tcpsift_defrag_destroy(tcpsift_defrag *d)
{
    if (!d) return;
    for (uint32_t i = 0; i < d->cfg.max_datagrams; i++)
        if (d->slots[i].used) datagram_free(d, &d->slots[i]);
    drop_done(d);
    tcpsift_allocator a = d->alloc;
    a.free(a.ctx, d->buckets, ((size_t)d->bucket_mask + 1) * sizeof *d->buckets);
    a.free(a.ctx, d->slots, (size_t)d->cfg.max_datagrams * sizeof *d->slots);
    a.free(a.ctx, d, sizeof *d);
}

const tcpsift_defrag_stats *tcpsift_defrag_get_stats(const tcpsift_defrag *d)
{
    return d ? &d->stats : NULL;
}

/* Packet time may step back: only a datagram seen before `now` can be old. */
static int timed_out(const tcpsift_defrag *d, int64_t first_ts, int64_t now_ns)
{
    return now_ns > first_ts &&
           (uint64_t)now_ns - (uint64_t)first_ts > (uint64_t)d->cfg.timeout_ns;
}

static void expire_one(tcpsift_defrag *d, frag_datagram *g)
{
    if (!g->discarded) d->stats.timed_out++; /* a discarded one was counted already */
    datagram_free(d, g);
}

void tcpsift_defrag_expire(tcpsift_defrag *d, int64_t now_ns)
{
    if (!d) return;
    if (d->time_inversions == 0) {
        /* Creation order is first_ts order: the old ones lead the list. */
        while (d->oldest != NO_SLOT && timed_out(d, d->slots[d->oldest].first_ts, now_ns))
            expire_one(d, &d->slots[d->oldest]);
        return;
    }
    /* Time stepped back: visit every datagram, but only when the earliest can be old. */
    if (!timed_out(d, d->first_ts_floor, now_ns)) return;
    int64_t floor = INT64_MAX;
    for (uint32_t i = d->oldest, next; i != NO_SLOT; i = next) {
        frag_datagram *g = &d->slots[i];
        next = g->newer;
        if (timed_out(d, g->first_ts, now_ns)) expire_one(d, g);
        else if (g->first_ts < floor) floor = g->first_ts;
    }
    d->first_ts_floor = floor;
}

/* Evict the datagram that started first, other than `keep` (with `for_memory`, only one that
 * holds bytes: a discarded one holds none); 0 when there is none. */
static int evict_oldest(tcpsift_defrag *d, const frag_datagram *keep, int for_memory)
{
    frag_datagram *oldest = NULL;
    for (uint32_t i = d->oldest; i != NO_SLOT && !oldest; i = d->slots[i].newer) {
        frag_datagram *g = &d->slots[i];
        if (g != keep && !(for_memory && g->discarded)) oldest = g;
    }
    if (!oldest) return 0;
    if (!oldest->discarded) d->stats.evicted++; /* `evicted` counts datagrams lost incomplete */
    datagram_free(d, oldest);
    return 1;
}

/* Room for `bytes` more under the memory cap, evicting other datagrams if needed. */
static int make_room(tcpsift_defrag *d, const frag_datagram *keep, size_t bytes)
{
    if (d->cfg.memory_cap == 0) return 1; /* no cap: max_datagrams x max_datagram_bytes bound it */
    while (d->stats.memory > d->cfg.memory_cap || d->cfg.memory_cap - d->stats.memory < bytes)
        if (!evict_oldest(d, keep, 1)) return 0;
    return 1;
}

static int is_ip_error(tcpsift_error e)
{
    return e == TCPSIFT_E_TRUNCATED_IP_HEADER || e == TCPSIFT_E_BAD_IP_VERSION ||
           e == TCPSIFT_E_BAD_IP_HEADER_LENGTH || e == TCPSIFT_E_BAD_IP_TOTAL_LENGTH ||
           e == TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH ||
           e == TCPSIFT_E_TRUNCATED_IPV6_EXT_HEADER || e == TCPSIFT_E_BAD_IPV6_EXT_HEADER ||
           e == TCPSIFT_E_IPV6_EXT_CHAIN_TOO_LONG;
}

/* The decoder walks on past the fragment header of an IPv6 first fragment; an extension header
 * there longer than the fragment is bad_ipv6_ext_header (an error stops the walk, so one seen
 * with the fragment header decoded lies after it). The fragment's own bytes are all known: the
 * header chain check decides (frag_header_chain_incomplete), not frag_truncated. */
static int chain_cut_in_first_fragment(const tcpsift_packet *pkt)
{
    return pkt->ip_version == 6 && pkt->frag_offset == 0 &&
           pkt->error == TCPSIFT_E_BAD_IPV6_EXT_HEADER;
}

/* Locate the unfragmentable part and the fragment data (RFC 8200 §4.5: the unfragmentable part
 * is everything before the fragment header, the fragmentable part everything after it). */
static tcpsift_error locate(const tcpsift_packet *pkt, frag_view *v)
{
    if (!(pkt->layers & TCPSIFT_LAYER_FRAGMENT) || !pkt->frame) return TCPSIFT_E_INVALID_ARGUMENT;
    int chain_cut = chain_cut_in_first_fragment(pkt);
    if ((is_ip_error(pkt->error) && !chain_cut) || pkt->ip_len_from_capture)
        return TCPSIFT_E_FRAG_TRUNCATED;
    const uint8_t *h = pkt->ip_header.ptr;
    size_t end = pkt->l4_offset + pkt->l4_length; /* declared end of the datagram in the frame */
    /* A cut chain leaves no L4 length: the end is the one the payload length declares. */
    if (chain_cut) end = (size_t)(h - pkt->frame) + 40u + ((size_t)h[4] << 8 | h[5]);
    if (end > pkt->caplen || end < pkt->l4_offset) return TCPSIFT_E_FRAG_TRUNCATED;
    v->header = h;
    v->offset = (uint32_t)pkt->frag_offset * 8u;
    v->more = pkt->more_fragments;
    if (pkt->ip_version == 4) {
        v->header_len = pkt->ip_header.len;
        v->next_header_at = 0;
        v->inner_next = pkt->ip_proto;
        v->data = pkt->frame + pkt->l4_offset;
        v->len = pkt->l4_length;
        v->id = pkt->ip_id;
        return TCPSIFT_OK;
    }
    size_t pos = 40, next_at = 6;
    for (unsigned i = 0; i < pkt->ipv6_ext_count; i++) {
        uint8_t type = pkt->ipv6_ext_types[i];
        if (type == IP6_FRAGMENT) {
            v->header_len = pos;
            v->next_header_at = next_at;
            v->inner_next = h[pos];
            size_t data_at = (size_t)(h - pkt->frame) + pos + 8;
            if (data_at > end) return TCPSIFT_E_FRAG_TRUNCATED;
            v->data = pkt->frame + data_at;
            v->len = end - data_at;
            v->id = pkt->ip6_frag_id;
            return TCPSIFT_OK;
        }
        /* The decoder proved these headers present; their lengths as it computed them. */
        size_t len = type == IP6_AH ? ((size_t)h[pos + 1] + 2) * 4 : ((size_t)h[pos + 1] + 1) * 8;
        next_at = pos;
        pos += len;
    }
    return TCPSIFT_E_INVALID_ARGUMENT;
}

/* RFC 8200 §4.5, RFC 7112: does a first fragment's fragmentable part `p` (`len` bytes, its first
 * header `next`) hold the whole header chain through the upper-layer header, as a Linux host
 * (5.10+, ipv6frag_thdr_truncated()) judges it? It walks the extension headers it knows
 * (Hop-by-Hop, Routing, Destination Options, AH, Fragment) and requires the upper layer's first
 * bytes: TCP 20, UDP 8, ICMPv6 8, anything else (ESP, Mobility included) 1. Where it cannot
 * read an extension header's first bytes, or meets No Next Header or a fragment header with an
 * offset, it takes the fragment: so does this, since refusing what the host reassembles would
 * hide the datagram from the observer (an evasion worse than the insertion the rule stops).
 * Each step returns or moves `at` by at least 8, and a step starting past `len` returns. */
static int header_chain_complete(uint8_t next, const uint8_t *p, size_t len)
{
    size_t at = 0;
    for (;;) {
        size_t hlen, room = at <= len ? len - at : 0;
        switch (next) {
        case IP6_HOP_BY_HOP:
        case IP6_ROUTING:
        case IP6_DEST_OPTS: /* length in 8-byte units after the first (RFC 8200 §4.3-4.6) */
            if (room < 2) return 1;
            hlen = ((size_t)p[at + 1] + 1) * 8;
            break;
        case IP6_AH: /* RFC 4302: length in 4-byte units, minus 2 */
            if (room < 2) return 1;
            hlen = ((size_t)p[at + 1] + 2) * 4;
            break;
        case IP6_FRAGMENT:
            if (room < 4) return 1;
            if (((p[at + 2] << 8 | p[at + 3]) & ~7) != 0) return 1; /* not a first fragment */
            hlen = 8;
            break;
        case IP6_NO_NEXT:
            return 1;
        case IPPROTO_NUM_TCP:
            return room >= TCP_MIN_HEADER;
        case IPPROTO_NUM_UDP:
            return room >= UDP_HEADER;
        case IPPROTO_NUM_ICMPV6:
            return room >= ICMP6_HEADER;
        default:
            return room >= 1;
        }
        next = p[at];
        at += hlen;
    }
}

/* The hash chain of a datagram's key (RFC 791: addresses, protocol, identification; RFC 8200
 * §4.5: addresses and identification). The key is secret, so crafted fragments cannot aim at
 * one chain. */
static uint32_t bucket_of(const tcpsift_defrag *d, const tcpsift_packet *pkt, uint32_t id)
{
    uint64_t w[4] = {0};
    size_t n;
    if (pkt->addr_len == 4) {
        memcpy(w, pkt->src, 4);
        memcpy((uint8_t *)w + 4, pkt->dst, 4);
        n = 1;
    } else {
        memcpy(w, pkt->src, 16);
        memcpy(w + 2, pkt->dst, 16);
        n = 4;
    }
    uint64_t proto = pkt->ip_version == 4 ? pkt->ip_proto : 0;
    uint64_t tail = (uint64_t)id | proto << 32 | (uint64_t)pkt->ip_version << 40;
    return (uint32_t)tcpsift_siphash13_words_tail(&d->sip, w, n, tail, 6) & d->bucket_mask;
}

static uint16_t key_vlan_of(const tcpsift_defrag *d, const tcpsift_packet *pkt)
{
    return d->cfg.key_vlan && pkt->vlan_count ? pkt->vlan_ids[0] : 0;
}

static frag_datagram *find(tcpsift_defrag *d, const tcpsift_packet *pkt, const frag_view *v,
                           uint32_t bucket)
{
    for (uint32_t i = d->buckets[bucket]; i != NO_SLOT; i = d->slots[i].hash_next) {
        frag_datagram *g = &d->slots[i];
        if (g->version == pkt->ip_version && g->id == v->id &&
            (pkt->ip_version == 6 || g->proto == pkt->ip_proto) &&
            memcmp(g->src, pkt->src, pkt->addr_len) == 0 &&
            memcmp(g->dst, pkt->dst, pkt->addr_len) == 0 && g->vlan == key_vlan_of(d, pkt) &&
            (!d->cfg.key_tunnel ||
             (g->tunnel_kind == pkt->tunnel_id_kind && g->tunnel_id == pkt->tunnel_id)))
            return g;
    }
    return NULL;
}

static frag_datagram *start(tcpsift_defrag *d, const tcpsift_packet *pkt, const frag_view *v,
                            int64_t ts, uint32_t bucket)
{
    if (d->free_head == NO_SLOT) evict_oldest(d, NULL, 0); /* every slot is in use: frees one */
    uint32_t i = d->free_head;
    frag_datagram *g = &d->slots[i];
    d->free_head = g->hash_next;
    g->bucket = bucket;
    g->hash_next = d->buckets[bucket];
    d->buckets[bucket] = i;
    g->used = 1;
    g->version = pkt->ip_version;
    g->addr_len = pkt->addr_len;
    g->proto = pkt->ip_proto;
    memcpy(g->src, pkt->src, pkt->addr_len);
    memcpy(g->dst, pkt->dst, pkt->addr_len);
    g->id = v->id;
    g->vlan = key_vlan_of(d, pkt);
    g->tunnel_kind = d->cfg.key_tunnel ? pkt->tunnel_id_kind : 0;
    g->tunnel_id = d->cfg.key_tunnel ? pkt->tunnel_id : 0;
    g->first_ts = ts;
    if (d->newest == NO_SLOT || ts < d->first_ts_floor) d->first_ts_floor = ts;
    g->older = d->newest;
    g->newer = NO_SLOT;
    if (d->newest != NO_SLOT) d->slots[d->newest].newer = i;
    else d->oldest = i;
    d->time_inversions += steps_back(d, d->newest, i);
    d->newest = i;
    d->stats.in_progress++;
    return g;
}

/* Grow the buffer to hold payload bytes [0, end) and the piece arrays to `pieces` entries. */
static tcpsift_error reserve(tcpsift_defrag *d, frag_datagram *g, size_t end, size_t pieces)
{
    size_t need = TCPSIFT_DEFRAG_MAX_HEADER + end;
    if (need > g->buf_cap) {
        size_t cap = g->buf_cap ? g->buf_cap * 2 : MIN_BUFFER;
        size_t most = TCPSIFT_DEFRAG_MAX_HEADER + (size_t)d->cfg.max_datagram_bytes;
        if (cap < need) cap = need;
        if (cap > most) cap = most;
        if (!make_room(d, g, cap)) return TCPSIFT_E_NO_MEMORY;
        uint8_t *bigger = obtain(d, cap);
        if (!bigger) return TCPSIFT_E_NO_MEMORY;
        if (g->buf) memcpy(bigger, g->buf, g->buf_cap);
        release(d, g->buf, g->buf_cap);
        g->buf = bigger;
        g->buf_cap = cap;
    }
    if (pieces > g->pieces_cap) {
        size_t cap = g->pieces_cap ? (size_t)g->pieces_cap * 2 : 8;
        if (cap < pieces) cap = pieces;
        size_t bytes = cap * sizeof(frag_piece);
        if (!make_room(d, g, 2 * bytes)) return TCPSIFT_E_NO_MEMORY;
        frag_piece *p = obtain(d, bytes), *s = obtain(d, bytes);
        if (!p || !s) {
            release(d, p, p ? bytes : 0);
            release(d, s, s ? bytes : 0);
            return TCPSIFT_E_NO_MEMORY;
        }
        if (g->npieces) memcpy(p, g->pieces, g->npieces * sizeof *p);
        release(d, g->pieces, (size_t)g->pieces_cap * sizeof *g->pieces);
        release(d, g->scratch, (size_t)g->pieces_cap * sizeof *g->scratch);
        g->pieces = p;
        g->scratch = s;
        g->pieces_cap = (uint32_t)cap;
    }
    return TCPSIFT_OK;
}

static void emit(frag_piece *out, uint32_t *n, uint32_t start, uint32_t end, uint32_t os,
                 uint32_t oe)
{
    if (start >= end) return;
    frag_piece p = {start, end, os, oe, start};
    out[(*n)++] = p;
}

/* The first piece that ends after byte `s` (pieces are sorted and disjoint, so their ends
 * increase): npieces when none does. */
static uint32_t first_piece_ending_after(const frag_datagram *g, uint32_t s)
{
    uint32_t lo = 0, hi = g->npieces;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->pieces[mid].end <= s) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Merge fragment [s,e) into the pieces under the policy. Only the pieces it overlaps are
 * rebuilt (in scratch) and spliced back, so fragments arriving in order cost O(log pieces).
 * Returns 1 if it overlapped, and sets *conflict when an overlapped byte differed. */
static int insert(tcpsift_defrag *d, frag_datagram *g, uint32_t s, uint32_t e, const uint8_t *data,
                  int *conflict)
{
    uint8_t *base = g->buf + TCPSIFT_DEFRAG_MAX_HEADER;
    frag_piece *out = g->scratch;
    uint32_t n = 0, cursor = s; /* next byte of the new fragment not yet placed */
    uint32_t lo = first_piece_ending_after(g, s), hi = lo;
    uint32_t overlapped_bytes = 0;
    *conflict = 0;
    for (; hi < g->npieces && g->pieces[hi].start < e; hi++) {
        frag_piece p = g->pieces[hi];
        if (cursor < p.start) { /* uncovered bytes before this piece */
            memcpy(base + cursor, data + (cursor - s), p.start - cursor);
            emit(out, &n, cursor, p.start, s, e);
        }
        uint32_t os = p.start > s ? p.start : s, oe = p.end < e ? p.end : e;
        overlapped_bytes += oe - os;
        if (memcmp(base + os, data + (os - s), oe - os) != 0) *conflict = 1;
        if (tcpsift_overlap_new_wins(d->cfg.policy, s, e, p.orig_start, p.orig_end)) {
            memcpy(base + os, data + (os - s), oe - os);
            emit(out, &n, p.start, os, p.orig_start, p.orig_end);
            emit(out, &n, os, oe, s, e);
            emit(out, &n, oe, p.end, p.orig_start, p.orig_end);
        } else {
            out[n++] = p;
        }
        cursor = oe > cursor ? oe : cursor;
    }
    if (cursor < e) {
        memcpy(base + cursor, data + (cursor - s), e - cursor);
        emit(out, &n, cursor, e, s, e);
    }
    /* Pieces [lo, hi) become out[0, n): move the ones after them, then copy these in. */
    uint32_t tail = g->npieces - hi;
    memmove(g->pieces + lo + n, g->pieces + hi, (size_t)tail * sizeof *g->pieces);
    memcpy(g->pieces + lo, out, (size_t)n * sizeof *out);
    g->npieces = lo + n + tail;
    g->held += (e - s) - overlapped_bytes;
    if (e > g->max_end) g->max_end = e;
    return hi > lo;
}

/* Overlap DISCARD: does fragment [s,e) overlap the pieces held, and is it an exact duplicate
 * of one of them (RFC 8200 §4.5 lets a receiver drop those and keep the datagram)? Pieces are
 * whole fragments here, so "exact" is one piece with the same bounds and the same bytes; the
 * caller checks the more-fragments flag. Sets *conflict when an overlapped byte differs. */
typedef enum frag_overlap_kind { FRAG_NO_OVERLAP, FRAG_EXACT_DUPLICATE, FRAG_OVERLAPS } frag_overlap_kind;

static frag_overlap_kind overlap_of(const frag_datagram *g, uint32_t s, uint32_t e,
                                    const uint8_t *data, int *conflict)
{
    uint32_t touched = 0;
    int same_bounds = 0;
    *conflict = 0;
    for (uint32_t i = first_piece_ending_after(g, s); i < g->npieces && g->pieces[i].start < e;
         i++) {
        frag_piece p = g->pieces[i];
        uint32_t os = p.start > s ? p.start : s, oe = p.end < e ? p.end : e;
        const uint8_t *held = g->buf + TCPSIFT_DEFRAG_MAX_HEADER + os;
        if (memcmp(held, data + (os - s), oe - os) != 0) *conflict = 1;
        same_bounds = p.start == s && p.end == e;
        touched++;
    }
    if (touched == 0) return FRAG_NO_OVERLAP;
    return touched == 1 && same_bounds && !*conflict ? FRAG_EXACT_DUPLICATE : FRAG_OVERLAPS;
}

/* Overlap DISCARD as Linux (>= 4.19) places a fragment (inet_frag_queue_insert()): the held
 * fragments form runs, each begun by a fragment and grown by the ones appended right after the
 * highest fragment held. A fragment [s,e) that ends past the highest one overlaps if it starts
 * below that one's end, and extends its run if it starts exactly there; any other fragment lying
 * wholly inside one run is a duplicate (IPFRAG_DUP: dropped, the datagram kept, its bytes not
 * compared), and one reaching into a run otherwise overlaps (IPFRAG_OVERLAP: the datagram is
 * dropped). *run_start receives the run a fragment placed joins. *conflict is set when an
 * overlapped byte differs (reported only). */
static frag_overlap_kind linux_placement(const frag_datagram *g, uint32_t s, uint32_t e,
                                         const uint8_t *data, int *conflict, uint32_t *run_start)
{
    *conflict = 0;
    *run_start = s;
    if (g->npieces == 0) return FRAG_NO_OVERLAP;
    const frag_piece *tail = &g->pieces[g->npieces - 1];
    uint32_t i = first_piece_ending_after(g, s);
    frag_overlap_kind kind;
    if (tail->end < e) {
        if (s == tail->end) *run_start = tail->run_start;
        kind = s < tail->end ? FRAG_OVERLAPS : FRAG_NO_OVERLAP;
    } else if (i == g->npieces || g->pieces[i].start >= e) {
        kind = FRAG_NO_OVERLAP;
    } else {
        uint32_t rs = g->pieces[i].run_start, j = i;
        while (j + 1 < g->npieces && g->pieces[j + 1].run_start == rs) j++;
        kind = s >= rs && e <= g->pieces[j].end ? FRAG_EXACT_DUPLICATE : FRAG_OVERLAPS;
    }
    for (; i < g->npieces && g->pieces[i].start < e; i++) {
        const frag_piece *p = &g->pieces[i];
        uint32_t os = p->start > s ? p->start : s, oe = p->end < e ? p->end : e;
        if (memcmp(g->buf + TCPSIFT_DEFRAG_MAX_HEADER + os, data + (os - s), oe - os) != 0)
            *conflict = 1;
    }
    return kind;
}

static uint16_t ipv4_header_checksum(const uint8_t *h, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Linux ip_frag_ecn_table[]: Not-ECT with any ECN-capable codepoint cannot be reassembled (the
 * congestion signal would be lost or invented); otherwise a CE fragment makes the datagram CE. */
static int ecn_mixed(uint8_t seen)
{
    return (seen & ECN_SEEN_NOT_ECT) && (seen & ~ECN_SEEN_NOT_ECT);
}

/* Write the header in front of the payload and hand the buffer out until the next call. */
static void complete(tcpsift_defrag *d, frag_datagram *g, tcpsift_bytes *out)
{
    uint8_t *h = g->buf + TCPSIFT_DEFRAG_MAX_HEADER - g->header_len;
    memcpy(h, g->header, g->header_len);
    int ce = (g->ecn_seen & ECN_SEEN_CE) != 0; /* as ip_frag_reasm()/ip6_frag_reasm() mark it */
    if (g->version == 4) {
        if (ce) h[1] |= ECN_CE; /* before the checksum below */
        size_t total = g->header_len + (size_t)g->end;
        h[2] = (uint8_t)(total >> 8);
        h[3] = (uint8_t)total;
        h[6] &= 0xC0; /* keep reserved and DF; clear MF and the offset (RFC 791 §3.2) */
        h[7] = 0;
        h[10] = h[11] = 0;
        uint16_t sum = ipv4_header_checksum(h, g->header_len);
        h[10] = (uint8_t)(sum >> 8);
        h[11] = (uint8_t)sum;
    } else {
        if (ce) h[1] |= ECN_CE << 4; /* the traffic class's low bits (RFC 8200 §3) */
        size_t payload = g->header_len - 40u + (size_t)g->end;
        h[4] = (uint8_t)(payload >> 8);
        h[5] = (uint8_t)payload;
        h[g->next_header_at] = g->inner_next; /* the fragment header is gone (RFC 8200 §4.5) */
    }
    out->ptr = h;
    out->len = g->header_len + (size_t)g->end;
    d->done_buf = g->buf;
    d->done_cap = g->buf_cap;
    g->buf = NULL;
    g->buf_cap = 0;
    datagram_free(d, g);
    d->stats.reassembled++;
}

static tcpsift_error fail(tcpsift_defrag *d, tcpsift_error e)
{
    d->stats.errors[e]++;
    return e;
}

tcpsift_error tcpsift_defrag_feed(tcpsift_defrag *d, const tcpsift_packet *pkt, int64_t ts_ns,
                                  tcpsift_bytes *datagram, int *overlapped)
{
    if (overlapped) *overlapped = 0;
    if (!datagram) return TCPSIFT_E_INVALID_ARGUMENT;
    datagram->ptr = NULL;
    datagram->len = 0;
    if (!d || !pkt) return TCPSIFT_E_INVALID_ARGUMENT;
    drop_done(d);
    tcpsift_defrag_expire(d, ts_ns);
    d->stats.fragments++;

    frag_view v;
    tcpsift_error err = locate(pkt, &v);
    if (err != TCPSIFT_OK) return fail(d, err);
    /* A host reads each fragment's own IPv4 options and the IPv6 headers before its fragment
     * header before queueing it (Linux ip_rcv_options(), ipv6_parse_hopopts() and the extension
     * header handlers run per fragment): one it discards never joins its datagram, whichever
     * fragment it is. The headers after the fragment header are the datagram's. */
    if (!d->cfg.accept_ip_options && ip_fragment_options_discarded(pkt))
        return fail(d, TCPSIFT_E_FRAG_IP_OPTIONS);
    /* RFC 791 §3.2 / RFC 8200 §4.5: all but the last fragment carry multiples of 8 bytes. An
     * IPv4 host does not refuse one that does not: Linux ip_frag_queue() trims its end down
     * ("if (end & 7) end &= ~7;") and queues the rest, so the bytes past it are not part of the
     * fragment (the offset is a multiple of 8: trimming the length trims the end). Linux
     * ip6_frag_queue() refuses it (parameter problem), keeping the datagram's other fragments. */
    if (v.more && pkt->ip_version == 4) v.len &= ~(size_t)7;
    if (v.more && v.len % 8 != 0) return fail(d, TCPSIFT_E_FRAG_BAD_LENGTH);
    size_t end = (size_t)v.offset + v.len;
    size_t limit = pkt->ip_version == 4 ? IPV4_MAX_TOTAL - v.header_len
                                        : IPV6_MAX_PAYLOAD - (v.header_len - 40);
    if (end > limit || end > d->cfg.max_datagram_bytes) return fail(d, TCPSIFT_E_FRAG_TOO_LARGE);
    if (v.offset == 0 && v.header_len > TCPSIFT_DEFRAG_MAX_HEADER)
        return fail(d, TCPSIFT_E_FRAG_TOO_LARGE);
    /* An empty fragment is not tiny: it drops its datagram (below). */
    if (v.inner_next == IPPROTO_NUM_TCP && v.len > 0 &&
        ((v.offset == 0 && v.more && v.len < TCP_MIN_HEADER) || v.offset == 8)) {
        d->stats.tiny++;
        if (d->cfg.reject_tiny) return fail(d, TCPSIFT_E_FRAG_TINY);
    }
    /* IPv6 hosts discard a first fragment without the whole header chain (RFC 8200 §4.5, Linux
     * since 5.10): reassembling it would show a datagram the host never saw. IPv4 has no such
     * rule (RFC 1858's is reject_tiny). */
    if (pkt->ip_version == 6 && v.offset == 0 && v.more && !d->cfg.accept_incomplete_chain &&
        !header_chain_complete(v.inner_next, v.data, v.len))
        return fail(d, TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);

    uint32_t bucket = bucket_of(d, pkt, v.id);
    frag_datagram *g = find(d, pkt, &v, bucket);
    if (g && g->discarded) return fail(d, TCPSIFT_E_FRAG_DISCARDED);
    /* An empty fragment would start a datagram only to drop it (below): none is started. */
    if (!g && v.len == 0) return fail(d, TCPSIFT_E_FRAG_EMPTY);
    if (!g) g = start(d, pkt, &v, ts_ns, bucket);
    if (!v.more) {
        if (g->have_last && end != g->end) {
            datagram_free(d, g);
            return fail(d, TCPSIFT_E_FRAG_DUPLICATE_LAST);
        }
        if (g->max_end > end) {
            datagram_free(d, g);
            return fail(d, TCPSIFT_E_FRAG_TEARDROP);
        }
    } else if (g->have_last && end > g->end) {
        datagram_free(d, g);
        return fail(d, TCPSIFT_E_FRAG_TEARDROP);
    }
    /* Linux ip_frag_queue() and ip6_frag_queue(), after the checks above: "if (end == offset)
     * goto discard_qp;", last fragment or not. The queue is killed, not remembered: a later
     * fragment with the same key starts a new one (so datagram_free, not datagram_discard). */
    if (v.len == 0) {
        datagram_free(d, g);
        return fail(d, TCPSIFT_E_FRAG_EMPTY);
    }

    uint32_t run_start = v.offset;
    if (d->cfg.overlap == TCPSIFT_DEFRAG_DISCARD && !d->cfg.rfc5722_strict) {
        int conflict = 0;
        frag_overlap_kind kind =
            linux_placement(g, v.offset, (uint32_t)end, v.data, &conflict, &run_start);
        if (kind != FRAG_NO_OVERLAP) {
            d->stats.overlaps++;
            if (conflict) d->stats.conflicts++;
            if (overlapped) *overlapped = 1;
        }
        if (kind == FRAG_EXACT_DUPLICATE) {
            /* Dropped, but ip_frag_queue() took its last-fragment flag before the insert. */
            d->stats.duplicates++;
            if (!v.more) {
                g->have_last = 1;
                g->end = (uint32_t)end;
            }
            return TCPSIFT_OK;
        }
        if (kind == FRAG_OVERLAPS) {
            /* inet_frag_kill(): the queue is gone, a later fragment with its key starts anew. */
            d->stats.discarded++;
            datagram_free(d, g);
            return fail(d, TCPSIFT_E_FRAG_OVERLAP);
        }
    } else if (d->cfg.overlap == TCPSIFT_DEFRAG_DISCARD) {
        int conflict = 0;
        frag_overlap_kind kind = overlap_of(g, v.offset, (uint32_t)end, v.data, &conflict);
        /* An exact duplicate also repeats the more-fragments flag: the held piece ended the
         * datagram iff this one does. */
        if (kind == FRAG_EXACT_DUPLICATE && !v.more != (g->have_last && end == g->end))
            kind = FRAG_OVERLAPS;
        if (kind != FRAG_NO_OVERLAP) {
            d->stats.overlaps++;
            if (conflict) d->stats.conflicts++;
            if (overlapped) *overlapped = 1;
        }
        switch (kind) {
        case FRAG_NO_OVERLAP:
            break;
        case FRAG_EXACT_DUPLICATE:
            d->stats.duplicates++;
            return TCPSIFT_OK;
        case FRAG_OVERLAPS:
            datagram_discard(d, g);
            return fail(d, TCPSIFT_E_FRAG_OVERLAP);
        }
    }

    /* Room: the fragment's bytes, and at most two more pieces per piece it overlaps plus one. */
    err = reserve(d, g, end, (size_t)g->npieces * 2 + 3);
    if (err != TCPSIFT_OK) {
        if (g->npieces == 0) datagram_free(d, g);
        return fail(d, err);
    }
    if (!v.more) {
        g->have_last = 1;
        g->end = (uint32_t)end;
    }
    /* Linux ORs the codepoint of each fragment it queues (not of an exact duplicate). */
    g->ecn_seen |= (uint8_t)(1u << (pkt->ip_tos & ECN_MASK));
    if (v.offset == 0 && !g->have_header) {
        /* The first offset-0 fragment supplies the header, whatever the overlap policy. */
        memcpy(g->header, v.header, v.header_len);
        g->header_len = (uint16_t)v.header_len;
        g->next_header_at = (uint16_t)v.next_header_at;
        g->inner_next = v.inner_next;
        g->have_header = 1;
    }
    int conflict = 0;
    if (insert(d, g, v.offset, (uint32_t)end, v.data, &conflict)) {
        d->stats.overlaps++;
        if (conflict) d->stats.conflicts++;
        if (overlapped) *overlapped = 1;
    }
    if (d->cfg.overlap == TCPSIFT_DEFRAG_DISCARD) /* the fragment is one piece of its own */
        g->pieces[first_piece_ending_after(g, v.offset)].run_start = run_start;
    if (g->have_last && g->have_header && g->held == g->end) {
        /* Linux ip_frag_reasm()/ip6_frag_reasm() kill the queue, then fail on a mix. */
        if (ecn_mixed(g->ecn_seen)) {
            datagram_free(d, g);
            return fail(d, TCPSIFT_E_FRAG_ECN_MIXED);
        }
        complete(d, g, datagram);
    }
    return TCPSIFT_OK;
}
