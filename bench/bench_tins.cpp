// bench_tins: the libtins peer of bench_inproc's full tier (issue 9).
//
//   bench_tins --capture FILE [--truth FILE.json] [--repeat N] [--e2e]
//
// --e2e: libtins reads the file itself (FileSniffer), for end-to-end timing by the caller.
//
// The same job as tcpsift's full pipeline: TCPIP::StreamFollower reassembles every TCP
// connection and each direction is cut into 4-byte big-endian length-prefixed frames, counted.
// The capture is loaded into memory first; each record becomes an EthernetII PDU (what
// FileSniffer does for every packet) handed to the follower with its timestamp, so only
// parsing, reassembly and framing are timed. Counts are cross-checked against the ground truth.
#include <tins/tins.h>
#include <tins/tcp_ip/stream_follower.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <sys/mman.h>

#include "bench_common.h"

namespace
{

struct LenFramer {
    uint32_t body_left = 0, value = 0;
    uint8_t got = 0;
    void feed(const uint8_t *p, size_t n, uint64_t &frames)
    {
        while (n) {
            if (got < 4) {
                value = value << 8 | *p++;
                n--;
                if (++got == 4) {
                    body_left = value;
                    if (body_left == 0) {
                        frames++;
                        got = 0, value = 0;
                    }
                }
                continue;
            }
            size_t take = std::min<size_t>(n, body_left);
            p += take;
            n -= take;
            body_left -= static_cast<uint32_t>(take);
            if (body_left == 0) {
                frames++;
                got = 0, value = 0;
            }
        }
    }
};

struct Counts {
    uint64_t established = 0, ended = 0, frames[2] = {0, 0}, stream[2] = {0, 0};
};

uint32_t le32(const uint8_t *p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

} // namespace

extern "C" __attribute__((noinline)) void bench_loop(Tins::TCPIP::StreamFollower &follower,
                                                     const uint8_t *buf, size_t len,
                                                     uint64_t *packets, uint64_t *bytes);
extern "C" __attribute__((noinline)) void bench_loop(Tins::TCPIP::StreamFollower &follower,
                                                     const uint8_t *buf, size_t len,
                                                     uint64_t *packets, uint64_t *bytes)
{
    size_t pos = 24; // little-endian microsecond pcap, as the generator writes
    while (pos + 16 <= len) {
        timeval tv;
        tv.tv_sec = le32(buf + pos);
        tv.tv_usec = le32(buf + pos + 4);
        uint32_t caplen = le32(buf + pos + 8);
        if (pos + 16 + caplen > len) break;
        Tins::Packet pkt(new Tins::EthernetII(buf + pos + 16, caplen), Tins::Timestamp(tv),
                         Tins::Packet::own_pdu());
        follower.process_packet(pkt);
        (*packets)++;
        *bytes += caplen;
        pos += 16 + size_t(caplen);
    }
}

int main(int argc, char **argv)
{
    const char *capture = nullptr, *truth_path = nullptr;
    int repeat = 3;
    bool e2e = false;
    for (int i = 1; i < argc; i += 2) {
        if (!std::strcmp(argv[i], "--e2e")) {
            e2e = true;
            i--;
        } else if (i + 1 >= argc) {
            std::fprintf(stderr, "bench_tins: %s needs a value\n", argv[i]);
            return 2;
        } else if (!std::strcmp(argv[i], "--capture"))
            capture = argv[i + 1];
        else if (!std::strcmp(argv[i], "--truth"))
            truth_path = argv[i + 1];
        else if (!std::strcmp(argv[i], "--repeat"))
            repeat = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--tier") || !std::strcmp(argv[i], "--max-conns"))
            continue;
        else {
            std::fprintf(stderr, "bench_tins: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!capture || repeat < 1 || repeat > 1000) {
        std::fprintf(stderr, "usage: bench_tins --capture FILE [--truth FILE.json] [--repeat N]\n");
        return 2;
    }
    truth tr;
    load_truth(truth_path, &tr);
    size_t len = 0;
    int locked = 0;
    uint8_t *buf = e2e ? nullptr : load_capture(capture, &len, &locked);
    long rss_before = current_rss_kb();

    std::vector<double> times;
    uint64_t packets = 0, bytes = 0;
    Counts c;
    int bad = 0;
    for (int r = 0; r < repeat && !bad; r++) {
        c = Counts();
        packets = bytes = 0;
        {
            Tins::TCPIP::StreamFollower follower;
            follower.new_stream_callback([&c](Tins::TCPIP::Stream &s) {
                c.established++;
                auto st = std::make_shared<std::array<LenFramer, 2>>();
                s.client_data_callback([&c, st](Tins::TCPIP::Stream &x) {
                    const auto &p = x.client_payload();
                    (*st)[0].feed(p.data(), p.size(), c.frames[0]);
                    c.stream[0] += p.size();
                });
                s.server_data_callback([&c, st](Tins::TCPIP::Stream &x) {
                    const auto &p = x.server_payload();
                    (*st)[1].feed(p.data(), p.size(), c.frames[1]);
                    c.stream[1] += p.size();
                });
                s.stream_closed_callback([&c](Tins::TCPIP::Stream &) { c.ended++; });
            });
            double t0 = now_ns();
            if (e2e) {
                Tins::FileSniffer sniffer(capture);
                sniffer.sniff_loop([&](Tins::Packet &p) {
                    follower.process_packet(p);
                    packets++;
                    return true;
                });
            } else {
                bench_loop(follower, buf, len, &packets, &bytes);
            }
            times.push_back(now_ns() - t0);
        }
        if (tr.loaded) {
            bad += check("packets", packets, tr.packets);
            bad += check("streams", c.established, tr.connections);
            bad += check("streams closed", c.ended, tr.closed_connections);
            bad += check("frames c2s", c.frames[0], tr.frames_c2s);
            bad += check("frames s2c", c.frames[1], tr.frames_s2c);
            bad += check("stream bytes c2s", c.stream[0], tr.stream_c2s);
            bad += check("stream bytes s2c", c.stream[1], tr.stream_s2c);
        }
    }
    long peak = peak_rss_kb();
    if (bad) {
        std::fprintf(stderr, "bench_tins: FAILED the ground-truth cross-check on %s\n", capture);
        return 3;
    }
    print_result_fields("libtins", capture, packets, bytes, times.data(), int(times.size()), "wall",
                        peak, rss_before, locked, tr.loaded, c.frames[0] + c.frames[1]);
    std::printf("}\n");
    if (buf) {
        munlock(buf, len);
        std::free(buf);
    }
    return 0;
}
