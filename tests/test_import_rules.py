"""The trust boundary in imports: which part of the course may import which.

grading/ has one sub-package per job (grading/__init__.py lists them): the student edition
(edition/), the isolated grader with its sandbox (grader/), nbgrader's side (nbgrader_glue/), the
private catalogue and the sample class (mistakes/), and two modules: the hand-in tool that ships
to students (handin.py) and the course's root and chapters (course.py).
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GRADING = ROOT / "grading"

JOBS = {"edition", "grader", "nbgrader_glue", "mistakes", "handin", "course"}
TOP_LEVEL = {"__init__", "__main__", "nbgrader_config"}  # the package, its CLI, nbgrader's config file
FORMER_NAMES = {"pack": "handin"}  # grading/pack.py: the hand-in tool's name in notebooks released earlier
# What each job may import of grading (besides itself). The glue may import the grader, never the
# reverse; the grader imports only the course's names; the hand-in tool and course.py nothing.
ALLOWED = {
    "grader": {"course"},
    "edition": {"course", "handin"},
    "nbgrader_glue": {"course", "grader", "edition", "handin", "mistakes"},
    "mistakes": {"course", "grader", "edition", "handin"},
    "handin": set(),
    "course": set(),
}
STUDENT_CODE_RUNNERS = ("mytorch", "solutions", "nbgrader", "jupyter_client", "nbclient")


def job(path, grading=GRADING):
    """The job of a file under grading/: its sub-package, or the module's own name."""
    return path.relative_to(grading).parts[0].removesuffix(".py")


def imports(path, root=ROOT):
    """Dotted names a file imports ("grading.grader.check" for `from .check import x` in grading/grader/)."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                found |= {module} if node.module else {f"{module}.{a.name}" for a in node.names}
            else:
                found |= {node.module} if node.module != "grading" else {f"grading.{a.name}" for a in node.names}
    return found


def files(folder):
    return sorted(p for p in Path(folder).rglob("*.py") if "__pycache__" not in p.parts)


def grading_job(name):
    """The job of grading that a dotted import names, or None when it is not grading's."""
    parts = name.split(".")
    return parts[1] if parts[0] == "grading" and len(parts) > 1 else None


KERNEL_STUB = GRADING / "nbgrader_glue" / "kernel_stub"
IN_JOBS = [p for p in files(GRADING) if job(p) in JOBS and not p.is_relative_to(KERNEL_STUB)]


def test_every_module_of_grading_is_in_a_job():
    lost = [str(p.relative_to(ROOT)) for p in files(GRADING) if job(p) not in JOBS | TOP_LEVEL | set(FORMER_NAMES)]
    assert lost == [], "put these in a job's sub-package (grading/__init__.py lists them)"


@pytest.mark.parametrize("path", IN_JOBS, ids=lambda p: str(p.relative_to(GRADING)))
def test_each_job_imports_only_what_its_job_may(path):
    crossing = {name for name in imports(path) if grading_job(name) not in (None, job(path))}
    assert {name for name in crossing if grading_job(name) not in ALLOWED[job(path)]} == set()


@pytest.mark.parametrize("path", [p for p in IN_JOBS if job(p) == "grader"], ids=lambda p: p.name)
def test_the_grader_never_imports_the_library_the_reference_or_nbgrader(path):
    assert {name for name in imports(path) if name.split(".")[0] in STUDENT_CODE_RUNNERS} == set()


SANDBOXED = [GRADING / "grader" / "runner.py", *files(GRADING / "grader" / "cases")]


@pytest.mark.parametrize("path", SANDBOXED, ids=lambda p: p.name)
def test_what_runs_in_the_sandbox_never_imports_the_grader(path):
    assert {name for name in imports(path) if name.split(".")[0] == "grading"} == set()


@pytest.mark.parametrize(
    "path", [GRADING / "handin.py", GRADING / "course.py", *files(KERNEL_STUB)], ids=lambda p: p.name
)
def test_what_ships_alone_uses_only_the_standard_library(path):
    # google.colab: Colab's own runtime, imported only when running there
    outside = {name.split(".")[0] for name in imports(path)} - set(sys.stdlib_module_names) - {"grading", "google"}
    assert outside == set()
    if path.stem not in FORMER_NAMES:  # a former name passes its successor on (tested below)
        assert {name for name in imports(path) if grading_job(name)} == set()


def test_the_kernel_stub_mirrors_the_names_the_notebooks_import():
    """The sandboxed kernel finds these stand-ins under the same names as the real modules."""
    stub = KERNEL_STUB / "grading"
    for module in ["grader/notebook.py", "handin.py", "pack.py"]:
        assert (GRADING / module).is_file() and (stub / module).is_file(), module


@pytest.mark.parametrize("former, now", FORMER_NAMES.items())
def test_a_former_name_only_passes_its_successor_on(former, now):
    for path in [GRADING / f"{former}.py", KERNEL_STUB / "grading" / f"{former}.py"]:
        assert imports(path) == {f"grading.{now}"}, path
    assert not [p for p in files(ROOT / "grading") if f"grading.{former}" in imports(p) and p.stem != former]


@pytest.mark.parametrize("folder", ["mytorch", "solutions/mytorch"])
def test_the_library_never_imports_grading(folder):
    bad = {
        str(p.relative_to(ROOT)) for p in files(ROOT / folder) if any(n.split(".")[0] == "grading" for n in imports(p))
    }
    assert bad == set()


def test_the_rules_catch_a_forbidden_import(tmp_path):
    planted = tmp_path / "grading" / "grader" / "checks" / "_planted_for_the_test.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("from ...nbgrader_glue.verify import verify\nfrom grading import mistakes\nimport nbgrader\n")
    assert job(planted, tmp_path / "grading") == "grader"
    found = imports(planted, tmp_path)
    assert found == {"grading.nbgrader_glue.verify", "grading.mistakes", "nbgrader"}
    assert {grading_job(n) for n in found} - ALLOWED["grader"] - {None} == {"nbgrader_glue", "mistakes"}
    assert {n for n in found if n.split(".")[0] in STUDENT_CODE_RUNNERS} == {"nbgrader"}
