"""The grader's API for hidden test cells of the chapter notebooks.

In a locked (hidden) test cell, chapter writers call:

    from grading.grader.notebook import check
    check("backprop.linear")                      # every check whose id starts with this
    check("backprop.sigmoid", "backprop.tanh")    # several prefixes
    check("universal_approximation.xor_net")      # a notebook exercise (Check(target=...ipynb))

`check` finds the submission (the nearest folder at or above the current directory that holds
`mytorch/`; nbgrader runs the notebook in the student's submitted folder), grades the named
checks exactly as `python -m grading check` does - the student's files in an isolated process,
the reference in another, never the objects living in this kernel - prints the table, and
raises AssertionError with every failing check's diagnosis, so nbgrader marks the cell failed.
Notebook exercises are graded from the notebook file on disk (the submitted one), not from
the kernel's variables. It returns the report dict (see grading/grader/check.py) when all pass.
Nothing goes to stderr (nbgrader zeroes a cell that writes to stderr).

During `nbgrader autograde` none of this runs: the kernel runs in the sandbox, where
`grading.grader.notebook` is a stand-in that prints a note (grading/nbgrader_glue/kernel_stub), and each test cell's
output and points come from the isolated grader (grading/nbgrader_glue/sandboxed_autograde.py). A kernel that
reaches this module during autograde was not sandboxed, and grading refuses.

For partial credit, a hidden test ends with `score(...)` instead, whose float value nbgrader
takes as the cell's points; `python -m grading verify` recomputes the same number outside
the student's kernel and finds the prefixes in the source notebook (keep them literal):

    from grading.grader.notebook import score
    score("backprop.sigmoid", "backprop.tanh", points=2)
"""

import hashlib
import os
from pathlib import Path

from .check import grade, table
from .execute import SKIP
from .sandbox import Limits

# The reference's results, kept between kernels so each test cell does not start a reference
# process. Only trusted kernels come here (an instructor running the source notebooks, the
# tests): autograde kernels run in the sandbox, which neither sees this folder nor this module.
REFERENCE_CACHE = Path(os.environ.get("DLCOURSE_REFERENCE_CACHE", Path.home() / ".cache" / "dlcourse" / "reference"))


def find_submission(start=None):
    """The nearest folder at or above `start` (default: the current directory) holding mytorch/."""
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "mytorch").is_dir():
            return folder
    raise FileNotFoundError(f"no mytorch/ folder in {here} or above it: run the notebook from the course folder")


# The first test cell of a kernel grades every check of its chapter in one sandboxed run; the
# later cells take their rows from it while the submission's files stay unchanged. A notebook
# exercise is graded by executing the whole notebook, so this saves one execution per test cell.
_chapter_reports = {}


def _files_stamp(root):
    """Names, sizes and mtimes of the .py and .ipynb files the grader would copy from root."""
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d not in SKIP)
        for name in sorted(files):
            if name.endswith((".py", ".ipynb")):
                stat = (Path(folder) / name).stat()
                digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _selected(report, prefixes):
    rows = [r for r in report["checks"] if any(r["id"] == p or r["id"].startswith(p + ".") for p in prefixes)]
    return {
        "checks": rows,
        "score": round(sum(r["points"] for r in rows), 2),
        "max_score": round(sum(r["max_points"] for r in rows), 2),
    }


class UnsandboxedAutograde(RuntimeError):
    """nbgrader autograde ran this kernel outside the sandbox: the course's config was not used."""


def _graded(prefixes, submission, timeout, memory_mb, example):
    """The grader's report on the checks named by prefixes, its table printed."""
    if not prefixes:
        raise ValueError(f"name the checks, e.g. {example}")
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        # The course's autograde runs kernels in the sandbox, where this module is replaced by
        # grading/nbgrader_glue/kernel_stub: reaching it here means student code ran with the grader's rights.
        raise UnsandboxedAutograde(
            "this autograde kernel is not sandboxed: run nbgrader with the course's "
            "grading/nbgrader_config.py (grading/nbgrader_glue/sandboxed_autograde.py); nothing graded"
        )
    root = Path(submission) if submission else find_submission()
    limits = Limits(wall_s=timeout, memory_bytes=memory_mb << 20)
    chapters = {p.split(".")[0] for p in prefixes}
    if len(chapters) == 1:
        key = (str(root.resolve()), *chapters, timeout, memory_mb, _files_stamp(root))
        if key not in _chapter_reports:
            _chapter_reports.clear()
            _chapter_reports[key] = grade(root, only=list(chapters), limits=limits, reference_cache=REFERENCE_CACHE)
        report = _selected(_chapter_reports[key], prefixes)
    else:
        report = grade(root, only=list(prefixes), limits=limits, reference_cache=REFERENCE_CACHE)
    if not report["checks"]:
        raise ValueError(f"no check has an id starting with {', '.join(prefixes)}")
    print(table(report))
    return report


def check(*prefixes, submission=None, timeout=120.0, memory_mb=2048):
    """Grade the checks whose ids start with `prefixes`; AssertionError names every failure."""
    report = _graded(prefixes, submission, timeout, memory_mb, 'check("backprop.linear")')
    failed = [row for row in report["checks"] if not row["passed"]]
    if failed:
        raise AssertionError("\n".join(f"{row['id']}: {row['message']}" for row in failed))
    return report


def score(*prefixes, points, submission=None, timeout=120.0, memory_mb=2048):
    """Grade the checks named by `prefixes`, print the table, return `points` times the
    fraction of their points earned (rounded to 0.01): the partial credit of a test cell."""
    report = _graded(prefixes, submission, timeout, memory_mb, 'score("backprop.linear", points=3)')
    return cell_points(report, points)


def cell_points(report, points):
    """`points` scaled by the fraction of the report's points earned, rounded to 0.01."""
    return round(points * report["score"] / report["max_score"], 2) if report["max_score"] else 0.0
