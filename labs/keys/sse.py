"""Lab 06 key -- Server-Sent Events (captures/sse.pcap).

The capture also holds a reconnection: the server is stopped and started
again, and the client comes back after the retry: delay with
Last-Event-ID.  retry: and the comment heartbeats are read from the
stream's bytes (rawstream.py), which hold them however the server framed
them: pushviz reports a comment as an item of its own only when it is a
block of its own (DESIGN.md, sse_comment)."""
import re

from capture import NotInCapture
from measure import containing, first_tick, header, nth, stride
from questions import INT, NUMBER, TEXT, Question
from rawstream import stream
from shared_questions import (chat_event, down_rate, first_wait, header_bytes, mean_latency,
                              post_to_push, tick_interval, tshark_payload)

CAPTURES = {"sse": "captures/sse.pcap"}


def main(c):
    return c["sse"].main_flow("sse_event")


def id_events(c):
    """The sse_event items of the main flow that carry an id (the pushlab events)."""
    return [e for e in main(c).of_type("sse_event", "s2c") if e["id"] is not None]


def blocks(c):
    """Every block the server sent on the main flow, in stream order: the
    sse_event items and the sse_comment ones (the `retry:` prelude, the
    heartbeats).  An event's own bytes end where the next block starts,
    whatever that block is: a heartbeat between two events is not part of
    either."""
    return sorted(main(c).of_type("sse_event", "s2c") + main(c).of_type("sse_comment", "s2c"),
                  key=lambda it: it["offset"])


def own_bytes(c, offset):
    """The bytes on the wire of the sse_event holding a stream offset: from
    its offset to the next block's (what its `bytes` in --json says)."""
    items = blocks(c)
    ev = containing([it for it in items if it["type"] == "sse_event"], offset)
    return ev, stride(items, items.index(ev))


def prelude_bytes(c):
    head = nth(main(c).responses(), 1, "responses")["head_bytes"]
    return nth(id_events(c), 1, "events with an id")["offset"] - head


def event_bytes(c):
    return own_bytes(c, first_tick(main(c))["offset"])[1]


def field_overhead(c):
    ev, size = own_bytes(c, first_tick(main(c))["offset"])
    return size - len(ev["data"].encode())


def chat_event_name(c):
    flow = main(c)
    chats = [e for e in flow.events() if e["kind"] == "chat"]
    if not chats:
        raise NotInCapture("flow %d delivered no chat event" % flow.id)
    return containing(flow.of_type("sse_event", "s2c"), chats[0]["offset"])["event"]


def last_id(c):
    events = id_events(c)
    if not events:
        raise NotInCapture("no event with an id")
    return int(events[-1]["id"])


def reconnection(c):
    """The first /events request that carries Last-Event-ID, and its flow."""
    for f in c["sse"].flow_list():
        for req in f.requests():
            if any(k.lower() == "last-event-id" for k, _ in req["headers"]):
                return f, req
    raise NotInCapture("no request carries Last-Event-ID (no reconnection)")


def reconnect_delay_ms(c):
    """From the end of the long-running connection (its flow line) to the
    first packet of the reconnection."""
    old = main(c)
    new, _ = reconnection(c)
    if not old.summary:
        raise NotInCapture("flow %d has no summary line" % old.id)
    return (new.items[0]["t"] - old.summary["t"]) * 1000.0


def replayed_events(c):
    """Events of the reconnection that came with its response head (within
    5 ms): the server's backlog after the Last-Event-ID."""
    flow, _ = reconnection(c)
    resp = nth(flow.responses(), 1, "responses of the reconnection")
    return sum(1 for e in flow.events() if e["t"] - resp["t"] < 0.005)


def body(c):
    """The bytes the server sent on the long-running connection."""
    flow = main(c)
    if not flow.summary:
        raise NotInCapture("flow %d has no summary line" % flow.id)
    return stream(c["sse"].path, flow.summary["server"], flow.summary["client"])


def retry_ms(c):
    m = re.search(rb"(?m)^retry: ?(\d+)\r?$", body(c))
    if not m:
        raise NotInCapture("the stream has no retry: field")
    return int(m.group(1))


def heartbeats(c):
    return len(re.findall(rb"(?m)^:", body(c)))


def first_heartbeat_ms(c):
    """From the response head of the long-running flow to the packet that
    carried its first comment heartbeat (a ': ' line after the events
    began)."""
    flow = main(c)
    m = re.search(rb"(?m)^: ?heartbeat", body(c))
    if not m:
        raise NotInCapture("the long-running connection carried no heartbeat")
    packet = containing([p for p in flow.of_type("tcp", "s2c") if p["len"]], m.start())
    return (packet["t"] - nth(flow.responses(), 1, "responses")["t"]) * 1000.0


def chat_event_bytes(c):
    """The chat's sse_event on the wire: from its offset to the next
    block's (a heartbeat that follows it is not counted)."""
    return own_bytes(c, chat_event(main(c))["offset"])[1]


QUESTIONS = [
    Question("sse_content_type", TEXT,
             lambda c: header(nth(main(c).responses(), 1, "responses"), "Content-Type"),
             "the Content-Type of the /events response"),
    Question("sse_accept", TEXT,
             lambda c: header(nth(main(c).requests(), 1, "requests"), "Accept"),
             "the Accept header of the client's GET /events"),
    Question("prelude_bytes", INT, prelude_bytes,
             "offset (@) of the first sse_event with an id minus head= of the response"),
    Question("event_bytes", INT, event_bytes,
             "offset of the line after the first tick's sse_event (the next sse_event or "
             "sse_comment) minus the first tick's offset"),
    Question("field_overhead_bytes", INT, field_overhead,
             "that event's bytes on the wire minus the length of its data"),
    Question("chat_event_name", TEXT, chat_event_name,
             "the event= of the sse_event that carries the chat message"),
    Question("last_event_id", INT, last_id,
             "the id= of the last sse_event of the long-running flow"),
    Question("sse_events", INT, lambda c: len(main(c).events()),
             "count the event lines of the flow that delivered the most events"),
    header_bytes("sse_header_bytes_per_event", lambda c: [main(c)]),
    mean_latency("sse_mean_latency_ms", lambda c: [main(c)]),
    tick_interval("tick_interval_ms", main),
    Question("retry_ms", INT, retry_ms,
             "the retry: line of the stream (curl shows it; tshark -Y http -T fields -e "
             "http.file_data, or Follow TCP Stream in Wireshark)"),
    Question("reconnect_delay_ms", NUMBER, reconnect_delay_ms,
             "t of the first packet of the connection that sends Last-Event-ID minus t of the "
             "long-running flow's flow line", tol=2.0, rel=0.01),
    Question("resume_last_event_id", INT,
             lambda c: int(header(reconnection(c)[1], "Last-Event-ID")),
             "the Last-Event-ID header of the reconnecting request (--json)"),
    Question("replayed_events", INT, replayed_events,
             "event lines of the reconnected flow with the same t as its response (within 5 ms)"),
    Question("heartbeats", INT, heartbeats,
             "comment lines (starting with ':') the long-running connection carried"),
    first_wait("first_wait_ms", main),
    post_to_push("post_to_push_ms", "sse", main),
    Question("chat_event_bytes", INT, chat_event_bytes,
             "offset of the line after the chat's sse_event (the next sse_event or sse_comment: "
             "a heartbeat is not part of the event) minus the chat's offset"),
    tshark_payload("tshark_payload_bytes", "sse"),
    Question("first_heartbeat_ms", NUMBER, first_heartbeat_ms,
             "t of the packet that carried the first ': heartbeat' line of the long-running "
             "flow minus t of its response, in ms", tol=0.005, rel=0.001),
    down_rate("down_bytes_per_s", main),
]
