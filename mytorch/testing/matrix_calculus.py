# GENERATED from solutions/mytorch/testing/matrix_calculus.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Visible checks of chapter 3 (matrix_calculus): the notebook's three inline exercises.

    check("matrix_calculus.numerical_jacobian", answer=numerical_jacobian)
    check("matrix_calculus.linear_backward", answer=linear_backward)
    check("matrix_calculus.spot_transposed", answer=diagnose_gradients)

Expected values come from formulas worked out here or from torch autograd, never from a
reference solution. seed=0 is the case the notebook shows; other seeds draw other shapes.
"""
import numpy as np

from .report import Mismatch, answers, cause_text, compare, run_check

LABELS = ("ok", "transposed", "wrong")


def _torch():
    import torch  # imported late: only the checks that need it pay its start-up time
    return torch


def _shapes(rng, seed, fixed, low=2, high=6):
    """The fixed shapes for seed 0 (what the notebook shows), random distinct ones otherwise."""
    if seed == 0:
        return fixed
    while True:
        dims = tuple(int(d) for d in rng.integers(low, high + 1, len(fixed)))
        if len(set(dims)) == len(dims):
            return dims


def _named(answer, exercise):
    """answer, with a bare NotImplementedError (nbgrader's stub) turned into one that says where."""
    def call(*args, **kwargs):
        try:
            return answer(*args, **kwargs)
        except NotImplementedError as stub:
            if str(stub):
                raise
            raise NotImplementedError(f"replace `raise NotImplementedError()` in the solution cell of "
                                      f"exercise {exercise} with your code, then run that cell") from None
    return call


# ---------------------------------------------------------------- exercise 3.1


def _as_jacobian(quantity, J, n_out, n_in, out_shape, in_shape):
    """J as a float array, or a Mismatch naming the layout or flattening mistake."""
    if J is None:
        raise Mismatch(f"{quantity}: your function returned None (a missing `return J`?)")
    J = np.asarray(J)
    if J.shape == (n_out, n_in):
        return J
    if J.shape == (n_in, n_out) and n_in != n_out:
        raise Mismatch(f"{quantity}: expected shape {(n_out, n_in)}, got {J.shape}, one row per input. "
                       f"{cause_text('jacobian_layout')}")
    if J.shape == tuple(out_shape) + tuple(in_shape):
        raise Mismatch(f"{quantity}: expected shape {(n_out, n_in)}, got {J.shape}: flatten the "
                       "outputs and the inputs (row-major, like .ravel()) so that J is a 2-D table")
    raise Mismatch(f"{quantity}: expected shape {(n_out, n_in)} = (outputs, inputs), got {J.shape}")


def numerical_jacobian_checks(answer, seed=0):
    """Exercise 3.1: answer(f, x, eps=1e-6) -> J, (f(x).size, x.size), J[i, j] = d f_i / d x_j."""
    answer = _named(answer, "3.1 (numerical_jacobian)")
    rng = np.random.default_rng(seed)
    m, n = _shapes(rng, seed, (3, 4))

    def vector_to_vector():
        M = rng.standard_normal((m, n))
        x = rng.standard_normal(n)
        J = _as_jacobian("J of tanh(M x)", answer(lambda v: np.tanh(M @ v), x.copy()),
                         m, n, (m,), (n,))
        expected = (1 - np.tanh(M @ x) ** 2)[:, None] * M  # diag(1 - tanh^2) M
        compare("J of tanh(M x)", expected, J.astype(np.float64, copy=False), rtol=1e-6, atol=1e-8,
                candidates=answers("3.1", "J", J=expected))

    def matrix_input():
        W = rng.standard_normal((m, n))
        v = rng.standard_normal(n)
        J = _as_jacobian("J of W v with respect to W (W is the input)",
                         answer(lambda X: X @ v, W.copy()), m, m * n, (m,), (m, n))
        expected = np.kron(np.eye(m), v[None, :])  # d(Wv)_i / dW_pq = delta_ip v_q
        compare("J of W v with respect to W", expected, J.astype(np.float64, copy=False),
                rtol=1e-6, atol=1e-8)

    def scalar_output():
        x = rng.standard_normal(n)
        J = _as_jacobian("J of sum(x**3)/3 (a scalar output)",
                         answer(lambda v: np.sum(v ** 3) / 3, x.copy()), 1, n, (), (n,))
        compare("J of sum(x**3)/3", (x ** 2)[None, :], J.astype(np.float64, copy=False),
                rtol=1e-6, atol=1e-8)

    def central_differences():
        k = 5.0
        x = rng.uniform(-0.5, 0.5, n)
        J = _as_jacobian("J of exp(5 x)", answer(lambda v: np.exp(k * v), x.copy()), n, n, (n,), (n,))
        expected = np.diag(k * np.exp(k * x))
        J = J.astype(np.float64, copy=False)
        forward = np.diag((np.exp(k * (x + 1e-6)) - np.exp(k * x)) / 1e-6)
        close = np.abs(J - expected) <= 1e-9 + 1e-7 * np.abs(expected)
        if not np.all(close) and np.allclose(J, forward, rtol=1e-7, atol=1e-9):
            raise Mismatch(f"J of exp(5 x) is off by about eps * f''/(2 f') = 2.5e-6 relative. "
                           f"{cause_text('forward_differences')}")
        compare("J of exp(5 x) (central differences are accurate to ~1e-10 here)", expected, J,
                rtol=1e-7, atol=1e-9)

    def leaves_x_alone():
        x = rng.standard_normal(n)
        before = x.copy()
        answer(lambda v: np.sin(v), x)
        if not np.array_equal(x, before):
            worst = int(np.argmax(np.abs(x - before)))
            raise Mismatch(f"your function changed the caller's x (x[{worst}] went from "
                           f"{before[worst]:.6g} to {x[worst]:.6g}). {cause_text('changes_input')}")

    return [run_check("numerical Jacobian: vector -> vector", vector_to_vector),
            run_check("numerical Jacobian: matrix input, flattened", matrix_input),
            run_check("numerical Jacobian: scalar output", scalar_output),
            run_check("numerical Jacobian: central differences", central_differences),
            run_check("numerical Jacobian: leaves x unchanged", leaves_x_alone)]


# ---------------------------------------------------------------- exercise 3.2


def linear_backward_checks(answer, seed=0):
    """Exercise 3.2: answer(A, W, b, dLdZ) -> (dLdA, dLdW, dLdb) for Z = A W^T + b.

    A: (N, C_in), W: (C_out, C_in), b: (C_out,), dLdZ: (N, C_out); compared with torch autograd.
    """
    answer = _named(answer, "3.2 (linear_backward)")
    torch = _torch()
    rng = np.random.default_rng(seed)
    N, C_in, C_out = _shapes(rng, seed, (5, 4, 3))
    A = rng.standard_normal((N, C_in))
    W = rng.standard_normal((C_out, C_in))
    b = rng.standard_normal(C_out)
    G = rng.standard_normal((N, C_out))
    A_t, W_t, b_t = (torch.tensor(a, requires_grad=True) for a in (A, W, b))
    (((A_t @ W_t.T + b_t)) * torch.tensor(G)).sum().backward()
    expected = {"dLdA": A_t.grad.numpy(), "dLdW": W_t.grad.numpy(), "dLdb": b_t.grad.numpy()}
    got = {}

    def returned():
        if not got:
            out = answer(A.copy(), W.copy(), b.copy(), G.copy())
            if not isinstance(out, (tuple, list)) or len(out) != 3:
                raise Mismatch("return the three gradients as a tuple: `return dLdA, dLdW, dLdb`"
                               f" (got {type(out).__name__})")
            got.update(zip(("dLdA", "dLdW", "dLdb"), out))
        return got

    def grad(name, hints):
        def body():
            actual = returned()[name]
            if actual is None:
                raise Mismatch(f"{name} is None: it was never computed")
            actual = np.asarray(actual)
            hint = hints.get(actual.shape)
            if hint and actual.shape != expected[name].shape:
                raise Mismatch(f"{name}: expected shape {expected[name].shape}, got {actual.shape}. {hint}")
            compare(name, expected[name], actual, candidates=answers("3.2", name, A=A, W=W, G=G, N=N))
        return body

    dLdb_hints = {(N, C_out): "That is one bias gradient per sample: b is shared by every row of "
                              "the batch, so its gradient is the SUM over the batch axis (axis 0)",
                  (1, C_out): "b is 1-D with shape (C_out,); drop the kept dimension (keepdims=False)"}
    dLdA_hints = {(N, C_out): "dL/dA must have the shape of A (N, C_in): multiply dL/dZ by W"}
    return [run_check("linear layer: dL/dA", grad("dLdA", dLdA_hints)),
            run_check("linear layer: dL/dW", grad("dLdW", {})),
            run_check("linear layer: dL/db", grad("dLdb", dLdb_hints))]


# ---------------------------------------------------------------- exercise 3.3


def _two_layer(p, d, tanh):
    H = tanh(d["X"] @ p["W1"].T + p["b1"])
    return 0.5 * ((H @ p["W2"].T - d["Y"]) ** 2).sum()


def _bilinear(p, d, tanh):
    return (tanh(d["U"] @ p["M"] @ d["V"].T) * d["C"]).sum() + (d["U"] @ p["P"] * d["D"]).sum() \
        + ((d["U"] @ p["c"]) ** 2).sum()


def _least_squares(p, d, tanh):
    return 0.5 * ((d["S"] @ p["Q"] - d["T"]) ** 2).sum() + (p["Q"] @ d["R"]).trace() \
        + (tanh(p["K"]) @ d["E"]).sum() + 0.5 * ((d["S"] @ p["B"] - d["F"]) ** 2).sum()


def _problems(rng, seed):
    """Three losses (name, function, data, params); most matrices square so shapes tell nothing."""
    n = lambda *shape: rng.standard_normal(shape)  # noqa: E731
    h = 3 if seed == 0 else int(rng.integers(2, 5))
    d, k = (h, 2) if seed == 0 else (h if rng.random() < 0.7 else h + 1, int(rng.integers(2, 5)))
    a, e = (3, 2) if seed == 0 else (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    q, r = (3, 4) if seed == 0 else (int(rng.integers(2, 5)), int(rng.integers(2, 6)))
    N = 4
    return [
        ("two-layer net", _two_layer, {"X": n(N, d), "Y": n(N, k)},
         {"W1": n(h, d), "b1": n(h), "W2": n(k, h)}),
        ("bilinear form", _bilinear, {"U": n(N, a), "V": n(N, a), "C": n(N, N), "D": n(N, e)},
         {"M": n(a, a), "P": n(a, e), "c": n(a)}),
        ("least squares", _least_squares,
         {"S": n(N, q), "T": n(N, q), "R": n(q, q), "E": n(r, r), "F": n(N, r)},
         {"Q": n(q, q), "K": n(r, r), "B": n(q, r)}),
    ]


def _true_gradients(loss, data, params):
    torch = _torch()
    p_t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    d_t = {k: torch.tensor(v) for k, v in data.items()}
    loss(p_t, d_t, torch.tanh).backward()
    return {k: v.grad.numpy().copy() for k, v in p_t.items()}


def _far(a, b):
    """a is clearly not b: different shape, or at least 20% away in relative norm."""
    return a.shape != b.shape or np.linalg.norm(a - b) > 0.2 * np.linalg.norm(b)


def _wrong_version(rng, G, N):
    """A claim that is neither G nor its transpose: the slips a hand derivation makes."""
    options = [lambda: -G, lambda: 2 * G, lambda: G / N, lambda: G + rng.standard_normal(G.shape) * G.std()]
    if G.ndim == 2:
        options += [lambda: -G.T, lambda: 0.5 * G.T, lambda: G[::-1].copy()]
    while True:
        claim = options[int(rng.integers(len(options)))]()
        if _far(claim, G) and (G.ndim < 2 or _far(claim, G.T)):
            return claim


def _draw_labels(rng, problems):
    """Labels per parameter: never one label for a whole problem (a constant guess earns nothing),
    every label used somewhere, and at least one square matrix whose claim is transposed."""
    while True:
        labels = [{name: (LABELS[int(rng.integers(3))] if p.ndim == 2 else ("ok", "wrong")[int(rng.integers(2))])
                   for name, p in params.items()} for _, _, _, params in problems]
        used = {label for case in labels for label in case.values()}
        square_transposed = any(label == "transposed" and params[name].shape[0] == params[name].shape[1]
                                for case, (_, _, _, params) in zip(labels, problems)
                                for name, label in case.items())
        mixed = all(len(set(case.values())) > 1 for case in labels)
        if used == set(LABELS) and square_transposed and mixed:
            return labels


# the catalogue's cause of each wrong label, by (truth, said)
LABEL_CAUSES = {("transposed", "ok"): "shape_only_diagnosis", ("wrong", "ok"): "wrong_claim_accepted",
                ("wrong", "transposed"): "wrong_claim_accepted"}
CLAIMS = {"ok": "the gradient", "transposed": "its transpose", "wrong": "neither the gradient nor its transpose"}


def _verdict_hint(name, truth, said):
    if said not in LABELS:
        return f"{name}: answer {said!r} is not one of 'ok', 'transposed', 'wrong'"
    cause = LABEL_CAUSES.get((truth, said), "right_claim_rejected")
    return f"{name}: you said {said!r}, but the claim is {CLAIMS[truth]}. {cause_text(cause)}"


def spot_transposed_checks(answer, seed=0):
    """Exercise 3.3: answer(loss, params, claimed) -> {name: 'ok' | 'transposed' | 'wrong'}.

    One result per loss; it passes only if every parameter of that loss is labelled right, so
    guessing three labels at a time rarely pays. The claims for square matrices have the right
    shape whether or not they are transposed: only numbers can decide.
    """
    answer = _named(answer, "3.3 (diagnose_gradients)")
    rng = np.random.default_rng(seed)
    while True:  # a transposed claim must differ from the truth to mean anything: redraw if not
        problems = _problems(rng, seed)
        all_grads = [_true_gradients(loss, data, params) for _, loss, data, params in problems]
        if all(G.ndim < 2 or _far(G.T, G) for grads in all_grads for G in grads.values()):
            break
    labels = _draw_labels(rng, problems)
    results = []
    for (title, loss, data, params), truth, grads in zip(problems, labels, all_grads):
        claimed = {}
        for name, G in grads.items():
            claimed[name] = {"ok": lambda: G.copy(), "transposed": lambda: G.T.copy(),
                             "wrong": lambda: _wrong_version(rng, G, 4)}[truth[name]]()

        def body(loss=loss, data=data, params=params, claimed=claimed, truth=truth):
            def loss_np(p):
                return float(loss(p, data, np.tanh))
            said = answer(loss_np, {k: v.copy() for k, v in params.items()},
                          {k: v.copy() for k, v in claimed.items()})
            if not isinstance(said, dict):
                raise Mismatch(f"return a dict {{parameter name: label}}, got {type(said).__name__}")
            missing = [name for name in params if name not in said]
            if missing:
                raise Mismatch(f"no label for {', '.join(missing)}: give one for every parameter")
            for name in params:
                if said[name] != truth[name]:
                    raise Mismatch(_verdict_hint(name, truth[name], said[name]))

        shapes = ", ".join(f"{k} {v.shape}" for k, v in params.items())
        results.append(run_check(f"spot the transposed gradient: {title} ({shapes})", body))
    return results


CHECKS = {"matrix_calculus.numerical_jacobian": numerical_jacobian_checks,
          "matrix_calculus.linear_backward": linear_backward_checks,
          "matrix_calculus.spot_transposed": spot_transposed_checks}
