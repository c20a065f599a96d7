"""Visible checks of chapter 2 (perceptron_learning).

    check("perceptron_learning.perceptron", answer=perceptron)                        # exercise 2.1
    check("perceptron_learning.logistic_gradient", answer=logistic_loss_and_grad)     # exercise 2.2
    check("perceptron_learning.logistic_training", answer=train_logistic_regression)  # exercise 2.3
"""
import signal
import threading
from contextlib import contextmanager

import numpy as np

from .report import Mismatch, answers, cause_text, compare, run_check

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([-1.0, 1.0, 1.0, -1.0])


@contextmanager
def time_limit(seconds, what):
    """Stop the student's code after `seconds` with a diagnosis (where SIGALRM exists, i.e. not
    on Windows, and only in the main thread; elsewhere the code simply runs)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise Mismatch(f"{what} was still running after {seconds} s. {cause_text('perceptron_unbounded')}")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def separable_data(seed, n=60, dim=2, margin=0.3):
    """Points in [-3, 3]^dim labelled +-1 by a plane that misses the origin, none closer than
    `margin` to it. -> X (n, dim), y (n,), w_true (dim,), b_true."""
    rng = np.random.default_rng(seed)
    w_true = rng.standard_normal(dim)
    w_true /= np.linalg.norm(w_true)
    b_true = rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 2.0)
    X = np.empty((0, dim))
    while len(X) < n:
        candidates = rng.uniform(-3, 3, (4 * n, dim))
        keep = np.abs(candidates @ w_true + b_true) >= margin
        X = np.vstack([X, candidates[keep]])
    X = X[:n]
    y = np.sign(X @ w_true + b_true)
    if abs(y.sum()) == n:  # every point on one side would not need learning at all
        X[0] = -(b_true + np.sign(y[0]) * 1.0) * w_true
        y[0] = -y[0]
    return X, y, w_true, b_true


def _unpack_perceptron(result, dim):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise Mismatch("perceptron should return a tuple (w, b, converged)")
    w, b, converged = result
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (dim,):
        raise Mismatch(f"w should have shape ({dim},), one weight per feature, got {w.shape}")
    b = np.asarray(b, dtype=np.float64)
    if b.size != 1:
        raise Mismatch(f"b is one number (the bias), got shape {b.shape}")
    if not isinstance(converged, (bool, np.bool_)):
        raise Mismatch(f"converged should be True or False, got {converged!r}")
    return w, float(b.reshape(())), bool(converged)


def perceptron_checks(answer, seed=0):
    """Exercise 2.1: perceptron(X, y, max_epochs) -> (w (D,), b, converged).

    On linearly separable data it must report convergence with a boundary that puts every point
    strictly on its own side; on XOR it must stop within max_epochs passes and report failure.
    """
    dim = 2 if seed == 0 else int(np.random.default_rng(seed).integers(2, 5))
    X, y, _, _ = separable_data(seed, dim=dim)

    def separable():
        with time_limit(10, "perceptron on separable data"):
            w, b, converged = _unpack_perceptron(answer(X.copy(), y.copy(), max_epochs=1000), dim)
        scores = y * (X @ w + b)
        wrong = int(np.sum(scores <= 0))
        if not np.any(w) and b == 0:
            raise Mismatch(f"w and b are still all zero. {cause_text('perceptron_strict')}")
        if wrong:
            cause = f" {cause_text('perceptron_no_bias')}" if b == 0 else ""
            raise Mismatch(f"the final boundary gets {wrong} of {len(y)} points wrong (or on the line) "
                           f"although the data are separable.{cause}")
        if not converged:
            raise Mismatch(f"every point is right, yet converged is False. {cause_text('perceptron_flag')}")

    def xor():
        with time_limit(2, "perceptron on XOR"):
            w, b, converged = _unpack_perceptron(answer(XOR_X.copy(), XOR_Y.copy(), max_epochs=50), 2)
        if converged:
            wrong = int(np.sum(XOR_Y * (XOR_X @ w + b) <= 0))
            raise Mismatch(f"converged is True on XOR, but no line separates XOR (this boundary gets "
                           f"{wrong} of 4 points wrong). {cause_text('perceptron_flag')}")

    def one_epoch():
        with time_limit(2, "perceptron with max_epochs=1"):
            _, _, converged = _unpack_perceptron(answer(XOR_X.copy(), XOR_Y.copy(), max_epochs=1), 2)
        if converged:
            raise Mismatch(f"with max_epochs=1 on XOR, converged must be False. {cause_text('perceptron_flag')}")

    return [run_check(f"perceptron converges and separates ({dim}-D separable data)", separable),
            run_check("perceptron stops on XOR and reports no convergence", xor),
            run_check("perceptron respects max_epochs=1", one_epoch)]


def _logistic_case(seed):
    rng = np.random.default_rng(seed)
    N, D = (8, 3) if seed == 0 else tuple(int(n) for n in rng.integers(2, 12, 2))
    X = rng.standard_normal((N, D))
    y = rng.integers(0, 2, N).astype(np.float64)
    w = rng.standard_normal(D)
    b = float(rng.standard_normal())
    return X, y, w, b


def _torch_logistic(X, y, w, b):
    import torch  # imported late: only this check pays its start-up time
    w_t = torch.tensor(w, requires_grad=True)
    b_t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    z = torch.from_numpy(X) @ w_t + b_t
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.from_numpy(y))
    loss.backward()
    return loss.item(), w_t.grad.numpy(), b_t.grad.item()


def _unpack_logistic(result):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise Mismatch("logistic_loss_and_grad should return a tuple (loss, dw, db)")
    loss, dw, db = result
    return (np.asarray(loss, dtype=np.float64), np.asarray(dw, dtype=np.float64),
            np.asarray(db, dtype=np.float64))


def logistic_gradient_checks(answer, seed=0):
    """Exercise 2.2: mean binary cross-entropy of sigmoid(X w + b) and its gradient, against
    torch's binary_cross_entropy_with_logits and autograd; also finite for logits near 1e3."""
    X, y, w, b = _logistic_case(seed)
    expected_loss, expected_dw, expected_db = _torch_logistic(X, y, w, b)
    N = len(y)

    def loss_value():
        loss, _, _ = _unpack_logistic(answer(w.copy(), b, X.copy(), y.copy()))
        if loss.size != 1:
            raise Mismatch(f"the loss is one number (the mean over samples), got shape {loss.shape}")
        compare("loss", np.array(expected_loss), loss.reshape(()), rtol=1e-6, atol=1e-9)

    def gradient():
        _, dw, db = _unpack_logistic(answer(w.copy(), b, X.copy(), y.copy()))
        z = X @ w + b
        names = dict(X=X, y=y, w=w, b=b, N=N, z=z, s=0.5 * (1 + np.tanh(z / 2)))
        compare("dw", expected_dw, dw, rtol=1e-6, atol=1e-9, candidates=answers("2.2", "dw", **names))
        if db.size != 1:
            raise Mismatch(f"db is one number, got shape {db.shape}")
        compare("db", np.array(expected_db), db.reshape(()), rtol=1e-6, atol=1e-9)

    def large_logits():
        scale = 1e3
        big_loss, big_dw, big_db = _torch_logistic(X * scale, y, w, b)
        with np.errstate(all="ignore"):  # the check reports overflow itself, as a non-finite value
            loss, dw, db = _unpack_logistic(answer(w.copy(), b, X.copy() * scale, y.copy()))
        if not np.all(np.isfinite(loss)) or not np.all(np.isfinite(dw)):
            raise Mismatch(f"not finite for logits around 1e3. {cause_text('unstable_logistic')}")
        compare("loss (logits ~ 1e3)", np.array(big_loss), loss.reshape(()), rtol=1e-6, atol=1e-6)
        compare("dw (logits ~ 1e3)", big_dw, dw, rtol=1e-6, atol=1e-6)

    return [run_check("logistic loss value", loss_value),
            run_check("logistic gradient dw, db (against torch autograd)", gradient),
            run_check("logistic loss stays finite for large logits", large_logits)]


def real_data(seed):
    """A real binary problem, split 70/30 by `seed` and standardized with the training statistics.

    Even seeds: scikit-learn's breast cancer set (569 x 30); odd seeds: its digits, 0 against 1
    (360 x 64). -> X_train, y_train, X_test, y_test, name; labels are 0/1 floats.
    """
    from sklearn.datasets import load_breast_cancer, load_digits
    if seed % 2 == 0:
        X, y = load_breast_cancer(return_X_y=True)
        name = "breast cancer"
    else:
        X, y = load_digits(return_X_y=True)
        keep = y <= 1
        X, y = X[keep], y[keep]
        name = "digits 0 vs 1"
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.7 * len(y))
    train, test = order[:cut], order[cut:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1.0  # constant pixels stay constant instead of dividing by zero
    scale = lambda A: (A - mean) / std
    return scale(X[train]), y[train].astype(np.float64), scale(X[test]), y[test].astype(np.float64), name


def logistic_training_checks(answer, seed=0, lr=0.1, n_steps=300):
    """Exercise 2.3: train_logistic_regression(X, y, lr, n_steps) -> (w, b, losses).

    The loss must go down, and predicting 1 where X w + b > 0 must reach 95% accuracy on the
    held-out 30% (breast cancer; digits 0 vs 1 for odd seeds).
    """
    X_train, y_train, X_test, y_test, name = real_data(seed)
    state = {}

    def trains():
        result = answer(X_train.copy(), y_train.copy(), lr=lr, n_steps=n_steps)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise Mismatch("train_logistic_regression should return a tuple (w, b, losses)")
        w, b, losses = (np.asarray(part, dtype=np.float64) for part in result)
        if w.shape != (X_train.shape[1],):
            raise Mismatch(f"w should have shape ({X_train.shape[1]},), got {w.shape}")
        if losses.shape != (n_steps,):
            raise Mismatch(f"losses should hold one value per step, shape ({n_steps},), got {losses.shape}")
        if not np.all(np.isfinite(losses)):
            raise Mismatch("some losses are not finite: is the step size too large, or the loss unstable?")
        if not losses[-1] < 0.5 * losses[0]:
            rising = f" {cause_text('gradient_ascent')}" if losses[-1] > losses[0] else ""
            raise Mismatch(f"the loss went from {losses[0]:.4g} to {losses[-1]:.4g} in {n_steps} steps; "
                           f"it should at least halve.{rising}")
        state["w"], state["b"] = w, float(b.reshape(()))

    def accuracy():
        if "w" not in state:
            raise Mismatch("training failed (see above)")
        predicted = (X_test @ state["w"] + state["b"] > 0).astype(np.float64)
        acc = float(np.mean(predicted == y_test))
        if acc < 0.95:
            cause = "labels_swapped" if acc < 0.5 else "logistic_not_learnt"
            raise Mismatch(f"test accuracy {acc:.3f}, needs 0.95. {cause_text(cause)}")

    return [run_check(f"logistic regression trains on {name}", trains),
            run_check(f"logistic regression test accuracy >= 0.95 ({name})", accuracy)]


CHECKS = {
    "perceptron_learning.perceptron": perceptron_checks,
    "perceptron_learning.logistic_gradient": logistic_gradient_checks,
    "perceptron_learning.logistic_training": logistic_training_checks,
}
