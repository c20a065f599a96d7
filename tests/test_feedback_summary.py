"""Feedback never misleads (issue 15, item 5): the summary's helpers, and one syntax error in one
library file costs only the exercises of that file. The feedback of a graded class (the summary,
a library not handed in, scores changed after autograding, no host path, no zip) is tested on the
demo's class: tests/test_nbgrader_demo.py."""

import sys
from pathlib import Path

import pytest
from grader_helpers import make_submission, run_check

from grading.nbgrader_glue.feedback import exercise_name, first_problem, next_step, scrub_paths

ROOT = Path(__file__).resolve().parents[1]
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")
CHAPTER = "optimization"


def test_summary_helpers():
    assert exercise_name(["SGD (plain)", "SGD (momentum)"]) == "SGD"
    assert exercise_name(["Linear.forward", "Linear.backward agrees with finite differences"]) == "Linear"
    assert exercise_name(["train_digits: 95% held out"]) == "train_digits"
    step = next_step(
        "W was not produced: mytorch could not import mytorch/optim/rprop.py: SyntaxError: "
        "invalid syntax (line 3); b was not produced",
        "5.6",
    )
    assert step.startswith("Fix the SyntaxError in mytorch/optim/rprop.py (line 3)")
    assert (
        first_problem(
            "5.6 Rprop (plain): case 1 of 1 (lr=0.01): W was not produced: no (line 3); "
            "b was not produced: no (line 3)",
            "5.6 Rprop (plain)",
        )
        == "case 1 of 1 (lr=0.01): W, b were not produced: no (line 3)"
    )
    assert "stub of exercise 5.4" in next_step("not implemented yet: Chapter 5 ...", "5.4")
    host = [("/srv/course/grading/demo/autograded/s1/optimization", ""), ("/srv/course", "<course>")]
    assert (
        scrub_paths("mytorch from /srv/course/grading/demo/autograded/s1/optimization/mytorch", host)
        == "mytorch from mytorch"
    )
    assert scrub_paths("at /x/y/autograded/s2/optimization/mytorch/a.py", []) == "at mytorch/a.py"


@linux
def test_a_syntax_error_costs_only_the_exercises_of_its_file(tmp_path):
    submission = make_submission(
        tmp_path / "s", edits=[("optim/rprop.py", "import numpy as np", "import numpy as np\ndef broken(:\n")]
    )
    code, report, _, err = run_check(
        submission, "--chapter", CHAPTER, "--only", "optimization.sgd,optimization.rprop,optimization.cosine_annealing"
    )
    assert code == 0, err
    rows = {r["id"]: r for r in report["checks"]}
    assert all(r["passed"] for i, r in rows.items() if not i.startswith("optimization.rprop")), rows
    for i in ("optimization.rprop.plain", "optimization.rprop.limits"):
        assert rows[i]["points"] == 0
        assert "could not import mytorch/optim/rprop.py: SyntaxError: invalid syntax (line 3)" in rows[i]["message"]
