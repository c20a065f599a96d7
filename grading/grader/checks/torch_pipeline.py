"""Checks of chapter 6 (torch_pipeline): the notebook exercises 6.1 ContextWindows, 6.2
train_twins, 6.3 the fixed pipeline and 6.4 device_batches, graded from the submitted notebook.

The case programs (grading/grader/cases/torch_pipeline.py) record what the student's code did as
plain arrays: lengths, windows, losses, the mode of every forward pass, gradients left over at
each optimizer step, predictions, type names and source text as bytes. Every verdict is made
here: windows against the ones computed from the case, losses against the reference's (and
against the losses of the typical mistakes, run by the reference), modes, thresholds and the
dropped `.to(device)` read from the source with `ast` (never run).
"""

import ast
import re

import numpy as np

from . import Check
from .judging import NOTEBOOK_TIMEOUT_S, Verdict, get, likely, scalar

NOTEBOOK = "torch_pipeline.ipynb"


def text(arrays, name):
    """A text the case program recorded as UTF-8 bytes (KeyError when it was not recorded)."""
    return bytes(np.asarray(arrays[name]).astype(np.uint8).reshape(-1)).decode("utf-8", "replace")


def error_of(arrays):
    """ ": <the error that ended the program>" when it recorded one, else ""."""
    return f": {text(arrays, 'error')}" if "error" in arrays else ""


def _number(value):
    """A one-number result for a message: 14, 0.25, or "not one number"."""
    return "not one number" if value is None else f"{value:g}"


def misspelt(arrays, dunder):
    """The class's member that looks like `dunder` but is spelt otherwise (Python's renaming of
    `__name_` to `_Class__name_` undone), or None."""
    for name in text(arrays, "members").split("\n"):
        plain = re.sub(r"^_\w+?(?=__)", "", name)
        if plain != dunder and plain.strip("_") == dunder.strip("_"):
            return name
    return None


def typo_message(arrays, dunder, what):
    name = misspelt(arrays, dunder)
    return (
        None
        if name is None
        else (f"{what} fails: the class defines {name!r} but not {dunder!r}." + likely("dunder_typo"))
    )


# ------------------------------------------------------------------ 6.1 ContextWindows


def windows_of(features, k, mode):
    """The (T, (2k+1) F) windows of features (T, F) padded with `mode` ("edge" or "constant")."""
    padded = np.pad(features, ((k, k), (0, 0)), mode=mode)
    index = np.arange(len(features))[:, None] + np.arange(2 * k + 1)
    return padded[index].reshape(len(features), -1)


def len_judge(arrays, ctx, case):
    """One unit: len(dataset) is T, one sample per frame."""
    verdict = Verdict()
    T, k = case["T"], case["k"]
    typo = typo_message(arrays, "__len__", "len(dataset)")
    if typo:
        verdict.unit(False, typo)
        return verdict.result()
    n = scalar(arrays, "len")
    cause = "len_counts_padding" if n == T + 2 * k else "len_drops_edges" if n == T - 2 * k else None
    verdict.unit(
        n == T,
        f"len(dataset) is {_number(n)}, expected T = {T} (one sample per frame, k = {k})."
        + (likely(cause) if cause else ""),
    )
    return verdict.result()


def _window_values(arrays, T):
    """The student's T windows as a list of 1-D arrays, or None when the record is malformed."""
    sizes, values = get(arrays, "window_sizes").astype(np.int64), get(arrays, "window_values").reshape(-1)
    if sizes.shape != (T,) or np.any(sizes < 0) or sizes.sum() != values.size:
        return None
    return np.split(values, np.cumsum(sizes)[:-1])


def _window_cause(windows, features, k, width):
    """The catalogue key of the mistake that explains every window, or None."""
    T = len(features)
    if all(w.size == width for w in windows):
        got = np.stack(windows)
        zeros = windows_of(features, k, "constant")
        by_feature = windows_of(features, k, "edge").reshape(T, 2 * k + 1, -1).transpose(0, 2, 1).reshape(T, -1)
        for key, candidate in (("window_zero_padding", zeros), ("window_flatten_order", by_feature)):
            if np.allclose(got, candidate, atol=1e-6):
                return key
    expected = windows_of(features, k, "edge")
    inside = [t for t in range(T - k) if windows[t].size == width]
    if (
        inside
        and not np.allclose(expected[inside], expected[[t + k for t in inside]])
        and all(np.allclose(windows[t], expected[t + k], atol=1e-6) for t in inside)
    ):
        return "window_shifted"
    return None


def windows_judge(arrays, ctx, case):
    """Four units: the window is a float32 tensor of shape ((2k+1) F,); every window right (two);
    every label the frame's integer label."""
    verdict = Verdict()
    features, labels, k = ctx["features"], ctx["labels"], case["k"]
    T, F = features.shape
    width = (2 * k + 1) * F
    typo = typo_message(arrays, "__getitem__", "dataset[t]")
    if typo:
        verdict.unit(False, typo, units=4)
        return verdict.result()
    kind, shape = text(arrays, "window_kind"), tuple(int(s) for s in get(arrays, "window_shape"))
    flat = " (the values are the (2k+1, F) slice: flatten it with .reshape(-1))" if shape == (2 * k + 1, F) else ""
    verdict.unit(
        kind == "torch.Tensor torch.float32" and shape == (width,),
        f"a window should be a float32 torch.Tensor of shape ((2k+1) F,) = ({width},) with k={k}, "
        f"F={F}; got {kind} of shape {shape}{flat}",
    )
    windows, expected = _window_values(arrays, T), windows_of(features, k, "edge")
    if windows is None:
        verdict.unit(False, f"the items could not be read as {T} windows", units=2)
    else:
        wrong = [t for t in range(T) if windows[t].size != width or not np.allclose(windows[t], expected[t], atol=1e-6)]
        cause = _window_cause(windows, features, k, width) if wrong else None
        first = wrong[0] if wrong else 0
        got = windows[first][:6] if windows[first].size else windows[first]
        verdict.unit(
            not wrong,
            f"{len(wrong)} of {T} windows are wrong; frame {first} should start "
            f"{np.round(expected[first][:6], 3)} ({width} numbers), got {np.round(got, 3)} "
            f"({windows[first].size} numbers)." + (likely(cause) if cause else ""),
            units=2,
        )
    got_labels = np.asarray(arrays["labels"])
    verdict.unit(
        got_labels.shape == labels.shape and got_labels.dtype.kind in "iu" and np.array_equal(got_labels, labels),
        f"the labels should be the integer labels of the frames, {labels[:6]}...; got "
        f"{got_labels.reshape(-1)[:6]}... ({text(arrays, 'label_kind')})",
    )
    return verdict.result()


def loader_judge(arrays, ctx, case):
    """One unit: a DataLoader batch of 4 is windows (4, (2k+1) F) and int64 labels (4,)."""
    verdict = Verdict()
    width = (2 * case["k"] + 1) * case["F"]
    shape = tuple(int(s) for s in get(arrays, "batch_x_shape"))
    labels = np.asarray(arrays["batch_y"])
    verdict.unit(
        shape == (4, width)
        and labels.shape == (4,)
        and labels.dtype == np.int64
        and np.array_equal(labels, ctx["labels"][:4]),
        f"a DataLoader batch of 4 should be windows (4, {width}) and int64 labels {ctx['labels'][:4]}; got "
        f"windows {shape} and labels {labels.reshape(-1)[:4]} of dtype {labels.dtype} "
        "(CrossEntropyLoss wants int64 class indices)",
    )
    return verdict.result()


def memory_budget(T, F, k):
    """The bytes __init__ may keep: four copies of the padded array as float64 (a float32 tensor
    sharing a numpy buffer counts twice), two of the labels as int64, and 64 KB for the rest."""
    return 4 * 8 * (T + 2 * k) * F + 2 * 8 * T + (64 << 10)


def memory_judge(arrays, ctx, case):
    """One unit: __init__ keeps about the padded array, not every window (measured by the case
    program around the call, wherever the memory is kept: never asked of the object)."""
    verdict = Verdict()
    T, F, k = case["big"]
    kept, budget = scalar(arrays, "kept_bytes"), memory_budget(T, F, k)
    padded, windows = 4 * (T + 2 * k) * F, 4 * T * (2 * k + 1) * F
    verdict.unit(
        kept is not None and 0 <= kept <= budget,
        f"__init__ left {_kib(kept)} allocated for {T} frames of {F} features (k={k}): the padded array "
        f"needs {_kib(padded)} as float32, every window {_kib(windows)}; at most {_kib(budget)} is "
        f"accepted." + likely("windows_up_front"),
    )
    return verdict.result()


def _kib(n):
    return "not one number" if n is None else f"{n / 1024:.0f} KiB"


# ------------------------------------------------------------------ 6.2 train_twins


def twins_mistakes(name, ctx, case):
    causes = [
        ("missing_zero_grad", "no_zero_grad"),
        ("missing_step", "no_step"),
        ("momentum_not_passed", "no_momentum"),
    ]
    if name == "mytorch_losses":
        causes.append(("twin_after_training", "twin_after_training"))
    return [(cause, ctx[key]) for cause, key in causes]


def loss_kinds_judge(side):
    def judge(arrays, ctx, case):
        """One unit: the losses are plain numbers (loss.item()), not tensors."""
        verdict = Verdict()
        if f"{side}_losses_kinds" not in arrays:  # the comparison of the losses already says why
            verdict.unit(False)
            return verdict.result()
        kinds = text(arrays, f"{side}_losses_kinds")
        verdict.unit(
            "torch." not in kinds,
            f"the {side} losses are {kinds.replace(chr(10), ', ')}." + likely("losses_as_tensors"),
        )
        return verdict.result()

    return judge


# ------------------------------------------------------------------ 6.3 the fixed pipeline


def dataset_judge(arrays, ctx, case):
    """Two units: len(FrameDataset) is N; dataset[i] is (X[i], y[i])."""
    verdict = Verdict()
    X, y, rows = ctx["X"], ctx["y"], case["rows"]
    typo = typo_message(arrays, "__len__", "len(FrameDataset(X, y))")
    if typo or "len" not in arrays:
        verdict.unit(False, typo or f"len(FrameDataset(X, y)) failed{error_of(arrays)}")
    else:
        n = scalar(arrays, "len")
        verdict.unit(n == len(X), f"len(FrameDataset(X, y)) is {_number(n)}, expected the number of samples, {len(X)}")
    typo = typo_message(arrays, "__getitem__", "FrameDataset(X, y)[i]")
    if typo or "items_x" not in arrays:
        verdict.unit(False, typo or f"FrameDataset(X, y)[i] failed{error_of(arrays)}")
        return verdict.result()
    items_x, items_y = get(arrays, "items_x"), np.asarray(arrays["items_y"])
    verdict.unit(
        items_x.shape == X[rows].shape
        and np.array_equal(items_x, X[rows])
        and items_y.dtype.kind in "iu"
        and np.array_equal(items_y, y[rows]),
        f"FrameDataset(X, y)[i] should be (X[i], y[i]) for i in {rows}: labels {y[rows]}, got {items_y}, "
        f"features {'right' if np.array_equal(items_x, X[rows]) else 'wrong'}",
    )
    return verdict.result()


WANTED_LAYERS = ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]


def model_judge(arrays, ctx, case):
    """Three units: it builds with registered parameters; its layers, in order, with their sizes;
    model(x) gives (5, n_classes) logits."""
    verdict = Verdict()
    n_in, hidden, n_classes = 12, case["hidden"], 4
    if "n_parameters" not in arrays:
        error = error_of(arrays)
        cause = "missing_super_init" if "before Module.__init__() call" in error else None
        verdict.unit(
            False,
            f"building FrameClassifier({n_in}, {hidden}, {n_classes}) failed{error}."
            + (likely(cause) if cause else ""),
            units=3,
        )
        return verdict.result()
    verdict.unit(
        scalar(arrays, "n_parameters") > 0,
        "model.parameters() is empty: PyTorch sees only layers held "
        "as attributes, in an nn.Sequential or an nn.ModuleList (not in a plain list, set or dict)",
    )
    layers = [name for name in text(arrays, "layers").split("\n") if name]
    sizes = [tuple(int(n) for n in row) for row in get(arrays, "linear_sizes").reshape(-1, 2)]
    want_sizes = [(n_in, hidden), (hidden, hidden), (hidden, n_classes)]
    shuffled = sorted(layers) == sorted(WANTED_LAYERS) and layers != WANTED_LAYERS
    verdict.unit(
        layers == WANTED_LAYERS and sizes == want_sizes,
        f"the layers should be {WANTED_LAYERS} with Linear sizes {want_sizes}; got {layers} with sizes "
        f"{sizes}." + (likely("layers_in_a_set") if shuffled else ""),
    )
    if "out_shape" not in arrays:
        verdict.unit(False, f"model(x) failed{error_of(arrays)}")
    else:
        shape = tuple(int(n) for n in get(arrays, "out_shape"))
        verdict.unit(
            shape == (5, n_classes), f"model(x) for x (5, {n_in}) should be (5, {n_classes}) logits, got {shape}"
        )
    return verdict.result()


def _training_run(arrays):
    """(forwards (n, 3), grad_excess (steps,), a note on how the run ended)."""
    forwards, excess = get(arrays, "forwards").reshape(-1, 3), get(arrays, "grad_excess").reshape(-1)
    note = f" (train_and_validate failed{error_of(arrays)})" if "error" in arrays else ""
    return forwards, excess, note


def zero_grad_judge(arrays, ctx, case):
    """One unit: the optimizer stepped, and at no step did .grad hold more than the last backward's."""
    verdict = Verdict()
    forwards, excess, note = _training_run(arrays)
    if excess.size == 0:
        verdict.unit(
            False,
            f"no torch.optim optimizer stepped on the model's parameters{note}."
            + ("" if note else likely("missing_step")),
        )
        return verdict.result()
    stale = int(np.sum(excess > 1e-7))
    verdict.unit(
        stale == 0,
        f"at {stale} of {excess.size} steps the gradient held more than the last batch's."
        + likely("missing_zero_grad"),
    )
    return verdict.result()


def modes_judge(arrays, ctx, case):
    """Three units: training forwards in train mode; validation (the forwards after the last step)
    in eval mode; and under no_grad."""
    verdict = Verdict()
    forwards, excess, note = _training_run(arrays)
    steps = excess.size
    training, validation = forwards[forwards[:, 2] < steps], forwards[forwards[:, 2] == steps]
    if steps == 0 or len(validation) == 0:
        verdict.unit(
            False,
            (
                "no optimizer step"
                if steps == 0
                else "no forward pass after the last optimizer step: where is the validation?"
            )
            + note,
            units=3,
        )
        return verdict.result()
    verdict.unit(
        np.all(training[:, 0] == 1),
        f"{int(np.sum(training[:, 0] != 1))} training batches ran in eval mode." + likely("train_mode_lost"),
    )
    final = scalar(arrays, "final_training")
    verdict.unit(
        np.all(validation[:, 0] == 0) and final == 0,
        f"validation ran in training mode "
        f"({int(np.sum(validation[:, 0] != 0))} of {len(validation)} batches), dropout still on."
        + likely("eval_never_called"),
    )
    verdict.unit(
        np.all(validation[:, 1] == 0),
        f"{int(np.sum(validation[:, 1] != 0))} of {len(validation)} "
        "validation batches recorded a graph." + likely("no_grad_missing"),
    )
    return verdict.result()


def dropped_to_calls(source, name, line):
    """Line numbers (in its cell) of statements like `x.to(device)` in function `name` whose result
    is thrown away, x being a loop variable (a tensor: tensors, unlike modules, are not moved in
    place). The source is parsed, never run."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == name]
    functions = [f for f in functions if f.lineno == line] or functions[-1:]
    if not functions:
        return None
    function = functions[0]
    loop_names = {
        n.id
        for node in ast.walk(function)
        if isinstance(node, (ast.For, ast.comprehension))
        for n in ast.walk(node.target)
        if isinstance(n, ast.Name)
    }
    return [
        node.lineno
        for node in ast.walk(function)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr in ("to", "cuda")
        and isinstance(node.value.func.value, ast.Name)
        and node.value.func.value.id in loop_names
    ]


def device_judge(arrays, ctx, case):
    """One unit: the run completed, and no loop variable's .to(device) result is dropped (on a CPU
    it is silent; on a GPU it stops the script)."""
    verdict = Verdict()
    if "completed" not in arrays:
        verdict.unit(False, f"train_and_validate did not complete{error_of(arrays)}")
        return verdict.result()
    dropped = dropped_to_calls(text(arrays, "source"), "train_and_validate", int(scalar(arrays, "source_line") or 0))
    if dropped is None:
        verdict.unit(
            False,
            "the source of train_and_validate could not be found in the notebook (define it in the exercise cell)",
        )
    else:
        verdict.unit(
            not dropped,
            f"line {dropped[0] if dropped else 0} of the cell defining train_and_validate "
            "calls .to(device) and drops the result." + likely("dropped_to_device"),
        )
    return verdict.result()


def accuracy_judge(arrays, ctx, case):
    """Two units: the returned accuracy is the trained model's in eval mode on val_set; it is >= 0.9."""
    verdict = Verdict()
    accuracy = scalar(arrays, "accuracy")
    actual = float(np.mean(np.asarray(arrays["val_pred"]).reshape(-1) == ctx["y_val"]))
    if accuracy is None or not 0 <= accuracy <= 1:
        verdict.unit(
            False,
            f"train_and_validate should return the validation accuracy, a float in [0, 1]; got "
            f"{text(arrays, 'accuracy_kind')} {get(arrays, 'accuracy').reshape(-1)[:3]}",
        )
    else:
        forwards, excess, _ = _training_run(arrays)
        train_mode = scalar(arrays, "final_training") != 0 or np.any(forwards[forwards[:, 2] == excess.size, 0] == 1)
        verdict.unit(
            abs(accuracy - actual) <= 1e-6,
            f"returned accuracy {accuracy:.4f}, but the trained model in eval mode gets {actual:.4f} on "
            "the validation set."
            + (
                likely("eval_never_called")
                if train_mode
                else " Count the correct predictions of every batch, divide by len(val_set)."
            ),
        )
    verdict.unit(
        actual >= 0.9,
        f"validation accuracy {actual:.3f} after 3 epochs; this task reaches 0.9 with a "
        "working loop (is the optimizer stepping on model.parameters()?)",
    )
    return verdict.result()


# ------------------------------------------------------------------ 6.4 device_batches


def _ids(arrays, name):
    return get(arrays, name).reshape(-1)


def coverage_judge(arrays, ctx, case):
    """Four units: tensors of X's dtype in batches of batch_size, the last one smaller; every sample
    once; labels those of their samples; shuffled."""
    verdict = Verdict()
    N, batch = case["N"], case["batch"]
    sizes = [int(s) for s in get(arrays, "sizes").reshape(-1)]
    want = [batch] * (N // batch) + ([N % batch] if N % batch else [])
    kinds = text(arrays, "batch_kind").split("\n")
    tensors = len(kinds) == 2 and kinds[0] == "torch.Tensor torch.float32 cpu" and kinds[1].startswith("torch.Tensor")
    dropped = sizes == want[:-1] and N % batch != 0
    verdict.unit(
        sizes == want and tensors,
        f"with N={N}, batch_size={batch} the batches should be {len(want)} pairs of tensors on X's device "
        f"with X's dtype, of sizes {want[:2]}... ending in {want[-1]}; got {len(sizes)} batches "
        f"({', '.join(kinds)}) of sizes {sizes[:2]}... ending in {sizes[-1] if sizes else None}."
        + (likely("batches_drop_last") if dropped else ""),
    )
    ids = _ids(arrays, "ids")
    once = ids.shape == (N,) and np.array_equal(np.sort(ids), np.arange(N))
    repeats = ids.size and len(np.unique(ids)) < ids.size
    verdict.unit(
        once,
        f"an epoch should hold each of the {N} samples exactly once; got {ids.size} samples, "
        f"{len(np.unique(ids))} different." + (likely("batches_with_replacement") if repeats else ""),
    )
    labels = get(arrays, "labels").reshape(-1)
    verdict.unit(
        labels.shape == ids.shape and np.array_equal(labels, ids % 7),
        "the labels do not belong to their samples: index X and y with the same indices",
    )
    verdict.unit(
        ids.size > 1 and not np.array_equal(ids, np.arange(ids.size)),
        "the samples come in their stored order." + likely("batches_not_shuffled"),
    )
    return verdict.result()


def reshuffle_judge(arrays, ctx, case):
    """Two units: a second epoch from the same generator is in a new order; a fresh generator with
    the same seed repeats the first epoch's order."""
    verdict = Verdict()
    first, again, seeded = _ids(arrays, "ids"), _ids(arrays, "ids_again"), _ids(arrays, "ids_seeded")
    stored = np.array_equal(first, np.arange(first.size))
    verdict.unit(
        not np.array_equal(first, again),
        "two epochs drawn with the same generator came in the same "
        "order." + likely("batches_not_shuffled" if stored else "same_order_every_epoch"),
    )
    verdict.unit(
        np.array_equal(first, seeded),
        "a generator with the same seed gave a different order." + likely("generator_ignored"),
    )
    return verdict.result()


def indexing_judge(arrays, ctx, case):
    """One unit: X is indexed about once per batch, not once per sample."""
    verdict = Verdict()
    calls, n_batches = scalar(arrays, "index_calls"), -(-case["N"] // case["batch"])
    verdict.unit(
        calls is not None and calls <= 3 * n_batches + 5,
        f"X was indexed {_number(calls)} times for {n_batches} batches." + likely("per_sample_loop"),
    )
    return verdict.result()


# ------------------------------------------------------------------ the checks


def notebook_check(slug, exercise, points, program, cases, **options):
    return Check(
        f"torch_pipeline.{slug}",
        exercise,
        points,
        program,
        cases,
        target=NOTEBOOK,
        timeout=NOTEBOOK_TIMEOUT_S,
        **options,
    )


WINDOWS = [
    dict(seed=0, T=10, F=3, k=2, label="T 10, F 3, k 2"),
    dict(seed=1, T=27, F=5, k=3, label="T 27, F 5, k 3"),
    dict(seed=2, T=7, F=4, k=4, label="T 7, F 4, k 4: windows longer than the utterance"),
]
TWINS = [
    dict(seed=0, sizes=[6, 16, 3], steps=12, batch=8, lr=0.1, momentum=0.9, label="6-16-3 MLP, 12 steps"),
    dict(seed=1, sizes=[9, 7, 5], steps=10, batch=6, lr=0.05, momentum=0.8, label="9-7-5 MLP, 10 steps"),
]
PIPELINE = [
    dict(seed=0, rows=[0, 7, 799], hidden=24, label="clusters, 12 features, 4 classes"),
    dict(seed=1, rows=[3, 400, 798], hidden=16, label="other clusters, hidden 16"),
]
BATCHES = [
    dict(seed=0, N=1000, D=5, batch=128, label="N 1000, batch 128"),
    dict(seed=1, N=517, D=3, batch=64, label="N 517, batch 64"),
    dict(seed=2, N=640, D=4, batch=64, label="N 640, batch 64: no smaller last batch"),
]

CHECKS = [
    notebook_check("context_windows.len", "6.1 ContextWindows: len", 0.5, "windows_len", WINDOWS, judge=len_judge),
    notebook_check(
        "context_windows.items", "6.1 ContextWindows: dataset[t]", 1.5, "windows_items", WINDOWS, judge=windows_judge
    ),
    notebook_check(
        "context_windows.loader",
        "6.1 ContextWindows in a DataLoader",
        0.5,
        "windows_loader",
        WINDOWS[:2],
        judge=loader_judge,
    ),
    notebook_check(
        "context_windows.memory",
        "6.1 ContextWindows keeps the padded array only",
        0.5,
        "windows_memory",
        [dict(seed=0, big=[2000, 8, 12], label="T 2000, F 8, k 12")],
        judge=memory_judge,
    ),
    notebook_check(
        "twins.torch",
        "6.2 train_twins: the torch losses",
        1,
        "twins",
        TWINS,
        compare=("torch_losses",),
        rtol=0,
        atol=1e-6,
        mistakes=twins_mistakes,
        judge=loss_kinds_judge("torch"),
    ),
    notebook_check(
        "twins.mytorch",
        "6.2 train_twins: the mytorch twin's losses",
        1,
        "twins",
        TWINS,
        compare=("mytorch_losses",),
        rtol=0,
        atol=1e-6,
        mistakes=twins_mistakes,
        judge=loss_kinds_judge("mytorch"),
    ),
    notebook_check("fix_pipeline.dataset", "6.3 FrameDataset", 1, "pipeline_dataset", PIPELINE, judge=dataset_judge),
    notebook_check("fix_pipeline.model", "6.3 FrameClassifier", 1, "pipeline_model", PIPELINE, judge=model_judge),
    notebook_check(
        "fix_pipeline.zero_grad",
        "6.3 train_and_validate: gradients cleared",
        0.5,
        "pipeline_train",
        PIPELINE,
        judge=zero_grad_judge,
    ),
    notebook_check(
        "fix_pipeline.modes",
        "6.3 train_and_validate: train, then eval + no_grad",
        0.5,
        "pipeline_train",
        PIPELINE,
        judge=modes_judge,
    ),
    notebook_check(
        "fix_pipeline.device",
        "6.3 train_and_validate: batches moved to the device",
        0.5,
        "pipeline_train",
        PIPELINE,
        judge=device_judge,
    ),
    notebook_check(
        "fix_pipeline.accuracy",
        "6.3 train_and_validate: the validation accuracy",
        0.5,
        "pipeline_train",
        PIPELINE,
        judge=accuracy_judge,
    ),
    notebook_check(
        "device_batches.coverage",
        "6.4 device_batches: one shuffled epoch",
        1,
        "device_batches",
        BATCHES,
        judge=coverage_judge,
    ),
    notebook_check(
        "device_batches.reshuffle",
        "6.4 device_batches: a new, reproducible order",
        0.5,
        "device_batches",
        BATCHES,
        judge=reshuffle_judge,
    ),
    notebook_check(
        "device_batches.indexing",
        "6.4 device_batches: whole batches at once",
        0.5,
        "device_batches",
        BATCHES,
        judge=indexing_judge,
    ),
]
