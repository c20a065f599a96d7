"""The grader's API for hidden test cells of the chapter notebooks.

In a locked (hidden) test cell, chapter writers call:

    from grading.notebook import check
    check("backprop.linear")                      # every check whose id starts with this
    check("backprop.sigmoid", "backprop.tanh")    # several prefixes
    check("universal_approximation.xor_net")      # a notebook exercise (Check(target=...ipynb))

`check` finds the submission (the nearest folder at or above the current directory that holds
`mytorch/`; nbgrader runs the notebook in the student's submitted folder), grades the named
checks exactly as `python -m grading check` does - the student's files in an isolated process,
the reference in another, never the objects living in this kernel - prints the table, and
raises AssertionError with every failing check's diagnosis, so nbgrader marks the cell failed.
Notebook exercises are graded from the notebook file on disk (the submitted one), not from
the kernel's variables. It returns the report dict (see grading/check.py) when all pass.
Nothing goes to stderr (nbgrader zeroes a cell that writes to stderr).
"""
from pathlib import Path

from .check import grade, table
from .sandbox import Limits


def find_submission(start=None):
    """The nearest folder at or above `start` (default: the current directory) holding mytorch/."""
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "mytorch").is_dir():
            return folder
    raise FileNotFoundError(f"no mytorch/ folder in {here} or above it: run the notebook from the course folder")


def check(*prefixes, submission=None, timeout=120.0, memory_mb=2048):
    """Grade the checks whose ids start with `prefixes`; AssertionError names every failure."""
    if not prefixes:
        raise ValueError('name the checks, e.g. check("backprop.linear")')
    root = Path(submission) if submission else find_submission()
    report = grade(root, only=list(prefixes), limits=Limits(wall_s=timeout, memory_bytes=memory_mb << 20))
    if not report["checks"]:
        raise ValueError(f"no check has an id starting with {', '.join(prefixes)}")
    print(table(report))
    failed = [row for row in report["checks"] if not row["passed"]]
    if failed:
        raise AssertionError("\n".join(f"{row['id']}: {row['message']}" for row in failed))
    return report
