"""`python -m grading pack`: the Colab hand-in zip, and the sample class built from the reference."""

import json
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest

from grading import handin as pack
from grading.edition.release import HANDIN_TOOL, ROOT, bundle_files, edition_on_disk
from grading.mistakes import sample_class
from grading.nbgrader_glue import unpack
from grading.nbgrader_glue.verify import grader_cells, score_calls


def test_pack_zips_the_notebook_and_the_library_only(tmp_path):
    (tmp_path / "mytorch" / "nn" / "__pycache__").mkdir(parents=True)
    (tmp_path / "mytorch" / "__init__.py").write_text("")
    (tmp_path / "mytorch" / "nn" / "linear.py").write_text("W = 1\n")
    (tmp_path / "mytorch" / "nn" / "__pycache__" / "linear.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "mytorch" / "weights.npy").write_bytes(b"\0" * 10)
    (tmp_path / "mytorch" / "nn" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "mytorch" / "nn" / ".ipynb_checkpoints" / "linear-checkpoint.py").write_text("W = 0\n")
    (tmp_path / "backprop.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("private")
    assert pack.main(["backprop", "--from", str(tmp_path)]) == 0
    out = tmp_path / "handin" / "backprop-handin.zip"  # next to mytorch/, outside chapters/
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["backprop.ipynb", "mytorch/__init__.py", "mytorch/nn/linear.py"]
        assert z.read("mytorch/nn/linear.py") == b"W = 1\n"
    first = out.read_bytes()
    pack.pack("backprop", tmp_path)
    assert out.read_bytes() == first  # the same files give the same zip


def test_the_reference_notebooks_hand_in_no_library_zip(tmp_path):
    # solutions/<chapter>/ beside solutions/mytorch/ looks like a fetched folder; release would
    # copy a zip left there into chapters/.
    (tmp_path / "solutions" / "mytorch").mkdir(parents=True)
    (tmp_path / "solutions" / "mytorch" / "__init__.py").write_text("")
    (tmp_path / "solutions" / "backprop").mkdir()
    (tmp_path / "solutions" / "backprop" / "backprop.ipynb").write_text("{}")
    pack.pack("backprop", tmp_path / "solutions" / "backprop")
    assert (tmp_path / "solutions" / "handin" / "backprop-handin.zip").is_file()
    assert not (tmp_path / "solutions" / "backprop" / pack.LIBRARY_ZIP).exists()


def test_in_a_fetched_folder_out_writes_the_lms_zip_too(tmp_path, capsys):
    (tmp_path / "mytorch").mkdir()
    (tmp_path / "mytorch" / "__init__.py").write_text("")
    (tmp_path / "backprop").mkdir()
    (tmp_path / "backprop" / "backprop.ipynb").write_text("{}")
    out = pack.pack("backprop", tmp_path / "backprop", out=tmp_path / "lms.zip")
    written, _ = said(capsys.readouterr().out + "shown: -\n")
    assert written == [str(tmp_path / "backprop" / pack.LIBRARY_ZIP), str(out)] and out == tmp_path / "lms.zip"
    assert all(Path(path).is_file() for path in written)


def test_pack_says_what_is_missing(tmp_path, capsys):
    (tmp_path / "backprop.ipynb").write_text("{}")
    assert pack.main(["backprop", "--from", str(tmp_path)]) == 1
    assert "no mytorch/" in capsys.readouterr().err


def setup_cell(chapter):
    """The chapter's setup cell, which runs before any other cell: it finds assets/ and calls
    course.setup, which puts the course folder (the one holding mytorch/) first on sys.path. It is
    plain Python (no magics) but needs numpy and matplotlib, so the runs below keep site-packages;
    where grading/ comes from is checked by its __file__."""
    nb = nbformat.read(ROOT / "chapters" / chapter / f"{chapter}.ipynb", as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code").source + "\n"


def hand_in_cell(chapter):
    nb = nbformat.read(ROOT / "chapters" / chapter / f"{chapter}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.get("id") == "hand-in"]
    assert nb.cells[-1] is cell and "nbgrader" not in cell.metadata
    return cell.source


def shown_hand_in_cell(chapter):
    """The Hand in cell with its result printed, as Jupyter shows it under the cell."""
    cell = hand_in_cell(chapter)
    assert cell.endswith("\nhand_in(CHAPTER)")
    return cell.removesuffix("hand_in(CHAPTER)") + "print('shown:', hand_in(CHAPTER))"


def said(stdout):
    """The paths a Hand in cell printed that it wrote, and the path its result shows."""
    written = [line.removeprefix("wrote ").split(": ")[0] for line in stdout.splitlines() if line.startswith("wrote ")]
    return written, stdout.split("shown: ")[1].splitlines()[0]


def unpacked_bundle(folder):
    """The student bundle as `python -m grading release` zips it, unpacked (no grading/ but the
    hand-in packer)."""
    for path, data in bundle_files(ROOT, edition_on_disk(ROOT)).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return folder


# "bundle": the student bundle, whose own grading/handin.py must answer (the setup cell puts the
# bundle first on sys.path, ahead of the installed course package); "installed": no grading/ in
# the course folder, the course package installed (Colab's pip install, or a clone's make lab).
@pytest.mark.parametrize("layout", ["bundle", "installed"])
def test_the_last_cell_of_a_chapter_hands_it_in(tmp_path, layout):
    chapter = "backprop"
    course = tmp_path / "course"
    if layout == "bundle":
        unpacked_bundle(course)
        flags = ["-E"]
    else:
        shutil.copytree(ROOT / "mytorch", course / "mytorch")
        shutil.copytree(ROOT / "assets", course / "assets")
        shutil.copytree(ROOT / "chapters" / chapter, course / "chapters" / chapter)
        flags = []
    (course / "mytorch" / "nn" / "linear.py").write_text(
        (course / "mytorch" / "nn" / "linear.py").read_text() + "# my work\n"
    )
    code = setup_cell(chapter) + shown_hand_in_cell(chapter) + "\nimport grading; print(grading.__file__)"
    run = subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=course / "chapters" / chapter,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    out = course / "handin" / f"{chapter}-handin.zip"
    assert said(run.stdout) == ([str(out)], str(out)) and out.is_file()
    assert run.stdout.strip().splitlines()[-1].startswith(str(course)) == (layout == "bundle")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert z.read(f"{chapter}.ipynb") == (course / "chapters" / chapter / f"{chapter}.ipynb").read_bytes()
        assert z.read("mytorch/nn/linear.py").endswith(b"# my work\n")
    library = {f"mytorch/{p.relative_to(course / 'mytorch').as_posix()}" for p in (course / "mytorch").rglob("*.py")}
    assert names == {f"{chapter}.ipynb", *library} and "mytorch/optim/adam.py" in names
    assert not (course / "chapters" / chapter / f"{chapter}-handin.zip").exists()
    assert not (course / "chapters" / chapter / pack.LIBRARY_ZIP).exists()  # no exchange here


def test_without_the_course_above_the_setup_cell_says_where_it_looked(tmp_path):
    run = subprocess.run(
        [sys.executable, "-E", "-c", setup_cell("backprop")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert f"FileNotFoundError: no assets/course.py in {tmp_path.resolve()} or in any folder above it" in run.stderr
    assert "dlcourse-student.zip" in run.stderr and "StopIteration" not in run.stderr
    # assets/ there but no mytorch/: course.setup says so (tests/test_assets.py checks its words)
    shutil.copytree(ROOT / "assets", tmp_path / "assets", ignore=shutil.ignore_patterns("__pycache__"))
    run = subprocess.run(
        [sys.executable, "-E", "-c", setup_cell("backprop")], cwd=tmp_path, capture_output=True, text=True
    )
    assert f"FileNotFoundError: no mytorch/ in {tmp_path.resolve()} or in any folder above it" in run.stderr
    assert "dlcourse-student.zip" in run.stderr


def test_in_a_fetched_assignment_folder_the_hand_in_carries_the_library(tmp_path):
    # nbgrader fetch_assignment run inside the unpacked bundle: <bundle>/backprop/backprop.ipynb.
    chapter = "backprop"
    course = unpacked_bundle(tmp_path / "home" / "dlcourse-student")
    fetched = course / chapter
    fetched.mkdir()
    shutil.copyfile(course / "chapters" / chapter / f"{chapter}.ipynb", fetched / f"{chapter}.ipynb")
    linear = course / "mytorch" / "nn" / "linear.py"
    linear.write_text(linear.read_text() + "# my work\n")
    run = subprocess.run(
        [
            sys.executable,
            "-E",
            "-c",
            setup_cell(chapter) + shown_hand_in_cell(chapter) + "\nimport grading; print(grading.__file__)",
        ],
        cwd=fetched,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert f"Next: `nbgrader submit {chapter}` in {course}" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == str(course / "grading" / "__init__.py")  # the bundle's own
    # what it says it wrote is what it wrote, and what the cell shows; nothing else (nbgrader submits this folder)
    assert said(run.stdout) == ([str(fetched / pack.LIBRARY_ZIP)], str(fetched / pack.LIBRARY_ZIP))
    assert not (course / "handin").exists()
    assert not (fetched / "mytorch").exists()  # a copy there would be the one the setup cell imports
    library = {
        f"mytorch/{p.relative_to(course / 'mytorch').as_posix()}": p.read_bytes()
        for p in (course / "mytorch").rglob("*.py")
    }
    with zipfile.ZipFile(fetched / pack.LIBRARY_ZIP) as z:
        assert {name: z.read(name) for name in z.namelist()} == library
    # nbgrader submit + collect copy the folder as it is; the instructor unpacks it.
    submission = tmp_path / "submitted" / "stu1" / chapter
    shutil.copytree(fetched, submission)
    assert unpack.unpack_submissions(tmp_path / "submitted", chapter) == {"stu1": unpack.UNPACKED}
    got = {
        f"mytorch/{p.relative_to(submission / 'mytorch').as_posix()}": p.read_bytes()
        for p in (submission / "mytorch").rglob("*")
        if p.is_file()
    }
    assert got == library and got["mytorch/nn/linear.py"].endswith(b"# my work\n")
    assert unpack.unpack_library(submission) == unpack.UNPACKED  # again: nothing changes
    assert (submission / "mytorch" / "nn" / "linear.py").read_bytes() == library["mytorch/nn/linear.py"]


def test_a_folder_handed_in_is_kept_and_none_at_all_gets_the_stubs(tmp_path):
    handed = tmp_path / "a" / "backprop"
    (handed / "mytorch").mkdir(parents=True)
    (handed / "mytorch" / "__init__.py").write_text("# mine\n")
    assert unpack.unpack_library(handed) == unpack.HANDED_IN
    assert [p.name for p in (handed / "mytorch").iterdir()] == ["__init__.py"]
    empty = tmp_path / "b" / "backprop"
    empty.mkdir(parents=True)
    (empty / "backprop.ipynb").write_text("{}")
    assert unpack.unpack_library(empty) == unpack.STUBS
    assert unpack.STUBS == "no mytorch handed in: graded against the student edition (stubs)"
    stub = (empty / "mytorch" / "nn" / "linear.py").read_text()
    assert stub == (ROOT / "mytorch" / "nn" / "linear.py").read_text() and "not implemented yet" in stub
    assert (empty / "mytorch" / unpack.NOT_HANDED_IN).read_text().strip() == unpack.STUBS
    assert unpack.unpack_library(empty) == unpack.STUBS  # the same line on every run


def library_zip(folder, entries):
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / pack.LIBRARY_ZIP, "w") as z:
        for name, data in entries.items():
            z.writestr(zipfile.ZipInfo(name), data)
        assert z.namelist() == list(entries)  # stored as written: the test's names reach the unpacker
    return folder


@pytest.mark.parametrize(
    "name",
    [
        "../mytorch/evil.py",
        "/tmp/mytorch/evil.py",
        "mytorch/../../evil.py",
        "mytorch/nn/../../../evil.py",
        "mytorch\\..\\..\\evil.py",
        "mytorch/nn\\..\\..\\evil.py",
        "C:/mytorch/evil.py",
        "mytorch/./evil.py",
        "mytorch//evil.py",
        "mytorch/evil.so",
        "mytorch/nn/__pycache__/evil.py",
        "evil.py",
        "backprop.ipynb",
    ],
)
def test_a_hostile_library_zip_is_refused_as_a_whole(tmp_path, name):
    submission = library_zip(
        tmp_path / "submitted" / "stu" / "backprop", {"mytorch/__init__.py": b"GOOD = 1\n", name: b"EVIL = 1\n"}
    )
    with pytest.raises(pack.PackError, match="is not a file of mytorch/ ending in .py"):
        unpack.library_files(submission / pack.LIBRARY_ZIP)
    status = unpack.unpack_library(submission)
    assert status.startswith(f"no mytorch handed in ({pack.LIBRARY_ZIP} refused: ") and status.endswith("(stubs)")
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != pack.LIBRARY_ZIP]
    assert not [p for p in written if b"EVIL" in p.read_bytes() or b"GOOD" in p.read_bytes()]
    assert not [p for p in written if submission / "mytorch" not in p.parents]
    assert (submission / "mytorch" / unpack.NOT_HANDED_IN).read_text().strip() == status


def test_a_library_zip_too_large_or_unreadable_is_refused(tmp_path, monkeypatch):
    big = library_zip(tmp_path / "big", {"mytorch/__init__.py": b"#" * 200})
    assert unpack.library_files(big / pack.LIBRARY_ZIP) == {"mytorch/__init__.py": b"#" * 200}
    monkeypatch.setattr(unpack, "MAX_BYTES", 100)
    with pytest.raises(pack.PackError, match="MB"):
        unpack.library_files(big / pack.LIBRARY_ZIP)
    monkeypatch.setattr(unpack, "MAX_BYTES", 1000)
    monkeypatch.setattr(unpack, "MAX_FILES", 2)
    many = library_zip(tmp_path / "many", {f"mytorch/m{i}.py": b"" for i in range(3)})
    with pytest.raises(pack.PackError, match="more than 2 files"):
        unpack.library_files(many / pack.LIBRARY_ZIP)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / pack.LIBRARY_ZIP).write_bytes(b"PK not a zip")
    with pytest.raises(pack.PackError, match="not a readable zip"):
        unpack.library_files(tmp_path / "bad" / pack.LIBRARY_ZIP)


def test_the_bundle_runs_python_m_grading_pack_and_nothing_else(tmp_path):
    course = unpacked_bundle(tmp_path / "dlcourse-student")
    assert sorted(str(p.relative_to(course)) for p in (course / "grading").iterdir()) == sorted(HANDIN_TOOL)
    packed = subprocess.run(
        [sys.executable, "-S", "-E", "-m", "grading", "pack", "optimization"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert packed.returncode == 0, packed.stderr
    assert "optimization.ipynb" in zipfile.ZipFile(course / "handin" / "optimization-handin.zip").namelist()
    (course / "handin" / "optimization-handin.zip").unlink()
    earlier = subprocess.run(  # the last cell of a notebook released before grading/ was split by job
        [sys.executable, "-S", "-E", "-c", "from grading.pack import hand_in; hand_in('optimization')"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert earlier.returncode == 0, earlier.stderr
    assert "optimization.ipynb" in zipfile.ZipFile(course / "handin" / "optimization-handin.zip").namelist()
    other = subprocess.run(
        [sys.executable, "-S", "-E", "-m", "grading", "verify"], cwd=course, capture_output=True, text=True, timeout=60
    )
    assert other.returncode == 2 and "not in this copy of the course" in other.stderr


def test_in_colab_the_notebook_comes_from_the_editor_and_the_zip_downloads(tmp_path, monkeypatch):
    # In Colab the chapter's file on disk is the course's unedited copy; the work is in the editor.
    (tmp_path / "mytorch").mkdir()
    (tmp_path / "mytorch" / "__init__.py").write_text("")
    (tmp_path / "chapters" / "backprop").mkdir(parents=True)
    (tmp_path / "chapters" / "backprop" / "backprop.ipynb").write_text('{"unedited": true}')
    edited = {"cells": [{"cell_type": "code", "source": "answer = 42"}], "nbformat": 4}
    downloads = []
    colab = types.ModuleType("google.colab")
    colab._message = types.SimpleNamespace(
        blocking_request=lambda kind, timeout_sec: {"ipynb": edited} if kind == "get_ipynb" else None
    )
    colab.files = types.SimpleNamespace(download=downloads.append)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    out = pack.hand_in("backprop", tmp_path / "chapters" / "backprop")
    assert downloads == [str(out)] and out == tmp_path / "handin" / "backprop-handin.zip"
    assert json.loads(zipfile.ZipFile(out).read("backprop.ipynb")) == edited
    colab._message = types.SimpleNamespace(blocking_request=lambda kind, timeout_sec: None)
    assert pack.hand_in("backprop", tmp_path / "chapters" / "backprop") is None  # says so, does not raise


def test_every_score_cell_names_checks_and_the_cells_points():
    for chapter in ("backprop", "optimization"):
        nb = json.loads((ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
        points = {
            c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
            for c in nb["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade")
        }
        cells = grader_cells(chapter)
        assert cells, chapter
        for grade_id, (prefixes, cell_points) in cells.items():
            assert cell_points == points[grade_id]
    assert set(grader_cells("optimization")) == set(points)  # every optimization cell is verified
    assert score_calls('score("a.b", "c", points=2)') == [(["a.b", "c"], 2.0)]


def test_sample_class_plants_every_mistake(tmp_path):
    ids = sample_class.generate(tmp_path / "class")
    assert len(ids) == len(sample_class.STUDENTS) >= 8
    correct = (tmp_path / "class" / "s01-correct" / "optimization" / "mytorch" / "optim" / "sgd.py").read_text()
    assert correct == (ROOT / "solutions" / "mytorch" / "optim" / "sgd.py").read_text()
    sgd = (tmp_path / "class" / "s03-momentum" / "optimization" / "mytorch" / "optim" / "sgd.py").read_text()
    assert sgd != correct
    adam = (tmp_path / "class" / "s02-partial" / "optimization" / "mytorch" / "optim" / "adam.py").read_text()
    assert adam.count('NotImplementedError("Chapter 5') == 2 and "BEGIN SOLUTION" not in adam
    with zipfile.ZipFile(tmp_path / "class" / "downloads" / "s10-colab_optimization.zip") as z:
        assert "optimization.ipynb" in z.namelist() and "mytorch/optim/rmsprop.py" in z.namelist()
    broken = sample_class.Student("x", "stale plant", edits=[("optim/sgd.py", "no such line", "")])
    with pytest.raises(sample_class.SampleError, match="no such line"):
        sample_class.student_library(broken)
