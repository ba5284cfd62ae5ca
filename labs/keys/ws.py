"""Lab 07 key -- WebSocket (captures/ws.pcap)."""
import base64
import hashlib

from capture import NotInCapture
from measure import containing, header, nth, ratio
from questions import EXACT, HEX, INT, NUMBER, TEXT, Question
from shared_questions import (chat_event, chat_seq, first_wait, header_bytes, mean_latency,
                              tick_interval, tshark_payload)


CAPTURES = {"ws": "captures/ws.pcap"}

# RFC 6455 §1.3: the GUID every server appends to the key before hashing.
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def main(c):
    return c["ws"].main_flow("ws_frame")


def frames(c, direction, opcode=None):
    return [f for f in c["ws"].of_type("ws_frame", direction)
            if opcode is None or f["opcode"] == opcode]


def accept(c):
    """The Sec-WebSocket-Accept of the main flow, checked against RFC 6455:
    a capture whose server answered wrongly has no right answer to teach."""
    req = nth(main(c).requests(), 1, "requests")
    resp = nth(main(c).responses(), 1, "responses")
    key = header(req, "Sec-WebSocket-Key")
    expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    got = header(resp, "Sec-WebSocket-Accept")
    if got != expected:
        raise NotInCapture("the server's accept %s is not base64(sha1(key + GUID)) = %s"
                           % (got, expected))
    return got


def masked_server_frames(c):
    sent = frames(c, "s2c")
    if not sent:
        raise NotInCapture("no server frames")
    return sum(1 for f in sent if f["masked"])


def chat_echo_ms(c):
    """From the first client text frame to the server's next text frame on
    the same flow (the chat event it caused), in ms."""
    sent = nth(frames(c, "c2s", 1), 1, "client text frames")
    for f in c["ws"].flows[sent["flow"]].of_type("ws_frame", "s2c"):
        if f["opcode"] == 1 and f["t"] >= sent["t"]:
            return (f["t"] - sent["t"]) * 1000.0
    raise NotInCapture("no server text frame followed the client's")


def frame_overhead_share(c):
    """Frame header bytes over all the bytes the server sent in frames."""
    sent = frames(c, "s2c")
    return ratio(sum(f["header_len"] for f in sent),
                 sum(f["header_len"] + f["len"] for f in sent), "the frame bytes")


def chat_frame_bytes(c):
    """The first client text frame on the wire: header, mask key, payload."""
    f = nth(frames(c, "c2s", 1), 1, "client text frames")
    return f["header_len"] + f["len"]

def chat_frame_len(c):
    """len= of the server's text frame that carries the chat event."""
    flow = main(c)
    return containing(frames_of(flow), chat_event(flow)["offset"])["len"]


def frames_of(flow):
    return [f for f in flow.of_type("ws_frame", "s2c") if f["opcode"] == 1]

QUESTIONS = [
    Question("handshake_status", INT,
             lambda c: nth(main(c).responses(), 1, "responses")["status"],
             "the status of the response to GET /ws"),
    Question("accept_value", EXACT, accept,
             "the Sec-WebSocket-Accept header of the long-running flow; compute it from the key"),
    Question("server_frame_header_bytes", INT,
             lambda c: nth(frames(c, "s2c", 1), 1, "server text frames")["header_len"],
             "bytes before the payload of a server text frame: 2 + length bytes (+ mask key)"),
    Question("client_frame_header_bytes", INT,
             lambda c: nth(frames(c, "c2s"), 1, "client frames")["header_len"],
             "bytes before the payload of the first client frame: remember its masking key"),
    Question("third_client_mask_key", HEX,
             lambda c: nth(frames(c, "c2s"), 3, "client frames")["mask_key"],
             "the key= of the third c2s ws_frame line, counting across all flows"),
    Question("masked_server_frames", INT, masked_server_frames,
             "count the s2c ws_frame lines that say masked"),
    Question("client_close_code", INT,
             lambda c: nth(frames(c, "c2s", 8), 1, "client close frames")["close_code"],
             "code= of the first close frame a client sent"),
    Question("client_close_reason", TEXT,
             lambda c: nth(frames(c, "c2s", 8), 1, "client close frames")["close_reason"],
             "the close payload after its 2-byte code, as text (--json: close_reason)"),
    Question("chat_echo_ms", NUMBER, chat_echo_ms,
             "t of the server text frame after the client's text frame, minus the client's, in ms",
             tol=0.005, rel=0.02),
    header_bytes("ws_header_bytes_per_event", lambda c: [main(c)],
                 "head= of the handshake request and response, divided by the flow's event count"),
    tick_interval("tick_interval_ms", main),
    Question("chat_frame_bytes", INT, chat_frame_bytes,
             "the header (with its masking key) plus the payload of the client's text frame"),
    Question("frame_overhead_share", NUMBER, frame_overhead_share,
             "header bytes of the s2c frames divided by their header + payload bytes",
             tol=0.002, rel=0.005),
    mean_latency("ws_mean_latency_ms", lambda c: [main(c)],
                 "average latency= over the event lines of the long-running flow"),
    chat_seq("chat_seq", main),
    Question("chat_event_frame_len", INT, chat_frame_len,
             "len= of the server text frame that carries the chat event (long-running flow)"),
    first_wait("first_wait_ms", main),
    tshark_payload("tshark_payload_bytes", "ws"),
]
