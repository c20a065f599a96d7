"""Helpers of the judges of notebook checks: verdicts the grader decides from raw arrays.

A judge (see `Check.judge`) gets the student's arrays, the reference run's context and the
case, and returns (units passed, units in all, messages). It must count the same units
whatever the student returned, so a case weighs the same in every submission: `Verdict.unit`
adds one unit per call, and a unit that cannot be evaluated is added as failed.
"""

import base64
import hashlib
import os
import secrets

import numpy as np

from .. import diagnosis

NOTEBOOK_TIMEOUT_S = 60  # one case, the notebook's execution included for the first case
SECRET_ENV = "GRADING_SECRET"
_PROCESS_SECRET = secrets.token_hex(16)


def grader_secret():
    """The secret that changes the judged exercises' held-out data (Check.held_out).

    New and random in every grading process, so nobody - the student included - can know it
    before the run; an instructor who wants a re-grade to use the same data sets $GRADING_SECRET
    for that command only (never where student code runs: an nbgrader kernel inherits the
    environment). The sandbox never sees it: it gets the transformed data, not the secret.
    """
    return os.environ.get(SECRET_ENV) or _PROCESS_SECRET


def secret_rng(secret, *salt):
    """A numpy generator seeded by the secret and the salt (a case's seed, a name)."""
    digest = hashlib.sha256(":".join(map(str, (secret, *salt))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def encode(array):
    """An array as JSON-safe text for a case (the case programs' `decode` reads it back)."""
    array = np.ascontiguousarray(array)
    return dict(dtype=array.dtype.str, shape=list(array.shape), data=base64.b64encode(array.tobytes()).decode())


class Verdict:
    """Units and messages of one case's judgement."""

    def __init__(self):
        self.passed, self.total, self.messages = 0, 0, []

    def unit(self, passed, message=None, units=1):
        """Add `units` units, passed or not; a failure's message is kept."""
        self.total += units
        self.passed += units if passed else 0
        if not passed and message:
            self.messages.append(message)
        return bool(passed)

    def result(self):
        return self.passed, self.total, self.messages


def get(arrays, name):
    """The student's array `name` as float64 (KeyError when it was not produced)."""
    return np.asarray(arrays[name], dtype=np.float64)


def scalar(arrays, name):
    """A one-number result as a float, or None when it has more than one element."""
    value = get(arrays, name)
    return float(value.reshape(())) if value.size == 1 else None


def likely(key):
    """ " Likely cause: ..." for a catalogue key (grading/grader/diagnosis.py)."""
    return diagnosis.cause_text(key)


def accuracy_units(verdict, labels, truth, threshold, what, hint, units=2, binary=True):
    """`units` units for labels (N,) whose accuracy against truth reaches threshold (below one
    half, a two-class problem's labels are likely swapped: guessing does better)."""
    if labels.shape != truth.shape:
        flat = " (flatten the (N, 1) output)" if labels.shape == (len(truth), 1) else ""
        return verdict.unit(
            False, f"{what} has shape {labels.shape}, expected {truth.shape}: one label per example{flat}", units
        )
    accuracy = float(np.mean(labels == truth))
    if accuracy >= threshold:
        return verdict.unit(True, units=units)
    named = likely("labels_swapped") if binary and accuracy < 0.5 else ""
    return verdict.unit(False, f"held-out accuracy {accuracy:.3f}, needs {threshold:.2f}. {hint}{named}", units)
