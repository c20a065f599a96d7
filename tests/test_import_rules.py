"""The trust boundary in imports: which part of the course may import which.

grading/ does three jobs, and the jobs are listed here module by module:
- the student edition (regions, release, leak and drift checks, lock);
- the grader with its sandbox (checks, cases, diagnosis, the runner that runs inside the sandbox);
- the nbgrader glue (config, autograde, verify, unpack, exchange, feedback, demo);
plus the hand-in tool that ships to students (pack.py), the catalogue and sample class, and the hub.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GRADING = ROOT / "grading"

GRADER = {"check", "execute", "sandbox", "runner", "diagnosis", "reference", "doctor", "course", "checks", "cases"}
GLUE = {
    "nbgrader_config",
    "autograde",
    "verify",
    "unpack",
    "exchange",
    "feedback",
    "sandboxed_autograde",
    "pristine",
    "demo",
    "notebook",
    "kernel_stub",
    "hub",
    "cluster",
}
EDITION = {"regions", "release", "leakcheck", "lock"}
CATALOGUE = {"mistakes", "sample_class"}
HANDIN = {"pack"}
CLI = {"__main__"}  # `python -m grading COMMAND`: imports the command's module only when asked


def job(path, grading=GRADING):
    """The job of a file under grading/ (its top-level module or package name)."""
    name = path.relative_to(grading).parts[0].removesuffix(".py")
    for jobs, members in [
        ("grader", GRADER),
        ("glue", GLUE),
        ("edition", EDITION),
        ("catalogue", CATALOGUE),
        ("handin", HANDIN),
        ("cli", CLI),
    ]:
        if name in members:
            return jobs
    return None


def imports(path, root=ROOT):
    """Top-level names a file imports ("grading.check" for `from .check import x` in grading/)."""
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
                found.add(node.module)
    return found


def files(folder):
    return sorted(p for p in Path(folder).rglob("*.py") if "__pycache__" not in p.parts)


def grading_module(name):
    """grading's top-level module or package an import names, or None."""
    parts = name.split(".")
    return parts[1] if parts[0] == "grading" and len(parts) > 1 else ("" if parts[0] == "grading" else None)


def test_every_module_of_grading_has_a_job():
    lost = [
        str(p.relative_to(ROOT))
        for p in files(GRADING)
        if job(p) is None and p.name != "__init__.py" and p.parent != GRADING / "kernel_stub" / "grading"
    ]
    assert lost == [], "give these a job in tests/test_import_rules.py"


@pytest.mark.parametrize("path", [p for p in files(GRADING) if job(p) == "grader"], ids=lambda p: p.name)
def test_the_grader_never_imports_the_library_the_reference_nbgrader_or_the_glue(path):
    bad = {
        name
        for name in imports(path)
        if name.split(".")[0] in ("mytorch", "solutions", "nbgrader", "jupyter_client", "nbclient")
        or grading_module(name) in GLUE
    }
    assert bad == set()


@pytest.mark.parametrize("path", [GRADING / "runner.py", *files(GRADING / "cases")], ids=lambda p: p.name)
def test_what_runs_in_the_sandbox_never_imports_the_grader(path):
    assert {name for name in imports(path) if name.split(".")[0] == "grading"} == set()


@pytest.mark.parametrize("path", [GRADING / "pack.py", *files(GRADING / "kernel_stub")], ids=lambda p: p.name)
def test_what_ships_alone_uses_only_the_standard_library(path):
    # google.colab: Colab's own runtime, imported only when running there
    outside = {name.split(".")[0] for name in imports(path)} - set(sys.stdlib_module_names) - {"grading", "google"}
    assert outside == set()
    assert {name for name in imports(path) if grading_module(name)} == set()


@pytest.mark.parametrize("folder", ["mytorch", "solutions/mytorch"])
def test_the_library_never_imports_grading(folder):
    bad = {
        str(p.relative_to(ROOT)) for p in files(ROOT / folder) if any(n.split(".")[0] == "grading" for n in imports(p))
    }
    assert bad == set()


def test_the_rules_catch_a_forbidden_import(tmp_path):
    planted = tmp_path / "grading" / "checks" / "_planted_for_the_test.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("from ..verify import verify\nimport nbgrader\n")
    assert job(planted, tmp_path / "grading") == "grader"
    found = imports(planted, tmp_path)
    assert {"grading.verify", "nbgrader"} <= found
    assert {name for name in found if name.split(".")[0] == "nbgrader" or grading_module(name) in GLUE} == {
        "grading.verify",
        "nbgrader",
    }
