"""The visible checks of chapter 3 pass right answers, and fail typical mistakes with the right diagnosis."""

import numpy as np
import pytest

import mytorch.gradcheck
from mytorch.testing import CHECKS

SEEDS = (0, 101, 102)


def run(name, answer, seed=0):
    return CHECKS[f"matrix_calculus.{name}"](answer=answer, seed=seed)


def failures(results):
    return {r.name: r.message for r in results if not r.passed}


def all_messages(results):
    return "\n".join(r.message for r in results if not r.passed)


# ---------------------------------------------------------------- answers a student might write


def jacobian(f, x, eps=1e-6, central=True, layout="numerator", copy=True, flatten=True):
    """A numerical Jacobian with switchable mistakes; the defaults are right."""
    x = np.array(x, dtype=np.float64) if copy else x
    flat = x.reshape(-1)
    y0 = np.array(f(x), dtype=np.float64)
    J = np.zeros((y0.size, x.size))
    for j in range(x.size):
        old = flat[j]
        flat[j] = old + eps
        plus = np.array(f(x), dtype=np.float64).ravel()
        flat[j] = old - eps if central else old
        minus = np.array(f(x), dtype=np.float64).ravel()
        flat[j] = old if copy else old + eps  # the "no copy" mistake also forgets to restore
        J[:, j] = (plus - minus) / (2 * eps if central else eps)
    if not flatten:
        J = J.reshape(y0.shape + x.shape)
    return J.T if layout == "denominator" else J


def linear_backward(A, W, b, dLdZ):
    return dLdZ @ W, dLdZ.T @ A, dLdZ.sum(axis=0)


def diagnose(loss, params, claimed, rule="numbers"):
    labels = {}
    for name, p in params.items():
        c = np.asarray(claimed[name])
        if rule == "shape":  # the guess that the exercise is built to defeat
            labels[name] = "transposed" if c.shape != p.shape else "ok"
            continue
        num = mytorch.gradcheck.numerical_gradient(lambda v: loss({**params, name: v}), p)
        if c.shape == num.shape and np.allclose(c, num, rtol=1e-4, atol=1e-6):
            labels[name] = "ok"
        elif c.T.shape == num.shape and np.allclose(c.T, num, rtol=1e-4, atol=1e-6):
            labels[name] = "transposed"
        else:
            labels[name] = "wrong" if rule == "numbers" else "transposed"
    return labels


def stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------- exercise 3.1


@pytest.mark.parametrize("seed", SEEDS)
def test_numerical_jacobian_passes_the_right_answer(seed):
    results = run("numerical_jacobian", jacobian, seed)
    assert not failures(results), failures(results)
    assert len(results) == 5


def test_forward_differences_are_named():
    bad = failures(run("numerical_jacobian", lambda f, x, eps=1e-6: jacobian(f, x, eps, central=False)))
    assert "numerical Jacobian: central differences" in bad
    assert "forward differences" in bad["numerical Jacobian: central differences"]


def test_denominator_layout_is_named():
    bad = failures(run("numerical_jacobian", lambda f, x, eps=1e-6: jacobian(f, x, eps, layout="denominator")))
    assert "denominator layout" in bad["numerical Jacobian: vector -> vector"]
    assert "denominator layout" in bad["numerical Jacobian: matrix input, flattened"]


def test_unflattened_jacobian_is_named():
    bad = failures(run("numerical_jacobian", lambda f, x, eps=1e-6: jacobian(f, x, eps, flatten=False)))
    assert sorted(bad) == ["numerical Jacobian: matrix input, flattened", "numerical Jacobian: scalar output"]
    assert all("flatten" in message for message in bad.values())


def test_changing_the_callers_x_is_named():
    bad = failures(run("numerical_jacobian", lambda f, x, eps=1e-6: jacobian(f, x, eps, copy=False)))
    assert "changed the caller's x" in bad["numerical Jacobian: leaves x unchanged"]


def test_a_missing_return_is_named():
    bad = failures(run("numerical_jacobian", lambda f, x, eps=1e-6: None))
    assert all("returned None" in message for name, message in bad.items() if "unchanged" not in name)


# ---------------------------------------------------------------- exercise 3.2


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_backward_passes_the_right_answer(seed):
    results = run("linear_backward", linear_backward, seed)
    assert not failures(results), failures(results)


def test_transposed_dLdW_is_named():
    bad = failures(run("linear_backward", lambda A, W, b, G: (G @ W, A.T @ G, G.sum(0))))
    assert list(bad) == ["linear layer: dL/dW"]
    assert "transposed" in bad["linear layer: dL/dW"]


def test_mean_instead_of_sum_is_named():
    bad = failures(run("linear_backward", lambda A, W, b, G: (G @ W, G.T @ A, G.mean(0))))
    assert list(bad) == ["linear layer: dL/db"]
    assert "constant factor of 0.2" in bad["linear layer: dL/db"]  # N = 5 at seed 0


def test_unsummed_bias_gradient_is_named():
    bad = failures(run("linear_backward", lambda A, W, b, G: (G @ W, G.T @ A, G)))
    assert "SUM over the batch" in bad["linear layer: dL/db"]


def test_wrong_dLdA_is_caught_and_others_still_graded():
    bad = failures(run("linear_backward", lambda A, W, b, G: (G @ W * 2, G.T @ A, G.sum(0))))
    assert list(bad) == ["linear layer: dL/dA"]
    assert "constant factor of 2" in bad["linear layer: dL/dA"]


def test_a_single_array_instead_of_three_is_named():
    bad = failures(run("linear_backward", lambda A, W, b, G: G @ W))
    assert len(bad) == 3 and all("tuple" in message for message in bad.values())


# ---------------------------------------------------------------- exercise 3.3


@pytest.mark.parametrize("seed", SEEDS)
def test_spot_transposed_passes_numerical_decisions(seed):
    results = run("spot_transposed", diagnose, seed)
    assert not failures(results), failures(results)
    assert len(results) == 3


@pytest.mark.parametrize("seed", SEEDS)
def test_spot_transposed_defeats_a_shape_rule(seed):
    results = run("spot_transposed", lambda *a: diagnose(*a, rule="shape"), seed)
    assert sum(r.passed for r in results) <= 1, "reading shapes alone must not earn the points"


def test_square_transposed_claim_explains_why_shape_cannot_tell():
    text = all_messages(run("spot_transposed", lambda *a: diagnose(*a, rule="shape"), 0))
    assert "Likely cause: labels from shapes, not numbers - a square gradient and its transpose have" in text


def test_calling_everything_transposed_that_is_not_ok_is_caught():
    text = all_messages(run("spot_transposed", lambda *a: diagnose(*a, rule="no-wrong"), 0))
    assert "claim is neither the gradient nor its transpose. Likely cause: a wrong claim accepted" in text


@pytest.mark.parametrize("label", ["ok", "transposed", "wrong"])
def test_constant_guesses_earn_nothing(label):
    for seed in SEEDS:
        results = run("spot_transposed", lambda loss, params, claimed: {k: label for k in params}, seed)
        assert sum(r.passed for r in results) == 0, (label, seed)


def test_random_guessing_rarely_pays():
    rng = np.random.default_rng(0)
    labels = ("ok", "transposed", "wrong")
    passed = total = 0
    for seed in range(200, 220):
        results = run(
            "spot_transposed", lambda loss, params, claimed: {k: labels[rng.integers(3)] for k in params}, seed
        )
        passed += sum(r.passed for r in results)
        total += len(results)
    assert passed / total < 0.1


def test_bad_return_values_are_named():
    assert "return a dict" in all_messages(run("spot_transposed", lambda *a: ["ok"]))
    assert "no label for" in all_messages(run("spot_transposed", lambda *a: {}))
    text = all_messages(run("spot_transposed", lambda l, p, c: {k: "fine" for k in p}))
    assert "not one of 'ok', 'transposed', 'wrong'" in text


def test_seeds_draw_different_cases():
    seen = {}
    for name, answer in [
        ("numerical_jacobian", jacobian),
        ("linear_backward", linear_backward),
        ("spot_transposed", diagnose),
    ]:
        shapes = []

        def spy(*args, answer=answer, shapes=shapes, **kwargs):
            shapes.append(
                tuple(
                    np.shape(a)
                    if not callable(a) and not isinstance(a, dict)
                    else tuple(sorted((k, np.shape(v)) for k, v in a.items()))
                    if isinstance(a, dict)
                    else "f"
                    for a in args
                )
            )
            return answer(*args, **kwargs)

        for seed in SEEDS:
            run(name, spy, seed)
        seen[name] = shapes
        thirds = len(shapes) // 3
        assert shapes[:thirds] != shapes[thirds : 2 * thirds] != shapes[2 * thirds :], name


@pytest.mark.parametrize("name", ["numerical_jacobian", "linear_backward", "spot_transposed"])
def test_stubs_report_not_implemented(name):
    results = run(name, stub)
    assert results and all(not r.passed and "not implemented yet" in r.message for r in results)
    assert all("solution cell of exercise 3." in r.message for r in results)


def test_results_give_partial_credit_within_the_points():
    from mytorch.testing import Results

    results = Results(run("linear_backward", lambda A, W, b, G: (G @ W, A.T @ G, G.sum(0))))
    assert results.points(1.5) == 1.0
