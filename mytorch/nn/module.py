# GENERATED from solutions/mytorch/nn/module.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Module and Parameter: the plumbing every layer shares (given complete to students)."""


class Parameter:
    """A live handle on one trainable array of a module.

    `.data` is whatever array the module holds under `name` right now, so optimizers that
    update `.data` in place (`p.data -= lr * p.grad`) change the layer itself, and
    `layer.W = new_array` is seen by the next step. `.grad` is the module's `dLd<name>`, or None.
    """

    def __init__(self, module, name):
        self.module = module
        self.name = name

    @property
    def data(self):
        return getattr(self.module, self.name)

    @data.setter
    def data(self, value):
        setattr(self.module, self.name, value)

    @property
    def grad(self):
        return getattr(self.module, "dLd" + self.name, None)

    @grad.setter
    def grad(self, value):
        setattr(self.module, "dLd" + self.name, value)

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Parameter({type(self.module).__name__}.{self.name}, shape={self.data.shape})"


class Module:
    """Base class of every layer: `forward`, `backward`, train/eval mode and parameters.

    Subclasses list their trainable attributes in `parameter_names` (in PyTorch's order)
    and their sub-layers in `children()`.
    """

    parameter_names = ()

    def __init__(self):
        self.training = True

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def backward(self, dLdout):
        raise NotImplementedError(f"{type(self).__name__} does not define backward()")

    def __call__(self, *inputs):
        return self.forward(*inputs)

    def children(self):
        """The sub-modules, in order (none for a plain layer)."""
        return []

    def parameters(self):
        """All trainable parameters of this module and its children, in a fixed order."""
        params = [Parameter(self, name) for name in self.parameter_names]
        for child in self.children():
            params.extend(child.parameters())
        return params

    def zero_grad(self):
        """Forget stored gradients (sets every `dLd<param>` to None, as torch does)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Switch this module and its children to training mode (or eval with mode=False)."""
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Switch to evaluation mode: BatchNorm uses running statistics, Dropout is off."""
        return self.train(False)

    def __repr__(self):
        return f"{type(self).__name__}()"
