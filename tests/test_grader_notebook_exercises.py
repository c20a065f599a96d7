"""The inline notebook exercises of chapters 1 to 4, graded by `python -m grading check` from
the submitted notebook: the reference notebooks earn every point, the student editions none,
and a looping cell is stopped. (Their typical mistakes: test_grader_typical_mistakes.py.)

A submission here is a temp folder with a copy of the reference mytorch (so only the notebook
differs) and `<chapter>.ipynb`. Each grading run starts one sandboxed process that executes
the notebooks once, so the tests group their cases: one run per submission.
"""

import json
import sys

import pytest
from grader_helpers import ROOT, make_submission

from grading.grader import check, runner
from grading.grader.checks import all_checks
from grading.grader.sandbox import Limits

pytestmark = [
    pytest.mark.slow(why="executes every chapter's notebook exercises in the sandbox, reference and stubs"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux"),
]

# The points of each chapter's notebook exercises: those of their test cells in the source notebook.
POINTS = {
    "universal_approximation": 3 + 3 + 2 + 2 + 2,
    "perceptron_learning": 4 + 3 + 3,
    "matrix_calculus": 2 + 3 + 3,
    "backprop": 3,
}


def notebook_checks(chapter=None):
    return [c for name in ([chapter] if chapter else POINTS) for c in all_checks(name) if c.target != "mytorch"]


def solution_text(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def write_notebook(folder, chapter, edits=(), source=None):
    """The source notebook of `chapter` (or `source`) as folder/<chapter>.ipynb, with edits
    [(old, new)] applied to its solution cells (each `old` in exactly one of them, once)."""
    notebook = json.loads((source or ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    solutions = [c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    for old, new in edits:
        hits = [c for c in solutions if old in solution_text(c)]
        assert len(hits) == 1 and solution_text(hits[0]).count(old) == 1, f"{old!r} should occur once"
        hits[0]["source"] = solution_text(hits[0]).replace(old, new)
    (folder / f"{chapter}.ipynb").write_text(json.dumps(notebook))


def graded(tmp_path, chapters, edits=None, source=None, **kwargs):
    """Rows by id of the notebook checks of `chapters`, on one submission holding their notebooks."""
    submission = make_submission(tmp_path / "submission")
    checks = []
    for chapter in chapters:
        write_notebook(submission, chapter, (edits or {}).get(chapter, ()), source and source(chapter))
        checks += notebook_checks(chapter)
    return {row["id"]: row for row in check.grade(submission, checks=checks, **kwargs)["checks"]}


def test_every_notebook_exercise_has_checks_worth_its_test_cells():
    for chapter, points in POINTS.items():
        assert sum(c.points for c in notebook_checks(chapter)) == pytest.approx(points), chapter


def test_the_reference_notebooks_score_full_marks(tmp_path):
    rows = graded(tmp_path, list(POINTS))
    for row in rows.values():
        assert row["passed"] and row["points"] == row["max_points"], row
    for chapter, points in POINTS.items():
        assert sum(r["points"] for r in rows.values() if r["chapter"] == chapter) == pytest.approx(points)


def test_the_student_editions_score_zero_and_say_not_implemented(tmp_path):
    rows = graded(tmp_path, list(POINTS), source=lambda chapter: ROOT / "chapters" / chapter / f"{chapter}.ipynb")
    assert rows and set(rows) == {c.id for c in notebook_checks()}
    for row in rows.values():
        assert row["points"] == 0 and "not implemented yet" in row["message"], row


def test_a_notebook_cell_that_loops_forever_is_stopped(tmp_path):
    """The runner stops the cell after CELL_SECONDS and runs the rest: only its exercise is lost."""
    notebook = json.loads((ROOT / "solutions" / "perceptron_learning" / "perceptron_learning.ipynb").read_text())
    for cell in notebook["cells"]:  # the loop runs when the cell runs, before perceptron is defined
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "pl_perceptron_solution":
            cell["source"] = "while True:\n    pass\n" + solution_text(cell)
    looping = tmp_path / "looping.ipynb"
    looping.write_text(json.dumps(notebook))
    rows = graded(tmp_path, ["perceptron_learning"], source=lambda chapter: looping)
    for check_id, row in rows.items():
        if ".perceptron." in check_id:
            assert row["points"] == 0 and "does not define 'perceptron'" in row["message"], row
            assert f"was stopped after {runner.CELL_SECONDS} s (an infinite loop?)" in row["message"], row
        else:
            assert row["passed"], row


def test_a_submission_that_loops_in_a_case_is_stopped_at_its_time_limit(tmp_path):
    rows = graded(
        tmp_path,
        ["perceptron_learning"],
        {
            "perceptron_learning": [
                (
                    "for epoch in range(max_epochs):",
                    "for epoch in range(max_epochs):\n        while True:\n            pass",
                )
            ]
        },
        limits=Limits(wall_s=6),
        only=["perceptron_learning.perceptron"],
    )
    assert all(row["points"] == 0 for row in rows.values())
    assert "time limit (6 s)" in rows["perceptron_learning.perceptron.separable"]["message"], rows
