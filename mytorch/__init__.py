# GENERATED from solutions/mytorch/__init__.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""mytorch: a small numpy deep-learning library that mirrors PyTorch's names and numbers.

Students build it chapter by chapter; see the course README for the map of exercises.
"""
from . import bridge, data, gradcheck, nn, optim

__all__ = ["nn", "optim", "data", "gradcheck", "bridge"]
__version__ = "0.1.0"
