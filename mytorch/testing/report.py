# GENERATED from solutions/mytorch/testing/report.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Comparing arrays and wording the verdict so that a student knows what to fix."""
import functools
import math
import traceback
from dataclasses import dataclass

import numpy as np


class Mismatch(Exception):
    """A check found a wrong value; the message is the diagnosis."""


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str

    def __str__(self):
        mark = "PASS" if self.passed else "FAIL"
        return f"[{mark}] {self.name}" + ("" if self.passed else f"\n       {self.message}")


@functools.cache
def _catalogue():
    """(exercises by number, causes by key) of the catalogue (mytorch/testing/catalogue/)."""
    from .registry import CHAPTER_IDS, chapter_modules  # registry imports the checks, which import this
    exercises, causes = {}, {}
    for module in chapter_modules(f"{__package__}.catalogue", ("common", *CHAPTER_IDS)):
        exercises.update(getattr(module, "EXERCISES", {}))
        causes.update(getattr(module, "CAUSES", {}))
    return exercises, causes


def cause_text(key):
    """"Likely cause: <title> - <explanation>." for a catalogue cause, as the grader words it."""
    title, explanation = _catalogue()[1][key]
    return f"Likely cause: {title} - {explanation}."


def answers(number, quantity, **names):
    """[(cause key, the value a student with that mistake gets)] for one quantity of exercise
    `number` ("4.2"), from the catalogue's formulas evaluated on `names` (the check's arrays).
    A formula that needs a name the check does not have is skipped."""
    found = []
    for key, recognised in _catalogue()[0].get(number, {}).get("causes", {}).items():
        formula = recognised.get(quantity) if isinstance(recognised, dict) else None
        if not formula:
            continue
        scope = dict(np=np, sqrt=math.sqrt, pi=math.pi, **names)
        if "erf" in formula:
            from scipy.special import erf
            scope["erf"] = erf
        try:
            with np.errstate(all="ignore"):
                found.append((key, np.asarray(eval(formula, scope), dtype=np.float64)))
        except (NameError, ValueError, TypeError, IndexError):
            continue
    return found


def which_cause(actual, expected, candidates, rtol=1e-5, atol=1e-8, generic=True):
    """The key of the known mistake `actual` is: the first candidate (key, value) it equals that
    differs from `expected`; else, with `generic`, a mistake seen from the two arrays alone
    (transposed, sign, a factor N); else None. The one place the visible checks match an answer
    against the catalogue's mistakes (the grader's is grading/grader/diagnosis.py, `compare`)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(actual)):
        return None
    for key, wrong in candidates:
        if wrong.shape == actual.shape and np.allclose(actual, wrong, rtol=rtol, atol=atol) \
                and not (wrong.shape == expected.shape and np.allclose(wrong, expected, rtol=rtol, atol=atol)):
            return key
    if not generic:
        return None
    if actual.shape != expected.shape:
        transposed = expected.ndim == 2 and actual.shape == expected.shape[::-1]
        return "transposed" if transposed and np.allclose(actual.T, expected, rtol=rtol, atol=atol) else None
    square = expected.ndim == 2 and expected.shape[0] == expected.shape[1] > 1
    if square and not np.allclose(expected, expected.T) and np.allclose(actual, expected.T, rtol=rtol, atol=atol):
        return "transposed"
    if np.any(expected != 0) and np.allclose(actual, -expected, rtol=rtol, atol=atol):
        return "sign"
    scale = np.vdot(expected, actual) / max(np.vdot(expected, expected), 1e-300)
    for factor, key in ((scale, "missing_1_over_n"), (1 / scale if scale else 0, "batch_mean")):
        n = round(factor)
        if n >= 2 and abs(factor - n) < 1e-3 * n and np.allclose(actual, scale * expected, rtol=rtol, atol=atol):
            return key
    return None


def compare(quantity, expected, actual, rtol=1e-5, atol=1e-7, candidates=()):
    """Raise Mismatch with a diagnosis unless `actual` matches `expected` in shape, dtype and value.

    quantity: what is compared, e.g. "Linear.backward dLdW"; expected, actual: arrays;
    candidates: [(cause key, value)] of the known mistakes (see `answers`).
    """
    if actual is None:
        raise Mismatch(f"{quantity} is None: it was never computed or stored")
    expected = np.asarray(expected)
    if not isinstance(actual, np.ndarray) or type(actual) is not np.ndarray:
        actual = np.array(actual)
    cause = which_cause(actual, expected, candidates)
    likely = f". {cause_text(cause)}" if cause else ""
    if actual.shape != expected.shape:
        raise Mismatch(f"{quantity}: expected shape {expected.shape}, got {actual.shape}{likely}")
    if actual.dtype != expected.dtype:
        raise Mismatch(f"{quantity}: expected dtype {expected.dtype}, got {actual.dtype} "
                       "(keep the input's dtype; float32 in, float32 out)")
    actual64, expected64 = actual.astype(np.float64), expected.astype(np.float64)
    error = np.abs(actual64 - expected64)
    if not np.all(np.isfinite(actual64)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(actual64))[0])
        raise Mismatch(f"{quantity}: non-finite value {actual64[where]} at index {where}")
    if np.all(error <= atol + rtol * np.abs(expected64)):
        return
    where = np.unravel_index(np.argmax(error), error.shape)
    where = tuple(int(i) for i in where)
    scale = np.vdot(expected64, actual64) / max(np.vdot(expected64, expected64), 1e-300)
    factor = (f", off by a constant factor of {scale:.4g}" if abs(scale - 1) > 1e-3
              and np.allclose(actual64, scale * expected64, rtol=1e-4, atol=1e-7) else "")
    raise Mismatch(f"{quantity}: largest error {error[where]:.3g} at index {where} "
                   f"(expected {expected64[where]:.6g}, got {actual64[where]:.6g}{factor}){likely}")


def run_check(name, body):
    """Run one check body; turn every outcome into a CheckResult (never an exception)."""
    try:
        body()
    except NotImplementedError as stub:
        detail = str(stub) or "replace the `raise NotImplementedError()` line in the exercise cell with your code"
        return CheckResult(name, False, f"not implemented yet - {detail}")
    except Mismatch as mismatch:
        return CheckResult(name, False, str(mismatch))
    except Exception as error:  # the student's code raised: show where, briefly
        frame = traceback.extract_tb(error.__traceback__)[-1]
        return CheckResult(name, False, f"your code raised {type(error).__name__}: {error} "
                                        f"(in {frame.name}, line {frame.lineno})")
    return CheckResult(name, True, "")
