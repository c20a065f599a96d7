"""mytorch.data: Dataset, ArrayDataset and DataLoader, twins of torch.utils.data (given complete).

    loader = DataLoader(ArrayDataset(X, y), batch_size=32, shuffle=True, seed=0)
    for X_batch, y_batch in loader:      # X_batch: (32, features), y_batch: (32,)
        ...
"""
import numpy as np


class Dataset:
    """A sized collection of samples: `len(ds)` and `ds[i]` (one sample, or a tuple of parts)."""

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} does not define __len__()")

    def __getitem__(self, i):
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__()")


class ArrayDataset(Dataset):
    """Samples are the rows of one or more arrays of equal length: ds[i] = (X[i], y[i], ...).

    Like torch's TensorDataset, an item is always a tuple, even with one array.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("ArrayDataset: give at least one array")
        arrays = tuple(np.asarray(a) for a in arrays)
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"ArrayDataset: every array should have the same number of rows, "
                             f"got {lengths}")
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(a[i] for a in self.arrays)


class DataLoader:
    """Mini-batches of a dataset: each batch stacks batch_size samples along a new first axis.

    Items that are tuples give a tuple of stacked arrays; other items give one array.
    shuffle=True draws a new order on every pass over the data; `seed` makes the sequence
    of orders reproducible. drop_last=True skips a last batch smaller than batch_size.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
            raise ValueError(f"DataLoader: batch_size should be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        """The number of batches in one pass."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._batch(order[start:start + self.batch_size])

    def _batch(self, indices):
        if type(self.dataset).__getitem__ is ArrayDataset.__getitem__:
            # Rows of arrays: one fancy-indexing copy per array instead of a Python loop. Only
            # where __getitem__ is ArrayDataset's own: a subclass's items come from its __getitem__.
            return tuple(a[indices] for a in self.dataset.arrays)
        items = [self.dataset[int(i)] for i in indices]
        if isinstance(items[0], tuple):
            return tuple(np.stack(parts) for parts in zip(*items))
        return np.stack(items)
