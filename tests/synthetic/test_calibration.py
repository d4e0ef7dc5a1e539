"""The shipped calibration is what the bundle gives; distributions sample as stored."""

from __future__ import annotations

import math

import numpy as np
import pytest

from connectograph.synthetic.calibration import (Distribution, fit_calibration,
                                                 load_calibration, summarise)
from shared_datasets import DATASETS

BUNDLE = DATASETS / "hemibrain-mb"


def _close(a, b, path="") -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), f"{path}: keys differ"
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_stored_calibration_matches_recomputation():
    assert BUNDLE.is_dir(), f"the hemibrain-mb bundle is missing at {BUNDLE}"
    _close(fit_calibration(BUNDLE), load_calibration())


def test_connection_weight_summary_matches_pandas():
    import pandas as pd
    from connectograph.synthetic.calibration import CONNECTION_TABLES
    frames = [pd.read_csv(BUNDLE / f) for f in CONNECTION_TABLES]
    rows = pd.concat(frames).drop_duplicates(["bodyId_pre", "bodyId_post", "roi"])
    per_pair = rows.groupby(["bodyId_pre", "bodyId_post"])["weight"].sum()
    stored = load_calibration()["connection_weight"]
    assert stored["n"] == len(per_pair)
    assert stored["q"][0] == per_pair.min() and stored["q"][-1] == per_pair.max()
    assert math.isclose(stored["q"][50], per_pair.median(), rel_tol=1e-5)


def test_pmf_sampling_frequencies():
    d = Distribution(summarise([1, 1, 1, 2]))
    draws = d.sample(np.random.default_rng(0), 40_000)
    assert set(np.unique(draws)) == {1, 2}
    assert abs((draws == 1).mean() - 0.75) < 0.01
    assert d.mean == pytest.approx(1.25)


def test_quantile_sampling_stays_in_range():
    values = np.random.default_rng(1).lognormal(2, 1, 5000)
    d = Distribution(summarise(values, integer=False))
    draws = d.sample(np.random.default_rng(2), 10_000)
    assert draws.min() >= values.min() - 1e-9 and draws.max() <= values.max() + 1e-9
    assert abs(np.median(draws) - np.median(values)) / np.median(values) < 0.05
