"""test_golden.py -- every reference capture under captures/ still dissects
exactly as it did when it was recorded: `pushviz --dump` of
captures/NAME.pcap equals tests/viz/golden/NAME.dump (written by
captures/record.sh, which `make captures` runs).

A difference is shown as a unified diff of the first lines that changed.
"""
import difflib
import glob
import os

from vizlib import CAPTURES, HERE, main, run

GOLDEN = os.path.join(HERE, "golden")


def check(pcap):
    name = os.path.splitext(os.path.basename(pcap))[0]
    golden = os.path.join(GOLDEN, name + ".dump")
    assert os.path.exists(golden), "no %s: run make captures" % golden
    rc, out, err = run(["-r", pcap, "--dump"])
    assert rc == 0, err
    with open(golden) as f:
        want = f.read()
    if out != want:
        diff = difflib.unified_diff(want.splitlines(), out.splitlines(), "golden", "now", lineterm="", n=1)
        raise AssertionError("%s differs from %s:\n%s" % (pcap, golden, "\n".join(list(diff)[:40])))


def make_case(pcap):
    def case():
        check(pcap)
    case.__name__ = "test_golden_" + os.path.splitext(os.path.basename(pcap))[0]
    return case


def test_every_capture_has_a_golden_dump():
    caps = glob.glob(os.path.join(CAPTURES, "*.pcap"))
    assert len(caps) >= 9, "fewer captures than techniques: %s" % caps
    for c in caps:
        name = os.path.splitext(os.path.basename(c))[0]
        assert os.path.exists(os.path.join(GOLDEN, name + ".dump")), name


if __name__ == "__main__":
    main([test_every_capture_has_a_golden_dump] +
         [make_case(p) for p in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")))])
