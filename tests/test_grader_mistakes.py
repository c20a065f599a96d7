"""The diagnosis of a wrong array: shape before values, where and how much. (The catalogued
typical mistakes, planted and graded, are in test_grader_typical_mistakes.py; their catalogue in test_catalogue.py.)"""

import numpy as np

from grading.grader import diagnosis


def test_a_wrong_shape_is_reported_before_values():
    expected = np.arange(6.0).reshape(2, 3)
    units, total, message = diagnosis.compare("dLdW", expected, expected.T.copy())
    assert (units, total) == (0, 2)
    assert "has shape (3, 2), expected (2, 3)" in message and "transposed gradient" in message


def test_a_wrong_value_says_where_and_how_much():
    expected = np.zeros((3, 4))
    actual = expected.copy()
    actual[1, 2] = 0.5
    units, total, message = diagnosis.compare("Z", expected, actual)
    assert (units, total) == (0, 2)  # the shape unit counts only with the right values
    assert "largest error 0.5 at index (1, 2)" in message and "1 of 12 elements differ" in message
