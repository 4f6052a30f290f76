/* tcpsift stream framers: cut ONE direction of a reassembled TCP byte stream
 * into application messages (the `frames` command of contract/cli.md).
 *
 * A tcpsift_framer is caller-owned state for one direction. Bytes go in
 * through tcpsift_framer_feed() (in-order bytes), tcpsift_framer_gap()
 * (bytes reassembly never saw) and tcpsift_framer_finish() (end of stream);
 * frames come out, in the order they complete, through a callback.
 *
 * THE property: for any stream and any cut of it into feed() calls, the
 * sequence of frames (part, error, offset, len, header bytes, body bytes) is
 * identical. Every decision is taken at a fixed stream position, never at a
 * chunk boundary, and all partial state (length-field bytes, varint shift,
 * delimiter match) is carried between calls.
 *
 * ---------------------------------------------------------------- framings
 * Length-prefixed, spec `len:W[:be|le][,offset=N][,adjust=N][,max=N]`:
 *
 *     | N header bytes | W-byte length field | body ...                |
 *     ^ frame offset                         ^ reference point
 *
 *   body length = field value + adjust, where the body is ALWAYS measured
 *   from the first byte after the length field (the same reference point as
 *   Netty's lengthAdjustment). So a field that counts itself and the header
 *   bytes uses adjust = -(N + W); one that counts only the body uses 0.
 *   `max` bounds the WHOLE frame (N + W + body), checked after adjustment
 *   (tokio#4815 checked before it). W = `varint` is protobuf base-128: at most
 *   10 bytes, a value beyond 64 bits is bad_length. Fixed widths default to
 *   big-endian (network order).
 *
 * Delimiters, spec `line[,max=N]` and `delim:HEX[,max=N]`: a frame is the
 *   bytes before the delimiter (`line`: before `\n`, one preceding `\r`
 *   dropped). `max` bounds that content. The search keeps its partial-match
 *   state (KMP), so no byte is examined twice and a stream that never sends
 *   the delimiter costs linear time and at most max + delimiter bytes.
 *
 * JSON header, spec `json-header:W[:be|le][,key=K][,max=N]`: a W-byte length
 *   L, L bytes of a JSON object, then a body whose length is the object's
 *   top-level member K (default `size`; an integer >= 0). Each message gives
 *   two frames: part HEADER (offset = the length field's first byte, len = L,
 *   body = the JSON text) then part BODY (offset = the body's first byte).
 *   `max` bounds each of the two frames separately (the header frame is
 *   W + L bytes). A missing, duplicated, non-integer, negative or
 *   overflowing member, or a header that is not one valid JSON object
 *   (RFC 8259, nesting <= TCPSIFT_FRAMER_JSON_MAX_DEPTH), is bad_length.
 *
 * ---------------------------------------------------------------- errors
 * A frame that cannot be completed is delivered once with `error` set:
 *   TRUNCATED   a gap fell inside a body of known length. `segs` holds the
 *               body bytes seen before the gap (known part, from the body's
 *               first byte); framing resumes at the frame's end. Delivered
 *               when the gap arrives.
 *   DESYNC      a gap fell inside a header (length field, offset=N bytes,
 *               JSON header) or inside a delimiter search (also at a frame
 *               boundary: the gap may hide a delimiter). Length framers stop
 *               for good; delimiter framers resume after the next delimiter.
 *               `offset` is the interrupted frame's first byte, `len` the
 *               bytes of it seen (delimiters) or 0.
 *   TOO_LONG    over `max`. Length framers: delivered as soon as the length
 *               is known, `len` = declared body length; exactly that many
 *               body bytes are then skipped and framing resumes. Delimiter
 *               framers: delivered when the delimiter is found, `len` = the
 *               exact content length; discarding keeps the partial match,
 *               so a delimiter straddling a chunk boundary is never lost.
 *               json-header: an over-long BODY is skipped and framing
 *               resumes; an over-long HEADER cannot be skipped (the body
 *               length is inside it) so that direction stops after it.
 *   BAD_LENGTH  negative after adjust, a whole frame beyond 2^63, a varint
 *               over 64 bits, a bad JSON header. That direction stops.
 *   INCOMPLETE  finish() arrived mid-frame; `len` = the declared body length
 *               when known, else the bytes seen (delimiters) or 0.
 * Error frames carry no bytes (nsegs = nheader = 0) except TRUNCATED.
 *
 * ---------------------------------------------------------------- memory
 * Buffer mode, chosen at init:
 *   TCPSIFT_FRAMER_COPY_TAIL  each fed buffer may be reused as soon as feed()
 *       returns. The unfinished tail of a frame is copied into the framer's
 *       tail buffer, which grows as bytes arrive (never by a declared length)
 *       and never beyond max + offset + TCPSIFT_FRAMER_TAIL_SLACK +
 *       TCPSIFT_FRAMER_MAX_DELIM bytes. Over-long frames are skipped, never
 *       buffered.
 *   TCPSIFT_FRAMER_STABLE  the caller promises every fed buffer stays valid
 *       and unchanged until the frames using it have been delivered (e.g. a
 *       mapped file). Frames spanning chunks are delivered as lists of views
 *       into those buffers; when more than TCPSIFT_FRAMER_MAX_VIEWS views
 *       would be needed the pending views are copied into the tail buffer.
 * A frame lying entirely inside one fed chunk is, in both modes, one view
 * into that chunk (zero-copy).
 * The tail buffer is obtained from the caller's allocator hooks
 * (tcpsift_framer_alloc; NULL hooks = realloc/free of the C library). It is
 * the ONLY allocation; it happens only when a frame spans feed() calls
 * (COPY_TAIL) or needs more views than TCPSIFT_FRAMER_MAX_VIEWS (STABLE), it
 * is kept for reuse and released by tcpsift_framer_destroy(). If an
 * allocation fails, that call returns TCPSIFT_E_NO_MEMORY and the framer
 * stops (sticky). Memory per framer: sizeof(tcpsift_framer) plus the tail.
 *
 * ---------------------------------------------------------------- lifetimes
 * The tcpsift_frame passed to the callback, its `header` and `segs` arrays
 * and the bytes they point to are valid ONLY until the callback returns
 * (they may point into the framer's tail buffer or into the chunk being
 * fed). Copy what you keep (tcpsift_frame_copy_body()). The callback must
 * not call back into the same framer: while one of its feed, gap or finish
 * calls runs, those calls return TCPSIFT_E_INVALID_ARGUMENT with nothing done
 * and tcpsift_framer_destroy() frees nothing (the running call still uses
 * the framer); the getters may be called. tcpsift_framer_init() must not be.
 *
 * No global state; framers are independent. Not thread-safe per instance. */
#ifndef TCPSIFT_FRAMER_H
#define TCPSIFT_FRAMER_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsift/decode.h" /* tcpsift_bytes */
#include "tcpsift/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCPSIFT_FRAMER_DEFAULT_MAX      (16u * 1024u * 1024u)
#define TCPSIFT_FRAMER_MAX_MAX          (UINT64_C(1) << 62) /* largest accepted max=N */
#define TCPSIFT_FRAMER_MAX_DELIM        64                  /* delimiter bytes */
#define TCPSIFT_FRAMER_MAX_KEY          64                  /* json-header key bytes */
#define TCPSIFT_FRAMER_MAX_VIEWS        16 /* STABLE mode: pending views per frame */
#define TCPSIFT_FRAMER_TAIL_SLACK       16 /* room for a length field beyond max */
#define TCPSIFT_FRAMER_JSON_MAX_DEPTH   32
#define TCPSIFT_FRAMER_VARINT_MAX_BYTES 10

typedef enum tcpsift_framer_kind {
    TCPSIFT_FRAMER_LENGTH,     /* len:W */
    TCPSIFT_FRAMER_LINE,       /* line */
    TCPSIFT_FRAMER_DELIM,      /* delim:HEX */
    TCPSIFT_FRAMER_JSON_HEADER /* json-header:W */
} tcpsift_framer_kind;

/* Parsed and validated SPEC. Build it with tcpsift_framer_spec_parse(). */
typedef struct tcpsift_framer_config {
    tcpsift_framer_kind kind;
    unsigned width;         /* length-field bytes 1,2,3,4,8; 0 = varint (LENGTH only) */
    int big_endian;         /* 1 = be (default), 0 = le */
    uint64_t header_offset; /* offset=N: header bytes before the length field */
    int64_t adjust;         /* adjust=N: added to the field value (see reference point) */
    uint64_t max;           /* max=N: > 0, <= TCPSIFT_FRAMER_MAX_MAX */
    uint8_t delim[TCPSIFT_FRAMER_MAX_DELIM]; /* DELIM: the bytes; LINE: "\n" */
    size_t delim_len;
    char key[TCPSIFT_FRAMER_MAX_KEY + 1]; /* JSON_HEADER member name, NUL-terminated */
    size_t key_len;
} tcpsift_framer_config;

/* Parse a contract SPEC string. On error returns TCPSIFT_E_INVALID_ARGUMENT
 * and writes a one-line human reason into why (if why_len > 0). */
tcpsift_error tcpsift_framer_spec_parse(const char *spec, tcpsift_framer_config *out, char *why,
                                        size_t why_len);

typedef enum tcpsift_frame_part {
    TCPSIFT_FRAME_WHOLE,  /* len and delimiter frames */
    TCPSIFT_FRAME_HEADER, /* json-header: the JSON header */
    TCPSIFT_FRAME_BODY    /* json-header: the body */
} tcpsift_frame_part;

typedef enum tcpsift_frame_error {
    TCPSIFT_FRAME_OK,
    TCPSIFT_FRAME_TRUNCATED,
    TCPSIFT_FRAME_DESYNC,
    TCPSIFT_FRAME_TOO_LONG,
    TCPSIFT_FRAME_BAD_LENGTH,
    TCPSIFT_FRAME_INCOMPLETE
} tcpsift_frame_error;

/* Contract names: "truncated", "desync", "too_long", "bad_length",
 * "incomplete"; "" for OK; "unknown" out of range. */
const char *tcpsift_frame_error_name(tcpsift_frame_error err);
/* "whole", "header", "body". */
const char *tcpsift_frame_part_name(tcpsift_frame_part part);

/* One frame. All pointers valid only during the callback (see lifetimes). */
typedef struct tcpsift_frame {
    tcpsift_frame_part part;
    tcpsift_frame_error error;
    uint64_t offset;             /* stream offset of the frame's first byte (see contract) */
    uint64_t len;                /* body length (declared for length framers) */
    const tcpsift_bytes *header; /* offset=N bytes before the length field */
    size_t nheader;
    const tcpsift_bytes *segs; /* body bytes present, in order */
    size_t nsegs;
    uint64_t data_len; /* sum of segs[].len: len when OK, known part when TRUNCATED */
} tcpsift_frame;

typedef void (*tcpsift_frame_cb)(void *ctx, const tcpsift_frame *frame);

/* Copy up to cap body bytes of a frame into out; returns bytes copied. */
size_t tcpsift_frame_copy_body(const tcpsift_frame *frame, uint8_t *out, size_t cap);

typedef enum tcpsift_framer_mode {
    TCPSIFT_FRAMER_COPY_TAIL,
    TCPSIFT_FRAMER_STABLE
} tcpsift_framer_mode;

/* Allocator hooks for the tail buffer. realloc_fn(ctx, NULL, n) allocates;
 * it returns NULL on failure (the old block stays owned by the framer). */
typedef struct tcpsift_framer_alloc {
    void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
    void (*free_fn)(void *ctx, void *ptr);
    void *ctx;
} tcpsift_framer_alloc;

/* Private: fields are not API. Caller-owned; sizes fixed at compile time.
 *
 * A framer is two parts. The SETUP is what init fixes and nothing changes afterwards (the
 * config, the buffer mode, the allocator hooks, the delimiter's KMP failure table); the STATE is
 * one direction's progress. tcpsift_framer holds one of each; the tracker holds one setup and a
 * state per direction, since every direction it frames has the same setup (issue 9: memory per
 * connection). */
typedef struct tcpsift_framer_setup {
    tcpsift_framer_config cfg; /* its first fields (kind, the length field's shape): every feed */
    tcpsift_framer_mode mode;
    size_t tail_limit; /* the tail buffer never grows beyond (from cfg) */
    tcpsift_framer_alloc alloc;
    uint8_t fail[TCPSIFT_FRAMER_MAX_DELIM]; /* KMP failure table of cfg.delim */
} tcpsift_framer_setup;

/* What every feed reads and writes comes first: 64 bytes, one cache line when the state starts
 * on one (issue 9: with thousands of connections open, each line of stream state a packet
 * touches is a likely cache miss). Then what a length field split across chunks, a delimiter
 * search or a tail needs. */
typedef struct tcpsift_framer_state {
    uint64_t pos;         /* stream offset of the next byte */
    uint64_t frame_start; /* stream offset of the current frame's first byte */
    uint64_t need;        /* bytes still needed in the current phase */
    /* pending frame bytes = tail[0..tail_len) followed by views[0..nviews) */
    size_t nviews;
    size_t tail_len;
    tcpsift_bytes *views; /* TCPSIFT_FRAMER_MAX_VIEWS entries, the owner's (below) */
    int phase;            /* kind-specific state */
    tcpsift_error sticky; /* NO_MEMORY once allocation failed */
    unsigned field_got;   /* length-field bytes consumed */
    uint8_t stopped;      /* direction stopped (desync / bad_length / no memory) */
    uint8_t finished;
    uint8_t last_cr; /* line: last content byte was a carriage return (CR) */
    uint8_t match; /* delimiter bytes currently matched (KMP state), <= TCPSIFT_FRAMER_MAX_DELIM */
    uint64_t field_value; /* the length field decoded so far */
    uint64_t body_len;    /* declared body / JSON header length */
    uint64_t msg_start;   /* json-header: offset of the message */
    uint64_t seen; /* delimiter search: bytes since frame start, final delimiter byte excluded */
    uint8_t *tail;
    size_t tail_cap;
    uint64_t copied_bytes; /* bytes copied into the tail buffer */
} tcpsift_framer_state;

/* The views' storage is the owner's: a standalone framer's own array (pointed to again at
 * every call, so a framer may be copied by value); in a tracker, one scratch array while a
 * chunk is fed, and a pooled block of its own for a direction whose frame spans chunks (issue 9:
 * most directions hold no pending views between packets). */
typedef struct tcpsift_framer {
    tcpsift_framer_state state;
    tcpsift_framer_setup setup;
    tcpsift_bytes views[TCPSIFT_FRAMER_MAX_VIEWS];
    uint8_t busy; /* a feed, gap or finish call is running (its callback may be) */
} tcpsift_framer;

/* Initialise f for one direction. cfg is copied (validated again: an invalid
 * config gives TCPSIFT_E_INVALID_ARGUMENT). alloc may be NULL (C library).
 * Nothing is allocated here. */
tcpsift_error tcpsift_framer_init(tcpsift_framer *f, const tcpsift_framer_config *cfg,
                                  tcpsift_framer_mode mode, const tcpsift_framer_alloc *alloc);

/* Release the tail buffer. f may then be initialised again. */
void tcpsift_framer_destroy(tcpsift_framer *f);

/* In-order stream bytes; the stream offset advances by len. Frames that
 * complete are delivered through cb before the call returns. Returns
 * TCPSIFT_E_NO_MEMORY (sticky, framer stopped) if the tail buffer could not
 * grow, TCPSIFT_E_INVALID_ARGUMENT on misuse (after finish, NULL data with
 * len > 0, offset overflow); TCPSIFT_OK otherwise, whatever the frames. */
tcpsift_error tcpsift_framer_feed(tcpsift_framer *f, const uint8_t *data, size_t len,
                                  tcpsift_frame_cb cb, void *ctx);

/* The same for a chunk that is valid only during this call (e.g. bytes a
 * reassembler delivered from its own buffer) in a STABLE framer: its
 * unfinished tail, and anything pending before it, is copied before the call
 * returns. In COPY_TAIL mode it is tcpsift_framer_feed(). */
tcpsift_error tcpsift_framer_feed_transient(tcpsift_framer *f, const uint8_t *data, size_t len,
                                            tcpsift_frame_cb cb, void *ctx);
/* gap_len bytes that were never seen; the stream offset advances by it. */
tcpsift_error tcpsift_framer_gap(tcpsift_framer *f, uint64_t gap_len, tcpsift_frame_cb cb,
                                 void *ctx);

/* End of stream: an unfinished frame is delivered as INCOMPLETE. Later
 * feed/gap calls are refused. */
tcpsift_error tcpsift_framer_finish(tcpsift_framer *f, tcpsift_frame_cb cb, void *ctx);

/* Stream offset of the next byte expected. */
uint64_t tcpsift_framer_offset(const tcpsift_framer *f);
/* 1 when this direction stopped (desync/bad_length on a length framer, no memory). */
int tcpsift_framer_stopped(const tcpsift_framer *f);
/* Bytes copied into the tail buffer so far: 0 in STABLE mode while every frame needs at most
 * TCPSIFT_FRAMER_MAX_VIEWS views and no chunk was fed transient. */
uint64_t tcpsift_framer_copied_bytes(const tcpsift_framer *f);

#ifdef __cplusplus
}
#endif
#endif
