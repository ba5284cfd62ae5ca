"""Lab 09 key -- round trips: the same events through poll, long polling,
SSE and WebSocket over an emulated link of RTT 0, 80 and 300 ms (three
captures a student records with labs/start 09, through pushlab-wan); then
a WebSocket client's ticks over a lossy link (head-of-line blocking) and
over a link slower than the ticks (a reader that lags ever further).

There are no reference captures: the lab is always done on one's own."""
import math

from capture import NotInCapture
from measure import by_technique, mean, ratio
from questions import INT, NUMBER, Question
from shared_questions import tshark_payload

# No reference captures: every student records their own (the names are
# those of the kit's files, 09-rtt-rtt0.pcap ...).
REFERENCE = False
CAPTURES = {"rtt0": None, "rtt80": None, "rtt300": None, "loss": None, "slow": None}


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


# ---------------------------------------------------------------- loss, slow link

def ws_events(c, name):
    """The events of the WebSocket client of the loss or slow capture."""
    events = c[name].main_flow("ws_frame").events()
    if len(events) < 2:
        raise NotInCapture("the %s capture delivered fewer than 2 events" % name)
    return events


# Where the link adds no delay (loopback) twice the smallest latency is no
# threshold at all (twice 0.1 ms is timer noise): a held event is also at
# least this much later than the smallest.
HELD_MARGIN_MS = 10.0


def held_threshold_ms(smallest):
    """The latency beyond which an event was held back behind a loss."""
    return max(2 * smallest, smallest + HELD_MARGIN_MS)


def held_events(c):
    """Events whose latency is more than twice the smallest one, and at
    least HELD_MARGIN_MS over it: held back behind a lost segment (the
    smallest is one way through the link)."""
    lat = [e["latency_ms"] for e in ws_events(c, "loss")]
    return sum(1 for x in lat if x > held_threshold_ms(min(lat)))


def most_released(c):
    """The most events one packet made readable at once: a retransmission
    fills the hole and everything received behind it is delivered with it."""
    per_packet = {}
    for e in ws_events(c, "loss"):
        per_packet[e["t"]] = per_packet.get(e["t"], 0) + 1
    return max(per_packet.values())


def lag_growth(c):
    """Lag gained per second of the server's clock: the last event's latency
    minus the first's, over the ts between them (both in ms)."""
    events = ws_events(c, "slow")
    first, last = events[0], events[-1]
    return ratio(last["latency_ms"] - first["latency_ms"], last["ts"] - first["ts"],
                 "the time between the first and the last event")


def events_per_s(c):
    events = ws_events(c, "slow")
    return ratio(len(events) - 1, events[-1]["t"] - events[0]["t"],
                 "the time between the first and the last event")


def down_kbit(c):
    """TCP payload the server's packets carried from the packet of the first
    event to that of the last (both counted), in kbit/s (1 kbit = 1000 bit)."""
    events = ws_events(c, "slow")
    t0, t1 = events[0]["t"], events[-1]["t"]
    flow = c["slow"].main_flow("ws_frame")
    sent = sum(p["len"] for p in flow.of_type("tcp", "s2c") if t0 <= p["t"] <= t1)
    return ratio(sent * 8 / 1000.0, t1 - t0, "the time between the first and the last event")


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
    Question("loss_mean_latency_ms", NUMBER,
             lambda c: mean([e["latency_ms"] for e in ws_events(c, "loss")], "events"),
             "average latency= of the events in loss.pcap", tol=0.01, rel=0.001),
    Question("loss_max_latency_ms", NUMBER,
             lambda c: max(e["latency_ms"] for e in ws_events(c, "loss")),
             "the largest latency= of the events in loss.pcap", tol=0.01, rel=0.001),
    Question("loss_held_events", INT, held_events,
             "events of loss.pcap whose latency= is more than twice the smallest latency="),
    Question("loss_most_released", INT, most_released,
             "the most event lines of loss.pcap that share one t (one packet)"),
    Question("slow_max_latency_ms", NUMBER,
             lambda c: max(e["latency_ms"] for e in ws_events(c, "slow")),
             "the largest latency= of the events in slow.pcap", tol=0.01, rel=0.001),
    Question("slow_lag_growth", NUMBER, lag_growth,
             "(last event's latency - first event's) / (last event's ts - first event's ts), "
             "in slow.pcap", tol=0.002, rel=0.01),
    Question("slow_events_per_s", NUMBER, events_per_s,
             "(events - 1) / (t of the last event - t of the first), in slow.pcap",
             tol=0.05, rel=0.005),
    Question("slow_down_kbit", NUMBER, down_kbit,
             "len= of the s2c packets from the first event's to the last event's, x 8 / 1000, "
             "over the time between them (tshark: tcp.len)", tol=0.05, rel=0.005),
]
