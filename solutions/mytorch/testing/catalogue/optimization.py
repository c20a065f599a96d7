"""Chapter 5 (optimization): its exercises and their typical mistakes (format: __init__.py).

An optimizer's or a schedule's mistake is recognised by its trajectory: the checks run (or
simulate) the update with the mistake and compare; BatchNorm's from the values with the mistake.
"""

EXERCISES = {
    "5.1": dict(
        title="CosineAnnealingLR",
        check="optimization.cosine_annealing",
        causes={
            "cosine_not_halved": "the rates of eta_min + (base_lr - eta_min) cos(pi t / T_max)",
            "cosine_epoch_off_by_one": "the rates of epoch t + 1 at epoch t",
            "cosine_period_off_by_one": "the rates with T_max + 1 in place of T_max",
            "missing_eta_min": "the rates annealed to 0 although eta_min > 0",
        },
    ),
    "5.2": dict(
        title="SGD",
        check="optimization.sgd",
        causes={
            "missing_momentum": "the trajectory without momentum",
            "missing_weight_decay": "the trajectory without weight decay",
            "nesterov_ignored": "the trajectory with nesterov=False",
            "dampening_ignored": "the trajectory with dampening=0",
            "momentum_buffer_from_zero": "the trajectory of a buffer that starts at 0",
        },
    ),
    "5.3": dict(
        title="Rprop",
        check="optimization.rprop",
        causes={
            "etas_swapped": "the trajectory with etaminus and etaplus exchanged",
            "rprop_no_backtrack": "the trajectory that moves where the sign flipped",
            "rprop_raw_prev": "the trajectory that stores the raw gradient after a flip",
            "rprop_gradient_size": "the trajectory of steps g * step_size",
            "step_sizes_ignored": "the trajectory with unclipped step sizes",
        },
    ),
    "5.4": dict(
        title="Adagrad",
        check="optimization.adagrad",
        causes={
            "missing_sqrt": "the trajectory dividing by the sum of g^2",
            "adagrad_decayed_sum": "the trajectory of a decaying average of g^2",
            "lr_decay_ignored": "the trajectory with lr_decay=0",
            "lr_decay_off_by_one": "the trajectory with the decayed rate of step t + 1",
            "initial_accumulator_ignored": "the trajectory with initial_accumulator_value=0",
            "missing_weight_decay": "the trajectory without weight decay",
            "eps_inside_sqrt": "the trajectory dividing by sqrt(sum + eps)",
        },
    ),
    "5.5": dict(
        title="RMSprop",
        check="optimization.rmsprop",
        causes={
            "missing_decay": "the trajectory of a growing sum of g^2",
            "missing_sqrt": "the trajectory dividing by v",
            "rmsprop_no_one_minus_alpha": "the trajectory of v = alpha v + g^2",
            "average_starts_at_g2": "the trajectory of an average that starts at the first g^2",
            "missing_momentum": "the trajectory with momentum=0",
            "missing_weight_decay": "the trajectory without weight decay",
            "centered_ignored": "the trajectory with centered=False",
        },
    ),
    "5.6": dict(
        title="Adam",
        check="optimization.adam",
        causes={
            "missing_bias_correction": "the trajectory without either bias correction",
            "only_m_corrected": "the trajectory correcting m only",
            "only_v_corrected": "the trajectory correcting v only",
            "missing_sqrt": "the trajectory dividing by v_hat",
            "betas_swapped": "the trajectory with betas (beta2, beta1)",
            "missing_momentum": "the trajectory with beta1 = 0",
            "missing_weight_decay": "the trajectory without weight decay",
            "adam_decoupled_decay": "AdamW's trajectory",
            "amsgrad_ignored": "the trajectory with amsgrad=False",
        },
    ),
    "5.7": dict(
        title="AdamW",
        check="optimization.adamw",
        causes={
            "coupled_weight_decay": "Adam's trajectory with the same weight_decay",
            "missing_weight_decay": "Adam's trajectory without weight decay",
            "decay_not_scaled_by_lr": "the trajectory shrinking by 1 - weight_decay",
            "decay_after_step": "the trajectory shrinking after the step",
            "decay_twice": "the trajectory with both decays",
            "amsgrad_ignored": "the trajectory with amsgrad=False",
        },
    ),
    "5.8": dict(
        title="BatchNorm1d.forward",
        check="optimization.batchnorm_forward",
        causes={
            "bn_train_running_stats": "the output normalised with the running statistics",
            "bn_unbiased_output_var": "the output normalised with the unbiased variance",
            "eps_outside_sqrt": "the output divided by sqrt(var) + eps",
            "gamma_beta_swapped": "the output beta NZ + gamma",
            "bn_std_missing": "the output divided by var + eps",
            "running_not_updated": "running statistics still at their start",
            "running_momentum_swapped": "running statistics with momentum and 1 - momentum exchanged",
            "running_overwritten": "running statistics equal to the last batch's",
            "biased_running_var": "a running variance from the biased batch variance",
            "bn_eval_batch_stats": "the eval output normalised with the batch statistics",
            "bn_eval_var_squared": "the eval output divided by the running variance",
        },
    ),
    "5.9": dict(
        title="BatchNorm1d.backward",
        check="optimization.batchnorm_backward",
        causes={
            "bn_constant_stats": "dLdZ = dLdBZ gamma / sqrt(var + eps) in training",
            "bn_mean_path_missing": "dLdZ without the term through the mean",
            "bn_var_path_missing": "dLdZ without the term through the variance",
            "bn_gamma_forgotten": "dLdZ of an upstream gradient not multiplied by gamma",
            "bn_eval_training_formula": "the training dLdZ in eval mode",
            "dLdgamma_uses_Z": "dLdgamma = sum(dLdBZ Z)",
            "batch_mean": "dLdgamma or dLdbeta a mean over the batch",
        },
    ),
}

CAUSES = {
    "cosine_not_halved": (
        "cosine not shifted and halved",
        "the factor is (1 + cos(pi * epoch / T_max)) / 2, which goes from 1 down to 0",
    ),
    "cosine_epoch_off_by_one": (
        "epoch off by one",
        "the rate of epoch e uses cos(pi * e / T_max), with e = last_epoch after the step",
    ),
    "cosine_period_off_by_one": ("period off by one", "divide by T_max, not by T_max + 1 or T_max - 1"),
    "missing_eta_min": (
        "eta_min ignored",
        "the rate anneals from base_lr down to eta_min, not to 0: "
        "eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2",
    ),
    "missing_momentum": (
        "missing momentum",
        "with momentum keep a buffer, update it every step and step along it (SGD: b = momentum * b + "
        "(1 - dampening) * g; RMSprop: b = momentum * b + g / (sqrt(v) + eps); Adam: the first moment m)",
    ),
    "missing_weight_decay": (
        "missing weight decay",
        "add weight_decay * param to the gradient first (AdamW: multiply the parameter by "
        "1 - lr * weight_decay before the step)",
    ),
    "nesterov_ignored": ("nesterov ignored", "with nesterov=True the step is along g + momentum * buf"),
    "dampening_ignored": ("dampening ignored", "the buffer adds (1 - dampening) * g, not g"),
    "momentum_buffer_from_zero": (
        "momentum buffer started at zero",
        "torch starts the buffer as a copy of the first gradient (no dampening on the first step)",
    ),
    "etas_swapped": (
        "etaminus and etaplus swapped",
        "grow the step (etaplus) while the sign stays, shrink it (etaminus) when it flips",
    ),
    "rprop_no_backtrack": (
        "sign change not handled",
        "where the gradient's sign flipped, Rprop shrinks the step and does not move: set grad to 0 "
        "there, before the step and before storing it as prev (so the next step does not shrink again)",
    ),
    "rprop_raw_prev": (
        "raw gradient stored after a flip",
        "store the zeroed gradient as the previous one, so that the next step neither grows nor shrinks",
    ),
    "rprop_gradient_size": ("step scaled by the gradient", "Rprop moves by sign(g) * step_size only"),
    "step_sizes_ignored": ("step sizes not clipped", "clip every step size to step_sizes = (min, max)"),
    "missing_sqrt": (
        "missing square root",
        "the step divides by the square root of the squared-gradient accumulator, plus eps (Adagrad: "
        "sqrt(sum of g^2); RMSprop: sqrt(v); Adam: sqrt(v_hat)), not by the accumulator itself",
    ),
    "adagrad_decayed_sum": (
        "decaying sum (that is RMSprop)",
        "Adagrad adds every g^2 to its sum and never forgets",
    ),
    "lr_decay_ignored": ("lr_decay ignored", "the rate at step t is lr / (1 + (t - 1) * lr_decay)"),
    "lr_decay_off_by_one": ("decayed rate off by one", "the first step uses the full lr: lr / (1 + (t - 1) * lr_decay)"),
    "initial_accumulator_ignored": (
        "initial_accumulator_value ignored",
        "the sum of squared gradients starts at initial_accumulator_value, not at 0",
    ),
    "eps_inside_sqrt": ("eps inside the square root", "torch divides by sqrt(accumulator) + eps"),
    "missing_decay": (
        "missing decay of the average",
        "the squared-gradient average decays: v = alpha * v + (1 - alpha) * g^2, not a plain sum (that is Adagrad)",
    ),
    "rmsprop_no_one_minus_alpha": ("(1 - alpha) missing", "v = alpha * v + (1 - alpha) * g^2"),
    "average_starts_at_g2": (
        "average started at the first g^2",
        "torch starts every running average at zero",
    ),
    "centered_ignored": (
        "centered ignored",
        "with centered=True subtract the squared running mean of g from v before the square root",
    ),
    "missing_bias_correction": (
        "missing bias correction",
        "divide the averages by 1 - beta1^t and 1 - beta2^t (t counts from 1); without it the first "
        "steps are far too large or too small",
    ),
    "only_m_corrected": ("only m bias-corrected", "v needs its correction 1 - beta2^t too"),
    "only_v_corrected": ("only v bias-corrected", "m needs its correction 1 - beta1^t too"),
    "betas_swapped": ("betas swapped", "betas = (beta1 for m, beta2 for v)"),
    "adam_decoupled_decay": (
        "Adam's weight decay decoupled",
        "decoupling is AdamW's: Adam's weight_decay is an L2 term added to the gradient before the moments",
    ),
    "amsgrad_ignored": ("amsgrad ignored", "with amsgrad=True divide by the running maximum of v"),
    "coupled_weight_decay": (
        "AdamW's weight decay added to the gradient",
        "AdamW decouples the decay: param *= 1 - lr * weight_decay, and the Adam step uses the plain "
        "gradient, so the decay stays out of m and v",
    ),
    "decay_not_scaled_by_lr": (
        "decay not scaled by lr",
        "the factor is (1 - lr * weight_decay), not (1 - weight_decay)",
    ),
    "decay_after_step": ("decay after the step", "torch shrinks the parameter first, then takes the Adam step"),
    "decay_twice": ("decay applied twice", "AdamW decays the parameter only, never the gradient as well"),
    "bn_train_running_stats": (
        "training mode normalised with the running statistics",
        "in training BatchNorm normalises with the batch mean and variance",
    ),
    "bn_unbiased_output_var": (
        "output normalised with the unbiased variance",
        "the output uses the biased batch variance, Z.var(0); only the running variance uses N - 1",
    ),
    "eps_outside_sqrt": ("eps outside the square root", "divide by sqrt(var + eps)"),
    "gamma_beta_swapped": ("gamma and beta swapped", "BZ = gamma * NZ + beta"),
    "bn_std_missing": ("standard deviation missing", "divide by sqrt(var + eps), not by var + eps"),
    "running_not_updated": (
        "running statistics never updated",
        "in training mode move them towards the batch's: running = (1 - momentum) running + momentum batch",
    ),
    "running_momentum_swapped": (
        "momentum the wrong way round",
        "running = (1 - momentum) * running + momentum * batch",
    ),
    "running_overwritten": (
        "running statistics overwritten",
        "they are running averages, not the last batch's statistics",
    ),
    "biased_running_var": (
        "biased running variance",
        "the running variance uses the unbiased batch variance (var * N / (N - 1)), as torch does; "
        "normalising the batch itself uses the biased one",
    ),
    "bn_eval_batch_stats": (
        "BatchNorm in eval using batch statistics",
        "in eval mode BatchNorm normalises with running_mean and running_var, not with the statistics of the batch",
    ),
    "bn_eval_var_squared": ("eval variance squared", "eval mode divides by sqrt(running_var + eps)"),
    "bn_constant_stats": (
        "backward treating the batch statistics as constants",
        "the batch mean and variance depend on every input, so dLdZ has two more terms, the paths "
        "through the mean and the variance (exercise 5.9 (a))",
    ),
    "bn_mean_path_missing": ("path through the mean missing", "see step 3 of exercise 5.9 (a)"),
    "bn_var_path_missing": ("path through the variance missing", "see step 4 of exercise 5.9 (a)"),
    "bn_gamma_forgotten": ("gamma forgotten", "the gradient reaching NZ is dLdBZ * gamma"),
    "bn_eval_training_formula": (
        "eval backward with the training formula",
        "with running statistics the mean and variance are constants, so only the direct path remains",
    ),
    "dLdgamma_uses_Z": ("dLdgamma from Z", "dLdgamma = sum(dLdBZ * NZ), with the normalised NZ"),
}
