"""Checks of chapter 4 (backprop): exercises 4.1 Linear to 4.11 Sequential, and 4.12
train_digits, graded from the submitted notebook (its held-out accuracy is judged here, on digits
changed by the grading run's secret: see digits_held_out).

Cases run `grading/grader/cases/backprop.py`; mistake candidates below are what a student with a
catalogued mistake would get, computed from the reference run's context (grader side only).
"""

import functools

import numpy as np

from . import HELD_OUT, Check, catalogued
from .judging import Verdict, accuracy_units, encode, get, likely, secret_rng


def layer_cases(layer, shapes, names, params=lambda shape: {}, out=lambda shape: shape, **extra):
    """One float32 case (dtype and values) and float64 cases with finite differences.

    shapes: input shapes, the first float32; params(shape) -> {name: shape}; out(shape) -> the
    output shape.
    """
    cases = []
    for i, shape in enumerate(shapes):
        single = i == 0
        cases.append(
            dict(
                layer=layer,
                seed=100 + i,
                shape=list(shape),
                out=list(out(shape)),
                names=list(names),
                params={k: list(v) for k, v in params(shape).items()},
                dtype="float32" if single else "float64",
                fd=not single,
                **extra,
            )
        )
    return cases


def layer_checks(chapter, slug, number, cls, cases, names, params=(), mistakes=None, points=2, **options):
    """forward (2 points), one backward check per gradient, and a finite-difference check."""
    out_name, grad_name = names
    grads = (grad_name, *("dLd" + p for p in params))
    share = points if not params else 1
    checks = [
        Check(
            f"{chapter}.{slug}.forward",
            f"{number} {cls}.forward",
            points,
            "layer",
            cases,
            compare=(out_name,),
            mistakes=mistakes,
            cases_file=options.pop("cases_file", None),
            **options,
        )
    ]
    for grad in grads:
        checks.append(
            Check(
                f"{chapter}.{slug}.backward.{grad}",
                f"{number} {cls}.backward",
                share,
                "layer",
                cases,
                compare=(grad,),
                mistakes=mistakes,
                cases_file=checks[0].cases_file,
                **options,
            )
        )
    checks.append(
        Check(
            f"{chapter}.{slug}.gradcheck",
            f"{number} {cls}.backward agrees with finite differences of your forward",
            1,
            "layer",
            [c for c in cases if c["fd"]],
            gradcheck=grads,
            forward=(out_name,),
            cases_file=checks[0].cases_file,
            **options,
        )
    )
    return checks


def activation(slug, number, cls, mistakes=None, extra_cases=(), **kwargs):
    """The checks of one activation; mistakes: the catalogue's causes of the exercise by default."""
    cases = layer_cases(cls, [(4, 5), (3, 4), (1, 6)], ("A", "dLdZ"), **kwargs) + list(extra_cases)
    mistakes = mistakes or catalogued(number, activation_names)
    return layer_checks("backprop", slug, number, cls, cases, ("A", "dLdZ"), mistakes=mistakes)


def activation_names(ctx, case):
    """Z the input, A the output, G the upstream gradient; LeakyReLU's slope, Swish's beta and S."""
    names = dict(Z=ctx["in"], A=ctx["A"], G=ctx["G"], slope=case.get("kwargs", {}).get("negative_slope", 0.0))
    if "beta" in ctx:
        names.update(beta=ctx["beta"], S=1 / (1 + np.exp(-ctx["beta"] * ctx["in"])))
    return names


def linear_names(ctx, case):
    return dict(A=ctx["in"], W=ctx["W"], b=ctx["b"], G=ctx["G"], N=len(ctx["in"]))


def loss_names(ctx, case):
    """A the predictions, Y the targets; for the cross entropy T the target rows and P the softmax."""
    A, Y = ctx["in"], ctx["Y"]
    N, C = A.shape
    E = np.exp(A - A.max(axis=1, keepdims=True))
    T = np.eye(C)[Y.astype(int)] if Y.ndim == 1 else Y
    return dict(A=A, Y=Y, N=N, C=C, T=T, P=E / E.sum(axis=1, keepdims=True))


def loss_checks(slug, number, cls, cases):
    """A loss's forward and backward (2 points each), naming the catalogue's mistakes of `number`."""
    mistakes = catalogued(number, loss_names)
    return [
        Check(f"backprop.{slug}.{step}", f"{number} {cls}.{step}", 2, "loss", cases, compare=(name,), mistakes=mistakes)
        for step, name in (("forward", "loss"), ("backward", "dLdA"))
    ]


def sequential_names(ctx, case):
    return {name: ctx[name] for name in ("G", "first_to_last", "last_on_input")}


SEQUENTIAL_MISTAKES = catalogued("4.11", sequential_names)


def stability_check(slug, number, cls, cause, program="layer", **case):
    """Huge inputs (|x| up to 1e4): the output must be finite, right, and raise no numpy warning."""
    return Check(
        f"backprop.{slug}.stable",
        f"{number} {cls}.forward for inputs as large as 1e4",
        1,
        program,
        [dict(case, seed=200, big=1e4, dtype="float64", backward=False)],
        compare=(case["names"][0],),
        nonfinite_cause=cause,
        warnings=True,
    )


def linear_cases():
    """(N, in, out): the first float32; a square W (a transposed dLdW keeps its shape); N = 1."""
    cases = layer_cases("Linear", [(4, 3), (3, 4), (1, 2), (6, 5)], ("Z", "dLdA"))
    for case, size_out in zip(cases, [5, 4, 3, 2]):
        size_in = case["shape"][1]
        case.update(
            args=[size_in, size_out],
            params={"W": [size_out, size_in], "b": [size_out]},
            out=[case["shape"][0], size_out],
        )
    return cases


DIGITS_NOISE = 0.02  # pixel noise of the held-out digits (the reference still reaches about 97%)


@functools.lru_cache(maxsize=8)
def _digits(secret, seed):
    """The digits of 4.12 as the grader hands them out: scikit-learn's digits scaled to [0, 1],
    then changed by the secret - its pixels in a secret order, a little noise (clipped to [0, 1]),
    the classes renamed by a secret permutation that moves every class - and split 75/25
    (stratified) by the secret. A model that looks the rows up in the public data set finds no row
    and, rows unscrambled, the wrong label; an MLP learns these digits as well as the plain ones."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    rng = secret_rng(secret, "digits", seed)
    digits = load_digits()
    X = digits.data[:, rng.permutation(64)] / 16.0
    X = np.clip(X + rng.normal(0.0, DIGITS_NOISE, X.shape), 0.0, 1.0).astype(np.float32)
    rename = _derangement(rng, 10)
    y = rename[digits.target].astype(np.int64)
    return train_test_split(X, y, test_size=0.25, random_state=int(rng.integers(2**31)), stratify=y)


def _derangement(rng, n):
    """A random permutation of range(n) with no fixed point."""
    while True:
        order = rng.permutation(n)
        if np.all(order != np.arange(n)):
            return order


def digits_held_out(case, secret):
    """(what the sandbox gets: the training set and the held-out images, what only the judge sees:
    the held-out labels)."""
    X_train, X_test, y_train, y_test = _digits(secret, case["seed"])
    return (dict(X_train=encode(X_train), y_train=encode(y_train), X_test=encode(X_test)), dict(y_test=y_test))


def train_digits_judge(arrays, ctx, case):
    """Three units: at least 95% accuracy on the held-out digits (or the reference's accuracy there,
    when the secret's digits are harder for it); scores of the wrong shape earn nothing."""
    verdict = Verdict()
    truth = case[HELD_OUT]["y_test"]
    scores, reference = get(arrays, "scores"), np.asarray(ctx["scores"])
    reached = float(np.mean(reference.argmax(axis=1) == truth))
    bar = min(0.95, reached) if reached >= 0.9 else 0.95  # far below: the data are broken (the grader fails)
    if scores.shape != (len(truth), 10):
        verdict.unit(
            False,
            f"the model's output should have shape ({len(truth)}, 10), one score per class, got {scores.shape}",
            units=3,
        )
        return verdict.result()
    accuracy_units(
        verdict,
        scores.argmax(axis=1),
        truth,
        bar,
        "the predictions",
        likely("digits_not_learnt").strip(),
        units=3,
        binary=False,
    )
    return verdict.result()


LINEAR = linear_cases()
LOSS_MSE = [
    dict(loss="MSELoss", seed=300 + i, shape=s, target="values", dtype=d, fd=d == "float64")
    for i, (s, d) in enumerate([((4, 3), "float32"), ((5, 2), "float64"), ((1, 4), "float64")])
]
LOSS_CE = [
    dict(loss="CrossEntropyLoss", seed=310 + i, shape=s, target=tg, dtype=d, fd=d == "float64")
    for i, (s, tg, d) in enumerate(
        [((4, 3), "labels", "float32"), ((5, 4), "labels", "float64"), ((3, 5), "probs", "float64")]
    )
]
SEQUENTIAL = [dict(seed=400 + i, shape=s) for i, s in enumerate([(3, 4), (2, 5)])]

CHECKS = [
    *layer_checks(
        "backprop", "linear", "4.1", "Linear", LINEAR, ("Z", "dLdA"), ("W", "b"), catalogued("4.1", linear_names)
    ),
    *activation("sigmoid", "4.2", "Sigmoid"),
    stability_check(
        "sigmoid", "4.2", "Sigmoid", "unstable_sigmoid", layer="Sigmoid", shape=[4, 5], out=[4, 5], names=["A", "dLdZ"]
    ),
    *activation("tanh", "4.3", "Tanh"),
    *activation("relu", "4.4", "ReLU", zeros=0.3),
    *activation("leaky_relu", "4.5", "LeakyReLU", zeros=0.3, kwargs={"negative_slope": 0.1}),
    *activation("gelu", "4.6", "GELU"),
    *layer_checks(
        "backprop",
        "swish",
        "4.7",
        "Swish",
        layer_cases("Swish", [(4, 5), (3, 4), (2, 3)], ("A", "dLdZ"), params=lambda s: {"beta": (1,)}),
        ("A", "dLdZ"),
        params=("beta",),
        mistakes=catalogued("4.7", activation_names),
    ),
    *activation("softmax", "4.8", "Softmax"),
    stability_check(
        "softmax", "4.8", "Softmax", "unstable_softmax", layer="Softmax", shape=[4, 5], out=[4, 5], names=["A", "dLdZ"]
    ),
    *loss_checks("mse_loss", "4.9", "MSELoss", LOSS_MSE),
    Check(
        "backprop.mse_loss.gradcheck",
        "4.9 MSELoss.backward agrees with finite differences of your forward",
        1,
        "loss",
        [c for c in LOSS_MSE if c["fd"]],
        gradcheck=("dLdA",),
        forward=("loss",),
    ),
    *loss_checks("cross_entropy_loss", "4.10", "CrossEntropyLoss", LOSS_CE),
    Check(
        "backprop.cross_entropy_loss.gradcheck",
        "4.10 CrossEntropyLoss.backward agrees with finite differences",
        1,
        "loss",
        [c for c in LOSS_CE if c["fd"]],
        gradcheck=("dLdA",),
        forward=("loss",),
    ),
    Check(
        "backprop.cross_entropy_loss.stable",
        "4.10 CrossEntropyLoss for logits as large as 1e4",
        1,
        "loss",
        [dict(loss="CrossEntropyLoss", seed=320, shape=[4, 3], target="labels", dtype="float64", big=1e4)],
        compare=("loss", "dLdA"),
        nonfinite_cause="unstable_log_softmax",
        warnings=True,
    ),
    Check(
        "backprop.sequential.forward",
        "4.11 Sequential.forward",
        1,
        "sequential",
        SEQUENTIAL,
        compare=("out",),
        mistakes=SEQUENTIAL_MISTAKES,
    ),
    Check(
        "backprop.sequential.backward",
        "4.11 Sequential.backward",
        2,
        "sequential",
        SEQUENTIAL,
        compare=("dLdin",),
        mistakes=SEQUENTIAL_MISTAKES,
    ),
    Check(
        "backprop.train_digits",
        "4.12 train_digits: 95% held out",
        3,
        "train_digits",
        [dict(seed=101, label="digits changed by the grader's secret")],
        judge=train_digits_judge,
        held_out=digits_held_out,
        error_causes=(("non-finite value", "digits_diverged"),),
        target="backprop.ipynb",
        timeout=120,
    ),
]
