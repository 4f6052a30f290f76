/* An embedder linking libtcpsift.a whose own functions happen to carry names of the library's
 * internal ones (decode_ipv4, decode_tcp in parser/src/decode_internal.h). The static archive
 * keeps those names local, so the library still decodes with its own code; before, the
 * linker silently bound the library's calls to these. Plain main, no CMocka: it links the
 * public archive exactly as an embedder does. */
#include <stdio.h>
#include <string.h>

#include <tcpsift/decode.h>

static int embedder_calls;

/* The embedder's own helpers: other signatures, other meanings. */
int decode_ipv4(const unsigned char *p, unsigned n);
int decode_tcp(const unsigned char *p, unsigned n);

int decode_ipv4(const unsigned char *p, unsigned n)
{
    (void)p;
    (void)n;
    return ++embedder_calls;
}

int decode_tcp(const unsigned char *p, unsigned n)
{
    (void)p;
    (void)n;
    return ++embedder_calls;
}

int main(void)
{
    /* Ethernet, 802.1Q VLAN 10, IPv4 10.0.0.1 -> 10.0.0.2, TCP SYN 80 -> 81. */
    unsigned char f[58];
    memset(f, 0, sizeof f);
    f[12] = 0x81, f[13] = 0x00, f[15] = 10, f[16] = 0x08, f[17] = 0x00;
    unsigned char *ip = f + 18, *tcp = f + 38;
    ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = 6;
    ip[12] = 10, ip[15] = 1, ip[16] = 10, ip[19] = 2;
    tcp[1] = 80, tcp[3] = 81, tcp[12] = 0x50, tcp[13] = 0x02, tcp[14] = 0xff;
    tcpsift_packet pkt;
    tcpsift_error err = tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, f, sizeof f, sizeof f);
    int ok = err == TCPSIFT_OK && (pkt.layers & TCPSIFT_LAYER_IPV4) &&
             (pkt.layers & TCPSIFT_LAYER_TCP) && pkt.sport == 80 && pkt.dport == 81 &&
             embedder_calls == 0 && decode_ipv4(f, 0) == 1 && decode_tcp(f, 0) == 2;
    printf("decode %s, layers 0x%x, ports %u -> %u, embedder's functions called %d time(s) by "
           "the library: %s\n",
           tcpsift_error_name(err), (unsigned)pkt.layers, (unsigned)pkt.sport,
           (unsigned)pkt.dport, ok ? 0 : embedder_calls, ok ? "ok" : "FAIL");
    return ok ? 0 : 1;
}
