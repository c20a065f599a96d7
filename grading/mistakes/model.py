"""What a planted mistake and a typical student are (the chapters' files list them)."""

from dataclasses import dataclass

from grading.grader import diagnosis

NOTEBOOK = "notebook"  # `where` of a mistake planted in a solution cell of the source notebook
LINEAR, ACT, LOSSES = "nn/linear.py", "nn/activations.py", "nn/losses.py"
SGD, ADAM, RMS, BN = "optim/sgd.py", "optim/adam.py", "optim/rmsprop.py", "nn/batchnorm.py"


@dataclass(frozen=True)
class Mistake:
    key: str  # short name, unique in the chapter
    exercise: str  # "4.1 Linear.backward" (the number must be a graded exercise's)
    what: str  # the mistake in a student's words (README of the sample class)
    edits: tuple  # ((where, reference text, planted text), ...)
    fails: tuple  # check ids without the chapter: each must fail and name the cause
    cause: str  # key of the catalogue cause that every check in `fails` names
    spoils: tuple = ()  # checks of other exercises this mistake costs too

    @property
    def number(self):
        return self.exercise.split()[0]

    def expected_text(self):
        """What every failing check's message must contain."""
        return f"Likely cause: {diagnosis.CAUSES[self.cause][0]}"


@dataclass(frozen=True)
class Typical:
    id: str  # "<chapter>-typical-<letter>"
    chapter: str
    mistakes: tuple  # keys of the chapter's mistakes
    score: float  # the total the isolated grader gives (see the comment next to it)
    spoils: tuple = ()  # checks lost to the mistakes together (a notebook using the broken library)


def M(key, exercise, what, edits, fails, cause, spoils=()):
    fails = (fails,) if isinstance(fails, str) else tuple(fails)
    return Mistake(key, exercise, what, tuple(edits), fails, cause, tuple(spoils))


def nb(old, new):
    return (NOTEBOOK, old, new)
