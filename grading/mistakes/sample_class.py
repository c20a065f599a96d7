"""A simulated class of submissions, for the grading demo and its tests.

    python -m grading sample-class [--chapter optimization|CHAPTER|all] [--out grading/sample_class] [--grade]

Generated, never hand-edited (and gitignored): each student is the student edition of the
chapter notebook plus a copy of the reference mytorch with planted text substitutions, so
the class follows the reference as it changes. The optimization chapter has the demo's ten
students (correct, partial, syntax error, hostile, ...); every chapter has "typical mistakes"
students, `<chapter>-typical-a`, -b, ..., built from the catalogue grading/mistakes/ (each
mistake planted once; no two of a student's mistakes touch the same check). `--grade` grades
the typical students with the isolated grader and prints who lost what. Written as

    OUT/<student>/<chapter>/<chapter>.ipynb + mytorch/     (what `nbgrader collect` would give)
    OUT/<student>/<chapter>/<chapter>.ipynb + mytorch-handin.zip   (an exchange submission)
    OUT/downloads/<student>_<chapter>.zip                 (an LMS download of a Colab hand-in)

Every substitution must match the reference exactly once, so a change to the reference that
makes a planted mistake meaningless fails the generation instead of silently grading a
correct file.
"""

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grading import mistakes as catalogue
from grading.edition.regions import find_regions
from grading.edition.release import ROOT, files_under
from grading.grader.checks import CHAPTERS
from grading.handin import LIBRARY_ZIP, library_source, pack_files, zip_files

OUT = ROOT / "grading" / "sample_class"
CHAPTER = "optimization"
SGD, ADAM, RMS, BN = "optim/sgd.py", "optim/adam.py", "optim/rmsprop.py", "nn/batchnorm.py"


@dataclass
class Student:
    id: str
    what: str
    edits: list = field(default_factory=list)  # (mytorch file, reference text, planted text)
    stubs: list = field(default_factory=list)  # exercise numbers left as the stub ("5.4")
    notebook: str = "plain"  # how the notebook is handed in, see NOTEBOOK
    colab: bool = False  # handed in as a zip (python -m grading pack)
    exchange: bool = False  # submitted through nbgrader's exchange: mytorch/
    # travels as mytorch-handin.zip (the Hand in cell)
    chapter: str = None  # the chapter handed in (default: generate's)
    answers: list = field(default_factory=list)  # (source text, planted text) in solution cells
    library: bool = True  # False: hands in the notebook alone (graded against the course's stubs)


# The grader patched from a notebook cell: the in-kernel score says full marks.
HOSTILE_CELL = """import grading.grader.notebook, pathlib
# read what should be out of reach, then make every hidden test report full points
_peek = [p.name for p in pathlib.Path("../../..").iterdir()]
grading.grader.notebook.score = lambda *prefixes, points, **kw: float(points)
"""

# Everything a student could try from a notebook cell during autograde (each attempt is recorded
# in the cell's output; tests/test_nbgrader_demo.py asserts every one was refused). The host
# paths are the ones a student of this course could guess: the repository's, the grader's home.
INTRUDER_CELL = """import glob, json, os, pathlib, socket, sqlite3, subprocess, sys
tried = {{}}
def attempt(name, action):
    try:
        result = action()
        tried[name] = "DONE" + ("" if result is None else f": {{str(result)[:80]}}")
    except BaseException as exc:
        tried[name] = f"refused ({{type(exc).__name__}})"
def find(names):
    found = []
    for top, dirs, files in os.walk("/"):
        if top.startswith(("/proc", "/sys", "/usr", "/dev")) or "site-packages" in top:
            dirs[:] = []
        found += [os.path.join(top, n) for n in dirs + files if n in names]
    return found or 1 / 0
root, courses = pathlib.Path({root!r}), [pathlib.Path(c) for c in {courses!r}]
attempt("read the reference", lambda: print((root / "solutions/mytorch/optim/adam.py").read_text()))
attempt("the reference through /proc", lambda: glob.glob("/proc/*/cwd/../solutions/mytorch") or 1 / 0)
attempt("find the course", lambda: find({{"gradebook.db", "solutions", "submitted", "autograded", "exchange"}}))
attempt("write a gradebook", lambda: [sqlite3.connect(str(c / "gradebook.db")).execute("create table owned(x)")
                                      for c in courses if (c / "gradebook.db").exists()] or 1 / 0)
attempt("a classmate's library", lambda: [open(str(c / "submitted/s01-correct/optimization/mytorch/optim/sgd.py"), "a")
                                          for c in courses])
attempt("poison the reference results", lambda: [(pathlib.Path(p) / "owned").write_text("0") for p in {caches!r}])
attempt("kernel settings", lambda: open("/proc/sys/kernel/core_pattern", "w"))
attempt("mount", lambda: subprocess.run(["mount", "-t", "tmpfs", "x", "/tmp"], check=True, capture_output=True))
attempt("become root", lambda: os.setuid(0))
attempt("the network", lambda: socket.create_connection(("127.0.0.1", 22), timeout=1))
daemon = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(0.2)"],
                          start_new_session=True)
seen = []  # every later cell's source (the hidden tests too), printed under each later cell
get_ipython().events.register("pre_run_cell", lambda info: seen.append(info.raw_cell))
get_ipython().events.register("post_run_cell", lambda result: print("\\n".join(seen)))
print("INTRUDER " + json.dumps(tried))
print("INTRUDER-UID", os.getuid())
"""


STUDENTS = [
    Student("s01-correct", "the reference: every exercise right"),
    Student("s02-partial", "Adam, AdamW and BatchNorm1d.backward not done (stubs)", stubs=["5.6", "5.7", "5.9"]),
    Student(
        "s03-momentum",
        "SGD forgets the momentum buffer",
        edits=[(SGD, "grad = grad + momentum * buf if nesterov else buf", "grad = grad")],
    ),
    Student(
        "s04-adam-bias",
        "Adam without bias correction of the second moment",
        edits=[(ADAM, "denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps", "denom = np.sqrt(v) + eps")],
    ),
    Student(
        "s05-bn-running-var",
        "BatchNorm1d keeps the biased variance as running variance",
        edits=[(BN, "m * var * N / (N - 1)", "m * var")],
    ),
    Student(
        "s06-syntax-error",
        "a syntax error in optim/rprop.py: only Rprop fails (it names the file and line)",
        edits=[("optim/rprop.py", "import numpy as np", "import numpy as np\ndef broken(:\n")],
    ),
    Student(
        "s07-edited-tests", "correct code; one test cell deleted, another replaced by `1.0`", notebook="edited_tests"
    ),
    Student(
        "s08-stripped-metadata", "correct code; every cell's nbgrader metadata stripped", notebook="stripped_metadata"
    ),
    Student(
        "s09-hostile",
        "nothing done; a cell replaces the grader's score() by full points",
        stubs=["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "5.8", "5.9"],
        notebook="hostile",
    ),
    Student(
        "s10-colab",
        "RMSprop without the square root, handed in from Colab as a zip",
        edits=[(RMS, 'avg = np.sqrt(state["square_avg"]) + eps', 'avg = state["square_avg"] + eps')],
        colab=True,
    ),
    Student(
        "s12-intruder",
        "nothing done; a cell tries to read the reference, write the gradebook and a "
        "classmate's files, leave a daemon, and copy the hidden tests into its outputs",
        stubs=["5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "5.8", "5.9"],
        notebook="intruder",
    ),
    Student(
        "s11-exchange",
        "Adagrad without the square root, submitted through the nbgrader exchange "
        "(its mytorch/ arrives as mytorch-handin.zip)",
        edits=[("optim/adagrad.py", 'np.sqrt(state["sum"]) + eps', 'state["sum"] + eps')],
        exchange=True,
    ),
    Student(
        "s13-no-library",
        "hands in the notebook only: its mytorch/ never came (graded against the course's stubs)",
        library=False,
    ),
]


class SampleError(RuntimeError):
    """A planted substitution no longer fits the reference."""


def typical_students(chapter=None):
    """The typical-mistakes students of `chapter` (of all chapters by default), from the catalogue."""
    students = []
    for t in catalogue.typical(chapter):
        planted = catalogue.mistakes_of(t)
        edits = [(where, old, new) for m in planted for where, old, new in m.edits if where != catalogue.NOTEBOOK]
        answers = [(old, new) for m in planted for where, old, new in m.edits if where == catalogue.NOTEBOOK]
        what = "; ".join(f"{m.exercise}: {m.what}" for m in planted)
        students.append(Student(t.id, what, edits=edits, chapter=t.chapter, answers=answers))
    return students


def stub_exercises(text, exercises, path):
    """text with the solution regions of `exercises` (numbers, "5.4") replaced by their stubs."""
    lines = text.splitlines(keepends=True)
    for region in reversed(find_regions(text, path)):
        if region.exercise.split()[0] in exercises:
            lines[region.begin - 1 : region.end] = [region.stub() + "\n"]
    return "".join(lines)


def student_library(student, reference=ROOT / "solutions" / "mytorch"):
    """{"mytorch/<path>": text} of one student: the reference with the student's plants."""
    files = {rel: (reference / rel).read_text() for rel in files_under(reference)}
    for rel, old, new in student.edits:
        if files[rel].count(old) != 1:
            raise SampleError(
                f"{student.id}: `{old}` occurs {files[rel].count(old)} times in solutions/mytorch/{rel} (expected once)"
            )
        files[rel] = files[rel].replace(old, new)
    if student.stubs:
        for rel in files:
            if rel.endswith(".py"):
                files[rel] = stub_exercises(files[rel], set(student.stubs), rel)
    return {f"mytorch/{rel}": text for rel, text in files.items()}


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def student_notebook(student, chapter, root=ROOT, courses=()):
    """The chapter's student edition as this student hands it in (solution cells filled)."""
    nb = json.loads((root / "chapters" / chapter / f"{chapter}.ipynb").read_text())
    source = json.loads((root / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    answers = {_nbgrader(c)["grade_id"]: "".join(c["source"]) for c in source["cells"] if _nbgrader(c).get("solution")}
    for old, new in student.answers:
        hits = [key for key, text in answers.items() if old in text]
        if len(hits) != 1 or answers[hits[0]].count(old) != 1:
            raise SampleError(
                f"{student.id}: `{old}` occurs {sum(t.count(old) for t in answers.values())} times "
                f"in the solution cells of solutions/{chapter}/{chapter}.ipynb (expected once)"
            )
        answers[hits[0]] = answers[hits[0]].replace(old, new)
    for cell in nb["cells"]:
        marks = _nbgrader(cell)
        if marks.get("solution") and marks.get("grade_id") in answers:
            text = answers[marks["grade_id"]]
            cell["source"] = "\n".join(line for line in text.splitlines() if "SOLUTION" not in line)
    tests = [c for c in nb["cells"] if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")]
    if student.notebook == "edited_tests":
        nb["cells"].remove(tests[0])
        tests[1]["source"] = "1.0  # full marks, surely"
    elif student.notebook == "stripped_metadata":
        for cell in nb["cells"]:
            cell["metadata"] = {}
    elif student.notebook == "hostile":
        nb["cells"].insert(
            1,
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "hostile",
                "metadata": {},
                "outputs": [],
                "source": HOSTILE_CELL,
            },
        )
    elif student.notebook == "intruder":
        cell = INTRUDER_CELL.format(
            root=str(root),
            courses=[str(c) for c in courses],
            caches=[str(Path.home() / ".cache" / "dlcourse" / "reference"), str(root / "grading" / ".reference")],
        )
        nb["cells"].insert(
            1,
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "intruder",
                "metadata": {},
                "outputs": [],
                "source": cell,
            },
        )
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def student_files(student, chapter=CHAPTER, root=ROOT, courses=()):
    """{relative path: text} of one submission folder (notebook, the chapter's helper modules
    as released, and mytorch/)."""
    files = student_library(student, root / "solutions" / "mytorch")
    for helper in sorted((root / "chapters" / chapter).glob("*.py")):
        files[helper.name] = helper.read_text()
    files[f"{chapter}.ipynb"] = student_notebook(student, chapter, root, courses)
    return files


def generate(out=OUT, chapter=CHAPTER, students=STUDENTS, root=ROOT):
    """Write the class into `out` (replacing what was there); returns the students' ids.
    A student without a chapter of its own hands in `chapter`."""
    out, default_chapter = Path(out), chapter
    if out.exists():
        shutil.rmtree(out)
    for student in students:
        chapter = student.chapter or default_chapter
        files = student_files(student, chapter, root, courses=[out.parent, root / "grading" / "demo"])
        if not student.library:
            files = {path: text for path, text in files.items() if not path.startswith("mytorch/")}
        if student.colab:
            data = {path: text.encode() for path, text in files.items()}
            target = out / "downloads" / f"{student.id}_{chapter}.zip"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zip_files(pack_files(data)))
            continue
        if student.exchange:
            library = {path: text.encode() for path, text in files.items() if library_source(path)}
            files = {path: text for path, text in files.items() if path not in library}
            target = out / student.id / chapter / LIBRARY_ZIP
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zip_files(library))
        for path, text in files.items():
            target = out / student.id / chapter / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    (out / "README.md").write_text(
        "# The sample class (GENERATED by `python -m grading sample-class`; do not edit)\n\n"
        + "".join(f"- `{s.id}` ({s.chapter or default_chapter}): {s.what}\n" for s in students)
    )
    return [s.id for s in students]


def class_of(chapter):
    """The students `python -m grading sample-class --chapter X` writes ("all": every chapter's)."""
    chapters = CHAPTERS if chapter == "all" else [chapter]
    return [*(STUDENTS if CHAPTER in chapters else []), *(s for c in chapters for s in typical_students(c))]


def grade_typical(chapter="all", progress=print):
    """Grade every typical student with the isolated grader (grading.grader.check); returns rows
    (student, chapter, score, max score, [(check id, the cause named, or "NOT NAMED")])."""
    from grading.grader.check import grade

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        students = typical_students(None if chapter == "all" else chapter)
        generate(scratch, students=students)
        for student in students:
            report = grade(Path(scratch) / student.id / student.chapter, student.chapter)
            checks = {r["id"]: r for r in report["checks"]}
            named = []
            typical = next(t for t in catalogue.TYPICAL if t.id == student.id)
            for m in catalogue.mistakes_of(typical):
                for check_id in m.fails:
                    row = checks[f"{student.chapter}.{check_id}"]
                    ok = not row["passed"] and m.expected_text() in row["message"]
                    named.append((check_id, m.expected_text().removeprefix("Likely cause: ") if ok else "NOT NAMED"))
            rows.append((student.id, student.chapter, report["score"], report["max_score"], named))
            if progress:
                progress(f"graded {student.id}: {report['score']:g} / {report['max_score']:g}")
    return rows


def grade_table(rows):
    lines = [f"{'student':<36} {'score':>11}  mistakes named (check: cause)"]
    for student, _, score, top, named in rows:
        lines.append(f"{student:<36} {score:>5g} / {top:<3g}  " + "; ".join(f"{c}: {n}" for c, n in named))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading sample-class", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--chapter",
        default=CHAPTER,
        choices=[*CHAPTERS, "all"],
        help="the demo's optimization class (default), one chapter's typical students, or all",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--grade", action="store_true", help="also grade the typical students (isolated grader) and print a table"
    )
    args = parser.parse_args(argv)
    try:
        catalogue.validate()
        ids = generate(args.out, CHAPTER, class_of(args.chapter))  # the demo students hand in CHAPTER
    except (SampleError, catalogue.CatalogueError) as err:
        print(f"sample-class: {err}", file=sys.stderr)
        return 1
    print(f"sample class of {len(ids)} students ({args.chapter}) in {args.out}")
    if args.grade:
        print(grade_table(grade_typical(args.chapter)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
