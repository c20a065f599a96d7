# GENERATED from solutions/mytorch/testing/__init__.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Visible checks: immediate feedback on your mytorch, right in the chapter notebooks.

    from mytorch.testing import check
    check("backprop.linear")

Each check builds seeded random cases, runs your code, compares it with PyTorch (or with
finite differences where PyTorch has no twin) and prints what is wrong and the likely cause.
These are the practice checks; your grade comes from the course's grader, which runs more
cases in a separate process.
"""
from .report import CheckResult, compare, run_check
from .registry import CHECKS, Results, check

__all__ = ["check", "CHECKS", "CheckResult", "Results", "compare", "run_check"]
