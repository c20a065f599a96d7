# GENERATED from solutions/mytorch/testing/catalogue/__init__.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""The catalogue of exercises and their typical mistakes: one file per chapter, plus `common.py`
for the mistakes several chapters share. The visible checks (mytorch.testing) and the course's
grader both name a mistake from here, in the same words.

Each file is plain data (dicts, tuples and strings only; the grader reads it without running it):

    EXERCISES = {"4.2": dict(
        title="Sigmoid", check="backprop.sigmoid",
        names="Z: input, A: output sigmoid(Z), G: upstream gradient dLdA",
        causes={"derivative_at_input": {"dLdZ": "G * Z * (1 - Z)"},      # recognised by value
                "unstable_sigmoid": "a numpy warning, inf or NaN for |Z| up to 1e4"})}
    CAUSES = {"derivative_at_input": ("derivative at the input instead of the output",
                                      "the explanation, in a student's words")}

An exercise's `causes` map each of its typical mistakes to how it is recognised: either
{quantity: formula}, the value a student with that mistake gets for that quantity (a numpy
expression of the exercise's `names`; it names the mistake when the student's value equals it),
or a sentence saying what the check looks at instead. `check` is the visible check's name and
the prefix of the grader's check ids. A cause is explained once, in the file of the chapter it
belongs to (or in common.py), and the checks print it as "Likely cause: <title> - <explanation>."
"""
