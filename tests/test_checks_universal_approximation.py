"""The visible checks of chapter 1 pass right answers, and name the mistake in wrong ones."""

import numpy as np
import pytest

import mytorch
from mytorch.testing import check
from mytorch.testing.universal_approximation import (
    CHAPTER_TABLE,
    bump_network_output,
    chapter_target,
    threshold_network_output,
    truth_table_inputs,
)

# ---- right answers, written here as a student would (the notebook holds the same ideas)


def dnf_network(table, zero_weight=-1.0, bias_offset=0.5, out_bias=-0.5, reverse=False):
    table = np.asarray(table)
    n = int(np.log2(len(table)))
    rows = truth_table_inputs(n)[:, ::-1] if reverse else truth_table_inputs(n)
    true_rows = rows[table == 1]
    W1 = np.where(true_rows == 1, 1.0, zero_weight)
    b1 = -true_rows.sum(axis=1) + bias_offset
    return W1.reshape(-1, n), b1, np.ones(len(true_rows)), out_bias


def bump_net(f, n_bumps, steepness, pad=1.0, sign=1.0, w_scale=1.0):
    edges = np.linspace(0.0, 1.0, n_bumps + 1)
    heights = f((edges[:-1] + edges[1:]) / 2)
    edges[0], edges[-1] = -pad, 1.0 + pad
    s = steepness * w_scale
    w = np.full(2 * n_bumps, s)
    b = -s * np.concatenate([edges[:-1], edges[1:]])
    return w, b, sign * np.concatenate([heights, -heights]), 0.0


def rbf_classifier(X, y, n_centers=40, gamma=2.0, labels=(0, 1)):
    rbf = mytorch.nn.RBF(2, n_centers, gamma=gamma, dtype=np.float64)
    rbf.centers = X[np.random.default_rng(0).choice(len(X), n_centers, replace=False)]
    design = lambda A: np.hstack([rbf.forward(A), np.ones((len(A), 1))])
    weights = np.linalg.lstsq(design(X), 2.0 * y - 1.0, rcond=None)[0]
    return lambda A: np.where(design(A) @ weights > 0, labels[1], labels[0])


def messages(results):
    return " | ".join(r.message for r in results if not r.passed)


@pytest.mark.parametrize("seed", [0, 101, 102])
def test_right_answers_pass(seed):
    for name, answer in [("truth_table", dnf_network), ("bump", bump_net), ("rbf_classifier", rbf_classifier)]:
        results = check(f"universal_approximation.{name}", answer=answer, seed=seed)
        assert results.passed == len(results), messages(results)
    results = check("universal_approximation.rbf", seed=seed)
    assert results.passed == len(results) == 3, messages(results)


def test_the_evaluators_agree_with_hand_computation():
    net = dnf_network(CHAPTER_TABLE)
    assert threshold_network_output(net, truth_table_inputs(3)).tolist() == list(CHAPTER_TABLE)
    x = np.array([0.0, 0.5])
    one_unit = (np.array([2.0]), np.array([-1.0]), np.array([3.0]), 0.5)
    assert np.allclose(bump_network_output(one_unit, x), 3.0 / (1.0 + np.exp(-(2 * x - 1))) + 0.5)


@pytest.mark.parametrize(
    "wrong, cause",
    [
        (lambda t: dnf_network(t, zero_weight=0.0), "a row detector fires on other rows"),
        (lambda t: dnf_network(t, out_bias=-1.5), "a true row is missed"),
        (lambda t: dnf_network(t, reverse=True), "reverse order"),
        (
            lambda t: (
                tuple(-p for p in dnf_network(t)[2:])
                and (dnf_network(t)[0], dnf_network(t)[1], -dnf_network(t)[2], 0.5)
            ),
            "flipped",
        ),
        (lambda t: (np.ones((2, 5)), np.zeros(2), np.ones(2), 0.0), "W1 should have shape (H, 3)"),
    ],
)
def test_truth_table_diagnoses(wrong, cause):
    results = check("universal_approximation.truth_table", answer=wrong)
    assert results.passed == 0
    assert cause in messages(results)


@pytest.mark.parametrize(
    "wrong, cause",
    [
        (lambda f, n, s: bump_net(f, n, s, pad=0.0), "half-height bumps at the ends"),
        (lambda f, n, s: bump_net(f, n, s, w_scale=0.01), "not steep"),
        (lambda f, n, s: bump_net(f, n, s, sign=-1.0), "bump sign flipped"),
        (lambda f, n, s: bump_net(f, n, s)[:3] + (0.3,), "shifted by a constant"),
        (lambda f, n, s: tuple(np.tile(p, 3) for p in bump_net(f, n, s)[:3]) + (0.0,), "hidden units for"),
    ],
)
def test_bump_diagnoses(wrong, cause):
    results = check("universal_approximation.bump", answer=wrong)
    assert results.passed == 0
    assert cause in messages(results)


def _planted_rbf(monkeypatch, forward=None, backward=None):
    if forward:
        monkeypatch.setattr(mytorch.nn.RBF, "forward", forward)
    if backward:
        monkeypatch.setattr(mytorch.nn.RBF, "backward", backward)
    return check("universal_approximation.rbf")


# (the RBF layer's catalogued mistakes, planted: test_checks_planted.py)


def test_rbf_not_implemented(monkeypatch):
    def stub(self, *args):
        raise NotImplementedError("Chapter 1 (universal_approximation), exercise 1.3 RBF.forward: not implemented yet.")

    results = _planted_rbf(monkeypatch, forward=stub, backward=stub)
    assert results.passed == 0
    assert all("not implemented yet" in r.message for r in results)


def test_notebook_exercises_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    for name in ("truth_table", "bump", "rbf_classifier"):
        results = check(f"universal_approximation.{name}", answer=stub)
        assert results.passed == 0
        assert "not implemented yet" in results[0].message


def test_rbf_classifier_diagnoses():
    results = check("universal_approximation.rbf_classifier", answer=lambda X, y: rbf_classifier(X, y, labels=(-1, 1)))
    assert "labels should be 0 or 1" in messages(results)
    results = check(
        "universal_approximation.rbf_classifier", answer=lambda X, y: lambda A: rbf_classifier(X, y)(A)[:, None]
    )
    assert "flatten" in messages(results)
    results = check("universal_approximation.rbf_classifier", answer=lambda X, y: rbf_classifier(X, y, gamma=500.0))
    assert "test accuracy" in messages(results)


def test_seeds_give_different_cases():
    seen = []
    for seed in (101, 102):
        tables = []
        check(
            "universal_approximation.truth_table", answer=lambda t: tables.append(tuple(t)) or dnf_network(t), seed=seed
        )
        seen.append(tuple(tables))
    assert seen[0] != seen[1]


def test_chapter_target_is_the_documented_formula():
    x = np.linspace(0, 1, 5)
    assert np.allclose(chapter_target(x), 1 + 0.5 * np.sin(2 * np.pi * x) - 0.3 * x**2)


# ---- exercise 1.5: parity with one hidden layer of n counting units


def counting_parity(n, out_weights=None, shift=0.0, out_bias=-0.5):
    k = np.arange(1, n + 1)
    w2 = (-1.0) ** (k + 1) if out_weights is None else out_weights(k)
    return np.ones((n, n)), -k + 0.5 + shift, w2, out_bias


@pytest.mark.parametrize("seed", [0, 101, 102])
def test_parity_with_n_counting_units_passes(seed):
    results = check("universal_approximation.parity", answer=counting_parity, seed=seed)
    assert results.passed == len(results) == 2, messages(results)


def test_parity_network_is_parity_on_every_input_up_to_nine_bits():
    for n in range(1, 10):
        X = truth_table_inputs(n)
        assert threshold_network_output(counting_parity(n), X).tolist() == (X.sum(axis=1) % 2).tolist()


@pytest.mark.parametrize(
    "wrong, cause",
    [
        (lambda n: counting_parity(n, out_weights=np.ones_like), "the network computes OR"),
        (
            lambda n: counting_parity(n, out_weights=lambda k: -((-1.0) ** (k + 1)), out_bias=0.5),
            "every parity flipped",
        ),
        (lambda n: counting_parity(n, shift=1.0), "wrong for some numbers of ones"),
        (lambda n: counting_parity(n, out_bias=-1.5), "wrong for some numbers of ones"),
        (lambda n: dnf_network(truth_table_inputs(n).sum(axis=1) % 2), "DNF recipe's 2^(n-1)"),
        (lambda n: counting_parity(n)[1:], "should return a tuple (W1, b1, w2, b2)"),
    ],
)
def test_parity_diagnoses(wrong, cause):
    results = check("universal_approximation.parity", answer=wrong)
    assert results.passed == 0
    assert cause in messages(results)


def test_parity_not_implemented():
    def stub(n):
        raise NotImplementedError()

    results = check("universal_approximation.parity", answer=stub)
    assert results.passed == 0 and "not implemented yet" in results[0].message


# ---- exercise 1.6: the sawtooth, k tent maps composed in k hidden layers of 2 ReLUs


def deep_sawtooth(k, fold=(2.0, -4.0), bends=(0.0, -0.5), width=2):
    fold, bends = np.array([fold]), np.array(bends)
    layers = [(np.ones((width, 1)), bends[:width])]
    layers += [(np.vstack([fold] * width), bends[:width]) for _ in range(k - 1)]
    return layers + [(fold, np.zeros(1))]


@pytest.mark.parametrize("seed", [0, 101, 102])
def test_sawtooth_with_two_units_per_layer_passes(seed):
    results = check("universal_approximation.sawtooth", answer=deep_sawtooth, seed=seed)
    assert results.passed == len(results) == 3, messages(results)


def test_sawtooth_has_two_to_the_k_pieces():
    from mytorch.testing.universal_approximation import relu_network_output

    x = np.linspace(0, 1, 2**10 + 1)
    for k in range(1, 7):
        slopes = np.round(np.diff(relu_network_output(deep_sawtooth(k), x)) / np.diff(x), 6)
        assert 1 + np.count_nonzero(np.diff(slopes)) == 2**k


@pytest.mark.parametrize(
    "wrong, cause",
    [
        (lambda k: deep_sawtooth(k, fold=(2.0, -2.0)), "weighted -2"),
        (lambda k: deep_sawtooth(k, fold=(1.0, -2.0)), "points wrong"),
        (lambda k: deep_sawtooth(k)[1:], "layers; expected k + 1"),
        (lambda k: [(np.ones((3, 1)), np.zeros(3))] + deep_sawtooth(k)[1:], "expected (1 or 2, 1)"),
        (lambda k: (np.ones(2), np.zeros(2)), "list of (W, b) pairs"),
    ],
)
def test_sawtooth_diagnoses(wrong, cause):
    results = check("universal_approximation.sawtooth", answer=wrong)
    assert results.passed == 0
    assert cause in messages(results)
