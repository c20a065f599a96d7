"""The catalogue of exercises and typical mistakes is whole and fits the course (fast: no grading).

Public half: solutions/mytorch/testing/catalogue/<chapter>.py (ships to students, read by the
visible checks and, as plain data, by the grader). Private half: grading/mistakes/<chapter>.py
(the planted mistakes and the sample class's typical students). Each mistake is graded and
named for real by tests/test_checks_<chapter>.py (the visible check) and the slow
tests/test_grader_typical_mistakes.py (the grader).
"""

import json
import re

import pytest

import mytorch.testing
from grading import mistakes
from grading.course import CHAPTERS, ROOT
from grading.grader import diagnosis
from grading.grader.checks import all_checks
from grading.mistakes import sample_class
from mytorch.testing import report

PUBLIC = ROOT / "solutions" / "mytorch" / "testing" / "catalogue"
CATALOGUED = [c for c in CHAPTERS if (PUBLIC / f"{c}.py").exists()]
# the library exercises: those whose mistakes are planted in mytorch (the others in a notebook)
LIBRARY = {c: {m.number for m in mistakes.MISTAKES[c] if m.edits[0][0] != mistakes.NOTEBOOK} for c in CHAPTERS}


def public(chapter):
    return diagnosis.read_catalogue(PUBLIC / f"{chapter}.py")


def test_every_chapter_has_a_catalogue():
    assert CATALOGUED == list(CHAPTERS)


def test_the_private_catalogue_is_consistent():
    assert mistakes.validate()


@pytest.mark.parametrize("name", ["common", *CATALOGUED])
def test_the_grader_reads_what_the_visible_checks_import(name):
    """Plain data: the grader's literal reading equals the module the visible checks import."""
    module = __import__(f"mytorch.testing.catalogue.{name}", fromlist=["x"])
    data = public(name)
    assert set(data) <= {"EXERCISES", "CAUSES"}
    assert data.get("EXERCISES", {}) == getattr(module, "EXERCISES", {})
    assert data.get("CAUSES", {}) == getattr(module, "CAUSES", {})


@pytest.mark.parametrize("chapter", CATALOGUED)
def test_every_graded_exercise_has_an_entry_and_its_ids_match(chapter):
    exercises = public(chapter)["EXERCISES"]
    graded = {}
    for c in all_checks(chapter):
        graded.setdefault(c.exercise.split()[0], []).append(c.exercise)
    assert set(exercises) == set(graded)
    notebook = (ROOT / "solutions" / chapter / f"{chapter}.ipynb").read_text()
    calls = {
        call
        for cell in json.loads(notebook)["cells"]
        for call in re.findall(r'check\("([\w.]+)"', "".join(cell["source"]))
    }
    for number, entry in exercises.items():
        assert set(entry) <= {"title", "check", "names", "causes"}, "the public half holds no planted edits"
        assert entry["check"] in mytorch.testing.CHECKS and entry["check"] in calls, number
        ids = [c.id for c in all_checks(chapter) if c.exercise.split()[0] == number]
        assert all(i.startswith(entry["check"] + ".") or i == entry["check"] for i in ids), (number, ids)
        assert any(entry["title"] in name for name in graded[number]), number


def test_every_cause_is_explained_once():
    causes, titles, texts = {}, [], []
    for path in sorted(PUBLIC.glob("*.py")):
        for key, (title, explanation) in diagnosis.read_catalogue(path).get("CAUSES", {}).items():
            assert key not in causes, f"{key} explained in {causes.get(key)} and {path.name}"
            causes[key] = path.name
    for key, (title, explanation) in diagnosis.CAUSES.items():
        titles.append(title)
        texts.append(explanation)
    assert len(set(titles)) == len(titles), [t for t in titles if titles.count(t) > 1]
    assert len(set(texts)) == len(texts)
    for chapter in CATALOGUED:
        for number, entry in public(chapter)["EXERCISES"].items():
            assert set(entry["causes"]) <= set(causes), (number, set(entry["causes"]) - set(causes))


@pytest.mark.parametrize("chapter", CATALOGUED)
def test_every_formula_is_a_numpy_expression_of_its_names(chapter):
    for number, entry in public(chapter)["EXERCISES"].items():
        for key, recognised in entry["causes"].items():
            assert isinstance(recognised, (dict, str)) and recognised, (number, key)
            for formula in recognised.values() if isinstance(recognised, dict) else ():
                compile(formula, f"{number} {key}", "eval")


@pytest.mark.parametrize("chapter", CATALOGUED)
def test_every_planted_mistake_is_a_catalogued_cause_of_its_exercise(chapter):
    exercises = public(chapter)["EXERCISES"]
    for m in mistakes.MISTAKES[chapter]:
        assert m.cause in exercises[m.number]["causes"], m.key


@pytest.mark.parametrize("chapter", CATALOGUED)
def test_three_planted_mistakes_per_library_exercise(chapter):
    numbers = [m.number for m in mistakes.MISTAKES[chapter]]
    assert {n: numbers.count(n) for n in LIBRARY[chapter] if numbers.count(n) < 3} == {}


@pytest.mark.parametrize("student", mistakes.TYPICAL, ids=lambda s: s.id)
def test_every_planted_edit_applies_to_the_reference(student):
    planted = next(s for s in sample_class.typical_students(student.chapter) if s.id == student.id)
    sample_class.student_library(planted)  # raises SampleError unless each text occurs once
    sample_class.student_notebook(planted, student.chapter)


def test_both_sides_word_a_cause_alike():
    for key in ("transposed", "derivative_at_kink", "unstable_softmax"):
        assert diagnosis.cause_text(key).strip() == report.cause_text(key)


def test_the_public_half_holds_nothing_private():
    """No planted edit (its reference text or its planted text) is in the files that ship to students;
    short formulas may be, where an explanation teaches them (dLdout = layer.backward(dLdout)). The
    reference's own lines in the whole student edition: grading/edition/leakcheck.py (make check-release)."""
    public_text = "\n".join(p.read_text() for p in PUBLIC.glob("*.py"))
    leaked = [
        (m.key, text)
        for catalogue in mistakes.MISTAKES.values()
        for m in catalogue
        for _, old, new in m.edits
        for text in (old.strip(), new.strip())
        if len(text) > 40 and text in public_text
    ]
    assert leaked == []
