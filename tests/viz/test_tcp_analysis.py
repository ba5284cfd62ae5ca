"""test_tcp_analysis.py -- what pushviz says of each TCP segment, against
what Wireshark's TCP analysis (tshark) says of the same frame.

A lossy push stream shows the receiver's side of TCP's recovery: duplicate
ACKs that ask for a missing segment, the fast retransmission they bring,
and a slow reader's full and then zero window, and the window update
that reopens it.  A capture that missed bytes shows ACKs of them
(ack_lost_segment), and a new connection on the ports of an earlier one
is a new flow, as it is a new tcp.stream (reused_ports).
Each case is a hand-made capture (pcapgen) with the frames that show it,
checked twice: for the JSON fields a student reads (`analysis`, the other
flags in `analysis_more`, `dup_ack_num`, `dup_ack_frame`), and frame by
frame against tshark (vizlib.compare_tcp_analysis: the same flags, the
same duplicate-ACK numbers, the same ack RTTs, the same flow as
tshark's tcp.stream).  The last two record a
real Linux: answering a lost segment with duplicate ACKs (tunpeer.py),
and a paused reader on loopback with a zero window.

Without tshark the comparisons are skips, which CI counts as failures.
"""
import os
import shutil
import socket
import subprocess
import sys
import time

import pcapgen as g
from vizlib import BIN, HERE, Skip, compare_tcp_analysis, items, main, of_type, scratch_dir, tcp_analysis, tshark

TMP = scratch_dir("pushviz-tcp-analysis-")
EPOCH = 1700000000


def write(conv, name, lose=()):
    """conv's packets as a pcap, but for the packets numbered in lose
    (0-based, as if the capture point never saw them)."""
    pc = g.Pcap()
    for i, (ts, pkt) in enumerate(conv.packets):
        if i not in lose:
            pc.add_ip(EPOCH + ts, pkt)
    path = os.path.join(TMP, name)
    pc.write(path)
    return path


def tcp_by_frame(its):
    return {t["frame"]: t for t in of_type(its, "tcp")}


def test_duplicate_acks_ask_for_a_fast_retransmission():
    """The server sends five segments and the second is lost before the
    capture point.  Each later one makes the client say again what it
    still wants: duplicate ACKs #1, #2, #3 of the ACK in frame 10.  The
    client's own data and a window update between them do not restart the
    count (Wireshark restarts it only when the acknowledgment number
    moves).  The resent segment is a retransmission, and a fast one."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    base = conv.seq["s2c"]
    lost = set()
    for i in range(5):
        if i == 1:
            lost.add(len(conv.packets))
        conv.segment("s2c", g.PSH | g.ACK, b"%d" % i * 100, dt=0.0002)
    want = base + 100
    conv.segment("c2s", g.ACK, ack=want, dt=0.0001)                     # frame 10: the ACK
    conv.segment("c2s", g.ACK, ack=want, dt=0.0001)                     # 11: duplicate #1
    conv.segment("c2s", g.PSH | g.ACK, b"chat", ack=want, dt=0.0001)    # 12: data, same ACK
    conv.segment("c2s", g.ACK, ack=want, dt=0.0001)                     # 13: duplicate #2
    conv.segment("c2s", g.ACK, ack=want, dt=0.0001, window=30000)       # 14: window update
    conv.segment("c2s", g.ACK, ack=want, dt=0.0001, window=30000)       # 15: duplicate #3
    conv.segment("s2c", g.PSH | g.ACK, b"1" * 100, seq=want, dt=0.0005)  # 16: fast retransmission
    conv.segment("c2s", g.ACK, dt=0.001, window=30000)
    conv.close()
    path = write(conv, "dup-acks.pcap", lost)
    its = items(path)
    tcp = tcp_by_frame(its)
    dups = [t for t in tcp.values() if t.get("analysis") == "duplicate_ack"]
    assert [(t["frame"], t["dup_ack_num"], t["dup_ack_frame"]) for t in dups] == \
        [(11, 1, 10), (13, 2, 10), (15, 3, 10)], dups
    assert tcp[14]["analysis"] == "window_update" and "dup_ack_num" not in tcp[14], tcp[14]
    assert (tcp[16]["analysis"], tcp[16]["analysis_more"]) == ("retransmission", "fast_retransmission"), tcp[16]
    assert "analysis" not in tcp[12], tcp[12]
    found = compare_tcp_analysis(path, its)
    assert found == {"previous_segment_not_captured": [7], "duplicate_ack": [11, 13, 15], "window_update": [14],
                     "retransmission": [16], "fast_retransmission": [16]}, found


def test_what_is_not_a_duplicate_ack():
    """An empty ACK that repeats the last one is a duplicate only if it
    also repeats the window (a new window is a window update), is no SYN,
    FIN or RST, and sits at the sender's next sequence number; a repeated
    window of 0 is a zero window, not a request.  A FIN in between does
    not restart the count: the ACK after it is duplicate #2."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.segment("s2c", g.PSH | g.ACK, b"x" * 50)
    conv.segment("c2s", g.ACK)                               # 7
    conv.segment("c2s", g.ACK, window=0)                     # 8: zero window
    conv.segment("c2s", g.ACK, window=0)                     # 9: zero window again, no duplicate
    conv.segment("c2s", g.ACK, window=1000)                  # 10: window update
    conv.segment("c2s", g.ACK, window=1000)                  # 11: duplicate #1 of 7
    conv.segment("c2s", g.ACK | g.RST, window=1000, advance=False)  # 12: RST: none
    conv.segment("c2s", g.FIN | g.ACK, window=1000)          # 13: FIN: none
    conv.segment("c2s", g.ACK, window=1000)                  # 14: duplicate #2 of 7
    path = write(conv, "not-dup.pcap")
    its = items(path)
    tcp = tcp_by_frame(its)
    assert [tcp[f].get("analysis") for f in range(8, 15)] == [
        "zero_window", "zero_window", "window_update", "duplicate_ack", None, None, "duplicate_ack"], tcp
    assert (tcp[14]["dup_ack_num"], tcp[14]["dup_ack_frame"]) == (2, 7), tcp[14]
    found = compare_tcp_analysis(path, its)
    assert found == {"zero_window": [8, 9], "window_update": [10], "duplicate_ack": [11, 14]}, found


def test_zero_window_probes_and_keep_alives():
    """A reader that stops reading closes its window (zero_window, its raw
    window field is 0 whatever the scale the handshake agreed: here 2^7).
    The sender probes it: one byte at the next sequence number
    (zero_window_probe), answered by the same zero window
    (zero_window_probe_ack and zero_window); the probe's byte is not taken
    as sent, so the data after it starts there again.  A window update
    reopens the window.  A frame can have more than one flag: a keep-alive
    or a retransmission that also advertises a window of 0 is named by
    the first (`analysis`), the other is in `analysis_more`.  Both
    answers to one keep-alive are keep_alive_ack."""
    wscale = b"\x01\x03\x03\x07"  # NOP, window scale 7
    conv = g.Conversation()
    conv.segment("c2s", g.SYN, options=wscale)
    conv.segment("s2c", g.SYN | g.ACK, options=wscale)
    conv.segment("c2s", g.ACK, window=512)
    conv.send("c2s", b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.segment("s2c", g.PSH | g.ACK, b"x" * 100, window=512)
    conv.segment("c2s", g.ACK, window=0)                                  # 7: zero window
    conv.segment("s2c", g.ACK, b"y", dt=0.2, advance=False, window=512)   # 8: probe
    conv.segment("c2s", g.ACK, window=0)                                  # 9: its answer
    conv.segment("s2c", g.ACK, b"y", dt=0.4, advance=False, window=512)   # 10: probe again
    conv.segment("c2s", g.ACK, window=0)                                  # 11
    conv.segment("c2s", g.ACK, window=512, dt=0.1)                        # 12: window update
    conv.segment("s2c", g.PSH | g.ACK, b"yzzzz", window=512)              # 13: from the probe's byte
    conv.segment("c2s", g.ACK, window=512)
    conv.segment("c2s", g.ACK, seq=conv.seq["c2s"] - 1, dt=1, window=0)   # 15: keep-alive, window 0
    conv.segment("s2c", g.ACK, window=512)                                # 16: its answer
    conv.segment("s2c", g.ACK, window=512)                                # 17: and again
    base = conv.seq["c2s"]
    conv.segment("c2s", g.PSH | g.ACK, b"abc", window=512)
    conv.segment("c2s", g.PSH | g.ACK, b"abc", seq=base, dt=0.3, window=0)  # 19: resent, window 0
    conv.segment("s2c", g.ACK, window=512)
    path = write(conv, "zero-window.pcap")
    its = items(path)
    tcp = tcp_by_frame(its)
    named = {f: (t["analysis"], t.get("analysis_more")) for f, t in tcp.items() if "analysis" in t}
    assert named == {7: ("zero_window", None), 8: ("zero_window_probe", None),
                     9: ("zero_window_probe_ack", "zero_window"), 10: ("zero_window_probe", None),
                     11: ("zero_window_probe_ack", "zero_window"), 12: ("window_update", None),
                     15: ("keep_alive", "zero_window"), 16: ("keep_alive_ack", None),
                     17: ("keep_alive_ack", None), 19: ("retransmission", "zero_window")}, named
    assert tcp[13]["seq"] == 101, tcp[13]
    found = compare_tcp_analysis(path, its)
    assert sorted(found) == ["keep_alive", "keep_alive_ack", "retransmission", "window_update", "zero_window",
                             "zero_window_probe", "zero_window_probe_ack"], found


def window_full_capture(name, syn_options, synack_options, handshake=True):
    """Data that fills the window the server offers, each time exactly:
    the SYN-ACK's 100 (a SYN-ACK's window is never scaled), then a raw 1
    (128 bytes with a scale of 7), a raw 2 (2 bytes when nothing scales),
    a raw 1 again (16384 bytes with the largest scale, 14)."""
    conv = g.Conversation()
    if handshake:
        conv.segment("c2s", g.SYN, options=syn_options)
        conv.segment("s2c", g.SYN | g.ACK, options=synack_options, window=100)
        conv.segment("c2s", g.ACK)
    for size, window in ((100, 1), (128, 2), (2, 1), (16384, 1)):
        conv.segment("c2s", g.PSH | g.ACK, b"x" * size)
        conv.segment("s2c", g.ACK, window=window)
    return write(conv, name)


def test_window_full_follows_the_window_scale():
    """window_full: a segment that ends exactly at the right edge of the
    window the peer offered (its last ACK plus its window), which stops
    the sender until the peer acknowledges or opens the window.  The
    window is the raw field shifted by the scale the handshake agreed
    (RFC 7323 §2.2), except the SYN-ACK's own; with a SYN or a SYN-ACK
    without the option nothing scales; a shift above 14 counts as 14;
    without the handshake the scale is unknown and nothing is judged."""
    scale = lambda n: b"\x01\x03\x03" + bytes([n])  # NOP, window scale n
    cases = [("scaled.pcap", scale(7), scale(7), True, [4, 6]),
             ("syn-unscaled.pcap", b"", scale(7), True, [4, 8]),
             ("synack-unscaled.pcap", scale(7), b"", True, [4, 8]),
             ("scale-20.pcap", scale(20), scale(20), True, [4, 10]),
             ("no-handshake.pcap", b"", b"", False, [])]
    for name, syn, synack, handshake, frames in cases:
        path = window_full_capture(name, syn, synack, handshake)
        its = items(path)
        mine = [t["frame"] for t in of_type(its, "tcp") if t.get("analysis") == "window_full"]
        assert mine == frames, (name, mine, frames)
        found = compare_tcp_analysis(path, its)
        assert found == ({"window_full": frames} if frames else {}), (name, found)


def test_acks_of_resent_data_are_timed_as_tshark_times_them():
    """Every segment that takes sequence space waits for its ACK, sent
    again or not, and an ACK is timed from the oldest copy of what it
    acknowledges that still waits (tcp.analysis.ack_rtt):
     - a spurious retransmission (data the receiver had acknowledged
       already): its ACK, a duplicate, is timed from it;
     - a retransmission whose first copy never reached the capture point:
       its ACK is timed from it (before, pushviz did not time either);
     - an empty segment past the highest sequence number seen shows that
       a segment was not captured (previous_segment_not_captured)."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"
    lost = {len(conv.packets)}
    conv.segment("s2c", g.PSH | g.ACK, head)                             # never captured
    conv.segment("s2c", g.ACK, dt=0.01)                                  # 6: shows the higher seq
    conv.segment("s2c", g.PSH | g.ACK, head, seq=conv.seq["s2c"] - len(head), dt=0.2)  # 7: resent
    conv.segment("c2s", g.ACK, dt=0.002)                                 # 8: timed from 7
    base = conv.seq["s2c"]
    conv.segment("s2c", g.PSH | g.ACK, b"0123456789", dt=0.01)           # 9
    conv.segment("c2s", g.ACK, dt=0.001)                                 # 10: timed from 9
    conv.segment("s2c", g.PSH | g.ACK, b"0123456789", seq=base, dt=0.2)  # 11: spurious
    conv.segment("c2s", g.ACK, dt=0.003)                                 # 12: timed from 11
    path = write(conv, "resent-acks.pcap", lost)
    its = items(path)
    tcp = tcp_by_frame(its)
    assert tcp[6]["analysis"] == "previous_segment_not_captured", tcp[6]
    assert (tcp[11]["analysis"], tcp[11]["analysis_more"]) == ("retransmission", "spurious_retransmission")
    assert abs(tcp[8]["ack_rtt_ms"] - 2.0) < 1e-6 and abs(tcp[12]["ack_rtt_ms"] - 3.0) < 1e-6, (tcp[8], tcp[12])
    assert (tcp[12]["analysis"], tcp[12]["dup_ack_num"], tcp[12]["dup_ack_frame"]) == ("duplicate_ack", 1, 10)
    found = compare_tcp_analysis(path, its)
    assert found == {"previous_segment_not_captured": [6], "retransmission": [7, 11],
                     "spurious_retransmission": [11], "duplicate_ack": [12]}, found


def test_a_handshake_is_timed_from_the_latest_syn():
    """A SYN sent again (the first, or its answer, was lost) is where the
    handshake's round trip starts, as tshark's initial_rtt starts: timed
    from the first, it held the client's one-second retransmission timeout
    (Karn's rule, RFC 6298 §3), seen on a lossy link."""
    conv = g.Conversation()
    conv.segment("c2s", g.SYN, seq=conv.seq["c2s"], advance=False)  # its answer never comes
    conv.segment("c2s", g.SYN, dt=1.0)                               # 2: sent again
    conv.segment("s2c", g.SYN | g.ACK, dt=0.061)
    conv.segment("c2s", g.ACK, dt=0.001)
    conv.send("c2s", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    path = write(conv, "syn-again.pcap")
    its = items(path)
    flow = of_type(its, "flow")[0]
    assert abs(flow["handshake_rtt_ms"] - 62.0) < 1e-6, flow
    theirs = {float(r[0]) for r in tshark(path, ["tcp.analysis.initial_rtt"]) if r[0]}
    assert theirs == {0.062}, theirs
    assert compare_tcp_analysis(path, its) == {"retransmission": [2]}


def synack_lost_capture(name, isn_server):
    """The server's side of a handshake on a lossy link: its SYN/ACK
    (frame 2) never reaches the client.  The server sends it again when
    its retransmission timeout ends (3), the client its SYN (4), which the
    server answers with a third copy (5); the client acknowledges the
    copies it got (6, and 7, a duplicate)."""
    conv = g.Conversation(isn_server=isn_server)
    conv.segment("c2s", g.SYN)
    conv.segment("s2c", g.SYN | g.ACK, advance=False, dt=0.00002)
    conv.segment("s2c", g.SYN | g.ACK, advance=False, dt=1.0)        # 3: the server's timeout
    conv.segment("c2s", g.SYN, seq=conv.seq["c2s"] - 1, dt=0.04)     # 4: the client's
    conv.segment("s2c", g.SYN | g.ACK, dt=0.00002)                   # 5
    conv.segment("c2s", g.ACK, dt=0.0045)                            # 6
    conv.segment("c2s", g.ACK, dt=0.00005)                           # 7
    return write(conv, name)


def test_a_syn_sent_again_acknowledges_as_in_wireshark():
    """Which SYN/ACK copy does the client's ACK time?  Wireshark takes
    the acknowledgment field of every segment, ACK bit or not, as
    acknowledging what the other side has waiting (packet-tcp.c,
    tcp_analyze_sequence_number, at its end).  A SYN sent again carries 0
    there, and sequence numbers go round a circle of 2^32: 0 is past every
    number in its upper half.  With the server's initial number there,
    the SYN takes the two SYN/ACK copies before it off the list, and the
    ACK is timed from the third: 4.5 ms, not the 1044.52 ms since the
    first that include the server's timeout.  In the lower half the SYN
    leaves them, and the first copy is timed, as for any segment sent
    again; so also when the SYN/ACK ends exactly half the circle from 0
    (Wireshark asks "is 0 before its end?", and there it is).  A RST
    without the ACK bit does the same to data waiting: the ACK after it
    times nothing.  TCP options change none of this."""
    for isn, rtt in ((0xF0000000, 4.5), (5000, 1044.52), (0x7FFFFFFF, 1044.52)):  # from frame 5, 2, 2
        path = synack_lost_capture("synack-lost-%x.pcap" % isn, isn)
        its = items(path)
        ack = tcp_by_frame(its)[6]
        assert abs(ack["ack_rtt_ms"] - rtt) < 1e-6, (hex(isn), ack)
        assert compare_tcp_analysis(path, its) == {"retransmission": [3, 4, 5], "duplicate_ack": [7]}
    conv = g.Conversation(isn_server=0xF0000000)
    conv.handshake()
    conv.send("c2s", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.segment("s2c", g.PSH | g.ACK, b"x" * 100)                   # 6
    conv.segment("c2s", g.RST, ack=0, advance=False)                 # 7: acknowledgment field 0
    conv.segment("c2s", g.ACK, dt=0.01)                              # 8: acknowledges 6, times nothing
    path = write(conv, "rst-no-ack.pcap")
    its = items(path)
    assert "ack_rtt_ms" not in tcp_by_frame(its)[8], tcp_by_frame(its)[8]
    compare_tcp_analysis(path, its)


def test_a_fin_sent_again_is_a_retransmission():
    """An empty FIN below the highest sequence number its side has shown
    is sent again, also when its first copy was lost before the capture
    point; and a FIN sent again after the flow ended is timed by its ACK,
    as tshark does (it was neither)."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    lost = {len(conv.packets)}
    conv.segment("c2s", g.FIN | g.ACK)                                    # never captured
    conv.segment("c2s", g.ACK, dt=0.01)                                   # 6: past the FIN
    conv.segment("c2s", g.FIN | g.ACK, seq=conv.seq["c2s"] - 1, dt=0.3)  # 7: sent again
    conv.segment("s2c", g.ACK, dt=0.002)
    path = write(conv, "fin-lost.pcap", lost)
    its = items(path)
    assert tcp_by_frame(its)[7].get("analysis") == "retransmission", tcp_by_frame(its)[7]
    assert compare_tcp_analysis(path, its) == {"previous_segment_not_captured": [6], "retransmission": [7]}
    # Both FINs sent and acknowledged: the flow has ended.  The server's
    # FIN comes again (frame 9), and the client acknowledges it again.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.close("c2s")
    conv.segment("s2c", g.FIN | g.ACK, seq=conv.seq["s2c"] - 1, dt=0.3)
    conv.segment("c2s", g.ACK, dt=0.00006)
    path = write(conv, "fin-again.pcap")
    its = items(path)
    assert abs(tcp_by_frame(its)[10]["ack_rtt_ms"] - 0.06) < 1e-6, tcp_by_frame(its)[10]
    assert compare_tcp_analysis(path, its) == {"retransmission": [9], "duplicate_ack": [10]}


def test_acks_of_bytes_the_capture_missed():
    """ack_lost_segment: an ACK for more than the capture saw the other
    side send in order -- bytes went past the capture point unseen (at the
    start of a capture, or lost between their sender and it).  By
    Wireshark's rule, each side has a limit: its highest sequence number
    while its segments come in order (each starting exactly at the limit).
    An ACK past the peer's limit is flagged; when the peer showed bytes
    past the limit, the limit jumps to the peer's highest number, so the
    duplicates that follow are not flagged again; an ACK past all the
    peer showed is flagged once until the peer's own ACK moves.  A RST
    can be flagged too; nothing is judged before the other side has shown
    a segment.  A resent segment that starts below the limit and ends past
    it does not move the limit either, so its ACK is flagged (Wireshark's
    rule, followed as it is)."""
    conv = g.Conversation()
    s = conv.seq["s2c"]
    conv.segment("c2s", g.ACK, ack=s + 100)                               # 1: nothing of s2c seen yet
    conv.segment("s2c", g.PSH | g.ACK, b"a" * 100, seq=s + 100)           # 2: the limit is s+200
    conv.segment("s2c", g.PSH | g.ACK, b"b" * 100, seq=s + 300)           # 3: s+200..s+300 unseen
    conv.segment("c2s", g.ACK, ack=s + 400)                               # 4: acknowledges them
    conv.segment("c2s", g.ACK, ack=s + 400)                               # 5: a duplicate, not again
    conv.segment("s2c", g.PSH | g.ACK, b"c" * 100, seq=s + 400)           # 6: in order from s+400
    conv.segment("c2s", g.ACK, ack=s + 500)                               # 7
    conv.segment("c2s", g.ACK, ack=s + 600)                               # 8: past all s2c showed
    conv.segment("c2s", g.ACK, ack=s + 700)                               # 9: not again...
    conv.segment("c2s", g.PSH | g.ACK, b"more", ack=s + 700)              # 10
    conv.segment("s2c", g.ACK, seq=s + 700)                               # 11: ...until s2c's ACK moves
    conv.segment("c2s", g.RST | g.ACK, ack=s + 900)                       # 12: a RST past the limit
    path = write(conv, "acked-unseen.pcap")
    its = items(path)
    named = {f: (t["analysis"], t.get("analysis_more")) for f, t in tcp_by_frame(its).items() if "analysis" in t}
    assert named == {3: ("previous_segment_not_captured", None), 4: ("ack_lost_segment", None),
                     5: ("duplicate_ack", None), 8: ("ack_lost_segment", None),
                     11: ("previous_segment_not_captured", None), 12: ("ack_lost_segment", None)}, named
    found = compare_tcp_analysis(path, its)
    assert found == {"previous_segment_not_captured": [3, 11], "ack_lost_segment": [4, 8, 12],
                     "duplicate_ack": [5]}, found

    conv = g.Conversation()
    conv.handshake()
    # The request in four segments, the second lost (5 shows the hole),
    # all acknowledged by the server (7).
    lost = conv.stream("c2s", b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n", 10, lose=1)
    base = conv.seq["s2c"]
    conv.segment("s2c", g.PSH | g.ACK, b"x" * 50)                         # 8
    conv.segment("s2c", g.PSH | g.ACK, b"y" * 50, seq=base + 30, dt=0.5)  # 9: resent, past the end
    conv.seq["s2c"] = base + 80
    conv.segment("c2s", g.ACK)                                            # 10: acknowledges all 80
    path = write(conv, "acked-unseen-request.pcap", {lost})
    its = items(path)
    tcp = tcp_by_frame(its)
    assert [f for f, t in tcp.items() if "ack_lost_segment" in tcp_analysis(t)] == [7, 10], tcp
    found = compare_tcp_analysis(path, its)
    assert found == {"previous_segment_not_captured": [5], "ack_lost_segment": [7, 10], "retransmission": [9]}, found

    # Sequence numbers that wrap past 2^32 between the limit and the
    # highest number are compared in sequence space, as Wireshark does.
    conv = g.Conversation(isn_server=0xFFFFFF00)
    s = conv.seq["s2c"]
    conv.segment("s2c", g.PSH | g.ACK, b"a" * 100)                        # 1: the limit is s+100
    conv.segment("s2c", g.PSH | g.ACK, b"b" * 100, seq=s + 300)           # 2: past 2^32, after a hole
    conv.segment("c2s", g.ACK, ack=s + 400)                               # 3: the limit jumps
    conv.segment("s2c", g.PSH | g.ACK, b"c" * 100, seq=s + 400)           # 4: in order
    conv.segment("c2s", g.ACK, ack=s + 600)                               # 5: past all s2c showed
    conv.segment("c2s", g.ACK, ack=s + 700)                               # 6: not again
    path = write(conv, "acked-unseen-wrap.pcap")
    found = compare_tcp_analysis(path)
    assert found == {"previous_segment_not_captured": [2], "ack_lost_segment": [3, 5]}, found


def test_numbers_that_pass_2_32_at_a_sides_first_byte_are_judged_like_any_other():
    """Wireshark takes a sequence or acknowledgment number of 0 for "none
    yet": when a side's first byte is numbered 0 (its ISN 2^32 - 1),
    tshark 4.0 flags neither the segment after a lost one nor the ACK of
    the lost bytes, and calls the handshake's last ACK, whose number is
    then 0 like the SYN's unused field, a duplicate ACK.  pushviz keeps a
    bit for each instead (flows.c: ack_limit_set, ack_bit), so these
    segments are judged as with any other ISN; the same capture with ISN
    5000 is the reference (and there tshark agrees)."""
    def capture(isn_server, name):
        conv = g.Conversation(isn_server=isn_server)
        conv.handshake()                                   # 1-3: the ACK's number is isn_server + 1
        conv.send("c2s", b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")  # 4-5
        lost = conv.stream("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 20, lose=0)  # 6 lost: 6-7
        return write(conv, name, {lost})
    reference = capture(5000, "wrap-reference.pcap")
    found = compare_tcp_analysis(reference)
    assert found == {"previous_segment_not_captured": [6], "ack_lost_segment": [7]}, found
    wrapped = capture(0xFFFFFFFF, "wrap-at-first-byte.pcap")
    tcp = tcp_by_frame(items(wrapped))
    assert {f: t.get("analysis") for f, t in tcp.items() if "analysis" in t} == \
        {6: "previous_segment_not_captured", 7: "ack_lost_segment"}, tcp
    assert tcp[3]["ack"] == 1 and tcp[7]["ack"] == 41, tcp


def reused_ports_capture(name, first_closes=True, second=g.Conversation, lose_syn=False):
    """A connection (closed or not), then a new one on the same ports, with
    new initial sequence numbers; second makes the new one's Conversation
    from its start time."""
    first = g.Conversation()
    first.handshake()
    first.send("c2s", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    if first_closes:
        first.close()
    new = second(first.t + 1)
    new.segment("c2s", g.SYN)
    if not lose_syn:
        new.segment("c2s", g.SYN, seq=new.seq["c2s"] - 1, advance=False, dt=1)  # the SYN sent again
    new.segment("s2c", g.SYN | g.ACK)
    new.segment("c2s", g.ACK)
    pc = g.Pcap()
    for ts, pkt in first.packets + new.packets[1 if lose_syn else 0:]:
        pc.add_ip(EPOCH + ts, pkt)
    path = os.path.join(TMP, name)
    pc.write(path)
    return path


def test_a_new_connection_on_reused_ports():
    """reused_ports: a SYN on the tuple of an earlier connection, whose
    sequence number is not the one that connection's side started from:
    the ports were reused.  tshark starts a new tcp.stream there, and
    pushviz a new flow, whether the old connection closed or not, and
    whichever side sends the SYN; the same SYN sent again is a
    retransmission, not another connection.  When only the SYN-ACK of
    the new connection was captured, it is flagged and stays in the old
    flow (as in tshark): it also shows bytes not captured, both ways."""
    new = lambda t: g.Conversation(isn_client=7000, isn_server=9000, t=t)
    from_server = lambda t: g.Conversation(client=("10.0.0.2", 8080), server=("10.0.0.1", 40000),
                                           isn_client=7000, isn_server=9000, t=t)
    cases = [("reused-closed.pcap", True, new, False, ["fin", "open"],
              {"reused_ports": [9], "retransmission": [10]}),
             ("reused-open.pcap", False, new, False, ["open", "open"],
              {"reused_ports": [6], "retransmission": [7]}),
             ("reused-by-server.pcap", True, from_server, False, ["fin", "open"],
              {"reused_ports": [9], "retransmission": [10]}),
             ("reused-synack.pcap", False, new, True, ["open"],
              {"reused_ports": [6], "previous_segment_not_captured": [6, 7], "ack_lost_segment": [6, 7]})]
    for name, closes, second, lose_syn, ends, want in cases:
        path = reused_ports_capture(name, closes, second, lose_syn)
        its = items(path)
        assert [f["end"] for f in of_type(its, "flow")] == ends, (name, of_type(its, "flow"))
        reused = [t for t in of_type(its, "tcp") if "reused_ports" in tcp_analysis(t)]
        assert [t["flow"] for t in reused] == [len(ends)], (name, reused)
        found = compare_tcp_analysis(path, its)
        assert found == want, (name, found)
    synack = reused[0]
    assert (synack["analysis"], synack["analysis_more"]) == \
        ("previous_segment_not_captured", "reused_ports,ack_lost_segment"), synack


def test_linux_answers_a_lost_segment_with_duplicate_acks():
    """Real traffic: tunpeer.py, a scripted client behind a TUN device in a
    namespace of its own, sends its request to pushlab-poll in five
    segments and loses the second.  Linux acknowledges the first, then
    answers each later one with a duplicate ACK (#1, #2, #3 of that ACK);
    the client resends at the third (a fast retransmission), and the
    request, reassembled across the hole, is answered.  pushviz flags
    every frame as tshark does."""
    if os.geteuid() != 0:
        raise Skip("a network namespace and a TUN device need root; CI runs as root")
    for tool in ("ip", "tcpdump"):
        if not shutil.which(tool):
            raise Skip(tool + " is not installed")
    path = os.path.join(TMP, "lost-request-segment.pcap")
    ns = "pushviz-tunpeer-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.join(HERE, "tunpeer.py"), BIN, path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    finally:
        # Whatever still runs in it (the server, tcpdump, after a timeout)
        # would keep the namespace alive once its name is gone.
        pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "del", ns], check=True)
    assert r.returncode == 0 and r.stdout.startswith(b"HTTP/1.1 200"), (r.stdout, r.stderr[-2000:])
    its = items(path)
    found = compare_tcp_analysis(path, its)
    dups = [t for t in of_type(its, "tcp") if t.get("analysis") == "duplicate_ack"]
    assert [(t["dir"], t["dup_ack_num"]) for t in dups[:3]] == [("s2c", 1), ("s2c", 2), ("s2c", 3)], dups
    assert len({t["dup_ack_frame"] for t in dups[:3]}) == 1, dups
    assert "fast_retransmission" in found and found["previous_segment_not_captured"], found
    assert [q["target"] for q in of_type(its, "http_request")] == ["/poll?since=0"], its


def record_paused_reader(path):
    """Record the paused reader's connection; returns how many packets
    tcpdump dropped."""
    from harness import Server
    from test_oracle import Tcpdump
    with Server("xhr", "--interval", "1") as srv:
        cap = Tcpdump(path, "tcp port %d" % srv.port)
        s = socket.socket()
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
            s.connect(("127.0.0.1", srv.port))
            s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(1.5)  # the reader pauses
            s.settimeout(0.05)
            end = time.monotonic() + 1.0
            while time.monotonic() < end:  # then reads again
                try:
                    s.recv(65536)
                except socket.timeout:
                    pass
        finally:
            s.close()
        time.sleep(0.2)
        cap.stop()
    return cap.dropped


def test_a_paused_reader_closes_its_window():
    """Real traffic: pushlab-xhr pushes an event every millisecond to a
    client whose receive buffer is small (SO_RCVBUF 2048) and who reads
    nothing for 1.5 s.  The server fills what window there is (window
    full), Linux closes it (zero window), probes it
    (its probes are keep-alives: one below the next sequence number),
    and when the client reads, reopens it (window update).  pushviz
    flags every frame as tshark does."""
    path = os.path.join(TMP, "paused-reader.pcap")
    # A recording that lost packets (tcpdump says how many the kernel
    # dropped, when the machine is busy) would not show the whole story:
    # it is made again, at most three times.
    for _ in range(3):
        if record_paused_reader(path) == 0:
            break
    else:
        raise AssertionError("tcpdump dropped packets in each of three recordings")
    its = items(path)
    found = compare_tcp_analysis(path, its)
    assert "zero_window" in found and "window_update" in found and "window_full" in found, found
    zero = [t for t in of_type(its, "tcp") if "zero_window" in tcp_analysis(t)]
    assert all(t["win"] == 0 and t["dir"] == "c2s" for t in zero), zero


if __name__ == "__main__":
    main([test_duplicate_acks_ask_for_a_fast_retransmission, test_what_is_not_a_duplicate_ack,
          test_zero_window_probes_and_keep_alives, test_window_full_follows_the_window_scale,
          test_acks_of_resent_data_are_timed_as_tshark_times_them, test_a_handshake_is_timed_from_the_latest_syn,
          test_a_syn_sent_again_acknowledges_as_in_wireshark,
          test_a_fin_sent_again_is_a_retransmission, test_acks_of_bytes_the_capture_missed,
          test_numbers_that_pass_2_32_at_a_sides_first_byte_are_judged_like_any_other,
          test_a_new_connection_on_reused_ports,
          test_linux_answers_a_lost_segment_with_duplicate_acks, test_a_paused_reader_closes_its_window])
