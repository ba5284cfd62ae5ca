"""test_install.py -- `make install` into a temporary DESTDIR, and the
installed programs run from there, away from the checkout.

Checks that every program the build made is installed (whatever its name,
so a new one cannot be forgotten), with its man page; that a server and
pushviz work from the installed tree; that the labs find their captures
beside them and the installed pushviz on PATH; and that `make uninstall`
removes every file again.  PREFIX defaults to /usr/local.
"""
import os
import shutil
import subprocess
import tempfile

import harness

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def as_given(path):
    """A directory as make check names it: relative to the checkout when
    inside it.  The flags a build's objects were made with name its
    directory (-Ibuild/san/gen), so by another name every object would be
    made again, a minute of this suite."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def make(*args):
    """Run make in the checkout with the programs tests/run points at."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    build = os.environ.get("PUSHLAB_BUILD") or os.path.join(ROOT, "build")
    r = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "BIN=" + as_given(harness.BIN),
                        "BUILD=" + as_given(build)] + list(args), capture_output=True, timeout=600, env=env)
    assert r.returncode == 0, "make %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")[-2000:])
    return r.stdout.decode()


def built_programs():
    names = sorted(n for n in os.listdir(harness.BIN)
                   if os.access(os.path.join(harness.BIN, n), os.X_OK)
                   and os.path.isfile(os.path.join(harness.BIN, n)))
    assert "pushviz" in names and "pushlab-sse" in names, names
    return names


class Installed:
    """make install DESTDIR=tmp PREFIX=/usr, removed at the end."""

    def __enter__(self):
        self.destdir = tempfile.mkdtemp(prefix="pushlab-install-")
        make("install", "DESTDIR=" + self.destdir, "PREFIX=/usr")
        self.usr = os.path.join(self.destdir, "usr")
        return self

    def path(self, *parts):
        return os.path.join(self.usr, *parts)

    def __exit__(self, *exc):
        shutil.rmtree(self.destdir, ignore_errors=True)


def test_every_program_and_man_page_installed():
    with Installed() as inst:
        for name in built_programs():
            path = inst.path("bin", name)
            assert os.access(path, os.X_OK), "%s not installed" % name
            r = subprocess.run([path, "--help"], capture_output=True, timeout=10)
            assert r.returncode == 0 and b"usage" in r.stdout.lower() and not r.stderr, (name, r)
            wide = [l for l in r.stdout.decode().splitlines() if len(l) > 80]
            assert not wide, "%s --help is wider than a terminal:\n%s" % (name, "\n".join(wide))
            page = inst.path("share", "man", "man1", name + ".1")
            assert os.path.isfile(page), "no man page for %s" % name
        if shutil.which("man"):
            r = subprocess.run(["man", "-l", "-P", "cat", inst.path("share", "man", "man1", "pushviz.1")],
                               capture_output=True, timeout=30, env=dict(os.environ, MANWIDTH="80"))
            assert r.returncode == 0 and b"NAME" in r.stdout and b"pushviz" in r.stdout, r
        elif os.environ.get("PUSHLAB_NO_SKIP") == "1":
            raise AssertionError("man is not installed (.ci/deps installs man-db)")


def test_installed_server_and_pushviz_run():
    with Installed() as inst:
        # The installed binary, not the checkout's: point BIN at it.
        saved, harness.BIN = harness.BIN, inst.path("bin")
        try:
            with harness.Server("sse", "--interval", "50") as srv:
                r = subprocess.run([inst.path("bin", "pushlab-client"), "sse", "127.0.0.1:%d" % srv.port,
                                    "--count", "2", "--json"], capture_output=True, timeout=20)
                assert r.returncode == 0, r
                events = harness.json_lines(r.stdout)
                assert [e["kind"] for e in events] == ["tick", "tick"], events
        finally:
            harness.BIN = saved
        cap = inst.path("share", "pushlab", "captures", "sse.pcap")
        r = subprocess.run([inst.path("bin", "pushviz"), "-r", cap, "--json"], capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        items = harness.json_lines(r.stdout)
        assert any(i["type"] == "sse_event" for i in items), items[:5]
        assert any(i["type"] == "flow" and i["technique"] == "sse" for i in items)


def test_installed_labs_find_captures_and_pushviz():
    with Installed() as inst:
        labs = inst.path("share", "pushlab", "labs")
        for name in sorted(os.listdir(os.path.join(ROOT, "captures"))):
            if name.endswith(".pcap"):
                assert os.path.isfile(inst.path("share", "pushlab", "captures", name)), name
        env = {k: v for k, v in os.environ.items() if k != "PUSHLAB_BIN"}
        env["PATH"] = inst.path("bin") + os.pathsep + "/usr/bin:/bin"
        r = subprocess.run([os.path.join(labs, "check"), "06-sse", "--solution"],
                           capture_output=True, timeout=120, env=env, cwd=inst.destdir)
        assert r.returncode == 0, r.stderr
        out = r.stdout.decode()
        assert "answer key computed from usr/share/pushlab/captures/sse.pcap" in out, out[:300]
        assert "sse_content_type = text/event-stream" in out, out[:500]
        assert not any("__pycache__" in d for d, _, _ in os.walk(labs)), "the checker wrote bytecode"


def test_uninstall_removes_every_file():
    with Installed() as inst:
        make("uninstall", "DESTDIR=" + inst.destdir, "PREFIX=/usr")
        left = [os.path.join(d, f) for d, _, files in os.walk(inst.destdir) for f in files]
        assert left == [], left


def test_default_prefix_is_usr_local():
    out = make("-n", "install", "DESTDIR=/nonexistent")
    assert "/nonexistent/usr/local/bin" in out, out[:500]
    assert "/nonexistent/usr/local/share/pushlab" in out, out[:500]


if __name__ == "__main__":
    harness.main([test_every_program_and_man_page_installed, test_installed_server_and_pushviz_run,
                  test_installed_labs_find_captures_and_pushviz, test_uninstall_removes_every_file,
                  test_default_prefix_is_usr_local])
