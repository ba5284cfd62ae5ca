"""student.py -- the parameters of one student's labs, derived from the ID.

A class that reads one reference capture shares one set of answers.  So
every student records (or is handed) a capture made with parameters of
their own, derived from their ID by a hash: the tick interval and the
moment the client starts against it (the event phase), the poll interval
(kept apart from the tick interval's multiples: phases_spread),
the SSE heartbeat period and `retry:` value, how long the server stays
down when it is restarted, how long the client runs, the chat text and
its length, and lab 09's loss rate, link rate and tick periods.  The same
ID always gives the same parameters, so an instructor can record a
student's kit again.

What makes two students' answers differ: every time and rate a question
asks is measured on their own timers (to the millisecond: they differ);
every size that holds the chat differs with its length (8 to 160
characters after the token); the event counts follow the tick interval
(300 to 1200 ms) and the poll interval, so two students share a count
now and then -- no derivation from IDs can prevent that, there are more
IDs than counts.  With the look-ups that are the same for everyone (a
Content-Type, a framing byte count) that leaves each lab more than half
of its answers apart for nearly every pair; a lab rich in counts needs
two of these spreads to collide at once to come down to half
(tests/labs/test_labs_personal.py checks several pairs of IDs).

The chat message also carries a token, a hash of the ID and the lab.
`labs/check --student ID` looks for it in the capture, so that a capture
made for one student (or for one lab) is not graded as another's.  It is
not a secret -- anyone may run `labs/start --student` with any ID -- it
only makes a copied answers file fail on the copier's own capture.
"""
import hashlib
import re

# Ranges of the parameters.  Each is wide enough that two IDs rarely share
# a value, and narrow enough that every lab's question still has an answer
# in a capture of a few seconds.
INTERVAL_MS = (300, 1200)      # server tick period (to the ms: a wide spread of event counts)
POLL_INTERVAL_MS = (500, 1500)  # short-polling client period (to the ms)
HEARTBEAT_S = (3, 5)           # SSE comment period (>= 3 s: after the 2nd tick)
RETRY_MS = (400, 1500)         # SSE retry: field
DOWN_MS = (300, 1500)          # SSE lab: how long the restarted server is down
DURATION_S = (9, 13)           # how long the long-running client runs
LOSS_TENTHS = (50, 90)         # lab 09: the lossy link's loss, in tenths of a percent
LOSS_INTERVAL_MS = (40, 70)    # lab 09: tick period over the lossy link
RATE_KBIT = (16, 32)           # lab 09: the slow link's rate
FLOOD_INTERVAL_MS = (8, 12)    # lab 09: tick period over the slow link (more than it carries)
CHAT_WORDS = (8, 160)          # characters of words after the chat's token
WORDS = ("amber", "basalt", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo",
         "juniper", "kestrel", "lagoon", "meadow", "nimbus", "orchid", "pebble", "quartz",
         "raven", "saffron", "tundra", "umber", "violet", "willow", "yarrow", "zephyr")

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def phases_spread(interval_ms, poll_ms):
    """True when ticks every interval_ms fall at points of a poll interval
    of poll_ms that move by at least a twentieth of it from one tick to the
    next.  Equal periods, or one a multiple of the other, keep every tick
    at the same point: each event then waits the same time for its poll,
    anything from 0 to a whole interval by chance, and a mean latency
    tells nothing about polling."""
    step = interval_ms % poll_ms
    return min(step, poll_ms - step) * 20 >= poll_ms


def _poll_apart(interval_ms, poll_ms):
    """poll_ms, or the next period of POLL_INTERVAL_MS (wrapping round) whose
    phases spread against interval_ms."""
    lo, hi = POLL_INTERVAL_MS
    while not phases_spread(interval_ms, poll_ms):
        poll_ms = lo + (poll_ms - lo + 1) % (hi - lo + 1)
    return poll_ms


class StudentError(ValueError):
    """An ID that cannot name a student (it also names a folder of the kit)."""


def check_id(student):
    if not ID_RE.fullmatch(student or ""):
        raise StudentError("%r is not a student ID (letters, digits, . _ -; at most 64; "
                           "it names a folder)" % student)
    return student


def _pick(digest, i, bounds, step=1):
    """A value in [lo, hi] (a multiple of step from lo) from two digest bytes."""
    lo, hi = bounds
    n = (hi - lo) // step + 1
    return lo + step * (((digest[i] << 8) | digest[i + 1]) % n)


def token(student, lab):
    """The 10 hex digits that mark a capture as made for this student and lab."""
    return hashlib.sha256(("pushlab-lab:%s:%s" % (lab, check_id(student))).encode()).hexdigest()[:10]


def params(student, lab):
    """{name: value}: everything a recording for this student and lab varies."""
    d = hashlib.sha256(("pushlab-student:" + check_id(student)).encode()).digest()
    interval = _pick(d, 0, INTERVAL_MS)
    tok = token(student, lab)
    return {
        "interval_ms": interval,
        "phase_ms": _pick(d, 2, (0, interval - 1)),
        "poll_interval_ms": _poll_apart(interval, _pick(d, 4, POLL_INTERVAL_MS)),
        "heartbeat_s": _pick(d, 6, HEARTBEAT_S),
        "retry_ms": _pick(d, 8, RETRY_MS, 10),
        "down_ms": _pick(d, 10, DOWN_MS, 10),
        "duration_s": _pick(d, 12, DURATION_S),
        "loss_pct": _pick(d, 18, LOSS_TENTHS) / 10.0,
        "loss_interval_ms": _pick(d, 20, LOSS_INTERVAL_MS),
        "rate_kbit": _pick(d, 22, RATE_KBIT),
        "flood_interval_ms": _pick(d, 24, FLOOD_INTERVAL_MS),
        "token": tok,
        # The chat text: the token, then words cut to a length of the
        # student's own, so every size that contains it differs too.
        "chat": "lab %s token %s: %s" % (lab, tok, chat_words(student, _pick(d, 14, CHAT_WORDS))),
    }


def chat_words(student, length):
    """Words picked by the ID, cut to exactly `length` characters."""
    d = hashlib.sha256(("pushlab-chat:" + student).encode()).digest()
    text = " ".join(WORDS[b % len(WORDS)] for b in d)[:length]
    return text[:-1] + "s" if text.endswith(" ") else text


def has_token(capture, student, lab):
    """True when a chat message in the capture carries this student's token."""
    return token(student, lab) in tokens_in(capture)


def tokens_in(capture):
    """The lab tokens a capture carries (to name whose it is in an error)."""
    found = set()
    for it in capture.items:
        for field in ("text", "payload"):
            m = re.search(r"lab (\S+) token ([0-9a-f]{10}):", it.get(field) or "")
            if m:
                found.add(m.group(2))
    return sorted(found)
