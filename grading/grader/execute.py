"""Run case programs on one submission in the sandbox and bring back validated plain arrays.

    results = run_cases(submission_dir, items, limits, reference=False)
    results[key] -> CaseResult(arrays={name: ndarray}, error=str | None, warnings=int, problems={})

The submission is copied (no symlinks, no caches, size-capped) to a private temp folder with
the runner and the case files; `runner.py` runs there under `sandbox.Sandbox` and sends frames
over a pipe. This module trusts nothing in them: every header is checked, arrays are loaded
with allow_pickle=False and must be numeric, the stream is capped, and a malformed frame ends
the parse (the cases left get "results unreadable"). When the process dies mid-way (os._exit,
a crash, a case over its time) the case it was running is blamed and the rest are run again
in a fresh process, within the submission's total time. A notebook's setup cell imports the
course's assets/: the copy gets the course's own (course_assets), never the student's.
"""

import io
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grading.course import ROOT

from .sandbox import Limits, Sandbox, site_packages

RUNNER = Path(__file__).resolve().with_name("runner.py")
SKIP = {"__pycache__", ".ipynb_checkpoints", ".git", ".venv", "node_modules"}
MAX_SUBMISSION_BYTES = 50 << 20
MAX_RESTARTS = 10
KINDS = {"hello", "imported", "start", "array", "meta", "done"}
ASSETS = ROOT / "assets"  # the course's setup, figure style and plotting helpers (every setup cell imports them)


class GraderError(RuntimeError):
    """The grader itself failed (not the submission): the sandbox could not run, and the like."""


@dataclass
class CaseResult:
    arrays: dict = field(default_factory=dict)
    error: str = None
    warnings: int = 0
    problems: dict = field(default_factory=dict)


def copy_submission(source, target):
    """Copy regular files only (a symlink could point at the reference), capped in total size."""
    total = 0
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in SKIP and not os.path.islink(os.path.join(folder, d))]
        rel = Path(folder).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > MAX_SUBMISSION_BYTES:
                raise ValueError(f"the submission is larger than {MAX_SUBMISSION_BYTES >> 20} MB")
            shutil.copyfile(path, target / rel / name)


def course_assets(folder, assets=ASSETS):
    """Put the course's trusted assets/ into `folder`, a scratch copy of a submission, in place of
    whatever the student handed in under that name (a folder, a file, a link: removed, never
    followed). The notebook's setup cell, searching upwards for assets/course.py, finds it there."""
    target = Path(folder) / "assets"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    if Path(assets).is_dir():
        shutil.copytree(assets, target, ignore=shutil.ignore_patterns(*SKIP, "*.pyc"))


class FrameReader(threading.Thread):
    """Parses the runner's frames from a pipe; records progress; drains the pipe to its end."""

    def __init__(self, pipe, keys, cap):
        super().__init__(daemon=True)
        self.pipe, self.keys, self.cap = pipe, set(keys), cap
        self.results = {}
        self.pending = {}
        self.hello = self.imported = self.corrupt = False
        self.current, self.current_since = None, None
        self.start()

    def run(self):
        try:
            self.parse()
        except (ValueError, TypeError, KeyError, OSError, json.JSONDecodeError):
            self.corrupt = True
        while self.pipe.read(65536):  # keep draining, so the writer never blocks on us
            pass
        self.pipe.close()

    def parse(self):
        used = 0
        while True:
            line = self.pipe.readline(4096)
            if not line:
                return
            header = json.loads(line)
            nbytes = header["nbytes"]
            if (
                not line.endswith(b"\n")
                or not isinstance(header, dict)
                or header.get("kind") not in KINDS
                or type(nbytes) is not int
                or not 0 <= nbytes <= self.cap - used
            ):
                raise ValueError("bad frame")
            payload = self.pipe.read(nbytes) if nbytes else b""
            used += len(line) + nbytes
            if len(payload) != nbytes:
                raise ValueError("short frame")
            self.handle(header, payload)

    def handle(self, header, payload):
        kind = header["kind"]
        if kind == "hello":
            self.hello = True
        elif kind == "imported":
            self.imported = True
        elif kind == "done":
            self.current = None
        elif header.get("key") not in self.keys:
            raise ValueError("unknown key")
        elif kind == "start":
            self.current, self.current_since = header["key"], time.monotonic()
        elif kind == "array":
            name = header.get("name")
            if (
                not isinstance(name, str)
                or not name
                or not set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
            ):
                raise ValueError("bad name")
            array = np.load(io.BytesIO(payload), allow_pickle=False)
            if type(array) is not np.ndarray or array.dtype.kind not in "biuf" or array.ndim > 6:
                raise ValueError("not a plain numeric array")
            self.pending.setdefault(header["key"], {})[name] = array
        elif kind == "meta":
            meta = json.loads(payload)
            error = meta.get("error")
            problems = meta.get("problems", {})
            if (
                not (error is None or isinstance(error, str))
                or type(meta.get("warnings", 0)) is not int
                or not isinstance(problems, dict)
                or not all(isinstance(v, str) for v in problems.values())
            ):
                raise ValueError("bad meta")
            self.results[header["key"]] = CaseResult(
                self.pending.pop(header["key"], {}),
                error and error[:1000],
                meta.get("warnings", 0),
                {str(k)[:100]: v[:300] for k, v in problems.items()},
            )
            self.current = None


def _death(code, killed_for):
    if killed_for:
        return killed_for
    if code is not None and code < 0:
        sig = signal.Signals(-code).name
        why = {
            "SIGKILL": " (out of memory?)",
            "SIGXCPU": " (CPU time limit)",
            "SIGSEGV": " (a crash)",
            "SIGXFSZ": " (wrote a file over the size limit)",
        }.get(sig, "")
        return f"the grading process was killed by {sig}{why}"
    return f"the grading process exited with code {code} (os._exit or exit() in the submission?)"


def run_cases(submission_dir, items, limits=None, reference=False, sandbox=None):
    """Run `items` (dicts: key, target, case_file, program, case, cells) on one submission.

    Returns {key: CaseResult} for every item. Raises GraderError if the sandbox cannot run.
    """
    limits = limits or Limits()
    sandbox = sandbox or Sandbox(limits)
    results = {}
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        tmp = Path(tmp)
        job_dir, sub_dir = tmp / "job", tmp / "submission"
        job_dir.mkdir()
        sub_dir.mkdir()
        try:
            copy_submission(Path(submission_dir), sub_dir)
        except ValueError as exc:
            return {item["key"]: CaseResult(error=str(exc)) for item in items}
        course_assets(sub_dir)
        shutil.copyfile(RUNNER, job_dir / "runner.py")
        case_files = {}
        for item in items:
            source = str(item["case_file"])
            if source not in case_files:
                case_files[source] = f"cases_{len(case_files)}.py"
                shutil.copyfile(source, job_dir / case_files[source])
        if sandbox.how == "nobody":
            for path in [tmp, *tmp.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        inside_job, inside_sub = sandbox.paths(job_dir, sub_dir)
        deadline = time.monotonic() + limits.wall_s
        todo = list(items)
        for _attempt in range(MAX_RESTARTS + 1):
            if not todo:
                break
            job = {
                "submission": inside_sub,
                "site_packages": str(site_packages()),
                "reference": reference,
                "needs_mytorch": any(i["target"] == "mytorch" for i in todo),
                "case_files": [f"{inside_job}/{name}" for name in sorted(case_files.values())],
                "items": [dict(i, case_file=f"{inside_job}/{case_files[str(i['case_file'])]}") for i in todo],
            }
            (job_dir / "job.json").write_text(json.dumps(job))
            reader, code, killed_for = _launch(sandbox, job_dir, sub_dir, todo, limits, deadline)
            results.update(reader.results)
            left = [i for i in todo if i["key"] not in results]
            if not left:
                break
            if not reader.hello:
                raise GraderError(f"the sandbox ({sandbox.how}) did not start the runner (exit code {code})")
            if reader.corrupt:
                for item in left:
                    results[item["key"]] = CaseResult(
                        error="its results were unreadable (the submission wrote to the grader's result pipe?)"
                    )
                break
            death = _death(code, killed_for)
            if not reader.imported:
                for item in left:
                    results[item["key"]] = CaseResult(error=f"{death} while mytorch was being imported")
                break
            if reader.current is not None:
                results[reader.current] = CaseResult(error=death)
            todo = [i for i in left if i["key"] not in results]
            if time.monotonic() >= deadline:
                break
        for item in items:
            results.setdefault(
                item["key"],
                CaseResult(
                    error=f"not run: the submission used up its time ({limits.wall_s:g} s) or crashed too often"
                ),
            )
    return results


def _launch(sandbox, job_dir, sub_dir, todo, limits, deadline):
    read_end, write_end = os.pipe()
    try:
        proc = sandbox.start(job_dir, sub_dir, write_end)
    except OSError as exc:
        os.close(read_end)
        raise GraderError(f"could not start the sandbox ({sandbox.how}): {exc}") from exc
    finally:
        os.close(write_end)
    reader = FrameReader(os.fdopen(read_end, "rb"), [i["key"] for i in todo], limits.result_bytes)
    killed_for = None
    case_limits = {i["key"]: max(limits.case_s, i.get("case_s") or 0) for i in todo}
    while proc.poll() is None:
        time.sleep(0.01)
        now = time.monotonic()
        current, since = reader.current, reader.current_since
        limit = case_limits.get(current, limits.case_s)
        if now >= deadline:
            killed_for = f"stopped after the submission's time limit ({limits.wall_s:g} s): an infinite loop?"
        elif current is not None and since is not None and now - since > limit:
            killed_for = f"stopped after {limit:g} s on this case: an infinite loop?"
        if killed_for:
            proc.kill()
            break
    code = proc.wait()  # also kills what it left behind and removes its cgroup
    reader.join(10)
    return reader, code, killed_for or proc.killed_for
