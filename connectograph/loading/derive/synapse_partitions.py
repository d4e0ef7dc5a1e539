"""The synapse stage one partition at a time, so the loader's memory follows the
partition size instead of the number of synapses.

A partition holds every synapse point and pair of a group of *upstream* bodies
(:mod:`~connectograph.loading.read.synapse_spill` builds them): the T-bars of those
bodies, every PSD their T-bars contact, their pairs, and the other points of
those bodies that are in no pair. Every point is in exactly one partition and
every pair's two sites are in the pair's partition. That is what lets the
whole-table derivations (:func:`~.synapse_data.derive_synapses`) run on each
partition alone and give the dataset's results once combined:

- per body, ``pre`` counts its T-bars (all in its own partition), ``post`` its
  PSDs (each in one partition), ``downstream`` the pairs leaving its T-bars (all
  in its partition): each is a sum over partitions, per ROI as in total;
- a connection (pre body, post body), its per-ROI weight, its neuPrint roiInfo
  (distinct T-bars per ROI) and its SynapseSets lie in the pre body's partition;
- a synapse is created by the partition that holds it, so writing one
  partition never looks up a synapse of another.

What stays in memory for the whole dataset is per body (counts, roiInfo) and
per connection (the ``ConnectsTo`` rows), not per synapse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

import pandas as pd

from .accumulator import Accumulator
from .body_roi_counts import empty_roi_counts, sum_roi_counts
from .synapse_data import SynapseData, derive_synapses, synapse_warnings
from ..arrow_memory import release_arrow_memory
from ..progress import noop_progress
from ..read.recipe_sources import SourceTables
from ..read.synapse_tables import empty_pairs, empty_points


class SynapsePartitions(Protocol):
    """Canonical synapse tables split by upstream body (see module docstring),
    e.g. :class:`~connectograph.loading.read.synapse_spill.SpilledSynapses`."""

    n_points: int
    n_pairs: int
    n_partitions: int

    def partition(self, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Partition ``k``'s canonical (points, pairs)."""


@dataclass
class PartitionedSynapseData:
    """The synapse stage's results, derived one partition at a time.

    Offers what the engine and the Bolt writer read from
    :class:`~.synapse_data.SynapseData` (per-body ``totals`` and
    ``roi_counts``, ``connection_rows``, ``connection_roi_counts``, ``stats``,
    ``warnings``, the counts) without holding any synapse table: the
    partitions are derived again, one at a time, when written
    (:meth:`partitions`).
    """

    source: SynapsePartitions
    tables: SourceTables
    totals: pd.DataFrame
    roi_counts: pd.DataFrame
    connection_rows: pd.DataFrame | None
    connection_roi_counts: pd.DataFrame | None
    n_points: int
    n_pairs: int
    n_sets: int
    members: int
    stats: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def member_count(self) -> int:
        """SynapseSet → Synapse ``Contains`` links."""
        return self.members

    def close(self) -> None:
        """Close the partitions' source (removing its files, if it has any)."""
        close = getattr(self.source, "close", None)
        if close is not None:
            close()

    def partitions(self) -> Iterator[SynapseData]:
        """Each partition's :class:`~.synapse_data.SynapseData`, derived
        again from the source (only one is held at a time)."""
        return _derived(self.source, self.tables)


def _derived(source: SynapsePartitions, tables: SourceTables) -> Iterator[SynapseData]:
    """:func:`~.synapse_data.derive_synapses` of each partition in turn (of
    empty tables when there is none, for the result's columns)."""
    if not source.n_partitions:
        yield derive_synapses(empty_points(), empty_pairs(), tables)
    for k in range(source.n_partitions):
        if k:
            # the previous partition is gone (callers drop it before asking
            # for the next): hand the C heap's freed pages back to the system
            release_arrow_memory()
        yield derive_synapses(*source.partition(k), tables)


#: Per-body totals of no synapses (the columns of :func:`~.synapse_counts.body_counts`).
_EMPTY_TOTALS = pd.DataFrame({c: pd.Series(dtype="int64")
                              for c in ("pre", "post", "downstream", "upstream")},
                             index=pd.Index([], dtype="int64", name="bodyId"))


def _sum_totals(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-body totals of disjoint parts of the synapses, added up."""
    out = pd.concat(parts).groupby(level=0, sort=True).sum().astype("int64")
    out.index.name = "bodyId"
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of ``frames``; the empty ones (partitions without pairs, whose
    text columns have no inferred dtype) only when all are empty."""
    return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)


def prepare_synapses_partitioned(source: SynapsePartitions, tables: SourceTables,
                                 progress: Callable | None = None,
                                 connections=None) -> PartitionedSynapseData:
    """The synapse stage of :func:`~.synapse_data.prepare_synapses`, one
    partition of ``source`` at a time; the same results once combined.

    Parameters
    ----------
    source : SynapsePartitions
        The canonical synapse tables split by upstream body.
    tables : SourceTables
        The ROI definitions, hierarchy and meshes (its synapse tables are not used).
    progress : callable, optional
        Progress-bar factory ``(total, desc)``; the bar counts partitions.
    connections : PartitionedConnections, optional
        Receives each partition's per-ROI connection rows and roiInfo counts
        (:meth:`~.connections.PartitionedConnections.add`), which are then
        not kept: the result's ``connection_rows`` and
        ``connection_roi_counts`` are None.

    Returns
    -------
    PartitionedSynapseData
        ``totals`` (index ``bodyId``, int64 ``pre, post, upstream,
        downstream``, sorted by bodyId), the per-(body, ROI) ``roi_counts``,
        the per-ROI ``connection_rows`` and ``connection_roi_counts`` of every partition
        (each connection in one partition), ``stats`` summed, and the warnings
        the whole-table stage gives.
    """
    progress = progress or noop_progress
    connection_rows, connection_counts = [], []
    totals = Accumulator(_sum_totals, _EMPTY_TOTALS)
    body_roi_counts = Accumulator(sum_roi_counts, empty_roi_counts())
    stats: dict[str, int] = {}
    n_sets = members = 0
    bar = progress(source.n_partitions, "synapse partitions")
    try:
        for k, part in enumerate(_derived(source, tables)):
            totals.add(part.totals)
            body_roi_counts.add(part.roi_counts)
            if connections is not None:
                connections.add(k, part.connection_rows, part.connection_roi_counts)
            else:
                connection_rows.append(part.connection_rows)
                connection_counts.append(part.connection_roi_counts)
            for key, n in part.stats.items():
                stats[key] = stats.get(key, 0) + n
            n_sets += part.n_sets
            members += part.member_count()
            del part
            bar.update(1)
    finally:
        bar.close()
    rows = _concat(connection_rows) if connection_rows else None
    counts = _concat(connection_counts) if connection_counts else None
    return PartitionedSynapseData(
        source=source, tables=tables, totals=totals.result(),
        roi_counts=body_roi_counts.result(), connection_rows=rows,
        connection_roi_counts=counts, n_points=source.n_points, n_pairs=source.n_pairs,
        n_sets=n_sets, members=members, stats=stats,
        warnings=synapse_warnings(stats, tables.meshes is not None))
