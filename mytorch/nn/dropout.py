# GENERATED from solutions/mytorch/nn/dropout.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Dropout: zero random units while training, scale the rest (given complete)."""
import numpy as np

from ..errors import check_array, check_forward_done, check_same_shape
from .module import Module


class Dropout(Module):
    """Inverted dropout: in training A = Z * M / (1 - p) with M_ij ~ Bernoulli(1 - p);
    in eval A = Z. dLdZ = dLdA * M / (1 - p) (training) or dLdA (eval).

    The scaling keeps the expected value of every unit equal in training and eval, so
    nothing changes at test time. `seed` makes the masks reproducible.
    """

    def __init__(self, p=0.5, seed=None):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p is a probability and should lie in [0, 1], got {p}")
        self.p = float(p)
        self.rng = np.random.default_rng(seed)
        self.mask = None    # M / (1 - p) in Z's dtype; None when the last forward kept everything
        self.shape = None   # the shape of the last forward input: marks that forward ran

    def forward(self, Z):
        """Z: (N, C) (any shape) -> A: same shape. Stores the scaled mask for backward."""
        check_array("Dropout.forward", "Z", Z)
        self.shape = Z.shape
        if not self.training or self.p == 0:
            self.mask = None
            return Z
        keep = self.rng.random(Z.shape) >= self.p
        # p = 1 drops everything; torch then returns zeros rather than dividing by 0.
        scale = 0.0 if self.p == 1 else 1 / (1 - self.p)
        self.mask = keep.astype(Z.dtype) * scale
        return Z * self.mask

    def backward(self, dLdA):
        """dLdA: the shape of Z -> dLdZ: same shape."""
        check_forward_done("Dropout.backward", self.shape)
        check_same_shape("Dropout.backward", "dLdA", dLdA, self.shape)
        return dLdA if self.mask is None else dLdA * self.mask

    def __repr__(self):
        return f"Dropout(p={self.p})"
