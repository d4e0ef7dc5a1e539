"""The synapse stage of a load: derive (before writing) and write (under staging labels).

:func:`prepare_synapses` runs before anything is written and only computes;
:func:`write_synapse_graph` writes ``:Synapse``, ``SynapsesTo``, ``:SynapseSet``
and their ``Contains``/``ConnectsTo`` links in batched ``UNWIND`` transactions
through :class:`~connectograph.loading.writer.DatasetWriter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

from .synapse_model import (body_counts, connections_from_synapses, pair_rows, primary_rois,
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
    # Each pair's T-bar and PSD rows, found once for all the counts below.
    rows = pair_rows(points, pairs) if len(pairs) else None
    totals, roi_info = body_counts(points, pairs, rois, rows=rows)
    connection_rows = connections_from_synapses(points, pairs, proi, rows=rows)
    del proi
    sets = synapse_sets(points, pairs, rows=rows) if len(pairs) else pd.DataFrame()
    return SynapseData(points=points, pairs=pairs, rois=rois, connection_rows=connection_rows,
                       totals=totals, roi_info=roi_info, sets=sets, stats=stats,
                       warnings=warnings)


def _synapse_batches(data: SynapseData, size: int) -> Iterator[dict]:
    """Parameters of ``create_synapses``: one batch of columns (see the .cypher file)."""
    p = data.points
    ids, bodies = p["id"].to_numpy(), p["bodyId"].to_numpy()
    kinds = p["type"].array
    xyz = [p[c].to_numpy(dtype="float64") for c in ("x", "y", "z")]
    conf = p["confidence"].to_numpy(dtype="float64")
    for start in range(0, len(p), size):
        stop = min(start + size, len(p))
        combos: dict[tuple, int] = {}
        roi = [combos.setdefault(r, len(combos)) for r in data.rois[start:stop]]
        # None for a missing confidence, converted per batch (not for every point at once).
        yield {"id": ids[start:stop].tolist(), "body": bodies[start:stop].tolist(),
               "type": np.asarray(kinds[start:stop], dtype=object).tolist(),
               "conf": [None if c != c else c for c in conf[start:stop].tolist()],
               "x": xyz[0][start:stop].tolist(), "y": xyz[1][start:stop].tolist(),
               "z": xyz[2][start:stop].tolist(), "roi": roi,
               "rois": [{name: True for name in combo} for combo in combos]}


def _pair_batches(pairs: pd.DataFrame, size: int) -> Iterator[dict]:
    pre, post = pairs["pre_id"].to_numpy(), pairs["post_id"].to_numpy()
    for start in range(0, len(pairs), size):
        yield {"pre": pre[start:start + size].tolist(), "post": post[start:start + size].tolist()}


def _set_batches(sets: pd.DataFrame, body_ids: dict[int, str], size: int) -> Iterator[list[dict]]:
    """Rows of ``create_synapse_sets``, about ``size`` member synapses per batch."""
    batch: list[dict] = []
    members = 0
    for a, b, pre_ids, post_ids in sets.itertuples(index=False, name=None):
        a, b = int(a), int(b)
        batch.append({"preBody": body_ids[a], "postBody": body_ids[b],
                      "preProps": {"bodyId": a, "partnerId": b, "type": "pre"},
                      "postProps": {"bodyId": b, "partnerId": a, "type": "post"},
                      "preIds": list(pre_ids), "postIds": list(post_ids)})
        members += len(pre_ids) + len(post_ids)
        if members >= size:
            yield batch
            batch, members = [], 0
    if batch:
        yield batch


def write_synapse_graph(writer: DatasetWriter, data: SynapseData,
                        body_ids: dict[int, str]) -> dict[str, int]:
    """Write synapses, SynapsesTo, SynapseSets and their links; return counts.

    Relationships find their synapses by ``synapseId`` through an index on the
    staging label, so memory is bounded by the batch, not by the number of
    synapses."""
    if data.points.empty:
        return {}
    writer.create_staging_schema()
    writer.write_synapses(_synapse_batches(data, writer.batch_size), len(data.points))
    writer.write_synapses_to(_pair_batches(data.pairs, writer.batch_size), len(data.pairs))
    writer.write_synapse_sets(_set_batches(data.sets, body_ids, writer.batch_size),
                              len(data.sets))
    return {"Synapse nodes": len(data.points), "SynapsesTo relationships": len(data.pairs),
            "SynapseSet nodes": 2 * len(data.sets)}
