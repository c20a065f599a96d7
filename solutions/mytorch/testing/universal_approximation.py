"""Visible checks of chapter 1 (universal_approximation).

    check("universal_approximation.truth_table", answer=truth_table_network)   # exercise 1.1
    check("universal_approximation.bump", answer=bump_network)                 # exercise 1.2
    check("universal_approximation.rbf")                                       # exercise 1.3
    check("universal_approximation.rbf_classifier", answer=fit_rbf_classifier) # exercise 1.4
    check("universal_approximation.parity", answer=parity_network)             # exercise 1.5
    check("universal_approximation.sawtooth", answer=sawtooth_network)         # exercise 1.6

Every network handed in is evaluated here, by formulas written out in this file, so a check
never trusts the code it is checking.
"""
import itertools

import numpy as np

from .report import Mismatch, answers, cause_text, compare, run_check

# The truth table of exercise 1.1 in the notebook: output for inputs 000, 001, ..., 111.
CHAPTER_TABLE = (0, 1, 0, 1, 1, 1, 0, 0)


def truth_table_inputs(n):
    """All 2**n binary inputs: row r holds the bits of r, x_1 the most significant. -> (2**n, n)."""
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.float64)


def threshold_network_output(net, X):
    """y = step(step(X W1^T + b1) w2 + b2) with step(z) = 1 if z >= 0 else 0.

    net: (W1 (H, n), b1 (H,), w2 (H,), b2 scalar); X: (M, n) -> y: (M,) of 0/1 ints.
    """
    W1, b1, w2, b2 = net
    hidden = (X @ W1.T + b1 >= 0).astype(np.float64)
    return (hidden @ w2 + b2 >= 0).astype(int)


def sigmoid(z):
    """1 / (1 + e^-z), written with tanh so that no overflow warning is possible."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def bump_network_output(net, x):
    """y(x) = sum_j v_j sigmoid(w_j x + b_j) + c.  net: (w (H,), b (H,), v (H,), c); x: (M,) -> (M,)."""
    w, b, v, c = net
    return sigmoid(np.outer(x, w) + b) @ v + c


def _unpack(net, names, what):
    """Turn the student's tuple into float64 arrays, or say what shape was expected."""
    if not isinstance(net, (tuple, list)) or len(net) != len(names):
        raise Mismatch(f"{what} should return a tuple ({', '.join(names)}), got {type(net).__name__}"
                       + (f" of length {len(net)}" if isinstance(net, (tuple, list)) else ""))
    return [np.asarray(part, dtype=np.float64) for part in net]


def _wrong_inputs(X, expected, got, shown=4):
    """The indices where got != expected, and the first `shown` of them spelt out for a message."""
    wrong = np.flatnonzero(got != expected)
    rows = ", ".join(f"input {tuple(int(v) for v in X[r])}: expected {expected[r]}, got {got[r]}"
                     for r in wrong[:shown])
    return wrong, rows + (f" (and {wrong.size - shown} more)" if wrong.size > shown else "")


# ------------------------------------------------------------------ exercise 1.1

def _check_threshold_shapes(net, n, what="truth_table_network"):
    W1, b1, w2, b2 = _unpack(net, ("W1", "b1", "w2", "b2"), what)
    if W1.ndim != 2 or W1.shape[1] != n:
        raise Mismatch(f"W1 should have shape (H, {n}) - one row per hidden unit, one column per input - "
                       f"got {W1.shape}")
    H = W1.shape[0]
    for name, part, shape in (("b1", b1, (H,)), ("w2", w2, (H,))):
        if part.shape != shape:
            raise Mismatch(f"{name} should have shape {shape} (one entry per hidden unit), got {part.shape}")
    if b2.size != 1:
        raise Mismatch(f"b2 is the output unit's bias, a single number; got shape {b2.shape}")
    return W1, b1, w2, float(b2.reshape(()))


def _truth_table_case(answer, table):
    table = np.asarray(table, dtype=int)
    n = int(np.log2(len(table)))
    X = truth_table_inputs(n)

    def body():
        net = _check_threshold_shapes(answer(table.copy()), n)
        got = threshold_network_output(net, X)
        wrong, rows = _wrong_inputs(X, table, got)
        if wrong.size == 0:
            return
        reversed_table = table.reshape((2,) * n).transpose(tuple(range(n))[::-1]).reshape(-1)
        if np.array_equal(got, 1 - table):
            cause = cause_text("truth_table_flipped")
        elif not np.array_equal(table, reversed_table) and np.array_equal(got, reversed_table):
            cause = cause_text("truth_table_bit_order")
        elif np.all(got[wrong] == 1):
            cause = cause_text("truth_table_false_alarms")
        elif np.all(got[wrong] == 0):
            cause = cause_text("truth_table_misses")
        else:
            cause = "Compare one hidden unit's pre-activation by hand on a wrong input."
        raise Mismatch(f"{wrong.size} of {len(table)} inputs wrong: {rows}. {cause}")

    return run_check(f"truth table {''.join(map(str, table))} ({n} inputs, every input)", body)


def truth_table_checks(answer, seed=0):
    """Exercise 1.1: the threshold network built for a truth table is right on every input.

    answer: truth_table_network(table) -> (W1 (H, n), b1 (H,), w2 (H,), b2).
    seed 0 checks the chapter's table and one 4-input table; other seeds draw random tables.
    """
    rng = np.random.default_rng(seed)
    if seed == 0:
        tables = [CHAPTER_TABLE, (0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0)]
    else:
        tables = [rng.integers(0, 2, 2 ** n) for n in (3, 4)]
        for table in tables:  # a table that is all 0 or all 1 tests nothing about rows
            table[rng.integers(len(table))] ^= int(table.min() == table.max())
    return [_truth_table_case(answer, table) for table in tables]


# ------------------------------------------------------------------ exercise 1.2

def chapter_target(x):
    """The 1-D function of exercise 1.2: f(x) = 1 + 0.5 sin(2 pi x) - 0.3 x^2 on [0, 1]."""
    return 1.0 + 0.5 * np.sin(2 * np.pi * x) - 0.3 * x ** 2


def _random_target(rng):
    """A smooth function on [0, 1] with values in about [0.6, 1.8] and slope at most ~7."""
    freqs = rng.integers(1, 3, 2)
    amps = rng.uniform(0.1, 0.25, 2)
    phases = rng.uniform(0, 2 * np.pi, 2)
    offset = rng.uniform(1.0, 1.3)
    return lambda x: offset + sum(a * np.sin(2 * np.pi * k * x + p) for a, k, p in zip(amps, freqs, phases))


def bump_tolerance(f, n_bumps):
    """The error a staircase of n_bumps midpoint heights can reach: slope * width, plus 0.01."""
    grid = np.linspace(0, 1, 4001)
    slope = np.max(np.abs(np.diff(f(grid)))) / (grid[1] - grid[0])
    return slope / n_bumps + 0.01


def _bump_case(answer, f, n_bumps, steepness, label):
    tol = bump_tolerance(f, n_bumps)
    x = np.linspace(0, 1, 2001)

    def body():
        net = answer(f, n_bumps, steepness)
        w, b, v, c = _unpack(net, ("w", "b", "v", "c"), "bump_network")
        if not (w.ndim == 1 and w.shape == b.shape == v.shape):
            raise Mismatch(f"w, b, v should be 1-D arrays of the same length (one entry per hidden unit); "
                           f"got shapes {w.shape}, {b.shape}, {v.shape}")
        if c.size != 1:
            raise Mismatch(f"c is the output bias, a single number; got shape {c.shape}")
        if w.size > 2 * n_bumps + 2:
            raise Mismatch(f"{w.size} hidden units for {n_bumps} bumps: a bump needs only 2 sigmoids "
                           f"(at most {2 * n_bumps + 2} units)")
        y = bump_network_output((w, b, v, float(c.reshape(()))), x)
        if not np.all(np.isfinite(y)):
            raise Mismatch("the network output is not finite somewhere on [0, 1]")
        error = np.abs(y - f(x))
        worst = int(np.argmax(error))
        if error[worst] <= tol:
            return
        message = (f"largest error {error[worst]:.3g} at x = {x[worst]:.4f} (f = {f(x[worst]):.4g}, "
                   f"network = {y[worst]:.4g}); allowed {tol:.3g}")
        interior = error[50:-50]
        if np.allclose(y, -f(x), atol=tol):
            cause = cause_text("bump_sign")
        elif np.max(np.abs(w)) < 0.5 * steepness:
            cause = (f"The largest |w| is {np.max(np.abs(w)):.3g}, the steepness asked for {steepness}. "
                     + cause_text("bump_not_steep"))
        elif (worst < 50 or worst > len(x) - 51) and interior.max() <= tol:
            cause = cause_text("bump_half_ends")
        elif np.ptp(y - f(x)) < tol:
            cause = cause_text("bump_offset")
        else:
            cause = ("Compare the heights with f at the bump midpoints, and check that bump k's "
                     "right edge is bump k+1's left edge.")
        raise Mismatch(f"{message}. {cause}")

    return run_check(f"bump approximation of {label} with {n_bumps} bumps, steepness {steepness}", body)


def bump_checks(answer, seed=0):
    """Exercise 1.2: a one-hidden-layer sigmoid network built from bumps approximates f on [0, 1].

    answer: bump_network(f, n_bumps, steepness) -> (w (H,), b (H,), v (H,), c), evaluated as
    y(x) = sum_j v_j sigmoid(w_j x + b_j) + c. Passes when max |y - f| over [0, 1] is at most
    slope(f) / n_bumps + 0.01.
    """
    rng = np.random.default_rng(seed)
    if seed == 0:
        return [_bump_case(answer, chapter_target, 50, 2000.0, "the chapter's f"),
                _bump_case(answer, np.cos, 20, 1000.0, "cos")]
    f = _random_target(rng)
    n_bumps = int(rng.integers(30, 70))
    return [_bump_case(answer, f, n_bumps, float(rng.choice([1500.0, 3000.0])), "a random smooth f")]


# ------------------------------------------------------------------ exercise 1.3

def rbf_direct(A, C, gamma):
    """Phi_nk = exp(-gamma sum_d (A_nd - C_kd)^2), by broadcasting. A: (N, D), C: (K, D) -> (N, K)."""
    return np.exp(-gamma * ((A[:, None, :] - C[None, :, :]) ** 2).sum(axis=2))


def central_difference(f, x, eps=1e-6):
    """g_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps); x is a float64 array, changed and restored."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f()
        x[index] = original - eps
        minus = f()
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def rbf_checks(seed=0):
    """Exercise 1.3: RBF.forward against a direct numpy formula, RBF.backward against central
    differences of L = sum(G * Phi), for the input and for the centers (float64)."""
    import mytorch
    rng = np.random.default_rng(seed)
    N, D, K = (6, 2, 4) if seed == 0 else tuple(int(n) for n in rng.integers(1, 7, 3))
    gamma = 0.7 if seed == 0 else float(rng.uniform(0.2, 2.0))
    layer = mytorch.nn.RBF(D, K, gamma=gamma, dtype=np.float64, seed=seed)
    A = rng.standard_normal((N, D))
    A[0] = layer.centers[0]  # a sample sitting on a center: Phi must be exactly 1 there, never above
    G = rng.standard_normal((N, K))
    C0 = layer.centers.copy()
    Phi = rbf_direct(A, C0, gamma)
    names = dict(A=A, C=C0, G=G, gamma=gamma, Phi=Phi, GP=G * Phi, D2=((A[:, None, :] - C0[None]) ** 2).sum(axis=2))

    def check(quantity, expected, actual):
        compare(quantity, expected, actual, rtol=1e-6, atol=1e-9,
                candidates=answers("1.3", quantity.split()[-1], **names))

    def forward():
        check("RBF.forward Phi", Phi, layer.forward(A.copy()))

    def backward():
        A_var, C_var = A.copy(), layer.centers.astype(np.float64)

        def loss():
            return float((rbf_direct(A_var, C_var, gamma) * G).sum())

        dA, dC = central_difference(loss, A_var), central_difference(loss, C_var)
        layer.centers = C0.copy()
        layer.forward(A.copy())
        dLdA = layer.backward(G.copy())
        check("RBF.backward dLdA", dA, dLdA)
        check("RBF.backward dLdcenters", dC, layer.dLdcenters)

    def keeps_float32():
        layer32 = mytorch.nn.RBF(D, K, gamma=gamma, dtype=np.float32, seed=seed)
        A32 = A.astype(np.float32)
        expected = rbf_direct(A32.astype(np.float64), layer32.centers.astype(np.float64), gamma)
        compare("RBF.forward Phi (float32)", expected.astype(np.float32), layer32.forward(A32),
                rtol=1e-4, atol=1e-6)

    return [run_check("RBF.forward", forward),
            run_check("RBF.backward (finite differences)", backward),
            run_check("RBF keeps float32", keeps_float32)]


# ------------------------------------------------------------------ exercise 1.4

def classification_problem(seed):
    """A 2-D two-class problem: (X_train (200, 2), y_train, X_test (1000, 2), y_test), labels 0/1.

    seed 0 (and every even seed) gives two interleaved moons; odd seeds give a ring around a disk.
    """
    from sklearn.datasets import make_circles, make_moons
    n = 1200
    if seed % 2 == 0:
        X, y = make_moons(n, noise=0.2, random_state=seed)
    else:
        X, y = make_circles(n, noise=0.1, factor=0.5, random_state=seed)
    return X[:200], y[:200], X[200:], y[200:]


def rbf_classifier_checks(answer, seed=0):
    """Exercise 1.4: fit_rbf_classifier(X, y) -> predict; predict(X_test) -> (N,) labels in {0, 1}
    with at least 90% accuracy on 1000 held-out points."""
    X_train, y_train, X_test, y_test = classification_problem(seed)
    kind = "moons" if seed % 2 == 0 else "ring around a disk"
    state = {}

    def fits():
        predict = answer(X_train.copy(), y_train.copy())
        if not callable(predict):
            raise Mismatch(f"fit_rbf_classifier should return a function predict(X), got {type(predict).__name__}")
        state["predict"] = predict

    def accuracy():
        if "predict" not in state:
            raise Mismatch("fitting failed (see above)")
        labels = np.asarray(state["predict"](X_test.copy()))
        if labels.shape != y_test.shape:
            raise Mismatch(f"predict(X) should return shape {y_test.shape} (one label per row), got "
                           f"{labels.shape}" + (": flatten the (N, 1) output" if labels.shape == (len(y_test), 1) else ""))
        values = set(np.unique(labels).tolist())
        if not values <= {0, 1}:
            raise Mismatch(f"labels should be 0 or 1, got values like {sorted(values)[:5]}: threshold the "
                           "network's output (for targets in {-1, +1}, predict 1 where the output is > 0)")
        acc = float(np.mean(labels == y_test))
        if acc < 0.9:
            cause = "labels_swapped" if acc < 0.5 else "rbf_underfit"
            raise Mismatch(f"test accuracy {acc:.3f}, needs 0.90. {cause_text(cause)}")

    return [run_check(f"RBF classifier fits ({kind})", fits),
            run_check(f"RBF classifier test accuracy >= 0.90 ({kind})", accuracy)]


# ------------------------------------------------------------------ exercise 1.5

def parity_cause(got, X):
    """The catalogue's cause that explains the outputs `got` on the inputs X, or None."""
    count = X.sum(axis=1).astype(int)
    if np.array_equal(got, 1 - count % 2):
        return "parity_flipped"
    if np.array_equal(got, (count >= 1).astype(int)):
        return "parity_or"
    same = all(len(set(got[count == s].tolist())) == 1 for s in np.unique(count))
    return "parity_count" if same else None


def _parity_case(answer, n):
    X = truth_table_inputs(n)
    parity = X.sum(axis=1).astype(int) % 2

    def body():
        net = _check_threshold_shapes(answer(n), n, "parity_network")
        H = net[0].shape[0]
        if H > n:
            dnf = (" - that is the DNF recipe's 2^(n-1); a unit that adds up all the inputs can count "
                   "them instead") if H == 2 ** (n - 1) else ""
            raise Mismatch(f"{H} hidden units for {n} inputs; parity needs at most {n}{dnf}")
        got = threshold_network_output(net, X)
        wrong, rows = _wrong_inputs(X, parity, got)
        if wrong.size == 0:
            return
        cause = parity_cause(got, X)
        explained = (f" {cause_text(cause)}" if cause else
                     " Compare each hidden unit's pre-activation by hand on a wrong input.")
        raise Mismatch(f"{wrong.size} of {len(X)} inputs wrong: {rows}.{explained}")

    return run_check(f"parity of {n} inputs with at most {n} hidden units (every input)", body)


def parity_checks(answer, seed=0):
    """Exercise 1.5: one hidden layer of at most n threshold units computes the parity of n bits.

    answer: parity_network(n) -> (W1 (H, n), b1 (H,), w2 (H,), b2), H <= n.
    seed 0 checks n = 3 and n = 6; other seeds draw two n from 1 to 8.
    """
    sizes = (3, 6) if seed == 0 else tuple(int(n) for n in np.random.default_rng(seed).integers(1, 9, 2))
    return [_parity_case(answer, n) for n in sizes]


# ------------------------------------------------------------------ exercise 1.6

def tent_power(x, k):
    """t applied k times, t(x) = 1 - |2x - 1| on [0, 1]: the sawtooth with 2^k linear pieces."""
    for _ in range(k):
        x = 1.0 - np.abs(2.0 * x - 1.0)
    return x


def ramp_power(x, k):
    """The planted mistake's function: r(x) = 2 relu(x) - 2 relu(x - 1/2) applied k times."""
    for _ in range(k):
        x = 2 * np.maximum(x, 0) - 2 * np.maximum(x - 0.5, 0)
    return x


def relu_network_output(layers, x):
    """Hidden layers h = relu(h W^T + b), then the linear output layer. x: (M,) -> (M,)."""
    h = x.reshape(-1, 1)
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T + b, 0.0)
    W, b = layers[-1]
    return (h @ W.T + b).reshape(-1)


def sawtooth_shapes(layers, k):
    """None when `layers` is k hidden layers of at most 2 units and a 1-output layer, else why not."""
    if len(layers) != k + 1:
        return f"{len(layers)} layers; expected k + 1 = {k + 1}: k hidden layers and the output layer"
    width = 1
    for i, (W, b) in enumerate(layers):
        last = i == k
        if W.ndim != 2 or W.shape[1] != width or (W.shape[0] != 1 if last else not 1 <= W.shape[0] <= 2):
            rows = "1" if last else "1 or 2"
            return f"layer {i + 1}: W has shape {W.shape}; expected ({rows}, {width})"
        if b.shape != (W.shape[0],):
            return f"layer {i + 1}: b has shape {b.shape}; expected ({W.shape[0]},)"
        width = W.shape[0]
    return None


def sawtooth_cause(got, x, k):
    """The catalogue's cause that explains the outputs `got`, or None."""
    if np.allclose(got, ramp_power(x, k), atol=1e-6):
        return "tent_ramp"
    target = tent_power(x, k)
    scale = got @ target / (target @ target)
    return "sawtooth_scaled" if np.allclose(got, scale * target, atol=1e-6) else None


def _sawtooth_case(answer, k):
    x = np.concatenate([np.linspace(0.0, 1.0, 2 ** (k + 2) + 1), np.random.default_rng(k).random(64)])

    def body():
        net = answer(k)
        if not isinstance(net, (list, tuple)) or not all(isinstance(l, (list, tuple)) and len(l) == 2 for l in net):
            raise Mismatch(f"sawtooth_network should return a list of (W, b) pairs, got {type(net).__name__}")
        layers = [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)) for W, b in net]
        wrong_shape = sawtooth_shapes(layers, k)
        if wrong_shape:
            raise Mismatch(wrong_shape)
        got = relu_network_output(layers, x)
        error = np.abs(got - tent_power(x, k))
        if not np.all(error <= 1e-8):
            worst = int(np.argmax(error))
            cause = sawtooth_cause(got, x, k)
            explained = (f" {cause_text(cause)}" if cause else
                         " Evaluate your network layer by layer at x = 0, 1/4, 1/2 and compare with t, then t(t).")
            raise Mismatch(f"{int((error > 1e-8).sum())} of {x.size} points wrong; the worst at x = {x[worst]:.4f}: "
                           f"expected {tent_power(x[worst], k):.4f}, got {got[worst]:.4f}.{explained}")

    return run_check(f"sawtooth of {k} tent(s): {k} hidden layers of 2 ReLUs, 2^{k} pieces", body)


def sawtooth_checks(answer, seed=0):
    """Exercise 1.6: k hidden layers of 2 ReLU units compute the k-fold tent map exactly on [0, 1].

    answer: sawtooth_network(k) -> [(W1, b1), ..., (W_{k+1}, b_{k+1})].
    seed 0 checks k = 1, 3 and 5; other seeds draw three k from 1 to 10.
    """
    ks = (1, 3, 5) if seed == 0 else tuple(int(k) for k in np.random.default_rng(seed).integers(1, 11, 3))
    return [_sawtooth_case(answer, k) for k in ks]


CHECKS = {
    "universal_approximation.truth_table": truth_table_checks,
    "universal_approximation.bump": bump_checks,
    "universal_approximation.rbf": rbf_checks,
    "universal_approximation.rbf_classifier": rbf_classifier_checks,
    "universal_approximation.parity": parity_checks,
    "universal_approximation.sawtooth": sawtooth_checks,
}
