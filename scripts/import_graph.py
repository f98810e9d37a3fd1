#!/usr/bin/env python3
"""Print the import graph among top-level `src/` modules and the cycles in it.

Edges come from `use crate::X`, `use crate::{X, ...}` and `crate::X::` paths;
a submodule (src/check/links.rs) counts as its top-level module (check).
Names re-exported at the crate root (`pub use pipeline::build`) count as their
module. `--no-tests` drops each file's `#[cfg(test)] mod tests` block, to see
the graph a release build has. Exits 1 when a cycle remains.
`--order` prints the modules in the order a build meets them.
Usage: python3 scripts/import_graph.py [--dot | --order] [--no-tests]
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def top_module(rel):
    head = rel.split(os.sep)[0]
    return head[:-3] if head.endswith(".rs") else head


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def root_reexports():
    text = strip_comments(open(os.path.join(SRC, "lib.rs"), encoding="utf-8").read())
    names = {}
    for module, items in re.findall(r"pub use ([a-z_][a-z0-9_]*)::\{?([^;}]*)", text):
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", items):
            names[name] = module
    return names


def edges(no_tests):
    graph = {}
    aliases = root_reexports()
    for root, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, SRC)
            src = top_module(rel)
            if src in ("lib", "main"):
                continue
            text = strip_comments(open(path, encoding="utf-8").read())
            if no_tests:
                text = re.split(r"#\[cfg\(test\)\]\s*mod tests\b", text)[0]
            targets = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
            for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
                targets |= set(re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)", group))
            targets = {aliases.get(t, t) for t in targets}
            targets.discard(src)
            graph.setdefault(src, {})
            for t in targets:
                graph[src].setdefault(t, []).append(rel)
    return graph


def lib_order():
    text = strip_comments(open(os.path.join(SRC, "lib.rs"), encoding="utf-8").read())
    return re.findall(r"^\s*pub mod ([a-z_][a-z0-9_]*)", text, flags=re.M)


def sccs(graph):
    """Tarjan's strongly connected components, iteratively-safe for small graphs."""
    index, low, stack, on, out = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def short_cycle(graph, comp):
    """A shortest cycle through the component's first node, as a list of nodes."""
    start = comp[0]
    members = set(comp)
    prev, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, {})):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return []


def build_order(graph, order):
    """Modules with what they import first (a cycle's members together, in
    lib.rs order), ties kept in lib.rs order."""
    comps = sccs(graph)
    comp_of = {m: i for i, c in enumerate(comps) for m in c}
    rank = lambda m: order.get(m, len(order))
    done, out = set(), []

    def place(i):
        if i in done:
            return
        done.add(i)
        deps = {comp_of[t] for m in comps[i] for t in graph.get(m, {}) if t in comp_of}
        for j in sorted(deps - {i}, key=lambda j: min(map(rank, comps[j]))):
            place(j)
        out.append(sorted(comps[i], key=rank))

    for i in sorted(range(len(comps)), key=lambda i: min(map(rank, comps[i]))):
        place(i)
    return out


def main():
    graph = edges("--no-tests" in sys.argv)
    if "--order" in sys.argv:
        order = {m: i for i, m in enumerate(lib_order())}
        comps = build_order(graph, order)
        for comp in comps:
            print(" + ".join(comp) + ("   (cycle)" if len(comp) > 1 else ""))
        if any(len(c) > 1 for c in comps):
            sys.exit(1)
        return
    if "--dot" in sys.argv:
        print("digraph imports {")
        for s in sorted(graph):
            for t in sorted(graph[s]):
                print(f'  "{s}" -> "{t}";')
        print("}")
        return
    for s in sorted(graph):
        print(f"{s} -> {', '.join(sorted(graph[s])) or '(leaf)'}")
    cycles = [c for c in sccs(graph) if len(c) > 1]
    order = {m: i for i, m in enumerate(lib_order())}
    print()
    print("edges to a module listed later in lib.rs (pointing back up the build order):")
    for s in sorted(graph, key=lambda m: order.get(m, len(order))):
        for t in sorted(graph[s], key=lambda m: order.get(m, len(order))):
            if order.get(t, -1) > order.get(s, -1):
                print(f"  {s} -> {t}  ({', '.join(sorted(set(graph[s][t])))})")
    print()
    if not cycles:
        print("no cycles")
        return
    for comp in cycles:
        print(f"cycle among {len(comp)} modules: {', '.join(comp)}")
        cyc = short_cycle(graph, comp)
        if cyc:
            a, b = cyc[-2], cyc[-1]
            print(f"  e.g. {' -> '.join(cyc)}  (closing edge {a} -> {b}, in {', '.join(sorted(set(graph[a][b])))})")
    sys.exit(1)


if __name__ == "__main__":
    main()
