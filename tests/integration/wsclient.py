"""wsclient.py -- a raw WebSocket client for tests: it builds any frame,
valid or not, byte by byte (RFC 6455 §5.2), and reads the server's frames
strictly.

Written apart from src/proto on purpose, so the server is checked against
a second implementation of the RFC, and able to send what no polite
client would (unmasked frames, RSV bits, reserved opcodes, lengths in a
longer encoding than needed, invalid UTF-8, lies about lengths).
"""
import base64
import hashlib
import os
import socket
import struct
import time

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Closed(AssertionError):
    """The server closed the TCP connection while more was expected."""


def accept_for(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (§4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def mask(data, key):
    """XOR data with the 4-byte key repeated (§5.3), fast for megabytes."""
    n = len(data)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(k, "little")).to_bytes(n, "little")


def frame(opcode, payload=b"", fin=True, rsv=0, masked=True, key=None, length=None, form=None):
    """The bytes of one client frame.  length announces another payload
    length than len(payload); form forces the 7, 16 or 64-bit encoding."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    form = form or (7 if n < 126 else 16 if n < 65536 else 64)
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    m = 0x80 if masked else 0
    if form == 7:
        head = bytes([b0, m | n])
    elif form == 16:
        head = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    key = key if key is not None else os.urandom(4)
    return head + key + mask(payload, key)


def close_payload(code=None, reason=b""):
    if code is None:
        return b""
    if isinstance(reason, str):
        reason = reason.encode()
    return struct.pack("!H", code) + reason


class WsClient:
    """One WebSocket connection over a plain socket."""

    def __init__(self, port, path="/echo", timeout=5.0, extra_headers=""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n%s\r\n" % (path, key, extra_headers)).encode())
        self.buf = bytearray()
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        end = self.buf.index(b"\r\n\r\n") + 4
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[:end]
        lines = head.split("\r\n")
        assert lines[0] == "HTTP/1.1 101 Switching Protocols", head
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        assert headers.get("upgrade", "").lower() == "websocket", head
        assert "upgrade" in headers.get("connection", "").lower(), head
        assert headers.get("sec-websocket-accept") == accept_for(key), head
        self.headers = headers
        # permessage-deflate agreed: server frames may carry RSV1 (RFC 7692 §6)
        self.rsv_allowed = 0x40 if "permessage-deflate" in headers.get("sec-websocket-extensions", "") else 0
        self.rsv1 = False  # the last frame read had RSV1 set

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError("timed out waiting for the server; have %r" % bytes(self.buf[:60]))
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            raise AssertionError("timed out waiting for the server; have %r" % bytes(self.buf[:60]))
        except ConnectionResetError:
            data = b""
        if not data:
            raise Closed("the server closed the connection")
        self.buf += data

    def send(self, data, chop=0):
        """Send bytes, in pieces of `chop` bytes (each its own write) if asked."""
        if not chop:
            self.sock.sendall(data)
            return
        for i in range(0, len(data), chop):
            self.sock.sendall(data[i:i + chop])

    def read_frame(self, timeout=5.0):
        """(fin, opcode, payload) of the server's next frame, checked:
        server frames are never masked and carry no RSV bits here (but RSV1
        under permessage-deflate: self.rsv1 says whether it was set)."""
        deadline = time.time() + timeout
        while len(self.buf) < 2:
            self._fill(deadline)
        b0, b1 = self.buf[0], self.buf[1]
        assert b1 & 0x80 == 0, "server frame is masked"
        assert b0 & 0x70 & ~self.rsv_allowed == 0, "server frame has RSV bits"
        self.rsv1 = bool(b0 & 0x40)
        n = b1 & 0x7F
        head = 2
        if n == 126:
            while len(self.buf) < 4:
                self._fill(deadline)
            n = struct.unpack("!H", self.buf[2:4])[0]
            assert n >= 126, "length not in its shortest form"
            head = 4
        elif n == 127:
            while len(self.buf) < 10:
                self._fill(deadline)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            assert n > 0xFFFF, "length not in its shortest form"
            head = 10
        while len(self.buf) < head + n:
            self._fill(deadline)
        payload = bytes(self.buf[head:head + n])
        del self.buf[:head + n]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def read_until_close(self, timeout=5.0):
        """Everything the server sends up to its close frame:
        (list of ("text"|"binary"|"pong"|"ping", payload), close payload).
        Fragmented messages are joined."""
        deadline = time.time() + timeout
        items = []
        message, message_op = b"", None
        while True:
            fin, op, payload = self.read_frame(max(0.01, deadline - time.time()))
            if op == OP_CLOSE:
                return items, payload
            if op in (OP_PING, OP_PONG):
                items.append(("ping" if op == OP_PING else "pong", payload))
                continue
            assert op in (OP_TEXT, OP_BINARY, OP_CONT), "server sent opcode %d" % op
            if op != OP_CONT:
                assert message_op is None, "new message inside a fragmented one"
                message_op = op
            else:
                assert message_op is not None, "continuation with nothing to continue"
            message += payload
            if fin:
                items.append(("text" if message_op == OP_TEXT else "binary", message))
                message, message_op = b"", None

    def expect_eof(self, timeout=3.0):
        """The server closes TCP (FIN, or a reset) within timeout, sending nothing more."""
        assert not self.buf, "bytes after the close frame: %r" % bytes(self.buf[:60])
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return
        except socket.timeout:
            raise AssertionError("the server did not close the TCP connection in %gs" % timeout)
        assert data == b"", "bytes after the close frame: %r" % data[:60]

    def close(self):
        self.sock.close()
