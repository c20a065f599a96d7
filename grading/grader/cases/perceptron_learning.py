"""Case programs of chapter 2's notebook exercises: 2.1 perceptron, 2.2 logistic loss and
gradient, 2.3 logistic regression training.

Runs INSIDE the sandbox on the namespace of the executed notebook (student's or reference's):
each `program(ns, case, t)` draws its data from the case, calls the named function and records
the raw results. Nothing here judges: convergence, separation and accuracy are decided by the
grader (grading/grader/checks/perceptron_learning.py) from these arrays and the reference run's
context (`t.ctx`).
"""

import signal


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
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = type(result).__name__ + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise TypeError(f"{what} should return a tuple ({', '.join(names)}), got {got}")
    for name, part in zip(names, result):
        t.out(name, part)


def separable_data(np, seed, n=60, dim=2, margin=0.3):
    """Points in [-3, 3]^dim labelled +-1 by a plane missing the origin, none nearer than margin."""
    rng = np.random.default_rng(seed)
    w_true = rng.standard_normal(dim)
    w_true /= np.linalg.norm(w_true)
    b_true = rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 2.0)
    X = np.empty((0, dim))
    while len(X) < n:
        candidates = rng.uniform(-3, 3, (4 * n, dim))
        X = np.vstack([X, candidates[np.abs(candidates @ w_true + b_true) >= margin]])
    X = X[:n]
    y = np.sign(X @ w_true + b_true)
    if abs(y.sum()) == n:  # every point on one side would need no learning
        X[0] = -(b_true + np.sign(y[0])) * w_true
        y[0] = -y[0]
    return X, y


class _Stop(Exception):
    pass


def perceptron(ns, case, t):
    """2.1: perceptron(X, y, max_epochs) -> w, b, converged on case["data"] ("separable" or
    "xor"); a run over case["seconds"] is stopped (the loop must end after max_epochs)."""
    np = t.np
    if case["data"] == "xor":
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        y = np.array([-1.0, 1.0, 1.0, -1.0])
    else:
        X, y = separable_data(np, case["seed"], dim=case["dim"])
    t.ctx("X", X)
    t.ctx("y", y)
    run = _answer(ns, "perceptron", "2.1")

    def stop(signum, frame):
        raise _Stop()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, case["seconds"])
    try:
        result = run(X.copy(), y.copy(), max_epochs=case["max_epochs"])
    except _Stop:
        raise TimeoutError(
            f"perceptron(max_epochs={case['max_epochs']}) was still running after {case['seconds']} s"
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    _parts(t, result, ("w", "b", "converged"), "perceptron")


def logistic(ns, case, t):
    """2.2: logistic_loss_and_grad(w, b, X, y) -> loss, dw, db; case: seed, N, D, scale of X."""
    np = t.np
    rng = np.random.default_rng(case["seed"])
    N, D = case["N"], case["D"]
    X = rng.standard_normal((N, D)) * case.get("scale", 1.0)
    y = rng.integers(0, 2, N).astype(np.float64)
    w = rng.standard_normal(D)
    b = float(rng.standard_normal())
    for name, value in (("X", X), ("y", y), ("w", w), ("b", b)):
        t.ctx(name, value)
    loss_and_grad = _answer(ns, "logistic_loss_and_grad", "2.2")
    _parts(t, loss_and_grad(w.copy(), b, X.copy(), y.copy()), ("loss", "dw", "db"), "logistic_loss_and_grad")


def training(ns, case, t):
    """2.3: train_logistic_regression(X, y, lr, n_steps) -> w, b, losses, on a real data set split
    70/30 by the seed and standardised (case["data"]: "breast_cancer" or "digits01")."""
    np = t.np
    from sklearn.datasets import load_breast_cancer, load_digits

    if case["data"] == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
    else:
        X, y = load_digits(return_X_y=True)
        X, y = X[y <= 1], y[y <= 1]
    order = np.random.default_rng(case["seed"]).permutation(len(y))
    train, test = order[: int(0.7 * len(y))], order[int(0.7 * len(y)) :]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1.0  # constant pixels stay constant
    X = (X - mean) / std
    y = y.astype(np.float64)
    t.ctx("X_test", X[test])
    t.ctx("y_test", y[test])
    fit = _answer(ns, "train_logistic_regression", "2.3")
    _parts(
        t,
        fit(X[train].copy(), y[train].copy(), lr=case["lr"], n_steps=case["n_steps"]),
        ("w", "b", "losses"),
        "train_logistic_regression",
    )
