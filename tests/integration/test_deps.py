"""test_deps.py -- the deps step that make check and make demo run first.

On a machine where everything is installed (CI, after the step ran once)
it must only look: exit 0, say nothing, and be quick, because every make
runs it.  Where something is missing and cannot be installed -- a user
who is not root and has no sudo -- it must say what is missing and why it
cannot install it, and exit non-zero, before it touches anything.
"""
import os
import shutil
import subprocess
import tempfile
import time

import harness
from harness import Skip

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEPS = os.path.join(ROOT, ".ci", "deps")


def test_complete_machine_only_looks():
    r = subprocess.run(["sh", DEPS, "all"], capture_output=True, timeout=600)
    assert r.returncode == 0, r
    # A second run finds everything the first one installed.
    started = time.time()
    r = subprocess.run(["sh", DEPS, "all"], capture_output=True, timeout=60)
    took = time.time() - started
    assert r.returncode == 0 and r.stdout == b"" and r.stderr == b"", r
    assert took < 10, "the quick look took %.1f s" % took


def test_not_root_without_sudo_says_so():
    """As nobody, with node and npm (and sudo) out of PATH: the step sees
    them missing and must refuse plainly."""
    if os.geteuid() != 0:
        raise Skip("needs root to become a user without sudo; CI runs as root")
    tmp = tempfile.mkdtemp(prefix="pushlab-deps-")
    try:
        os.chmod(tmp, 0o755)
        # A copy of the script that the user nobody can read (the checkout
        # may be under /root, closed to it), and a
        # PATH of the tools it uses but node, npm and sudo.
        tools = os.path.join(tmp, "bin")
        deps = os.path.join(tmp, ".ci", "deps")
        for d in (os.path.dirname(deps), tools):
            os.mkdir(d)
            os.chmod(d, 0o755)
        shutil.copyfile(DEPS, deps)
        os.chmod(deps, 0o644)
        for tool in ("sh", "dpkg-query", "awk", "grep", "cmp", "cp", "id", "dirname", "cat"):
            os.symlink(shutil.which(tool), os.path.join(tools, tool))
        r = subprocess.run([shutil.which("setpriv"), "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            os.path.join(tools, "sh"), deps, "all"],
                           capture_output=True, timeout=60, env={"PATH": tools, "HOME": "/nonexistent"})
    finally:
        shutil.rmtree(tmp)
    err = r.stderr.decode()
    assert r.returncode == 1, r
    assert "missing packages: nodejs npm" in err, err
    assert "not root and no sudo" in err, err


def test_unknown_set_is_a_usage_error():
    r = subprocess.run(["sh", DEPS, "everything"], capture_output=True, timeout=10)
    assert r.returncode == 2 and b"usage: sh .ci/deps" in r.stderr, r


if __name__ == "__main__":
    harness.main([test_complete_machine_only_looks, test_not_root_without_sudo_says_so,
                  test_unknown_set_is_a_usage_error])
