"""Every typical mistake of the catalogue (grading/mistakes/<chapter>.py), planted in the sample class's
typical students (grading/mistakes/sample_class.py), is caught and named by the isolated grader.

One grading run per student (grading.grader.check.grade, as `python -m grading check` does): its total
is the one the catalogue states, every planted mistake's checks fail with the catalogue's
cause ("Likely cause: <title>"), and the exercises left right lose nothing. Notebook exercises
execute the student's notebook in the sandbox, so these runs take seconds each. (That the
catalogue covers every exercise and fits the checks is checked without grading, in the fast
tests/test_catalogue.py.)
"""

import sys

import pytest

from grading import mistakes
from grading.grader import check
from grading.grader.checks import all_checks
from grading.mistakes import sample_class

pytestmark = [
    pytest.mark.slow(why="grades every typical-mistakes student of every chapter in the sandbox"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux"),
]

EXERCISE = {c.id: c.exercise.split()[0] for chapter in mistakes.MISTAKES for c in all_checks(chapter)}


def test_a_planted_text_that_no_longer_fits_the_notebook_fails_the_generation(tmp_path):
    stale = sample_class.Student("x", "stale", chapter="backprop", answers=[("no such line", "")])
    with pytest.raises(sample_class.SampleError, match="no such line"):
        sample_class.generate(tmp_path, students=[stale])


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    out = tmp_path_factory.mktemp("typical")
    sample_class.generate(out, students=sample_class.typical_students())
    return out


@pytest.mark.parametrize("student", mistakes.TYPICAL, ids=lambda s: s.id)
def test_every_typical_mistake_is_caught_and_named(klass, student):
    report = check.grade(klass / student.id / student.chapter, student.chapter)
    rows = {row["id"]: row for row in report["checks"]}
    planted = mistakes.mistakes_of(student)
    for m in planted:
        for check_id in m.fails:
            row = rows[f"{student.chapter}.{check_id}"]
            assert not row["passed"] and row["points"] < row["max_points"], (m.key, row)
            assert m.expected_text() in row["message"], (m.key, row["message"])
    wrong = {m.number for m in planted}
    spoiled = mistakes.spoiled(student)
    for check_id, row in rows.items():  # no false alarm on the exercises left right
        if EXERCISE[check_id] not in wrong and check_id not in spoiled:
            assert row["passed"], row
    assert report["score"] == pytest.approx(student.score), report["score"]
