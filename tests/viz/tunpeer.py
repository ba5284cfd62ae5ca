"""tunpeer.py -- a scripted TCP client that loses a segment, against a
real Linux TCP receiver, so that a capture shows the kernel's own
duplicate ACKs and the fast retransmission they ask for.

On a loopback nothing is lost, and emulating loss needs a qdisc (netem)
that not every kernel has.  So the client is this script: in a private
network namespace (the caller makes it and runs this inside it) a TUN
device htcp0 has 10.99.0.1, where pushlab-poll listens; packets to
10.99.0.2 come out of the device to this script, which answers as that
host.  It sends its request in five segments and leaves out the second;
Linux acknowledges the first, then sends a duplicate ACK for each later
one; at the third duplicate the script resends the second at once, as a
sender's fast retransmit (RFC 5681 §3.2) does; then it reads the
response and closes.  tcpdump on htcp0 records it all.

    ip netns exec NS python3 tunpeer.py BIN OUT.pcap

Python standard library and pcapgen only; needs root (TUN, tcpdump).
"""
import fcntl
import os
import select
import struct
import subprocess
import sys
import time

import pcapgen as g

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
ME, SERVER = "10.99.0.2", "10.99.0.1"
MY_PORT, ISN = 41000, 7000


class Peer:
    def __init__(self, fd, port):
        self.fd, self.port = fd, port

    def send(self, flags, seq, ack, payload=b""):
        """One segment from 10.99.0.2, its checksum right (the kernel
        drops a segment whose checksum is wrong; pcapgen leaves it 0)."""
        seg = g.tcp_segment(MY_PORT, self.port, seq, ack, flags, payload, 64240)
        pseudo = g.ip_bytes(ME) + g.ip_bytes(SERVER) + struct.pack("!BBH", 0, 6, len(seg))
        seg = seg[:16] + struct.pack("!H", g.checksum(pseudo + seg)) + seg[18:]
        os.write(self.fd, g.ipv4(ME, SERVER, seg))

    def recv(self, timeout):
        """The kernel's next TCP segment, (flags, seq, payload), or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not select.select([self.fd], [], [], end - time.monotonic())[0]:
                break
            pkt = os.read(self.fd, 65536)
            if pkt[0] >> 4 != 4 or pkt[9] != 6:
                continue  # not IPv4 TCP (the kernel's own IPv6 chatter)
            tcp = pkt[(pkt[0] & 15) * 4:]
            return tcp[13], struct.unpack("!I", tcp[4:8])[0], tcp[(tcp[12] >> 4) * 4:]
        return None


def converse(peer):
    """The conversation; returns the response bytes."""
    peer.send(g.SYN, ISN, 0)
    _, server_isn, _ = peer.recv(2.0)
    nxt = server_isn + 1
    peer.send(g.ACK, ISN + 1, nxt)
    req = b"GET /poll?since=0 HTTP/1.1\r\nHost: 10.99.0.1\r\nUser-Agent: tunpeer\r\nAccept: */*\r\n\r\n"
    cut = [0, 16, 32, 48, 64, len(req)]
    pieces = [(ISN + 1 + cut[i], req[cut[i]:cut[i + 1]]) for i in range(5)]
    for i, (seq, data) in enumerate(pieces):
        if i != 1:  # the second is lost on the way
            peer.send(g.PSH | g.ACK, seq, nxt, data)
            time.sleep(0.001)
    acks = 0
    while acks < 4 and peer.recv(1.0):  # the ACK of the first piece, then three duplicates
        acks += 1
    peer.send(g.PSH | g.ACK, pieces[1][0], nxt, pieces[1][1])
    end = ISN + 1 + len(req)
    response = b""
    while True:  # the response, each segment acknowledged, until the server goes quiet
        r = peer.recv(0.5 if response else 2.0)
        if not r:
            break
        flags, seq, payload = r
        if payload:
            response += payload
            nxt = seq + len(payload)
            peer.send(g.ACK, end, nxt)
    peer.send(g.FIN | g.ACK, end, nxt)
    r = peer.recv(1.0)
    if r and r[0] & g.FIN:
        peer.send(g.ACK, end + 1, r[1] + len(r[2]) + 1)
    return response


def main(bin_dir, out):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"htcp0", IFF_TUN | IFF_NO_PI))
    for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", SERVER + "/24", "dev", "htcp0"],
                ["ip", "link", "set", "htcp0", "up"]):
        subprocess.run(cmd, check=True)
    srv = subprocess.Popen([os.path.join(bin_dir, "pushlab-poll"), "-b", SERVER, "-p", "0", "--interval", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    dump = None
    try:
        port = int(srv.stdout.readline().decode().rsplit(":", 1)[1])
        dump = subprocess.Popen(["tcpdump", "-i", "htcp0", "--immediate-mode", "-U", "-s", "0", "-Z", "root",
                                 "-w", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # tcpdump is listening
        response = converse(Peer(fd, port))
        time.sleep(0.3)
    finally:
        for p in (dump, srv):
            if p:
                p.terminate()
                p.wait(5)
    print(response.split(b"\r\n")[0].decode())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
