#!/usr/bin/python3
"""Print the README's case tables (Markdown) from the sidecars under captures/.
Run after re-recording and paste the output into conformance/README.md ("Cases")."""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHORT = {
    ("TIME_WAIT", "CLOSED"): "client active close, server passive close (RFC 9293 3.6, 3.10.7.4)",
    ("CLOSED", "TIME_WAIT"): "server active close, client passive close (RFC 9293 3.6, 3.10.7.4)",
    ("TIME_WAIT", "TIME_WAIT"): "simultaneous close: CLOSING then TIME_WAIT on both ends (RFC 9293 3.6)",
    ("FIN_WAIT_2", "CLOSE_WAIT"): "client's FIN acknowledged, server never closed (RFC 9293 3.6)",
    ("SYN_SENT", "UNKNOWN"): "no answer: the client stays SYN_SENT and retransmits (RFC 9293 3.10.7.3, "
                             "RFC 6298 5.7); the server never sent (contract: UNKNOWN)",
}


def states(c):
    if "client_state" not in c:
        return "—"
    k = (c["client_state"], c["server_state"])
    if k == ("CLOSED", "CLOSED"):
        r = c["states_reason"]
        if "No socket listens" in r:
            why = ("RST,ACK from a port without listener (RFC 9293 3.10.7.1); SYN_SENT accepts it "
                   "(3.10.7.3)")
        elif "unread" in r:
            why = ("server closes with unread data: RST (RFC 2525 2.17, RFC 1122 4.2.2.13); the "
                   "client accepts it (RFC 9293 3.10.7.4)")
        else:
            why = ("abort with SO_LINGER 0 sends RST (RFC 9293 3.10.5); the peer in ESTABLISHED "
                   "accepts it (3.10.7.4)")
    else:
        why = SHORT[k]
    return "%s / %s: %s" % (k[0], k[1], why)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "captures")
    groups = {"Crafted (scapy)": [], "Real stack, clean": [], "Real stack, under injected faults": []}
    hdr = ("| capture | what it exercises (how it was made) | framing | messages c2s / s2c | end | "
           "endpoint states client / server, and why | bytes |\n"
           "| --- | --- | --- | --- | --- | --- | --- |")
    for p in sorted(glob.glob(os.path.join(root, "*", "*.messages.json"))):
        with open(p) as f:
            m = json.load(f)
        conns = m["connections"]
        c = conns[-1]
        name = os.path.splitext(m["capture"])[0]
        how = m["how"].split("): ", 1)[1] if "record.sh" in m["how"] else m["how"]
        size = os.path.getsize(os.path.join(os.path.dirname(p), m["capture"]))
        if os.path.basename(os.path.dirname(p)) == "crafted":
            g = "Crafted (scapy)"
        elif name.startswith("fault-"):
            g = "Real stack, under injected faults"
            how += " Recorded: %s." % json.dumps(m.get("fault_actions") or m.get("fault_dropped_packets"))
        else:
            g = "Real stack, clean"
        if m.get("known_bug"):
            how += " **KNOWN BUG** (see below)."
        msgs = " + ".join("%d / %d" % (len(k["c2s_messages_hex"]), len(k["s2c_messages_hex"]))
                          for k in conns)
        groups[g].append("| `%s` | %s | `%s` | %s | `%s` | %s | %d |" % (
            name, how.replace("|", "\\|"), m["framing"], msgs, c.get("end", ""), states(c), size))
    for g, rows in groups.items():
        print("### %s (%d)\n\n%s\n%s\n" % (g, len(rows), hdr, "\n".join(rows)))


if __name__ == "__main__":
    main()
