"""mytorch.nn layers against torch.nn: forward, backward, parameter gradients, dtypes, errors.

Each case builds a mytorch layer and its torch twin with the same parameters (float64), runs
both on the same random batch and upstream gradient, and compares every number.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mytorch import nn
from mytorch.gradcheck import check_layer

SETTINGS = settings(max_examples=20, deadline=None)
RTOL, ATOL = 1e-10, 1e-12


class TorchSwish(torch.nn.Module):
    def __init__(self, beta):
        super().__init__()
        self.beta = torch.nn.Parameter(torch.tensor([beta], dtype=torch.float64))

    def forward(self, x):
        return x * torch.sigmoid(self.beta * x)


class TorchRBF(torch.nn.Module):
    def __init__(self, centers, gamma):
        super().__init__()
        self.centers = torch.nn.Parameter(torch.from_numpy(centers.copy()))
        self.gamma = gamma

    def forward(self, x):
        return torch.exp(-self.gamma * ((x[:, None, :] - self.centers[None]) ** 2).sum(-1))


def _tensor(a):
    return torch.from_numpy(np.array(a, dtype=np.float64))


def _linear_twin(layer):
    twin = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
    with torch.no_grad():
        twin.weight.copy_(_tensor(layer.W))
        twin.bias.copy_(_tensor(layer.b))
    return twin, {"W": twin.weight, "b": twin.bias}


def _swish_twin(layer):
    twin = TorchSwish(float(layer.beta[0]))
    return twin, {"beta": twin.beta}


def _rbf_twin(layer):
    twin = TorchRBF(layer.centers, layer.gamma)
    return twin, {"centers": twin.centers}


def _plain(torch_module):
    return lambda layer: (torch_module, {})


# name -> (make the mytorch layer from (seed, in_features), make its twin from the layer)
CASES = {
    "Identity": (lambda s, c: nn.Identity(), _plain(torch.nn.Identity())),
    "Sigmoid": (lambda s, c: nn.Sigmoid(), _plain(torch.nn.Sigmoid())),
    "Tanh": (lambda s, c: nn.Tanh(), _plain(torch.nn.Tanh())),
    "ReLU": (lambda s, c: nn.ReLU(), _plain(torch.nn.ReLU())),
    "LeakyReLU": (lambda s, c: nn.LeakyReLU(), _plain(torch.nn.LeakyReLU())),
    "LeakyReLU(0.3)": (lambda s, c: nn.LeakyReLU(0.3), _plain(torch.nn.LeakyReLU(0.3))),
    "LeakyReLU(-1.5)": (lambda s, c: nn.LeakyReLU(-1.5), _plain(torch.nn.LeakyReLU(-1.5))),
    "GELU": (lambda s, c: nn.GELU(), _plain(torch.nn.GELU())),
    "Swish": (lambda s, c: nn.Swish(0.5 + s % 7 / 4, dtype=np.float64), _swish_twin),
    "Softmax": (lambda s, c: nn.Softmax(), _plain(torch.nn.Softmax(dim=-1))),
    "Linear": (lambda s, c: nn.Linear(c, 1 + s % 5, dtype=np.float64, seed=s), _linear_twin),
    "RBF": (lambda s, c: nn.RBF(c, 1 + s % 6, gamma=0.3 + s % 3, dtype=np.float64, seed=s), _rbf_twin),
}

shapes = st.tuples(st.integers(1, 6), st.integers(1, 7))
seeds = st.integers(0, 2**31 - 1)


def _batch(rng, shape, scale=2.0):
    A = rng.standard_normal(shape) * scale
    # Exact zeros test the kinks (ReLU's derivative is 0 there, LeakyReLU's the slope).
    A[rng.random(shape) < 0.2] = 0.0
    return A


@pytest.mark.parametrize("name", CASES)
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_forward_backward_and_parameter_gradients_match_torch(name, shape, seed):
    make, make_twin = CASES[name]
    rng = np.random.default_rng(seed)
    layer = make(seed, shape[1])
    twin, twin_params = make_twin(layer)
    A = _batch(rng, shape)

    out = layer.forward(A)
    A_t = _tensor(A).requires_grad_(True)
    out_t = twin(A_t)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=RTOL, atol=ATOL)

    G = rng.standard_normal(out.shape)
    dLdA = layer.backward(G)
    (out_t * _tensor(G)).sum().backward()
    assert dLdA.shape == A.shape
    np.testing.assert_allclose(dLdA, A_t.grad.numpy(), rtol=RTOL, atol=ATOL)
    assert [p.name for p in layer.parameters()] == list(twin_params)
    for p in layer.parameters():
        assert p.grad.shape == p.data.shape
        np.testing.assert_allclose(
            p.grad, twin_params[p.name].grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"{name}.dLd{p.name}"
        )


def test_swish_at_beta_one_is_torch_silu():
    A = np.linspace(-6, 6, 25).reshape(5, 5)
    expected = torch.nn.SiLU()(_tensor(A)).numpy()
    np.testing.assert_allclose(nn.Swish(dtype=np.float64).forward(A), expected, rtol=1e-12)


def test_relu_derivative_is_zero_at_zero_and_leaky_uses_the_slope_there():
    Z = np.array([[-1.0, 0.0, 2.0]])
    relu, leaky = nn.ReLU(), nn.LeakyReLU(0.1)
    relu.forward(Z)
    leaky.forward(Z)
    np.testing.assert_array_equal(relu.backward(np.ones((1, 3))), [[0.0, 0.0, 1.0]])
    np.testing.assert_allclose(leaky.backward(np.ones((1, 3))), [[0.1, 0.1, 1.0]])


def test_gelu_is_the_exact_erf_form_not_the_tanh_approximation():
    Z = np.linspace(-5, 5, 101)[None, :]
    exact = torch.nn.GELU()(_tensor(Z)).numpy()
    approx = torch.nn.GELU(approximate="tanh")(_tensor(Z)).numpy()
    A = nn.GELU().forward(Z)
    assert np.max(np.abs(A - exact)) < 1e-6
    assert np.max(np.abs(A - approx)) > 1e-5


def test_softmax_works_on_the_last_axis_of_any_rank():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((2, 3, 4))
    G = rng.standard_normal((2, 3, 4))
    layer = nn.Softmax()
    Z_t = _tensor(Z).requires_grad_(True)
    A_t = torch.softmax(Z_t, dim=-1)
    (A_t * _tensor(G)).sum().backward()
    np.testing.assert_allclose(layer.forward(Z), A_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.backward(G), Z_t.grad.numpy(), rtol=RTOL, atol=ATOL)


# ---- gradient checks -------------------------------------------------------------------


def _all_layers(seed, c):
    layers = [make(seed, c) for make, _ in CASES.values()]
    layers += [
        nn.Dropout(0.4, seed=seed),
        nn.Swish(1.7),  # float32 parameters, checked in float64
        nn.Sequential(nn.Linear(c, 4, seed=seed), nn.GELU(), nn.Linear(4, 3, seed=seed + 1), nn.Softmax()),
    ]
    return layers


@settings(max_examples=6, deadline=None)
@given(shape=shapes, seed=st.integers(0, 10_000))
def test_check_layer_passes_on_every_layer(shape, seed):
    A = np.random.default_rng(seed).standard_normal(shape)
    for layer in _all_layers(seed, shape[1]):
        report = check_layer(layer, A, seed=seed)
        assert report.ok, str(report)


# ---- dtypes ----------------------------------------------------------------------------


def _dtype_layers(c, dtype):
    return [
        nn.Identity(),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.ReLU(),
        nn.LeakyReLU(0.2),
        nn.GELU(),
        nn.Swish(1.3, dtype=dtype),
        nn.Softmax(),
        nn.Linear(c, 3, dtype=dtype, seed=0),
        nn.RBF(c, 4, gamma=0.7, dtype=dtype, seed=0),
        nn.Dropout(0.3, seed=0),
        nn.Sequential(nn.Linear(c, 5, dtype=dtype, seed=1), nn.ReLU(), nn.Linear(5, 2, dtype=dtype, seed=2)),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_through_forward_backward_and_parameter_gradients(dtype):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 4)).astype(dtype)
    for layer in _dtype_layers(4, dtype):
        out = layer.forward(A)
        dLdA = layer.backward(rng.standard_normal(out.shape).astype(dtype))
        assert out.dtype == dtype, layer
        assert dLdA.dtype == dtype, layer
        for p in layer.parameters():
            assert p.data.dtype == dtype and p.grad.dtype == dtype, (layer, p)


def test_parameters_are_float32_unless_dtype_is_given():
    for layer in [nn.Linear(3, 2), nn.Swish(), nn.RBF(3, 2)]:
        assert all(p.data.dtype == np.float32 for p in layer.parameters()), layer


def test_float64_input_with_float32_parameters_follows_numpy_promotion():
    A = np.ones((2, 3))
    for layer in [nn.Linear(3, 2, seed=0), nn.Swish(), nn.RBF(3, 2, seed=0)]:
        out = layer.forward(A)
        assert out.dtype == np.float64, layer
        assert layer.backward(np.ones_like(out)).dtype == np.float64, layer


# ---- numerical stability ---------------------------------------------------------------


def _stability_layers():
    return [nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(), nn.GELU(), nn.Swish(), nn.Softmax()]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_stay_finite_without_warnings_up_to_1e4(dtype):
    Z = np.array([[-1e4, -1e3, -100.0, -1.0, 0.0, 1.0, 100.0, 1e3, 1e4]], dtype=dtype)
    for layer in _stability_layers():
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            A = layer.forward(Z)
            dLdZ = layer.backward(np.ones_like(A))
        assert np.all(np.isfinite(A)) and np.all(np.isfinite(dLdZ)), layer


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_softmax_at_1e4_match_torch(dtype):
    Z = np.array([[-1e4, -30.0, 0.0, 30.0, 1e4], [1e4, 1e4 - 1, -1e4, 0.0, 5.0]], dtype=dtype)
    Z_t = torch.from_numpy(Z.astype(np.float64))
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        sig = nn.Sigmoid().forward(Z)
        soft = nn.Softmax().forward(Z)
    tol = dict(rtol=1e-6, atol=1e-30) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(sig, torch.sigmoid(Z_t).numpy(), **tol)
    np.testing.assert_allclose(soft, torch.softmax(Z_t, dim=-1).numpy(), rtol=tol["rtol"], atol=1e-30)
    assert sig[0, 0] == 0.0 and sig[0, -1] == 1.0


# ---- errors ----------------------------------------------------------------------------


def _error_layers():
    return [
        nn.Identity(),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.ReLU(),
        nn.LeakyReLU(),
        nn.GELU(),
        nn.Swish(),
        nn.Softmax(),
        nn.Linear(4, 3),
        nn.RBF(4, 3),
        nn.Dropout(),
        nn.Sequential(nn.Linear(4, 3), nn.ReLU()),
    ]


def test_backward_before_forward_raises_a_clear_runtime_error():
    for layer in _error_layers():
        with pytest.raises(RuntimeError, match=r"forward\(\) before backward\(\)"):
            layer.backward(np.ones((2, 3)))


def test_backward_with_a_wrongly_shaped_gradient_names_both_shapes():
    for layer in _error_layers():
        out = layer.forward(np.ones((2, 4), dtype=np.float32))
        with pytest.raises(ValueError) as info:
            layer.backward(np.ones((5, 7), dtype=np.float32))
        message = str(info.value)
        assert str(out.shape) in message and "(5, 7)" in message, (layer, message)


@pytest.mark.parametrize("layer", [nn.Linear(4, 3), nn.RBF(4, 3)], ids=repr)
def test_forward_with_the_wrong_width_names_expected_and_actual_shape(layer):
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(2, 5\)"):
        layer.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(4,\)"):
        layer.forward(np.ones(4))


def test_forward_rejects_something_that_is_not_an_array():
    with pytest.raises(TypeError, match="numpy array"):
        nn.ReLU().forward([[1.0, -1.0]])


# ---- Dropout ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_mean_and_drops_a_fraction_p(p):
    layer = nn.Dropout(p, seed=3)
    Z = np.ones((400, 250), dtype=np.float32)
    A = layer.forward(Z)
    assert A.dtype == np.float32
    dropped = np.mean(A == 0)
    assert abs(dropped - p) < 0.01
    np.testing.assert_allclose(np.unique(A), [0.0, 1 / (1 - p)], rtol=1e-6)
    assert abs(A.mean() - 1.0) < 0.03
    # Backward lets the gradient through exactly where forward kept the unit, scaled alike.
    G = np.random.default_rng(0).standard_normal(Z.shape).astype(np.float32)
    np.testing.assert_array_equal(layer.backward(G), G * A)


def test_dropout_matches_torch_statistics():
    torch.manual_seed(0)
    Z = np.ones((300, 300))
    ours = nn.Dropout(0.3, seed=0).forward(Z)
    theirs = torch.nn.Dropout(0.3)(_tensor(Z)).numpy()
    assert abs(np.mean(ours == 0) - np.mean(theirs == 0)) < 0.01
    assert set(np.unique(ours)) == set(np.unique(theirs))


def test_dropout_in_eval_mode_is_the_identity_and_masks_are_reproducible():
    Z = np.random.default_rng(0).standard_normal((20, 30))
    layer = nn.Dropout(0.5, seed=7).eval()
    assert layer.forward(Z) is Z
    assert layer.backward(Z) is Z
    first, second = nn.Dropout(0.5, seed=7), nn.Dropout(0.5, seed=7)
    a, b = first.forward(Z), second.forward(Z)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.forward(Z), a)  # a new mask on every forward


def test_dropout_extremes_and_bad_probability():
    Z = np.ones((3, 4))
    np.testing.assert_array_equal(nn.Dropout(0.0).forward(Z), Z)
    layer = nn.Dropout(1.0)
    np.testing.assert_array_equal(layer.forward(Z), np.zeros_like(Z))
    np.testing.assert_array_equal(layer.backward(Z), np.zeros_like(Z))
    with pytest.raises(ValueError, match="1.5"):
        nn.Dropout(1.5)


# ---- Sequential ------------------------------------------------------------------------


class Recorder(nn.Module):
    """Multiplies by `factor` and writes every call to a shared log."""

    def __init__(self, name, factor, log):
        super().__init__()
        self.name, self.factor, self.log = name, factor, log

    def forward(self, A):
        self.log.append(("forward", self.name, A.copy()))
        return A * self.factor

    def backward(self, dLdout):
        self.log.append(("backward", self.name, dLdout.copy()))
        return dLdout * self.factor


def test_sequential_runs_forward_in_order_and_backward_in_reverse():
    log = []
    model = nn.Sequential(Recorder("a", 2.0, log), Recorder("b", 3.0, log), Recorder("c", 5.0, log))
    x = np.array([[1.0, -1.0]])
    np.testing.assert_array_equal(model.forward(x), x * 30)
    np.testing.assert_array_equal(model.backward(np.ones((1, 2))), np.full((1, 2), 30.0))
    assert [(kind, name) for kind, name, _ in log] == [
        ("forward", "a"),
        ("forward", "b"),
        ("forward", "c"),
        ("backward", "c"),
        ("backward", "b"),
        ("backward", "a"),
    ]
    # Each layer receives the previous one's output (forward) or gradient (backward).
    inputs = [value[0, 0] for _, _, value in log]
    assert inputs == [1.0, 2.0, 6.0, 1.0, 5.0, 15.0]


def _torch_sequential(model):
    """The torch twin of a Sequential of Linear / Tanh / ReLU / Softmax layers."""
    twins = {nn.Tanh: torch.nn.Tanh, nn.ReLU: torch.nn.ReLU, nn.Softmax: lambda: torch.nn.Softmax(-1)}
    layers = [
        _linear_twin(layer)[0] if isinstance(layer, nn.Linear) else twins[type(layer)]() for layer in model.layers
    ]
    return torch.nn.Sequential(*layers)


@SETTINGS
@given(n=st.integers(1, 6), widths=st.lists(st.integers(1, 6), min_size=2, max_size=4), seed=seeds)
def test_sequential_mlp_matches_torch(n, widths, seed):
    layers = []
    for i, (w_in, w_out) in enumerate(zip(widths, widths[1:])):
        layers += [nn.Linear(w_in, w_out, dtype=np.float64, seed=seed + i), nn.Tanh()]
    layers[-1] = nn.Softmax()
    model = nn.Sequential(*layers)
    twin = _torch_sequential(model)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, widths[0]))
    A_t = _tensor(A).requires_grad_(True)
    out, out_t = model(A), twin(A_t)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    G = rng.standard_normal(out.shape)
    (out_t * _tensor(G)).sum().backward()
    np.testing.assert_allclose(model.backward(G), A_t.grad.numpy(), rtol=RTOL, atol=ATOL)
    twin_params = list(twin.named_parameters())
    assert len(model.parameters()) == len(twin_params)
    for p, (name, p_t) in zip(model.parameters(), twin_params):
        assert {"W": "weight", "b": "bias"}[p.name] == name.split(".")[-1]
        np.testing.assert_array_equal(p.data, p_t.detach().numpy())
        np.testing.assert_allclose(p.grad, p_t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)


def test_sequential_parameter_order_matches_torch_named_parameters():
    model = nn.Sequential(
        nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Swish(), nn.Linear(4, 2, bias=False), nn.RBF(2, 5)
    )
    names = [(type(p.module).__name__, p.name) for p in model.parameters()]
    assert names == [
        ("Linear", "W"),
        ("Linear", "b"),
        ("BatchNorm1d", "gamma"),
        ("BatchNorm1d", "beta"),
        ("Swish", "beta"),
        ("Linear", "W"),
        ("RBF", "centers"),
    ]
    twin = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2, bias=False)
    )
    torch_names = [name for name, _ in twin.named_parameters()]
    assert torch_names == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight"]
    shared = [p.shape for p in model.parameters() if not isinstance(p.module, (nn.Swish, nn.RBF))]
    assert shared == [tuple(p.shape) for p in twin.parameters()]


def test_sequential_train_eval_reaches_every_layer_and_rejects_non_modules():
    drop = nn.Dropout(0.5)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(drop))
    model.eval()
    assert not drop.training and not model.training
    model.train()
    assert drop.training
    assert len(model) == 2 and model[1][0] is drop
    with pytest.raises(TypeError, match="layer 1"):
        nn.Sequential(nn.ReLU(), np.tanh)


def test_zero_grad_clears_every_parameter_gradient():
    model = nn.Sequential(nn.Linear(3, 2, seed=0), nn.Swish(), nn.RBF(2, 3, seed=0))
    out = model.forward(np.ones((4, 3), dtype=np.float32))
    model.backward(np.ones_like(out))
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_linear_without_bias_has_only_W():
    layer = nn.Linear(3, 2, bias=False, seed=0)
    assert [p.name for p in layer.parameters()] == ["W"]
    np.testing.assert_array_equal(layer.forward(np.eye(3, dtype=np.float32)), layer.W.T)


def test_linear_without_bias_has_no_bias_at_all_and_matches_torch():
    """bias=False: no b (None, as torch's bias), nothing added, no dLdb; torch's numbers."""
    layer = nn.Linear(4, 3, bias=False, dtype=np.float64, seed=1)
    assert layer.b is None and layer.dLdb is None
    assert "bias=False" in repr(layer)
    twin = torch.nn.Linear(4, 3, bias=False, dtype=torch.float64)
    assert twin.bias is None
    with torch.no_grad():
        twin.weight.copy_(_tensor(layer.W))
    rng = np.random.default_rng(0)
    A, G = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    A_t = _tensor(A).requires_grad_(True)
    out_t = twin(A_t)
    np.testing.assert_allclose(layer.forward(A), out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
    (out_t * _tensor(G)).sum().backward()
    np.testing.assert_allclose(layer.backward(G), A_t.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.dLdW, twin.weight.grad.numpy(), rtol=RTOL, atol=ATOL)
    assert layer.dLdb is None
    assert [(p.name, p.shape) for p in layer.parameters()] == [("W", (3, 4))]
    assert check_layer(layer, A).ok
    layer.zero_grad()
    assert layer.dLdW is None


def test_swish_takes_no_seed():
    """beta starts at the given value, nothing is random: a `seed` would be a keyword that does nothing."""
    with pytest.raises(TypeError):
        nn.Swish(1.0, seed=0)
