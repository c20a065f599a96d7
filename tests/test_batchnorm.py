"""BatchNorm1d against torch.nn.BatchNorm1d (float64): forward, running statistics, backward."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mytorch.gradcheck import check_layer
from mytorch.nn import BatchNorm1d
from mytorch.optim import SGD


def twins(C, eps, momentum, seed):
    """A mytorch and a torch BatchNorm1d with the same random gamma and beta, float64."""
    rng = np.random.default_rng(seed)
    mine = BatchNorm1d(C, eps=eps, momentum=momentum, dtype=np.float64)
    mine.gamma, mine.beta = rng.normal(size=C), rng.normal(size=C)
    theirs = torch.nn.BatchNorm1d(C, eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(mine.gamma))
        theirs.bias.copy_(torch.from_numpy(mine.beta))
    return mine, theirs


def torch_forward_backward(layer, Z, G):
    """torch's output, dLdZ, dLdgamma, dLdbeta for the loss sum(G * layer(Z))."""
    z = torch.tensor(Z, requires_grad=True)
    layer.zero_grad()
    out = layer(z)
    (out * torch.from_numpy(G)).sum().backward()
    return (out.detach().numpy(), z.grad.numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy())


def assert_close(mine, theirs, what):
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-10, err_msg=what)


BATCHES = st.tuples(st.integers(2, 12), st.integers(1, 6))
SETTINGS = dict(eps=st.sampled_from([1e-5, 1e-3, 0.1]), momentum=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))


@settings(max_examples=40, deadline=None)
@given(shape=BATCHES, steps=st.integers(1, 5), **SETTINGS)
def test_training_forward_backward_and_running_stats_match_torch(shape, steps, eps, momentum, seed):
    N, C = shape
    mine, theirs = twins(C, eps, momentum, seed)
    rng = np.random.default_rng(seed + 1)
    for step in range(steps):
        # Shifted, scaled features: the running estimates have somewhere to go.
        Z = rng.normal(size=(N, C)) * rng.uniform(0.1, 5, C) + rng.normal(scale=3, size=C)
        G = rng.normal(size=(N, C))
        out, dLdZ, dLdgamma, dLdbeta = torch_forward_backward(theirs, Z, G)
        assert_close(mine.forward(Z), out, f"forward, step {step}")
        assert_close(mine.backward(G), dLdZ, f"dLdZ, step {step}")
        assert_close(mine.dLdgamma, dLdgamma, f"dLdgamma, step {step}")
        assert_close(mine.dLdbeta, dLdbeta, f"dLdbeta, step {step}")
        assert_close(mine.running_mean, theirs.running_mean.numpy(), f"running_mean, step {step}")
        assert_close(mine.running_var, theirs.running_var.numpy(), f"running_var, step {step}")


@settings(max_examples=25, deadline=None)
@given(shape=BATCHES, **SETTINGS)
def test_eval_uses_running_statistics_like_torch(shape, eps, momentum, seed):
    N, C = shape
    mine, theirs = twins(C, eps, momentum, seed)
    rng = np.random.default_rng(seed + 1)
    for _ in range(3):  # move the running statistics away from (0, 1) first
        Z = rng.normal(size=(N, C)) * 2 + 1
        mine.forward(Z)
        theirs(torch.from_numpy(Z))
    mine.eval()
    theirs.eval()
    running = mine.running_mean.copy(), mine.running_var.copy()
    Z, G = rng.normal(size=(N, C)), rng.normal(size=(N, C))
    out, dLdZ, dLdgamma, dLdbeta = torch_forward_backward(theirs, Z, G)
    assert_close(mine.forward(Z), out, "eval forward")
    assert_close(mine.backward(G), dLdZ, "eval dLdZ")
    assert_close(mine.dLdgamma, dLdgamma, "eval dLdgamma")
    assert_close(mine.dLdbeta, dLdbeta, "eval dLdbeta")
    np.testing.assert_array_equal(mine.running_mean, running[0], "eval must not touch running_mean")
    np.testing.assert_array_equal(mine.running_var, running[1], "eval must not touch running_var")


def test_eval_works_on_a_single_sample_and_training_refuses_it():
    layer = BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        layer.forward(np.ones((1, 3), np.float32))
    layer.eval()
    np.testing.assert_allclose(
        layer.forward(np.full((1, 3), 2.0, np.float32)), np.full((1, 3), 2.0 / np.sqrt(1 + 1e-5)), rtol=1e-6
    )


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("shape", [(6, 4), (2, 1), (9, 3)])
def test_gradcheck(mode, shape):
    rng = np.random.default_rng(sum(shape))
    layer = BatchNorm1d(shape[1], dtype=np.float64)
    layer.gamma, layer.beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    layer.running_mean, layer.running_var = rng.normal(size=shape[1]), rng.uniform(0.5, 2, shape[1])
    layer.train(mode == "train")
    report = check_layer(layer, rng.normal(size=shape))
    assert report.ok, str(report)


def test_constant_batch_stays_finite():
    layer = BatchNorm1d(4, dtype=np.float64)
    layer.beta = np.arange(4.0)
    Z = np.full((5, 4), 7.0)
    G = np.random.default_rng(0).normal(size=(5, 4))
    with np.errstate(all="raise"):  # no division by zero or invalid value anywhere
        out = layer.forward(Z)
        dLdZ = layer.backward(G)
    np.testing.assert_array_equal(out, np.tile(np.arange(4.0), (5, 1)))
    _, theirs = twins(4, 1e-5, 0.1, 0)
    with torch.no_grad():
        theirs.weight.fill_(1.0)
        theirs.bias.copy_(torch.arange(4.0, dtype=torch.float64))
    t_out, t_dLdZ, t_dLdgamma, t_dLdbeta = torch_forward_backward(theirs, Z, G)
    for value in (dLdZ, layer.dLdgamma, layer.dLdbeta, layer.running_mean, layer.running_var):
        assert np.all(np.isfinite(value))
    assert_close(out, t_out, "constant forward")
    assert_close(dLdZ, t_dLdZ, "constant dLdZ")
    assert_close(layer.dLdgamma, t_dLdgamma, "constant dLdgamma")
    assert_close(layer.running_var, theirs.running_var.numpy(), "constant running_var")


@pytest.mark.parametrize("training", [True, False])
def test_float32_stays_float32(training):
    layer = BatchNorm1d(3)
    layer.train(training)
    Z = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    out = layer.forward(Z)
    dLdZ = layer.backward(np.ones_like(out))
    for name, value in [
        ("output", out),
        ("dLdZ", dLdZ),
        ("dLdgamma", layer.dLdgamma),
        ("dLdbeta", layer.dLdbeta),
        ("running_mean", layer.running_mean),
        ("running_var", layer.running_var),
    ]:
        assert value.dtype == np.float32, f"{name} became {value.dtype}"
    # float64 data through float32 parameters: the output follows numpy, the buffers do not.
    layer.train()
    assert layer.forward(Z.astype(np.float64)).dtype == np.float64
    assert layer.running_mean.dtype == layer.running_var.dtype == np.float32


def test_parameters_buffers_and_an_sgd_step_like_torch():
    layer = BatchNorm1d(3, dtype=np.float64)
    np.testing.assert_array_equal(layer.gamma, np.ones(3))
    np.testing.assert_array_equal(layer.beta, np.zeros(3))
    np.testing.assert_array_equal(layer.running_mean, np.zeros(3))
    np.testing.assert_array_equal(layer.running_var, np.ones(3))
    assert [p.name for p in layer.parameters()] == ["gamma", "beta"]

    mine, theirs = twins(3, 1e-5, 0.1, seed=4)
    opt, topt = SGD(mine.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    rng = np.random.default_rng(5)
    for _ in range(3):
        Z, G = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
        torch_forward_backward(theirs, Z, G)
        mine.forward(Z)
        mine.backward(G)
        opt.step()
        topt.step()
    assert_close(mine.gamma, theirs.weight.detach().numpy(), "gamma after SGD")
    assert_close(mine.beta, theirs.bias.detach().numpy(), "beta after SGD")


def test_input_errors_name_the_shapes():
    layer = BatchNorm1d(3)
    with pytest.raises(RuntimeError, match="call forward"):
        layer.backward(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(4, 2\)"):
        layer.forward(np.ones((4, 2), np.float32))
    layer.forward(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 2\)"):
        layer.backward(np.ones((4, 2), np.float32))
