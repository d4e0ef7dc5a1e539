"""A prepared dataset written over Bolt, under the writer's staging labels:
the rows of each ``UNWIND`` statement built a batch at a time from the
:class:`~connectograph.loading.derive.dataset.PreparedDataset` and run by a
:class:`~.dataset_writer.DatasetWriter` (:func:`write_prepared`).
"""

from __future__ import annotations

from typing import Any, Iterator

import pandas as pd

from ...grouped import frame_slices
from ...fetch.skeleton_storage import skeleton_properties
from ..derive.bodies import body_property_slices
from ...vocabulary import COUNT_KEYS
from ..derive.connections import SpilledConnections, connection_frames
from ..derive.dataset import PreparedDataset
from .dataset_writer import DatasetWriter
from .synapse_graph import write_synapse_graph

__all__ = ["membership_rows", "write_prepared"]


def membership_rows(memberships: pd.DataFrame, body_ids: dict[int, str],
                    roi_ids: dict[str, str]) -> list[dict[str, Any]]:
    """``link_bodies_to_rois`` rows (``{body, roi, props}``, element ids and
    the counts present) of :func:`~..derive.bodies.roi_memberships` rows."""
    counts = [memberships[k].to_numpy(dtype=object, na_value=None).tolist()
              for k in COUNT_KEYS]
    return [{"body": body_ids[b], "roi": roi_ids[r],
             "props": {k: int(v) for k, v in zip(COUNT_KEYS, values) if v is not None}}
            for b, r, *values in zip(memberships["bodyId"].tolist(),
                                     memberships["roi"].tolist(), *counts)]


def _connection_batches(connections: pd.DataFrame | SpilledConnections,
                        body_ids: dict[int, str], size: int) -> Iterator[list[dict]]:
    """``create_connections`` rows, ``size`` at a time (built per batch: at
    10M synapse pairs the 1.35M rows as dicts held 340 MiB at once)."""
    for frame in connection_frames(connections, size):
        yield [{"pre": body_ids[a], "post": body_ids[b], "weight": w, "roiInfo": ri}
               for a, b, w, ri in zip(*(frame[c].tolist() for c in
                                        ("bodyId_pre", "bodyId_post", "weight", "roiInfo")))]


def _body_batches(neurons: pd.DataFrame, neuron_flag: pd.Series,
                  size: int) -> Iterator[list[dict]]:
    """``create_bodies`` rows, ``size`` at a time."""
    for props, flags in body_property_slices(neurons, neuron_flag, size):
        yield [{"props": row, "neuron": bool(f)} for row, f in zip(props, flags)]


def write_prepared(writer: DatasetWriter, prepared: PreparedDataset) -> None:
    """Write a prepared dataset under ``writer``'s staging labels over Bolt
    (publishing is the caller's: :meth:`DatasetWriter.publish
    <connectograph.loading.write.dataset_writer.DatasetWriter.publish>`).

    ROIs and their hierarchy first, then the bodies, their ``InROI`` links,
    ``ConnectsTo``, ``GapJunction``, skeletons, the synapse graph
    (:func:`~.synapse_graph.write_synapse_graph`) and the Meta last.

    Parameters
    ----------
    writer : DatasetWriter
        The dataset's writer.
    prepared : PreparedDataset
        What :func:`~connectograph.loading.preparation.prepare` derived.

    Returns
    -------
    None
        Nothing: what was written is counted by
        :meth:`PreparedDataset.summary
        <connectograph.loading.derive.dataset.PreparedDataset.summary>`.
    """
    p = prepared
    roi_ids = writer.write_rois(p.roi_rows)
    writer.link_roi_parents([{"child": roi_ids[c], "parent": roi_ids[q]}
                             for c, q in p.roi_parents])
    size = writer.batch_size
    body_ids = writer.write_bodies(_body_batches(p.neurons, p.neuron_flag, size),
                                   len(p.neurons))
    writer.link_bodies_to_rois((membership_rows(m, body_ids, roi_ids)
                                for m in frame_slices(p.memberships, size)),
                               len(p.memberships))
    writer.write_connections(_connection_batches(p.connections, body_ids, size),
                             len(p.connections))
    g = p.gap_junctions
    writer.write_gap_junctions([{"a": body_ids[a], "b": body_ids[b], "weight": w}
                                for a, b, w in zip(g["bodyId_a"].tolist(), g["bodyId_b"].tolist(),
                                                   g["weight"].tolist())])
    writer.write_skeletons([{"body": body_ids[b], "props": skeleton_properties(s, b)}
                            for b, s in sorted(p.skeletons.items())])
    write_synapse_graph(writer, p.synapses, body_ids)
    writer.write_meta(p.meta)
