"""The grading checks of every chapter: what to run on a submission and how to judge it.

Each chapter module `grading/grader/checks/<chapter>.py` holds `CHECKS`, a list of `Check`, and its
case programs live in `grading/grader/cases/<chapter>.py` (numpy only, copied into the sandbox; no
reference values there). A check runs its program on each case in the student's sandbox and,
separately, on the reference; the grader compares the plain arrays both return. Points are
split evenly over the cases and, within a case, over the units of each compared quantity:
partial credit, never all-or-nothing per exercise.

Points only for correct work (the scoring rule; grading/README.md, "Scoring"): a unit that does
not measure values counts only when the values it goes with are right. A compared quantity's
shape/dtype unit counts only when its values equal the reference's; a gradient check's unit
only when the forward it differentiates (`forward`) equals the reference's in that case; the
"no numpy warning" unit only when every compared value of the case is right. A library that
returns zeros of the right shape everywhere therefore earns nothing (tests/test_grader_zero_library.py).
"""

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from grading.course import CHAPTERS

from .. import diagnosis

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"
HELD_OUT = "grader_only"  # a prepared case's key for the judge's data (Check.held_out), never sent to the sandbox


@dataclass
class Check:
    """One graded check.

    id: "backprop.linear.forward"; exercise: "4.1 Linear.forward" (shown to students);
    program: a function of the cases file, `program(subject, case, t)`, where subject is the
    submission's mytorch module (or a notebook's namespace when `target` names a notebook);
    compare: quantities compared with the reference; gradcheck: quantities Q compared with
    "fd.Q", the finite differences of the student's own forward from the same run; forward: the
    forward results those finite differences are of (a gradient check counts only where they equal
    the reference's: agreeing with a wrong forward, e.g. zeros with zeros, earns nothing);
    mistakes(name, ctx, case) -> [(cause, candidate array)], ctx being the reference run's context
    arrays; nonfinite_cause: the catalogue cause of inf/NaN; error_causes: ((phrase, cause), ...),
    the catalogue cause named when the submission's error in a case says the phrase (a loop the
    case program stopped, a training the library stopped at a non-finite loss); warnings: also fail a case that
    emits numpy warnings (promised-stable functions);
    judge(arrays, ctx, case) -> (units passed, units in all, [messages]): a verdict decided by the
    grader from the student's raw arrays (an accuracy against its threshold, a convergence flag),
    never by the sandbox; it must give the reference's own arrays every unit. A result the student
    did not produce raises KeyError there, and the case gets none of the judge's units;
    held_out(case, secret) -> (data for the sandbox, data for the judge only): a judged case's
    data made on the grader's side from the grading run's secret (grading/grader/checks/judging.py), so
    that no student can look its answers up; the sandbox gets the first dict added to the case,
    the judge sees the case with the second under HELD_OUT (grading/grader/check.py, `prepare`);
    timeout: seconds one case may take when more than the --case-timeout (a notebook check's
    first case includes running the notebook).
    """

    id: str
    exercise: str
    points: float
    program: str
    cases: list
    compare: tuple = ()
    gradcheck: tuple = ()
    forward: tuple = ()
    rtol: float = None
    atol: float = None
    mistakes: object = None
    nonfinite_cause: str = None
    error_causes: tuple = ()
    warnings: bool = False
    judge: object = None
    held_out: object = None
    timeout: float = None
    target: str = "mytorch"
    cells: str = "all"
    cases_file: Path = None
    chapter: str = field(default=None)

    def __post_init__(self):
        self.chapter = self.chapter or self.id.split(".")[0]
        self.cases_file = Path(self.cases_file or CASES_DIR / f"{self.chapter}.py")
        if self.gradcheck and not self.forward:
            raise ValueError(f"{self.id}: a gradient check names the forward it differentiates (forward=...)")


def all_checks(chapter=None):
    """The checks of one chapter (or of all, in course order); chapters without checks are skipped."""
    if chapter is not None and chapter not in CHAPTERS:
        raise ValueError(f"unknown chapter {chapter!r}; chapters: {', '.join(CHAPTERS)}")
    checks = []
    for name in [chapter] if chapter else CHAPTERS:
        try:
            module = importlib.import_module(f"grading.grader.checks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"grading.grader.checks.{name}":
                raise
            continue
        checks.extend(module.CHECKS)
    return checks


def catalogued(number, names):
    """Check.mistakes from the catalogue: the causes of exercise `number` whose formula, on
    names(ctx, case) (the reference run's arrays under the catalogue's names), is the student's value."""

    def mistakes(quantity, ctx, case):
        return diagnosis.answers(number, quantity, names(ctx, case))

    return mistakes
