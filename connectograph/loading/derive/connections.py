"""The ``ConnectsTo`` rows of a load: per-ROI tables merged with the synapse
counts by precedence, for the whole dataset at once or one partition of
upstream bodies at a time (pure pandas, no database).

Definitions (neuPrint's, as documented in docs/data-model.md):

- ``ConnectsTo.weight`` = number of PSDs of the downstream body contacted by the
  upstream body's T-bars. From per-ROI tables it is the sum of the pair's
  per-ROI weights, ``NotPrimary`` included (neuprint-python's ``roi_conn_df``
  partitions a connection's weight over primary ROIs plus ``NotPrimary``).
- ``ConnectsTo.roiInfo`` = ``{roi: {"post": n}}``: per ROI, the PSDs of the
  connection lying in it (neuPrint counts a connection where its post site lies).
  ``NotPrimary`` is not an ROI and is not stored; ``weight - sum(post)`` restores it.
- Precedence: neuron-level per-ROI tables win for ``ConnectsTo`` per (pair, ROI);
  synapse-derived counts fill the (pair, ROI) cells the tables lack
  (:func:`merge_connections`).

Everything a connection's row needs (its per-ROI table rows, its synapse-derived
per-ROI weights and neuPrint roiInfo counts) belongs to its upstream (pre) body,
so the merge runs per partition of upstream bodies with the same result. The
partitioned rows go to a Parquet file in the load's spill folder and are read
back a batch at a time when written, so they are never all in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ...grouped import frame_slices, run_starts
from ..conflicts import Conflict, connection_keys
from ..read.table_schemas import NOT_PRIMARY
from .accumulator import Accumulator
from .body_roi_counts import empty_roi_counts, roi_counts_frame, sum_roi_counts

_SCHEMA = pa.schema([("bodyId_pre", pa.int64()), ("bodyId_post", pa.int64()),
                     ("weight", pa.int64()), ("roiInfo", pa.string())])


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
        (:func:`connection_roi_entries`). Default: the
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
    the loaded per-ROI connections, as a ROI-count frame (:mod:`.body_roi_counts`;
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


def merge_connections(tables: pd.DataFrame, synapse_rows: pd.DataFrame,
                      conflicts: list[Conflict]) -> tuple[pd.DataFrame, int]:
    """Per-ROI tables win per (pre, post, roi); synapse rows fill the cells they lack.

    Every (pair, ROI) on which both have a weight and differ is recorded in
    ``conflicts`` (kept: the table's weight).

    Returns
    -------
    merged : DataFrame
        ``bodyId_pre, bodyId_post, roi, weight`` (+ ``_file``).
    filled_in_table_pairs : int
        Synapse-derived (pair, ROI) cells added to pairs the tables also list
        (e.g. ROIs a table was not fetched for).
    """
    key = ["bodyId_pre", "bodyId_post", "roi"]
    if synapse_rows.empty:
        return tables, 0
    both = tables.merge(synapse_rows, on=key, suffixes=("", "_syn"))
    differ = both[both["weight"] != both["weight_syn"]]
    for (kept_file, file), grp in differ.groupby(["_file", "_file_syn"], sort=True):
        conflicts.append(Conflict.of(
            "roi_connections", "weight", kept_file, file, connection_keys(grp),
            grp["weight"].astype(int), grp["weight_syn"].astype(int)))
    have = pd.MultiIndex.from_frame(tables[key])
    new = synapse_rows[~pd.MultiIndex.from_frame(synapse_rows[key]).isin(have)]
    table_pairs = pd.MultiIndex.from_frame(tables[["bodyId_pre", "bodyId_post"]])
    filled = int(pd.MultiIndex.from_frame(new[["bodyId_pre", "bodyId_post"]])
                 .isin(table_pairs).sum())
    merged = pd.concat([tables, new[tables.columns.intersection(new.columns)]],
                       ignore_index=True)
    return merged.astype({"bodyId_pre": "int64", "bodyId_post": "int64",
                          "weight": "int64"}), filled


def connection_roi_entries(tables: pd.DataFrame, synapse_counts: pd.DataFrame) -> pd.DataFrame:
    """The (connection, ROI) entries of ``ConnectsTo.roiInfo``, by the precedence
    of :func:`merge_connections`.

    A per-ROI table's cell gives ``post`` only (its weight: the tables hold no
    T-bar counts) and replaces the synapse-derived entry of the same
    (connection, ROI); synapse-derived entries (:func:`~.synapse_counts.connection_roi_counts`,
    ``pre`` and ``post``) fill every other ROI of the connection, non-primary
    ROIs included. ``NotPrimary`` is not a ROI and gives no entry.

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str), ``pre`` (Int64,
        NA for table cells), ``post`` (int64).
    """
    key = ["bodyId_pre", "bodyId_post", "roi"]
    cells = tables.loc[tables["roi"] != NOT_PRIMARY, key + ["weight"]] \
        .rename(columns={"weight": "post"})
    cells.insert(3, "pre", pd.array([pd.NA] * len(cells), dtype="Int64"))
    if synapse_counts.empty:
        return cells.reset_index(drop=True)
    taken = pd.MultiIndex.from_frame(synapse_counts[key]).isin(
        pd.MultiIndex.from_frame(cells[key]))
    rest = synapse_counts.loc[~taken, key + ["pre", "post"]].astype({"pre": "Int64"})
    return pd.concat([cells, rest], ignore_index=True).astype(
        {"bodyId_pre": "int64", "bodyId_post": "int64", "post": "int64"})


@dataclass
class ConnectionStage:
    """The ``ConnectsTo`` rows and what the body stage needs from the merged
    per-ROI connections.

    Attributes
    ----------
    connections : DataFrame or SpilledConnections
        ``bodyId_pre, bodyId_post, weight, roiInfo`` (see
        :func:`connections_from_roi_weights`), one row per connection.
    roi_connection_rows : int
        Per-ROI connection rows after merging.
    filled : int
        Synapse-derived (connection, ROI) cells added to connections the tables
        list in other ROIs.
    connected : Index
        Every body at either end of a connection.
    derived_roi_counts : DataFrame
        :func:`roi_info_from_connections` of the merged rows (a
        ROI-count frame, :mod:`.body_roi_counts`).
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
    counts fill the rest (:func:`merge_connections`)."""
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
