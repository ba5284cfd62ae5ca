"""measure.py -- the measurements several labs share, each defined once.

Every function takes Flow or item objects from capture.py and raises
NotInCapture, with the reason, when the capture does not hold what it
measures.  Times come from the items' `t` (seconds since the first
packet), so a student who subtracts two times of `pushviz --dump` finds
the same number.
"""
import json

from capture import NotInCapture


def mean(values, what):
    if not values:
        raise NotInCapture("no %s in this capture" % what)
    return sum(values) / len(values)


def nth(items, n, what):
    """The n-th item (1-based) of a list, or NotInCapture."""
    if len(items) < n:
        raise NotInCapture("the capture has %d %s, not %d" % (len(items), what, n))
    return items[n - 1]


def header(item, name):
    """The value of an HTTP header (first of that name, any case)."""
    for k, v in item.get("headers", []):
        if k.lower() == name.lower():
            return v
    raise NotInCapture("no %s header in the %s at %.6f s" % (name, item["type"], item["t"]))


def header_bytes_per_event(flows):
    """HTTP head bytes (requests and responses) per event delivered, summed
    over flows: what the headers cost each message."""
    events = sum(len(f.events()) for f in flows)
    if not events:
        raise NotInCapture("no event was delivered")
    return sum(f.head_bytes() for f in flows) / events


def mean_latency_ms(flows):
    return mean([e["latency_ms"] for f in flows for e in f.events()], "delivered events")


def held_ms(flow, n):
    """How long the n-th request of a flow waited for its response, in ms."""
    req, resp = nth(flow.exchanges(), n, "requests")
    if resp is None:
        raise NotInCapture("request %d of flow %d has no response" % (n, flow.id))
    return (resp["t"] - req["t"]) * 1000.0


def events_per_response(flow):
    """For each response of a flow, the events its body carried (by stream
    offset: those after its head and before the next response's)."""
    resps = flow.responses()
    counts = []
    for i, r in enumerate(resps):
        end = resps[i + 1]["offset"] if i + 1 < len(resps) else None
        counts.append(len(flow.events_between(r["offset"], end)))
    return counts


def event_json(ev):
    """The event JSON as the server wrote it (DESIGN.md: fixed key order, no
    white space), rebuilt from an `event` item.  Used on tick events, whose
    text needs no escaping."""
    return '{"seq":%d,"ts":%d,"kind":%s,"text":%s}' % (
        ev["seq"], ev["ts"], json.dumps(ev["kind"]), json.dumps(ev["text"]))


def first_tick(flow):
    return nth_tick(flow, 1)


def nth_tick(flow, n):
    """The n-th tick event a flow delivered (ticks carry no escaped text)."""
    ticks = [e for e in flow.events() if e["kind"] == "tick"]
    if len(ticks) < n:
        raise NotInCapture("flow %d delivered %d tick events, not %d" % (flow.id, len(ticks), n))
    return ticks[n - 1]


def containing(items, offset):
    """The item (chunk, part, frame...) whose span holds a stream offset: the
    last one starting at or before it."""
    best = None
    for it in items:
        if it["offset"] <= offset and (best is None or it["offset"] > best["offset"]):
            best = it
    if best is None:
        raise NotInCapture("nothing starts before offset %d" % offset)
    return best


def stride(items, first):
    """Bytes from the start of items[first] to the start of the next one:
    what one item takes on the wire, framing included."""
    nxt = nth(items, first + 2, "items to measure between")
    return nxt["offset"] - items[first]["offset"]


def by_technique(capture):
    """{technique: [flows]} by each flow's classification (as --stats groups)."""
    groups = {}
    for f in capture.flow_list():
        groups.setdefault(f.technique, []).append(f)
    return groups


def flows_asking(capture, path):
    """Flows whose requests target `path` (query string aside), in order."""
    return [f for f in capture.flow_list()
            if any(r["target"].split("?")[0] == path for r in f.requests())]


def late_client_backlog(capture, path):
    """Events carried by the first response of the second client asking
    `path`: a client that starts late and asks since=0 gets the backlog."""
    late = nth(flows_asking(capture, path), 2, "clients asking " + path)
    counts = events_per_response(late)
    if not counts:
        raise NotInCapture("flow %d got no response" % late.id)
    return counts[0]


def tick_interval_ms(flow):
    """The server's tick period as its own clock shows it: the mean gap
    between the ts of consecutive tick events of a flow (ms)."""
    ts = [e["ts"] for e in flow.events() if e["kind"] == "tick"]
    return mean([b - a for a, b in zip(ts, ts[1:])], "pairs of consecutive ticks")


def payload_bytes(capture):
    """TCP payload bytes of the whole capture, both directions: the sum of
    the up= and down= of every flow (what tshark's tcp.len adds up to)."""
    flows = [f.summary for f in capture.flow_list() if f.summary]
    if not flows:
        raise NotInCapture("no flow summary")
    return sum(s["bytes_c2s"] + s["bytes_s2c"] for s in flows)


def ratio(a, b, what):
    if b == 0:
        raise NotInCapture("%s is zero" % what)
    return a / b


# The tshark cross-check every lab ends with: the same total from the
# capture file, read by Wireshark's dissector instead of pushviz.
TSHARK_PAYLOAD = "tshark -r FILE -T fields -e tcp.len | awk '{s += $1} END {print s}'"
