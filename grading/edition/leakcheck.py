"""Leak check: the student edition and bundle must hold no solution and no hidden test.

    python -m grading leakcheck [--root DIR] [--bundle ZIP | --no-bundle]

Scans mytorch/, chapters/, assets/ and the student bundle (dist/dlcourse-student.zip when it
exists) for
- a solution or hidden-test marker;
- any line of a solution region (solutions/**.py), of a notebook solution, or of a hidden
  test, skipping short lines and lines that also occur outside those regions (`return x`);
- a verbatim copy of a reference .py or source notebook;
- notebook outputs (a release has none; a saved output can show reference results);
- in the bundle, a solutions/ or grading/ folder (but for the hand-in packer,
  grading/{__init__,__main__,pack}.py), a gradebook, or any entry the bundle should not have.
Each leak is reported with its file and line; the exit status is 1 if there is any.
"""

import argparse
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .regions import RegionError, split_lines
from .release import BUNDLE, BUNDLE_TOP, HANDIN_TOOL, ROOT, files_under

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
MARKER_RE = re.compile("|".join(re.escape(m) for m in MARKERS))
MIN_LENGTH = 20  # shorter lines (`return x`, `self.A = A`) say nothing about a solution
SCANNED = ("mytorch", "chapters", "assets")
BUNDLE_TOP_LEVEL = {
    "chapters",
    "mytorch",
    "assets",
    "README-student.md",
    "environment.yml",
    "requirements.lock",
    "pyproject.toml",
}
FORBIDDEN_FOLDERS = {"solutions", "grading", "tests", ".git"}


@dataclass(frozen=True)
class Leak:
    where: str  # "mytorch/nn/linear.py:42" or "chapters/x/x.ipynb: cell 3, line 2"
    what: str

    def __str__(self):
        return f"{self.where}: {self.what}"


# ---------------------------------------------------------------- what must not leak


def _notebook_lines(nb):
    """(secret, public) source lines of a source notebook, split the way nbgrader releases it."""
    secret, public = [], []
    for cell in nb.get("cells", []):
        lines = _text(cell.get("source", "")).splitlines()
        delimited = any("BEGIN SOLUTION" in line for line in lines)
        whole_cell = cell.get("metadata", {}).get("nbgrader", {}).get("solution") and not delimited
        state = None
        for line in lines:
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                state = "inside"
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                state = None
            elif state or whole_cell:
                secret.append(line)
            else:
                public.append(line)
    return secret, public


def _py_lines(text, path):
    try:
        return split_lines(text, path)
    except RegionError:
        # A malformed region fails the release itself; here, fall back to the markers alone.
        secret, public, inside = [], [], False
        for line in text.splitlines():
            if "BEGIN SOLUTION" in line:
                inside = True
            elif "END SOLUTION" in line:
                inside = False
            else:
                (secret if inside else public).append(line)
        return secret, public


@dataclass
class Secrets:
    pattern: "re.Pattern | None"  # matches any fingerprint line
    count: int
    reference_copies: dict  # bytes of each reference .py / source notebook -> its path

    def find(self, line):
        match = self.pattern.search(line) if self.pattern else None
        return match.group(0) if match else None


def load_secrets(root):
    """Fingerprints of everything in solutions/ that the student edition must not contain."""
    root = Path(root)
    secret, public, copies = [], [], {}
    solutions = root / "solutions"
    for rel in files_under(solutions):
        path = solutions / rel
        if rel.endswith(".py"):
            data = path.read_bytes()
            inside, outside = _py_lines(data.decode("utf-8", "replace"), f"solutions/{rel}")
        elif rel.endswith(".ipynb"):
            data = path.read_bytes()
            inside, outside = _notebook_lines(json.loads(data))
        else:
            continue
        copies[data] = f"solutions/{rel}"
        secret += inside
        public += outside
    public_text = "\n".join(line.strip() for line in public)
    fingerprints = sorted(
        {line.strip() for line in secret if len(line.strip()) >= MIN_LENGTH and line.strip() not in public_text}
    )
    # Longest first, so a report quotes the most of a leaked line.
    fingerprints.sort(key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, fingerprints))) if fingerprints else None
    return Secrets(pattern, len(fingerprints), copies)


# ---------------------------------------------------------------- scanning


def _text(source):
    return "".join(source) if isinstance(source, list) else source


def scan_lines(where, text, secrets, first_line=1, suffix=""):
    leaks = []
    for number, line in enumerate(text.splitlines(), start=first_line):
        marker = MARKER_RE.search(line)
        if marker:
            leaks.append(Leak(f"{where}{suffix}{number}", f"marker `{marker.group(0)}`"))
        found = secrets.find(line)
        if found:
            leaks.append(Leak(f"{where}{suffix}{number}", f"reference line `{found}`"))
    return leaks


def scan_notebook(where, data, secrets):
    try:
        nb = json.loads(data)
    except ValueError:
        return scan_lines(f"{where}:", data.decode("utf-8", "replace"), secrets)
    leaks = []
    for index, cell in enumerate(nb.get("cells", []), start=1):
        at = f"{where}: cell {index}"
        leaks += scan_lines(at, _text(cell.get("source", "")), secrets, suffix=", line ")
        outputs = cell.get("outputs") or []
        if outputs:
            leaks.append(Leak(at, f"{len(outputs)} output(s) saved in the student edition"))
        for output in outputs:
            texts = [_text(output.get("text", ""))]
            texts += [_text(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
            leaks += scan_lines(f"{at}, output", "\n".join(texts), secrets, suffix=" line ")
    return leaks


def scan_file(where, data, secrets):
    """Leaks in one file of the student edition (where: its path, as the report names it)."""
    leaks = []
    if data in secrets.reference_copies:
        leaks.append(Leak(where, f"verbatim copy of the reference {secrets.reference_copies[data]}"))
    if where.endswith(".ipynb"):
        return leaks + scan_notebook(where, data, secrets)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return leaks  # images and other binaries hold no code
    return leaks + scan_lines(f"{where}:", text, secrets)


def scan_tree(root, secrets, folders=SCANNED):
    root = Path(root)
    leaks = []
    for folder in folders:
        for rel in files_under(root / folder):
            leaks += scan_file(f"{folder}/{rel}", (root / folder / rel).read_bytes(), secrets)
    return leaks


def scan_bundle(path, secrets):
    leaks = []
    name = Path(path).name
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            parts = info.filename.split("/")
            inner = parts[1:] if parts[0] == BUNDLE_TOP else parts
            where = f"{name}:{info.filename}"
            if "/".join(inner) in HANDIN_TOOL:  # the hand-in packer: stdlib only, no grader data
                leaks += scan_file(where, archive.read(info), secrets)
                continue
            if not inner or inner[0] not in BUNDLE_TOP_LEVEL:
                leaks.append(Leak(where, "entry the student bundle should not have"))
            bad = FORBIDDEN_FOLDERS.intersection(inner[:-1])
            if bad:
                leaks.append(Leak(where, f"{sorted(bad)[0]}/ folder in the student bundle"))
            if inner and (inner[-1].endswith(".db") or inner[-1].startswith("gradebook")):
                leaks.append(Leak(where, "a gradebook in the student bundle"))
            leaks += scan_file(where, archive.read(info), secrets)
    return leaks


def check(root=ROOT, bundle=None):
    """All leaks in root's student edition and, if given, in the bundle zip."""
    secrets = load_secrets(root)
    leaks = scan_tree(root, secrets)
    if bundle is not None:
        leaks += scan_bundle(bundle, secrets)
    return leaks, secrets


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading leakcheck", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="course repository (default: this one)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--bundle", type=Path, help=f"student bundle to check (default: {BUNDLE} if it exists)")
    group.add_argument("--no-bundle", action="store_true", help="check the student edition only")
    args = parser.parse_args(argv)
    bundle = args.bundle
    if bundle is None and not args.no_bundle and (args.root / BUNDLE).is_file():
        bundle = args.root / BUNDLE
    if bundle is not None and not bundle.is_file():
        print(f"leakcheck: no bundle at {bundle}", file=sys.stderr)
        return 2
    leaks, secrets = check(args.root, bundle)
    checked = ", ".join(f"{f}/" for f in SCANNED) + (f" and {bundle}" if bundle else "")
    if leaks:
        print(f"leakcheck: {len(leaks)} leak(s) in {checked}:", file=sys.stderr)
        for leak in leaks:
            print(f"  {leak}", file=sys.stderr)
        return 1
    print(f"leakcheck: no leaks in {checked} ({secrets.count} reference lines looked for)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
