/* Classic pcap files: a 24-byte global header, then 16-byte record headers each followed by
 * caplen bytes (https://www.tcpdump.org/manpages/pcap-savefile.5.html, draft-ietf-opsawg-pcap). */
#include "capture_internal.h"
#include "cursor.h"
#include "tcpsift/capture.h"

#define PCAP_MAGIC_USEC      0xa1b2c3d4u
#define PCAP_MAGIC_NSEC      0xa1b23c4du
#define PCAP_FILE_HEADER_LEN 24u
#define PCAP_VERSION_MAJOR   2u

tcpsift_error tcpsift_capture_pcap_open(tcpsift_capture_reader *r)
{
    tcpsift_cursor c = cursor_make(r->buf_, r->len_);
    const uint8_t *hdr;
    if (!cursor_peek(&c, PCAP_FILE_HEADER_LEN, &hdr)) return TCPSIFT_E_NOT_A_CAPTURE;
    uint32_t magic_be = load_be32(hdr);
    /* The writer stored the magic in its own byte order: reading it big-endian tells which. */
    int big = magic_be == PCAP_MAGIC_USEC || magic_be == PCAP_MAGIC_NSEC;
    uint32_t magic, snaplen, linktype_field, thiszone, sigfigs;
    uint16_t major, minor;
    if (!cursor_u32_order(&c, big, &magic) || !cursor_u16_order(&c, big, &major) ||
        !cursor_u16_order(&c, big, &minor) || !cursor_u32_order(&c, big, &thiszone) ||
        !cursor_u32_order(&c, big, &sigfigs) || !cursor_u32_order(&c, big, &snaplen) ||
        !cursor_u32_order(&c, big, &linktype_field))
        return TCPSIFT_E_NOT_A_CAPTURE;
    if (major != PCAP_VERSION_MAJOR) return TCPSIFT_E_NOT_A_CAPTURE;
    (void)minor;    /* 2.2 .. 2.4 exist in the wild and share the record layout */
    (void)thiszone; /* always 0 in practice; tshark ignores it too */
    (void)sigfigs;
    (void)snaplen; /* records above snaplen are accepted; TCPSIFT_CAPTURE_MAX_CAPLEN bounds them */
    r->format_ = TCPSIFT_CAPTURE_FORMAT_PCAP;
    r->big_endian_ = big;
    r->pcap_nsec_ = magic == PCAP_MAGIC_NSEC;
    /* The upper bits of this field carry FCS presence/length (pcap-savefile(5) LinkType and
     * additional information); the link type proper is the low 16 bits. */
    r->first_linktype_ = (int)(linktype_field & 0xffffu);
    r->pos_ = PCAP_FILE_HEADER_LEN;
    return TCPSIFT_OK;
}

int tcpsift_capture_pcap_next(tcpsift_capture_reader *r, tcpsift_capture_record *rec,
                              tcpsift_error *err)
{
    size_t left = r->len_ - r->pos_;
    if (left == 0) {
        r->at_end_ = 1;
        return 0;
    }
    tcpsift_cursor c = cursor_make(r->buf_ + r->pos_, left);
    int big = r->big_endian_;
    uint32_t ts_sec, ts_frac, caplen, wirelen;
    if (!cursor_u32_order(&c, big, &ts_sec) || !cursor_u32_order(&c, big, &ts_frac) ||
        !cursor_u32_order(&c, big, &caplen) || !cursor_u32_order(&c, big, &wirelen))
        return tcpsift_capture_fail_fatal(r, TCPSIFT_E_CAPTURE_TRUNCATED, err);
    /* A caplen this large is a corrupt header: the next record cannot be located, so stop. */
    if (caplen > TCPSIFT_CAPTURE_MAX_CAPLEN)
        return tcpsift_capture_fail_fatal(r, TCPSIFT_E_BAD_CAPTURE_RECORD, err);
    const uint8_t *data;
    if (!cursor_take(&c, caplen, &data))
        return tcpsift_capture_fail_fatal(r, TCPSIFT_E_CAPTURE_TRUNCATED, err);
    r->pos_ = r->len_ - cursor_left(&c);

    /* A fraction of a second or more (writers that never normalised) is carried into seconds. */
    uint32_t per_sec = r->pcap_nsec_ ? 1000000000u : 1000000u;
    rec->data = data;
    rec->caplen = caplen; /* kept even when > wirelen, as tshark does */
    rec->wirelen = wirelen;
    rec->ts_sec = (int64_t)ts_sec + (int64_t)(ts_frac / per_sec);
    rec->ts_nsec = (ts_frac % per_sec) * (r->pcap_nsec_ ? 1u : 1000u);
    rec->ts_digits = r->pcap_nsec_ ? 9 : 6;
    rec->linktype = r->first_linktype_;
    rec->interface_id = 0;
    rec->epb_flags = 0;
    rec->frame_number = ++r->frames_;
    *err = TCPSIFT_OK;
    return 1;
}
