"""bench/bench_gpu_pipeline.py runs its CPU path end to end at the tiny size and reports both loops."""

import importlib.util
import re

import pytest
from notebooks import ROOT


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_gpu_pipeline", ROOT / "bench" / "bench_gpu_pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_cpu_run_prints_both_throughputs_and_their_ratio(capsys):
    bench = load_bench()
    assert bench.main(["--size", "tiny", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    slow = re.search(r"seed-style .*: ([\d,]+) samples/s", out)
    fast = re.search(r"tuned .*: ([\d,]+) samples/s", out)
    ratio = re.search(r"speed-up: ([\d.]+)x", out)
    assert slow and fast and ratio, out
    slow, fast = (float(m.group(1).replace(",", "")) for m in (slow, fast))
    assert slow > 0 and fast > 0
    assert float(ratio.group(1)) == pytest.approx(fast / slow, rel=0.06, abs=0.06)


def test_both_loops_train_the_same_model_on_the_same_windows():
    bench = load_bench()
    import torch

    size = bench.SIZES["tiny"]
    features, labels = bench.make_data(size)
    ds = bench.ContextWindows(features, labels, size["k"])
    k, t = size["k"], 1  # near the edge: the first frame is repeated
    expected = torch.cat([features[0:1]] * (k - t) + [features[: t + k + 1]]).reshape(-1)
    assert torch.equal(ds[t][0], expected) and len(ds) == size["frames"]
