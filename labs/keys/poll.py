"""Lab 01 key -- short polling and JSONP (captures/poll.pcap, captures/jsonp.pcap)."""
from capture import NotInCapture, busiest
from measure import (events_per_response, flows_asking, header, late_client_backlog, mean,
                     mean_latency_ms, nth, ratio)
from questions import INT, NUMBER, TEXT, Question
from shared_questions import header_bytes, mean_latency, tick_interval, tshark_payload


CAPTURES = {"poll": "captures/poll.pcap", "jsonp": "captures/jsonp.pcap"}


def poll_flow(c):
    return busiest(flows_asking(c["poll"], "/poll"), "flows asking /poll")


def jsonp_flow(c):
    return busiest(flows_asking(c["jsonp"], "/poll"), "flows asking /poll")


def interval_ms(c):
    times = [r["t"] for r in poll_flow(c).requests()]
    return mean([(b - a) * 1000.0 for a, b in zip(times, times[1:])], "pairs of requests")


def send_status(c):
    for f in c["poll"].flow_list():
        for req, resp in f.exchanges():
            if req["method"] == "POST" and req["target"] == "/send" and resp:
                return resp["status"]
    raise NotInCapture("no answered POST /send")


def jsonp_callback(c):
    target = nth(jsonp_flow(c).requests(), 1, "requests")["target"]
    for param in target.partition("?")[2].split("&"):
        name, _, value = param.partition("=")
        if name == "callback":
            return value
    raise NotInCapture("the first JSONP request names no callback")


def first_head(flow):
    return nth(flow.requests(), 1, "requests")["head_bytes"]


def latency_share(c):
    """Mean latency over the poll interval: 0.5 if events came at random
    moments of the interval; a fixed phase gives any value in [0, 1)."""
    return ratio(mean_latency_ms([poll_flow(c)]), interval_ms(c), "the poll interval")


def response_head_share(c):
    """The responses' part of all head bytes of the long-running flow."""
    flow = poll_flow(c)
    return ratio(sum(r["head_bytes"] for r in flow.responses()), flow.head_bytes(),
                 "the head bytes")

QUESTIONS = [
    Question("poll_requests", INT, lambda c: len(poll_flow(c).requests()),
             "count the http_request lines of the flow that delivered the most events"),
    Question("poll_interval_ms", NUMBER, interval_ms,
             "average the gaps between consecutive requests of that flow (their t column)",
             tol=1.0, rel=0.01),
    Question("poll_empty_responses", INT,
             lambda c: events_per_response(poll_flow(c)).count(0),
             "a response is empty when no event line follows it before the next response"),
    Question("poll_request_head_bytes", INT, lambda c: first_head(poll_flow(c)),
             "read head= on the first http_request line"),
    header_bytes("poll_header_bytes_per_event", lambda c: [poll_flow(c)],
                 "add head= of every request and response of the flow, divide by its event count"),
    mean_latency("poll_mean_latency_ms", lambda c: [poll_flow(c)]),
    Question("late_client_events", INT, lambda c: late_client_backlog(c["poll"], "/poll"),
             "find the second flow that asks GET /poll; count the events after its first response"),
    Question("send_status", INT, send_status,
             "find the response that answers POST /send"),
    Question("jsonp_callback", TEXT, jsonp_callback,
             "read the callback= parameter of a request in jsonp.pcap"),
    Question("jsonp_content_type", TEXT,
             lambda c: header(nth(jsonp_flow(c).responses(), 1, "responses"),
                              "Content-Type"),
             "the whole Content-Type value of a JSONP response (--json shows headers)"),
    Question("callback_param_bytes", INT, lambda c: len("&callback=" + jsonp_callback(c)),
             "the & or ?, callback= and the name; compare head= of a poll and a JSONP request"),
    header_bytes("jsonp_header_bytes_per_event", lambda c: [jsonp_flow(c)],
                 "as for poll_header_bytes_per_event, on jsonp.pcap"),
    tick_interval("tick_interval_ms", poll_flow),
    Question("latency_share_of_interval", NUMBER, latency_share,
             "poll_mean_latency_ms divided by poll_interval_ms", tol=0.005, rel=0.01),
    Question("response_head_share", NUMBER, response_head_share,
             "head= of the flow's responses added up, divided by all its head bytes",
             tol=0.002, rel=0.002),
    tshark_payload("tshark_payload_bytes", "poll"),
]
