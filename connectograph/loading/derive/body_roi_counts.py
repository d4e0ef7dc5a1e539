"""Per-body, per-ROI synapse counts as one long table, and the JSON text of a
body's ``roiInfo`` built from it (pure pandas, no database).

A body's ``roiInfo`` (neuPrint's ``{roi: {pre, post, upstream, downstream}}``)
derived from synapses or from loaded connections is kept as rows of a frame
until the body's JSON text is written, not as a dict per body: at 10M synapse
pairs the synapse-derived nested dicts of 44,974 bodies alone took about 75
MiB (measured, docs/scaling.md).

The frame (*ROI-count frame*) has one row per (body, ROI), sorted by both:

========== ============ ====================================================
column     dtype        meaning
========== ============ ====================================================
bodyId     int64        the body
roi        object (str) the ROI name (``NotPrimary`` is not an ROI: no row)
pre        Int64        T-bars of the body in the ROI
post       Int64        PSDs of the body in the ROI
upstream   Int64        = post (neuPrint's definition)
downstream Int64        PSDs contacted by the body's T-bars in the ROI
========== ============ ====================================================

A count is NA where its source cannot say (e.g. ``pre`` from connections) or
counted nothing; the JSON text omits those keys, as neuPrint's roiInfo omits
zero counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...grouped import run_starts
from ...vocabulary import ROI_COUNT_KEYS

_KEY = ["bodyId", "roi"]


def empty_roi_counts() -> pd.DataFrame:
    """A ROI-count frame without rows (the module docstring gives its columns)."""
    columns = {"bodyId": pd.Series(dtype="int64"), "roi": pd.Series(dtype=object)}
    columns.update({k: pd.Series(dtype="Int64") for k in ROI_COUNT_KEYS})
    return pd.DataFrame(columns)


def roi_counts_frame(counts: dict[str, pd.Series]) -> pd.DataFrame:
    """A ROI-count frame from Series indexed by (bodyId, roi), one per count
    key (a subset of :data:`ROI_COUNT_KEYS`); absent (body, ROI, key) cells
    become NA."""
    if not counts or all(s.empty for s in counts.values()):
        return empty_roi_counts()
    joined = pd.concat({k: s.astype("Int64") for k, s in counts.items()}, axis=1)
    joined.index = joined.index.set_names(_KEY)
    out = joined.reset_index()
    for k in ROI_COUNT_KEYS:
        if k not in out.columns:
            out[k] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    return _normal(out)


def _shared_names(values: pd.Series) -> np.ndarray:
    """``values`` as an object array in which equal names are one ``str``
    object (None where missing).

    Converting a text column to ``object`` makes one Python string per row: at
    10M synapse pairs the per-body ROI-count frames of a partitioned load held
    about half a million copies of a few dozen ROI names (measured,
    docs/scaling.md, session 13)."""
    codes, names = pd.factorize(values, use_na_sentinel=True)
    table = np.array([str(n) for n in names] + [None], dtype=object)
    return table[codes]     # code -1 (missing) takes the last entry, None


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in order and typed, rows sorted by (bodyId, roi); each ROI name
    is one shared ``str`` object (:func:`_shared_names`)."""
    out = frame[_KEY + list(ROI_COUNT_KEYS)].astype(
        {"bodyId": "int64", **{k: "Int64" for k in ROI_COUNT_KEYS}})
    out["roi"] = pd.Series(_shared_names(out["roi"]), index=out.index, dtype=object)
    return out.sort_values(_KEY, kind="stable").reset_index(drop=True)


def sum_roi_counts(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The ROI-count frames added up per (body, ROI) and key: the counts of
    disjoint parts of the synapses (partitions). NA + NA stays NA, NA + n is n."""
    return _combine(frames, "sum")


def max_roi_counts(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Per (body, ROI) and key the largest count of the frames (NA where all
    are NA): two lower bounds of the same counts combined (synapse- and
    connection-derived roiInfo of a partly loaded body)."""
    return _combine(frames, "max")


def _combine(frames: Iterable[pd.DataFrame], how: str) -> pd.DataFrame:
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty_roi_counts()
    if len(parts) == 1:
        return _normal(parts[0])
    grouped = pd.concat(parts, ignore_index=True).groupby(_KEY, sort=True)[list(ROI_COUNT_KEYS)]
    out = grouped.sum(min_count=1) if how == "sum" else grouped.max()
    return _normal(out.reset_index())


def roi_info_texts(frame: pd.DataFrame) -> pd.Series:
    """Each body's ``roiInfo`` JSON text from a ROI-count frame.

    The text equals ``json.dumps({roi: {key: count}}, sort_keys=True)`` of the
    body's rows, NA counts left out; it is built from each body's run of rows,
    with no dict per body.

    Returns
    -------
    Series of str
        Indexed by bodyId (int64), ascending; bodies without rows are absent.
    """
    if frame.empty:
        return pd.Series([], index=pd.Index([], dtype="int64", name="bodyId"), dtype=object)
    frame = _normal(frame)
    names, codes = np.unique(frame["roi"].to_numpy(dtype=object), return_inverse=True)
    quoted = [json.dumps(str(n)) for n in names]
    # per key, per row its '"key": n' piece, or None where the count is NA
    keyed = []
    for k in ROI_COUNT_KEYS:
        column = frame[k]
        text = np.full(len(frame), None, dtype=object)
        known = column.notna().to_numpy()
        text[known] = [f'"{k}": {n}' for n in column[known].astype("int64").tolist()]
        keyed.append(text.tolist())
    pieces = [quoted[c] + ": {" + ", ".join(p for p in row if p is not None) + "}"
              for c, *row in zip(codes.tolist(), *keyed)]
    body = frame["bodyId"].to_numpy(dtype="int64")
    starts = run_starts(body)
    ends = np.r_[starts[1:], len(body)].tolist()
    texts = ["{" + ", ".join(pieces[i:j]) + "}" for i, j in zip(starts.tolist(), ends)]
    return pd.Series(texts, index=pd.Index(body[starts], name="bodyId"), dtype=object)


def roi_info_dicts(frame: pd.DataFrame) -> dict[int, dict[str, dict[str, int]]]:
    """bodyId → {roi: {key: count}} of a ROI-count frame (NA counts left out):
    the parsed :func:`roi_info_texts`, for tests and small tables."""
    return {int(b): json.loads(t) for b, t in roi_info_texts(frame).items()}

