"""The reference runs once per release (grading/grader/reference.py): its results are kept in the
grader's store, keyed by the contents of the reference and the cases, and read by every later
grading process; the 4.12 secret is one per release, kept with them."""

import os
import shutil
import stat

import pytest
from grader_helpers import make_submission

from grading.grader import check as grader
from grading.grader.checks import all_checks
from grading.grader.checks.judging import SECRET_ENV
from grading.grader.reference import ReferenceStore, release_stamp


@pytest.fixture
def linear_checks():
    return [c for c in all_checks("backprop") if c.id.startswith("backprop.linear")]


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_REFERENCE_STORE", str(tmp_path / "store"))
    monkeypatch.delenv(SECRET_ENV, raising=False)
    grader._reference_memo.clear()
    yield ReferenceStore(tmp_path / "store")
    grader._reference_memo.clear()


def test_a_new_grading_process_reads_the_release_store_and_runs_the_student_alone(
    tmp_path, linear_checks, store, monkeypatch
):
    make_submission(tmp_path / "student")
    first = grader.grade(tmp_path / "student", checks=linear_checks)  # the CLI and verify: no cache argument
    assert first["score"] == first["max_score"] > 0
    assert stat.S_IMODE(os.stat(store.folder).st_mode) == 0o700
    assert list(store.folder.glob("*.npz"))

    grader._reference_memo.clear()  # as in another grading process
    real_run_cases = grader.run_cases
    runs = []

    def count_runs(submission, items, limits, reference=False, sandbox=None):
        runs.append(reference)
        return real_run_cases(submission, items, limits, reference=reference, sandbox=sandbox)

    monkeypatch.setattr(grader, "run_cases", count_runs)
    assert grader.grade(tmp_path / "student", checks=linear_checks) == first
    assert runs == [False], "the reference ran again although the release's results were kept"


def test_the_key_follows_the_contents_of_the_reference_and_the_cases(tmp_path):
    reference = tmp_path / "solutions"
    shutil.copytree(grader.REFERENCE / "mytorch", reference / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    cases = tmp_path / "cases.py"
    cases.write_text("SEED = 1\n")
    before = release_stamp(reference, [cases])
    os.utime(reference / "mytorch" / "__init__.py", (1, 1))  # a new mtime alone: same release
    assert release_stamp(reference, [cases]) == before
    (reference / "mytorch" / "__init__.py").write_text((reference / "mytorch" / "__init__.py").read_text() + "\n# x\n")
    changed_reference = release_stamp(reference, [cases])
    cases.write_text("SEED = 2\n")
    assert len({before, changed_reference, release_stamp(reference, [cases])}) == 3


def test_one_secret_per_release_kept_private_and_overridable(store, monkeypatch):
    a, b = "a" * 64, "b" * 64
    secret = store.secret(a)
    assert store.secret(a) == secret and ReferenceStore(store.folder).secret(a) == secret
    assert store.secret(b) != secret  # a new release draws a new one
    assert stat.S_IMODE(os.stat(store.folder / f"secret-{a[:32]}").st_mode) == 0o600
    monkeypatch.setenv(SECRET_ENV, "pinned")
    assert store.secret(a) == "pinned"


def test_a_failed_reference_run_is_not_kept(store):
    import numpy as np

    from grading.grader.execute import CaseResult

    store.save("s" * 64, {"ok": CaseResult(arrays={"y": np.ones(2)}), "bad": CaseResult(error="timed out")})
    assert set(store.load("s" * 64, ["ok", "bad"])) == {"ok"}
