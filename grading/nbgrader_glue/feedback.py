"""The feedback preprocessor: students see their diagnosis, never the hidden tests.

nbgrader's `generate_feedback` renders the autograded notebook, whose test cells hold the
full source (hidden tests included) and whose errors carry tracebacks through that source
(nbgrader issues 917, 1363). In every grade cell this preprocessor removes the hidden-test
region, keeps only the last line of an error (`AssertionError: ...`), and keeps printed
output (the grader's table and diagnosis). Listed in grading/nbgrader_config.py.
"""

import html
import json
import os
import re
from pathlib import Path

from nbformat.v4 import new_markdown_cell, new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List

from grading.course import ROOT

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
NOTE = "# (hidden tests run here; your diagnosis is printed below)"


def strip_hidden(source):
    """source with each BEGIN ... END HIDDEN TESTS region replaced by one note line."""
    kept, inside = [], False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
            kept.append(line[: len(line) - len(line.lstrip())] + NOTE)
        elif END in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def short_error(output):
    """An error output reduced to `Name: message` (its traceback shows the hidden code)."""
    output.traceback = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return output


class CoursePreprocessor(NbGraderPreprocessor):
    """The course's nbgrader preprocessors. nbconvert's HTML exporter configures every
    NbConvertBase's display_data_priority, which nbgrader's base class declares without
    config=True: without this trait each run warns "Config option ... not recognized"."""

    display_data_priority = List(
        ["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]
    ).tag(config=True)


class HideHiddenTests(CoursePreprocessor):
    """Strip hidden tests and tracebacks from grade cells (and any cell holding a marker)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        hidden = BEGIN in cell.source
        if hidden:
            cell.source = strip_hidden(cell.source)
        if hidden or utils.is_grade(cell):
            cell.outputs = [short_error(o) if o.output_type == "error" else o for o in cell.outputs]
        return cell, resources


# ---------------------------------------------------------------- the summary

SUMMARY_ID = "dlcourse-feedback-summary"
TOLERANCE = 0.011  # scores are rounded to 0.01 on both sides


def exercise_key(title):
    """("5.1", "SGD (momentum)") of a check's exercise title "5.1 SGD (momentum)"."""
    number, _, name = title.partition(" ")
    return number, name


def exercise_name(names):
    """The name shared by an exercise's checks: "Linear" of "Linear.forward" and "Linear.backward"."""
    names = sorted(set(names))
    if len(names) == 1:
        return names[0].split(":")[0].strip()
    common = os.path.commonprefix(names).split(":")[0]
    common = common.rstrip(" (.")
    return common or names[0]


def next_step(message, number, handed_in=True):
    """What to do next, from the grader's message of a failing check."""
    broken = re.search(r"could not import (mytorch/\S+\.py): (\w+)[^;]*?(\(line \d+\))?(?:;|$)", message)
    if broken:
        where = f"{broken[1]} {broken[3] or ''}".strip()
        return (
            f"Fix the {broken[2]} in {where}: until that file imports, every exercise that uses it "
            "scores 0. Then run this exercise's check cell."
        )
    if message.startswith("not graded:"):
        return "Your hand-in could not be graded (the reason is above): ask your instructor."
    if "not implemented yet" in message and not handed_in:
        return "Hand in your mytorch/ (the Hand in cell): this was graded against the course's stubs."
    if "not implemented yet" in message:
        return (
            f"Not done yet: fill in the stub of exercise {number} (its error names the file), then run its check cell."
        )
    if "Likely cause:" in message:
        return f"Fix the likely cause named, then run the check cell of exercise {number} until it passes."
    if "was not produced" in message or "Error" in message:
        return f"Run the check cell of exercise {number}: it shows this error and its line on the visible cases."
    return (
        f"Run the check cell of exercise {number} in the notebook: its visible cases show the same kind of difference."
    )


def first_problem(message, title):
    """The grader's message without the exercise's title in front, the same reason given once
    ("W, b were not produced: ..."), at most 300 characters."""
    text = message[len(title) + 2 :] if message.startswith(title + ": ") else message
    head, sep, rest = text.partition("): ")
    if not sep:
        head, rest = "", text
    reasons = {}
    for part in rest.split("; "):
        found = re.match(r"([\w.]+) was not produced: (.*)", part)
        name, why = (found[1], found[2]) if found else (None, part)
        reasons.setdefault(why, []).append(name)
    parts = [
        why
        if names == [None]
        else f"{', '.join(n for n in names if n)} {'was' if len(names) == 1 else 'were'} not produced: {why}"
        for why, names in reasons.items()
    ]
    text = (head + sep if sep else "") + "; ".join(parts)
    return text if len(text) <= 300 else text[:297] + "..."


def scrub_paths(text, paths):
    """text with every host path in `paths` (longest first) replaced by its stand-in."""
    for path, stand_in in paths:
        text = text.replace(path + "/", stand_in + "/" if stand_in else "").replace(path, stand_in or ".")
    return re.sub(r"(?:/[^\s/'\"]+)*/(?:autograded|submitted)/[^\s/'\"]+/[^\s/'\"]+/?", "", text)


def scrub_output(output, paths):
    for key in ("text", "evalue"):
        if isinstance(output.get(key), str):
            output[key] = scrub_paths(output[key], paths)
    if "traceback" in output:
        output.traceback = [scrub_paths(line, paths) for line in output.traceback]
    for mime, value in output.get("data", {}).items():
        if isinstance(value, str) and mime.startswith("text/"):
            output.data[mime] = scrub_paths(value, paths)
    return output


TEMPLATES = ROOT / "grading" / ".feedback-template"  # gitignored: made from nbgrader's own at config load


def feedback_templates(out=TEMPLATES):
    """A folder holding nbgrader's feedback template with one change: the index at the top of the
    page names each test cell by its exercises ("5.2 SGD") instead of "Test cell" (the summary
    sets cell.metadata.dlcourse_title). Made from the installed nbgrader's file, so it follows
    nbgrader's version; returns the folder for HTMLExporter.extra_template_basedirs."""
    import nbgrader

    source = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates" / "feedback"
    text = (source / "index.html.j2").read_text()
    label = '">Test cell</a>'
    if label in text:
        text = text.replace(label, '">{{ cell.metadata.dlcourse_title or "Test cell" }}</a>')
    files = (("index.html.j2", text), ("conf.json", (source / "conf.json").read_text()))
    try:
        write_templates(Path(out) / "feedback", files)
    except OSError:  # a read-only checkout: a private folder of this process
        import tempfile

        out = tempfile.mkdtemp(prefix="dlcourse-feedback-template-")
        write_templates(Path(out) / "feedback", files)
    return str(out)


def write_templates(target, files):
    """Write each file whole or not at all (nbgrader processes started together read them)."""
    for name, data in files:
        path = target / name
        if not path.is_file() or path.read_text() != data:
            target.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{name}.{os.getpid()}")
            partial.write_text(data)
            os.replace(partial, path)


class FeedbackSummary(CoursePreprocessor):
    """The first cell of every feedback file: one table, every exercise by its number and name,
    its points (the gradebook's), the mistake the grader found and what to do next, with the
    notes that change a score (no library handed in, a submission not graded, a score changed
    after autograding by verify or by hand). Also removes every host path from the outputs and
    every zip from the student's feedback folder (the Hand in cell's, mytorch-handin.zip)."""

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        meta = dict(nb.metadata.get("dlcourse", {}))
        recorded = self.gradebook(info)
        exercises, notes, cells = {}, [], []
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or not utils.is_grade(cell) or grade_id is None:
                continue
            auto, manual, max_points = recorded.get(grade_id, (None, None, cell.metadata.nbgrader.get("points", 0)))
            now = manual if manual is not None else auto
            record = meta.get("cells", {}).get(grade_id)
            if record is None:
                cells.append((grade_id, now, max_points))
                continue
            graded = record["points"]
            why = None
            if now is not None and abs(now - graded) > TOLERANCE:
                why = (
                    f"your instructor graded it by hand: {now:g} / {max_points:g}"
                    if manual is not None
                    else f"verify re-graded the copy collected from you and corrected it to {now:g} / {max_points:g}"
                )
                notes.append(f"Test cell {grade_id}: it printed {graded:g} / {record['max_points']:g}; {why}.")
                cell.outputs.insert(
                    0, new_output("stream", name="stdout", text=f"Score now {now:g} / {max_points:g}: {why}.\n")
                )
            self.add_rows(exercises, record, now if now is not None else graded, why)
            names = {}
            for row in record["checks"]:
                number, name = exercise_key(row["exercise"])
                names.setdefault(number, []).append(name)
            if names:  # the page's index names the cell by its exercises ("exercise 5.2 SGD")
                cell.metadata["dlcourse_title"] = "exercise " + ", ".join(
                    f"{number} {exercise_name(n)}" for number, n in names.items()
                )
        library = meta.get("library")
        if library:
            notes.insert(0, f"{library}. Hand in your mytorch/ with the notebook (run the Hand in cell).")
        if meta.get("refused"):
            notes.insert(0, f"Your hand-in was not graded: {meta['refused']}.")
        notes += self.verify_notes(coursedir, info)
        summary = self.summary(info, exercises, cells, notes, handed_in=not library)
        nb.cells.insert(0, new_markdown_cell(summary, id=SUMMARY_ID))
        paths = self.host_paths(coursedir, resources, info)
        for cell in nb.cells[1:]:
            if cell.cell_type == "code":
                cell.outputs = [scrub_output(o, paths) for o in cell.outputs]
        self.remove_zips(coursedir, info)
        return nb, resources

    @staticmethod
    def gradebook(info):
        """{grade_id: (auto_score, manual_score, max_score)} of this submission."""
        from nbgrader.api import Gradebook, MissingEntry

        try:
            with Gradebook(info["db_url"]) as gb:
                notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
                return {g.name: (g.auto_score, g.manual_score, g.max_score) for g in notebook.grades}
        except MissingEntry:
            return {}

    @staticmethod
    def add_rows(exercises, record, points, changed=None):
        """Add one test cell's checks to `exercises`, each with its share of the cell's `points`
        (`changed`: why that differs from what the cell printed)."""
        rows, cell_max = record["checks"], record["max_points"]
        total = sum(r["max_points"] for r in rows)
        shares = [cell_max * r["max_points"] / total if total else 0 for r in rows]
        earned = [share * r["points"] / r["max_points"] if r["max_points"] else 0 for r, share in zip(rows, shares)]
        scale = points / sum(earned) if sum(earned) else None
        for row, share, got in zip(rows, shares, earned):
            number, name = exercise_key(row["exercise"])
            entry = exercises.setdefault(number, {"names": [], "points": 0.0, "max": 0.0, "wrong": [], "changed": None})
            entry["names"].append(name)
            entry["changed"] = entry["changed"] or changed
            entry["max"] += share
            entry["points"] += got * scale if scale is not None else share * points / cell_max if cell_max else 0
            if not row["passed"]:
                entry["wrong"].append(row)

    @staticmethod
    def verify_notes(coursedir, info):
        """What verify's report says of this student that changes or questions a score."""
        for folder in (Path(coursedir.root) / "reports", Path(coursedir.root) / "grading" / "reports"):
            path = folder / f"verify-{info['assignment']}.json"
            if path.is_file():
                break
        else:
            return []
        try:
            students = json.loads(path.read_text())["students"]
        except (OSError, ValueError, KeyError):
            return []
        mine = next((s for s in students if s.get("student") == info["student"]), None)
        if not mine:
            return []
        notes = []
        if mine.get("changed"):
            notes.append(
                "Your files changed after they were collected; the copy collected from you was graded: "
                + ", ".join(mine["changed"][:5])
                + "."
            )
        claimed = [c["cell"] for c in mine.get("cells", []) if c.get("disagreement")]
        if claimed:
            notes.append(
                "Your notebook printed scores of its own in "
                + ", ".join(claimed)
                + "; only the grader's count (in the table) is recorded."
            )
        return notes

    @staticmethod
    def summary(info, exercises, cells, notes, handed_in=True):
        score, max_score = info.get("score"), info.get("max_score")
        lines = [f"<h2>Your feedback: {html.escape(info['assignment'])}</h2>"]
        if score is not None:
            lines.append(
                f"<p><b>Score {score:g} / {max_score:g}.</b> One line per exercise: its points, the first "
                "mistake the grader found and what to do next. Each test cell below shows every check.</p>"
            )
        lines += [f"<p><b>{html.escape(note)}</b></p>" for note in notes]
        lines.append(
            "<table><tr><th>exercise</th><th>points</th><th>what the grader found</th><th>what to do next</th></tr>"
        )

        def order(number):
            return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))

        for number in sorted(exercises, key=order):
            entry = exercises[number]
            title = f"{number} {exercise_name(entry['names'])}"
            if entry["wrong"]:
                row = entry["wrong"][0]
                found = first_problem(row["message"], row["exercise"])
                if len(entry["wrong"]) > 1:
                    found += f" (and {len(entry['wrong']) - 1} more check(s) wrong: see its test cell)"
                todo = next_step(row["message"], number, handed_in)
            elif entry["changed"]:
                found, todo = f"all checks passed; then {entry['changed']}", "ask your instructor if it is unclear"
            else:
                found, todo = "all checks passed", "nothing: well done"
            if entry["changed"] and entry["wrong"]:
                found += f" (then {entry['changed']})"
            lines.append(
                f"<tr><td>{html.escape(title)}</td><td>{entry['points']:.2f} / {entry['max']:g}</td>"
                f"<td>{html.escape(found)}</td><td>{html.escape(todo)}</td></tr>"
            )
        for grade_id, now, max_points in cells:
            points = "not graded yet" if now is None else f"{now:g} / {max_points:g}"
            lines.append(
                f"<tr><td>{html.escape(grade_id)}</td><td>{points}</td><td>see its test cell</td><td>-</td></tr>"
            )
        lines.append("</table>")
        return "\n".join(lines)

    @staticmethod
    def host_paths(coursedir, resources, info):
        """[(host path, stand-in)], longest first: the student's folders become '.', the course '<course>'."""
        found = []
        folders = [
            resources.get("metadata", {}).get("path"),
            coursedir.format_path(coursedir.autograded_directory, info["student"], info["assignment"]),
            coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"]),
            f"/home/student/{info['assignment']}",
        ]
        for folder in filter(None, folders):
            found += [(str(folder), ""), (os.path.realpath(folder), "")]
        for course in {coursedir.root, os.path.realpath(coursedir.root), str(ROOT)}:
            found.append((str(course), "<course>"))
        return sorted(set(found), key=lambda p: -len(p[0]))

    @staticmethod
    def remove_zips(coursedir, info):
        """The feedback folder holds no hand-in zips (nbgrader copied every file of autograded/)."""
        folder = Path(coursedir.format_path(coursedir.feedback_directory, info["student"], info["assignment"]))
        for top, dirs, files in os.walk(folder):
            for name in files:
                if name.lower().endswith(".zip"):
                    os.unlink(os.path.join(top, name))
        handin = folder / "handin"
        if handin.is_dir() and not handin.is_symlink() and not any(handin.iterdir()):
            handin.rmdir()
