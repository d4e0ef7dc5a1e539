"""A short HTML summary of a dataset for notebooks (``Client._repr_html_``),
built from its Meta properties alone: what it holds, how much, and what it
lacks. No query here: the caller passes the Meta and which labels exist."""

from __future__ import annotations

import html
import json
from typing import Callable

#: Neuron properties that hold a predicted transmitter.
TRANSMITTER_PROPERTIES = ("predictedNt", "consensusNt", "celltypePredictedNt")


def _parsed(meta: dict, key: str):
    value = meta.get(key)
    return json.loads(value) if isinstance(value, str) else value


def summary_rows(meta: dict, has_label: Callable[[str], bool]) -> list[tuple[str, str]]:
    """(field, value) rows describing a dataset.

    Parameters
    ----------
    meta : dict
        The dataset's ``:Meta`` properties as stored (JSON strings allowed).
    has_label : callable
        ``has_label("Synapse")``: whether the dataset has a node of that
        generic label.

    Returns
    -------
    list of (str, str)
        Counts (neurons, segments, synapses), ROIs, voxel size, and each of
        synapse points, skeletons, gap junctions and transmitter predictions
        as "yes" or "no".
    """
    def count(key):
        value = meta.get(key)
        return f"{int(value):,}" if isinstance(value, (int, float)) else "unknown"

    roi_info = _parsed(meta, "roiInfo") or {}
    primary = sorted(meta.get("primaryRois") or [])
    size, units = meta.get("voxelSize"), meta.get("voxelUnits")
    properties = _parsed(meta, "neuronProperties") or {}
    transmitters = [p for p in TRANSMITTER_PROPERTIES if p in properties]
    shown = ", ".join(primary[:8]) + (" ..." if len(primary) > 8 else "")
    return [
        ("neurons", count("neuronCount")),
        ("segments", count("segmentCount")),
        ("T-bars / PSDs", f"{count('totalPreCount')} / {count('totalPostCount')}"),
        ("ROIs", f"{len(roi_info)} ({len(primary)} primary{': ' + shown if primary else ''})"),
        ("voxel size", _voxel_size(size, units, has_label)),
        ("synapse points", "yes" if has_label("Synapse") else "no (connection weights only)"),
        ("skeletons", "yes" if has_label("Skeleton") else "no"),
        ("gap junctions", {True: "yes", False: "no"}.get(meta.get("hasGapJunctions"),
                                                          "unknown")),
        ("transmitter predictions", ", ".join(transmitters) if transmitters else "no"),
    ]


def _voxel_size(size, units, has_label: Callable[[str], bool]) -> str:
    """``8 nanometers``, ``4 x 4 x 40 nanometers``; none where the dataset has no
    coordinates at all (no synapse points, no skeletons), whatever its Meta says."""
    if not (has_label("Synapse") or has_label("Skeleton")):
        return "none (no coordinates)"
    if not size or not units:
        return "unknown"
    sides = [float(v) for v in (size if isinstance(size, list) else [size])]
    shown = f"{sides[0]:g}" if len(set(sides)) == 1 else " x ".join(f"{v:g}" for v in sides)
    return f"{shown} {units}"


def summary_html(dataset: str, uri: str, meta: dict, has_label: Callable[[str], bool]) -> str:
    """A small HTML table of :func:`summary_rows` under the dataset's name."""
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                   f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                   for k, v in summary_rows(meta, has_label))
    return (f"<div><b>connectograph Client</b>: dataset <code>{html.escape(dataset)}</code> "
            f"on <code>{html.escape(uri)}</code><table>{rows}</table></div>")
