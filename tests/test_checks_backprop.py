"""The visible checks of chapter 4 (backprop): they pass on the reference, and name a stub and
the digits exercise's failures. (Each catalogued mistake planted into a layer: test_checks_planted.py.)"""

import numpy as np
import pytest

import mytorch
from mytorch import nn
from mytorch.testing.backprop import CHECKS, _case, digits_split

LIBRARY_CHECKS = [name for name in CHECKS if name != "backprop.train_digits"]


def run(name, **answers):
    """Run one check and return (results, all their text)."""
    results = CHECKS[name](**answers)
    return results, "\n".join(str(r) for r in results)


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
