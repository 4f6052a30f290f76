/* `tcpsift states [--dot]`: the endpoint state table, as text or Graphviz. */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "tcpsift/state.h"

static const char states_usage[] =
    "usage: tcpsift states [--dot]\n"
    "\n"
    "Print the TCP endpoint state table tcpsift drives (state x event -> next\n"
    "state, action, anomaly, reason); --dot prints it as a Graphviz digraph.\n";

int cmd_states(int argc, char **argv)
{
    int dot = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(states_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--dot") == 0) {
            dot = 1;
            continue;
        }
        return cli_usage_error(states_usage, argv[i]);
    }
    int rc = dot ? tcpsift_state_table_print_dot(stdout) : tcpsift_state_table_print_text(stdout);
    if (rc != 0 || fflush(stdout) != 0) return 1;
    return 0;
}
