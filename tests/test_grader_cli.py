"""`python -m grading check`: JSON schema, exit codes, full marks, stubs, table, repo untouched."""

import hashlib
import json
import os
import subprocess
import sys

import pytest
from grader_helpers import ROOT, by_id, make_submission, run_check

from grading.grader import check
from grading.grader.checks import all_checks
from grading.grader.execute import GraderError

# The library's checks of chapter 4 (its notebook exercise 4.12 is graded in test_grader_notebook_exercises.py).
LIBRARY = ",".join(c.id for c in all_checks("backprop") if c.target == "mytorch")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")


def tree_hash(*folders):
    """A hash of the committed files in folders (run-time state that other tests write beside
    them, such as the reference store or the gitignored nbgrader folders, is not the question)."""
    tracked = subprocess.run(["git", "ls-files", "-z", *folders], cwd=ROOT, capture_output=True, check=True)
    digest = hashlib.sha256()
    for name in sorted(tracked.stdout.decode().split("\0")):
        if name and (ROOT / name).is_file():
            digest.update(name.encode() + (ROOT / name).read_bytes())
    return digest.hexdigest()


def test_reference_scores_full_marks_with_the_documented_json(tmp_path):
    make_submission(tmp_path)
    code, report, stdout, _ = run_check(tmp_path, "--chapter", "backprop", "--only", LIBRARY)
    assert code == 0
    assert set(report) == {"checks", "score", "max_score", "isolation"} and report["isolation"] == "bwrap"
    assert stdout.count("\n") == 1  # exactly one JSON object, one line
    for row in report["checks"]:
        assert set(row) == {"id", "chapter", "points", "max_points", "passed", "message"}
        assert row["chapter"] == "backprop"
        assert row["passed"] and row["points"] == row["max_points"], row
    assert report["score"] == report["max_score"] == sum(r["max_points"] for r in report["checks"]) > 40
    ids = by_id(report)
    for part in [
        "linear.forward",
        "linear.backward.dLdW",
        "linear.gradcheck",
        "softmax.backward.dLdZ",
        "cross_entropy_loss.stable",
        "sequential.backward",
    ]:
        assert "backprop." + part in ids


def test_stubs_score_zero_and_say_not_implemented_yet(tmp_path):
    make_submission(tmp_path, stub=True)
    code, report, _, _ = run_check(tmp_path, "--chapter", "backprop", "--only", LIBRARY)
    assert code == 0
    assert report["score"] == 0 and report["max_score"] > 40
    for row in report["checks"]:
        assert not row["passed"] and row["points"] == 0
        assert "not implemented yet" in row["message"], row
        assert "Traceback" not in row["message"] and 'File "' not in row["message"]
    assert "exercise 4.1 Linear.forward" in by_id(report)["backprop.linear.forward"]["message"]


def test_partial_credit_within_an_exercise(tmp_path):
    # Only Linear.backward is a stub: forward keeps its points, each gradient loses its own.
    make_submission(tmp_path, stub="Linear.backward")
    _, report, _, _ = run_check(tmp_path, "--only", "backprop.linear")
    rows = by_id(report)
    assert rows["backprop.linear.forward"]["points"] == 2
    assert rows["backprop.linear.backward.dLdW"]["points"] == 0
    assert report["score"] == 2 and report["max_score"] == 6


def test_table_output_and_usage_errors(tmp_path):
    make_submission(tmp_path, stub=True)
    proc = subprocess.run(
        [sys.executable, "-m", "grading", "check", str(tmp_path), "--only", "backprop.linear"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0
    assert "backprop.linear.forward" in proc.stdout and "score 0 / 6" in proc.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "grading", "check", str(tmp_path / "nope"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and missing.stdout == ""
    bad_chapter = subprocess.run(
        [sys.executable, "-m", "grading", "check", str(tmp_path), "--chapter", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad_chapter.returncode == 2


def test_no_sandbox_to_start_refuses_with_one_line(tmp_path):
    make_submission(tmp_path)
    env = dict(os.environ, PATH="/nonexistent")  # bwrap asked for, not found: no grading at all
    code, _, stdout, stderr = run_check(tmp_path, "--only", "backprop.linear", "--sandbox", "bwrap", env=env)
    assert code == 3 and stdout == "" and stderr.count("\n") == 1 and "apt-get install bubblewrap" in stderr


def test_a_failing_reference_is_a_grader_failure(tmp_path):
    broken = make_submission(tmp_path / "reference", stub="Linear.forward")
    make_submission(tmp_path / "student")
    with pytest.raises(GraderError, match="reference fails backprop.linear.forward"):
        check.grade(tmp_path / "student", only=["backprop.linear"], reference_dir=broken)


def test_grading_changes_nothing_in_the_repository(tmp_path):
    before = tree_hash("solutions", "grading", "mytorch")
    make_submission(tmp_path, edits=[("nn/linear.py", "return A @ self.W.T + self.b", "return A @ self.W.T")])
    code, report, _, _ = run_check(tmp_path, "--only", "backprop.linear")
    assert code == 0 and report["score"] < report["max_score"]
    assert tree_hash("solutions", "grading", "mytorch") == before
    assert json.loads(json.dumps(report)) == report
