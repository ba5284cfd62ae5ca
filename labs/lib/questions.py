"""questions.py -- one worksheet question: how its true answer is computed
from a capture, and how a student's answer is compared with it.

Kinds of answer:
  INT     a whole number, compared exactly (counts, sizes in bytes, codes)
  NUMBER  a decimal number, right within a tolerance: |given - true| <=
          max(tol, rel * |true|).  Times read off `pushviz --dump` carry
          microseconds, so tolerances are set to forgive rounding to what
          the dump shows, not a different reading.
  TEXT    words (a header value, a name): compared with case, runs of
          white space and white space around ; and , ignored
  HEX     hex digits (a masking key): case and a leading 0x ignored
  EXACT   a token where case matters (base64): compared exactly
"""
import re

INT, NUMBER, TEXT, HEX, EXACT = "int", "number", "text", "hex", "exact"


class Question:
    """A question of a lab.

    qid      the id a student writes in the answers file (`qid = value`)
    kind     INT, NUMBER, TEXT, HEX or EXACT
    compute  function(captures) -> the true answer; captures maps the lab's
             capture names to Capture objects; it raises NotInCapture when
             the capture lacks what the question asks about
    hint     where to look, shown when an answer is wrong or missing
    tol, rel the NUMBER tolerance (absolute, relative)
    """

    def __init__(self, qid, kind, compute, hint, tol=0.0, rel=0.0):
        self.qid = qid
        self.kind = kind
        self.compute = compute
        self.hint = hint
        self.tol = tol
        self.rel = rel

    def format(self, value):
        """The true answer as the key prints it (and as it would be typed)."""
        if self.kind == NUMBER:
            return ("%.3f" % value).rstrip("0").rstrip(".")
        return str(value)

    def judge(self, given, truth):
        """(right, why): compares the answer text `given` with `truth`."""
        text = given.strip()
        if self.kind == INT:
            if not re.fullmatch(r"[+-]?\d+", text):
                return False, "%r is not a whole number" % given
            return int(text) == truth, None
        if self.kind == NUMBER:
            try:
                value = float(text)
            except ValueError:
                return False, "%r is not a number (write digits only, e.g. 12.5)" % given
            if value != value or value in (float("inf"), float("-inf")):
                return False, "%r is not a finite number" % given
            return abs(value - truth) <= max(self.tol, self.rel * abs(truth)), None
        if self.kind == HEX:
            digits = text.lower()
            if digits.startswith("0x"):
                digits = digits[2:]
            if not re.fullmatch(r"[0-9a-f]+", digits):
                return False, "%r is not hex digits" % given
            return digits == str(truth).lower(), None
        if self.kind == EXACT:
            return text == str(truth), None
        return normal_text(text) == normal_text(str(truth)), None


def normal_text(s):
    """Case and runs of white space do not matter in a TEXT answer, nor
    white space beside ; and , -- in a header value it is optional
    (RFC 9110 §5.6.3, §5.6.6): `text/plain;charset=utf-8` and
    `text/plain; charset=utf-8` say the same."""
    return re.sub(r" ?([;,]) ?", r"\1", " ".join(s.split())).casefold()
