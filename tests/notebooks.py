"""Running notebooks the way a student does: a fresh kernel, the notebook's folder as cwd."""
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTER_IDS = ["universal_approximation", "perceptron_learning", "matrix_calculus",
               "backprop", "optimization", "torch_pipeline"]


def source_notebooks():
    """The chapter notebooks that exist in solutions/, as (chapter_id, path)."""
    return [(cid, ROOT / "solutions" / cid / f"{cid}.ipynb") for cid in CHAPTER_IDS
            if (ROOT / "solutions" / cid / f"{cid}.ipynb").exists()]


def execute(path, timeout=900, allow_errors=False):
    """Execute a notebook in its own folder and return the executed copy (the file is untouched)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    client.execute()
    return nb


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
    return [(i, f"{o.ename}: {o.evalue}") for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for o in cell.get("outputs", []) if o.output_type == "error"]
