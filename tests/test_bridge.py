"""Weights move both ways between torch.nn.Sequential and mytorch.nn.Sequential, and the same
MLP trained in both from the same weights on the same batches gives the same losses."""

import numpy as np
import pytest
import torch

import mytorch
from mytorch.bridge import from_torch, to_torch


def torch_mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(8, 16),
        torch.nn.BatchNorm1d(16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 12),
        torch.nn.Tanh(),
        torch.nn.Linear(12, 10),
        torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(10, 3),
    ).double()


def test_from_torch_copies_every_weight_and_statistic():
    twin = torch_mlp()
    twin[1].running_mean.uniform_(-1, 1)
    twin[1].running_var.uniform_(0.5, 2)
    net = from_torch(twin)
    assert [type(layer).__name__ for layer in net.layers] == [
        "Linear",
        "BatchNorm1d",
        "ReLU",
        "Linear",
        "Tanh",
        "Linear",
        "LeakyReLU",
        "Linear",
    ]
    torch_params = [p.detach().numpy() for p in twin.parameters()]
    mine = [p.data for p in net.parameters()]
    assert len(mine) == len(torch_params)
    for a, b in zip(mine, torch_params):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.layers[1].running_var, twin[1].running_var.numpy())
    assert net.layers[6].negative_slope == 0.1


@pytest.mark.parametrize("training", [True, False])
def test_round_trip_gives_the_same_outputs(training):
    twin = torch_mlp(seed=1).train(training)
    net = from_torch(twin)
    back = to_torch(net)
    X = np.random.default_rng(0).standard_normal((7, 8))
    with torch.no_grad():
        expected = twin(torch.from_numpy(X)).numpy()
        again = back(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(again, expected, rtol=1e-12, atol=1e-12)


def test_unsupported_layers_say_so():
    with pytest.raises(TypeError, match="no mytorch twin for torch.nn.Conv1d"):
        from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 3)))
    with pytest.raises(ValueError, match="exact GELU"):
        from_torch(torch.nn.GELU(approximate="tanh"))


def test_fifty_training_steps_agree_with_torch_to_1e_5():
    twin = torch_mlp(seed=2)
    net = from_torch(twin)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50 * 16, 8))
    y = np.argmax(X @ rng.standard_normal((8, 3)), axis=1)  # a learnable rule
    torch_opt = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    my_opt = mytorch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    torch_loss_fn, my_loss_fn = torch.nn.CrossEntropyLoss(), mytorch.nn.CrossEntropyLoss()
    torch_losses, my_losses = [], []
    for step in range(50):
        xb, yb = X[step * 16 : (step + 1) * 16], y[step * 16 : (step + 1) * 16]
        torch_opt.zero_grad()
        loss = torch_loss_fn(twin(torch.from_numpy(xb)), torch.from_numpy(yb))
        loss.backward()
        torch_opt.step()
        torch_losses.append(loss.item())

        my_opt.zero_grad()
        my_losses.append(my_loss_fn.forward(net.forward(xb), yb))
        net.backward(my_loss_fn.backward())
        my_opt.step()
    np.testing.assert_allclose(my_losses, torch_losses, rtol=0, atol=1e-5)
    assert np.mean(my_losses[-10:]) < 0.7 * np.mean(my_losses[:10])  # it really trained
    for mine, theirs in zip(net.parameters(), twin.parameters()):
        np.testing.assert_allclose(mine.data, theirs.detach().numpy(), atol=1e-6)
