"""Lab 02 key -- long polling (captures/longpoll.pcap)."""
from capture import busiest
from measure import (events_per_response, flows_asking, held_ms, late_client_backlog, mean, ratio,
                     tick_interval_ms)
from questions import INT, NUMBER, Question
from shared_questions import header_bytes, mean_latency, tick_interval, tshark_payload


CAPTURES = {"longpoll": "captures/longpoll.pcap"}


def main(c):
    return busiest(flows_asking(c["longpoll"], "/poll"), "flows asking /poll")


def reask_gap_ms(c):
    pairs = main(c).exchanges()
    gaps = [(pairs[i + 1][0]["t"] - resp["t"]) * 1000.0
            for i, (_, resp) in enumerate(pairs[:-1]) if resp]
    return mean(gaps, "responses followed by a new request")


def held_share(c):
    """Mean time a request was held over the tick interval.  Near 1, not
    0.5: the client asks again the moment a tick answers it, so each
    request waits almost a whole interval for the next tick (measured 0.82
    to 0.91: the first request, made at the client's own phase, and those
    around the chat event, which comes between two ticks, wait less)."""
    flow = main(c)
    held = [held_ms(flow, n) for n in range(1, len(flow.exchanges()) + 1)
            if flow.exchanges()[n - 1][1] is not None]
    return ratio(mean(held, "answered requests"), tick_interval_ms(flow), "the tick interval")


def requests_per_event(c):
    return ratio(len(main(c).requests()), len(main(c).events()), "the event count")

QUESTIONS = [
    Question("longpoll_requests", INT, lambda c: len(main(c).requests()),
             "count the http_request lines of the flow that delivered the most events"),
    Question("first_held_ms", NUMBER, lambda c: held_ms(main(c), 1),
             "t of the first response minus t of the first request, in ms", tol=0.05, rel=0.001),
    Question("second_held_ms", NUMBER, lambda c: held_ms(main(c), 2),
             "t of the second response minus t of the second request, in ms",
             tol=0.05, rel=0.001),
    Question("reask_gap_ms", NUMBER, reask_gap_ms,
             "for each response, the time until the client's next request; average them (ms)",
             tol=0.01, rel=0.02),
    Question("longpoll_empty_responses", INT,
             lambda c: events_per_response(main(c)).count(0),
             "a response is empty when no event follows it before the next response"),
    Question("unanswered_requests", INT,
             lambda c: sum(1 for _, resp in main(c).exchanges() if resp is None),
             "requests of that flow with no response before the capture ends"),
    header_bytes("longpoll_header_bytes_per_event", lambda c: [main(c)],
                 "add head= of every request and response of the flow, divide by its event count"),
    mean_latency("longpoll_mean_latency_ms", lambda c: [main(c)]),
    Question("late_client_events", INT, lambda c: late_client_backlog(c["longpoll"], "/poll"),
             "find the second flow that asks GET /poll; count the events after its first response"),
    tick_interval("tick_interval_ms", main),
    Question("held_share_of_interval", NUMBER, held_share,
             "the mean of (response t - request t) over answered requests, divided by "
             "tick_interval_ms", tol=0.01, rel=0.01),
    Question("requests_per_event", NUMBER, requests_per_event,
             "longpoll_requests divided by the flow's event count", tol=0.005, rel=0.005),
    tshark_payload("tshark_payload_bytes", "longpoll"),
]
