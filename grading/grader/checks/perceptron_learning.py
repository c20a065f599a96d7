"""Checks of chapter 2 (perceptron_learning): the notebook exercises 2.1 (perceptron), 2.2
(logistic loss and gradient) and 2.3 (logistic regression training), graded from the submitted
notebook. Convergence, separation and accuracy are judged here, from the raw arrays; the loss
and gradient of 2.2 and the perceptron's first pass are compared with the reference.
"""

import numpy as np

from . import Check, catalogued
from .judging import NOTEBOOK_TIMEOUT_S, Verdict, accuracy_units, get, likely, scalar

NOTEBOOK = "perceptron_learning.ipynb"


def _weights_unit(verdict, arrays, dim):
    """One unit for w (dim,) and a one-number b; returns (w, b) or None."""
    w, b = get(arrays, "w"), scalar(arrays, "b")
    ok = w.shape == (dim,) and b is not None
    verdict.unit(
        ok,
        f"w should have shape ({dim},) (one weight per feature) and b be one number; got w "
        f"{w.shape}, b of shape {get(arrays, 'b').shape}",
    )
    return (w, b) if ok else None


def _flag(arrays):
    """The converged flag as True/False, or None when it is not one number."""
    value = scalar(arrays, "converged")
    return None if value is None or value not in (0.0, 1.0) else bool(value)


def separable_judge(arrays, ctx, case):
    """Four units: shapes; every point strictly on its side (two); converged reported True."""
    verdict = Verdict()
    X, y = ctx["X"], ctx["y"]
    weights = _weights_unit(verdict, arrays, X.shape[1])
    converged = _flag(arrays)
    if weights is None:
        verdict.unit(False, units=3)
        return verdict.result()
    w, b = weights
    wrong = int(np.sum(y * (X @ w + b) <= 0))
    cause = "perceptron_strict" if not np.any(w) and b == 0 else "perceptron_no_bias" if b == 0 else None
    verdict.unit(
        wrong == 0,
        f"the final boundary gets {wrong} of {len(y)} points wrong (or on the line), "
        f"although the data are separable." + (likely(cause) if cause else ""),
        units=2,
    )
    verdict.unit(
        converged is True, f"converged is {arrays['converged']!r} for data it separates." + likely("perceptron_flag")
    )
    return verdict.result()


def xor_judge(arrays, ctx, case):
    """One unit: on XOR (no separating line) converged must be False (a loop that never ends is
    stopped by the case program, and its error is the diagnosis)."""
    verdict = Verdict()
    converged = _flag(arrays)
    verdict.unit(
        converged is False,
        f"converged is {arrays['converged']!r} on XOR, which no line separates." + likely("perceptron_flag"),
    )
    return verdict.result()


def one_pass_judge(arrays, ctx, case):
    """Three units: after max_epochs=1, w and b are those of one pass of the rule (two), and
    converged is False (the first pass from w = 0 always makes a mistake)."""
    verdict = Verdict()
    weights = _weights_unit(verdict, arrays, ctx["X"].shape[1])
    if weights is None:
        verdict.unit(False, units=2)
        return verdict.result()
    w, b = weights
    same = np.allclose(w, ctx["w"], rtol=1e-9, atol=1e-9) and np.isclose(b, float(ctx["b"]), atol=1e-9)
    cause = "perceptron_strict" if not np.any(w) and b == 0 else "perceptron_no_bias" if b == 0 else None
    verdict.unit(
        same,
        f"after one pass (max_epochs=1) w = {np.round(w, 4)}, b = {b:.4g}; expected "
        f"w = {np.round(ctx['w'], 4)}, b = {float(ctx['b']):.4g} from w += y_n x_n, b += y_n on "
        "each example, in order, with y_n (w.x_n + b) <= 0." + (likely(cause) if cause else ""),
    )
    verdict.unit(
        _flag(arrays) is False,
        f"converged is {arrays['converged']!r} after one pass that made mistakes." + likely("perceptron_flag"),
    )
    return verdict.result()


def logistic_names(ctx, case):
    """The catalogue's names of exercise 2.2, from the reference run."""
    X, y, w, b = ctx["X"], ctx["y"], ctx["w"], float(ctx["b"])
    z = X @ w + b
    return dict(X=X, y=y, w=w, b=b, N=len(y), z=z, s=1 / (1 + np.exp(-z)))


def training_judge(arrays, ctx, case):
    """Four units: shapes; the loss falls (finite, at least halved); 95% held out (two)."""
    verdict = Verdict()
    X_test, y_test, n_steps = ctx["X_test"], ctx["y_test"], case["n_steps"]
    weights = _weights_unit(verdict, arrays, X_test.shape[1])
    losses = get(arrays, "losses")
    if losses.shape != (n_steps,):
        verdict.unit(False, f"losses should hold one value per step, shape ({n_steps},), got {losses.shape}")
    else:
        finite = losses[np.isfinite(losses)]
        rising = finite.size > 1 and finite[-1] > finite[0]
        infinite = "" if finite.size == n_steps else " Some losses are not finite: an unstable loss (use logaddexp)?"
        verdict.unit(
            not infinite and losses[-1] < 0.5 * losses[0],
            f"the loss went from {losses[0]:.4g} to {losses[-1]:.4g} in {n_steps} steps; it should at "
            f"least halve.{infinite}" + (likely("gradient_ascent") if rising else ""),
        )
    if weights is None:
        verdict.unit(False, units=2)
        return verdict.result()
    w, b = weights
    with np.errstate(all="ignore"):
        predicted = (X_test @ w + b > 0).astype(np.float64)
    accuracy_units(
        verdict,
        predicted,
        y_test,
        0.95,
        "the predictions",
        likely("logistic_not_learnt").strip(),
    )
    return verdict.result()


def notebook_check(slug, exercise, points, program, cases, **options):
    return Check(
        f"perceptron_learning.{slug}",
        exercise,
        points,
        program,
        cases,
        target=NOTEBOOK,
        timeout=NOTEBOOK_TIMEOUT_S,
        **options,
    )


SEPARABLE = [
    dict(data="separable", seed=0, dim=2, max_epochs=1000, seconds=10, label="separable 2-D points"),
    dict(data="separable", seed=101, dim=4, max_epochs=1000, seconds=10, label="separable 4-D points"),
]
LOGISTIC = [dict(seed=0, N=8, D=3, label="N 8, D 3"), dict(seed=101, N=11, D=5, label="N 11, D 5")]
TRAINING = [
    dict(data="breast_cancer", seed=0, lr=0.1, n_steps=300, label="breast cancer"),
    dict(data="digits01", seed=1, lr=0.1, n_steps=300, label="digits 0 against 1"),
]

CHECKS = [
    notebook_check(
        "perceptron.separable",
        "2.1 perceptron converges and separates",
        2,
        "perceptron",
        SEPARABLE,
        judge=separable_judge,
    ),
    notebook_check(
        "perceptron.xor",
        "2.1 perceptron stops on XOR",
        1,
        "perceptron",
        [dict(data="xor", max_epochs=50, seconds=3, label="XOR, max_epochs=50")],
        judge=xor_judge,
        error_causes=(("still running after", "perceptron_unbounded"),),
    ),
    notebook_check(
        "perceptron.one_pass",
        "2.1 perceptron's update rule",
        1,
        "perceptron",
        [dict(data="separable", seed=102, dim=3, max_epochs=1, seconds=3, label="max_epochs=1")],
        judge=one_pass_judge,
    ),
    notebook_check(
        "logistic_gradient.loss", "2.2 logistic_loss_and_grad: the loss", 1, "logistic", LOGISTIC, compare=("loss",)
    ),
    notebook_check(
        "logistic_gradient.gradient",
        "2.2 logistic_loss_and_grad: dw, db",
        1.5,
        "logistic",
        LOGISTIC,
        compare=("dw", "db"),
        mistakes=catalogued("2.2", logistic_names),
    ),
    notebook_check(
        "logistic_gradient.stable",
        "2.2 logistic_loss_and_grad for logits near 1e3",
        0.5,
        "logistic",
        [dict(seed=7, N=6, D=3, scale=1e3, label="logits near 1e3")],
        compare=("loss", "dw"),
        nonfinite_cause="unstable_logistic",
    ),
    notebook_check("logistic_training", "2.3 train_logistic_regression", 3, "training", TRAINING, judge=training_judge),
]
