"""Verify the gradebook: re-grade every submission's pristine copy in isolation, report what differs.

    python -m grading verify CHAPTER [--course DIR] [--jobs N] [--report PATH]

Autograde already scores every test cell with the isolated grader, outside the student's
sandboxed kernel (grading/nbgrader_glue/sandboxed_autograde.py). Verify checks that nothing changed since,
trusting nothing a student process could have written. For each submitted student it

- takes (the first time) or reuses the pristine copy of the submission, hashed when it was
  first seen after collect (grading/nbgrader_glue/pristine.py), and reports every file changed since;
- grades that copy with `grading.grader.check` (student code in the sandbox; the reference's results
  from the trusted side) and turns it into points per test cell exactly as autograde does;
- compares them with the gradebook: a score that the grader did not set (autograde's differs
  from this one) is reported, an instructor's manual score is listed; then writes the isolated
  points as the cells' autograde scores (a manual score still wins, as in nbgrader);
- reports the test cells where the notebook printed a score of its own (a notebook that
  replaced the grader's stand-in: the autograde's record) as possible tampering, and flags it.

Each submission first gets its mytorch/ (grading/nbgrader_glue/unpack.py): unpacked from the exchange's
mytorch-handin.zip, or the student edition's stubs when none was handed in (reported). One
submission that cannot be read or graded is reported and the others go on. Re-running gives the
same report and leaves the same gradebook. The report, with the isolation method used, is
written to <--course>/reports/verify-<CHAPTER>.json and .txt, grading/reports/ by default (or
--report PATH.json). Without a working sandbox verify refuses (exit 3), unless
GRADING_SANDBOX= opts in to a weaker method.
"""

import argparse
import ast
import json
import sys
from pathlib import Path

from grading.grader.notebook import cell_points
from grading.grader.sandbox import SandboxUnavailable, require

from . import pristine
from .autograde import COURSE, ROOT, settings
from .unpack import HANDED_IN, unpack_library

TOLERANCE = 0.011  # both sides round to 0.01


def score_calls(source):
    """[(prefixes, points)] of the `score("a", "b", points=N)` calls in a cell's source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "score":
            prefixes = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            points = next(
                (k.value.value for k in node.keywords if k.arg == "points" and isinstance(k.value, ast.Constant)), None
            )
            if prefixes and points is not None:
                calls.append((prefixes, float(points)))
    return calls


def grader_cells(chapter, root=ROOT):
    """{grade_id: (prefixes, points)} of the chapter's test cells that end in score(...)."""
    nb = json.loads((Path(root) / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    found = {}
    for cell in nb["cells"]:
        marks = cell.get("metadata", {}).get("nbgrader", {})
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        calls = score_calls(source) if marks.get("grade") and not marks.get("solution") else []
        if len(calls) == 1:
            found[marks["grade_id"]] = calls[0]
    return found


def notebook_record(path):
    """What autograde recorded in an autograded notebook: {"claims": {grade_id: score the notebook
    printed itself}, "refused": why it was not graded, "isolation": method}, or {} if none."""
    import nbformat

    if not Path(path).is_file():
        return {}
    try:
        return dict(nbformat.read(path, as_version=4).metadata.get("dlcourse", {}))
    except (OSError, ValueError):
        return {}


def gradebook_scores(db_url, chapter, student):
    """{grade_id: (auto_score, manual_score)} of one student's submission, or {} if none."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(chapter, student)
        except MissingEntry:
            return {}
        return {g.name: (g.auto_score, g.manual_score) for nb in submission.notebooks for g in nb.grades}


def isolated_scores(submission, chapter, cells, grade=None):
    """{grade_id: points} from the isolated grader, and its report."""
    from grading.grader.check import grade as grade_submission

    report = (grade or grade_submission)(submission, chapter)
    scores = {}
    for grade_id, (prefixes, points) in cells.items():
        rows = [r for r in report["checks"] if any(r["id"] == p or r["id"].startswith(p + ".") for p in prefixes)]
        part = {"score": sum(r["points"] for r in rows), "max_score": sum(r["max_points"] for r in rows)}
        scores[grade_id] = cell_points(part, points)
    return scores, report


def verify_student(course, chapter, student, cells, grade=None, grader_failed=None):
    """One student's row of the report (grading only; the gradebook is written elsewhere).
    grade: the isolated grade of the pristine copy (`grading.grader.check.grade` by default; verify
    passes the report a Dask task made of it). grader_failed: why the grader could not grade the
    copy (then no cell is verified and the gradebook keeps its scores)."""
    folders = settings(course) if isinstance(course, (str, Path)) else course
    submission = Path(folders["submitted"]) / student / chapter
    autograded = Path(folders["autograded"]) / student / chapter / f"{chapter}.ipynb"
    row = dict(
        student=student,
        autograded=autograded.is_file(),
        library=None,
        changed=[],
        refused=None,
        cells=[],
        diagnosis=[],
        isolation=None,
        autograded_without_library=False,
        grader_failed=grader_failed,
    )
    try:
        row["library"] = unpack_library(submission)
        copy = pristine.keep(submission, Path(folders["submitted"]).parent / "pristine" / student / chapter)
    except Exception as exc:  # one student's unreadable files must not stop the class
        copy = pristine.Pristine(refused=f"the submission could not be read ({type(exc).__name__}: {exc})")
    row["changed"], row["refused"] = copy.changed, copy.refused
    row["autograded_without_library"] = autograded.is_file() and not (autograded.parent / "mytorch").is_dir()
    recorded = gradebook_scores(folders["db_url"], chapter, student)
    claims = notebook_record(autograded).get("claims", {})
    if copy.refused:
        isolated, report = {grade_id: 0.0 for grade_id in cells}, {"checks": [], "isolation": None}
    elif grader_failed:
        isolated, report = {}, {"checks": [], "isolation": None}
    else:
        isolated, report = isolated_scores(copy.files, chapter, cells, grade)
    row["isolation"] = report.get("isolation")
    for grade_id in sorted(set(cells) | set(recorded)):
        mine = isolated.get(grade_id)
        auto, manual = recorded.get(grade_id, (None, None))
        row["cells"].append(
            dict(
                cell=grade_id,
                isolated=mine,
                gradebook=auto,
                manual=manual,
                claimed=claims.get(grade_id),
                verified=mine is not None,
                not_set_by_grader=mine is not None and auto is not None and abs(auto - mine) > TOLERANCE,
                disagreement=grade_id in claims,
            )
        )
    row["diagnosis"] = [r["message"] for r in report["checks"] if not r["passed"]]
    return row


def write_gradebook(db_url, chapter, results):
    """The single writer: isolated scores become the cells' autograde scores; flags set."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        assignment = gb.find_assignment(chapter)
        notebook_name = assignment.notebooks[0].name
        for result in results:
            try:
                gb.find_submission(chapter, result["student"])
            except MissingEntry:
                gb.update_or_create_student(result["student"])
                gb.add_submission(chapter, result["student"])
            for row in result["cells"]:
                if not row["verified"]:
                    continue
                grade = gb.find_grade(row["cell"], notebook_name, chapter, result["student"])
                grade.auto_score = row["isolated"]
                if grade.manual_score is None:
                    grade.needs_manual_grade = False
            notebook = gb.find_submission_notebook(notebook_name, chapter, result["student"])
            notebook.flagged = bool(flags(result))
        gb.db.commit()
        return {s.student.id: (s.score, s.max_score) for s in gb.find_assignment(chapter).submissions}


def flags(result):
    """Why a student's result needs the instructor's eye (each a line of the report), or []."""
    lines = []
    claimed = [r for r in result["cells"] if r["disagreement"]]
    if claimed:
        lines.append(
            "POSSIBLE TAMPERING: the notebook printed scores of its own in "
            + ", ".join(
                f"{r['cell']} ({r['claimed']:g} claimed, {r['isolated']:g} graded)"
                if isinstance(r["claimed"], float)
                else r["cell"]
                for r in claimed
            )
        )
    for r in result["cells"]:
        if r["not_set_by_grader"]:
            lines.append(
                f"SCORE NOT SET BY THE GRADER: {r['cell']} was {r['gradebook']:g} in the gradebook, "
                f"the grader gives {r['isolated']:g} (now corrected)"
            )
    if result["changed"]:
        lines.append(
            "SUBMISSION CHANGED since it was collected (the collected copy is graded): "
            + ", ".join(result["changed"][:10])
            + (" ..." if len(result["changed"]) > 10 else "")
        )
    if result["refused"]:
        lines.append(f"NOT GRADED: {result['refused']}")
    if result.get("grader_failed"):
        lines.append(
            f"NOT VERIFIED: the grader failed on this copy twice ({result['grader_failed'][:300]}); "
            "its scores are autograde's: run verify again"
        )
    return lines


def text_report(chapter, results, totals):
    isolation = sorted({r["isolation"] for r in results if r["isolation"]})
    lines = [
        f"verify {chapter}: the gradebook against the isolated grader on each collected copy",
        f"isolation: {', '.join(isolation) or 'none (nothing graded)'}",
        "",
    ]
    for result in results:
        score, max_score = totals.get(result["student"], (0, 0))
        problems = flags(result)
        lines.append(f"{result['student']}: {score:g} / {max_score:g}  {'CHECK' if problems else 'ok'}")
        lines += [f"    {line}" for line in problems]
        if not result["autograded"]:
            lines.append("    no autograded notebook (nbgrader autograde failed): isolated scores only")
        if result["library"] not in (HANDED_IN, None):
            lines.append(f"    {result['library']}")
        if result["autograded_without_library"]:
            lines.append("    autograded without its mytorch/ (unpacked later): re-run autograde for this student")
        for row in result["cells"]:
            if row["manual"] is not None:
                lines.append(f"    {row['cell']}: manual score {row['manual']:g} (the grader's {row['isolated']:g})")
        unverified = [r["cell"] for r in result["cells"] if not r["verified"]]
        if unverified:
            lines.append(f"    not verified (no isolated check): {', '.join(unverified)}")
    return "\n".join(lines) + "\n"


def verify(course, chapter, jobs=None, progress=True, report=None, scheduler=None):
    """Verify every submitted student of `chapter`; returns (results, totals, report path).
    The copies are graded on Dask (grading/nbgrader_glue/cluster.py): a LocalCluster of `jobs` workers, or the
    cluster at `scheduler`; this process alone writes the gradebook and the report."""
    if not scheduler:
        require()  # a LocalCluster's workers run here (remote workers refuse on their own)
    folders = settings(course)
    cells = grader_cells(chapter)
    submitted = Path(folders["submitted"])
    students = sorted(p.name for p in submitted.iterdir() if (p / chapter).is_dir()) if submitted.is_dir() else []
    results = []
    if students:
        from .cluster import ReleaseMismatch, grade_copies

        reports = grade_copies(folders, chapter, students, jobs, scheduler, progress)
        failed = {s: r for s, r in reports.items() if isinstance(r, BaseException)}
        whole_class = [e for e in failed.values() if isinstance(e, (SandboxUnavailable, ReleaseMismatch))]
        if whole_class or (failed and len(failed) == len(reports)):  # the grader is broken, not a copy
            exc = (whole_class or list(failed.values()))[0]
            if isinstance(exc, SandboxUnavailable):
                raise exc
            raise RuntimeError(
                f"verify {chapter}: grading failed for {', '.join(sorted(failed))}: {type(exc).__name__}: {exc}"
            )
        for student in students:
            graded = reports.get(student)
            if isinstance(graded, BaseException):  # its task failed on two workers: said, the others go on
                why = f"{type(graded).__name__}: {graded}"
                results.append(verify_student(folders, chapter, student, cells, grader_failed=why))
                continue
            results.append(
                verify_student(
                    folders, chapter, student, cells, grade=(lambda *_, report=graded: report) if graded else None
                )
            )
    totals = write_gradebook(folders["db_url"], chapter, results)
    report = Path(report) if report else Path(course).resolve() / "reports" / f"verify-{chapter}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        json.dumps(
            {"chapter": chapter, "students": results, "totals": {k: list(v) for k, v in totals.items()}}, indent=1
        )
        + "\n"
    )
    report.with_suffix(".txt").write_text(text_report(chapter, results, totals))
    return results, totals, report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading verify", description=__doc__.splitlines()[0])
    parser.add_argument("chapter")
    parser.add_argument(
        "--course",
        type=Path,
        default=COURSE / "grading",
        help="folder holding the course's nbgrader_config.py (default: grading/)",
    )
    parser.add_argument("--jobs", type=int, help="students graded at once (default: the cores)")
    parser.add_argument("--report", type=Path, help="report file (.json; a .txt is written next to it)")
    parser.add_argument("--scheduler", help="a Dask scheduler's address (tcp://HOST:8786); default: a LocalCluster")
    args = parser.parse_args(argv)
    try:
        results, totals, report = verify(
            args.course, args.chapter, args.jobs, report=args.report, scheduler=args.scheduler
        )
    except SandboxUnavailable as exc:
        print(exc, file=sys.stderr)
        return 3
    print(report.with_suffix(".txt").read_text(), end="")
    print(f"report: {report} (and .txt)")
    return 1 if any(r.get("grader_failed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
