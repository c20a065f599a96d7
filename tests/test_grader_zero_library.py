"""Points only for correct work (issue 14 item 7), through the real grading path
(grading.grader.check.grade, what `python -m grading check` runs):

- a "zero library" (tests/zero_library.py: every forward and backward returns zeros of the right
  shape and dtype, every optimizer and scheduler step does nothing) earns at most 5% of each
  library chapter's library points (the rule: grading/README.md, "Scoring"); the reference earns
  them all;
- 4.12 train_digits is judged on digits changed by a secret of the grading run: a model that
  looks the rows up in scikit-learn's public digits (or the labels up in its caller's frames)
  scores 0;
- 6.1's memory is measured around ContextWindows(...), not asked of the object: windows hidden
  in a nested attribute or a global fail.

About 60 s in all on the 2-core machine (each notebook case runs the reference notebook once).
"""

import json
import sys

import numpy as np
import pytest
from grader_helpers import make_submission
from zero_library import make_zero_library

from grading.grader import check
from grading.grader.checks import HELD_OUT, all_checks, backprop, judging

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")

LIBRARY_CHAPTERS = ["backprop", "optimization"]


def library_checks(chapter):
    return [c for c in all_checks(chapter) if c.target == "mytorch"]


@pytest.fixture(scope="module")
def zero(tmp_path_factory):
    return make_zero_library(tmp_path_factory.mktemp("zero"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return make_submission(tmp_path_factory.mktemp("reference"))


@pytest.mark.parametrize("chapter", LIBRARY_CHAPTERS)
def test_a_zero_library_earns_at_most_5_percent_of_the_library_points(zero, chapter):
    checks = library_checks(chapter)
    report = check.grade(zero, checks=checks)
    assert report["max_score"] == sum(c.points for c in checks)
    assert report["score"] <= 0.05 * report["max_score"], [r for r in report["checks"] if r["points"]]
    rows = {r["id"]: r for r in report["checks"]}
    gradchecks = [i for i in rows if i.endswith(".gradcheck")]
    assert gradchecks and all("fix the forward first" in rows[i]["message"] for i in gradchecks)


@pytest.mark.parametrize("chapter", LIBRARY_CHAPTERS)
def test_the_reference_library_still_earns_every_point(reference, chapter):
    report = check.grade(reference, checks=library_checks(chapter))
    assert report["score"] == report["max_score"], [r for r in report["checks"] if not r["passed"]]


def notebook(folder, name, source):
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / name).write_text(json.dumps(nb))
    return folder


LOOKUP = '''
import inspect
import numpy as np
import mytorch
from sklearn.datasets import load_digits


class Lookup(mytorch.nn.Module):
    """No training: the label of the nearest public digit, or the caller's y_test when it has one."""

    def __init__(self):
        super().__init__()
        digits = load_digits()
        self.X, self.y = digits.data / 16.0, digits.target

    def forward(self, X):
        for frame in inspect.stack():
            if "y_test" in frame.frame.f_locals:
                return np.eye(10, dtype=np.float32)[frame.frame.f_locals["y_test"]]
        X = np.asarray(X, dtype=np.float64)
        distances = (X ** 2).sum(1)[:, None] - 2 * X @ self.X.T + (self.X ** 2).sum(1)[None]
        return np.eye(10, dtype=np.float32)[self.y[distances.argmin(axis=1)]]

    def backward(self, G):
        return G


def train_digits(X_train, y_train, monitor=None):
    return Lookup()
'''


def test_a_model_that_looks_the_digits_up_scores_0(tmp_path, reference):
    namespace = {}
    exec(LOOKUP, namespace)  # the attack is real: on the public digits it is perfect
    from sklearn.datasets import load_digits

    digits = load_digits()
    assert np.mean(namespace["Lookup"]().forward(digits.data[:300] / 16.0).argmax(1) == digits.target[:300]) == 1
    submission = notebook(make_submission(tmp_path / "lookup"), "backprop.ipynb", LOOKUP)
    (row,) = check.grade(submission, only=["backprop.train_digits"])["checks"]
    assert row["points"] == 0 and "held-out accuracy" in row["message"], row


def test_the_sandbox_gets_the_held_out_images_but_never_their_labels_or_the_secret():
    (train_digits,) = [c for c in all_checks("backprop") if c.id == "backprop.train_digits"]
    (prepared,) = check.prepare([train_digits], "secret-a")
    items = check.work_items([prepared])
    sent = json.dumps([item["case"] for item in items])
    assert "secret-a" not in sent and HELD_OUT not in sent and "y_test" not in sent
    y_test = prepared.cases[0][HELD_OUT]["y_test"]
    assert len(y_test) == 450 and set(items[0]["case"]) >= {"X_train", "y_train", "X_test"}
    a, b = backprop._digits("secret-a", 101), backprop._digits("secret-b", 101)
    assert not np.array_equal(a[0], b[0])  # another secret, other data
    assert 0 <= a[0].min() and a[0].max() <= 1 and a[0].dtype == np.float32  # still digits in [0, 1]
    assert judging.grader_secret() == judging.grader_secret()  # one secret per grading process


HIDDEN_WINDOWS = """
import numpy as np
import torch
from torch.utils.data import Dataset

STORE = {}


class _Box:
    pass


class ContextWindows(Dataset):
    def __init__(self, features, labels, k):
        padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode="edge")
        self.k, self.labels = k, torch.as_tensor(labels, dtype=torch.int64)
        windows = [padded[t:t + 2 * k + 1].reshape(-1).copy() for t in range(len(labels))]
        if WHERE == "attribute":
            self.box = _Box()
            self.box.windows = [torch.from_numpy(w) for w in windows]
        else:
            STORE[id(self)] = np.stack(windows)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, t):
        window = self.box.windows[t] if WHERE == "attribute" else torch.from_numpy(STORE[id(self)][t])
        return window, self.labels[t]
"""


@pytest.mark.parametrize("where", ["attribute", "global"])
def test_windows_hidden_from_the_object_fail_the_memory_judge(tmp_path, where):
    source = f"WHERE = {where!r}\n" + HIDDEN_WINDOWS
    submission = notebook(make_submission(tmp_path / where), "torch_pipeline.ipynb", source)
    (row,) = check.grade(submission, only=["torch_pipeline.context_windows.memory"])["checks"]
    assert row["points"] == 0 and "every window" in row["message"], row
