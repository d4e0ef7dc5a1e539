"""The ``ConnectsTo`` rows of a load: per-ROI tables merged with the synapse
counts by precedence, for the whole dataset at once or one partition of
upstream bodies at a time.

Everything a connection's row needs (its per-ROI table rows, its synapse-derived
per-ROI weights and neuPrint roiInfo counts) belongs to its upstream (pre) body,
so the merge runs per partition of upstream bodies with the same result. The
partitioned rows go to a Parquet file in the load's spill folder and are read
back a batch at a time when written, so they are never all in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ...grouped import frame_slices
from .accumulator import Accumulator
from .bodies import connected_bodies, connections_from_roi_weights, roi_info_from_connections
from .body_roi_counts import empty_roi_counts, sum_roi_counts
from .synapse_counts import connection_roi_entries, merge_connections
from ..conflicts import Conflict

_SCHEMA = pa.schema([("bodyId_pre", pa.int64()), ("bodyId_post", pa.int64()),
                     ("weight", pa.int64()), ("roiInfo", pa.string())])


@dataclass
class ConnectionStage:
    """The ``ConnectsTo`` rows and what the body stage needs from the merged
    per-ROI connections.

    Attributes
    ----------
    connections : DataFrame or SpilledConnections
        ``bodyId_pre, bodyId_post, weight, roiInfo`` (see
        :func:`~.model.connections_from_roi_weights`), one row per connection.
    roi_connection_rows : int
        Per-ROI connection rows after merging.
    filled : int
        Synapse-derived (connection, ROI) cells added to connections the tables
        list in other ROIs.
    connected : Index
        Every body at either end of a connection.
    derived_roi_counts : DataFrame
        :func:`~.model.roi_info_from_connections` of the merged rows (a
        ROI-count frame, :mod:`.roi_counts`).
    """

    connections: "pd.DataFrame | SpilledConnections"
    roi_connection_rows: int
    filled: int
    connected: pd.Index
    derived_roi_counts: pd.DataFrame = field(default_factory=empty_roi_counts)


def _merge(table_rows: pd.DataFrame, synapse_rows: pd.DataFrame,
           synapse_roi_counts: pd.DataFrame, conflicts: list[Conflict]
           ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(ConnectsTo rows, merged per-ROI rows, filled cells) of one group of
    connections. Precedence: per-ROI tables win per (pair, ROI); synapse
    counts fill the rest (:func:`~.synapse_model.merge_connections`)."""
    roi_conns, filled = merge_connections(table_rows, synapse_rows, conflicts)
    connections = connections_from_roi_weights(
        roi_conns, connection_roi_entries(table_rows, synapse_roi_counts))
    return connections, roi_conns, filled


def merge_all(table_rows: pd.DataFrame, synapse_rows: pd.DataFrame,
              synapse_roi_counts: pd.DataFrame,
              conflicts: list[Conflict]) -> ConnectionStage:
    """The connection stage of a whole dataset in memory (conflicts appended
    to ``conflicts``)."""
    connections, roi_conns, filled = _merge(table_rows, synapse_rows, synapse_roi_counts,
                                            conflicts)
    return ConnectionStage(connections=connections, roi_connection_rows=len(roi_conns),
                           filled=filled, connected=connected_bodies(roi_conns),
                           derived_roi_counts=roi_info_from_connections(roi_conns))


def connection_frames(connections: "pd.DataFrame | SpilledConnections",
                      size: int) -> Iterator[pd.DataFrame]:
    """The ``ConnectsTo`` rows ``size`` at a time, whether held in memory or
    spilled (:class:`SpilledConnections`)."""
    if isinstance(connections, SpilledConnections):
        return connections.frames(size)
    return frame_slices(connections, size)


def _distinct_bodies(parts: list[pd.Index]) -> pd.Index:
    """The bodyIds of ``parts``, each once (first occurrences in order)."""
    return parts[0].append(parts[1:]).unique()


class SpilledConnections:
    """``ConnectsTo`` rows in a Parquet file, one row group per partition."""

    def __init__(self, path: Path, rows: int):
        self.path = path
        self.rows = rows

    def __len__(self) -> int:
        return self.rows

    def frames(self, size: int) -> Iterator[pd.DataFrame]:
        """The rows, ``size`` at a time."""
        if not self.rows:
            return
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=size):
            frame = batch.to_pandas()
            del batch       # the frame is all that is held while it is used
            yield frame


class PartitionedConnections:
    """The connection stage one partition of upstream bodies at a time.

    Parameters
    ----------
    table_rows : DataFrame
        Every per-ROI table row (``bodyId_pre, bodyId_post, roi, weight, _file``).
    first_bodies : ndarray of int64
        The lowest upstream bodyId of each partition, ascending: a table row
        goes to the last partition whose first body is at most its
        ``bodyId_pre`` (rows below the first go to partition 0).
    path : Path
        The Parquet file for the ``ConnectsTo`` rows.
    """

    def __init__(self, table_rows: pd.DataFrame, first_bodies: np.ndarray, path: Path):
        pre = table_rows["bodyId_pre"].to_numpy(dtype="int64")
        self._order = np.argsort(pre, kind="stable")
        bounds = np.searchsorted(pre[self._order], np.asarray(first_bodies[1:], dtype="int64"))
        self._bounds = np.r_[0, bounds, len(pre)]
        self._table = table_rows
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(path, _SCHEMA)
        self._path = path
        self._conflicts: list[Conflict] = []
        self._rows = self._roi_rows = self._filled = 0
        self._connected = Accumulator(_distinct_bodies, pd.Index([], dtype="int64"))
        self._derived = Accumulator(sum_roi_counts, empty_roi_counts())

    def add(self, k: int, synapse_rows: pd.DataFrame,
            synapse_roi_counts: pd.DataFrame) -> None:
        """Merge partition ``k``'s table rows with its synapse-derived rows
        (partitions may come in any order, each once)."""
        k = min(k, len(self._bounds) - 2)
        take = self._order[self._bounds[k]:self._bounds[k + 1]]
        table_rows = self._table.iloc[np.sort(take)]
        connections, roi_conns, filled = _merge(table_rows, synapse_rows, synapse_roi_counts,
                                                self._conflicts)
        self._writer.write_table(pa.Table.from_pandas(
            connections[["bodyId_pre", "bodyId_post", "weight", "roiInfo"]], schema=_SCHEMA,
            preserve_index=False))
        self._rows += len(connections)
        self._roi_rows += len(roi_conns)
        self._filled += filled
        self._connected.add(connected_bodies(roi_conns))
        self._derived.add(roi_info_from_connections(roi_conns))

    def close(self) -> None:
        """Close the Parquet file (again: nothing; :meth:`finish` closes it)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def finish(self, conflicts: list[Conflict]) -> ConnectionStage:
        """Close the file and let go of the per-ROI table; append the
        conflicts (one entry per pair of files, as :func:`merge_all` gives) to
        ``conflicts``."""
        self.close()
        # every partition is merged: the per-ROI rows are no longer needed here
        self._table, self._order = self._table.iloc[:0], None
        # sorted by files, as merge_connections orders one call's conflicts
        conflicts += sorted(Conflict.merged(self._conflicts),
                            key=lambda c: (c.kept_from, c.overridden_from))
        return ConnectionStage(connections=SpilledConnections(self._path, self._rows),
                               roi_connection_rows=self._roi_rows, filled=self._filled,
                               connected=self._connected.result(),
                               derived_roi_counts=self._derived.result())
