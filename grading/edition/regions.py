"""Solution regions in library .py files, and the stubs that replace them in the student edition.

A region in `solutions/mytorch/**.py` looks like

    ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.1 Linear.forward | hint: Z = A @ W.T + b
    ...reference code...
    ### END SOLUTION

and becomes, at the indentation of its BEGIN line,

    raise NotImplementedError("Chapter 4 (backprop), exercise 4.1 Linear.forward: not implemented yet.
                              Hint: Z = A @ W.T + b")  (on one line)

nbgrader strips regions only from notebooks, so library files go through this module.
"""

import ast
import re
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
BEGIN_RE = re.compile(
    r"^### BEGIN SOLUTION\s*\|\s*chapter\s+(?P<chapter>[^|]*?)\s*"
    r"\|\s*exercise\s+(?P<exercise>[^|]*?)\s*\|\s*hint:\s*(?P<hint>.*?)\s*$"
)
FORM = f"{BEGIN} | chapter N (chapter_id) | exercise N.M Name | hint: one line"


class RegionError(ValueError):
    """A malformed region; the message starts with `file:line:`, as compilers write it."""

    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = str(path), line


@dataclass(frozen=True)
class Region:
    begin: int  # 1-based line number of the BEGIN marker
    end: int  # 1-based line number of the END marker
    indent: str  # indentation of the BEGIN marker, given to the stub
    chapter: str  # "4 (backprop)"
    exercise: str  # "4.1 Linear.forward"
    hint: str

    def message(self):
        return f"Chapter {self.chapter}, exercise {self.exercise}: not implemented yet. Hint: {self.hint}"

    def stub(self):
        return f"{self.indent}raise NotImplementedError({_string_literal(self.message())})"


def _string_literal(text):
    """A double-quoted Python literal for text (repr() would switch quotes on an apostrophe)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _marker(line):
    """'begin', 'end' or None: which marker a line is. Any comment naming one counts, so a typo
    in a marker is an error here rather than a region silently left in the student edition."""
    stripped = line.strip()
    if not stripped.startswith("#"):
        return None
    if "BEGIN SOLUTION" in stripped:
        return "begin"
    if "END SOLUTION" in stripped:
        return "end"
    return None


def find_regions(text, path="<text>"):
    """The regions of one file, in order. Raises RegionError naming the file and line of the
    first BEGIN left open, nested BEGIN, END without BEGIN or BEGIN without its fields."""
    regions, open_at, fields = [], None, None
    for number, line in enumerate(text.splitlines(), start=1):
        kind = _marker(line)
        stripped = line.strip()
        if kind == "begin":
            if open_at is not None:
                raise RegionError(
                    path, number, f"nested {BEGIN}: the region opened at line {open_at} is not closed yet"
                )
            match = BEGIN_RE.match(stripped)
            if not match or not all(match.group(k) for k in ("chapter", "exercise", "hint")):
                raise RegionError(path, number, f"a BEGIN marker must read `{FORM}`; got `{stripped}`")
            open_at, fields = number, match.groupdict()
            indent = line[: len(line) - len(line.lstrip())]
        elif kind == "end":
            if stripped != END:
                raise RegionError(path, number, f"an END marker must read `{END}`; got `{stripped}`")
            if open_at is None:
                raise RegionError(path, number, f"{END} without a {BEGIN} before it")
            if number == open_at + 1:
                raise RegionError(path, open_at, "empty solution region")
            regions.append(Region(open_at, number, indent, **fields))
            open_at = None
    if open_at is not None:
        raise RegionError(path, open_at, f"{BEGIN} is never closed by {END}")
    return regions


def _check_inside_functions(text, path, regions):
    """A stub outside a function would raise on `import mytorch`: refuse such regions."""
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as err:
        raise RegionError(path, err.lineno, f"the reference does not parse: {err.msg}") from None
    spans = [
        (node.lineno, node.end_lineno)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    for region in regions:
        if not any(first < region.begin < last for first, last in spans):
            raise RegionError(
                path, region.begin, "a solution region must sit inside a function body (its stub would raise on import)"
            )


def split_lines(text, path="<text>"):
    """(inside, outside): the lines of text within regions (markers excluded) and the rest."""
    regions = find_regions(text, path)
    lines = text.splitlines()
    inside_numbers = {n for r in regions for n in range(r.begin + 1, r.end)}
    marker_numbers = {n for r in regions for n in (r.begin, r.end)}
    inside = [lines[n - 1] for n in sorted(inside_numbers)]
    outside = [line for n, line in enumerate(lines, start=1) if n not in inside_numbers and n not in marker_numbers]
    return inside, outside


def strip_regions(text, path="<text>"):
    """The student edition of one source file: every region replaced by its stub.

    The result is compiled, so a stub that would not be valid Python fails here, not in class.
    """
    regions = find_regions(text, path)
    if regions:
        _check_inside_functions(text, path, regions)
    lines = text.splitlines(keepends=True)
    out, skip_until = [], 0
    starts = {r.begin: r for r in regions}
    for number, line in enumerate(lines, start=1):
        if number <= skip_until:
            continue
        if number in starts:
            region = starts[number]
            out.append(region.stub() + "\n")
            skip_until = region.end
            continue
        out.append(line)
    result = "".join(out)
    try:
        compile(result, str(path), "exec")
    except SyntaxError as err:
        raise RegionError(path, err.lineno, f"the student edition does not compile: {err.msg}") from None
    return result
