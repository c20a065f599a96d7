"""A real result: the reference mytorch trains an MLP on scikit-learn's digits to >= 97% test
accuracy in under 10 s on 2 cores."""

import importlib.util
import time

from notebooks import ROOT

spec = importlib.util.spec_from_file_location("train_digits", ROOT / "bench" / "train_digits.py")
train_digits = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train_digits)


def test_mlp_on_digits_reaches_97_percent_in_under_10_seconds():
    start = time.perf_counter()
    net, curve = train_digits.train(seed=0)
    seconds = time.perf_counter() - start
    epochs, losses, accuracies = zip(*curve)
    assert accuracies[-1] >= 0.97, f"test accuracy {accuracies[-1]:.2%}"
    assert seconds < 10, f"training took {seconds:.1f} s"
    assert losses[-1] < 0.1 * losses[0], "the training loss should fall by an order of magnitude"
