# GENERATED from solutions/torch_pipeline/broken_pipeline.py by `make release` (python -m grading release).
# Edit the source, not this file: the next release overwrites it.
"""A training script with six bugs, for exercise 6.3 of chapter 6. Do not fix this file:
copy its parts into the notebook's exercise cell and fix them there.

Every bug here is one that runs without an error on some machine, or fails with a message
that points somewhere else. Read it the way you would review a colleague's code.
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class FrameDataset(Dataset):
    """Samples are the rows of X (N, D) float32, with labels y (N,) int64."""

    def __init__(self, X, y):
        self.X = torch.as_tensor(X, dtype=torch.float32)
        self.y = torch.as_tensor(y, dtype=torch.int64)

    def __len_(self):
        return len(self.X)

    def __getitem(self, i):
        return self.X[i], self.y[i]


class FrameClassifier(nn.Module):
    """n_in -> n_hidden -> n_hidden -> n_classes, with ReLU and dropout after each hidden layer."""

    def __init__(self, n_in, n_hidden, n_classes, p_drop=0.2):
        layers = {
            nn.Linear(n_in, n_hidden),
            nn.ReLU(),
            nn.Dropout(p_drop),
            nn.Linear(n_hidden, n_hidden),
            nn.ReLU(),
            nn.Dropout(p_drop),
            nn.Linear(n_hidden, n_classes),
        }
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def train_and_validate(model, train_set, val_set, device, epochs=5, lr=1e-3, batch_size=64):
    """Train with Adam for `epochs` passes over train_set; return the accuracy on val_set."""
    model.to(device)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        for x, y in loader:
            x.to(device)
            y.to(device)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
    correct = 0
    for x, y in DataLoader(val_set, batch_size=256):
        x, y = x.to(device), y.to(device)
        correct += (model(x).argmax(1) == y).sum().item()
    return correct / len(val_set)
