/* Printing the endpoint state table: Graphviz for the README diagram
 * (`tcpsift states --dot`), and a plain text listing of every cell. Both read
 * the table only through the public cell and reason accessors, so what is
 * printed is exactly what the tracker runs. */
#include "tcpsift/state.h"

static tcpsift_state_transition cell_at(int s, int e)
{
    return *tcpsift_state_table_cell((tcpsift_tcp_state)s, (tcpsift_state_event)e);
}

/* One solid edge per (from, to) pair, its events one per label line. */
static void print_dot_edges(FILE *out, int from)
{
    for (int to = 0; to < TCPSIFT_ST_COUNT; to++) {
        if (to == from) continue;
        int n = 0;
        for (int e = 0; e < TCPSIFT_EV_COUNT; e++) {
            tcpsift_state_transition c = cell_at(from, e);
            if (c.next_state != to) continue;
            if (n == 0)
                fprintf(out, "  %s -> %s [label=\"",
                        tcpsift_tcp_state_name((tcpsift_tcp_state)from),
                        tcpsift_tcp_state_name((tcpsift_tcp_state)to));
            else
                fputs("\\n", out);
            fputs(tcpsift_state_event_name((tcpsift_state_event)e), out);
            if (c.anomaly != TCPSIFT_ANOMALY_NONE)
                fprintf(out, " (%s)", tcpsift_anomaly_name((tcpsift_anomaly)c.anomaly));
            n++;
        }
        if (n) fputs("\"];\n", out);
    }
}

/* Self-loops are drawn only when they raise an anomaly, all of one state's
 * in a single dashed loop: the harmless ones would bury the diagram. */
static void print_dot_anomaly_loop(FILE *out, int s)
{
    int n = 0;
    for (int e = 0; e < TCPSIFT_EV_COUNT; e++) {
        tcpsift_state_transition c = cell_at(s, e);
        if (c.next_state != s || c.anomaly == TCPSIFT_ANOMALY_NONE) continue;
        if (n == 0)
            fprintf(out, "  %s -> %s [style=dashed, fontsize=9, label=\"",
                    tcpsift_tcp_state_name((tcpsift_tcp_state)s),
                    tcpsift_tcp_state_name((tcpsift_tcp_state)s));
        else
            fputs("\\n", out);
        fprintf(out, "%s: %s", tcpsift_state_event_name((tcpsift_state_event)e),
                tcpsift_anomaly_name((tcpsift_anomaly)c.anomaly));
        n++;
    }
    if (n) fputs("\"];\n", out);
}

int tcpsift_state_table_print_dot(FILE *out)
{
    if (!out) return -1;
    fputs("digraph tcpsift_tcp_endpoint {\n"
          "  rankdir=TB;\n"
          "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10];\n",
          out);
    for (int s = 0; s < TCPSIFT_ST_COUNT; s++) {
        const char *name = tcpsift_tcp_state_name((tcpsift_tcp_state)s);
        /* UNKNOWN is the observer's starting point, not an RFC state. */
        if (s == TCPSIFT_ST_UNKNOWN)
            fprintf(out, "  %s [shape=ellipse, style=dashed];\n", name);
        else
            fprintf(out, "  %s;\n", name);
    }
    for (int s = 0; s < TCPSIFT_ST_COUNT; s++) {
        print_dot_edges(out, s);
        print_dot_anomaly_loop(out, s);
    }
    fputs("}\n", out);
    return ferror(out) ? -1 : 0;
}

int tcpsift_state_table_print_text(FILE *out)
{
    if (!out) return -1;
    fprintf(out, "%-13s %-16s %-13s %-22s %-26s %-11s %s\n", "STATE", "EVENT", "NEXT", "ACTION",
            "ANOMALY", "KIND", "REASON");
    for (int s = 0; s < TCPSIFT_ST_COUNT; s++) {
        for (int e = 0; e < TCPSIFT_EV_COUNT; e++) {
            tcpsift_state_transition c = cell_at(s, e);
            fprintf(out, "%-13s %-16s %-13s %-22s %-26s %-11s %s\n",
                    tcpsift_tcp_state_name((tcpsift_tcp_state)s),
                    tcpsift_state_event_name((tcpsift_state_event)e),
                    tcpsift_tcp_state_name((tcpsift_tcp_state)c.next_state),
                    tcpsift_state_action_name((tcpsift_state_action)c.action),
                    tcpsift_anomaly_name((tcpsift_anomaly)c.anomaly),
                    tcpsift_state_cell_kind_name((tcpsift_state_cell_kind)c.kind),
                    tcpsift_state_table_reason((tcpsift_tcp_state)s, (tcpsift_state_event)e));
        }
    }
    return ferror(out) ? -1 : 0;
}
