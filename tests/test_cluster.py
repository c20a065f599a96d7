"""Grading on Dask (grading/nbgrader_glue/cluster.py) with real processes: a `dask scheduler` and two `dask
worker`s on 127.0.0.1, one worker killed mid-batch; and the default LocalCluster. Two students
of the sample class (each grading costs a minute on two cores); their grades are those of plain
nbgrader (tests/test_nbgrader_demo.py's EXPECTED: s01 21, s03 19.2)."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from grading.mistakes import sample_class
from grading.nbgrader_glue import cluster
from grading.nbgrader_glue.autograde import course_config
from grading.nbgrader_glue.demo import collect, release

pytestmark = [
    pytest.mark.slow(why="starts Dask clusters and autogrades students through nbgrader, one worker killed mid-batch"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux"),
]

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = sample_class.CHAPTER
EXPECTED = {"s01-correct": 21.0, "s03-momentum": 19.2}
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    out = tmp_path_factory.mktemp("class")
    sample_class.generate(out, CHAPTER, [s for s in sample_class.STUDENTS if s.id in EXPECTED])
    return out


def new_course(folder, klass):
    course = course_config(folder)
    release(course, CHAPTER)
    collect(course, CHAPTER, klass)
    return course


def gradebook(course):
    """{student: total} and the number of submission rows per student."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = gb.find_assignment(CHAPTER).submissions
        counts = {}
        for row in rows:
            counts[row.student.id] = counts.get(row.student.id, 0) + 1
        return {row.student.id: round(row.score, 2) for row in rows}, counts


@pytest.fixture
def store(tmp_path_factory, monkeypatch):
    """One release store for the module's tests (the reference runs once for all of them)."""
    folder = tmp_path_factory.getbasetemp() / "reference-store"
    monkeypatch.setenv("DLCOURSE_REFERENCE_STORE", str(folder))
    return folder


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, log, **extra_env):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra_env)
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    """Kill a process and everything below it (a machine of the cluster lost with its work)."""
    try:
        tree = [proc.pid] + [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(30)


def children_left():
    """This process's descendants still running after 30 s. Aside: multiprocessing's resource
    tracker and an idle fork server (one with no child: nbgrader_forked's, when a test of this
    process used it), which live as long as this process."""
    deadline = time.monotonic() + 30
    while True:
        alive = []
        for child in psutil.Process().children(recursive=True):
            try:
                command = " ".join(child.cmdline())
                idle_server = "multiprocessing.forkserver" in command and not child.children()
                if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in command and not idle_server:
                    alive.append(command[:120])
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.5)


def test_a_dask_cluster_loses_a_worker_mid_batch_and_grades_everyone_once(tmp_path, klass, store):
    course = new_course(tmp_path / "course", klass)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = open(tmp_path / "dask.log", "w")
    scheduler = start(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"], logs
    )
    workers = {
        name: start(
            [
                str(BIN / "dask"),
                "worker",
                address,
                "--nthreads",
                "1",
                "--name",
                name,
                "--host",
                "127.0.0.1",
                "--dashboard-address",
                ":0",
                "--memory-limit",
                "0",
            ],
            logs,
            # w1 (killed below) forks nbgrader from its fork server; w2, a daemon, starts it afresh
            **({"DASK_DISTRIBUTED__WORKER__DAEMON": "False"} if name == "w1" else {}),
        )
        for name in ("w1", "w2")
    }
    killed = []
    try:
        from distributed import Client

        with Client(address, timeout="60s") as watcher:
            watcher.wait_for_workers(2, timeout=120)
            grading = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "grading",
                    "autograde-parallel",
                    CHAPTER,
                    "--course",
                    str(course),
                    "--scheduler",
                    address,
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            output = []
            reader = threading.Thread(target=lambda: output.append(grading.stdout.read()), daemon=True)
            reader.start()
            deadline = time.monotonic() + 600
            while not killed and time.monotonic() < deadline and grading.poll() is None:
                busy = {
                    info["name"]: keys
                    for info, keys in (
                        (watcher.scheduler_info()["workers"][w], keys) for w, keys in watcher.processing().items()
                    )
                    if any(str(k).startswith("autograde_task") for k in keys)
                }
                if "w1" in busy:  # a student is being graded on w1: the worker dies with it
                    stop(workers["w1"])
                    killed.append(busy["w1"])
                time.sleep(0.5)
            assert killed, "w1 never graded a student"
            grading.wait(900)
            reader.join(10)
        assert grading.returncode == 0, output
        grades, counts = gradebook(course)
        assert grades == EXPECTED
        assert counts == {student: 1 for student in EXPECTED}
        for student in EXPECTED:
            assert (course / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb").is_file()
    finally:
        for proc in [*workers.values(), scheduler]:
            stop(proc)
        logs.close()
    assert children_left() == []


def test_the_default_local_cluster_grades_then_skips_who_is_done_and_verify_agrees(tmp_path, klass, store, monkeypatch):
    from grading.nbgrader_glue.verify import verify

    course = new_course(tmp_path / "course", klass)
    students = ["s03-momentum"]
    assert cluster.autograde(course, CHAPTER, students=students, jobs=1, progress=False) == {}
    grades, counts = gradebook(course)
    assert grades == {s: EXPECTED[s] for s in students} and set(counts.values()) == {1}

    def no_cluster(*args, **kwargs):
        raise AssertionError("a student already graded was graded again")

    monkeypatch.setattr(cluster, "connect", no_cluster)
    assert cluster.autograde(course, CHAPTER, students=students, jobs=1, progress=False) == {}
    monkeypatch.undo()
    monkeypatch.setenv("DLCOURSE_REFERENCE_STORE", str(store))

    results, totals, _ = verify(course, CHAPTER, jobs=1, progress=False)
    assert {s: totals[s][0] for s in students} == {s: EXPECTED[s] for s in students}
    assert all(r["isolation"] == "bwrap" or os.environ.get("GRADING_SANDBOX") for r in results)
    assert children_left() == []
