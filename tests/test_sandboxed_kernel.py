"""The autograde kernel in the sandbox (grading/nbgrader_glue/sandboxed_autograde.py), driven by nbclient as
nbgrader drives it: what the student's code sees, and that nothing of it outlives the kernel."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook

from grading.grader import sandbox
from grading.nbgrader_glue.sandboxed_autograde import INSIDE_HOME, SandboxedKernelManager

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow(why="starts sandboxed kernels and runs cells that hog memory and loop"),
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or not sandbox.bwrap_works(), reason="needs a working bubblewrap"
    ),
]


def execute(folder, *sources, timeout=60, **manager):
    """Run the cells in a sandboxed kernel whose working folder is `folder`; the executed notebook."""
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        kernel_manager_class=SandboxedKernelManager,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.km = client.create_kernel_manager()
    for name, value in manager.items():
        setattr(client.km, name, value)
    client.execute()
    return nb


def text(cell):
    return "".join("".join(o.get("text", "")) for o in cell.outputs)


def test_the_kernel_sees_its_own_copy_and_nothing_of_the_course(tmp_path):
    from test_sandbox_guarantees import sandbox_processes

    work = tmp_path / "s01" / "backprop"
    (work / "mytorch").mkdir(parents=True)
    (work / "mytorch" / "__init__.py").write_text("NAME = 'mine'\n")
    nb = execute(
        work,
        f"""
import json, os, pathlib, subprocess, sys
sys.path.insert(0, os.getcwd())
import mytorch
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open("written.txt", "w").write("scratch")
print(json.dumps({{"uid": os.getuid(), "cwd": os.getcwd(), "mytorch": mytorch.NAME,
                  "course": [p for p in [{str(ROOT / "solutions")!r}, {str(ROOT / "grading")!r},
                                          {str(tmp_path)!r}] if os.path.exists(p)],
                  "grading": __import__("grading.grader.notebook").grader.notebook.__file__}}))
""",
        "from grading.grader.notebook import score\nscore('backprop.linear', points=2)",
    )
    seen = json.loads(text(nb.cells[0]))
    assert seen["uid"] != 0 and seen["cwd"] == f"{INSIDE_HOME}/backprop" and seen["mytorch"] == "mine"
    assert seen["course"] == []  # not the repository, not solutions/, not the submission's real folder
    assert seen["grading"].startswith("/opt/dlcourse/")  # the stand-in, not the course's grader
    assert "graded outside this notebook" in text(nb.cells[1])
    assert not any(o.output_type == "execute_result" for o in nb.cells[1].outputs)
    assert not (work / "written.txt").exists()  # the student wrote to its scratch copy only
    assert sandbox_processes([seen["uid"]]) == []  # the daemon died with the kernel


def test_an_endless_cell_is_interrupted_and_the_next_cell_runs(tmp_path):
    nb = execute(tmp_path, "while True:\n    pass", "print('next')", timeout=3)
    assert any(o.output_type == "error" for o in nb.cells[0].outputs)
    assert text(nb.cells[1]) == "next\n"


def test_a_memory_hog_spread_over_processes_ends_the_kernel(tmp_path):
    hog = """
import os, time
for _ in range(4):
    if os.fork() == 0:
        block = bytearray(300 << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(60)
        os._exit(0)
time.sleep(30)
"""
    with pytest.raises(DeadKernelError):
        execute(tmp_path, hog, timeout=40, memory_mb=700)


def test_autograde_refuses_without_a_sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_problem", lambda: "bubblewrap is not installed (`apt-get install bubblewrap`)")
    monkeypatch.delenv("GRADING_SANDBOX", raising=False)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        execute(tmp_path, "print(1)")


def test_the_setup_cell_runs_with_the_course_assets_not_the_students(tmp_path):
    """Every setup cell imports assets/course.py: the kernel's copy holds the course's, in place of
    any assets/ the student handed in (their own folder is left as it was)."""
    import nbformat

    work = tmp_path / "s01" / "backprop"
    shutil.copytree(ROOT / "mytorch", work / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    (work / "assets").mkdir()
    planted = "raise RuntimeError('the student copy of assets/course.py ran')\n"
    (work / "assets" / "course.py").write_text(planted)
    chapter = nbformat.read(ROOT / "chapters" / "backprop" / "backprop.ipynb", as_version=4)
    setup = next(c for c in chapter.cells if c.cell_type == "code").source
    nb = execute(work, setup, "print(course.__file__, course.STYLE['font.size'], mytorch.__file__)", timeout=120)
    assert not [o for c in nb.cells for o in c.outputs if o.output_type == "error"], nb.cells
    assert f"backprop: mytorch from {INSIDE_HOME}/backprop/mytorch" in text(nb.cells[0])
    assert text(nb.cells[1]).split() == [
        f"{INSIDE_HOME}/backprop/assets/course.py",
        "10",
        f"{INSIDE_HOME}/backprop/mytorch/__init__.py",
    ]
    assert (work / "assets" / "course.py").read_text() == planted
