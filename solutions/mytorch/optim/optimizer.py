"""Optimizer: the loop every update rule shares (given complete to students).

Hyper-parameters live in `param_groups`, a list of dicts as in torch.optim, so a learning-rate
scheduler (or you) can change them between steps: `optimizer.param_groups[0]["lr"] = 0.01`.
"""
import numpy as np


class Optimizer:
    """Base class: walks the parameters and applies `update` to each one that has a gradient.

    params: the list from `model.parameters()` (handles with `.data` and `.grad`), or a list of
    dicts `{"params": [...], "lr": ...}` to give groups of parameters their own settings.
    defaults: the hyper-parameters of the rule, e.g. {"lr": 0.1, "momentum": 0.9}.

    Subclasses write one method, `update(param, grad, state, **hyper)`, that returns the new
    value of one parameter (or changes `param` in place and returns it, which saves a copy). `state` is that parameter's own dict, kept between steps in
    `self.state[position]` (momentum buffers, step counts, ...).
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for group in groups:
            unknown = set(group) - set(self.defaults) - {"params"}
            if unknown:
                raise ValueError(f"{type(self).__name__}: unknown hyper-parameter(s) {sorted(unknown)} "
                                 f"in a parameter group; known: {sorted(self.defaults)}")
            self.param_groups.append({**self.defaults, **group, "params": list(group["params"])})
        self.state = {}

    def step(self, closure=None):
        """Update every parameter that has a gradient; parameters whose `.grad` is None are skipped.

        closure: optional function that recomputes and returns the loss (as in torch).
        """
        loss = closure() if closure is not None else None
        position = 0
        for group in self.param_groups:
            hyper = {name: group[name] for name in self.defaults}
            for p in group["params"]:
                if p.grad is not None:
                    param = p.data
                    grad = np.asarray(p.grad, dtype=param.dtype)
                    if grad.shape != param.shape:
                        raise ValueError(f"{type(self).__name__}.step: gradient of {p} has shape "
                                         f"{grad.shape}, expected the parameter's shape {param.shape}")
                    state = self.state.setdefault(position, {})
                    updated = self.update(param, grad, state, **hyper)
                    if updated is not param:  # an update that already wrote in place returns param itself
                        # Write in place: the layer keeps its array (and its dtype).
                        param[...] = updated
                position += 1
        return loss

    def update(self, param, grad, state, **hyper):
        """Return the new value of one parameter. param, grad: arrays of one shape."""
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (torch's default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad[...] = 0

    def __repr__(self):
        settings = ", ".join(f"{name}={value!r}" for name, value in self.defaults.items())
        return f"{type(self).__name__}({settings})"


def check_nonnegative(**hyper):
    """Raise ValueError, in torch's words, for the first hyper-parameter below zero."""
    for name, value in hyper.items():
        if value < 0:
            label = {"lr": "learning rate", "eps": "epsilon value"}.get(name, f"{name} value")
            raise ValueError(f"Invalid {label}: {value}")
