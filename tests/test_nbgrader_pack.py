"""`python -m grading pack`: the Colab hand-in zip, and the sample class built from the reference."""
import json
import zipfile

import pytest

from grading import pack, sample_class
from grading.release import ROOT
from grading.verify import grader_cells, score_calls


def test_pack_zips_the_notebook_and_the_library_only(tmp_path):
    (tmp_path / "mytorch" / "nn" / "__pycache__").mkdir(parents=True)
    (tmp_path / "mytorch" / "__init__.py").write_text("")
    (tmp_path / "mytorch" / "nn" / "linear.py").write_text("W = 1\n")
    (tmp_path / "mytorch" / "nn" / "__pycache__" / "linear.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "mytorch" / "weights.npy").write_bytes(b"\0" * 10)
    (tmp_path / "backprop.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("private")
    assert pack.main(["backprop", "--from", str(tmp_path)]) == 0
    out = tmp_path / "backprop-handin.zip"
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
