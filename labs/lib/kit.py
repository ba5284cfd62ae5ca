"""kit.py -- where the labs and a student's captures are.

The worksheets are labs/NN-name.md; each has a key, labs/keys/NAME.py,
whose CAPTURES names the captures it reads.  A student's captures live in
a kit folder, one folder per student ID:

    KIT/ID/01-poll-poll.pcap   KIT/ID/01-poll-jsonp.pcap   (a lab reading several)
    KIT/ID/06-sse.pcap                                      (a lab reading one)

`labs/start` writes them there (KIT = build/labs by default),
`labs/make-kit` writes a whole class's, and `labs/check --student ID`
reads them.
"""
import glob
import importlib
import os

LABS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(LABS_DIR)
DEFAULT_KIT = os.path.join(ROOT, "build", "labs")


class UsageError(Exception):
    """A bad command line: exit 2 with the reason."""


def worksheets():
    """{'07-ws': path} for every labs/NN-name.md."""
    found = {}
    for path in sorted(glob.glob(os.path.join(LABS_DIR, "[0-9][0-9]-*.md"))):
        found[os.path.basename(path)[:-3]] = path
    return found


def find_lab(spec):
    """The worksheet name ('07-ws') a LAB argument means: 07-ws, 07, 7, ws or a path."""
    labs = worksheets()
    stem = os.path.basename(spec)
    stem = stem[:-3] if stem.endswith(".md") else stem
    for name in labs:
        number, _, short = name.partition("-")
        if stem in (name, short, number) or (stem.isdigit() and int(stem) == int(number)):
            return name
    raise UsageError("no lab %r; the labs are: %s" % (spec, ", ".join(labs)))


def load_key(lab):
    """The lab's key module (labs/keys/NAME.py): CAPTURES and QUESTIONS."""
    return importlib.import_module("keys." + lab.partition("-")[2])


def kit_paths(kit, student, lab, key):
    """{capture name: path} of a student's captures of a lab in a kit folder."""
    return folder_paths(os.path.join(kit, student), lab, key)


def folder_paths(folder, lab, key):
    """{capture name: path} of a lab's captures in one student's folder."""
    names = list(key.CAPTURES)
    if len(names) == 1:
        return {names[0]: os.path.join(folder, lab + ".pcap")}
    return {n: os.path.join(folder, "%s-%s.pcap" % (lab, n)) for n in names}


def student_paths(kit, student, lab, key):
    """kit_paths, or, when KIT/ID does not exist and KIT itself is the
    student's folder (named ID, or holding the lab's captures, as a folder
    handed out by make-kit does), the captures in KIT: a student may pass
    the kit or their own folder."""
    if not os.path.isdir(os.path.join(kit, student)):
        own = folder_paths(kit, lab, key)
        named = os.path.basename(os.path.normpath(os.path.abspath(kit))) == student
        if named or all(os.path.isfile(p) for p in own.values()):
            return own
    return kit_paths(kit, student, lab, key)
