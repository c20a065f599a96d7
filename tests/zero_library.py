"""A "zero library": the reference mytorch whose every forward and backward returns zeros of the
right shape and dtype, and whose every optimizer or scheduler step does nothing (issue 14 item 7).

The shapes come from the reference itself, run on a copy of the layer, so the zero library gets
every shape and dtype right and none of the values; a consistent gradient check is free for it
(the finite differences of a zero forward are zero). The grader must give it (almost) nothing.
"""

from grader_helpers import make_submission

PATCH = """

# ---- zero library (tests/zero_library.py): right shapes, no computation
import copy as _copy
import inspect as _inspect

import numpy as _np

from . import nn as _nn, optim as _optim
from .nn.module import Module as _Module
from .optim import lr_scheduler as _lr_scheduler


def _zeros(value):
    if _np.ndim(value) == 0:
        return type(value)(0) if isinstance(value, (float, _np.floating)) else _np.zeros_like(value)
    return _np.zeros_like(_np.asarray(value))


def _zero_forward(original):
    def forward(self, *inputs):
        self._zero_inputs = inputs
        return _zeros(original(_copy.deepcopy(self), *inputs))  # the shape, from a throwaway copy
    return forward


def _zero_backward(self, *upstream):
    for name in self.parameter_names:
        setattr(self, "dLd" + name, _np.zeros_like(_np.asarray(getattr(self, name))))
    return _np.zeros_like(_np.asarray(self._zero_inputs[0]))


def _no_step(self, *args, **kwargs):
    return None


def _classes(*modules):
    seen = []
    for module in modules:
        for value in vars(module).values():
            if _inspect.isclass(value) and value.__module__.startswith(__name__) and value not in seen:
                seen.append(value)
    return seen


for _cls in _classes(_nn, *[m for m in vars(_nn).values() if _inspect.ismodule(m)]):
    if issubclass(_cls, _Module) and _cls is not _Module:
        if "forward" in vars(_cls):
            _cls.forward = _zero_forward(vars(_cls)["forward"])
        if "backward" in vars(_cls):
            _cls.backward = _zero_backward
for _cls in _classes(_optim, _lr_scheduler, *[m for m in vars(_optim).values() if _inspect.ismodule(m)]):
    if "step" in vars(_cls):
        _cls.step = _no_step
"""


def make_zero_library(folder):
    """folder/mytorch: the zero library (the reference with PATCH appended to its __init__)."""
    folder = make_submission(folder)
    init = folder / "mytorch" / "__init__.py"
    init.write_text(init.read_text() + PATCH)
    return folder
