"""test_captures.py -- captures/README.md tells the truth about each file.

The table in captures/README.md (written by captures/count.py when
record.sh re-records) must hold, for every captures/*.pcap and nothing
else, what the file holds.  Connections, HTTP requests, chat messages and
reconnections are counted again here with tshark, independently of
pushviz; events delivered and empty answers with pushviz --json (tshark
has no notion of a pushlab event).  And each reference capture carries
what its lab asks about: a chat message in every single-technique capture.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CAPDIR = os.path.join(ROOT, "captures")


def readme_rows():
    with open(os.path.join(CAPDIR, "README.md")) as f:
        text = f.read()
    rows = {}
    for m in re.finditer(r"^\| `([\w.-]+\.pcap)` \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) "
                         r"\| (\d+) \| ([\d.]+) \|$", text, re.M):
        rows[m.group(1)] = [int(x) for x in m.groups()[1:7]] + [float(m.group(8))]
    return rows


def tshark_counts(pcap):
    """(connections, HTTP requests, chat messages sent over HTTP or
    WebSocket, requests with Last-Event-ID), from one tshark pass."""
    fields = ("tcp.flags.syn", "tcp.flags.ack", "http.request.method", "http.request.uri",
              "websocket.opcode", "websocket.mask", "http.request.line")
    argv = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"]
    for f in fields:
        argv += ["-e", f]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    conns = requests = chat = resumed = 0
    for line in done.stdout.splitlines():
        syn, ack, method, uri, opcode, mask, head = (line.split("\t") + [""] * 7)[:7]
        conns += syn in ("1", "True") and ack in ("0", "False")
        requests += len([m for m in method.split(",") if m])
        chat += method == "POST" and uri == "/send"
        chat += sum(1 for o, m in zip(opcode.split(","), mask.split(","))
                    if o == "1" and m in ("1", "True"))
        resumed += "last-event-id" in head.lower()
    return conns, requests, chat, resumed


def pushviz_items(pcap):
    out = subprocess.run([os.path.join(harness.BIN, "pushviz"), "-r", pcap, "--json"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return harness.json_lines(out)


def empty_answers(items):
    """Poll and long-poll responses followed by no event before the next
    response of their flow (or the flow's end)."""
    techniques = {it["flow"]: it["technique"] for it in items if it["type"] == "flow"}
    empty, open_response = 0, {}
    for it in items:
        flow = it.get("flow")
        if techniques.get(flow) not in ("poll", "jsonp", "longpoll"):
            continue
        if it["type"] == "http_response":
            empty += open_response.get(flow, 0)
            open_response[flow] = 1
        elif it["type"] == "event" and it["dir"] == "s2c":
            open_response[flow] = 0
    return empty + sum(open_response.values())


def test_readme_counts_every_capture():
    if not shutil.which("tshark"):
        raise harness.Skip("tshark is not installed (make deps)")
    rows = readme_rows()
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(CAPDIR, "*.pcap")))
    assert sorted(rows) == files, "README rows %s, files %s" % (sorted(rows), files)
    for name in files:
        pcap = os.path.join(CAPDIR, name)
        conns, requests, chat, events, empty, resumed, seconds = rows[name]
        items = pushviz_items(pcap)
        conns_t, requests_t, chat_t, resumed_t = tshark_counts(pcap)
        found = [
            conns_t,
            requests_t,
            chat_t + sum(1 for it in items if it["type"] == "flash" and it["dir"] == "c2s"
                         and it["kind"] == "message"),
            sum(1 for it in items if it["type"] == "event" and it["dir"] == "s2c"),
            empty_answers(items),
            resumed_t,
        ]
        assert found == [conns, requests, chat, events, empty, resumed], \
            "%s: README says %s, the file holds %s (python3 captures/count.py --write)" % (
                name, rows[name][:6], found)
        assert abs(items[-1]["t"] - seconds) < 0.06, (name, items[-1]["t"], seconds)


def test_each_capture_has_its_chat_message():
    rows = readme_rows()
    for name, row in rows.items():
        if name != "demo.pcap":
            assert row[2] >= 1, "%s carries no chat message, which its lab asks about" % name


if __name__ == "__main__":
    harness.main([test_readme_counts_every_capture, test_each_capture_has_its_chat_message])
