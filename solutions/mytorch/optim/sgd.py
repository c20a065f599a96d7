"""Stochastic gradient descent with momentum, Nesterov and weight decay (chapter 5, exercise 5.2)."""
from .optimizer import Optimizer, check_nonnegative


class SGD(Optimizer):
    """theta <- theta - lr * d, where d is the gradient, optionally with weight decay and momentum.

    g = grad + weight_decay * theta;  buf = g at the first step, then
    buf = momentum * buf + (1 - dampening) * g;  d = g + momentum * buf (Nesterov) or buf.
    Same numbers as torch.optim.SGD.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        check_nonnegative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def update(self, param, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        """Return the new parameter. param, grad: same shape; state keeps "momentum_buffer"."""
        ### BEGIN SOLUTION | chapter 5 (optimization) | exercise 5.2 SGD | hint: add weight_decay * param to the gradient first; the momentum buffer starts as a copy of that gradient (no dampening on the first step)
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = grad.copy()
            else:
                state["momentum_buffer"] = momentum * state["momentum_buffer"] + (1 - dampening) * grad
            buf = state["momentum_buffer"]
            grad = grad + momentum * buf if nesterov else buf
        param -= lr * grad  # in place, so the step costs no extra copy of the weights
        return param
        ### END SOLUTION
