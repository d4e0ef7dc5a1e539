"""The synapse graph written under staging labels: ``:Synapse``,
``SynapsesTo``, ``:SynapseSet`` and their ``Contains``/``ConnectsTo`` links, in
batched ``UNWIND`` transactions through
:class:`~connectograph.loading.write.dataset_writer.DatasetWriter`: one pass over
whole connections, each batch creating its synapses and linking them in the
same statement (see ``create_synapse_graph`` in ``cypher/load_synapses.cypher``).

The batches are built from the synapse stage's
:class:`~connectograph.loading.derive.synapse_data.SynapseData`, one part after
another (:meth:`~connectograph.loading.derive.synapse_data.SynapseData.partitions`:
the whole, or each partition derived again).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ...grouped import group_lists, run_starts
from ..derive.synapse_data import SynapseData
from ..derive.synapse_sets import SynapseSets
from ..read.synapse_tables import PROPERTY_PREFIX, property_columns
from .dataset_writer import DatasetWriter

__all__ = ["write_synapse_graph"]


class _PointColumns:
    """The points table as arrays, converted once; each batch takes its rows
    as ``create_synapse_graph``'s synapse columns (see ``cypher/load_synapses.cypher``)."""

    def __init__(self, data: SynapseData):
        p = data.points
        self.ids, self.bodies = p["id"].to_numpy(), p["bodyId"].to_numpy()
        self.kinds = p["type"].array
        self.xyz = [p[c].to_numpy(dtype="float64") for c in ("x", "y", "z")]
        self.conf = p["confidence"].to_numpy(dtype="float64")
        self.rois = data.rois
        # a recipe's synapse properties (e.g. ntGabaProb on T-bars), NaN where unset
        self.props = {c[len(PROPERTY_PREFIX):]: p[c].to_numpy(dtype="float64")
                      for c in property_columns(p)}

    def take(self, rows: np.ndarray | slice) -> dict:
        combos: dict[tuple, int] = {}
        roi = [combos.setdefault(r, len(combos)) for r in self.rois[rows]]
        x, y, z = (a[rows].tolist() for a in self.xyz)
        props = []
        if self.props:
            columns = [(name, values[rows].tolist()) for name, values in self.props.items()]
            props = [{name: v[i] for name, v in columns if v[i] == v[i]} for i in range(len(x))]
        # None for a missing confidence, converted per batch (not for every point at once).
        return {"id": self.ids[rows].tolist(), "body": self.bodies[rows].tolist(),
                "type": np.asarray(self.kinds[rows], dtype=object).tolist(),
                "conf": [None if c != c else c for c in self.conf[rows].tolist()],
                "x": x, "y": y, "z": z, "roi": roi, "props": props,
                "rois": [{name: True for name in combo} for combo in combos]}


def _synapse_batches(data: SynapseData, size: int, rows: np.ndarray | None = None
                     ) -> Iterator[dict]:
    """The synapse columns of ``create_synapse_graph`` for the points at
    ``rows`` (default: every point), ``size`` points per batch."""
    columns = _PointColumns(data)
    n = len(data.points) if rows is None else len(rows)
    for start in range(0, n, size):
        part = slice(start, min(start + size, n))
        yield columns.take(part if rows is None else rows[part])


def _batch_starts(sets: SynapseSets, size: int) -> np.ndarray:
    """Connection numbers where batches start, plus the number of connections.

    Batches hold whole connections and, where they fit, whole upstream
    bodies: a batch closes before the next upstream body if that body would
    take it over ``size`` pairs, and a body with more than ``size`` pairs is
    cut between its connections (a single connection may exceed ``size``).
    Since one T-bar's pairs all belong to one upstream body, a batch then
    rarely looks up synapses of the batch just before it, so that
    :meth:`~connectograph.loading.write.dataset_writer.DatasetWriter.write_synapse_graph`
    can run neighbouring batches at the same time."""
    bounds = sets.bounds
    n = len(bounds) - 1
    bodies = np.r_[run_starts(sets.body_pre), n].tolist()
    cuts = [0]
    for b0, b1 in zip(bodies[:-1], bodies[1:]):
        if bounds[b1] - bounds[cuts[-1]] > size and cuts[-1] < b0:
            cuts.append(b0)
        while bounds[b1] - bounds[cuts[-1]] > size:
            # the body alone overflows: the most connections that fit, at least one
            c = max(int(np.searchsorted(bounds, bounds[cuts[-1]] + size, side="right")) - 1,
                    cuts[-1] + 1)
            if c >= b1:
                break
            cuts.append(c)
    return np.unique(np.r_[cuts, n])


def _first_batches(data: SynapseData, starts: np.ndarray) -> np.ndarray:
    """Per point, the first batch whose pairs use it (``len(starts) - 1``
    for points in no pair; ``starts``: :func:`_batch_starts`)."""
    sets = data.sets
    n_batches = len(starts) - 1
    pair_starts = sets.bounds[starts]
    batch_of_pair = np.repeat(np.arange(n_batches, dtype=np.int32), np.diff(pair_starts))
    first = np.full(len(data.points), n_batches, dtype=np.int32)
    np.minimum.at(first, sets.pre_rows, batch_of_pair)
    np.minimum.at(first, sets.post_rows, batch_of_pair)
    return first


def _graph_batches(data: SynapseData, body_ids: dict[int, str],
                   size: int) -> Iterator[tuple[dict, int]]:
    """Parameters of ``create_synapse_graph``: consecutive whole connections,
    about ``size`` synapse pairs per batch, each with the index of the last
    earlier batch that created one of its ``old`` synapses (-1 if none; it
    must commit first).

    Each synapse is created by the first batch that uses it (``id`` and the
    other point columns) and found by synapseId in later ones (``old``). A
    batch's pairs (``pre``, ``post``) and set members refer to its synapses
    by position in ``id + old``, so linking them needs no lookup."""
    sets = data.sets
    starts = _batch_starts(sets, size)
    first = _first_batches(data, starts)
    columns = _PointColumns(data)
    for k in range(len(starts) - 1):
        c0, c1 = int(starts[k]), int(starts[k + 1])
        p0, p1 = int(sets.bounds[c0]), int(sets.bounds[c1])
        pre, post = sets.pre_rows[p0:p1], sets.post_rows[p0:p1]
        used = np.unique(np.concatenate([pre, post]))
        new = first[used] == k
        n_new = int(new.sum())
        position = np.empty(len(used), dtype=np.int64)
        position[new] = np.arange(n_new)
        position[~new] = n_new + np.arange(len(used) - n_new)

        def positions(rows: np.ndarray) -> np.ndarray:
            return position[np.searchsorted(used, rows)]

        tbar_conn, tbar_rows, psd_conn, psd_rows = sets.members(c0, c1)
        tbars = group_lists(positions(tbar_rows), tbar_conn, c1 - c0)
        psds = group_lists(positions(psd_rows), psd_conn, c1 - c0)
        set_rows = [{"preBody": body_ids[a], "postBody": body_ids[b],
                     "preProps": {"bodyId": a, "partnerId": b, "type": "pre"},
                     "postProps": {"bodyId": b, "partnerId": a, "type": "post"},
                     "pre": tbars[i], "post": psds[i]}
                    for i, (a, b) in enumerate(zip(sets.body_pre[c0:c1].tolist(),
                                                   sets.body_post[c0:c1].tolist()))]
        old = used[~new]
        yield ({**columns.take(used[new]), "old": columns.ids[old].tolist(),
                "pre": positions(pre).tolist(), "post": positions(post).tolist(),
                "sets": set_rows}, int(first[old].max()) if len(old) else -1)


def _write_batches(data: SynapseData, body_ids: dict[int, str],
                   size: int) -> Iterator[tuple[dict, int]]:
    """Parameters of ``create_synapse_graph`` for every part of ``data`` in
    turn (:meth:`SynapseData.partitions`): its whole connections
    (:func:`_graph_batches`), then its points that are in no pair, as batches
    that link nothing. Batch numbers (``after``) count over all parts; a part
    never looks up a synapse of another, since each synapse belongs to one part."""
    offset = 0
    for part in data.partitions():
        n = 0
        if not part.sets.empty:
            for batch, after in _graph_batches(part, body_ids, size):
                yield batch, (after + offset if after >= 0 else -1)
                n += 1
        paired = np.zeros(len(part.points), dtype=bool)
        paired[part.sets.pre_rows] = paired[part.sets.post_rows] = True
        for columns in _synapse_batches(part, size, np.flatnonzero(~paired)):
            yield {**columns, "old": [], "pre": [], "post": [], "sets": []}, -1
            n += 1
        offset += n
        del part  # before the next partition is derived


def write_synapse_graph(writer: DatasetWriter, data: SynapseData,
                        body_ids: dict[int, str]) -> None:
    """Write synapses, SynapsesTo, SynapseSets and their links.

    Whole connections go in one pass (:func:`_graph_batches`), one part of
    ``data`` after another (one part, or the partitions of
    :mod:`~connectograph.loading.derive.synapse_partitions`); a synapse that an
    earlier batch created is found through an index on the staging label's
    synapseId. Each part's points in no pair follow its connections. Memory
    is bounded by the batch and the part, not by the number of synapses."""
    if not data.n_points:
        return
    writer.create_staging_schema()
    writer.write_synapse_graph(_write_batches(data, body_ids, writer.batch_size), data.n_pairs)
