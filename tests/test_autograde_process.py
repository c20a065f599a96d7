"""nbgrader as a child process of a grading command or a Dask worker: it dies with its parent
(a worker killed mid-task leaves nothing grading on), and is killed at its timeout."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from grading.autograde import nbgrader

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def gone(pid, within=10):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


@linux
def test_a_child_started_with_die_with_parent_dies_when_its_parent_is_killed(tmp_path):
    # the parent starts a long child the way grading.autograde.nbgrader does, then is SIGKILLed
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import subprocess, sys, time
                from grading.autograde import die_with_parent
                child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                                         start_new_session=True, preexec_fn=die_with_parent)
                print(child.pid, flush=True)
                time.sleep(120)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(parent.stdout.readline())
    assert not gone(child, within=1)  # it runs, in a session of its own (killpg of the parent misses it)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    assert gone(child), "the child outlived its killed parent"


@linux
def test_nbgrader_is_killed_at_its_timeout(tmp_path):
    # a course folder without a config: `nbgrader --help-all` is slow enough to be cut at 0.5 s
    started = time.monotonic()
    result = nbgrader(tmp_path, "--help-all", check=False, timeout=0.5)
    assert result.returncode == -signal.SIGKILL
    assert "killed after 0.5 s" in result.stderr
    assert time.monotonic() - started < 15
