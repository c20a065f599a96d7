# GENERATED from solutions/mytorch/nn/rbf.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Radial basis function layer (chapter 1, exercise 1.3): one Gaussian bump per center."""
import numpy as np

from ..errors import check_array, check_forward_done, check_same_shape
from .module import Module


class RBF(Module):
    """Phi_nk = exp(-gamma ||a_n - c_k||^2): how close sample n is to center k.

    Parameters: centers (n_centers, in_features), drawn from U(-1, 1) (set them from the
    data for a better start). gamma is a fixed width, not trained.
    A: (N, in_features) -> Phi: (N, n_centers).
    """

    parameter_names = ("centers",)

    def __init__(self, in_features, n_centers, gamma=1.0, dtype=np.float32, seed=None):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.in_features, self.n_centers = in_features, n_centers
        self.gamma = float(gamma)  # a Python float keeps float32 inputs float32
        self.centers = rng.uniform(-1, 1, (n_centers, in_features)).astype(dtype)
        self.dLdcenters = None
        self.A = None
        self.Phi = None

    def forward(self, A):
        """Phi = exp(-gamma D), D_nk = ||a_n - c_k||^2.

        A: (N, in_features) -> Phi: (N, n_centers). Stores A and Phi for backward.
        """
        check_array("RBF.forward", "A", A, ndim=2, last_dim=self.in_features)
        raise NotImplementedError("Chapter 1 (universal_approximation), exercise 1.3 RBF.forward: not implemented yet. Hint: ||a - c||^2 = ||a||^2 - 2 a.c + ||c||^2 gives every pair with one matrix product; rounding can make it slightly negative")

    def backward(self, dLdPhi):
        """The chain rule through Phi and then D (chapter 1, section 1.7 and exercise 1.3 (a)).

        dLdPhi: (N, n_centers) -> dLdA: (N, in_features); sets dLdcenters (n_centers, in_features).
        """
        check_forward_done("RBF.backward", self.A)
        check_same_shape("RBF.backward", "dLdPhi", dLdPhi, self.Phi.shape)
        raise NotImplementedError("Chapter 1 (universal_approximation), exercise 1.3 RBF.backward: not implemented yet. Hint: first G = dL/dD; a_n reaches the loss through every D_nk of its row, c_k through every D_nk of its column; write each sum as a matrix product (exercise 1.3 (a))")

    def __repr__(self):
        return f"RBF(in_features={self.in_features}, n_centers={self.n_centers}, gamma={self.gamma})"
