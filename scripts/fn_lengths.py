#!/usr/bin/env python3
"""Lists the longest non-test functions in src/ (lines from `fn` to its closing brace).

`python3 scripts/fn_lengths.py [--max N]` prints the longest ones and exits 1 when one is
longer than N lines (issue 22 asks for none over ~150). Test modules (everything after a
file's `#[cfg(test)]`) are skipped. Strings (raw and multi-line ones too), char literals
and comments are blanked over the whole file before braces are counted: a per-line guess
once read `'"'` as the start of a string and counted a 70-line function as 191.
"""
import pathlib
import re
import sys

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")
RAW = re.compile(r'b?r(#*)"')
CHAR = re.compile(r"b?'(\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'")


def blank(text):
    """The text with every string, char literal and comment replaced by spaces, newlines kept."""
    out, i, n = [], 0, len(text)

    def skip_to(end):
        out.append("".join(c if c == "\n" else " " for c in text[i:end]))
        return end

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = skip_to(n if end < 0 else end)
        elif text.startswith("/*", i):
            depth, j = 0, i
            while j < n:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
            i = skip_to(j)
        elif (m := RAW.match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(1)
            end = text.find(close, m.end())
            i = skip_to(n if end < 0 else end + len(close))
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = skip_to(j + 1)
        elif c in "'b" and (m := CHAR.match(text, i)) and (
            c == "'" or i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            i = skip_to(m.end())
        else:
            out.append(c)
            i += 1
    return "".join(out)


def lengths(root):
    for path in sorted(pathlib.Path(root, "src").rglob("*.rs")):
        text = path.read_text()
        cut = text.find("#[cfg(test)]")
        lines = blank(text if cut < 0 else text[:cut]).splitlines()
        i = 0
        while i < len(lines):
            m = FN.match(lines[i])
            if not m:
                i += 1
                continue
            depth, seen, j = 0, False, i
            while j < len(lines):
                code = lines[j]
                depth += code.count("{") - code.count("}")
                seen = seen or "{" in code
                if seen and depth <= 0 or (not seen and code.rstrip().endswith(";")):
                    break
                j += 1
            yield j - i + 1, f"{path.relative_to(root)}:{i + 1}", m.group(6)
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
