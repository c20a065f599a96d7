"""Run untrusted Python in a fresh, isolated process with limits (see README-isolation.md).

    proc = Sandbox(limits).start(job_dir, submission_dir, result_fd)

Three methods, best first (`GRADING_SANDBOX=bwrap|nobody|limits` forces one):
- "bwrap": bubblewrap with every namespace unshared (no network, own pids), a cleared
  environment, and a file system holding only the interpreter and its packages (read-only),
  the submission copy (read-only), the job folder (read-only) and a small private /tmp.
- "nobody": when root without a working bwrap, the process drops to uid/gid 65534 (if that
  user can run the interpreter).
- "limits": neither; only the limits and the scrubbed environment apply.
Every method applies: RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_CORE=0, a new
session so the whole process group can be SIGKILLed at the wall-clock limit, and capped reads
of stdout/stderr (the grader never parses them).
"""
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
SAFE_ENV = {
    "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp", "TMPDIR": "/tmp",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}


@dataclass
class Limits:
    """Resource limits of one submission's grading (wall_s is the total for the submission)."""
    wall_s: float = 120.0
    case_s: float = 30.0          # one case may not take longer than this
    memory_bytes: int = 2 << 30
    output_bytes: int = 64 << 10  # kept of stdout and stderr each; the rest is read and dropped
    result_bytes: int = 64 << 20  # of result frames
    file_bytes: int = 16 << 20    # largest file the process may write (its private /tmp)
    tmp_bytes: int = 64 << 20     # size of the private /tmp (bwrap)


def interpreter():
    """The real interpreter binary and its installation prefix (resolving venv links)."""
    python = Path(os.path.realpath(sys.executable))
    return python, Path(os.path.realpath(sys.base_prefix))


def site_packages():
    return Path(os.path.realpath(sysconfig.get_paths()["purelib"]))


@functools.lru_cache(maxsize=None)
def bwrap_works():
    """True if bubblewrap exists and can create the namespaces we use on this machine."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    try:
        probe = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", *_system_binds(),
                                "/usr/bin/true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def method():
    forced = os.environ.get("GRADING_SANDBOX")
    if forced:
        return forced
    if sys.platform.startswith("linux") and bwrap_works():
        return "bwrap"
    return "nobody" if os.geteuid() == 0 and nobody_works() else "limits"


@functools.lru_cache(maxsize=None)
def nobody_works():
    """True if uid 65534 can start this interpreter (not so when it lives under a 0700 /root)."""
    def drop():
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    try:
        probe = subprocess.run([str(interpreter()[0]), "-I", "-S", "-c", "pass"], preexec_fn=drop,
                               capture_output=True, timeout=30, cwd="/")
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def _system_binds():
    """/usr read-only, and the merged-/usr links (/lib, /bin, ...) as the host has them."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _set_limits(limits, drop_to_nobody):
    """Runs in the child between fork and exec."""
    os.setsid()
    cpu = int(limits.wall_s) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if drop_to_nobody:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))


class CappedReader(threading.Thread):
    """Reads a pipe to its end, keeping at most `cap` bytes (so a flood cannot block or bloat)."""

    def __init__(self, pipe, cap):
        super().__init__(daemon=True)
        self.pipe, self.cap, self.kept = pipe, cap, bytearray()
        self.start()

    def run(self):
        while chunk := self.pipe.read(65536):
            if len(self.kept) < self.cap:
                self.kept += chunk[: self.cap - len(self.kept)]
        self.pipe.close()


class Process:
    """A started sandboxed process: wait for it, kill it (with everything it started)."""

    def __init__(self, popen, limits):
        self.popen = popen
        self.stdout = CappedReader(popen.stdout, limits.output_bytes)
        self.stderr = CappedReader(popen.stderr, limits.output_bytes)

    def poll(self):
        return self.popen.poll()

    def kill(self):
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self):
        code = self.popen.wait()
        self.stdout.join(5)
        self.stderr.join(5)
        return code


class Sandbox:
    def __init__(self, limits=None, how=None):
        self.limits = limits or Limits()
        self.how = how or method()

    def start(self, job_dir, submission_dir, result_fd):
        """Start `python -I -S job_dir/runner.py job_dir/job.json FD` on the submission.

        job_dir (runner.py, job.json, case files) and submission_dir are mounted read-only at
        /grader and /submission under bwrap; the other methods use them where they are (the
        job file names the paths the process will see, see `paths`).
        """
        python, prefix = interpreter()
        inside_job = self.paths(job_dir, submission_dir)[0]
        command = [str(python), "-I", "-S", f"{inside_job}/runner.py", f"{inside_job}/job.json", str(result_fd)]
        if self.how == "bwrap":
            packages = site_packages()
            bwrap = shutil.which("bwrap")
            if bwrap is None:
                raise FileNotFoundError("bwrap is not on PATH (Debian package bubblewrap)")
            command = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
                       *[arg for key, value in SAFE_ENV.items() for arg in ("--setenv", key, value)],
                       # /tmp first: the interpreter or the venv may live under /tmp (a CI clone),
                       # and a tmpfs mounted after their binds would hide them.
                       "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp",
                       *_system_binds(),
                       "--ro-bind", str(prefix), str(prefix),
                       "--ro-bind", str(packages), str(packages),
                       "--proc", "/proc", "--dev", "/dev",
                       "--ro-bind", str(submission_dir), "/submission",
                       "--ro-bind", str(job_dir), "/grader",
                       "--chdir", "/submission", *command]
        elif self.how not in ("nobody", "limits"):
            raise ValueError(f"unknown sandbox method {self.how!r}")
        drop = self.how == "nobody" and os.geteuid() == 0
        popen = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(result_fd,), env=dict(SAFE_ENV), cwd=str(submission_dir) if self.how != "bwrap" else "/",
            preexec_fn=functools.partial(_set_limits, self.limits, drop), close_fds=True)
        return Process(popen, self.limits)

    def paths(self, job_dir, submission_dir):
        """(job folder, submission folder) as the sandboxed process sees them."""
        if self.how == "bwrap":
            return "/grader", "/submission"
        return str(job_dir), str(submission_dir)
