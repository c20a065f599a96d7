# GENERATED from solutions/mytorch/gradcheck.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""mytorch.gradcheck: compare a layer's backward with finite differences (given complete).

    report = check_layer(layer, A)
    print(report)            # every gradient, its worst element and a verdict
    assert report.ok

The check runs in float64 on a copy of the layer, so float32 layers can be checked too and
the caller's layer is left as it was. A relative error around 1e-8 or less means the
gradient is right; 1e-2 or more means it is wrong (transposed, a missing sum, a sign).
"""
import copy
from dataclasses import dataclass

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central differences: g_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    f: a function of one array returning a scalar; x: any shape -> g: x's shape, float64.
    f is called with a float64 copy of x, changed in place one element at a time.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = float(f(x))
        x[index] = original - eps
        minus = float(f(x))
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


@dataclass
class Mismatch:
    """One element of a gradient: where it is and how far analytic and numeric disagree."""
    array: str
    index: tuple
    analytic: float
    numeric: float
    rel_error: float

    def __str__(self):
        return (f"{self.array}[{', '.join(map(str, self.index))}]: analytic {self.analytic:.6g}, "
                f"numeric {self.numeric:.6g}, relative error {self.rel_error:.2e}")


@dataclass
class GradCheckReport:
    """What check_layer found.

    ok: every gradient has the right shape and is within tolerance; worst: the Mismatch
    furthest out of tolerance (None if a gradient was missing or misshaped); errors: one line
    per gradient (its worst element); problems: missing or misshaped gradients.
    """
    layer: str
    ok: bool
    worst: Mismatch | None
    errors: list
    problems: list

    def __bool__(self):
        return self.ok

    def __str__(self):
        verdict = "ok" if self.ok else "FAILED"
        lines = [f"gradient check of {self.layer}: {verdict}"]
        lines += [f"  problem: {p}" for p in self.problems]
        lines += [f"  {m}" for m in self.errors]
        if self.worst is not None and not self.ok:
            lines.append(f"  worst: {self.worst}")
        return "\n".join(lines)


def check_layer(layer, A, seed=0, eps=1e-6, rtol=1e-4, atol=1e-6):
    """Check layer.backward and every dLd<param> against numerical gradients.

    The loss is L = sum(G * layer.forward(A)) with a random upstream gradient G (seeded), so
    dL/d(output) = G. Each evaluation runs on a fresh float64 copy of the layer: stateful
    layers (Dropout's random generator, BatchNorm's running statistics) see the same state
    every time. An element passes when |analytic - numeric| <= atol + rtol * |numeric|.
    A: the layer's input -> GradCheckReport.
    """
    proto = copy.deepcopy(layer)
    labels = _gradient_labels(proto)
    for p in proto.parameters():
        p.data = np.array(p.data, dtype=np.float64)
    A = np.array(A, dtype=np.float64)

    model = copy.deepcopy(proto)
    out = model.forward(A)
    G = np.random.default_rng(seed).standard_normal(np.shape(out))
    analytic = {"dLdA": model.backward(G)}
    for label, p in zip(labels, model.parameters()):
        analytic[label] = p.grad

    def loss_of_input(x):
        return np.sum(G * copy.deepcopy(proto).forward(x))

    def loss_of_parameter(j):
        def loss(x):
            model = copy.deepcopy(proto)
            model.parameters()[j].data = x
            return np.sum(G * model.forward(A))
        return loss

    targets = [("dLdA", A, loss_of_input)]
    for j, (label, p) in enumerate(zip(labels, proto.parameters())):
        targets.append((label, p.data, loss_of_parameter(j)))

    problems, errors, worst, worst_excess = [], [], None, -np.inf
    for label, value, loss in targets:
        got = analytic[label]
        if got is None:
            problems.append(f"{label} is None after backward (is it stored on the layer?)")
            continue
        got = np.asarray(got, dtype=np.float64)
        if got.shape != value.shape:
            problems.append(f"{label} has shape {got.shape}, expected {value.shape} "
                            f"(the shape of the variable it is the gradient of)")
            continue
        numeric = numerical_gradient(loss, value, eps)
        if numeric.size == 0:
            continue
        # How far each element is past its allowed error: <= 1 passes.
        excess = np.abs(got - numeric) / (atol + rtol * np.abs(numeric))
        excess[np.isnan(excess)] = np.inf  # a NaN gradient is as wrong as can be
        index = np.unravel_index(int(np.argmax(excess)), excess.shape)
        a, n = float(got[index]), float(numeric[index])
        mismatch = Mismatch(label, tuple(int(i) for i in index), a, n, _rel_error(a, n))
        errors.append(mismatch)
        if excess[index] > worst_excess:
            worst, worst_excess = mismatch, float(excess[index])
    ok = bool(not problems and worst_excess <= 1)
    return GradCheckReport(type(layer).__name__, ok, worst, errors, problems)


def _rel_error(a, n):
    scale = max(abs(a), abs(n))
    return 0.0 if scale == 0 else abs(a - n) / scale


def _gradient_labels(module, prefix=""):
    """In the order of module.parameters(): "dLdW", or "0.dLdW" for the first child's W."""
    labels = [f"{prefix}dLd{name}" for name in module.parameter_names]
    for i, child in enumerate(module.children()):
        labels += _gradient_labels(child, f"{prefix}{i}.")
    return labels
