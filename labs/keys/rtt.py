"""Lab 09 key -- round trips: the same events through poll, long polling,
SSE and WebSocket over an emulated link of RTT 0, 80 and 300 ms (three
captures a student records with labs/start 09, through pushlab-wan).

There are no reference captures: the lab is always done on one's own."""
import math

from capture import NotInCapture
from measure import by_technique, mean, ratio
from questions import NUMBER, Question
from shared_questions import tshark_payload

# No reference captures: every student records their own (the names are
# those of the kit's files, 09-rtt-rtt0.pcap ...).
REFERENCE = False
CAPTURES = {"rtt0": None, "rtt80": None, "rtt300": None}


def latencies(c, name, technique):
    flows = by_technique(c[name]).get(technique, [])
    values = [e["latency_ms"] for f in flows for e in f.events()]
    if not values:
        raise NotInCapture("no %s event in the %s capture" % (technique, name))
    return values


def p90(values):
    """The 90th percentile, nearest rank: the value that 90% of the events
    did not exceed (sort, take the ceil(0.9 n)-th)."""
    return sorted(values)[math.ceil(0.9 * len(values)) - 1]


def handshake_ms(c, name):
    rtts = [f.summary["handshake_rtt_ms"] for f in c[name].flow_list()
            if f.summary and f.summary.get("handshake_rtt_ms") is not None]
    return mean(rtts, "handshakes")


def poll_interval_ms(c, name):
    """The long-running poll client's mean gap between requests."""
    flows = by_technique(c[name]).get("poll", [])
    if not flows:
        raise NotInCapture("no poll flow in the %s capture" % name)
    flow = max(flows, key=lambda f: len(f.requests()))
    t = [r["t"] for r in flow.requests()]
    return mean([(b - a) * 1000.0 for a, b in zip(t, t[1:])], "pairs of poll requests")


def mean_q(technique, name, hint):
    return Question("%s_mean_%s_ms" % (technique, name), NUMBER,
                    lambda c: mean(latencies(c, name, technique), "events"),
                    hint, tol=0.01, rel=0.001)


def p90_q(technique, name):
    return Question("%s_p90_%s_ms" % (technique, name), NUMBER,
                    lambda c: p90(latencies(c, name, technique)),
                    "sort the latency= of the %s events in %s.pcap; take the one at rank "
                    "ceil(0.9 x their number)" % (technique, name), tol=0.01, rel=0.001)


QUESTIONS = [
    Question("handshake_rtt80_ms", NUMBER, lambda c: handshake_ms(c, "rtt80"),
             "the mean of handshake= over the flow lines of rtt80.pcap", tol=0.05, rel=0.002),
    mean_q("poll", "rtt0", "average latency= of the events of the poll flow in rtt0.pcap"),
    Question("poll_share_rtt0", NUMBER,
             lambda c: ratio(mean(latencies(c, "rtt0", "poll"), "events"),
                             poll_interval_ms(c, "rtt0"), "the poll interval"),
             "poll_mean_rtt0_ms divided by the mean gap between the poll client's requests",
             tol=0.005, rel=0.01),
    mean_q("longpoll", "rtt80", "average latency= of the long-polling events in rtt80.pcap"),
    mean_q("sse", "rtt80", "average latency= of the SSE events in rtt80.pcap"),
    mean_q("ws", "rtt80", "average latency= of the WebSocket events in rtt80.pcap"),
    mean_q("poll", "rtt300", "average latency= of the poll events in rtt300.pcap"),
    p90_q("longpoll", "rtt300"),
    p90_q("ws", "rtt300"),
    Question("longpoll_extra_rtts_300", NUMBER,
             lambda c: (mean(latencies(c, "rtt300", "longpoll"), "events")
                        - mean(latencies(c, "rtt300", "ws"), "events")) / 300.0,
             "(longpoll's mean latency - ws's) in rtt300.pcap, divided by 300 ms",
             tol=0.0005, rel=0.01),
    tshark_payload("tshark_payload_bytes", "rtt80"),
]
