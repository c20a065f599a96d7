"""Every mistake of the catalogue (grading/mistakes/<chapter>.py), planted into the reference
library or into the solution cells of the source notebook, fails its visible check, which names
it in the catalogue's words: the same words the grader prints (tests/test_grader_typical_mistakes.py
plants the same edits), a loop the case program stops and a training the library stops included."""

import warnings

import pytest
from planted import library_mistakes, notebook_mistakes, plant, plant_notebook

from grading import mistakes
from grading.grader import diagnosis
from mytorch.testing import CHECKS

PLANTED = [(chapter, m) for chapter, catalogue in mistakes.MISTAKES.items() for m in library_mistakes(catalogue)]


@pytest.mark.parametrize("chapter, mistake", PLANTED, ids=[f"{c}-{m.key}" for c, m in PLANTED])
def test_a_planted_mistake_fails_its_visible_check_and_is_named(monkeypatch, capfd, chapter, mistake):
    plant(monkeypatch, mistake)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a check must not let a numpy warning escape to stderr
        results = CHECKS[diagnosis.EXERCISES[mistake.number]["check"]]()
    text = "\n".join(str(r) for r in results)
    assert not all(r.passed for r in results), f"the planted mistake went unnoticed:\n{text}"
    assert mistake.expected_text() in text, text
    assert capfd.readouterr().err == "", "a graded cell with stderr output scores 0"


NOTEBOOK = [(c, m) for c, catalogue in mistakes.MISTAKES.items() for m in notebook_mistakes(catalogue)]


@pytest.mark.parametrize("chapter, mistake", NOTEBOOK, ids=[f"{c}-{m.key}" for c, m in NOTEBOOK])
def test_a_planted_notebook_mistake_fails_its_visible_check_and_is_named(capfd, chapter, mistake):
    name = diagnosis.EXERCISES[mistake.number]["check"]
    answers = plant_notebook(chapter, mistake, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = CHECKS[name](**answers)
    text = "\n".join(str(r) for r in results)
    assert not all(r.passed for r in results), f"the planted mistake went unnoticed:\n{text}"
    assert mistake.expected_text() in text, text
    assert capfd.readouterr().err == ""


def test_every_catalogued_library_exercise_has_three_planted_mistakes():
    numbers = [m.number for _, m in PLANTED]
    assert {n: numbers.count(n) for n in set(numbers) if numbers.count(n) < 3} == {}
    assert {"1.3", "4.1", "4.11", "5.1", "5.9"} <= set(numbers)
