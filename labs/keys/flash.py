"""Lab 05 key -- the Flash-style socket (captures/flash.pcap)."""
import re

from capture import NotInCapture
from measure import containing, first_tick, nth, ratio, stride
from questions import INT, NUMBER, TEXT, Question
from shared_questions import chat_seq, first_wait, mean_latency, tick_interval, tshark_payload


CAPTURES = {"flash": "captures/flash.pcap"}


def flash_items(c, kind, direction=None):
    return [it for it in c["flash"].of_type("flash", direction) if it["kind"] == kind]


def policy_flows(c):
    return [f for f in c["flash"].flow_list()
            if any(it["kind"] == "policy_request" for it in f.of_type("flash", "c2s"))]


def policy_request_bytes(c):
    flow = nth(policy_flows(c), 1, "policy connections")
    if not flow.summary:
        raise NotInCapture("flow %d has no summary line" % flow.id)
    return flow.summary["bytes_c2s"]


def policy_port(c):
    text = nth(flash_items(c, "policy", "s2c"), 1, "policies")["text"]
    m = re.search(r'to-ports="(\d+)"', text)
    if not m:
        raise NotInCapture("the policy names no to-ports")
    return int(m.group(1))


def tick_message(c):
    """(messages of the main data flow, index of the one carrying its first tick)."""
    flow = c["flash"].main_flow("flash")
    msgs = [it for it in flow.of_type("flash", "s2c") if it["kind"] == "message"]
    msg = containing(msgs, first_tick(flow)["offset"])
    return msgs, msgs.index(msg)


def message_bytes(c):
    msgs, i = tick_message(c)
    return stride(msgs, i)


def terminator_bytes(c):
    msgs, i = tick_message(c)
    return stride(msgs, i) - len(msgs[i]["text"].encode())


def chat_wire_bytes(c):
    """The client's chat message on the wire: its text and the NUL."""
    msgs = flash_items(c, "message", "c2s")
    return len(nth(msgs, 1, "client messages")["text"].encode()) + 1


def down_bytes_per_event(c):
    flow = c["flash"].main_flow("flash")
    return ratio(flow.summary["bytes_s2c"] if flow.summary else 0, len(flow.events()),
                 "the event count")

QUESTIONS = [
    Question("policy_connections", INT, lambda c: len(policy_flows(c)),
             "count the flows that carry a policy_request"),
    Question("policy_request_bytes", INT, policy_request_bytes,
             "the up= bytes of the first policy flow's summary line (the request and its end)"),
    Question("policy_port", INT, policy_port,
             "the to-ports value in the policy XML (pushviz --json shows the whole text)"),
    Question("http_requests", INT, lambda c: len(c["flash"].of_type("http_request")),
             "count the http_request lines of the whole capture"),
    Question("message_bytes", INT, message_bytes,
             "offset (@) of the message after the first tick minus the first tick's offset"),
    Question("terminator_bytes", INT, terminator_bytes,
             "that message's bytes on the wire minus the length of its text"),
    Question("chat_text", TEXT,
             lambda c: nth(flash_items(c, "message", "c2s"), 1, "client messages")["text"],
             "the text of the message a client sent (c2s)"),
    Question("flash_events", INT, lambda c: len(c["flash"].main_flow("flash").events()),
             "count the event lines of the flow that delivered the most events"),
    mean_latency("flash_mean_latency_ms", lambda c: [c["flash"].main_flow("flash")]),
    tick_interval("tick_interval_ms", lambda c: c["flash"].main_flow("flash")),
    Question("chat_wire_bytes", INT, chat_wire_bytes,
             "the bytes of the client's message on the wire: its text in UTF-8 and its end"),
    Question("down_bytes_per_event", NUMBER, down_bytes_per_event,
             "down= of the long-running flow divided by its event count", tol=0.1, rel=0.002),
    chat_seq("chat_seq", lambda c: c["flash"].main_flow("flash")),
    first_wait("first_wait_ms", lambda c: c["flash"].main_flow("flash")),
    tshark_payload("tshark_payload_bytes", "flash"),
]
