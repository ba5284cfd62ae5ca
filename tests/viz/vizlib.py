"""vizlib.py -- what the pushviz tests share: running bin/pushviz on a file
and reading its JSON lines back, and asking tshark the same questions.

The case runner, Skip and Server come from tests/integration/harness.py.
"""
import atexit
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import Skip, json_lines, main  # noqa: E402,F401

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = harness.BIN
PUSHVIZ = os.path.join(BIN, "pushviz")
CAPTURES = os.path.join(ROOT, "captures")


def scratch_dir(prefix):
    """A folder for a suite's files, removed when the suite ends, whether
    its tests passed or not (harness.main exits through sys.exit)."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def check_sanitizers(err):
    if "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        raise AssertionError("sanitizer report from pushviz:\n" + err[-4000:])


def run(args, stdin=None, timeout=60):
    """Run pushviz; returns (exit code, stdout text, stderr text)."""
    if not os.access(PUSHVIZ, os.X_OK):
        raise AssertionError("no %s (run make)" % PUSHVIZ)
    p = subprocess.run([PUSHVIZ] + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    err = p.stderr.decode(errors="replace")
    check_sanitizers(err)
    return p.returncode, p.stdout.decode(errors="replace"), err


def items(path, extra=(), expect_rc=0):
    """pushviz --json on a file: the list of items (each line must be JSON)."""
    rc, out, err = run(["-r", path, "--json"] + list(extra))
    if expect_rc is not None and rc != expect_rc:
        raise AssertionError("pushviz exited %d (wanted %d): %s" % (rc, expect_rc, err))
    result = json_lines(out)
    for obj in result:
        for key in ("t", "flow", "type"):
            assert key in obj, "item without %r: %s" % (key, obj)
    return result


def of_type(its, kind, **match):
    return [i for i in its if i["type"] == kind and all(i.get(k) == v for k, v in match.items())]


def stats_tables(out):
    """The tables of `pushviz --stats` output, headings left out: the costs
    and the messages by technique ({technique: [the other columns]}), then,
    when there is one, the libraries' ({(library, frame): [kind, ...]})."""
    tables = []
    for block in out.strip().split("\n\n"):
        rows = {}
        for line in block.splitlines()[2:]:
            f = line.split()
            if len(tables) < 2:
                rows[f[0]] = f[1:]
            else:
                rows[(f[0], f[1])] = f[2:]
        tables.append(rows)
    return tables


def thirdparty_captures(pattern, at_least):
    """captures/thirdparty files matching pattern, sorted; at least so many
    (a missing capture must fail, not test nothing)."""
    found = sorted(glob.glob(os.path.join(CAPTURES, "thirdparty", pattern)))
    assert len(found) >= at_least, found
    return found


def keep_repeated_keys(kv):
    """json object_pairs_hook for tshark -T json, which repeats keys (a
    frame with two WebSocket frames has "websocket" twice): every value
    kept, each key's in a list."""
    out = {}
    for k, v in kv:
        out.setdefault(k, []).append(v)
    return out


def tshark_available():
    return shutil.which("tshark") is not None


def tshark(path, fields, decode_as=(), display=None, two_pass=False, prefs=()):
    """tshark -T fields: a list of rows (lists of strings), one per frame."""
    if not tshark_available():
        raise Skip("tshark is not installed (make deps installs it)")
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=|"]
    if two_pass:
        cmd.append("-2")
    for d in decode_as:
        cmd += ["-d", d]
    for p in prefs:
        cmd += ["-o", p]
    if display:
        cmd += ["-Y", display]
    for f in fields:
        cmd += ["-e", f]
    out = _tshark_output(cmd, path)
    return [line.split("\t") for line in out.decode(errors="replace").splitlines()]


# pushviz's TCP analysis names (`analysis`, then `analysis_more`) and the
# tshark fields that mark the same frames: all of tshark's but its TCP Fast
# Open notes (tfo_syn, tfo_ack, tfo_ignored), which pushviz does not follow.
TCP_ANALYSIS = {
    "retransmission": "tcp.analysis.retransmission",
    "fast_retransmission": "tcp.analysis.fast_retransmission",
    "spurious_retransmission": "tcp.analysis.spurious_retransmission",
    "out_of_order": "tcp.analysis.out_of_order",
    "previous_segment_not_captured": "tcp.analysis.lost_segment",
    "keep_alive": "tcp.analysis.keep_alive",
    "keep_alive_ack": "tcp.analysis.keep_alive_ack",
    "zero_window_probe": "tcp.analysis.zero_window_probe",
    "reused_ports": "tcp.analysis.reused_ports",
    "ack_lost_segment": "tcp.analysis.ack_lost_segment",
    "zero_window_probe_ack": "tcp.analysis.zero_window_probe_ack",
    "duplicate_ack": "tcp.analysis.duplicate_ack",
    "zero_window": "tcp.analysis.zero_window",
    "window_full": "tcp.analysis.window_full",
    "window_update": "tcp.analysis.window_update",
}


# Which name `analysis` gives when a frame has several: what happened to
# the segment's bytes, then a SYN on reused ports, then what its ACK says,
# then its window (the others come in `analysis_more`; a fast or spurious
# retransmission is always a retransmission too).
TCP_ANALYSIS_FIRST = ["retransmission", "out_of_order", "previous_segment_not_captured", "keep_alive",
                      "zero_window_probe", "reused_ports", "ack_lost_segment", "keep_alive_ack",
                      "zero_window_probe_ack", "duplicate_ack", "zero_window", "window_full", "window_update"]


def tcp_analysis(t):
    """The analysis names of a `tcp` item, as a set ({} when it has none)."""
    if "analysis" not in t:
        return set()
    return {t["analysis"]} | set(filter(None, t.get("analysis_more", "").split(",")))


def compare_tcp_analysis(path, its=None):
    """Every TCP frame of path: pushviz's analysis names equal the
    TCP_ANALYSIS flags tshark sets on it, and a duplicate ACK has tshark's
    number and original frame, and ack_rtt_ms tshark's tcp.analysis.ack_rtt;
    its flow is tshark's tcp.stream (numbered from 1): a new connection on
    reused ports starts a new flow exactly where tshark starts a stream.
    Returns {name: frames} of what was found, for a test to say what its
    capture must show."""
    its = items(path) if its is None else its
    mine = {t["frame"]: t for t in of_type(its, "tcp")}
    names = list(TCP_ANALYSIS)
    extra = ["tcp.analysis.duplicate_ack_num", "tcp.analysis.duplicate_ack_frame", "tcp.analysis.ack_rtt",
             "tcp.stream"]
    rows = tshark(path, ["frame.number"] + [TCP_ANALYSIS[n] for n in names] + extra, display="tcp")
    assert len(rows) == len(mine), "%s: tshark %d TCP frames, pushviz %d" % (path, len(rows), len(mine))
    found = {}
    for row in rows:
        frame, flags, (num, dup_of, rtt, stream) = int(row[0]), row[1:1 + len(names)], row[1 + len(names):]
        t = mine[frame]
        theirs = {n for n, v in zip(names, flags) if v}
        where = "%s frame %d" % (os.path.basename(path), frame)
        assert t["flow"] == int(stream) + 1, (where, "tshark stream", stream, "pushviz", t)
        assert tcp_analysis(t) == theirs, (where, "tshark", sorted(theirs), "pushviz", t)
        if theirs:
            assert t["analysis"] == [n for n in TCP_ANALYSIS_FIRST if n in theirs][0], (where, t)
        if num:
            mine_dup = (t.get("dup_ack_num"), t.get("dup_ack_frame"))
            assert mine_dup == (int(num), int(dup_of)), (where, "tshark", num, dup_of, "pushviz", t)
        else:
            assert "dup_ack_num" not in t and "dup_ack_frame" not in t, (where, t)
        if rtt:
            assert "ack_rtt_ms" in t and abs(t["ack_rtt_ms"] / 1000 - float(rtt)) < 1e-6, (where, rtt, t)
        else:
            assert "ack_rtt_ms" not in t, (where, "no tshark ack_rtt", t)
        for n in theirs:
            found.setdefault(n, []).append(frame)
    return found


def tshark_json(path, args, repeated_keys=False):
    """tshark -T json with more arguments (-o, -Y, -e ...): the packets,
    each a dict of its layers (or of the fields asked for).  With
    repeated_keys, every value of a key tshark repeats is kept: each key's
    values come in a list (keep_repeated_keys)."""
    if not tshark_available():
        raise Skip("tshark is not installed (make deps installs it)")
    cmd = ["tshark", "-n", "-r", path, "-T", "json"] + list(args)
    text = _tshark_output(cmd, path) or b"[]"
    if repeated_keys:
        return [p["_source"][0]["layers"][0] for p in json.loads(text, object_pairs_hook=keep_repeated_keys)]
    return [p["_source"]["layers"] for p in json.loads(text)]


def _tshark_output(cmd, path):
    """What tshark writes for cmd (remembered in the cache below)."""
    cached = _tshark_cache_file(cmd, path)
    try:
        with open(cached, "rb") as f:
            return f.read()
    except OSError:
        pass
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        raise AssertionError("tshark failed: " + p.stderr.decode(errors="replace"))
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    tmp = "%s.%d.%d.tmp" % (cached, os.getpid(), threading.get_ident())  # (tests ask from threads)
    with open(tmp, "wb") as f:
        f.write(p.stdout)
    os.replace(tmp, cached)
    return p.stdout


# tshark answers the same question about the same bytes the same way, and
# it takes a second or more to start: make check and make sanitize ask it
# hundreds of identical questions (every capture, every deleted segment).
# So its answers are kept in build/tshark-cache, keyed by the command, the
# file's bytes and the tshark binary itself, like ccache keeps objects.
TSHARK_CACHE = os.path.join(ROOT, "build", "tshark-cache")


def _tshark_cache_file(cmd, path):
    import hashlib
    h = hashlib.sha256()
    exe = shutil.which("tshark")
    st = os.stat(exe)
    h.update(("%s %d %d\0" % (exe, st.st_size, st.st_mtime_ns)).encode())
    h.update("\0".join(a for a in cmd if a != path).encode())
    with open(path, "rb") as f:
        h.update(f.read())
    return os.path.join(TSHARK_CACHE, h.hexdigest())


def pcap_records(path):
    """(file header, [record bytes, each its 16-byte header and data]) of a
    classic little-endian pcap: for tests that cut, reorder or drop
    records of a real capture."""
    with open(path, "rb") as f:
        data = f.read()
    head, pos, recs = data[:24], 24, []
    while pos + 16 <= len(data):
        caplen = struct.unpack("<I", data[pos + 8:pos + 12])[0]
        recs.append(data[pos:pos + 16 + caplen])
        pos += 16 + caplen
    return head, recs


def server_ports(its):
    """Server ports of every flow pushviz saw (for tshark -d ...,http)."""
    ports = set()
    for f in of_type(its, "flow"):
        ports.add(int(f["server"].rsplit(":", 1)[1]))
    return sorted(ports)
