/* bench_pcaploop: a bare libpcap read loop (pcap_next_ex, no work), the end-to-end reference
 * the CLI must not be slower than (issue 9).  bench_pcaploop FILE  -> {"packets": N} */
#define _DEFAULT_SOURCE /* pcap.h needs the BSD types (u_int, u_char) */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: bench_pcaploop FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "bench_pcaploop: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long packets = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen + data[0]; /* touch the packet's first byte */
    }
    pcap_close(p);
    printf("{\"packets\": %llu, \"sink\": %llu}\n", packets, bytes & 0xff);
    return rc == PCAP_ERROR_BREAK ? 0 : 1;
}
