/* The CLI's subcommands. Each returns the process exit status. */
#ifndef TCPSIFT_TOOLS_COMMANDS_H
#define TCPSIFT_TOOLS_COMMANDS_H

int cmd_packets(int argc, char **argv);
int cmd_conns(int argc, char **argv);
int cmd_stream(int argc, char **argv);
int cmd_frames(int argc, char **argv);
int cmd_states(int argc, char **argv);

#endif
