"""The visible checks of chapter 4 (backprop): they pass on the reference, and each typical
mistake planted into a layer fails with a diagnosis that names that mistake."""

import math
import warnings

import numpy as np
import pytest
from scipy.special import erf

import mytorch
from mytorch import nn
from mytorch.testing.backprop import CHECKS, _case, digits_split

LIBRARY_CHECKS = [name for name in CHECKS if name != "backprop.train_digits"]


def run(name, **answers):
    """Run one check and return (results, all their text)."""
    results = CHECKS[name](**answers)
    return results, "\n".join(str(r) for r in results)


def sig(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("seed", [0, 101])
@pytest.mark.parametrize("name", LIBRARY_CHECKS)
def test_reference_passes(name, seed):
    results, text = run(name, seed=seed)
    assert results and all(r.passed for r in results), text


def test_seeds_give_different_cases():
    shapes = {_case(seed)[1].shape for seed in (0, 101, 102, 103)}
    assert len(shapes) > 1
    assert not np.array_equal(_case(101)[1], _case(102)[1])
    assert not np.array_equal(digits_split(0)[3], digits_split(101)[3])
    leaky = {r.name for seed in (0, 101) for r in CHECKS["backprop.leaky_relu"](seed=seed)}
    assert len(leaky) > 4, "the slope is drawn per seed, and it is in the check's name"


# Each planted mistake: (check, class, method, wrong implementation, words the diagnosis must contain)
PLANTED = [
    (
        "backprop.linear",
        nn.Linear,
        "forward",
        lambda self, A: (setattr(self, "A", A), A @ self.W.T)[1],
        "the bias b is missing",
    ),
    (
        "backprop.linear",
        nn.Linear,
        "backward",
        lambda self, G: (setattr(self, "dLdW", self.A.T @ G), setattr(self, "dLdb", G.sum(0)), G @ self.W)[2],
        "transposed",
    ),
    (
        "backprop.linear",
        nn.Linear,
        "backward",
        lambda self, G: (setattr(self, "dLdW", G.T @ self.A), setattr(self, "dLdb", G.mean(0)), G @ self.W)[2],
        "dLdb is a mean",
    ),
    (
        "backprop.linear",
        nn.Linear,
        "backward",
        lambda self, G: (setattr(self, "dLdW", G.T @ self.A), setattr(self, "dLdb", G.sum(0)), -G @ self.W)[2],
        "sign is flipped",
    ),
    ("backprop.sigmoid", nn.Sigmoid, "_backward", lambda self, G: G * self.Z * (1 - self.Z), "taken at the input Z"),
    (
        "backprop.sigmoid",
        nn.Sigmoid,
        "_backward",
        lambda self, G: G * sig(self.A) * (1 - sig(self.A)),
        "applied again to the stored output",
    ),
    ("backprop.sigmoid", nn.Sigmoid, "_forward", lambda self, Z: 1 / (1 + np.exp(-Z)), "exp(-Z) overflows"),
    ("backprop.tanh", nn.Tanh, "_backward", lambda self, G: G * (1 - self.Z**2), "taken at the input Z"),
    ("backprop.tanh", nn.Tanh, "_backward", lambda self, G: 1 - self.A**2, "not multiplied by dLdA"),
    ("backprop.relu", nn.ReLU, "_backward", lambda self, G: G * (self.Z >= 0), "derivative at Z = 0"),
    ("backprop.relu", nn.ReLU, "_backward", lambda self, G: G * self.A, "multiplied by the output A"),
    (
        "backprop.leaky_relu",
        nn.LeakyReLU,
        "_backward",
        lambda self, G: G * (self.Z >= 0) + self.negative_slope * G * (self.Z < 0),
        "at Z = 0 torch takes",
    ),
    (
        "backprop.leaky_relu",
        nn.LeakyReLU,
        "_backward",
        lambda self, G: G * (self.Z > 0),
        "negative part's derivative came out as 0",
    ),
    ("backprop.leaky_relu", nn.LeakyReLU, "_forward", lambda self, Z: np.maximum(Z, 0), "the negative part is 0"),
    (
        "backprop.gelu",
        nn.GELU,
        "_forward",
        lambda self, Z: 0.5 * Z * (1 + np.tanh(math.sqrt(2 / math.pi) * (Z + 0.044715 * Z**3))),
        "tanh approximation",
    ),
    (
        "backprop.gelu",
        nn.GELU,
        "_backward",
        lambda self, G: G * 0.5 * (1 + erf(self.Z / math.sqrt(2))),
        "the Z phi(Z) term is missing",
    ),
    (
        "backprop.swish",
        nn.Swish,
        "_backward",
        lambda self, G: (
            setattr(self, "dLdbeta", G * self.Z**2 * self.S * (1 - self.S)),
            G * (self.S + self.beta * self.Z * self.S * (1 - self.S)),
        )[1],
        "beta's shape (1,)",
    ),
    (
        "backprop.swish",
        nn.Swish,
        "_backward",
        lambda self, G: (
            setattr(self, "dLdbeta", np.mean(G * self.Z**2 * self.S * (1 - self.S)).reshape(1)),
            G * (self.S + self.beta * self.Z * self.S * (1 - self.S)),
        )[1],
        "dLdbeta is a mean",
    ),
    ("backprop.swish", nn.Swish, "_backward", lambda self, G: G * self.S, "second term is missing"),
    (
        "backprop.softmax",
        nn.Softmax,
        "_backward",
        lambda self, G: G * self.A * (1 - self.A),
        "only the diagonal of the Jacobian",
    ),
    (
        "backprop.softmax",
        nn.Softmax,
        "_forward",
        lambda self, Z: np.exp(Z) / np.exp(Z).sum(axis=-1, keepdims=True),
        "subtract each row's maximum",
    ),
    (
        "backprop.softmax",
        nn.Softmax,
        "_forward",
        lambda self, Z: np.exp(Z - Z.max(0)) / np.exp(Z - Z.max(0)).sum(axis=0, keepdims=True),
        "along axis 0",
    ),
    (
        "backprop.softmax",
        nn.Softmax,
        "_backward",
        lambda self, G: self.A * (G - np.sum(G * self.A, axis=0, keepdims=True)),
        "the sum runs over the batch",
    ),
]


def _mse_forward(kind):
    def forward(self, A, Y):
        self.diff = A - Y
        return {"sum": np.sum(self.diff**2), "per_row": np.sum(self.diff**2) / len(A)}[kind]

    return forward


def _ce_forward_naive(self, A, Y):
    P = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)
    self.P, self.Y = P, Y
    return float(-np.log(P[np.arange(len(A)), Y]).mean())


def _ce_backward(scale, sign=1):
    def backward(self):
        N = len(self.P)
        T = np.eye(self.P.shape[1])[self.Y] if self.Y.ndim == 1 else self.Y
        return sign * (self.P - T) / scale(N)

    return backward


PLANTED += [
    ("backprop.mse_loss", nn.MSELoss, "forward", _mse_forward("sum"), "squared errors are summed"),
    ("backprop.mse_loss", nn.MSELoss, "forward", _mse_forward("per_row"), "divided by N only"),
    ("backprop.mse_loss", nn.MSELoss, "backward", lambda self: 2 * self.diff, "1/(N*C) of the mean is missing"),
    ("backprop.mse_loss", nn.MSELoss, "backward", lambda self: 2 * self.diff / len(self.diff), "divided by N only"),
    ("backprop.mse_loss", nn.MSELoss, "backward", lambda self: -2 * self.diff / self.diff.size, "sign is flipped"),
    ("backprop.mse_loss", nn.MSELoss, "backward", lambda self: self.diff / self.diff.size, "factor 2"),
    (
        "backprop.cross_entropy_loss",
        nn.CrossEntropyLoss,
        "backward",
        _ce_backward(lambda N: 1),
        "1/N of the batch mean is missing",
    ),
    ("backprop.cross_entropy_loss", nn.CrossEntropyLoss, "backward", _ce_backward(lambda N: N, -1), "sign is flipped"),
    (
        "backprop.cross_entropy_loss",
        nn.CrossEntropyLoss,
        "forward",
        _ce_forward_naive,
        "compute the log softmax directly",
    ),
    (
        "backprop.sequential",
        nn.Sequential,
        "backward",
        lambda self, G: [G := layer.backward(G) for layer in self.layers][-1],
        "reverse order",
    ),
    (
        "backprop.sequential",
        nn.Sequential,
        "backward",
        lambda self, G: (None, [G := layer.backward(G) for layer in reversed(self.layers)])[0],
        "returned None",
    ),
    (
        "backprop.sequential",
        nn.Sequential,
        "backward",
        lambda self, G: [layer.backward(G) for layer in reversed(self.layers)][-1],
        "pass each layer's return value on",
    ),
]


@pytest.mark.parametrize(
    "name, cls, method, wrong, words", PLANTED, ids=[f"{p[0].split('.')[1]}-{p[4][:30]}" for p in PLANTED]
)
def test_planted_mistake_is_named(monkeypatch, capfd, name, cls, method, wrong, words):
    monkeypatch.setattr(cls, method, wrong)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a check must not let a numpy warning escape to stderr
        results, text = run(name)
    assert not all(r.passed for r in results), f"the planted mistake went unnoticed:\n{text}"
    assert words in text, text
    assert capfd.readouterr().err == "", "a graded cell with stderr output scores 0"


@pytest.mark.parametrize("name", LIBRARY_CHECKS)
def test_stub_reports_not_implemented(monkeypatch, name):
    def stub(self, *args):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.x: not implemented yet. Hint: ...")

    for cls in (nn.Linear, nn.Sequential, nn.MSELoss, nn.CrossEntropyLoss):
        monkeypatch.setattr(cls, "forward", stub)
        monkeypatch.setattr(cls, "backward", stub)
    for cls in (nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.GELU, nn.Swish, nn.Softmax):
        monkeypatch.setattr(cls, "_forward", stub)
        monkeypatch.setattr(cls, "_backward", stub)
    results, text = run(name)
    assert not any(r.passed for r in results), text
    assert "not implemented yet" in text


# ------------------------------------------------------------------ exercise 4.12: the digits MLP


def _trainer(epochs, lr=0.1):
    def train_digits(X, y, monitor=None):
        rng = np.random.default_rng(0)
        model = nn.Sequential(nn.Linear(64, 64, seed=1), nn.ReLU(), nn.Linear(64, 10, seed=2))
        loss = nn.CrossEntropyLoss()
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), 32):
                batch = order[start : start + 32]
                loss.forward(model.forward(X[batch]), y[batch])
                model.backward(loss.backward())
                for p in model.parameters():
                    p.data -= lr * p.grad
        return model

    return train_digits


def test_digits_check_passes_a_trained_mlp():
    results, text = run("backprop.train_digits", answer=_trainer(epochs=20))
    assert all(r.passed for r in results), text
    assert "held-out accuracy" in text


def test_digits_check_fails_an_untrained_model():
    results, text = run("backprop.train_digits", answer=_trainer(epochs=0))
    assert not results[1].passed and "below 95%" in text, text


def test_digits_check_names_a_stub_and_a_wrong_return():
    def stub(X, y, monitor=None):
        raise NotImplementedError()

    results, text = run("backprop.train_digits", answer=stub)
    assert not any(r.passed for r in results) and "not implemented yet" in text
    results, text = run("backprop.train_digits", answer=lambda X, y: "a model")
    assert "should return the trained mytorch model" in text
    results, text = run("backprop.train_digits")
    assert "hand in your function" in text


def test_check_uses_the_library_under_test():
    assert mytorch.testing.backprop.__file__.startswith(str(mytorch.__path__[0]))
