# GENERATED from solutions/mytorch/testing/torch_pipeline.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""Visible checks of chapter 6 (torch_pipeline): your PyTorch pipeline, run and watched.

    check("torch_pipeline.context_windows", answer=ContextWindows)             # exercise 6.1
    check("torch_pipeline.twins", answer=train_twins)                          # exercise 6.2
    check("torch_pipeline.fix_pipeline", dataset=FrameDataset,
          model=FrameClassifier, train=train_and_validate)                     # exercise 6.3
    check("torch_pipeline.device_batches", answer=device_batches)              # exercise 6.4

The checks run your code on small generated problems and watch it work: hooks record the
mode of every forward pass, whether gradient tracking was on, and whether old gradients were
still there when the optimizer stepped. Checks that need a CUDA GPU run only where one exists
and say so when they are skipped; your points never depend on having a GPU.
"""
import ast
import copy
import inspect
import re
import textwrap

import numpy as np

from .report import Mismatch, cause_text, compare, run_check


def _torch():
    import torch  # imported late: only these checks pay its start-up time
    return torch


def _cuda():
    torch = _torch()
    return torch.cuda.is_available()


def _skip(what):
    print(f"[SKIP] {what}: no CUDA GPU here. It runs (and counts) only where CUDA exists; "
          f"nothing is taken off your points for skipping it.")


def _is_int(value):
    torch = _torch()
    if isinstance(value, torch.Tensor):
        return value.ndim == 0 and not value.dtype.is_floating_point
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


# ------------------------------------------------------------------ 6.1 ContextWindows


def _windows(features, k, mode):
    """The (T, (2k+1) F) windows of features (T, F) padded with `mode` ("edge" or "constant")."""
    padded = np.pad(features, ((k, k), (0, 0)), mode=mode)
    index = np.arange(len(features))[:, None] + np.arange(2 * k + 1)
    return padded[index].reshape(len(features), -1)


def _window_case(seed):
    rng = np.random.default_rng(seed)
    T, F, k = (10, 3, 2) if seed == 0 else (int(rng.integers(4, 30)), int(rng.integers(2, 7)),
                                            int(rng.integers(1, 5)))
    features = rng.standard_normal((T, F)).astype(np.float32) + 3.0  # + 3: zero padding shows
    labels = rng.integers(0, 8, T).astype(np.int64)
    return features, labels, k


def _array_elements(obj, seen=None, depth=0):
    """How many numbers obj keeps in arrays and tensors (in attributes, lists, tuples, dicts)."""
    torch = _torch()
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 4:
        return 0
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor):
        return obj.untyped_storage().nbytes() // max(obj.element_size(), 1)
    if isinstance(obj, np.ndarray):
        base = obj if obj.base is None else obj.base
        return base.size if isinstance(base, np.ndarray) else obj.size
    if isinstance(obj, dict):
        return sum(_array_elements(v, seen, depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_array_elements(v, seen, depth + 1) for v in obj)
    if hasattr(obj, "__dict__") and depth == 0:
        return _array_elements(vars(obj), seen, depth + 1)
    return 0


def _typo_hint(cls, dunder):
    # Python mangles `__len_` (two leading underscores, not two trailing) to `_Class__len_`.
    names = [re.sub(r"^_\w+?(?=__)", "", name) for c in cls.__mro__ for name in vars(c)]
    near = [name for name in names if name.strip("_") == dunder.strip("_") and name != dunder]
    if near:
        return f" Your class defines {near[0]!r}, not {dunder!r}. {cause_text('dunder_typo')}"
    return f" Define {dunder} in the class."


def context_windows_checks(answer, seed=0):
    """Exercise 6.1: ContextWindows(features (T, F), labels (T,), k) is a Dataset whose item t is
    (frames t-k .. t+k flattened to a float32 tensor ((2k+1) F,), the label of frame t), with the
    first and last frame repeated beyond the edges."""
    torch = _torch()
    features, labels, k = _window_case(seed)
    T, F = features.shape
    built = {}

    def build():
        if "ds" not in built:
            built["ds"] = answer(features.copy(), labels.copy(), k)
        return built["ds"]

    def length():
        ds = build()
        try:
            n = len(ds)
        except TypeError:
            raise Mismatch("len(dataset) fails." + _typo_hint(type(ds), "__len__")) from None
        if n == T + 2 * k:
            raise Mismatch(f"len is {n} = T + 2k, T = {T}. {cause_text('len_counts_padding')}")
        if n == T - 2 * k:
            raise Mismatch(f"len is {n} = T - 2k, T = {T}. {cause_text('len_drops_edges')}")
        if n != T:
            raise Mismatch(f"len should be T = {T} (one sample per frame), got {n}")

    def items():
        ds = build()
        if not hasattr(type(ds), "__getitem__"):
            raise Mismatch("dataset[t] fails." + _typo_hint(type(ds), "__getitem__"))
        expected = _windows(features, k, "edge").astype(np.float32)
        zeros = _windows(features, k, "constant").astype(np.float32)
        for t in range(T):
            item = ds[t]
            if not isinstance(item, tuple) or len(item) != 2:
                raise Mismatch(f"dataset[{t}] should be a tuple (window, label), got {type(item).__name__}")
            x, y = item
            if not isinstance(x, torch.Tensor):
                raise Mismatch(f"the window should be a torch.Tensor, got {type(x).__name__} "
                               "(torch.from_numpy or torch.as_tensor convert an array)")
            if x.dtype != torch.float32:
                raise Mismatch(f"the window should be float32 (the dtype of the model's weights), got {x.dtype}")
            x = x.detach().cpu().numpy()
            if x.shape == (2 * k + 1, F):
                raise Mismatch(f"the window has shape {x.shape}: flatten it to ((2k+1) F,) = ({(2 * k + 1) * F},) "
                               "so that a batch is a matrix the first Linear layer can take")
            if x.shape != expected[t].shape:
                raise Mismatch(f"the window of frame {t} should have shape ({(2 * k + 1) * F},) "
                               f"= ((2k+1) F,) with k={k}, F={F}; got {x.shape}")
            if not np.allclose(x, expected[t]):
                if np.allclose(x, zeros[t]):
                    raise Mismatch(f"frame {t}: the window is padded with zeros. {cause_text('window_zero_padding')}")
                if np.allclose(x, expected[t].reshape(2 * k + 1, F).T.reshape(-1)):
                    raise Mismatch(f"frame {t}: the numbers are right but in another order. "
                                   f"{cause_text('window_flatten_order')}")
                if t + k < T and np.allclose(x, expected[t + k]):
                    raise Mismatch(f"frame {t}: the window is frame {t + k}'s. {cause_text('window_shifted')}")
                compare(f"window of frame {t}", expected[t], x, rtol=1e-6, atol=1e-6)
            if not _is_int(y) or int(y) != labels[t]:
                raise Mismatch(f"the label of frame {t} should be the integer {labels[t]}, got {y!r}")

    def loader():
        ds = build()
        xb, yb = next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
        width = (2 * k + 1) * F
        if tuple(xb.shape) != (4, width) or tuple(yb.shape) != (4,):
            raise Mismatch(f"a DataLoader batch of 4 should be windows (4, {width}) and labels (4,), got "
                           f"{tuple(xb.shape)} and {tuple(yb.shape)}")
        if yb.dtype != torch.int64:
            raise Mismatch(f"labels batch to {yb.dtype}; CrossEntropyLoss wants int64 class indices")

    def memory():
        big_T, big_F, big_k = 400, 8, 4
        rng = np.random.default_rng(seed + 7)
        ds = answer(rng.standard_normal((big_T, big_F)).astype(np.float32),
                    rng.integers(0, 8, big_T).astype(np.int64), big_k)
        kept = _array_elements(ds)
        padded = (big_T + 2 * big_k) * big_F
        if kept > 2 * padded + 2 * big_T + 64:
            raise Mismatch(f"__init__ keeps {kept} numbers for {big_T} frames of {big_F} features; the padded "
                           f"array needs only {padded}. {cause_text('windows_up_front')}")

    return [run_check(f"len(dataset) is the number of frames (T={T}, F={F}, k={k})", length),
            run_check("dataset[t] is (frames t-k..t+k flattened, label t), edges repeated", items),
            run_check("a DataLoader stacks the items into batches", loader),
            run_check("__init__ keeps the padded array, not every window", memory)]


# ------------------------------------------------------------------ 6.2 the twins


def _twin_case(seed):
    torch = _torch()
    rng = np.random.default_rng(seed)
    n_in, hidden, n_out = (6, 16, 3) if seed == 0 else tuple(int(n) for n in rng.integers(3, 20, 3))
    n_steps, batch = 12, 8
    W = rng.standard_normal((n_out, n_in))
    X = rng.standard_normal((n_steps * batch, n_in))
    y = np.argmax(X @ W.T, axis=1).astype(np.int64)
    batches = [(X[i:i + batch], y[i:i + batch]) for i in range(0, len(X), batch)]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(n_in, hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, n_out)).double()
    return model, batches


def _torch_losses(model, batches, lr, momentum, zero_grad=True, step=True):
    torch = _torch()
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
    return np.array(losses)


def _as_losses(side, losses, n):
    torch = _torch()
    if not isinstance(losses, (list, tuple, np.ndarray)):
        raise Mismatch(f"the {side} losses should be a list of {n} floats, got {type(losses).__name__}")
    if len(losses) != n:
        raise Mismatch(f"expected {n} {side} losses (one per batch), got {len(losses)}")
    if any(isinstance(v, torch.Tensor) for v in losses):
        raise Mismatch(f"the {side} losses are tensors. {cause_text('losses_as_tensors')}")
    return np.asarray(losses, dtype=np.float64)


def twins_checks(answer, seed=0):
    """Exercise 6.2: train_twins(torch_model, batches, lr, momentum) -> (torch_losses, mytorch_losses):
    the same MLP in torch and (via mytorch.bridge.from_torch) in mytorch, trained with SGD on the
    same batches; both lists must equal the losses of a plain torch loop."""
    torch = _torch()
    model, batches = _twin_case(seed)
    lr, momentum = 0.1, 0.9
    expected = _torch_losses(model, batches, lr, momentum)
    untouched = copy.deepcopy(model)
    got = {}

    def run():
        if "result" not in got:
            result = answer(model, [(x.copy(), y.copy()) for x, y in batches], lr, momentum)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise Mismatch("train_twins should return a pair (torch_losses, mytorch_losses)")
            got["result"] = result
        return got["result"]

    def diagnose(side, losses):
        if np.allclose(losses, _torch_losses(untouched, batches, lr, momentum, zero_grad=False), atol=1e-6):
            raise Mismatch(f"{side}: the losses match a loop without zero_grad. {cause_text('missing_zero_grad')}")
        if np.allclose(losses, _torch_losses(untouched, batches, lr, momentum, step=False), atol=1e-6):
            raise Mismatch(f"{side}: the losses are those of the untrained model. {cause_text('missing_step')}")
        if abs(losses[0] - expected[0]) > 1e-6:
            raise Mismatch(f"{side}: the first loss is {losses[0]:.6f}, expected {expected[0]:.6f}. "
                           f"{cause_text('twin_after_training')}")
        if np.allclose(losses, _torch_losses(untouched, batches, lr, 0.0), atol=1e-6):
            raise Mismatch(f"{side}: the losses are those of SGD without momentum. {cause_text('momentum_not_passed')}")
        compare(f"{side} losses", expected, losses, rtol=0, atol=1e-6)

    def torch_side():
        diagnose("torch", _as_losses("torch", run()[0], len(batches)))

    def mytorch_side():
        losses = _as_losses("mytorch", run()[1], len(batches))
        diagnose("mytorch", losses)

    return [run_check(f"torch loop: losses of {len(batches)} SGD steps (momentum {momentum})", torch_side),
            run_check("mytorch twin from the same weights, same batches: the same losses to 1e-6", mytorch_side)]


# ------------------------------------------------------------------ 6.3 the broken pipeline


def _cluster_task(seed, n_in=12, n_classes=4, n_train=800, n_val=400):
    """Gaussian clusters, easy to learn: X float32, y int64 for a train and a validation split."""
    rng = np.random.default_rng(seed + 1000)
    centers = 2.5 * rng.standard_normal((n_classes, n_in))
    y = rng.integers(0, n_classes, n_train + n_val)
    X = (centers[y] + rng.standard_normal((len(y), n_in))).astype(np.float32)
    return X[:n_train], y[:n_train].astype(np.int64), X[n_train:], y[n_train:].astype(np.int64)


def _dropped_to_calls(function):
    """Line numbers of statements like `x.to(device)` whose result is thrown away, where x is a
    loop variable (a tensor: tensors, unlike modules, are not moved in place)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    loop_names = {n.id for node in ast.walk(tree) if isinstance(node, (ast.For, ast.comprehension))
                  for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in ("to", "cuda")
            and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id in loop_names]


class _Watch:
    """Hooks on a model: every forward's (training, grad enabled, optimizer steps so far), and for
    every optimizer step whether a parameter's .grad held more than the last backward's gradient."""

    def __init__(self, model):
        torch = _torch()
        from torch.optim.optimizer import register_optimizer_step_pre_hook
        self.forwards, self.steps, self.accumulated = [], 0, 0
        self.fresh = {}
        params = list(model.parameters())
        self.handles = [model.register_forward_pre_hook(self._forward)]
        for p in params:
            self.handles.append(p.register_hook(self._remember(p)))
        self.params = {id(p): p for p in params}
        self.handles.append(register_optimizer_step_pre_hook(self._step))
        self.torch = torch
        self.model = model

    def _forward(self, module, inputs):
        self.forwards.append((module.training, self.torch.is_grad_enabled(), self.steps))

    def _remember(self, p):
        def hook(grad):
            self.fresh[id(p)] = grad.detach().clone()
        return hook

    def _step(self, optimizer, args, kwargs):
        mine = [p for group in optimizer.param_groups for p in group["params"] if id(p) in self.params]
        if not mine:
            return
        self.steps += 1
        for p in mine:
            fresh = self.fresh.get(id(p))
            if p.grad is not None and fresh is not None and not self.torch.allclose(p.grad, fresh, atol=1e-7):
                self.accumulated += 1
                break

    def close(self):
        for handle in self.handles:
            handle.remove()


def _reference_model(n_in, n_classes):
    torch = _torch()
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(n_in, 32), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                               torch.nn.Linear(32, n_classes))


def _accuracy(model, X, y):
    torch = _torch()
    model = copy.deepcopy(model).cpu().eval()
    with torch.no_grad():
        return float((model(torch.from_numpy(X)).argmax(1).numpy() == y).mean())


def fix_pipeline_checks(dataset, model, train, seed=0):
    """Exercise 6.3: the fixed FrameDataset, FrameClassifier and train_and_validate, each run on
    its own (the others replaced by known-good parts) so one remaining bug names itself."""
    torch = _torch()
    X_train, y_train, X_val, y_val = _cluster_task(seed)
    n_in, n_classes, hidden = X_train.shape[1], 4, 24
    TensorDataset = torch.utils.data.TensorDataset

    def dataset_check():
        ds = dataset(X_train, y_train)
        cls = type(ds)
        try:
            n = len(ds)
        except TypeError:
            raise Mismatch("len(FrameDataset(...)) fails." + _typo_hint(cls, "__len__")) from None
        if n != len(X_train):
            raise Mismatch(f"len should be the number of samples, {len(X_train)}; got {n}")
        if "__getitem__" not in {name for c in cls.__mro__[:-1] for name in vars(c)} or \
                cls.__getitem__ is torch.utils.data.Dataset.__getitem__:
            raise Mismatch("dataset[i] fails." + _typo_hint(cls, "__getitem__"))
        for i in (0, 7, n - 1):
            x, y = ds[i]
            compare(f"FrameDataset[{i}] features", X_train[i], np.asarray(x), rtol=0, atol=0)
            if not _is_int(y) or int(y) != y_train[i]:
                raise Mismatch(f"FrameDataset[{i}] label should be {y_train[i]}, got {y!r}")

    def model_check():
        try:
            net = model(n_in, hidden, n_classes)
        except AttributeError as error:
            if "before Module.__init__() call" in str(error):
                raise Mismatch("building the model fails with 'cannot assign module before Module.__init__() "
                               f"call'. {cause_text('missing_super_init')}") from None
            raise
        if not list(net.parameters()):
            raise Mismatch("model.parameters() is empty: PyTorch only sees layers held as attributes, in an "
                           "nn.Sequential or an nn.ModuleList (not in a plain list, set or dict)")
        leaves = [m for m in net.modules() if not list(m.children())]
        kinds = [type(m).__name__ for m in leaves]
        wanted = ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
        if sorted(kinds) == sorted(wanted) and kinds != wanted:
            raise Mismatch(f"the layers run in the order {kinds}. {cause_text('layers_in_a_set')}")
        if kinds != wanted:
            raise Mismatch(f"expected the layers {wanted} (as in the broken script), got {kinds}")
        sizes = [(m.in_features, m.out_features) for m in leaves if isinstance(m, torch.nn.Linear)]
        if sizes != [(n_in, hidden), (hidden, hidden), (hidden, n_classes)]:
            raise Mismatch(f"Linear sizes should be {[(n_in, hidden), (hidden, hidden), (hidden, n_classes)]}, got {sizes}")
        out = net(torch.from_numpy(X_train[:5]))
        if tuple(out.shape) != (5, n_classes):
            raise Mismatch(f"model(x) for x (5, {n_in}) should be (5, {n_classes}) logits, got {tuple(out.shape)}")

    run = {}

    def trained():
        if "acc" not in run:
            net = _reference_model(n_in, n_classes)
            watch = _Watch(net)
            try:
                torch.manual_seed(seed)
                acc = train(net, TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
                            TensorDataset(torch.from_numpy(X_val), torch.from_numpy(y_val)),
                            "cpu", epochs=3, lr=3e-3)
            finally:
                watch.close()
            run.update(acc=acc, net=net, watch=watch)
        return run["net"], run["acc"], run["watch"]

    def zero_grad_check():
        _, _, watch = trained()
        if watch.steps == 0:
            raise Mismatch("no torch.optim optimizer stepped on the model's parameters")
        if watch.accumulated:
            raise Mismatch(f"at {watch.accumulated} of {watch.steps} steps the gradient held more than the last "
                           f"batch's. {cause_text('missing_zero_grad')}")

    def modes_check():
        net, _, watch = trained()
        training = [f for f in watch.forwards if f[2] < watch.steps]
        validation = [f for f in watch.forwards if f[2] == watch.steps]
        if any(not mode for mode, _, _ in training):
            raise Mismatch(f"some training batches ran in eval mode (dropout off). {cause_text('train_mode_lost')}")
        if not validation:
            raise Mismatch("no forward pass after the last optimizer step: where is the validation?")
        if any(mode for mode, _, _ in validation) or net.training:
            raise Mismatch(f"validation ran in training mode. {cause_text('eval_never_called')}")
        if any(grad for _, grad, _ in validation):
            raise Mismatch(f"validation tracked gradients (a graph per batch, memory and time for nothing). "
                           f"{cause_text('no_grad_missing')}")

    def device_check():
        dropped = _dropped_to_calls(train)
        if dropped:
            raise Mismatch(f"line {dropped[0]} of train_and_validate calls .to(device) and drops the result. "
                           f"{cause_text('dropped_to_device')}")
        if not _cuda():
            _skip("train_and_validate on device='cuda'")
            return
        net = _reference_model(n_in, n_classes)
        train(net, TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
              TensorDataset(torch.from_numpy(X_val), torch.from_numpy(y_val)), "cuda", epochs=1, lr=3e-3)
        if not all(p.is_cuda for p in net.parameters()):
            raise Mismatch("after training on 'cuda' the model's parameters are not on the GPU: model.to(device)")

    def accuracy_check():
        net, acc, _ = trained()
        if isinstance(acc, torch.Tensor):
            acc = acc.item()
        if not isinstance(acc, (float, np.floating)) or not 0 <= acc <= 1:
            raise Mismatch(f"train_and_validate should return the validation accuracy, a float in [0, 1]; got {acc!r}")
        actual = _accuracy(net, X_val, y_val)
        if abs(acc - actual) > 1e-6:
            why = ("measured with dropout still on: call model.eval() first" if net.training else
                   "count the correct predictions of every batch, divide by len(val_set)")
            raise Mismatch(f"returned accuracy {acc:.4f}, but the trained model in eval mode gets {actual:.4f} on "
                           f"the validation set ({why})")
        if actual < 0.9:
            raise Mismatch(f"validation accuracy {actual:.3f} after 3 epochs; this task reaches 0.9 with a "
                           "working loop (is the optimizer stepping on model.parameters()?)")

    return [run_check("FrameDataset: len() and dataset[i] work", dataset_check),
            run_check("FrameClassifier: built, parameters registered, layers in order", model_check),
            run_check("train_and_validate: gradients cleared before each step", zero_grad_check),
            run_check("train_and_validate: train mode for training, eval + no_grad for validation", modes_check),
            run_check("train_and_validate: batches really moved to the device", device_check),
            run_check("train_and_validate: returns the model's validation accuracy, >= 0.9", accuracy_check)]


# ------------------------------------------------------------------ 6.4 batches on the device


class _CountingTensor:
    """Counts how often X[...] is called while device_batches runs (a per-sample loop calls it N times)."""

    def __init__(self):
        torch = _torch()
        self.calls = 0
        counter = self

        class Counting(torch.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                if func is torch.Tensor.__getitem__ or func in (torch.index_select, torch.Tensor.index_select):
                    counter.calls += 1
                return super().__torch_function__(func, types, args, kwargs or {})

        self.cls = Counting


def device_batches_checks(answer, seed=0):
    """Exercise 6.4: device_batches(X, y, batch_size, generator) yields shuffled (X[idx], y[idx])
    batches that cover every sample once per epoch, built by indexing with a random permutation
    on X's device (no per-sample loop, no trip through numpy)."""
    torch = _torch()
    rng = np.random.default_rng(seed)
    N, D, batch = (1000, 5, 128) if seed == 0 else (int(rng.integers(300, 2000)), int(rng.integers(2, 8)),
                                                  int(rng.integers(16, 200)))
    X = torch.from_numpy(rng.standard_normal((N, D)).astype(np.float32))
    X[:, 0] = torch.arange(N, dtype=torch.float32)  # the sample's id, to see what came out
    y = torch.arange(N) % 7

    def epoch(generator, data=X):
        out = list(answer(data, y, batch, generator))
        if not out:
            raise Mismatch("device_batches yielded nothing")
        return out

    def coverage():
        batches = epoch(torch.Generator().manual_seed(seed))
        for xb, yb in batches:
            if not isinstance(xb, torch.Tensor) or not isinstance(yb, torch.Tensor):
                raise Mismatch("each batch should be a pair of tensors (xb, yb)")
            if xb.device != X.device or xb.dtype != X.dtype:
                raise Mismatch(f"batches should stay on X's device with X's dtype ({X.device}, {X.dtype}); got "
                               f"{xb.device}, {xb.dtype}")
        sizes = [len(xb) for xb, _ in batches]
        want = [batch] * (N // batch) + ([N % batch] if N % batch else [])
        if sizes != want:
            raise Mismatch(f"with N={N}, batch_size={batch} the batch sizes should be {want[:3]}... ending in "
                           f"{want[-1]} ({len(want)} batches); got {sizes[:3]}... ending in {sizes[-1]} "
                           f"({len(sizes)} batches)."
                           + (f" {cause_text('batches_drop_last')}" if len(sizes) < len(want) else ""))
        ids = torch.cat([xb[:, 0] for xb, _ in batches]).long()
        if sorted(ids.tolist()) != list(range(N)):
            raise Mismatch(f"an epoch should hold every sample exactly once. {cause_text('batches_with_replacement')}")
        labels = torch.cat([yb for _, yb in batches])
        if not torch.equal(labels, y[ids]):
            raise Mismatch("the labels do not belong to their samples: index X and y with the same indices")
        if torch.equal(ids, torch.arange(N)):
            raise Mismatch(f"the samples come in their stored order. {cause_text('batches_not_shuffled')}")

    def reshuffles():
        g = torch.Generator().manual_seed(seed)
        first = torch.cat([xb[:, 0] for xb, _ in epoch(g)])
        second = torch.cat([xb[:, 0] for xb, _ in epoch(g)])
        if torch.equal(first, second):
            raise Mismatch(f"two epochs with the same generator gave the same order. {cause_text('same_order_every_epoch')}")
        again = torch.cat([xb[:, 0] for xb, _ in epoch(torch.Generator().manual_seed(seed))])
        if not torch.equal(first, again):
            raise Mismatch(f"the same seed gave a different order. {cause_text('generator_ignored')}")

    def no_sample_loop():
        counter = _CountingTensor()
        watched = X.as_subclass(counter.cls)
        epoch(torch.Generator().manual_seed(seed), data=watched)
        n_batches = -(-N // batch)
        if counter.calls > 3 * n_batches + 5:
            raise Mismatch(f"X was indexed {counter.calls} times for {n_batches} batches. {cause_text('per_sample_loop')}")

    results = [run_check(f"one epoch covers all {N} samples once, in shuffled batches of {batch}", coverage),
               run_check("a new order each epoch, reproducible from the generator", reshuffles),
               run_check("whole batches are indexed at once (no loop over samples)", no_sample_loop)]
    if _cuda():
        def on_gpu():
            Xc, yc = X.cuda(), y.cuda()
            out = list(answer(Xc, yc, batch, torch.Generator(device="cuda").manual_seed(seed)))
            if not all(xb.is_cuda and yb.is_cuda for xb, yb in out):
                raise Mismatch("with X on the GPU the batches left it: keep the permutation on X.device")
        results.append(run_check("on the GPU the batches stay on the GPU", on_gpu))
    else:
        _skip("device_batches with X on the GPU")
    return results


CHECKS = {
    "torch_pipeline.context_windows": context_windows_checks,
    "torch_pipeline.twins": twins_checks,
    "torch_pipeline.fix_pipeline": fix_pipeline_checks,
    "torch_pipeline.device_batches": device_batches_checks,
}
