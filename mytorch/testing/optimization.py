# GENERATED from solutions/mytorch/testing/optimization.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Visible checks of chapter 5 (optimization): your optimizers, scheduler and BatchNorm1d
against torch on seeded problems, in float64.

An optimizer check runs your optimizer and torch's for 20 steps on the same gradients and
compares the whole trajectory. When they differ, it also runs torch (or a few lines of numpy)
with one typical mistake planted, and if your trajectory matches one of those, it names the
mistake. Seed 0 is the case you see; the grader uses other seeds (other problems and
hyper-parameters).
"""
import math
import warnings

import numpy as np

from .report import Mismatch, cause_text, compare, run_check, which_cause

STEPS = 20
RTOL, ATOL = 1e-6, 1e-9   # the contract: 20 steps agree with torch to 1e-6 in float64


def _torch():
    import torch  # imported late: only the checks that need it pay its start-up time
    return torch


# ---------------------------------------------------------------------------------------------
# A seeded problem: two parameter arrays, a smooth gradient that differs per entry.
# ---------------------------------------------------------------------------------------------

class _Problem:
    """Parameters W (3, 2) and b (2,); the gradient of each entry is a * (x - c) + 0.5 cos(3 x),
    a bumpy bowl whose curvature a differs per entry, so the coordinates move at different paces
    and some overshoot (which exercises Rprop's sign logic)."""

    shapes = ((3, 2), (2,))

    def __init__(self, seed):
        rng = np.random.default_rng(1000 + seed)
        self.x0 = [rng.normal(size=s) for s in self.shapes]
        self.a = [rng.uniform(0.3, 3.0, size=s) for s in self.shapes]
        self.c = [rng.normal(size=s) for s in self.shapes]

    def grad(self, i, x):
        return self.a[i] * (x - self.c[i]) + 0.5 * np.cos(3 * x)


def _holder(arrays):
    """A mytorch Module that just holds `arrays` as its trainable parameters p0, p1, ..."""
    from mytorch.nn import Module

    class Holder(Module):
        def __init__(self):
            super().__init__()
            self.parameter_names = tuple(f"p{i}" for i in range(len(arrays)))
            for name, array in zip(self.parameter_names, arrays):
                setattr(self, name, np.array(array, dtype=np.float64))

    return Holder()


def _flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


def _mytorch_path(name, hyper, problem):
    """Your optimizer's trajectory: (STEPS + 1, n) positions, float64."""
    import mytorch.optim
    params = _holder(problem.x0).parameters()
    opt = getattr(mytorch.optim, name)(params, **hyper)
    path = [_flat([p.data for p in params])]
    for _ in range(STEPS):
        opt.zero_grad()
        for i, p in enumerate(params):
            p.grad = problem.grad(i, np.array(p.data, dtype=np.float64))
        opt.step()
        path.append(_flat([p.data for p in params]))
    return np.array(path)


def _torch_path(name, hyper, problem, before=None, after=None):
    """torch.optim's trajectory; `before` / `after` (params, lr) run around each step, so a
    mistake such as "weight decay applied after the step" can be planted without rewriting torch."""
    torch = _torch()
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in problem.x0]
    opt = getattr(torch.optim, name)(params, **hyper)
    path = [_flat([p.detach().numpy() for p in params])]
    for _ in range(STEPS):
        for i, p in enumerate(params):
            p.grad = torch.from_numpy(problem.grad(i, p.detach().numpy().copy()))
        with torch.no_grad():
            if before:
                before(params, hyper)
            opt.step()
            if after:
                after(params, hyper)
        path.append(_flat([p.detach().numpy().copy() for p in params]))
    return np.array(path)


def _numpy_path(rule, problem):
    """Trajectory of a plain-numpy update `rule(x, g, state, t) -> new x` (t = 1, 2, ...),
    used only to model mistakes."""
    xs = [x.copy() for x in problem.x0]
    states = [{} for _ in xs]
    path = [_flat(xs)]
    for t in range(1, STEPS + 1):
        xs = [rule(x, problem.grad(i, x), states[i], t) for i, x in enumerate(xs)]
        path.append(_flat(xs))
    return np.array(path)


def _close(a, b):
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=RTOL, atol=ATOL)


def _judge(label, expected, actual, mistakes):
    """Raise a Mismatch naming the mistake whose trajectory `actual` follows, or where it leaves
    torch's. mistakes: {catalogue cause: trajectory or a function returning one}."""
    if actual.shape != expected.shape:
        raise Mismatch(f"{label}: the parameters changed shape (expected {expected.shape[1]} numbers "
                       f"in all, got {actual.shape[1]})")
    if _close(expected, actual):
        return
    known = [(cause, np.asarray(path() if callable(path) else path)) for cause, path in mistakes.items()]
    cause = which_cause(actual, expected, known, RTOL, ATOL, generic=False) if np.all(np.isfinite(actual)) else None
    if cause:
        raise Mismatch(f"{label}: your trajectory follows the one with this mistake. {cause_text(cause)}")
    with np.errstate(invalid="ignore"):
        bad = ~np.isclose(actual, expected, rtol=RTOL, atol=ATOL)
    step = int(np.argmax(bad.any(axis=1)))
    where = int(np.argmax(bad[step]))
    hint = ("the starting point was changed before any step" if step == 0 else
            "the very first step is already wrong: check the update formula" if step == 1 else
            f"the first {step - 1} step(s) agree, so the formula is right at the start but the state "
            f"kept between steps (buffers, averages, step count) evolves differently")
    raise Mismatch(f"{label}: after step {step}, parameter entry {where} is {actual[step, where]:.8g}, "
                   f"torch has {expected[step, where]:.8g}; {hint}")


def _args(hyper):
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in hyper.items())


def _optimizer_checks(name, cases, seed, mistakes_of):
    """One CheckResult per case (hyper-parameter setting): your trajectory against torch's.

    mistakes_of(hyper, problem) -> {diagnosis: trajectory or function}.
    """
    problem = _Problem(seed)
    results = []
    for hyper in cases:
        label = f"{name}({_args(hyper)})"

        def body(hyper=hyper, label=label):
            expected = _torch_path(name, hyper, problem)
            actual = _mytorch_path(name, hyper, problem)
            _judge(label, expected, actual, mistakes_of(hyper, problem))

        results.append(run_check(f"{label}: {STEPS}-step trajectory", body))
    return results


def _draw(seed, low, high):
    """A hyper-parameter: the middle of [low, high] for seed 0, else uniform from a seeded rng."""
    if seed == 0:
        return round((low + high) / 2, 3)
    return round(float(np.random.default_rng(seed).uniform(low, high)), 3)


def _changed(hyper, **changes):
    return {**hyper, **changes}


# ---------------------------------------------------------------------------------------------
# 5.2 SGD
# ---------------------------------------------------------------------------------------------

def sgd_checks(seed=0):
    """SGD with plain steps, momentum with dampening, and Nesterov with weight decay."""
    lr, mom = _draw(seed, 0.04, 0.12), _draw(seed + 1, 0.6, 0.9)
    cases = [dict(lr=lr),
             dict(lr=lr, momentum=mom, dampening=_draw(seed + 2, 0.2, 0.5)),
             dict(lr=lr / 2, momentum=mom, nesterov=True, weight_decay=_draw(seed + 3, 0.1, 0.3))]

    def mistakes(hyper, problem):
        m, d, wd = hyper.get("momentum", 0), hyper.get("dampening", 0), hyper.get("weight_decay", 0)
        found = {}
        if m:
            found["missing_momentum"] = \
                lambda: _torch_path("SGD", _changed(hyper, momentum=0, dampening=0, nesterov=False), problem)
        if wd:
            found["missing_weight_decay"] = \
                lambda: _torch_path("SGD", _changed(hyper, weight_decay=0), problem)
        if hyper.get("nesterov"):
            found["nesterov_ignored"] = \
                lambda: _torch_path("SGD", _changed(hyper, nesterov=False), problem)
        if d:
            found["dampening_ignored"] = \
                lambda: _torch_path("SGD", _changed(hyper, dampening=0), problem)

            def zero_start(x, g, state, t):
                state["buf"] = m * state.get("buf", 0.0) + (1 - d) * g
                return x - hyper["lr"] * state["buf"]
            found["momentum_buffer_from_zero"] = lambda: _numpy_path(zero_start, problem)
        return found

    return _optimizer_checks("SGD", cases, seed, mistakes)


# ---------------------------------------------------------------------------------------------
# 5.4 Adagrad
# ---------------------------------------------------------------------------------------------

def adagrad_checks(seed=0):
    """Adagrad plain, with lr_decay and an initial accumulator, with weight decay and a large eps."""
    lr = _draw(seed, 0.3, 0.7)
    cases = [dict(lr=lr),
             dict(lr=lr, lr_decay=_draw(seed + 1, 0.05, 0.2), initial_accumulator_value=_draw(seed + 2, 0.2, 1.0)),
             dict(lr=lr, weight_decay=_draw(seed + 3, 0.1, 0.3), eps=_draw(seed + 4, 0.05, 0.2))]

    def mistakes(hyper, problem):
        lr = hyper["lr"]
        found = {}
        if len(hyper) == 1:
            def no_sqrt(x, g, state, t):
                state["sum"] = state.get("sum", 0.0) + g * g
                return x - lr * g / (state["sum"] + 1e-10)

            def decayed(x, g, state, t):
                state["sum"] = 0.9 * state.get("sum", 0.0) + 0.1 * g * g
                return x - lr * g / (np.sqrt(state["sum"]) + 1e-10)
            found["missing_sqrt"] = lambda: _numpy_path(no_sqrt, problem)
            found["adagrad_decayed_sum"] = lambda: _numpy_path(decayed, problem)
        if hyper.get("lr_decay"):
            found["lr_decay_ignored"] = \
                lambda: _torch_path("Adagrad", _changed(hyper, lr_decay=0), problem)

            def from_zero(x, g, state, t):
                state["sum"] = state.get("sum", hyper["initial_accumulator_value"]) + g * g
                return x - lr / (1 + t * hyper["lr_decay"]) * g / (np.sqrt(state["sum"]) + 1e-10)
            found["lr_decay_off_by_one"] = \
                lambda: _numpy_path(from_zero, problem)
        if hyper.get("initial_accumulator_value"):
            found["initial_accumulator_ignored"] = \
                lambda: _torch_path("Adagrad", _changed(hyper, initial_accumulator_value=0), problem)
        if hyper.get("weight_decay"):
            found["missing_weight_decay"] = \
                lambda: _torch_path("Adagrad", _changed(hyper, weight_decay=0), problem)

            def eps_inside(x, g, state, t):
                g = g + hyper["weight_decay"] * x
                state["sum"] = state.get("sum", 0.0) + g * g
                return x - lr * g / np.sqrt(state["sum"] + hyper["eps"])
            found["eps_inside_sqrt"] = \
                lambda: _numpy_path(eps_inside, problem)
        return found

    return _optimizer_checks("Adagrad", cases, seed, mistakes)


# ---------------------------------------------------------------------------------------------
# 5.5 RMSprop
# ---------------------------------------------------------------------------------------------

def rmsprop_checks(seed=0):
    """RMSprop plain, with momentum and weight decay, and centered with momentum."""
    lr, alpha = _draw(seed, 0.02, 0.06), _draw(seed + 1, 0.85, 0.95)
    cases = [dict(lr=lr, alpha=alpha),
             dict(lr=lr / 2, alpha=alpha, momentum=_draw(seed + 2, 0.5, 0.9), weight_decay=_draw(seed + 3, 0.1, 0.3)),
             dict(lr=lr / 2, alpha=alpha, centered=True, momentum=_draw(seed + 4, 0.3, 0.6))]

    def mistakes(hyper, problem):
        lr, alpha = hyper["lr"], hyper["alpha"]
        found = {}
        if len(hyper) == 2:
            def no_decay(x, g, state, t):
                state["v"] = state.get("v", 0.0) + g * g
                return x - lr * g / (np.sqrt(state["v"]) + 1e-8)

            def no_sqrt(x, g, state, t):
                state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g * g
                return x - lr * g / (state["v"] + 1e-8)

            def no_one_minus(x, g, state, t):
                state["v"] = alpha * state.get("v", 0.0) + g * g
                return x - lr * g / (np.sqrt(state["v"]) + 1e-8)

            def starts_at_g2(x, g, state, t):
                state["v"] = alpha * state["v"] + (1 - alpha) * g * g if "v" in state else g * g
                return x - lr * g / (np.sqrt(state["v"]) + 1e-8)
            found["missing_decay"] = lambda: _numpy_path(no_decay, problem)
            found["missing_sqrt"] = lambda: _numpy_path(no_sqrt, problem)
            found["rmsprop_no_one_minus_alpha"] = \
                lambda: _numpy_path(no_one_minus, problem)
            found["average_starts_at_g2"] = \
                lambda: _numpy_path(starts_at_g2, problem)
        if hyper.get("momentum"):
            found["missing_momentum"] = \
                lambda: _torch_path("RMSprop", _changed(hyper, momentum=0), problem)
        if hyper.get("weight_decay"):
            found["missing_weight_decay"] = \
                lambda: _torch_path("RMSprop", _changed(hyper, weight_decay=0), problem)
        if hyper.get("centered"):
            found["centered_ignored"] = lambda: _torch_path("RMSprop", _changed(hyper, centered=False), problem)
        return found

    return _optimizer_checks("RMSprop", cases, seed, mistakes)


# ---------------------------------------------------------------------------------------------
# 5.6 Adam and 5.7 AdamW
# ---------------------------------------------------------------------------------------------

def adam_checks(seed=0):
    """Adam plain, with (coupled, L2) weight decay and other betas, and with amsgrad."""
    lr = _draw(seed, 0.02, 0.06)
    betas = (_draw(seed + 1, 0.7, 0.85), _draw(seed + 2, 0.95, 0.99))
    cases = [dict(lr=lr),
             dict(lr=lr / 2, betas=betas, weight_decay=_draw(seed + 3, 0.1, 0.3)),
             dict(lr=lr / 2, betas=betas, amsgrad=True)]

    def mistakes(hyper, problem):
        lr = hyper["lr"]
        b1, b2 = hyper.get("betas", (0.9, 0.999))
        found = {}
        if len(hyper) == 1:
            def adam_like(correct_m, correct_v, sqrt=True):
                def rule(x, g, state, t):
                    state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
                    state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
                    m = state["m"] / (1 - b1 ** t) if correct_m else state["m"]
                    v = state["v"] / (1 - b2 ** t) if correct_v else state["v"]
                    return x - lr * m / ((np.sqrt(v) if sqrt else v) + 1e-8)
                return lambda: _numpy_path(rule, problem)
            found["missing_bias_correction"] = adam_like(False, False)
            found["only_m_corrected"] = adam_like(True, False)
            found["only_v_corrected"] = adam_like(False, True)
            found["missing_sqrt"] = adam_like(True, True, sqrt=False)
            found["betas_swapped"] = \
                lambda: _torch_path("Adam", _changed(hyper, betas=(0.999, 0.9)), problem)
        if hyper.get("weight_decay"):
            found["missing_weight_decay"] = lambda: _torch_path("Adam", _changed(hyper, weight_decay=0), problem)
            found["adam_decoupled_decay"] = lambda: _torch_path("AdamW", hyper, problem)
        if hyper.get("amsgrad"):
            found["amsgrad_ignored"] = \
                lambda: _torch_path("Adam", _changed(hyper, amsgrad=False), problem)
        return found

    return _optimizer_checks("Adam", cases, seed, mistakes)


def adamw_checks(seed=0):
    """AdamW: the decay multiplies the parameter by (1 - lr * weight_decay), outside the moments."""
    lr = _draw(seed, 0.02, 0.06)
    cases = [dict(lr=lr, weight_decay=_draw(seed + 1, 0.2, 0.6)),
             dict(lr=lr / 2, betas=(_draw(seed + 2, 0.7, 0.85), _draw(seed + 3, 0.95, 0.99)),
                  weight_decay=_draw(seed + 4, 0.5, 1.5), amsgrad=True)]

    def shrink(factor_of):
        def hook(params, hyper):
            for p in params:
                p.mul_(factor_of(hyper))
        return hook

    def mistakes(hyper, problem):
        plain = _changed(hyper, weight_decay=0)
        wd, lr = hyper["weight_decay"], hyper["lr"]
        return {
            "coupled_weight_decay":
                lambda: _torch_path("Adam", hyper, problem),
            "missing_weight_decay":
                lambda: _torch_path("Adam", plain, problem),
            "decay_not_scaled_by_lr":
                lambda: _torch_path("Adam", plain, problem, before=shrink(lambda h: 1 - wd)),
            "decay_after_step":
                lambda: _torch_path("Adam", plain, problem, after=shrink(lambda h: 1 - lr * wd)),
            "decay_twice":
                lambda: _torch_path("Adam", hyper, problem, before=shrink(lambda h: 1 - lr * wd)),
        }

    return _optimizer_checks("AdamW", cases, seed, mistakes)


# ---------------------------------------------------------------------------------------------
# 5.3 Rprop
# ---------------------------------------------------------------------------------------------

def rprop_checks(seed=0):
    """Rprop with default settings, and with other etas and step-size limits that bite."""
    lr = _draw(seed, 0.03, 0.08)
    cases = [dict(lr=lr),
             dict(lr=lr / 2, etas=(_draw(seed + 1, 0.3, 0.6), _draw(seed + 2, 1.3, 1.8)),
                  step_sizes=(_draw(seed + 3, 0.005, 0.015), _draw(seed + 4, 0.08, 0.12)))]

    def mistakes(hyper, problem):
        lr = hyper["lr"]
        lo, hi = hyper.get("step_sizes", (1e-6, 50))

        def rprop_like(etas=hyper.get("etas", (0.5, 1.2)), zero_after_flip=True, keep_raw_prev=False,
                       use_sign=True):
            minus, plus = etas

            def rule(x, g, state, t):
                prev, size = state.get("prev", np.zeros_like(x)), state.get("size", np.full_like(x, lr))
                s = np.sign(g * prev)
                size = np.clip(size * np.where(s > 0, plus, np.where(s < 0, minus, 1.0)), lo, hi)
                moved = np.where(s < 0, 0.0, g) if zero_after_flip else g
                state["prev"], state["size"] = (g if keep_raw_prev else moved), size
                return x - (np.sign(moved) if use_sign else moved) * size
            return lambda: _numpy_path(rule, problem)

        minus, plus = hyper.get("etas", (0.5, 1.2))
        return {
            "etas_swapped": rprop_like(etas=(plus, minus)),
            "rprop_no_backtrack": rprop_like(zero_after_flip=False),
            "rprop_raw_prev": rprop_like(keep_raw_prev=True),
            "rprop_gradient_size":
                rprop_like(use_sign=False),
            "step_sizes_ignored":
                lambda: _torch_path("Rprop", _changed(hyper, step_sizes=(0.0, 1e300)), problem),
        }

    return _optimizer_checks("Rprop", cases, seed, mistakes)


# ---------------------------------------------------------------------------------------------
# 5.1 CosineAnnealingLR
# ---------------------------------------------------------------------------------------------

def cosine_checks(seed=0):
    """CosineAnnealingLR: the rates of 2 * T_max + 3 epochs against torch, one and two groups."""
    rng = np.random.default_rng(seed)
    cases = [dict(lrs=[0.1], T_max=10, eta_min=0.0),
             dict(lrs=[0.5, 0.05], T_max=7, eta_min=0.01)]
    if seed:
        cases = [dict(lrs=[round(float(rng.uniform(0.05, 1)), 3)], T_max=int(rng.integers(3, 15)),
                      eta_min=0.0),
                 dict(lrs=[round(float(rng.uniform(0.2, 1)), 3), round(float(rng.uniform(0.02, 0.1)), 3)],
                      T_max=int(rng.integers(3, 15)), eta_min=round(float(rng.uniform(0.001, 0.02)), 4))]

    def schedule(case, fn):
        """The rates of epochs 1 .. 2 T_max + 3 from a closed form fn(base, epoch)."""
        epochs = range(1, 2 * case["T_max"] + 4)
        return np.array([[fn(base, e) for base in case["lrs"]] for e in epochs])

    def torch_rates(case):
        torch = _torch()
        groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in case["lrs"]]
        opt = torch.optim.SGD(groups, lr=case["lrs"][0])
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=case["T_max"], eta_min=case["eta_min"])
        rates = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(2 * case["T_max"] + 3):
                opt.step()   # no gradients: nothing moves, but torch sees the usual order of calls
                sched.step()
                rates.append(sched.get_last_lr())
        return np.array(rates)

    def mine(case):
        import mytorch.optim
        from mytorch.optim.lr_scheduler import CosineAnnealingLR
        params = _holder([np.zeros(1) for _ in case["lrs"]]).parameters()
        opt = mytorch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, case["lrs"])],
                                lr=case["lrs"][0])
        sched = CosineAnnealingLR(opt, T_max=case["T_max"], eta_min=case["eta_min"])
        rates = []
        for _ in range(2 * case["T_max"] + 3):
            sched.step()
            got = sched.get_last_lr()
            if [g["lr"] for g in opt.param_groups] != list(got):
                raise Mismatch("get_last_lr() differs from the rates in optimizer.param_groups: "
                               "get_lr() must return one rate per group, and step() writes them")
            rates.append(got)
        return np.array(rates, dtype=np.float64)

    def mistakes(case):
        T_, eta = case["T_max"], case["eta_min"]
        found = {
            "cosine_not_halved":
                schedule(case, lambda b, e: eta + (b - eta) * math.cos(math.pi * e / T_)),
            "cosine_epoch_off_by_one":
                schedule(case, lambda b, e: eta + (b - eta) * (1 + math.cos(math.pi * (e + 1) / T_)) / 2),
            "cosine_period_off_by_one":
                schedule(case, lambda b, e: eta + (b - eta) * (1 + math.cos(math.pi * e / (T_ + 1))) / 2),
        }
        if eta:
            found["missing_eta_min"] = \
                schedule(case, lambda b, e: b * (1 + math.cos(math.pi * e / T_)) / 2)
        return found

    results = []
    for case in cases:
        label = (f"CosineAnnealingLR(T_max={case['T_max']}, eta_min={case['eta_min']}) "
                 f"with lr={case['lrs']}")

        def body(case=case, label=label):
            expected, actual = torch_rates(case), mine(case)
            if actual.shape != expected.shape:
                raise Mismatch(f"{label}: expected {expected.shape[1]} rate(s) per step "
                               f"(one per parameter group), got {actual.shape[1]}")
            if np.allclose(actual, expected, rtol=1e-9, atol=1e-12):
                return
            cause = which_cause(actual, expected, list(mistakes(case).items()), 1e-9, 1e-12, generic=False)
            if cause:
                raise Mismatch(f"{label}: {cause_text(cause)}")
            epoch = int(np.argmax(~np.isclose(actual, expected, rtol=1e-9, atol=1e-12).all(axis=1)))
            raise Mismatch(f"{label}: at epoch {epoch + 1} the rates are {actual[epoch].tolist()}, "
                           f"torch has {expected[epoch].tolist()}")

        results.append(run_check(f"{label}: rates of {2 * case['T_max'] + 3} epochs", body))
    return results


# ---------------------------------------------------------------------------------------------
# 5.8 and 5.9 BatchNorm1d
# ---------------------------------------------------------------------------------------------

class _BatchNormCase:
    """Three training batches, one eval batch, gamma and beta drawn at random; torch's answers."""

    def __init__(self, seed):
        rng = np.random.default_rng(2000 + seed)
        self.N, self.C = (8, 4) if seed == 0 else (int(rng.integers(3, 12)), int(rng.integers(1, 7)))
        self.eps, self.momentum = (1e-5, 0.1) if seed == 0 else (float(rng.choice([1e-5, 1e-3, 0.1])),
                                                                 round(float(rng.uniform(0.05, 0.5)), 3))
        shift, scale = rng.normal(size=self.C) * 3, rng.uniform(0.5, 3, size=self.C)
        self.batches = [shift + scale * rng.normal(size=(self.N, self.C)) for _ in range(4)]
        self.gamma = rng.uniform(0.5, 2, size=self.C) * rng.choice([-1, 1], size=self.C)
        self.beta = rng.normal(size=self.C)
        self.G = rng.normal(size=(self.N, self.C))

    def torch_layer(self):
        torch = _torch()
        bn = torch.nn.BatchNorm1d(self.C, eps=self.eps, momentum=self.momentum, dtype=torch.float64)
        with torch.no_grad():
            bn.weight.copy_(torch.from_numpy(self.gamma))
            bn.bias.copy_(torch.from_numpy(self.beta))
        return bn

    def mine(self):
        import mytorch.nn
        bn = mytorch.nn.BatchNorm1d(self.C, eps=self.eps, momentum=self.momentum, dtype=np.float64)
        bn.gamma = self.gamma.copy()
        bn.beta = self.beta.copy()
        return bn

    def normalize(self, Z, mean, var, eps_inside=True):
        """gamma * (Z - mean) / sqrt(var + eps) + beta (or with eps outside the root)."""
        std = np.sqrt(var + self.eps) if eps_inside else np.sqrt(var) + self.eps
        return self.gamma * (Z - mean) / std + self.beta


def _recognise(quantity, expected, actual, mistakes, rtol=1e-6, atol=1e-9):
    """compare(), naming the catalogued mistake ({cause: value}) that `actual` is."""
    compare(quantity, expected, actual, rtol=rtol, atol=atol, candidates=list(mistakes.items()))


def batchnorm_forward_checks(seed=0):
    """BatchNorm1d.forward in training (output, running statistics) and in eval, against torch."""
    case = _BatchNormCase(seed)
    torch = _torch()
    N, m = case.N, case.momentum

    def train_output():
        bn, twin = case.mine(), case.torch_layer()
        Z = case.batches[0]
        expected = twin(torch.from_numpy(Z)).detach().numpy()
        mean, var = Z.mean(0), Z.var(0)
        _recognise("BatchNorm1d.forward (training) output", expected, bn.forward(Z), {
            "bn_train_running_stats":
                case.normalize(Z, np.zeros(case.C), np.ones(case.C)),
            "bn_unbiased_output_var":
                case.normalize(Z, mean, Z.var(0, ddof=1)),
            "eps_outside_sqrt":
                case.normalize(Z, mean, var, eps_inside=False),
            "gamma_beta_swapped":
                case.beta * (Z - mean) / np.sqrt(var + case.eps) + case.gamma,
            "bn_std_missing":
                case.gamma * (Z - mean) / (var + case.eps) + case.beta,
        })

    def running_stats():
        bn, twin = case.mine(), case.torch_layer()
        rm, rv_unbiased, rv_biased, rv_swapped, rm_swapped = (np.zeros(case.C), np.ones(case.C),
                                                              np.ones(case.C), np.ones(case.C), np.zeros(case.C))
        for Z in case.batches[:3]:
            twin(torch.from_numpy(Z))
            bn.forward(Z)
            rm = (1 - m) * rm + m * Z.mean(0)
            rv_biased = (1 - m) * rv_biased + m * Z.var(0)
            rv_swapped = m * rv_swapped + (1 - m) * Z.var(0, ddof=1)
            rm_swapped = m * rm_swapped + (1 - m) * Z.mean(0)
        last = case.batches[2]
        not_updated = "running_not_updated"
        _recognise("BatchNorm1d running_mean after 3 training batches", twin.running_mean.numpy(),
                   bn.running_mean, {
                       not_updated: np.zeros(case.C),
                       "running_momentum_swapped": rm_swapped,
                       "running_overwritten":
                           last.mean(0)})
        _recognise("BatchNorm1d running_var after 3 training batches", twin.running_var.numpy(),
                   bn.running_var, {
                       not_updated: np.ones(case.C),
                       "biased_running_var": rv_biased,
                       "running_momentum_swapped": rv_swapped,
                       "running_overwritten":
                           last.var(0, ddof=1)})

    def eval_output():
        twin = case.torch_layer()
        for Z in case.batches[:3]:
            twin(torch.from_numpy(Z))
        twin.eval()
        Z = case.batches[3]
        expected = twin(torch.from_numpy(Z)).detach().numpy()
        bn = case.mine()
        # Hand your layer torch's running statistics, so that this check tests eval alone.
        bn.running_mean[...] = twin.running_mean.numpy()
        bn.running_var[...] = twin.running_var.numpy()
        before = bn.running_mean.copy(), bn.running_var.copy()
        if bn.eval() is not bn and bn.training:
            raise Mismatch("eval() did not switch the layer to evaluation mode")
        actual = bn.forward(Z)
        _recognise("BatchNorm1d.forward (eval) output", expected, actual, {
            "bn_eval_batch_stats":
                case.normalize(Z, Z.mean(0), Z.var(0)),
            "bn_eval_var_squared":
                case.normalize(Z, twin.running_mean.numpy(), twin.running_var.numpy() ** 2)})
        if not (np.array_equal(before[0], bn.running_mean) and np.array_equal(before[1], bn.running_var)):
            raise Mismatch("BatchNorm1d.forward (eval) changed the running statistics: "
                           "only training mode updates them")

    def keeps_float32():
        import mytorch.nn
        bn = mytorch.nn.BatchNorm1d(case.C)
        out = bn.forward(case.batches[0].astype(np.float32))
        if out.dtype != np.float32 or bn.running_var.dtype != np.float32:
            raise Mismatch(f"float32 in should give float32 out and float32 running statistics; got "
                           f"output {out.dtype}, running_var {bn.running_var.dtype} (write the running "
                           f"statistics in place, e.g. running_var[...] = ..., to keep their dtype)")

    return [run_check("BatchNorm1d.forward (training)", train_output),
            run_check("BatchNorm1d running statistics", running_stats),
            run_check("BatchNorm1d.forward (eval)", eval_output),
            run_check("BatchNorm1d keeps float32", keeps_float32)]


def batchnorm_backward_checks(seed=0):
    """BatchNorm1d.backward in training and eval mode against torch autograd."""
    case = _BatchNormCase(seed)
    torch = _torch()
    Z, G = case.batches[0], case.G

    def torch_grads(train):
        twin = case.torch_layer()
        if not train:
            for batch in case.batches[1:]:
                twin(torch.from_numpy(batch))
            twin.eval()
        Z_t = torch.from_numpy(Z).requires_grad_(True)
        (twin(Z_t) * torch.from_numpy(G)).sum().backward()
        return (Z_t.grad.numpy(), twin.weight.grad.numpy(), twin.bias.grad.numpy(),
                twin.running_mean.numpy().copy(), twin.running_var.numpy().copy())

    def mistakes(mean, var):
        inv_std = 1 / np.sqrt(var + case.eps)
        NZ = (Z - mean) * inv_std
        Gg = G * case.gamma
        full = inv_std * (Gg - Gg.mean(0) - NZ * (Gg * NZ).mean(0))
        dZ = {
            "bn_constant_stats": Gg * inv_std,
            "bn_mean_path_missing":
                inv_std * (Gg - NZ * (Gg * NZ).mean(0)),
            "bn_var_path_missing":
                inv_std * (Gg - Gg.mean(0)),
            "bn_gamma_forgotten":
                inv_std * (G - G.mean(0) - NZ * (G * NZ).mean(0)),
        }
        eval_dZ = {"bn_eval_training_formula": full}
        dgamma = {"dLdgamma_uses_Z": (G * Z).sum(0),
                  "batch_mean": (G * NZ).mean(0)}
        return dZ, eval_dZ, dgamma

    def train_backward():
        dZ_t, dgamma_t, dbeta_t, _, _ = torch_grads(True)
        bn = case.mine()
        bn.forward(Z)
        dLdZ = bn.backward(G)
        dZ, _, dgamma = mistakes(Z.mean(0), Z.var(0))
        _recognise("BatchNorm1d.backward (training) dLdZ", dZ_t, dLdZ, dZ)
        _recognise("BatchNorm1d.backward dLdgamma", dgamma_t, bn.dLdgamma, dgamma)
        _recognise("BatchNorm1d.backward dLdbeta", dbeta_t, bn.dLdbeta,
                   {"batch_mean": G.mean(0)})

    def eval_backward():
        dZ_t, dgamma_t, dbeta_t, rm, rv = torch_grads(False)
        bn = case.mine()
        bn.running_mean[...] = rm
        bn.running_var[...] = rv
        bn.eval()
        bn.forward(Z)
        dLdZ = bn.backward(G)
        _, eval_dZ, dgamma = mistakes(rm, rv)
        _recognise("BatchNorm1d.backward (eval) dLdZ", dZ_t, dLdZ, eval_dZ)
        _recognise("BatchNorm1d.backward (eval) dLdgamma", dgamma_t, bn.dLdgamma, dgamma)
        _recognise("BatchNorm1d.backward (eval) dLdbeta", dbeta_t, bn.dLdbeta, {})

    return [run_check("BatchNorm1d.backward (training)", train_backward),
            run_check("BatchNorm1d.backward (eval)", eval_backward)]


CHECKS = {
    "optimization.sgd": sgd_checks,
    "optimization.adagrad": adagrad_checks,
    "optimization.rmsprop": rmsprop_checks,
    "optimization.adam": adam_checks,
    "optimization.adamw": adamw_checks,
    "optimization.rprop": rprop_checks,
    "optimization.cosine_annealing": cosine_checks,
    "optimization.batchnorm_forward": batchnorm_forward_checks,
    "optimization.batchnorm_backward": batchnorm_backward_checks,
}
