"""fetch_cell_type_report: what neuPrintExplorer's cell-type page shows, as
DataFrames (instances, inputs and outputs per ROI, partner types, gap
junctions)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

from ..client import Client, resolve_client
from ..criteria import NeuronCriteria
from ..errors import DatasetLacksError, UnknownCellTypeError
from ._dataset import dataset_info
from .connections import fetch_simple_connections
from .neurons import fetch_neurons

#: Neuron properties holding a predicted transmitter, the first one a dataset
#: has is shown beside the partner types.
TRANSMITTER_PROPERTIES = ("predictedNt", "consensusNt", "celltypePredictedNt")


@dataclass
class CellTypeReport:
    """The pieces of a cell-type page (see :func:`fetch_cell_type_report`).

    Attributes
    ----------
    type : str
    dataset : str
        ``name:tag``.
    neurons : DataFrame
        ``fetch_neurons(NC(type=type))``'s neuron table.
    instances : DataFrame
        ``instance`` (str, ``"(none)"`` for cells without one), ``count``
        (int64): cells per instance, most first.
    rois : DataFrame
        ``roi`` (str), ``inputs`` (PSDs, int64), ``outputs`` (T-bars, int64),
        summed over the type's cells, primary ROIs only, most synapses first.
    upstream, downstream : DataFrame
        Partner types, strongest first: ``type``, ``cells`` (partner bodies),
        ``total_weight`` (synapses, int64), ``mean_weight`` (total per cell of
        *this* type, float64), ``connections`` (body pairs), and
        ``transmitter`` (the partners' most common prediction) where the
        dataset has one. Partners without a type are grouped as ``"(untyped)"``.
    gap_junctions : DataFrame or None
        Partner types by electrical synapses (same columns, weights are gap
        junctions), or None when the dataset has none.
    upstream_connections, downstream_connections : DataFrame
        The body-to-body connections behind the partner tables
        (:func:`~connectograph.fetch.fetch_simple_connections`' columns).
    transmitter_property : str or None
        The neuron property the transmitters come from.
    """

    type: str
    dataset: str
    neurons: pd.DataFrame
    instances: pd.DataFrame
    rois: pd.DataFrame
    upstream: pd.DataFrame
    downstream: pd.DataFrame
    gap_junctions: pd.DataFrame | None
    transmitter_property: str | None
    upstream_connections: pd.DataFrame
    downstream_connections: pd.DataFrame


def fetch_cell_type_report(type: str, *, top: int | None = 20,
                           client: Client | None = None) -> CellTypeReport:
    """What neuPrintExplorer's cell-type page shows for one cell type.

    Parameters
    ----------
    type : str
        The exact cell type (``type`` property), e.g. ``"MBON14"``.
    top : int or None, default 20
        Partner types kept in each partner table (None: all).
    client : Client, optional

    Returns
    -------
    CellTypeReport
        Instances with their counts, inputs and outputs per ROI, upstream and
        downstream partner types with total and mean weight per cell (and
        their transmitter where the dataset predicts one), gap-junction
        partners where the dataset has them.

    Raises
    ------
    UnknownCellTypeError
        No neuron has this type (the message lists the closest types).
    """
    client = resolve_client(client)
    info = dataset_info(client)
    nc = NeuronCriteria(type=type, regex=False)
    neurons, roi_counts = fetch_neurons(nc, client=client)
    if neurons.empty:
        raise UnknownCellTypeError(_unknown_type_message(client, type))
    transmitter = next((p for p in TRANSMITTER_PROPERTIES if p in info.neuron_properties), None)
    properties = ["type", "instance"] + ([transmitter] if transmitter else [])
    cells = len(neurons)
    upstream = fetch_simple_connections(None, nc, properties=properties, client=client)
    downstream = fetch_simple_connections(nc, None, properties=properties, client=client)
    try:
        gap = fetch_simple_connections(nc, None, properties=properties,
                                       synapse_type="electrical", client=client)
        gap_junctions = _partner_types(gap, "_post", cells, transmitter, top)
    except DatasetLacksError:
        gap_junctions = None
    instance = neurons["instance"] if "instance" in neurons.columns else \
        pd.Series(None, index=neurons.index, dtype=object)
    instances = (instance.fillna("(none)").value_counts()
                 .rename_axis("instance").reset_index(name="count"))
    return CellTypeReport(
        type=type, dataset=str(client.dataset), neurons=neurons, instances=instances,
        rois=_roi_totals(roi_counts, info.primary_rois),
        upstream=_partner_types(upstream, "_pre", cells, transmitter, top),
        downstream=_partner_types(downstream, "_post", cells, transmitter, top),
        gap_junctions=gap_junctions, transmitter_property=transmitter,
        upstream_connections=upstream, downstream_connections=downstream)


def _roi_totals(roi_counts: pd.DataFrame | None, primary_rois: list[str]) -> pd.DataFrame:
    """Inputs (``post``) and outputs (``pre``) per primary ROI (every ROI when
    the dataset names no primary ones), most synapses first; empty for a
    dataset without ROIs."""
    if roi_counts is None or roi_counts.empty or "roi" not in roi_counts.columns:
        return pd.DataFrame({"roi": pd.Series(dtype=object), "inputs": pd.Series(dtype="int64"),
                             "outputs": pd.Series(dtype="int64")})
    rois = roi_counts[roi_counts["roi"].isin(primary_rois)] if primary_rois else roi_counts
    rois = (rois.groupby("roi", as_index=False)[["post", "pre"]].sum()
            .rename(columns={"post": "inputs", "pre": "outputs"}))
    return (rois.assign(_total=rois["inputs"] + rois["outputs"])
            .sort_values(["_total", "roi"], ascending=[False, True])
            .drop(columns="_total").reset_index(drop=True))


def _partner_types(conn: pd.DataFrame, side: str, cells: int, transmitter: str | None,
                   top: int | None) -> pd.DataFrame:
    """Partner types (``type<side>``) of a connection table, strongest first."""
    columns = ["type", "cells", "total_weight", "mean_weight", "connections"]
    if transmitter:
        columns.append("transmitter")
    if conn.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame = conn.assign(partner_type=conn[f"type{side}"].fillna("(untyped)"),
                        partner=conn[f"bodyId{side}"])
    grouped = frame.groupby("partner_type")
    out = pd.DataFrame({"cells": grouped["partner"].nunique(),
                        "total_weight": grouped["weight"].sum().astype("int64"),
                        "connections": grouped.size()})
    out["mean_weight"] = out["total_weight"] / cells
    if transmitter:
        nt = frame.drop_duplicates("partner").groupby("partner_type")[f"{transmitter}{side}"]
        out["transmitter"] = nt.agg(lambda s: s.mode().iloc[0] if s.notna().any() else None)
    out = out.rename_axis("type").reset_index()
    out = out.sort_values(["total_weight", "type"], ascending=[False, True])
    return out[columns].head(top if top is not None else len(out)).reset_index(drop=True)


def _unknown_type_message(client: Client, type: str) -> str:
    label = client.dataset.label("Neuron")
    known = [r["t"] for r in client.read(
        f"MATCH (n:{label}) WHERE n.type IS NOT NULL RETURN DISTINCT n.type AS t")]
    close = difflib.get_close_matches(type, known, n=5, cutoff=0.5)
    hint = f"; closest types: {', '.join(close)}" if close else ""
    return (f"dataset {client.dataset} has no neuron of type {type!r}{hint} "
            "(types are matched exactly; fetch_neurons(NC(type='...')) takes regexes)")
