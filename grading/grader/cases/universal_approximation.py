"""Case programs of chapter 1's notebook exercises 1.1, 1.2, 1.4, 1.5 and 1.6 (1.3, the RBF layer, runs
from grading/grader/cases/backprop.py).

Runs INSIDE the sandbox on the namespace of the student's executed notebook (and, separately,
on the reference notebook's): each `program(ns, case, t)` calls the named function and records
the raw results with `t.out`. Nothing here judges: the grader evaluates the returned networks
and predictions itself (grading/grader/checks/universal_approximation.py). Inputs the grader needs
come from the reference run's `t.ctx`.
"""


def _answer(ns, name, exercise):
    """The student's function, its bare NotImplementedError (the stub) named after the exercise."""
    function = ns[name]

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NotImplementedError as stub:
            raise NotImplementedError(str(stub) or f"exercise {exercise} ({name}): not implemented yet") from None

    return call


def _parts(t, result, names, what):
    """Record each part of a returned tuple under its name (the grader checks the shapes)."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = type(result).__name__ + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise TypeError(f"{what} should return a tuple ({', '.join(names)}), got {got}")
    for name, part in zip(names, result):
        t.out(name, part)


def truth_table(ns, case, t):
    """1.1: truth_table_network(table) -> W1 (H, n), b1 (H,), w2 (H,), b2; case: table (2**n,)."""
    np = t.np
    table = np.array(case["table"])
    t.ctx("table", table)
    build = _answer(ns, "truth_table_network", "1.1")
    _parts(t, build(table.copy()), ("W1", "b1", "w2", "b2"), "truth_table_network")


def _target(np, case):
    """The function f of a bump case: the chapter's, cos, or a sum of sines given in the case."""
    if case["f"] == "chapter":
        return lambda x: 1.0 + 0.5 * np.sin(2 * np.pi * x) - 0.3 * x**2
    if case["f"] == "cos":
        return np.cos
    return lambda x: case["offset"] + sum(a * np.sin(2 * np.pi * k * x + p) for a, k, p in case["sines"])


def bump(ns, case, t):
    """1.2: bump_network(f, n_bumps, steepness) -> w (H,), b (H,), v (H,), c."""
    build = _answer(ns, "bump_network", "1.2")
    net = build(_target(t.np, case), case["n_bumps"], case["steepness"])
    _parts(t, net, ("w", "b", "v", "c"), "bump_network")


def rbf_classifier(ns, case, t):
    """1.4: fit_rbf_classifier(X, y) -> predict; "labels" = predict(X_test), judged by the grader.

    case: data "moons" or "circles", seed; 200 training points, 1000 held out.
    """
    np = t.np
    from sklearn.datasets import make_circles, make_moons

    if case["data"] == "moons":
        X, y = make_moons(1200, noise=0.2, random_state=case["seed"])
    else:
        X, y = make_circles(1200, noise=0.1, factor=0.5, random_state=case["seed"])
    t.ctx("y_test", y[200:])
    fit = _answer(ns, "fit_rbf_classifier", "1.4")
    predict = fit(X[:200].copy(), y[:200].copy())
    if not callable(predict):
        raise TypeError(f"fit_rbf_classifier should return a function predict(X), got {type(predict).__name__}")
    t.out("labels", predict(np.array(X[200:])))


def parity(ns, case, t):
    """1.5: parity_network(n) -> W1 (H, n), b1 (H,), w2 (H,), b2 with H <= n; case: n."""
    build = _answer(ns, "parity_network", "1.5")
    _parts(t, build(case["n"]), ("W1", "b1", "w2", "b2"), "parity_network")


def sawtooth(ns, case, t):
    """1.6: sawtooth_network(k) -> [(W1, b1), ..., (W_{k+1}, b_{k+1})]; case: k."""
    np = t.np
    build = _answer(ns, "sawtooth_network", "1.6")
    layers = build(case["k"])
    if (
        not isinstance(layers, (tuple, list))
        or not 0 < len(layers) <= 64
        or not all(isinstance(layer, (tuple, list)) and len(layer) == 2 for layer in layers)
    ):
        raise TypeError(
            f"sawtooth_network should return a list of (W, b) pairs (at most 64 layers), got {type(layers).__name__}"
        )
    t.out("depth", np.array(len(layers)))
    for i, (W, b) in enumerate(layers):
        t.out(f"W{i}", W)
        t.out(f"b{i}", b)
