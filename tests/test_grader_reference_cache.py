"""The in-notebook test cells keep the reference's results on disk between kernels; the
authoritative grader (CLI, verify) never reads that cache."""

import numpy as np
import pytest
from grader_helpers import make_submission

from grading.grader import check as grader
from grading.grader.checks import all_checks


@pytest.fixture
def linear_checks():
    return [c for c in all_checks("backprop") if c.id.startswith("backprop.linear")]


def test_a_second_process_reads_the_reference_from_the_cache(tmp_path, linear_checks, monkeypatch):
    make_submission(tmp_path / "student")
    cache = tmp_path / "cache"
    first = grader.grade(tmp_path / "student", checks=linear_checks, reference_cache=cache)
    assert first["score"] == first["max_score"] > 0
    assert list(cache.glob("*.npz")), "the reference's results were not saved"

    grader._reference_memo.clear()  # as in a new kernel
    real_run_cases = grader.run_cases

    def no_reference_runs(submission, items, limits, reference=False, sandbox=None):
        assert not reference, "the reference ran again although its results were cached"
        return real_run_cases(submission, items, limits, sandbox=sandbox)

    monkeypatch.setattr(grader, "run_cases", no_reference_runs)
    again = grader.grade(tmp_path / "student", checks=linear_checks, reference_cache=cache)
    assert again == first


def test_authoritative_grading_ignores_a_poisoned_cache(tmp_path, linear_checks):
    """A student's kernel could write into the cache; grading without it is unaffected."""
    make_submission(tmp_path / "student")
    cache = tmp_path / "cache"
    grader.grade(tmp_path / "student", checks=linear_checks, reference_cache=cache)
    for saved in cache.glob("*.npz"):
        with np.load(saved) as arrays:
            poisoned = {name: np.zeros_like(arrays[name]) + 7 for name in arrays.files}
        np.savez(saved, **poisoned)
    grader._reference_memo.clear()
    poisoned_report = grader.grade(tmp_path / "student", checks=linear_checks, reference_cache=cache)
    assert poisoned_report["score"] < poisoned_report["max_score"]  # the cache really is read
    grader._reference_memo.clear()
    clean = grader.grade(tmp_path / "student", checks=linear_checks)
    assert clean["score"] == clean["max_score"]
