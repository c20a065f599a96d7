# GENERATED from solutions/mytorch/optim/adam.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Adam and AdamW: bias-corrected running moments of the gradient (chapter 5, exercises 5.6, 5.7)."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative


class Adam(Optimizer):
    """theta <- theta - lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t).

    g = grad + weight_decay * theta (L2 penalty, coupled to the moments);
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;
    amsgrad: use the running maximum of v in place of v. Same numbers as torch.optim.Adam.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        check_nonnegative(lr=lr, eps=eps)
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        check_nonnegative(weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def update(self, param, grad, state, lr, betas, eps, weight_decay, amsgrad):
        """Return the new parameter. param, grad: same shape; state keeps "step", "exp_avg" (m),
        "exp_avg_sq" (v) and, for amsgrad, "max_exp_avg_sq"."""
        raise NotImplementedError("Chapter 5 (optimization), exercise 5.6 Adam: not implemented yet. Hint: count steps from 1; torch divides sqrt(v) by sqrt(1 - beta2^t) and then adds eps; amsgrad keeps the elementwise maximum of every v seen")


class AdamW(Adam):
    """Adam with decoupled weight decay: theta <- theta * (1 - lr * weight_decay), then an Adam
    step on the plain gradient (the decay never enters m or v). Same numbers as torch.optim.AdamW.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)

    def update(self, param, grad, state, lr, betas, eps, weight_decay, amsgrad):
        """Return the new parameter. param, grad: same shape; state: as Adam's."""
        raise NotImplementedError("Chapter 5 (optimization), exercise 5.7 AdamW: not implemented yet. Hint: shrink the parameter first, then reuse Adam's update with weight_decay=0")
