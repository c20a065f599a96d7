"""Students per minute: plain serial `nbgrader autograde`, one process per student, and Dask.

    python bench/bench_autograde.py [--students N] [--jobs J]

Builds the sample class (grading/mistakes/sample_class.py; past its 12 students, copies of them) in a
scratch course, releases the chapter,
then autogrades the same submissions three times, each run with --force semantics:
`nbgrader autograde CHAPTER --force` (one process, one student after another),
the earlier engine (below: one `nbgrader autograde --student` process per student, J at a time,
each on a private copy of the gradebook) and
`grading.nbgrader_glue.cluster.autograde` (Dask: a LocalCluster of J workers, one task per student; what
`python -m grading autograde-parallel` runs). Before them, the cost of one submission in the
grader CLI with the reference computed (an empty reference store) and kept (grading/grader/reference.py).
Prints the rates side by side; every run must give the same grades.
"""

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grading.mistakes import sample_class  # noqa: E402
from grading.nbgrader_glue import cluster
from grading.nbgrader_glue.autograde import course_config, nbgrader, read_grades, settings, write_grades  # noqa: E402
from grading.nbgrader_glue.demo import collect, release  # noqa: E402
from grading.nbgrader_glue.unpack import unpack_submissions  # noqa: E402


def autograde_serial(course, chapter):
    """Plain nbgrader: `nbgrader autograde CHAPTER --force` (all students, one process)."""
    return nbgrader(course, "autograde", chapter, "--force", check=False)


def autograde_processes(course, chapter, students, jobs):
    """The engine before Dask: one `nbgrader autograde --student` per student, `jobs` at a time,
    each against a private copy of the gradebook; this process copies the grades back."""
    url = settings(course)["db_url"]

    def one(student, scratch):
        private = Path(scratch) / f"{student}.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), private)
        args = [
            "autograde",
            chapter,
            f"--student={student}",
            "--force",
            f"--CourseDirectory.db_url=sqlite:///{private}",
        ]
        nbgrader(course, *args, check=False, timeout=cluster.STUDENT_TIMEOUT)
        return student, read_grades(f"sqlite:///{private}", chapter, student)

    failures = []
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(jobs) as pool:
        for student, grades in pool.map(lambda s: one(s, scratch), students):
            if grades is None:
                failures.append(student)
            else:
                write_grades(url, chapter, student, grades)
    return failures


def totals(course, chapter):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: round(s.score, 2) for s in gb.find_assignment(chapter).submissions}


def class_of(size):
    """`size` students: the sample class's (handed in as folders), then copies of them under new
    ids (s01-correct-2, ...) for a class larger than the sample."""
    pool = [s for s in sample_class.STUDENTS if not s.colab]
    students = []
    for i in range(size):
        original, copy = pool[i % len(pool)], i // len(pool) + 1
        students.append(original if copy == 1 else dataclasses.replace(original, id=f"{original.id}-{copy}"))
    return students


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
    students = class_of(args.students)
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as tmp:
        os.environ["DLCOURSE_REFERENCE_STORE"] = str(Path(tmp) / "store")  # the release's store, empty
        course = course_config(Path(tmp) / "course")
        sample_class.generate(course / "class", chapter, students)
        release(course, chapter)
        collect(course, chapter, course / "class")
        unpack_submissions(settings(course)["submitted"], chapter, [s.id for s in students])
        one = course / "submitted" / students[0].id / chapter
        cli = [sys.executable, "-m", "grading", "check", str(one), "--chapter", chapter, "--json"]
        cold, _ = timed(subprocess.run, cli, capture_output=True, check=True)
        warm, _ = timed(subprocess.run, cli, capture_output=True, check=True)
        serial, proc = timed(autograde_serial, course, chapter)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
        grades = {"serial": totals(course, chapter)}
        ids = [s.id for s in students]
        parallel, failures = timed(autograde_processes, course, chapter, ids, args.jobs)
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
