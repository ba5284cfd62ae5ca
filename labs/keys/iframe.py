"""Lab 03 key -- iframe streaming (captures/iframe.pcap)."""
from measure import containing, event_json, first_tick, header, nth, ratio, stride
from questions import INT, NUMBER, TEXT, Question
from shared_questions import (chat_event, chat_latency, chat_seq, down_rate, first_wait,
                              header_bytes, mean_latency, post_to_push, tick_interval,
                              tshark_payload)


CAPTURES = {"iframe": "captures/iframe.pcap"}


def main(c):
    return c["iframe"].main_flow("chunk")


def response(c):
    return nth(main(c).responses(), 1, "responses")


def tick_chunk(c):
    """(chunks of the main flow, index of the chunk carrying its first tick)."""
    chunks = main(c).of_type("chunk", "s2c")
    chunk = containing(chunks, first_tick(main(c))["offset"])
    return chunks, chunks.index(chunk)


def tick_chunk_size(c):
    chunks, i = tick_chunk(c)
    return chunks[i]["size"]


def chunk_framing(c):
    chunks, i = tick_chunk(c)
    return stride(chunks, i) - chunks[i]["size"]


def down_bytes_per_event(c):
    flow = main(c)
    return ratio(flow.summary["bytes_s2c"] if flow.summary else 0, len(flow.events()),
                 "the event count")


def prelude_share(c):
    """The padding prelude's part of everything the server sent."""
    flow = main(c)
    first = nth(flow.of_type("chunk", "s2c"), 1, "chunks")["size"]
    return ratio(first, flow.summary["bytes_s2c"] if flow.summary else 0, "down=")

def chat_chunk_size(c):
    flow = main(c)
    return containing(flow.of_type("chunk", "s2c"), chat_event(flow)["offset"])["size"]

QUESTIONS = [
    Question("iframe_content_type", TEXT, lambda c: header(response(c), "Content-Type"),
             "the whole Content-Type value of the /stream response (--json shows headers)"),
    Question("iframe_transfer_encoding", TEXT, lambda c: header(response(c), "Transfer-Encoding"),
             "the Transfer-Encoding header of the /stream response"),
    Question("prelude_chunk_size", INT,
             lambda c: nth(main(c).of_type("chunk", "s2c"), 1, "chunks")["size"],
             "size= of the first chunk line of the long-running flow"),
    Question("event_chunk_size", INT, tick_chunk_size,
             "size= of the chunk that carries the first tick event"),
    Question("script_wrapper_bytes", INT,
             lambda c: tick_chunk_size(c) - len(event_json(first_tick(main(c)))),
             "that chunk's size minus the length of the event JSON it carries"),
    Question("chunk_framing_bytes", INT, chunk_framing,
             "offset (@) of the next chunk minus this chunk's offset, minus its size"),
    Question("iframe_events", INT, lambda c: len(main(c).events()),
             "count the event lines of the long-running flow"),
    header_bytes("iframe_header_bytes_per_event", lambda c: [main(c)]),
    mean_latency("iframe_mean_latency_ms", lambda c: [main(c)]),
    tick_interval("tick_interval_ms", main),
    Question("down_bytes_per_event", NUMBER, down_bytes_per_event,
             "down= of the long-running flow divided by its event count", tol=0.1, rel=0.002),
    Question("prelude_share", NUMBER, prelude_share,
             "the first chunk's size divided by down= of the flow", tol=0.002, rel=0.005),
    Question("chat_chunk_size", INT, chat_chunk_size,
             "size= of the chunk that carries the chat event"),
    chat_seq("chat_seq", main),
    post_to_push("post_to_push_ms", "iframe", main),
    first_wait("first_wait_ms", main),
    tshark_payload("tshark_payload_bytes", "iframe"),
    chat_latency("chat_latency_ms", main),
    down_rate("down_bytes_per_s", main),
]
