/* tcpsift flow table: a bounded, hash-flood-resistant table of flows keyed by
 * the canonical 5-tuple (tcpsift/flow_key.h).
 *
 * Memory. Everything is allocated once, at create time, in one block through
 * the embedder's allocator: a pool of `max_connections` full entries, each
 * carrying `value_size` bytes of opaque user state, and a separate pool of
 * `embryo_capacity` compact embryos for half-open (SYN-only) TCP flows, so a
 * SYN flood can only churn the embryo pool and never takes full state. No
 * call after create allocates. Create fails with TCPSIFT_E_NO_MEMORY when the
 * block would exceed `memcap_bytes` or the allocator fails.
 *
 * Keys. A slot stores an IPv4 flow's key outside a keyed tunnel in 16 bytes;
 * any other key (IPv6, tunnel keyed) in a 48-byte side slot of its own,
 * reserved at create beside each pool slot (counted in the block; its memory
 * is touched only by flows that need it). So keys are read by copy:
 * tcpsift_flow_entry_key_get(), tcpsift_flow_embryo_key_get() and the
 * `key` of tcpsift_flow_view. (An API change within 0.1, soname 0:
 * tcpsift_flow_entry_key() and tcpsift_flow_embryo_key() returned a pointer
 * into the table and the view held a pointer; both are gone.)
 *
 * Hashing. Buckets are chosen by SipHash-1-3 of the key under the 128-bit
 * `hash_key` of this table instance: an attacker who does not know the key
 * cannot aim tuples at one bucket. Give each table a random key (tests use a
 * fixed one). Lookup is O(1) expected. SipHash-1-3 rather than the paper's
 * 2-4: the variant Rust's HashMap and CPython use for the same defence, at
 * about half the rounds; the key is hashed once per packet. The tracker's
 * per-packet lookups first try a small recent-flow index (up to 16,384 words
 * of 8 bytes, in the block): a keyed hint naming the slot last used by the
 * packet's IPv4 flow, taken only when that slot holds the very key, so hints
 * never change a result and tuples aimed at the index only bring the SipHash
 * lookup back.
 *
 * Time. All times are PACKET times in nanoseconds. The table keeps a clock
 * that only moves forward: a timestamp older than the clock is treated as
 * the clock (time going backwards never expires anything and never yields a
 * negative idle time); a jump forward expires, in one expire call, every
 * flow idle past its timeout, in time linear in the number expired.
 *
 * Eviction order, when a pool is full and a flow must be added:
 *   - embryo pool: the embryo idle longest (least recently touched);
 *   - full pool: the full entry of class EMBRYONIC idle longest, if any;
 *     otherwise the entry idle longest over the classes ESTABLISHED,
 *     CLOSING and UDP (ties: ESTABLISHED, then CLOSING, then UDP; within a
 *     class, the one touched first).
 * Eviction depends only on the sequence of calls and times, never on the
 * hash key, so it is deterministic for any key. Every eviction and timeout
 * calls the remove callback BEFORE the flow leaves the table.
 *
 * Iteration (tcpsift_flow_table_foreach) visits embryos and full entries
 * together in insertion order; a promoted embryo keeps its place.
 *
 * Handles (tcpsift_flow_entry *, tcpsift_flow_embryo *) stay valid until the
 * flow is removed, evicted, expired or promoted. From a callback (remove or
 * visit), the functions that change the table are refused: insert,
 * embryo_insert and embryo_promote return TCPSIFT_E_INVALID_ARGUMENT,
 * expire and expire_some return 0, and touch, remove, embryo_touch,
 * embryo_remove and destroy do nothing. Lookups, getters and foreach may be
 * called. Two tables share nothing. */
#ifndef TCPSIFT_FLOW_TABLE_H
#define TCPSIFT_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/alloc.h"
#include "tcpsift/error.h"
#include "tcpsift/flow_key.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Idle-timeout class of a flow; each class has its own timeout. */
enum tcpsift_flow_class {
    TCPSIFT_FLOW_EMBRYONIC = 0, /* handshake not complete (every embryo is in this class) */
    TCPSIFT_FLOW_ESTABLISHED = 1,
    TCPSIFT_FLOW_CLOSING = 2, /* FIN or RST seen, TIME_WAIT */
    TCPSIFT_FLOW_UDP = 3
};
#define TCPSIFT_FLOW_CLASS_COUNT 4

enum tcpsift_flow_remove_reason {
    TCPSIFT_FLOW_TIMED_OUT = 0, /* idle past its class timeout */
    TCPSIFT_FLOW_EVICTED = 1    /* pushed out to make room */
};

/* Largest embryo payload: embryos must stay compact. */
#define TCPSIFT_FLOW_EMBRYO_VALUE_MAX 64
/* Pool sizes are bounded so indices fit in 32 bits with room for a tag. */
#define TCPSIFT_FLOW_MAX_CAPACITY (UINT32_C(1) << 30)
/* Largest value_size a table takes (1 MiB): a larger one is TCPSIFT_E_INVALID_ARGUMENT. */
#define TCPSIFT_FLOW_VALUE_MAX ((size_t)1 << 20)
/* User payloads start at an 8-byte-aligned address. */
#define TCPSIFT_FLOW_VALUE_ALIGN 8
/* A timeout that never fires. */
#define TCPSIFT_FLOW_NO_TIMEOUT UINT64_MAX

/* Default timeouts. Embryonic: a SYN unanswered for 30 s is dead (Linux
 * gives up after ~127 s of retries; a passive observer can be shorter).
 * Established: 5 min, Zeek's tcp_inactivity_timeout. Closing: 2*MSL with
 * MSL = 2 min (RFC 9293 section 3.4.2). UDP: 1 min, Zeek's
 * udp_inactivity_timeout. */
#define TCPSIFT_FLOW_DEFAULT_EMBRYONIC_NS   (UINT64_C(30) * 1000000000u)
#define TCPSIFT_FLOW_DEFAULT_ESTABLISHED_NS (UINT64_C(300) * 1000000000u)
#define TCPSIFT_FLOW_DEFAULT_CLOSING_NS     (UINT64_C(240) * 1000000000u)
#define TCPSIFT_FLOW_DEFAULT_UDP_NS         (UINT64_C(60) * 1000000000u)

typedef struct tcpsift_flow_table tcpsift_flow_table;
typedef struct tcpsift_flow_entry tcpsift_flow_entry;   /* full entry (opaque) */
typedef struct tcpsift_flow_embryo tcpsift_flow_embryo; /* half-open flow (opaque) */

/* What a callback sees of one flow, full entry or embryo. The key is a copy
 * (the table stores most keys in a compact form, see "Memory" above). */
typedef struct tcpsift_flow_view {
    tcpsift_flow_key key;
    uint64_t last_seen_ns;
    enum tcpsift_flow_class cls; /* EMBRYONIC for every embryo */
    void *value;                 /* user payload */
    size_t value_size;
    tcpsift_flow_entry *entry;   /* the full entry, NULL for an embryo */
    tcpsift_flow_embryo *embryo; /* the embryo, NULL for a full entry */
} tcpsift_flow_view;

/* Called for each flow that times out or is evicted, before it is removed. */
typedef void (*tcpsift_flow_remove_fn)(void *ctx, const tcpsift_flow_view *flow,
                                       enum tcpsift_flow_remove_reason reason);
/* Called for each flow by foreach; return non-zero to stop. */
typedef int (*tcpsift_flow_visit_fn)(void *ctx, const tcpsift_flow_view *flow);

typedef struct tcpsift_flow_table_config {
    uint32_t max_connections; /* full entries, 1..TCPSIFT_FLOW_MAX_CAPACITY */
    uint32_t embryo_capacity; /* embryos, 0..TCPSIFT_FLOW_MAX_CAPACITY (0: no embryo pool) */
    size_t memcap_bytes;      /* cap on the bytes allocated at create; 0 = no cap */
    size_t value_size;        /* user bytes per full entry, <= TCPSIFT_FLOW_VALUE_MAX */
    size_t embryo_value_size; /* user bytes per embryo, <= value_size and <= ..._VALUE_MAX */
    uint8_t hash_key[16];     /* SipHash key of this instance: make it random */
    int key_vlan;             /* non-zero: the VLAN id is part of the key */
    int key_tunnel;           /* non-zero: the tunnel id (and its kind) is part of the key */
    uint64_t timeout_ns[TCPSIFT_FLOW_CLASS_COUNT]; /* idle timeout by enum tcpsift_flow_class */
    const tcpsift_allocator *allocator;            /* NULL: malloc/free */
    tcpsift_flow_remove_fn on_evict;               /* called for evictions on insert; may be NULL */
    void *on_evict_ctx;
} tcpsift_flow_table_config;

typedef struct tcpsift_flow_table_stats {
    uint64_t inserts;        /* full entries added (tcpsift_flow_table_insert) */
    uint64_t embryo_inserts; /* embryos added */
    uint64_t promotions;     /* embryos promoted to full entries */
    uint64_t removals;       /* flows removed by the caller (full + embryo) */
    uint64_t evictions[TCPSIFT_FLOW_CLASS_COUNT]; /* full entries evicted, by class */
    uint64_t embryo_evictions;
    uint64_t timeouts[TCPSIFT_FLOW_CLASS_COUNT]; /* full entries timed out, by class */
    uint64_t embryo_timeouts;
    uint64_t memcap_hits; /* adds that found their pool full (each evicted one flow) */
    uint32_t entries;     /* full entries now */
    uint32_t embryos;     /* embryos now */
    uint32_t peak_entries;
    uint32_t peak_embryos;
    size_t bytes_allocated; /* bytes taken from the allocator (all at create) */
} tcpsift_flow_table_stats;

/* Fills `cfg` with defaults: 65536 connections, 16384 embryos, no memcap,
 * no payload, an all-zero hash key (replace it), VLAN and tunnel not keyed, the default
 * timeouts above, malloc/free, no eviction callback. */
void tcpsift_flow_table_config_init(tcpsift_flow_table_config *cfg);

/* Bytes tcpsift_flow_table_create() would allocate for `cfg`.
 * TCPSIFT_E_INVALID_ARGUMENT for a bad configuration, TCPSIFT_E_NO_MEMORY
 * when the size overflows size_t or exceeds the memcap. */
tcpsift_error tcpsift_flow_table_memory_needed(const tcpsift_flow_table_config *cfg, size_t *bytes);

tcpsift_error tcpsift_flow_table_create(const tcpsift_flow_table_config *cfg,
                                        tcpsift_flow_table **out);
/* Frees the table (NULL is fine); no callbacks are called. */
void tcpsift_flow_table_destroy(tcpsift_flow_table *t);

/* ---- full entries */

/* The full entry for `key`, or NULL. Does not touch it. */
tcpsift_flow_entry *tcpsift_flow_table_lookup(tcpsift_flow_table *t, const tcpsift_flow_key *key);

/* Adds a full entry of class `cls` for `key`, last seen at `now_ns`, with a
 * zeroed payload. When the pool is full, first evicts one entry (order in
 * the header comment), calling `on_evict`. TCPSIFT_E_INVALID_ARGUMENT when
 * `key` already has a full entry or `cls` is out of range. An embryo with the
 * same key is not looked at: promote or remove it first. */
tcpsift_error tcpsift_flow_table_insert(tcpsift_flow_table *t, const tcpsift_flow_key *key,
                                        uint64_t now_ns, enum tcpsift_flow_class cls,
                                        tcpsift_flow_entry **out);

/* Records activity at `now_ns` and sets the class (the entry becomes the
 * most recently used of its class; an out-of-range class keeps the current
 * one). */
void tcpsift_flow_table_touch(tcpsift_flow_table *t, tcpsift_flow_entry *e, uint64_t now_ns,
                              enum tcpsift_flow_class cls);

/* Removes an entry without calling any callback. */
void tcpsift_flow_table_remove(tcpsift_flow_table *t, tcpsift_flow_entry *e);

/* Copies the entry's (normalised) key to `*out`: all zero for a NULL entry;
 * a NULL `out` is ignored. */
void tcpsift_flow_entry_key_get(const tcpsift_flow_entry *e, tcpsift_flow_key *out);
void *tcpsift_flow_entry_value(tcpsift_flow_entry *e); /* value_size bytes, 8-aligned; NULL for NULL */
uint64_t tcpsift_flow_entry_last_seen(const tcpsift_flow_entry *e);
enum tcpsift_flow_class tcpsift_flow_entry_class(const tcpsift_flow_entry *e);

/* ---- embryos (half-open TCP flows) */

/* The embryo for `key`, or NULL. Does not touch it. */
tcpsift_flow_embryo *tcpsift_flow_table_embryo_lookup(tcpsift_flow_table *t,
                                                      const tcpsift_flow_key *key);

/* Adds an embryo for `key` seen at `now_ns`: `isn` is the SYN's sequence
 * number, `syn_reversed` the direction of the SYN (as returned by
 * tcpsift_flow_key_make). When the embryo pool is full, first evicts the
 * embryo idle longest, calling `on_evict`. TCPSIFT_E_NO_MEMORY when the table
 * has no embryo pool; TCPSIFT_E_INVALID_ARGUMENT when `key` already has an
 * embryo. The embryo payload starts zeroed. */
tcpsift_error tcpsift_flow_table_embryo_insert(tcpsift_flow_table *t, const tcpsift_flow_key *key,
                                               uint64_t now_ns, uint32_t isn, int syn_reversed,
                                               tcpsift_flow_embryo **out);

/* Records activity at `now_ns` (a SYN retransmission). */
void tcpsift_flow_table_embryo_touch(tcpsift_flow_table *t, tcpsift_flow_embryo *em,
                                     uint64_t now_ns);

/* Turns an embryo into a full entry of class `cls` seen at `now_ns`: the key
 * is kept, the embryo payload is copied to the start of the entry payload
 * (the rest zeroed), the flow keeps its place in insertion order, and the
 * embryo is freed (its handle becomes invalid; read what you need first).
 * When the full pool is full, first evicts one entry, calling `on_evict`.
 * TCPSIFT_E_INVALID_ARGUMENT (embryo kept) when `key` already has a full
 * entry or `cls` is out of range. */
tcpsift_error tcpsift_flow_table_embryo_promote(tcpsift_flow_table *t, tcpsift_flow_embryo *em,
                                                uint64_t now_ns, enum tcpsift_flow_class cls,
                                                tcpsift_flow_entry **out);

/* Removes an embryo without calling any callback. */
void tcpsift_flow_table_embryo_remove(tcpsift_flow_table *t, tcpsift_flow_embryo *em);

/* The same for an embryo. */
void tcpsift_flow_embryo_key_get(const tcpsift_flow_embryo *em, tcpsift_flow_key *out);
void *tcpsift_flow_embryo_value(tcpsift_flow_embryo *em); /* embryo_value_size bytes; NULL for NULL */
uint64_t tcpsift_flow_embryo_last_seen(const tcpsift_flow_embryo *em);
uint32_t tcpsift_flow_embryo_isn(const tcpsift_flow_embryo *em);
int tcpsift_flow_embryo_syn_reversed(const tcpsift_flow_embryo *em);

/* ---- time, iteration, accounting */

/* Advances the clock to `now_ns` (never backwards) and removes every flow
 * idle longer than its class timeout (idle > timeout), calling `cb` (or, when
 * NULL, the table's `on_evict`) with TCPSIFT_FLOW_TIMED_OUT before each
 * removal. Order: embryos, then full entries by class (EMBRYONIC,
 * ESTABLISHED, CLOSING, UDP), least recently touched first within each.
 * Returns the number removed; work is linear in that number. */
size_t tcpsift_flow_table_expire(tcpsift_flow_table *t, uint64_t now_ns, tcpsift_flow_remove_fn cb,
                                 void *ctx);

/* The same, removing at most `max_flows` flows (bounded work per call, for a
 * live capture loop); call again to continue. */
size_t tcpsift_flow_table_expire_some(tcpsift_flow_table *t, uint64_t now_ns, size_t max_flows,
                                      tcpsift_flow_remove_fn cb, void *ctx);

/* Visits every flow (embryos and full entries) in insertion order. Returns
 * the number visited. */
size_t tcpsift_flow_table_foreach(tcpsift_flow_table *t, tcpsift_flow_visit_fn cb, void *ctx);

/* The table clock: the latest packet time seen (0 before any). */
uint64_t tcpsift_flow_table_now(const tcpsift_flow_table *t);

void tcpsift_flow_table_get_stats(const tcpsift_flow_table *t, tcpsift_flow_table_stats *out);

/* Bytes one full entry / one embryo occupies in its pool, payload included. */
size_t tcpsift_flow_table_entry_size(const tcpsift_flow_table *t);
size_t tcpsift_flow_table_embryo_size(const tcpsift_flow_table *t);

/* Length of the longest bucket chain (full entries), walking every bucket:
 * for tests and diagnostics of hash quality, not for the packet path. */
uint32_t tcpsift_flow_table_longest_chain(const tcpsift_flow_table *t);

const char *tcpsift_flow_class_name(enum tcpsift_flow_class cls);
const char *tcpsift_flow_remove_reason_name(enum tcpsift_flow_remove_reason reason);

#ifdef __cplusplus
}
#endif
#endif
