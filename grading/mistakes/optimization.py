"""The planted mistakes of chapter optimization and its typical students (see __init__.py)."""

from .model import ADAM, BN, RMS, SGD, M, Typical

MISTAKES = [
    M(
        "sgd-no-momentum",
        "5.2 SGD",
        "the momentum buffer is kept but never used",
        [(SGD, "grad = grad + momentum * buf if nesterov else buf", "grad = grad")],
        ["sgd.momentum", "sgd.dampening", "sgd.nesterov"],
        "missing_momentum",
    ),
    M(
        "sgd-no-weight-decay",
        "5.2 SGD",
        "weight decay ignored",
        [(SGD, "grad = grad + weight_decay * param", "grad = grad")],
        "sgd.weight_decay",
        "missing_weight_decay",
    ),
    M(
        "adagrad-no-sqrt",
        "5.4 Adagrad",
        "divides by the sum of squares, not its square root",
        [("optim/adagrad.py", 'np.sqrt(state["sum"]) + eps', 'state["sum"] + eps')],
        "adagrad.plain",
        "missing_sqrt",
    ),
    M(
        "rmsprop-no-decay",
        "5.5 RMSprop",
        "sums the squared gradients (no decay)",
        [(RMS, 'alpha * state["square_avg"] + (1 - alpha) * grad * grad', 'state["square_avg"] + grad * grad')],
        "rmsprop.plain",
        "missing_decay",
    ),
    M(
        "rmsprop-no-sqrt",
        "5.5 RMSprop",
        "divides by the average, not its square root",
        [(RMS, 'avg = np.sqrt(state["square_avg"]) + eps', 'avg = state["square_avg"] + eps')],
        "rmsprop.plain",
        "missing_sqrt",
    ),
    M(
        "adam-no-bias-correction",
        "5.6 Adam",
        "no bias correction of either moment",
        [
            (ADAM, "denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps", "denom = np.sqrt(v) + eps"),
            (
                ADAM,
                'return param - lr / (1 - beta1 ** t) * state["exp_avg"] / denom',
                'return param - lr * state["exp_avg"] / denom',
            ),
        ],
        "adam.plain",
        "missing_bias_correction",
        spoils=["adamw.plain", "adamw.amsgrad"],
    ),
    M(
        "adam-no-sqrt",
        "5.6 Adam",
        "divides by the bias-corrected v, not its square root",
        [(ADAM, "denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps", "denom = v / (1 - beta2 ** t) + eps")],
        "adam.plain",
        "missing_sqrt",
        spoils=["adamw.plain", "adamw.amsgrad"],
    ),
    M(
        "adamw-coupled",
        "5.7 AdamW",
        "the decay added to the gradient (Adam's L2), not to the parameter",
        [
            (ADAM, "param = param * (1 - lr * weight_decay)", "pass"),
            (ADAM, "eps, 0, amsgrad)", "eps, weight_decay, amsgrad)"),
        ],
        "adamw.plain",
        "coupled_weight_decay",
    ),
    M(
        "rprop-no-backtrack",
        "5.3 Rprop",
        "keeps the gradient (and moves) where its sign flipped",
        [("optim/rprop.py", "grad = np.where(sign < 0, 0, grad)", "grad = grad")],
        ["rprop.plain", "rprop.limits"],
        "rprop_no_backtrack",
    ),
    M(
        "cosine-no-eta-min",
        "5.1 CosineAnnealingLR",
        "anneals to 0 whatever eta_min",
        [
            (
                "optim/lr_scheduler.py",
                "return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]",
                "return [base_lr * cosine for base_lr in self.base_lrs]",
            )
        ],
        "cosine_annealing",
        "missing_eta_min",
    ),
    M(
        "bn-biased-running-var",
        "5.8 BatchNorm1d.forward",
        "the biased batch variance as running variance",
        [(BN, "m * var * N / (N - 1)", "m * var")],
        "batchnorm_forward.running_stats",
        "biased_running_var",
    ),
    M(
        "bn-eval-batch-stats",
        "5.8 BatchNorm1d.forward",
        "eval mode normalises with the batch statistics",
        [(BN, "mean, var = self.running_mean, self.running_var", "mean, var = Z.mean(axis=0), Z.var(axis=0)")],
        "batchnorm_forward.eval",
        "bn_eval_batch_stats",
        spoils=["batchnorm_backward.dLdZ"],
    ),
    M(
        "bn-constant-stats",
        "5.9 BatchNorm1d.backward",
        "the batch mean and variance treated as constants",
        [
            (
                BN,
                "return self.inv_std * (G - G.mean(axis=0) - self.NZ * (G * self.NZ).mean(axis=0))",
                "return self.inv_std * G",
            )
        ],
        "batchnorm_backward.dLdZ",
        "bn_constant_stats",
    ),
    # each term of each update (issue 16: at least three typical mistakes per library exercise)
    M(
        "cosine-not-halved",
        "5.1 CosineAnnealingLR",
        "the factor cos(pi t / T_max), not shifted and halved",
        [
            (
                "optim/lr_scheduler.py",
                "cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2",
                "cosine = math.cos(math.pi * self.last_epoch / self.T_max)",
            )
        ],
        "cosine_annealing",
        "cosine_not_halved",
    ),
    M(
        "cosine-period",
        "5.1 CosineAnnealingLR",
        "the period T_max + 1",
        [
            (
                "optim/lr_scheduler.py",
                "cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2",
                "cosine = (1 + math.cos(math.pi * self.last_epoch / (self.T_max + 1))) / 2",
            )
        ],
        "cosine_annealing",
        "cosine_period_off_by_one",
    ),
    M(
        "sgd-no-nesterov",
        "5.2 SGD",
        "nesterov=True steps along the buffer",
        [(SGD, "grad = grad + momentum * buf if nesterov else buf", "grad = buf")],
        "sgd.nesterov",
        "nesterov_ignored",
    ),
    M(
        "sgd-no-dampening",
        "5.2 SGD",
        "the buffer adds the whole gradient",
        [
            (
                SGD,
                'momentum * state["momentum_buffer"] + (1 - dampening) * grad',
                'momentum * state["momentum_buffer"] + grad',
            )
        ],
        "sgd.dampening",
        "dampening_ignored",
    ),
    M(
        "rprop-no-clip",
        "5.3 Rprop",
        "the step sizes never clipped",
        [
            (
                "optim/rprop.py",
                'state["step_size"] = np.clip(state["step_size"] * factor, *step_sizes)',
                'state["step_size"] = state["step_size"] * factor',
            )
        ],
        "rprop.limits",
        "step_sizes_ignored",
    ),
    M(
        "rprop-etas-swapped",
        "5.3 Rprop",
        "etas read as (etaplus, etaminus)",
        [("optim/rprop.py", "etaminus, etaplus = etas", "etaplus, etaminus = etas")],
        ["rprop.plain", "rprop.limits"],
        "etas_swapped",
    ),
    M(
        "adagrad-no-lr-decay",
        "5.4 Adagrad",
        "lr_decay ignored",
        [("optim/adagrad.py", 'clr = lr / (1 + (state["step"] - 1) * lr_decay)', "clr = lr")],
        "adagrad.decay",
        "lr_decay_ignored",
    ),
    M(
        "adagrad-no-initial-accumulator",
        "5.4 Adagrad",
        "the sum of squares starts at 0 whatever initial_accumulator_value",
        [
            (
                "optim/adagrad.py",
                'state["sum"] = np.full_like(param, initial_accumulator_value)',
                'state["sum"] = np.zeros_like(param)',
            )
        ],
        "adagrad.decay",
        "initial_accumulator_ignored",
    ),
    M(
        "rmsprop-not-centered",
        "5.5 RMSprop",
        "centered=True ignored",
        [(RMS, "if centered:", "if False:")],
        "rmsprop.centered",
        "centered_ignored",
    ),
    M(
        "adam-no-amsgrad",
        "5.6 Adam",
        "amsgrad=True ignored",
        [(ADAM, "if amsgrad:", "if False:")],
        "adam.amsgrad",
        "amsgrad_ignored",
        spoils=["adamw.amsgrad"],
    ),
    M(
        "adamw-no-decay",
        "5.7 AdamW",
        "the parameter never shrinks",
        [(ADAM, "param = param * (1 - lr * weight_decay)", "param = param")],
        "adamw.plain",
        "missing_weight_decay",
    ),
    M(
        "adamw-not-scaled",
        "5.7 AdamW",
        "the parameter shrinks by 1 - weight_decay",
        [(ADAM, "param = param * (1 - lr * weight_decay)", "param = param * (1 - weight_decay)")],
        "adamw.plain",
        "decay_not_scaled_by_lr",
    ),
    M(
        "bn-std-missing",
        "5.8 BatchNorm1d.forward",
        "divides by var + eps, not its square root",
        [(BN, "self.inv_std = 1.0 / np.sqrt(var + self.eps)", "self.inv_std = 1.0 / (var + self.eps)")],
        "batchnorm_forward.train",
        "bn_std_missing",
        spoils=["batchnorm_backward.dLdZ", "batchnorm_backward.dLdgamma", "batchnorm_backward.gradcheck"],
    ),
    M(
        "bn-no-mean-path",
        "5.9 BatchNorm1d.backward",
        "the path through the batch mean left out",
        [
            (
                BN,
                "return self.inv_std * (G - G.mean(axis=0) - self.NZ * (G * self.NZ).mean(axis=0))",
                "return self.inv_std * (G - self.NZ * (G * self.NZ).mean(axis=0))",
            )
        ],
        "batchnorm_backward.dLdZ",
        "bn_mean_path_missing",
    ),
    M(
        "bn-gamma-mean",
        "5.9 BatchNorm1d.backward",
        "dLdgamma averaged over the batch",
        [(BN, "self.dLdgamma = (dLdBZ * self.NZ).sum(axis=0)", "self.dLdgamma = (dLdBZ * self.NZ).mean(axis=0)")],
        "batchnorm_backward.dLdgamma",
        "batch_mean",
    ),
]

TYPICAL = [
    # 29 points; a wrong trajectory keeps its shape unit (0.5 of 1). a: 5.2 -1.5, 5.4 -1 (both settings), 5.5 -2
    # (every setting), 5.6 -1.5, 5.7 -1 (Adam's update), 5.8 -0.75, 5.9 -0.4 (eval backward follows 5.8)
    Typical(
        "optimization-typical-a",
        "optimization",
        (
            "sgd-no-momentum",
            "adagrad-no-sqrt",
            "rmsprop-no-decay",
            "adam-no-bias-correction",
            "bn-biased-running-var",
            "bn-eval-batch-stats",
        ),
        12.7,
    ),
    Typical(
        "optimization-typical-b",
        "optimization",
        ("sgd-no-weight-decay", "rmsprop-no-sqrt", "adamw-coupled", "bn-constant-stats"),
        21.47,
    ),
    # b: 5.2 -0.5, 5.5 -1.5 (plain, momentum, weight decay), 5.7 -1, 5.9 -0.93
    Typical(
        "optimization-typical-c", "optimization", ("adam-no-sqrt", "rprop-no-backtrack", "cosine-no-eta-min"), 21.0
    ),  # 5.1 -0.5 (the eta_min case's values), 5.3 -1, 5.6 -1.5, 5.7 -1
    # d and e: the slips added for breadth, one in each exercise (e two in 5.9: dLdZ and dLdgamma); d's
    # BatchNorm without the square root also costs every check of 5.9 (its backward uses the same inv_std)
    Typical(
        "optimization-typical-d",
        "optimization",
        (
            "cosine-not-halved",
            "sgd-no-nesterov",
            "rprop-no-clip",
            "adagrad-no-lr-decay",
            "rmsprop-not-centered",
            "adam-no-amsgrad",
            "adamw-no-decay",
            "bn-std-missing",
        ),
        14.0,
    ),
    Typical(
        "optimization-typical-e",
        "optimization",
        (
            "cosine-period",
            "sgd-no-dampening",
            "rprop-etas-swapped",
            "adagrad-no-initial-accumulator",
            "adamw-not-scaled",
            "bn-no-mean-path",
            "bn-gamma-mean",
        ),
        18.63,
    ),
]
