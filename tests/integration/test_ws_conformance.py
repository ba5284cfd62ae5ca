"""test_ws_conformance.py -- RFC 6455 conformance of pushlab-ws, case by
case, in the families of the Autobahn TestSuite:

   1 framing        text and binary payloads of every length encoding
   2 pings/pongs    ping answered with the same payload, unsolicited pongs
   3 reserved bits  RSV1-3 set with no extension -> 1002
   4 opcodes        reserved data and control opcodes -> 1002
   5 fragmentation  fragments, control frames between them, broken sequences
   6 UTF-8          valid and invalid text, code points split across
                    fragments, fail fast on the first bad byte -> 1007
   7 close          close codes, reasons, what follows a close frame
   9 limits         large messages up to 16 MiB, --max-message -> 1009
  10 misc           masking and length encoding rules

Every case drives GET /echo with raw frames over a real socket and states
its outcome: the frames the server must send (echoes, pongs) and then its
close frame with a given code, after which the server must close the TCP
connection.  A clean case ends with our close 1000, echoed; a failing case
answers the server's close frame as a client should and then waits for the
TCP close.  One line per case, a total, and the RESULT line.
"""
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server  # noqa: E402
from wsclient import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT,  # noqa: E402
                      WsClient, close_payload, frame)

MIB = 1024 * 1024
WS_MAX_MESSAGE = 16 * MIB       # the server's --max-message default
SMALL_LIMIT = 1000              # --max-message of the second server


class Chop:
    """Bytes written in pieces of `size` bytes, each its own send()."""

    def __init__(self, data, size=1):
        self.data, self.size = data, size


class Pause:
    """Let the server see what was sent so far on its own."""

    def __init__(self, seconds=0.05):
        self.seconds = seconds


class Case:
    """steps: bytes, Chop or Pause, sent in order.
    expect: the server's frames before its close: ("text"|"binary"|"pong", payload).
    close: the code of the server's close frame (None: an empty close frame).
    clean: we end with close 1000 after the steps (the close case families
    send their own close frame in the steps and set clean=False too).
    fail: the server closes first; `after` is sent once its close frame has
    arrived (the rest of a frame it gave up on), then our answering close."""

    def __init__(self, cid, title, steps, expect=(), close=1000, clean=True, fail=False,
                 after=b"", server="default", timeout=5.0):
        self.cid, self.title, self.steps, self.expect = cid, title, steps, list(expect)
        self.close, self.clean, self.fail, self.after = close, clean, fail, after
        self.server, self.timeout = server, timeout


CASES = []


def echo(cid, title, steps, expect, **kw):
    CASES.append(Case(cid, title + " -> echo", steps, expect, **kw))


def fails(cid, title, steps, code, expect=(), **kw):
    CASES.append(Case(cid, "%s -> close %d" % (title, code), steps, expect, close=code,
                      clean=False, fail=True, **kw))


def closes(cid, title, steps, code, expect=(), **kw):
    shown = "empty close" if code is None else "close %d" % code
    CASES.append(Case(cid, "%s -> %s" % (title, shown), steps, expect, close=code, clean=False,
                      **kw))


def text(payload, **kw):
    return frame(OP_TEXT, payload, **kw)


def binary(payload, **kw):
    return frame(OP_BINARY, payload, **kw)


def cont(payload, **kw):
    return frame(OP_CONT, payload, **kw)


def ping(payload=b"", **kw):
    return frame(OP_PING, payload, **kw)


def pong(payload=b"", **kw):
    return frame(OP_PONG, payload, **kw)


def close(code=None, reason=b"", **kw):
    return frame(OP_CLOSE, close_payload(code, reason), **kw)


def fragments(opcode, payload, size):
    """A message as frames of `size` payload bytes each."""
    pieces = [payload[i:i + size] for i in range(0, len(payload), size)] or [b""]
    out = []
    for i, piece in enumerate(pieces):
        out.append(frame(opcode if i == 0 else OP_CONT, piece, fin=i == len(pieces) - 1))
    return b"".join(out)


def pattern(n, seed=0):
    """n bytes that are not all alike (a wrong offset in unmasking shows)."""
    block = bytes((i * 7 + seed) & 0xFF for i in range(251))
    return (block * (n // 251 + 1))[:n]


def ascii_text(n):
    return (b"abcdefghijklmnopqrstuvwxyz0123456789" * (n // 36 + 1))[:n]


# ------------------------------------------------------------ 1 framing

LENGTHS = [0, 1, 125, 126, 127, 128, 65535, 65536]
for i, n in enumerate(LENGTHS, 1):
    echo("1.1.%d" % i, "text, %d bytes" % n, [text(ascii_text(n))], [("text", ascii_text(n))])
for i, n in enumerate(LENGTHS, 1):
    echo("1.1.%d" % (i + 8), "text, %d bytes, written in pieces" % n,
         [Chop(text(ascii_text(n)), 1 if n < 200 else 997)], [("text", ascii_text(n))])
for i, n in enumerate(LENGTHS, 1):
    echo("1.2.%d" % i, "binary, %d bytes" % n, [binary(pattern(n))], [("binary", pattern(n))])
for i, n in enumerate(LENGTHS, 1):
    echo("1.2.%d" % (i + 8), "binary, %d bytes, written in pieces" % n,
         [Chop(binary(pattern(n)), 1 if n < 200 else 1009)], [("binary", pattern(n))])
def split(data, at):
    """Steps that send data in two writes, the second after a pause."""
    return [data[:at], Pause(0.01), data[at:]]


echo("1.3.1", "frame header alone, then its payload later",
     split(text(b"split after header"), 6), [("text", b"split after header")])
echo("1.3.2", "three messages in one write", [text(b"a") + binary(b"b") + text(b"c")],
     [("text", b"a"), ("binary", b"b"), ("text", b"c")])
echo("1.3.3", "100 messages in one write", [b"".join(text(b"m%d" % k) for k in range(100))],
     [("text", b"m%d" % k) for k in range(100)])

# ------------------------------------------------------------ 2 pings and pongs

echo("2.1", "ping, empty", [ping()], [("pong", b"")])
echo("2.2", "ping with a text payload", [ping(b"Hello, world!")], [("pong", b"Hello, world!")])
echo("2.3", "ping with a binary payload", [ping(bytes([0, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0, 0xFF]))],
     [("pong", bytes([0, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0, 0xFF]))])
echo("2.4", "ping with 125 bytes", [ping(pattern(125))], [("pong", pattern(125))])
fails("2.5", "ping with 126 bytes", [ping(pattern(126))], 1002)
echo("2.6", "ping with 125 bytes, written a byte at a time", [Chop(ping(pattern(125)), 1)],
     [("pong", pattern(125))])
echo("2.7", "unsolicited pong, empty", [pong()], [])
echo("2.8", "unsolicited pong with a payload", [pong(b"unsolicited")], [])
echo("2.9", "unsolicited pong, then ping", [pong(b"x"), ping(b"y")], [("pong", b"y")])
echo("2.10", "10 pings", [b"".join(ping(b"p%d" % k) for k in range(10))],
     [("pong", b"p%d" % k) for k in range(10)])
echo("2.11", "10 pings, written a byte at a time",
     [Chop(b"".join(ping(b"p%d" % k) for k in range(10)), 1)],
     [("pong", b"p%d" % k) for k in range(10)])
fails("2.12", "ping with 127 bytes in the 64-bit length form", [ping(pattern(127), form=64)], 1002)
fails("2.13", "pong with 126 bytes", [pong(pattern(126))], 1002)
fails("2.14", "ping not masked", [ping(b"bare", masked=False)], 1002)
echo("2.15", "ping, then text", [ping(b"first"), text(b"second")],
     [("pong", b"first"), ("text", b"second")])

# ------------------------------------------------------------ 3 reserved bits

for rsv in range(1, 8):
    fails("3.1.%d" % rsv, "text with RSV=%d" % rsv, [text(b"Hello", rsv=rsv)], 1002)
for k, rsv in enumerate((1, 2, 4), 1):
    fails("3.2.%d" % k, "binary with RSV=%d" % rsv, [binary(b"\x00\xff", rsv=rsv)], 1002)
    fails("3.3.%d" % k, "ping with RSV=%d" % rsv, [ping(b"p", rsv=rsv)], 1002)
fails("3.4.1", "close with RSV=1", [close(1000, rsv=1)], 1002)
fails("3.4.2", "close with RSV=7", [close(1000, rsv=7)], 1002)
fails("3.5", "continuation with RSV=2", [text(b"a", fin=False), cont(b"b", rsv=2)], 1002)
fails("3.6", "echo, then text with RSV=2, then a ping",
      [text(b"ok"), text(b"bad", rsv=2), ping(b"late")], 1002, expect=[("text", b"ok")])
fails("3.7", "echo, RSV=3 frame written a byte at a time",
      [text(b"ok"), Chop(text(b"bad", rsv=3), 1)], 1002, expect=[("text", b"ok")])

# ------------------------------------------------------------ 4 opcodes

for op in range(3, 8):
    fails("4.1.%d" % (op - 2), "reserved data opcode %d, empty" % op, [frame(op)], 1002)
    fails("4.1.%d" % (op + 3), "reserved data opcode %d with a payload" % op,
          [frame(op, b"payload")], 1002)
for op in range(11, 16):
    fails("4.2.%d" % (op - 10), "reserved control opcode %d, empty" % op, [frame(op)], 1002)
    fails("4.2.%d" % (op - 5), "reserved control opcode %d with a payload" % op,
          [frame(op, b"payload")], 1002)
for k, op in enumerate((3, 7, 11, 15), 1):
    fails("4.3.%d" % k, "echo, then opcode %d, then a ping" % op,
          [text(b"before"), frame(op, b"x"), ping(b"after")], 1002, expect=[("text", b"before")])

# ------------------------------------------------------------ 5 fragmentation

fails("5.1", "ping in two fragments", [ping(b"a", fin=False), cont(b"b")], 1002)
fails("5.2", "pong in two fragments", [pong(b"a", fin=False), cont(b"b")], 1002)
echo("5.3", "text in two fragments", [text(b"frag", fin=False), cont(b"ment")],
     [("text", b"fragment")])
echo("5.4", "text in two fragments, written a byte at a time",
     [Chop(text(b"frag", fin=False) + cont(b"ment"), 1)], [("text", b"fragment")])
echo("5.5", "text in two fragments, a ping between",
     [text(b"frag", fin=False), ping(b"in between"), cont(b"ment")],
     [("pong", b"in between"), ("text", b"fragment")])
echo("5.6", "the same, written a byte at a time",
     [Chop(text(b"frag", fin=False) + ping(b"in between") + cont(b"ment"), 1)],
     [("pong", b"in between"), ("text", b"fragment")])
echo("5.7", "text in two fragments, a pong between",
     [text(b"frag", fin=False), pong(b"x"), cont(b"ment")], [("text", b"fragment")])
echo("5.8", "binary in two fragments", [binary(b"\x01\x02", fin=False), cont(b"\x03")],
     [("binary", b"\x01\x02\x03")])
fails("5.9", "continuation (FIN) with nothing to continue", [cont(b"orphan")], 1002)
fails("5.10", "continuation (no FIN) with nothing to continue", [cont(b"orphan", fin=False)], 1002)
fails("5.11", "orphan continuations written a byte at a time",
      [Chop(cont(b"a", fin=False) + cont(b"b"), 1)], 1002)
fails("5.12", "text inside a fragmented text", [text(b"a", fin=False), text(b"b")], 1002)
fails("5.13", "binary inside a fragmented text", [text(b"a", fin=False), binary(b"b")], 1002)
echo("5.14", "text in 20 one-byte fragments", [fragments(OP_TEXT, ascii_text(20), 1)],
     [("text", ascii_text(20))])
echo("5.15", "empty first fragment", [text(b"", fin=False), cont(b"all here")],
     [("text", b"all here")])
echo("5.16", "three empty fragments", [text(b"", fin=False), cont(b"", fin=False), cont(b"")],
     [("text", b"")])
echo("5.17", "binary in 100 fragments of 100 bytes", [fragments(OP_BINARY, pattern(10000), 100)],
     [("binary", pattern(10000))])
closes("5.18", "first fragment, then close 1000 (the message is dropped)",
       [text(b"never ends", fin=False), close(1000)], 1000)
echo("5.19", "text in 11 fragments with 10 pings between",
     [b"".join(text(b"0", fin=False) if k == 0 else
               ping(b"%d" % k) + cont(b"%d" % k, fin=k == 10) for k in range(11))],
     [("pong", b"%d" % k) for k in range(1, 11)] + [("text", b"012345678910")])
echo("5.20", "a message, then a fragmented one",
     [text(b"one"), text(b"t", fin=False), cont(b"wo")], [("text", b"one"), ("text", b"two")])
fails("5.21", "a fragmented message, then one continuation too many",
      [text(b"a", fin=False), cont(b"b"), cont(b"c")], 1002, expect=[("text", b"ab")])
fails("5.22", "text inside a fragmented binary", [binary(b"a", fin=False), text(b"b")], 1002)
echo("5.23", "fragments each with another masking key",
     [text(b"abc", fin=False, key=b"\x01\x02\x03\x04"), cont(b"def", key=b"\xff\xfe\xfd\xfc")],
     [("text", b"abcdef")])
echo("5.24", "fragments in separate writes with pauses",
     [text(b"slow", fin=False), Pause(), cont(b" and", fin=False), Pause(), cont(b" steady")],
     [("text", b"slow and steady")])

# ------------------------------------------------------------ 6 UTF-8

VALID = [
    ("empty", b""),
    ("ASCII", b"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!"),
    ("Greek kosme", "κόσμε".encode()),
    ("U+0080, the first 2-byte", "\u0080".encode()),
    ("U+07FF, the last 2-byte", "\u07ff".encode()),
    ("U+0800, the first 3-byte", "\u0800".encode()),
    ("U+D7FF, below the surrogates", "\ud7ff".encode()),
    ("U+E000, above the surrogates", "\ue000".encode()),
    ("U+FEFF, byte order mark", "\ufeff".encode()),
    ("U+FFFD, replacement character", "\ufffd".encode()),
    ("U+FFFF, the last 3-byte", b"\xef\xbf\xbf"),
    ("U+10000, the first 4-byte", "\U00010000".encode()),
    ("U+10FFFF, the last code point", "\U0010ffff".encode()),
    ("emoji", "😀🎉👍".encode()),
    ("CJK", "推送技术".encode()),
    ("Cyrillic", "Привет, мир".encode()),
    ("Arabic", "مرحبا".encode()),
    ("mixed widths", "a\u00e9\u20ac\U0001F600z".encode()),
    ("NUL and controls", b"\x00\x01\x1f\x7f"),
    ("a 10 KiB text", ("ünïcödé €uro 😀 " * 600).encode()),
]
for k, (name, data) in enumerate(VALID, 1):
    echo("6.1.%d" % k, "valid UTF-8, %s, one frame" % name, [text(data)], [("text", data)])
for k, (name, data) in enumerate(VALID[1:19], 1):
    echo("6.2.%d" % k, "valid UTF-8, %s, one byte per fragment" % name,
         [fragments(OP_TEXT, data, 1)], [("text", data)])

SPLIT = [("U+00E9", "é".encode()), ("U+20AC", "€".encode()), ("U+1F600", "😀".encode()),
         ("U+10FFFF", "\U0010ffff".encode())]
n = 0
for name, ch in SPLIT:
    data = b"<" + ch + b">"
    for cut in range(2, len(ch) + 1):
        n += 1
        echo("6.3.%d" % n, "%s split after its byte %d across fragments" % (name, cut - 1),
             [text(data[:cut], fin=False), cont(data[cut:])], [("text", data)])
        n += 1
        echo("6.3.%d" % n, "%s split after its byte %d across TCP writes" % (name, cut - 1),
             split(text(data), 6 + cut), [("text", data)])

INVALID = [
    ("lone continuation 0x80", b"\x80"),
    ("lone continuation 0xBF", b"\xbf"),
    ("overlong '/' C0 AF", b"\xc0\xaf"),
    ("overlong C1 BF", b"\xc1\xbf"),
    ("overlong 3-byte E0 80 80", b"\xe0\x80\x80"),
    ("overlong 3-byte E0 9F BF", b"\xe0\x9f\xbf"),
    ("overlong 4-byte F0 80 80 80", b"\xf0\x80\x80\x80"),
    ("overlong 4-byte F0 8F BF BF", b"\xf0\x8f\xbf\xbf"),
    ("surrogate U+D800", b"\xed\xa0\x80"),
    ("surrogate U+DBFF", b"\xed\xaf\xbf"),
    ("surrogate U+DC00", b"\xed\xb0\x80"),
    ("surrogate U+DFFF", b"\xed\xbf\xbf"),
    ("surrogate pair U+D800 U+DC00", b"\xed\xa0\x80\xed\xb0\x80"),
    ("U+110000", b"\xf4\x90\x80\x80"),
    ("F5 lead byte", b"\xf5\x80\x80\x80"),
    ("F7 BF BF BF", b"\xf7\xbf\xbf\xbf"),
    ("5-byte form", b"\xf8\x88\x80\x80\x80"),
    ("6-byte form", b"\xfc\x84\x80\x80\x80\x80"),
    ("byte FE", b"\xfe"),
    ("byte FF", b"\xff"),
    ("2-byte lead then ASCII", b"\xc2\x41"),
    ("3-byte lead, bad second", b"\xe2\x28\xa1"),
    ("4-byte lead, bad second", b"\xf0\x28\x8c\xbc"),
    ("kosme with C0 AF inside", "κό".encode() + b"\xc0\xaf" + "σμε".encode()),
    ("text, surrogate, text", b"Hello" + b"\xed\xa0\x80" + b"world"),
    ("ends inside a 2-byte", b"abc\xc2"),
    ("ends inside a 3-byte", b"abc\xe2\x82"),
    ("ends inside a 4-byte", b"abc\xf0\x9f\x98"),
    ("lone lead byte C2", b"\xc2"),
    ("valid then 0x80", "€".encode() + b"\x80"),
]
for k, (name, data) in enumerate(INVALID, 1):
    fails("6.4.%d" % k, "invalid UTF-8, %s, one frame" % name, [text(data)], 1007)
for k, (name, data) in enumerate(INVALID, 1):
    fails("6.5.%d" % k, "invalid UTF-8, %s, one byte per fragment" % name,
          [fragments(OP_TEXT, data, 1)], 1007)

# Fail fast (§8.1): the close comes as soon as the bad byte does, before
# the rest of the frame or message is even sent.
kosme = "κόσμε".encode()
fails("6.6.1", "bad fragment 2 of 3, fragment 3 never sent",
      [text(kosme, fin=False), cont(b"\xf4\x90\x80\x80", fin=False)], 1007)
big = kosme + b"\xf4\x90\x80\x80" + ascii_text(60000)
whole = text(big)
fails("6.6.2", "bad bytes early in a 60 KB frame; the rest sent after the close",
      [whole[:8 + len(kosme) + 4]], 1007, after=whole[8 + len(kosme) + 4:])
bad_first = text(b"\xff" + ascii_text(1000))
fails("6.6.3", "first payload byte bad; the rest sent after the close", [bad_first[:9]], 1007,
      after=bad_first[9:])
fails("6.6.4", "bad byte opens fragment 2, which is half sent",
      [text(b"ok so far", fin=False), cont(b"\x80" + ascii_text(99))[:10]], 1007,
      after=cont(b"\x80" + ascii_text(99))[10:])
fails("6.6.5", "valid message, then a bad one, then a ping", [text(kosme), text(b"\xc0\x80"),
                                                              ping(b"late")],
      1007, expect=[("text", kosme)])

# ------------------------------------------------------------ 7 close

closes("7.1.1", "text, then close 1000", [text(b"Hello"), close(1000)], 1000,
       expect=[("text", b"Hello")])
closes("7.1.2", "close 1000 twice", [close(1000), close(1000)], 1000)
closes("7.1.3", "close 1000, then a ping (no pong)", [close(1000), ping(b"late")], 1000)
closes("7.1.4", "close 1000, then text (no echo)", [close(1000), text(b"late")], 1000)
closes("7.1.5", "10 messages, then close 1000", [b"".join(text(b"%d" % k) for k in range(10)),
                                                 close(1000)], 1000,
       expect=[("text", b"%d" % k) for k in range(10)])
closes("7.1.6", "close 1000 written a byte at a time", [Chop(close(1000, b"bye"), 1)], 1000)
closes("7.3.1", "close with no payload", [close()], None)
fails("7.3.2", "close with a 1-byte payload", [frame(OP_CLOSE, b"\x03")], 1002)
closes("7.3.3", "close 1000, no reason", [close(1000)], 1000)
closes("7.3.4", "close 1000 with a reason", [close(1000, b"Hello World!")], 1000)
closes("7.3.5", "close 1000 with a 123-byte reason", [close(1000, ascii_text(123))], 1000)
fails("7.3.6", "close 1000 with a 124-byte reason (payload 126)", [close(1000, ascii_text(124))],
      1002)
closes("7.3.7", "close 1000 with a UTF-8 reason", [close(1000, "Tschüss 👋".encode())], 1000)
fails("7.5.1", "close with a reason that is not UTF-8",
      [close(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")], 1002)
fails("7.5.2", "close with a reason that ends inside a code point", [close(1000, b"bye\xe2\x82")],
      1002)
for k, code in enumerate((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                          3000, 3999, 4000, 4999), 1):
    closes("7.7.%d" % k, "close with valid code %d" % code, [close(code)], code)
for k, code in enumerate((0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535), 1):
    fails("7.9.%d" % k, "close with invalid code %d" % code, [close(code)], 1002)
fails("7.10.1", "close not masked", [close(1000, masked=False)], 1002)
fails("7.10.2", "close in two fragments", [frame(OP_CLOSE, close_payload(1000), fin=False),
                                           cont(b"")], 1002)
closes("7.10.3", "first fragment, ping, close", [text(b"a", fin=False), ping(b"p"), close(1001)],
       1001, expect=[("pong", b"p")])

# ------------------------------------------------------------ 9 limits and large messages

for k, size in enumerate((64 * 1024, 256 * 1024, MIB, 4 * MIB, WS_MAX_MESSAGE), 1):
    data = ascii_text(size)
    echo("9.1.%d" % k, "text, %d bytes" % size, [text(data)], [("text", data)], timeout=30)
for k, size in enumerate((64 * 1024, 256 * 1024, MIB, 4 * MIB, WS_MAX_MESSAGE), 1):
    data = pattern(size)
    echo("9.2.%d" % k, "binary, %d bytes" % size, [binary(data)], [("binary", data)], timeout=30)
echo("9.3.1", "binary 1 MiB in 64 KiB fragments", [fragments(OP_BINARY, pattern(MIB), 65536)],
     [("binary", pattern(MIB))], timeout=30)
echo("9.3.2", "text 1 MiB in 4 KiB fragments", [fragments(OP_TEXT, ascii_text(MIB), 4096)],
     [("text", ascii_text(MIB))], timeout=30)
echo("9.3.3", "binary 16 MiB in 1 MiB fragments",
     [fragments(OP_BINARY, pattern(WS_MAX_MESSAGE), MIB)], [("binary", pattern(WS_MAX_MESSAGE))],
     timeout=30)
echo("9.3.4", "binary 1 MiB written in 1000-byte pieces", [Chop(binary(pattern(MIB)), 1000)],
     [("binary", pattern(MIB))], timeout=30)
fails("9.4.1", "text frame of 16 MiB + 1 (refused at its header)",
      [frame(OP_TEXT, b"x" * 64, length=WS_MAX_MESSAGE + 1)[:78]], 1009)
fails("9.4.2", "binary frame of 16 MiB + 1 (refused at its header)",
      [frame(OP_BINARY, b"", length=WS_MAX_MESSAGE + 1)], 1009)
fails("9.4.3", "fragments of 8 MiB + 8 MiB + 1 byte",
      [frame(OP_BINARY, pattern(8 * MIB), fin=False), cont(pattern(8 * MIB), fin=False),
       cont(b"!")], 1009, timeout=30)
fails("9.4.4", "a frame announcing 2^62 bytes", [frame(OP_BINARY, b"", length=1 << 62)], 1009)
echo("9.5.1", "text of exactly --max-message (1000)", [text(ascii_text(SMALL_LIMIT))],
     [("text", ascii_text(SMALL_LIMIT))], server="small")
fails("9.5.2", "text of --max-message + 1", [text(ascii_text(SMALL_LIMIT + 1))], 1009,
      server="small")
fails("9.5.3", "binary of --max-message + 1", [binary(pattern(SMALL_LIMIT + 1))], 1009,
      server="small")
fails("9.5.4", "two fragments of 600 bytes over --max-message 1000",
      [binary(pattern(600), fin=False), cont(pattern(600))], 1009, server="small")
echo("9.5.5", "pings are not messages: 125 bytes under --max-message 1000",
     [ping(pattern(125)), binary(pattern(SMALL_LIMIT))],
     [("pong", pattern(125)), ("binary", pattern(SMALL_LIMIT))], server="small")

# ------------------------------------------------------------ 10 masking and lengths

fails("10.1.1", "text not masked", [text(b"bare", masked=False)], 1002)
fails("10.1.2", "binary not masked", [binary(b"bare", masked=False)], 1002)
fails("10.1.3", "echo, then a frame not masked", [text(b"ok"), text(b"bare", masked=False)], 1002,
      expect=[("text", b"ok")])
echo("10.1.4", "masking key 00 00 00 00", [text(b"clear", key=b"\0\0\0\0")], [("text", b"clear")])
echo("10.1.5", "masking key FF FF FF FF", [binary(pattern(999), key=b"\xff\xff\xff\xff")],
     [("binary", pattern(999))])
fails("10.2.1", "5 bytes in the 16-bit length form", [text(b"short", form=16)], 1002)
fails("10.2.2", "200 bytes in the 64-bit length form", [text(ascii_text(200), form=64)], 1002)
fails("10.2.3", "65535 bytes in the 64-bit length form", [binary(pattern(65535), form=64)], 1002)
fails("10.2.4", "64-bit length with its top bit set", [frame(OP_BINARY, b"", length=1 << 63)],
      1002)
echo("10.2.5", "126 bytes in the 16-bit form, the smallest it allows", [text(ascii_text(126))],
     [("text", ascii_text(126))])


# ------------------------------------------------------------ running

def run_case(port, case):
    ws = WsClient(port, timeout=case.timeout)
    try:
        try:
            for step in case.steps:
                if isinstance(step, Chop):
                    ws.send(step.data, step.size)
                elif isinstance(step, Pause):
                    time.sleep(step.seconds)
                else:
                    ws.send(step)
            if case.clean:
                ws.send(close(1000))
        except (BrokenPipeError, ConnectionResetError):
            if not case.fail:
                raise
        items, payload = ws.read_until_close(case.timeout)
        assert items == case.expect, "expected %s, got %s" % (show(case.expect), show(items))
        if case.close is None:
            assert payload == b"", "expected an empty close frame, got %r" % payload
        else:
            assert len(payload) >= 2, "expected close %d, got close payload %r" % (case.close,
                                                                                  payload)
            code = int.from_bytes(payload[:2], "big")
            assert code == case.close, "expected close %d, got close %d %r" % (
                case.close, code, payload[2:])
        if case.fail:
            # Answer as a client does: finish what was in flight, echo the code.
            try:
                ws.send(case.after + close(case.close))
            except (BrokenPipeError, ConnectionResetError):
                pass
        ws.expect_eof()
    finally:
        ws.close()


def show(items):
    out = []
    for kind, data in items:
        out.append("%s(%s)" % (kind, repr(data) if len(data) <= 24 else "%d bytes" % len(data)))
    return "[" + ", ".join(out) + "]"


def main():
    passed = failed = 0
    started = time.time()
    servers = {}
    try:
        servers["default"] = Server("ws", "--interval", "0")
        servers["small"] = Server("ws", "--interval", "0", "--max-message", SMALL_LIMIT)
        for case in CASES:
            t0 = time.time()
            try:
                run_case(servers[case.server].port, case)
            except Exception as e:
                failed += 1
                print("FAIL %-7s %s: %s" % (case.cid, case.title, e))
                if not isinstance(e, AssertionError):
                    traceback.print_exc(file=sys.stdout)
            else:
                passed += 1
                print("ok   %-7s %s (%.0f ms)" % (case.cid, case.title, (time.time() - t0) * 1000))
            sys.stdout.flush()
    finally:
        for name, srv in servers.items():
            try:
                srv.__exit__(None, None, None)
            except AssertionError as e:
                failed += 1
                print("FAIL server %s: %s" % (name, e))
    print("conformance: %d cases, %d passed, %d failed in %.1f s" % (
        len(CASES), passed, failed, time.time() - started))
    print("RESULT passed=%d failed=%d skipped=0" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
