"""Checks of chapter 5 (optimization), in exercise order: 5.1 CosineAnnealingLR, 5.2-5.7 optimizers (SGD,
Rprop, Adagrad, RMSprop, Adam, AdamW), 5.8-5.9 BatchNorm1d.

Optimizers are graded on 15-step trajectories over fixed random gradients, one check per
feature (plain, momentum, weight decay, ...). Mistake candidates: mistakes that are a change
of hyper-parameters (no momentum, no weight decay, AdamW's decay coupled) are run by the
reference itself ("variants"); the others (no bias correction, no square root, no decay of
the average) are simulated below, grader side only.
"""

import numpy as np

from . import Check


def simulate(name, kwargs, W0, grads, mistake):
    """The trajectory of an optimizer with one planted mistake (plain settings only)."""
    lr, eps = kwargs.get("lr"), kwargs.get("eps", 1e-10 if name == "Adagrad" else 1e-8)
    root = (lambda v: v) if mistake == "missing_sqrt" else np.sqrt
    p, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    out = []
    if name == "Rprop":  # no backtracking after a sign change, or the etas swapped (Rprop refuses those)
        (etaminus, etaplus), (low, high) = kwargs.get("etas", (0.5, 1.2)), kwargs.get("step_sizes", (1e-6, 50))
        if mistake == "etas_swapped":
            etaminus, etaplus = etaplus, etaminus
        step = np.full_like(W0, lr if lr is not None else 0.01)
    for t, g in enumerate(grads, start=1):
        if name == "Rprop":
            sign = np.sign(g * m)
            step = np.clip(step * np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0)), low, high)
            if mistake != "rprop_no_backtrack":  # the slip keeps the gradient where its sign flipped
                g = np.where(sign < 0, 0.0, g)
            m = g
            p = p - np.sign(g) * step
        elif name == "Adagrad":
            v = v + g * g
            p = p - lr * g / (root(v) + eps)
        elif name == "RMSprop":
            alpha = kwargs.get("alpha", 0.99)
            v = {"missing_decay": v + g * g}.get(mistake, alpha * v + (1 - alpha) * g * g)
            p = p - lr * g / (root(v) + eps)
        else:
            beta1, beta2 = kwargs.get("betas", (0.9, 0.999))
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            if mistake == "missing_bias_correction":
                p = p - lr * m / (np.sqrt(v) + eps)
            else:
                p = p - lr / (1 - beta1**t) * m / (root(v) / root(1 - beta2**t) + eps)
        out.append(p)
    return np.stack(out)


def optimizer_mistakes(name, ctx, case):
    candidates = [(cause, ctx.get(f"variant.{cause}.{name}")) for cause in case.get("variants", {})]
    for cause in case.get("simulate", []):
        candidates.append(
            (cause, simulate(case["optimizer"], case.get("kwargs", {}), ctx[f"{name}0"], ctx[f"g{name}"], cause))
        )
    return candidates


NUMBERS = {"SGD": "5.2", "Rprop": "5.3", "Adagrad": "5.4", "RMSprop": "5.5", "Adam": "5.6", "AdamW": "5.7"}


def optimizer_check(name, feature, kwargs, seed, variants=None, simulate_=()):
    case = dict(
        optimizer=name,
        kwargs=kwargs,
        seed=seed,
        variants=variants or {},
        simulate=list(simulate_),
        shape=[3, 4],
        dtype="float64",
        label=", ".join(f"{k}={v}" for k, v in kwargs.items()),
    )
    return Check(
        f"optimization.{name.lower()}.{feature}",
        f"{NUMBERS[name]} {name} ({feature.replace('_', ' ')})",
        1,
        "optimizer",
        [case],
        compare=("W", "b"),
        mistakes=optimizer_mistakes,
    )


NO_MOMENTUM = {"missing_momentum": ["SGD", {"momentum": 0, "nesterov": False, "dampening": 0}]}
NO_DECAY = {"missing_weight_decay": ["SGD", {"weight_decay": 0}]}


def same(name, variants):
    """The variants with the optimizer's own class."""
    return {cause: [name, changes] for cause, (_, changes) in variants.items()}


OPTIMIZERS = [
    optimizer_check("SGD", "plain", {"lr": 0.1}, 500),
    optimizer_check("SGD", "momentum", {"lr": 0.1, "momentum": 0.9}, 501, NO_MOMENTUM),
    optimizer_check(
        "SGD",
        "dampening",
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
        502,
        {**NO_MOMENTUM, "dampening_ignored": ["SGD", {"dampening": 0}]},
    ),
    optimizer_check(
        "SGD",
        "nesterov",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True},
        503,
        {**NO_MOMENTUM, "nesterov_ignored": ["SGD", {"nesterov": False}]},
    ),
    optimizer_check("SGD", "weight_decay", {"lr": 0.1, "weight_decay": 0.1}, 504, NO_DECAY),
    optimizer_check("Adagrad", "plain", {"lr": 0.1}, 510, simulate_=["missing_sqrt"]),
    optimizer_check(
        "Adagrad",
        "decay",
        {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.1},
        511,
        {
            **same("Adagrad", NO_DECAY),
            "lr_decay_ignored": ["Adagrad", {"lr_decay": 0}],
            "initial_accumulator_ignored": ["Adagrad", {"initial_accumulator_value": 0}],
        },
    ),
    optimizer_check("RMSprop", "plain", {"lr": 0.01}, 520, simulate_=["missing_sqrt", "missing_decay"]),
    optimizer_check(
        "RMSprop", "momentum", {"lr": 0.01, "momentum": 0.9}, 521, {"missing_momentum": ["RMSprop", {"momentum": 0}]}
    ),
    optimizer_check(
        "RMSprop",
        "centered",
        {"lr": 0.01, "centered": True},
        522,
        {"centered_ignored": ["RMSprop", {"centered": False}]},
    ),
    optimizer_check("RMSprop", "weight_decay", {"lr": 0.01, "weight_decay": 0.1}, 523, same("RMSprop", NO_DECAY)),
    optimizer_check(
        "Adam",
        "plain",
        {"lr": 0.01},
        530,
        {"missing_momentum": ["Adam", {"betas": [0.0, 0.999]}]},
        ["missing_bias_correction", "missing_sqrt"],
    ),
    optimizer_check(
        "Adam",
        "weight_decay",
        {"lr": 0.01, "weight_decay": 0.1},
        531,
        {**same("Adam", NO_DECAY), "adam_decoupled_decay": ["AdamW", {}]},
    ),
    optimizer_check(
        "Adam", "amsgrad", {"lr": 0.01, "amsgrad": True}, 532, {"amsgrad_ignored": ["Adam", {"amsgrad": False}]}
    ),
    optimizer_check(
        "AdamW",
        "plain",
        {"lr": 0.01, "weight_decay": 0.1},
        540,
        {
            "coupled_weight_decay": ["Adam", {}],
            "missing_weight_decay": ["AdamW", {"weight_decay": 0}],
            # shrinking by 1 - weight_decay is AdamW's own shrink with weight_decay / lr
            "decay_not_scaled_by_lr": ["AdamW", {"weight_decay": 0.1 / 0.01}],
        },
    ),
    optimizer_check(
        "AdamW",
        "amsgrad",
        {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True},
        541,
        {"amsgrad_ignored": ["AdamW", {"amsgrad": False}]},
    ),
    optimizer_check(
        "Rprop",
        "plain",
        {"lr": 0.01},
        550,
        simulate_=["rprop_no_backtrack", "etas_swapped"],
    ),
    optimizer_check(
        "Rprop",
        "limits",
        {"lr": 0.05, "etas": [0.3, 1.5], "step_sizes": [1e-3, 0.1]},
        551,
        {"step_sizes_ignored": ["Rprop", {"step_sizes": [0, 1e300]}]},
        ["rprop_no_backtrack", "etas_swapped"],
    ),
]

SCHEDULER = [
    dict(scheduler="CosineAnnealingLR", lr=0.1, kwargs=k, steps=25, label=str(k))
    for k in ({"T_max": 10}, {"T_max": 7, "eta_min": 0.001})
]


def cosine_mistakes(name, ctx, case):
    """The rates of the catalogue's slips of a cosine schedule (the same on both outputs)."""
    t, T, lr = np.arange(1, case["steps"] + 1), case["kwargs"]["T_max"], case["lr"]
    eta = case["kwargs"].get("eta_min", 0.0)
    return [
        ("missing_eta_min", lr * (1 + np.cos(np.pi * t / T)) / 2),
        ("cosine_not_halved", eta + (lr - eta) * np.cos(np.pi * t / T)),
        ("cosine_period_off_by_one", eta + (lr - eta) * (1 + np.cos(np.pi * t / (T + 1))) / 2),
    ]


def batchnorm_mistakes(name, ctx, case):
    """Candidates from the graded step's input Z and the training step before it ("first")."""
    Z, gamma, beta, G = ctx["Z"], ctx["gamma"], ctx["beta"], ctx["G"]
    eps, m = 1e-5, case.get("momentum", 0.1)
    mean, var = Z.mean(axis=0), Z.var(axis=0)
    if name == "Y" and not case["train"]:
        return [("bn_eval_batch_stats", gamma * (Z - mean) / np.sqrt(var + eps) + beta)]
    if name == "Y":
        return [("bn_std_missing", gamma * (Z - mean) / (var + eps) + beta)]
    if name == "running_var" and case["train"]:
        biased = (1 - m) * np.ones_like(var) + m * ctx["first"].var(axis=0)  # both steps biased
        return [("biased_running_var", (1 - m) * biased + m * var)]
    if name == "dLdZ" and case["train"]:
        inv_std, Gg = 1 / np.sqrt(var + eps), G * gamma
        NZ = (Z - mean) * inv_std
        return [
            ("bn_constant_stats", Gg * inv_std),
            ("bn_mean_path_missing", inv_std * (Gg - NZ * (Gg * NZ).mean(axis=0))),
        ]
    return []


def bn_cases(train, shapes, first_seed):
    return [
        dict(
            seed=first_seed + i,
            shape=list(s),
            dtype="float32" if i == 0 else "float64",
            train=train,
            fd=train and i > 0,
            label="training" if train else "eval",
        )
        for i, s in enumerate(shapes)
    ]


BN_TRAIN = bn_cases(True, [(6, 3), (5, 4), (3, 2)], 600)
BN_EVAL = bn_cases(False, [(6, 3), (4, 2)], 610)
BN = dict(program="batchnorm", mistakes=batchnorm_mistakes)

CHECKS = [
    Check(
        "optimization.cosine_annealing",
        "5.1 CosineAnnealingLR",
        2,
        "scheduler",
        SCHEDULER,
        compare=("lr", "param_group_lr"),
        mistakes=cosine_mistakes,
    ),
    *sorted(OPTIMIZERS, key=lambda check: int(check.exercise.split()[0].split(".")[1])),  # SGD, Rprop, Adagrad, ...
    Check(
        "optimization.batchnorm_forward.train",
        "5.8 BatchNorm1d.forward (training)",
        2,
        cases=BN_TRAIN,
        compare=("Y",),
        **BN,
    ),
    Check(
        "optimization.batchnorm_forward.running_stats",
        "5.8 BatchNorm1d.forward (running statistics)",
        1,
        cases=BN_TRAIN,
        compare=("running_mean", "running_var"),
        **BN,
    ),
    Check(
        "optimization.batchnorm_forward.eval", "5.8 BatchNorm1d.forward (eval)", 1, cases=BN_EVAL, compare=("Y",), **BN
    ),
    Check(
        "optimization.batchnorm_forward.constant_batch",
        "5.8 BatchNorm1d.forward on a constant batch",
        1,
        cases=[dict(seed=620, shape=[4, 3], dtype="float64", train=True, constant=True, label="constant")],
        compare=("Y",),
        warnings=True,
        **BN,
    ),
    Check(
        "optimization.batchnorm_backward.dLdZ",
        "5.9 BatchNorm1d.backward",
        2,
        cases=BN_TRAIN + BN_EVAL,
        compare=("dLdZ",),
        **BN,
    ),
    Check(
        "optimization.batchnorm_backward.dLdgamma",
        "5.9 BatchNorm1d.backward",
        1,
        cases=BN_TRAIN,
        compare=("dLdgamma", "dLdbeta"),
        **BN,
    ),
    Check(
        "optimization.batchnorm_backward.gradcheck",
        "5.9 BatchNorm1d.backward agrees with finite differences",
        1,
        cases=[c for c in BN_TRAIN if c["fd"]],
        gradcheck=("dLdZ", "dLdgamma", "dLdbeta"),
        forward=("Y",),
        **BN,
    ),
]
