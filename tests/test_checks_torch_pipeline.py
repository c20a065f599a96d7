"""The visible checks of chapter 6 pass right answers, name the mistake in wrong ones, and say
"not implemented yet" for stubs."""

import ast
import inspect

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

import mytorch
from mytorch.bridge import from_torch
from mytorch.testing import check

torch.set_num_threads(1)


def failures(results):
    return " | ".join(r.message for r in results if not r.passed)


# ---- 6.1 ContextWindows, right and with planted mistakes


class ContextWindows(Dataset):
    mode, shift, transpose, precompute, count_padding = "edge", 0, False, False, False

    def __init__(self, features, labels, k):
        self.k = k
        padded = np.pad(np.asarray(features, dtype=np.float32), ((k, k), (0, 0)), mode=self.mode)
        self.padded = torch.from_numpy(padded)
        self.labels = torch.as_tensor(labels, dtype=torch.int64)
        if self.precompute:
            index = np.arange(len(labels))[:, None] + np.arange(2 * k + 1)
            self.windows = torch.from_numpy(padded[index].reshape(len(labels), -1).copy())

    def __len__(self):
        return len(self.labels) + (2 * self.k if self.count_padding else 0)

    def __getitem__(self, t):
        t = min(t + self.shift, len(self.labels) - 1)
        window = self.padded[t : t + 2 * self.k + 1]
        return (window.T if self.transpose else window).reshape(-1), self.labels[t]


def variant(**changes):
    return type("Variant", (ContextWindows,), changes)


class Typo(ContextWindows):
    __len__ = None  # what a misspelt __len_ leaves: no usable __len__


class Stub(Dataset):
    def __init__(self, features, labels, k):
        raise NotImplementedError()


@pytest.mark.parametrize("seed", [0, 101, 102])
def test_right_context_windows_pass(seed):
    results = check("torch_pipeline.context_windows", answer=ContextWindows, seed=seed)
    assert results.passed == len(results) == 4, failures(results)


@pytest.mark.parametrize(
    "cls, cause",
    [
        (variant(mode="constant"), "padded with zeros"),
        (variant(shift=2), "shifted by k"),
        (variant(transpose=True), "flattened feature by feature"),
        (variant(precompute=True), "Likely cause: every window built up front"),
        (variant(count_padding=True), "Likely cause: padding counted in len"),
        (Typo, "len(dataset) fails"),
    ],
)
def test_context_window_mistakes_are_named(cls, cause):
    results = check("torch_pipeline.context_windows", answer=cls)
    assert results.passed < len(results)
    assert cause in failures(results)


def test_a_misspelt_dunder_is_named():
    class Misspelt(Dataset):
        def __init__(self, features, labels, k):
            self.labels = labels

        def __len_(self):
            return len(self.labels)

    results = check("torch_pipeline.context_windows", answer=Misspelt)
    assert "'__len_'" in failures(results)


def test_a_stub_is_not_implemented_yet():
    results = check("torch_pipeline.context_windows", answer=Stub)
    assert results.passed == 0
    assert all("not implemented yet" in r.message for r in results)


# ---- 6.2 train_twins


def twins(torch_model, batches, lr, momentum, zero_grad=True, late_copy=False, tensors=False, mytorch_momentum=None):
    net = None if late_copy else from_torch(torch_model)
    optimizer = torch.optim.SGD(torch_model.parameters(), lr=lr, momentum=momentum)
    torch_losses = []
    for X, y in batches:
        if zero_grad:
            optimizer.zero_grad()
        loss = nn.functional.cross_entropy(torch_model(torch.from_numpy(X)), torch.from_numpy(y))
        loss.backward()
        optimizer.step()
        torch_losses.append(loss if tensors else loss.item())
    net = net or from_torch(torch_model)
    my_opt = mytorch.optim.SGD(
        net.parameters(), lr=lr, momentum=momentum if mytorch_momentum is None else mytorch_momentum
    )
    loss_fn = mytorch.nn.CrossEntropyLoss()
    mine = []
    for X, y in batches:
        my_opt.zero_grad()
        mine.append(loss_fn.forward(net.forward(X), y))
        net.backward(loss_fn.backward())
        my_opt.step()
    return torch_losses, mine


@pytest.mark.parametrize("seed", [0, 101, 102])
def test_right_twins_pass(seed):
    results = check("torch_pipeline.twins", answer=twins, seed=seed)
    assert results.passed == len(results) == 2, failures(results)


@pytest.mark.parametrize(
    "mistake, which, cause",
    [
        (dict(zero_grad=False), 0, "Likely cause: missing zero_grad"),
        (dict(late_copy=True), 1, "Likely cause: twin made after training"),
        (dict(tensors=True), 0, "append loss.item()"),
        (dict(mytorch_momentum=0.0), 1, "without momentum"),
    ],
)
def test_twin_mistakes_are_named(mistake, which, cause):
    results = check("torch_pipeline.twins", answer=lambda *a: twins(*a, **mistake))
    assert not results[which].passed and cause in results[which].message, failures(results)


def test_twins_on_stub_layers_say_not_implemented(monkeypatch):
    def stub(self, A):
        raise NotImplementedError("Chapter 4 (backprop), exercise 4.1 Linear.forward: not implemented yet.")

    monkeypatch.setattr(mytorch.nn.Linear, "forward", stub)
    results = check("torch_pipeline.twins", answer=twins)
    assert results.passed == 0
    assert all("not implemented yet" in r.message and "4.1" in r.message for r in results)


# ---- 6.3 the broken pipeline: the fixed parts, and each bug planted back alone


class FrameDataset(Dataset):
    def __init__(self, X, y):
        self.X, self.y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.int64)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.y[i]


class FrameClassifier(nn.Module):
    def __init__(self, n_in, n_hidden, n_classes, p_drop=0.2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, n_hidden),
            nn.ReLU(),
            nn.Dropout(p_drop),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Dropout(p_drop),
            nn.Linear(n_hidden, n_classes),
        )

    def forward(self, x):
        return self.net(x)


class NoSuper(FrameClassifier):
    def __init__(self, n_in, n_hidden, n_classes, p_drop=0.2):
        self.net = nn.Sequential(nn.Linear(n_in, n_hidden))


class Reversed(FrameClassifier):
    def __init__(self, n_in, n_hidden, n_classes, p_drop=0.2):
        nn.Module.__init__(self)
        self.net = nn.Sequential(
            nn.Linear(n_hidden, n_classes),
            nn.Dropout(p_drop),
            nn.ReLU(),
            nn.Linear(n_hidden, n_hidden),
            nn.Dropout(p_drop),
            nn.ReLU(),
            nn.Linear(n_in, n_hidden),
        )


class PlainList(FrameClassifier):
    def __init__(self, n_in, n_hidden, n_classes, p_drop=0.2):
        nn.Module.__init__(self)
        self.layers = [nn.Linear(n_in, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_classes)]


class NoGetitem(FrameDataset):
    __getitem__ = Dataset.__getitem__


class NoLen(FrameDataset):
    __len__ = None  # what a misspelt __len_ leaves: no usable __len__


def train_and_validate(
    model,
    train_set,
    val_set,
    device,
    epochs=5,
    lr=1e-3,
    batch_size=64,
    zero_grad=True,
    train_mode=True,
    eval_mode=True,
    no_grad=True,
    divide=True,
):
    model.to(device)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        if train_mode:
            model.train()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            if zero_grad:
                optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        if eval_mode:
            model.eval()
    correct = 0
    with torch.set_grad_enabled(not no_grad):
        for x, y in DataLoader(val_set, batch_size=256):
            correct += (model(x.to(device)).argmax(1) == y.to(device)).sum().item()
    return correct / (len(val_set) if divide else 1)


def fixed(**answers):
    return dict(dict(dataset=FrameDataset, model=FrameClassifier, train=train_and_validate), **answers)


@pytest.mark.parametrize("seed", [0, 101, 102])
def test_fixed_pipeline_passes(seed):
    results = check("torch_pipeline.fix_pipeline", **fixed(), seed=seed)
    assert results.passed == len(results) == 6, failures(results)


def mistake(**switches):
    def train(*args, **kwargs):
        return train_and_validate(*args, **kwargs, **switches)

    return train


def dropped_to(model, train_set, val_set, device, epochs=5, lr=1e-3, batch_size=64):
    """Right in every way but one: the batch is never moved (harmless on a CPU, fatal on a GPU)."""
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        for x, y in DataLoader(train_set, batch_size=batch_size, shuffle=True):
            x.to(device)
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y.to(device)).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        X, y = val_set.tensors
        return (model(X.to(device)).argmax(1) == y.to(device)).float().mean().item()


@pytest.mark.parametrize(
    "answers, which, cause",
    [
        (dict(dataset=NoLen), 0, "len(FrameDataset(...)) fails"),
        (dict(dataset=NoGetitem), 0, "dataset[i] fails"),
        (dict(model=NoSuper), 1, "super().__init__()"),
        (dict(model=Reversed), 1, "a set has no order"),
        (dict(model=PlainList), 1, "parameters() is empty"),
        (dict(train=mistake(zero_grad=False)), 2, "optimizer.zero_grad()"),
        (dict(train=mistake(train_mode=False)), 3, "call model.train() at the start"),
        (dict(train=mistake(train_mode=False, eval_mode=False)), 3, "call model.eval()"),
        (dict(train=mistake(no_grad=False)), 3, "torch.no_grad()"),
        (dict(train=dropped_to), 4, "drops the result"),
        (dict(train=mistake(divide=False)), 5, "should return the validation accuracy"),
    ],
)
def test_each_remaining_bug_is_diagnosed(answers, which, cause):
    results = check("torch_pipeline.fix_pipeline", **fixed(**answers))
    assert not results[which].passed and cause in results[which].message, failures(results)
    others = [r for i, r in enumerate(results) if i != which and not r.passed and i not in (3, 5)]
    assert not others, failures(results)  # one bug, one named failure (modes also skew accuracy)


def test_the_shipped_broken_pipeline_fails_everything():
    import importlib.util

    from notebooks import ROOT

    spec = importlib.util.spec_from_file_location("broken", ROOT / "solutions/torch_pipeline/broken_pipeline.py")
    broken = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(broken)
    results = check(
        "torch_pipeline.fix_pipeline",
        dataset=broken.FrameDataset,
        model=broken.FrameClassifier,
        train=broken.train_and_validate,
    )
    assert results.passed == 0, [r.name for r in results if r.passed]


def test_optimizer_hooks_are_removed_after_the_check():
    from torch.optim.optimizer import _global_optimizer_pre_hooks

    before = len(_global_optimizer_pre_hooks)
    check("torch_pipeline.fix_pipeline", **fixed(train=mistake(zero_grad=False)))
    assert len(_global_optimizer_pre_hooks) == before


# ---- 6.4 device_batches


def device_batches(X, y, batch_size, generator=None, keep_last=True, shuffle=True, per_sample=False, fresh=True):
    order = torch.randperm(len(X), generator=generator, device=X.device) if shuffle else torch.arange(len(X))
    if not fresh:
        order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
    stop = len(X) if keep_last else len(X) - len(X) % batch_size
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        if per_sample:
            yield torch.stack([X[i] for i in idx]), torch.stack([y[i] for i in idx])
        else:
            yield X[idx], y[idx]


def random_indices(X, y, batch_size, generator=None):
    for start in range(0, len(X), batch_size):
        idx = torch.randint(0, len(X), (min(batch_size, len(X) - start),), generator=generator)
        yield X[idx], y[idx]


def through_numpy(X, y, batch_size, generator=None):
    for xb, yb in device_batches(X, y, batch_size, generator):
        yield xb.numpy().astype(np.float64), yb


@pytest.mark.parametrize("seed", [0, 101, 102])
def test_right_device_batches_pass(seed):
    results = check("torch_pipeline.device_batches", answer=device_batches, seed=seed)
    assert results.passed == len(results) == 3, failures(results)


@pytest.mark.parametrize(
    "answer, which, cause",
    [
        (lambda *a: device_batches(*a, keep_last=False), 0, "keep the last, smaller batch"),
        (lambda *a: device_batches(*a, shuffle=False), 0, "stored order"),
        (random_indices, 0, "exactly once"),
        (through_numpy, 0, "each batch should be a pair of tensors"),
        (lambda *a: device_batches(*a, fresh=False), 1, "same order"),
        (lambda *a: device_batches(*a, per_sample=True), 2, "one sample at a time"),
    ],
)
def test_device_batch_mistakes_are_named(answer, which, cause):
    results = check("torch_pipeline.device_batches", answer=answer)
    assert not results[which].passed and cause in results[which].message, failures(results)


def test_skipped_gpu_checks_say_so(capsys):
    if torch.cuda.is_available():
        pytest.skip("CUDA is here: the GPU checks run instead")
    check("torch_pipeline.device_batches", answer=device_batches)
    assert "[SKIP] device_batches with X on the GPU: no CUDA GPU here" in capsys.readouterr().out


def test_the_dropped_to_detector_reads_code_not_names():
    from mytorch.testing.torch_pipeline import _dropped_to_calls

    assert _dropped_to_calls(dropped_to) == [8]  # the line of `x.to(device)` inside the function
    assert _dropped_to_calls(train_and_validate) == []

    def fine(model, loader, device):
        model.to(device)  # modules move in place: not a bug
        for x, y in loader:
            x = x.to(device)

    assert _dropped_to_calls(fine) == []
    assert ast.parse(inspect.getsource(fine).strip().replace("\n    ", "\n"))  # source is readable
