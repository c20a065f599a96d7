"""The whole workflow on the sample class: release -> collect (folders and a Colab zip) ->
parallel autograde -> verify -> feedback -> export, with every student's expected score."""

import csv
import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from grading.mistakes import sample_class
from grading.nbgrader_glue import demo
from grading.nbgrader_glue.autograde import nbgrader
from grading.nbgrader_glue.verify import verify

pytestmark = [
    pytest.mark.slow(why="grades the 13-student sample class: release, collect, autograde, verify, feedback"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux"),
]

# 21 points in all (optimization). Why each number (a wrong value earns no shape unit: grading/README.md,
# "Scoring"):
EXPECTED = {
    "s01-correct": 21.0,
    "s02-partial": 13.0,  # Adam (3), AdamW (2) and BatchNorm1d.backward (3) are stubs
    "s03-momentum": 19.2,  # SGD: plain and weight decay right, the momentum variants wrong
    "s06-syntax-error": 19.0,  # a syntax error in optim/rprop.py: only Rprop (2) is lost, the other files import
    "s07-edited-tests": 21.0,  # the deleted and edited test cells are restored and pass
    "s08-stripped-metadata": 21.0,  # missing test cells are added back (add_missing_cells)
    "s09-hostile": 0.0,  # its notebook claims 21 (score() patched): flagged, the grader's 0 counts
    "s12-intruder": 0.0,  # stubs; its cell's attacks on the course all fail (test below)
    "s10-colab": 19.5,  # RMSprop without sqrt; handed in as a zip, via zip_collect
    "s11-exchange": 19.0,  # Adagrad without sqrt (its library unpacked from mytorch-handin.zip:
    # with the stubs instead it would be 0)
    "s13-no-library": 0.0,  # its mytorch/ never came: graded against the course's stubs
}
STUDENTS = [s for s in sample_class.STUDENTS if s.id in EXPECTED]


TIMED_OUT = {}  # {student: logs} of the demo's autograde attempts killed at its timeout (the fixture runs once)


def tree_hash(folder):
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("demo") / "course"
    before = tree_hash(demo.ROOT / "solutions" / "mytorch")
    out, results = demo.run(course, progress=False, students=STUDENTS, timed_out=TIMED_OUT)
    assert tree_hash(demo.ROOT / "solutions" / "mytorch") == before
    return course, out, results


def grades(path):
    with open(path) as f:
        return {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(f)}


def test_every_student_gets_the_expected_grade(graded):
    _, out, _ = graded
    assert grades(out) == {s: pytest.approx((score, 21.0)) for s, score in EXPECTED.items()}


def test_the_exchange_submission_is_graded_with_the_library_it_handed_in(graded):
    course, _, _ = graded
    submission = course / "submitted" / "s11-exchange" / "optimization"
    assert (submission / "mytorch-handin.zip").is_file()
    assert 'state["sum"] + eps' in (submission / "mytorch" / "optim" / "adagrad.py").read_text()
    assert not (submission / "mytorch" / "NOT_HANDED_IN.txt").exists()


def test_only_the_hostile_notebook_is_flagged(graded):
    course, _, results = graded
    flagged = {r["student"] for r in results if any(c["disagreement"] for c in r["cells"])}
    assert flagged == {"s09-hostile"}
    hostile = next(r for r in results if r["student"] == "s09-hostile")
    assert all(c["claimed"] > 0 and c["isolated"] == 0 and c["gradebook"] == 0 for c in hostile["cells"])
    report = (course / "reports" / "verify-optimization.txt").read_text()
    assert "s09-hostile: 0 / 21  CHECK" in report
    assert "POSSIBLE TAMPERING: the notebook printed scores of its own in" in report
    assert "optimization_sgd (3 claimed, 0 graded)" in report
    assert "isolation: bwrap" in report


def test_feedback_shows_the_diagnosis_but_no_hidden_test(graded):
    course, _, _ = graded
    html = (course / "feedback" / "s03-momentum" / "optimization" / "optimization.html").read_text()
    assert "optimization.sgd.momentum" in html  # the grader's table
    assert "HIDDEN TESTS" not in html and "grading.grader.notebook" not in html


def test_rerunning_verify_and_export_changes_nothing(graded):
    course, out, results = graded
    before = out.read_bytes()
    again, totals, _ = verify(course, "optimization", progress=False)
    assert json.dumps(again, sort_keys=True) == json.dumps(results, sort_keys=True)
    assert demo.export(course).read_bytes() == before
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submissions = gb.find_assignment("optimization").submissions
        assert sorted(s.student.id for s in submissions) == sorted(EXPECTED)
        assert not any(s.needs_manual_grade for s in submissions)
        assert [s.student.id for s in submissions if any(n.flagged for n in s.notebooks)] == ["s09-hostile"]


def test_a_student_the_grader_fails_on_is_said_and_the_others_are_verified(graded, monkeypatch):
    from grading.nbgrader_glue import cluster

    course, out, results = graded
    real = cluster.grade_copies

    def one_task_fails(*args, **kwargs):  # as a task that failed on two workers comes back
        reports = real(*args, **kwargs)
        reports["s01-correct"] = RuntimeError("worker lost twice")
        return reports

    monkeypatch.setattr(cluster, "grade_copies", one_task_fails)
    again, totals, report = verify(course, "optimization", progress=False)
    rows = {r["student"]: r for r in again}
    assert rows["s01-correct"]["grader_failed"] == "RuntimeError: worker lost twice"
    assert not any(c["verified"] for c in rows["s01-correct"]["cells"])
    assert totals["s01-correct"][0] == pytest.approx(21.0)  # autograde's scores kept
    before = {r["student"]: r for r in results}
    for student, row in rows.items():  # everyone else verified as before
        if student != "s01-correct":
            assert json.dumps(row, sort_keys=True) == json.dumps(before[student], sort_keys=True)
    text = report.with_suffix(".txt").read_text()
    assert "s01-correct: 21 / 21  CHECK" in text
    assert "NOT VERIFIED: the grader failed on this copy twice (RuntimeError: worker lost twice)" in text
    monkeypatch.undo()
    again, _, _ = verify(course, "optimization", progress=False)  # run again: all verified, unflagged
    assert json.dumps(again, sort_keys=True) == json.dumps(results, sort_keys=True)


def test_the_intruder_gains_nothing_and_leaves_nothing(graded):
    course, _, results = graded
    nb = json.loads((course / "autograded" / "s12-intruder" / "optimization" / "optimization.ipynb").read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == "intruder")
    text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    tried = json.loads(text.split("INTRUDER ", 1)[1].splitlines()[0])
    assert len(tried) == 10 and all(v.startswith("refused") for v in tried.values()), tried
    intruder = next(r for r in results if r["student"] == "s12-intruder")
    assert intruder["isolation"] == "bwrap" and not intruder["changed"]
    # classmates' files and the course are as collected; no sandbox process is left behind
    assert not any(r["changed"] for r in results)
    from test_sandbox_guarantees import sandbox_processes

    uid = int(text.split("INTRUDER-UID ", 1)[1].split()[0])
    assert uid != 0 and sandbox_processes([uid]) == []  # its daemon died with its kernel
    # its later cells printed the hidden tests: the grader removed them from its outputs and feedback
    html = (course / "feedback" / "s12-intruder" / "optimization" / "optimization.html").read_text()
    assert "output removed by the grader" in html
    assert "HIDDEN TESTS" not in html and "score(&quot;optimization" not in html and 'score("optimization' not in html
    assert "class Adam" not in html  # the reference stays out of reach
    # an honest classmate's feedback shows its own verdicts and no trace of the intruder
    honest = (course / "feedback" / "s01-correct" / "optimization" / "optimization.html").read_text()
    assert honest.count("checks passed - well done!") == 9
    assert "output removed" not in honest and "INTRUDER" not in honest and "TAMPERING" not in honest


def test_no_student_is_held_up_to_the_timeout(graded):
    # a daemon left by the intruder (or a kernel that never answers) would keep nbgrader waiting
    # until autograde kills it at STUDENT_TIMEOUT
    assert TIMED_OUT == {}


def html_text(path, summary=False):
    """The feedback's text (only its summary: from its title to the end of its table), tags removed."""
    text = path.read_text()
    if summary:
        start = text.index("Your feedback")
        text = text[start : text.index("</table>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def exercises(chapter):
    """{name: "number name"} of the chapter's exercises as the summary names them ("SGD": "5.2 SGD"):
    from the grader's checks, so renumbering the chapter does not break this test."""
    from grading.grader.checks import all_checks
    from grading.nbgrader_glue.feedback import exercise_key, exercise_name

    names = {}
    for check in all_checks(chapter):
        number, name = exercise_key(check.exercise)
        names.setdefault(number, []).append(name)
    return {exercise_name(n): f"{number} {exercise_name(n)}" for number, n in names.items()}


# Last in this module: it changes the graded course (a file after collect, a score by hand).
def test_feedback_opens_with_a_summary_that_does_not_mislead(graded, tmp_path):
    """Feedback never misleads (issue 15, item 5): a syntax error in rprop.py (s06), an exchange
    hand-in whose file changes after collect and whose score the instructor sets by hand after
    verify (s11), a library that never came (s13)."""
    course, _, _ = graded
    chapter = "optimization"
    changed = course / "submitted" / "s11-exchange" / chapter / "extra.txt"
    changed.write_text("late\n")  # verify grades the collected copy and says the file changed
    verify(course, chapter, progress=False)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("optimization_sgd", chapter, chapter, "s11-exchange").manual_score = 1.5
        gb.db.commit()
        names = {s.id: f"{s.last_name}, {s.first_name}" for s in gb.students}  # demo.collect imported the roster
    assert {s: names[s] for s in ("s06-syntax-error", "s11-exchange", "s13-no-library")} == {
        "s06-syntax-error": "Sample 06, Syntax error",
        "s11-exchange": "Sample 11, Exchange",
        "s13-no-library": "Sample 13, No library",
    }
    students = ("s06-syntax-error", "s11-exchange", "s13-no-library")
    for student in students:
        nbgrader(course, "generate_feedback", chapter, f"--student={student}", "--force")

    feedback = {s: course / "feedback" / s / chapter for s in students}
    titles = exercises(chapter)
    sgd, rprop = titles["SGD"], titles["Rprop"]
    for student, folder in feedback.items():
        text = html_text(folder / f"{chapter}.html")
        table = html_text(folder / f"{chapter}.html", summary=True)
        for title in titles.values():
            assert f" {title} " in table, (student, title)
        assert str(course.parent) not in text and str(demo.ROOT) not in text and "/autograded/" not in text, student
        assert "/home/student" not in text
        assert "ModuleNotFoundError" not in text, student  # the Hand in cell in the grader's kernel
        assert not list(folder.rglob("*.zip")), student

    page = (feedback["s06-syntax-error"] / f"{chapter}.html").read_text()
    assert f'">exercise {sgd}</a>' in page  # the page's index names cells by their exercises
    summary = html_text(feedback["s06-syntax-error"] / f"{chapter}.html", summary=True)
    assert re.search(rf"{re.escape(sgd)} 3\.00 / 3 all checks passed", summary), summary
    assert re.search(rf"{re.escape(rprop)} 0\.00 / \d+ .*?mytorch/optim/rprop\.py", summary), summary
    assert "Fix the SyntaxError in mytorch/optim/rprop.py (line 3)" in summary
    nothing = html_text(feedback["s13-no-library"] / f"{chapter}.html")
    assert "no mytorch handed in" in nothing and "Hand in your mytorch/" in nothing
    assert "Hand in your mytorch/ (the Hand in cell): this was graded against the course's stubs" in nothing
    exchange = html_text(feedback["s11-exchange"] / f"{chapter}.html")
    assert "your instructor graded it by hand: 1.5 /" in exchange
    assert re.search(rf"{re.escape(sgd)} 1\.50 / 3 all checks passed; then your instructor graded it by hand", exchange)
    assert "Score now 1.5 / 3: your instructor graded it by hand" in exchange  # in the test cell too
    assert "Your files changed after they were collected" in exchange and "extra.txt" in exchange
