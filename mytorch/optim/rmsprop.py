# GENERATED from solutions/mytorch/optim/rmsprop.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""RMSprop: divide by a running root-mean-square of the gradient (chapter 5, exercise 5.5)."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative


class RMSprop(Optimizer):
    """theta <- theta - lr * g / (sqrt(v) + eps), v = alpha * v + (1 - alpha) * g^2.

    g = grad + weight_decay * theta. centered: use the variance v - mean(g)^2 instead of v,
    with mean(g) a running average of g at the same rate. momentum > 0:
    buf = momentum * buf + g / (sqrt(v) + eps) and theta <- theta - lr * buf.
    Same numbers as torch.optim.RMSprop.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False):
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def update(self, param, grad, state, lr, alpha, eps, weight_decay, momentum, centered):
        """Return the new parameter. param, grad: same shape; state keeps "square_avg" and,
        when used, "grad_avg" and "momentum_buffer" (all start at zero)."""
        raise NotImplementedError("Chapter 5 (optimization), exercise 5.5 RMSprop: not implemented yet. Hint: every running average starts at zeros; eps is added after the square root; with momentum the buffer accumulates the scaled gradient g / (sqrt(v) + eps)")
