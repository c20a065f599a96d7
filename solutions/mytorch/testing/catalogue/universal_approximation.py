"""Chapter 1 (universal_approximation): its exercises and their typical mistakes (format: __init__.py).

The notebook exercises have many right answers, so their mistakes are recognised from what the
returned network does (the sentences below); the RBF layer's from its values.
"""

EXERCISES = {
    "1.1": dict(
        title="truth_table_network",
        check="universal_approximation.truth_table",
        causes={
            "truth_table_flipped": "every output is the opposite of the table's",
            "truth_table_bit_order": "the outputs are the table's for the inputs read backwards",
            "truth_table_false_alarms": "every wrong output is a 1",
            "truth_table_misses": "every wrong output is a 0",
        },
    ),
    "1.2": dict(
        title="bump_network",
        check="universal_approximation.bump",
        causes={
            "bump_sign": "the network approximates -f",
            "bump_not_steep": "the largest |w| is below half the steepness asked for",
            "bump_half_ends": "the error is near x = 0 or 1 only",
            "bump_offset": "the error is the same everywhere",
        },
    ),
    "1.3": dict(
        title="RBF",
        check="universal_approximation.rbf",
        names=(
            "A: input (N, D), C: centers (K, D), gamma, G: upstream gradient dLdPhi (N, K), "
            "D2: squared distances ||a_n - c_k||^2 (N, K), Phi: exp(-gamma D2), GP: G * Phi"
        ),
        causes={
            "rbf_distance_not_squared": {"Phi": "np.exp(-gamma * np.sqrt(D2))"},
            "rbf_exponent_sign": {"Phi": "np.exp(gamma * D2)"},
            "rbf_gamma_missing": {"Phi": "np.exp(-D2)"},
            "rbf_factor_2_missing": {
                "dLdA": "-gamma * (A * GP.sum(axis=1, keepdims=True) - GP @ C)",
                "dLdcenters": "-gamma * (C * GP.sum(axis=0)[:, None] - GP.T @ A)",
            },
            "sign": {
                "dLdA": "2 * gamma * (A * GP.sum(axis=1, keepdims=True) - GP @ C)",
                "dLdcenters": "2 * gamma * (C * GP.sum(axis=0)[:, None] - GP.T @ A)",
            },
        },
    ),
    "1.4": dict(
        title="fit_rbf_classifier",
        check="universal_approximation.rbf_classifier",
        causes={
            "labels_swapped": "held-out accuracy below one half",
            "rbf_underfit": "held-out accuracy below 90%",
        },
    ),
    "1.5": dict(
        title="parity_network",
        check="universal_approximation.parity",
        causes={
            "parity_or": "the outputs are the OR of the inputs",
            "parity_flipped": "every output is the opposite of the parity",
            "parity_count": "inputs with the same number of ones get the same output, but a wrong one",
        },
    ),
    "1.6": dict(
        title="sawtooth_network",
        check="universal_approximation.sawtooth",
        causes={
            "tent_ramp": "the output is the ramp 2 relu(x) - 2 relu(x - 1/2) applied k times",
            "sawtooth_scaled": "the output is the sawtooth times a constant",
        },
    ),
}

CAUSES = {
    "truth_table_flipped": (
        "every output flipped",
        "the output unit is an OR of the row detectors: it fires when at least one hidden unit fires "
        "(weights +1, bias -0.5)",
    ),
    "truth_table_bit_order": (
        "inputs read in reverse order",
        "x_1 is the first column of the input, the most significant bit of the row number",
    ),
    "truth_table_false_alarms": (
        "a row detector fires on other rows",
        "weigh the row's 1-bits with +1, its 0-bits with -1, and give the unit bias -(number of 1-bits) + 0.5",
    ),
    "truth_table_misses": (
        "a true row is missed",
        "every true row needs a hidden unit that fires on it, and the output unit fires when ONE of them "
        "does (bias -0.5)",
    ),
    "bump_sign": (
        "bump sign flipped",
        "a bump is sigmoid(s(x - left)) - sigmoid(s(x - right)), with height f(midpoint)",
    ),
    "bump_not_steep": ("sigmoids not steep", "the sigmoids' slopes must be the steepness asked for: w = steepness"),
    "bump_half_ends": (
        "half-height bumps at the ends",
        "a sigmoid centred exactly on x = 0 (or 1) is only 1/2 there, so the first (last) bump reaches "
        "half its height: put the outer edges of the first and last bump outside [0, 1]",
    ),
    "bump_offset": ("constant offset", "the whole curve is shifted by a constant: check the output bias c"),
    "rbf_distance_not_squared": (
        "distance not squared",
        "Phi = exp(-gamma ||a - c||^2) uses the squared distance, not ||a - c||",
    ),
    "rbf_exponent_sign": (
        "exponent's sign",
        "Phi = exp(-gamma ||a - c||^2) is at most 1: the exponent is minus gamma times the squared distance",
    ),
    "rbf_gamma_missing": ("gamma missing", "the squared distance is multiplied by gamma in the exponent"),
    "rbf_factor_2_missing": (
        "factor 2 of the squared distance missing",
        "d||a - c||^2/da = 2 (a - c) and d||a - c||^2/dc = -2 (a - c)",
    ),
    "rbf_underfit": (
        "too few or too wide bumps",
        "try more centers, centers taken from the training points, or another gamma (too small: every "
        "bump covers everything; too large: each bump sees only its own point)",
    ),
    "parity_or": (
        "the network computes OR",
        "the output weights must alternate, +1, -1, +1, ..., so that the first s counting units add up to "
        "1 for odd s and to 0 for even s",
    ),
    "parity_flipped": (
        "every parity flipped",
        "with s inputs on, exactly units 1, ..., s must fire (unit k: weights 1, bias -k + 1/2), and the "
        "output bias is -1/2",
    ),
    "parity_count": (
        "wrong for some numbers of ones",
        "unit k must fire when at least k inputs are on (weights 1, bias -k + 1/2), and the output weights "
        "alternate +1, -1, +1 and so on",
    ),
    "tent_ramp": (
        "the tent's second unit is weighted -2",
        "that flattens the tent into a ramp that stops at 1; it must cancel the slope +2 and bend it down "
        "to -2, so its weight is -4",
    ),
    "sawtooth_scaled": (
        "the wrong height",
        "the output has the sawtooth's shape but not its height: one tent maps [0, 1] onto [0, 1] (peak 1 at x = 1/2)",
    ),
}
