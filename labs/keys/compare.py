"""Lab 08 key -- comparing the techniques (captures/demo.pcap by default, or
the student's own load-mode capture).  Every number here is one the
`pushviz --stats` table prints, computed again from --json items, grouped
by each flow's technique as the table groups them."""
from capture import NotInCapture
from measure import by_technique, header_bytes_per_event, mean_latency_ms
from questions import INT, NUMBER, TEXT, Question
from shared_questions import header_bytes, mean_latency, tick_interval, tshark_payload

CAPTURES = {"compare": "captures/demo.pcap"}


def group(c, technique):
    flows = by_technique(c["compare"]).get(technique)
    if not flows:
        raise NotInCapture("no flow classified as %s" % technique)
    return flows


def per_technique(c, measure):
    """{technique: measure(flows)} over the techniques that delivered events."""
    values = {}
    for technique, flows in by_technique(c["compare"]).items():
        if any(f.events() for f in flows):
            values[technique] = measure(flows)
    if not values:
        raise NotInCapture("no technique delivered an event")
    return values


def lowest(c, measure):
    values = per_technique(c, measure)
    best = min(values.values())
    winners = sorted(t for t, v in values.items() if v == best)
    if len(winners) > 1:
        raise NotInCapture("a tie between " + ", ".join(winners))
    return winners[0]


def ratio(c):
    ws = header_bytes_per_event(group(c, "ws"))
    if ws == 0:
        raise NotInCapture("ws used no header bytes")
    return header_bytes_per_event(group(c, "poll")) / ws


def hdr(technique):
    return header_bytes(technique + "_header_bytes_per_event", lambda c: group(c, technique),
                        "the hdr B/ev column of --stats, %s row" % technique)


def latency(technique):
    return mean_latency(technique + "_mean_latency_ms", lambda c: group(c, technique),
                        "the lat mean column of --stats, %s row" % technique)


QUESTIONS = [
    Question("poll_flows", INT, lambda c: len(group(c, "poll")),
             "the flows column of --stats, poll row"),
    Question("poll_requests", INT,
             lambda c: sum(len(f.requests()) for f in group(c, "poll")),
             "the requests column of --stats, poll row"),
    Question("ws_events", INT, lambda c: sum(len(f.events()) for f in group(c, "ws")),
             "the events column of --stats, ws row"),
    hdr("poll"),
    hdr("sse"),
    hdr("ws"),
    latency("poll"),
    latency("ws"),
    Question("fewest_header_bytes", TEXT, lambda c: lowest(c, header_bytes_per_event),
             "the technique with the smallest hdr B/ev of all rows"),
    # Not "the lowest latency": on loopback the streaming techniques differ
    # by tenths of a millisecond, which is noise.  The timer-bound ones stand out.
    Question("slow_rows", INT,
             lambda c: sum(1 for v in per_technique(c, mean_latency_ms).values() if v > 50.0),
             "count the rows whose lat mean is above 50 ms"),
    Question("poll_to_ws_header_ratio", NUMBER, ratio,
             "poll's hdr B/ev divided by ws's", tol=0.01, rel=0.01),
    tick_interval("tick_interval_ms", lambda c: max(group(c, "ws"), key=lambda f: len(f.events()))),
    tshark_payload("tshark_payload_bytes", "compare"),
    latency("sse"),
]
