"""Helpers for rows sorted into groups (runs of equal keys) and for rows taken
a fixed number at a time, shared by the loaders and the fetch functions."""

from __future__ import annotations

import numpy as np


def run_starts(*columns: np.ndarray) -> np.ndarray:
    """Where each run of equal rows begins in sorted parallel ``columns``:
    positions (int64) of the rows that differ from the previous one in any
    column, the first row included; empty for no rows."""
    n = len(columns[0])
    change = np.zeros(n, dtype=bool)
    if n:
        change[0] = True
    for column in columns:
        change[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(change)


def frame_slices(frame, size: int):
    """Consecutive slices of ``size`` rows of a DataFrame or Series (views,
    not copies), as a generator."""
    return (frame.iloc[s:s + size] for s in range(0, len(frame), size))


def group_lists(values: np.ndarray, group: np.ndarray, n: int) -> list[list]:
    """``values`` (ordered by ``group``, group numbers ``0..n-1`` ascending)
    as one Python list per group, empty lists for groups without values."""
    flat = values.tolist()
    cut = np.searchsorted(group, np.arange(n + 1)).tolist()
    return [flat[i:j] for i, j in zip(cut[:-1], cut[1:])]
