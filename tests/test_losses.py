"""MSELoss and CrossEntropyLoss against torch.nn: values, gradients, dtypes, stability, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mytorch import nn
from mytorch.gradcheck import numerical_gradient

SETTINGS = settings(max_examples=20, deadline=None)
shapes = st.tuples(st.integers(1, 8), st.integers(1, 6))
seeds = st.integers(0, 2**31 - 1)


def _torch_loss_and_grad(torch_loss, A, Y):
    A_t = torch.from_numpy(A.astype(np.float64)).requires_grad_(True)
    L_t = torch_loss(A_t, torch.from_numpy(Y))
    L_t.backward()
    return L_t.item(), A_t.grad.numpy()


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_mse_matches_torch(shape, seed):
    rng = np.random.default_rng(seed)
    A, Y = rng.standard_normal(shape) * 3, rng.standard_normal(shape)
    loss = nn.MSELoss()
    value = loss.forward(A, Y)
    expected, grad = _torch_loss_and_grad(torch.nn.MSELoss(), A, Y)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(loss.backward(), grad, rtol=1e-12, atol=1e-15)


def _random_probabilities(rng, shape, one_hot):
    if one_hot:
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    P = rng.random(shape) + 1e-3
    return P / P.sum(axis=1, keepdims=True)


@SETTINGS
@given(
    shape=shapes,
    seed=seeds,
    target=st.sampled_from(["labels", "one-hot", "probabilities"]),
    scale=st.sampled_from([0.1, 3.0, 50.0]),
)
def test_cross_entropy_matches_torch(shape, seed, target, scale):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal(shape) * scale
    if target == "labels":
        Y = rng.integers(0, shape[1], shape[0])
    else:
        Y = _random_probabilities(rng, shape, one_hot=target == "one-hot")
    loss = nn.CrossEntropyLoss()
    value = loss(A, Y)
    expected, grad = _torch_loss_and_grad(torch.nn.CrossEntropyLoss(), A, Y)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-13)
    dLdA = loss.backward()
    assert dLdA.shape == A.shape
    np.testing.assert_allclose(dLdA, grad, rtol=1e-10, atol=1e-15)


def test_cross_entropy_with_rows_that_do_not_sum_to_one_matches_torch():
    rng = np.random.default_rng(0)
    A, Y = rng.standard_normal((4, 3)), rng.random((4, 3)) * 2
    loss = nn.CrossEntropyLoss()
    expected, grad = _torch_loss_and_grad(torch.nn.CrossEntropyLoss(), A, Y)
    assert loss.forward(A, Y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.backward(), grad, rtol=1e-12, atol=1e-15)


def test_labels_and_their_one_hot_rows_give_the_same_loss_and_gradient():
    rng = np.random.default_rng(1)
    A, labels = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    by_label, by_row = nn.CrossEntropyLoss(), nn.CrossEntropyLoss()
    assert by_label.forward(A, labels) == pytest.approx(by_row.forward(A, np.eye(4)[labels]), rel=1e-14)
    np.testing.assert_allclose(by_label.backward(), by_row.backward(), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize(
    "make, target",
    [
        (nn.MSELoss, lambda rng: rng.standard_normal((3, 4))),
        (nn.CrossEntropyLoss, lambda rng: rng.integers(0, 4, 3)),
        (nn.CrossEntropyLoss, lambda rng: _random_probabilities(rng, (3, 4), one_hot=False)),
    ],
    ids=["mse", "ce-labels", "ce-probabilities"],
)
def test_loss_gradient_agrees_with_finite_differences(make, target):
    rng = np.random.default_rng(2)
    A, Y = rng.standard_normal((3, 4)), target(rng)
    loss = make()
    loss.forward(A, Y)
    numeric = numerical_gradient(lambda x: make().forward(x, Y), A)
    np.testing.assert_allclose(loss.backward(), numeric, rtol=1e-6, atol=1e-9)


# ---- dtypes ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_targets_are_cast_to_the_predictions_dtype(dtype):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((5, 3)).astype(dtype)
    for loss, Y in [
        (nn.MSELoss(), rng.standard_normal((5, 3))),  # float64 targets
        (nn.MSELoss(), rng.standard_normal((5, 3)).astype(np.float32)),
        (nn.CrossEntropyLoss(), np.eye(3)[[0, 1, 2, 1, 0]]),
        (nn.CrossEntropyLoss(), np.array([0, 1, 2, 1, 0], dtype=np.int32)),
        (nn.CrossEntropyLoss(), np.array([0, 1, 2, 1, 0], dtype=np.uint8)),
    ]:
        loss.forward(A, Y)
        assert loss.backward().dtype == dtype, (loss, Y.dtype)


# ---- numerical stability ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_finite_without_warnings_for_logits_up_to_1e4(dtype):
    A = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4], [-1e4, 0.0, 5.0]], dtype=dtype)
    labels = np.array([1, 2, 0, 0])
    for Y in [labels, np.eye(3)[labels], np.full((4, 3), 1 / 3)]:
        loss = nn.CrossEntropyLoss()
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            value = loss.forward(A, Y)
            dLdA = loss.backward()
        expected, grad = _torch_loss_and_grad(torch.nn.CrossEntropyLoss(), A, Y)
        assert np.isfinite(value) and np.all(np.isfinite(dLdA))
        assert value == pytest.approx(expected, rel=1e-6)
        np.testing.assert_allclose(dLdA, grad, rtol=1e-6, atol=1e-7)


# ---- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "make, Y", [(nn.MSELoss, np.zeros((2, 3))), (nn.CrossEntropyLoss, np.array([0, 2]))], ids=["mse", "ce"]
)
def test_non_finite_predictions_raise_naming_the_place(bad, make, Y):
    A = np.zeros((2, 3))
    A[1, 2] = bad
    with pytest.raises(ValueError, match=rf"{make.__name__}.forward: A .*non-finite.*\(1, 2\)"):
        make().forward(A, Y)


def test_non_finite_probability_targets_raise():
    Y = np.full((2, 3), 1 / 3)
    Y[0, 1] = np.nan
    with pytest.raises(ValueError, match=r"Y .*non-finite.*\(0, 1\)"):
        nn.CrossEntropyLoss().forward(np.zeros((2, 3)), Y)


def test_cross_entropy_target_errors_name_the_expected_shape():
    loss, A = nn.CrossEntropyLoss(), np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 3\).*got \(5,\)"):
        loss.forward(A, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match=r"got \(4, 2\)"):
        loss.forward(A, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="integers"):
        loss.forward(A, np.zeros(4))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        loss.forward(A, np.array([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        loss.forward(A, np.array([0, -1, 2, 0]))
    with pytest.raises(ValueError, match=r"\(N, C\).*got \(3,\)"):
        loss.forward(np.zeros(3), np.array([0, 1, 2]))


def test_mse_shape_mismatch_and_backward_before_forward():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        nn.MSELoss().forward(np.zeros((2, 3)), np.zeros((3, 2)))
    for loss in (nn.MSELoss(), nn.CrossEntropyLoss()):
        with pytest.raises(RuntimeError, match=r"forward\(\) before backward\(\)"):
            loss.backward()
