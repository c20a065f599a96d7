"""The inline notebook exercises of chapters 1 to 4, graded by `python -m grading check` from
the submitted notebook: the reference notebooks earn every point, the student editions none,
planted typical mistakes are caught and named, and a looping cell is stopped.

A submission here is a temp folder with a copy of the reference mytorch (so only the notebook
differs) and `<chapter>.ipynb`. Each grading run starts one sandboxed process that executes
the notebooks once, so the tests group their cases: one run per submission.
"""
import json
import sys

import pytest

from grader_helpers import ROOT, make_submission
from grading import check, diagnosis, runner
from grading.checks import all_checks
from grading.sandbox import Limits

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")]

# The points of each chapter's notebook exercises: those of their test cells in the source notebook.
POINTS = {"universal_approximation": 3 + 3 + 2, "perceptron_learning": 4 + 3 + 3,
          "matrix_calculus": 2 + 3 + 3, "backprop": 3}


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


# (chapter, solution text, planted text, the check that must fail, the catalogue cause it must name or,
# where the diagnosis is specific to the exercise, a phrase of it)
MISTAKES = {
    "A": [
        ("universal_approximation", "W1 = (2.0 * true_rows - 1.0).reshape(-1, n)",
         "W1 = true_rows.astype(float).reshape(-1, n)", "universal_approximation.truth_table",
         "truth_table_false_alarms"),
        ("universal_approximation", "edges[0], edges[-1] = -1.0, 2.0", "pass", "universal_approximation.bump",
         "bump_half_ends"),
        ("universal_approximation", "return (features(X_new) @ weights > 0).astype(int)",
         "return (features(X_new) @ weights < 0).astype(int)", "universal_approximation.rbf_classifier",
         "are the labels swapped?"),
        ("perceptron_learning", "b = b + y_n", "b = b", "perceptron_learning.perceptron.separable",
         "perceptron_no_bias"),
        ("perceptron_learning", "loss = np.mean(np.logaddexp(0.0, z) - y * z)",
         "p = sigmoid(z)\n    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
         "perceptron_learning.logistic_gradient.stable", "unstable_logistic"),
        ("perceptron_learning", "w = w - lr * dw", "w = w + lr * dw", "perceptron_learning.logistic_training",
         "gradient_ascent"),
        ("matrix_calculus", "    return J\n", "    return J.T\n", "matrix_calculus.numerical_jacobian.values",
         "jacobian_layout"),
        ("matrix_calculus", "dLdW = dLdZ.T @ A", "dLdW = A.T @ dLdZ", "matrix_calculus.linear_backward.dLdW",
         "transposed"),
        ("matrix_calculus", "if claim.shape == numeric.shape and np.allclose(claim, numeric, rtol=1e-4, atol=1e-6):",
         "if claim.shape == numeric.shape:", "matrix_calculus.spot_transposed", "shape_only_diagnosis"),
        ("backprop", "lr0, batch_size, epochs = 0.2, 32, 40", "lr0, batch_size, epochs = 0.0005, 32, 40",
         "backprop.train_digits", "needs 0.95. Typical causes: a learning rate too small"),
    ],
    "B": [
        ("perceptron_learning", "if y_n * (x_n @ w + b) <= 0:", "if y_n * (x_n @ w + b) < 0:",
         "perceptron_learning.perceptron.separable", "perceptron_strict"),
        ("perceptron_learning", "error = (sigmoid(z) - y) / len(y)", "error = (z - y) / len(y)",
         "perceptron_learning.logistic_gradient.gradient", "logistic_no_sigmoid"),
        ("matrix_calculus", "flat[j] = original - eps", "flat[j] = original",
         "matrix_calculus.numerical_jacobian.central", "forward_differences"),
        ("matrix_calculus", "J[:, j] = (plus - minus) / (2 * eps)", "J[:, j] = (plus - minus) / eps",
         "matrix_calculus.numerical_jacobian.central", "forward_differences"),
    ],
    "C": [  # a perceptron that ignores max_epochs never ends on XOR: the case program stops it
        ("perceptron_learning", "for epoch in range(max_epochs):", "while True:",
         "perceptron_learning.perceptron.xor", "was still running after 3 s"),
    ],
}
# Checks of other exercises that fail with a planted mistake: 2.3 trains with 2.2's gradient.
COLLATERAL = {"B": ["perceptron_learning.logistic_training"]}


def exercise(check_id):
    """The exercise part of a check id: "perceptron_learning.perceptron.xor" -> "perceptron_learning.perceptron"."""
    return ".".join(check_id.split(".")[:2])


@pytest.mark.parametrize("variant", sorted(MISTAKES))
def test_planted_mistakes_are_caught_and_named(tmp_path, variant):
    mistakes = MISTAKES[variant]
    edits = {}
    for chapter, old, new, _, _ in mistakes:
        edits.setdefault(chapter, []).append((old, new))
    rows = graded(tmp_path, sorted(edits), edits)
    for _, _, _, check_id, cause in mistakes:
        row = rows[check_id]
        assert not row["passed"] and row["points"] < row["max_points"], row
        expected = f"Likely cause: {diagnosis.CAUSES[cause][0]}" if cause in diagnosis.CAUSES else cause
        assert expected in row["message"], (check_id, row["message"])
    planted = {exercise(m[3]) for m in mistakes} | set(COLLATERAL.get(variant, ()))
    for check_id, row in rows.items():  # no false alarm on the exercises left right
        if exercise(check_id) not in planted:
            assert row["passed"], row


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
    rows = graded(tmp_path, ["perceptron_learning"], {"perceptron_learning": [
        ("for epoch in range(max_epochs):", "for epoch in range(max_epochs):\n        while True:\n            pass")]},
        limits=Limits(wall_s=6), only=["perceptron_learning.perceptron"])
    assert all(row["points"] == 0 for row in rows.values())
    assert "time limit (6 s)" in rows["perceptron_learning.perceptron.separable"]["message"], rows
