"""Chapter 6's speed claim: a tuned training loop against the seed-style one, side by side.

    .venv/bin/python bench/bench_gpu_pipeline.py                 # full size on CUDA, small on CPU
    .venv/bin/python bench/bench_gpu_pipeline.py --size tiny     # what tests/test_bench_gpu_pipeline.py runs

Both loops train the same MLP on frames with context windows (frame t and k neighbours on
each side, as in the chapter's ContextWindows dataset) and report training samples per second:

- seed-style: a per-sample Dataset (__getitem__ slices one window), DataLoader with batch 256,
  every batch copied to the device, float32, torch.optim.Adam (the for-loop implementation);
- tuned: the padded features and labels live on the device, each batch of 4096 windows is
  gathered there by index arithmetic from one random permutation, bf16 autocast (CUDA only),
  and Adam(fused=True) (CUDA only).

The full size is the chapter's model, 1539-1024-1024-512-40 (k=9 neighbours of 81 features).
The goal: the tuned loop at >= 30x the seed-style loop on the same GPU, in the same run.
Reference measured by the course on an H200: 41k samples/s seed-style, 1.52M samples/s tuned (37x).
This file was written in a session without a GPU; bench/README-gpu.md has the CPU numbers
measured there and the command to run on a GPU.
"""

import argparse
import time

import torch
from torch import nn

SIZES = {  # frames, features per frame, k, hidden sizes, classes, timed steps (seed, tuned), tuned batch
    "tiny": dict(frames=3000, features=9, k=2, hidden=(64, 64, 32), classes=40, steps=(6, 6), batch=1024),
    "small": dict(frames=40000, features=27, k=4, hidden=(256, 256, 128), classes=40, steps=(40, 20), batch=4096),
    "full": dict(frames=400000, features=81, k=9, hidden=(1024, 1024, 512), classes=40, steps=(150, 300), batch=4096),
}
SEED_BATCH = 256
WARMUP = 3


class ContextWindows(torch.utils.data.Dataset):
    """Item t: frames t-k..t+k of the edge-padded features, flattened; and the label of frame t."""

    def __init__(self, features, labels, k):
        self.k = k
        self.padded = torch.cat([features[:1].expand(k, -1), features, features[-1:].expand(k, -1)])
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, t):
        return self.padded[t : t + 2 * self.k + 1].reshape(-1), self.labels[t]


def mlp(n_in, hidden, n_out):
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, n_out))


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def seed_style(features, labels, size, device):
    """Samples per second of the per-sample DataLoader loop, fp32, for-loop Adam."""
    torch.manual_seed(0)
    n_in = (2 * size["k"] + 1) * features.shape[1]
    model = mlp(n_in, size["hidden"], size["classes"]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=False)
    loss_fn = nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(
        ContextWindows(features, labels, size["k"]), batch_size=SEED_BATCH, shuffle=True, drop_last=True
    )
    batches = iter(loader)
    model.train()

    def step():
        x, y = next(batches)
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    return _timed(step, size["steps"][0], SEED_BATCH, device)


def tuned(features, labels, size, device):
    """Samples per second with the data on the device, big batches, bf16 autocast and fused Adam
    (the last two on CUDA only)."""
    torch.manual_seed(0)
    k, batch = size["k"], size["batch"]
    n_in = (2 * k + 1) * features.shape[1]
    model = mlp(n_in, size["hidden"], size["classes"]).to(device)
    cuda = device.type == "cuda"
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=cuda)
    loss_fn = nn.CrossEntropyLoss()
    features, labels = features.to(device), labels.to(device)
    padded = torch.cat([features[:1].expand(k, -1), features, features[-1:].expand(k, -1)])
    offsets = torch.arange(2 * k + 1, device=device)
    order = torch.randperm(len(labels), device=device)
    position = [0]
    model.train()

    def step():
        start = position[0]
        if start + batch > len(order):
            order.copy_(torch.randperm(len(labels), device=device))
            start = 0
        t = order[start : start + batch]
        position[0] = start + batch
        x = padded[t[:, None] + offsets].reshape(batch, -1)  # windows gathered on the device
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=cuda):
            loss = loss_fn(model(x), labels[t])
        loss.backward()
        optimizer.step()

    return _timed(step, size["steps"][1], batch, device)


def _timed(step, n_steps, batch, device):
    for _ in range(WARMUP):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(n_steps):
        step()
    synchronize(device)
    return n_steps * batch / (time.perf_counter() - start)


def make_data(size, seed=0):
    """Random frames and labels: the speed does not depend on the values."""
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(size["frames"], size["features"], generator=generator)
    labels = torch.randint(0, size["classes"], (size["frames"],), generator=generator)
    return features, labels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), help="default: full on CUDA, small on CPU")
    parser.add_argument("--device", help="default: cuda if available, else cpu")
    args = parser.parse_args(argv)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    size_name = args.size or ("full" if device.type == "cuda" else "small")
    size = SIZES[size_name]
    n_in = (2 * size["k"] + 1) * size["features"]
    shape = "-".join(str(n) for n in (n_in, *size["hidden"], size["classes"]))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {device} ({name}); size: {size_name}; MLP {shape}; torch {torch.__version__}")
    features, labels = make_data(size)
    slow = seed_style(features, labels, size, device)
    print(f"seed-style (per-sample Dataset, batch {SEED_BATCH}, fp32, Adam): {slow:,.0f} samples/s")
    fast = tuned(features, labels, size, device)
    extras = (
        "bf16 autocast, fused Adam"
        if device.type == "cuda"
        else "fp32, default Adam: bf16 and fused are CUDA-only here"
    )
    print(f"tuned (data on {device.type}, batch {size['batch']}, {extras}): {fast:,.0f} samples/s")
    print(f"speed-up: {fast / slow:.1f}x (goal on a GPU: >= 30x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
