"""nbgrader's autograde with no student code outside the sandbox and no score from the kernel.

Both pieces are switched on in grading/nbgrader_config.py, so every way of autograding uses them:
`nbgrader autograde`, the formgrader's button, `python -m grading autograde-parallel`, the demo.

- SandboxedKernelManager: the notebook's kernel runs in the grader's sandbox (grading/grader/sandbox.py:
  bubblewrap, an unprivileged uid, whole-sandbox limits). It sees a scratch copy of the
  submission folder at /home/student/<chapter>, the interpreter and its packages, nothing else:
  not solutions/, not the gradebook, not other students, not the exchange, not the grading code.
  It talks to nbgrader over Unix sockets in a folder of its own (no network at all). When the
  kernel ends, its pid namespace takes every process it started with it. The notebook's setup
  cell imports the course's assets/ (assets/course.py): the scratch copy gets the course's own
  assets/ (course_assets), in place of any assets/ the student handed in.
- TrustedScores: after the notebook ran, each test cell's score and printed output come from the
  isolated grader (grading/grader/check.py, run by this trusted process on nbgrader's copy of the
  submission), never from what the kernel printed: student code shares the kernel and could
  print any number. The cell shows the grader's verdict first, then its table. Any other output
  that shows a line of the hidden tests is removed. A submission holding a symlink or special
  file is not graded (every test cell scores 0 and says why).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from nbgrader import utils
from traitlets import DottedObjectName, Integer, Type, default

from grading.grader.execute import course_assets
from grading.grader.sandbox import Limits, Sandbox

from .exchange import SubmissionRefused, safe_copy_tree
from .feedback import CoursePreprocessor

INSIDE_HOME = "/home/student"
KERNEL_STUB = Path(__file__).resolve().with_name("kernel_stub")  # `grading` inside the sandbox
INSIDE_STUB = "/opt/dlcourse"
SCRATCH_MAX_BYTES = 200 << 20
REMOVED = "[output removed by the grader: it showed the grader's hidden test code]\n"


def environment_python():
    """This environment's interpreter by the path the sandbox binds: the environment's real
    folder (a venv reached through a symlink, as in a clone whose .venv is a link, is bound
    under its real path, where its pyvenv.cfg makes the venv's packages importable)."""
    executable = Path(sys.executable)
    try:
        return str(Path(os.path.realpath(sys.prefix)) / executable.relative_to(sys.prefix))
    except ValueError:
        return os.path.realpath(executable)


class PatientChannel(AsyncZMQSocketChannel):
    """A channel to the kernel that looks at its socket again every `LOOK_S` while it waits.

    Under load a message that had arrived was sometimes not seen (the socket's readiness, an
    edge-triggered signal, went unnoticed): the reply to a cell that took 0.6 s was read only when
    the cell's 240-s timeout ran out, and nbgrader was killed at the student's timeout. Looking
    again costs a poll per second and reads such a message within one."""

    LOOK_S = 1.0

    async def get_msg(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = self.LOOK_S if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await super().get_msg(min(self.LOOK_S, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class PatientKernelClient(AsyncKernelClient):
    """nbgrader's client of the sandboxed kernel: every channel a PatientChannel."""

    shell_channel_class = Type(PatientChannel)
    iopub_channel_class = Type(PatientChannel)
    stdin_channel_class = Type(PatientChannel)
    control_channel_class = Type(PatientChannel)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in the grader's sandbox (see the module's doc)."""

    client_class = DottedObjectName("grading.nbgrader_glue.sandboxed_autograde.PatientKernelClient")

    @default("client_factory")
    def _patient_client(self):
        return PatientKernelClient

    memory_mb = Integer(2048, help="memory of the kernel's sandbox, all its processes together (MB)").tag(config=True)
    tasks = Integer(256, help="processes and threads of the kernel's sandbox").tag(config=True)
    wall_s = Integer(3600, help="the kernel's whole life (s); nbgrader's cell timeout still applies").tag(config=True)

    _sandbox_dir = None
    _sandbox_process = None

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"  # a signal would reach bwrap, not the kernel
        return spec

    async def _async_pre_start_kernel(self, **kw):
        self._sandbox_dir = Path(tempfile.mkdtemp(prefix="dlcourse-kernel-"))
        (self._sandbox_dir / "ipc").mkdir()
        self.transport = "ipc"
        self.ip = str(self._sandbox_dir / "ipc" / "kernel")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        home = self._sandbox_dir / "home"
        work = Path(kw.get("cwd") or os.getcwd())
        inside = f"{INSIDE_HOME}/{work.name}"
        home.mkdir()
        safe_copy_tree(work, home / work.name, max_bytes=SCRATCH_MAX_BYTES)
        course_assets(home / work.name)
        connection = self._sandbox_dir / "ipc" / "connection.json"
        shutil.copyfile(self.connection_file, connection)
        argv = [str(connection) if arg == self.connection_file else arg for arg in kernel_cmd]
        if any("ipykernel" in arg for arg in argv):
            argv[0] = environment_python()
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "MPLCONFIGDIR": "/tmp",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": INSIDE_STUB,
            "NBGRADER_EXECUTION": (kw.get("env") or {}).get("NBGRADER_EXECUTION", "autograde"),
        }
        limits = Limits(
            wall_s=self.wall_s,
            memory_bytes=self.memory_mb << 20,
            tasks=self.tasks,
            address_space_bytes=max(8 << 30, self.memory_mb << 21),
            file_bytes=64 << 20,
            tmp_bytes=256 << 20,
        )
        proc = Sandbox(limits).spawn(
            argv,
            ro=[(KERNEL_STUB, INSIDE_STUB)],
            rw=[(home, INSIDE_HOME), (self._sandbox_dir / "ipc", self._sandbox_dir / "ipc")],
            chdir=inside,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            owned=[home, self._sandbox_dir / "ipc"],
        )
        self._sandbox_process = proc
        provisioner = self.provisioner
        provisioner.process, provisioner.pid = proc.popen, proc.pid
        provisioner.pgid = os.getpgid(proc.pid)
        provisioner.cwd = inside
        self._reconcile_connection_info(provisioner.connection_info)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if self._sandbox_process is not None:
            self._sandbox_process.close()
            self._sandbox_process = None
        if self._sandbox_dir is not None and not restart:
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)
            self._sandbox_dir = None


# ---------------------------------------------------------------- the scores


def hidden_lines(nb):
    """The lines (12 characters or more) of every hidden-test region of the notebook."""
    from .feedback import BEGIN, END

    lines, inside = set(), False
    for cell in nb.cells:
        for line in cell.source.splitlines() if cell.cell_type == "code" else []:
            if BEGIN in line:
                inside = True
            elif END in line:
                inside = False
            elif inside and len(line.strip()) >= 12:
                lines.add(line.strip())
    return lines


def output_text(output):
    parts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    for value in output.get("data", {}).values():
        parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def verdict(points, max_points, rows):
    """The first line a test cell prints: its points, and in words what they mean."""
    wrong = [r for r in rows if not r["passed"]]
    if not wrong:
        return f"Score {points:g} / {max_points:g}: all {len(rows)} checks passed - well done!"
    right = len(rows) - len(wrong)
    return f"Score {points:g} / {max_points:g}: {right} of {len(rows)} checks passed; what to fix is below."


def cell_report(report, prefixes, points):
    """(points, text) of one test cell from the grader's report: the verdict, then each check
    with its share of the cell's points and, when wrong, the grader's diagnosis."""
    from grading.grader.notebook import cell_points

    rows = [r for r in report["checks"] if any(r["id"] == p or r["id"].startswith(p + ".") for p in prefixes)]
    part = {
        "score": round(sum(r["points"] for r in rows), 2),
        "max_score": round(sum(r["max_points"] for r in rows), 2),
    }
    earned = cell_points(part, points)
    lines = [verdict(earned, points, rows)]
    for row in rows:
        share = (
            f"{cell_points(row_part(row), points * row['max_points'] / part['max_score']):g}"
            f"/{points * row['max_points'] / part['max_score']:.3g}"
            if part["max_score"]
            else "0/0"
        )
        lines.append(f"  {'ok   ' if row['passed'] else 'WRONG'} {row['id']} ({share}): {row['message']}")
    return earned, "\n".join(lines) + "\n"


def cell_record(report, prefixes, points, earned, chapter, refused=None):
    """What the feedback's summary needs of one test cell (grading/nbgrader_glue/feedback.py FeedbackSummary):
    its points and, per check, the exercise it belongs to, its share of the points and its message."""
    from grading.grader.checks import all_checks

    checks = all_checks(chapter)
    titles = {check.id: check.exercise for check in checks}
    rows = (report or {}).get("checks") or [
        dict(id=c.id, passed=False, points=0.0, max_points=c.points, message=f"not graded: {refused}") for c in checks
    ]
    rows = [r for r in rows if any(r["id"] == p or r["id"].startswith(p + ".") for p in prefixes)]
    return {
        "points": earned,
        "max_points": points,
        "checks": [
            dict(
                id=r["id"],
                exercise=titles.get(r["id"], r["id"]),
                passed=r["passed"],
                points=r["points"],
                max_points=r["max_points"],
                message=r["message"],
            )
            for r in rows
        ],
    }


def library_note(folder):
    """The first line of the submission's mytorch/NOT_HANDED_IN.txt (grading/nbgrader_glue/unpack.py), or None."""
    from .unpack import NOT_HANDED_IN

    path = Path(folder) / "mytorch" / NOT_HANDED_IN
    if path.is_symlink() or not path.is_file():
        return None
    lines = path.read_text(errors="replace").splitlines()
    return "".join(ch for ch in (lines[0] if lines else "") if ch.isprintable())[:300] or None


def row_part(row):
    return {"score": row["points"], "max_score": row["max_points"]}


class TrustedScores(CoursePreprocessor):
    """Replace every test cell's outputs and score with the isolated grader's (see the module's doc)."""

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        from grading.grader.check import grade

        from .verify import grader_cells

        chapter, student = resources["nbgrader"]["assignment"], resources["nbgrader"]["student"]
        folder = Path(resources["metadata"]["path"])
        coursedir = CourseDirectory(config=self.config)
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, chapter))
        cells = grader_cells(chapter)
        # nbgrader's copy into autograded/ followed any link: look at what the student handed in
        refused = submission_problem(submitted) if submitted.is_dir() else None
        report = None if refused else grade(folder, chapter)
        hidden = hidden_lines(nb)
        claims, graded = {}, {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if utils.is_grade(cell) and grade_id in cells:
                prefixes, points = cells[grade_id]
                claim = kernel_claim(cell)
                if claim is not None:
                    claims[grade_id] = claim
                if refused:
                    earned, text = 0.0, f"Score 0 / {points:g}: not graded: {refused}.\n"
                else:
                    earned, text = cell_report(report, prefixes, points)
                graded[grade_id] = cell_record(report, prefixes, points, earned, chapter, refused)
                cell.outputs = [
                    new_output("stream", name="stdout", text=text),
                    new_output(
                        "execute_result",
                        data={"text/plain": f"{earned:g}"},
                        execution_count=cell.get("execution_count"),
                    ),
                ]
            elif hidden:
                cell.outputs = [
                    new_output("stream", name="stdout", text=REMOVED)
                    if any(line in output_text(o) for line in hidden)
                    else o
                    for o in cell.outputs
                ]
        nb.metadata["dlcourse"] = {
            "graded_by": "isolated grader",
            "refused": refused,
            "claims": claims,
            "isolation": report.get("isolation") if report else None,
            "cells": graded,
            "library": library_note(folder),
        }
        if claims:
            self.log.warning(
                "%s: the notebook printed scores of its own in %s (the grader's count)",
                student,
                ", ".join(sorted(claims)),
            )
            flag(resources)
        return nb, resources


def flag(resources):
    """Flag the submitted notebook in the gradebook (the formgrader shows it)."""
    from nbgrader.api import Gradebook

    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"]).flagged = True
        gb.db.commit()


def kernel_claim(cell):
    """The score a test cell showed in the kernel, or None: the sandbox's grading.grader.notebook
    shows none, so a number there was made by the notebook's own code."""
    for output in cell.outputs:
        if output.output_type == "execute_result":
            text = output.get("data", {}).get("text/plain", "")
            try:
                return float(text if isinstance(text, str) else "".join(text))
            except ValueError:
                return text[:100] if isinstance(text, str) else None
    return None


def submission_problem(folder):
    """Why the submission folder cannot be graded (a symlink, a special file...), or None."""
    try:
        safe_copy_tree(folder, None)
    except SubmissionRefused as exc:
        return exc.reason
    return None
