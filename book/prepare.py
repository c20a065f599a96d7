"""Write the book's chapter pages: the student edition's cells with the reference's outputs.

    .venv/bin/python book/prepare.py [--executed DIR] [chapter_id ...]     (`make book` runs it)

Each page is the committed student edition (chapters/<id>/<id>.ipynb: no solution, no hidden
test, already leak-checked), with outputs copied, cell by cell (matched by cell id), from the
solution notebook executed in its own folder with the course's kernel. Exercise cells (solution
cells and graded test cells) and the setup cell keep no output, so the book shows every figure
and result of the text but no answer and no check verdict. Pages go to book/chapters/ (ignored
by git); Jupyter Book then renders them without executing anything.

A widget (ipywidgets' interactive) is live only in a running kernel: the book cannot move its
sliders, and the executed cell's output is a reference to widget state that a static page shows
as nothing. So each widget's output becomes what the widget drew at its default settings (the
outputs that the executing client captured in the widget's Output, kept in the notebook's widget
state), followed by one sentence saying that moving the sliders needs the notebook.

--executed DIR takes DIR/<id>.ipynb as the executed reference where it exists (the test suite
executes every source notebook once and hands its copies over: `make book BOOK_EXECUTED=DIR`).
"""

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grading.course import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_IDS = list(CHAPTERS)  # grading/course.py names the chapters once
PAGES = ROOT / "book" / "chapters"


def is_exercise(cell):
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


def executed_reference(chapter_id, executed_dir=None):
    """The solution notebook with its outputs: from executed_dir if given and there, else run now."""
    source = ROOT / "solutions" / chapter_id / f"{chapter_id}.ipynb"
    ready = Path(executed_dir) / f"{chapter_id}.ipynb" if executed_dir else None
    if ready and ready.exists():
        return nbformat.read(ready, as_version=4)
    executed = nbformat.read(source, as_version=4)
    NotebookClient(
        executed, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
    ).execute()
    return executed


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    "*The book shows this widget at its default settings. Move its controls in the notebook "
    "(in a clone or in Colab: the badge at the top).*"
)


def widget_outputs(model_id, state, seen=None):
    """The outputs that the widget model_id and its children drew (their Output widgets' contents)."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id]
    if model.get("model_name") == "OutputModel":
        return [nbformat.from_dict(output) for output in model["state"].get("outputs", [])]
    children = model.get("state", {}).get("children", [])
    return [
        output
        for child in children
        if isinstance(child, str) and child.startswith("IPY_MODEL_")
        for output in widget_outputs(child[len("IPY_MODEL_") :], state, seen)
    ]


def static_widgets(outputs, state):
    """outputs with each widget view replaced by its default rendering and the note."""
    shown = []
    for output in outputs:
        model_id = output.get("data", {}).get(WIDGET_VIEW, {}).get("model_id")
        if model_id is None:
            shown.append(output)
            continue
        drawn = widget_outputs(model_id, state)
        if not drawn:
            raise SystemExit(
                f"book/prepare.py: a widget drew nothing at its default settings "
                f"(no widget state for {model_id}): execute the notebook with its widget state"
            )
        shown += drawn
        shown.append(
            nbformat.v4.new_output(
                "display_data", data={"text/markdown": WIDGET_NOTE, "text/plain": WIDGET_NOTE.strip("*")}
            )
        )
    return shown


def page(chapter_id, executed_dir=None):
    """The book page of one chapter: student cells, reference outputs on non-exercise cells."""
    executed = executed_reference(chapter_id, executed_dir)
    ran = {cell.id: cell for cell in executed.cells if cell.cell_type == "code"}
    state = executed.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    student = nbformat.read(ROOT / "chapters" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
    # the generator's "student edition, work in this notebook" note is not for readers of the book
    student.cells = [cell for cell in student.cells if not cell.metadata.get("dlcourse", {}).get("generated")]
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        keep = cell.id in ran and not is_exercise(cell) and "setup" not in cell.metadata.get("tags", [])
        cell.outputs = static_widgets(ran[cell.id].outputs, state) if keep else []
        cell.execution_count = ran[cell.id].execution_count if keep else None
    return student


def main(argv):
    parser = argparse.ArgumentParser(prog="book/prepare.py", description=__doc__.splitlines()[0])
    parser.add_argument("--executed", metavar="DIR", help="executed reference notebooks <id>.ipynb to reuse")
    parser.add_argument("chapter_ids", nargs="*", metavar="chapter_id", help="default: every chapter")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.chapter_ids) - set(CHAPTER_IDS))
    if unknown:
        parser.error(f"unknown chapter {', '.join(unknown)}; the chapters are {', '.join(CHAPTER_IDS)}")
    PAGES.mkdir(parents=True, exist_ok=True)
    for chapter_id in args.chapter_ids or CHAPTER_IDS:
        started = time.monotonic()
        nbformat.write(page(chapter_id, args.executed), PAGES / f"{chapter_id}.ipynb")
        print(f"book: {chapter_id} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
