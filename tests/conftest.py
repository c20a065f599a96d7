"""Test-wide setup: `import mytorch` gives the reference implementation in solutions/.

The student edition (stubs) at the repository root is exercised through notebooks and the
grader, which run it in their own processes.
"""

import contextlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
sys.path.insert(0, str(SOLUTIONS))
os.environ.setdefault("MPLBACKEND", "Agg")
# `make test` runs pytest: the make commands that tests run must behave as typed in a shell, not
# as a sub-make (which prints "Entering directory" and inherits the parent's flags).
for name in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"):
    os.environ.pop(name, None)

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

    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the run's folder, above each worker's own
        run_folder = run_folder.parent
    folder = run_folder / "executed-sources"
    folder.mkdir(exist_ok=True)

    def run(chapter_id):
        done = folder / f"{chapter_id}.ipynb"
        with machine_lock(f"executed-{run_folder.name}-{chapter_id}"):
            if not done.exists():
                partial = done.with_suffix(f".{os.getpid()}")
                nbformat.write(execute(ROOT / "solutions" / chapter_id / f"{chapter_id}.ipynb"), partial)
                os.replace(partial, done)
        return done

    run.folder = folder
    return run


# `make test` runs the suite on every core (pytest-xdist, --dist loadfile: a test file per worker,
# so a module's fixtures - a graded class, a clone - are built once). Across files: the executed
# source notebooks are shared through a folder of the run (executed_source), and the tests that
# make Unix accounts and change /root's ACLs take turns (machine_lock).


@contextlib.contextmanager
def machine_lock(name):
    """Hold a lock shared by every pytest worker on this machine while the block runs."""
    import fcntl

    with open(Path(tempfile.gettempdir()) / f"dlcourse-tests-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# A slow test says why it is slow: `pytest.mark.slow(why="grades 13 students through nbgrader")`.
# Collection refuses a slow mark without it; the run ends with the slowest tests and their reasons.
SLOWEST_SHOWN = 8


def pytest_collection_modifyitems(config, items):
    silent = sorted({item.nodeid.split("::")[0] for item in items if slow_reason(item) == ""})
    if silent:
        raise pytest.UsageError("slow tests must say why they are slow (slow(why=...)): " + ", ".join(silent))


def slow_reason(item):
    """The `why` of an item's slow mark; None if it is not slow, "" if it does not say."""
    mark = item.get_closest_marker("slow")
    return None if mark is None else mark.kwargs.get("why", "")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    why = slow_reason(item)
    if why:
        outcome.get_result().user_properties.append(("slow", why))  # travels to xdist's controller


def pytest_terminal_summary(terminalreporter):
    seconds, why = {}, {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            reason = dict(getattr(report, "user_properties", ())).get("slow")
            if reason and hasattr(report, "duration"):
                seconds[report.nodeid] = seconds.get(report.nodeid, 0.0) + report.duration
                why[report.nodeid] = reason
    if seconds:
        terminalreporter.section("slowest slow tests, and why")
        for nodeid in sorted(seconds, key=seconds.get, reverse=True)[:SLOWEST_SHOWN]:
            terminalreporter.write_line(f"{seconds[nodeid]:7.1f} s  {nodeid}: {why[nodeid]}")
