"""The ``/api/cached/*`` summaries, computed as neuPrintHTTP computes them.

neuPrintHTTP computes these once a day per dataset; we compute them on first
request and keep them until the dataset's ``Meta.lastDatabaseEdit`` changes
(a reload) or the day changes (daily type).
"""

from __future__ import annotations

import json
import random
import threading
from datetime import date

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import squareform

from ..cypher_files import LabelSet, dataset_statements
from ..errors import ServiceError
from ..identifiers import DatasetName
from ..vocabulary import COMPLETE_STATUSES, DAILY_TYPE_STATUSES
from .backend import Backend


def _query(backend: Backend, dataset: DatasetName, name: str, params: dict | None = None):
    cypher = dataset_statements("service.cypher", name, LabelSet(dataset.prefix))[0]
    return backend.run(cypher, params or {}, max_rows=10_000_000)


def roi_completeness(backend: Backend, dataset: DatasetName) -> dict:
    """``{"columns": [roi, roipre, roipost, totalpre, totalpost], "data": [...]}``:
    per ROI, the pre/post counts (``roiInfo``) summed over neurons whose status
    is one of :data:`~connectograph.vocabulary.COMPLETE_STATUSES`, beside the
    dataset totals (``Meta.roiInfo``)."""
    columns, rows = _query(backend, dataset, "roi_completeness",
                           {"statuses": list(COMPLETE_STATUSES)})
    return {"columns": columns, "data": rows}


def roi_connectivity_weights(roi_infos: list[dict], rois: list[str]) -> pd.DataFrame:
    """neuPrint's ROI-to-ROI connectivity estimate from per-neuron ROI counts.

    For each neuron, its outputs in ROI ``b`` (``pre``) are spread over the ROIs
    ``a`` where it has inputs, in proportion to its inputs there (``post``):
    ``weight[a => b] += pre[b] * post[a] / sum(post over rois)``; ``count``
    is the number of neurons adding to the pair. Only ``rois`` take part.

    Returns
    -------
    DataFrame
        ``from_roi``, ``to_roi`` (str), ``count`` (int64), ``weight`` (float64),
        one row per pair with count > 0.
    """
    idx = {r: i for i, r in enumerate(rois)}
    n = len(roi_infos)
    pre = np.zeros((n, len(rois)))
    post = np.zeros((n, len(rois)))
    for k, info in enumerate(roi_infos):
        for roi, counts in info.items():
            i = idx.get(roi)
            if i is not None and isinstance(counts, dict):
                pre[k, i] = int(counts.get("pre") or 0)
                post[k, i] = int(counts.get("post") or 0)
    total_in = post.sum(axis=1)
    keep = total_in > 0
    pre, post, total_in = pre[keep], post[keep], total_in[keep]
    weight = (post / total_in[:, None]).T @ pre            # [from, to]
    count = (post > 0).astype(np.int64).T @ (pre > 0).astype(np.int64)
    frm, to = np.nonzero(count)
    return pd.DataFrame({"from_roi": [rois[i] for i in frm], "to_roi": [rois[j] for j in to],
                         "count": count[frm, to].astype(np.int64),
                         "weight": weight[frm, to].astype(np.float64)})


def _clustered_order(rois: list[str], pairs: pd.DataFrame) -> list[str]:
    """ROIs ordered so that strongly connected ones sit together (single-linkage
    clustering with optimal leaf order; neuPrintHTTP also clusters, with its own
    library, so the order may differ from neuPrint's)."""
    if len(rois) <= 3 or pairs.empty:
        return list(rois)
    idx = {r: i for i, r in enumerate(rois)}
    sim = np.zeros((len(rois), len(rois)))
    for row in pairs.itertuples():
        sim[idx[row.from_roi], idx[row.to_roi]] += row.weight
    sim = sim + sim.T
    dist = sim.max() - sim
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    tree = optimal_leaf_ordering(linkage(condensed, method="single"), condensed)
    return [rois[i] for i in leaves_list(tree)]


def roi_connectivity(backend: Backend, dataset: DatasetName) -> dict:
    """``{"roi_names": [...], "weights": {"A=>B": {"count": n, "weight": w}}}``
    over the dataset's overview ROIs (see :func:`roi_connectivity_weights`)."""
    _, roi_rows = _query(backend, dataset, "roi_connectivity_rois")
    if not roi_rows:
        raise ServiceError(f"dataset {dataset} has no Meta node")
    rois, order = roi_rows[0][0] or [], roi_rows[0][1]
    _, rows = _query(backend, dataset, "roi_connectivity_neurons")
    infos = []
    for (text,) in rows:
        if isinstance(text, str):
            try:
                infos.append(json.loads(text))
            except ValueError:
                continue
    pairs = roi_connectivity_weights(infos, list(rois))
    names = _clustered_order(list(rois), pairs) if order == "clustered" else list(rois)
    weights = {f"{r.from_roi}=>{r.to_roi}": {"count": int(r.count), "weight": float(r.weight)}
               for r in pairs.itertuples()}
    return {"roi_names": names, "weights": weights}


def daily_type(backend: Backend, dataset: DatasetName, day: date | None = None) -> dict:
    """The cell type of the day: a typed, traced neuron type chosen at random
    (seeded by the day, so it is stable within a day), its largest member
    (``5 * pre + post``), that neuron's partners and its skeleton if stored.

    Returns
    -------
    dict
        ``info`` (typename, numtype, numpre, numpost, bodyid as text),
        ``connectivity`` ({columns, data}), ``skeleton`` ({columns, data}; no
        rows when the exemplar has no stored skeleton: neuprint-python's
        ``fetch_daily_type`` builds a DataFrame from it and fails on null).
    """
    from ..fetch.skeleton import SkeletonNotFoundError, fetch_skeleton

    day = day or date.today()
    _, rows = _query(backend, dataset, "daily_type_candidates",
                     {"statuses": list(DAILY_TYPE_STATUSES)})
    if not rows:
        raise ServiceError(f"dataset {dataset} has no typed neuron with status "
                           f"{' or '.join(DAILY_TYPE_STATUSES)}")
    types = [r[0] for r in rows]
    typename = random.Random(f"{dataset}/{day.isoformat()}").choice(types)
    _, ex = _query(backend, dataset, "daily_type_exemplar", {"type": typename})
    body, numpre, numpost, numtype = ex[0]
    columns, conn = _query(backend, dataset, "daily_type_connectivity", {"body": body})
    columns_swc = ["rowId", "x", "y", "z", "radius", "link"]
    try:
        skel = fetch_skeleton(body, client=backend.client(dataset))
        skeleton = {"columns": columns_swc,
                    "data": skel[columns_swc].astype(object).values.tolist()}
    except SkeletonNotFoundError:
        skeleton = {"columns": columns_swc, "data": []}
    return {"info": {"typename": typename, "numtype": numtype, "numpre": numpre,
                     "numpost": numpost, "bodyid": str(body)},
            "connectivity": {"columns": columns, "data": conn},
            "skeleton": skeleton}


class SummaryCache:
    """Cached summaries per (kind, dataset), invalidated by a reload of the dataset."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self._values: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, dataset: DatasetName, version: str) -> object:
        key = (kind, str(dataset), version, date.today() if kind == "dailytype" else None)
        with self._lock:
            if key in self._values:
                return self._values[key]
        compute = {"roicompleteness": roi_completeness, "roiconnectivity": roi_connectivity,
                   "dailytype": daily_type}[kind]
        value = compute(self.backend, dataset)
        with self._lock:
            self._values = {k: v for k, v in self._values.items()
                            if k[:2] != key[:2]}   # drop older versions
            self._values[key] = value
        return value
