"""The synapse stage of a load: derive (before writing) and write (under staging labels).

:func:`prepare_synapses` runs before anything is written and only computes;
:func:`write_synapse_graph` writes ``:Synapse``, ``SynapsesTo``, ``:SynapseSet``
and their ``Contains``/``ConnectsTo`` links in batched ``UNWIND`` transactions
through :class:`~connectograph.loading.writer.DatasetWriter`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

from .synapse_model import (body_counts, connections_from_synapses, primary_rois,
                            synapse_rois, synapse_sets)
from .tables import SourceTables
from .writer import DatasetWriter


@dataclass
class SynapseData:
    """Everything the write needs, derived from the canonical synapse tables."""

    points: pd.DataFrame
    pairs: pd.DataFrame
    rois: np.ndarray                   # per point: tuple of ROI names
    connection_rows: pd.DataFrame      # per-ROI rows counted at the PSD
    totals: pd.DataFrame               # per body: pre, post, upstream, downstream
    roi_info: dict                     # per body: {roi: counts}
    sets: pd.DataFrame                 # per connected body pair: pre_ids, post_ids
    stats: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def prepare_synapses(tables: SourceTables) -> SynapseData:
    """ROIs of every synapse (source ROI or meshes, plus ancestors), connection
    rows, per-body counts and SynapseSets. Nothing is written."""
    points = tables.synapse_points
    pairs = tables.synapse_pairs
    rois, stats = synapse_rois(points, tables.roi_info, tables.roi_hierarchy, tables.meshes)
    primary = {k for k, v in tables.roi_info.items() if v.get("isPrimary")}
    proi, several = primary_rois(rois, primary)
    warnings = []
    if several:
        warnings.append(f"{several:,} synapses lie in more than one primary ROI mesh; each is "
                        "counted in the first by name")
    if stats["without_roi"]:
        if tables.meshes is not None:
            warnings.append(
                f"{stats['without_roi']:,} synapses had no ROI in their source: "
                f"{stats['from_meshes']:,} were placed by ROI meshes, "
                f"{stats['outside_meshes']:,} fell outside every mesh (NotPrimary)")
        else:
            warnings.append(f"{stats['without_roi']:,} synapses have no ROI and the recipe "
                            "names no ROI meshes ([rois] meshes); they count as NotPrimary")
    totals, roi_info = body_counts(points, pairs, rois)
    return SynapseData(points=points, pairs=pairs, rois=rois,
                       connection_rows=connections_from_synapses(points, pairs, proi),
                       totals=totals, roi_info=roi_info,
                       sets=synapse_sets(points, pairs) if len(pairs) else pd.DataFrame(),
                       stats=stats, warnings=warnings)


def _synapse_batches(data: SynapseData, size: int) -> Iterator[list[dict]]:
    p = data.points
    ids, bodies, kinds = p["id"].to_numpy(), p["bodyId"].to_numpy(), p["type"].to_numpy()
    x, y, z = (p[c].to_numpy(dtype="float64") for c in ("x", "y", "z"))
    conf = p["confidence"].to_numpy(dtype="float64")
    for start in range(0, len(p), size):
        batch = []
        for i in range(start, min(start + size, len(p))):
            props = {"synapseId": int(ids[i]), "bodyId": int(bodies[i]), "type": str(kinds[i])}
            if not math.isnan(conf[i]):
                props["confidence"] = float(conf[i])
            for roi in data.rois[i]:
                props[roi] = True
            batch.append({"props": props, "x": float(x[i]), "y": float(y[i]), "z": float(z[i])})
        yield batch


def _pair_batches(pairs: pd.DataFrame, eids: dict[int, str], size: int) -> Iterator[list[dict]]:
    pre, post = pairs["pre_id"].to_numpy(), pairs["post_id"].to_numpy()
    for start in range(0, len(pairs), size):
        yield [{"pre": eids[int(a)], "post": eids[int(b)]}
               for a, b in zip(pre[start:start + size], post[start:start + size])]


def write_synapse_graph(writer: DatasetWriter, data: SynapseData,
                        body_ids: dict[int, str]) -> dict[str, int]:
    """Write synapses, SynapsesTo, SynapseSets and their links; return counts."""
    if data.points.empty:
        return {}
    eids = writer.write_synapses(_synapse_batches(data, writer.batch_size), len(data.points))
    writer.write_synapses_to(_pair_batches(data.pairs, eids, writer.batch_size),
                             len(data.pairs))
    set_rows, links = [], []
    for a, b, pre_ids, post_ids in data.sets.itertuples(index=False, name=None):
        a, b = int(a), int(b)
        set_rows.append({"key": f"pre:{a}:{b}", "body": body_ids[a],
                         "props": {"bodyId": a, "partnerId": b, "type": "pre"},
                         "members": [eids[i] for i in pre_ids]})
        set_rows.append({"key": f"post:{a}:{b}", "body": body_ids[b],
                         "props": {"bodyId": b, "partnerId": a, "type": "post"},
                         "members": [eids[i] for i in post_ids]})
        links.append((f"pre:{a}:{b}", f"post:{a}:{b}"))
    set_ids = writer.write_synapse_sets(set_rows) if set_rows else {}
    writer.link_synapse_sets([{"pre": set_ids[p], "post": set_ids[q]} for p, q in links])
    return {"Synapse nodes": len(data.points), "SynapsesTo relationships": len(data.pairs),
            "SynapseSet nodes": len(set_rows)}
