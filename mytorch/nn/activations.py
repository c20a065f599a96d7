# GENERATED from solutions/mytorch/nn/activations.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Activations: A = f(Z), applied element by element (Softmax: along the last axis).

Chapter 4 (backprop), exercises 4.2-4.8. Each layer keeps what its backward needs;
backward turns dL/dA into dL/dZ with the local derivative (for Softmax: its Jacobian).
"""
import math

import numpy as np
from scipy.special import erf

from ..errors import check_array, check_forward_done, check_same_shape
from .module import Module


def sigmoid(Z):
    """1 / (1 + exp(-Z)), with no warning for very negative Z. Sigmoid and Swish use it.

    Z: any shape -> same shape and dtype.
    """
    raise NotImplementedError("Chapter 4 (backprop), exercise 4.2 Sigmoid.forward: not implemented yet. Hint: exp(-Z) overflows to inf for Z = -1e4 although 1/(1+inf) = 0 is right; silence that warning with np.errstate(over=\"ignore\")")


class Activation(Module):
    """Shared plumbing of the activations: input checks and the forward cache.

    Subclasses write `_forward(Z)` and `_backward(dLdA)`; `self.Z` and `self.A` hold the
    last input and output.
    """

    def __init__(self):
        super().__init__()
        self.Z = None
        self.A = None

    def forward(self, Z):
        """Z: (N, C) (any shape) -> A: same shape. Stores Z and A for backward."""
        where = f"{type(self).__name__}.forward"
        check_array(where, "Z", Z)
        self.Z = Z
        self.A = self._forward(Z)
        return self.A

    def backward(self, dLdA):
        """dLdA: the shape of the forward output -> dLdZ: the same shape."""
        where = f"{type(self).__name__}.backward"
        check_forward_done(where, self.Z)
        check_same_shape(where, "dLdA", dLdA, self.A.shape)
        return self._backward(dLdA)


class Identity(Activation):
    """A = Z;  dLdZ = dLdA."""

    def _forward(self, Z):
        return Z

    def _backward(self, dLdA):
        return dLdA


class Sigmoid(Activation):
    """A = 1 / (1 + exp(-Z));  dA/dZ = A (1 - A)."""

    def _forward(self, Z):
        return sigmoid(Z)  # exercise 4.2: write the function sigmoid() at the top of this file

    def _backward(self, dLdA):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.2 Sigmoid.backward: not implemented yet. Hint: the derivative is A (1 - A), and A is stored in self.A")


class Tanh(Activation):
    """A = tanh(Z);  dA/dZ = 1 - A^2."""

    def _forward(self, Z):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.3 Tanh.forward: not implemented yet. Hint: numpy has tanh")

    def _backward(self, dLdA):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.3 Tanh.backward: not implemented yet. Hint: the derivative is 1 - A^2")


class ReLU(Activation):
    """A = max(Z, 0);  dA/dZ = 1 where Z > 0, else 0 (0 at Z = 0, as torch)."""

    def _forward(self, Z):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.4 ReLU.forward: not implemented yet. Hint: np.maximum works element by element and keeps the dtype")

    def _backward(self, dLdA):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.4 ReLU.backward: not implemented yet. Hint: the subgradient at Z = 0 is taken as 0; a boolean mask times dLdA keeps the dtype")


class LeakyReLU(Activation):
    """A = Z where Z > 0, else negative_slope * Z;  dA/dZ = 1 or negative_slope."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        # A Python float keeps float32 inputs float32 (a numpy float64 would promote them).
        self.negative_slope = float(negative_slope)

    def _forward(self, Z):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.5 LeakyReLU.forward: not implemented yet. Hint: split Z into its positive part and its negative part")

    def _backward(self, dLdA):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.5 LeakyReLU.backward: not implemented yet. Hint: a boolean mask times dLdA keeps the dtype; at Z = 0 torch uses the negative slope")

    def __repr__(self):
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class GELU(Activation):
    """A = Z Phi(Z), Phi the standard normal CDF = (1 + erf(Z / sqrt 2)) / 2;
    dA/dZ = Phi(Z) + Z phi(Z), phi(Z) = exp(-Z^2 / 2) / sqrt(2 pi)."""

    def _forward(self, Z):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.6 GELU.forward: not implemented yet. Hint: scipy.special.erf; use Python floats (math.sqrt) for constants so float32 stays float32")

    def _backward(self, dLdA):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.6 GELU.backward: not implemented yet. Hint: product rule on Z * Phi(Z); Phi' is the normal density")


class Swish(Activation):
    """A = Z sigmoid(beta Z), beta trainable of shape (1,) (torch's SiLU at beta = 1).

    With s = sigmoid(beta Z): dA/dZ = s + beta Z s (1 - s),  dA/dbeta = Z^2 s (1 - s).
    beta starts at the given value: nothing is random, so there is no `seed`.
    """

    parameter_names = ("beta",)

    def __init__(self, beta=1.0, dtype=np.float32):
        super().__init__()
        self.beta = np.full(1, beta, dtype=dtype)
        self.dLdbeta = None
        self.S = None

    def _forward(self, Z):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.7 Swish.forward: not implemented yet. Hint: keep s = sigmoid(beta Z) in self.S for backward; reuse a stable sigmoid")

    def _backward(self, dLdA):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.7 Swish.backward: not implemented yet. Hint: beta is shared by every element, so dLdbeta sums over all of them and has shape (1,)")

    def __repr__(self):
        return f"Swish(beta={self.beta[0]})"


class Softmax(Activation):
    """A_i = exp(Z_i) / sum_j exp(Z_j) along the last axis.

    backward: the vector-Jacobian product of each row's softmax Jacobian, in the O(C) form you
    derive in chapter 4, exercise 4.8 (a); Z, dLdA, dLdZ: (..., C).
    """

    def _forward(self, Z):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.8 Softmax.forward: not implemented yet. Hint: subtract the row maximum before exp: the result is the same and exp never overflows")

    def _backward(self, dLdA):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.8 Softmax.backward: not implemented yet. Hint: the product of the row Jacobian with the row of dLdA simplifies (exercise 4.8 (a)) to one element-wise product and one sum along the last axis (keepdims=True); never build the C x C matrix")
