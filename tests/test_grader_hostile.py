"""Hostile submissions gain nothing, and the grader still reports every check.

Each hostile Linear returns the same wrong values as a plain baseline Linear (zeros of the right
shape and dtype, which earn the shape units only) unless its trick works: then it returns the
right answer. So a trick that works shows up as points above the baseline.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

import pytest
from grader_helpers import ROOT, make_submission, run_check

from grading.grader import check, sandbox

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")

ONLY = ["backprop.linear", "backprop.sigmoid"]
LINEAR = """
import numpy as np
from .module import Module


def _wrap(x):
    return x


def _leaked():
    return False

{prelude}


class Linear(Module):
    parameter_names = ("W", "b")

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32, seed=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.W = np.zeros((out_features, in_features), dtype)
        self.b = np.zeros(out_features, dtype)
        self.dLdW = self.dLdb = self.A = None

    def forward(self, A):
        self.A = A
        {forward}
        if _leaked():
            return A @ self.W.T + self.b
        return _wrap(np.zeros((A.shape[0], self.out_features), A.dtype))

    def backward(self, G):
        if _leaked():
            self.dLdW, self.dLdb = G.T @ self.A, G.sum(0)
            return G @ self.W
        self.dLdW, self.dLdb = _wrap(np.zeros_like(self.W)), _wrap(np.zeros_like(self.b))
        return _wrap(np.zeros_like(self.A))
"""


def hostile(tmp_path, prelude="", forward="", init=""):
    files = {"mytorch/nn/linear.py": LINEAR.format(prelude=prelude, forward=forward)}
    folder = make_submission(tmp_path / uuid.uuid4().hex[:8], files=files)
    if init:
        path = folder / "mytorch" / "__init__.py"
        path.write_text(init + "\n" + path.read_text())
    return folder


def points(report):
    return {row["id"]: row["points"] for row in report["checks"]}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    report = check.grade(hostile(tmp_path_factory.mktemp("base")), only=ONLY)
    assert 0 < report["score"] < report["max_score"]
    return report


def assert_no_gain(report, baseline):
    assert [r["id"] for r in report["checks"]] == [r["id"] for r in baseline["checks"]]  # every check reported
    gained = {k: v for k, v in points(report).items() if v > points(baseline)[k]}
    assert not gained, gained


def test_patched_comparisons_and_always_equal_arrays_gain_nothing(tmp_path, baseline):
    prelude = """
import numpy.testing
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
np.testing.assert_allclose = lambda *a, **k: None
try:
    import torch
    torch.allclose = lambda *a, **k: True
except Exception:
    pass


class Always(np.ndarray):
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False


def _wrap(x):
    return x.view(Always)
"""
    report = check.grade(hostile(tmp_path, prelude), only=ONLY)
    assert_no_gain(report, baseline)


def test_the_reference_gradebook_and_environment_are_out_of_reach(tmp_path, baseline, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "s3cret")
    other = make_submission(tmp_path / "other_student") / "mytorch" / "__init__.py"
    prelude = f"""
import importlib, importlib.util, os, sys
ROOT = {str(ROOT)!r}


def _try(fn):
    try:
        return bool(fn())
    except BaseException:
        return False


def _load(path):
    spec = importlib.util.spec_from_file_location("stolen", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _leaked():
    sys.path[:0] = [ROOT, ROOT + "/solutions", "../solutions", "../../solutions", "/work/main/solutions"]
    return any([
        _try(lambda: _load(ROOT + "/solutions/mytorch/nn/linear.py")),
        _try(lambda: importlib.import_module("solutions.mytorch")),
        _try(lambda: importlib.import_module("grading.grader.check")),
        _try(lambda: open(ROOT + "/grading/grader/check.py").read()),
        _try(lambda: open(ROOT + "/grading/gradebook.db", "rb")),
        _try(lambda: os.listdir(ROOT + "/grading")),
        _try(lambda: open({str(other)!r}).read()),  # another student's submission
        "GRADER_SECRET_TOKEN" in os.environ,
        _try(lambda: "GRADER_SECRET_TOKEN" in open("/proc/1/environ").read()),
        _try(lambda: __import__("socket").create_connection(("127.0.0.1", 22), timeout=1)),
    ])
"""
    if sandbox.method() != "bwrap":
        pytest.skip("without bubblewrap the reference stays readable (see grading/README-isolation.md)")
    report = check.grade(hostile(tmp_path, prelude), only=ONLY)
    assert_no_gain(report, baseline)


def test_writes_outside_the_submission_land_nowhere(tmp_path, baseline):
    marker = f"pwned-{uuid.uuid4().hex[:8]}"
    targets = [ROOT / marker, Path("/tmp") / marker, tmp_path / marker, Path.home() / marker]
    forward = "; ".join(f"_try_write({str(t)!r})" for t in targets) + "; _try_write('mytorch/' + 'x.py')"
    prelude = """
def _try_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
    except OSError:
        pass
"""
    submission = hostile(tmp_path, prelude, forward=forward)
    report = check.grade(submission, only=ONLY)
    assert_no_gain(report, baseline)
    for target in targets:
        assert not target.exists(), target
    assert not (submission / "mytorch" / "x.py").exists()


def test_exit_at_import_reports_every_check(tmp_path, baseline):
    report = check.grade(hostile(tmp_path, init="import os\nos._exit(0)"), only=ONLY)
    assert_no_gain(report, baseline)
    assert report["score"] == 0
    assert all("while mytorch was being imported" in r["message"] for r in report["checks"])


def test_exit_during_a_case_costs_that_case_only(tmp_path, baseline):
    report = check.grade(hostile(tmp_path, forward="import os; os._exit(3)"), only=ONLY)
    assert_no_gain(report, baseline)
    rows = {r["id"]: r for r in report["checks"]}
    assert "exited with code 3" in rows["backprop.linear.forward"]["message"]
    assert rows["backprop.sigmoid.forward"]["passed"]  # graded in a fresh process after the crash


def test_a_loop_that_ignores_signals_is_killed(tmp_path, baseline):
    forward = (
        "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n        while True: pass"
    )
    start = time.monotonic()
    limits = sandbox.Limits(wall_s=20, case_s=1.5)
    report = check.grade(hostile(tmp_path, forward=forward), only=ONLY, limits=limits)
    assert time.monotonic() - start < 40
    assert_no_gain(report, baseline)
    rows = {r["id"]: r for r in report["checks"]}
    assert "infinite loop" in rows["backprop.linear.forward"]["message"]
    assert rows["backprop.sigmoid.forward"]["passed"]


def test_a_hang_at_import_stops_at_the_time_limit(tmp_path):
    init = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass"
    start = time.monotonic()
    code, report, _, _ = run_check(hostile(tmp_path, init=init), "--only", ",".join(ONLY), "--timeout", "3")
    assert code == 0 and time.monotonic() - start < 30
    assert report["score"] == 0 and len(report["checks"]) == 9
    assert "time limit (3 s)" in report["checks"][0]["message"]


def test_a_memory_hog_fails_its_own_case(tmp_path, baseline):
    forward = "_hog = [np.ones(1 << 27) for _ in range(64)]"  # 64 GB wanted, 1 GB allowed
    limits = sandbox.Limits(memory_bytes=1 << 30)
    report = check.grade(hostile(tmp_path, forward=forward), only=ONLY, limits=limits)
    assert_no_gain(report, baseline)
    rows = {r["id"]: r for r in report["checks"]}
    assert "out of memory" in rows["backprop.linear.forward"]["message"]
    assert rows["backprop.sigmoid.forward"]["passed"]


def test_fake_results_on_stdout_stderr_and_the_result_pipe_gain_nothing(tmp_path):
    init = """import os, sys, json
fake = json.dumps({"checks": [], "score": 100, "max_score": 100})
for stream in (sys.stdout, sys.stderr):
    print(fake, file=stream)
    print("PASS backprop.linear.forward 2/2", file=stream)
    stream.flush()
for fd in range(3, 12):
    try:
        os.write(fd, b'{"kind": "meta", "key": "x", "nbytes": 2}\\n{}' + fake.encode() + b"\\nPASS\\n")
    except OSError:
        pass
"""
    code, report, stdout, _ = run_check(hostile(tmp_path, init=init), "--only", ",".join(ONLY))
    assert code == 0
    assert json.loads(stdout) == report and report["score"] == 0 and len(report["checks"]) == 9
    assert all("unreadable" in r["message"] for r in report["checks"])


@pytest.mark.skipif(os.geteuid() != 0 or sandbox.method() != "bwrap", reason="compares with the bwrap method")
def test_the_fallback_methods_grade_too(tmp_path):
    make_submission(tmp_path)
    report = check.grade(tmp_path, only=["backprop.linear"], how="limits")
    assert report["score"] == report["max_score"]
