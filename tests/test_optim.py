"""mytorch.optim against torch.optim: 20-step trajectories on the same gradients, float64."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import mytorch.optim as optim
from mytorch.nn import Module

STEPS = 20
# The contract promises 1e-6; the reference does far better, and the tighter bound catches
# slips such as eps inside the square root.
TOL = 1e-9


class Holder(Module):
    """A module that only holds the given arrays as trainable parameters p0, p1, ..."""

    def __init__(self, arrays):
        super().__init__()
        self.parameter_names = tuple(f"p{i}" for i in range(len(arrays)))
        for name, array in zip(self.parameter_names, arrays):
            setattr(self, name, array.copy())


class Problem:
    """A fixed smooth function per parameter; gradient = H x - b + 0.5 cos(3 x), some entries
    zeroed at random on each step (zeros exercise Rprop's sign logic and sparse updates)."""

    def __init__(self, shapes, seed):
        rng = np.random.default_rng(seed)
        self.init = [rng.normal(size=shape) for shape in shapes]
        self.H, self.b = [], []
        for shape in shapes:
            n = int(np.prod(shape))
            Q = rng.normal(size=(n, n))
            self.H.append(Q @ Q.T / n + 0.1 * np.eye(n))
            self.b.append(rng.normal(size=n))
        self.masks = [[rng.random(shape) > 0.2 for shape in shapes] for _ in range(STEPS)]

    def grad(self, i, x, step):
        flat = x.reshape(-1)
        g = self.H[i] @ flat - self.b[i] + 0.5 * np.cos(3 * flat)
        return g.reshape(x.shape) * self.masks[step][i]


def run_mytorch(name, kwargs, problem, steps=STEPS, dtype=np.float64, skip=()):
    """Trajectory of mytorch's optimizer; parameters listed in `skip` never get a gradient."""
    holder = Holder([x.astype(dtype) for x in problem.init])
    params = holder.parameters()
    opt = getattr(optim, name)(params, **kwargs)
    path = []
    for step in range(steps):
        opt.zero_grad()
        for i, p in enumerate(params):
            if i not in skip:
                p.grad = problem.grad(i, p.data.astype(np.float64), step).astype(dtype)
        opt.step()
        path.append([p.data.copy() for p in params])
    return path, holder, opt


def run_torch(name, kwargs, problem, steps=STEPS, skip=()):
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in problem.init]
    opt = getattr(torch.optim, name)(tensors, **kwargs)
    path = []
    for step in range(steps):
        opt.zero_grad()
        for i, t in enumerate(tensors):
            if i not in skip:
                t.grad = torch.from_numpy(problem.grad(i, t.detach().numpy(), step))
        opt.step()
        path.append([t.detach().numpy().copy() for t in tensors])
    return path


def assert_same_path(mine, theirs, tol=TOL):
    for step, (a, b) in enumerate(zip(mine, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(
                x, y, rtol=tol, atol=tol, err_msg=f"parameter {i} differs from torch after step {step + 1}"
            )


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.2, "lr_decay": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "eps": 1e-3}),
    ("RMSprop", {"lr": 0.02, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "eps": 1e-3}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.5}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.1}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
]
SHAPES = st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple), min_size=1, max_size=3)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@settings(max_examples=5, deadline=None)
@given(shapes=SHAPES, seed=st.integers(0, 2**16))
def test_trajectory_matches_torch(name, kwargs, shapes, seed):
    problem = Problem(shapes, seed)
    mine, _, _ = run_mytorch(name, kwargs, problem)
    assert_same_path(mine, run_torch(name, kwargs, problem))


# Random hyper-parameters for every optimizer, within each one's valid range.
HYPER = {
    "SGD": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-3, 0.2),
            "momentum": st.sampled_from([0, 0.5, 0.9]),
            "dampening": st.sampled_from([0, 0.4]),
            "weight_decay": st.sampled_from([0, 0.1]),
            "nesterov": st.booleans(),
        }
    ).map(lambda h: {**h, "dampening": 0} if h["nesterov"] and h["momentum"] else {**h, "nesterov": False}),
    "Adagrad": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-3, 0.5),
            "lr_decay": st.sampled_from([0, 0.05]),
            "weight_decay": st.sampled_from([0, 0.1]),
            "initial_accumulator_value": st.sampled_from([0, 0.1, 1.0]),
            "eps": st.sampled_from([1e-10, 1e-3]),
        }
    ),
    "RMSprop": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-3, 0.05),
            "alpha": st.floats(0.5, 0.999),
            "eps": st.sampled_from([1e-8, 1e-3]),
            "weight_decay": st.sampled_from([0, 0.1]),
            "momentum": st.sampled_from([0, 0.9]),
            "centered": st.booleans(),
        }
    ),
    "Adam": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-3, 0.1),
            "betas": st.tuples(st.floats(0, 0.95), st.floats(0.5, 0.999)),
            "eps": st.sampled_from([1e-8, 1e-3]),
            "weight_decay": st.sampled_from([0, 0.1]),
            "amsgrad": st.booleans(),
        }
    ),
    "AdamW": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-3, 0.1),
            "betas": st.tuples(st.floats(0, 0.95), st.floats(0.5, 0.999)),
            "eps": st.sampled_from([1e-8, 1e-3]),
            "weight_decay": st.sampled_from([0, 0.01, 0.5]),
            "amsgrad": st.booleans(),
        }
    ),
    "Rprop": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-3, 0.2),
            "etas": st.tuples(st.floats(0.1, 0.9), st.floats(1.1, 2.0)),
            "step_sizes": st.tuples(st.sampled_from([1e-6, 1e-3]), st.sampled_from([0.05, 50.0])),
        }
    ),
}


@pytest.mark.parametrize("name", sorted(HYPER))
@settings(max_examples=15, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_random_hyper_parameters_match_torch(name, data, seed):
    kwargs = data.draw(HYPER[name], label="hyper-parameters")
    problem = Problem([(3, 2), (4,)], seed)
    mine, _, _ = run_mytorch(name, kwargs, problem)
    assert_same_path(mine, run_torch(name, kwargs, problem))


def test_adamw_default_weight_decay_differs_from_adam():
    """AdamW decays by default (1e-2) and decoupled; Adam with the same weight_decay is not AdamW."""
    problem = Problem([(5,)], seed=3)
    adamw, _, _ = run_mytorch("AdamW", {"lr": 0.1}, problem)
    adam, _, _ = run_mytorch("Adam", {"lr": 0.1, "weight_decay": 1e-2}, problem)
    assert not np.allclose(adamw[-1][0], adam[-1][0], rtol=0, atol=1e-6)
    assert_same_path(adamw, run_torch("AdamW", {"lr": 0.1}, problem))


@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[1]][::3])
def test_float32_parameters_stay_float32(name, kwargs):
    problem = Problem([(3, 4), (4,)], seed=7)
    mine, holder, opt = run_mytorch(name, kwargs, problem, steps=10, dtype=np.float32)
    for p in holder.parameters():
        assert p.data.dtype == np.float32
    for state in opt.state.values():
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32, f"state[{key!r}] became {value.dtype}"
    # Still the same algorithm, up to float32 rounding.
    np.testing.assert_allclose(mine[-1][0], run_torch(name, kwargs, problem, steps=10)[-1][0], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[1]][1::3])
def test_parameters_without_gradient_are_skipped(name, kwargs):
    problem = Problem([(3,), (2, 2), (4,)], seed=11)
    mine, holder, opt = run_mytorch(name, kwargs, problem, skip={1})
    np.testing.assert_array_equal(holder.p1, problem.init[1])
    assert opt.state.get(1, {}) == {}, "no state for a parameter that never had a gradient"
    assert_same_path(mine, run_torch(name, kwargs, problem, skip={1}))


def test_step_updates_the_layers_own_array_in_place():
    holder = Holder([np.ones((2, 3))])
    array = holder.p0
    opt = optim.SGD(holder.parameters(), lr=0.5)
    holder.dLdp0 = np.full((2, 3), 2.0)
    opt.step()
    assert holder.p0 is array
    np.testing.assert_array_equal(array, np.zeros((2, 3)))
    # A new array assigned to the layer is what the next step updates.
    holder.p0 = np.full((2, 3), 3.0)
    opt.step()
    np.testing.assert_array_equal(holder.p0, np.full((2, 3), 2.0))


def test_zero_grad():
    holder = Holder([np.ones(3), np.ones(2)])
    opt = optim.Adam(holder.parameters())
    holder.dLdp0, holder.dLdp1 = np.ones(3), np.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(holder.dLdp0, np.zeros(3))
    np.testing.assert_array_equal(holder.dLdp1, np.zeros(2))
    opt.zero_grad()
    assert holder.dLdp0 is None and holder.dLdp1 is None
    opt.step()  # nothing has a gradient: nothing moves, nothing breaks
    np.testing.assert_array_equal(holder.p0, np.ones(3))


def test_step_returns_the_closures_loss():
    holder = Holder([np.ones(2)])
    opt = optim.SGD(holder.parameters(), lr=0.1)

    def closure():
        holder.dLdp0 = 2 * holder.p0
        return float((holder.p0**2).sum())

    assert opt.step(closure) == 2.0
    np.testing.assert_allclose(holder.p0, [0.8, 0.8])


def test_gradient_of_the_wrong_shape_is_named():
    holder = Holder([np.ones((2, 3))])
    opt = optim.SGD(holder.parameters(), lr=0.1)
    holder.dLdp0 = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        opt.step()


def test_param_groups_hold_the_learning_rate_and_groups_match_torch():
    problem = Problem([(3,), (2,)], seed=5)
    holder = Holder(problem.init)
    p0, p1 = holder.parameters()
    opt = optim.SGD([{"params": [p0]}, {"params": [p1], "lr": 0.5}], lr=0.1, momentum=0.9)
    tensors = [torch.tensor(x, requires_grad=True) for x in problem.init]
    topt = torch.optim.SGD([{"params": [tensors[0]]}, {"params": [tensors[1]], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    for step in range(STEPS):
        if step == 10:  # a change of rate between steps is seen by the next step, as in torch
            opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 0.02
        for i, (p, t) in enumerate(zip((p0, p1), tensors)):
            p.grad = problem.grad(i, p.data, step)
            t.grad = torch.from_numpy(problem.grad(i, t.detach().numpy(), step))
        opt.step()
        topt.step()
    for p, t in zip((p0, p1), tensors):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=TOL, atol=TOL)


def test_unknown_group_setting_and_empty_params_are_refused():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    holder = Holder([np.ones(2)])
    with pytest.raises(ValueError, match="betas"):
        optim.SGD([{"params": holder.parameters(), "betas": (0.9, 0.99)}], lr=0.1)


BAD = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("Adagrad", {"lr": -1}),
    ("Adagrad", {"lr_decay": -1}),
    ("Adagrad", {"weight_decay": -1}),
    ("Adagrad", {"initial_accumulator_value": -1}),
    ("Adagrad", {"eps": -1}),
    ("RMSprop", {"lr": -1}),
    ("RMSprop", {"eps": -1}),
    ("RMSprop", {"momentum": -1}),
    ("RMSprop", {"weight_decay": -1}),
    ("RMSprop", {"alpha": -1}),
    ("Adam", {"lr": -1}),
    ("Adam", {"eps": -1}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -1}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("AdamW", {"weight_decay": -0.1}),
    ("Rprop", {"lr": -1}),
    ("Rprop", {"etas": (1.2, 0.5)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
]


@pytest.mark.parametrize("name, kwargs", BAD, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD)])
def test_invalid_hyper_parameters_raise_torchs_message(name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as mine:
        getattr(optim, name)(Holder([np.zeros(2)]).parameters(), **kwargs)
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Rprop"])
def test_defaults_are_torchs(name):
    import inspect

    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    # torch adds engine switches (foreach, capturable, ...) after the maths' arguments.
    assert list(theirs)[: len(ours)] == list(ours), "the same arguments in torch's order"
    for arg in list(ours)[1:]:
        assert ours[arg].default == theirs[arg].default, arg
