"""Linear layer: Z = A W^T + b (chapter 4, exercise 4.1)."""
import numpy as np

from ..errors import check_array, check_forward_done, check_same_shape
from .module import Module


class Linear(Module):
    """Affine map of a batch of rows: Z = A @ W.T + b.

    Parameters: W (out_features, in_features), b (out_features,), both drawn from
    U(-1/sqrt(in_features), 1/sqrt(in_features)) as torch.nn.Linear does. With bias=False
    there is no bias at all, as in torch: b is None, parameters() holds only W, Z = A @ W.T,
    and backward leaves dLdb None.
    """

    parameter_names = ("W", "b")

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32, seed=None):
        super().__init__()
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.W = rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype)
        self.b = rng.uniform(-bound, bound, out_features).astype(dtype) if bias else None
        if not bias:
            self.parameter_names = ("W",)  # no b parameter: nothing for an optimizer to see
        self.dLdW = None
        self.dLdb = None
        self.A = None

    def forward(self, A):
        """Z = A W^T + b  (Z = A W^T when b is None: Linear(bias=False)).

        A: (N, in_features) -> Z: (N, out_features). Stores A for backward.
        """
        check_array("Linear.forward", "A", A, ndim=2, last_dim=self.in_features)
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.1 Linear.forward | hint: Z = A @ W.T + b (just A @ W.T when self.b is None); keep A, backward needs it
        self.A = A
        if self.b is None:
            return A @ self.W.T
        return A @ self.W.T + self.b
        ### END SOLUTION

    def backward(self, dLdZ):
        """The gradients of Z = A W^T + b that you derived in chapter 3 (exercise 3.2).

        dLdZ: (N, out_features) -> dLdA: (N, in_features); sets dLdW (out, in) and dLdb (out,)
        (dLdb stays None when b is None). Every gradient has the shape of its variable.
        """
        check_forward_done("Linear.backward", self.A)
        check_same_shape("Linear.backward", "dLdZ", dLdZ, (self.A.shape[0], self.out_features))
        ### BEGIN SOLUTION | chapter 4 (backprop) | exercise 4.1 Linear.backward | hint: every gradient has the shape of its variable; the batch is a sum over rows
        self.dLdW = dLdZ.T @ self.A
        self.dLdb = dLdZ.sum(axis=0) if self.b is not None else None
        return dLdZ @ self.W
        ### END SOLUTION

    def __repr__(self):
        bias = "" if self.b is not None else ", bias=False"
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}{bias})"
