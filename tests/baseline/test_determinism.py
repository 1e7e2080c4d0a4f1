"""Same seed on CPU -> the same run; another seed -> a different one (so the check can fail)."""

from __future__ import annotations

import torch

from baseline_support import quiet_console, tiny_config


def _train(data, out, seed, tracking_uri):
    from saferkit.baseline.training import train

    config = tiny_config(epochs=1, seed=seed, device="cpu", tracking_uri=tracking_uri)
    return train(data, out, config, console=quiet_console())


def _weights(run):
    return torch.load(run.run_dir / "model.pt", weights_only=True)


def test_same_seed_gives_identical_metrics_and_weights(tiny_data, tmp_path, shared_tracking_uri):
    first = _train(tiny_data, tmp_path / "a", 7, shared_tracking_uri)
    second = _train(tiny_data, tmp_path / "b", 7, shared_tracking_uri)
    other = _train(tiny_data, tmp_path / "c", 8, shared_tracking_uri)

    def metrics(run):
        return [{k: v for k, v in row.items() if k != "lr"} for row in run.history]

    assert metrics(first) == metrics(second)
    a, b, c = _weights(first), _weights(second), _weights(other)
    assert all(torch.equal(a[name], b[name]) for name in a)
    assert metrics(first) != metrics(other)
    assert not all(torch.equal(a[name], c[name]) for name in a)
