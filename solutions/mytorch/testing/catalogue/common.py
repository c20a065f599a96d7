"""Mistakes of several chapters, recognised from the two arrays alone (no formula needed):
a transposed gradient, a flipped sign, a factor N, a missing bias. See __init__.py for the format."""

CAUSES = {
    "transposed": (
        "transposed gradient (layout)",
        "every gradient has the shape of its variable (denominator layout); "
        "for Z = A W^T + b that is dLdW = dLdZ^T A, shape (out, in), not A^T dLdZ",
    ),
    "batch_mean": (
        "batch mean instead of sum",
        "the loss already carries the 1/N: a parameter's gradient sums the contributions of every "
        "row (and of every element that shares the parameter), it does not average them",
    ),
    "missing_1_over_n": (
        "missing 1/N",
        "the loss is a mean (MSELoss: over all N*C elements; CrossEntropyLoss: over the N rows), "
        "so the loss and its gradient are divided by the number of terms averaged",
    ),
    "sign": (
        "sign flipped",
        "the result is the negative of the right one: check the sign "
        "of each term (and of the update: parameters move against the gradient)",
    ),
    "missing_bias": ("missing bias", "every row is off by the same vector: add the bias b"),
    "labels_swapped": (
        "labels swapped",
        "more than half of the held-out points are wrong, so the two classes are exchanged: predict 1 "
        "where the output is > 0 (targets 2y - 1)",
    ),
}
