"""nbgrader as a child process of a grading command or a Dask worker: it dies with its parent
(a worker killed mid-task leaves nothing grading on), is killed at its timeout, and reads its
sandboxed kernel's replies even when the socket's wake-up was missed."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from queue import Empty

import psutil
import pytest

from grading.nbgrader_glue.autograde import nbgrader, nbgrader_forked
from grading.nbgrader_glue.sandboxed_autograde import PatientChannel, PatientKernelClient, SandboxedKernelManager

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
    # the parent starts a long child the way grading.nbgrader_glue.autograde.nbgrader does, then is SIGKILLed
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import subprocess, sys, time
                from grading.nbgrader_glue.autograde import die_with_parent
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


def hanging_course(folder, pid_file):
    """A course folder whose nbgrader_config.py hangs nbgrader (after noting its pid)."""
    folder.mkdir(exist_ok=True)
    (folder / "nbgrader_config.py").write_text(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n"
    )
    return folder


def test_a_forked_nbgrader_runs_like_the_command():
    result = nbgrader_forked(".", "--version", timeout=60)
    assert result.returncode == 0, result.stdout
    assert "nbgrader version" in result.stdout.lower() or result.stdout.strip()[0].isdigit(), result.stdout


@linux
def test_a_forked_nbgrader_is_killed_at_its_timeout(tmp_path):
    course = hanging_course(tmp_path / "course", tmp_path / "pid")
    started = time.monotonic()
    result = nbgrader_forked(course, "autograde", "ps1", timeout=3)
    assert result.returncode == -signal.SIGKILL
    assert "killed after 3 s" in result.stderr
    assert time.monotonic() - started < 20
    assert gone(int((tmp_path / "pid").read_text()))


@linux
def test_a_forked_nbgrader_dies_with_the_worker_that_forked_it(tmp_path):
    course = hanging_course(tmp_path / "course", tmp_path / "pid")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from grading.nbgrader_glue.autograde import nbgrader_forked\n"
            f"nbgrader_forked({str(course)!r}, 'autograde', 'ps1', timeout=120)",
        ]
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "pid").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    child = int((tmp_path / "pid").read_text())
    assert not gone(child, within=1)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    assert gone(child, within=20), "nbgrader outlived the worker that forked it"


class MissedWakeUp:
    """A socket whose message has arrived, but whose first poll misses it and waits it out."""

    def __init__(self, ready=True):
        self.polls, self.ready = [], ready

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        if len(self.polls) == 1 or not self.ready:
            await asyncio.sleep(timeout_ms / 1000)
            return 0
        return 1


def channel_on(socket):
    channel = PatientChannel.__new__(PatientChannel)  # no ZMQ: only get_msg's waiting is tested
    channel.socket = socket

    async def recv():
        return {"msg_type": "execute_reply"}

    channel._recv = recv
    return channel


def test_a_reply_whose_wake_up_was_missed_is_read_within_a_second_not_at_the_cell_timeout():
    channel = channel_on(MissedWakeUp())
    started = time.monotonic()
    assert asyncio.run(channel.get_msg(timeout=240)) == {"msg_type": "execute_reply"}
    assert time.monotonic() - started < 2.5
    assert channel.socket.polls[0] == 1000  # it never waits in one long poll
    forever = channel_on(MissedWakeUp())
    assert asyncio.run(forever.get_msg(timeout=None)) == {"msg_type": "execute_reply"}  # iopub's wait


def test_no_message_is_still_a_timeout_when_it_runs_out():
    channel = channel_on(MissedWakeUp(ready=False))
    started = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(channel.get_msg(timeout=2.2))
    assert 2.1 < time.monotonic() - started < 4


def test_the_sandboxed_kernel_is_talked_to_through_patient_channels():
    client = SandboxedKernelManager().client()
    assert isinstance(client, PatientKernelClient)
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(client, f"{name}_channel_class") is PatientChannel
