"""test_layering.py -- the code's shape: no circle between files, and
arrows that run one way between layers.

A *module* is a .c file and the .h of the same name (viz/dissect/http.c
and viz/dissect/http.h are one module; a header without a .c is a module
of its own).  Two graphs join modules:

- the include graph, from the `#include "..."` lines of src/ and viz/,
  resolved the way the compiler does (the file's own folder, then -Isrc,
  then -Iviz, as the Makefile passes them);
- the call graph, from `nm` of every object file under build/obj/src and
  build/obj/viz: a module that leaves a symbol undefined (U) uses the one
  module that defines it.

A circle in either graph (A uses B, B uses A, maybe through others) means
neither file can be read first; the test fails and names the circle with
the line or symbol of each arrow.  Two more rules come from the docs:

- viz/ has at most three .c files at its top, and pushviz's layers, as
  listed under "Which folder may include which" in docs/design.md, only
  include and call layers below their own;
- the src/ libraries follow the "Dependencies point down" rule of
  docs/design.md: proto uses nothing of the project, net only proto, and
  so on; viz uses proto and never net, lab, servers or client.

The last case runs the same checks on a copy of the tree with a circle and
a wrong-way arrow put in on purpose, so the checks are shown to fail.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from harness import main  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("PUSHLAB_BUILD") or os.path.join(ROOT, "build")
INCLUDE_PATH = ("src", "viz")  # -Isrc -Iviz, in the Makefile's order
TREES = ("src", "viz")

# docs/design.md, "Dependencies point down": which src/ library (or viz)
# may use which.  pushlab.h (the limits) is open to all but the codecs.
SRC_ALLOWED = {
    "src/proto": {"src/proto"},
    "src/net": {"src/net", "src/proto", "src/pushlab"},
    "src/lab": {"src/lab", "src/net", "src/proto", "src/pushlab"},
    "src/servers": {"src/servers", "src/lab", "src/net", "src/proto", "src/pushlab"},
    "src/client": {"src/client", "src/lab", "src/net", "src/proto", "src/pushlab"},
    "src/wan": {"src/wan", "src/net", "src/pushlab"},
    "viz": {"viz", "src/proto", "src/pushlab"},
}


# ---- the two graphs ----

def module_of(rel):
    """viz/dissect/http.c -> viz/dissect/http"""
    return os.path.splitext(rel)[0]


def source_files(root):
    for tree in TREES:
        for path in sorted(glob.glob(os.path.join(root, tree, "**", "*.[ch]"), recursive=True)):
            yield os.path.relpath(path, root)


def resolve(root, rel, name):
    """The file `#include "name"` in rel opens, relative to root, or None."""
    for d in (os.path.dirname(rel),) + INCLUDE_PATH:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None  # generated (build/gen) or outside the project


def include_graph(root):
    """{module: {module: "file:line"}} from the #include lines."""
    edges = {}
    for rel in source_files(root):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                target = resolve(root, rel, m.group(1))
                if target is None:
                    continue
                a, b = module_of(rel), module_of(target)
                if a != b:
                    edges.setdefault(a, {}).setdefault(b, "%s:%d" % (rel, n))
    return edges


def call_graph(build, root):
    """{module: {module: "symbol"}} from nm of the objects of src/ and viz/
    (those whose .c is still in the tree: a build directory keeps the
    objects of files since removed)."""
    objects = []
    for tree in TREES:
        for path in glob.glob(os.path.join(build, "obj", tree, "**", "*.o"), recursive=True):
            rel = os.path.relpath(path, os.path.join(build, "obj"))
            if os.path.isfile(os.path.join(root, module_of(rel) + ".c")):
                objects.append(path)
    assert objects, "no objects under %s/obj: run make first" % build
    defined, wanted = {}, {}
    # One nm for all of them; -A starts each line with "file.o:".
    out = subprocess.run(["nm", "-A"] + sorted(objects), stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    for line in out.splitlines():
        path, _, rest = line.partition(".o:")
        mod = module_of(os.path.relpath(path + ".o", os.path.join(build, "obj")))
        parts = rest.split()
        if len(parts) == 2 and parts[0] == "U":
            wanted.setdefault(mod, set()).add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRCGS":
            defined.setdefault(parts[2], set()).add(mod)
    edges = {}
    for mod, names in wanted.items():
        for name in sorted(names):
            owners = defined.get(name, set())
            if len(owners) > 1:  # main() of each program: nobody calls it
                raise AssertionError("%s is defined in %s" % (name, ", ".join(sorted(owners))))
            for owner in owners:
                if owner != mod:
                    edges.setdefault(mod, {}).setdefault(owner, name)
    return edges


def cycles(edges):
    """Every circle (strongly connected set of two or more modules), each
    written as one closed path "a -(why)-> b -(why)-> a"."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    nodes = sorted(set(edges) | {b for out in edges.values() for b in out})

    def strongconnect(v):  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.add(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(scc)

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            strongconnect(v)
    return [describe_cycle(edges, scc) for scc in found]


def describe_cycle(edges, scc):
    """A shortest closed path through the first module of scc."""
    start = min(scc)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, {})):
            if w not in scc:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                path.reverse()
                text = start
                for a, b in zip(path, path[1:] + [start]):
                    text += " -(%s)-> %s" % (edges[a][b], b)
                return text
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return " <-> ".join(sorted(scc))


# ---- layers ----

def viz_layers(root):
    """pushviz's layers, top first, from docs/design.md's block under
    "Which folder may include which": "pushviz", "ui", ..., "capture"."""
    with open(os.path.join(root, "docs", "design.md"), encoding="utf-8") as f:
        text = f.read()
    at = text.find("### Which folder may include which")
    assert at >= 0, "docs/design.md has no section \"Which folder may include which\""
    block = re.search(r"```\n(.*?)```", text[at:], re.S)
    assert block, "no ``` block after \"Which folder may include which\" in docs/design.md"
    layers = []
    for line in block.group(1).splitlines():
        m = re.match(r"viz/(\w+)(?:/|\.c)\s", line)
        if m:
            layers.append(m.group(1))
    assert len(layers) >= 3, "docs/design.md lists too few viz layers: %r" % layers
    return layers


def viz_layer_of(mod):
    """viz/dissect/http -> "dissect"; viz/engine -> "engine"."""
    return mod.split("/")[1]


def wrong_way_viz(root, graphs):
    layers = viz_layers(root)
    rank = {name: i for i, name in enumerate(layers)}  # 0 = top
    bad = []
    for rel in source_files(root):
        if rel.startswith("viz/") and viz_layer_of(module_of(rel)) not in rank:
            bad.append("%s: in no layer of docs/design.md" % rel)
    for kind, edges in graphs:
        for a, out in sorted(edges.items()):
            for b, why in sorted(out.items()):
                if not (a.startswith("viz/") and b.startswith("viz/")):
                    continue
                la, lb = viz_layer_of(a), viz_layer_of(b)
                if la != lb and la in rank and lb in rank and rank[lb] <= rank[la]:
                    bad.append("%s %s -> %s (%s): %s is not below %s" % (kind, a, b, why, lb, la))
    return bad


def src_part(mod):
    """Which part of the tree a module is in, as SRC_ALLOWED names them."""
    if mod.startswith("viz/"):
        return "viz"
    return "/".join(mod.split("/")[:2])  # src/pushlab (the header) stays itself


def wrong_way_src(graphs):
    bad = []
    for kind, edges in graphs:
        for a, out in sorted(edges.items()):
            for b, why in sorted(out.items()):
                pa, pb = src_part(a), src_part(b)
                allowed = SRC_ALLOWED.get(pa)
                if allowed is not None and pb not in allowed:
                    bad.append("%s %s -> %s (%s): %s may not use %s" % (kind, a, b, why, pa, pb))
    return bad


def top_c_files(root):
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(root, "viz", "*.c")))


def fail_if(problems, what):
    if problems:
        raise AssertionError("%s:\n  %s" % (what, "\n  ".join(problems)))


# ---- the cases ----

def test_no_include_circle():
    fail_if(cycles(include_graph(ROOT)), "files that include each other in a circle")


def test_no_call_circle():
    fail_if(cycles(call_graph(BUILD, ROOT)), "object files that call each other in a circle (nm)")


def test_viz_top_has_at_most_three_c_files():
    top = top_c_files(ROOT)
    assert len(top) <= 3, "viz/ has %d .c files at its top: %s" % (len(top), " ".join(top))


def test_viz_layers_one_way():
    graphs = [("include", include_graph(ROOT)), ("call", call_graph(BUILD, ROOT))]
    fail_if(wrong_way_viz(ROOT, graphs), "arrows against pushviz's layers (docs/design.md)")


def test_src_dependencies_point_down():
    graphs = [("include", include_graph(ROOT)), ("call", call_graph(BUILD, ROOT))]
    fail_if(wrong_way_src(graphs), "arrows against \"Dependencies point down\" (docs/design.md)")


def test_the_checks_catch_what_they_are_for():
    """A copy of the tree with faults put in: each check must fail on it."""
    tmp = tempfile.mkdtemp(prefix="pushlab-layering-")
    try:
        for d in ("src", "viz", "docs"):
            shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d))
        assert not cycles(include_graph(tmp)), "the untouched copy already has a circle"

        # 1. An include circle: dissect/core.h including the dispatcher's header.
        core_h = os.path.join(tmp, "viz", "dissect", "core.h")
        with open(core_h, "a") as f:
            f.write('#include "dissect/dissect.h"\n')
        found = cycles(include_graph(tmp))
        assert any("viz/dissect/core" in c and "viz/dissect/dissect" in c for c in found), found

        # 2. A call circle: core.c calling back into dissect.c, which calls
        # core.c's half_error; compiled next to copies of the real objects.
        build = os.path.join(tmp, "build")
        shutil.copytree(os.path.join(BUILD, "obj", "viz"), os.path.join(build, "obj", "viz"))
        core_c = os.path.join(tmp, "viz", "dissect", "core.c")
        with open(core_c, "a") as f:
            f.write('\n#include "dissect/dissect.h"\n'
                    "unsigned core_requests(struct dissect *d) { return dissect_traits(d)->requests; }\n")
        subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-I" + os.path.join(tmp, "src"),
                        "-I" + os.path.join(tmp, "viz"), "-c", core_c, "-o",
                        os.path.join(build, "obj", "viz", "dissect", "core.o")], check=True)
        found = cycles(call_graph(build, tmp))
        assert any("viz/dissect/core -(dissect_traits)-> viz/dissect/dissect" in c for c in found), found

        # 3. An arrow up the layers: capture/ (the lowest) calling flows/.
        decode_c = os.path.join(tmp, "viz", "capture", "decode.c")
        with open(decode_c, "a") as f:
            f.write('#include "flows/flows.h"\n')
        bad = wrong_way_viz(tmp, [("include", include_graph(tmp))])
        assert any("viz/capture/decode -> viz/flows/flows" in b for b in bad), bad

        # 4. A fourth .c file at viz/'s top.
        with open(os.path.join(tmp, "viz", "extra.c"), "w") as f:
            f.write("int extra;\n")
        with open(os.path.join(tmp, "viz", "more.c"), "w") as f:
            f.write("int more;\n")
        assert len(top_c_files(tmp)) > 3

        # 5. A codec that includes the limits header.
        with open(os.path.join(tmp, "src", "proto", "utf8.c"), "a") as f:
            f.write('#include "pushlab.h"\n')
        bad = wrong_way_src([("include", include_graph(tmp))])
        assert any("src/proto/utf8 -> src/pushlab" in b for b in bad), bad
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main([test_no_include_circle, test_no_call_circle, test_viz_top_has_at_most_three_c_files,
          test_viz_layers_one_way, test_src_dependencies_point_down,
          test_the_checks_catch_what_they_are_for])
