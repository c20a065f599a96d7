"""The whole workflow on the sample class: release -> collect (folders and a Colab zip) ->
parallel autograde -> verify -> feedback -> export, with every student's expected score."""
import csv
import json
import sys

import pytest

from grading import demo, sample_class
from grading.verify import verify

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")]

# 21 points in all (optimization). Why each number (a wrong value earns no shape unit: grading/README.md,
# "Scoring"):
EXPECTED = {
    "s01-correct": 21.0,
    "s02-partial": 13.0,          # Adam (3), AdamW (2) and BatchNorm1d.backward (3) are stubs
    "s03-momentum": 19.2,         # SGD: plain and weight decay right, the momentum variants wrong
    "s06-syntax-error": 0.0,      # mytorch does not import: nothing runs
    "s07-edited-tests": 21.0,     # the deleted and edited test cells are restored and pass
    "s08-stripped-metadata": 21.0,  # missing test cells are added back (add_missing_cells)
    "s09-hostile": 0.0,           # in the notebook 21 (score() patched); verify's isolated grade 0
    "s10-colab": 19.5,            # RMSprop without sqrt; handed in as a zip, via zip_collect
    "s11-exchange": 19.0,         # Adagrad without sqrt (its library unpacked from mytorch-handin.zip:
                                  # with the stubs instead it would be 0)
}
STUDENTS = [s for s in sample_class.STUDENTS if s.id in EXPECTED]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("demo") / "course"
    out, results = demo.run(course, progress=False, students=STUDENTS)
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
