"""shared_questions.py -- questions that every lab asks, written once.

  tick_interval(name, flow)   the server's tick period, from the events' ts
                              (it differs per student: labs/lib/student.py)
  tshark_payload(name)        the lab's tshark cross-check: TCP payload bytes
                              of the capture, which `tshark -r FILE -T fields
                              -e tcp.len` adds up to and pushviz's flow lines
                              (up= + down=) must match
"""
from measure import TSHARK_PAYLOAD, payload_bytes, tick_interval_ms
from questions import INT, NUMBER, Question


def tick_interval(qid, flow):
    """flow: function(captures) -> the Flow whose ticks are measured."""
    return Question(qid, NUMBER, lambda c: tick_interval_ms(flow(c)),
                    "the ts of a tick event minus the ts of the tick before it (--json), "
                    "averaged over the long-running flow", tol=0.5, rel=0.001)


def tshark_payload(qid, name):
    return Question(qid, INT, lambda c: payload_bytes(c[name]),
                    "run %s on the capture; it must equal the sum of up= and down= of the "
                    "flow lines" % TSHARK_PAYLOAD)
