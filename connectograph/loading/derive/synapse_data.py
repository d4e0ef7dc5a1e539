"""The synapse stage of a load, derived before anything is written
(:func:`prepare_synapses`): each synapse's ROIs, per-body and per-connection
counts and SynapseSets, held by a :class:`SynapseData` until
:func:`~connectograph.loading.write.synapse_graph.write_synapse_graph` writes
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

from ..read.recipe_sources import SourceTables
from .synapse_counts import (body_counts, connection_roi_counts, connections_from_synapses,
                             pair_rows)
from .synapse_rois import primary_rois, roi_combinations, synapse_rois
from .synapse_sets import SynapseSets, synapse_sets


@dataclass
class SynapseData:
    """Everything the write needs, derived from the canonical synapse tables
    (of a whole dataset, or of one partition of it:
    :mod:`~connectograph.loading.derive.synapse_partitions`)."""

    points: pd.DataFrame
    pairs: pd.DataFrame
    rois: np.ndarray                   # per point: tuple of ROI names
    connection_rows: pd.DataFrame      # per-ROI rows counted at the PSD
    totals: pd.DataFrame               # per body: pre, post, upstream, downstream
    roi_counts: pd.DataFrame           # per (body, ROI): counts (.body_roi_counts)
    sets: SynapseSets                  # per connected body pair, its synapse pairs
    #: per connection and ROI, neuPrint's roiInfo counts (pre, post); None once used
    connection_roi_counts: pd.DataFrame | None = None
    #: without_roi, from_meshes, outside_meshes (see
    #: :func:`~.synapse_rois.synapse_rois`), and several_primary (points in
    #: more than one primary ROI mesh)
    stats: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    @property
    def n_sets(self) -> int:
        """Connections with synapses (each has two SynapseSets)."""
        return len(self.sets)

    def member_count(self) -> int:
        """SynapseSet → Synapse ``Contains`` links."""
        return self.sets.member_count()

    def partitions(self) -> Iterator["SynapseData"]:
        """The parts to write one after another: here the whole."""
        yield self

    def close(self) -> None:
        """Nothing to release (the tables are in memory)."""


def synapse_warnings(stats: dict[str, int], has_meshes: bool) -> list[str]:
    """The load-summary warnings of the synapse stage, from its ``stats``."""
    warnings = []
    if stats["several_primary"]:
        warnings.append(f"{stats['several_primary']:,} synapses lie in more than one primary "
                        "ROI mesh; each is counted in the first by name")
    if stats["without_roi"]:
        if has_meshes:
            warnings.append(
                f"{stats['without_roi']:,} synapses had no ROI in their source: "
                f"{stats['from_meshes']:,} were placed by ROI meshes, "
                f"{stats['outside_meshes']:,} fell outside every mesh (NotPrimary)")
        else:
            warnings.append(f"{stats['without_roi']:,} synapses have no ROI and the recipe "
                            "names no ROI meshes ([rois] meshes); they count as NotPrimary")
    return warnings


def prepare_synapses(tables: SourceTables) -> SynapseData:
    """ROIs of every synapse (source ROI or meshes, plus ancestors), connection
    rows, per-body counts and SynapseSets of the whole synapse tables.
    Nothing is written."""
    return derive_synapses(tables.synapse_points, tables.synapse_pairs, tables)


def derive_synapses(points: pd.DataFrame, pairs: pd.DataFrame,
                    tables: SourceTables) -> SynapseData:
    """:func:`prepare_synapses` on the given canonical points and pairs (every
    pair's T-bar and PSD among ``points``), with the ROI definitions,
    hierarchy and meshes of ``tables``."""
    rois, stats = synapse_rois(points, tables.roi_info, tables.roi_hierarchy, tables.meshes)
    primary = {k for k, v in tables.roi_info.items() if v.get("isPrimary")}
    # Each point's index into the distinct ROI sets, found once for every count below.
    combinations = roi_combinations(rois)
    proi, stats["several_primary"] = primary_rois(rois, primary, combinations=combinations)
    # Each pair's T-bar and PSD rows, found once for all the counts below.
    rows = pair_rows(points, pairs) if len(pairs) else None
    totals, roi_counts = body_counts(points, pairs, rois, rows=rows, combinations=combinations)
    connection_rows = connections_from_synapses(points, pairs, proi, rows=rows)
    del proi
    connection_counts = connection_roi_counts(points, pairs, rois, rows=rows,
                                              combinations=combinations)
    del combinations
    no_pairs = np.zeros(0, dtype=np.int64)
    sets = synapse_sets(points, pairs, rows=rows if rows is not None else (no_pairs, no_pairs))
    return SynapseData(points=points, pairs=pairs, rois=rois, connection_rows=connection_rows,
                       connection_roi_counts=connection_counts, totals=totals,
                       roi_counts=roi_counts, sets=sets, stats=stats,
                       warnings=synapse_warnings(stats, tables.meshes is not None))
