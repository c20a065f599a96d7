"""Every source notebook runs clean on the reference; every student notebook runs on the stubs
with its checks failing cleanly (a printed diagnosis, no crash)."""

import nbformat
import pytest
from notebooks import ROOT, errors, execute, outputs_text, source_notebooks

SOURCES = source_notebooks()
IDS = [cid for cid, _ in SOURCES]


def test_there_are_source_notebooks():
    assert SOURCES, "solutions/ holds no chapter notebook"


@pytest.mark.slow(why="executes a reference chapter notebook top to bottom")
@pytest.mark.parametrize("chapter_id", IDS)
def test_source_notebook_runs_and_its_checks_pass(chapter_id, executed_source):
    nb = nbformat.read(executed_source(chapter_id), as_version=4)
    assert not errors(nb), errors(nb)
    shown = "\n".join(outputs_text(c) for c in nb.cells if c.cell_type == "code")
    assert "[FAIL]" not in shown, shown
    assert "[PASS]" in shown


@pytest.mark.slow(why="executes a student chapter notebook on the stubs")
@pytest.mark.parametrize("chapter_id", IDS)
def test_student_notebook_runs_and_fails_cleanly_on_stubs(chapter_id):
    path = ROOT / "chapters" / chapter_id / f"{chapter_id}.ipynb"
    assert path.exists(), f"{path} is missing: run `make release`"
    nb = execute(path)
    assert not errors(nb), f"a student notebook must not crash on the stubs: {errors(nb)}"
    shown = "\n".join(outputs_text(c) for c in nb.cells if c.cell_type == "code")
    assert "not implemented yet" in shown
    assert "Traceback" not in shown
    setup = next(c for c in nb.cells if "setup" in c.metadata.get("tags", []))
    assert f"mytorch from {ROOT / 'mytorch'}" in outputs_text(setup), "chapters must import the student mytorch"
