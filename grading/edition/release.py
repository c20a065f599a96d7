"""The one-source generator: solutions/ -> mytorch/, chapters/ and the student bundle.

    python -m grading release [--root DIR] [--no-bundle] [--no-gradebook]   (`make release`)
    python -m grading driftcheck [--root DIR]                              (`make check-release`)

mytorch/ is solutions/mytorch/ with every solution region replaced by a stub (grading.edition.regions).
chapters/<id>/ is nbgrader's `generate_assignment` of solutions/<id>/, run in a scratch course
folder (so a failed run cannot delete the committed chapters/); a header cell then says where
the notebook comes from. A release records the chapters in the course gradebook
(grading/gradebook.db, for autograding); the drift check uses a scratch one and writes nothing.
The output is a pure function of the sources (no timestamps, no outputs, fixed zip dates), so
a second release changes nothing and the drift check can compare bytes.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from grading.course import CHAPTERS, ROOT
from grading.handin import zip_files

from .regions import RegionError, strip_regions

CHAPTER_IDS = CHAPTERS
EDITIONS = ("mytorch", "chapters")
BUNDLE = Path("dist") / "dlcourse-student.zip"
BUNDLE_TOP = "dlcourse-student"
COMMAND = "`make release` (python -m grading release)"
TEMPLATES = Path(__file__).resolve().parent / "templates"
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis"}
SKIP_SUFFIXES = {".pyc", ".pyo"}
# The one part of grading/ in the bundle: the notebooks' last cell packs the hand-in zip with it
# (standard library only; the grader's cases and hidden checks stay out, see leakcheck).
# grading/pack.py: the tool's former name, for notebooks released before the split by job
HANDIN_TOOL = ("grading/__init__.py", "grading/__main__.py", "grading/handin.py", "grading/pack.py")


class ReleaseError(RuntimeError):
    """Generation failed; the message says which file and why."""


def files_under(folder):
    """Relative POSIX paths of the files under folder, sorted, caches and checkpoints left out."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in filenames:
            path = Path(dirpath) / name
            if path.suffix not in SKIP_SUFFIXES:
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


# ---------------------------------------------------------------- the library


def py_header(source):
    return (
        f"# GENERATED from {source} by {COMMAND}.\n# Edit the source, not this file: the next release overwrites it.\n"
    )


def student_py(text, source):
    """The student edition of one .py source: header, then the file with its regions stubbed."""
    return py_header(source) + strip_regions(text, source)


def generate_library(root):
    """{"mytorch/<path>": bytes} for every file of solutions/mytorch/."""
    root = Path(root)
    src = root / "solutions" / "mytorch"
    if not (src / "__init__.py").is_file():
        raise ReleaseError(f"{src}/__init__.py not found: no reference library to generate from")
    files = {}
    for rel in files_under(src):
        source = f"solutions/mytorch/{rel}"
        data = (src / rel).read_bytes()
        if rel.endswith(".py"):
            data = student_py(data.decode("utf-8"), source).encode("utf-8")
        files[f"mytorch/{rel}"] = data
    return files


# ---------------------------------------------------------------- the notebooks


def source_chapters(root, chapter_ids=CHAPTER_IDS):
    """The chapter ids whose source notebook solutions/<id>/<id>.ipynb exists."""
    return [cid for cid in chapter_ids if (Path(root) / "solutions" / cid / f"{cid}.ipynb").is_file()]


def run_nbgrader(root, chapter_ids, course, gradebook=False):
    """`nbgrader generate_assignment` of the chapters, in the scratch course folder `course`.

    Each chapter releases solutions/<id>/<id>.ipynb and the other files of its folder; other
    notebooks (scratch work, or ones nbgrader would drop from subfolders anyway) are left out.

    The course's config is loaded, then the root is pointed into `course`, so the release
    folder is a scratch one. With gradebook=True the course's gradebook (grading/gradebook.db,
    as configured) records the chapters and their grade cells, which autograding needs later;
    otherwise a scratch database does (the drift check: nothing in the repository changes).
    The gradebook never reaches the generated files. Fails unless nbgrader exits 0 AND wrote
    every chapter's notebook (it can skip silently).
    """
    course = Path(course)
    for cid in chapter_ids:
        # The chapter notebook and its small files; any other notebook there is a scratch file.
        def ignore(folder, names, top=Path(root) / "solutions" / cid, cid=cid):
            return [
                n
                for n in names
                if n in SKIP_DIRS
                or n.endswith(".pyc")
                or (n.endswith(".ipynb") and not (Path(folder) == top and n == f"{cid}.ipynb"))
            ]

        shutil.copytree(Path(root) / "solutions" / cid, course / "solutions" / cid, ignore=ignore)
        stable_ids(course / "solutions" / cid / f"{cid}.ipynb")
    config = Path(root) / "grading" / "nbgrader_config.py"
    overrides = {"root": str(course), "source_directory": "solutions", "release_directory": "chapters"}
    if not gradebook:
        overrides["db_url"] = f"sqlite:///{course / 'gradebook.db'}"
    lines = ["c = get_config()"]
    if config.is_file():
        lines.append(f"load_subconfig({str(config)!r})")
    lines += [f"c.CourseDirectory.{key} = {value!r}" for key, value in overrides.items()]
    (course / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    # nbgrader's gradebook runs the `alembic` script, which lives next to this interpreter.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    # Several chapters at once: one nbgrader start-up instead of six.
    assignment = chapter_ids[0] if len(chapter_ids) == 1 else "*"
    cmd = [
        sys.executable,
        "-m",
        "nbgrader",
        "generate_assignment",
        f"--assignment={assignment}",
        "--force",
        *[f"--CourseDirectory.{k}={v}" for k, v in overrides.items()],
    ]
    proc = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True)
    missing = [cid for cid in chapter_ids if not (course / "chapters" / cid / f"{cid}.ipynb").is_file()]
    if proc.returncode != 0 or missing:
        log = (proc.stdout + proc.stderr).strip()[-4000:]
        raise ReleaseError(
            f"nbgrader generate_assignment failed (exit {proc.returncode}; "
            f"no notebook for {missing or 'none missing'}):\n{log}"
        )
    return course / "chapters"


CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def stable_ids(path):
    """Give every cell of the notebook at `path` without an id a deterministic one (in place).

    nbformat gives a cell without an id (an older notebook, a cell written by a script) a
    random one at every read, so each release would change it and the drift check would fail.
    Here it is the cell's nbgrader grade_id when that is a valid, unused id, else
    "cell-" + a hash of the cell's type and source (plus its position if that is taken)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = nb.get("cells", [])
    if all(isinstance(c.get("id"), str) for c in cells):
        return False
    used = {c["id"] for c in cells if isinstance(c.get("id"), str)}
    for index, cell in enumerate(cells):
        if isinstance(cell.get("id"), str):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        grade_id = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
        digest = hashlib.sha1(f"{cell.get('cell_type')}\n{source}".encode()).hexdigest()[:12]
        for candidate in (grade_id, f"cell-{digest}", f"cell-{digest}-{index}"):
            if CELL_ID.match(candidate) and candidate not in used:
                break
        cell["id"] = candidate
        used.add(candidate)
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) < (4, 5):
        nb["nbformat"], nb["nbformat_minor"] = 4, 5
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def student_notebook(data, source):
    """nbgrader's release of one notebook, made deterministic and labelled as generated."""
    import nbformat  # slow to import (seconds): only releases with notebooks pay for it

    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)  # JupyterLab's run timestamps
    nb.metadata["dlcourse"] = {"generated_from": source, "generated_by": COMMAND}
    header = nbformat.v4.new_markdown_cell(
        f"*Student edition, generated from `{source}` by {COMMAND}. Work in this notebook; "
        f"instructors edit the source, not this file.*",
        id="dlcourse-generated",
    )
    header.metadata["dlcourse"] = {"generated": True}
    nb.cells.insert(0, header)
    nbformat.validate(nb)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def generate_chapters(root, chapter_ids=CHAPTER_IDS, gradebook=False):
    """{"chapters/<id>/<path>": bytes} for every chapter whose source notebook exists."""
    ids = source_chapters(root, chapter_ids)
    if not ids:
        return {}
    files = {}
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as tmp:
        released = run_nbgrader(root, ids, tmp, gradebook)
        for cid in ids:
            for rel in files_under(released / cid):
                source = f"solutions/{cid}/{rel}"
                data = (released / cid / rel).read_bytes()
                if rel.endswith(".ipynb"):
                    data = student_notebook(data, source)
                elif rel.endswith(".py"):
                    # nbgrader copies .py files verbatim, solution regions included.
                    data = student_py(data.decode("utf-8"), source).encode("utf-8")
                files[f"chapters/{cid}/{rel}"] = data
    return files


def generate(root=ROOT, chapter_ids=CHAPTER_IDS, gradebook=False):
    """Every file of the student edition: {relative path: bytes}. Nothing in root is written,
    except the course's gradebook when gradebook=True (see run_nbgrader)."""
    files = generate_library(root)
    files.update(generate_chapters(root, chapter_ids, gradebook))
    return files


# ---------------------------------------------------------------- writing and comparing


def edition_on_disk(root):
    """{relative path: bytes} of the student edition as it is in root now."""
    root = Path(root)
    return {
        f"{edition}/{rel}": (root / edition / rel).read_bytes()
        for edition in EDITIONS
        for rel in files_under(root / edition)
    }


def differences(expected, actual):
    """[(kind, path)] sorted by path; kind is "missing" (expected only), "extra" (actual only)
    or "differs"."""
    found = []
    for path in sorted(set(expected) | set(actual)):
        if path not in actual:
            found.append(("missing", path))
        elif path not in expected:
            found.append(("extra", path))
        elif expected[path] != actual[path]:
            found.append(("differs", path))
    return found


def explain(path, expected, actual, most=5):
    """Why the committed file `actual` differs from the generated `expected` (bytes), in words:
    "cell 12 (grade_id optimization_sgd): source differs", "line 40 differs", ..."""
    if path.endswith(".ipynb"):
        try:
            mine, theirs = json.loads(actual), json.loads(expected)
        except ValueError:
            return ["not a readable notebook"]
        reasons = []
        a, b = mine.get("cells", []), theirs.get("cells", [])
        if len(a) != len(b):
            reasons.append(f"{len(a)} cells, the generated notebook {len(b)}")
        for index, (got, want) in enumerate(zip(a, b)):
            fields = [key for key in sorted(set(got) | set(want)) if got.get(key) != want.get(key)]
            if fields:
                grade_id = want.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                name = f"grade_id {grade_id}" if grade_id else f"id {want.get('id')}"
                what = f"cell {index} ({name}): {', '.join(fields)} differ{'s' if len(fields) == 1 else ''}"
                if fields == ["id"]:
                    what += (
                        f" (committed {got.get('id')!r}, generated {want.get('id')!r}: "
                        "was chapters/ edited, or released by another tool?)"
                    )
                reasons.append(what)
        if not reasons:
            others = [
                key for key in sorted(set(mine) | set(theirs)) if key != "cells" and mine.get(key) != theirs.get(key)
            ]
            reasons.append(
                f"notebook {', '.join(others)} differ"
                if others
                else "same cells, different formatting (written by another tool?)"
            )
        return reasons[:most] + ([f"... and {len(reasons) - most} more"] if len(reasons) > most else [])
    try:
        mine, theirs = actual.decode("utf-8").splitlines(), expected.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return ["binary content differs"]
    for number, (got, want) in enumerate(zip(mine, theirs), start=1):
        if got != want:
            return [f"line {number} differs"]
    return [
        f"{len(mine)} lines, the generated file {len(theirs)}"
        if len(mine) != len(theirs)
        else "line endings or the last newline differ"
    ]


def write_edition(root, files):
    """Make root's mytorch/ and chapters/ hold exactly `files`; untouched files keep their mtime.

    Returns the differences it fixed, as `differences` lists them (empty when up to date).
    """
    root = Path(root)
    current = edition_on_disk(root)
    changes = differences(files, current)
    for path in sorted(set(current) - set(files)):
        (root / path).unlink()
    for path, data in files.items():
        if current.get(path) != data:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    for edition in EDITIONS:  # folders emptied by removals
        for dirpath, _, _ in sorted(os.walk(root / edition), reverse=True):
            path = Path(dirpath)
            if path != root / edition and not any(path.iterdir()):
                path.rmdir()
    return changes


# ---------------------------------------------------------------- the student bundle


def student_pyproject(root):
    """The bundle's pyproject: installs `mytorch` only, with the course's dependency ranges."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]

    def toml_list(items):
        return "[\n" + "".join(f'    "{item}",\n' for item in items) + "]"

    extras = project.get("optional-dependencies", {})
    text = (
        (TEMPLATES / "pyproject-student.toml")
        .read_text()
        .format(
            header=py_header("grading/edition/templates/pyproject-student.toml and pyproject.toml").rstrip(),
            version=project["version"],
            requires_python=project.get("requires-python", ">=3.11"),
            dependencies=toml_list(project["dependencies"]),
            extras="\n".join(f"{name} = {toml_list(items)}" for name, items in sorted(extras.items())),
        )
    )
    tomllib.loads(text)  # a template typo fails the release, not the student's install
    return text.encode("utf-8")


def bundle_files(root, edition):
    """{path inside the bundle: bytes}: the student edition, assets, README and environment."""
    root = Path(root)
    files = {path: data for path, data in edition.items()}
    files.update({f"assets/{rel}": (root / "assets" / rel).read_bytes() for rel in files_under(root / "assets")})
    readme = (TEMPLATES / "README-student.md").read_text()
    files["README-student.md"] = (
        f"<!-- GENERATED from grading/edition/templates/README-student.md by {COMMAND}. -->\n" + readme
    ).encode("utf-8")
    files["pyproject.toml"] = student_pyproject(root)
    for name in ("environment.yml", "requirements.lock"):
        files[name] = (root / name).read_bytes()
    for path in HANDIN_TOOL:  # this package's own, like the templates
        files[path] = (ROOT / path).read_bytes()
    return files


def zip_bytes(files, top=BUNDLE_TOP):
    """A zip of files under one top folder, byte-identical for identical input."""
    return zip_files(files, top)


def write_bundle(root, edition):
    """Write dist/dlcourse-student.zip (only if its bytes change); returns its path."""
    path = Path(root) / BUNDLE
    data = zip_bytes(bundle_files(root, edition))
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


# ---------------------------------------------------------------- commands


def release(root=ROOT, chapter_ids=CHAPTER_IDS, bundle=True, gradebook=True):
    """Regenerate the student edition in root (and the bundle, and the chapters' entries in
    the course gradebook); returns the changes made to the edition."""
    files = generate(root, chapter_ids, gradebook)
    changes = write_edition(root, files)
    if bundle:
        write_bundle(root, files)
    return changes


def _parser(prog, description):
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--root", type=Path, default=ROOT, help="course repository (default: this one)")
    return parser


def main(argv=None):
    parser = _parser("python -m grading release", "regenerate mytorch/, chapters/ and the student bundle")
    parser.add_argument("--no-bundle", action="store_true", help="skip dist/dlcourse-student.zip")
    parser.add_argument(
        "--no-gradebook", action="store_true", help="use a scratch database instead of the course's gradebook"
    )
    args = parser.parse_args(argv)
    try:
        changes = release(args.root, bundle=not args.no_bundle, gradebook=not args.no_gradebook)
    except (RegionError, ReleaseError) as err:
        print(f"release failed: {err}", file=sys.stderr)
        return 1
    chapters = source_chapters(args.root)
    print(f"released mytorch/ and {len(chapters)} chapter(s): {', '.join(chapters) or 'none'}")
    verbs = {"missing": "wrote", "extra": "removed", "differs": "updated"}
    for kind, path in changes:
        print(f"  {verbs[kind]:<8} {path}")
    if not changes:
        print("  (no file changed)")
    if not args.no_bundle:
        print(f"bundle: {BUNDLE}")
    return 0


def driftcheck(argv=None):
    """Fail if the committed mytorch/ or chapters/ differ from a fresh generation."""
    args = _parser(
        "python -m grading driftcheck", "fail if mytorch/ or chapters/ differ from what `make release` generates"
    ).parse_args(argv)
    try:
        expected = generate(args.root)
    except (RegionError, ReleaseError) as err:
        print(f"driftcheck: generation failed: {err}", file=sys.stderr)
        return 1
    drift = differences(expected, edition_on_disk(args.root))
    if drift:
        print(
            "driftcheck: the student edition is out of date with solutions/ (run `make release` and commit):",
            file=sys.stderr,
        )
        what = {
            "missing": "not in the repository",
            "extra": "no longer generated",
            "differs": "differs from the generated file",
        }
        disk = edition_on_disk(args.root)
        for kind, path in drift:
            why = "; ".join(explain(path, expected[path], disk[path])) if kind == "differs" else ""
            print(f"  {path}: {what[kind]}" + (f": {why}" if why else ""), file=sys.stderr)
        return 1
    print(f"driftcheck: mytorch/ and chapters/ match solutions/ ({len(expected)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
