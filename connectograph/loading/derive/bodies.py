"""The bodies of a load: one row per Segment, with its counts, ``roiInfo``
and ``:Neuron`` flag derived from the canonical tables (pure pandas, no
database).

Definitions (neuPrint's, as documented in docs/data-model.md):

- A body's ``roiInfo`` comes from its source when given. Otherwise it is derived
  from the loaded connections: ``upstream`` (= ``post``, as in neuPrint) in an
  ROI = sum of incoming weights there, ``downstream`` = sum of outgoing weights.
  Such bodies get ``roiInfoSource = "loaded connections"``; the counts are lower
  bounds when only part of the body's connections are loaded
  (:func:`complete_bodies`).
- Source neuron properties win over synapse-derived body counts, which fill
  what is missing (:func:`fill_bodies`); a body's roiInfo derived from its
  synapses says so in ``roiInfoSource``.
- ``:Neuron``: neuPrint's rule, parameterised by the recipe's ``[neuron_rule]``
  (:func:`is_neuron`).
- ``InROI``: one relationship per ROI of a body's roiInfo
  (:func:`roi_memberships`).
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterator

import numpy as np
import pandas as pd
from neo4j.spatial import CartesianPoint

from ...grouped import frame_slices
from ..conflicts import Conflict
from ..recipe import NeuronRule
from ...vocabulary import COUNT_KEYS
from .body_roi_counts import max_roi_counts, roi_info_texts
from .connections import connected_bodies, roi_info_from_connections

#: ``roiInfoSource`` of a body: where its roiInfo came from.
ROI_INFO_FROM_SOURCE = "source"
ROI_INFO_FROM_CONNECTIONS = "loaded connections"
ROI_INFO_FROM_SYNAPSES = "synapses"
ROI_INFO_FROM_BOTH = "synapses and loaded connections"


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


def fill_bodies(neurons: pd.DataFrame, totals: pd.DataFrame, roi_counts: pd.DataFrame,
                conflicts: list[Conflict], *, connection_counts: pd.DataFrame
                ) -> pd.DataFrame:
    """Fill bodies' missing counts and roiInfo from their loaded synapses.

    - ``pre, post, upstream, downstream``: the source's value when given, else
      the synapse count. A synapse count *above* the source's value (which
      should count every synapse) is a conflict; the source's value is kept.
    - ``upstream`` a source does not state is ``post`` (neuPrint's definition,
      as in every row of hemibrain v1.2.1's neuron tables), not a separate
      synapse count: a body whose table gives ``post`` but no ``upstream``
      (e.g. the Scheffer et al. supplemental table) gets ``upstream = post``.
    - ``roiInfo`` of bodies without a source roiInfo: per ROI and count, the
      larger of the synapse-derived and the connection-derived count (both are
      lower bounds when only part of a body's synapses is loaded);
      ``roiInfoSource`` says which were used.

    Parameters
    ----------
    neurons : DataFrame
        Indexed by bodyId, with ``roiInfo``/``roiInfoSource`` as
        :func:`complete_bodies_from` leaves them.
    totals : DataFrame
        :func:`~.synapse_counts.body_counts`' per-body totals.
    roi_counts : DataFrame
        :func:`~.synapse_counts.body_counts`' ROI-count frame (:mod:`.body_roi_counts`).
    conflicts : list of Conflict
        Receives the count conflicts.
    connection_counts : DataFrame
        The connection-derived ROI-count frame that
        :func:`complete_bodies_from` wrote into the roiInfo of the
        bodies whose ``roiInfoSource`` is ``"loaded connections"``.

    Returns
    -------
    DataFrame
        A copy of ``neurons`` with the counts, ``roiInfo`` (JSON text) and
        ``roiInfoSource`` filled.
    """
    neurons = neurons.copy()
    ids = totals.index.intersection(neurons.index)
    for col in COUNT_KEYS:
        if col not in neurons.columns:
            neurons[col] = pd.Series(pd.NA, index=neurons.index, dtype="Int64")
        if col == "upstream":
            # post is filled by now (source, else synapses)
            neurons[col] = neurons[col].astype("Int64").fillna(neurons["post"].astype("Int64"))
        current = neurons.loc[ids, col]
        syn = totals.loc[ids, col]
        over = current.notna() & (syn > current.fillna(0).astype("int64"))
        if over.any():
            bad = over[over].index
            conflicts.append(Conflict.of(
                "neurons", col, "neuron tables",
                "synapse tables (more synapses than the stated total)",
                [int(b) for b in bad], current[bad].astype(int), syn[bad].astype(int)))
        fill = current.isna()
        neurons[col] = neurons[col].astype("Int64")
        neurons.loc[fill[fill].index, col] = syn[fill].astype("int64")
    if "roiInfo" not in neurons.columns:
        neurons["roiInfo"] = None
    if "roiInfoSource" not in neurons.columns:
        neurons["roiInfoSource"] = None
    neurons["roiInfo"] = neurons["roiInfo"].astype(object)
    neurons["roiInfoSource"] = neurons["roiInfoSource"].astype(object)
    # bodies with synapse-derived counts whose roiInfo is not the source's
    bodies = pd.Index(pd.unique(roi_counts["bodyId"].to_numpy(dtype="int64")))
    source = neurons["roiInfoSource"].reindex(bodies.intersection(neurons.index))
    source = source[source != ROI_INFO_FROM_SOURCE]
    both = source.index[source == ROI_INFO_FROM_CONNECTIONS]
    only = source.index.difference(both)
    derived = roi_counts[roi_counts["bodyId"].isin(source.index)]
    merged = max_roi_counts([derived[derived["bodyId"].isin(both)],
                             connection_counts[connection_counts["bodyId"].isin(both)]])
    # two disjoint sets of bodies: their rows side by side (roi_info_texts sorts)
    texts = roi_info_texts(pd.concat([merged, derived[derived["bodyId"].isin(only)]],
                                     ignore_index=True))
    neurons.loc[texts.index, "roiInfo"] = texts
    neurons.loc[both, "roiInfoSource"] = ROI_INFO_FROM_BOTH
    neurons.loc[only, "roiInfoSource"] = ROI_INFO_FROM_SYNAPSES
    return neurons
