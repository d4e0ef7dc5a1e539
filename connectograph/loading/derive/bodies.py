"""Derive the neuPrint data model from canonical tables (pure pandas, no database).

Definitions (neuPrint's, as documented in docs/data-model.md):

- ``ConnectsTo.weight`` = number of PSDs of the downstream body contacted by the
  upstream body's T-bars. From per-ROI tables it is the sum of the pair's
  per-ROI weights, ``NotPrimary`` included (neuprint-python's ``roi_conn_df``
  partitions a connection's weight over primary ROIs plus ``NotPrimary``).
- ``ConnectsTo.roiInfo`` = ``{roi: {"post": n}}``: per ROI, the PSDs of the
  connection lying in it (neuPrint counts a connection where its post site lies).
  ``NotPrimary`` is not an ROI and is not stored; ``weight - sum(post)`` restores it.
- A body's ``roiInfo`` comes from its source when given. Otherwise it is derived
  from the loaded connections: ``upstream`` (= ``post``, as in neuPrint) in an
  ROI = sum of incoming weights there, ``downstream`` = sum of outgoing weights. Such bodies get
  ``roiInfoSource = "loaded connections"``; the counts are lower bounds when
  only part of the body's connections are loaded.
- ``:Neuron``: neuPrint's rule, parameterised by the recipe's ``[neuron_rule]``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from typing import Any, Iterator

import numpy as np
import pandas as pd
from neo4j.spatial import CartesianPoint

from ...grouped import frame_slices, run_starts
from ..recipe import NeuronRule
from .body_roi_counts import COUNT_KEYS, roi_counts_frame, roi_info_texts
from ..read.table_schemas import NOT_PRIMARY

ROI_INFO_FROM_CONNECTIONS = "loaded connections"
ROI_INFO_FROM_SOURCE = "source"


def connections_from_roi_weights(roi_conns: pd.DataFrame,
                                 roi_entries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Neuron-to-neuron ``ConnectsTo`` rows from per-ROI weights.

    Parameters
    ----------
    roi_conns : DataFrame
        ``bodyId_pre, bodyId_post, roi, weight`` (one row per pair and primary
        ROI or ``NotPrimary``): the weights.
    roi_entries : DataFrame, optional
        ``bodyId_pre, bodyId_post, roi, post`` and optionally ``pre`` (Int64,
        NA where unknown): the roiInfo entries
        (:func:`~.synapse_model.connection_roi_entries`). Default: the
        primary-ROI rows of ``roi_conns``, ``post`` = weight.

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``weight`` (int64, all ROIs and
        NotPrimary), ``roiInfo`` (JSON string ``{roi: {"post": n, "pre": m}}``,
        ``pre`` only where known), one row per pair.
    """
    if roi_conns.empty:
        return pd.DataFrame({"bodyId_pre": pd.Series(dtype="int64"),
                             "bodyId_post": pd.Series(dtype="int64"),
                             "weight": pd.Series(dtype="int64"),
                             "roiInfo": pd.Series(dtype=object)})
    key = ["bodyId_pre", "bodyId_post"]
    total = roi_conns.groupby(key, sort=True)["weight"].sum()
    out = total.reset_index()
    del total
    if roi_entries is None:
        roi_entries = roi_conns.loc[roi_conns["roi"] != NOT_PRIMARY, key + ["roi", "weight"]] \
            .rename(columns={"weight": "post"})
    # The JSON text of {roi: {"post": w, "pre": t}, ...} (keys sorted, as
    # json.dumps(..., sort_keys=True) writes it) built from each pair's run of
    # rows sorted by (pair, ROI name), with no dict per pair: one JSON-quoted
    # name per distinct ROI, one piece per row.
    codes, names = pd.factorize(roi_entries["roi"].to_numpy(dtype=object), sort=True)
    a = roi_entries["bodyId_pre"].to_numpy(dtype="int64")
    b = roi_entries["bodyId_post"].to_numpy(dtype="int64")
    order = np.lexsort((codes, b, a))
    a, b, codes = a[order], b[order], codes[order]
    quoted = [json.dumps(str(n)) for n in names]
    post = roi_entries["post"].to_numpy()[order].tolist()
    if "pre" in roi_entries.columns:
        pre = roi_entries["pre"].astype("Int64").to_numpy(dtype=object, na_value=None)
        pre = pre[order].tolist()
    else:
        pre = [None] * len(post)
    pieces = [f'{quoted[c]}: {{"post": {w}}}' if t is None else
              f'{quoted[c]}: {{"post": {w}, "pre": {t}}}'
              for c, w, t in zip(codes.tolist(), post, pre)]
    del post, pre, codes, order
    starts = run_starts(a, b)
    ends = np.r_[starts[1:], len(a)].tolist()
    texts = ["{" + ", ".join(pieces[i:j]) + "}" for i, j in zip(starts.tolist(), ends)]
    del pieces
    roi_info = np.full(len(out), "{}", dtype=object)
    at = pd.MultiIndex.from_arrays([out["bodyId_pre"], out["bodyId_post"]]).get_indexer(
        pd.MultiIndex.from_arrays([a[starts], b[starts]]))
    if (at < 0).any():
        raise ValueError("roiInfo entries name a connection that has no weight row")
    roi_info[at] = texts
    out["roiInfo"] = roi_info
    return out.astype({"weight": "int64"})


def roi_info_from_connections(roi_conns: pd.DataFrame) -> pd.DataFrame:
    """Per body and ROI, ``upstream`` and ``post`` (incoming weight; neuPrint
    defines upstream = post) and ``downstream`` (outgoing weight), summed over
    the loaded per-ROI connections, as a ROI-count frame (:mod:`.roi_counts`;
    ``pre``, T-bars, cannot be derived and is NA)."""
    real = roi_conns[roi_conns["roi"] != NOT_PRIMARY]
    sums = {}
    for column, side in (("bodyId_post", "upstream"), ("bodyId_pre", "downstream")):
        sums[side] = real.groupby([column, "roi"], sort=True, observed=True)["weight"].sum()
        sums[side].index = sums[side].index.set_names(["bodyId", "roi"])
    sums["post"] = sums["upstream"]
    return roi_counts_frame(sums)


def connected_bodies(roi_conns: pd.DataFrame) -> pd.Index:
    """Every body at either end of the per-ROI connections (int64, unique)."""
    return pd.Index(pd.unique(np.concatenate([roi_conns["bodyId_pre"].to_numpy(),
                                              roi_conns["bodyId_post"].to_numpy()])))


def complete_bodies(neurons: pd.DataFrame, roi_conns: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Add a bare row for every body that appears only in connections, and
    fill missing ``roiInfo`` from the loaded connections (``roiInfoSource``
    says which). Returns the table and the number of bodies added."""
    return complete_bodies_from(neurons, connected_bodies(roi_conns),
                                roi_info_from_connections(roi_conns))


def complete_bodies_from(neurons: pd.DataFrame, ids: pd.Index, derived: pd.DataFrame
                         ) -> tuple[pd.DataFrame, int]:
    """:func:`complete_bodies` from the connected bodies ``ids``
    (:func:`connected_bodies`) and their :func:`roi_info_from_connections`
    (a ROI-count frame)."""
    missing = ids.difference(neurons.index)
    if len(missing):
        extra = pd.DataFrame({"bodyId": missing.astype("int64")}, index=missing)
        neurons = pd.concat([neurons, extra])
    neurons = neurons.copy()
    if "roiInfo" not in neurons.columns:
        neurons["roiInfo"] = None
    source = pd.Series(np.where(neurons["roiInfo"].notna(), ROI_INFO_FROM_SOURCE, None),
                       index=neurons.index, dtype=object)
    need = neurons.index[neurons["roiInfo"].isna()]
    fill = roi_info_texts(derived[derived["bodyId"].isin(need)])
    if len(fill):
        neurons["roiInfo"] = neurons["roiInfo"].astype(object)
        neurons.loc[fill.index, "roiInfo"] = fill
        source.loc[fill.index] = ROI_INFO_FROM_CONNECTIONS
    neurons["roiInfoSource"] = source
    return neurons, len(missing)


def with_empty_roi_info(neurons: pd.DataFrame) -> pd.DataFrame:
    """Give bodies with no known ``roiInfo`` an empty one, ``"{}"``.

    neuPrint stores ``roiInfo`` on every Segment (``"{}"`` when nothing is
    known), and neuprint-python parses it for every matched body, so a missing
    value would break its ``fetch_neurons``. ``roiInfoSource`` stays null for
    these bodies.
    """
    neurons = neurons.copy()
    if "roiInfo" not in neurons.columns:
        neurons["roiInfo"] = None
    neurons["roiInfo"] = neurons["roiInfo"].astype(object).where(neurons["roiInfo"].notna(), "{}")
    return neurons


def is_neuron(neurons: pd.DataFrame, rule: NeuronRule) -> pd.Series:
    """Which bodies get the ``:Neuron`` label (neuPrint's rule; see module docstring)."""
    flag = pd.Series(False, index=neurons.index)
    if "pre" in neurons.columns:
        flag |= neurons["pre"].fillna(0).astype("int64") >= rule.min_pre
    if "post" in neurons.columns:
        flag |= neurons["post"].fillna(0).astype("int64") >= rule.min_post
    if rule.soma and "somaLocation" in neurons.columns:
        flag |= neurons["somaLocation"].notna()
    if rule.named:
        for col in ("type", "instance"):
            if col in neurons.columns:
                flag |= neurons[col].notna()
    if rule.with_status and "status" in neurons.columns:
        flag |= neurons["status"].notna()
    return flag


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def body_properties(neurons: pd.DataFrame) -> list[dict[str, Any]]:
    """One property map per body for ``SET n = props``: nulls dropped,
    ``somaLocation`` as a cartesian-3D point (voxels), and one ``true`` property
    per ROI in the body's roiInfo (neuPrint's ROI booleans, e.g. ``aL(R)``)."""
    columns = list(neurons.columns)
    rows = []
    for values in neurons.itertuples(index=False, name=None):
        props: dict[str, Any] = {}
        for col, v in zip(columns, values):
            v = _clean(v)
            if v is None:
                continue
            if col == "somaLocation":
                v = CartesianPoint(tuple(float(c) for c in v))
            props[col] = v
        if "roiInfo" in props:
            for roi in json.loads(props["roiInfo"]):
                props.setdefault(roi, True)
        rows.append(props)
    return rows


def body_property_slices(neurons: pd.DataFrame, neuron_flag: pd.Series,
                         size: int) -> Iterator[tuple[list[dict[str, Any]], np.ndarray]]:
    """:func:`body_properties` and the bodies' Neuron flags (bool ndarray),
    ``size`` bodies at a time, in the order of ``neurons``: the property maps
    are built per slice, since at 10M synthetic synapse pairs the 44,974
    bodies' maps held 80 MiB at once (measured)."""
    for bodies, flags in zip(frame_slices(neurons, size), frame_slices(neuron_flag, size)):
        yield body_properties(bodies), flags.to_numpy(dtype=bool)


def roi_memberships(neurons: pd.DataFrame) -> pd.DataFrame:
    """The ``InROI`` relationships: one row per ROI in every body's roiInfo.

    Parameters
    ----------
    neurons : DataFrame
        Index ``bodyId``; column ``roiInfo`` (JSON text or null).

    Returns
    -------
    DataFrame
        ``bodyId`` (int64), ``roi`` (categorical), ``pre, post, upstream,
        downstream`` (Int64, NA where the roiInfo entry has no such count), in
        the order of ``neurons`` and of each roiInfo. A frame rather than a
        dict per row: at 10M synthetic synapse pairs, 326,708 rows took 101
        MiB as tuples of dicts (measured).
    """
    bodies: list[int] = []
    rois: list[str] = []
    counts: dict[str, list] = {k: [] for k in COUNT_KEYS}
    for body, text in neurons["roiInfo"].dropna().items():
        for roi, entry in json.loads(text).items():
            bodies.append(int(body))
            rois.append(roi)
            for k in COUNT_KEYS:
                counts[k].append(entry.get(k))
    out = pd.DataFrame({"bodyId": np.array(bodies, dtype="int64"),
                        "roi": pd.Categorical(rois)})
    for k, values in counts.items():
        out[k] = pd.array(values, dtype="Int64")
    return out


def membership_rows(memberships: pd.DataFrame, body_ids: dict[int, str],
                    roi_ids: dict[str, str]) -> list[dict[str, Any]]:
    """``link_bodies_to_rois`` rows (``{body, roi, props}``, element ids and
    the counts present) of :func:`roi_memberships` rows."""
    counts = [memberships[k].to_numpy(dtype=object, na_value=None).tolist()
              for k in COUNT_KEYS]
    return [{"body": body_ids[b], "roi": roi_ids[r],
             "props": {k: int(v) for k, v in zip(COUNT_KEYS, values) if v is not None}}
            for b, r, *values in zip(memberships["bodyId"].tolist(),
                                     memberships["roi"].tolist(), *counts)]


def neuron_property_types(neurons: pd.DataFrame) -> dict[str, str]:
    """neuPrint's ``Meta.neuronProperties``: property name → type name."""
    types = {}
    for col in neurons.columns:
        s = neurons[col].dropna()
        if col == "somaLocation":
            types[col] = "point"
        elif s.empty:
            continue
        elif pd.api.types.is_bool_dtype(s) or all(isinstance(v, (bool, np.bool_)) for v in s.head(50)):
            types[col] = "boolean"
        elif pd.api.types.is_integer_dtype(s):
            types[col] = "integer"
        elif pd.api.types.is_float_dtype(s):
            types[col] = "float"
        else:
            types[col] = "string"
    return types


def roi_totals(neurons: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per ROI, the sum over loaded bodies of their roiInfo ``pre`` and ``post``."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"pre": 0, "post": 0})
    for text in neurons["roiInfo"].dropna():
        for roi, counts in json.loads(text).items():
            for k in ("pre", "post"):
                totals[roi][k] += int(counts.get(k, 0))
    return dict(totals)


def hierarchy_children(hierarchy: dict | None) -> list[str]:
    """Names of the root's children (neuPrint's ``superLevelRois``)."""
    if not hierarchy:
        return []
    return [c["name"] for c in hierarchy.get("children", [])]
