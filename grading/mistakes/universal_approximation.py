"""The planted mistakes of chapter universal_approximation and its typical students (see __init__.py)."""

from .model import M, Typical, nb

MISTAKES = [
    M(
        "detector-ignores-zeros",
        "1.1 truth_table_network",
        "row detectors weigh the 0-bits 0, not -1",
        [nb("W1 = (2.0 * true_rows - 1.0).reshape(-1, n)", "W1 = true_rows.astype(float).reshape(-1, n)")],
        "truth_table",
        "truth_table_false_alarms",
    ),
    M(
        "bump-half-ends",
        "1.2 bump_network",
        "the outer bump edges sit on 0 and 1 (half-height ends)",
        [nb("edges[0], edges[-1] = -1.0, 2.0", "pass")],
        "bump",
        "bump_half_ends",
    ),
    M(
        "rbf-centers-sign",
        "1.3 RBF.backward",
        "dLdcenters with the sign of dLdA's derivative",
        [
            (
                "nn/rbf.py",
                "self.dLdcenters = 2 * (C * G.sum(axis=0)[:, None] - G.T @ A)",
                "self.dLdcenters = 2 * (G.T @ A - C * G.sum(axis=0)[:, None])",
            )
        ],
        "rbf.backward.dLdcenters",
        "sign",
    ),
    M(
        "rbf-labels-swapped",
        "1.4 fit_rbf_classifier",
        "predicts 1 where the output is < 0",
        [
            nb(
                "return (features(X_new) @ weights > 0).astype(int)",
                "return (features(X_new) @ weights < 0).astype(int)",
            )
        ],
        "rbf_classifier",
        "labels_swapped",
    ),
    M(
        "parity-same-sign",
        "1.5 parity_network",
        "output weights all +1: an OR of the counting units, not parity",
        [nb("w2 = (-1.0) ** (k + 1)", "w2 = np.ones(n)")],
        "parity",
        "parity_or",
    ),
    M(
        "tent-ramp",
        "1.6 sawtooth_network",
        "the tent's falling unit weighted -2: a ramp that stops at 1",
        [nb("fold = np.array([[2.0, -4.0]])", "fold = np.array([[2.0, -2.0]])")],
        "sawtooth",
        "tent_ramp",
    ),
    M(
        "rbf-no-factor-2",
        "1.3 RBF.backward",
        "dLdA without the 2 of d||a - c||^2/da",
        [
            (
                "nn/rbf.py",
                "return 2 * (A * G.sum(axis=1, keepdims=True) - G @ C)",
                "return A * G.sum(axis=1, keepdims=True) - G @ C",
            )
        ],
        "rbf.backward.dLdA",
        "rbf_factor_2_missing",
    ),
    M(
        "rbf-distance-not-squared",
        "1.3 RBF.forward",
        "Phi from the distance, not its square",
        [
            (
                "nn/rbf.py",
                "self.Phi = np.exp(-self.gamma * np.maximum(D, 0))",
                "self.Phi = np.exp(-self.gamma * np.sqrt(np.maximum(D, 0)))",
            )
        ],
        "rbf.forward",
        "rbf_distance_not_squared",
    ),
]

TYPICAL = [
    # 17 points. Lost: 1.1 -2 and 1.2 -2 (the values units of the first case), 1.3 -1 (dLdcenters and the
    # gradcheck, shapes right), 1.4 -1.33 (both cases' accuracy units), 1.5 -1 (the values units of n = 4, 7
    # and 9; n = 1 passes: one counting unit of weight +1 is parity), 1.6 -1.33 (the values units of every k)
    Typical(
        "universal_approximation-typical-a",
        "universal_approximation",
        (
            "detector-ignores-zeros",
            "bump-half-ends",
            "rbf-centers-sign",
            "rbf-labels-swapped",
            "parity-same-sign",
            "tent-ramp",
        ),
        7.84,
    ),
    # the RBF layer's other slips (at least three per library exercise). b: 1.3 -1.5 (dLdA, and the
    # gradient check where dLdA is compared); c: 1.3 -5 (a wrong forward: every check of the layer)
    Typical("universal_approximation-typical-b", "universal_approximation", ("rbf-no-factor-2",), 15.5),
    Typical("universal_approximation-typical-c", "universal_approximation", ("rbf-distance-not-squared",), 12.0),
]
