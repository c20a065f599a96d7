"""Every chapter has what the course promises: goals, a Colab badge and setup cell, enough prose,
a widget, at least three graded exercises with visible and hidden checks, and a summary."""

import re
import tomllib

import nbformat
import pytest
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
