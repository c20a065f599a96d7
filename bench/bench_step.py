"""One training step (forward, loss, backward, SGD) of the same MLP in mytorch, plain numpy and
torch CPU, timed side by side in one process, float32.

    .venv/bin/python bench/bench_step.py

Goal: mytorch within 1.15x of plain numpy on both networks, and faster than torch CPU on the
small one, where torch's per-operation overhead dominates. All three run on one BLAS/intra-op
thread: at these sizes that is the fastest setting for each, and it keeps the comparison fair.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "solutions"))  # the reference mytorch
import mytorch  # noqa: E402

NETWORKS = [((64, 128, 128, 10), 64), ((784, 256, 256, 10), 128)]
LR = 0.01


def initial_weights(sizes, seed=0):
    """[(W (out, in), b (out,)), ...] in float32, shared by all three implementations."""
    rng = np.random.default_rng(seed)
    return [
        (
            rng.uniform(-1, 1, (n_out, n_in)).astype(np.float32) / np.sqrt(n_in),
            rng.uniform(-1, 1, n_out).astype(np.float32) / np.sqrt(n_in),
        )
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]


def mytorch_step(weights):
    layers = []
    for W, b in weights:
        linear = mytorch.nn.Linear(W.shape[1], W.shape[0])
        linear.W, linear.b = W.copy(), b.copy()
        layers += [linear, mytorch.nn.ReLU()]
    net = mytorch.nn.Sequential(*layers[:-1])
    loss_fn = mytorch.nn.CrossEntropyLoss()
    optimizer = mytorch.optim.SGD(net.parameters(), lr=LR)

    def step(X, y):
        optimizer.zero_grad()
        loss = loss_fn.forward(net.forward(X), y)
        net.backward(loss_fn.backward())
        optimizer.step()
        return loss

    return step


def numpy_step(weights, input_gradient=True):
    """Hand-written numpy. With input_gradient it also computes dL/dX, as mytorch's
    Sequential.backward must (its contract returns it); without, it skips that product."""
    params = [(W.copy(), b.copy()) for W, b in weights]

    def step(X, y):
        activations = [X]
        for i, (W, b) in enumerate(params):
            Z = activations[-1] @ W.T + b
            activations.append(np.maximum(Z, 0) if i < len(params) - 1 else Z)
        logits = activations[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(len(y)), y].mean()
        dZ = np.exp(log_probs)
        dZ[np.arange(len(y)), y] -= 1
        dZ /= len(y)
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            dW, db = dZ.T @ activations[i], dZ.sum(axis=0)
            if i:
                dZ = (dZ @ W) * (activations[i] > 0)
            elif input_gradient:
                dZ = dZ @ W
            W -= LR * dW
            b -= LR * db
        return loss

    return step


def torch_step(weights):
    import torch

    layers = []
    for W, b in weights:
        linear = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)

    def step(X, y):
        optimizer.zero_grad()
        loss = loss_fn(net(X), y)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


def time_steps(step, X, y, repeats):
    start = time.perf_counter()
    for _ in range(repeats):
        step(X, y)
    return (time.perf_counter() - start) / repeats


def measure(sizes, batch, rounds=15, repeats=100):
    """Best-of-rounds seconds per step of each implementation; rounds interleaved so drift hits all
    alike, and the minimum is the estimate least disturbed by other work on the machine."""
    import torch

    rng = np.random.default_rng(1)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)
    weights = initial_weights(sizes)
    contenders = {
        "mytorch": (mytorch_step(weights), X, y),
        "numpy": (numpy_step(weights), X, y),
        "numpy_no_dX": (numpy_step(weights, input_gradient=False), X, y),
        "torch": (torch_step(weights), torch.from_numpy(X), torch.from_numpy(y)),
    }
    first_losses = {name: float(step(X_, y_)) for name, (step, X_, y_) in contenders.items()}
    assert max(first_losses.values()) - min(first_losses.values()) < 1e-4, first_losses  # same network
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, (step, X_, y_) in contenders.items():
            times[name].append(time_steps(step, X_, y_, repeats))
    return {name: min(t) for name, t in times.items()}


def main():
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    with threadpool_limits(limits=1, user_api="blas"):
        print(
            f"{'network':<18}{'batch':>6}{'mytorch us':>12}{'numpy us':>10}{'(no dX) us':>12}"
            f"{'torch us':>10}{'mytorch/numpy':>15}{'mytorch/torch':>15}"
        )
        for sizes, batch in NETWORKS:
            t = measure(sizes, batch)
            print(
                f"{'-'.join(map(str, sizes)):<18}{batch:>6}{t['mytorch'] * 1e6:>12.1f}"
                f"{t['numpy'] * 1e6:>10.1f}{t['numpy_no_dX'] * 1e6:>12.1f}{t['torch'] * 1e6:>10.1f}"
                f"{t['mytorch'] / t['numpy']:>15.3f}{t['mytorch'] / t['torch']:>15.3f}"
            )
    print("goal: mytorch/numpy <= 1.15 on both; mytorch/torch < 1 on the small network")
    print("numpy = the same work as mytorch's API (dL/dX included); (no dX) skips the input gradient")


if __name__ == "__main__":
    main()
