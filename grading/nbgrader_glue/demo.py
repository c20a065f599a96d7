"""The instructor's whole grading workflow on the sample class (`make grade-demo`).

    python -m grading grade-demo [--course grading/demo] [--chapter optimization] [--jobs N]

Steps, each one command an instructor runs on a real class (see grading/README.md):
generate the sample class -> release (nbgrader generate_assignment) -> collect (folders into
submitted/, the Colab zip through `nbgrader zip_collect`) -> autograde (parallel) -> verify
(isolated re-grade, tampering report) -> feedback (HTML, hidden tests stripped) -> export
(grades.csv). The course folder is a scratch one (gitignored) with its own gradebook; the
course's own grading/gradebook.db is never touched. Re-running gives the same grades.
"""

import argparse
import csv
import shutil
import sys
import time
from pathlib import Path

from grading.edition.release import ROOT
from grading.grader.sandbox import require
from grading.mistakes import sample_class

from . import cluster
from .autograde import course_config, nbgrader
from .unpack import unpack_submissions
from .verify import flags, verify

DEMO = ROOT / "grading" / "demo"


def release(course, chapter):
    source = course / "source" / chapter
    source.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "solutions" / chapter / f"{chapter}.ipynb", source / f"{chapter}.ipynb")
    nbgrader(course, "generate_assignment", chapter, "--force")


def collect(course, chapter, klass):
    """Submission folders as nbgrader's `collect` leaves them; LMS zips through zip_collect;
    then every submission's mytorch/ (unpacked from an exchange hand-in, or the stubs)."""
    for folder in sorted(klass.iterdir()):
        if (folder / chapter).is_dir():
            target = course / "submitted" / folder.name / chapter
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(folder / chapter, target)
    zips = sorted((klass / "downloads").glob(f"*_{chapter}.zip"))
    if zips:
        archive = course / "downloaded" / chapter / "archive"
        if archive.exists():
            shutil.rmtree(archive)
        archive.mkdir(parents=True)
        for path in zips:
            shutil.copyfile(path, archive / path.name)
        nbgrader(course, "zip_collect", chapter, "--force")
    roster(course, sorted(p.name for p in (course / "submitted").iterdir() if (p / chapter).is_dir()))
    return unpack_submissions(course / "submitted", chapter)


def student_name(student_id):
    """(first, last) of a sample student: "s03-momentum" -> ("Momentum", "Sample 03")."""
    number, _, what = student_id.partition("-")
    return (what.replace("-", " ").capitalize() or student_id), f"Sample {number.lstrip('s') or number}"


def roster(course, students):
    """Give the students their names in the gradebook, as an instructor does with the class list:
    `nbgrader db student import roster.csv` (else the formgrader shows "None, None")."""
    path = Path(course) / "roster.csv"
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "first_name", "last_name", "email"])
        for student in students:
            out.writerow([student, *student_name(student), ""])
    nbgrader(course, "db", "student", "import", str(path))
    return path


def export(course):
    out = course / "grades.csv"
    nbgrader(course, "export", f"--to={out}")
    return out


def grade_table(csv_path, chapter, results):
    """The grades, each with its isolation method and verify's verdict."""
    with open(csv_path) as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == chapter]
    by_student = {r["student"]: r for r in results}
    lines = [f"{'student':<24} {'score':>6} {'max':>5}  {'isolation':<9}  verify"]
    for r in sorted(rows, key=lambda r: r["student_id"]):
        result = by_student.get(r["student_id"], {})
        problems = flags(result) if result else ["not verified"]
        lines.append(
            f"{r['student_id']:<24} {float(r['score']):>6.2f} {float(r['max_score']):>5g}  "
            f"{result.get('isolation') or '-':<9}  {problems[0].split(':')[0] if problems else 'ok'}"
        )
    return "\n".join(lines)


def run(
    course=DEMO, chapter=sample_class.CHAPTER, jobs=None, progress=True, students=sample_class.STUDENTS, timed_out=None
):
    """The whole pipeline; returns (grades.csv path, verify results). Students killed at the
    autograde's timeout go into the dict `timed_out` if given (grading.nbgrader_glue.cluster.autograde)."""
    from tqdm import tqdm

    require()
    klass = sample_class.OUT if Path(course).resolve() == DEMO else Path(course).resolve() / "sample_class"
    course = course_config(course)
    steps = ["generate", "release", "collect", "autograde", "verify", "feedback", "export"]
    results = out = None
    started = time.monotonic()
    with tqdm(
        steps, desc="grade-demo", unit="step", disable=not progress, bar_format="{desc}{postfix} [{elapsed} so far]"
    ) as bar:
        for number, step in enumerate(bar, start=1):
            bar.set_description_str(f"grade-demo step {number}/{len(steps)}", refresh=False)
            bar.set_postfix_str(f"{step}: {STEPS[step].format(n=len(students))}")
            began = time.monotonic()
            if step == "generate":
                sample_class.generate(klass, chapter, students)
            elif step == "release":
                release(course, chapter)
            elif step == "collect":
                collect(course, chapter, klass)
            elif step == "autograde":
                failures = cluster.autograde(
                    course, chapter, jobs=jobs, force=True, progress=progress, timed_out=timed_out
                )
                for student, log in failures.items():
                    tqdm.write(f"autograde failed for {student} (verify grades it in isolation):\n{log[-600:]}")
            elif step == "verify":
                results, _, _ = verify(course, chapter, jobs=jobs, progress=progress)
            elif step == "feedback":
                done = nbgrader(course, "generate_feedback", chapter, "--force", check=False)
                if done.returncode != 0:
                    tqdm.write(f"generate_feedback failed for some students:\n{done.stderr[-600:]}")
            elif step == "export":
                out = export(course)
            if progress:
                tqdm.write(
                    f"grade-demo: step {number}/{len(steps)} {step} done in {time.monotonic() - began:.0f} s "
                    f"({time.monotonic() - started:.0f} s in all)"
                )
    return out, results


# What each step does, shown while it runs (the autograde and verify steps add a bar per student,
# with the time left). Expected times on the 2-core course machine: grading/README.md.
STEPS = {
    "generate": "writing the sample class ({n} students)",
    "release": "nbgrader generate_assignment",
    "collect": "submissions, LMS zips, the roster, each student's mytorch/",
    "autograde": "{n} notebooks in sandboxed kernels",
    "verify": "re-grading {n} collected copies in isolation",
    "feedback": "nbgrader generate_feedback (HTML, with the summary)",
    "export": "grades.csv",
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading grade-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=DEMO, help="scratch course folder (default: grading/demo)")
    parser.add_argument("--chapter", default=sample_class.CHAPTER)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args(argv)
    out, results = run(args.course, args.chapter, args.jobs)
    print(grade_table(out, args.chapter, results))
    print(
        f"\ngrades: {out}\nverify report: {args.course / 'reports' / f'verify-{args.chapter}.txt'}\n"
        f"feedback: {args.course / 'feedback'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
