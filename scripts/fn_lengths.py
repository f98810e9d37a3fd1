#!/usr/bin/env python3
"""Lists the longest non-test functions in src/ (lines from `fn` to its closing brace).

`python3 scripts/fn_lengths.py [--max N]` prints the longest ones and exits 1 when one is
longer than N lines (issue 22 asks for none over ~150). Test modules (everything after a
file's `#[cfg(test)]`) are skipped. Braces inside strings and comments are rare enough in
this crate that counting them is exact for the functions it reports; check a surprising
figure by eye.
"""
import pathlib
import re
import sys

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?fn\s+(\w+)")


def lengths(root):
    for path in sorted(pathlib.Path(root, "src").rglob("*.rs")):
        text = path.read_text()
        cut = text.find("#[cfg(test)]")
        lines = (text if cut < 0 else text[:cut]).splitlines()
        i = 0
        while i < len(lines):
            m = FN.match(lines[i])
            if not m:
                i += 1
                continue
            depth, seen, j = 0, False, i
            while j < len(lines):
                code = re.sub(r'"(\\.|[^"\\])*"', '""', lines[j].split("//")[0])
                code = re.sub(r"'(\\.|[^'\\])'", "''", code)
                depth += code.count("{") - code.count("}")
                seen = seen or "{" in code
                if seen and depth <= 0 or (not seen and code.rstrip().endswith(";")):
                    break
                j += 1
            yield j - i + 1, f"{path.relative_to(root)}:{i + 1}", m.group(5)
            i += 1


def main():
    limit = int(sys.argv[sys.argv.index("--max") + 1]) if "--max" in sys.argv else None
    found = sorted(lengths(pathlib.Path(__file__).resolve().parent.parent), reverse=True)
    for n, where, name in found[:12]:
        print(f"{n:5} {where} {name}")
    if limit is not None and found and found[0][0] > limit:
        print(f"longest function is {found[0][0]} lines, over {limit}", file=sys.stderr)
        sys.exit(1)


main()
