"""test_labs.py -- the worksheets and their checker, labs/check.

For every lab: the worksheet's questions are the key's, in the same order;
the key computed from the reference capture answers every question, and
fed back as an answers file it passes; each answer made wrong in turn fails
with that very question named; a missing answer is reported as missing.
Bad answers files and bad command lines exit 2 with a message naming the
problem.  The comparison lab's numbers agree with `pushviz --stats`, on
the reference capture and, when this test may capture (root), on a
load-mode capture recorded here as the worksheet says.
"""
import atexit
import concurrent.futures
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHECK = os.path.join(ROOT, "labs", "check")
sys.path[:0] = [os.path.join(ROOT, "labs", "lib"), os.path.join(ROOT, "labs")]
import questions  # noqa: E402

LABS = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "labs"))
              if re.fullmatch(r"\d\d-[a-z]+\.md", f))
TMP = tempfile.mkdtemp(prefix="pushlab-labs-")


def key_module(lab):
    import importlib
    return importlib.import_module("keys." + lab.partition("-")[2])


# The labs with reference captures in captures/ (lab 09 has none: each
# student records it through the emulated link; test_labs_personal.py).
REFERENCE_LABS = [lab for lab in LABS if getattr(key_module(lab), "REFERENCE", True)]
atexit.register(shutil.rmtree, TMP, True)


def check(*args):
    """(exit code, stdout, stderr) of labs/check."""
    done = subprocess.run([CHECK] + list(args), capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w" if isinstance(text, str) else "wb") as f:
        f.write(text)
    return path


def solution(lab, *capture):
    """{id: value text} of the key, asserting every question has an answer."""
    code, out, err = check(lab, "--solution", *capture)
    assert code == 0, "labs/check %s --solution exited %d: %s" % (lab, code, err)
    unanswered = [line for line in out.splitlines() if "no answer in this capture" in line]
    assert not unanswered, "%s: the capture leaves questions open: %s" % (lab, unanswered)
    answers = {}
    for line in out.splitlines():
        if line and not line.startswith("#"):
            qid, _, value = line.partition(" = ")
            answers[qid] = value
    return answers


def verdicts(out):
    """{id: verdict word} from a grading printout."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s*\d+ (\w+)\s+(right|wrong|missing|n/a)\b", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def answers_text(answers):
    return "".join("%s = %s\n" % kv for kv in answers.items())


def wrong_value(q, value):
    """An answer to q that must be judged wrong: outside any tolerance."""
    if q.kind == questions.INT:
        return str(int(value) + 1)
    if q.kind == questions.NUMBER:
        v = float(value)
        return "%.3f" % (v * 1.5 + 10)
    if q.kind == questions.HEX:
        return ("0" if value[0] != "0" else "1") + value[1:]
    if q.kind == questions.EXACT:
        letters = [i for i, ch in enumerate(value) if ch.isalpha()]
        i = letters[0]  # a base64 token has letters; swapping case must count
        return value[:i] + value[i].swapcase() + value[i + 1:]
    return value + "x"


# ------------------------------------------------------------ worksheets

def test_worksheets_match_keys():
    assert len(LABS) == 9, LABS
    for lab in LABS:
        with open(os.path.join(ROOT, "labs", lab + ".md")) as f:
            sheet = f.read()
        asked = re.findall(r"^\*\*(\d+)\.\*\* `([a-z0-9_]+)`", sheet, re.M)
        numbers = [int(n) for n, _ in asked]
        assert numbers == list(range(1, len(asked) + 1)), "%s: numbering %s" % (lab, numbers)
        ids = [qid for _, qid in asked]
        key_ids = [q.qid for q in key_module(lab).QUESTIONS]
        assert ids == key_ids, "%s: worksheet %s, key %s" % (lab, ids, key_ids)
        assert "labs/check %s" % lab in sheet, "%s does not say how to check it" % lab


def test_long_running_client_is_defined():
    """A worksheet that asks about "the long-running client" (or flow)
    says what that is before its questions: the flow that delivered the
    most events.  Lab 06's client reconnects after a server restart, so
    its worksheet says the capture holds the restart and that the term
    means the first connection only (the key's main flow), not the
    reconnection too."""
    for lab in LABS:
        with open(os.path.join(ROOT, "labs", lab + ".md")) as f:
            sheet = f.read()
        if "long-running" not in sheet:
            continue
        before = " ".join(sheet.split("**1.**", 1)[0].split())
        assert re.search(r'"The long-running client" (below )?(is|means) .*?the flow that '
                         r'delivered the most events', before), lab + " does not define it"
    with open(os.path.join(ROOT, "labs", "06-sse.md")) as f:
        before = " ".join(f.read().split("**1.**", 1)[0].split())
    for said in ("server restart", "reconnects on a new connection", "first connection",
                 "Its reconnection is a flow of its own"):
        assert said in before, said


def test_worksheets_say_what_the_capture_holds():
    """What a worksheet says of its capture is what the capture shows:
    in the HTTP labs the second client asks once (one request on its flow)
    and the chat comes by a POST /send on a connection of its own (a
    technique=http flow), not from that client; lab 02's held requests are
    near a whole interval, as the worksheet says (and the key's comment).
    No worksheet command reads build/labs/ID/..., which a student with a
    kit does not have."""
    for lab, name in (("01-poll", "poll"), ("01-poll", "jsonp"), ("02-longpoll", "longpoll"),
                      ("03-iframe", "iframe"), ("04-xhr", "xhr"), ("04-xhr", "multipart"),
                      ("06-sse", "sse")):
        with open(os.path.join(ROOT, "labs", lab + ".md")) as f:
            before = " ".join(f.read().split("**1.**", 1)[0].split())
        assert "POST /send` on a connection of its own" in before, lab
        assert "sends a chat message" not in before and "sends a chat" not in before, lab
        items = json_items(os.path.join(ROOT, "captures", name + ".pcap"))
        flows = {}
        for it in items:
            if it["type"] == "http_request":
                flows.setdefault(it["flow"], []).append(it["method"] + " " + it["target"])
        posts = [f for f, reqs in flows.items() if any(r.startswith("POST /send") for r in reqs)]
        assert len(posts) == 1 and len(flows[posts[0]]) == 1, (name, flows)
        gets = sorted(f for f in flows if f not in posts)
        assert len(flows[gets[1]]) == 1, (name, flows)  # the second client: one request
    key = solution("02-longpoll")
    assert 0.75 <= float(key["held_share_of_interval"]) <= 1.0, key
    with open(os.path.join(ROOT, "labs", "keys", "longpoll.py")) as f:
        assert "half an interval" not in f.read()
    for lab in LABS:
        with open(os.path.join(ROOT, "labs", lab + ".md")) as f:
            assert not re.search(r"pushviz -r\s+build/labs/", f.read()), lab


def test_every_lab_is_listed():
    code, out, _ = check("--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == LABS, out
    with open(os.path.join(ROOT, "labs", "README.md")) as f:
        readme = f.read()
    for lab in LABS:
        assert "(%s.md)" % lab in readme, "labs/README.md does not link " + lab


# ------------------------------------------------------------ grading

def test_solutions_pass():
    for lab in REFERENCE_LABS:
        answers = solution(lab)
        assert len(answers) == len(key_module(lab).QUESTIONS), lab
        code, out, err = check(lab, write(lab + ".key", answers_text(answers)))
        assert code == 0, "%s: key fed back exited %d:\n%s%s" % (lab, code, out, err)
        assert "%d of %d right" % (len(answers), len(answers)) in out, out


def test_each_wrong_answer_is_named():
    def one_wrong(job):
        lab, answers, q = job
        bad = dict(answers)
        bad[q.qid] = wrong_value(q, answers[q.qid])
        code, out, _ = check(lab, write("%s-%s.bad" % (lab, q.qid), answers_text(bad)))
        assert code == 1, "%s %s=%s: exit %d" % (lab, q.qid, bad[q.qid], code)
        v = verdicts(out)
        assert v[q.qid] == "wrong", "%s: %s=%s not judged wrong:\n%s" % (
            lab, q.qid, bad[q.qid], out)
        assert all(w == "right" for k, w in v.items() if k != q.qid), out
        assert "hint: " + q.hint in out, out

    jobs = []
    for lab in REFERENCE_LABS:
        answers = solution(lab)
        jobs += [(lab, answers, q) for q in key_module(lab).QUESTIONS]
    # One labs/check per question, each waiting on its own process: four
    # at a time (the checks are independent; each has its own file).
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(one_wrong, jobs))  # raises the first failure


def test_missing_answer_and_tolerance():
    answers = solution("02-longpoll")
    del answers["second_held_ms"]
    # a time rounded to two decimals and a little off is still right
    answers["first_held_ms"] = "%.2f" % (float(answers["first_held_ms"]) + 0.02)
    code, out, _ = check("02", write("miss.txt", answers_text(answers)))
    v = verdicts(out)
    assert code == 1 and v["second_held_ms"] == "missing", out
    assert v["first_held_ms"] == "right", out
    assert sum(1 for w in v.values() if w == "right") == len(v) - 1, out


def test_text_answers_ignore_case_and_quotes():
    answers = solution("07-ws")
    answers["client_close_reason"] = '"%s"' % answers["client_close_reason"].upper()
    answers["third_client_mask_key"] = "0x" + answers["third_client_mask_key"].upper()
    code, out, _ = check("ws", write("case.txt", answers_text(answers)))
    assert code == 0, out


def test_windows_notepad_file_is_read():
    """A byte order mark before the first line and CRLF line ends, as
    Notepad saves UTF-8: the file is graded like any other."""
    answers = solution("07-ws")
    text = "\ufeff# lab 07\r\n" + answers_text(answers).replace("\n", "\r\n")
    code, out, err = check("07", write("notepad.txt", text.encode("utf-8")))
    assert code == 0 and all(w == "right" for w in verdicts(out).values()), (out, err)
    lines = answers_text(answers).split("\n")
    lines[1] = "\ufeff" + lines[1]  # a mark inside the text is text
    code, out, err = check("07", write("notepad.txt", "\n".join(lines).encode("utf-8")))
    assert code == 2 and "is not an answer id" in err, err


def test_header_value_without_optional_space_is_right():
    """RFC 9110's optional white space around ; in a media type: the
    Content-Type answered without the space the server sent is right."""
    answers = solution("01-poll")
    truth = answers["jsonp_content_type"]
    assert "; " in truth, truth
    answers["jsonp_content_type"] = truth.replace("; ", ";").upper()
    code, out, _ = check("01", write("ows.txt", answers_text(answers)))
    assert code == 0, out
    answers["jsonp_content_type"] = truth.replace(";", "")
    code, out, _ = check("01", write("ows.txt", answers_text(answers)))
    assert code == 1 and verdicts(out)["jsonp_content_type"] == "wrong", out


def test_not_a_number_is_wrong_with_reason():
    answers = solution("06-sse")
    answers["sse_mean_latency_ms"] = answers["sse_mean_latency_ms"] + "ms"
    code, out, _ = check("6", write("units.txt", answers_text(answers)))
    assert code == 1 and "is not a number" in out, out


def test_bad_answer_files():
    cases = [
        ("handshake_staus = 101\n", "no question 'handshake_staus' (did you mean handshake_status?)"),
        ("# ok\n\nhandshake_status 101\n", "bad.txt:3: expected `id = value`"),
        ("handshake_status = 101\nhandshake_status = 101\n", "answered twice (first on line 1)"),
        ("handshake_status =   \n", "handshake_status has no value"),
        ("Handshake Status = 101\n", "is not an answer id"),
        (b"handshake_status = \xff\n", "not UTF-8"),
    ]
    for text, message in cases:
        code, out, err = check("07-ws", write("bad.txt", text))
        assert code == 2, "%r: exit %d" % (text, code)
        assert message in err and out == "", "%r: %r" % (text, err)
    code, _, err = check("07-ws", os.path.join(TMP, "no-such-file"))
    assert code == 2 and "cannot read" in err, err


def test_bad_command_lines():
    cases = [
        ((), "which lab?"),
        (("99", "x"), "no lab '99'"),
        (("07",), "either an answers file or --solution"),
        (("01", "--solution", "--capture", "x.pcap"), "reads 2 captures; say which"),
        (("01", "--solution", "--capture", "foo=x.pcap"), "has no capture 'foo'"),
        (("07", "--solution", "--capture", os.path.join(TMP, "none.pcap")), "no capture file"),
        (("07", "--solution", "--capture", CHECK), "failed"),
    ]
    for args, message in cases:
        code, out, err = check(*args)
        assert code == 2 and message in err, "%s: %d %r" % (args, code, err)


def test_capture_without_the_answers():
    """A WebSocket lab on an SSE capture: nothing to ask, said so, not
    passed.  The key shows each question with no answer; grading refuses
    the capture (exit 2) as not one of this lab, with the count, even
    when the one answerable question (the tshark total, which any capture
    answers) is right: a lab does not pass on n/a."""
    sse = os.path.join(ROOT, "captures", "sse.pcap")
    code, out, _ = check("07-ws", "--solution", "--capture", sse)
    lines = [line for line in out.splitlines() if not line.startswith("# lab")]
    # every question but the tshark cross-check, which any capture answers
    assert code == 0 and all("no answer in this capture" in line for line in lines
                             if not line.startswith("tshark_payload_bytes =")), out
    total = [line for line in out.splitlines() if line.startswith("tshark_payload_bytes =")]
    assert len(total) == 1, out
    n = len(key_module("07-ws").QUESTIONS)
    for text in ("handshake_status = 101\n", total[0] + "\n"):
        code, out, err = check("07-ws", write("ws.txt", text), "--capture", sse)
        assert code == 2 and out == "", (text, code, out)
        assert ("sse.pcap is not a capture of lab 07-ws: %d of its %d questions cannot be "
                "answered" % (n - 1, n)) in err, err


def test_solution_is_said_to_be_a_self_check():
    """Anyone can print a key (the code that computes it is in the
    repository): --help says --solution is for instructors and that
    labs/check is a self-check, and the instructor's guide says so and
    how to grade instead (--batch, the explanations)."""
    code, out, _ = check("--help")
    assert code == 0, out
    text = " ".join(out.split())
    m = re.search(r"--solution (.*?) --capture", text)
    assert m and "for instructors" in m.group(1) and "self-check" in m.group(1), text
    with open(os.path.join(ROOT, "docs", "instructor.md")) as f:
        guide = f.read()
    m = re.search(r"^## labs/check is a self-check, not an exam\n(.*?)^## ", guide, re.M | re.S)
    assert m, "docs/instructor.md has no section on what labs/check is"
    section = " ".join(m.group(1).split())
    for said in ("Any student can print their own key", "cannot be hidden", "formative",
                 "labs/check --batch", "explanations"):
        assert said in section, (said, section)


def test_doc_excerpts_are_real():
    """Every --dump line quoted in docs/techniques/ is a line pushviz prints
    for a capture in captures/ or captures/thirdparty/ (re-recording them
    means new excerpts)."""
    printed = set()
    for capdir in (os.path.join(ROOT, "captures"), os.path.join(ROOT, "captures", "thirdparty")):
        for name in os.listdir(capdir):
            if name.endswith(".pcap"):
                out = subprocess.run([os.path.join(harness.BIN, "pushviz"), "-r",
                                      os.path.join(capdir, name), "--dump"],
                                     capture_output=True, text=True, timeout=60, check=True).stdout
                printed.update(out.splitlines())
    docdir = os.path.join(ROOT, "docs", "techniques")
    pages = sorted(os.listdir(docdir))
    assert len(pages) == 9, pages  # the seven techniques, how pushviz names them, push over TLS
    for page in pages:
        with open(os.path.join(docdir, page)) as f:
            quoted = [line[4:] for line in f.read().splitlines()
                      if re.match(r"    \s+\d+\.\d{6}\s+\d+ ", line)]
        assert quoted, page + " quotes no --dump excerpt"
        stale = [line for line in quoted if line not in printed]
        assert not stale, "%s quotes lines no capture prints (take them again from " \
            "bin/pushviz -r captures/NAME.pcap --dump):\n%s" % (page, "\n".join(stale))


# ------------------------------------------------------------ keys on students' captures

DATA = os.path.join(ROOT, "tests", "labs", "data")


def json_items(pcap):
    out = subprocess.run([os.path.join(harness.BIN, "pushviz"), "-r", pcap, "--json"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return [json.loads(line) for line in out.split("\n") if line]


def test_sse_event_bytes_leave_out_heartbeats():
    """An SSE event's bytes on the wire are its own block's: in
    data/s2000333-06-sse.pcap (a student's capture) a `: heartbeat`
    comment comes between the chat event and the next event, and is not
    part of either.  event_bytes and chat_event_bytes equal the `bytes`
    pushviz gives those sse_event items, there and on the reference
    capture."""
    for pcap, args in ((os.path.join(DATA, "s2000333-06-sse.pcap"), ["--student", "s2000333"]),
                       (os.path.join(ROOT, "captures", "sse.pcap"), [])):
        key = solution("06-sse", "--capture", pcap, *args)
        items = json_items(pcap)
        main = int(key["sse_events"])  # the flow that delivered that many events
        flows = {}
        for it in items:
            if it["type"] == "event" and it.get("dir") == "s2c":
                flows[it["flow"]] = flows.get(it["flow"], 0) + 1
        flow = min(f for f, n in flows.items() if n == main)
        blocks = sorted((it for it in items if it["flow"] == flow and it.get("dir") == "s2c"
                         and it["type"] in ("sse_event", "sse_comment")),
                        key=lambda it: it["offset"])
        events = [it for it in blocks if it["type"] == "sse_event"]
        chat = next(it for it in events if it["event"] == "chat")
        tick = next(it for it in events if it["event"] == "tick")
        assert int(key["chat_event_bytes"]) == chat["bytes"], (pcap, key, chat)
        assert int(key["event_bytes"]) == tick["bytes"], (pcap, key, tick)
        assert int(key["field_overhead_bytes"]) == tick["bytes"] - len(tick["data"].encode())
        if args:  # the case this guards: a heartbeat right after the chat event
            after = blocks[blocks.index(chat) + 1]
            assert after["type"] == "sse_comment" and after["text"] == "heartbeat", after
            # and tshark's reading of the blocks (test_labs_personal.py's) agrees
            if shutil.which("tshark"):
                from lab_readings import readings
                assert readings("06-sse", {"sse": pcap})["chat_event_bytes"] == str(chat["bytes"])


def test_kit_may_be_the_students_own_folder():
    """--kit takes the class kit (KIT/ID/LAB.pcap) or the folder a student
    was handed (KIT/LAB.pcap), by its ID's name or by any other, and from
    inside it as `--kit .` (what the kit's README.txt says)."""
    student = "s2000333"
    kit = os.path.join(TMP, "handed")
    own = os.path.join(kit, student)
    renamed = os.path.join(TMP, "my-captures")
    for folder in (own, renamed):
        os.makedirs(folder, exist_ok=True)
        shutil.copy(os.path.join(DATA, "s2000333-06-sse.pcap"), os.path.join(folder, "06-sse.pcap"))
    key = solution("06", "--student", student, "--kit", kit)
    answers = write("own.txt", answers_text(key))
    for where, cwd in ((kit, None), (own, None), (renamed, None), (".", own)):
        done = subprocess.run([CHECK, "06", answers, "--student", student, "--kit", where],
                              capture_output=True, text=True, timeout=120, cwd=cwd)
        assert done.returncode == 0 and "%d of %d right" % (len(key), len(key)) in done.stdout, \
            (where, cwd, done.stdout, done.stderr)
    # a folder that is neither: the path looked for is named
    code, _, err = check("06", answers, "--student", student, "--kit", TMP)
    looked = os.path.join(TMP, student, "06-sse.pcap")
    assert code == 2 and "no capture file %s" % looked in err, err


def make_kit_module():
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("make_kit",
                                                  os.path.join(ROOT, "labs", "make-kit"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("make_kit", loader))
    loader.exec_module(module)
    return module


def test_make_kit_reads_rosters_and_labs_as_people_type_them():
    """A roster saved by Excel or Notepad (UTF-8 with a byte order mark,
    CRLF) is read; --labs takes spaces after commas and names a lab once
    however it is spelled.  A roster that is not UTF-8 is refused, named."""
    mk = make_kit_module()
    roster = write("roster-bom.txt", "\ufeffs1\r\n# class\r\nada.lovelace\r\n".encode("utf-8"))
    assert mk.read_roster(roster) == ["s1", "ada.lovelace"]
    assert mk.read_labs("01, 06") == ["01-poll", "06-sse"]
    assert mk.read_labs("7,ws, 07-ws ,06") == ["07-ws", "06-sse"]
    assert mk.read_labs(None) == LABS
    for bad, message in ((" , ", "names no lab"), ("01,nope", "no lab 'nope'")):
        try:
            mk.read_labs(bad)
        except mk.UsageError as e:
            assert message in str(e), e
        else:
            raise AssertionError("--labs %r accepted" % bad)
    latin1 = write("roster-latin1.txt", "s1\nj\xe9r\xf4me\n".encode("latin-1"))
    done = subprocess.run([os.path.join(ROOT, "labs", "make-kit"), "--students", latin1,
                           "--out", os.path.join(TMP, "no-kit")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "roster-latin1.txt is not UTF-8" in done.stderr, done
    assert not os.path.exists(os.path.join(TMP, "no-kit"))


def pcap_frames(path):
    """(link type, [(seconds, nanoseconds, frame)]) of a classic little-endian
    pcap of nanosecond times (what pushviz -w writes)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x4d\x3c\xb2\xa1", path
    frames, pos = [], 24
    while pos + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack("<IIII", data[pos:pos + 16])
        frames.append((sec, usec, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return struct.unpack("<I", data[20:24])[0], frames


def as_ipv6(ip):
    """An IPv4 packet of 127.0.0.1 as the same TCP segment between ::1 and ::1."""
    ihl, total = (ip[0] & 15) * 4, struct.unpack(">H", ip[2:4])[0]
    tcp = ip[ihl:total]
    return struct.pack(">IHBB", 6 << 28, len(tcp), 6, 64) + bytes(15) + b"\1" + bytes(15) \
        + b"\1" + tcp


def rewrap(src, dst, link, ipv6=False, ng=False):
    """src (an Ethernet pcap of IPv4) written again as another link type
    (sll, sll2, null, raw or ethernet), maybe IPv6, maybe as pcapng: the
    files other tools write of the same traffic."""
    linktype, frames = pcap_frames(src)
    assert linktype == 1, src
    codes = {"ethernet": 1, "null": 0, "raw": 101, "sll": 113, "sll2": 276}
    out = []
    for sec, nsec, frame in frames:
        ip = as_ipv6(frame[14:]) if ipv6 else frame[14:]
        proto = b"\x86\xdd" if ipv6 else b"\x08\x00"
        head = {"ethernet": frame[:12] + proto,
                "null": struct.pack("<I", 10 if ipv6 else 2),
                "raw": b"",
                "sll": struct.pack(">HHH", 0, 772, 6) + bytes(8) + proto,
                "sll2": proto + bytes(2) + struct.pack(">IHBB", 1, 772, 0, 6) + bytes(8)}[link]
        out.append((sec, nsec, head + ip))
    with open(dst, "wb") as f:
        if not ng:
            f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, codes[link]))
            for sec, nsec, frame in out:
                f.write(struct.pack("<IIII", sec, nsec, len(frame), len(frame)) + frame)
            return dst

        def block(kind, body):
            body += bytes(-len(body) % 4)
            size = struct.pack("<I", len(body) + 12)
            return struct.pack("<I", kind) + size + body + size
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        # if_tsresol 9: times in nanoseconds, as in the original
        f.write(block(1, struct.pack("<HHIHHBxxxHH", codes[link], 0, 65535, 9, 1, 9, 0, 0)))
        for sec, nsec, frame in out:
            ts = sec * 1000000000 + nsec
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame),
                                         len(frame)) + frame))
    return dst


def test_check_reads_what_pushviz_reads():
    """Lab 06's key reads retry: and the heartbeats from the file itself:
    on the reference capture saved as pcapng, as tcpdump -i any's Linux
    cooked headers (SLL, SLL2), BSD loopback or raw IP, and over IPv6,
    the key is the same as on the original (before, a pcapng file ended
    labs/check in a Python traceback).  A file neither reads is refused
    with exit 2 and the file named, never a traceback."""
    sse = os.path.join(ROOT, "captures", "sse.pcap")
    code, out, err = check("06", "--solution", "--capture", sse)
    assert code == 0 and "no answer" not in out, out + err
    want = out.splitlines()[1:]
    for link, ipv6, ng in (("ethernet", False, True), ("sll2", False, True), ("sll", False, False),
                           ("null", True, False), ("raw", True, True), ("sll2", True, False)):
        path = rewrap(sse, os.path.join(TMP, "sse-%s-%s.%s" % (link, ipv6 and "v6" or "v4",
                                                                ng and "pcapng" or "pcap")),
                      link, ipv6, ng)
        code, out, err = check("06", "--solution", "--capture", path)
        assert code == 0 and "Traceback" not in err, (path, code, err)
        assert out.splitlines()[1:] == want, (path, out)
        answers = write("06.txt", "".join(line + "\n" for line in want))
        code, out, err = check("06", answers, "--capture", path)
        assert code == 0 and "%d of %d right" % (len(want), len(want)) in out, (path, out, err)
    bad = write("bad.pcapng", b"\x0a\x0d\x0d\x0a" + bytes(40))
    code, out, err = check("06", "--solution", "--capture", bad)
    assert code == 2 and "bad.pcapng" in err and "Traceback" not in err, (code, out, err)


# ------------------------------------------------------------ lab 08 and pushviz --stats

def stats_rows(pcap):
    """{technique: {column: value}} of `pushviz -r pcap --stats`."""
    out = subprocess.run([os.path.join(harness.BIN, "pushviz"), "-r", pcap, "--stats"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    rows = {}
    for line in out.split("\n\n")[0].splitlines():  # the first table: costs per technique
        f = line.split()
        if len(f) == 9 and re.fullmatch(r"\d+", f[1]):
            rows[f[0]] = {"flows": int(f[1]), "requests": int(f[2]), "events": int(f[3]),
                          "hdr": float(f[4]), "lat_mean": float(f[6])}
    return rows


def assert_compare_agrees_with_stats(pcap):
    key = solution("08-compare", "--capture", pcap)
    rows = stats_rows(pcap)
    assert int(key["poll_flows"]) == rows["poll"]["flows"], (key, rows)
    assert int(key["poll_requests"]) == rows["poll"]["requests"], (key, rows)
    assert int(key["ws_events"]) == rows["ws"]["events"], (key, rows)
    for t in ("poll", "sse", "ws"):
        assert abs(float(key[t + "_header_bytes_per_event"]) - rows[t]["hdr"]) <= 0.05, (t, key, rows)
    for t in ("poll", "ws"):
        assert abs(float(key[t + "_mean_latency_ms"]) - rows[t]["lat_mean"]) <= 0.001, (t, key, rows)
    assert key["fewest_header_bytes"] == min(rows, key=lambda t: rows[t]["hdr"]), (key, rows)
    code, out, _ = check("08", write("cmp.txt", answers_text(key)), "--capture", pcap)
    assert code == 0, out


def test_compare_agrees_with_stats_on_demo():
    assert_compare_agrees_with_stats(os.path.join(ROOT, "captures", "demo.pcap"))


def in_step(tick_ms, poll_ms):
    """True when ticks every tick_ms move by less than a twentieth of a poll
    interval of poll_ms from one to the next: each waits about the same
    time for its poll, so a mean latency says nothing of polling."""
    step = tick_ms % poll_ms
    return min(step, poll_ms - step) * 20 < poll_ms


def part_b_commands():
    """{program: [arguments]} of lab 08's Part B command lines."""
    with open(os.path.join(ROOT, "labs", "08-compare.md")) as f:
        part = f.read().split("## Part B", 1)[1].split("## Part C", 1)[0]
    found = {}
    for line in part.splitlines():
        for word in re.findall(r"bin/pushlab-(?:client \w+|\w+)[^&\n]*", line):
            prog, *args = word.split()
            if prog == "bin/pushlab-client":
                prog = "client " + args.pop(0)
            found[prog] = args
    return found


def option(args, name, default):
    return int(args[args.index(name) + 1]) if name in args else default


def test_poll_is_never_in_step_with_the_ticks():
    """A poll period equal to the tick period (or a multiple or divisor of
    it) catches every tick at the same point of its interval: poll's mean
    latency is then one fixed wait, and lab 08's slow_rows can be 0 by
    luck.  Neither lab 08's Part B commands nor any student's parameters
    (Part A and lab 01) put them in step."""
    cmds = part_b_commands()
    tick = option(cmds["bin/pushlab-poll"], "--interval", 1000)  # the servers' default
    poll = option(cmds["client poll"], "--poll-interval", 1000)  # the client's default
    assert not in_step(tick, poll), (tick, poll, cmds)
    sys.path.insert(0, os.path.join(ROOT, "labs", "lib"))
    from student import POLL_INTERVAL_MS, params
    for n in range(3000):
        p = params("s%07d" % n, "01-poll")
        assert POLL_INTERVAL_MS[0] <= p["poll_interval_ms"] <= POLL_INTERVAL_MS[1], p
        assert not in_step(p["interval_ms"], p["poll_interval_ms"]), ("s%07d" % n, p)


def test_compare_on_a_load_capture():
    """Part B of lab 08, as the worksheet says (its servers' tick and its
    poll clients' options), on ephemeral ports and for 3 s: the poll row
    is slow (question 10)."""
    if os.geteuid() != 0:
        raise harness.Skip("live capture needs root (CAP_NET_RAW)")
    pcap = os.path.join(TMP, "load.pcap")
    cmds = part_b_commands()
    servers = []
    for t in ("poll", "sse", "ws"):  # the worksheet's options, on a port of their own
        args = list(cmds["bin/pushlab-" + t])
        del args[args.index("-p"):args.index("-p") + 2]
        servers.append(harness.Server(t, *args))
    with servers[0] as poll, servers[1] as sse, servers[2] as ws:
        ports = (poll.port, sse.port, ws.port)
        viz = subprocess.Popen(
            [os.path.join(harness.BIN, "pushviz"), "-i", "lo", "-w", pcap, "--json",
             "-f", " or ".join("tcp port %d" % p for p in ports)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            time.sleep(0.5)
            assert viz.poll() is None, viz.stderr.read()
            for tech, url in (("poll", "http://127.0.0.1:%d" % poll.port),
                              ("sse", "http://127.0.0.1:%d" % sse.port),
                              ("ws", "ws://127.0.0.1:%d" % ws.port)):
                args = cmds["client " + tech][1:]  # the worksheet's, URL aside
                for name, value in (("--clients", "5"), ("--duration", "3")):
                    args[args.index(name) + 1] = value
                subprocess.run([os.path.join(harness.BIN, "pushlab-client"), tech, url] + args,
                               capture_output=True, timeout=30, check=True)
            time.sleep(0.3)
        finally:
            viz.send_signal(2)
            viz.wait(10)
    rows = stats_rows(pcap)
    assert rows["poll"]["flows"] == 5 and rows["sse"]["flows"] == 5, rows
    assert_compare_agrees_with_stats(pcap)
    assert int(solution("08-compare", "--capture", pcap)["slow_rows"]) >= 1, rows


if __name__ == "__main__":
    harness.main([
        test_worksheets_match_keys,
        test_every_lab_is_listed,
        test_long_running_client_is_defined,
        test_worksheets_say_what_the_capture_holds,
        test_solutions_pass,
        test_each_wrong_answer_is_named,
        test_missing_answer_and_tolerance,
        test_text_answers_ignore_case_and_quotes,
        test_header_value_without_optional_space_is_right,
        test_not_a_number_is_wrong_with_reason,
        test_bad_answer_files,
        test_windows_notepad_file_is_read,
        test_bad_command_lines,
        test_capture_without_the_answers,
        test_solution_is_said_to_be_a_self_check,
        test_doc_excerpts_are_real,
        test_sse_event_bytes_leave_out_heartbeats,
        test_check_reads_what_pushviz_reads,
        test_kit_may_be_the_students_own_folder,
        test_make_kit_reads_rosters_and_labs_as_people_type_them,
        test_compare_agrees_with_stats_on_demo,
        test_poll_is_never_in_step_with_the_ticks,
        test_compare_on_a_load_capture,
    ])
