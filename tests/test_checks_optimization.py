"""The visible checks of chapter 5 pass on the reference, say "not implemented yet" on stubs, and
name each typical mistake when it is planted (wrong optimizers and layers written below)."""

import math

import numpy as np
import pytest

import mytorch.nn
import mytorch.optim
import mytorch.optim.lr_scheduler as lr_scheduler
from mytorch.testing.optimization import CHECKS
from mytorch.testing.report import cause_text

NAMES = sorted(CHECKS)


def failures(name, seed=0):
    results = CHECKS[name](seed=seed)
    return [r for r in results if not r.passed]


def likely(cause):
    """How a check names a catalogued cause, "Likely cause: <title>" (other words as they are)."""
    try:
        return cause_text(cause).split(" - ")[0]
    except KeyError:
        return cause


def messages(name, seed=0):
    return "\n".join(r.message for r in failures(name, seed))


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_visible_and_hidden_seeds(name):
    for seed in (0, 101):
        assert not failures(name, seed), (seed, failures(name, seed))


def test_seeds_make_different_cases():
    labels = {seed: [r.name for r in CHECKS["optimization.sgd"](seed=seed)] for seed in (0, 101, 102)}
    assert labels[0] != labels[101] != labels[102]


def _stub(*args, **kwargs):
    raise NotImplementedError("Chapter 5 (optimization), exercise 5.x: not implemented yet.")


@pytest.mark.parametrize(
    "name, target, attribute",
    [
        ("optimization.sgd", mytorch.optim.SGD, "update"),
        ("optimization.adagrad", mytorch.optim.Adagrad, "update"),
        ("optimization.rmsprop", mytorch.optim.RMSprop, "update"),
        ("optimization.adam", mytorch.optim.Adam, "update"),
        ("optimization.adamw", mytorch.optim.AdamW, "update"),
        ("optimization.rprop", mytorch.optim.Rprop, "update"),
        ("optimization.cosine_annealing", lr_scheduler.CosineAnnealingLR, "get_lr"),
        ("optimization.batchnorm_forward", mytorch.nn.BatchNorm1d, "forward"),
        ("optimization.batchnorm_backward", mytorch.nn.BatchNorm1d, "backward"),
    ],
)
def test_stub_reports_not_implemented(monkeypatch, name, target, attribute):
    monkeypatch.setattr(target, attribute, _stub)
    results = CHECKS[name](seed=0)
    assert results and all(not r.passed for r in results if "float32" not in r.name)
    assert "not implemented yet" in "\n".join(r.message for r in results)


# ---------------------------------------------------------------------------------------------
# Planted mistakes in the optimizers: update rules written with one slip each.
# ---------------------------------------------------------------------------------------------


def sgd_update(slip):
    def update(self, param, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        if weight_decay and slip != "no_wd":
            grad = grad + weight_decay * param
        if momentum and slip != "no_momentum":
            damp = 0 if slip == "no_dampening" else dampening
            if "buf" not in state:
                state["buf"] = (1 - damp) * grad if slip == "zero_start" else grad.copy()
            else:
                state["buf"] = momentum * state["buf"] + (1 - damp) * grad
            grad = grad + momentum * state["buf"] if nesterov and slip != "no_nesterov" else state["buf"]
        return param - lr * grad

    return update


def adagrad_update(slip):
    def update(self, param, grad, state, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
        state["t"] = state.get("t", 0) + 1
        if weight_decay and slip != "no_wd":
            grad = grad + weight_decay * param
        start = 0 if slip == "no_init" else initial_accumulator_value
        if slip == "decays":
            state["sum"] = 0.9 * state.get("sum", start) + 0.1 * grad * grad
        else:
            state["sum"] = state.get("sum", start) + grad * grad
        t = state["t"] if slip == "t_not_t_minus_1" else state["t"] - 1
        clr = lr if slip == "no_lr_decay" else lr / (1 + t * lr_decay)
        if slip == "no_sqrt":
            return param - clr * grad / (state["sum"] + eps)
        if slip == "eps_inside":
            return param - clr * grad / np.sqrt(state["sum"] + eps)
        return param - clr * grad / (np.sqrt(state["sum"]) + eps)

    return update


def rmsprop_update(slip):
    def update(self, param, grad, state, lr, alpha, eps, weight_decay, momentum, centered):
        if weight_decay and slip != "no_wd":
            grad = grad + weight_decay * param
        if slip == "no_decay":
            state["v"] = state.get("v", 0) + grad * grad
        elif slip == "no_one_minus":
            state["v"] = alpha * state.get("v", 0) + grad * grad
        elif slip == "starts_at_g2" and "v" not in state:
            state["v"] = grad * grad
        else:
            state["v"] = alpha * state.get("v", 0) + (1 - alpha) * grad * grad
        v = state["v"]
        if centered and slip != "no_centered":
            state["mean"] = alpha * state.get("mean", 0) + (1 - alpha) * grad
            v = v - state["mean"] ** 2
        denom = (v if slip == "no_sqrt" else np.sqrt(v)) + eps
        if momentum and slip != "no_momentum":
            state["buf"] = momentum * state.get("buf", 0) + grad / denom
            return param - lr * state["buf"]
        return param - lr * grad / denom

    return update


def adam_update(slip, decoupled=False):
    def update(self, param, grad, state, lr, betas, eps, weight_decay, amsgrad):
        b1, b2 = betas[::-1] if slip == "swapped_betas" else betas
        state["t"] = t = state.get("t", 0) + 1
        wd_in_grad = not decoupled or slip in ("l2", "twice")
        if decoupled and slip not in ("no_wd", "l2", "after", "no_lr_scale"):
            param = param * (1 - lr * weight_decay)
        if decoupled and slip == "no_lr_scale":
            param = param * (1 - weight_decay)
        if weight_decay and wd_in_grad and slip != "no_wd":
            grad = grad + weight_decay * param
        if slip == "decoupled_in_adam":
            grad = grad - weight_decay * param
            param = param * (1 - lr * weight_decay)
        state["m"] = b1 * state.get("m", 0) + (1 - b1) * grad
        state["v"] = b2 * state.get("v", 0) + (1 - b2) * grad * grad
        v = state["v"]
        if amsgrad and slip != "no_amsgrad":
            state["vmax"] = v = np.maximum(state.get("vmax", 0), v)
        m_hat = state["m"] if slip in ("no_correction", "only_v") else state["m"] / (1 - b1**t)
        v_hat = v if slip in ("no_correction", "only_m") else v / (1 - b2**t)
        new = param - lr * m_hat / ((v_hat if slip == "no_sqrt" else np.sqrt(v_hat)) + eps)
        if decoupled and slip == "after":
            new = new * (1 - lr * weight_decay)
        return new

    return update


def rprop_update(slip):
    def update(self, param, grad, state, lr, etas, step_sizes):
        minus, plus = etas[::-1] if slip == "swapped" else etas
        prev, size = state.get("prev", np.zeros_like(param)), state.get("size", np.full_like(param, lr))
        s = np.sign(grad * prev)
        size = size * np.where(s > 0, plus, np.where(s < 0, minus, 1.0))
        if slip != "no_clip":
            size = np.clip(size, *step_sizes)
        moved = grad if slip == "moves_after_flip" else np.where(s < 0, 0.0, grad)
        state["prev"], state["size"] = (grad if slip == "raw_prev" else moved), size
        return param - (moved if slip == "gradient_size" else np.sign(moved)) * size

    return update


OPTIMIZER_SLIPS = [
    ("SGD", sgd_update("no_momentum"), "missing_momentum"),
    ("SGD", sgd_update("no_wd"), "missing_weight_decay"),
    ("SGD", sgd_update("no_nesterov"), "nesterov_ignored"),
    ("SGD", sgd_update("no_dampening"), "dampening_ignored"),
    ("SGD", sgd_update("zero_start"), "momentum_buffer_from_zero"),
    ("Adagrad", adagrad_update("no_sqrt"), "missing_sqrt"),
    ("Adagrad", adagrad_update("decays"), "adagrad_decayed_sum"),
    ("Adagrad", adagrad_update("no_lr_decay"), "lr_decay_ignored"),
    ("Adagrad", adagrad_update("t_not_t_minus_1"), "lr_decay_off_by_one"),
    ("Adagrad", adagrad_update("no_init"), "initial_accumulator_ignored"),
    ("Adagrad", adagrad_update("no_wd"), "missing_weight_decay"),
    ("Adagrad", adagrad_update("eps_inside"), "eps_inside_sqrt"),
    ("RMSprop", rmsprop_update("no_decay"), "missing_decay"),
    ("RMSprop", rmsprop_update("no_sqrt"), "missing_sqrt"),
    ("RMSprop", rmsprop_update("no_one_minus"), "rmsprop_no_one_minus_alpha"),
    ("RMSprop", rmsprop_update("starts_at_g2"), "average_starts_at_g2"),
    ("RMSprop", rmsprop_update("no_momentum"), "missing_momentum"),
    ("RMSprop", rmsprop_update("no_wd"), "missing_weight_decay"),
    ("RMSprop", rmsprop_update("no_centered"), "centered_ignored"),
    ("Adam", adam_update("no_correction"), "missing_bias_correction"),
    ("Adam", adam_update("only_m"), "only_m_corrected"),
    ("Adam", adam_update("only_v"), "only_v_corrected"),
    ("Adam", adam_update("no_sqrt"), "missing_sqrt"),
    ("Adam", adam_update("swapped_betas"), "betas_swapped"),
    ("Adam", adam_update("no_wd"), "missing_weight_decay"),
    ("Adam", adam_update("decoupled_in_adam"), "adam_decoupled_decay"),
    ("Adam", adam_update("no_amsgrad"), "amsgrad_ignored"),
    ("AdamW", adam_update("l2", decoupled=True), "coupled_weight_decay"),
    ("AdamW", adam_update("no_wd", decoupled=True), "missing_weight_decay"),
    ("AdamW", adam_update("no_lr_scale", decoupled=True), "decay_not_scaled_by_lr"),
    ("AdamW", adam_update("after", decoupled=True), "decay_after_step"),
    ("AdamW", adam_update("twice", decoupled=True), "decay_twice"),
    ("Rprop", rprop_update("swapped"), "etas_swapped"),
    ("Rprop", rprop_update("moves_after_flip"), "rprop_no_backtrack"),
    ("Rprop", rprop_update("raw_prev"), "rprop_raw_prev"),
    ("Rprop", rprop_update("gradient_size"), "rprop_gradient_size"),
    ("Rprop", rprop_update("no_clip"), "step_sizes_ignored"),
]


@pytest.mark.parametrize(
    "optimizer, update, diagnosis", OPTIMIZER_SLIPS, ids=[f"{o}-{d[:30]}" for o, _, d in OPTIMIZER_SLIPS]
)
def test_planted_optimizer_mistake_is_named(monkeypatch, optimizer, update, diagnosis):
    monkeypatch.setattr(getattr(mytorch.optim, optimizer), "update", update)
    found = messages(f"optimization.{optimizer.lower()}")
    assert likely(diagnosis) in found, found


def test_unrecognised_mistake_says_where_the_trajectory_leaves_torch(monkeypatch):
    original = mytorch.optim.SGD.update

    def late_slip(self, param, grad, state, **hyper):
        state["n"] = state.get("n", 0) + 1
        return original(self, param, 1.5 * grad if state["n"] == 5 else grad, state, **hyper)

    monkeypatch.setattr(mytorch.optim.SGD, "update", late_slip)
    found = messages("optimization.sgd")
    assert "after step 5" in found and "the first 4 step(s) agree" in found, found


# ---------------------------------------------------------------------------------------------
# Planted mistakes in CosineAnnealingLR and BatchNorm1d.
# ---------------------------------------------------------------------------------------------


def cosine_get_lr(slip):
    def get_lr(self):
        e, T, eta = self.last_epoch, self.T_max, self.eta_min
        if slip == "not_halved":
            return [eta + (b - eta) * math.cos(math.pi * e / T) for b in self.base_lrs]
        if slip == "epoch_plus_one":
            e += 1
        if slip == "period":
            T += 1
        if slip == "no_eta_min":
            eta = 0
        return [eta + (b - eta) * (1 + math.cos(math.pi * e / T)) / 2 for b in self.base_lrs]

    return get_lr


@pytest.mark.parametrize(
    "slip, diagnosis",
    [
        ("not_halved", "cosine_not_halved"),
        ("epoch_plus_one", "cosine_epoch_off_by_one"),
        ("period", "cosine_period_off_by_one"),
        ("no_eta_min", "missing_eta_min"),
    ],
)
def test_planted_scheduler_mistake_is_named(monkeypatch, slip, diagnosis):
    monkeypatch.setattr(lr_scheduler.CosineAnnealingLR, "get_lr", cosine_get_lr(slip))
    found = messages("optimization.cosine_annealing")
    assert likely(diagnosis) in found, found


def bn_forward(slip):
    def forward(self, Z):
        N = Z.shape[0]
        if self.training and slip != "train_uses_running":
            mean, var = Z.mean(0), Z.var(0, ddof=1 if slip == "unbiased_norm" else 0)
            batch_var = Z.var(0) if slip == "biased_running" else Z.var(0) * N / (N - 1)
            m = self.momentum
            if slip == "overwrite":
                self.running_mean[...], self.running_var[...] = mean, batch_var
            elif slip == "momentum_swapped":
                self.running_mean[...] = m * self.running_mean + (1 - m) * mean
                self.running_var[...] = m * self.running_var + (1 - m) * batch_var
            elif slip != "never_updated":
                self.running_mean[...] = (1 - m) * self.running_mean + m * mean
                self.running_var[...] = (1 - m) * self.running_var + m * batch_var
        elif slip == "eval_batch_stats":
            mean, var = Z.mean(0), Z.var(0)
        else:
            mean, var = self.running_mean.copy(), self.running_var.copy()
            if slip == "eval_updates":
                self.running_mean[...] = 0.5 * self.running_mean + 0.5 * Z.mean(0)
        if slip == "eps_outside":
            self.inv_std = 1 / (np.sqrt(var) + self.eps)
        elif slip == "no_sqrt":
            self.inv_std = 1 / (var + self.eps)
        else:
            self.inv_std = 1 / np.sqrt(var + self.eps)
        self.NZ = (Z - mean) * self.inv_std
        if slip == "swapped":
            return self.beta * self.NZ + self.gamma
        return self.gamma * self.NZ + self.beta

    return forward


@pytest.mark.parametrize(
    "slip, diagnosis",
    [
        ("train_uses_running", "bn_train_running_stats"),
        ("unbiased_norm", "bn_unbiased_output_var"),
        ("biased_running", "biased_running_var"),
        ("overwrite", "running_overwritten"),
        ("momentum_swapped", "running_momentum_swapped"),
        ("never_updated", "running_not_updated"),
        ("eval_batch_stats", "bn_eval_batch_stats"),
        ("eval_updates", "(eval) changed the running statistics"),
        ("eps_outside", "eps_outside_sqrt"),
        ("no_sqrt", "bn_std_missing"),
        ("swapped", "gamma_beta_swapped"),
    ],
)
def test_planted_batchnorm_forward_mistake_is_named(monkeypatch, slip, diagnosis):
    monkeypatch.setattr(mytorch.nn.BatchNorm1d, "forward", bn_forward(slip))
    found = messages("optimization.batchnorm_forward")
    assert likely(diagnosis) in found, found


def bn_backward(slip):
    def backward(self, dLdBZ):
        self.dLdgamma = {"gamma_with_Z": None, "gamma_mean": (dLdBZ * self.NZ).mean(0)}.get(
            slip, (dLdBZ * self.NZ).sum(0)
        )
        if slip == "gamma_with_Z":
            self.dLdgamma = (dLdBZ * (self.NZ / self.inv_std + self._mean)).sum(0)
        self.dLdbeta = dLdBZ.mean(0) if slip == "beta_mean" else dLdBZ.sum(0)
        G = dLdBZ if slip == "no_gamma" else dLdBZ * self.gamma
        if (not self.training and slip != "eval_train_formula") or slip == "constants":
            return G * self.inv_std
        mean_term = 0 if slip == "no_mean_path" else G.mean(0)
        var_term = 0 if slip == "no_var_path" else self.NZ * (G * self.NZ).mean(0)
        return self.inv_std * (G - mean_term - var_term)

    return backward


@pytest.mark.parametrize(
    "slip, diagnosis",
    [
        ("constants", "bn_constant_stats"),
        ("no_mean_path", "bn_mean_path_missing"),
        ("no_var_path", "bn_var_path_missing"),
        ("no_gamma", "bn_gamma_forgotten"),
        ("eval_train_formula", "bn_eval_training_formula"),
        ("gamma_with_Z", "dLdgamma_uses_Z"),
        ("gamma_mean", "batch_mean"),
        ("beta_mean", "batch_mean"),
    ],
)
def test_planted_batchnorm_backward_mistake_is_named(monkeypatch, slip, diagnosis):
    original_forward = mytorch.nn.BatchNorm1d.forward

    def forward(self, Z):
        self._mean = Z.mean(0) if self.training else self.running_mean
        return original_forward(self, Z)

    monkeypatch.setattr(mytorch.nn.BatchNorm1d, "forward", forward)
    monkeypatch.setattr(mytorch.nn.BatchNorm1d, "backward", bn_backward(slip))
    found = messages("optimization.batchnorm_backward")
    assert likely(diagnosis) in found, found
