# GENERATED from solutions/mytorch/optim/__init__.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""mytorch.optim: optimizers and learning-rate schedulers (twins of torch.optim).

Every optimizer keeps its hyper-parameters in `optimizer.param_groups` (a list of dicts, as in
torch), so `optimizer.param_groups[0]["lr"]` reads or changes the learning rate.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Rprop", "lr_scheduler"]
