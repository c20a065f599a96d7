"""Case programs of chapter 3's notebook exercises: 3.1 numerical_jacobian, 3.2 linear_backward,
3.3 diagnose_gradients.

Runs INSIDE the sandbox on the namespace of the executed notebook (student's or reference's):
each `program(ns, case, t)` draws its inputs from the case, calls the named function and records
the raw results; the grader compares them with the reference run's, or judges them
(grading/grader/checks/matrix_calculus.py).
"""

LABELS = ("ok", "transposed", "wrong")


def _answer(ns, name, exercise):
    """The student's function, its bare NotImplementedError (the stub) named after the exercise."""
    function = ns[name]

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NotImplementedError as stub:
            raise NotImplementedError(str(stub) or f"exercise {exercise} ({name}): not implemented yet") from None

    return call


def jacobian(ns, case, t):
    """3.1: J = numerical_jacobian(f, x) for case["f"]: "tanh" (tanh(M x), M (m, n)), "matrix"
    (W v with W the input), "scalar" (sum(x^3)/3), "exp" (exp(5 x)); "unchanged" records the
    caller's x after the call instead."""
    np = t.np
    rng = np.random.default_rng(case["seed"])
    m, n = case["m"], case["n"]
    jac = _answer(ns, "numerical_jacobian", "3.1")
    kind = case["f"]
    if kind == "tanh":
        M = rng.standard_normal((m, n))
        f, x = (lambda v: np.tanh(M @ v)), rng.standard_normal(n)
    elif kind == "matrix":
        v = rng.standard_normal(n)
        f, x = (lambda W: W @ v), rng.standard_normal((m, n))
    elif kind == "scalar":
        f, x = (lambda v: np.sum(v**3) / 3), rng.standard_normal(n)
    elif kind == "exp":
        f, x = (lambda v: np.exp(5.0 * v)), rng.uniform(-0.5, 0.5, n)
        if t.reference:  # what forward differences give: the diagnosis recognises it
            t.ctx("forward", np.diag((np.exp(5.0 * (x + 1e-6)) - np.exp(5.0 * x)) / 1e-6))
    else:
        x = rng.standard_normal(n)
        t.ctx("x_before", x.copy())
        jac(np.sin, x)
        t.out("x_after", x)
        return
    t.out("J", jac(f, x.copy()))


def linear(ns, case, t):
    """3.2: linear_backward(A, W, b, dLdZ) -> dLdA, dLdW, dLdb; case: seed, N, C_in, C_out."""
    np = t.np
    rng = np.random.default_rng(case["seed"])
    N, C_in, C_out = case["N"], case["C_in"], case["C_out"]
    A, W = rng.standard_normal((N, C_in)), rng.standard_normal((C_out, C_in))
    b, G = rng.standard_normal(C_out), rng.standard_normal((N, C_out))
    if t.reference:  # the catalogue's names of exercise 3.2 (what typical mistakes give is computed from them)
        for name, value in (("A", A), ("W", W), ("G", G)):
            t.ctx(name, value)
    result = _answer(ns, "linear_backward", "3.2")(A.copy(), W.copy(), b.copy(), G.copy())
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise TypeError(f"linear_backward should return a tuple (dLdA, dLdW, dLdb), got {type(result).__name__}")
    for name, value in zip(("dLdA", "dLdW", "dLdb"), result):
        t.out(name, value)


def _loss(np, problem, p, d):
    """The three losses of the visible checks, in numpy: p the parameters, d the data."""
    if problem == "two_layer":
        H = np.tanh(d["X"] @ p["W1"].T + p["b1"])
        return 0.5 * ((H @ p["W2"].T - d["Y"]) ** 2).sum()
    if problem == "bilinear":
        return (
            (np.tanh(d["U"] @ p["M"] @ d["V"].T) * d["C"]).sum()
            + (d["U"] @ p["P"] * d["D"]).sum()
            + ((d["U"] @ p["c"]) ** 2).sum()
        )
    return (
        0.5 * ((d["S"] @ p["Q"] - d["T"]) ** 2).sum()
        + (p["Q"] @ d["R"]).trace()
        + (np.tanh(p["K"]) @ d["E"]).sum()
        + 0.5 * ((d["S"] @ p["B"] - d["F"]) ** 2).sum()
    )


def diagnose(ns, case, t):
    """3.3: diagnose_gradients(loss, params, claimed) -> {name: label}; "labels" holds each
    parameter's label as 0 ok, 1 transposed, 2 wrong, -1 another answer, -2 none (case order).

    case: problem, seed, data and params {name: shape}, claims {name: [label, variant]}: the
    claim is the true gradient (central differences), its transpose, or a slip (variant).
    """
    np = t.np
    rng = np.random.default_rng(case["seed"])
    data = {k: rng.standard_normal(s) for k, s in case["data"].items()}
    params = {k: rng.standard_normal(s) for k, s in case["params"].items()}
    claimed = {}
    for name, (label, variant) in case["claims"].items():
        G = t.numgrad(lambda: _loss(np, case["problem"], params, data), params[name])
        slips = [-G, 2 * G, G / 4, G + rng.standard_normal(G.shape) * G.std(), -G.T, 0.5 * G.T, G[::-1].copy()]
        claimed[name] = {"ok": G, "transposed": G.T.copy(), "wrong": slips[variant]}[label]
    labels = _answer(ns, "diagnose_gradients", "3.3")(
        lambda p: float(_loss(np, case["problem"], p, data)),
        {k: v.copy() for k, v in params.items()},
        {k: v.copy() for k, v in claimed.items()},
    )
    if not isinstance(labels, dict):
        raise TypeError(
            f"diagnose_gradients should return a dict {{parameter name: label}}, got {type(labels).__name__}"
        )
    t.out(
        "labels",
        [LABELS.index(labels[k]) if labels.get(k) in LABELS else -1 if k in labels else -2 for k in case["claims"]],
    )
