"""Chapter 3 (matrix_calculus): its exercises and their typical mistakes (format: __init__.py)."""

EXERCISES = {
    "3.1": dict(
        title="numerical_jacobian",
        check="matrix_calculus.numerical_jacobian",
        names="J: the Jacobian (f(x).size, x.size), forward: what forward differences give",
        causes={
            "jacobian_layout": {"J": "J.T"},
            "forward_differences": {"J": "forward"},
            "changes_input": "the caller's x differs after the call",
        },
    ),
    "3.2": dict(
        title="linear_backward",
        check="matrix_calculus.linear_backward",
        names="A: input (N, in), W: (out, in), G: upstream gradient dLdZ (N, out), N: batch size",
        causes={
            "transposed": {"dLdW": "A.T @ G"},
            "batch_mean": {"dLdb": "G.mean(axis=0)", "dLdW": "G.T @ A / N"},
            "sign": {"dLdA": "-(G @ W)"},
        },
    ),
    "3.3": dict(
        title="diagnose_gradients",
        check="matrix_calculus.spot_transposed",
        names="",
        causes={
            "shape_only_diagnosis": "'ok' for a claim that is the gradient's transpose",
            "wrong_claim_accepted": "'ok' or 'transposed' for a claim that is neither",
            "right_claim_rejected": "'wrong' for the gradient or its transpose, or 'transposed' for the gradient",
        },
    ),
}

CAUSES = {
    "jacobian_layout": (
        "denominator layout",
        "the Jacobian asked for is in numerator layout: one row per output, J[i, j] = d f_i / d x_j, "
        "shape (f(x).size, x.size)",
    ),
    "forward_differences": (
        "forward differences",
        "(f(x + eps) - f(x)) / eps is off by about eps f''/2; "
        "central differences (f(x + eps) - f(x - eps)) / (2 eps) are off by about eps^2",
    ),
    "changes_input": ("the caller's x is changed", "work on a copy of x, or put every nudged entry back"),
    "shape_only_diagnosis": (
        "labels from shapes, not numbers",
        "a square gradient and its transpose have the same shape: compare the claim, and the claim's "
        "transpose, with a numerical gradient",
    ),
    "wrong_claim_accepted": (
        "a wrong claim accepted",
        "a claim that is neither the gradient nor its transpose (a sign, a factor or a row is off) is "
        "'wrong': a right shape is not a right gradient",
    ),
    "right_claim_rejected": (
        "a right claim rejected",
        "the numerical and the analytic gradient agree to about 1e-8 here: is a tolerance too tight, the "
        "numerical gradient off, or the transpose compared the wrong way?",
    ),
}
