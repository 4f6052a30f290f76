/* A fixed-width table: one line per connection, endpoints as addr:port
 * ([addr]:port for IPv6), each endpoint's state, how it ended, Zeek's
 * conn_state and history, then packets/bytes each way as c2s/s2c. */
#include "conn_table.h"

#include <arpa/inet.h>
#include <sys/socket.h>

static void endpoint(char *out, size_t size, const uint8_t *addr, uint8_t version, uint16_t port)
{
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(version == 4 ? AF_INET : AF_INET6, addr, text, sizeof text)) text[0] = '\0';
    snprintf(out, size, version == 4 ? "%s:%u" : "[%s]:%u", text, (unsigned)port);
}

void conn_table_header(FILE *out)
{
    fprintf(out, "%-5s %-5s %-21s %-21s %-12s %-12s %-14s %-5s %-12s %15s %21s %s\n", "ID", "PROTO",
            "CLIENT", "SERVER", "CLIENT_STATE", "SERVER_STATE", "END", "ZEEK", "HISTORY",
            "PKTS c2s/s2c", "BYTES c2s/s2c", "NOTES");
}

void conn_table_row(FILE *out, const tcpsift_conn_info *c, const uint8_t *client_addr,
                    const uint8_t *server_addr, const char *conn_state, const char *history)
{
    char client[INET6_ADDRSTRLEN + 9], server[INET6_ADDRSTRLEN + 9];
    endpoint(client, sizeof client, client_addr, c->ip_version, c->client_port);
    endpoint(server, sizeof server, server_addr, c->ip_version, c->server_port);
    int tcp = c->proto == 6;
    char pkts[48], bytes[48];
    snprintf(pkts, sizeof pkts, "%llu/%llu", (unsigned long long)c->client.pkts,
             (unsigned long long)c->server.pkts);
    snprintf(bytes, sizeof bytes, "%llu/%llu", (unsigned long long)c->client.bytes,
             (unsigned long long)c->server.bytes);
    fprintf(out, "%-5llu %-5s %-21s %-21s %-12s %-12s %-14s %-5s %-12s %15s %21s",
            (unsigned long long)c->id, tcp ? "tcp" : "udp", client, server,
            tcp ? tcpsift_tcp_state_name(c->client.state) : "-",
            tcp ? tcpsift_tcp_state_name(c->server.state) : "-",
            tcp ? tcpsift_conn_end_name(c->end) : "-", tcp ? conn_state : "-",
            tcp && history[0] ? history : "-", pkts, bytes);
    if (tcp && (c->client.gap_bytes || c->server.gap_bytes))
        fprintf(out, " gaps %llu/%llu", (unsigned long long)c->client.gap_bytes,
                (unsigned long long)c->server.gap_bytes);
    if (c->direction_guessed) fputs(" direction-guessed", out);
    if (c->timed_out) fputs(" timed-out", out);
    if (c->evicted) fputs(" evicted", out);
    fputc('\n', out);
}

void conn_table_summary(FILE *out, const tcpsift_tracker_stats *s, const tcpsift_defrag_stats *d,
                        uint64_t frames)
{
    fprintf(out,
            "\n%llu frames: %llu TCP, %llu UDP, %llu other, %llu malformed, %llu bad checksum\n"
            "%llu TCP connections, %llu UDP flows, %llu evicted, %llu timed out\n",
            (unsigned long long)frames, (unsigned long long)s->tcp_packets,
            (unsigned long long)s->udp_packets, (unsigned long long)s->other_packets,
            (unsigned long long)s->malformed, (unsigned long long)s->bad_checksum,
            (unsigned long long)s->tcp_connections, (unsigned long long)s->udp_flows,
            (unsigned long long)s->evicted, (unsigned long long)s->timed_out);
    if (d)
        fprintf(out,
                "%llu IP fragments: %llu datagrams reassembled, %llu overlapping fragments "
                "(%llu conflicting, %llu exact duplicates), %llu datagrams discarded\n",
                (unsigned long long)d->fragments, (unsigned long long)d->reassembled,
                (unsigned long long)d->overlaps, (unsigned long long)d->conflicts,
                (unsigned long long)d->duplicates, (unsigned long long)d->discarded);
    int any = 0;
    for (unsigned a = 1; a < TCPSIFT_ANOMALY_COUNT; a++) {
        if (!s->events[a]) continue;
        fprintf(out, "%s%s %llu", any ? ", " : "events: ", tcpsift_anomaly_name((tcpsift_anomaly)a),
                (unsigned long long)s->events[a]);
        any = 1;
    }
    if (any) fputc('\n', out);
}
