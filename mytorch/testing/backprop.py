# GENERATED from solutions/mytorch/testing/backprop.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Visible checks of chapter 4 (backprop): your layers against torch.nn and finite differences.

    check("backprop.relu")                                   # one check name per exercise
    check("backprop.train_digits", answer=train_digits)      # the notebook's training exercise

Every check runs seeded random cases (seed 0 here, other seeds in the grader), compares your
forward and backward with the PyTorch twin in float64, runs mytorch.gradcheck.check_layer, and
when a number is wrong names the typical mistake behind it ("Likely cause: ..."), in the words of
the course's catalogue (mytorch/testing/catalogue/backprop.py), which the grader uses too.
"""
import time
import traceback
import warnings

import numpy as np

from .report import Mismatch, answers, cause_text, compare, run_check

RTOL, ATOL = 1e-6, 1e-9


def _torch():
    import torch  # imported late: only the checks that need it pay its start-up time
    return torch


# ------------------------------------------------------------------ shared helpers


def _run(name, body):
    """run_check, with numpy's floating-point warnings turned into a failure of this check.

    A warning would go to stderr, and nbgrader gives 0 points to a cell that wrote to stderr;
    as a failed check it costs only this check's share and says where it happened.
    """
    def guarded():
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                try:
                    body()
                except (FloatingPointError, RuntimeWarning) as problem:
                    frame = traceback.extract_tb(problem.__traceback__)[-1]
                    raise Mismatch(f"numpy reported '{problem}' in {frame.name}, line {frame.lineno}: "
                                   "an exp or a log got a value it cannot handle (see the stability "
                                   "hints: subtract the row maximum before exp)") from None
    return run_check(name, guarded)


def _compare(quantity, expected, actual, number=None, names=None, rtol=RTOL, atol=ATOL, key=None):
    """compare(), naming the catalogue's mistake of exercise `number` that `actual` is.

    quantity: "<what> <name>", name the catalogue's ("Linear.backward dLdW"); names: the arrays
    the catalogue's formulas of that exercise use; key: the catalogue's name when it is not the last word.
    """
    candidates = answers(number, key or quantity.split()[-1], **names) if number else ()
    compare(quantity, expected, actual, rtol, atol, candidates)


def _scalar(quantity, value):
    """A loss must be one number (a Python or numpy float, or a 0-d array)."""
    if value is None or np.ndim(value) != 0:
        raise Mismatch(f"{quantity} should be one number (a float), got "
                       f"{type(value).__name__} of shape {np.shape(value)}")
    return float(value)


def _case(seed, zeros=False, scale=2.0):
    """A random (Z, G) pair: input and upstream gradient of the same shape, float64."""
    rng = np.random.default_rng(seed)
    shape = (4, 5) if seed == 0 else tuple(int(n) for n in rng.integers(2, 8, 2))
    Z = scale * rng.standard_normal(shape)
    if zeros:  # exact zeros: where ReLU and LeakyReLU have a kink
        Z.flat[rng.choice(Z.size, 3, replace=False)] = 0.0
    return rng, Z, rng.standard_normal(shape)


def _twin(fn, Z, G):
    """Output and dL/dZ of the torch function `fn` for L = sum(G * fn(Z)), in float64."""
    torch = _torch()
    Z_t = torch.tensor(Z, requires_grad=True)
    A_t = fn(Z_t)
    (A_t * torch.from_numpy(G)).sum().backward()
    return A_t.detach().numpy(), Z_t.grad.numpy()


def _gradcheck(layer, Z, seed):
    """mytorch.gradcheck.check_layer as a check: finite differences agree with backward."""
    from mytorch.gradcheck import check_layer
    report = check_layer(layer, Z, seed=seed)
    if not report.ok:
        raise Mismatch(f"backward disagrees with finite differences:\n{report}")


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _activation_checks(name, make, torch_fn, seed, Z, G, number=None, smooth_Z=None, params=(), **names):
    """The four checks every activation gets: forward, backward, finite differences, float32.

    make(dtype) builds the student's layer; torch_fn(Z_t) is its twin; number: the exercise
    ("4.2"), whose catalogued mistakes are named; smooth_Z: input away from kinks for the finite
    differences; params: (attribute, torch grad) pairs to compare after backward; names: what the
    catalogue's formulas use besides Z, A and G (slope, beta, S).
    """
    A_expected, dLdZ_expected = _twin(torch_fn, Z, G)
    names = dict(names, Z=Z, A=A_expected, G=G)

    def forward():
        _compare(f"{name}.forward A", A_expected, make(np.float64).forward(Z.copy()), number, names)

    def backward():
        layer = make(np.float64)
        layer.forward(Z.copy())
        _compare(f"{name}.backward dLdZ", dLdZ_expected, layer.backward(G.copy()), number, names)
        for attribute, expected in params:
            _compare(f"{name}.backward {attribute}", expected, getattr(layer, attribute, None), number, names)

    def finite_differences():
        _gradcheck(make(np.float64), Z if smooth_Z is None else smooth_Z, seed)

    def keeps_float32():
        layer = make(np.float32)
        A = layer.forward(Z.astype(np.float32))
        dLdZ = layer.backward(G.astype(np.float32))
        for quantity, value in ((f"{name}.forward A", A), (f"{name}.backward dLdZ", dLdZ)):
            if not isinstance(value, np.ndarray) or value.dtype != np.float32:
                raise Mismatch(f"{quantity}: float32 in should give float32 out, got "
                               f"{getattr(value, 'dtype', type(value).__name__)} (a numpy float64 "
                               "constant such as np.sqrt(2) promotes; use math.sqrt or a Python float)")

    return [_run(f"{name}.forward against torch", forward),
            _run(f"{name}.backward against torch", backward),
            _run(f"{name}.backward against finite differences", finite_differences),
            _run(f"{name} keeps float32", keeps_float32)]


# ------------------------------------------------------------------ 4.1 Linear


def linear_checks(seed=0):
    """Linear.forward and Linear.backward (exercise 4.1) against torch.nn.Linear, float64.

    seed: picks the random layer, batch and shapes (the hidden checks use other seeds).
    """
    import mytorch
    torch = _torch()
    rng = np.random.default_rng(seed)
    N, C_in, C_out = (5, 4, 3) if seed == 0 else tuple(int(n) for n in rng.integers(1, 9, 3))
    layer = mytorch.nn.Linear(C_in, C_out, dtype=np.float64, seed=seed)
    A = rng.standard_normal((N, C_in))
    G = rng.standard_normal((N, C_out))
    twin = torch.nn.Linear(C_in, C_out, dtype=torch.float64)
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.W))
        twin.bias.copy_(torch.from_numpy(layer.b))
    A_t = torch.from_numpy(A).requires_grad_(True)
    Z_t = twin(A_t)
    (Z_t * torch.from_numpy(G)).sum().backward()
    W, b = layer.W.copy(), layer.b.copy()

    names = dict(A=A, W=W, b=b, G=G, N=N)

    def forward():
        _compare("Linear.forward Z", Z_t.detach().numpy(), layer.forward(A.copy()), "4.1", names)

    def backward():
        layer.forward(A.copy())
        dLdA = layer.backward(G.copy())
        _compare("Linear.backward dLdA", A_t.grad.numpy(), dLdA, "4.1", names)
        _compare("Linear.backward dLdW", twin.weight.grad.numpy(), layer.dLdW, "4.1", names)
        _compare("Linear.backward dLdb", twin.bias.grad.numpy(), layer.dLdb, "4.1", names)

    def keeps_float32():
        layer32 = mytorch.nn.Linear(C_in, C_out, seed=seed)
        Z = layer32.forward(A.astype(np.float32))
        expected = (A.astype(np.float32) @ layer32.W.T + layer32.b)
        compare("Linear.forward Z (float32)", expected, Z, rtol=1e-5, atol=1e-6)

    return [_run("Linear.forward", forward),
            _run("Linear.backward", backward),
            _run("Linear keeps float32", keeps_float32)]


# ------------------------------------------------------------------ 4.2-4.7 element-wise activations


def sigmoid_checks(seed=0):
    """Sigmoid (exercise 4.2): forward, backward, finite differences, float32, |Z| = 1e4."""
    import mytorch
    torch = _torch()
    _, Z, G = _case(seed)
    results = _activation_checks("Sigmoid", lambda dtype: mytorch.nn.Sigmoid(), torch.sigmoid, seed, Z, G, "4.2")

    def stable():
        Z_big = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]])
        try:
            A_big = mytorch.nn.Sigmoid().forward(Z_big)
        except (FloatingPointError, RuntimeWarning) as problem:
            raise Mismatch(f"Sigmoid.forward at Z = -1e4: numpy reported '{problem}'. "
                           f"{cause_text('unstable_sigmoid')}") from None
        _compare("Sigmoid.forward at |Z| = 1e4", torch.sigmoid(torch.from_numpy(Z_big)).numpy(), A_big)

    return results + [_run("Sigmoid is stable at |Z| = 1e4 (no warning, no NaN)", stable)]


def tanh_checks(seed=0):
    """Tanh (exercise 4.3): forward, backward, finite differences, float32."""
    import mytorch
    torch = _torch()
    _, Z, G = _case(seed)
    return _activation_checks("Tanh", lambda dtype: mytorch.nn.Tanh(), torch.tanh, seed, Z, G, "4.3")


def relu_checks(seed=0):
    """ReLU (exercise 4.4): forward, backward (subgradient 0 at Z = 0), finite differences, float32."""
    import mytorch
    torch = _torch()
    _, Z, G = _case(seed, zeros=True)
    return _activation_checks("ReLU", lambda dtype: mytorch.nn.ReLU(), torch.relu, seed, Z, G, "4.4",
                              smooth_Z=np.where(np.abs(Z) < 0.1, 0.5, Z))


def leaky_relu_checks(seed=0):
    """LeakyReLU (exercise 4.5): forward, backward (slope negative_slope at Z <= 0), finite differences."""
    import mytorch
    torch = _torch()
    rng, Z, G = _case(seed, zeros=True)
    slope = 0.1 if seed == 0 else float(np.round(rng.uniform(0.02, 0.3), 3))
    return _activation_checks(
        f"LeakyReLU(negative_slope={slope})", lambda dtype: mytorch.nn.LeakyReLU(slope),
        torch.nn.LeakyReLU(slope), seed, Z, G, "4.5", smooth_Z=np.where(np.abs(Z) < 0.1, -0.5, Z), slope=slope)


def gelu_checks(seed=0):
    """GELU (exercise 4.6): the exact erf form against torch.nn.GELU(), float64."""
    import mytorch
    torch = _torch()
    _, Z, G = _case(seed)
    return _activation_checks("GELU", lambda dtype: mytorch.nn.GELU(), torch.nn.GELU(), seed, Z, G, "4.6")


def swish_checks(seed=0):
    """Swish (exercise 4.7): A = Z sigmoid(beta Z) with a trainable beta; dLdZ and dLdbeta."""
    import mytorch
    torch = _torch()
    rng, Z, G = _case(seed)
    beta = 1.5 if seed == 0 else float(np.round(rng.uniform(0.5, 2.0), 3))
    beta_t = torch.tensor([beta], dtype=torch.float64, requires_grad=True)
    _twin(lambda z: z * torch.sigmoid(beta_t * z), Z, G)
    return _activation_checks(
        f"Swish(beta={beta})", lambda dtype: mytorch.nn.Swish(beta, dtype=dtype),
        lambda z: z * torch.sigmoid(beta_t * z), seed, Z, G, "4.7",
        params=[("dLdbeta", beta_t.grad.numpy().copy())], beta=beta, S=_sigmoid(beta * Z))


# ------------------------------------------------------------------ 4.8 Softmax

def softmax_checks(seed=0):
    """Softmax (exercise 4.8): along the last axis, its full Jacobian in backward, stable at 1e4."""
    import mytorch
    torch = _torch()
    _, Z, G = _case(seed)
    results = _activation_checks("Softmax", lambda dtype: mytorch.nn.Softmax(),
                                 lambda z: torch.softmax(z, dim=-1), seed, Z, G, "4.8")

    def stable():
        Z_big = np.array([[1e4, 1e4 - 1.0, -1e4, 0.0], [-1e4, -1e4 + 2.0, -1e4, -1e4 - 1.0]])
        expected = torch.softmax(torch.from_numpy(Z_big), dim=-1).numpy()
        try:
            A_big = mytorch.nn.Softmax().forward(Z_big)
        except (FloatingPointError, RuntimeWarning) as problem:
            raise Mismatch(f"Softmax.forward at |Z| = 1e4: numpy reported '{problem}'. "
                           f"{cause_text('unstable_softmax')}") from None
        if isinstance(A_big, np.ndarray) and not np.all(np.isfinite(A_big)):
            raise Mismatch(f"Softmax.forward at |Z| = 1e4 gave {A_big[0]} in row 0. {cause_text('unstable_softmax')}")
        _compare("Softmax.forward at |Z| = 1e4", expected, A_big)

    return results + [_run("Softmax is stable at |Z| = 1e4 (no overflow)", stable)]


# ------------------------------------------------------------------ 4.9 MSELoss, 4.10 CrossEntropyLoss


def mse_loss_checks(seed=0):
    """MSELoss (exercise 4.9) against torch.nn.MSELoss: the mean over all N*C elements."""
    import mytorch
    torch = _torch()
    rng, A, _ = _case(seed, scale=1.0)
    Y = rng.standard_normal(A.shape)
    A_t = torch.tensor(A, requires_grad=True)
    L_t = torch.nn.MSELoss()(A_t, torch.from_numpy(Y))
    L_t.backward()
    L_expected, dLdA_expected = L_t.item(), A_t.grad.numpy()
    names = dict(A=A, Y=Y, N=A.shape[0])

    def forward():
        L = _scalar("MSELoss.forward", mytorch.nn.MSELoss().forward(A.copy(), Y.copy()))
        _compare("MSELoss.forward loss", L_expected, L, "4.9", names)

    def backward():
        loss = mytorch.nn.MSELoss()
        loss.forward(A.copy(), Y.copy())
        _compare("MSELoss.backward dLdA", dLdA_expected, loss.backward(), "4.9", names)

    def finite_differences():
        _loss_gradcheck("MSELoss", mytorch.nn.MSELoss, A, Y)

    def keeps_float32():
        loss = mytorch.nn.MSELoss()
        loss.forward(A.astype(np.float32), Y)  # float64 targets are cast to the predictions' dtype
        _expect_float32("MSELoss.backward dLdA", loss.backward())

    return [_run("MSELoss.forward against torch", forward),
            _run("MSELoss.backward against torch", backward),
            _run("MSELoss.backward against finite differences", finite_differences),
            _run("MSELoss keeps float32", keeps_float32)]


def _loss_gradcheck(name, make, A, Y):
    from mytorch.gradcheck import numerical_gradient
    numeric = numerical_gradient(lambda a: _scalar(f"{name}.forward", make().forward(a, Y)), A)
    loss = make()
    loss.forward(A.copy(), Y)
    compare(f"{name}.backward dLdA (against finite differences)", numeric, loss.backward(),
            rtol=1e-5, atol=1e-8)


def _expect_float32(quantity, value):
    if not isinstance(value, np.ndarray) or value.dtype != np.float32:
        raise Mismatch(f"{quantity}: float32 predictions should give a float32 gradient, got "
                       f"{getattr(value, 'dtype', type(value).__name__)} (cast the targets to A's dtype)")


def cross_entropy_loss_checks(seed=0):
    """CrossEntropyLoss (exercise 4.10) against torch: labels and probabilities, stable at 1e4."""
    import mytorch
    torch = _torch()
    rng, A, _ = _case(seed)
    N, C = A.shape
    labels = rng.integers(0, C, N)
    probs = rng.dirichlet(np.ones(C), N)
    E = np.exp(A - A.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    onehot = np.eye(C)[labels]

    def twin(Y):
        A_t = torch.tensor(A, requires_grad=True)
        L_t = torch.nn.CrossEntropyLoss()(A_t, torch.from_numpy(Y))
        L_t.backward()
        return L_t.item(), A_t.grad.numpy()

    def forward_backward(Y, T, what):
        L_expected, dLdA_expected = twin(Y)
        loss = mytorch.nn.CrossEntropyLoss()
        L = _scalar("CrossEntropyLoss.forward", loss.forward(A.copy(), Y.copy()))
        names = dict(A=A, T=T, P=P, N=N, C=C)
        _compare(f"CrossEntropyLoss.forward loss ({what})", L_expected, L, "4.10", names, key="loss")
        _compare(f"CrossEntropyLoss.backward dLdA ({what})", dLdA_expected, loss.backward(), "4.10", names,
                 key="dLdA")

    def finite_differences():
        _loss_gradcheck("CrossEntropyLoss", mytorch.nn.CrossEntropyLoss, A, labels)

    def stable():
        A_big = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4 - 3.0, 1e4]])
        Y_big = np.array([1, 0])
        L_expected, dLdA_expected = _torch_ce(torch, A_big, Y_big)
        loss = mytorch.nn.CrossEntropyLoss()
        try:
            L = _scalar("CrossEntropyLoss.forward", loss.forward(A_big, Y_big))
        except (FloatingPointError, RuntimeWarning) as problem:
            raise Mismatch(f"CrossEntropyLoss.forward at |A| = 1e4: numpy reported '{problem}'. "
                           f"{cause_text('unstable_log_softmax')}") from None
        if not np.isfinite(L):
            raise Mismatch(f"CrossEntropyLoss.forward at |A| = 1e4 gave {L}. {cause_text('unstable_log_softmax')}")
        _compare("CrossEntropyLoss.forward L at |A| = 1e4", L_expected, L, rtol=1e-9)
        _compare("CrossEntropyLoss.backward dLdA at |A| = 1e4", dLdA_expected, loss.backward())

    def keeps_float32():
        loss = mytorch.nn.CrossEntropyLoss()
        loss.forward(A.astype(np.float32), probs)
        _expect_float32("CrossEntropyLoss.backward dLdA", loss.backward())

    return [_run("CrossEntropyLoss with class labels against torch",
                 lambda: forward_backward(labels, onehot, "labels")),
            _run("CrossEntropyLoss with probabilities against torch",
                 lambda: forward_backward(probs, probs, "probabilities")),
            _run("CrossEntropyLoss.backward against finite differences", finite_differences),
            _run("CrossEntropyLoss is stable at |A| = 1e4", stable),
            _run("CrossEntropyLoss keeps float32", keeps_float32)]


def _torch_ce(torch, A, Y):
    A_t = torch.tensor(A, requires_grad=True)
    L_t = torch.nn.CrossEntropyLoss()(A_t, torch.from_numpy(Y))
    L_t.backward()
    return L_t.item(), A_t.grad.numpy()


# ------------------------------------------------------------------ 4.11 Sequential


def _spy_layers(seed, log):
    """Three small layers (affine, tanh, affine) of the check's own, which record their calls.

    They do not use your Linear or Tanh, so this check tests only Sequential.
    """
    from mytorch.nn import Module

    class Affine(Module):
        parameter_names = ("W", "b")

        def __init__(self, index, W, b):
            super().__init__()
            self.index, self.W, self.b = index, W, b
            self.dLdW = self.dLdb = self.A = None

        def forward(self, A):
            log.append(("forward", self.index))
            if A.shape[-1] != self.W.shape[1]:
                raise Mismatch(f"layer {self.index} received an input of width {A.shape[-1]}, expected "
                               f"{self.W.shape[1]}. {cause_text('sequential_forward_not_chained')}")
            self.A = A
            return A @ self.W.T + self.b

        def backward(self, dLdZ):
            log.append(("backward", self.index))
            if self.A is None or dLdZ.shape != (self.A.shape[0], self.W.shape[0]):
                raise Mismatch(_backward_problem(log, self.index, dLdZ, (self.A.shape[0], self.W.shape[0])))
            self.dLdW, self.dLdb = dLdZ.T @ self.A, dLdZ.sum(axis=0)
            return dLdZ @ self.W

    class Tanh(Module):
        def __init__(self, index):
            super().__init__()
            self.index, self.A = index, None

        def forward(self, Z):
            log.append(("forward", self.index))
            self.A = np.tanh(Z)
            return self.A

        def backward(self, dLdA):
            log.append(("backward", self.index))
            if self.A is None or dLdA.shape != self.A.shape:
                raise Mismatch(_backward_problem(log, self.index, dLdA, self.A.shape))
            return dLdA * (1 - self.A * self.A)

    rng = np.random.default_rng(seed)
    sizes = (4, 5, 3) if seed == 0 else tuple(int(n) for n in rng.integers(2, 7, 3))
    W1, b1 = rng.standard_normal((sizes[1], sizes[0])), rng.standard_normal(sizes[1])
    W2, b2 = rng.standard_normal((sizes[2], sizes[1])), rng.standard_normal(sizes[2])
    return sizes, (W1, b1, W2, b2), [Affine(0, W1, b1), Tanh(1), Affine(2, W2, b2)]


def _backward_problem(log, index, got, expected):
    """Why layer `index` received a misshaped gradient: wrong order, or gradients not passed on."""
    order = [i for kind, i in log if kind == "backward"]
    if order == [2, 1, 0][:len(order)]:
        return (f"layer {index}'s backward received a gradient of shape {np.shape(got)}, expected "
                f"{tuple(expected)}. {cause_text('sequential_not_chained')}")
    return _order_message(log)


def _order_message(log):
    order = [i for kind, i in log if kind == "backward"]
    return f"Sequential.backward called the layers' backward in the order {order}. {cause_text('sequential_order')}"


def sequential_checks(seed=0):
    """Sequential (exercise 4.11): forward in order, backward in reverse, against torch.nn.Sequential."""
    import mytorch
    torch = _torch()
    log = []
    sizes, (W1, b1, W2, b2), layers = _spy_layers(seed, log)
    rng = np.random.default_rng(seed + 1)
    N = 6
    X = rng.standard_normal((N, sizes[0]))
    G = rng.standard_normal((N, sizes[2]))
    twin = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1], dtype=torch.float64), torch.nn.Tanh(),
                               torch.nn.Linear(sizes[1], sizes[2], dtype=torch.float64))
    with torch.no_grad():
        for lin, W, b in ((twin[0], W1, b1), (twin[2], W2, b2)):
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
    X_t = torch.tensor(X, requires_grad=True)
    out_t = twin(X_t)
    (out_t * torch.from_numpy(G)).sum().backward()
    model = mytorch.nn.Sequential(*layers)

    def forward():
        log.clear()
        out = model.forward(X.copy())
        order = [i for kind, i in log if kind == "forward"]
        if order != [0, 1, 2]:
            raise Mismatch(f"Sequential.forward called the layers in the order {order}; "
                           "it must run them once each, first to last: [0, 1, 2]")
        _compare("Sequential.forward out", out_t.detach().numpy(), out)

    def backward():
        model.forward(X.copy())
        log.clear()
        dLdX = model.backward(G.copy())
        order = [i for kind, i in log if kind == "backward"]
        if order != [2, 1, 0]:
            raise Mismatch(_order_message(log) if order else
                           "Sequential.backward called no layer's backward: run them last to first")
        if dLdX is None:
            raise Mismatch("Sequential.backward returned None; return the first layer's dL/d(input)")
        _compare("Sequential.backward dLdin", X_t.grad.numpy(), dLdX, "4.11", dict(G=G))
        for (name, expected), layer_grad in zip(
                (("layer 0 dLdW", twin[0].weight.grad), ("layer 0 dLdb", twin[0].bias.grad),
                 ("layer 2 dLdW", twin[2].weight.grad), ("layer 2 dLdb", twin[2].bias.grad)),
                (layers[0].dLdW, layers[0].dLdb, layers[2].dLdW, layers[2].dLdb)):
            _compare(f"Sequential.backward {name}", expected.numpy(), layer_grad)

    def finite_differences():
        log.clear()
        _gradcheck(model, X, seed)

    return [_run("Sequential.forward against torch.nn.Sequential", forward),
            _run("Sequential.backward against torch.nn.Sequential", backward),
            _run("Sequential.backward against finite differences", finite_differences)]


# ------------------------------------------------------------------ 4.12 an MLP on the digits


def digits_split(seed=0):
    """scikit-learn's digits, scaled to [0, 1], split 75/25 (stratified, seeded).

    -> X_train (N, 64) float32, X_test, y_train (N,) int64, y_test.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)


TARGET_ACCURACY = 0.95
TIME_LIMIT_S = 60  # generous: the exercise asks for < 20 s; slow machines should not fail


def train_digits_checks(answer=None, seed=0):
    """Exercise 4.12: answer(X_train, y_train) builds and trains a mytorch model; >= 95% held out."""
    import mytorch
    X_train, X_test, y_train, y_test = digits_split(seed)
    state = {}

    def trains():
        if answer is None:
            raise Mismatch("hand in your function: check('backprop.train_digits', answer=train_digits)")
        start = time.perf_counter()
        try:
            model = answer(X_train.copy(), y_train.copy())
        except NotImplementedError as stub:
            raise NotImplementedError(str(stub) or "finish train_digits (exercise 4.12)") from None
        except (ValueError, FloatingPointError, RuntimeWarning) as problem:
            # an overflow (numpy's, under this check's errstate) or the library's non-finite loss
            if isinstance(problem, ValueError) and "non-finite" not in str(problem):
                raise
            raise Mismatch(f"training stopped: {problem}. {cause_text('digits_diverged')}") from None
        state["seconds"] = time.perf_counter() - start
        if not isinstance(model, mytorch.nn.Module):
            raise Mismatch(f"train_digits should return the trained mytorch model (a mytorch.nn.Module "
                           f"such as a Sequential), got {type(model).__name__}")
        state["model"] = model

    def accurate():
        model = state.get("model")
        if model is None:
            raise Mismatch("no trained model to evaluate (see the check above)")
        model.eval()
        scores = model.forward(X_test.copy())
        if np.shape(scores) != (len(X_test), 10):
            raise Mismatch(f"the model's output should have shape ({len(X_test)}, 10), one score per "
                           f"class, got {np.shape(scores)}")
        accuracy = float(np.mean(np.argmax(scores, axis=1) == y_test))
        state["accuracy"] = accuracy
        if not accuracy >= TARGET_ACCURACY:
            raise Mismatch(f"held-out accuracy {accuracy:.1%} is below {TARGET_ACCURACY:.0%}. "
                           f"{cause_text('digits_not_learnt')}")

    def fast():
        seconds = state.get("seconds")
        if seconds is None:
            raise Mismatch("training did not finish (see the first check)")
        if seconds > TIME_LIMIT_S:
            raise Mismatch(f"training took {seconds:.0f} s; keep it under 20 s (fewer epochs, "
                           "larger batches, or a smaller hidden layer)")

    results = [_run("train_digits returns a trained mytorch model", trains),
               _run(f"held-out accuracy >= {TARGET_ACCURACY:.0%}", accurate),
               _run("training is fast enough", fast)]
    if "accuracy" in state:
        results[1].name = f"held-out accuracy {state['accuracy']:.1%} (>= {TARGET_ACCURACY:.0%} needed)"
    if "seconds" in state:
        results[2].name = f"training took {state['seconds']:.1f} s (aim for < 20 s)"
    return results


CHECKS = {
    "backprop.linear": linear_checks,
    "backprop.sigmoid": sigmoid_checks,
    "backprop.tanh": tanh_checks,
    "backprop.relu": relu_checks,
    "backprop.leaky_relu": leaky_relu_checks,
    "backprop.gelu": gelu_checks,
    "backprop.swish": swish_checks,
    "backprop.softmax": softmax_checks,
    "backprop.mse_loss": mse_loss_checks,
    "backprop.cross_entropy_loss": cross_entropy_loss_checks,
    "backprop.sequential": sequential_checks,
    "backprop.train_digits": train_digits_checks,
}

__all__ = ["CHECKS", "digits_split"]
