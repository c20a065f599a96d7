"""The feedback preprocessor: students see their diagnosis, never the hidden tests.

nbgrader's `generate_feedback` renders the autograded notebook, whose test cells hold the
full source (hidden tests included) and whose errors carry tracebacks through that source
(nbgrader issues 917, 1363). In every grade cell this preprocessor removes the hidden-test
region, keeps only the last line of an error (`AssertionError: ...`), and keeps printed
output (the grader's table and diagnosis). Listed in grading/nbgrader_config.py.
"""
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List

from .course import ROOT

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

    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png",
                                  "image/jpeg", "text/plain"]).tag(config=True)


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
