"""Every catalogued mistake, planted into a copy of the reference, is caught and named."""
import sys

import pytest

from grader_helpers import make_submission
from grading import check, diagnosis
from grading.checks import all_checks

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


# Three submissions: some mistakes spoil the same trajectory (AdamW reuses Adam's update).
SGD, ADAM, RMS, BN = "optim/sgd.py", "optim/adam.py", "optim/rmsprop.py", "nn/batchnorm.py"
OPTIMIZATION_A = [
    (SGD, "grad = grad + momentum * buf if nesterov else buf", "grad = grad",
     "optimization.sgd.momentum", "missing_momentum"),
    ("optim/adagrad.py", 'np.sqrt(state["sum"]) + eps', 'state["sum"] + eps', "optimization.adagrad.plain",
     "missing_sqrt"),
    (RMS, 'alpha * state["square_avg"] + (1 - alpha) * grad * grad', 'state["square_avg"] + grad * grad',
     "optimization.rmsprop.plain", "missing_decay"),
    (ADAM, "denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps", "denom = np.sqrt(v) + eps",
     "optimization.adam.plain", "missing_bias_correction"),
    (ADAM, 'return param - lr / (1 - beta1 ** t) * state["exp_avg"] / denom',
     'return param - lr * state["exp_avg"] / denom', "optimization.adam.plain", "missing_bias_correction"),
    (BN, "m * var * N / (N - 1)", "m * var", "optimization.batchnorm.forward.running_stats", "biased_running_var"),
    (BN, "mean, var = self.running_mean, self.running_var", "mean, var = Z.mean(axis=0), Z.var(axis=0)",
     "optimization.batchnorm.forward.eval", "bn_eval_batch_stats"),
]
OPTIMIZATION_B = [
    (SGD, "grad = grad + weight_decay * param", "grad = grad", "optimization.sgd.weight_decay",
     "missing_weight_decay"),
    (RMS, 'avg = np.sqrt(state["square_avg"]) + eps', 'avg = state["square_avg"] + eps',
     "optimization.rmsprop.plain", "missing_sqrt"),
    (ADAM, "param = param * (1 - lr * weight_decay)", "pass", "optimization.adamw.plain", "coupled_weight_decay"),
    (ADAM, "eps, 0, amsgrad)", "eps, weight_decay, amsgrad)", "optimization.adamw.plain", "coupled_weight_decay"),
    (BN, "return self.inv_std * (G - G.mean(axis=0) - self.NZ * (G * self.NZ).mean(axis=0))",
     "return self.inv_std * G", "optimization.batchnorm.backward.dLdZ", "bn_constant_stats"),
]
OPTIMIZATION_C = [
    (ADAM, "denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps", "denom = v / (1 - beta2 ** t) + eps",
     "optimization.adam.plain", "missing_sqrt"),
]


def graded_with_mistakes(tmp_path, mistakes, chapter):
    for path, old, new, _, _ in mistakes:
        text = (check.REFERENCE / "mytorch" / path).read_text()
        assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    make_submission(tmp_path, edits=[m[:3] for m in mistakes])
    library = [c for c in all_checks(chapter) if c.target == "mytorch"]  # notebook exercises: elsewhere
    return {row["id"]: row for row in check.grade(tmp_path, checks=library)["checks"]}


def assert_caught(rows, mistakes, collateral=()):
    for _, _, _, check_id, cause in mistakes:
        row = rows[check_id]
        assert not row["passed"], row
        title = diagnosis.CAUSES[cause][0]
        assert f"Likely cause: {title}" in row["message"], (cause, row["message"])
    planted = {m[3] for m in mistakes}
    for check_id, row in rows.items():  # no false alarm on the exercises left right
        prefix = ".".join(check_id.split(".")[:2])
        if not any(p.startswith(prefix) for p in planted) and not check_id.startswith(tuple(collateral)):
            assert row["passed"], row


def test_backprop_mistakes_are_named(tmp_path):
    assert_caught(graded_with_mistakes(tmp_path, BACKPROP, "backprop"), BACKPROP)


@pytest.mark.parametrize("mistakes, collateral", [
    (OPTIMIZATION_A, ["optimization.adamw"]), (OPTIMIZATION_B, ["optimization.adam."]),
    (OPTIMIZATION_C, ["optimization.adamw"])], ids=["A", "B", "C"])
def test_optimization_mistakes_are_named(tmp_path, mistakes, collateral):
    assert_caught(graded_with_mistakes(tmp_path, mistakes, "optimization"), mistakes, collateral)


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
