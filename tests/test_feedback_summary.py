"""Feedback never misleads (issue 15, item 5): a small course of three students goes through
collect -> autograde -> verify -> generate_feedback, and each feedback file opens with the summary
(every exercise by number and name, points, mistake, next step), names a library that was not
handed in and every score changed after autograding, shows no host path and comes with no zip.
One syntax error in one library file costs only the exercises of that file.
"""

import re
import shutil
import sys
from pathlib import Path

import pytest
from grader_helpers import make_submission, run_check

from grading import demo, sample_class
from grading.autograde import autograde_parallel, course_config, nbgrader
from grading.feedback import exercise_name, first_problem, next_step, scrub_paths
from grading.verify import verify

ROOT = Path(__file__).resolve().parents[1]
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")
CHAPTER = "optimization"


def exercises(chapter):
    """{name: "number name"} of the chapter's exercises as the summary names them ("SGD": "5.2 SGD"):
    from the grader's checks, so renumbering the chapter does not break this test."""
    from grading.checks import all_checks
    from grading.feedback import exercise_key

    names = {}
    for check in all_checks(chapter):
        number, name = exercise_key(check.exercise)
        names.setdefault(number, []).append(name)
    return {exercise_name(n): f"{number} {exercise_name(n)}" for number, n in names.items()}


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


def html_text(path, summary=False):
    """The feedback's text (only its summary: from its title to the end of its table), tags removed."""
    text = path.read_text()
    if summary:
        start = text.index("Your feedback")
        text = text[start : text.index("</table>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


@pytest.mark.slow
@linux
def test_feedback_opens_with_a_summary_that_does_not_mislead(tmp_path):
    """Three students (~3 minutes on 2 cores): a syntax error in rprop.py, an exchange hand-in
    (its zip), and one whose mytorch/ never came (then a file changed after collect, and a score
    set by hand after verify)."""
    course = course_config(tmp_path / "course")
    klass = tmp_path / "class"
    students = [s for s in sample_class.STUDENTS if s.id in ("s06-syntax-error", "s11-exchange", "s03-momentum")]
    sample_class.generate(klass, CHAPTER, students)
    shutil.rmtree(klass / "s03-momentum" / CHAPTER / "mytorch")  # never handed in its library
    demo.release(course, CHAPTER)
    demo.collect(course, CHAPTER, klass)
    assert autograde_parallel(course, CHAPTER, jobs=2, progress=False) == {}
    # after collect: s11's file changes (verify grades the collected copy and says so)
    changed = course / "submitted" / "s11-exchange" / CHAPTER / "extra.txt"
    changed.write_text("late\n")
    verify(course, CHAPTER, progress=False)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # the instructor grades one cell by hand
        gb.find_grade("optimization_sgd", CHAPTER, CHAPTER, "s11-exchange").manual_score = 1.5
        gb.db.commit()
    nbgrader(course, "generate_feedback", CHAPTER, "--force")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # demo.collect imported the roster
        assert {s.id: f"{s.last_name}, {s.first_name}" for s in gb.students} == {
            "s03-momentum": "Sample 03, Momentum",
            "s06-syntax-error": "Sample 06, Syntax error",
            "s11-exchange": "Sample 11, Exchange",
        }

    feedback = {s.id: course / "feedback" / s.id / CHAPTER for s in students}
    titles = exercises(CHAPTER)
    sgd, rprop = titles["SGD"], titles["Rprop"]
    for student, folder in feedback.items():
        text = html_text(folder / f"{CHAPTER}.html")
        table = html_text(folder / f"{CHAPTER}.html", summary=True)
        for title in titles.values():
            assert f" {title} " in table, (student, title)
        assert str(tmp_path) not in text and str(ROOT) not in text and "/autograded/" not in text, student
        assert "/home/student" not in text
        assert "ModuleNotFoundError" not in text, student  # the Hand in cell in the grader's kernel
        assert not list(folder.rglob("*.zip")), student

    page = (feedback["s06-syntax-error"] / f"{CHAPTER}.html").read_text()
    assert f'">exercise {sgd}</a>' in page  # the page's index names cells by their exercises
    summary = html_text(feedback["s06-syntax-error"] / f"{CHAPTER}.html", summary=True)
    assert re.search(rf"{re.escape(sgd)} 3\.00 / 3 all checks passed", summary), summary
    assert re.search(rf"{re.escape(rprop)} 0\.00 / \d+ .*?mytorch/optim/rprop\.py", summary), summary
    assert "Fix the SyntaxError in mytorch/optim/rprop.py (line 3)" in summary
    nothing = html_text(feedback["s03-momentum"] / f"{CHAPTER}.html")
    assert "no mytorch handed in" in nothing and "Hand in your mytorch/" in nothing
    assert "Hand in your mytorch/ (the Hand in cell): this was graded against the course's stubs" in nothing
    exchange = html_text(feedback["s11-exchange"] / f"{CHAPTER}.html")
    assert "your instructor graded it by hand: 1.5 /" in exchange
    assert re.search(rf"{re.escape(sgd)} 1\.50 / 3 all checks passed; then your instructor graded it by hand", exchange)
    assert "Score now 1.5 / 3: your instructor graded it by hand" in exchange  # in the test cell too
    assert "Your files changed after they were collected" in exchange and "extra.txt" in exchange
