"""Shared fixtures of the skeleton tests: dataset paths and brute-force oracles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree
from shared_datasets import DATASETS

# CI clones the repository with shared/ beside it (/work/main/../shared).
DATA = DATASETS / "hemibrain-mb"
SKELETONS = DATA / "skeletons"


def _need(path: Path) -> Path:
    # The real bundle is part of the test set-up: its absence is a failure.
    assert path.exists(), f"the hemibrain-mb bundle is missing at {path}"
    return path


@pytest.fixture(scope="session")
def skeleton_dir() -> Path:
    return _need(SKELETONS)


def real_swc_paths() -> list[Path]:
    """Every real SWC of the dataset (empty if the dataset is absent)."""
    return sorted(SKELETONS.glob("*/*.swc"))


def brute_force_msf_length(coords: np.ndarray, labels: np.ndarray, max_distance=np.inf) -> float:
    """Total length of the fragment MST by the dense F x F method.

    Nearest inter-fragment distance for every pair via one cKDTree per
    fragment, then scipy.sparse.csgraph.minimum_spanning_tree. csgraph treats
    a 0 (and tiny values) in a dense matrix as "no edge", so every weight is
    shifted by +1 (a spanning forest has a fixed number of edges, so the
    shift does not change which forest is minimal) and the shift is removed
    from the total. Edges longer than max_distance are dropped.
    """
    _, labels = np.unique(labels, return_inverse=True)
    n_frag = labels.max() + 1
    groups = [coords[labels == f] for f in range(n_frag)]
    trees = [cKDTree(g) for g in groups]
    dense = np.zeros((n_frag, n_frag))
    for a in range(n_frag):
        for b in range(a + 1, n_frag):
            d = trees[a].query(groups[b])[0].min()
            if d <= max_distance:
                dense[a, b] = d + 1.0
    w = minimum_spanning_tree(dense).data
    return float((w - 1.0).sum())


@pytest.fixture(scope="session")
def brute_force():
    return brute_force_msf_length


@pytest.fixture(scope="session")
def kc_skeleton(skeleton_dir) -> pd.DataFrame:
    df = pd.read_csv(_need(skeleton_dir / "kc-5813078552" / "KCskel1847.csv"), index_col=0)
    return df
