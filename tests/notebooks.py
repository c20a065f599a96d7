"""Running notebooks the way a student does: a fresh kernel, the notebook's folder as cwd."""

import warnings
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

from grading.course import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_IDS = list(CHAPTERS)  # grading/course.py names the chapters once


def source_notebooks():
    """The chapter notebooks that exist in solutions/, as (chapter_id, path)."""
    return [
        (cid, ROOT / "solutions" / cid / f"{cid}.ipynb")
        for cid in CHAPTER_IDS
        if (ROOT / "solutions" / cid / f"{cid}.ipynb").exists()
    ]


# Now and then (twice in two full runs here) a kernel sits idle on a cell it was sent,
# after a widget cell, until the cell's timeout: the run then goes on and passes, 900 s later. The
# longest cell takes ~20 s, so a cell gets CELL_TIMEOUT; a notebook whose cell timed out is run
# once more in a fresh kernel, with a warning, and fails only if that run fails too.
CELL_TIMEOUT = 180


def execute(path, timeout=CELL_TIMEOUT, allow_errors=False):
    """Execute a notebook in its own folder and return the executed copy (the file is untouched)."""
    for attempt in (1, 2):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(Path(path).parent)}},
        )
        try:
            client.execute()
            return nb
        except CellTimeoutError:
            if attempt == 2:
                raise
            warnings.warn(f"{path}: a cell ran past {timeout} s (a stalled kernel?); running the notebook again")


def outputs_text(cell):
    """All text a code cell showed: streams, results and error names."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.data.get("text/plain", ""))
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
    return "\n".join(parts)


def errors(nb):
    """(cell index, 'Name: value') of every cell that raised."""
    return [
        (i, f"{o.ename}: {o.evalue}")
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.output_type == "error"
    ]
