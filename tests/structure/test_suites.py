"""test_suites.py -- every test a suite defines is a test it runs.

Most suites hand harness.main an explicit list: tests made by a factory
for each technique, an order that matters.  A `def test_...` added to such
a file and forgotten in its list never runs, and nothing says so: the
suite still passes, one test short.  This happened once (a test of the
client's escaping).  So each suite file is read as Python (ast): every
top-level function whose name starts with test_ must be named by the
module's own statements (its `if __name__ == "__main__":` block, or a list
built beside it), unless the suite collects its tests from globals().  The last case shows the check failing on a suite
with a forgotten test.
"""
import ast
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(TESTS, "integration"))
from harness import main  # noqa: E402


def suites():
    return sorted(glob.glob(os.path.join(TESTS, "*", "test_*.py")))


def never_run(source):
    """The test_ functions of a suite's source that its main block leaves out."""
    tree = ast.parse(source)
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    mains = [n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)]
    if not mains:
        return defined
    # The list may be built at the top level first (CASES = [...]), so
    # every name the module's own statements use counts, not those used
    # inside functions and classes.
    top = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    named = {n.id for t in top for n in ast.walk(t) if isinstance(n, ast.Name)}
    if "globals" in named:
        return []
    return [name for name in defined if name not in named]


def test_every_defined_test_runs():
    files = suites()
    assert len(files) >= 20, files  # the glob found the suites
    missing = {}
    for path in files:
        with open(path) as f:
            left = never_run(f.read())
        if left:
            missing[os.path.relpath(path, TESTS)] = left
    assert not missing, "defined but not in the suite's list: %r" % missing


def test_the_check_catches_a_forgotten_test():
    suite = ("from harness import main\n"
             "def test_listed():\n    pass\n"
             "def test_forgotten():\n    pass\n"
             "def helper():\n    pass\n"
             "if __name__ == '__main__':\n    main([test_listed])\n")
    assert never_run(suite) == ["test_forgotten"]
    assert never_run(suite.replace("main([test_listed])", "main([test_listed, test_forgotten])")) == []
    collected = "main([v for k, v in sorted(globals().items()) if k.startswith('test_')])"
    assert never_run(suite.replace("main([test_listed])", collected)) == []
    assert never_run(suite.split("if __name__")[0]) == ["test_listed", "test_forgotten"]
    listed_first = suite.replace("if __name__", "CASES = [test_listed]\nif __name__").replace(
        "main([test_listed])", "main(CASES)")
    assert never_run(listed_first) == ["test_forgotten"]


if __name__ == "__main__":
    main([test_every_defined_test_runs, test_the_check_catches_a_forgotten_test])
