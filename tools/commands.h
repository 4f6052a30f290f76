/* The CLI's subcommands. Each returns the process exit status. */
#ifndef TCPSIFT_TOOLS_COMMANDS_H
#define TCPSIFT_TOOLS_COMMANDS_H

int cmd_packets(int argc, char **argv);

#endif
