"""The suite's own rule (tests/conftest.py): a slow test says why it is slow, and a run ends with
the slowest tests and their reasons."""

import pytest
from conftest import pytest_collection_modifyitems, pytest_terminal_summary, slow_reason


class Item:
    def __init__(self, nodeid, mark=None):
        self.nodeid, self.mark = nodeid, mark

    def get_closest_marker(self, name):
        return self.mark if name == "slow" else None


class Report:
    def __init__(self, nodeid, duration, why=None):
        self.nodeid, self.duration = nodeid, duration
        self.user_properties = [("slow", why)] if why else []


class Terminal:
    def __init__(self, stats):
        self.stats, self.lines = stats, []

    def section(self, title):
        self.lines.append(f"== {title}")

    def write_line(self, line):
        self.lines.append(line)


def test_a_slow_mark_without_a_reason_stops_the_collection():
    quiet = Item("tests/test_a.py::test_x", pytest.mark.slow.mark)
    said = Item("tests/test_b.py::test_y", pytest.mark.slow(why="starts a server").mark)
    fast = Item("tests/test_c.py::test_z")
    assert (slow_reason(quiet), slow_reason(said), slow_reason(fast)) == ("", "starts a server", None)
    pytest_collection_modifyitems(None, [said, fast])  # nothing to say
    with pytest.raises(pytest.UsageError, match=r"say why they are slow .*: tests/test_a\.py$"):
        pytest_collection_modifyitems(None, [said, quiet, fast])


def test_the_run_ends_with_the_slowest_and_why():
    stats = {
        "passed": [
            Report("t.py::setup_heavy", 100.0, "grades a class"),  # setup and call of one test add up
            Report("t.py::setup_heavy", 20.5, "grades a class"),
            Report("t.py::light", 3.0, "starts a server"),
            Report("t.py::fast", 50.0),  # not slow-marked: not listed
        ]
    }
    terminal = Terminal(stats)
    pytest_terminal_summary(terminal)
    assert terminal.lines == [
        "== slowest slow tests, and why",
        "  120.5 s  t.py::setup_heavy: grades a class",
        "    3.0 s  t.py::light: starts a server",
    ]
