"""The one-source generator: regions become stubs, notebooks go through nbgrader, the bundle
holds only the student's files, and a second release changes nothing."""

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest
from release_helpers import (
    ANSWER_TEXT,
    CHAPTER,
    HIDDEN_TEST_LINE,
    LIBRARY,
    ROOT,
    copy_of_released,
    make_course,
    released_course,
    tree_hashes,
)

from grading import handin as pack
from grading.edition import release as rel
from grading.edition.lock import header_of, lock_text
from grading.edition.regions import RegionError, find_regions, strip_regions

SOURCE = textwrap.dedent('''\
    class Layer:
        def forward(self, A):
            """Z = 2 A.

            A: (N, C) -> Z: (N, C)
            """
            check(A)
            ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.1 Layer.forward | hint: it's "2 * A"
            self.A = A
            return 2 * A
            ### END SOLUTION

        def backward(self, dLdZ):
            """dLdA = 2 dLdZ."""
            if dLdZ is None:
                ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.1 Layer.backward | hint: twice the upstream gradient
                return 2 * dLdZ
                ### END SOLUTION
            return None
    ''')


# ---------------------------------------------------------------- regions -> stubs


def test_regions_are_parsed_with_their_fields():
    first, second = find_regions(SOURCE, "layer.py")
    assert (first.begin, first.end, first.indent) == (8, 11, " " * 8)
    assert (first.chapter, first.exercise, first.hint) == ("4 (backprop)", "4.1 Layer.forward", 'it\'s "2 * A"')
    assert (second.begin, second.end, second.indent) == (16, 18, " " * 12)


def test_stub_replaces_the_region_and_keeps_signature_and_docstring():
    out = strip_regions(SOURCE, "layer.py")
    assert "return 2 * A" not in out and "self.A = A" not in out and "2 * dLdZ" not in out
    assert "SOLUTION" not in out
    for kept in (
        "def forward(self, A):",
        '"""Z = 2 A.',
        "A: (N, C) -> Z: (N, C)",
        "check(A)",
        "def backward(self, dLdZ):",
        '"""dLdA = 2 dLdZ."""',
        "return None",
    ):
        assert kept in out
    # each stub sits where its region began, at the region's indentation
    lines = out.splitlines()
    assert lines[7].startswith(" " * 8 + "raise NotImplementedError(")  # region began on line 8
    assert lines[12].startswith(" " * 12 + "raise NotImplementedError(")  # line 16, 3 lines fewer above
    assert len(lines) == len(SOURCE.splitlines()) - 3 - 2


def test_stub_raises_naming_chapter_exercise_and_hint():
    namespace = {"check": lambda A: None}
    exec(compile(strip_regions(SOURCE, "layer.py"), "layer.py", "exec"), namespace)
    with pytest.raises(NotImplementedError) as err:
        namespace["Layer"]().forward(1)
    assert str(err.value) == (
        'Chapter 4 (backprop), exercise 4.1 Layer.forward: not implemented yet. Hint: it\'s "2 * A"'
    )
    with pytest.raises(NotImplementedError, match=r"exercise 4\.1 Layer\.backward.*twice the upstream"):
        namespace["Layer"]().backward(None)


def test_a_function_whose_body_is_only_the_region_still_compiles():
    src = (
        "def f(x):\n"
        "    ### BEGIN SOLUTION | chapter 5 (optimization) | exercise 5.1 f | hint: h\n"
        "    return x\n"
        "    ### END SOLUTION\n"
    )
    namespace = {}
    exec(strip_regions(src, "f.py"), namespace)
    with pytest.raises(NotImplementedError, match="Chapter 5 \\(optimization\\), exercise 5.1 f"):
        namespace["f"](1)


BEGIN = "### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.1 x | hint: h"


@pytest.mark.parametrize(
    "body, line, message",
    [
        ([BEGIN, "x = 1"], 2, "never closed"),
        ([BEGIN, "x = 1", BEGIN, "y = 2", "### END SOLUTION", "### END SOLUTION"], 4, "nested"),
        (["x = 1", "### END SOLUTION"], 3, "without a ### BEGIN SOLUTION"),
        (["### BEGIN SOLUTION", "x = 1", "### END SOLUTION"], 2, "must read"),
        (["### BEGIN SOLUTION | chapter 4 (backprop) | hint: h", "x = 1", "### END SOLUTION"], 2, "must read"),
        (["### BEGIN SOLUTION | chapter 4 | exercise 4.1 x | hint:", "x = 1", "### END SOLUTION"], 2, "must read"),
        (["# BEGIN SOLUTION | chapter 4 | exercise 4.1 x | hint: h", "x = 1", "### END SOLUTION"], 2, "must read"),
        ([BEGIN, "### END SOLUTION"], 2, "empty solution region"),
    ],
    ids=[
        "open",
        "nested",
        "end-without-begin",
        "begin-without-fields",
        "missing-exercise",
        "empty-hint",
        "misspelt-marker",
        "empty",
    ],
)
def test_malformed_regions_are_errors_naming_file_and_line(body, line, message):
    src = "def f():\n" + "".join(f"    {b}\n" for b in body)
    with pytest.raises(RegionError, match=message) as err:
        strip_regions(src, "solutions/mytorch/nn/bad.py")
    assert str(err.value).startswith(f"solutions/mytorch/nn/bad.py:{line}: ")
    assert (err.value.path, err.value.line) == ("solutions/mytorch/nn/bad.py", line)


def test_a_region_outside_a_function_is_refused():
    # its stub would raise while `import mytorch` runs
    src = f"class C:\n    {BEGIN}\n    x = 1\n    ### END SOLUTION\n"
    with pytest.raises(RegionError, match="inside a function") as err:
        strip_regions(src, "m.py")
    assert str(err.value).startswith("m.py:2: ")


def test_release_cli_reports_a_bad_region_with_file_and_line(tmp_path, capsys):
    library = dict(LIBRARY, **{"broken.py": f"def f():\n    {BEGIN}\n    return 1\n"})
    course = make_course(tmp_path / "course", library=library)
    assert rel.main(["--root", str(course)]) == 1
    assert "solutions/mytorch/broken.py:2: ### BEGIN SOLUTION is never closed" in capsys.readouterr().err
    assert not (course / "mytorch").exists()  # nothing half-written


# ---------------------------------------------------------------- the generated library


def _import_all(package_parent, tmp_path):
    """Import the package in package_parent/mytorch and every submodule, in a fresh process."""
    code = (
        "import importlib, pkgutil, mytorch\n"
        "assert mytorch.__file__.startswith(%r), mytorch.__file__\n"
        "for m in pkgutil.walk_packages(mytorch.__path__, 'mytorch.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('imported', mytorch.__file__)\n"
    ) % str(package_parent)
    return subprocess.run([sys.executable, "-c", code], cwd=package_parent, capture_output=True, text=True, timeout=120)


def test_real_reference_generates_a_student_package_that_compiles_and_imports(tmp_path):
    files = rel.generate_library(ROOT)
    assert "mytorch/__init__.py" in files
    for path, data in files.items():
        if path.endswith(".py"):
            text = data.decode()
            source = "solutions/" + path
            assert text.startswith(f"# GENERATED from {source} by `make release`"), path
            compile(text, path, "exec")
            assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    proc = _import_all(tmp_path, tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_released_library_has_stubs_headers_and_plain_copies():
    course = released_course()
    ops = (course / "mytorch" / "ops.py").read_text()
    assert ops.startswith(
        "# GENERATED from solutions/mytorch/ops.py by `make release` "
        "(python -m grading release).\n# Edit the source, not this file"
    )
    assert "squared_value_of_x" not in ops and "doubled_result_of_x" not in ops
    assert 'raise ValueError("Doubler.forward: x must not be None")' in ops  # plumbing stays
    plain = (course / "mytorch" / "plain.py").read_text()
    assert plain == rel.py_header("solutions/mytorch/plain.py") + LIBRARY["plain.py"]
    code = (
        "import mytorch\n"
        "try:\n    mytorch.square(3)\nexcept NotImplementedError as e:\n    print(e)\n"
        "try:\n    mytorch.Doubler().forward(3)\nexcept NotImplementedError as e:\n    print(e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=course, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "Chapter 4 (backprop), exercise 4.1 square: not implemented yet. Hint: multiply x by itself",
        'Chapter 4 (backprop), exercise 4.2 Doubler.forward: not implemented yet. Hint: it\'s "two times" x',
    ]


# ---------------------------------------------------------------- the notebooks


def test_released_notebook_is_nbgraders_student_version_labelled_as_generated():
    course = released_course()
    chapter = course / "chapters" / CHAPTER
    # the chapter's notebook and its small files; the scratch notebook beside it stays out
    assert sorted(p.name for p in chapter.iterdir()) == [f"{CHAPTER}.ipynb", "helper.py", "points.csv"]
    nb = json.loads((chapter / f"{CHAPTER}.ipynb").read_text())
    source = f"solutions/{CHAPTER}/{CHAPTER}.ipynb"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and source in "".join(first["source"])
    assert "make release" in "".join(first["source"])
    assert nb["metadata"]["dlcourse"]["generated_from"] == source
    text = json.dumps(nb)
    assert "notebook_solution_value" not in text and "YOUR CODE HERE" in text
    assert HIDDEN_TEST_LINE.split(",")[0] not in text and "assert triple(2) == 6" in text
    assert ANSWER_TEXT not in text and "YOUR ANSWER HERE" in text
    for cell in nb["cells"]:
        assert "execution" not in cell["metadata"]
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    # the grade cells keep nbgrader's metadata, so the chapter can be autograded
    grades = {c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if "nbgrader" in c["metadata"]}
    assert grades == {"triple", "test_triple", "answer"}


def test_chapter_python_files_are_stripped_and_data_copied():
    chapter = released_course() / "chapters" / CHAPTER
    helper = (chapter / "helper.py").read_text()
    assert helper.startswith(f"# GENERATED from solutions/{CHAPTER}/helper.py")
    assert "cubed_value_of_x_here" not in helper and "exercise 4.0 cube" in helper
    assert (chapter / "points.csv").read_text() == "x,y\n1,3\n"


@pytest.mark.parametrize(
    "returncode, writes, message",
    [
        (0, False, r"exit 0; no notebook for \['backprop'\]"),  # nbgrader's silent skip
        (1, True, r"exit 1; .*\n.*Solution region detected"),  # an error, even with output
    ],
)
def test_nbgrader_failure_or_silent_skip_is_an_error(tmp_path, monkeypatch, returncode, writes, message):
    course = make_course(tmp_path / "course")
    calls = []

    def fake_nbgrader(cmd, cwd, **kwargs):
        calls.append(cmd)
        if writes:
            out = Path(cwd) / "chapters" / CHAPTER
            out.mkdir(parents=True)
            (out / f"{CHAPTER}.ipynb").write_text("{}")
        return subprocess.CompletedProcess(cmd, returncode, "", "[ERROR] Solution region detected")

    monkeypatch.setattr(rel.subprocess, "run", fake_nbgrader)
    with pytest.raises(rel.ReleaseError, match=message):
        rel.generate_chapters(course)
    (cmd,) = calls
    assert cmd[2:5] == ["nbgrader", "generate_assignment", f"--assignment={CHAPTER}"] and "--force" in cmd
    assert not (course / "chapters").exists()


# ---------------------------------------------------------------- idempotence and the bundle


@pytest.mark.slow(why="a second nbgrader release")
def test_second_release_changes_no_file():
    course = released_course()
    before = tree_hashes(course)
    mtimes = {p: p.stat().st_mtime_ns for p in course.rglob("*") if p.is_file() and p.suffix != ".db"}
    assert rel.release(course) == []
    assert tree_hashes(course) == before
    assert {p: p.stat().st_mtime_ns for p in course.rglob("*") if p.is_file() and p.suffix != ".db"} == mtimes


def test_release_records_the_chapter_in_the_course_gradebook():
    # autograding needs the assignment and its grade cells in grading/gradebook.db
    with sqlite3.connect(released_course() / "grading" / "gradebook.db") as db:
        assert db.execute("select name from assignment").fetchall() == [(CHAPTER,)]
        cells = {
            name
            for (name,) in db.execute(
                "select base_cell.name from grade_cells join base_cell on grade_cells.id = base_cell.id"
            )
        }
    assert cells == {"test_triple", "answer"}


def test_release_cli_removes_files_without_a_source(tmp_path, capsys):
    course = copy_of_released(tmp_path)
    released = tree_hashes(released_course() / "mytorch")
    (course / "mytorch" / "stale.py").write_text("x = 1\n")
    (course / "mytorch" / "old").mkdir()
    (course / "mytorch" / "old" / "gone.py").write_text("y = 2\n")
    (course / "mytorch" / "ops.py").write_text("edited by hand\n")
    shutil.rmtree(course / "solutions" / CHAPTER)  # a chapter withdrawn (and no nbgrader run)
    assert rel.main(["--root", str(course), "--no-bundle"]) == 0
    out = capsys.readouterr().out
    for line in (
        "removed  mytorch/stale.py",
        "removed  mytorch/old/gone.py",
        "updated  mytorch/ops.py",
        f"removed  chapters/{CHAPTER}/{CHAPTER}.ipynb",
        f"removed  chapters/{CHAPTER}/points.csv",
    ):
        assert line in out
    assert not (course / "mytorch" / "old").exists() and not (course / "chapters" / CHAPTER).exists()
    assert tree_hashes(course / "mytorch") == released


def test_bundle_holds_only_the_student_files():
    course = released_course()
    with zipfile.ZipFile(course / rel.BUNDLE) as archive:
        names = archive.namelist()
        infos = archive.infolist()
        pyproject = archive.read("dlcourse-student/pyproject.toml").decode()
        readme = archive.read("dlcourse-student/README-student.md").decode()
        ops = archive.read("dlcourse-student/mytorch/ops.py")
    assert all(name.startswith("dlcourse-student/") for name in names)
    top = {name.split("/")[1] for name in names}
    assert top == {
        "chapters",
        "mytorch",
        "assets",
        "README-student.md",
        "environment.yml",
        "requirements.lock",
        "pyproject.toml",
        "grading",
    }
    assert not any("/solutions/" in n or n.endswith(".db") for n in names)
    # of grading/, only the hand-in packer the chapters' last cell runs
    assert sorted(n.split("/", 1)[1] for n in names if "/grading/" in n) == sorted(rel.HANDIN_TOOL)
    assert ops == (course / "mytorch" / "ops.py").read_bytes()
    assert f"dlcourse-student/chapters/{CHAPTER}/{CHAPTER}.ipynb" in names
    assert {i.date_time for i in infos} == {pack.ZIP_DATE}
    assert readme.startswith("<!-- GENERATED from grading/edition/templates/README-student.md")
    project = tomllib.loads(pyproject)
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["mytorch", "mytorch.*"]
    course_project = tomllib.loads((course / "pyproject.toml").read_text())["project"]
    assert project["project"]["dependencies"] == course_project["dependencies"]


def test_zip_is_byte_identical_for_identical_input():
    files = {"b/x.txt": b"x", "a.txt": b"a" * 1000}
    first = rel.zip_bytes(files)
    assert first == rel.zip_bytes(dict(reversed(list(files.items()))))
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["dlcourse-student/a.txt", "dlcourse-student/b/x.txt"]


@pytest.mark.slow(why="pip-installs the unzipped student bundle into a fresh environment")
def test_unzipped_bundle_installs_mytorch_only(tmp_path):
    with zipfile.ZipFile(released_course() / rel.BUNDLE) as archive:
        archive.extractall(tmp_path)
    bundle = tmp_path / "dlcourse-student"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path / "wheel"),
            ".",
        ],
        cwd=bundle,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    packages = {n.split("/")[0] for n in zipfile.ZipFile(wheel).namelist() if ".dist-info" not in n}
    assert packages == {"mytorch"}
    assert _import_all(bundle, tmp_path).returncode == 0


# ---------------------------------------------------------------- the lock


def test_lock_drops_the_course_package_and_local_version_labels():
    freeze = (
        "numpy==2.4.6\n"
        "# Editable Git install with no remote (dlcourse==0.1.0)\n"
        "-e /work/main\n"
        "torch==2.13.0+cpu\n"
        "typing_extensions==4.16.0\n"
    )
    header = ["# line one", "# line two"]
    assert lock_text(freeze, header) == (
        "# line one\n# line two\nnumpy==2.4.6\ntorch==2.13.0\ntyping_extensions==4.16.0\n"
    )
    assert "dlcourse" not in lock_text("dlcourse==0.1.0\nscipy==1.17.1\n", [])
    assert header_of("# a\n# b\nnumpy==1\n# not header\n") == ["# a", "# b"]


def test_committed_lock_keeps_its_two_header_lines():
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    assert len(header_of("\n".join(lines))) == 2
    assert not any(line.startswith("-e") or "+cpu" in line for line in lines)
