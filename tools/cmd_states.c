/* `tcpsift states [--dot]`: the endpoint state table, as text or Graphviz. */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "tcpsift/state.h"

static const char states_usage[] =
    "usage: tcpsift states [--dot | --anomalies]\n"
    "\n"
    "Print the TCP endpoint state table tcpsift drives (state x event -> next\n"
    "state, action, anomaly, reason); --dot prints it as a Graphviz digraph;\n"
    "--anomalies lists every anomaly event name `conns` may report, with its\n"
    "meaning, as a Markdown table.\n";

static int print_anomalies(FILE *out)
{
    fprintf(out, "| event | meaning |\n| --- | --- |\n");
    for (unsigned a = 1; a < TCPSIFT_ANOMALY_COUNT; a++)
        fprintf(out, "| `%s` | %s |\n", tcpsift_anomaly_name((tcpsift_anomaly)a),
                tcpsift_anomaly_text((tcpsift_anomaly)a));
    return ferror(out) ? -1 : 0;
}

int cmd_states(int argc, char **argv)
{
    int dot = 0, anomalies = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(states_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--dot") == 0) {
            dot = 1;
            continue;
        }
        if (strcmp(argv[i], "--anomalies") == 0) {
            anomalies = 1;
            continue;
        }
        return cli_usage_error(states_usage, argv[i]);
    }
    if (dot && anomalies) { /* one listing or the other: the usage says [--dot | --anomalies] */
        fputs("tcpsift: --dot and --anomalies exclude each other\n", stderr);
        fputs(states_usage, stderr);
        return 2;
    }
    int rc = anomalies ? print_anomalies(stdout)
             : dot     ? tcpsift_state_table_print_dot(stdout)
                       : tcpsift_state_table_print_text(stdout);
    if (rc != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "tcpsift: error writing output\n");
        return 1;
    }
    return 0;
}
