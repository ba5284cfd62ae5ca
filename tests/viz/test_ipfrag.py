"""test_ipfrag.py -- pushviz puts IP fragments back together, as tshark does.

First a real capture: a request from one network namespace to a pushlab
server in another, through a router namespace whose link to the server
has an MTU of 576.  The client's stack sends full 1500-byte segments
without DF (net.ipv4.ip_no_pmtu_disc=1), so the router cuts them into
fragments, and tcpdump on the server's side records them.  pushviz must
find the same requests tshark finds.  Then hand-made captures: IPv6
fragments out of order (cross-checked with tshark too), and the fragments
no one can use -- overlapping with different bytes, one missing, a flood
of datagrams that never complete -- each of which must give an `error`
item, never silence.

The namespaces are named after this process and removed however the test
ends.
"""
import os
import shutil
import subprocess
import tempfile
import time

import pcapgen
from vizlib import BIN, Skip, items, main, of_type, tshark

PAD = 3000  # header bytes: two 1448-byte segments and a bit, each cut in three


def sh(*cmd, check=True):
    return subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=check, timeout=20)


def need_root_tools():
    if os.geteuid() != 0:
        raise Skip("network namespaces need root")
    for tool in ("ip", "tcpdump", "tshark"):
        if not shutil.which(tool):
            raise Skip("%s is not installed (make deps installs it)" % tool)


def test_real_ipv4_fragments_match_tshark():
    need_root_tools()
    tag = "plfr%d" % (os.getpid() % 100000)
    a, r, b = tag + "a", tag + "r", tag + "b"
    tmp = tempfile.mkdtemp()
    pcap = os.path.join(tmp, "frag.pcap")
    procs = []
    try:
        for ns in (a, r, b):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", "a0", "netns", a, "type", "veth", "peer", "name", "r0", "netns", r)
        sh("ip", "link", "add", "r1", "netns", r, "type", "veth", "peer", "name", "b0", "netns", b)
        for ns, dev, addr, mtu in ((a, "a0", "10.99.1.1/24", 1500), (r, "r0", "10.99.1.2/24", 1500),
                                   (r, "r1", "10.99.2.1/24", 576), (b, "b0", "10.99.2.2/24", 1500)):
            sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "mtu", str(mtu), "up")
        sh("ip", "-n", a, "route", "add", "default", "via", "10.99.1.2")
        sh("ip", "-n", b, "route", "add", "default", "via", "10.99.2.1")
        sh("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        sh("ip", "netns", "exec", a, "sysctl", "-qw", "net.ipv4.ip_no_pmtu_disc=1")
        srv = subprocess.Popen(["ip", "netns", "exec", b, os.path.join(BIN, "pushlab-poll"),
                                "-b", "10.99.2.2", "-p", "0", "--interval", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        procs.append(srv)
        port = int(srv.stdout.readline().decode().rsplit(":", 1)[1])
        dump = subprocess.Popen(["ip", "netns", "exec", b, "tcpdump", "-i", "b0", "-U", "-n", "--immediate-mode",
                                 "-w", pcap, "tcp or ip[6:2] & 0x3fff != 0"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(dump)
        line = b""
        deadline = time.time() + 10
        while b"listening on" not in line and time.time() < deadline:
            line = dump.stderr.readline()
        assert b"listening on" in line, "tcpdump did not start"
        client = ("import socket\n"
                  "for req in (b'GET /poll?since=0 HTTP/1.1\\r\\nHost: x\\r\\nX-Pad: ' + b'a' * %d"
                  " + b'\\r\\nConnection: close\\r\\n\\r\\n',"
                  " b'POST /send HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\nContent-Length: %d"
                  "\\r\\n\\r\\n' + b'b' * %d):\n"
                  "    s = socket.create_connection(('10.99.2.2', %d), timeout=5)\n"
                  "    s.sendall(req)\n"
                  "    while s.recv(65536): pass\n"
                  "    s.close()\n") % (PAD, PAD, PAD, port)
        sh("ip", "netns", "exec", a, "python3", "-c", client)
        time.sleep(0.5)
        dump.terminate()
        dump.wait(5)
        frags = tshark(pcap, ["frame.number"], display="ip.flags.mf == 1 || ip.frag_offset > 0")
        assert len(frags) >= 6, "the capture holds %d fragments, wanted at least 6 (%d frames)" % (
            len(frags), len(tshark(pcap, ["frame.number"])))
        theirs = [(m, u) for _, m, u in tshark(pcap, ["frame.number", "http.request.method",
                                                      "http.request.uri"], display="http.request",
                                               decode_as=["tcp.port==%d,http" % port])]
        its = items(pcap)
        mine = [(i["method"], i["target"]) for i in of_type(its, "http_request")]
        assert theirs == [("GET", "/poll?since=0"), ("POST", "/send")], theirs
        assert mine == theirs, (mine, theirs)
        pad = [v for n, v in of_type(its, "http_request")[0]["headers"] if n == "X-Pad"]
        assert pad == ["a" * PAD], "X-Pad came back %r" % [len(p) for p in pad]
        assert [i["status"] for i in of_type(its, "http_response")] == [200, 204], \
            of_type(its, "http_response")
        assert not of_type(its, "error"), of_type(its, "error")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for ns in (a, r, b):
            sh("ip", "netns", "del", ns, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def request_capture(client, server, order, cut=None, tamper=None, size=512):
    """A connection carrying one GET whose segment goes in fragments,
    sent in `order` (indexes); `tamper(fragments)` may change them."""
    conv = pcapgen.Conversation(client=client, server=server)
    conv.handshake()
    req = b"GET /poll?since=7 HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 1200 + b"\r\n\r\n"
    ts, pkt = conv.segment("c2s", pcapgen.PSH | pcapgen.ACK, req)
    conv.packets.pop()
    frags = pcapgen.fragments(pkt, size)
    if tamper:
        tamper(frags)
    cap = pcapgen.Pcap(pcapgen.LINKTYPE_RAW)
    for t, p in conv.packets:
        cap.add_ip(t, p)
    for n, i in enumerate(order):
        if i != cut:
            cap.add_ip(ts + n * 0.0001, frags[i])
    conv.t = ts + 0.01
    conv.segment("s2c", pcapgen.PSH | pcapgen.ACK,
                 b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
    cap.add_ip(*conv.packets[-1])
    return cap


def write(cap):
    fd, path = tempfile.mkstemp(suffix=".pcap")
    os.close(fd)
    cap.write(path)
    return path


V6 = (("fd00::1", 40000), ("fd00::2", 8001))


def test_ipv6_fragments_out_of_order_match_tshark():
    path = write(request_capture(*V6, order=[2, 0, 1]))
    try:
        its = items(path)
        mine = [(i["method"], i["target"]) for i in of_type(its, "http_request")]
        theirs = [tuple(r) for r in tshark(path, ["http.request.method", "http.request.uri"],
                                           decode_as=["tcp.port==8001,http"], display="http.request")]
        assert mine == theirs == [("GET", "/poll?since=7")], (mine, theirs)
        assert not of_type(its, "error"), of_type(its, "error")
    finally:
        os.unlink(path)


def test_overlapping_fragments_that_disagree_are_an_error():
    def tamper(frags):
        # A copy of the second fragment with other bytes, at the same offset.
        evil = bytearray(frags[1])
        evil[-10:] = b"X" * 10
        frags.append(bytes(evil))
    for client, server in (V6, (("10.0.0.1", 40000), ("10.0.0.2", 8001))):
        path = write(request_capture(client, server, order=[0, 1, 3, 2], tamper=tamper))
        try:
            its = items(path)
            errs = [e["what"] for e in of_type(its, "error")]
            assert any("overlapping fragments that disagree" in w for w in errs), errs
            assert not of_type(its, "http_request"), "a request made of disagreeing fragments"
        finally:
            os.unlink(path)


def test_identical_overlap_is_reported_and_reassembled():
    def tamper(frags):
        frags.append(frags[1])
    path = write(request_capture(*V6, order=[0, 1, 3, 2], tamper=tamper))
    try:
        its = items(path)
        errs = [e["what"] for e in of_type(its, "error")]
        assert len(errs) == 1 and "overlapping IP fragment" in errs[0], errs
        assert [i["target"] for i in of_type(its, "http_request")] == ["/poll?since=7"]
    finally:
        os.unlink(path)


def test_missing_fragment_is_an_error():
    path = write(request_capture(*V6, order=[0, 2], cut=1))
    try:
        errs = [e["what"] for e in of_type(items(path), "error")]
        assert any("incomplete at the end of the capture" in w for w in errs), errs
    finally:
        os.unlink(path)


def test_fragment_flood_is_bounded_and_reported():
    """5,000 datagrams whose first fragment alone arrives: each is reported
    once (pushed out by newer ones, or incomplete at the end), in bounded
    memory and time."""
    cap = pcapgen.Pcap(pcapgen.LINKTYPE_RAW)
    seg = pcapgen.tcp_segment(40000, 8001, 1, 1, pcapgen.ACK, b"z" * 3000)
    for n in range(5000):
        first = pcapgen.fragments(pcapgen.ipv4("10.0.0.1", "10.0.0.2", seg), 1480, ident=n)[0]
        cap.add_ip(1.0 + n * 0.001, first)
    path = write(cap)
    try:
        t0 = time.time()
        errs = of_type(items(path), "error")
        assert len(errs) == 5000, len(errs)
        assert time.time() - t0 < 30
        assert sum("pushed out" in e["what"] for e in errs) == 5000 - 64, errs[:3]
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main([test_real_ipv4_fragments_match_tshark, test_ipv6_fragments_out_of_order_match_tshark,
          test_overlapping_fragments_that_disagree_are_an_error,
          test_identical_overlap_is_reported_and_reassembled, test_missing_fragment_is_an_error,
          test_fragment_flood_is_bounded_and_reported])
