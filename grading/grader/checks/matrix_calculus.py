"""Checks of chapter 3 (matrix_calculus): the notebook exercises 3.1 (numerical_jacobian), 3.2
(linear_backward) and 3.3 (diagnose_gradients), graded from the submitted notebook. Jacobians
and gradients are compared with the reference run's; the labels of 3.3 with the case's truth.
"""

import numpy as np

from . import Check, catalogued
from .judging import NOTEBOOK_TIMEOUT_S, Verdict, get, likely

NOTEBOOK = "matrix_calculus.ipynb"
LABELS = ("ok", "transposed", "wrong")


def jacobian_names(ctx, case):
    """The catalogue's names of exercise 3.1: J, the right Jacobian; forward, forward differences'."""
    return {"J": ctx["J"], **({"forward": ctx["forward"]} if "forward" in ctx else {})}


def linear_names(ctx, case):
    return dict(A=ctx["A"], W=ctx["W"], G=ctx["G"], N=len(ctx["A"])) if "A" in ctx else {}


def unchanged_judge(arrays, ctx, case):
    """One unit: the caller's x is the same after the call."""
    verdict = Verdict()
    before, after = ctx["x_before"], get(arrays, "x_after")
    same = after.shape == before.shape and np.array_equal(after, before)
    moved = f" (x[{int(np.argmax(np.abs(after - before)))}] moved)" if after.shape == before.shape else ""
    verdict.unit(same, f"numerical_jacobian changed the caller's x{moved}." + likely("changes_input"))
    return verdict.result()


# the catalogue's cause of each wrong label, by (truth, said)
LABEL_CAUSES = {
    ("transposed", "ok"): "shape_only_diagnosis",
    ("wrong", "ok"): "wrong_claim_accepted",
    ("wrong", "transposed"): "wrong_claim_accepted",
}


def _hint(name, truth, said):
    """Why one label is wrong, in the student's terms."""
    if not 0 <= said < len(LABELS):
        return f"{name}: the answer is {'missing' if said == -2 else 'not one of ok, transposed, wrong'}"
    said, truth = LABELS[said], LABELS[truth]
    cause = LABEL_CAUSES.get((truth, said), "right_claim_rejected")
    return f"{name}: you said {said!r}, but the claim is {CLAIMS[truth]}." + likely(cause)


CLAIMS = {"ok": "the gradient", "transposed": "its transpose", "wrong": "neither the gradient nor its transpose"}


def diagnose_judge(arrays, ctx, case):
    """One unit per problem: every parameter labelled right (a guess rarely gets all)."""
    verdict = Verdict()
    said = get(arrays, "labels").astype(int).ravel()
    names = list(case["claims"])
    if said.shape != (len(names),):
        verdict.unit(False, f"expected one label for each of {', '.join(names)}")
        return verdict.result()
    truth = [LABELS.index(label) for label, _ in case["claims"].values()]
    wrong = [_hint(name, t, s) for name, t, s in zip(names, truth, said) if t != s]
    verdict.unit(not wrong, "; ".join(wrong))
    return verdict.result()


def problems():
    """Three losses at two sizes; most matrices square, so shapes alone cannot tell a transpose."""
    cases = []
    for seed, (h, d, k, a, e, q, r), claims in (
        (
            0,
            (3, 3, 2, 3, 2, 3, 4),
            [
                {"W1": ["transposed", 0], "b1": ["ok", 0], "W2": ["wrong", 5]},
                {"M": ["ok", 0], "P": ["transposed", 0], "c": ["wrong", 1]},
                {"Q": ["wrong", 6], "K": ["transposed", 0], "B": ["ok", 0]},
            ],
        ),
        (
            101,
            (4, 4, 3, 4, 3, 4, 3),
            [
                {"W1": ["ok", 0], "b1": ["wrong", 0], "W2": ["transposed", 0]},
                {"M": ["transposed", 0], "P": ["wrong", 4], "c": ["ok", 0]},
                {"Q": ["ok", 0], "K": ["wrong", 3], "B": ["transposed", 0]},
            ],
        ),
    ):
        N = 4
        shapes = [
            ({"X": [N, d], "Y": [N, k]}, {"W1": [h, d], "b1": [h], "W2": [k, h]}),
            ({"U": [N, a], "V": [N, a], "C": [N, N], "D": [N, e]}, {"M": [a, a], "P": [a, e], "c": [a]}),
            (
                {"S": [N, q], "T": [N, q], "R": [q, q], "E": [r, r], "F": [N, r]},
                {"Q": [q, q], "K": [r, r], "B": [q, r]},
            ),
        ]
        for problem, (data, params), claim in zip(("two_layer", "bilinear", "least_squares"), shapes, claims):
            cases.append(
                dict(
                    problem=problem,
                    seed=seed,
                    data=data,
                    params=params,
                    claims=claim,
                    label=f"{problem.replace('_', ' ')}, " + ", ".join(f"{n} {tuple(s)}" for n, s in params.items()),
                )
            )
    return cases


def notebook_check(slug, exercise, points, program, cases, **options):
    return Check(
        f"matrix_calculus.{slug}",
        exercise,
        points,
        program,
        cases,
        target=NOTEBOOK,
        timeout=NOTEBOOK_TIMEOUT_S,
        **options,
    )


JACOBIAN = [
    dict(f="tanh", seed=0, m=4, n=4, label="tanh(M x), M (4, 4)"),
    dict(f="tanh", seed=1, m=3, n=5, label="tanh(M x), M (3, 5)"),
    dict(f="matrix", seed=2, m=3, n=4, label="W v with respect to W (3, 4)"),
    dict(f="scalar", seed=3, m=1, n=4, label="a scalar output"),
]
LINEAR = [
    dict(seed=0, N=5, C_in=3, C_out=3, label="N 5, C_in 3, C_out 3"),
    dict(seed=1, N=5, C_in=4, C_out=3, label="N 5, C_in 4, C_out 3"),
    dict(seed=101, N=2, C_in=6, C_out=4, label="N 2, C_in 6, C_out 4"),
]

LINEAR_MISTAKES = catalogued("3.2", linear_names)

CHECKS = [
    notebook_check(
        "numerical_jacobian.values",
        "3.1 numerical_jacobian",
        1,
        "jacobian",
        JACOBIAN,
        compare=("J",),
        mistakes=catalogued("3.1", jacobian_names),
    ),
    notebook_check(
        "numerical_jacobian.central",
        "3.1 numerical_jacobian's accuracy",
        0.5,
        "jacobian",
        [dict(f="exp", seed=4, m=5, n=5, label="exp(5 x)")],
        compare=("J",),
        rtol=1e-7,
        atol=1e-9,
        mistakes=catalogued("3.1", jacobian_names),
    ),
    notebook_check(
        "numerical_jacobian.unchanged",
        "3.1 numerical_jacobian leaves x alone",
        0.5,
        "jacobian",
        [dict(f="unchanged", seed=5, m=3, n=3, label="sin(x)")],
        judge=unchanged_judge,
    ),
    *[
        notebook_check(
            f"linear_backward.{q}",
            f"3.2 linear_backward {q}",
            1,
            "linear",
            LINEAR,
            compare=(q,),
            mistakes=LINEAR_MISTAKES,
        )
        for q in ("dLdA", "dLdW", "dLdb")
    ],
    notebook_check("spot_transposed", "3.3 diagnose_gradients", 3, "diagnose", problems(), judge=diagnose_judge),
]
