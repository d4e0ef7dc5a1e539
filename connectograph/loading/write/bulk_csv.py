"""Write a prepared dataset as ``neo4j-admin database import full`` CSV files
(:func:`write_import_files`), in the import format of :mod:`.import_csv`.

The files describe exactly the graph that the Bolt loader writes (same labels,
properties with the same Neo4j types, relationships): see docs/loading.md,
*Bulk import*.

Node ID spaces (``--id-type=integer``): ``Body``, ``Synapse``, ``ROI``,
``SynapseSet`` and ``Skeleton``, each numbered by row (neo4j-admin's integer
IDs stop at 2**56, below minted 63-bit synapse ids); ``bodyId`` and
``synapseId`` are ordinary properties.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ...cypher_files import LabelSet
from ...errors import BulkImportError
from ...fetch.skeleton_storage import skeleton_properties
from ..arrow_memory import release_arrow_memory
from ..derive.bodies import body_property_slices
from ...vocabulary import COUNT_KEYS
from ..derive.connections import connection_frames
from ..read.synapse_tables import PROPERTY_PREFIX, property_columns
from .import_csv import (ARRAY_DELIMITER, POINT_3D, Column, CsvWriter, ImportFiles,
                         point_column, write_rows)

__all__ = ["BODY_ROWS_PER_FILE", "CONNECTION_ROWS_PER_FILE", "roi_flag_columns",
           "write_import_files"]

#: ConnectsTo rows per import file.
CONNECTION_ROWS_PER_FILE = 250_000
#: Bodies per import file (their property maps are built one file at a time).
BODY_ROWS_PER_FILE = 10_000


def _labels(labels: LabelSet, *generic: str) -> str:
    parts = []
    for g in generic:
        parts += [g, labels.raw(g)]
    for p in parts:
        if ARRAY_DELIMITER in p:
            raise BulkImportError(f"label {p!r} holds U+001F; load over Bolt instead")
    return ARRAY_DELIMITER.join(parts)


def _const(text: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype="int32")),
                                          pa.array([text])).cast(pa.string())


def write_import_files(prepared, folder: Path, echo=lambda s: None) -> ImportFiles:
    """Write the import files of a
    :class:`~connectograph.loading.derive.dataset.PreparedDataset`.

    The graph is the Bolt loader's (:func:`~connectograph.loading.write.bolt.write_prepared`)
    under the dataset's *published* labels, with ``Meta.loadComplete = false``.

    Parameters
    ----------
    prepared : PreparedDataset
    folder : Path
        Created if missing; receives ``<kind>-header.csv`` and ``<kind>.csv`` files.
    echo : callable
        Receives progress messages.

    Returns
    -------
    ImportFiles

    Raises
    ------
    BulkImportError
        A value CSV import cannot express (see module docstring).
    """
    p = prepared
    labels = LabelSet(str(p.dataset))
    w = CsvWriter(folder)

    # ROIs and their hierarchy
    roi_index = {row["name"]: i for i, row in enumerate(p.roi_rows)}
    if p.roi_rows:
        write_rows(w, "ROI", [_labels(labels, "ROI")] * len(p.roi_rows), p.roi_rows,
                   ("ROI", np.arange(len(p.roi_rows))), "name")
    if p.roi_parents:
        w.relationships("PartOf", ("ROI", [roi_index[c] for c, _ in p.roi_parents]),
                        ("ROI", [roi_index[q] for _, q in p.roi_parents]))

    # Bodies: the very property maps the Bolt loader sends, in files of
    # BODY_ROWS_PER_FILE; a body's import id is its row in p.neurons
    echo(f"  bodies ({len(p.neurons):,}) ...")
    seg, neu = _labels(labels, "Segment"), _labels(labels, "Segment", "Neuron")
    body_index = pd.Index(p.neurons["bodyId"].to_numpy(dtype="int64"))
    first = 0
    for props, flags in body_property_slices(p.neurons, p.neuron_flag, BODY_ROWS_PER_FILE):
        write_rows(w, "Segment", [neu if f else seg for f in flags], props,
                   ("Body", np.arange(first, first + len(props))), "bodyId")
        first += len(props)

    def body(ids) -> np.ndarray:
        return _positions(body_index, ids, "body")

    m = p.memberships
    if len(m):
        columns = [Column(k, "long", pa.array(m[k], pa.int64()))
                   for k in COUNT_KEYS if m[k].notna().any()]
        w.relationships("InROI", ("Body", body(m["bodyId"])),
                        ("ROI", m["roi"].astype(object).map(roi_index).to_numpy()), columns)

    for c in connection_frames(p.connections, CONNECTION_ROWS_PER_FILE):
        if len(c):
            w.relationships("ConnectsTo", ("Body", body(c["bodyId_pre"])),
                            ("Body", body(c["bodyId_post"])),
                            [Column("weight", "long", pa.array(c["weight"], pa.int64())),
                             Column("roiInfo", "string", pa.array(c["roiInfo"], pa.string()))],
                            name="ConnectsTo (Segment)")
        # the file's texts are freed: hand the pages back before the next rows
        # are read (at 10M, 250,000 rows per file, RSS otherwise rose by 135
        # MiB over the six files, measured). Once per file, not per Bolt
        # batch: a trim of a fragmented heap took 100 ms (measured).
        del c
        release_arrow_memory()

    g = p.gap_junctions
    if len(g):
        w.relationships("GapJunction", ("Body", body(g["bodyId_a"])), ("Body", body(g["bodyId_b"])),
                        [Column("weight", "long", pa.array(g["weight"], pa.int64()))])

    # Skeletons
    if p.skeletons:
        bodies = sorted(p.skeletons)
        rows = [skeleton_properties(p.skeletons[b], b) for b in bodies]
        write_rows(w, "Skeleton", [_labels(labels, "Skeleton")] * len(rows), rows,
                   ("Skeleton", np.arange(len(rows))), "bodyId")
        w.relationships("Contains", ("Body", body(bodies)), ("Skeleton", np.arange(len(rows))),
                        name="Contains (Skeleton)")

    _write_synapses(w, p.synapses, labels, body, echo)

    meta = {**p.meta, "loadComplete": False}
    write_rows(w, "Meta", [_labels(labels, "Meta")], [meta], None, "dataset")
    return w.files


def roi_flag_columns(rois: np.ndarray) -> list[Column]:
    """One boolean column per ROI name in ``rois`` (per row, a tuple of names):
    true where the row lies in the ROI, null elsewhere."""
    codes, combos = pd.factorize(pd.Series(rois, dtype=object), use_na_sentinel=False)
    names = sorted({n for combo in combos for n in combo})
    columns = []
    for name in names:
        hit = np.array([name in combo for combo in combos], dtype=bool)
        mask = hit[codes]
        values = pa.array(np.ones(len(codes), dtype=bool), mask=~mask)
        columns.append(Column(name, "boolean", values))
    return columns


def _positions(index: pd.Index, values, what: str) -> np.ndarray:
    """Row numbers of ``values`` in ``index`` (the import IDs)."""
    pos = index.get_indexer(np.asarray(values, dtype="int64"))
    if (pos < 0).any():
        raise BulkImportError(f"a relationship names a {what} that is not written "
                              f"({np.asarray(values)[pos < 0][:5]}); this is a bug")
    return pos


def _write_synapses(w: CsvWriter, syn, labels: LabelSet, body, echo) -> None:
    """``:Synapse`` nodes, ``SynapsesTo``, ``:SynapseSet`` nodes and their
    ``Contains``/``ConnectsTo`` links, column by column, one part of the
    synapses at a time
    (:meth:`~connectograph.loading.derive.synapse_data.SynapseData.partitions`:
    the whole tables, or one partition of a partitioned prepare).

    Import ids: a synapse's is its row in its part plus the rows of the parts
    before; the pre and post SynapseSets of a part's ``k``-th connection get
    ``2 (K + k)`` and ``2 (K + k) + 1``, ``K`` the connections of the parts
    before. Every pair and SynapseSet lies in one part with its synapses."""
    if not syn.n_points:
        return
    echo(f"  synapses ({syn.n_points:,}) and synapse sets ({2 * syn.n_sets:,}) ...")
    first_synapse = first_set = 0
    for part in syn.partitions():
        _write_synapse_part(w, part, labels, body, first_synapse, first_set)
        first_synapse += part.n_points
        first_set += part.n_sets
        del part  # before the next partition is derived


def _write_synapse_part(w: CsvWriter, syn, labels: LabelSet, body,
                        first_synapse: int, first_set: int) -> None:
    """:func:`_write_synapses` of one part, whose first synapse and
    connection take import ids ``first_synapse`` and ``first_set``."""
    pts = syn.points
    if pts.empty:
        return
    n = len(pts)
    ids = pa.array(pts["id"].to_numpy(dtype="int64"))
    conf = pts["confidence"].to_numpy(dtype="float64")
    columns = roi_flag_columns(syn.rois) + [
        Column("synapseId", "long", ids),
        Column("bodyId", "long", pa.array(pts["bodyId"].to_numpy(dtype="int64"))),
        Column("type", "string", pa.array(pts["type"].to_numpy(dtype=object), pa.string())),
        Column("confidence", "double", pa.array(conf, mask=np.isnan(conf))),
        Column("location", POINT_3D, point_column(pts["x"], pts["y"], pts["z"])),
    ]
    for col in property_columns(pts):
        # a recipe's synapse properties (e.g. ntGabaProb on T-bars): unset where NaN
        values = pts[col].to_numpy(dtype="float64")
        columns.append(Column(col[len(PROPERTY_PREFIX):], "double",
                              pa.array(values, mask=np.isnan(values))))
    w.nodes("Synapse", _const(_labels(labels, "Synapse"), n),
            ("Synapse", pa.array(np.arange(first_synapse, first_synapse + n, dtype="int64"))),
            columns)
    sets = syn.sets
    # Synapse import ids are rows of the points table (plus the parts before),
    # as the pairs' rows in sets are.
    if len(syn.pairs):
        w.relationships("SynapsesTo", ("Synapse", sets.pre_rows.astype(np.int64) + first_synapse),
                        ("Synapse", sets.post_rows.astype(np.int64) + first_synapse))
    if sets.empty:
        return
    k = len(sets)
    a, b = sets.body_pre, sets.body_post
    pre_set = (np.arange(k, dtype="int64") + first_set) * 2
    post_set = pre_set + 1
    set_ids = np.concatenate([pre_set, post_set])
    w.nodes("SynapseSet", _const(_labels(labels, "SynapseSet"), 2 * k),
            ("SynapseSet", pa.array(set_ids)),
            [Column("bodyId", "long", pa.array(np.concatenate([a, b]))),
             Column("partnerId", "long", pa.array(np.concatenate([b, a]))),
             Column("type", "string", pa.array(np.repeat(np.array(["pre", "post"], dtype=object), k),
                                               pa.string()))])
    w.relationships("Contains", ("Body", body(np.concatenate([a, b]))), ("SynapseSet", set_ids),
                    name="Contains (SynapseSet)")
    w.relationships("ConnectsTo", ("SynapseSet", pre_set), ("SynapseSet", post_set),
                    name="ConnectsTo (SynapseSet)")
    tbar_conn, tbar_rows, psd_conn, psd_rows = sets.members()
    w.relationships("Contains", ("SynapseSet", np.concatenate([pre_set[tbar_conn],
                                                               post_set[psd_conn]])),
                    ("Synapse", np.concatenate([tbar_rows, psd_rows]).astype(np.int64)
                     + first_synapse),
                    name="Contains (Synapse)")
