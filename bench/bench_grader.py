"""Submissions graded per minute, isolation on, with 2 parallel graders (2 cores).

    .venv/bin/python bench/bench_grader.py [--submissions 8] [--workers 2] [--chapter backprop]

Each submission is a copy of the reference (full marks), a stub edition (all zero) or the
reference with one planted mistake, graded by the command instructors run
(`python -m grading check SUB --json`, a fresh grader process each: its reference run
included). Prints the isolation method, the wall time and the rate; also the rate of the
in-process API (`grading.grader.check.grade`), which runs the reference once per process.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from grader_helpers import make_submission  # noqa: E402

from grading.grader import check, sandbox  # noqa: E402

MISTAKES = [
    [("nn/linear.py", "self.dLdW = dLdZ.T @ self.A", "self.dLdW = self.A.T @ dLdZ")],
    [("nn/activations.py", "E = np.exp(Z - Z.max(axis=-1, keepdims=True))", "E = np.exp(Z)")],
    [("nn/losses.py", "return (2 / self.diff.size) * self.diff", "return 2 * self.diff")],
]


def submissions(folder, count):
    made = []
    for i in range(count):
        kind = i % (2 + len(MISTAKES))
        target = Path(folder) / f"s{i}"
        if kind == 0:
            make_submission(target)
        elif kind == 1:
            make_submission(target, stub=True)
        else:
            make_submission(target, edits=MISTAKES[kind - 2])
        made.append(target)
    return made


def rate(label, count, seconds):
    print(f"{label:<34} {count} submissions in {seconds:6.1f} s = {60 * count / seconds:6.1f} per minute")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chapter", default=None, help="one chapter (default: all chapters)")
    args = parser.parse_args()
    print(f"isolation method: {sandbox.method()}; workers: {args.workers}; chapter: {args.chapter or 'all'}")
    chapter = ["--chapter", args.chapter] if args.chapter else []
    with tempfile.TemporaryDirectory() as tmp:
        subs = submissions(tmp, args.submissions)

        def cli(sub):
            proc = subprocess.run(
                [sys.executable, "-m", "grading", "check", str(sub), "--json", *chapter],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            assert proc.returncode == 0, proc.stderr

        start = time.perf_counter()
        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(cli, subs))
        rate("CLI (a grader process each)", len(subs), time.perf_counter() - start)

        check.grade(subs[0], args.chapter)  # the reference run, once per grader process
        start = time.perf_counter()
        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(lambda sub: check.grade(sub, args.chapter), subs))
        rate("API (reference run once)", len(subs), time.perf_counter() - start)


if __name__ == "__main__":
    main()
