# GENERATED from solutions/mytorch/testing/report.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Comparing arrays and wording the verdict so that a student knows what to fix."""
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


def likely_cause(expected, actual):
    """Name a typical mistake when `actual` is a recognisable distortion of `expected`."""
    if actual.shape == expected.shape[::-1] and expected.ndim == 2 and actual.shape != expected.shape:
        return "the gradient is transposed: it must have the shape of its variable (denominator layout)"
    if actual.shape != expected.shape:
        return None
    square = expected.ndim == 2 and expected.shape[0] == expected.shape[1]
    if square and not np.allclose(expected, expected.T) and np.allclose(actual, expected.T):
        return "the gradient is transposed (check the order of the matrix product)"
    if np.allclose(actual, -expected, rtol=1e-4, atol=1e-7):
        return "the sign is flipped"
    scale = np.vdot(expected, actual) / max(np.vdot(expected, expected), 1e-300)
    if np.allclose(actual, scale * expected, rtol=1e-4, atol=1e-7) and abs(scale - 1) > 1e-3:
        return f"off by a constant factor of {scale:.4g} (a missing or extra 1/N, or a mean where a sum belongs?)"
    return None


def compare(quantity, expected, actual, rtol=1e-5, atol=1e-7):
    """Raise Mismatch with a diagnosis unless `actual` matches `expected` in shape, dtype and value.

    quantity: what is compared, e.g. "Linear.backward dLdW"; expected, actual: arrays.
    """
    if actual is None:
        raise Mismatch(f"{quantity} is None: it was never computed or stored")
    expected = np.asarray(expected)
    if not isinstance(actual, np.ndarray) or type(actual) is not np.ndarray:
        actual = np.array(actual)
    if actual.shape != expected.shape:
        cause = likely_cause(expected, actual)
        raise Mismatch(f"{quantity}: expected shape {expected.shape}, got {actual.shape}"
                       + (f". Likely cause: {cause}" if cause else ""))
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
    cause = likely_cause(expected64, actual64)
    raise Mismatch(f"{quantity}: largest error {error[where]:.3g} at index {where} "
                   f"(expected {expected64[where]:.6g}, got {actual64[where]:.6g})"
                   + (f". Likely cause: {cause}" if cause else ""))


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
