"""Chapter 6 (torch_pipeline)'s notebook exercises 6.1-6.4, graded by `python -m grading check`
from the submitted notebook: the reference notebook earns every point, the student edition
none. (Its typical mistakes, each costing only its own checks: test_grader_typical_mistakes.py.)

A submission is a temp folder holding a copy of the reference mytorch, the notebook and the
helper modules it imports (utterances.py, broken_pipeline.py). Each grading run executes the
notebook once in one sandboxed process: one run per test.
"""

import json
import shutil
import sys

import pytest
from grader_helpers import ROOT, make_submission
from test_grader_notebook_exercises import write_notebook

from grading.grader import check
from grading.grader.checks import all_checks

pytestmark = [
    pytest.mark.slow(why="trains torch models in the sandbox for chapter 6's judged checks"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux"),
]

CHAPTER = "torch_pipeline"
SOURCE = ROOT / "solutions" / CHAPTER


def cell_points():
    """{exercise: points} of the notebook's test cells (grade ids torch_pipeline_<exercise>)."""
    cells = json.loads((SOURCE / f"{CHAPTER}.ipynb").read_text())["cells"]
    marks = [c["metadata"]["nbgrader"] for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("points")]
    return {m["grade_id"].removeprefix(CHAPTER + "_"): m["points"] for m in marks}


def graded(tmp_path, edits=(), notebook=None):
    """Rows by id of chapter 6's checks on a submission of the reference notebook (or `notebook`)
    with edits [(old, new)] applied to its solution cells (each `old` in exactly one, once)."""
    submission = make_submission(tmp_path / "submission")
    for helper in ("utterances.py", "broken_pipeline.py"):
        shutil.copy(SOURCE / helper, submission / helper)
    write_notebook(submission, CHAPTER, edits, notebook)
    return {row["id"]: row for row in check.grade(submission, CHAPTER)["checks"]}


def test_the_checks_are_worth_the_test_cells_points():
    checks = all_checks(CHAPTER)
    points_of = cell_points()
    assert set(points_of) == {c.id.split(".")[1] for c in checks} and sum(points_of.values()) == 11
    assert all(c.target == f"{CHAPTER}.ipynb" for c in checks)
    for exercise, points in points_of.items():
        assert sum(c.points for c in checks if c.id.split(".")[1] == exercise) == pytest.approx(points), exercise


def test_the_reference_notebook_scores_full_marks(tmp_path):
    rows = graded(tmp_path)
    assert set(rows) == {c.id for c in all_checks(CHAPTER)}
    for row in rows.values():
        assert row["passed"] and row["points"] == row["max_points"], row
    assert sum(row["points"] for row in rows.values()) == pytest.approx(sum(cell_points().values()))


def test_the_student_edition_scores_zero_and_says_not_implemented(tmp_path):
    rows = graded(tmp_path, notebook=ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb")
    for row in rows.values():
        assert row["points"] == 0 and "not implemented yet" in row["message"], row
