"""Helpers of the grader tests: student-like submissions made from the reference."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION \| chapter (?P<num>\d+) \((?P<chapter>\w+)\) \| "
    r"exercise (?P<exercise>[^|]+?) \| hint: (?P<hint>.*?)\n.*?^[ \t]*### END SOLUTION\n",
    re.M | re.S,
)


def stub_regions(text, exercise=None):
    """Replace solution regions (all, or those whose exercise contains `exercise`) with stubs."""

    def stub(m):
        if exercise and exercise not in m["exercise"]:
            return m[0]
        message = (
            f"Chapter {m['num']} ({m['chapter']}), exercise {m['exercise']}: not implemented yet. Hint: {m['hint']}"
        )
        return f"{m['indent']}raise NotImplementedError({message!r})\n"

    return REGION.sub(stub, text)


def make_submission(folder, edits=(), stub=None, files=None):
    """A copy of the reference mytorch in folder/mytorch with edits [(path, old, new)] applied.

    stub: True stubs every exercise, a string only the exercises containing it; files:
    {relative path: text} written on top (hostile modules and the like).
    """
    folder = Path(folder)
    shutil.copytree(ROOT / "solutions" / "mytorch", folder / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    for path, old, new in edits:
        target = folder / "mytorch" / path
        text = target.read_text()
        assert old in text, f"{old!r} not in {path}"
        target.write_text(text.replace(old, new))
    if stub:
        for path in (folder / "mytorch").rglob("*.py"):
            path.write_text(stub_regions(path.read_text(), None if stub is True else stub))
    for path, text in (files or {}).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    return folder


def run_check(submission, *args, env=None):
    """Run the CLI as instructors do; returns (exit code, parsed JSON or None, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "grading", "check", str(submission), "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    report = json.loads(proc.stdout) if proc.returncode == 0 else None
    return proc.returncode, report, proc.stdout, proc.stderr


def by_id(report):
    return {row["id"]: row for row in report["checks"]}
