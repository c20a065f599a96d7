"""Compare a student's array with the reference and say what is wrong, in a student's words.

`compare(name, expected, actual, ...)` returns (units passed, units in all, message): one unit
for the values, and one for the shape and dtype that counts only when the values are right (zeros
of the right shape earn nothing; right values of another dtype earn half). A failure names the quantity, the
expected and actual shape, the largest error and where, and - when one fits - the likely cause
from CAUSES, read from the course's catalogue (solutions/mytorch/testing/catalogue/, the same
words the visible checks print). Generic causes (transposed, sign, a factor N, a missing bias) are
recognised from the arrays alone; exercise-specific ones come as candidate arrays ("what a student
who made mistake X would get"), from the catalogue's formulas (`answers`) or computed by the check
from the case's context, and match when the student's array equals the candidate.
"""

import ast
import functools
import math
from pathlib import Path

import numpy as np

from grading.course import ROOT


def _quiet(function):
    """The student's arrays may hold inf and NaN: comparing them must not print warnings."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)

    return wrapper


CATALOGUE = ROOT / "solutions" / "mytorch" / "testing" / "catalogue"


class _Dicts(ast.NodeTransformer):
    """`dict(key=value, ...)` as the literal {"key": value, ...} (the catalogue's files use both)."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
            return ast.Dict([ast.Constant(k.arg) for k in node.keywords], [k.value for k in node.keywords])
        return node


def read_catalogue(path):
    """{name: value} of a catalogue file's top-level assignments, read as literals: the grader
    never runs (or imports) a file of the library's tree, it only reads these data."""
    data = {}
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.Assign) and [type(t) for t in node.targets] == [ast.Name]:
            data[node.targets[0].id] = ast.literal_eval(_Dicts().visit(node.value))
    return data


def _load(folder=CATALOGUE):
    """(exercises by number, causes by key) of every catalogue file."""
    exercises, causes = {}, {}
    for path in sorted(Path(folder).glob("*.py")):
        data = read_catalogue(path)
        exercises.update(data.get("EXERCISES", {}))
        causes.update(data.get("CAUSES", {}))
    return exercises, causes


EXERCISES, CAUSES = _load()
FORMULA_NAMES = {"np": np, "sqrt": math.sqrt, "pi": math.pi}  # what a catalogue formula may use besides its names


@_quiet
def answers(number, quantity, names):
    """[(cause key, the value a student with that mistake gets)] for one quantity of exercise
    `number`, from the catalogue's formulas evaluated on `names` (the case's arrays)."""
    found = []
    for key, recognised in EXERCISES.get(number, {}).get("causes", {}).items():
        formula = recognised.get(quantity) if isinstance(recognised, dict) else None
        if formula:
            scope = dict(FORMULA_NAMES, **names)
            if "erf" in formula:
                from scipy.special import erf

                scope["erf"] = erf
            try:
                found.append((key, np.asarray(eval(formula, scope), dtype=np.float64)))
            except (NameError, ValueError, TypeError, IndexError):  # this case lacks what the formula needs
                continue
    return found


def cause_text(key):
    title, explanation = CAUSES[key]
    return f" Likely cause: {title} - {explanation}."


def tolerances(dtype, rtol=None, atol=None):
    """Default tolerances by the reference's dtype (float32 is far less precise than float64)."""
    single = np.dtype(dtype) == np.float32
    return (
        rtol if rtol is not None else (1e-4 if single else 1e-6),
        atol if atol is not None else (1e-5 if single else 1e-8),
    )


@_quiet
def close(actual, expected, rtol, atol):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    return actual.shape == expected.shape and bool(np.allclose(actual, expected, rtol=rtol, atol=atol))


def _fmt(x):
    return f"{x:.6g}" if np.ndim(x) == 0 else str(x)


def _index(i):
    return "()" if not i else "(" + ", ".join(str(int(k)) for k in i) + ("," if len(i) == 1 else "") + ")"


@_quiet
def generic_cause(expected, actual, rtol, atol):
    """The catalogue key of a mistake recognised from the two arrays alone, or None."""
    e, a = np.asarray(expected, np.float64), np.asarray(actual, np.float64)
    if not np.all(np.isfinite(a)) or not np.any(np.abs(e) > atol):
        return None
    if e.ndim == 2 and e.shape[0] == e.shape[1] and e.shape[0] > 1 and close(a, e.T, rtol, atol):
        return "transposed"
    if close(a, -e, rtol, atol):
        return "sign"
    big = np.abs(e) > 10 * atol
    ratio = float(np.median(a[big] / e[big]))
    if abs(ratio) > 1e-12:
        for factor, key in ((ratio, "missing_1_over_n"), (1 / ratio, "batch_mean")):
            n = round(factor)
            if (
                n >= 2
                and abs(factor - n) < 1e-3 * n
                and close(a, e * (factor if key == "missing_1_over_n" else 1 / n), rtol, atol)
            ):
                return key
    if e.ndim == 2 and e.shape[0] > 1:
        offset = e - a
        if np.any(np.abs(offset[0]) > atol) and close(offset, np.broadcast_to(offset[0], offset.shape), rtol, atol):
            return "missing_bias"
    return None


@_quiet
def compare(name, expected, actual, problem=None, rtol=None, atol=None, candidates=None, nonfinite_cause=None):
    """(passed units, total units, message or None) for one quantity of one case.

    expected: the reference array; actual: the student's (None when it was not produced, with
    `problem` saying why); candidates: [(cause key, the array a student with that mistake gets)].
    """
    rtol, atol = tolerances(expected.dtype, rtol, atol)
    if actual is None:
        return 0, 2, f"{name} {problem or 'was not produced'}"
    if actual.shape != expected.shape:
        message = f"{name} has shape {actual.shape}, expected {expected.shape}"
        if actual.shape == expected.T.shape and actual.ndim == 2 and close(actual.T, expected, rtol, atol):
            message += " (its transpose holds the right values)." + cause_text("transposed")
        elif actual.size == expected.size and close(actual.reshape(expected.shape), expected, rtol, atol):
            message += " (the values are right: reshape it)"
        return 0, 2, message
    units, notes = 2, []
    if actual.dtype != expected.dtype:
        units -= 1
        notes.append(
            f"{name} has dtype {actual.dtype}, expected {expected.dtype} "
            f"(outputs follow the dtype of the inputs and parameters)"
        )
    if close(actual, expected, rtol, atol):
        return units, 2, ("; ".join(notes) or None)
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    error = np.where(np.isfinite(a), np.abs(a - e), np.inf)
    worst = np.unravel_index(int(np.argmax(error)), error.shape) if error.size else ()
    wrong = int(np.sum(~np.isclose(a, e, rtol=rtol, atol=atol)))
    notes.append(
        f"{name} is wrong: largest error {_fmt(float(error[worst]))} at index {_index(worst)} "
        f"(expected {_fmt(float(e[worst]))}, got {_fmt(float(a[worst]))}); "
        f"{wrong} of {e.size} elements differ, shape {actual.shape}"
    )
    cause = None
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        cause = nonfinite_cause
        if cause is None:
            notes[-1] += "; it holds inf or NaN (an overflow or a division by zero?)"
    for key, candidate in candidates or ():
        if (
            cause is None
            and candidate is not None
            and close(a, candidate, rtol, atol)
            and not close(candidate, e, rtol, atol)
        ):
            cause = key
    cause = cause or generic_cause(e, a, rtol, atol)
    # wrong values: the shape and dtype unit goes with them (points only for correct work)
    return 0, 2, "; ".join(notes) + (cause_text(cause) if cause else "")
