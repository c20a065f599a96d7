"""A student's saved edit to a mytorch file reaches the next check cell without a kernel restart.

A real kernel (jupyter_client) runs in a copy of the student edition (mytorch/, assets/ and the
chapter's folder): the chapter's setup cell, a check on a wrong `mytorch/nn/linear.py`, then the
file is fixed on disk and the same check runs again in the same kernel. The verdict must change
(the setup cell calls assets/course.py's setup(), which turns on IPython's autoreload).
"""

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from grading.course import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180


def run(client, code):
    """Execute `code` in the kernel; its stdout and stderr, and the error (or None)."""
    text, error = [], None

    def output(msg):
        nonlocal error
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "stream":
            text.append(content["text"])
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"

    client.execute_interactive(code, timeout=TIMEOUT, output_hook=output)
    return "".join(text), error


def setup_source(chapter):
    nb = nbformat.read(ROOT / "chapters" / chapter / f"{chapter}.ipynb", as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code").source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_setup_cell_turns_on_autoreload(chapter):
    """course.setup() turns autoreload on (tests/test_assets.py checks it does); every chapter calls it
    before it imports mytorch."""
    source = setup_source(chapter)
    assert re.search(r"^import course\b", source, flags=re.M), chapter
    assert re.search(r"^course\.setup\(CHAPTER\)$", source, flags=re.M), chapter
    assert source.index("course.setup(") < source.index("import mytorch"), "autoreload must be on before the import"
    assert 'run_line_magic("autoreload", "2")' in (ROOT / "assets" / "course.py").read_text()


def test_a_saved_fix_changes_the_next_check_without_a_restart(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "mytorch", course / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assets", course / "assets", ignore=shutil.ignore_patterns("__pycache__"))
    (course / "chapters" / "backprop").mkdir(parents=True)
    linear = course / "mytorch" / "nn" / "linear.py"
    reference = (ROOT / "solutions" / "mytorch" / "nn" / "linear.py").read_text()
    wrong = reference.replace("self.dLdb = dLdZ.sum(axis=0)", "self.dLdb = dLdZ.mean(axis=0)")
    assert wrong != reference
    linear.write_text(wrong)
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(course / "chapters" / "backprop"))
    try:
        out, error = run(client, setup_source("backprop"))
        assert error is None, out + error
        assert f"mytorch from {course / 'mytorch'}" in out
        check = 'from mytorch.testing import check\nprint(check("backprop.linear").summary())'
        before, error = run(client, check)
        assert error is None and "[FAIL]" in before and "dLdb" in before, before

        stat = linear.stat()
        linear.write_text(reference)  # the student saves the fix
        os.utime(linear, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # a later mtime, surely
        after, error = run(client, check)
        assert error is None, after + error
        assert "[FAIL]" not in after and "well done" in after, after

        linear.write_text(wrong)  # and back: the kernel follows every saved version
        os.utime(linear, ns=(stat.st_atime_ns, stat.st_mtime_ns + 4_000_000_000))
        again, error = run(client, check)
        assert error is None and "[FAIL]" in again, again
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
