"""Adagrad: per-coordinate step sizes from the sum of squared gradients (chapter 5, exercise 5.4)."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative


class Adagrad(Optimizer):
    """theta <- theta - clr * g / (sqrt(sum) + eps), with sum += g^2 accumulated over all steps.

    g = grad + weight_decay * theta;  clr = lr / (1 + (t - 1) * lr_decay) at step t = 1, 2, ...;
    sum starts at initial_accumulator_value. Same numbers as torch.optim.Adagrad.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10):
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def update(self, param, grad, state, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
        """Return the new parameter. param, grad: same shape; state keeps "step" and "sum"."""
        ### BEGIN SOLUTION | chapter 5 (optimization) | exercise 5.4 Adagrad | hint: count steps from 1; the decayed rate is lr / (1 + (step - 1) * lr_decay); eps goes outside the square root
        if "step" not in state:
            state["step"] = 0
            state["sum"] = np.full_like(param, initial_accumulator_value)
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param
        clr = lr / (1 + (state["step"] - 1) * lr_decay)
        state["sum"] = state["sum"] + grad * grad
        return param - clr * grad / (np.sqrt(state["sum"]) + eps)
        ### END SOLUTION
