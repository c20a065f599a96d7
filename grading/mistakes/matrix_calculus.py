"""The planted mistakes of chapter matrix_calculus and its typical students (see __init__.py)."""

from .model import M, Typical, nb

MISTAKES = [
    M(
        "jacobian-transposed",
        "3.1 numerical_jacobian",
        "returns the Jacobian in denominator layout",
        [nb("    return J\n", "    return J.T\n")],
        "numerical_jacobian.values",
        "jacobian_layout",
    ),
    M(
        "jacobian-forward-differences",
        "3.1 numerical_jacobian",
        "forward differences (f(x + eps) - f(x)) / eps",
        [
            nb("flat[j] = original - eps", "flat[j] = original"),
            nb("J[:, j] = (plus - minus) / (2 * eps)", "J[:, j] = (plus - minus) / eps"),
        ],
        "numerical_jacobian.central",
        "forward_differences",
    ),
    M(
        "linear-dLdW-transposed",
        "3.2 linear_backward",
        "dLdW = A^T dLdZ (numerator layout)",
        [nb("dLdW = dLdZ.T @ A", "dLdW = A.T @ dLdZ")],
        "linear_backward.dLdW",
        "transposed",
    ),
    M(
        "linear-dLdb-mean",
        "3.2 linear_backward",
        "dLdb averages the batch instead of summing it",
        [nb("dLdb = dLdZ.sum(axis=0)", "dLdb = dLdZ.mean(axis=0)")],
        "linear_backward.dLdb",
        "batch_mean",
    ),
    M(
        "spot-by-shape",
        "3.3 diagnose_gradients",
        "labels a gradient 'ok' when its shape fits",
        [
            nb(
                "if claim.shape == numeric.shape and np.allclose(claim, numeric, rtol=1e-4, atol=1e-6):",
                "if claim.shape == numeric.shape:",
            )
        ],
        "spot_transposed",
        "shape_only_diagnosis",
    ),
    M(
        "jacobian-changes-input",
        "3.1 numerical_jacobian",
        "nudges the caller's x in place and never puts it back",
        [
            nb("x = np.array(x, dtype=np.float64)  # a copy: the caller's x is never touched", "x = np.asarray(x)"),
            nb("        flat[j] = original\n        J[:, j]", "        J[:, j]"),
        ],
        "numerical_jacobian.unchanged",
        "changes_input",
    ),
    M(
        "linear-dLdA-sign",
        "3.2 linear_backward",
        "dLdA with a minus sign",
        [nb("dLdA = dLdZ @ W", "dLdA = -(dLdZ @ W)")],
        "linear_backward.dLdA",
        "sign",
    ),
    M(
        "spot-accepts-wrong",
        "3.3 diagnose_gradients",
        "labels 'transposed' every claim whose transpose has the gradient's shape",
        [
            nb(
                "elif claim.T.shape == numeric.shape and np.allclose(claim.T, numeric, rtol=1e-4, atol=1e-6):",
                "elif claim.T.shape == numeric.shape:",
            )
        ],
        "spot_transposed",
        "wrong_claim_accepted",
    ),
]

TYPICAL = [
    # 8 points. a: 3.1 -0.88, 3.2 -0.83 (dLdW values; square cases keep the shape unit), 3.3 -3 (every label)
    Typical(
        "matrix_calculus-typical-a",
        "matrix_calculus",
        ("jacobian-transposed", "linear-dLdW-transposed", "spot-by-shape"),
        3.0,
    ),
    # b: 3.1 -0.5 (half the accuracy check, values elsewhere close enough), 3.2 -0.5 (dLdb values)
    Typical("matrix_calculus-typical-b", "matrix_calculus", ("jacobian-forward-differences", "linear-dLdb-mean"), 6.0),
    # c: one more slip in each exercise (5 of the 8 points lost)
    Typical(
        "matrix_calculus-typical-c",
        "matrix_calculus",
        ("jacobian-changes-input", "linear-dLdA-sign", "spot-accepts-wrong"),
        3.0,
    ),
]
