"""Synthetic fragmented skeletons (random-walk trees cut into fragments)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SyntheticDataError


def synthetic_skeleton(n_nodes: int, n_fragments: int, seed: int | np.random.Generator,
                       origin: tuple[float, float, float] = (20000.0, 20000.0, 20000.0),
                       step: float = 40.0) -> pd.DataFrame:
    """A random-walk tree of ``n_nodes`` nodes cut into ``n_fragments`` fragments.

    Branches of 20 to 200 nodes grow from randomly chosen existing nodes with
    steps of ``step`` voxels and a slowly turning direction; then the parent
    link of ``n_fragments - 1`` randomly chosen non-root nodes is removed.

    Parameters
    ----------
    n_nodes : int
        Number of nodes (>= 1).
    n_fragments : int
        Number of roots in the result (1 to ``n_nodes``).
    seed : int or numpy Generator
        Makes the result deterministic.
    origin : 3 floats
        Coordinates of the first node (voxels).
    step : float
        Distance between a node and its parent before cutting (voxels).

    Returns
    -------
    DataFrame
        neuprint-python's skeleton columns: ``rowId`` (int64, 1..n), ``x, y, z``
        (float64, voxels, rounded to integers), ``radius`` (float64, voxels,
        10 to 60), ``link`` (int64, parent rowId or -1).

    Raises
    ------
    SyntheticDataError
        ``n_fragments`` outside 1..``n_nodes`` (also a ``ValueError``).
    """
    if not 1 <= n_fragments <= n_nodes:
        raise SyntheticDataError(f"n_fragments must be between 1 and n_nodes ({n_nodes}), "
                         f"not {n_fragments}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    xyz = np.zeros((n_nodes, 3))
    link = np.full(n_nodes, -1, dtype=np.int64)
    i = 1
    while i < n_nodes:
        start = 0 if i == 1 else int(rng.integers(0, i))
        length = min(int(rng.integers(20, 200)), n_nodes - i)
        # A branch's directions: a normalised random walk on the sphere.
        turns = rng.normal(scale=0.4, size=(length, 3))
        turns[0] += rng.normal(size=3)
        directions = np.cumsum(turns, axis=0)
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        xyz[i:i + length] = xyz[start] + step * np.cumsum(directions, axis=0)
        link[i] = start
        link[i + 1:i + length] = np.arange(i, i + length - 1)
        i += length
    cut = rng.choice(np.arange(1, n_nodes), size=n_fragments - 1, replace=False)
    link[cut] = -1
    return pd.DataFrame({
        "rowId": np.arange(1, n_nodes + 1, dtype=np.int64),
        "x": np.round(xyz[:, 0] + origin[0]), "y": np.round(xyz[:, 1] + origin[1]),
        "z": np.round(xyz[:, 2] + origin[2]), "radius": rng.uniform(10, 60, n_nodes),
        "link": np.where(link >= 0, link + 1, -1),
    })
