"""Case programs of chapter 6's notebook exercises: 6.1 ContextWindows, 6.2 train_twins, 6.3 the
fixed pipeline (FrameDataset, FrameClassifier, train_and_validate), 6.4 device_batches.

Runs INSIDE the sandbox on the namespace of the executed notebook (student's or reference's),
with torch from the grader's site-packages. Each `program(ns, case, t)` builds its data from the
case, calls the student's code and records what it saw as plain arrays: numbers, shapes, and
text as uint8 bytes (type names, member names, a function's source). Nothing here judges: every
verdict is made by the grader (grading/grader/checks/torch_pipeline.py). The reference run also
records, as context (`t.ctx`), what a student with a typical mistake would get.

One program per part of an exercise, so a part that raises costs only its own checks. The data
generators and watchers mirror those of the visible checks (mytorch/testing/torch_pipeline.py)
on purpose: the sandbox's mytorch is the student's, so nothing here may import from it.
"""

import contextlib
import copy
import functools
import os


@contextlib.contextmanager
def _exercise(number, name):
    """A bare NotImplementedError (the notebook's stub) named after its exercise."""
    try:
        yield
    except NotImplementedError as stub:
        raise NotImplementedError(str(stub) or f"exercise {number} ({name}): not implemented yet") from None


def _text(t, name, text):
    """Record text as its UTF-8 bytes (the pipe carries numeric arrays only)."""
    t.out(name, t.np.frombuffer(str(text)[:200_000].encode("utf-8", "replace"), dtype=t.np.uint8))


def _recorded(program):
    """The program, recording the text of the error that ends it as "error" (a judge that
    credits the parts done before it names the error in its message)."""

    @functools.wraps(program)
    def run(ns, case, t):
        try:
            program(ns, case, t)
        except Exception as error:
            _text(t, "error", f"{type(error).__name__}: {str(error)[:400]}")
            raise

    return run


def _kind(value):
    """ "module.Type dtype": what a value is, for the grader to judge."""
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__} {getattr(value, 'dtype', '')}".strip()


def _plain(value):
    """A tensor as a numpy array (detached, on the CPU); anything else unchanged."""
    import torch

    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def _members(cls):
    """The attribute names of a class and its bases (not object's), one per line."""
    return "\n".join(name for c in cls.__mro__ if c is not object for name in vars(c))


# ------------------------------------------------------------------ 6.1 ContextWindows


def window_data(np, case):
    """features (T, F) float32 (+ 3, so that zero padding shows), labels (T,) int64, k."""
    rng = np.random.default_rng(case["seed"])
    T, F = case["T"], case["F"]
    features = rng.standard_normal((T, F)).astype(np.float32) + 3.0
    return features, rng.integers(0, 8, T).astype(np.int64), case["k"]


def _windows(ns, case, t):
    features, labels, k = window_data(t.np, case)
    t.ctx("features", features)
    t.ctx("labels", labels)
    with _exercise("6.1", "ContextWindows"):
        return ns["ContextWindows"](features.copy(), labels.copy(), k)


def windows_len(ns, case, t):
    """ "members" (the dataset class's attribute names, for a misspelt dunder), "len"."""
    cls = ns["ContextWindows"]
    _text(t, "members", _members(cls) if isinstance(cls, type) else "")
    ds = _windows(ns, case, t)
    with _exercise("6.1", "ContextWindows"):
        t.out("len", len(ds))


def windows_items(ns, case, t):
    """Items 0..T-1: "window_sizes" (T,), "window_values" (all windows flattened, in order),
    "window_shape" (item 0's window), "window_kind" (its type and dtype), "labels" (T,),
    "label_kind"; "members" for a misspelt __getitem__."""
    np = t.np
    ds = _windows(ns, case, t)
    _text(t, "members", _members(type(ds)))
    windows, labels = [], []
    with _exercise("6.1", "ContextWindows"):
        for frame in range(case["T"]):
            item = ds[frame]
            if not isinstance(item, tuple) or len(item) != 2:
                raise TypeError(f"dataset[{frame}] should be a tuple (window, label), got {type(item).__name__}")
            x, y = item
            if frame == 0:
                _text(t, "window_kind", _kind(x))
                _text(t, "label_kind", _kind(y))
                t.out("window_shape", np.array(np.shape(_plain(x)), dtype=np.int64))
            windows.append(np.asarray(_plain(x), dtype=np.float64).reshape(-1))
            labels.append(np.asarray(_plain(y)))
    t.out("window_sizes", np.array([w.size for w in windows], dtype=np.int64))
    t.out("window_values", np.concatenate(windows))
    t.out("labels", np.array(labels))


def windows_loader(ns, case, t):
    """The first DataLoader batch of 4: "batch_x_shape", "batch_y" (its labels, their dtype kept)."""
    import torch

    ds = _windows(ns, case, t)
    with _exercise("6.1", "ContextWindows"):
        xb, yb = next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
    t.out("batch_x_shape", t.np.array(xb.shape, dtype=t.np.int64))
    t.out("batch_y", _plain(yb))


def _kept_bytes(t, build):
    """(what build() returns, the bytes it left allocated), measured from outside the object:
    every allocation still alive after build() and a garbage collection, wherever it is kept (an
    attribute at any depth, a class attribute, a global, a closure): tracemalloc's count (Python
    objects and numpy buffers), plus the storage of every torch tensor that did not exist before
    (torch's allocator does not report to tracemalloc; a tensor sharing a numpy buffer counts twice)."""
    import gc
    import tracemalloc

    import torch

    gc.collect()
    old = [o for o in gc.get_objects() if isinstance(o, torch.Tensor)]  # kept alive: their ids stay theirs
    old_ids, old_storages = {id(o) for o in old}, {o.untyped_storage().data_ptr() for o in old}
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        built = build()
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    storages = {}
    for o in gc.get_objects():
        if isinstance(o, torch.Tensor) and id(o) not in old_ids:
            storage = o.untyped_storage()
            if storage.data_ptr() not in old_storages:
                storages[storage.data_ptr()] = max(storages.get(storage.data_ptr(), 0), storage.nbytes())
    return built, max(traced, 0) + sum(storages.values())


def windows_memory(ns, case, t):
    """ "kept_bytes": the memory a dataset of case["big"] = [T, F, k] keeps after __init__ (measured
    around the call, never asked of the object: _kept_bytes)."""
    np = t.np
    T, F, k = case["big"]
    rng = np.random.default_rng(case["seed"] + 7)
    features, labels = rng.standard_normal((T, F)).astype(np.float32), rng.integers(0, 8, T).astype(np.int64)
    with _exercise("6.1", "ContextWindows"):
        ds, kept = _kept_bytes(t, lambda: ns["ContextWindows"](features, labels, k))
    t.out("kept_bytes", kept)
    t.out("len", len(ds))  # the dataset stays alive until here


# ------------------------------------------------------------------ 6.2 train_twins


def _twin_case(np, torch, case):
    rng = np.random.default_rng(case["seed"])
    n_in, hidden, n_out = case["sizes"]
    n_steps, batch = case["steps"], case["batch"]
    W = rng.standard_normal((n_out, n_in))
    X = rng.standard_normal((n_steps * batch, n_in))
    y = np.argmax(X @ W.T, axis=1).astype(np.int64)
    batches = [(X[i : i + batch], y[i : i + batch]) for i in range(0, len(X), batch)]
    torch.manual_seed(case["seed"])
    model = torch.nn.Sequential(torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, n_out)).double()
    return model, batches


def _torch_losses(torch, model, batches, lr, momentum, zero_grad=True, step=True):
    """The losses of a plain torch SGD loop on a copy of model (and the trained copy)."""
    model = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    for xb, yb in batches:
        if zero_grad:
            optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(xb)), torch.from_numpy(yb))
        loss.backward()
        if step:
            optimizer.step()
        losses.append(loss.item())
    return losses, model


def _losses(t, name, losses):
    """ "name": the losses as numbers; "name_kinds": the distinct kinds of its elements."""
    if not isinstance(losses, (list, tuple, t.np.ndarray)):
        raise TypeError(f"train_twins should return two lists of losses, got {type(losses).__name__}")
    _text(t, name + "_kinds", "\n".join(sorted({_kind(v) for v in losses})))
    t.out(name, t.np.array([_plain(v) for v in losses], dtype=t.np.float64).reshape(-1))


def twins(ns, case, t):
    """6.2: train_twins(model, batches, lr, momentum) -> "torch_losses", "mytorch_losses". The
    reference run adds the losses of the typical mistakes as context."""
    import torch

    model, batches = _twin_case(t.np, torch, case)
    lr, momentum = case["lr"], case["momentum"]
    if t.reference:
        for name, options in (("no_zero_grad", dict(zero_grad=False)), ("no_step", dict(step=False))):
            t.ctx(name, _torch_losses(torch, model, batches, lr, momentum, **options)[0])
        t.ctx("no_momentum", _torch_losses(torch, model, batches, lr, 0.0)[0])
        trained = _torch_losses(torch, model, batches, lr, momentum)[1]
        t.ctx("twin_after_training", _torch_losses(torch, trained, batches, lr, momentum)[0])
    with _exercise("6.2", "train_twins"):
        result = ns["train_twins"](model, [(x.copy(), y.copy()) for x, y in batches], lr, momentum)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"train_twins should return a pair (torch_losses, mytorch_losses), got {type(result).__name__}")
    _losses(t, "torch_losses", result[0])
    _losses(t, "mytorch_losses", result[1])


# ------------------------------------------------------------------ 6.3 the fixed pipeline


def cluster_task(np, seed, n_in=12, n_classes=4, n_train=800, n_val=400):
    """Gaussian clusters, easy to learn: X float32, y int64 for a train and a validation split."""
    rng = np.random.default_rng(seed + 1000)
    centers = 2.5 * rng.standard_normal((n_classes, n_in))
    y = rng.integers(0, n_classes, n_train + n_val)
    X = (centers[y] + rng.standard_normal((len(y), n_in))).astype(np.float32)
    return X[:n_train], y[:n_train].astype(np.int64), X[n_train:], y[n_train:].astype(np.int64)


@_recorded
def pipeline_dataset(ns, case, t):
    """FrameDataset(X, y) alone: "members", "len", "items_x" and "items_y" (rows case["rows"])."""
    np = t.np
    X, y, _, _ = cluster_task(np, case["seed"])
    t.ctx("X", X)
    t.ctx("y", y)
    cls = ns["FrameDataset"]
    _text(t, "members", _members(cls) if isinstance(cls, type) else "")
    with _exercise("6.3", "FrameDataset"):
        ds = cls(X.copy(), y.copy())
        try:
            t.out("len", len(ds))
        finally:  # a broken len must not hide the items
            xs, ys = [], []
            for i in case["rows"]:
                x, label = ds[i]
                xs.append(np.asarray(_plain(x), dtype=np.float64))
                ys.append(np.asarray(_plain(label)))
            t.out("items_x", np.array(xs))
            t.out("items_y", np.array(ys))


@_recorded
def pipeline_model(ns, case, t):
    """FrameClassifier(n_in, hidden, n_classes) alone: "n_parameters", "layers" (leaf module types in
    order, text), "linear_sizes", "out_shape"."""
    np = t.np
    import torch

    X, _, _, _ = cluster_task(np, case["seed"])
    n_in, hidden, n_classes = X.shape[1], case["hidden"], 4
    with _exercise("6.3", "FrameClassifier"):
        net = ns["FrameClassifier"](n_in, hidden, n_classes)
        t.out("n_parameters", sum(p.numel() for p in net.parameters()))
        leaves = [m for m in net.modules() if not list(m.children())]
        _text(t, "layers", "\n".join(type(m).__name__ for m in leaves))
        t.out(
            "linear_sizes",
            np.array(
                [(m.in_features, m.out_features) for m in leaves if isinstance(m, torch.nn.Linear)], dtype=np.int64
            ).reshape(-1, 2),
        )
        t.out("out_shape", np.array(net(torch.from_numpy(X[:5])).shape, dtype=np.int64))


class _Watch:
    """Hooks on a model: every forward's (training, grad enabled, optimizer steps so far), and at
    every optimizer step how far a parameter's .grad is beyond the last backward's gradient."""

    def __init__(self, torch, model):
        from torch.optim.optimizer import register_optimizer_step_pre_hook

        self.torch, self.forwards, self.excess, self.fresh = torch, [], [], {}
        self.params = {id(p): p for p in model.parameters()}
        self.handles = [model.register_forward_pre_hook(self._forward)]
        self.handles += [p.register_hook(self._remember(p)) for p in self.params.values()]
        self.handles.append(register_optimizer_step_pre_hook(self._step))

    def _forward(self, module, inputs):
        self.forwards.append((float(module.training), float(self.torch.is_grad_enabled()), len(self.excess)))

    def _remember(self, p):
        def hook(grad):
            self.fresh[id(p)] = grad.detach().clone()

        return hook

    def _step(self, optimizer, args, kwargs):
        mine = [p for group in optimizer.param_groups for p in group["params"] if id(p) in self.params]
        if not mine:
            return
        excess = 0.0  # elementwise |grad - fresh| beyond allclose's rtol (the grader applies atol)
        for p in mine:
            fresh = self.fresh.get(id(p))
            if p.grad is not None and fresh is not None:
                gap = (p.grad - fresh).abs() - 1e-5 * fresh.abs()
                excess = max(excess, float(gap.max()))
        self.excess.append(excess)

    def close(self):
        for handle in self.handles:
            handle.remove()


def _cell_source(function):
    """(the source of the notebook cell that defined function, as the runner ran it, its first
    line in that cell), or ("", 0) when it cannot be found."""
    import json

    code = getattr(function, "__code__", None)
    name, _, number = (code.co_filename if code else "").rpartition(" cell ")
    if not number.isdigit():
        return "", 0
    for folder, dirs, files in sorted(os.walk(".")):  # the runner's search: this folder, then below
        if name in files:
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    source = json.load(f)["cells"][int(number)].get("source", "")
            except (OSError, ValueError, LookupError, AttributeError):
                return "", 0
            source = "".join(source) if isinstance(source, list) else str(source)
            lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            return "\n".join(lines), code.co_firstlineno
    return "", 0


@_recorded
def pipeline_train(ns, case, t):
    """train_and_validate on a known-good model (with dropout) and TensorDatasets, watched:
    "source" and "source_line" (its notebook cell), "forwards" (n, 3), "grad_excess" (steps,),
    "final_training", "completed" (train returned), "accuracy" (returned), "val_pred" (the trained
    model's eval predictions)."""
    np = t.np
    import torch

    X_train, y_train, X_val, y_val = cluster_task(np, case["seed"])
    t.ctx("y_val", y_val)
    train = ns["train_and_validate"]
    source, line = _cell_source(train)
    _text(t, "source", source)
    t.out("source_line", line)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(X_train.shape[1], 32), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(32, 4)
    )
    watch = _Watch(torch, net)
    TensorDataset = torch.utils.data.TensorDataset
    try:
        torch.manual_seed(case["seed"])
        with _exercise("6.3", "train_and_validate"):
            accuracy = train(
                net,
                TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
                TensorDataset(torch.from_numpy(X_val), torch.from_numpy(y_val)),
                "cpu",
                epochs=3,
                lr=3e-3,
            )
        t.out("completed", 1)
    finally:
        watch.close()
        t.out("forwards", np.array(watch.forwards, dtype=np.float64).reshape(-1, 3))
        t.out("grad_excess", np.array(watch.excess, dtype=np.float64))
        t.out("final_training", float(net.training))
    _text(t, "accuracy_kind", _kind(accuracy))
    t.out("accuracy", _plain(accuracy))
    evaluated = copy.deepcopy(net).cpu().eval()
    with torch.no_grad():
        t.out("val_pred", evaluated(torch.from_numpy(X_val)).argmax(1))


# ------------------------------------------------------------------ 6.4 device_batches


def _counting_class(torch, counter):
    """A tensor subclass that counts X[...] and index_select calls in counter[0]."""

    class Counting(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            if func is torch.Tensor.__getitem__ or func in (torch.index_select, torch.Tensor.index_select):
                counter[0] += 1
            return super().__torch_function__(func, types, args, kwargs or {})

    return Counting


def device_batches(ns, case, t):
    """6.4: three epochs of device_batches(X, y, batch, generator) on X (N, D) whose column 0 is the
    sample's id, y = id % 7: "sizes", "ids", "labels", "batch_kind" of the first (seeded) epoch;
    "ids_again" (the same generator, next epoch), "ids_seeded" (a fresh generator, same seed);
    "index_calls" (X[...] calls during a seeded epoch)."""
    np = t.np
    import torch

    N, D, batch, seed = case["N"], case["D"], case["batch"], case["seed"]
    rng = np.random.default_rng(seed)
    X = torch.from_numpy(rng.standard_normal((N, D)).astype(np.float32))
    X[:, 0] = torch.arange(N, dtype=torch.float32)
    y = torch.arange(N) % 7

    def epoch(generator, data=X):
        with _exercise("6.4", "device_batches"):
            out = list(ns["device_batches"](data, y, batch, generator))
        for item in out:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise TypeError(f"device_batches should yield pairs (xb, yb), got {type(item).__name__}")
        return out

    def ids(batches):
        return (
            np.concatenate([np.asarray(_plain(xb), dtype=np.float64).reshape(len(xb), -1)[:, 0] for xb, _ in batches])
            if batches
            else np.zeros(0)
        )

    generator = torch.Generator().manual_seed(seed)
    first = epoch(generator)
    if first:
        _text(t, "batch_kind", f"{_kind(first[0][0])} {getattr(first[0][0], 'device', '')}\n{_kind(first[0][1])}")
    t.out("sizes", np.array([len(xb) for xb, _ in first], dtype=np.int64))
    t.out("ids", ids(first))
    t.out("labels", np.concatenate([np.asarray(_plain(yb)).reshape(-1) for _, yb in first]) if first else np.zeros(0))
    t.out("ids_again", ids(epoch(generator)))
    t.out("ids_seeded", ids(epoch(torch.Generator().manual_seed(seed))))
    counter = [0]
    epoch(torch.Generator().manual_seed(seed), data=X.as_subclass(_counting_class(torch, counter)))
    t.out("index_calls", counter[0])
