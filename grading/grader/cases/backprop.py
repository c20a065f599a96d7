"""Case programs of chapters 1 and 4 (layers, activations, losses, Sequential).

Runs INSIDE the sandbox, once on the student's mytorch and once (separately) on the reference:
numpy only, no reference values. Each program is `program(mt, case, t)`: it draws its inputs
from `case["seed"]`, calls the submission, and records results with `t.out(name, value)`
(context for the diagnosis, reported by the reference run only, with `t.ctx`).
"""


def _draw(t, rng, shape, dtype, case):
    """Standard normal values; case["zeros"] plants exact zeros, case["big"] huge magnitudes."""
    x = rng.standard_normal(shape) * case.get("scale", 1.0)
    if case.get("zeros") and not case.get("fd"):  # finite differences fail at a kink
        x[rng.random(shape) < case["zeros"]] = 0.0
    if case.get("big"):
        x[rng.random(shape) < 0.5] *= case["big"]
    return x.astype(dtype)


def layer(mt, case, t):
    """forward, backward and finite differences of one layer.

    case: layer (class name in mt.nn), args, kwargs, params {name: shape} set after
    construction, shape (input), out (output shape: the upstream gradient's), names
    [output, input gradient], fd (finite differences, float64 cases), train (mode).
    """
    np = t.np
    rng = np.random.default_rng(case["seed"])
    dtype = np.dtype(case["dtype"])
    out_name, grad_name = case["names"]
    module = getattr(mt.nn, case["layer"])(*case.get("args", []), **case.get("kwargs", {}))
    for name, shape in case.get("params", {}).items():
        setattr(module, name, _draw(t, rng, shape, dtype, {"scale": case.get("pscale", 1.0)}))
        t.ctx(name, getattr(module, name))
    A = _draw(t, rng, case["shape"], dtype, case)
    G = rng.standard_normal(case["out"]).astype(dtype)
    t.ctx("in", A)
    t.ctx("G", G)
    if not case.get("train", True):
        module.eval()
    t.out(out_name, module.forward(A.copy()))
    if not case.get("backward", True):
        return
    t.out(grad_name, module.backward(G.copy()))
    for name in case.get("params", {}):
        t.out("dLd" + name, getattr(module, "dLd" + name, None))
    if case.get("fd"):

        def loss():
            return np.sum(G * module.forward(A))

        t.out("fd." + grad_name, t.numgrad(loss, A))
        for name in case.get("params", {}):
            t.out("fd.dLd" + name, t.numgrad(loss, getattr(module, name)))


def loss(mt, case, t):
    """A loss module: forward(A, Y) -> "loss", backward() -> "dLdA", and finite differences.

    case: loss (class name), shape (N, C), target "values" (same shape), "labels" (N,) or
    "probs" (rows summing to 1), scale of the predictions.
    """
    np = t.np
    rng = np.random.default_rng(case["seed"])
    dtype = np.dtype(case["dtype"])
    N, C = case["shape"]
    A = _draw(t, rng, (N, C), dtype, case)
    if case["target"] == "labels":
        Y = rng.integers(0, C, N)
    elif case["target"] == "probs":
        Y = rng.random((N, C))
        Y = (Y / Y.sum(axis=1, keepdims=True)).astype(dtype)
    else:
        Y = rng.standard_normal((N, C)).astype(dtype)
    t.ctx("in", A)
    t.ctx("Y", Y)
    module = getattr(mt.nn, case["loss"])()
    t.out("loss", float(module.forward(A.copy(), Y.copy())))
    t.out("dLdA", module.backward())
    if case.get("fd"):
        t.out("fd.dLdA", t.numgrad(lambda: module.forward(A, Y), A))


def sequential(mt, case, t):
    """Sequential over three small layers (not exercises) whose backward order matters."""
    np = t.np
    rng = np.random.default_rng(case["seed"])
    N, C = case["shape"]

    class Roll(mt.nn.Module):
        def forward(self, A):
            return np.roll(A, 1, axis=1)

        def backward(self, G):
            return np.roll(G, -1, axis=1)

    class Shift(mt.nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c = c

        def forward(self, A):
            return A + self.c

        def backward(self, G):
            return G

    class Square(mt.nn.Module):
        def forward(self, A):
            self.A = A
            return A * A

        def backward(self, G):
            return 2 * self.A * G

    layers = [Roll(), Shift(rng.standard_normal(C)), Square()]
    A = rng.standard_normal((N, C))
    G = rng.standard_normal((N, C))
    model = mt.nn.Sequential(*layers)
    t.out("out", model.forward(A.copy()))
    t.out("dLdin", model.backward(G.copy()))
    if t.reference:  # what typical mistakes give (names of the catalogue's exercise 4.11)
        t.ctx("G", G)
        t.ctx("last_on_input", layers[-1].forward(A.copy()))
        model.forward(A.copy())
        wrong = G.copy()
        for module in layers:
            wrong = module.backward(wrong)
        t.ctx("first_to_last", wrong)


def decode(t, spec):
    """An array the grader sent in the case (grading/grader/checks/judging.py, `encode`)."""
    import base64

    np = t.np
    data = base64.b64decode(spec["data"])
    return np.frombuffer(data, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"]).copy()


def train_digits(ns, case, t):
    """4.12 (notebook): model = train_digits(X_train, y_train); "scores" = model.forward(X_test) in
    eval mode. The data come in the case: digits changed by the grader's secret (pixels in a
    secret order, noise, classes renamed), made on the grader's side; the held-out labels never
    come here - the grader computes the accuracy."""
    X_train, y_train, X_test = (decode(t, case[name]) for name in ("X_train", "y_train", "X_test"))
    try:
        model = ns["train_digits"](X_train, y_train)
    except NotImplementedError as stub:
        raise NotImplementedError(str(stub) or "exercise 4.12 (train_digits): not implemented yet") from None
    if not isinstance(model, ns["mytorch"].nn.Module):
        raise TypeError(
            f"train_digits should return the trained mytorch model (a mytorch.nn.Module such as "
            f"a Sequential), got {type(model).__name__}"
        )
    model.eval()
    t.out("scores", model.forward(X_test))
