"""Run untrusted code (a submission's cases, a notebook's kernel) in a sandbox with limits.

    proc = Sandbox(limits).start(job_dir, submission_dir, result_fd)     # the grader's runner
    proc = Sandbox(limits).spawn(argv, ro={...}, rw={...}, chdir=...)     # any program (a kernel)

Grading fails closed: `method()` is "bwrap" where bubblewrap works, and otherwise raises
SandboxUnavailable with one line naming the fix, unless the instructor opts in to a weaker
method with `GRADING_SANDBOX=nobody|limits` (or `--sandbox`). See README-isolation.md for
what each method guarantees and tests/test_sandbox_guarantees.py for the tests of each.

"bwrap": every namespace but the user one unshared (no network, own pids, ipc, uts); a
cleared environment; a file system holding only /usr, the interpreter and its packages
(read-only), the bound folders, a size-limited private /tmp and /dev/shm, /proc with /proc/sys
read-only. The code runs as an unprivileged uid with no capabilities: as root, bwrap sets up
the mounts and `setpriv` drops to a uid of its own for this sandbox (DEDICATED_UIDS) before
the student's program starts; as another user, a user namespace maps the caller's uid and
every capability is dropped.

Limits that hold for the whole sandbox, every process and thread in it together: memory,
tasks, CPU time, wall time. A cgroup enforces memory and tasks where this machine lets us
make one (v2, or v1's memory and pids hierarchies); a watchdog thread sums memory, tasks and
CPU time over the sandbox's processes every WATCH_S and kills the sandbox past a limit (the
only whole-sandbox limit without a cgroup). Per process: RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE,
RLIMIT_CORE=0, and RLIMIT_NPROC under the dedicated uid (counts the whole sandbox). When the
sandbox ends, everything it started is gone: the pid namespace dies with its first process,
and a cgroup's leftovers are killed.
"""

import functools
import itertools
import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

NOBODY = 65534
METHODS = ("bwrap", "nobody", "limits")
FIX = "apt-get install bubblewrap"
# The uids a root grader gives its sandboxes: one per sandbox, far from any real account, so
# RLIMIT_NPROC counts exactly that sandbox's tasks and no file on the host belongs to it.
DEDICATED_UIDS = range(3_000_000, 3_900_000)
WATCH_S = 0.05
SAFE_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
}
# /proc entries that must stay read-only even for a process that somehow kept privileges.
PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs")


class SandboxUnavailable(RuntimeError):
    """This machine cannot sandbox student code and the instructor did not opt out: no grading."""


@dataclass
class Limits:
    """Limits of one sandbox (wall_s is the total for the submission); whole-sandbox unless noted."""

    wall_s: float = 120.0
    case_s: float = 30.0  # one case may not take longer than this
    memory_bytes: int = 2 << 30  # resident memory of all its processes together
    tasks: int = 128  # processes and threads together
    cpu_s: float = None  # CPU time of all its processes together (default: 2 x wall_s + 10)
    address_space_bytes: int = None  # per process (RLIMIT_AS); default: memory_bytes
    output_bytes: int = 64 << 10  # kept of stdout and stderr each; the rest is read and dropped
    result_bytes: int = 64 << 20  # of result frames
    file_bytes: int = 16 << 20  # largest file the process may write
    tmp_bytes: int = 64 << 20  # size of the private /tmp (bwrap)
    shm_bytes: int = 16 << 20  # size of the private /dev/shm (bwrap)

    @property
    def cpu_total_s(self):
        return self.cpu_s if self.cpu_s is not None else 2 * self.wall_s + 10


def interpreter():
    """The real interpreter binary and its installation prefix (resolving venv links)."""
    python = Path(os.path.realpath(sys.executable))
    return python, Path(os.path.realpath(sys.base_prefix))


def site_packages():
    return Path(os.path.realpath(sysconfig.get_paths()["purelib"]))


# ---------------------------------------------------------------- which method


def _bwrap_problem():
    """None if bubblewrap can build our sandbox here, else why not (one line)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return f"bubblewrap is not installed (`{FIX}`)"
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "setpriv is missing (`apt-get install util-linux`): a root grader needs it to drop privileges"
    try:
        uid = DEDICATED_UIDS[0] if os.geteuid() == 0 else None
        drop = _drop(uid) if uid is not None else []
        probe = subprocess.run([*_bwrap_prefix(Limits(), uid), *drop, "/usr/bin/true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start ({exc})"
    if probe.returncode != 0:
        detail = probe.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return (
            f"bubblewrap cannot create its namespaces here ({detail[0]}): allow unprivileged user "
            f"namespaces, or run the grader as root"
        )
    return None


@functools.cache
def bwrap_problem():
    return _bwrap_problem() if sys.platform.startswith("linux") else "bubblewrap needs Linux"


def bwrap_works():
    return bwrap_problem() is None


def method():
    """The isolation method: GRADING_SANDBOX when set (an explicit opt-in), else "bwrap".

    Raises SandboxUnavailable, whose message is one line naming the fix, where bwrap cannot run."""
    forced = os.environ.get("GRADING_SANDBOX")
    if forced:
        if forced not in METHODS:
            raise SandboxUnavailable(f"GRADING_SANDBOX={forced!r} is not one of {', '.join(METHODS)}")
        return forced
    problem = bwrap_problem()
    if problem:
        raise SandboxUnavailable(
            f"grading refused: student code cannot be sandboxed on this machine: {problem}. "
            f"To grade with weaker isolation anyway, set GRADING_SANDBOX=limits (see grading/README-isolation.md)"
        )
    return "bwrap"


def require(how=None):
    """The method to use, or exit the command with SandboxUnavailable's one line (status 3)."""
    try:
        return how or method()
    except SandboxUnavailable as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(3) from None


def describe(how=None):
    """What isolation this machine gives: {"method", "user", "limits", "problem", "guarantees"}."""
    try:
        how = how or method()
        problem = None
    except SandboxUnavailable as exc:
        how, problem = None, str(exc)
    cgroup = Cgroup.available()
    user = {
        "bwrap": "a dedicated uid per sandbox, no capabilities"
        if os.geteuid() == 0
        else "the caller's uid in a user namespace, no capabilities",
        "nobody": "uid 65534" if os.geteuid() == 0 else "the grading user (not root: no drop)",
        "limits": "the grading user",
        None: None,
    }[how]
    limits = (
        f"cgroup {cgroup} (memory, tasks) + watchdog (memory, tasks, CPU)"
        if cgroup
        else f"watchdog (memory, tasks, CPU; polled every {WATCH_S:g} s) + per-process rlimits"
    )
    guarantees = {
        "bwrap": "sees only its own files, the interpreter and its packages; no network, no other "
        "processes, no instructor files; gone with everything it started when it ends",
        "nobody": "NOT isolated: reads every world-readable file and has the network",
        "limits": "NOT isolated: reads and writes whatever the grading user can",
        None: "none: grading refuses",
    }[how]
    return {"method": how, "user": user, "limits": limits, "problem": problem, "guarantees": guarantees}


# ---------------------------------------------------------------- whole-sandbox limits


class Cgroup:
    """A cgroup of one sandbox (v2, or v1's memory and pids hierarchies) with its limits."""

    V2 = Path("/sys/fs/cgroup")
    V1 = {"memory": Path("/sys/fs/cgroup/memory"), "pids": Path("/sys/fs/cgroup/pids")}

    @classmethod
    @functools.cache
    def available(cls):
        """ "v2", "v1" or None: where this process may make a cgroup with memory and pids limits."""
        if os.environ.get("GRADING_NO_CGROUP"):
            return None
        try:
            if (cls.V2 / "cgroup.controllers").is_file():
                probe = cls._make_v2(cls._parent_v2(), f"dlcourse-probe-{uuid.uuid4().hex[:8]}")
                probe.remove()
                return "v2"
            if all(os.access(p, os.W_OK) for p in cls.V1.values()):
                probe = cls("v1", {k: p / f"dlcourse-probe-{uuid.uuid4().hex[:8]}" for k, p in cls.V1.items()})
                probe.create()
                probe.remove()
                return "v1"
        except OSError:
            return None
        return None

    def __init__(self, version, folders):
        self.version, self.folders = version, folders

    @classmethod
    def _parent_v2(cls):
        own = Path("/proc/self/cgroup").read_text().strip().splitlines()[-1].split(":", 2)[2]
        return cls.V2 / own.lstrip("/")

    @classmethod
    def _make_v2(cls, parent, name):
        controllers = (parent / "cgroup.subtree_control").read_text().split()
        if not {"memory", "pids"} <= set(controllers):
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
        group = cls("v2", {"all": parent / name})
        group.create()
        return group

    @classmethod
    def make(cls, limits):
        version = cls.available()
        if version is None:
            return None
        name = f"dlcourse-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        group = (
            cls._make_v2(cls._parent_v2(), name)
            if version == "v2"
            else cls("v1", {k: p / name for k, p in cls.V1.items()})
        )
        if version == "v1":
            group.create()
            (group.folders["memory"] / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
            (group.folders["pids"] / "pids.max").write_text(str(limits.tasks))
        else:
            (group.folders["all"] / "memory.max").write_text(str(limits.memory_bytes))
            (group.folders["all"] / "pids.max").write_text(str(limits.tasks))
            swap = group.folders["all"] / "memory.swap.max"
            if swap.exists():
                swap.write_text("0")
        return group

    def create(self):
        for folder in self.folders.values():
            folder.mkdir()

    def join(self):
        """Move the calling process into the cgroup (runs in the child before exec)."""
        for folder in self.folders.values():
            with open(folder / "cgroup.procs", "w") as procs:
                procs.write(str(os.getpid()))

    def pids(self):
        found = set()
        for folder in self.folders.values():
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except OSError:
                pass
        return found

    def kill_all(self):
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self):
        self.kill_all()
        for folder in self.folders.values():
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _children_map():
    """{ppid: [pid, ...]} of every process on the machine, from /proc."""
    children = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    return children


def _usage(pid):
    """(resident bytes, tasks, CPU seconds) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/{pid}/statm", "rb") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of stat)
    return resident_pages * resource.getpagesize(), int(fields[17]), cpu  # num_threads (field 20)


class Watchdog(threading.Thread):
    """Sums memory, tasks and CPU time over every process of one sandbox; kills it past a limit."""

    def __init__(self, root_pid, limits, cgroup, kill):
        super().__init__(daemon=True)
        self.root_pid, self.limits, self.cgroup, self.kill = root_pid, limits, cgroup, kill
        self.stopped = threading.Event()
        self.reason = None
        self.peak_bytes = self.peak_tasks = 0
        self.cpu_s = 0.0
        self.start()

    def members(self):
        if self.cgroup is not None:
            return self.cgroup.pids() | {self.root_pid}
        children, found, todo = _children_map(), set(), [self.root_pid]
        while todo:
            pid = todo.pop()
            if pid not in found:
                found.add(pid)
                todo += children.get(pid, [])
        return found

    def run(self):
        alive, finished = {}, {}  # CPU seconds of each process, last seen / after it ended
        while not self.stopped.wait(WATCH_S):
            memory = tasks = 0
            now = {}
            for pid in self.members():
                usage = _usage(pid)
                if usage:
                    memory, tasks, now[pid] = memory + usage[0], tasks + usage[1], usage[2]
            finished.update({pid: cpu for pid, cpu in alive.items() if pid not in now})
            alive = now
            self.cpu_s = sum(alive.values()) + sum(finished.values())
            self.peak_bytes, self.peak_tasks = max(self.peak_bytes, memory), max(self.peak_tasks, tasks)
            if memory > self.limits.memory_bytes:
                self.reason = f"it used more than {self.limits.memory_bytes >> 20} MB of memory in all"
            elif tasks > self.limits.tasks:
                self.reason = f"it ran more than {self.limits.tasks} processes and threads at once"
            elif self.cpu_s > self.limits.cpu_total_s:
                self.reason = f"it used more than {self.limits.cpu_total_s:g} s of CPU time in all"
            if self.reason:
                self.kill()
                return

    def stop(self):
        self.stopped.set()


# ---------------------------------------------------------------- the command line

_uid_counter = itertools.count()


def dedicated_uid():
    """A uid no other sandbox of this machine is using now (per process id and counter)."""
    slot = (os.getpid() * 1009 + next(_uid_counter)) % len(DEDICATED_UIDS)
    return DEDICATED_UIDS[slot]


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


def _bwrap_prefix(limits, uid, env=None):
    """bwrap's options up to the program: namespaces, file system skeleton, privilege drop."""
    bwrap = shutil.which("bwrap") or "bwrap"
    env = SAFE_ENV if env is None else env
    args = [
        bwrap,
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        *[arg for key, value in env.items() for arg in ("--setenv", key, value)],
        # /tmp first: the interpreter or the venv may live under /tmp (a CI clone),
        # and a tmpfs mounted after their binds would hide them.
        "--perms",
        "1777",
        "--size",
        str(limits.tmp_bytes),
        "--tmpfs",
        "/tmp",
        *_system_binds(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(limits.shm_bytes),
        "--tmpfs",
        "/dev/shm",
    ]
    for path in PROC_READ_ONLY:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    if uid is None:  # not root: a user namespace maps our own uid; no capabilities inside
        args[1:1] = ["--unshare-user", "--cap-drop", "ALL"]
        return args
    return args


def _parent_dirs(targets):
    """`--dir` options making every folder above the bind targets traversable (bwrap would make
    them 0700, closed to the sandbox's own uid)."""
    parents = sorted(
        {
            str(parent)
            for target in targets
            for parent in Path(target).parents
            if parent != Path("/") and not parent.is_relative_to("/usr")
        },
        key=len,
    )
    return [arg for parent in parents for arg in ("--perms", "0755", "--dir", parent)]


def _drop(uid):
    """The program prefix that a root bwrap runs first: become `uid`, with no capability left."""
    return [
        shutil.which("setpriv") or "/usr/bin/setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _set_limits(limits, drop_to_nobody, cgroup, dedicated):
    """Runs in the child between fork and exec."""
    os.setsid()
    if cgroup is not None:
        cgroup.join()
    cpu = int(limits.cpu_total_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    space = limits.address_space_bytes or limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (space, space))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if dedicated:  # counts the tasks of this sandbox's own uid: the whole sandbox
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.tasks, limits.tasks))
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


@dataclass
class Process:
    """A started sandbox: wait for it, kill it with everything it started, ask why it died."""

    popen: subprocess.Popen
    limits: Limits
    cgroup: Cgroup = None
    uid: int = None
    stdout: CappedReader = None
    stderr: CappedReader = None
    watchdog: Watchdog = field(default=None, repr=False)

    def __post_init__(self):
        if self.popen.stdout is not None:
            self.stdout = CappedReader(self.popen.stdout, self.limits.output_bytes)
        if self.popen.stderr is not None:
            self.stderr = CappedReader(self.popen.stderr, self.limits.output_bytes)
        self.watchdog = Watchdog(self.popen.pid, self.limits, self.cgroup, self.kill)

    @property
    def pid(self):
        return self.popen.pid

    def poll(self):
        return self.popen.poll()

    @property
    def killed_for(self):
        """Why the watchdog ended the sandbox (a whole-sandbox limit), or None."""
        return self.watchdog.reason

    def kill(self):
        for kill in (lambda: os.killpg(self.popen.pid, signal.SIGKILL), lambda: self.popen.kill()):
            try:
                kill()
            except (ProcessLookupError, PermissionError):
                pass
        if self.cgroup is not None:
            self.cgroup.kill_all()

    def wait(self, timeout=None):
        try:
            code = self.popen.wait(timeout)
        finally:
            if self.popen.poll() is not None:
                self.close()
        return code

    def close(self):
        """After the end: stop watching, kill leftovers (none survive the pid namespace), drop the cgroup."""
        self.watchdog.stop()
        self.kill()
        if self.cgroup is not None:
            self.cgroup.remove()
        for reader in (self.stdout, self.stderr):
            if reader is not None:
                reader.join(5)


class Sandbox:
    def __init__(self, limits=None, how=None):
        self.limits = limits or Limits()
        self.how = how or method()
        if self.how not in METHODS:
            raise ValueError(f"unknown sandbox method {self.how!r}")

    def spawn(
        self,
        argv,
        ro=(),
        rw=(),
        chdir="/",
        env=None,
        pass_fds=(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        owned=(),
    ):
        """Start argv in the sandbox; returns a Process.

        ro, rw: (host path, path inside) pairs bound read-only / read-write (bwrap; the other
        methods see host paths and ignore them); chdir: the working folder inside; env: the
        whole environment inside (default SAFE_ENV); owned: host folders the sandbox's uid must
        be able to write (chowned to it, recursively).
        """
        env = dict(SAFE_ENV if env is None else env)
        root = os.geteuid() == 0
        uid = dedicated_uid() if self.how == "bwrap" and root else None
        cgroup = Cgroup.make(self.limits) if self.how == "bwrap" else None
        if self.how == "bwrap" and not shutil.which("bwrap"):
            raise SandboxUnavailable(f"grading refused: bubblewrap is not on PATH (`{FIX}`)")
        if self.how == "bwrap":
            python, prefix = interpreter()
            binds = ["--ro-bind", str(prefix), str(prefix)]
            for path in {site_packages(), Path(os.path.realpath(sys.prefix))}:
                if not path.is_relative_to(prefix):
                    binds += ["--ro-bind", str(path), str(path)]
            for host, inside in ro:
                binds += ["--ro-bind", str(host), str(inside)]
            for host, inside in rw:
                binds += ["--bind", str(host), str(inside)]
            binds = _parent_dirs(binds[2::3]) + binds
            if uid is not None:
                for folder in owned:
                    for path in [Path(folder), *Path(folder).rglob("*")]:
                        os.lchown(path, uid, uid)
            command = [
                *_bwrap_prefix(self.limits, uid, env),
                *binds,
                "--chdir",
                str(chdir),
                *(_drop(uid) if uid is not None else []),
                *argv,
            ]
            cwd = "/"
        else:
            command, cwd = list(argv), str(chdir)
        drop = self.how == "nobody" and root
        popen = subprocess.Popen(
            command,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            pass_fds=tuple(pass_fds),
            env=env,
            cwd=cwd,
            preexec_fn=functools.partial(_set_limits, self.limits, drop, cgroup, uid is not None),
            close_fds=True,
        )
        return Process(popen, self.limits, cgroup, uid)

    def start(self, job_dir, submission_dir, result_fd):
        """Start `python -I -S job_dir/runner.py job_dir/job.json FD` on the submission.

        job_dir (runner.py, job.json, case files) and submission_dir are mounted read-only at
        /grader and /submission under bwrap; the other methods use them where they are (the
        job file names the paths the process will see, see `paths`).
        """
        python, _ = interpreter()
        inside_job, inside_sub = self.paths(job_dir, submission_dir)
        return self.spawn(
            [str(python), "-I", "-S", f"{inside_job}/runner.py", f"{inside_job}/job.json", str(result_fd)],
            ro=[(submission_dir, inside_sub), (job_dir, inside_job)],
            chdir=inside_sub,
            pass_fds=(result_fd,),
        )

    def paths(self, job_dir, submission_dir):
        """(job folder, submission folder) as the sandboxed process sees them."""
        if self.how == "bwrap":
            return "/grader", "/submission"
        return str(job_dir), str(submission_dir)
