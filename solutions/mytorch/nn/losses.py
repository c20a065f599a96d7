"""Losses: a scalar from predictions A and targets Y (chapter 4, exercises 4.9 and 4.10).

`forward(A, Y)` returns the loss as a Python float and keeps what `backward()` needs;
`backward()` takes no upstream gradient (the loss is the end of the chain) and returns dLdA.
"""
import numpy as np

from ..errors import check_array, check_finite, check_forward_done
from .module import Module


class MSELoss(Module):
    """L = mean((A - Y)^2) over all N*C elements; backward returns dLdA.

    A: (N, C) predictions, Y: (N, C) targets (cast to A's dtype) -> float.
    """

    def __init__(self):
        super().__init__()
        self.diff = None

    def forward(self, A, Y):
        """A: (N, C), Y: (N, C) -> L: float. Stores A - Y for backward."""
        check_array("MSELoss.forward", "A", A)
        check_array("MSELoss.forward", "Y", Y)
        if Y.shape != A.shape:
            raise ValueError(f"MSELoss.forward: Y should have the shape of A, {A.shape}, got {Y.shape}")
        check_finite("MSELoss.forward", "A", A)
        check_finite("MSELoss.forward", "Y", Y)
        Y = Y.astype(A.dtype, copy=False)
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.9 MSELoss.forward | hint: keep A - Y for backward; the mean runs over every element, not only the batch
        self.diff = A - Y
        return float(np.mean(self.diff * self.diff))
        ### END SOLUTION

    def backward(self):
        """-> dLdA: (N, C), the shape of A."""
        check_forward_done("MSELoss.backward", self.diff)
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.9 MSELoss.backward | hint: the derivative of a mean divides by the number of elements
        return (2 / self.diff.size) * self.diff
        ### END SOLUTION


class CrossEntropyLoss(Module):
    """L = -(1/N) sum_n sum_c Y_nc log softmax(A_n)_c; backward returns dLdA, the gradient you
    derive in chapter 4, exercise 4.10 (a).

    A: (N, C) logits; Y: (N,) integer class labels (read as one-hot rows) or (N, C)
    probabilities (cast to A's dtype; a row need not sum to one) -> float.
    """

    def __init__(self):
        super().__init__()
        self.P = None
        self.Y = None

    def forward(self, A, Y):
        """A: (N, C), Y: (N,) or (N, C) -> L: float. Stores softmax(A) and Y for backward."""
        check_array("CrossEntropyLoss.forward", "A", A, ndim=2)
        check_finite("CrossEntropyLoss.forward", "A", A)
        Y = _targets("CrossEntropyLoss.forward", Y, A)
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.10 CrossEntropyLoss.forward | hint: log softmax = Z - m - log(sum exp(Z - m)) with m the row maximum never overflows; never take log of a softmax that may have underflowed to 0
        N = A.shape[0]
        shifted = A - A.max(axis=1, keepdims=True)
        E = np.exp(shifted)
        sums = E.sum(axis=1, keepdims=True)
        log_probs = shifted - np.log(sums)
        self.P = E / sums
        self.Y = Y
        if Y.ndim == 1:
            return float(-log_probs[np.arange(N), Y].sum() / N)
        return float(-np.sum(Y * log_probs) / N)
        ### END SOLUTION

    def backward(self):
        """-> dLdA: (N, C), the shape of A."""
        check_forward_done("CrossEntropyLoss.backward", self.P)
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.10 CrossEntropyLoss.backward | hint: differentiate the log-softmax of your forward for one row (exercise 4.10 (a)), for a target row that may not sum to one; the loss is a mean over the batch; labels are one-hot rows
        N = self.P.shape[0]
        if self.Y.ndim == 1:
            dLdA = self.P.copy()
            dLdA[np.arange(N), self.Y] -= 1
        else:
            dLdA = self.P * self.Y.sum(axis=1, keepdims=True) - self.Y
        return dLdA / N
        ### END SOLUTION


def _targets(where, Y, A):
    """Check the targets of a cross entropy: integer labels (N,) or probabilities (N, C)."""
    N, C = A.shape
    check_array(where, "Y", Y)
    if Y.ndim == 1:
        if Y.shape[0] != N:
            raise ValueError(f"{where}: Y should have shape ({N},) (one label per row of A) "
                             f"or ({N}, {C}), got {Y.shape}")
        if Y.dtype.kind not in "iu":
            raise ValueError(f"{where}: class labels Y of shape (N,) should be integers, "
                             f"got dtype {Y.dtype}; pass probabilities as shape ({N}, {C})")
        if Y.size and (Y.min() < 0 or Y.max() >= C):
            raise ValueError(f"{where}: class labels should lie in 0..{C - 1} (A has {C} "
                             f"columns), got values from {Y.min()} to {Y.max()}")
        return Y
    if Y.shape != A.shape:
        raise ValueError(f"{where}: Y should have shape ({N},) (labels) or {A.shape} "
                         f"(probabilities), got {Y.shape}")
    check_finite(where, "Y", Y)
    return Y.astype(A.dtype, copy=False)
