"""mytorch.gradcheck: numerical gradients are right, and check_layer catches broken layers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mytorch import nn
from mytorch.gradcheck import check_layer, numerical_gradient


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3), seed=st.integers(0, 10_000))
def test_numerical_gradient_of_known_functions(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    g = numerical_gradient(lambda v: np.sum(v**3 + np.sin(v)), x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * x**2 + np.cos(x), rtol=1e-7, atol=1e-8)


def test_numerical_gradient_works_in_float64_for_float32_input_and_leaves_x_alone():
    x = np.array([0.5, -1.25, 2.0], dtype=np.float32)
    before = x.copy()
    g = numerical_gradient(lambda v: np.sum(v * v), x)
    np.testing.assert_allclose(g, 2 * before.astype(np.float64), rtol=1e-8)
    np.testing.assert_array_equal(x, before)


class TransposedLinear(nn.Linear):
    """A typical mistake: dLdW in numerator layout (transposed); square so the shape fits."""

    def backward(self, dLdZ):
        dLdA = super().backward(dLdZ)
        self.dLdW = self.dLdW.T
        return dLdA


class BiasNotSummed(nn.Linear):
    """A typical mistake: dLdb keeps the batch axis."""

    def backward(self, dLdZ):
        dLdA = super().backward(dLdZ)
        self.dLdb = dLdZ
        return dLdA


class SigmoidWrongSign(nn.Sigmoid):
    def _backward(self, dLdA):
        return -super()._backward(dLdA)


class ForgetsGradient(nn.Swish):
    def _backward(self, dLdA):
        out = super()._backward(dLdA)
        self.dLdbeta = None
        return out


def test_check_layer_finds_a_transposed_weight_gradient():
    report = check_layer(TransposedLinear(3, 3, seed=0), np.ones((4, 3)))
    assert not report.ok and not report
    assert report.worst.array == "dLdW"
    assert report.worst.rel_error > 1e-2
    text = str(report)
    assert "FAILED" in text and "dLdW" in text and "analytic" in text and "numeric" in text
    # dLdA and dLdb are right and reported as such.
    right = {m.array: m for m in report.errors}
    assert right["dLdA"].rel_error < 1e-6 and right["dLdb"].rel_error < 1e-6


def test_check_layer_reports_a_misshaped_or_missing_gradient():
    report = check_layer(BiasNotSummed(3, 2, seed=0), np.ones((4, 3)))
    assert not report.ok
    assert any("dLdb has shape (4, 2), expected (2,)" in p for p in report.problems)
    assert "dLdb has shape" in str(report)
    report = check_layer(ForgetsGradient(), np.ones((2, 2)))
    assert not report.ok and any("dLdbeta is None" in p for p in report.problems)


def test_check_layer_finds_a_wrong_sign():
    report = check_layer(SigmoidWrongSign(), np.random.default_rng(0).standard_normal((3, 4)))
    assert not report.ok
    assert report.worst.array == "dLdA"
    assert report.worst.analytic == pytest.approx(-report.worst.numeric, rel=1e-5)


def test_check_layer_passes_a_right_layer_and_says_so():
    report = check_layer(nn.Linear(3, 2, seed=0), np.random.default_rng(0).standard_normal((4, 3)))
    assert report.ok and report
    assert {m.array for m in report.errors} == {"dLdA", "dLdW", "dLdb"}
    assert all(m.rel_error < 1e-6 for m in report.errors)
    assert str(report).splitlines()[0] == "gradient check of Linear: ok"


def test_check_layer_names_the_gradients_of_nested_layers():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Linear(3, 2, seed=1))
    report = check_layer(model, np.ones((2, 2)))
    assert report.ok
    assert [m.array for m in report.errors] == ["dLdA", "0.dLdW", "0.dLdb", "2.dLdW", "2.dLdb"]


def test_check_layer_leaves_the_callers_layer_unchanged():
    layer = nn.Linear(3, 2, seed=0)
    W, b = layer.W, layer.b
    W_before = W.copy()
    assert check_layer(layer, np.ones((4, 3), dtype=np.float32)).ok
    assert layer.W is W and layer.b is b and W.dtype == np.float32
    np.testing.assert_array_equal(layer.W, W_before)
    assert layer.dLdW is None and layer.A is None


class CastingLinear(nn.Linear):
    """Computes in the dtype of its parameters, whatever the input's dtype."""

    def forward(self, A):
        return super().forward(A.astype(self.W.dtype))


def test_check_layer_computes_in_float64_even_for_a_float32_layer():
    # In float32 a 1e-6 step is lost in rounding: the check must run on float64 parameters.
    layer = CastingLinear(3, 2, seed=0)
    report = check_layer(layer, np.random.default_rng(0).standard_normal((4, 3)))
    assert report.ok, str(report)
    assert layer.W.dtype == np.float32


def test_check_layer_fails_a_nan_gradient():
    class NaNTanh(nn.Tanh):
        def _backward(self, dLdA):
            out = super()._backward(dLdA)
            out[0, 1] = np.nan
            return out

    report = check_layer(NaNTanh(), np.ones((2, 3)))
    assert not report.ok
    assert report.worst.array == "dLdA" and report.worst.index == (0, 1)


def test_check_layer_tolerance_is_applied():
    # A 1e-3 relative error in dLdA passes at rtol=1e-2 and fails at the default 1e-4.
    class SlightlyOff(nn.Tanh):
        def _backward(self, dLdA):
            return super()._backward(dLdA) * (1 + 1e-3)

    A = np.random.default_rng(1).standard_normal((2, 3))
    assert not check_layer(SlightlyOff(), A).ok
    assert check_layer(SlightlyOff(), A, rtol=1e-2).ok
