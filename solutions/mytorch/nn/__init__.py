"""mytorch.nn: layers, activations, losses and containers (twins of torch.nn)."""
from .module import Module, Parameter
from .linear import Linear

__all__ = ["Module", "Parameter", "Linear"]
