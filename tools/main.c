/* tcpsift command-line tool: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "tcpsift/version.h"

static const char usage[] =
    "usage: tcpsift COMMAND [OPTIONS] CAPTURE\n"
    "\n"
    "Read a pcap or pcapng capture (or - for standard input) and print JSON Lines.\n"
    "\n"
    "commands:\n"
    "  packets   one object per frame: addresses, ports, TCP header, options, checksum\n"
    "  conns     one object per connection: endpoint states, end, Zeek summary, events\n"
    "  stream    write each connection's reassembled bytes to files\n"
    "  frames    cut each stream into application messages (length, delimiter, JSON)\n"
    "  states    print the TCP endpoint state table (text, or Graphviz with --dot)\n"
    "\n"
    "  tcpsift COMMAND --help   shows the options of a command\n"
    "  tcpsift --version        prints the version\n";

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"packets", cmd_packets}, {"conns", cmd_conns}, {"stream", cmd_stream},
    {"frames", cmd_frames},   {"states", cmd_states},
};

static int run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tcpsift %s\n", TCPSIFT_VERSION_STRING);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tcpsift: unknown command '%s'\n", argv[1]);
    fputs(usage, stderr);
    return 2;
}

int main(int argc, char **argv)
{
    int status = run(argc, argv);
    /* Output the command believed written (help, version, a table) but the system did not
     * take: not a success. Commands that noticed it already said so and returned 1. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && status == 0) {
        fprintf(stderr, "tcpsift: error writing output\n");
        status = 1;
    }
    return status;
}
