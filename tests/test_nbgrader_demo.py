"""The whole workflow on the sample class: release -> collect (folders and a Colab zip) ->
parallel autograde -> verify -> feedback -> export, with every student's expected score."""

import csv
import hashlib
import json
import sys
import time
from pathlib import Path

import pytest

from grading import demo, sample_class
from grading.verify import verify

pytestmark = [
    pytest.mark.slow,
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
}
STUDENTS = [s for s in sample_class.STUDENTS if s.id in EXPECTED]


SECONDS = {}  # how long the demo took (the module's fixture runs once)


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
    started = time.monotonic()
    out, results = demo.run(course, progress=False, students=STUDENTS)
    SECONDS["demo"] = time.monotonic() - started
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
    assert "HIDDEN TESTS" not in html and "grading.notebook" not in html


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


def test_the_batch_finishes_on_time(graded):
    from grading.autograde import STUDENT_TIMEOUT

    assert SECONDS["demo"] < 2 * STUDENT_TIMEOUT  # a daemon left by the intruder holds nothing up
