"""The planted mistakes of chapter perceptron_learning and its typical students (see __init__.py)."""

from .model import M, Typical, nb

MISTAKES = [
    M(
        "perceptron-no-bias",
        "2.1 perceptron",
        "the bias is never updated",
        [nb("b = b + y_n", "b = b")],
        "perceptron.separable",
        "perceptron_no_bias",
    ),
    M(
        "perceptron-strict",
        "2.1 perceptron",
        "updates only when y (w.x + b) < 0 (never from w = 0)",
        [nb("if y_n * (x_n @ w + b) <= 0:", "if y_n * (x_n @ w + b) < 0:")],
        "perceptron.separable",
        "perceptron_strict",
    ),
    M(
        "perceptron-unbounded",
        "2.1 perceptron",
        "ignores max_epochs: loops until no mistake is left",
        [nb("for epoch in range(max_epochs):", "while True:")],
        "perceptron.xor",
        cause="perceptron_unbounded",
    ),
    M(
        "logistic-unstable",
        "2.2 logistic_loss_and_grad",
        "the loss as -log(sigmoid), which overflows",
        [
            nb(
                "loss = np.mean(np.logaddexp(0.0, z) - y * z)",
                "p = sigmoid(z)\n    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
            )
        ],
        "logistic_gradient.stable",
        "unstable_logistic",
    ),
    M(
        "logistic-no-sigmoid",
        "2.2 logistic_loss_and_grad",
        "dL/dz = z - y (the sigmoid forgotten)",
        [nb("error = (sigmoid(z) - y) / len(y)", "error = (z - y) / len(y)")],
        "logistic_gradient.gradient",
        "logistic_no_sigmoid",
        spoils=["logistic_training"],
    ),
    M(
        "logistic-ascent",
        "2.3 train_logistic_regression",
        "steps along the gradient",
        [nb("w = w - lr * dw", "w = w + lr * dw")],
        "logistic_training",
        "gradient_ascent",
    ),
    M(
        "logistic-sum",
        "2.2 logistic_loss_and_grad",
        "the gradient of the summed loss (no 1/N)",
        [nb("error = (sigmoid(z) - y) / len(y)", "error = sigmoid(z) - y")],
        "logistic_gradient.gradient",
        "missing_1_over_n",
        spoils=["logistic_training"],
    ),
]

TYPICAL = [
    # 10 points. a: 2.1 -1.83 (boundary, one-pass weights), 2.2 -0.12 (the stable case's loss), 2.3 -2.25
    Typical(
        "perceptron_learning-typical-a",
        "perceptron_learning",
        ("perceptron-no-bias", "logistic-unstable", "logistic-ascent"),
        5.67,
    ),
    # b: 2.1 -2.67 (never updates: boundary, XOR flag, one pass), 2.2 -0.87, 2.3 -2.25 (trains on 2.2's gradient)
    Typical("perceptron_learning-typical-b", "perceptron_learning", ("perceptron-strict", "logistic-no-sigmoid"), 3.33),
    # c: 2.1 -1.33 (XOR stopped after 3 s; one pass says converged)
    Typical("perceptron_learning-typical-c", "perceptron_learning", ("perceptron-unbounded",), 8.67),
    # d: 2.2's other slip, 2.2 -0.75 (the gradient's values in both cases); 2.3 trains with it and still passes
    Typical("perceptron_learning-typical-d", "perceptron_learning", ("logistic-sum",), 8.25),
]
