"""Checks of chapter 1 (universal_approximation): exercise 1.3, the RBF layer.

Exercises 1.1 and 1.2 live in the chapter notebook; their checks go here as notebook checks
(`Check(..., target="universal_approximation.ipynb")`, see grading/notebook.py).
"""
from . import CASES_DIR
from .backprop import layer_cases, layer_checks


def rbf_cases():
    """(N, in) with K centers; gamma is a constructor argument, so also not 1."""
    cases = layer_cases("RBF", [(4, 2), (3, 3), (1, 2), (5, 1)], ("Phi", "dLdA"), pscale=0.8)
    for case, K, gamma in zip(cases, [3, 4, 2, 3], [1.0, 0.5, 2.0, 1.5]):
        case.update(args=[case["shape"][1], K], kwargs={"gamma": gamma},
                    params={"centers": [K, case["shape"][1]]}, out=[case["shape"][0], K])
    return cases


CHECKS = layer_checks("universal_approximation", "rbf", "1.3", "RBF", rbf_cases(), ("Phi", "dLdA"),
                      params=("centers",), cases_file=CASES_DIR / "backprop.py")
