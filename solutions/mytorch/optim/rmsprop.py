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
        ### BEGIN SOLUTION | chapter 5 (optimization) | exercise 5.5 RMSprop | hint: every running average starts at zeros; eps is added after the square root; with momentum the buffer accumulates the scaled gradient g / (sqrt(v) + eps)
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(param)
            state["grad_avg"] = np.zeros_like(param)
            state["momentum_buffer"] = np.zeros_like(param)
        if weight_decay != 0:
            grad = grad + weight_decay * param
        state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * grad * grad
        if centered:
            state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * grad
            avg = np.sqrt(state["square_avg"] - state["grad_avg"] ** 2) + eps
        else:
            avg = np.sqrt(state["square_avg"]) + eps
        if momentum > 0:
            state["momentum_buffer"] = momentum * state["momentum_buffer"] + grad / avg
            return param - lr * state["momentum_buffer"]
        return param - lr * grad / avg
        ### END SOLUTION
