"""Lab 04 key -- XHR streaming: chunked NDJSON and multipart/x-mixed-replace
(captures/xhr.pcap, captures/multipart.pcap)."""
from measure import containing, event_json, first_tick, header, nth, nth_tick, ratio, stride
from questions import INT, NUMBER, TEXT, Question
from shared_questions import (chat_event, chat_seq, first_wait, header_bytes, mean_latency,
                              post_to_push, tick_interval, tshark_payload)


CAPTURES = {"xhr": "captures/xhr.pcap", "multipart": "captures/multipart.pcap"}


def main(c, name):
    return c[name].main_flow("chunk" if name == "xhr" else "part")


def tick_item(c, name, kind, n=1):
    """(items of that kind on the main flow, index of the one carrying its n-th tick)."""
    flow = main(c, name)
    items = flow.of_type(kind, "s2c")
    item = containing(items, nth_tick(flow, n)["offset"])
    return items, items.index(item)


def tick_size(c, name, kind):
    items, i = tick_item(c, name, kind)
    return items[i]["size"]


def tick_framing(c, name, kind, n=1):
    items, i = tick_item(c, name, kind, n)
    return stride(items, i) - items[i]["size"]


def first_response(c, name):
    return nth(main(c, name).responses(), 1, "responses")


def first_tick_len(c, name):
    return len(event_json(first_tick(main(c, name))))


def down_bytes_per_event(c, name):
    flow = main(c, name)
    return ratio(flow.summary["bytes_s2c"] if flow.summary else 0, len(flow.events()),
                 "the event count")

def chat_item_size(c, name, kind):
    """size= of the chunk or part that carries the chat event."""
    flow = main(c, name)
    return containing(flow.of_type(kind, "s2c"), chat_event(flow)["offset"])["size"]

QUESTIONS = [
    Question("ndjson_content_type", TEXT,
             lambda c: header(first_response(c, "xhr"), "Content-Type"),
             "the Content-Type of the /stream response in xhr.pcap"),
    Question("ndjson_chunk_size", INT, lambda c: tick_size(c, "xhr", "chunk"),
             "size= of the chunk that carries the first tick event"),
    Question("ndjson_line_overhead", INT,
             lambda c: tick_size(c, "xhr", "chunk") - first_tick_len(c, "xhr"),
             "that chunk's size minus the length of the event JSON"),
    Question("ndjson_chunk_framing_bytes", INT, lambda c: tick_framing(c, "xhr", "chunk"),
             "offset (@) of the next chunk minus this chunk's offset, minus its size"),
    Question("xhr_events", INT, lambda c: len(main(c, "xhr").events()),
             "count the event lines of the long-running flow in xhr.pcap"),
    header_bytes("xhr_header_bytes_per_event", lambda c: [main(c, "xhr")]),
    Question("multipart_boundary", TEXT,
             lambda c: nth(main(c, "multipart").of_type("part", "s2c"), 1, "parts")["boundary"],
             "the boundary= of the response's Content-Type, or of any part line"),
    Question("part_content_type", TEXT,
             lambda c: header(nth(main(c, "multipart").of_type("part", "s2c"), 1, "parts"),
                              "Content-Type"),
             "the Content-Type header inside a part (--json shows part headers)"),
    Question("part_size", INT, lambda c: tick_size(c, "multipart", "part"),
             "size= of the part that carries the first tick event"),
    # The second tick's part: the first part of a response lacks the CRLF
    # that starts every later delimiter (RFC 2046 §5.1.1).
    Question("part_overhead_bytes", INT, lambda c: tick_framing(c, "multipart", "part", 2),
             "offset (@) of the part after the second tick's minus that part's, minus its size"),
    mean_latency("multipart_mean_latency_ms", lambda c: [main(c, "multipart")],
                 "average latency= over the event lines of the long-running flow in multipart.pcap"),
    tick_interval("tick_interval_ms", lambda c: main(c, "xhr")),
    Question("multipart_down_bytes_per_event", NUMBER,
             lambda c: down_bytes_per_event(c, "multipart"),
             "down= of the long-running flow of multipart.pcap divided by its event count",
             tol=0.1, rel=0.002),
    chat_seq("chat_seq", lambda c: main(c, "xhr")),
    Question("chat_chunk_size", INT, lambda c: chat_item_size(c, "xhr", "chunk"),
             "size= of the chunk that carries the chat event in xhr.pcap"),
    Question("chat_part_size", INT, lambda c: chat_item_size(c, "multipart", "part"),
             "size= of the part that carries the chat event in multipart.pcap"),
    mean_latency("xhr_mean_latency_ms", lambda c: [main(c, "xhr")],
                 "average latency= over the event lines of the long-running flow in xhr.pcap"),
    post_to_push("xhr_post_to_push_ms", "xhr", lambda c: main(c, "xhr")),
    Question("multipart_events", INT, lambda c: len(main(c, "multipart").events()),
             "count the event lines of the long-running flow in multipart.pcap"),
    post_to_push("multipart_post_to_push_ms", "multipart", lambda c: main(c, "multipart")),
    first_wait("xhr_first_wait_ms", lambda c: main(c, "xhr"), "the long-running flow of xhr.pcap"),
    first_wait("multipart_first_wait_ms", lambda c: main(c, "multipart"),
               "the long-running flow of multipart.pcap"),
    tick_interval("multipart_tick_interval_ms", lambda c: main(c, "multipart")),
    tshark_payload("tshark_payload_bytes", "xhr"),
]
