"""`python -m grading pack`: the Colab hand-in zip, and the sample class built from the reference."""
import json
import shutil
import subprocess
import sys
import types
import zipfile

import nbformat
import pytest

from grading import pack, sample_class
from grading.release import HANDIN_TOOL, ROOT, bundle_files, edition_on_disk
from grading.verify import grader_cells, score_calls


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


def test_pack_says_what_is_missing(tmp_path, capsys):
    (tmp_path / "backprop.ipynb").write_text("{}")
    assert pack.main(["backprop", "--from", str(tmp_path)]) == 1
    assert "no mytorch/" in capsys.readouterr().err


# What the setup cell does before any other cell: put the course folder (the one holding
# mytorch/) first on sys.path. The hand-in cell's own code follows it verbatim.
SETUP = """import sys
from pathlib import Path
CHAPTER = {chapter!r}
here = Path.cwd().resolve()
course_root = next(p for p in [here, *here.parents] if (p / "mytorch" / "__init__.py").exists())
sys.path.insert(0, str(course_root))
"""


def hand_in_cell(chapter):
    nb = nbformat.read(ROOT / "chapters" / chapter / f"{chapter}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.get("id") == "hand-in"]
    assert nb.cells[-1] is cell and "nbgrader" not in cell.metadata
    return cell.source


def unpacked_bundle(folder):
    """The student bundle as `python -m grading release` zips it, unpacked (no grading/ but the
    hand-in packer)."""
    for path, data in bundle_files(ROOT, edition_on_disk(ROOT)).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return folder


# "bundle": the student bundle, run without site-packages (-S) so nothing but the bundle's own
# grading/pack.py can answer; "installed": no grading/ in the course folder, the course package
# installed (Colab's pip install, or a clone's make lab).
@pytest.mark.parametrize("layout", ["bundle", "installed"])
def test_the_last_cell_of_a_chapter_hands_it_in(tmp_path, layout):
    chapter = "backprop"
    course = tmp_path / "course"
    if layout == "bundle":
        unpacked_bundle(course)
        flags = ["-S", "-E"]
    else:
        shutil.copytree(ROOT / "mytorch", course / "mytorch")
        shutil.copytree(ROOT / "chapters" / chapter, course / "chapters" / chapter)
        flags = []
    (course / "mytorch" / "nn" / "linear.py").write_text((course / "mytorch" / "nn" / "linear.py").read_text()
                                                         + "# my work\n")
    code = SETUP.format(chapter=chapter) + hand_in_cell(chapter) + "\nimport grading; print(grading.__file__)"
    run = subprocess.run([sys.executable, *flags, "-c", code], cwd=course / "chapters" / chapter,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    out = course / "handin" / f"{chapter}-handin.zip"
    assert f"wrote {out}" in run.stdout
    assert (run.stdout.strip().splitlines()[-1].startswith(str(course)) == (layout == "bundle"))
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert z.read(f"{chapter}.ipynb") == (course / "chapters" / chapter / f"{chapter}.ipynb").read_bytes()
        assert z.read("mytorch/nn/linear.py").endswith(b"# my work\n")
    library = {f"mytorch/{p.relative_to(course / 'mytorch').as_posix()}" for p in (course / "mytorch").rglob("*.py")}
    assert names == {f"{chapter}.ipynb", *library} and "mytorch/optim/adam.py" in names
    assert not (course / "chapters" / chapter / f"{chapter}-handin.zip").exists()


def test_the_bundle_runs_python_m_grading_pack_and_nothing_else(tmp_path):
    course = unpacked_bundle(tmp_path / "dlcourse-student")
    assert sorted(str(p.relative_to(course)) for p in (course / "grading").iterdir()) == sorted(HANDIN_TOOL)
    packed = subprocess.run([sys.executable, "-S", "-E", "-m", "grading", "pack", "optimization"], cwd=course,
                            capture_output=True, text=True, timeout=60)
    assert packed.returncode == 0, packed.stderr
    assert "optimization.ipynb" in zipfile.ZipFile(course / "handin" / "optimization-handin.zip").namelist()
    other = subprocess.run([sys.executable, "-S", "-E", "-m", "grading", "verify"], cwd=course,
                           capture_output=True, text=True, timeout=60)
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
    colab._message = types.SimpleNamespace(blocking_request=lambda kind, timeout_sec: {"ipynb": edited}
                                           if kind == "get_ipynb" else None)
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
        points = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
                  for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")}
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
    assert adam.count("NotImplementedError(\"Chapter 5") == 2 and "BEGIN SOLUTION" not in adam
    with zipfile.ZipFile(tmp_path / "class" / "downloads" / "s10-colab_optimization.zip") as z:
        assert "optimization.ipynb" in z.namelist() and "mytorch/optim/rmsprop.py" in z.namelist()
    broken = sample_class.Student("x", "stale plant", edits=[("optim/sgd.py", "no such line", "")])
    with pytest.raises(sample_class.SampleError, match="no such line"):
        sample_class.student_library(broken)
