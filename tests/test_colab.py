"""Colab readiness: each chapter's setup cell turns a bare Colab-like runtime into the course.

The fake Colab is a new virtual environment holding only what Colab preinstalls and the
chapters need first (numpy, matplotlib, torch, ipywidgets, plus ipykernel to run it), a kernel
from it, and a `google.colab` module in sys.modules. The setup cell must then clone the course
from its real address (COURSE_REPO; git's url.<base>.insteadOf, set through the environment,
sends the clone to a git snapshot of this working tree) into DLCOURSE_HOME, move into the
chapter's folder, and have assets/course.py pip-install the course and import the student
mytorch; the chapter's cells up to its first exercise check must then run and the check must print
its diagnosis. One environment and one clone serve every chapter, as in one Colab runtime; each
chapter gets a fresh kernel.
"""

import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell
from notebooks import CHAPTER_IDS, ROOT, errors, outputs_text
from test_chapter_structure import REPO_URL
from test_environment import read_lock

pytestmark = pytest.mark.slow(
    why="builds a fresh virtual environment as a Colab runtime and runs each chapter's setup cell"
)

# Colab preinstalls these (and much more); the course must bring everything else itself.
PREINSTALLED = ["numpy", "matplotlib", "torch", "ipywidgets", "ipykernel"]
KERNEL = "colab-sim"
CHAPTERS = [cid for cid in CHAPTER_IDS if (ROOT / "chapters" / cid / f"{cid}.ipynb").exists()]

FAKE_COLAB = """import sys, types
sys.modules["google.colab"] = types.ModuleType("google.colab")  # what a Colab runtime has imported
print("prefix", sys.prefix)"""


def run(*command, cwd=None):
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def snapshot_of_working_tree(dest):
    """A git repository holding this working tree's files (committed or not, minus ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    run("git", "init", "-q", cwd=dest)
    run("git", "add", "-A", cwd=dest)
    run("git", "-c", "user.name=test", "-c", "user.email=test@localhost", "commit", "-q", "-m", "snapshot", cwd=dest)


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """(runtime folder, course folder the setup cell will create, environment for the kernel)."""
    scratch = tmp_path_factory.mktemp("colab")
    (scratch / "repo").mkdir()
    snapshot_of_working_tree(scratch / "repo")
    venv = scratch / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    lock = read_lock()
    run(str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *[f"{name}=={lock[name]}" for name in PREINSTALLED])
    run(str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--prefix", str(venv), "--name", KERNEL)
    content = scratch / "content"  # Colab's working folder
    content.mkdir()
    env = {
        "JUPYTER_PATH": str(venv / "share" / "jupyter"),
        "DLCOURSE_HOME": str(content / "dlcourse"),
        # git clone COURSE_REPO fetches the snapshot instead (no network, the course as it is now)
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{(scratch / 'repo').as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": REPO_URL,
    }
    return content, content / "dlcourse", env, venv


def cells_to_first_check(nb):
    """The chapter's cells up to and including its first graded test cell."""
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            return nb.cells[: i + 1]
    raise AssertionError("no graded test cell")


@pytest.mark.parametrize("chapter_id", CHAPTERS)
def test_setup_cell_and_first_check_run_in_a_fresh_colab(chapter_id, colab, monkeypatch):
    content, home, env, venv = colab
    nb = nbformat.read(ROOT / "chapters" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert "DLCOURSE_HOME" in setup.source and "course.setup(CHAPTER)" in setup.source, (
        f"{chapter_id}'s setup cell predates assets/course.py and DLCOURSE_HOME: give it the current setup cell"
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    cells = cells_to_first_check(nb)
    nb.cells = [
        new_code_cell(FAKE_COLAB),
        *cells,
        new_code_cell('from importlib.metadata import version\nprint("installed dlcourse", version("dlcourse"))'),
    ]
    NotebookClient(
        nb, timeout=300, kernel_name=KERNEL, allow_errors=True, resources={"metadata": {"path": str(content)}}
    ).execute()

    assert not errors(nb), errors(nb)
    assert f"prefix {venv}" in outputs_text(nb.cells[0]), "the kernel must be the fake Colab's"
    ran_setup = next(c for c in nb.cells if "setup" in c.metadata.get("tags", []))
    assert f"{chapter_id}: mytorch from {home / 'mytorch'}" in outputs_text(ran_setup), outputs_text(ran_setup)
    assert (home / "assets" / "course.py").is_file()  # the clone brought the helper module
    check = outputs_text(nb.cells[-2])
    assert "checks passed" in check and "not implemented yet" in check, check
    assert "installed dlcourse" in outputs_text(nb.cells[-1])
