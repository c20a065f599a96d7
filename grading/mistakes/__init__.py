"""The private half of the catalogue: for every graded exercise, its typical mistakes planted in
the reference, and the sample class's typical students who carry them. (The public half - each
exercise's causes, how they are recognised and how they are explained - is
solutions/mytorch/testing/catalogue/; it ships to students, this never does.)

A `Mistake` (model.py) is one or more text substitutions in the reference: in a library file
(`where="nn/linear.py"`, under solutions/mytorch/) or in a solution cell of the chapter's source
notebook (`where=NOTEBOOK`). Each reference text must occur exactly once (in one file, or in one
solution cell), else `plant` fails loudly. `fails` lists the checks (ids without the chapter)
that must fail with "Likely cause: <title of the cause>" in their message; `spoils` the checks
of OTHER exercises it also costs (AdamW reuses Adam's update, 2.3 trains with 2.2's gradient).
`cause` is a key of the catalogue's CAUSES: both the visible check and the grader name every
mistake in the catalogue's words, a loop stopped by the case program included.

Each chapter's file lists MISTAKES and TYPICAL, the mistakes grouped into sample students
(grading/mistakes/sample_class.py writes them): a check that must name one of a student's mistakes is
touched by none of its others (no mistake masks another), and together the students of a
chapter carry every mistake of the chapter once. Next to each student: the total score the
grader must give it, and why.
"""

import importlib

from grading.course import CHAPTERS
from grading.grader import diagnosis
from grading.grader.checks import all_checks

from .model import NOTEBOOK, Mistake, Typical

__all__ = ["MISTAKES", "NOTEBOOK", "TYPICAL", "CatalogueError", "Mistake", "Typical"]

_CHAPTERS = {chapter: importlib.import_module(f"{__name__}.{chapter}") for chapter in CHAPTERS}
MISTAKES = {chapter: module.MISTAKES for chapter, module in _CHAPTERS.items()}
TYPICAL = [student for module in _CHAPTERS.values() for student in module.TYPICAL]


class CatalogueError(RuntimeError):
    """The catalogue does not fit the reference or the checks."""


def mistake(chapter, key):
    found = [m for m in MISTAKES[chapter] if m.key == key]
    if len(found) != 1:
        raise CatalogueError(f"{chapter}: {len(found)} mistakes called {key!r}")
    return found[0]


def mistakes_of(student):
    return [mistake(student.chapter, key) for key in student.mistakes]


def typical(chapter=None):
    return [s for s in TYPICAL if chapter in (None, s.chapter)]


def touched(chapter, m):
    """Full ids of the checks a mistake makes fail, its own and the ones it spoils."""
    return {f"{chapter}.{c}" for c in m.fails + m.spoils}


def spoiled(student):
    """Full ids of the checks a student loses without a planted mistake of their exercise."""
    return {f"{student.chapter}.{c}" for c in student.spoils}.union(
        *(touched(student.chapter, m) for m in mistakes_of(student))
    )


def validate():
    """Raise CatalogueError unless the catalogue is consistent with the checks and causes."""
    if set(MISTAKES) != set(CHAPTERS):
        raise CatalogueError(f"chapters without a catalogue: {sorted(set(CHAPTERS) - set(MISTAKES))}")
    for chapter, mistakes in MISTAKES.items():
        ids = {c.id for c in all_checks(chapter)}
        numbers = {c.exercise.split()[0] for c in all_checks(chapter)}
        for m in mistakes:
            if m.cause not in diagnosis.CAUSES:
                raise CatalogueError(f"{chapter} {m.key}: its cause {m.cause!r} is not a key of the catalogue's CAUSES")
            if not touched(chapter, m) <= ids or m.number not in numbers:
                raise CatalogueError(f"{chapter} {m.key}: unknown check or exercise")
        if missing := numbers - {m.number for m in mistakes}:
            raise CatalogueError(f"{chapter}: no typical mistake for exercise(s) {sorted(missing)}")
        carried = [key for s in typical(chapter) for key in s.mistakes]
        if sorted(carried) != sorted(m.key for m in mistakes):
            raise CatalogueError(f"{chapter}: every mistake must be carried by exactly one typical student")
    for student in TYPICAL:  # a check that must name a mistake is touched by no other one of the student
        planted = mistakes_of(student)
        for m in planted:
            others = set().union(*(touched(student.chapter, o) for o in planted if o is not m))
            if others & {f"{student.chapter}.{c}" for c in m.fails}:
                raise CatalogueError(f"{student.id}: {m.key} shares a check with another of its mistakes")
    return True
