"""Rprop: step sizes that grow while the gradient keeps its sign (chapter 5, exercise 5.3)."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative


class Rprop(Optimizer):
    """theta <- theta - sign(g) * step, one step size per coordinate, started at lr.

    s = sign(g * g_prev): s > 0 -> step *= etaplus; s < 0 -> step *= etaminus and this
    coordinate does not move (its g counts as 0, also as the next g_prev); s = 0 -> step
    unchanged. step is clipped to step_sizes = (min, max). Same numbers as torch.optim.Rprop.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
        check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes)))

    def update(self, param, grad, state, lr, etas, step_sizes):
        """Return the new parameter. param, grad: same shape; state keeps "prev" (the last
        gradient used, zeros at first) and "step_size" (filled with lr at the first step)."""
        ### BEGIN SOLUTION | chapter 5 (optimization) | exercise 5.3 Rprop | hint: the factor is etaplus, etaminus or 1 from sign(grad * prev); where the sign flipped set grad to 0 before moving and before storing it as prev
        etaminus, etaplus = etas
        if "step_size" not in state:
            state["prev"] = np.zeros_like(param)
            state["step_size"] = np.full_like(param, lr)
        sign = np.sign(grad * state["prev"])
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0)).astype(param.dtype)
        state["step_size"] = np.clip(state["step_size"] * factor, *step_sizes)
        grad = np.where(sign < 0, 0, grad)
        state["prev"] = grad
        return param - np.sign(grad) * state["step_size"]
        ### END SOLUTION
