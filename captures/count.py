#!/usr/bin/python3
"""count.py -- the table of captures/README.md, counted from the files.

    python3 captures/count.py            # print the table
    python3 captures/count.py --write    # replace it in captures/README.md

For every captures/*.pcap: its TCP connections, HTTP requests, chat
messages sent (POST /send, WebSocket text frames and Flash messages from
a client), events delivered to clients, empty answers (poll and long-poll
responses that carried no event), whether a client reconnected with
Last-Event-ID, and its length in seconds, all from `bin/pushviz -r FILE
--json`.  record.sh runs it after recording; tests/integration/
test_captures.py counts the same facts again, with tshark where it can,
and fails when the README says otherwise.
"""
import glob
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "labs", "lib")]
from capture import Capture  # noqa: E402
from measure import events_per_response  # noqa: E402

BEGIN, END = "<!-- counted by captures/count.py: begin -->", "<!-- counted: end -->"
HEADER = ("| file | connections | HTTP requests | chat messages sent | events delivered "
          "| empty answers | reconnections | seconds |\n|---|---|---|---|---|---|---|---|\n")


def facts(path):
    cap = Capture.load(path)
    posts = sum(1 for r in cap.of_type("http_request")
                if r["method"] == "POST" and r["target"] == "/send")
    ws = sum(1 for f in cap.of_type("ws_frame", "c2s") if f["opcode"] == 1)
    flash = sum(1 for f in cap.of_type("flash", "c2s") if f["kind"] == "message")
    empty = sum(events_per_response(f).count(0) for f in cap.flow_list()
                if f.technique in ("poll", "jsonp", "longpoll"))
    resumed = sum(1 for r in cap.of_type("http_request")
                  if any(k.lower() == "last-event-id" for k, _ in r["headers"]))
    return {
        "connections": len([f for f in cap.flow_list() if f.summary]),
        "requests": len(cap.of_type("http_request")),
        "chat": posts + ws + flash,
        "events": len(cap.of_type("event", "s2c")),
        "empty": empty,
        "reconnections": resumed,
        "seconds": "%.1f" % (cap.items[-1]["t"] if cap.items else 0.0),
    }


def table():
    rows = []
    for path in sorted(glob.glob(os.path.join(HERE, "*.pcap"))):
        f = facts(path)
        rows.append("| `%s` | %d | %d | %d | %d | %d | %d | %s |\n" % (
            os.path.basename(path), f["connections"], f["requests"], f["chat"], f["events"],
            f["empty"], f["reconnections"], f["seconds"]))
    return HEADER + "".join(rows)


def main(argv):
    text = table()
    if argv != ["--write"]:
        sys.stdout.write(text)
        return 0
    readme = os.path.join(HERE, "README.md")
    with open(readme) as f:
        old = f.read()
    a, b = old.index(BEGIN) + len(BEGIN), old.index(END)
    with open(readme, "w") as f:
        f.write(old[:a] + "\n" + text + old[b:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
