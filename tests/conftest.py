"""Test-wide setup: `import mytorch` gives the reference implementation in solutions/.

The student edition (stubs) at the repository root is exercised through notebooks and the
grader, which run it in their own processes.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
sys.path.insert(0, str(SOLUTIONS))
os.environ.setdefault("MPLBACKEND", "Agg")

import mytorch  # noqa: E402

assert Path(mytorch.__file__).resolve().is_relative_to(SOLUTIONS), (
    f"tests must import the reference mytorch from {SOLUTIONS}, got {mytorch.__file__}"
)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def executed_source(tmp_path_factory):
    """executed_source(chapter_id) -> path of that source notebook executed (once per session).

    Running a reference notebook takes 30-80 s; test_notebooks checks the run, the book test
    reuses its outputs (`make book BOOK_EXECUTED=<folder>`) instead of running it again.
    """
    import nbformat
    from notebooks import ROOT, execute

    folder = tmp_path_factory.mktemp("executed-sources")

    def run(chapter_id):
        done = folder / f"{chapter_id}.ipynb"
        if not done.exists():
            nbformat.write(execute(ROOT / "solutions" / chapter_id / f"{chapter_id}.ipynb"), done)
        return done

    run.folder = folder
    return run


# `make test` runs the suite on every core (pytest-xdist, --dist loadgroup). A test file is one
# unit, so its module fixtures (a graded class, a clone) are built once; files that share a
# session fixture or a machine-wide resource share a group, and so a worker.
SHARED = {
    "test_notebooks.py": "executed-sources",
    "test_book.py": "executed-sources",  # executed_source
    "test_nbgrader_exchange.py": "unix-accounts",
    "test_docs_commands.py": "unix-accounts",
    "test_hub_browser.py": "unix-accounts",  # real Unix accounts, /srv/nbgrader
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not any(mark.name == "xdist_group" for mark in item.iter_markers()):
            name = item.path.name
            item.add_marker(pytest.mark.xdist_group(SHARED.get(name, name)))
