"""Chapter 2 (perceptron_learning): its exercises and their typical mistakes (format: __init__.py)."""

EXERCISES = {
    "2.1": dict(
        title="perceptron",
        check="perceptron_learning.perceptron",
        causes={
            "perceptron_strict": "w and b still all zero after training",
            "perceptron_no_bias": "b still zero with points left wrong",
            "perceptron_flag": "converged disagrees with what the last pass did",
            "perceptron_unbounded": "still running on XOR after the time limit",
        },
    ),
    "2.2": dict(
        title="logistic_loss_and_grad",
        check="perceptron_learning.logistic_gradient",
        names="X: (N, D), y: (N,) labels 0/1, w: (D,), b, N, z: X w + b, s: sigmoid(z)",
        causes={
            "logistic_no_sigmoid": {"dw": "X.T @ (z - y) / N"},
            "missing_1_over_n": {"dw": "X.T @ (s - y)"},
            "unstable_logistic": "inf or NaN for logits near 1e3",
        },
    ),
    "2.3": dict(
        title="train_logistic_regression",
        check="perceptron_learning.logistic_training",
        causes={
            "gradient_ascent": "the loss rises",
            "logistic_not_learnt": "held-out accuracy below 95%",
            "labels_swapped": "held-out accuracy below one half",
        },
    ),
}

CAUSES = {
    "perceptron_strict": (
        "update only when the score is < 0",
        "with w = 0 every score is 0, and a point on the boundary is a mistake too: update when y (w.x + b) <= 0",
    ),
    "perceptron_no_bias": (
        "the bias never changes",
        "the boundary is stuck through the origin, but the data need an offset: update b += y_n with w",
    ),
    "perceptron_flag": (
        "wrong convergence flag",
        "converged is True only after a full pass over the data with no mistake, and False when "
        "max_epochs passes end with mistakes left",
    ),
    "perceptron_unbounded": (
        "the loop ignores max_epochs",
        "no line separates XOR, so mistakes never run out: stop after max_epochs passes over the data "
        "even when mistakes remain, and return converged=False",
    ),
    "logistic_no_sigmoid": ("sigmoid missing from the gradient", "dL/dz = sigmoid(z) - y, not z - y"),
    "unstable_logistic": (
        "unstable logistic loss",
        "log(sigmoid(z)) underflows to log(0) for large |z|: write the loss as logaddexp(0, z) - y z and "
        "the sigmoid without exp(-z)",
    ),
    "gradient_ascent": (
        "a step along the gradient",
        "gradient descent moves against the gradient: w = w - lr * dw, b = b - lr * db",
    ),
    "logistic_not_learnt": (
        "the classifier did not learn",
        "predict 1 where X w + b > 0, check the gradient (2.2), and step against it: w -= lr * dw",
    ),
}
