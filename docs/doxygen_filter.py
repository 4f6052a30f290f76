#!/usr/bin/env python3
"""Doxygen INPUT_FILTER: read tcpsift's plain C comments as documentation.

The public headers are written with ordinary /* */ comments (house style).
This filter, run by doxygen on each header, turns them into doc comments
without changing the line count (so warnings point at the real lines):
  - the file's first comment documents the file (\\file added at its end);
  - a comment opening a line documents the declaration after it (/**);
  - a comment after code on the same line documents that member (/**<).
Comments inside macro bodies (lines ending in a backslash) are left alone.
"""
import re
import sys

LEADING = re.compile(r"^(\s*)/\*(?![*!])")
TRAILING = re.compile(r"(\S.*?)(\s)/\*(?![*!])")


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    first_comment = None  # index of the line closing the file comment
    in_first = False
    for i, line in enumerate(lines):
        if i == 0 and line.startswith("/*"):
            in_first = True
        if in_first:
            if "*/" in line:
                first_comment = i
                in_first = False
            out.append(LEADING.sub(r"\1/**", line, count=1) if i == 0 else line)
            continue
        if line.rstrip().endswith("\\"):
            out.append(line)
            continue
        if LEADING.match(line):
            out.append(LEADING.sub(r"\1/**", line, count=1))
        elif TRAILING.search(line) and not line.lstrip().startswith(("*", "#include")):
            out.append(TRAILING.sub(r"\1\2/**<", line, count=1))
        else:
            out.append(line)
    if first_comment is not None:
        line = out[first_comment]
        k = line.rfind("*/")
        out[first_comment] = line[:k] + " \\file */" + line[k + 2:]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
