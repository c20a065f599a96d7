"""The catalogue of typical mistakes: for every graded exercise of every chapter, what a student
typically gets wrong, where it is planted, which check must fail and which cause it must name.

A `Mistake` is one or more text substitutions in the reference: in a library file
(`where="nn/linear.py"`, under solutions/mytorch/) or in a solution cell of the chapter's source
notebook (`where=NOTEBOOK`). Each reference text must occur exactly once (in one file, or in one
solution cell), else `plant` fails loudly. `fails` lists the checks (ids without the chapter)
that must fail with "Likely cause: <title of CAUSES[cause]>" in their message; `spoils` the
checks of OTHER exercises it also costs (AdamW reuses Adam's update, 2.3 trains with 2.2's
gradient). `says` replaces `cause` where the grader's diagnosis is its own sentence rather than
a catalogue cause (a loop stopped by the case program).

`TYPICAL` groups the mistakes into sample students (grading/sample_class.py writes them): a
check that must name one of a student's mistakes is touched by none of its others (no mistake
masks another), and together the
students of a chapter carry every mistake of the chapter once. Next to each student: the total
score the grader must give it, and why.
"""

from dataclasses import dataclass

from . import diagnosis
from .checks import CHAPTERS, all_checks

NOTEBOOK = "notebook"  # `where` of a mistake planted in a solution cell of the source notebook


@dataclass(frozen=True)
class Mistake:
    key: str  # short name, unique in the chapter
    exercise: str  # "4.1 Linear.backward" (the number must be a graded exercise's)
    what: str  # the mistake in a student's words (README of the sample class)
    edits: tuple  # ((where, reference text, planted text), ...)
    fails: tuple  # check ids without the chapter: each must fail and name the cause
    cause: str = None  # key of diagnosis.CAUSES named by every check in `fails`
    says: str = None  # or: a phrase of the grader's own diagnosis
    spoils: tuple = ()  # checks of other exercises this mistake costs too

    @property
    def number(self):
        return self.exercise.split()[0]

    def expected_text(self):
        """What every failing check's message must contain."""
        return f"Likely cause: {diagnosis.CAUSES[self.cause][0]}" if self.cause else self.says


@dataclass(frozen=True)
class Typical:
    id: str  # "<chapter>-typical-<letter>"
    chapter: str
    mistakes: tuple  # keys of the chapter's mistakes
    score: float  # the total the isolated grader gives (see the comment next to it)
    spoils: tuple = ()  # checks lost to the mistakes together (a notebook using the broken library)


def M(key, exercise, what, edits, fails, cause=None, says=None, spoils=()):
    fails = (fails,) if isinstance(fails, str) else tuple(fails)
    return Mistake(key, exercise, what, tuple(edits), fails, cause, says, tuple(spoils))


def nb(old, new):
    return (NOTEBOOK, old, new)


LINEAR, ACT, LOSSES = "nn/linear.py", "nn/activations.py", "nn/losses.py"
SGD, ADAM, RMS, BN = "optim/sgd.py", "optim/adam.py", "optim/rmsprop.py", "nn/batchnorm.py"

MISTAKES = {
    "universal_approximation": [
        M(
            "detector-ignores-zeros",
            "1.1 truth_table_network",
            "row detectors weigh the 0-bits 0, not -1",
            [nb("W1 = (2.0 * true_rows - 1.0).reshape(-1, n)", "W1 = true_rows.astype(float).reshape(-1, n)")],
            "truth_table",
            "truth_table_false_alarms",
        ),
        M(
            "bump-half-ends",
            "1.2 bump_network",
            "the outer bump edges sit on 0 and 1 (half-height ends)",
            [nb("edges[0], edges[-1] = -1.0, 2.0", "pass")],
            "bump",
            "bump_half_ends",
        ),
        M(
            "rbf-centers-sign",
            "1.3 RBF.backward",
            "dLdcenters with the sign of dLdA's derivative",
            [
                (
                    "nn/rbf.py",
                    "self.dLdcenters = 2 * (C * G.sum(axis=0)[:, None] - G.T @ A)",
                    "self.dLdcenters = 2 * (G.T @ A - C * G.sum(axis=0)[:, None])",
                )
            ],
            "rbf.backward.dLdcenters",
            "sign",
        ),
        M(
            "rbf-labels-swapped",
            "1.4 fit_rbf_classifier",
            "predicts 1 where the output is < 0",
            [
                nb(
                    "return (features(X_new) @ weights > 0).astype(int)",
                    "return (features(X_new) @ weights < 0).astype(int)",
                )
            ],
            "rbf_classifier",
            "labels_swapped",
        ),
        M(
            "parity-same-sign",
            "1.5 parity_network",
            "output weights all +1: an OR of the counting units, not parity",
            [nb("w2 = (-1.0) ** (k + 1)", "w2 = np.ones(n)")],
            "parity",
            says="Likely cause: the network computes OR",
        ),
        M(
            "tent-ramp",
            "1.6 sawtooth_network",
            "the tent's falling unit weighted -2: a ramp that stops at 1",
            [nb("fold = np.array([[2.0, -4.0]])", "fold = np.array([[2.0, -2.0]])")],
            "sawtooth",
            says="Likely cause: the tent's second unit is weighted -2",
        ),
    ],
    "perceptron_learning": [
        M(
            "perceptron-no-bias",
            "2.1 perceptron",
            "the bias is never updated",
            [nb("b = b + y_n", "b = b")],
            "perceptron.separable",
            "perceptron_no_bias",
        ),
        M(
            "perceptron-strict",
            "2.1 perceptron",
            "updates only when y (w.x + b) < 0 (never from w = 0)",
            [nb("if y_n * (x_n @ w + b) <= 0:", "if y_n * (x_n @ w + b) < 0:")],
            "perceptron.separable",
            "perceptron_strict",
        ),
        M(
            "perceptron-unbounded",
            "2.1 perceptron",
            "ignores max_epochs: loops until no mistake is left",
            [nb("for epoch in range(max_epochs):", "while True:")],
            "perceptron.xor",
            says="was still running after 3 s",
        ),
        M(
            "logistic-unstable",
            "2.2 logistic_loss_and_grad",
            "the loss as -log(sigmoid), which overflows",
            [
                nb(
                    "loss = np.mean(np.logaddexp(0.0, z) - y * z)",
                    "p = sigmoid(z)\n    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
                )
            ],
            "logistic_gradient.stable",
            "unstable_logistic",
        ),
        M(
            "logistic-no-sigmoid",
            "2.2 logistic_loss_and_grad",
            "dL/dz = z - y (the sigmoid forgotten)",
            [nb("error = (sigmoid(z) - y) / len(y)", "error = (z - y) / len(y)")],
            "logistic_gradient.gradient",
            "logistic_no_sigmoid",
            spoils=["logistic_training"],
        ),
        M(
            "logistic-ascent",
            "2.3 train_logistic_regression",
            "steps along the gradient",
            [nb("w = w - lr * dw", "w = w + lr * dw")],
            "logistic_training",
            "gradient_ascent",
        ),
    ],
    "matrix_calculus": [
        M(
            "jacobian-transposed",
            "3.1 numerical_jacobian",
            "returns the Jacobian in denominator layout",
            [nb("    return J\n", "    return J.T\n")],
            "numerical_jacobian.values",
            "jacobian_layout",
        ),
        M(
            "jacobian-forward-differences",
            "3.1 numerical_jacobian",
            "forward differences (f(x + eps) - f(x)) / eps",
            [
                nb("flat[j] = original - eps", "flat[j] = original"),
                nb("J[:, j] = (plus - minus) / (2 * eps)", "J[:, j] = (plus - minus) / eps"),
            ],
            "numerical_jacobian.central",
            "forward_differences",
        ),
        M(
            "linear-dLdW-transposed",
            "3.2 linear_backward",
            "dLdW = A^T dLdZ (numerator layout)",
            [nb("dLdW = dLdZ.T @ A", "dLdW = A.T @ dLdZ")],
            "linear_backward.dLdW",
            "transposed",
        ),
        M(
            "linear-dLdb-mean",
            "3.2 linear_backward",
            "dLdb averages the batch instead of summing it",
            [nb("dLdb = dLdZ.sum(axis=0)", "dLdb = dLdZ.mean(axis=0)")],
            "linear_backward.dLdb",
            "batch_mean",
        ),
        M(
            "spot-by-shape",
            "3.3 diagnose_gradients",
            "labels a gradient 'ok' when its shape fits",
            [
                nb(
                    "if claim.shape == numeric.shape and np.allclose(claim, numeric, rtol=1e-4, atol=1e-6):",
                    "if claim.shape == numeric.shape:",
                )
            ],
            "spot_transposed",
            "shape_only_diagnosis",
        ),
    ],
    "backprop": [
        M(
            "linear-no-bias",
            "4.1 Linear.forward",
            "forgets the bias",
            [(LINEAR, "return A @ self.W.T + self.b", "return A @ self.W.T")],
            "linear.forward",
            "missing_bias",
        ),
        M(
            "linear-dLdW-transposed",
            "4.1 Linear.backward",
            "dLdW = A^T dLdZ",
            [(LINEAR, "self.dLdW = dLdZ.T @ self.A", "self.dLdW = self.A.T @ dLdZ")],
            "linear.backward.dLdW",
            "transposed",
        ),
        M(
            "linear-dLdb-mean",
            "4.1 Linear.backward",
            "dLdb averages the batch",
            [(LINEAR, "self.dLdb = dLdZ.sum(axis=0)", "self.dLdb = dLdZ.mean(axis=0)")],
            "linear.backward.dLdb",
            "batch_mean",
        ),
        M(
            "linear-dLdA-sign",
            "4.1 Linear.backward",
            "dLdA with a minus sign",
            [(LINEAR, "return dLdZ @ self.W", "return -(dLdZ @ self.W)")],
            "linear.backward.dLdA",
            "sign",
        ),
        M(
            "sigmoid-unstable",
            "4.2 Sigmoid.forward",
            "1 / (1 + exp(-Z)) with its overflow warning",
            [(ACT, "return sigmoid(Z)", "return 1 / (1 + np.exp(-Z))")],
            "sigmoid.stable",
            "unstable_sigmoid",
        ),
        M(
            "sigmoid-input",
            "4.2 Sigmoid.backward",
            "the derivative at the input: Z (1 - Z)",
            [(ACT, "return dLdA * self.A * (1 - self.A)", "return dLdA * self.Z * (1 - self.Z)")],
            "sigmoid.backward.dLdZ",
            "input_not_output",
        ),
        M(
            "tanh-input",
            "4.3 Tanh.backward",
            "the derivative at the input: 1 - Z^2",
            [(ACT, "return dLdA * (1 - self.A * self.A)", "return dLdA * (1 - self.Z * self.Z)")],
            "tanh.backward.dLdZ",
            "input_not_output",
        ),
        M(
            "relu-at-zero",
            "4.4 ReLU.backward",
            "derivative 1 at Z = 0",
            [(ACT, "return dLdA * (self.Z > 0)", "return dLdA * (self.Z >= 0)")],
            "relu.backward.dLdZ",
            "relu_at_zero",
        ),
        M(
            "leaky-relu-at-zero",
            "4.5 LeakyReLU.backward",
            "derivative 1 at Z = 0 (torch: the negative slope)",
            [(ACT, "positive = self.Z > 0", "positive = self.Z >= 0")],
            "leaky_relu.backward.dLdZ",
            "relu_at_zero",
        ),
        M(
            "gelu-product-rule",
            "4.6 GELU.backward",
            "dLdZ = dLdA Phi(Z), the Z phi(Z) term forgotten",
            [(ACT, "return dLdA * (cdf + Z * pdf)", "return dLdA * cdf")],
            "gelu.backward.dLdZ",
            "missing_product_rule",
        ),
        M(
            "swish-beta-mean",
            "4.7 Swish.backward",
            "dLdbeta averages over the elements instead of summing",
            [
                (
                    ACT,
                    "self.dLdbeta = np.sum(dLdA * Z * Z * dS).reshape(1)",
                    "self.dLdbeta = np.mean(dLdA * Z * Z * dS).reshape(1)",
                )
            ],
            "swish.backward.dLdbeta",
            "batch_mean",
        ),
        M(
            "softmax-unstable",
            "4.8 Softmax.forward",
            "exp(Z) without subtracting the row maximum",
            [(ACT, "E = np.exp(Z - Z.max(axis=-1, keepdims=True))", "E = np.exp(Z)")],
            "softmax.stable",
            "unstable_softmax",
        ),
        M(
            "softmax-diagonal",
            "4.8 Softmax.backward",
            "only the diagonal of the softmax Jacobian",
            [(ACT, "return A * (dLdA - np.sum(dLdA * A, axis=-1, keepdims=True))", "return dLdA * A * (1 - A)")],
            "softmax.backward.dLdZ",
            "softmax_diagonal",
        ),
        M(
            "mse-no-mean",
            "4.9 MSELoss.backward",
            "the gradient of the sum, not of the mean",
            [(LOSSES, "return (2 / self.diff.size) * self.diff", "return 2 * self.diff")],
            "mse_loss.backward",
            "missing_1_over_n",
        ),
        M(
            "cross-entropy-no-mean",
            "4.10 CrossEntropyLoss.backward",
            "the gradient not divided by N",
            [(LOSSES, "return dLdA / N", "return dLdA")],
            "cross_entropy_loss.backward",
            "missing_1_over_n",
        ),
        M(
            "sequential-order",
            "4.11 Sequential.backward",
            "backward visits the layers first to last",
            [("nn/sequential.py", "for layer in reversed(self.layers):", "for layer in self.layers:")],
            "sequential.backward",
            "sequential_order",
        ),
        M(
            "digits-ascent",
            "4.12 train_digits",
            "the update adds the gradient",
            [nb("p.data -= lr * p.grad", "p.data += lr * p.grad")],
            "train_digits",
            # the logits overflow and the student's CrossEntropyLoss stops training with its own diagnosis
            says="holds a non-finite value (inf)",
        ),
    ],
    "optimization": [
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
    ],
    "torch_pipeline": [
        M(
            "windows-zero-padding",
            "6.1 ContextWindows",
            "pads the edges with zeros",
            [
                nb(
                    'padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode="edge")',
                    'padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode="constant")',
                )
            ],
            "context_windows.items",
            "window_zero_padding",
        ),
        M(
            "windows-len-padding",
            "6.1 ContextWindows",
            "len counts the padded rows",
            [nb("return len(self.labels)", "return len(self.padded)")],
            "context_windows.len",
            "len_counts_padding",
        ),
        M(
            "windows-shifted",
            "6.1 ContextWindows",
            "the window starts k rows late",
            [
                nb(
                    "return self.padded[t:t + 2 * self.k + 1].reshape(-1), self.labels[t]",
                    "return self.padded[t + self.k:t + 3 * self.k + 1].reshape(-1), self.labels[t]",
                )
            ],
            "context_windows.items",
            "window_shifted",
        ),
        M(
            "windows-up-front",
            "6.1 ContextWindows",
            "builds every window in __init__",
            [
                nb(
                    "self.padded = torch.from_numpy(padded)\n",
                    "self.padded = torch.from_numpy(padded)\n"
                    "        self.windows = [self.padded[t:t + 2 * k + 1].clone() for t in range(len(labels))]\n",
                )
            ],
            "context_windows.memory",
            "windows_up_front",
        ),
        M(
            "windows-flatten-order",
            "6.1 ContextWindows",
            "flattens the window feature by feature",
            [
                nb(
                    "return self.padded[t:t + 2 * self.k + 1].reshape(-1), self.labels[t]",
                    "return self.padded[t:t + 2 * self.k + 1].T.reshape(-1), self.labels[t]",
                )
            ],
            "context_windows.items",
            "window_flatten_order",
        ),
        M(
            "twins-no-zero-grad",
            "6.2 train_twins",
            "the torch loop never clears the gradients",
            [
                nb(
                    "        optimizer.zero_grad()\n        loss = loss_fn(torch_model(",
                    "        loss = loss_fn(torch_model(",
                )
            ],
            "twins.torch",
            "missing_zero_grad",
        ),
        M(
            "twins-after-training",
            "6.2 train_twins",
            "the mytorch twin is copied after torch trained",
            [
                nb("    net = from_torch(torch_model)  # before torch trains: both start from the same weights\n", ""),
                nb(
                    "my_optimizer = mytorch.optim.SGD(",
                    "net = from_torch(torch_model)\n    my_optimizer = mytorch.optim.SGD(",
                ),
            ],
            "twins.mytorch",
            "twin_after_training",
        ),
        M(
            "twins-no-momentum",
            "6.2 train_twins",
            "torch's SGD built without the momentum",
            [
                nb(
                    "optimizer = torch.optim.SGD(torch_model.parameters(), lr=lr, momentum=momentum)",
                    "optimizer = torch.optim.SGD(torch_model.parameters(), lr=lr)",
                )
            ],
            "twins.torch",
            "momentum_not_passed",
        ),
        M(
            "twins-no-step",
            "6.2 train_twins",
            "the mytorch optimizer never steps",
            [nb("        my_optimizer.step()\n", "")],
            "twins.mytorch",
            "missing_step",
        ),
        M(
            "pipeline-len-typo",
            "6.3 fix the pipeline",
            "__len_ for __len__ in FrameDataset",
            [
                nb(
                    "def __len__(self):\n        ### BEGIN SOLUTION\n        return len(self.X)",
                    "def __len_(self):\n        ### BEGIN SOLUTION\n        return len(self.X)",
                )
            ],
            "fix_pipeline.dataset",
            "dunder_typo",
        ),
        M(
            "pipeline-getitem-typo",
            "6.3 fix the pipeline",
            "__getitem for __getitem__ in FrameDataset",
            [nb("def __getitem__(self, i):", "def __getitem(self, i):")],
            "fix_pipeline.dataset",
            "dunder_typo",
        ),
        M(
            "pipeline-no-super",
            "6.3 fix the pipeline",
            "FrameClassifier without super().__init__()",
            [nb("super().__init__()\n        self.net", "self.net")],
            "fix_pipeline.model",
            "missing_super_init",
        ),
        # A set iterates in an order of memory addresses, different in every process; sorting
        # it by repr keeps the mistake (order lost) and makes the sample grade the same every run.
        M(
            "pipeline-layer-set",
            "6.3 fix the pipeline",
            "the layers passed as a set (their order lost)",
            [
                nb(
                    "self.net = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Dropout(p_drop),",
                    "self.net = nn.Sequential(*sorted({nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Dropout(p_drop),",
                ),
                nb("nn.Linear(n_hidden, n_classes))", "nn.Linear(n_hidden, n_classes)}, key=repr))"),
            ],
            "fix_pipeline.model",
            "layers_in_a_set",
        ),
        M(
            "pipeline-no-zero-grad",
            "6.3 fix the pipeline",
            "train_and_validate never clears the gradients",
            [
                nb(
                    "            optimizer.zero_grad()\n            loss = loss_fn(model(x), y)",
                    "            loss = loss_fn(model(x), y)",
                )
            ],
            "fix_pipeline.zero_grad",
            "missing_zero_grad",
        ),
        M(
            "pipeline-no-no-grad",
            "6.3 fix the pipeline",
            "validation without torch.no_grad()",
            [
                nb(
                    "with torch.no_grad():\n        for x, y in DataLoader(val_set",
                    "if True:\n        for x, y in DataLoader(val_set",
                )
            ],
            "fix_pipeline.modes",
            "no_grad_missing",
        ),
        M(
            "pipeline-no-eval",
            "6.3 fix the pipeline",
            "model.eval() never called",
            [nb("    model.eval()\n    correct = 0", "    correct = 0")],
            ["fix_pipeline.modes", "fix_pipeline.accuracy"],
            "eval_never_called",
        ),
        M(
            "pipeline-to-dropped",
            "6.3 fix the pipeline",
            "x.to(device) whose result is dropped",
            [
                nb(
                    "x, y = x.to(device), y.to(device)\n            optimizer.zero_grad()",
                    "x.to(device)\n            y.to(device)\n            optimizer.zero_grad()",
                )
            ],
            "fix_pipeline.device",
            "dropped_to_device",
        ),
        M(
            "batches-drop-last",
            "6.4 device_batches",
            "drops the last, smaller batch",
            [
                nb(
                    "for start in range(0, len(X), batch_size):",
                    "for start in range(0, len(X) - batch_size + 1, batch_size):",
                )
            ],
            "device_batches.coverage",
            "batches_drop_last",
        ),
        M(
            "batches-per-sample",
            "6.4 device_batches",
            "builds each batch sample by sample",
            [nb("yield X[idx], y[idx]", "yield torch.stack([X[i] for i in idx]), y[idx]")],
            "device_batches.indexing",
            "per_sample_loop",
        ),
        M(
            "batches-generator-ignored",
            "6.4 device_batches",
            "torch.randperm without the generator given",
            [
                nb(
                    "order = torch.randperm(len(X), generator=generator, device=X.device)",
                    "order = torch.randperm(len(X), device=X.device)",
                )
            ],
            "device_batches.reshuffle",
            "generator_ignored",
        ),
        M(
            "batches-not-shuffled",
            "6.4 device_batches",
            "the samples in stored order",
            [
                nb(
                    "order = torch.randperm(len(X), generator=generator, device=X.device)",
                    "order = torch.arange(len(X), device=X.device)",
                )
            ],
            ["device_batches.coverage", "device_batches.reshuffle"],
            "batches_not_shuffled",
        ),
    ],
}

# The sample students. score: the isolated grader's total; the comment says where the points go
# (partial credit: a check splits its points over cases, and a case over shape and values). Since
# "points only for correct work" (grading/README.md, "Scoring") a wrong value no longer keeps its
# shape unit, so the losses noted per exercise below are the older, smaller ones where they say so:
# the totals are the grader's.
TYPICAL = [
    # 17 points. Lost: 1.1 -2 and 1.2 -2 (the values units of the first case), 1.3 -1 (dLdcenters and the
    # gradcheck, shapes right), 1.4 -1.33 (both cases' accuracy units), 1.5 -1 (the values units of n = 4, 7
    # and 9; n = 1 passes: one counting unit of weight +1 is parity), 1.6 -1.33 (the values units of every k)
    Typical(
        "universal_approximation-typical-a",
        "universal_approximation",
        (
            "detector-ignores-zeros",
            "bump-half-ends",
            "rbf-centers-sign",
            "rbf-labels-swapped",
            "parity-same-sign",
            "tent-ramp",
        ),
        7.84,
    ),
    # 10 points. a: 2.1 -1.83 (boundary, one-pass weights), 2.2 -0.12 (the stable case's loss), 2.3 -2.25
    Typical(
        "perceptron_learning-typical-a",
        "perceptron_learning",
        ("perceptron-no-bias", "logistic-unstable", "logistic-ascent"),
        5.67,
    ),
    # b: 2.1 -2.67 (never updates: boundary, XOR flag, one pass), 2.2 -0.87, 2.3 -2.25 (trains on 2.2's gradient)
    Typical("perceptron_learning-typical-b", "perceptron_learning", ("perceptron-strict", "logistic-no-sigmoid"), 3.33),
    # c: 2.1 -1.33 (XOR stopped after 3 s; one pass says converged)
    Typical("perceptron_learning-typical-c", "perceptron_learning", ("perceptron-unbounded",), 8.67),
    # 8 points. a: 3.1 -0.88, 3.2 -0.83 (dLdW values; square cases keep the shape unit), 3.3 -3 (every label)
    Typical(
        "matrix_calculus-typical-a",
        "matrix_calculus",
        ("jacobian-transposed", "linear-dLdW-transposed", "spot-by-shape"),
        3.0,
    ),
    # b: 3.1 -0.5 (half the accuracy check, values elsewhere close enough), 3.2 -0.5 (dLdb values)
    Typical("matrix_calculus-typical-b", "matrix_calculus", ("jacobian-forward-differences", "linear-dLdb-mean"), 6.0),
    # 60 points. 4.12 trains with the student's own Linear, ReLU and CrossEntropyLoss: a's broken ones
    # spoil it, so its mistake (and those of layers the digits model does not use) go to b.
    Typical(
        "backprop-typical-a",
        "backprop",
        (
            "linear-no-bias",
            "linear-dLdW-transposed",
            "linear-dLdb-mean",
            "linear-dLdA-sign",
            "relu-at-zero",
            "softmax-unstable",
            "softmax-diagonal",
            "mse-no-mean",
            "cross-entropy-no-mean",
            "sequential-order",
        ),
        37.98,
        spoils=("train_digits",),
    ),  # 4.1 -3.76, 4.4 -0.33, 4.8 -2.67, 4.9 -2, 4.10 -2.2, 4.11 -1, 4.12 -3
    Typical(
        "backprop-typical-b",
        "backprop",
        (
            "sigmoid-unstable",
            "sigmoid-input",
            "tanh-input",
            "leaky-relu-at-zero",
            "gelu-product-rule",
            "swish-beta-mean",
            "digits-ascent",
        ),
        45.5,
    ),  # 4.2 -2.33, 4.3 -2, 4.5 -0.33, 4.6 -2, 4.7 -1, 4.12 -3
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
    # 11 points
    Typical(
        "torch_pipeline-typical-a",
        "torch_pipeline",
        (
            "windows-zero-padding",
            "windows-len-padding",
            "twins-no-zero-grad",
            "pipeline-len-typo",
            "pipeline-no-super",
            "pipeline-no-zero-grad",
            "pipeline-no-no-grad",
            "batches-drop-last",
            "batches-per-sample",
        ),
        6.08,
    ),  # 11 points. 6.1 -1.25, 6.2 -0.33, 6.3 -2.17, 6.4 -0.83
    Typical(
        "torch_pipeline-typical-b",
        "torch_pipeline",
        (
            "windows-shifted",
            "windows-up-front",
            "twins-after-training",
            "pipeline-no-eval",
            "pipeline-to-dropped",
            "batches-generator-ignored",
        ),
        8.04,
    ),  # 6.1 -1.25, 6.2 -0.33, 6.3 -0.79, 6.4 -0.25
    Typical(
        "torch_pipeline-typical-c",
        "torch_pipeline",
        (
            "windows-flatten-order",
            "twins-no-momentum",
            "twins-no-step",
            "pipeline-getitem-typo",
            "pipeline-layer-set",
            "batches-not-shuffled",
        ),
        7.58,
    ),
    # 6.1 -0.75, 6.2 -0.66, 6.3 -0.83 (the typo 0.5; the layer order 0.33: one unit of 3 in each of 2
    # cases of the model check), 6.4 -0.5
]


class CatalogueError(RuntimeError):
    """The catalogue does not fit the reference or the checks."""


def mistake(chapter, key):
    found = [m for m in MISTAKES[chapter] if m.key == key]
    if len(found) != 1:
        raise CatalogueError(f"{chapter}: {len(found)} mistakes called {key!r}")
    return found[0]


def mistakes_of(student):
    return [mistake(student.chapter, key) for key in student.mistakes]


def typical(chapter=None):
    return [s for s in TYPICAL if chapter in (None, s.chapter)]


def touched(chapter, m):
    """Full ids of the checks a mistake makes fail, its own and the ones it spoils."""
    return {f"{chapter}.{c}" for c in m.fails + m.spoils}


def spoiled(student):
    """Full ids of the checks a student loses without a planted mistake of their exercise."""
    return {f"{student.chapter}.{c}" for c in student.spoils}.union(
        *(touched(student.chapter, m) for m in mistakes_of(student))
    )


def validate():
    """Raise CatalogueError unless the catalogue is consistent with the checks and causes."""
    if set(MISTAKES) != set(CHAPTERS):
        raise CatalogueError(f"chapters without a catalogue: {sorted(set(CHAPTERS) - set(MISTAKES))}")
    for chapter, mistakes in MISTAKES.items():
        ids = {c.id for c in all_checks(chapter)}
        numbers = {c.exercise.split()[0] for c in all_checks(chapter)}
        for m in mistakes:
            if (m.cause is None) == (m.says is None) or (m.cause and m.cause not in diagnosis.CAUSES):
                raise CatalogueError(f"{chapter} {m.key}: needs one of cause (a CAUSES key) or says")
            if not touched(chapter, m) <= ids or m.number not in numbers:
                raise CatalogueError(f"{chapter} {m.key}: unknown check or exercise")
        if missing := numbers - {m.number for m in mistakes}:
            raise CatalogueError(f"{chapter}: no typical mistake for exercise(s) {sorted(missing)}")
        carried = [key for s in typical(chapter) for key in s.mistakes]
        if sorted(carried) != sorted(m.key for m in mistakes):
            raise CatalogueError(f"{chapter}: every mistake must be carried by exactly one typical student")
    for student in TYPICAL:  # a check that must name a mistake is touched by no other one of the student
        planted = mistakes_of(student)
        for m in planted:
            others = set().union(*(touched(student.chapter, o) for o in planted if o is not m))
            if others & {f"{student.chapter}.{c}" for c in m.fails}:
                raise CatalogueError(f"{student.id}: {m.key} shares a check with another of its mistakes")
    return True
