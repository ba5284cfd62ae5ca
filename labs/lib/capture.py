"""capture.py -- a capture as the labs see it: pushviz's JSON lines, grouped.

The checker never parses packets itself.  It runs `pushviz -r FILE --json`
(the same program the students use) and works on the items it prints, so
an answer key is always what a careful reader of `pushviz --dump` would
find in that very capture.  This file only groups the items:

  Capture.items    every item, in the order pushviz printed them
  Capture.flows    flow id -> Flow (its items, and its `flow` summary)

and offers the few questions every lab asks of a flow: its requests and
responses paired in order (HTTP/1.1 answers requests first in, first out),
the events it delivered, its HTTP head bytes.
"""
import json
import os
import shutil
import subprocess


class CaptureError(Exception):
    """The capture could not be read (missing file, pushviz failed)."""


class NotInCapture(Exception):
    """A question has no answer in this capture (it lacks what it asks about)."""


def pushviz_path():
    """bin/pushviz of this checkout, or of $PUSHLAB_BIN (as tests/run sets);
    installed (labs in PREFIX/share/pushlab, no bin/ beside them), the
    pushviz on PATH."""
    here = os.path.dirname(os.path.abspath(__file__))
    bindir = os.environ.get("PUSHLAB_BIN") or os.path.join(here, "..", "..", "bin")
    path = os.path.normpath(os.path.join(bindir, "pushviz"))
    if not os.environ.get("PUSHLAB_BIN") and not os.path.exists(path):
        return shutil.which("pushviz") or path
    return path


class Flow:
    """One TCP connection: its items and the facts of its `flow` summary."""

    def __init__(self, fid):
        self.id = fid
        self.items = []
        self.summary = None  # the `flow` item (technique, packets, bytes...)

    @property
    def technique(self):
        return self.summary["technique"] if self.summary else "unknown"

    def of_type(self, kind, direction=None):
        return [it for it in self.items
                if it["type"] == kind and (direction is None or it.get("dir") == direction)]

    def requests(self):
        return self.of_type("http_request")

    def responses(self):
        return self.of_type("http_response")

    def exchanges(self):
        """(request, response or None) pairs: the n-th response answers the
        n-th request, as HTTP/1.1 requires on one connection."""
        reqs, resps = self.requests(), self.responses()
        return [(r, resps[i] if i < len(resps) else None) for i, r in enumerate(reqs)]

    def events(self):
        """The pushlab events this flow delivered (server to client)."""
        return self.of_type("event", "s2c")

    def head_bytes(self):
        """HTTP head bytes, both directions (what every request and response
        costs before its body)."""
        return sum(it["head_bytes"] for it in self.items
                   if it["type"] in ("http_request", "http_response"))

    def events_between(self, start, end):
        """Events whose s2c offset lies in [start, end) (end None: no end)."""
        return [e for e in self.events()
                if e["offset"] >= start and (end is None or e["offset"] < end)]


class Capture:
    """The items pushviz found in one pcap file."""

    def __init__(self, path, lines):
        self.path = path
        self.items = []
        self.flows = {}
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as e:
                raise CaptureError("pushviz printed a line that is not JSON (line %d): %s" % (n, e))
            self.items.append(item)
            fid = item.get("flow", 0)
            if fid:
                flow = self.flows.setdefault(fid, Flow(fid))
                flow.items.append(item)
                if item["type"] == "flow":
                    flow.summary = item

    @classmethod
    def load(cls, path):
        if not os.path.isfile(path):
            raise CaptureError("no capture file %s" % path)
        viz = pushviz_path()
        if not os.access(viz, os.X_OK):
            raise CaptureError("no %s: build it first (make)" % viz)
        try:
            done = subprocess.run([viz, "-r", path, "--json"], capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise CaptureError("pushviz took more than 120 s on %s" % path)
        if done.returncode != 0:
            raise CaptureError("pushviz -r %s failed: %s" % (
                path, done.stderr.decode(errors="replace").strip()))
        # One item a line, and lines end at "\n" only: str.splitlines()
        # would also end one at U+2028 or U+0085, which a message's text
        # may hold (pushviz escapes them; this reader does not rely on it).
        return cls(path, done.stdout.split(b"\n"))

    def of_type(self, kind, direction=None):
        return [it for it in self.items
                if it["type"] == kind and (direction is None or it.get("dir") == direction)]

    def flow_list(self):
        return [self.flows[k] for k in sorted(self.flows)]

    def main_flow(self, having):
        """The long-running client among the flows holding an item of type
        `having` (so a lab looks only at its own technique's flows)."""
        return busiest([f for f in self.flow_list() if f.of_type(having)], having + " flows")


def busiest(flows, what):
    """The flow that delivered the most events (the first one on a tie):
    in a capture of one technique, the client that ran the whole time."""
    best = None
    for f in flows:
        if f.events() and (best is None or len(f.events()) > len(best.events())):
            best = f
    if best is None:
        raise NotInCapture("none of the %s delivered an event" % what)
    return best
