"""Each guarantee of grading/README-isolation.md, attacked the way a student would.

The programs run in grading.grader.sandbox.Sandbox exactly as the grader's cases and the autograde
kernels do. Without a working bubblewrap these tests are skipped, and the fail-closed tests at
the end check that every grading command then refuses.
"""

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grading.grader import sandbox
from grading.grader.sandbox import DEDICATED_UIDS, Limits, Sandbox

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(sandbox.interpreter()[0])

needs_bwrap = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not sandbox.bwrap_works(),
    reason="needs a working bubblewrap (apt-get install bubblewrap)",
)


def run(code, limits=None, timeout=60):
    """Run Python code in a bwrap sandbox; (exit code, stdout, stderr, the Process)."""
    proc = Sandbox(limits or Limits(), "bwrap").spawn([PYTHON, "-I", "-S", "-c", textwrap.dedent(code)])
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait(10)
    return code, proc.stdout.kept.decode(), proc.stderr.kept.decode(), proc


def sandbox_processes(uids=DEDICATED_UIDS):
    """pids of every process on this machine that runs as one of `uids` (a sandbox's own uid)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = int((entry / "status").read_text().split("Uid:")[1].split()[0])
            except (OSError, IndexError, ValueError):
                continue
            if uid in uids:
                found.append(int(entry.name))
    return found


@needs_bwrap
def test_student_code_is_an_unprivileged_user_without_capabilities():
    code, out, err, _ = run("""
        import os
        status = open("/proc/self/status").read()
        caps = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Cap")}
        print(os.getuid(), os.geteuid(), os.getgid(), caps["CapEff"], caps["CapPrm"], caps["CapBnd"])
    """)
    assert code == 0, err
    uid, euid, gid, eff, prm, bnd = out.split()
    assert int(uid) != 0 and int(euid) != 0 and int(gid) != 0
    if os.geteuid() == 0:
        assert int(uid) in DEDICATED_UIDS
    assert int(eff, 16) == int(prm, 16) == int(bnd, 16) == 0


@needs_bwrap
def test_kernel_settings_and_mounts_are_out_of_reach():
    code, out, err, _ = run("""
        import os, subprocess
        for path in ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sys/kernel/hostname"]:
            try:
                open(path, "w")
                print("WROTE", path)
            except OSError as exc:
                print("refused", path, type(exc).__name__)
        mount = subprocess.run(["mount", "-t", "tmpfs", "none", "/tmp"], capture_output=True)
        print("mount", mount.returncode)
        try:
            os.setuid(0)
            print("SETUID")
        except PermissionError:
            print("setuid refused")
    """)
    assert code == 0, err
    assert "WROTE" not in out and "SETUID" not in out
    assert out.count("refused /proc/sys") == 3 and "setuid refused" in out
    assert "mount 0" not in out


@needs_bwrap
def test_dev_shm_and_tmp_are_small():
    limits = Limits()
    code, out, err, _ = run(
        """
        for folder in ("/dev/shm", "/tmp"):
            written = 0
            try:
                with open(folder + "/fill", "wb") as f:
                    for _ in range(1024):
                        f.write(b"x" * (1 << 20))
                        f.flush()
                        written += 1
            except OSError:
                pass
            print(folder, written)
    """,
        Limits(file_bytes=1 << 30),
    )
    assert code == 0, err
    sizes = dict(line.split() for line in out.splitlines())
    assert int(sizes["/dev/shm"]) <= limits.shm_bytes >> 20
    assert int(sizes["/tmp"]) <= limits.tmp_bytes >> 20


@needs_bwrap
def test_memory_is_limited_for_the_whole_sandbox_not_per_process():
    # four children of 300 MB: each under the per-process limit, together over 600 MB
    limits = Limits(memory_bytes=600 << 20, address_space_bytes=1 << 30)
    started = time.monotonic()
    code, out, err, proc = run(
        """
        import os, time
        pids = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                block = bytearray(300 << 20)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                time.sleep(3)
                os._exit(0)
            pids.append(pid)
        print(sum(os.waitpid(pid, 0)[1] == 0 for pid in pids), flush=True)
    """,
        limits,
    )
    assert time.monotonic() - started < 30
    held = int(out.split()[0]) if out.strip() else 0
    # a cgroup kills the children that pass the limit; the watchdog alone kills the whole sandbox
    assert held < 4 and (held <= 1 or code != 0), (held, code, err)
    assert proc.watchdog.peak_bytes < 1200 << 20  # the four never held their memory together


@needs_bwrap
def test_processes_are_counted_for_the_whole_sandbox():
    limits = Limits(tasks=40)
    code, out, err, proc = run(
        """
        import os, time
        started = 0
        for _ in range(200):
            try:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                started += 1
            except OSError:
                break
        print(started, flush=True)
        time.sleep(2)
    """,
        limits,
    )
    started = int(out.split()[0]) if out.strip() else 0
    assert started < 40
    assert proc.watchdog.peak_tasks <= 41


@needs_bwrap
def test_cpu_time_is_counted_for_the_whole_sandbox():
    limits = Limits(wall_s=60, cpu_s=3)
    started = time.monotonic()
    code, out, err, proc = run(
        """
        import os
        for _ in range(2):
            if os.fork() == 0:
                while True:
                    pass
        while True:
            pass
    """,
        limits,
    )
    assert time.monotonic() - started < 15  # 3 busy processes on our cores pass 3 s of CPU fast
    assert code != 0
    assert proc.killed_for and "CPU" in proc.killed_for


@needs_bwrap
def test_nothing_it_started_outlives_the_sandbox():
    code, out, err, proc = run("""
        import os, subprocess, sys
        # a daemon in its own session, holding no pipe of ours, that would run for ten minutes
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                import time
                time.sleep(600)
            os._exit(0)
        print("left")
    """)
    assert code == 0 and "left" in out, err
    own = [proc.uid] if proc.uid is not None else DEDICATED_UIDS  # other tests' sandboxes may be running
    deadline = time.monotonic() + 5
    while sandbox_processes(own) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox_processes(own) == []


@needs_bwrap
def test_no_network_not_even_the_graders_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        code, out, err, _ = run(f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
                print("CONNECTED")
            except OSError as exc:
                print("refused", type(exc).__name__)
        """)
    finally:
        server.close()
    assert code == 0, err
    assert "refused" in out and "CONNECTED" not in out


@needs_bwrap
def test_only_the_bound_files_exist():
    code, out, err, _ = run(f"""
        import os
        for path in [{str(ROOT / "solutions")!r}, {str(ROOT / "grading")!r}, {str(Path.home() / ".cache")!r},
                     "/etc/shadow", "/etc/passwd", "/home", "/var", "/srv"]:
            print(path, os.path.exists(path) and bool(os.listdir(path)) if os.path.isdir(path)
                  else os.path.exists(path))
    """)
    assert code == 0, err
    assert all(line.endswith("False") for line in out.splitlines()), out


# ---------------------------------------------------------------- fail closed


def without_bwrap(tmp_path):
    """An environment whose PATH has this interpreter's tools but no bubblewrap."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("python", "python3", "nbgrader", "jupyter"):
        source = Path(sys.executable).parent / tool
        if source.exists():
            (bin_dir / tool).symlink_to(source)
    env = {k: v for k, v in os.environ.items() if k != "GRADING_SANDBOX"}
    env["PATH"] = str(bin_dir)
    return env


@pytest.mark.parametrize(
    "command",
    [
        ["check", "{submission}", "--chapter", "optimization"],
        ["verify", "optimization", "--course", "{course}"],
        ["autograde-parallel", "optimization", "--course", "{course}"],
        ["grade-demo", "--course", "{course}"],
    ],
)
def test_every_grading_command_refuses_without_bubblewrap(tmp_path, command):
    from grading.nbgrader_glue.autograde import course_config

    course = course_config(tmp_path / "course")
    submission = tmp_path / "submission"
    (submission / "mytorch").mkdir(parents=True)
    argv = [a.format(submission=submission, course=course) for a in command]
    done = subprocess.run(
        [sys.executable, "-m", "grading", *argv],
        cwd=ROOT,
        env=without_bwrap(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install bubblewrap" in lines[0] and "GRADING_SANDBOX" in lines[0]
    assert "Traceback" not in done.stderr
    assert not (course / "gradebook.db").exists() or command[0] != "grade-demo"


def test_weaker_isolation_is_an_explicit_choice_and_is_reported(tmp_path):
    import json

    env = without_bwrap(tmp_path)
    env["GRADING_SANDBOX"] = "limits"
    submission = tmp_path / "submission"
    (submission / "mytorch").mkdir(parents=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grading",
            "check",
            str(submission),
            "--chapter",
            "optimization",
            "--only",
            "optimization.sgd",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["isolation"] == "limits"


def test_doctor_reports_what_this_machine_gives(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "grading", "doctor"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == (0 if sandbox.bwrap_works() else 3)
    assert "isolation:" in done.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "grading", "doctor"],
        cwd=ROOT,
        env=without_bwrap(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 3
    assert "apt-get install bubblewrap" in refused.stdout
