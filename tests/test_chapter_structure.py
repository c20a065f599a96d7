"""Every chapter has what the course promises: goals, a Colab badge and a short setup cell (the rest is
assets/course.py), enough prose, a widget, at least three graded exercises with visible and hidden
checks, a summary, and one statement per line in every code cell students read."""

import ast
import re
import tomllib
from collections import Counter

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from notebooks import ROOT, source_notebooks

SOURCES = source_notebooks()
REPO_URL = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def words(text):
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)  # formulas are not prose
    return len(re.findall(r"[A-Za-z][A-Za-z'-]*", text))


def graded_test_cells(nb):
    return [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
    ]


@pytest.fixture(params=SOURCES, ids=[cid for cid, _ in SOURCES])
def chapter(request):
    chapter_id, path = request.param
    return chapter_id, nbformat.read(path, as_version=4)


def test_goals_badge_summary(chapter):
    chapter_id, nb = chapter
    text = markdown(nb)
    assert "learning goals" in text.lower()
    assert (
        f"colab.research.google.com/github/dlcourse/dlcourse/blob/main/chapters/{chapter_id}/{chapter_id}.ipynb" in text
    )
    assert re.search(r"^#+ .*summary", text, flags=re.I | re.M), "no Summary heading"
    assert "further exercises" in text.lower()


def test_setup_cell_is_first_and_uses_the_configured_repository(chapter):
    chapter_id, nb = chapter
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "setup" in first_code.metadata.get("tags", [])
    assert f'COURSE_REPO = "{REPO_URL}"' in first_code.source
    assert f'CHAPTER = "{chapter_id}"' in first_code.source


def test_at_least_1500_words_of_prose(chapter):
    chapter_id, nb = chapter
    assert words(markdown(nb)) >= 1500, f"{chapter_id}: {words(markdown(nb))} words of prose"


def test_has_a_widget(chapter):
    _, nb = chapter
    assert any("ipywidgets" in c.source for c in nb.cells if c.cell_type == "code")


def test_three_graded_exercises_with_visible_and_hidden_checks(chapter):
    chapter_id, nb = chapter
    cells = graded_test_cells(nb)
    assert len(cells) >= 3, f"{chapter_id} has {len(cells)} graded test cells"
    for cell in cells:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        visible, _, hidden = cell.source.partition("### BEGIN HIDDEN TESTS")
        assert "check(" in visible, f"{grade_id}: no visible check"
        assert hidden and "### END HIDDEN TESTS" in hidden, f"{grade_id}: no hidden tests"
        assert cell.metadata["nbgrader"]["points"] > 0
        assert cell.metadata["nbgrader"]["locked"]


def statements_sharing_a_line(source):
    """Line numbers where two statements start (`a = 1; b = 2`, `if x: y()`), IPython syntax allowed."""
    tree = ast.parse(TransformerManager().transform_cell(source))
    starts = Counter(node.lineno for node in ast.walk(tree) if isinstance(node, ast.stmt))
    return sorted(line for line, count in starts.items() if count > 1)


def test_statements_sharing_a_line_are_found():
    assert statements_sharing_a_line("a = 1; b = 2\nif a: print(a)\nfor i in []:\n    pass\n%autoreload 2") == [1, 2]


def test_the_setup_cell_is_short_and_uses_the_course_helper(chapter):
    chapter_id, nb = chapter
    setup = next(c for c in nb.cells if c.cell_type == "code")
    code = [line for line in setup.source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(code) <= 22, (
        f"{chapter_id}: the setup cell has {len(code)} lines of code; assets/course.py does the rest"
    )
    assert re.search(r"^import course\b", setup.source, flags=re.M) and "course.setup(CHAPTER)" in code


@pytest.mark.parametrize("chapter_id", [cid for cid, _ in SOURCES])
def test_every_code_cell_students_read_has_one_statement_per_line(chapter_id):
    student = nbformat.read(ROOT / "chapters" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
    crowded = {cell.id: statements_sharing_a_line(cell.source) for cell in student.cells if cell.cell_type == "code"}
    assert not {cell_id: lines for cell_id, lines in crowded.items() if lines}, "several statements on one line"
