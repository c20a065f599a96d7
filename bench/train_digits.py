"""Train an MLP with the reference mytorch on scikit-learn's digits and print the learning curve.

    .venv/bin/python bench/train_digits.py        # about 1-2 s on 2 cores

tests/test_digits.py holds the same run to >= 97% test accuracy in under 10 s.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "solutions"))  # the reference mytorch
import mytorch  # noqa: E402


def load_digits_split(seed=0, test_fraction=0.2):
    """Digits scaled to [0, 1]; a stratified split. Returns X_train (N, 64), y_train (N,), X_test, y_test."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=seed)


def accuracy(net, X, y):
    net.eval()
    correct = float(np.mean(np.argmax(net.forward(X), axis=1) == y))
    net.train()
    return correct


def train(epochs=30, batch_size=64, lr=3e-3, seed=0, report=None):
    """Train 64-128-128-10 (ReLU) with Adam and a cosine schedule.

    Returns (net, curve of (epoch, loss, test accuracy))."""
    from threadpoolctl import threadpool_limits

    # Matrices this small multiply faster on one BLAS thread than on several that wait for each other.
    with threadpool_limits(limits=1, user_api="blas"):
        return _train(epochs, batch_size, lr, seed, report)


def _train(epochs, batch_size, lr, seed, report):
    X_train, X_test, y_train, y_test = load_digits_split(seed)
    net = mytorch.nn.Sequential(
        mytorch.nn.Linear(64, 128, seed=seed),
        mytorch.nn.ReLU(),
        mytorch.nn.Linear(128, 128, seed=seed + 1),
        mytorch.nn.ReLU(),
        mytorch.nn.Linear(128, 10, seed=seed + 2),
    )
    loss_fn = mytorch.nn.CrossEntropyLoss()
    optimizer = mytorch.optim.Adam(net.parameters(), lr=lr)
    # Annealing the step size to zero settles the weights, so the last epoch is a good one.
    schedule = mytorch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = mytorch.data.DataLoader(
        mytorch.data.ArrayDataset(X_train, y_train), batch_size=batch_size, shuffle=True, seed=seed
    )
    curve = []
    for epoch in range(1, epochs + 1):
        losses = []
        for xb, yb in loader:
            optimizer.zero_grad()
            losses.append(loss_fn.forward(net.forward(xb), yb))
            net.backward(loss_fn.backward())
            optimizer.step()
        schedule.step()
        curve.append((epoch, float(np.mean(losses)), accuracy(net, X_test, y_test)))
        if report:
            report(*curve[-1])
    return net, curve


def main():
    start = time.perf_counter()
    _, curve = train(report=lambda e, loss, acc: print(f"epoch {e:3d}  loss {loss:.4f}  test accuracy {acc:.2%}"))
    print(f"final test accuracy {curve[-1][2]:.2%} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
