"""Students per minute: plain serial `nbgrader autograde` vs `grading.autograde` on all cores.

    python bench/bench_autograde.py [--students N] [--jobs J]

Builds the sample class (grading/sample_class.py) in a scratch course, releases the chapter,
then autogrades the same submissions twice: `nbgrader autograde CHAPTER --force` (one process,
one student after another) and `autograde_parallel` (one nbgrader per student, J at a time,
one gradebook writer). Prints both rates side by side.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grading import sample_class  # noqa: E402
from grading.autograde import autograde_parallel, autograde_serial, course_config  # noqa: E402
from grading.demo import collect, release  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    chapter = sample_class.CHAPTER
    students = [s for s in sample_class.STUDENTS if not s.colab][: args.students]
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as tmp:
        course = course_config(Path(tmp) / "course")
        sample_class.generate(course / "class", chapter, students)
        release(course, chapter)
        collect(course, chapter, course / "class")
        start = time.perf_counter()
        proc = autograde_serial(course, chapter)
        serial = time.perf_counter() - start
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
        start = time.perf_counter()
        failures = autograde_parallel(course, chapter, jobs=args.jobs, progress=False)
        parallel = time.perf_counter() - start
    n = len(students)
    print(f"{n} students of {chapter}, {os.cpu_count()} cores")
    print(f"{'':<28}{'seconds':>9}{'students/min':>14}")
    print(f"{'nbgrader autograde (serial)':<28}{serial:>9.1f}{60 * n / serial:>14.2f}")
    print(f"{f'autograde-parallel (-j {args.jobs})':<28}{parallel:>9.1f}{60 * n / parallel:>14.2f}")
    print(f"speed-up: {serial / parallel:.2f}x" + (f"  ({len(failures)} failed)" if failures else ""))


if __name__ == "__main__":
    main()
