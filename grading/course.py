"""The course in two names: where it lives and which chapters it has, in their order.

Every part of grading/ takes them from here. (The student edition's `mytorch.testing` and the
hand-in tool `pack.py` keep their own copies: they ship without the rest of grading/.)
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = (
    "universal_approximation",
    "perceptron_learning",
    "matrix_calculus",
    "backprop",
    "optimization",
    "torch_pipeline",
)
