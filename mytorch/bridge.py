# GENERATED from solutions/mytorch/bridge.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Moving weights between mytorch and PyTorch (given complete; chapter 6 uses it).

    net = mytorch.bridge.from_torch(torch_sequential)   # a mytorch.nn.Sequential, same numbers
    twin = mytorch.bridge.to_torch(net)                 # and back

Supported layers: Linear, BatchNorm1d (with its running statistics), Dropout, Identity,
Sigmoid, Tanh, ReLU, LeakyReLU, GELU (exact form), Swish/SiLU and Softmax over the last axis.
Arrays are copied, so the two networks train independently afterwards.
"""
import numpy as np

from . import nn

_SIMPLE = ("Identity", "Sigmoid", "Tanh", "ReLU")


def _array(tensor):
    return tensor.detach().cpu().numpy().copy()


def from_torch(module):
    """torch.nn.Sequential (or one supported layer) -> the equivalent mytorch module."""
    import torch

    if isinstance(module, torch.nn.Sequential):
        return nn.Sequential(*(from_torch(layer) for layer in module))
    kind = type(module).__name__
    if isinstance(module, torch.nn.Linear):
        dtype = module.weight.dtype
        layer = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None,
                          dtype=_numpy_dtype(dtype))
        layer.W = _array(module.weight)
        if module.bias is not None:
            layer.b = _array(module.bias)
        return layer
    if isinstance(module, torch.nn.BatchNorm1d):
        if not (module.affine and module.track_running_stats):
            raise ValueError("from_torch: BatchNorm1d needs affine=True and track_running_stats=True")
        if module.momentum is None:
            raise ValueError("from_torch: BatchNorm1d with momentum=None (a cumulative average) has no mytorch twin")
        layer = nn.BatchNorm1d(module.num_features, eps=module.eps, momentum=module.momentum,
                               dtype=_numpy_dtype(module.weight.dtype))
        layer.gamma, layer.beta = _array(module.weight), _array(module.bias)
        layer.running_mean, layer.running_var = _array(module.running_mean), _array(module.running_var)
        layer.training = module.training
        return layer
    if isinstance(module, torch.nn.Dropout):
        layer = nn.Dropout(p=module.p)
    elif kind in _SIMPLE:
        layer = getattr(nn, kind)()
    elif isinstance(module, torch.nn.LeakyReLU):
        layer = nn.LeakyReLU(negative_slope=module.negative_slope)
    elif isinstance(module, torch.nn.GELU):
        if module.approximate != "none":
            raise ValueError("from_torch: only the exact GELU (approximate='none') has a mytorch twin")
        layer = nn.GELU()
    elif isinstance(module, torch.nn.SiLU):
        layer = nn.Swish(beta=1.0)
    elif isinstance(module, torch.nn.Softmax):
        if module.dim not in (-1, 1):
            raise ValueError(f"from_torch: Softmax over dim={module.dim}; mytorch's Softmax works on the last axis")
        layer = nn.Softmax()
    else:
        raise TypeError(f"from_torch: no mytorch twin for torch.nn.{kind}")
    layer.training = module.training
    return layer


def to_torch(module):
    """mytorch.nn.Sequential (or one supported layer) -> the equivalent torch.nn module."""
    import torch

    if isinstance(module, nn.Sequential):
        return torch.nn.Sequential(*(to_torch(layer) for layer in module.layers))
    kind = type(module).__name__
    if isinstance(module, nn.Linear):
        has_bias = "b" in module.parameter_names
        twin = torch.nn.Linear(module.in_features, module.out_features, bias=has_bias,
                               dtype=_torch_dtype(module.W.dtype))
        with torch.no_grad():
            twin.weight.copy_(torch.from_numpy(np.ascontiguousarray(module.W)))
            if has_bias:
                twin.bias.copy_(torch.from_numpy(np.ascontiguousarray(module.b)))
    elif isinstance(module, nn.BatchNorm1d):
        twin = torch.nn.BatchNorm1d(module.num_features, eps=module.eps, momentum=module.momentum,
                                    dtype=_torch_dtype(module.gamma.dtype))
        with torch.no_grad():
            twin.weight.copy_(torch.from_numpy(module.gamma))
            twin.bias.copy_(torch.from_numpy(module.beta))
            twin.running_mean.copy_(torch.from_numpy(module.running_mean))
            twin.running_var.copy_(torch.from_numpy(module.running_var))
    elif isinstance(module, nn.Dropout):
        twin = torch.nn.Dropout(p=module.p)
    elif kind in _SIMPLE:
        twin = getattr(torch.nn, kind)()
    elif isinstance(module, nn.LeakyReLU):
        twin = torch.nn.LeakyReLU(negative_slope=module.negative_slope)
    elif isinstance(module, nn.GELU):
        twin = torch.nn.GELU()
    elif isinstance(module, nn.Swish):
        if not np.all(module.beta == 1):
            raise ValueError(f"to_torch: Swish with beta={module.beta} has no torch twin (SiLU is beta=1)")
        twin = torch.nn.SiLU()
    elif isinstance(module, nn.Softmax):
        twin = torch.nn.Softmax(dim=-1)
    else:
        raise TypeError(f"to_torch: no torch twin for mytorch.nn.{kind}")
    twin.train(module.training)
    return twin


def _numpy_dtype(torch_dtype):
    import torch
    table = {torch.float32: np.float32, torch.float64: np.float64}
    if torch_dtype not in table:
        raise TypeError(f"mytorch works in float32 or float64, not {torch_dtype}")
    return table[torch_dtype]


def _torch_dtype(numpy_dtype):
    import torch
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(numpy_dtype)]
