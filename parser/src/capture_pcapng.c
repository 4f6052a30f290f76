/* pcapng files (draft-ietf-opsawg-pcapng, "PCAP Now Generic"): a sequence of blocks
 * {type, total length, body, total length again}, grouped in sections that each start with a
 * Section Header Block fixing the byte order. */
#include "capture_internal.h"
#include "cursor.h"
#include "tcpsift/capture.h"

/* Block types (pcapng section 11.1). */
#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_PB  0x00000002u /* obsolete Packet Block (Appendix A) */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u

#define SHB_BYTE_ORDER_MAGIC         0x1a2b3c4du
#define SHB_BYTE_ORDER_MAGIC_SWAPPED 0x4d3c2b1au
#define BLOCK_MIN_TOTAL              12u
#define OPT_ENDOFOPT                 0u
#define OPT_IF_TSRESOL               9u  /* section 4.2 */
#define OPT_IF_TSOFFSET              14u /* section 4.2 */
#define OPT_EPB_FLAGS                2u  /* section 4.3; also pack_flags of the obsolete PB */
#define TSRESOL_DEFAULT              6u  /* microseconds when if_tsresol is absent (section 4.2) */

#define BT_NRB 0x00000004u
#define BT_ISB 0x00000005u
#define BT_DSB 0x0000000au
#define BT_CB_COPY    0x00000badu /* custom block, may be copied */
#define BT_CB_NO_COPY 0x40000badu /* custom block, must not be copied */

/* What the block walker found. */
/* BLOCK_WAIT: a partial window ends inside the block (tcpsift_capture_wait() was called).
 * BLOCK_BAD: the block's framing is impossible (its length or byte order): resync() looks for
 * the next one. */
enum block_status { BLOCK_OK, BLOCK_END, BLOCK_FATAL, BLOCK_WAIT, BLOCK_BAD };

/* The input ends inside a block of `total` bytes (0: its length is not read yet): truncation,
 * or in a partial window the place to wait for more. */
static enum block_status block_cut(tcpsift_capture_reader *r, size_t total, tcpsift_error *err)
{
    if (r->partial_) {
        tcpsift_capture_wait(r, total);
        return BLOCK_WAIT;
    }
    *err = TCPSIFT_E_CAPTURE_TRUNCATED;
    return BLOCK_FATAL;
}

struct block {
    uint32_t type;
    tcpsift_cursor body; /* total length - 12 bytes */
};

/* A block's framing at an offset: its byte order (an SHB's own), type, total length, body. */
struct framing {
    int big;
    uint32_t type, total;
    tcpsift_cursor body;
};

enum frame_check { FRAMED, NOT_FRAMED, FRAME_NEEDS_MORE };

/* The block framed at offset q, the one check block_next() and resync() share. NOT_FRAMED: its
 * framing is impossible (an SHB of unknown byte order, a total length < 12 or not a multiple of
 * 4, a trailing length differing from the leading one); FRAME_NEEDS_MORE: the buffer ends
 * first (f->total is the block's length once read, else 0). */
static enum frame_check frame_at(const tcpsift_capture_reader *r, size_t q, struct framing *f)
{
    tcpsift_cursor c = cursor_make(r->buf_ + q, r->len_ - q);
    const uint8_t *head;
    f->type = f->total = 0;
    f->big = r->big_endian_;
    if (!cursor_peek(&c, 8, &head)) return FRAME_NEEDS_MORE;
    if (load_be32(head) == BT_SHB) { /* an SHB sets the byte order before its length is read */
        if (!cursor_peek(&c, 12, &head)) return FRAME_NEEDS_MORE;
        uint32_t m = load_be32(head + 8);
        if (m == SHB_BYTE_ORDER_MAGIC)
            f->big = 1;
        else if (m == SHB_BYTE_ORDER_MAGIC_SWAPPED)
            f->big = 0;
        else
            return NOT_FRAMED;
    }
    uint32_t type = 0, total = 0, trailer = 0;
    (void)cursor_u32_order(&c, f->big, &type); /* peeked: 8 bytes are there */
    (void)cursor_u32_order(&c, f->big, &total);
    f->type = type;
    f->total = total;
    if (total < BLOCK_MIN_TOTAL || total % 4 != 0) return NOT_FRAMED;
    if (!cursor_child(&c, total - BLOCK_MIN_TOTAL, &f->body) ||
        !cursor_u32_order(&c, f->big, &trailer))
        return FRAME_NEEDS_MORE;
    /* The trailing copy lets readers walk backwards; a mismatch means the framing is corrupt. */
    return trailer == total ? FRAMED : NOT_FRAMED;
}

/* Frame the next block at r->pos_ and, on success, advance past it (so any error found in its
 * body skips just this block). */
static enum block_status block_next(tcpsift_capture_reader *r, struct block *b, tcpsift_error *err)
{
    if (r->len_ == r->pos_) {
        if (!r->partial_) return BLOCK_END;
        tcpsift_capture_wait(r, 0);
        return BLOCK_WAIT;
    }
    struct framing f;
    enum frame_check st = frame_at(r, r->pos_, &f);
    if (st == NOT_FRAMED) return BLOCK_BAD;
    if (st == FRAME_NEEDS_MORE) return block_cut(r, f.total, err);
    b->type = f.type;
    b->body = f.body;
    if (f.type == BT_SHB) r->big_endian_ = f.big;
    r->pos_ += f.total;
    return BLOCK_OK;
}

/* ---- resynchronisation after a block whose framing is impossible ----
 *
 * Its length (or its section's byte order) is corrupt, so where the next block starts is not
 * known; rather than give up every packet after it, the reader looks for the next block in
 * 4-byte steps (blocks are 4-byte aligned): one of a known type, no larger than a packet block
 * of the largest record the reader takes (so a window can hold it), whose trailing length
 * equals its leading one. Random bytes pass all of that rarely; a real block always does. In a
 * partial window the search consumes what it has ruled out and waits for more, so a stream
 * read in windows finds the same block as the whole buffer (fuzz_capture checks both). */
#define RESYNC_MAX_TOTAL ((uint32_t)TCPSIFT_CAPTURE_MAX_CAPLEN + 4096u)

static int block_type_known(uint32_t type)
{
    switch (type) {
    case BT_SHB: case BT_IDB: case BT_PB: case BT_SPB: case BT_NRB:
    case BT_ISB: case BT_EPB: case BT_DSB: case BT_CB_COPY: case BT_CB_NO_COPY:
        return 1;
    default:
        return 0;
    }
}

/* Whether a block a resync accepts starts at offset q: soundly framed, of a known type, at most
 * RESYNC_MAX_TOTAL. FRAME_NEEDS_MORE when the bytes to tell run past the buffer (*needed: how
 * many from q, 0 if not known yet). */
static enum frame_check resync_candidate(const tcpsift_capture_reader *r, size_t q,
                                         size_t *needed)
{
    struct framing f;
    enum frame_check st = frame_at(r, q, &f);
    *needed = f.total;
    if (f.total && (!block_type_known(f.type) || f.total > RESYNC_MAX_TOTAL)) return NOT_FRAMED;
    return st;
}

/* r->resyncing_: not resyncing, searching in 4-byte steps, or first trying the bad block's own
 * leading length. */
enum { RESYNC_NONE, RESYNC_SEARCH, RESYNC_BY_LENGTH };

/* The bad block at r->pos_ is often framed by its leading length still, only its trailing copy
 * or its padding being wrong (a writer that forgot to pad leaves a length that is not a
 * multiple of 4, and every later block off the 4-byte grid the search walks). When a block the
 * search would accept starts right after it, or the input ends there, the reader goes on from
 * there and skips the bad block whole: searching inside it could take bytes of its packet data,
 * which a sender chose, for a block. BLOCK_BAD: no such block, search instead; BLOCK_WAIT: a
 * partial window ends first (the same decision is then made on more input). */
static enum block_status resync_by_length(tcpsift_capture_reader *r, tcpsift_error *err)
{
    struct framing f;
    (void)frame_at(r, r->pos_, &f); /* its leading length (0: unread, or an SHB's bad order) */
    if (f.total < BLOCK_MIN_TOTAL || f.total > RESYNC_MAX_TOTAL) return BLOCK_BAD;
    size_t needed = 0;
    enum frame_check next = FRAME_NEEDS_MORE;
    if (r->len_ - r->pos_ >= f.total) {
        size_t q = r->pos_ + f.total;
        next = q == r->len_ ? (r->partial_ ? FRAME_NEEDS_MORE : FRAMED)
                            : resync_candidate(r, q, &needed);
    }
    if (next == FRAMED) {
        r->pos_ += f.total;
        r->resyncing_ = RESYNC_NONE;
        *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
        return BLOCK_OK;
    }
    if (next == FRAME_NEEDS_MORE && r->partial_) {
        tcpsift_capture_wait(r, f.total + (needed ? needed : BLOCK_MIN_TOTAL));
        return BLOCK_WAIT;
    }
    return BLOCK_BAD;
}

/* Looks for the next block from r->pos_ (r->resyncing_ set). BLOCK_OK: found, r->pos_ is at it
 * and the bad block is reported (recoverable); BLOCK_WAIT: a partial window ran out, r->pos_
 * is where the search resumes; BLOCK_FATAL: none before the end. */
static enum block_status resync(tcpsift_capture_reader *r, tcpsift_error *err)
{
    if (r->resyncing_ == RESYNC_BY_LENGTH) {
        enum block_status st = resync_by_length(r, err);
        if (st != BLOCK_BAD) return st;
        r->pos_ += 4; /* the search starts past the bad block's first word */
        r->resyncing_ = RESYNC_SEARCH;
    }
    size_t q = r->pos_;
    for (; r->len_ - q >= 4; q += 4) {
        size_t needed;
        enum frame_check f = resync_candidate(r, q, &needed);
        if (f == FRAMED) {
            r->pos_ = q;
            r->resyncing_ = RESYNC_NONE;
            *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
            return BLOCK_OK;
        }
        if (f == FRAME_NEEDS_MORE && r->partial_) {
            r->pos_ = q;
            tcpsift_capture_wait(r, needed);
            return BLOCK_WAIT;
        }
    }
    if (r->partial_) { /* fewer than 4 bytes left at q: the next step needs more */
        r->pos_ = q;
        tcpsift_capture_wait(r, 0);
        return BLOCK_WAIT;
    }
    *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
    return BLOCK_FATAL;
}

/* Start a new section (section 4.1): check the version, reset the interface table. */
static int section_start(tcpsift_capture_reader *r, tcpsift_cursor body)
{
    uint32_t magic;
    uint16_t major, minor;
    /* magic, version, 64-bit section length: 16 bytes (total length >= 28) */
    if (!cursor_u32_order(&body, r->big_endian_, &magic) ||
        !cursor_u16_order(&body, r->big_endian_, &major) ||
        !cursor_u16_order(&body, r->big_endian_, &minor) || !cursor_skip(&body, 8))
        return 0;
    (void)minor;
    if (major != 1) return 0; /* a different major version may change every block layout */
    r->n_interfaces_ = 0;
    return 1;
}

/* Option iterator (section 3.5): 1 = an option, 0 = end, -1 = runs past the block. A run of
 * fewer than 4 bytes or a missing final padding is tolerated. */
static int option_next(tcpsift_cursor *opts, int big, uint16_t *code, tcpsift_cursor *value)
{
    if (cursor_left(opts) < 4) return 0;
    uint16_t len = 0;
    if (!cursor_u16_order(opts, big, code) || !cursor_u16_order(opts, big, &len) ||
        *code == OPT_ENDOFOPT)
        return 0;
    if (!cursor_child(opts, len, value)) return -1;
    size_t pad = (4u - len % 4u) % 4u;
    (void)cursor_skip(opts, pad <= cursor_left(opts) ? pad : cursor_left(opts));
    return 1;
}

/* Interface Description Block (section 4.2). A malformed one still takes its interface id so
 * later ids keep their meaning. Without its fixed fields its packets are refused; with them but
 * a malformed option it is reported and kept, the options before the bad one applied and the
 * rest at their defaults, as tshark reads its packets (their frame numbers stay tshark's). */
static int interface_describe(tcpsift_capture_reader *r, tcpsift_cursor body, tcpsift_error *err)
{
    if (r->n_interfaces_ >= TCPSIFT_CAPTURE_MAX_INTERFACES) {
        *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
        return -1;
    }
    tcpsift_capture_interface_ *ifc = &r->interfaces_[r->n_interfaces_++];
    ifc->linktype = -1;
    ifc->snaplen = 0;
    ifc->tsresol = TSRESOL_DEFAULT;
    ifc->tsoffset = 0;
    int big = r->big_endian_;
    uint16_t linktype, reserved;
    uint32_t snaplen;
    if (!cursor_u16_order(&body, big, &linktype) || !cursor_u16_order(&body, big, &reserved) ||
        !cursor_u32_order(&body, big, &snaplen)) {
        *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
        return -1;
    }
    uint8_t tsresol = TSRESOL_DEFAULT;
    int64_t tsoffset = 0;
    uint16_t code;
    tcpsift_cursor value;
    int more;
    while ((more = option_next(&body, big, &code, &value)) == 1) {
        if (code == OPT_IF_TSRESOL) {
            uint8_t v = 0;
            if (!cursor_u8(&value, &v) || cursor_left(&value) != 0)
                more = -1; /* not applied: the default resolution stays, as in tshark */
            else
                tsresol = v;
        } else if (code == OPT_IF_TSOFFSET) {
            uint32_t first, second;
            if (!cursor_u32_order(&value, big, &first) || !cursor_u32_order(&value, big, &second) ||
                cursor_left(&value) != 0)
                more = -1;
            else {
                uint64_t v = big ? (uint64_t)first << 32 | second : (uint64_t)second << 32 | first;
                /* Two's complement without implementation-defined conversion. */
                tsoffset = v > (uint64_t)INT64_MAX ? -(int64_t)(~v) - 1 : (int64_t)v;
            }
        }
        if (more == -1) break;
    }
    ifc->linktype = linktype;
    ifc->snaplen = snaplen;
    ifc->tsresol = tsresol;
    ifc->tsoffset = tsoffset;
    if (r->first_linktype_ < 0) r->first_linktype_ = linktype;
    if (more == -1) {
        *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
        return -1;
    }
    return 0;
}

/* Packet options: only epb_flags / pack_flags (code 2, 4 bytes) matters to us. */
static int packet_options(tcpsift_cursor opts, int big, uint32_t *flags)
{
    uint16_t code;
    tcpsift_cursor value;
    int more;
    *flags = 0;
    while ((more = option_next(&opts, big, &code, &value)) == 1) {
        if (code == OPT_EPB_FLAGS &&
            (!cursor_u32_order(&value, big, flags) || cursor_left(&value) != 0))
            return 0;
    }
    return more == 0;
}

static const tcpsift_capture_interface_ *interface_find(const tcpsift_capture_reader *r,
                                                        uint32_t id)
{
    if (id >= r->n_interfaces_ || r->interfaces_[id].linktype < 0) return NULL;
    return &r->interfaces_[id];
}

/* Skip the padding after packet data (to 4 bytes) so the options that follow line up. */
static void skip_data_padding(tcpsift_cursor *body, uint32_t caplen)
{
    size_t pad = (4u - caplen % 4u) % 4u;
    (void)cursor_skip(body, pad <= cursor_left(body) ? pad : cursor_left(body));
}

static void record_fill(tcpsift_capture_reader *r, tcpsift_capture_record *rec,
                        const tcpsift_capture_interface_ *ifc, uint32_t iface, uint32_t ts_high,
                        uint32_t ts_low)
{
    uint64_t sec;
    uint32_t nsec;
    tcpsift_capture_ts_from_units((uint64_t)ts_high << 32 | ts_low, ifc->tsresol, &sec, &nsec);
    rec->ts_sec = tcpsift_capture_add_seconds(sec, ifc->tsoffset);
    rec->ts_nsec = nsec;
    rec->ts_digits = tcpsift_capture_ts_digits(ifc->tsresol);
    rec->linktype = ifc->linktype;
    rec->interface_id = iface;
    rec->frame_number = ++r->frames_;
}

/* Enhanced Packet Block (section 4.3) and obsolete Packet Block (Appendix A): same fields but
 * for the PB's 16-bit interface id and 16-bit drop count. */
static int packet_read(tcpsift_capture_reader *r, tcpsift_cursor body, int obsolete,
                       tcpsift_capture_record *rec, tcpsift_error *err)
{
    int big = r->big_endian_;
    uint32_t iface, ts_high, ts_low, caplen, origlen;
    int ok;
    if (obsolete) {
        uint16_t id16, drops;
        ok = cursor_u16_order(&body, big, &id16) && cursor_u16_order(&body, big, &drops);
        iface = ok ? id16 : 0;
    } else {
        ok = cursor_u32_order(&body, big, &iface);
    }
    const uint8_t *data = NULL;
    ok = ok && cursor_u32_order(&body, big, &ts_high) && cursor_u32_order(&body, big, &ts_low) &&
         cursor_u32_order(&body, big, &caplen) && cursor_u32_order(&body, big, &origlen) &&
         cursor_take(&body, caplen, &data);
    uint32_t flags = 0;
    if (ok) {
        skip_data_padding(&body, caplen);
        /* Options are optional data (section 3.5) and the packet is framed without them: a
         * malformed one leaves the flags unknown (0) and the packet kept, as libpcap keeps it. */
        if (!packet_options(body, big, &flags)) flags = 0;
    }
    if (!ok) {
        *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
        return -1;
    }
    const tcpsift_capture_interface_ *ifc = interface_find(r, iface);
    if (!ifc) {
        *err = TCPSIFT_E_UNKNOWN_INTERFACE;
        return -1;
    }
    rec->data = data;
    rec->caplen = caplen;
    rec->wirelen = origlen;
    rec->epb_flags = flags;
    record_fill(r, rec, ifc, iface, ts_high, ts_low);
    return 1;
}

/* Simple Packet Block (section 4.4): interface 0, no timestamp (reported as 0), captured length
 * implied: min(original length, bytes in the block, interface snaplen when not 0). */
static int simple_packet_read(tcpsift_capture_reader *r, tcpsift_cursor body,
                              tcpsift_capture_record *rec, tcpsift_error *err)
{
    uint32_t origlen;
    if (!cursor_u32_order(&body, r->big_endian_, &origlen)) {
        *err = TCPSIFT_E_BAD_PCAPNG_BLOCK;
        return -1;
    }
    const tcpsift_capture_interface_ *ifc = interface_find(r, 0);
    if (!ifc) {
        *err = TCPSIFT_E_UNKNOWN_INTERFACE;
        return -1;
    }
    size_t caplen = cursor_left(&body);
    if (origlen < caplen) caplen = origlen;
    if (ifc->snaplen != 0 && ifc->snaplen < caplen) caplen = ifc->snaplen;
    rec->data = body.ptr;
    rec->caplen = (uint32_t)caplen; /* <= origlen, a uint32_t */
    rec->wirelen = origlen;
    rec->epb_flags = 0;
    record_fill(r, rec, ifc, 0, 0, 0);
    rec->ts_sec = 0; /* an SPB has no timestamp: if_tsoffset does not apply either */
    return 1;
}

tcpsift_error tcpsift_capture_pcapng_open(tcpsift_capture_reader *r)
{
    struct block b;
    tcpsift_error err = TCPSIFT_OK;
    r->format_ = TCPSIFT_CAPTURE_FORMAT_PCAPNG;
    /* The whole first SHB is the file header: anything short of it is not a capture (or, in a
     * partial window, not yet one: read more). */
    enum block_status st = block_next(r, &b, &err);
    if (st == BLOCK_WAIT) return TCPSIFT_E_CAPTURE_TRUNCATED;
    /* (BLOCK_BAD: a first block of impossible framing is no pcapng file: no resync here) */
    if (st != BLOCK_OK || b.type != BT_SHB || !section_start(r, b.body))
        return TCPSIFT_E_NOT_A_CAPTURE;
    return TCPSIFT_OK;
}

int tcpsift_capture_pcapng_next(tcpsift_capture_reader *r, tcpsift_capture_record *rec,
                                tcpsift_error *err)
{
    for (;;) { /* every pass consumes one block of >= 12 bytes (or 4 resync bytes), so this ends */
        if (r->resyncing_) {
            enum block_status st = resync(r, err);
            if (st == BLOCK_WAIT) return 0;
            if (st == BLOCK_OK) return -1; /* the impossible block, once; the next call reads on */
            return tcpsift_capture_fail_fatal(r, *err, err);
        }
        struct block b;
        switch (block_next(r, &b, err)) {
        case BLOCK_END:
            r->at_end_ = 1;
            return 0;
        case BLOCK_WAIT:
            return 0;
        case BLOCK_FATAL:
            return tcpsift_capture_fail_fatal(r, *err, err);
        case BLOCK_BAD:
            r->resyncing_ = RESYNC_BY_LENGTH;
            continue;
        case BLOCK_OK:
            break;
        }
        switch (b.type) {
        case BT_SHB:
            if (!section_start(r, b.body))
                return tcpsift_capture_fail_fatal(r, TCPSIFT_E_BAD_PCAPNG_BLOCK, err);
            break;
        case BT_IDB:
            if (interface_describe(r, b.body, err) < 0) return -1;
            break;
        case BT_EPB:
            return packet_read(r, b.body, 0, rec, err);
        case BT_PB:
            return packet_read(r, b.body, 1, rec, err);
        case BT_SPB:
            return simple_packet_read(r, b.body, rec, err);
        default:
            break; /* NRB, ISB, DSB, custom, local-use and unknown blocks carry no packets */
        }
    }
}
