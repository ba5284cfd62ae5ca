"""uilib.py -- what the UI tests (test_ui.py, test_ui_class.py) share:
pushviz's ncurses UI driven through tmux, keys in with send-keys, the
screen read back with capture-pane.

Every Tmux starts one pushviz in a detached session of a tmux server of
its own (sessions never meet a server still exiting), whose socket lives
in this run's private directory TMP (tmux -S, not the shared
/tmp/tmux-UID/).  The server is killed when the case ends and, for any
left (a failure between start and close), when the run exits -- also on
SIGTERM, which `timeout` sends.  A run killed with SIGKILL can clean up
nothing, and its tmux servers would go on, each holding a pushviz; so each
run holds an flock on its directory (the kernel lets it go when the
process dies, however it dies), and every run first sweeps the
directories of earlier runs whose lock is free: it kills the tmux server
behind each socket there and removes the directory.  It also kills and
removes the sockets the earlier layout left in /tmp/tmux-UID/
("pushviz-ui-PID-N", PID gone) and removes that layout's directories
(/tmp/pushviz-ui-XXXXXXXX) once they are an hour old.
"""
import atexit
import fcntl
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

import pcapgen as g
from vizlib import CAPTURES, PUSHVIZ, ROOT, Skip, check_sanitizers

PREFIX = "pushviz-ui-"           # every run's directory: /tmp/pushviz-ui-PID-XXXXXXXX
LEGACY_DIR_AGE_S = 3600          # the earlier layout's directories carry no lock: wait this long


# ---- this run's directory, and what earlier runs left ----

def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_tmux_server(socket_path):
    """Kill the tmux server listening on socket_path (if any), quietly."""
    try:
        subprocess.run(["tmux", "-S", socket_path, "kill-server"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass


def _sockets_in(directory):
    found = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return found
    for n in names:
        p = os.path.join(directory, n)
        try:
            if stat.S_ISSOCK(os.lstat(p).st_mode):
                found.append(p)
        except OSError:
            pass  # gone meanwhile
    return found


def sweep_stale_runs(tmp=None):
    """Kill the tmux servers of earlier runs that are gone and remove what
    they left.  Returns the directories and sockets removed."""
    tmp = tmp or tempfile.gettempdir()
    removed = []
    for name in sorted(os.listdir(tmp)):
        path = os.path.join(tmp, name)
        m = re.fullmatch(re.escape(PREFIX) + r"(\d+)-\w+", name)
        if m and os.path.isdir(path) and not os.path.islink(path):
            if _pid_alive(int(m.group(1))):
                continue
            try:
                lock = open(os.path.join(path, ".lock"), "a")
            except OSError:
                continue
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue  # its run is still going
            for sock in _sockets_in(path):
                _kill_tmux_server(sock)
            shutil.rmtree(path, ignore_errors=True)
            lock.close()
            removed.append(path)
        elif re.fullmatch(re.escape(PREFIX) + r"[a-z0-9_]{8}", name) and os.path.isdir(path) \
                and not os.path.islink(path) and time.time() - os.lstat(path).st_mtime > LEGACY_DIR_AGE_S:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    # the earlier layout's sockets: tmux -L pushviz-ui-PID-N in /tmp/tmux-UID/
    legacy = os.path.join(tmp, "tmux-%d" % os.getuid())
    for sock in _sockets_in(legacy):
        m = re.fullmatch(re.escape(PREFIX) + r"(\d+)-\d+", os.path.basename(sock))
        if m and not _pid_alive(int(m.group(1))):
            _kill_tmux_server(sock)
            try:
                os.unlink(sock)
            except OSError:
                pass
            removed.append(sock)
    return removed


def _start_run():
    """Sweep, then make this run's directory and lock it for the run's life."""
    sweep_stale_runs()
    path = tempfile.mkdtemp(prefix="%s%d-" % (PREFIX, os.getpid()))
    lock = open(os.path.join(path, ".lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return path, lock


TMP, _RUN_LOCK = _start_run()
_live = set()  # Tmux objects whose server may still run


def _end_run():
    for t in list(_live):
        t.close()
    shutil.rmtree(TMP, ignore_errors=True)
    _RUN_LOCK.close()


atexit.register(_end_run)


def _exit_on_signal(signum, frame):
    sys.exit(128 + signum)  # SystemExit: the finally blocks and atexit run


for _sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _exit_on_signal)


# ---- one pushviz in tmux ----

def capture(name):
    p = os.path.join(CAPTURES, name)
    if not os.path.exists(p):
        raise Skip("%s is missing (make captures records it)" % p)
    return p


def shq(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


class Tmux:
    """One pushviz in one detached tmux session of a private tmux server."""

    _made = 0  # servers made in this run: names their sockets

    def __init__(self, args, cols=120, lines=40, env=None, cwd=None, stdin=None):
        if not shutil.which("tmux"):
            raise Skip("tmux is not installed (make deps installs it)")
        Tmux._made += 1
        self.socket = os.path.join(TMP, "tmux-%d" % Tmux._made)
        self.base = ["tmux", "-u", "-S", self.socket]
        self.rcfile = os.path.join(TMP, "rc-%d" % Tmux._made)
        self.errfile = self.rcfile + ".err"
        self.stty_before = self.rcfile + ".stty0"
        self.stty_after = self.rcfile + ".stty1"
        envs = " ".join("%s=%s" % (k, shq(v)) for k, v in (env or {}).items())
        redirect = "< " + shq(stdin) if stdin else ""
        cmd = ("stty -a > %s; env LANG=C.UTF-8 %s %s %s %s 2>%s; echo $? > %s; stty -a > %s; "
               "echo PUSHVIZ-EXITED; sleep 120") % (
                   shq(self.stty_before), envs, shq(PUSHVIZ), " ".join(shq(a) for a in args), redirect,
                   shq(self.errfile), shq(self.rcfile), shq(self.stty_after))
        _live.add(self)
        subprocess.run(self.base + ["new-session", "-d", "-s", "ui", "-x", str(cols), "-y", str(lines),
                                    "-c", cwd or ROOT, "sh", "-c", cmd], check=True, timeout=10)

    def keys(self, *keys, pause=0.15):
        for k in keys:
            subprocess.run(self.base + ["send-keys", "-t", "ui", k], check=True, timeout=10)
            time.sleep(pause)

    def literal(self, text):
        subprocess.run(self.base + ["send-keys", "-t", "ui", "-l", text], check=True, timeout=10)
        time.sleep(0.15)

    def find_message(self, text):
        """From the flow list: into the messages pane, and search it for
        text (the first row whose summary holds it is selected)."""
        self.keys("Tab", "/")
        self.literal(text)
        self.keys("Enter")

    def screen(self, escapes=False):
        cmd = self.base + ["capture-pane", "-p", "-t", "ui"] + (["-e"] if escapes else [])
        return subprocess.run(cmd, stdout=subprocess.PIPE, check=True, timeout=10).stdout.decode(
            "utf-8", errors="replace")

    def wait(self, pattern, timeout=10.0, escapes=False):
        """The screen once `pattern` (a regex) is on it; fails after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen(escapes)
            if re.search(pattern, s):
                return s
            if time.monotonic() > deadline:
                raise AssertionError("never saw %r on screen:\n%s" % (pattern, s))
            time.sleep(0.1)

    def resize(self, cols, lines):
        subprocess.run(self.base + ["resize-window", "-t", "ui", "-x", str(cols), "-y", str(lines)],
                       check=True, timeout=10)

    def pid(self):
        """pushviz's process id (the child of the session's shell)."""
        out = subprocess.run(self.base + ["list-panes", "-t", "ui", "-F", "#{pane_pid}"],
                             stdout=subprocess.PIPE, check=True, timeout=10).stdout.decode().split()
        shell = out[0]
        kids = subprocess.run(["pgrep", "-P", shell], stdout=subprocess.PIPE, timeout=10).stdout.decode().split()
        for k in kids:
            try:
                with open("/proc/%s/cmdline" % k, "rb") as f:
                    if b"pushviz" in f.read():
                        return int(k)
            except OSError:
                pass
        return None

    def exit_status(self, timeout=10.0):
        """pushviz's exit status once it ended, and stderr; asserts the tty was restored."""
        self.wait("PUSHVIZ-EXITED", timeout)
        with open(self.rcfile) as f:
            rc = int(f.read().strip())
        with open(self.errfile) as f:
            err = f.read()
        check_sanitizers(err)
        # the modes, without the first line (speed, and a size a test may have changed)
        with open(self.stty_before) as f:
            before = f.read().split("\n", 1)[1]
        with open(self.stty_after) as f:
            after = f.read().split("\n", 1)[1]
        assert before == after, "terminal modes changed:\n%s\n---\n%s" % (before, after)
        return rc, err

    def close(self):
        _kill_tmux_server(self.socket)
        _live.discard(self)
        try:
            os.unlink(self.socket)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def quit_cleanly(t):
    t.keys("q")
    rc, err = t.exit_status()
    assert rc == 0, (rc, err)


def colours_used(screen):
    """The SGR colour parameters (not 39/49, "default colour") in a capture-pane -e text."""
    found = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", screen):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 38 or 40 <= int(p) <= 48 or 90 <= int(p) <= 107):
                found.add(int(p))
    return found


# ---- captures written here ----

def ws_capture(name, payload):
    """A WebSocket upgrade, then one masked client text frame carrying payload."""
    conv = g.Conversation()
    conv.handshake()
    conv.ws_upgrade()
    mask = b"\x37\xfa\x21\x3d"
    body = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    conv.send("c2s", struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + body)
    conv.close()
    return conv.write(os.path.join(TMP, name))
