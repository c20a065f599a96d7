"""After `nbgrader autograde`: re-grade every submission in isolation; the gradebook gets those scores.

    python -m grading verify CHAPTER [--course DIR] [--jobs N] [--report PATH]

nbgrader's score of a test cell is whatever the student's kernel printed last, and student
code shares that kernel (it can patch the grader, numpy, builtins). For each submitted
student this command grades the submission folder with `grading.check` (student code in a
sandbox, the reference in another process), turns it into points per test cell exactly as the
cell's `score(...)` call does, and

- writes those points into the gradebook as the cell's autograde score (an instructor's
  manual score still wins, as in nbgrader);
- compares them with the in-notebook result (read from the autograded notebook, scored as
  nbgrader scores it) and lists every disagreement as possible tampering, flagging the
  notebook in the gradebook.

Each submission first gets its mytorch/ (grading/unpack.py): unpacked from the exchange's
mytorch-handin.zip, or the student edition's stubs when none was handed in (reported). A
student autograded before that (no mytorch/ in its autograded folder) is reported too: re-run
autograde, or the in-notebook scores were computed without the student's library.

Test cells without a `score(...)` call (notebook exercises the isolated grader cannot run yet)
keep nbgrader's score and are reported as "not verified". Re-running gives the same report and
leaves the same gradebook. The report is written to <--course>/reports/verify-<CHAPTER>.json
and .txt, grading/reports/ by default (or --report PATH.json).
"""
import argparse
import ast
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .autograde import COURSE, ROOT, settings
from .notebook import cell_points
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
            points = next((k.value.value for k in node.keywords if k.arg == "points"
                           and isinstance(k.value, ast.Constant)), None)
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


def notebook_scores(path):
    """{grade_id: in-notebook score} of an autograded notebook, scored as nbgrader scores it."""
    import logging

    import nbformat
    from nbgrader import utils

    if not Path(path).is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    scores = {}
    for cell in nb.cells:
        if utils.is_grade(cell):
            try:
                scores[cell.metadata.nbgrader["grade_id"]] = utils.determine_grade(cell, logging.getLogger("verify"))[0]
            except ValueError:  # a score above the cell's points: nbgrader fails the student
                scores[cell.metadata.nbgrader["grade_id"]] = None
    return scores


def isolated_scores(submission, chapter, cells, grade=None):
    """{grade_id: points} from the isolated grader, and its report."""
    from .check import grade as grade_submission

    report = (grade or grade_submission)(submission, chapter)
    scores = {}
    for grade_id, (prefixes, points) in cells.items():
        rows = [r for r in report["checks"] if any(r["id"] == p or r["id"].startswith(p + ".") for p in prefixes)]
        part = {"score": sum(r["points"] for r in rows), "max_score": sum(r["max_points"] for r in rows)}
        scores[grade_id] = cell_points(part, points)
    return scores, report


def verify_student(course, chapter, student, cells):
    """One student's row of the report (grading only; the gradebook is written elsewhere)."""
    folders = settings(course) if isinstance(course, (str, Path)) else course
    submission = Path(folders["submitted"]) / student / chapter
    autograded = Path(folders["autograded"]) / student / chapter / f"{chapter}.ipynb"
    library = unpack_library(submission)
    in_notebook = notebook_scores(autograded)
    isolated, report = isolated_scores(submission, chapter, cells)
    rows = []
    for grade_id in sorted(set(in_notebook) | set(cells)):
        mine, theirs = isolated.get(grade_id), in_notebook.get(grade_id)
        disagree = mine is not None and (theirs is None or abs(mine - theirs) > TOLERANCE)
        rows.append(dict(cell=grade_id, isolated=mine, in_notebook=theirs, verified=mine is not None,
                         disagreement=disagree))
    failed = [r["message"] for r in report["checks"] if not r["passed"]]
    return dict(student=student, autograded=autograded.is_file(), library=library,
                autograded_without_library=autograded.is_file() and not (autograded.parent / "mytorch").is_dir(),
                cells=rows, diagnosis=failed)


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
            notebook.flagged = any(r["disagreement"] for r in result["cells"])
        gb.db.commit()
        return {s.student.id: (s.score, s.max_score) for s in gb.find_assignment(chapter).submissions}


def text_report(chapter, results, totals):
    lines = [f"verify {chapter}: isolated grader vs in-notebook scores", ""]
    for result in results:
        score, max_score = totals.get(result["student"], (None, None))
        flags = [r for r in result["cells"] if r["disagreement"]]
        state = "POSSIBLE TAMPERING" if flags else "ok"
        lines.append(f"{result['student']}: {score:g} / {max_score:g}  {state}")
        if not result["autograded"]:
            lines.append("    no autograded notebook (nbgrader autograde failed): isolated scores only")
        if result["library"] != HANDED_IN:
            lines.append(f"    {result['library']}")
        if result["autograded_without_library"]:
            lines.append("    autograded without its mytorch/ (unpacked later): re-run autograde for this student")
        for row in flags:
            theirs = "missing" if row["in_notebook"] is None else f"{row['in_notebook']:g}"
            lines.append(f"    {row['cell']}: in-notebook {theirs}, isolated grader {row['isolated']:g}")
        unverified = [r["cell"] for r in result["cells"] if not r["verified"]]
        if unverified:
            lines.append(f"    not verified (no isolated check): {', '.join(unverified)}")
    return "\n".join(lines) + "\n"


def verify(course, chapter, jobs=None, progress=True, report=None):
    """Verify every submitted student of `chapter`; returns (results, totals, report path)."""
    from tqdm import tqdm

    folders = settings(course)
    cells = grader_cells(chapter)
    submitted = Path(folders["submitted"])
    students = sorted(p.name for p in submitted.iterdir() if (p / chapter).is_dir()) if submitted.is_dir() else []
    results = []
    if students:
        # The reference runs once, for everyone: grade the first student before the others.
        results.append(verify_student(folders, chapter, students[0], cells))
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool, \
                tqdm(total=len(students), initial=1, desc=f"verify {chapter}", unit="student",
                     disable=not progress) as bar:
            for result in pool.map(lambda s: verify_student(folders, chapter, s, cells), students[1:]):
                results.append(result)
                bar.update(1)
    totals = write_gradebook(folders["db_url"], chapter, results)
    report = Path(report) if report else Path(course).resolve() / "reports" / f"verify-{chapter}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"chapter": chapter, "students": results,
                                  "totals": {k: list(v) for k, v in totals.items()}}, indent=1) + "\n")
    report.with_suffix(".txt").write_text(text_report(chapter, results, totals))
    return results, totals, report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading verify", description=__doc__.splitlines()[0])
    parser.add_argument("chapter")
    parser.add_argument("--course", type=Path, default=COURSE / "grading",
                        help="folder holding the course's nbgrader_config.py (default: grading/)")
    parser.add_argument("--jobs", type=int, help="students graded at once (default: the cores)")
    parser.add_argument("--report", type=Path, help="report file (.json; a .txt is written next to it)")
    args = parser.parse_args(argv)
    results, totals, report = verify(args.course, args.chapter, args.jobs, report=args.report)
    print(report.with_suffix(".txt").read_text(), end="")
    print(f"report: {report} (and .txt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
