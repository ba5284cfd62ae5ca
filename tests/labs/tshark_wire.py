"""tshark_wire.py -- a capture as tshark shows it, read without pushviz or
the labs' key code: the independent side of the labs' end-to-end test.

tshark prints every TCP segment (`-T fields`: time, stream, ports, flags,
relative sequence number, payload).  From those this module rebuilds each
connection's two byte streams the way a receiving TCP does -- each byte
kept once, handed on only when every byte before it has arrived -- and
notes when each byte became readable.  On those streams it finds, by its
own reading of the formats (RFC 9112 heads and chunks, RFC 2046 parts,
the WHATWG event stream, RFC 6455 frames, the pushlab event JSON of
DESIGN.md):

  Stream.heads(dir)     HTTP heads: offset, length, start line, headers, t
  Stream.events()       pushlab events the server sent: seq, ts, kind,
                        text, offset, t (the packet that completed the
                        JSON), latency_ms
  Stream.chunks()       chunk sizes and offsets of a chunked response
  Stream.ws_frames(dir) WebSocket frames: opcode, mask key, header and
                        payload lengths, offset

Times are capture times in seconds (tshark's frame.time_epoch).
"""
import json
import re
import subprocess

FIELDS = ("frame.time_epoch", "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.syn",
          "tcp.flags.ack", "tcp.seq", "tcp.len", "tcp.payload")

# DESIGN.md: the event object, keys in this order, no white space.
EVENT = re.compile(rb'\{"seq":(\d+),"ts":(\d+),"kind":"(tick|chat)","text":"((?:[^"\\]|\\.)*)"\}')


def tshark(pcap, *args):
    done = subprocess.run(["tshark", "-r", pcap] + list(args), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def flag(v):
    return v in ("1", "True")


class Direction:
    """One direction of a connection: its bytes in order, and when each run
    of them became readable (a list of (end offset, time), growing)."""

    def __init__(self):
        self.segments = []  # (time, offset, payload) in capture order
        self.data = b""
        self.ready = []

    def assemble(self):
        have = {}
        for t, off, payload in self.segments:
            for i in range(len(payload)):  # first arrival of each byte wins
                have.setdefault(off + i, (payload[i], t))
            end = len(self.data)
            run = bytearray()
            while end + len(run) in have:
                run.append(have[end + len(run)][0])
            if run:
                self.data += bytes(run)
                self.ready.append((len(self.data), t))

    def ready_t(self, offset):
        """When the byte at offset became readable."""
        for end, t in self.ready:
            if offset < end:
                return t
        raise AssertionError("byte %d never arrived" % offset)


class Stream:
    def __init__(self, sid):
        self.id = sid
        self.server_port = None
        self.client_port = None
        self.first_t = None
        self.syn_t = None
        self.synack_t = None
        self.handshake_ack_t = None  # the client's ACK of the SYN-ACK, the handshake's third packet
        self.dirs = {"c2s": Direction(), "s2c": Direction()}
        self.packets = []  # (time, dir, tcp.len)

    def data(self, d):
        return self.dirs[d].data

    # ------------------------------------------------------------ HTTP

    def heads(self, d):
        """HTTP heads in direction d, in order, each followed by its body
        (Content-Length, chunked to its last chunk, or the rest)."""
        data, found, pos = self.data(d), [], 0
        while pos < len(data):
            end = data.find(b"\r\n\r\n", pos)
            if end < 0 or not re.match(rb"(GET|POST|HTTP/1\.[01]) ", data[pos:pos + 9]):
                break
            lines = data[pos:end].decode("latin-1").split("\r\n")
            headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:]]
            head = {"offset": pos, "bytes": end + 4 - pos, "line": lines[0],
                    "headers": headers, "t": self.dirs[d].ready_t(end + 3)}
            found.append(head)
            pos = end + 4
            length = header(head, "Content-Length")
            if head["line"].startswith("HTTP/1.1 101"):
                break
            if length is not None:
                pos += int(length)
            elif (header(head, "Transfer-Encoding") or "").lower() == "chunked":
                pos = self._skip_chunks(data, pos)
            elif head["line"].startswith("HTTP/"):
                break  # the body runs to the end of the connection
        return found

    @staticmethod
    def _skip_chunks(data, pos):
        while True:
            eol = data.find(b"\r\n", pos)
            if eol < 0:
                return len(data)
            size = int(data[pos:eol].split(b";")[0], 16)
            pos = eol + 2 + size + 2
            if size == 0 or pos > len(data):
                return min(pos, len(data))

    def chunks(self):
        """(offset of the size line, size) of the chunks of the first
        chunked response the server sent."""
        data = self.data("s2c")
        resp = next(h for h in self.heads("s2c")
                    if (header(h, "Transfer-Encoding") or "").lower() == "chunked")
        pos, found = resp["offset"] + resp["bytes"], []
        while True:
            eol = data.find(b"\r\n", pos)
            if eol < 0:
                return found
            size = int(data[pos:eol].split(b";")[0], 16)
            if eol + 2 + size + 2 > len(data):
                return found
            found.append((pos, size))
            pos = eol + 2 + size + 2
            if size == 0:
                return found

    # ------------------------------------------------------------ WebSocket

    def ws_frames(self, d):
        """RFC 6455 §5.2 frames after the 101, in direction d."""
        data = self.data(d)
        heads = self.heads(d)
        if not heads:
            return []
        pos, frames = heads[0]["offset"] + heads[0]["bytes"], []
        while pos + 2 <= len(data):
            b0, b1 = data[pos], data[pos + 1]
            n, hlen = b1 & 0x7F, 2
            if n == 126:
                n, hlen = int.from_bytes(data[pos + 2:pos + 4], "big"), 4
            elif n == 127:
                n, hlen = int.from_bytes(data[pos + 2:pos + 10], "big"), 10
            key = data[pos + hlen:pos + hlen + 4] if b1 & 0x80 else None
            hlen += 4 if key else 0
            if pos + hlen + n > len(data):
                break
            payload = data[pos + hlen:pos + hlen + n]
            if key:
                payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
            frames.append({"opcode": b0 & 0x0F, "fin": bool(b0 & 0x80), "mask_key":
                           key.hex() if key else None, "header_len": hlen, "len": n,
                           "payload": payload, "offset": pos, "t": self.dirs[d].ready_t(pos + hlen + n - 1)})
            pos += hlen + n
        return frames

    # ------------------------------------------------------------ events

    def events(self):
        found = []
        for m in EVENT.finditer(self.data("s2c")):
            t = self.dirs["s2c"].ready_t(m.end() - 1)
            ts = int(m.group(2))
            found.append({"seq": int(m.group(1)), "ts": ts, "kind": m.group(3).decode(),
                          "text": json.loads(b'"' + m.group(4) + b'"'), "offset": m.start(),
                          "end": m.end(), "t": t, "latency_ms": t * 1000.0 - ts})
        return found


def header(head, name):
    for k, v in head["headers"]:
        if k.lower() == name.lower():
            return v
    return None


class Wire:
    """Every TCP connection of a capture, by tshark stream number."""

    def __init__(self, pcap):
        self.pcap = pcap
        self.streams = {}
        out = tshark(pcap, "-o", "tcp.relative_sequence_numbers:TRUE", "-T", "fields",
                     *[x for f in FIELDS for x in ("-e", f)])
        for line in out.splitlines():
            t, sid, sport, dport, syn, ack, seq, tlen, payload = (line.split("\t") + [""] * 9)[:9]
            t = float(t)
            s = self.streams.setdefault(int(sid), Stream(int(sid)))
            if s.first_t is None:
                s.first_t = t
            if flag(syn) and not flag(ack):
                s.server_port, s.client_port = int(dport), int(sport)
                s.syn_t = s.syn_t or t
            elif flag(syn) and s.synack_t is None:
                s.synack_t = t
            if s.server_port is None:
                continue  # the connection began before the capture
            d = "s2c" if int(sport) == s.server_port else "c2s"
            if d == "c2s" and flag(ack) and not flag(syn) and s.synack_t is not None and s.handshake_ack_t is None:
                s.handshake_ack_t = t
            s.packets.append((t, d, int(tlen or 0)))
            if payload:
                s.dirs[d].segments.append((t, int(seq) - 1, bytes.fromhex(payload.replace(":", ""))))
        for s in self.streams.values():
            for d in s.dirs.values():
                d.assemble()

    def stream_list(self):
        return [self.streams[k] for k in sorted(self.streams) if self.streams[k].server_port]

    def busiest(self, having=lambda s: True):
        """The connection that carried the most events (the first on a tie)."""
        best = None
        for s in self.stream_list():
            if having(s) and (best is None or len(s.events()) > len(best.events())):
                best = s
        assert best is not None and best.events(), "no connection carried an event"
        return best

    def payload_bytes(self):
        return sum(n for s in self.stream_list() for _, _, n in s.packets)
