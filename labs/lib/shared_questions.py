"""shared_questions.py -- questions that every lab asks, written once.

  tick_interval(name, flow)   the server's tick period, from the events' ts
                              (it differs per student: labs/lib/student.py)
  header_bytes(name, flows)   HTTP head bytes per event delivered: what the
                              headers cost each message
  mean_latency(name, flows)   the mean latency= of the events delivered
  post_to_push(name, flow)    from the chat's POST /send to the chat event on
                              the long-running flow: a push's own delay
  first_wait(flow)            from the flow's first byte to its first event: the
                              phase of the student's client against the ticks
  down_rate(flow)             bytes the server sent a second over the flow's life
  chat_latency(flow)          latency of the chat event: a push's own delay
  tshark_payload(name)        the lab's tshark cross-check: TCP payload bytes
                              of the capture, which `tshark -r FILE -T fields
                              -e tcp.len` adds up to and pushviz's flow lines
                              (up= + down=) must match
"""
from capture import NotInCapture
from measure import (TSHARK_PAYLOAD, header_bytes_per_event, mean_latency_ms, payload_bytes,
                     tick_interval_ms)
from questions import INT, NUMBER, Question


def tick_interval(qid, flow):
    """flow: function(captures) -> the Flow whose ticks are measured."""
    return Question(qid, NUMBER, lambda c: tick_interval_ms(flow(c)),
                    "the ts of a tick event minus the ts of the tick before it (--json), "
                    "averaged over the long-running flow", tol=0.5, rel=0.001)


def header_bytes(qid, flows, how="head= of the request and the response, divided by the flow's "
                                   "event count"):
    """flows: function(captures) -> the Flows whose heads and events are counted."""
    return Question(qid, NUMBER, lambda c: header_bytes_per_event(flows(c)), how,
                    tol=0.1, rel=0.005)


def mean_latency(qid, flows, how="average latency= over the event lines of that flow"):
    """flows: function(captures) -> the Flows whose events are averaged."""
    return Question(qid, NUMBER, lambda c: mean_latency_ms(flows(c)), how, tol=0.01, rel=0.001)


def tshark_payload(qid, name):
    return Question(qid, INT, lambda c: payload_bytes(c[name]),
                    "run %s on the capture; it must equal the sum of up= and down= of the "
                    "flow lines" % TSHARK_PAYLOAD)


def chat_event(flow):
    """The first chat event a flow delivered."""
    for e in flow.events():
        if e["kind"] == "chat":
            return e
    raise NotInCapture("flow %d delivered no chat event" % flow.id)


def post_to_push_ms(capture, flow):
    """t of the chat event on the flow minus t of the POST /send that made it."""
    posts = [r for r in capture.of_type("http_request")
             if r["method"] == "POST" and r["target"] == "/send"]
    if not posts:
        raise NotInCapture("no POST /send")
    return (chat_event(flow)["t"] - posts[0]["t"]) * 1000.0


def post_to_push(qid, name, flow):
    return Question(qid, NUMBER, lambda c: post_to_push_ms(c[name], flow(c)),
                    "t of the chat event line of the long-running flow minus t of the "
                    "POST /send request, in ms", tol=0.005, rel=0.01)


def chat_seq(qid, flow):
    return Question(qid, INT, lambda c: chat_event(flow(c))["seq"],
                    "the seq= of the event line that carries the chat message")


def down_rate(qid, flow):
    """down= of the flow over its life: its flow line's t minus its first
    packet's t (a stream's cost per second, ticks and all)."""
    def rate(c):
        f = flow(c)
        if not f.summary:
            raise NotInCapture("flow %d has no summary line" % f.id)
        return f.summary["bytes_s2c"] / (f.summary["t"] - f.items[0]["t"])
    return Question(qid, NUMBER, rate,
                    "down= of the long-running flow divided by (t of its flow line - t of its "
                    "first packet), in bytes per second", tol=0.05, rel=0.005)


def chat_latency(qid, flow):
    return Question(qid, NUMBER, lambda c: chat_event(flow(c))["latency_ms"],
                    "the latency= of the chat event line of the long-running flow",
                    tol=0.005, rel=0.001)


def first_wait_ms(flow):
    """t of the flow's first event minus t of its first item (the SYN)."""
    events = flow.events()
    if not events:
        raise NotInCapture("flow %d delivered no event" % flow.id)
    return (events[0]["t"] - flow.items[0]["t"]) * 1000.0


def first_wait(qid, flow, where="the long-running flow"):
    return Question(qid, NUMBER, lambda c: first_wait_ms(flow(c)),
                    "t of the first event line of %s minus t of its first packet, in ms" % where,
                    tol=0.005, rel=0.01)
