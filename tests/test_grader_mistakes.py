"""Every catalogued mistake, planted into a copy of the reference, is caught and named."""
import sys

import pytest

from grader_helpers import make_submission
from grading import check, diagnosis

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader's sandbox needs Linux")

# (file, reference text, planted text, the check that must fail, the catalogue cause it must name)
BACKPROP = [
    ("nn/linear.py", "self.dLdW = dLdZ.T @ self.A", "self.dLdW = self.A.T @ dLdZ",
     "backprop.linear.backward.dLdW", "transposed"),
    ("nn/linear.py", "self.dLdb = dLdZ.sum(axis=0)", "self.dLdb = dLdZ.mean(axis=0)",
     "backprop.linear.backward.dLdb", "batch_mean"),
    ("nn/linear.py", "return dLdZ @ self.W", "return -(dLdZ @ self.W)", "backprop.linear.backward.dLdA", "sign"),
    ("nn/linear.py", "return A @ self.W.T + self.b", "return A @ self.W.T", "backprop.linear.forward", "missing_bias"),
    ("nn/activations.py", "return dLdA * self.A * (1 - self.A)", "return dLdA * self.Z * (1 - self.Z)",
     "backprop.sigmoid.backward.dLdZ", "input_not_output"),
    ("nn/activations.py", "return sigmoid(Z)", "return 1 / (1 + np.exp(-Z))", "backprop.sigmoid.stable",
     "unstable_sigmoid"),
    ("nn/activations.py", "return dLdA * (1 - self.A * self.A)", "return dLdA * (1 - self.Z * self.Z)",
     "backprop.tanh.backward.dLdZ", "input_not_output"),
    ("nn/activations.py", "return dLdA * (self.Z > 0)", "return dLdA * (self.Z >= 0)",
     "backprop.relu.backward.dLdZ", "relu_at_zero"),
    ("nn/activations.py", "return A * (dLdA - np.sum(dLdA * A, axis=-1, keepdims=True))",
     "return dLdA * A * (1 - A)", "backprop.softmax.backward.dLdZ", "softmax_diagonal"),
    ("nn/activations.py", "E = np.exp(Z - Z.max(axis=-1, keepdims=True))", "E = np.exp(Z)",
     "backprop.softmax.stable", "unstable_softmax"),
    ("nn/losses.py", "return (2 / self.diff.size) * self.diff", "return 2 * self.diff",
     "backprop.mse.backward", "missing_1_over_n"),
    ("nn/losses.py", "return dLdA / N", "return dLdA", "backprop.cross_entropy.backward", "missing_1_over_n"),
    ("nn/sequential.py", "for layer in reversed(self.layers):", "for layer in self.layers:",
     "backprop.sequential.backward", "sequential_order"),
]


def graded_with_mistakes(tmp_path, mistakes, chapter):
    for path, old, new, _, _ in mistakes:
        text = (check.REFERENCE / "mytorch" / path).read_text()
        assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    make_submission(tmp_path, edits=[m[:3] for m in mistakes])
    return {row["id"]: row for row in check.grade(tmp_path, chapter)["checks"]}


def assert_caught(rows, mistakes):
    for _, _, _, check_id, cause in mistakes:
        row = rows[check_id]
        assert not row["passed"], row
        title = diagnosis.CAUSES[cause][0]
        assert f"Likely cause: {title}" in row["message"], (cause, row["message"])
    planted = {m[3] for m in mistakes}
    for check_id, row in rows.items():  # no false alarm on the exercises left right
        prefix = ".".join(check_id.split(".")[:2])
        if not any(p.startswith(prefix) for p in planted):
            assert row["passed"], row


def test_backprop_mistakes_are_named(tmp_path):
    assert_caught(graded_with_mistakes(tmp_path, BACKPROP, "backprop"), BACKPROP)


def test_a_wrong_shape_is_reported_before_values():
    expected = __import__("numpy").arange(6.0).reshape(2, 3)
    units, total, message = diagnosis.compare("dLdW", expected, expected.T.copy())
    assert (units, total) == (0, 2)
    assert "has shape (3, 2), expected (2, 3)" in message and "transposed gradient" in message


def test_a_wrong_value_says_where_and_how_much():
    import numpy as np
    expected = np.zeros((3, 4))
    actual = expected.copy()
    actual[1, 2] = 0.5
    units, total, message = diagnosis.compare("Z", expected, actual)
    assert (units, total) == (1, 2)
    assert "largest error 0.5 at index (1, 2)" in message and "1 of 12 elements differ" in message
