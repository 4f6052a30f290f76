/* Print every length-prefixed message of a capture: a complete program that
 * embeds libtcpsift (capture reader + decoder + tracker + framer).
 *
 *   print_messages CAPTURE [SPEC]      SPEC defaults to len:4:be
 *
 * Each message is printed as "conn DIR offset len: first bytes". */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tcpsift/capture.h>
#include <tcpsift/decode.h>
#include <tcpsift/tracker.h>

static unsigned long long messages;

static void on_frame(void *ctx, uint64_t conn, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *frame)
{
    (void)ctx;
    if (proto != 6) return;
    printf("conn %llu %s offset %llu len %llu", (unsigned long long)conn,
           dir == TCPSIFT_C2S ? "c2s" : "s2c", (unsigned long long)frame->offset,
           (unsigned long long)frame->len);
    if (frame->error != TCPSIFT_FRAME_OK) {
        printf(" error %s\n", tcpsift_frame_error_name(frame->error));
        return;
    }
    /* The body may span segments: it arrives as a list of views, valid only
     * during this call. Copy what you keep. */
    uint8_t head[16];
    size_t n = tcpsift_frame_copy_body(frame, head, sizeof head);
    printf(":");
    for (size_t i = 0; i < n; i++) printf(" %02x", head[i]);
    printf("%s\n", frame->len > n ? " ..." : "");
    messages++;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s CAPTURE [SPEC]\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        perror(argv[1]);
        return 1;
    }
    const uint8_t *file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (file == MAP_FAILED) {
        perror("mmap");
        return 1;
    }

    tcpsift_capture_reader reader;
    if (tcpsift_capture_open(&reader, file, (size_t)st.st_size) != TCPSIFT_OK) {
        fprintf(stderr, "%s: not a pcap or pcapng file\n", argv[1]);
        return 1;
    }

    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    /* A real embedder seeds this from a random source (hash flooding). */
    memcpy(cfg.hash_key, "example-key-1234", sizeof cfg.hash_key);
    cfg.reassemble = 1;
    cfg.framing = 1;
    char why[128];
    if (tcpsift_framer_spec_parse(argc == 3 ? argv[2] : "len:4:be", &cfg.framer, why,
                                  sizeof why) != TCPSIFT_OK) {
        fprintf(stderr, "bad SPEC: %s\n", why);
        return 2;
    }
    cfg.cb.on_frame = on_frame;
    tcpsift_tracker *tracker;
    if (tcpsift_tracker_create(&cfg, &tracker) != TCPSIFT_OK) {
        fprintf(stderr, "cannot create the tracker\n");
        return 1;
    }

    tcpsift_capture_record rec;
    tcpsift_error err;
    int r;
    while ((r = tcpsift_capture_next(&reader, &rec, &err)) != 0) {
        if (r < 0) {
            fprintf(stderr, "capture: %s\n", tcpsift_error_name(err));
            continue; /* recoverable errors skip one block; fatal ones end the loop */
        }
        tcpsift_packet pkt;
        tcpsift_packet_decode(&pkt, rec.linktype, rec.data, rec.caplen, rec.wirelen);
        /* Not ts_sec * 1000000000 + ts_nsec: a hostile pcapng's timestamp overflows it. */
        tcpsift_tracker_packet(tracker, &pkt, tcpsift_capture_record_ns(&rec));
    }
    tcpsift_tracker_finish(tracker);
    tcpsift_tracker_destroy(tracker);
    munmap((void *)(uintptr_t)file, (size_t)st.st_size);
    fprintf(stderr, "%llu messages\n", messages);
    return 0;
}
