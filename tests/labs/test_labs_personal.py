"""test_labs_personal.py -- every lab done as a student does it, for two students.

For two student IDs, every lab is recorded with `labs/start LAB --student
ID` (as root, on loopback, both students at once; lab 09 with --loopback,
and once more through the emulated link when bin/pushlab-wan exists) and graded with
`labs/check LAB answers.txt --student ID`, which must exit 0.  The answers
handed in are this test's own readings of the capture (lab_readings.py:
tshark's dissection where it has the answer, else the connections' bytes
and times as tshark prints them), never pushviz's or the key code's; each
must also be what the key (`--solution`) says.  Three more students
record lab 06 alone.  Then: the two students' answers differ for at least
half of each lab's questions, and so do those of every pair of the five
for lab 06 (the lab with the most look-ups and counts); one student's
answers fail on the other's capture (exit 1), and --student with the wrong
ID refuses the capture (exit 2); `labs/check --batch` grades both as CSV
without printing an answer; `labs/make-kit` makes a kit with a README
for a roster; and no answer of the reference captures' keys
is printed in docs/ or labs/*.md.
"""
import concurrent.futures
import csv
import io
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from lab_readings import readings  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path[:0] = [os.path.join(ROOT, "labs", "lib"), os.path.join(ROOT, "labs")]
import questions  # noqa: E402
from kit import kit_paths, load_key, worksheets  # noqa: E402
from student import params  # noqa: E402

LABS = list(worksheets())
STUDENTS = ("ada.lovelace", "s1234567")
# More IDs for the lab with the most look-ups and counts (SSE): every pair
# of the five must still differ in at least half of its answers.
MORE_STUDENTS = ("grace.hopper", "alan.turing", "s7654321")
PAIRS_LAB = "06-sse"
RECORDERS = 8  # labs/start runs at once (see record_all)
TMP = tempfile.mkdtemp(prefix="pushlab-personal-")
KIT = os.path.join(TMP, "kit")
recorded = {}


def run(*argv, timeout=180):
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def check(*args):
    return run(os.path.join(ROOT, "labs", "check"), *args)


def solution(lab, *args):
    code, out, err = check(lab, "--solution", *args)
    assert code == 0, err
    key = {}
    for line in out.splitlines():
        assert "no answer in this capture" not in line, "%s: %s" % (lab, line)
        if line and not line.startswith("#"):
            qid, _, value = line.partition(" = ")
            key[qid] = value
    return key


def parse(q, text):
    """The key's printed answer as the value judge() compares with."""
    if q.kind == questions.INT:
        return int(text)
    if q.kind == questions.NUMBER:
        return float(text)
    return text


def write(path, answers):
    with open(path, "w") as f:
        f.write("".join("%s = %s\n" % kv for kv in answers.items()))
    return path


def independent_answers(lab, paths, key, student):
    """The answers a student hands in: the key's, replaced by this test's
    own reading wherever it has one, which must agree with the key."""
    answers = dict(key)
    asked = {q.qid: q for q in load_key(lab).QUESTIONS}
    for qid, value in readings(lab, paths).items():
        right, _ = asked[qid].judge(value, parse(asked[qid], key[qid]))
        assert right, "%s %s %s: tshark says %s, the key %s" % (student, lab, qid, value, key[qid])
        answers[qid] = value
    return answers


# ------------------------------------------------------------ the tests

WAN_STUDENT = "wan.student"  # lab 09 recorded through pushlab-wan (test_lab09_over_the_wan)
wan_result = {}


def wan_ready():
    """Why lab 09 cannot go through the emulated link here, or None."""
    if not os.access(os.path.join(harness.BIN, "pushlab-wan"), os.X_OK):
        return ("bin/pushlab-wan is missing (the emulated link, issue 15): lab 09 "
                "cannot be recorded through it")
    if os.geteuid() != 0:
        return "pushlab-wan and live capture need root"
    return None


def record_all(on_recorded):
    """labs/start every lab for both students, PAIRS_LAB for the
    MORE_STUDENTS, and lab 09 through pushlab-wan for WAN_STUDENT,
    RECORDERS at a time: a recording mostly waits for its events (about
    14 s of wall time for little CPU; lab 09 about a minute), and each
    writes its own capture into the kit.  Every lab 09 recording is queued
    first, so that the longest ones do not start last.  Each recording's
    key goes into `recorded` as soon as it is made, and on_recorded(student,
    lab) is called, so that grading it overlaps the recordings still
    waiting for their events (WAN_STUDENT's has its own test)."""
    errors = []
    jobs = queue.Queue()
    if wan_ready() is None:
        jobs.put((WAN_STUDENT, "09-rtt", []))  # the only one through the link: one netns
    # lab 09 on loopback here (through the emulated link for WAN_STUDENT),
    # every student's first: at about a minute each it is the longest
    for lab in sorted(LABS, key=lambda lab: lab != "09-rtt"):
        for student in STUDENTS:
            jobs.put((student, lab, ["--loopback"] if lab == "09-rtt" else []))
    for student in MORE_STUDENTS:
        jobs.put((student, PAIRS_LAB, []))

    def worker():
        while True:
            try:
                student, lab, extra = jobs.get_nowait()
            except queue.Empty:
                return
            code, out, err = run(os.path.join(ROOT, "labs", "start"), lab, "--student", student,
                                 "--kit", KIT, *extra, timeout=300)
            if student == WAN_STUDENT:
                wan_result.update(code=code, text=out + err)
            elif code != 0:
                errors.append("%s %s: exit %d %s" % (student, lab, code, err))
            elif "labs/check %s answers.txt --student %s" % (lab, student) not in out:
                errors.append("%s %s: no labs/check line in %s" % (student, lab, out))
            elif "your capture" not in out or ": " + KIT not in out:
                # a kit outside the current folder is named as it is, not ../../tmp/...
                errors.append("%s %s: the capture's path is not %s/...: %s" % (student, lab, KIT, out))
            else:
                recorded[student, lab] = solution(lab, "--student", student, "--kit", KIT)
                on_recorded(student, lab)
    threads = [threading.Thread(target=worker) for _ in range(RECORDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_start_without_rights_says_so_before_anything():
    """Without capture rights labs/start says so, and only that: it
    announced a recording ("recording lab ... about 15 s per capture")
    first, then refused.  A copy of labs/ in a folder open to everyone is
    run as nobody (a checkout may lie where nobody may not look)."""
    if os.geteuid() == 0:
        copy = os.path.join(TMP, "labs-copy")
        shutil.copytree(os.path.join(ROOT, "labs"), os.path.join(copy, "labs"), dirs_exist_ok=True)
        for d in (TMP, copy):
            os.chmod(d, 0o755)

        def as_nobody():
            os.setgid(65534)
            os.setgroups([])
            os.setuid(65534)
        done = subprocess.run([os.path.join(copy, "labs", "start"), "06-sse", "--student", "ada.lovelace",
                               "--kit", os.path.join(TMP, "nobody-kit")],
                              capture_output=True, text=True, timeout=60, preexec_fn=as_nobody,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PATH="/usr/bin:/bin"))
    else:
        done = subprocess.run([os.path.join(ROOT, "labs", "start"), "06-sse", "--student", "ada.lovelace",
                               "--kit", os.path.join(TMP, "nobody-kit")], capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 1 and done.stdout == "", done
    assert done.stderr.startswith("labs/start: recording needs root"), done


def test_every_lab_start_to_check():
    if os.geteuid() != 0:
        raise harness.Skip("labs/start records live captures: needs root (CAP_NET_RAW)")
    if not shutil.which("tshark"):
        raise harness.Skip("tshark is not installed (make deps)")

    def grade(s, lab):
        """One student's lab: tshark's readings handed in, and graded."""
        answers = independent_answers(lab, kit_paths(KIT, s, lab, load_key(lab)),
                                      recorded[s, lab], s)
        path = write(os.path.join(TMP, "answers-%s-%s.txt" % (s, lab)), answers)
        code, out, err = check(lab, path, "--student", s, "--kit", KIT)
        assert code == 0, "%s %s: %s%s" % (s, lab, out, err)
    # Each grading waits on tshark and labs/check, so four go at once,
    # each as soon as its recording is made.
    graded = []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        record_all(lambda s, lab: graded.append(pool.submit(grade, s, lab)))
        for done in graded:
            done.result()  # raises the first failure
    assert len(graded) == len(STUDENTS) * len(LABS) + len(MORE_STUDENTS), len(graded)


def test_lab09_over_the_wan():
    """Lab 09 as the worksheet says: through pushlab-wan at RTT 0, 80, 300 ms
    (recorded by record_all, beside the other labs)."""
    why = wan_ready()
    if why:
        raise harness.Skip(why)
    assert wan_result, "lab 09 was not recorded through the link (record_all did not run?)"
    assert wan_result["code"] == 0, wan_result["text"]
    student = WAN_STUDENT
    key = solution("09-rtt", "--student", student, "--kit", KIT)
    assert abs(float(key["handshake_rtt80_ms"]) - 80) < 15, key
    # the streams pay one way (40 ms) at RTT 80, long polling at least that
    for t in ("sse", "ws", "longpoll"):
        assert 38 <= float(key[t + "_mean_rtt80_ms"]) < 200, (t, key)
    assert float(key["ws_p90_rtt300_ms"]) >= 148, key
    assert float(key["poll_mean_rtt300_ms"]) > float(key["ws_p90_rtt300_ms"]) - 150, key
    # one way is 20 ms on the lossy link; the slow link carries less than
    # the ticks, so the lag grows, and the payload stays under its rate
    p = params(student, "09-rtt")
    assert float(key["loss_max_latency_ms"]) >= 19, key
    assert float(key["slow_lag_growth"]) > 0.2, key
    assert float(key["slow_down_kbit"]) < p["rate_kbit"], (key, p)
    # every answer again from tshark's segments, and graded
    answers = independent_answers("09-rtt", kit_paths(KIT, student, "09-rtt", load_key("09-rtt")),
                                  key, student)
    code, out, err = check("09", write(os.path.join(TMP, "w.txt"), answers), "--student", student,
                           "--kit", KIT)
    assert code == 0, out + err


def assert_differ(lab, a, b):
    ka, kb = recorded[a, lab], recorded[b, lab]
    same = [q for q in ka if ka[q] == kb[q]]
    assert 2 * len(same) <= len(ka), "%s, %s and %s: %d of %d answers alike: %s" % (
        lab, a, b, len(same), len(ka), same)


def test_two_students_differ():
    if not recorded:
        raise harness.Skip("no recordings (the test before needs root)")
    a, b = STUDENTS
    everyone = STUDENTS + MORE_STUDENTS
    for i, x in enumerate(everyone):
        for y in everyone[i + 1:]:
            assert_differ(PAIRS_LAB, x, y)
    for lab in LABS:
        ka = recorded[a, lab]
        assert_differ(lab, a, b)
        # a's answers on b's capture: not all right
        code, out, _ = check(lab, write(os.path.join(TMP, "a.txt"), ka), "--student", b,
                             "--kit", KIT)
        assert code == 1 and "wrong" in out, "%s: %d\n%s" % (lab, code, out)
        # a's capture handed in as b's: refused, naming the reason
        capture = ["--capture=" + ("%s=%s" % (n, p) if len(load_key(lab).CAPTURES) > 1 else p)
                   for n, p in kit_paths(KIT, a, lab, load_key(lab)).items()]
        code, _, err = check(lab, write(os.path.join(TMP, "a.txt"), ka), "--student", b,
                             *capture)
        assert code == 2 and "was not made for student %s" % b in err, (lab, code, err)


def test_batch_csv():
    if not recorded:
        raise harness.Skip("no recordings (the test before needs root)")
    subs = os.path.join(TMP, "submissions")
    a, b = STUDENTS
    for s in STUDENTS:
        os.makedirs(os.path.join(subs, s), exist_ok=True)
    write(os.path.join(subs, a, "06-sse.txt"), recorded[a, "06-sse"])
    write(os.path.join(subs, b, "06-sse.txt"), recorded[a, "06-sse"])  # copied from a
    write(os.path.join(subs, b, "07-ws.txt"), recorded[b, "07-ws"])
    # named as labs/check's LAB argument may be: graded; named otherwise:
    # a row that says so, never left out
    write(os.path.join(subs, a, "ws.txt"), recorded[a, "07-ws"])
    write(os.path.join(subs, a, "lab6.txt"), recorded[a, "06-sse"])
    write(os.path.join(subs, a, "answers.docx"), {"x": "y"})
    write(os.path.join(subs, a, ".answers.txt.swp"), {"x": "y"})  # an editor's: not a submission
    write(os.path.join(subs, b, "7.txt"), recorded[b, "07-ws"])
    code, out, err = check("--batch", subs, "--kit", KIT)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    got = sorted((r["student"], r["lab"], r["result"]) for r in rows)
    assert got == sorted([(a, "06-sse", "pass"), (a, "07-ws", "pass"), (a, "lab6.txt", "error"),
                          (a, "answers.docx", "error"), (b, "06-sse", "fail"),
                          (b, "07-ws", "pass"), (b, "07-ws", "error")]), rows
    problems = {(r["student"], r["lab"]): r["problem"] for r in rows if r["result"] == "error"}
    assert "no lab 'lab6'" in problems[a, "lab6.txt"], problems
    assert "not an answers file" in problems[a, "answers.docx"], problems
    assert "a second answers file for lab 07-ws" in problems[b, "07-ws"], problems
    for r in rows:
        if r["result"] != "error":
            assert r["asked"] == str(len(load_key(r["lab"]).QUESTIONS)), r
    for value in recorded[b, "06-sse"].values():
        if len(value) > 4:  # no expected value is printed
            assert value not in out, value


def test_make_kit():
    """labs/make-kit for a roster: a bad roster line is refused (exit 2)
    before anything is recorded; a good one gets each student's captures,
    which labs/check accepts as that student's, and a README.txt naming
    them and the commands to use."""
    make_kit = os.path.join(ROOT, "labs", "make-kit")
    roster = os.path.join(TMP, "roster.txt")
    kit = os.path.join(TMP, "made-kit")
    with open(roster, "w") as f:
        f.write("# class\nkit.student\nnot an id\n")
    code, _, err = run(make_kit, "--students", roster, "--out", kit)
    assert code == 2 and "roster.txt:3" in err and not os.path.exists(kit), (code, err)
    if os.geteuid() != 0:
        raise harness.Skip("make-kit records live captures: needs root (CAP_NET_RAW)")
    with open(roster, "w", encoding="utf-8-sig") as f:  # as Excel saves it: a byte order mark
        f.write("kit.student\r\n# class\r\n")
    code, out, err = run(make_kit, "--students", roster, "--out", kit, "--labs", "07, ws",
                         timeout=300)
    assert code == 0, err
    pcap = os.path.join(kit, "kit.student", "07-ws.pcap")
    assert out.count("labs/make-kit: ") == 1 and "labs/make-kit: " + pcap in out, out
    assert sorted(os.listdir(os.path.join(kit, "kit.student"))) == ["07-ws.pcap", "README.txt"]
    code, _, err = check("07", "--solution", "--student", "kit.student", "--kit", kit)
    assert code == 0, err
    folder = os.path.join(kit, "kit.student")
    with open(os.path.join(folder, "README.txt")) as f:
        readme = f.read()
    for line in ("07-ws        07-ws.pcap", "07-ws.txt"):
        assert line in readme, (line, readme)
    # its commands work as written, in the student's folder, once PUSHLAB
    # names the checkout (the pushviz one with --dump: no terminal here).
    # The checkout here is one whose bin/ holds the binaries under test
    # (a sanitizer build's, in make check), beside the repository's labs/.
    commands = [line.split("#")[0].strip() for line in readme.splitlines()
                if line.startswith("    $PUSHLAB/")]
    assert len(commands) == 2 and "PUSHLAB=~/pushlab" in readme, readme
    write(os.path.join(folder, "answers.txt"), solution("07", "--student", "kit.student",
                                                        "--kit", kit))
    checkout = os.path.join(kit, "checkout")
    os.mkdir(checkout)
    os.symlink(os.path.abspath(harness.BIN), os.path.join(checkout, "bin"))
    os.symlink(os.path.join(ROOT, "labs"), os.path.join(checkout, "labs"))
    for command, extra in zip(commands, (" --dump", "")):
        done = subprocess.run(command + extra, shell=True, cwd=folder, capture_output=True,
                              text=True, timeout=120, env=dict(os.environ, PUSHLAB=checkout))
        assert done.returncode == 0 and done.stdout, (command, done)
    n = len(load_key("07-ws").QUESTIONS)
    assert "%d of %d right" % (n, n) in done.stdout, done.stdout


def descendants(pid):
    """The pids of a process's children, their children, ..."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, unvisited = [], [pid]
    while unvisited:
        p = unvisited.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        unvisited += kids
    return found


def test_make_kit_interrupted():
    """Ctrl-C (SIGINT to make-kit alone, so that it has to stop its
    programs itself) while a capture is being written: exit 130, no
    traceback, the unfinished capture removed, the student and lab to
    record again named, and every program it started gone."""
    if os.geteuid() != 0:
        raise harness.Skip("make-kit records live captures: needs root (CAP_NET_RAW)")
    roster = os.path.join(TMP, "roster-int.txt")
    kit = os.path.join(TMP, "int-kit")
    with open(roster, "w") as f:
        f.write("int.student\nint.later\n")
    proc = subprocess.Popen([os.path.join(ROOT, "labs", "make-kit"), "--students", roster,
                             "--out", kit, "--labs", "07"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    pcap = os.path.join(kit, "int.student", "07-ws.pcap")
    try:
        deadline = time.monotonic() + 30
        while not (os.path.exists(pcap) and os.path.getsize(pcap) > 24):
            assert time.monotonic() < deadline and proc.poll() is None, "no capture started"
            time.sleep(0.1)
        time.sleep(1)  # the client is running
        children = descendants(proc.pid)
        assert children, "make-kit runs no program while it records?"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted while recording lab 07-ws of student int.student" in err, err
    assert "labs/start 07-ws --student int.student --kit " + kit in err, err
    assert "1 student(s) from int.later on" in err, err
    assert not os.path.exists(pcap), os.listdir(os.path.dirname(pcap))
    left = [p for p in children if os.path.exists("/proc/%d" % p)]
    assert not left, "programs make-kit started still run: %s" % left


# ------------------------------------------------------------ no answer in the docs

# Phrases that contain a number equal to some answer but state a protocol
# fact, not a reading of a capture.
NOT_ANSWERS = ("at most 125 bytes", "frame over 125 bytes", "every 10 ms",
               "< 100 ms after its previous answer",  # pushviz's re-ask threshold (CLASSIFY_REASK_MS)
               "20 ms each way", "8 to 12 ms", "8–12 ms")  # lab 09's lossy and slow links


def answer_patterns(kind, value):
    """Regexes a doc would contain if it printed this answer."""
    if kind in (questions.HEX, questions.EXACT):
        return [re.escape(value)]
    if kind == questions.NUMBER and "." in value:
        if len(value.replace(".", "").lstrip("0")) < 3:
            return []  # 1.1, 0.5: every page has such numbers
        x = float(value)
        forms = {value} | ({"%.2f" % x} if abs(x) >= 1 else set()) | (
            {"%.1f" % x} if abs(x) >= 10 else set())
        return [r"(?<![\w.])%s(?!\w)" % re.escape(f) for f in forms]
    if re.fullmatch(r"\d+", value) and int(value) >= 10:
        if int(value) >= 1000:
            return [] if int(value) % 100 == 0 else [r"(?<![\w.])%s(?!\w)" % value]
        return [r"(?<![\w.])%s ?(bytes?|B|ms|events?|requests?|responses?|per event)\b" % value]
    return []  # small counts, status codes, header values: facts any page may state


def test_no_answer_in_the_docs():
    pages = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(ROOT, "docs"))
             for f in fs if f.endswith(".md")]
    pages += [os.path.join(ROOT, "labs", f) for f in os.listdir(os.path.join(ROOT, "labs"))
              if f.endswith(".md")]
    texts = {}
    for p in pages:
        with open(p) as f:
            text = f.read()
        for phrase in NOT_ANSWERS:
            text = text.replace(phrase, "")
        texts[os.path.relpath(p, ROOT)] = text
    found = []
    for lab in [lab for lab in LABS if getattr(load_key(lab), "REFERENCE", True)]:
        kinds = {q.qid: q.kind for q in load_key(lab).QUESTIONS}
        for qid, value in solution(lab).items():
            for pattern in answer_patterns(kinds[qid], value):
                for page, text in texts.items():
                    m = re.search(pattern, text)
                    if m:
                        found.append("%s: %s %s = %s (%r)" % (
                            page, lab, qid, value, text[max(0, m.start() - 30):m.end() + 10]))
    assert not found, "answers printed in pages a student reads:\n" + "\n".join(found)


if __name__ == "__main__":
    try:
        harness.main([
            test_start_without_rights_says_so_before_anything,
            test_every_lab_start_to_check,
            test_lab09_over_the_wan,
            test_two_students_differ,
            test_batch_csv,
            test_make_kit,
            test_make_kit_interrupted,
            test_no_answer_in_the_docs,
        ])
    finally:
        shutil.rmtree(TMP, True)
