"""The grading checks of every chapter: what to run on a submission and how to judge it.

Each chapter module `grading/checks/<chapter>.py` holds `CHECKS`, a list of `Check`, and its
case programs live in `grading/cases/<chapter>.py` (numpy only, copied into the sandbox; no
reference values there). A check runs its program on each case in the student's sandbox and,
separately, on the reference; the grader compares the plain arrays both return. Points are
split evenly over the cases and, within a case, over the shape/dtype and the values of each
compared quantity: partial credit, never all-or-nothing per exercise.
"""
import importlib
from dataclasses import dataclass, field
from pathlib import Path

CHAPTERS = ["universal_approximation", "perceptron_learning", "matrix_calculus", "backprop",
            "optimization", "torch_pipeline"]
CASES_DIR = Path(__file__).resolve().parents[1] / "cases"


@dataclass
class Check:
    """One graded check.

    id: "backprop.linear.forward"; exercise: "4.1 Linear.forward" (shown to students);
    program: a function of the cases file, `program(subject, case, t)`, where subject is the
    submission's mytorch module (or a notebook's namespace when `target` names a notebook);
    compare: quantities compared with the reference; gradcheck: quantities Q compared with
    "fd.Q", the finite differences of the student's own forward from the same run;
    mistakes(name, ctx, case) -> [(cause, candidate array)], ctx being the reference run's context
    arrays; nonfinite_cause: the catalogue cause of inf/NaN; warnings: also fail a case that
    emits numpy warnings (promised-stable functions);
    judge(arrays, ctx, case) -> (units passed, units in all, [messages]): a verdict decided by the
    grader from the student's raw arrays (an accuracy against its threshold, a convergence flag),
    never by the sandbox; it must give the reference's own arrays every unit. A result the student
    did not produce raises KeyError there, and the case gets none of the judge's units;
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
    rtol: float = None
    atol: float = None
    mistakes: object = None
    nonfinite_cause: str = None
    warnings: bool = False
    judge: object = None
    timeout: float = None
    target: str = "mytorch"
    cells: str = "all"
    cases_file: Path = None
    chapter: str = field(default=None)

    def __post_init__(self):
        self.chapter = self.chapter or self.id.split(".")[0]
        self.cases_file = Path(self.cases_file or CASES_DIR / f"{self.chapter}.py")


def all_checks(chapter=None):
    """The checks of one chapter (or of all, in course order); chapters without checks are skipped."""
    if chapter is not None and chapter not in CHAPTERS:
        raise ValueError(f"unknown chapter {chapter!r}; chapters: {', '.join(CHAPTERS)}")
    checks = []
    for name in [chapter] if chapter else CHAPTERS:
        try:
            module = importlib.import_module(f"grading.checks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"grading.checks.{name}":
                raise
            continue
        checks.extend(module.CHECKS)
    return checks
