# GENERATED from solutions/mytorch/testing/catalogue/backprop.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Chapter 4 (backprop): its exercises and their typical mistakes (format: __init__.py).

The formulas of the activations (4.2 to 4.8) use Z, the input, A, the output, and G, the
upstream gradient dLdA, all of one shape.
"""

EXERCISES = {
    "4.1": dict(
        title="Linear",
        check="backprop.linear",
        names="A: input (N, in), W: (out, in), b: (out,), G: upstream gradient dLdZ (N, out), N: batch size",
        causes={
            "missing_bias": {"Z": "A @ W.T"},
            "bias_subtracted": {"Z": "A @ W.T - b"},
            "transposed": {"dLdW": "A.T @ G"},
            "batch_mean": {"dLdb": "G.mean(axis=0)", "dLdW": "G.T @ A / N"},
            "sign": {"dLdA": "-(G @ W)"},
        },
    ),
    "4.2": dict(
        title="Sigmoid",
        check="backprop.sigmoid",
        causes={
            "unstable_sigmoid": "a numpy warning, inf or NaN for inputs as large as 1e4",
            "derivative_at_input": {"dLdZ": "G * Z * (1 - Z)"},
            "activation_applied_twice": {"dLdZ": "G / (1 + np.exp(-A)) * (1 - 1 / (1 + np.exp(-A)))"},
            "no_upstream": {"dLdZ": "A * (1 - A)"},
        },
    ),
    "4.3": dict(
        title="Tanh",
        check="backprop.tanh",
        causes={
            "derivative_at_input": {"dLdZ": "G * (1 - Z * Z)"},
            "activation_applied_twice": {"dLdZ": "G * (1 - np.tanh(A) ** 2)"},
            "tanh_square_missing": {"dLdZ": "G * (1 - A)"},
            "no_upstream": {"dLdZ": "1 - A * A"},
        },
    ),
    "4.4": dict(
        title="ReLU",
        check="backprop.relu",
        causes={
            "sign": {"A": "np.maximum(-Z, 0)"},
            "derivative_at_kink": {"dLdZ": "G * (Z >= 0)"},
            "relu_output_not_mask": {"dLdZ": "G * np.maximum(Z, 0)"},
            "no_upstream": {"dLdZ": "(Z > 0) * 1.0"},
        },
    ),
    "4.5": dict(
        title="LeakyReLU",
        check="backprop.leaky_relu",
        names="slope: negative_slope (and Z, A, G as for every activation)",
        causes={
            "leaky_as_relu": {"A": "np.maximum(Z, 0)", "dLdZ": "G * (Z > 0)"},
            "derivative_at_kink": {"dLdZ": "G * np.where(Z >= 0, 1.0, slope)"},
            "no_upstream": {"dLdZ": "np.where(Z > 0, 1.0, slope)"},
        },
    ),
    "4.6": dict(
        title="GELU",
        check="backprop.gelu",
        causes={
            "gelu_tanh_approximation": {"A": "0.5 * Z * (1 + np.tanh(sqrt(2 / pi) * (Z + 0.044715 * Z**3)))"},
            "gelu_cdf_only": {"A": "0.5 * (1 + erf(Z / sqrt(2)))"},
            "missing_product_rule": {
                "dLdZ": "G * 0.5 * (1 + erf(Z / sqrt(2)))",  # Phi(Z) alone
            },
            "product_rule_first_term": {"dLdZ": "G * Z * np.exp(-Z * Z / 2) / sqrt(2 * pi)"},  # Z phi(Z) alone
            "no_upstream": {"dLdZ": "0.5 * (1 + erf(Z / sqrt(2))) + Z * np.exp(-Z * Z / 2) / sqrt(2 * pi)"},
        },
    ),
    "4.7": dict(
        title="Swish",
        check="backprop.swish",
        names="beta: (1,), S: sigmoid(beta Z) (and Z, A, G as for every activation)",
        causes={
            "swish_beta_missing": {"A": "Z / (1 + np.exp(-Z))", "dLdZ": "G * (S + Z * S * (1 - S))"},
            "missing_product_rule": {"dLdZ": "G * S"},
            "batch_mean": {"dLdbeta": "np.mean(G * Z * Z * S * (1 - S)) * np.ones(1)"},
            "sign": {"dLdbeta": "-np.sum(G * Z * Z * S * (1 - S)) * np.ones(1)"},
            "no_upstream": {"dLdZ": "S + beta * Z * S * (1 - S)"},
        },
    ),
    "4.8": dict(
        title="Softmax",
        check="backprop.softmax",
        causes={
            "unstable_softmax": "inf or NaN, or a numpy warning, for inputs as large as 1e4",
            "softmax_wrong_axis": {
                "A": "np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)",
                "dLdZ": "A * (G - np.sum(G * A, axis=0, keepdims=True))",
            },
            "softmax_diagonal": {"dLdZ": "G * A * (1 - A)"},
            "sign": {"dLdZ": "A * (np.sum(G * A, axis=-1, keepdims=True) - G)"},
            "no_upstream": {"dLdZ": "A * (1 - A)"},
        },
    ),
    "4.9": dict(
        title="MSELoss",
        check="backprop.mse_loss",
        names="A: predictions (N, C), Y: targets (N, C), N: rows",
        causes={
            "missing_1_over_n": {"loss": "np.sum((A - Y) ** 2)", "dLdA": "2 * (A - Y)"},
            "mean_over_rows_only": {"loss": "np.sum((A - Y) ** 2) / N", "dLdA": "2 * (A - Y) / N"},
            "mse_rmse": {"loss": "np.sqrt(np.mean((A - Y) ** 2))"},
            "square_factor_missing": {"dLdA": "(A - Y) / A.size"},
            "sign": {"dLdA": "2 * (Y - A) / A.size"},
        },
    ),
    "4.10": dict(
        title="CrossEntropyLoss",
        check="backprop.cross_entropy_loss",
        names="A: logits (N, C), T: target rows (one-hot rows for labels), P: softmax(A) by rows, N, C",
        causes={
            "unstable_log_softmax": "inf or NaN, or a numpy warning, for logits as large as 1e4",
            "missing_1_over_n": {"loss": "-np.sum(T * np.log(P))", "dLdA": "P - T"},
            "mean_over_classes": {"loss": "-np.sum(T * np.log(P)) / (N * C)", "dLdA": "(P - T) / (N * C)"},
            "sign": {"loss": "np.sum(T * np.log(P)) / N", "dLdA": "(T - P) / N"},
            "target_not_subtracted": {"dLdA": "P / N"},
        },
    ),
    "4.11": dict(
        title="Sequential",
        check="backprop.sequential",
        names=(
            "G: upstream gradient, first_to_last: what backward returns when it visits the layers first "
            "to last, last_on_input: the last layer's output for the model's input"
        ),
        causes={
            "sequential_order": {"dLdin": "first_to_last"},
            "sequential_not_chained": {"dLdin": "G"},
            "sequential_forward_not_chained": {"out": "last_on_input"},
        },
    ),
    "4.12": dict(
        title="train_digits",
        check="backprop.train_digits",
        names="",
        causes={
            "digits_not_learnt": "held-out accuracy below 95%",
            "digits_diverged": "training stopped by a non-finite value",
        },
    ),
}

CAUSES = {
    "bias_subtracted": ("bias subtracted", "Z = A W^T + b: the bias is added, not subtracted"),
    "unstable_sigmoid": (
        "unstable sigmoid",
        "exp(-Z) overflows to inf for Z around -1e4; 1 / (1 + inf) = 0 is then the right value, so only "
        'the warning is wrong: silence it with np.errstate(over="ignore")',
    ),
    "derivative_at_input": (
        "derivative at the input instead of the output",
        "the derivative is written with the activation's OUTPUT A, stored in self.A "
        "(sigmoid: A (1 - A), tanh: 1 - A^2); the input Z was plugged in instead",
    ),
    "activation_applied_twice": (
        "activation applied twice",
        "self.A already holds the activation's output: the derivative uses A itself "
        "(sigmoid: A (1 - A), tanh: 1 - A^2), not the activation of A",
    ),
    "tanh_square_missing": ("square missing", "tanh's derivative is 1 - A^2, not 1 - A"),
    "no_upstream": (
        "upstream gradient not multiplied",
        "chain rule: dLdZ = dLdA * dA/dZ; the local derivative dA/dZ alone was returned",
    ),
    "derivative_at_kink": (
        "derivative at the kink Z = 0",
        "at exactly Z = 0 torch (and this course) takes the derivative of the negative side "
        "(ReLU: 0, LeakyReLU: negative_slope): the slope-1 part is where Z > 0, not Z >= 0",
    ),
    "relu_output_not_mask": (
        "ReLU's output in place of its derivative",
        "dA/dZ is the 0/1 mask (Z > 0), not the output max(Z, 0)",
    ),
    "leaky_as_relu": (
        "negative slope left out",
        "LeakyReLU keeps negative_slope * Z where Z <= 0, and its derivative there is negative_slope, not 0",
    ),
    "gelu_tanh_approximation": (
        "tanh approximation of GELU",
        "the exercise asks for the exact form Z Phi(Z), Phi(Z) = (1 + erf(Z / sqrt 2)) / 2, "
        "not 0.5 Z (1 + tanh(sqrt(2/pi) (Z + 0.044715 Z^3)))",
    ),
    "gelu_cdf_only": ("Phi(Z) alone", "GELU is Z * Phi(Z), the input times the normal CDF"),
    "missing_product_rule": (
        "product rule missing",
        "the activation is Z times a function of Z, so its derivative has two terms "
        "(GELU: Phi(Z) + Z phi(Z); Swish: s + beta Z s (1 - s)); the second one is missing",
    ),
    "product_rule_first_term": (
        "product rule's first term missing",
        "d(Z Phi(Z))/dZ = Phi(Z) + Z phi(Z): the Phi(Z) term is missing",
    ),
    "swish_beta_missing": (
        "beta missing",
        "Swish is A = Z sigmoid(beta Z), and beta appears in its derivative too: s + beta Z s (1 - s)",
    ),
    "unstable_softmax": (
        "unstable softmax",
        "exp overflows for inputs around 1e4 and gives inf / inf = NaN: subtract each row's maximum "
        "before exp (softmax(Z - m) = softmax(Z), and exp never overflows)",
    ),
    "softmax_wrong_axis": (
        "softmax over the wrong axis",
        "softmax and the sum in its backward run along the last axis (each row sums to 1), not over the batch",
    ),
    "softmax_diagonal": (
        "softmax Jacobian's diagonal only",
        "every output of softmax depends on every input of its row, so its Jacobian has off-diagonal "
        "terms: dLdA * A * (1 - A) keeps only the diagonal (redo exercise 4.8 (a))",
    ),
    "mean_over_rows_only": (
        "divided by N only",
        "MSELoss averages over all N*C elements: divide by A.size, not by the number of rows",
    ),
    "mse_rmse": ("root of the mean", "MSELoss is the mean of the squared errors, with no square root"),
    "square_factor_missing": ("factor 2 missing", "the derivative of (A - Y)^2 is 2 (A - Y)"),
    "unstable_log_softmax": (
        "unstable log softmax",
        "log(softmax(A)) is -inf where the softmax underflowed to 0: compute the log softmax directly, "
        "A - m - log(sum(exp(A - m))) with m the row maximum",
    ),
    "mean_over_classes": (
        "divided by N*C",
        "CrossEntropyLoss averages over the N rows only: each row's loss already sums over its classes",
    ),
    "target_not_subtracted": (
        "target term missing",
        "the -a_c term of log softmax(a)_c has a derivative too: dLdA = (softmax(A) - Y) / N (exercise 4.10 (a))",
    ),
    "sequential_order": (
        "Sequential's backward in the wrong order",
        "the chain rule runs from the loss back to the input: backward visits the layers last to first",
    ),
    "sequential_not_chained": (
        "gradients not passed on",
        "each layer's backward gets what the layer after it returned: dLdout = layer.backward(dLdout), "
        "and the last value is returned",
    ),
    "sequential_forward_not_chained": (
        "outputs not passed on",
        "forward feeds each layer's output to the next layer and returns the last one",
    ),
    "digits_diverged": (
        "the training diverged",
        "the loss grew until it overflowed: each step must go against the gradient (p.data -= lr * p.grad), "
        "with a learning rate small enough that the loss falls",
    ),
    "digits_not_learnt": (
        "the model did not learn",
        "a learning rate too small (the loss barely falls) or too large (it jumps or turns NaN), "
        "too few epochs, no hidden layer, or a step with the wrong sign (p.data -= lr * p.grad)",
    ),
}
