"""Checks of chapter 1 (universal_approximation): exercise 1.3, the RBF layer (mytorch), and
the notebook exercises 1.1 (truth-table network), 1.2 (bump approximator), 1.4 (RBF
classifier), 1.5 (parity with n hidden units) and 1.6 (the sawtooth: k tent maps composed),
graded from the submitted notebook (`target="universal_approximation.ipynb"`).

The notebook exercises have many right answers, so they are judged by behaviour, here in the
grader: the returned networks are evaluated by formulas in this file, the predictions scored
against labels from the reference run.
"""

import itertools

import numpy as np

from . import CASES_DIR, Check, catalogued
from .backprop import layer_cases, layer_checks
from .judging import NOTEBOOK_TIMEOUT_S, Verdict, accuracy_units, get, likely

NOTEBOOK = "universal_approximation.ipynb"


def rbf_cases():
    """(N, in) with K centers; gamma is a constructor argument, so also not 1."""
    cases = layer_cases("RBF", [(4, 2), (3, 3), (1, 2), (5, 1)], ("Phi", "dLdA"), pscale=0.8)
    for case, K, gamma in zip(cases, [3, 4, 2, 3], [1.0, 0.5, 2.0, 1.5]):
        case.update(
            args=[case["shape"][1], K],
            kwargs={"gamma": gamma},
            params={"centers": [K, case["shape"][1]]},
            out=[case["shape"][0], K],
        )
    return cases


def rbf_names(ctx, case):
    """The catalogue's names of exercise 1.3, from the reference run."""
    A, C, G, Phi = ctx["in"], ctx["centers"], ctx["G"], ctx["Phi"]
    D2 = ((A[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    return dict(A=A, C=C, G=G, Phi=Phi, D2=D2, GP=G * Phi, gamma=case["kwargs"]["gamma"])


# ------------------------------------------------------------------ exercise 1.1


def truth_tables():
    """The chapter's table, a fixed 4-input one, and two random ones (never constant)."""
    rng = np.random.default_rng(101)
    tables = [[0, 1, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0]]
    for n in (3, 4):
        table = rng.integers(0, 2, 2**n)
        table[rng.integers(len(table))] ^= int(table.min() == table.max())
        tables.append(table.tolist())
    return [dict(table=t, label=f"table {''.join(map(str, t))}") for t in tables]


def threshold_network(W1, b1, w2, b2, X):
    """y = step(step(X W1^T + b1) w2 + b2), step(z) = 1 if z >= 0 else 0. X: (M, n) -> (M,)."""
    hidden = (X @ W1.T + b1 >= 0).astype(np.float64)
    return (hidden @ w2 + b2 >= 0).astype(int)


def truth_table_judge(arrays, ctx, case):
    """One unit for the shapes, two for a network right on every input."""
    verdict = Verdict()
    table = np.asarray(ctx["table"], dtype=int)
    n = int(np.log2(len(table)))
    X = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.float64)
    W1, b1, w2, b2 = (get(arrays, name) for name in ("W1", "b1", "w2", "b2"))
    H = W1.shape[0] if W1.ndim == 2 else None
    shapes_ok = W1.ndim == 2 and W1.shape[1] == n and b1.shape == (H,) and w2.shape == (H,) and b2.size == 1
    verdict.unit(
        shapes_ok,
        f"shapes: W1 {W1.shape}, b1 {b1.shape}, w2 {w2.shape}, b2 {b2.shape}; expected "
        f"W1 (H, {n}) (one row per hidden unit), b1 (H,), w2 (H,) and b2 one number",
    )
    if not shapes_ok:
        return verdict.unit(False, units=2) or verdict.result()
    got = threshold_network(W1, b1, w2, float(b2.reshape(())), X)
    wrong = np.flatnonzero(got != table)
    rows = ", ".join(f"input {tuple(int(v) for v in X[r])}: expected {table[r]}, got {got[r]}" for r in wrong[:3])
    reversed_table = table.reshape((2,) * n).transpose(tuple(range(n))[::-1]).reshape(-1)
    if np.array_equal(got, 1 - table):
        cause = "truth_table_flipped"
    elif not np.array_equal(table, reversed_table) and np.array_equal(got, reversed_table):
        cause = "truth_table_bit_order"
    elif wrong.size and np.all(got[wrong] == 1):
        cause = "truth_table_false_alarms"
    elif wrong.size and np.all(got[wrong] == 0):
        cause = "truth_table_misses"
    else:
        cause = None
    verdict.unit(
        wrong.size == 0,
        f"{wrong.size} of {len(table)} inputs wrong ({rows}"
        f"{', ...' if wrong.size > 3 else ''})." + (likely(cause) if cause else ""),
        units=2,
    )
    return verdict.result()


# ------------------------------------------------------------------ exercise 1.2


def bump_cases():
    """The chapter's f, cos, and a random smooth f (values ~[0.6, 1.8], slope at most ~7)."""
    rng = np.random.default_rng(101)
    sines = [
        [float(a), int(k), float(p)]
        for a, k, p in zip(rng.uniform(0.1, 0.25, 2), rng.integers(1, 3, 2), rng.uniform(0, 2 * np.pi, 2))
    ]
    return [
        dict(f="chapter", n_bumps=50, steepness=2000.0, label="the chapter's f, 50 bumps"),
        dict(f="cos", n_bumps=20, steepness=1000.0, label="cos, 20 bumps"),
        dict(
            f="sines",
            offset=float(rng.uniform(1.0, 1.3)),
            sines=sines,
            n_bumps=37,
            steepness=3000.0,
            label="a random smooth f, 37 bumps",
        ),
    ]


def bump_target(case):
    """The grader's own copy of the case's f (grading/grader/cases/universal_approximation.py draws it too)."""
    if case["f"] == "chapter":
        return lambda x: 1.0 + 0.5 * np.sin(2 * np.pi * x) - 0.3 * x**2
    if case["f"] == "cos":
        return np.cos
    return lambda x: case["offset"] + sum(a * np.sin(2 * np.pi * k * x + p) for a, k, p in case["sines"])


def bump_judge(arrays, ctx, case):
    """One unit for the shapes, two for max |y - f| on [0, 1] within slope(f) / n_bumps + 0.01."""
    verdict = Verdict()
    f, n_bumps, steepness = bump_target(case), case["n_bumps"], case["steepness"]
    w, b, v, c = (get(arrays, name) for name in ("w", "b", "v", "c"))
    shapes_ok = w.ndim == 1 and w.shape == b.shape == v.shape and c.size == 1 and w.size <= 2 * n_bumps + 2
    verdict.unit(
        shapes_ok,
        f"shapes: w {w.shape}, b {b.shape}, v {v.shape}, c {c.shape}; expected w, b, v "
        f"1-D of one length, at most {2 * n_bumps + 2} for {n_bumps} bumps (two sigmoids "
        f"a bump), and c one number",
    )
    if not shapes_ok:
        return verdict.unit(False, units=2) or verdict.result()
    x = np.linspace(0, 1, 2001)
    grid = np.linspace(0, 1, 4001)
    tol = np.max(np.abs(np.diff(f(grid)))) / (grid[1] - grid[0]) / n_bumps + 0.01
    with np.errstate(all="ignore"):
        y = 0.5 * (1.0 + np.tanh(0.5 * (np.outer(x, w) + b))) @ v + float(c.reshape(()))
        error = np.abs(y - f(x))
    if not np.all(np.isfinite(y)):
        return (
            verdict.unit(False, "the network's output is not finite somewhere on [0, 1]", units=2) or verdict.result()
        )
    worst = int(np.argmax(error))
    cause = None
    if np.allclose(y, -f(x), atol=tol):
        cause = "bump_sign"
    elif np.max(np.abs(w)) < 0.5 * steepness:
        cause = "bump_not_steep"
    elif (worst < 50 or worst > len(x) - 51) and error[50:-50].max() <= tol:
        cause = "bump_half_ends"
    elif np.ptp(y - f(x)) < tol:
        cause = "bump_offset"
    verdict.unit(
        error[worst] <= tol,
        f"largest error {error[worst]:.3g} at x = {x[worst]:.4f} (f = "
        f"{f(x[worst]):.4g}, network = {y[worst]:.4g}); allowed {tol:.3g}." + (likely(cause) if cause else ""),
        units=2,
    )
    return verdict.result()


# ------------------------------------------------------------------ exercise 1.4


def rbf_classifier_judge(arrays, ctx, case):
    """Three units: labels 0/1 of the right shape reaching 90% on 1000 held-out points (two)."""
    verdict = Verdict()
    labels, truth = get(arrays, "labels"), np.asarray(ctx["y_test"])
    values = set(np.unique(labels).tolist()) if labels.size < 10**6 else {None}
    verdict.unit(
        values <= {0, 1},
        f"labels should be 0 or 1, got values like {sorted(values, key=str)[:4]}: "
        "threshold the output (for targets -1/+1, predict 1 where it is > 0)",
    )
    accuracy_units(
        verdict,
        labels,
        truth,
        0.9,
        "predict(X_test)",
        likely("rbf_underfit").strip(),
    )
    return verdict.result()


# ------------------------------------------------------------------ exercise 1.5


def parity_judge(arrays, ctx, case):
    """One unit for the shapes with at most n hidden units, two for parity on every input."""
    verdict = Verdict()
    n = case["n"]
    X = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.float64)
    count = X.sum(axis=1).astype(int)
    parity = count % 2
    W1, b1, w2, b2 = (get(arrays, name) for name in ("W1", "b1", "w2", "b2"))
    H = W1.shape[0] if W1.ndim == 2 else None
    shapes_ok = W1.ndim == 2 and W1.shape[1] == n and b1.shape == (H,) and w2.shape == (H,) and b2.size == 1
    verdict.unit(
        shapes_ok and H <= n,
        f"shapes: W1 {W1.shape}, b1 {b1.shape}, w2 {w2.shape}, b2 {b2.shape}; "
        f"expected W1 (H, {n}) with H <= {n} hidden units, b1 (H,), w2 (H,) "
        f"and b2 one number"
        + (
            " (2^(n-1) hidden units is the DNF recipe's count: let each unit count the inputs)"
            if shapes_ok and H == 2 ** (n - 1) > n
            else ""
        ),
    )
    if not (shapes_ok and H <= n):
        return verdict.unit(False, units=2) or verdict.result()
    got = threshold_network(W1, b1, w2, float(b2.reshape(())), X)
    wrong = np.flatnonzero(got != parity)
    rows = ", ".join(f"input {tuple(int(v) for v in X[r])}: expected {parity[r]}, got {got[r]}" for r in wrong[:3])
    if np.array_equal(got, 1 - parity):
        cause = "parity_flipped"
    elif np.array_equal(got, (count >= 1).astype(int)):
        cause = "parity_or"
    elif all(len(set(got[count == s].tolist())) == 1 for s in np.unique(count)):
        cause = "parity_count"
    else:
        cause = None
    verdict.unit(
        wrong.size == 0,
        f"{wrong.size} of {len(X)} inputs wrong ({rows}{', ...' if wrong.size > 3 else ''})."
        + (likely(cause) if cause else ""),
        units=2,
    )
    return verdict.result()


# ------------------------------------------------------------------ exercise 1.6


def tent_power(x, k):
    for _ in range(k):
        x = 1.0 - np.abs(2.0 * x - 1.0)
    return x


def sawtooth_judge(arrays, ctx, case):
    """One unit for k hidden layers of at most 2 units, two for the k-fold tent map on [0, 1]."""
    verdict = Verdict()
    k = case["k"]
    depth = int(get(arrays, "depth").reshape(-1)[0])
    layers = [(get(arrays, f"W{i}"), get(arrays, f"b{i}")) for i in range(depth)]
    width, why = 1, None
    if depth != k + 1:
        why = f"{depth} layers; expected k + 1 = {k + 1}: k hidden layers and the output layer"
    for i, (W, b) in enumerate(layers if why is None else []):
        rows_ok = W.ndim == 2 and (W.shape[0] == 1 if i == k else 1 <= W.shape[0] <= 2)
        if not (rows_ok and W.shape[1] == width and b.shape == (W.shape[0],)):
            why = f"layer {i + 1}: W {W.shape}, b {b.shape}; expected W ({'1' if i == k else '1 or 2'}, {width})"
            break
        width = W.shape[0]
    if not verdict.unit(why is None, f"shapes: {why}"):
        return verdict.unit(False, units=2) or verdict.result()
    x = np.concatenate([np.linspace(0.0, 1.0, 2 ** (k + 3) + 1), np.random.default_rng(100 + k).random(256)])
    h = x.reshape(-1, 1)
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T + b, 0.0)
    got = (h @ layers[-1][0].T + layers[-1][1]).reshape(-1)
    target = tent_power(x, k)
    wrong = np.abs(got - target) > 1e-8
    ramp = x.copy()
    for _ in range(k):
        ramp = 2 * np.maximum(ramp, 0) - 2 * np.maximum(ramp - 0.5, 0)
    scale = got @ target / (target @ target)
    cause = (
        "tent_ramp"
        if np.allclose(got, ramp, atol=1e-6)
        else "sawtooth_scaled"
        if np.allclose(got, scale * target, atol=1e-6)
        else None
    )
    verdict.unit(
        not wrong.any(),
        f"{int(wrong.sum())} of {x.size} points of [0, 1] wrong." + (likely(cause) if cause else ""),
        units=2,
    )
    return verdict.result()


def notebook_check(slug, exercise, points, cases, judge):
    return Check(
        f"universal_approximation.{slug}",
        exercise,
        points,
        slug,
        cases,
        judge=judge,
        target=NOTEBOOK,
        timeout=NOTEBOOK_TIMEOUT_S,
    )


CHECKS = [
    notebook_check("truth_table", "1.1 truth_table_network", 3, truth_tables(), truth_table_judge),
    notebook_check("bump", "1.2 bump_network", 3, bump_cases(), bump_judge),
    *layer_checks(
        "universal_approximation",
        "rbf",
        "1.3",
        "RBF",
        rbf_cases(),
        ("Phi", "dLdA"),
        params=("centers",),
        mistakes=catalogued("1.3", rbf_names),
        cases_file=CASES_DIR / "backprop.py",
    ),
    notebook_check(
        "rbf_classifier",
        "1.4 fit_rbf_classifier",
        2,
        [dict(data="moons", seed=0, label="two moons"), dict(data="circles", seed=1, label="a ring")],
        rbf_classifier_judge,
    ),
    notebook_check(
        "parity", "1.5 parity_network", 2, [dict(n=n, label=f"{n} inputs") for n in (1, 4, 7, 9)], parity_judge
    ),
    notebook_check(
        "sawtooth", "1.6 sawtooth_network", 2, [dict(k=k, label=f"{k} tents") for k in (1, 2, 6, 12)], sawtooth_judge
    ),
]
