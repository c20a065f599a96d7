"""Students per minute: plain serial `nbgrader autograde`, one process per student, and Dask.

    python bench/bench_autograde.py [--students N] [--jobs J]

Builds the sample class (grading/sample_class.py) in a scratch course, releases the chapter,
then autogrades the same submissions three times, each run with --force semantics:
`nbgrader autograde CHAPTER --force` (one process, one student after another),
`autograde_parallel` (the earlier engine: one nbgrader per student, J at a time) and
`grading.cluster.autograde` (Dask: a LocalCluster of J workers, one task per student; what
`python -m grading autograde-parallel` runs). Before them, the cost of one submission in the
grader CLI with the reference computed (an empty reference store) and kept (grading/reference.py).
Prints the rates side by side; every run must give the same grades.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grading import cluster, sample_class  # noqa: E402
from grading.autograde import autograde_parallel, autograde_serial, course_config  # noqa: E402
from grading.demo import collect, release  # noqa: E402


def totals(course, chapter):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: round(s.score, 2) for s in gb.find_assignment(chapter).submissions}


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    chapter = sample_class.CHAPTER
    students = [s for s in sample_class.STUDENTS if not s.colab][: args.students]
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as tmp:
        os.environ["DLCOURSE_REFERENCE_STORE"] = str(Path(tmp) / "store")  # the release's store, empty
        course = course_config(Path(tmp) / "course")
        sample_class.generate(course / "class", chapter, students)
        release(course, chapter)
        collect(course, chapter, course / "class")
        one = course / "submitted" / students[0].id / chapter
        cli = [sys.executable, "-m", "grading", "check", str(one), "--chapter", chapter, "--json"]
        cold, _ = timed(subprocess.run, cli, capture_output=True, check=True)
        warm, _ = timed(subprocess.run, cli, capture_output=True, check=True)
        serial, proc = timed(autograde_serial, course, chapter)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
        grades = {"serial": totals(course, chapter)}
        parallel, failures = timed(autograde_parallel, course, chapter, jobs=args.jobs, progress=False)
        grades["processes"] = totals(course, chapter)
        dask, dask_failures = timed(cluster.autograde, course, chapter, jobs=args.jobs, force=True, progress=False)
        grades["dask"] = totals(course, chapter)
    n = len(students)
    print(f"{n} students of {chapter}, {os.cpu_count()} cores, {args.jobs} jobs")
    print(f"grader CLI, one submission: {cold:.1f} s with the reference computed, {warm:.1f} s with it kept")
    print(f"{'':<34}{'seconds':>9}{'students/min':>14}")
    for name, seconds in [
        ("nbgrader autograde (serial)", serial),
        (f"one process per student (-j {args.jobs})", parallel),
        (f"Dask LocalCluster ({args.jobs} workers)", dask),
    ]:
        print(f"{name:<34}{seconds:>9.1f}{60 * n / seconds:>14.2f}")
    print(
        f"speed-up over serial: processes {serial / parallel:.2f}x, Dask {serial / dask:.2f}x"
        + (f"  ({len(failures)} + {len(dask_failures)} failed)" if failures or dask_failures else "")
    )
    same = grades["serial"] == grades["processes"] == grades["dask"]
    print("same grades in all three runs" if same else f"GRADES DIFFER: {grades}")


if __name__ == "__main__":
    main()
