"""mytorch.optim.lr_scheduler against torch.optim.lr_scheduler over 30+ epochs."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import mytorch.optim as optim
from mytorch.nn import Linear
from mytorch.optim import lr_scheduler

EPOCHS = 45


def pair(name, kwargs, lrs=(0.1,)):
    """The same schedule in mytorch and torch, on SGD optimizers with one group per rate."""
    layer = Linear(2, 2, dtype=np.float64, seed=0)
    mine_opt = optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(layer.parameters(), lrs)])
    tensors = [torch.zeros(2, requires_grad=True) for _ in lrs]
    torch_opt = torch.optim.SGD([{"params": [t], "lr": lr} for t, lr in zip(tensors, lrs)])
    return (
        getattr(lr_scheduler, name)(mine_opt, **kwargs),
        mine_opt,
        getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs),
        torch_opt,
    )


def assert_same_schedule(name, kwargs, lrs=(0.1,)):
    mine, mine_opt, theirs, torch_opt = pair(name, kwargs, lrs)
    assert mine.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
    for epoch in range(1, EPOCHS + 1):
        mine_opt.step()
        torch_opt.step()  # torch warns when the scheduler steps before the optimizer
        mine.step()
        theirs.step()
        expected = theirs.get_last_lr()
        assert mine.get_last_lr() == pytest.approx(expected, rel=1e-10, abs=1e-15), f"epoch {epoch}"
        assert [g["lr"] for g in mine_opt.param_groups] == mine.get_last_lr()
        assert mine.last_epoch == theirs.last_epoch == epoch


@settings(max_examples=25, deadline=None)
@given(step_size=st.integers(1, 8), gamma=st.floats(0.05, 1.0), lr=st.floats(1e-4, 1.0))
def test_step_lr(step_size, gamma, lr):
    assert_same_schedule("StepLR", {"step_size": step_size, "gamma": gamma}, lrs=(lr, lr / 3))


@settings(max_examples=25, deadline=None)
@given(gamma=st.floats(0.5, 1.0), lr=st.floats(1e-4, 1.0))
def test_exponential_lr(gamma, lr):
    assert_same_schedule("ExponentialLR", {"gamma": gamma}, lrs=(lr, 2 * lr))


@settings(max_examples=40, deadline=None)
@given(T_max=st.integers(1, 20), eta_min=st.sampled_from([0, 1e-4, 0.01]), lr=st.floats(1e-3, 1.0))
def test_cosine_annealing_lr(T_max, eta_min, lr):
    # 45 epochs run past T_max: the schedule climbs back up, as torch's does.
    assert_same_schedule("CosineAnnealingLR", {"T_max": T_max, "eta_min": eta_min}, lrs=(lr, lr / 10))


def test_cosine_annealing_known_values():
    opt = optim.SGD(Linear(2, 2, seed=0).parameters(), lr=1.0)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.2)
    seen = [sched.get_last_lr()[0]]
    for _ in range(8):
        sched.step()
        seen.append(sched.get_last_lr()[0])
    half = 0.2 + 0.8 * (1 + np.cos(np.pi / 4)) / 2
    np.testing.assert_allclose(seen, [1.0, half, 0.6, 1.2 - half, 0.2, 1.2 - half, 0.6, half, 1.0], rtol=1e-12)


def test_schedule_drives_the_optimizer_like_torch():
    """The rate the scheduler writes is the rate the next optimizer step uses."""
    rng = np.random.default_rng(0)
    layer = Linear(3, 2, dtype=np.float64, seed=1)
    weights = [torch.tensor(layer.W.copy(), requires_grad=True), torch.tensor(layer.b.copy(), requires_grad=True)]
    opt = optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(weights, lr=0.1, momentum=0.9)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10)
    for _ in range(30):
        gW, gb = rng.normal(size=layer.W.shape), rng.normal(size=layer.b.shape)
        layer.dLdW, layer.dLdb = gW, gb
        weights[0].grad, weights[1].grad = torch.from_numpy(gW), torch.from_numpy(gb)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    np.testing.assert_allclose(layer.W, weights[0].detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.b, weights[1].detach().numpy(), rtol=1e-9, atol=1e-12)


def test_second_scheduler_starts_from_the_initial_rate():
    opt = optim.SGD(Linear(2, 2, seed=0).parameters(), lr=0.5)
    first = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    first.step()
    second = lr_scheduler.StepLR(opt, step_size=2)
    assert opt.param_groups[0]["initial_lr"] == 0.5
    assert second.base_lrs == [0.5]


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: lr_scheduler.StepLR(opt, step_size=0),
        lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=0),
    ],
)
def test_bad_schedule_lengths_are_refused(make):
    opt = optim.SGD(Linear(2, 2, seed=0).parameters(), lr=0.5)
    with pytest.raises(ValueError, match="positive number of epochs"):
        make(opt)


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.ExponentialLR([0.1], gamma=0.9)
