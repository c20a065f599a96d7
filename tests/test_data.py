"""mytorch.data: ArrayDataset and DataLoader batching, shuffling, reproducibility, drop_last."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mytorch.data import ArrayDataset, DataLoader, Dataset


def _data(n):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) * 10
    return X, y


def test_array_dataset_items_are_tuples_of_rows():
    X, y = _data(5)
    ds = ArrayDataset(X, y)
    assert len(ds) == 5
    x2, y2 = ds[2]
    np.testing.assert_array_equal(x2, X[2])
    assert y2 == 20
    assert isinstance(ArrayDataset(X)[0], tuple)
    with pytest.raises(ValueError, match=r"\[5, 4\]"):
        ArrayDataset(X, np.zeros(4))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_batches_in_order_cover_the_data(n, batch_size, drop_last):
    X, y = _data(n)
    loader = DataLoader(ArrayDataset(X, y), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(batches) == len(loader)
    expected = n // batch_size if drop_last else -(-n // batch_size)
    assert len(loader) == expected
    for i, (xb, yb) in enumerate(batches):
        np.testing.assert_array_equal(xb, X[i * batch_size : (i + 1) * batch_size])
        np.testing.assert_array_equal(yb, y[i * batch_size : (i + 1) * batch_size])
        assert xb.dtype == np.float32
        if drop_last:
            assert len(xb) == batch_size


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 40), batch_size=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_shuffle_visits_every_sample_once_per_pass_and_keeps_pairs(n, batch_size, seed):
    X, y = _data(n)
    loader = DataLoader(ArrayDataset(X, y), batch_size=batch_size, shuffle=True, seed=seed)
    for _ in range(2):
        xs, ys = zip(*loader)
        xs, ys = np.concatenate(xs), np.concatenate(ys)
        assert sorted(ys) == list(y)
        np.testing.assert_array_equal(xs[:, 0] / 3 * 10, ys)  # rows stay with their labels


def test_shuffle_draws_a_new_order_each_pass_reproducibly_for_a_seed():
    X, y = _data(50)

    def orders(seed, passes=3):
        loader = DataLoader(ArrayDataset(X, y), batch_size=7, shuffle=True, seed=seed)
        return [np.concatenate([yb for _, yb in loader]) for _ in range(passes)]

    first = orders(seed=1)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], y)
    for a, b in zip(first, orders(seed=1)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], orders(seed=2)[0])


class Squares(Dataset):
    """A dataset that computes its items, one sample a time."""

    def __init__(self, n, pairs=True):
        self.n, self.pairs = n, pairs

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = np.full(2, float(i))
        return (x, i * i) if self.pairs else x


def test_any_dataset_is_stacked_into_batches():
    xb, yb = next(iter(DataLoader(Squares(5), batch_size=3)))
    np.testing.assert_array_equal(xb, [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(yb, [0, 1, 4])
    batches = list(DataLoader(Squares(5, pairs=False), batch_size=2))
    assert [b.shape for b in batches] == [(2, 2), (2, 2), (1, 2)]


def test_default_batch_size_is_one_and_bad_sizes_are_refused():
    batches = list(DataLoader(ArrayDataset(np.arange(3))))
    assert [b[0].tolist() for b in batches] == [[0], [1], [2]]
    for bad in (0, -2, 2.5):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(ArrayDataset(np.arange(3)), batch_size=bad)


def test_base_dataset_says_what_is_missing():
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


def test_a_subclass_of_array_dataset_is_batched_through_its_own_getitem():
    """The fast path (fancy indexing of the arrays) must not skip a subclass's __getitem__."""

    class Doubled(ArrayDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return 2 * x, y

    X, y = _data(7)
    for shuffle in (False, True):
        xs, ys = zip(*DataLoader(Doubled(X, y), batch_size=3, shuffle=shuffle, seed=0))
        xs, ys = np.concatenate(xs), np.concatenate(ys)
        np.testing.assert_array_equal(xs, 2 * X[ys // 10])
    # A plain ArrayDataset still takes rows straight from its arrays.
    xb, yb = next(iter(DataLoader(ArrayDataset(X, y), batch_size=7)))
    np.testing.assert_array_equal(xb, X)
