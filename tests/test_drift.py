"""The drift check: the committed student edition must be what the generator makes now."""
import json

import pytest
from release_helpers import CHAPTER, ROOT, copy_of_released, released_course

from grading import release as rel


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
        ("missing", "chapters/c/c.ipynb"), ("differs", "mytorch/b.py"), ("extra", "mytorch/z.py")]
    assert rel.differences(expected, dict(expected)) == []


@pytest.mark.slow  # regenerates the throwaway course with nbgrader
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
        f"  chapters/{CHAPTER}/{CHAPTER}.ipynb: differs from the generated file",
        f"  chapters/{CHAPTER}/scratch.txt: no longer generated",
        "  mytorch/ops.py: differs from the generated file",
        "  mytorch/plain.py: not in the repository",
    ]


def test_committed_library_matches_the_reference():
    """mytorch/ in the repository is the current generation of solutions/mytorch/ (fast: no
    notebooks). Run `make release` after changing solutions/."""
    library = rel.generate_library(ROOT)
    committed = {p: d for p, d in rel.edition_on_disk(ROOT).items() if p.startswith("mytorch/")}
    assert [f"{kind} {path}" for kind, path in rel.differences(library, committed)] == []


@pytest.mark.slow
def test_committed_edition_matches_the_sources(capsys):
    """The whole drift check on the repository, notebooks included (runs nbgrader)."""
    status = rel.driftcheck([])
    assert status == 0, capsys.readouterr().err
