"""Notebook exercises: the student's cells run in the sandbox and the named results are graded."""

import json
import sys

import pytest
from grader_helpers import make_submission

from grading.grader import check, notebook
from grading.grader.checks import Check

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")

CASES = """
def xor_table(ns, case, t):
    np = t.np
    x = np.array(case["x"], dtype=float)
    t.out("y", ns["xor_net"](x))
    t.out("hidden", ns["HIDDEN_UNITS"])
"""
SETUP = "import numpy as np\n%matplotlib inline\n!echo shell lines are dropped"
REFERENCE = (
    "def xor_net(x):\n    h = (x @ np.array([[1., 1.], [1., 1.]]) - np.array([0.5, 1.5]) > 0)\n"
    "    return (h @ np.array([1., -2.]) > 0.5).astype(float)\nHIDDEN_UNITS = 2"
)


def write_notebook(path, solution, setup=SETUP):
    def cell(source, **nbgrader):
        meta = {"nbgrader": dict(nbgrader, grade_id=f"c{len(cells)}")} if nbgrader else {}
        return {"cell_type": "code", "metadata": meta, "source": source, "outputs": [], "execution_count": None}

    cells = []
    cells.append(cell(setup))
    cells.append({"cell_type": "markdown", "metadata": {}, "source": "Build XOR from threshold units."})
    cells.append(cell(solution, solution=True, grade=False))
    cells.append(
        cell("raise SystemExit('a test cell must never run in the grader')", grade=True, solution=False, points=1)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


@pytest.fixture
def xor_check(tmp_path):
    cases_file = tmp_path / "cases.py"
    cases_file.write_text(CASES)
    reference = tmp_path / "reference"
    write_notebook(reference / "universal_approximation" / "universal_approximation.ipynb", REFERENCE)
    (reference / "mytorch").mkdir()
    grid = [[a, b] for a in (0, 1) for b in (0, 1)]
    return [
        Check(
            "universal_approximation.xor_net",
            "1.1 XOR network",
            2,
            "xor_table",
            [dict(x=grid, label="the 4 inputs")],
            compare=("y", "hidden"),
            target="universal_approximation.ipynb",
            cases_file=cases_file,
        )
    ], reference


def graded(tmp_path, xor_check, solution, **kwargs):
    checks, reference = xor_check
    student = make_submission(tmp_path / "student")
    write_notebook(student / "chapters" / "universal_approximation" / "universal_approximation.ipynb", solution)
    return check.grade(student, checks=checks, reference_dir=reference, **kwargs)["checks"][0]


def test_a_right_notebook_answer_scores_full_marks(tmp_path, xor_check):
    row = graded(tmp_path, xor_check, REFERENCE)
    assert row["passed"] and row["points"] == 2, row


def test_a_wrong_notebook_answer_is_diagnosed(tmp_path, xor_check):
    row = graded(tmp_path, xor_check, REFERENCE.replace("> 0.5", "< 0.5"))
    assert not row["passed"] and 0 < row["points"] < 2
    assert "y is wrong" in row["message"] and "4 of 4 elements differ" in row["message"]


def test_a_missing_name_and_a_failing_cell_are_named(tmp_path, xor_check):
    row = graded(tmp_path, xor_check, "HIDDEN_UNITS = 2\nraise ValueError('unfinished')")
    assert row["points"] == 0
    assert "does not define 'xor_net'" in row["message"] and "unfinished" in row["message"]


def test_a_looping_cell_is_stopped(tmp_path, xor_check):
    from grading.grader.sandbox import Limits

    row = graded(tmp_path, xor_check, "while True:\n    pass", limits=Limits(wall_s=3))
    assert row["points"] == 0 and "time limit" in row["message"]


def test_the_test_cell_api_raises_with_the_diagnosis(tmp_path, capsys, monkeypatch):
    student = make_submission(
        tmp_path, edits=[("nn/linear.py", "self.dLdW = dLdZ.T @ self.A", "self.dLdW = self.A.T @ dLdZ")]
    )
    (student / "chapters" / "backprop").mkdir(parents=True)
    monkeypatch.chdir(student / "chapters" / "backprop")
    assert notebook.find_submission() == student.resolve()
    with pytest.raises(AssertionError, match="transposed gradient"):
        notebook.check("backprop.linear")
    out, err = capsys.readouterr()
    assert "backprop.linear.backward.dLdW" in out and err == ""
    assert notebook.check("backprop.linear.forward")["score"] == 2


def test_test_cells_of_one_kernel_share_one_grading_run_until_a_file_changes(tmp_path, monkeypatch):
    student = make_submission(tmp_path)
    runs = []
    real_grade = notebook.grade

    def counting_grade(root, **kwargs):
        runs.append(kwargs["only"])
        return real_grade(root, **kwargs)

    monkeypatch.setattr(notebook, "grade", counting_grade)
    monkeypatch.setattr(notebook, "_chapter_reports", {})
    assert notebook.score("backprop.linear", submission=student, points=3) == 3.0
    assert notebook.score("backprop.relu", "backprop.leaky_relu", submission=student, points=2) == 2.0
    assert runs == [["backprop"]], "the second test cell should reuse the chapter's run"
    # the student fixes nothing but breaks ReLU's backward: the next cell grades again and sees it
    relu = student / "mytorch" / "nn" / "activations.py"
    relu.write_text(relu.read_text().replace("return dLdA * (self.Z > 0)", "return dLdA"))
    assert notebook.score("backprop.relu", submission=student, points=2) < 2.0
    assert notebook.score("backprop.linear", submission=student, points=3) == 3.0
    assert runs == [["backprop"], ["backprop"]]
    # prefixes of two chapters are graded as asked, in their own run
    notebook.score("backprop.linear", "optimization.sgd", submission=student, points=1)
    assert runs[-1] == ["backprop.linear", "optimization.sgd"]
