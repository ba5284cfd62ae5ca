"""answerfile.py -- reading a student's answers file.

The format is one answer per line, `id = value`:

    # lab 07-ws, Ada Lovelace
    handshake_status = 101
    third_client_mask_key = 2d24d5d4

Blank lines and lines starting with '#' are ignored; white space around
the id and the value does not matter; a value may be put in double quotes.
Anything else is an error that names the file and line, so a student
learns what is wrong with the file rather than getting every answer
marked wrong.
"""
import difflib
import re


class AnswerFileError(Exception):
    """The answers file cannot be read or is not in the `id = value` format."""


def read_answers(path, known_ids):
    """{id: value text} from the file at path.  Unknown ids are errors
    (most often a typo), so are duplicates and empty values."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise AnswerFileError("cannot read %s: %s" % (path, e.strerror))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AnswerFileError("%s: not UTF-8 text (byte %d)" % (path, e.start))
    # Some editors (Windows Notepad among them) start a UTF-8 file with a
    # byte order mark, U+FEFF: it marks the encoding, it is not text.
    text = text[1:] if text.startswith("\ufeff") else text
    answers = {}
    for n, line in enumerate(text.splitlines(), 1):
        where = "%s:%d" % (path, n)
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        qid, eq, value = stripped.partition("=")
        qid, value = qid.strip(), value.strip()
        if not eq:
            raise AnswerFileError("%s: expected `id = value`, got %r" % (where, stripped))
        if not re.fullmatch(r"[a-z][a-z0-9_]*", qid):
            raise AnswerFileError("%s: %r is not an answer id (ids look like poll_requests)"
                                  % (where, qid))
        if qid not in known_ids:
            close = difflib.get_close_matches(qid, known_ids, n=1)
            raise AnswerFileError("%s: this lab has no question %r%s" % (
                where, qid, " (did you mean %s?)" % close[0] if close else ""))
        if qid in answers:
            raise AnswerFileError("%s: %s is answered twice (first on line %d)"
                                  % (where, qid, answers[qid][1]))
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if not value.strip():
            raise AnswerFileError("%s: %s has no value" % (where, qid))
        answers[qid] = (value, n)
    return {qid: v for qid, (v, _) in answers.items()}
