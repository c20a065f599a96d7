"""The drift check: the committed student edition must be what the generator makes now."""

import json

import pytest
from release_helpers import CHAPTER, ROOT, copy_of_released, released_course

from grading.edition import release as rel


def test_no_drift_right_after_release():
    course = released_course()
    # generation is deterministic: what release wrote is what a fresh generation of the
    # library gives (the notebooks' determinism is the second-release test's business)
    library = rel.generate_library(course)
    assert {p: d for p, d in rel.edition_on_disk(course).items() if p.startswith("mytorch/")} == library


def test_differences_names_missing_extra_and_changed_files():
    expected = {"mytorch/a.py": b"a", "mytorch/b.py": b"b", "chapters/c/c.ipynb": b"c"}
    actual = {"mytorch/a.py": b"a", "mytorch/b.py": b"B", "mytorch/z.py": b"z"}
    assert rel.differences(expected, actual) == [
        ("missing", "chapters/c/c.ipynb"),
        ("differs", "mytorch/b.py"),
        ("extra", "mytorch/z.py"),
    ]
    assert rel.differences(expected, dict(expected)) == []


@pytest.mark.slow(why="regenerates the throwaway course with nbgrader")
def test_driftcheck_names_every_edited_file_and_nothing_else(tmp_path, capsys):
    course = copy_of_released(tmp_path)
    # a hand edit of the library, of a notebook, a deleted and an added file
    with open(course / "mytorch" / "ops.py", "a") as f:
        f.write("# a hand edit\n")
    notebook = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    nb = json.loads(notebook.read_text())
    nb["cells"][1]["source"] = ["# Chapter edited in place\n"]
    notebook.write_text(json.dumps(nb, indent=1))
    (course / "mytorch" / "plain.py").unlink()
    (course / "chapters" / CHAPTER / "scratch.txt").write_text("mine\n")
    # caches are not part of the edition
    (course / "mytorch" / "__pycache__").mkdir(exist_ok=True)
    (course / "mytorch" / "__pycache__" / "ops.cpython-311.pyc").write_bytes(b"\x00")

    gradebook = (course / "grading" / "gradebook.db").read_bytes()
    assert rel.driftcheck(["--root", str(course)]) == 1
    assert (course / "grading" / "gradebook.db").read_bytes() == gradebook  # a scratch one was used
    report = capsys.readouterr().err.splitlines()
    assert report[0].startswith("driftcheck: the student edition is out of date")
    assert report[1:] == [
        f"  chapters/{CHAPTER}/{CHAPTER}.ipynb: differs from the generated file: cell 1 (id intro): source differs",
        f"  chapters/{CHAPTER}/scratch.txt: no longer generated",
        "  mytorch/ops.py: differs from the generated file: 26 lines, the generated file 25",
        "  mytorch/plain.py: not in the repository",
    ]


def test_committed_library_matches_the_reference():
    """mytorch/ in the repository is the current generation of solutions/mytorch/ (fast: no
    notebooks). Run `make release` after changing solutions/."""
    library = rel.generate_library(ROOT)
    committed = {p: d for p, d in rel.edition_on_disk(ROOT).items() if p.startswith("mytorch/")}
    assert [f"{kind} {path}" for kind, path in rel.differences(library, committed)] == []


@pytest.mark.slow(why="the whole drift check, notebooks included (runs nbgrader)")
def test_committed_edition_matches_the_sources(capsys):
    """The whole drift check on the repository, notebooks included (runs nbgrader)."""
    status = rel.driftcheck([])
    assert status == 0, capsys.readouterr().err


def test_drift_explains_which_cell_or_line_changed_and_why():
    cell = {
        "cell_type": "code",
        "id": "abc",
        "metadata": {"nbgrader": {"grade_id": "optimization_sgd"}},
        "source": "score()",
        "outputs": [],
        "execution_count": None,
    }
    generated = {
        "cells": [{"cell_type": "markdown", "id": "h", "metadata": {}, "source": "x"}, cell],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    edited = json.loads(json.dumps(generated))
    edited["cells"][1]["source"] = "score(points=9)"
    dump = lambda nb: json.dumps(nb, indent=1).encode()  # noqa: E731
    assert rel.explain("c.ipynb", dump(generated), dump(edited)) == [
        "cell 1 (grade_id optimization_sgd): source differs"
    ]
    edited = json.loads(json.dumps(generated))
    edited["cells"][0]["id"] = "random-1234"
    assert rel.explain("c.ipynb", dump(generated), dump(edited))[0].startswith(
        "cell 0 (id h): id differs (committed 'random-1234', generated 'h'"
    )
    edited["cells"].append(dict(cell, id="new"))
    assert rel.explain("c.ipynb", dump(generated), dump(edited))[0] == "3 cells, the generated notebook 2"
    assert rel.explain("c.ipynb", dump(generated), json.dumps(generated).encode()) == [
        "same cells, different formatting (written by another tool?)"
    ]
    assert rel.explain("m.py", b"a\nb\nc\n", b"a\nB\nc\n") == ["line 2 differs"]


def test_cells_without_an_id_get_the_same_id_at_every_release(tmp_path):
    """A cell written without an id (a script, an older notebook) would get a random one from
    nbformat at every read; the release gives it its grade_id or a hash of its content."""
    source = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# New exercise"},
            {
                "cell_type": "code",
                "metadata": {"nbgrader": {"grade_id": "new_test", "grade": True}},
                "source": "score()",
                "outputs": [],
                "execution_count": None,
            },
            {"cell_type": "markdown", "metadata": {}, "source": "# New exercise"},
            {
                "cell_type": "code",
                "id": "kept",
                "metadata": {},
                "source": "x = 1",
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    ids = []
    for attempt in range(2):
        path = tmp_path / f"n{attempt}.ipynb"
        path.write_text(json.dumps(source))
        assert rel.stable_ids(path)
        nb = json.loads(path.read_text())
        ids.append([c["id"] for c in nb["cells"]])
        assert nb["nbformat_minor"] == 5
    assert ids[0] == ids[1]
    assert ids[0][1:] == ["new_test", ids[0][2], "kept"] and ids[0][0].startswith("cell-")
    assert ids[0][2] == f"{ids[0][0]}-2"  # the same content twice: the position tells them apart
    assert not rel.stable_ids(path)  # every cell has an id: the file is left as it is


@pytest.mark.slow(why="two releases of the throwaway course with nbgrader")
def test_a_new_cell_without_an_id_releases_without_drift(tmp_path, capsys):
    course = copy_of_released(tmp_path)
    source = course / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"
    nb = json.loads(source.read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "## 4.3 A new exercise"})
    source.write_text(json.dumps(nb, indent=1))
    rel.release(course, bundle=False, gradebook=False)
    first = (course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb").read_bytes()
    assert rel.driftcheck(["--root", str(course)]) == 0, capsys.readouterr().err
    assert b'"id": "cell-' in first
    assert "id" not in json.loads(source.read_text())["cells"][-1]  # the source is not rewritten
