"""Lab 06 key -- Server-Sent Events (captures/sse.pcap)."""
from capture import NotInCapture
from measure import (containing, first_tick, header, header_bytes_per_event, mean_latency_ms,
                     nth, stride)
from questions import INT, NUMBER, TEXT, Question

CAPTURES = {"sse": "captures/sse.pcap"}


def main(c):
    return c["sse"].main_flow("sse_event")


def id_events(c):
    """The sse_event items of the main flow that carry an id (the pushlab events)."""
    return [e for e in main(c).of_type("sse_event", "s2c") if e["id"] is not None]


def prelude_bytes(c):
    head = nth(main(c).responses(), 1, "responses")["head_bytes"]
    return nth(id_events(c), 1, "events with an id")["offset"] - head


def tick_event(c):
    events = id_events(c)
    ev = containing(events, first_tick(main(c))["offset"])
    return events, events.index(ev)


def event_bytes(c):
    events, i = tick_event(c)
    return stride(events, i)


def field_overhead(c):
    events, i = tick_event(c)
    return stride(events, i) - len(events[i]["data"].encode())


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
             "offset of the sse_event after the first tick minus the first tick's offset"),
    Question("field_overhead_bytes", INT, field_overhead,
             "that event's bytes on the wire minus the length of its data"),
    Question("chat_event_name", TEXT, chat_event_name,
             "the event= of the sse_event that carries the chat message"),
    Question("last_event_id", INT, last_id,
             "the id= of the last sse_event of the long-running flow"),
    Question("sse_events", INT, lambda c: len(main(c).events()),
             "count the event lines of the flow that delivered the most events"),
    Question("sse_header_bytes_per_event", NUMBER,
             lambda c: header_bytes_per_event([main(c)]),
             "head= of the request and the response, divided by the flow's event count",
             tol=0.1, rel=0.005),
    Question("sse_mean_latency_ms", NUMBER, lambda c: mean_latency_ms([main(c)]),
             "average latency= over the event lines of that flow", tol=0.01, rel=0.001),
]
