# GENERATED from solutions/mytorch/errors.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Input checks shared by every layer: errors that say what was expected and what arrived."""
import numpy as np


def check_array(where, name, x, ndim=None, last_dim=None):
    """Raise a readable error unless `x` is a numpy array of the expected rank and width.

    where: "Linear.forward" and the like; name: the argument's name in the docstring;
    ndim: the expected number of axes; last_dim: the expected size of the last axis.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{where}: {name} should be a numpy array, got {type(x).__name__}")
    if (ndim is not None and x.ndim != ndim) or (last_dim is not None and x.shape[-1:] != (last_dim,)):
        raise ValueError(f"{where}: {name} should have shape {_describe(ndim, last_dim)}, got {x.shape}")


def check_same_shape(where, name, x, shape):
    """Raise unless `x.shape == shape` (used for upstream gradients in backward)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{where}: {name} should be a numpy array, got {type(x).__name__}")
    if x.shape != tuple(shape):
        raise ValueError(f"{where}: {name} should have shape {tuple(shape)} "
                         f"(the shape of the forward output), got {x.shape}")


def check_forward_done(where, cache):
    """Raise if backward is called before forward stored what it needs."""
    if cache is None:
        raise RuntimeError(f"{where}: call forward() before backward(); "
                           f"backward needs the values stored by the forward pass")


def check_finite(where, name, x):
    """Raise if `x` holds NaN or infinity, naming the first bad position."""
    if np.isfinite(x).all():
        return
    bad = ~np.isfinite(x)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{where}: {name} holds a non-finite value ({x[index]}) at index {index}; "
                         f"check the layer before the loss or lower the learning rate")


def _describe(ndim, last_dim):
    if ndim is None:
        return f"(..., {last_dim})"
    dims = ["N", "C", "H", "W"][:ndim] if ndim else []
    if last_dim is not None and dims:
        dims[-1] = str(last_dim)
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
