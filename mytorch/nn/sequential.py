# GENERATED from solutions/mytorch/nn/sequential.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Sequential: layers run one after another (chapter 4, exercise 4.11)."""
from .module import Module


class Sequential(Module):
    """out = layers[-1](...layers[1](layers[0](x))); backward runs the chain rule in reverse.

    Parameters are those of the layers, in order (torch's order for nn.Sequential).
    """

    def __init__(self, *layers):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: layer {i} should be a mytorch.nn.Module, "
                                f"got {type(layer).__name__}")
        self.layers = list(layers)

    def children(self):
        return self.layers

    def forward(self, A):
        """A: (N, in) -> the last layer's output. Each layer stores what its backward needs."""
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.11 Sequential.forward: not implemented yet. Hint: feed each layer's output to the next")

    def backward(self, dLdout):
        """dLdout: the shape of the output -> dL/d(input): the shape of the input."""
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.11 Sequential.backward: not implemented yet. Hint: the last layer's backward goes first; each returns the gradient the layer before it needs")

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"
