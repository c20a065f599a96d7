"""A throwaway course for the generator, leak-check and drift tests.

It has the repository's nbgrader config and environment files but its own tiny reference
library and source notebook, so these tests do not depend on the real chapters. Releasing it
runs nbgrader (seconds), so `released_course()` does it once per test session; tests that
change files work on `copy_of_released(tmp_path)`.
"""

import atexit
import functools
import hashlib
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grading.edition.release import release

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "backprop"  # a real chapter id, so the CLI (which knows only those) releases it

OPS = '''"""Toy exercises: y = x^2 and y = 2x."""


def square(x):
    """Return x squared: y = x^2.

    x: (N,) -> y: (N,)
    """
    ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.1 square | hint: multiply x by itself
    squared_value_of_x = x * x
    return squared_value_of_x
    ### END SOLUTION


class Doubler:
    """Doubles its input: y = 2 x."""

    def forward(self, x):
        """x: (N,) -> y: (N,)."""
        if x is None:
            raise ValueError("Doubler.forward: x must not be None")
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.2 Doubler.forward | hint: it's "two times" x
        doubled_result_of_x = 2 * x
        shared_line_also_outside = doubled_result_of_x
        return shared_line_also_outside
        ### END SOLUTION

    def describe(self):
        shared_line_also_outside = "Doubler"
        return shared_line_also_outside
'''

LIBRARY = {
    "__init__.py": '"""Toy mytorch for the generator tests."""\nfrom .ops import Doubler, square\n',
    "ops.py": OPS,
    "plain.py": '"""No exercise here: copied with a header."""\nVALUE = 3\n',
}

HELPER = '''"""A chapter-local helper with its own exercise."""


def cube(x):
    """y = x^3."""
    ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.0 cube | hint: three factors of x
    cubed_value_of_x_here = x * x * x
    return cubed_value_of_x_here
    ### END SOLUTION
'''

SOLUTION_CELL = """def triple(x):
    ### BEGIN SOLUTION
    notebook_solution_value = 3 * x
    return notebook_solution_value
    ### END SOLUTION"""
HIDDEN_TEST_LINE = "assert triple(-12) == -36, 'hidden negative case'"
TEST_CELL = f"""assert triple(2) == 6
### BEGIN HIDDEN TESTS
{HIDDEN_TEST_LINE}
### END HIDDEN TESTS"""
ANSWER_TEXT = "The reference answer: tripling is linear in x."


def nbgrader_meta(**fields):
    meta = {"schema_version": 3, "solution": False, "grade": False, "locked": False, "task": False}
    meta.update(fields)
    return {"nbgrader": meta}


def source_notebook():
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    solution = new_code_cell(SOLUTION_CELL, id="triple", metadata=nbgrader_meta(solution=True, grade_id="triple"))
    # Saved outputs and run timestamps in the source must not reach the student edition.
    solution.execution_count = 7
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran the reference\n")]
    solution.metadata["execution"] = {"iopub.status.idle": "2024-01-01T00:00:00Z"}
    nb.cells = [
        new_markdown_cell("# Toy chapter\n\nTriple a number.", id="intro"),
        solution,
        new_code_cell(
            TEST_CELL,
            id="test_triple",
            metadata=nbgrader_meta(grade=True, locked=True, points=2, grade_id="test_triple"),
        ),
        new_markdown_cell(
            ANSWER_TEXT, id="answer", metadata=nbgrader_meta(solution=True, grade=True, points=1, grade_id="answer")
        ),
    ]
    return nb


def make_course(root, library=LIBRARY):
    """Write a source-only course into root (an empty or missing folder); returns root."""
    root = Path(root)
    for rel, text in library.items():
        path = root / "solutions" / "mytorch" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    chapter = root / "solutions" / CHAPTER
    chapter.mkdir(parents=True)
    nbformat.write(source_notebook(), chapter / f"{CHAPTER}.ipynb")
    # a scratch notebook beside the chapter's (an instructor's experiment): never released
    nbformat.write(new_notebook(cells=[new_markdown_cell("scratch", id="scratch")]), chapter / "_scratch.ipynb")
    (chapter / "helper.py").write_text(HELPER)
    (chapter / "points.csv").write_text("x,y\n1,3\n")
    (root / "grading").mkdir()
    shutil.copy(ROOT / "grading" / "nbgrader_config.py", root / "grading")
    for name in ("pyproject.toml", "environment.yml", "requirements.lock"):
        shutil.copy(ROOT / name, root / name)
    (root / "assets").mkdir()
    (root / "assets" / "note.txt").write_text("a small asset\n")
    return root


@functools.cache
def released_course():
    """A course released once per session (read-only: copy it before changing anything)."""
    tmp = Path(tempfile.mkdtemp(prefix="dlcourse-test-course-"))
    atexit.register(shutil.rmtree, tmp, True)
    course = make_course(tmp / "course")
    release(course)
    return course


def copy_of_released(dest):
    return Path(shutil.copytree(released_course(), Path(dest) / "course"))


GRADEBOOK = Path("grading") / "gradebook.db"  # nbgrader's run-time state, not a generated file


def tree_hashes(root):
    """{relative path: sha256} of every file under root but the gradebook."""
    root = Path(root)
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root) != GRADEBOOK
    }
