"""fetch_adjacencies: neuron-to-neuron connection weights per ROI (neuprint-python's)."""

from __future__ import annotations

import json
import os

import pandas as pd

from ..client import Client, resolve_client
from ..criteria import Parameters
from ..errors import CriteriaError, UnknownRoiError
from ..identifiers import escape_name
from ._dataset import checked_criteria, dataset_info

NOT_PRIMARY = "NotPrimary"
ROI_CONN_COLUMNS = ["bodyId_pre", "bodyId_post", "roi", "weight"]


def roi_connections_frame(connections: pd.DataFrame, primary_rois: list[str]) -> pd.DataFrame:
    """Expand ``ConnectsTo`` rows into per-ROI rows.

    Parameters
    ----------
    connections : DataFrame
        ``bodyId_pre, bodyId_post, weight, roiInfo`` (roiInfo a JSON string
        ``{roi: {"post": n, ...}}``).
    primary_rois : list of str
        The dataset's primary ROIs; other ROIs overlap them and are skipped.

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post, roi, weight`` with one row per primary ROI in
        which the connection has PSDs, plus ``NotPrimary`` = weight minus the
        primary-ROI sum when positive (neuprint-python's convention).
    """
    primary = set(primary_rois)
    pre, post, roi, weight = [], [], [], []
    for a, b, w, info in connections[["bodyId_pre", "bodyId_post", "weight",
                                      "roiInfo"]].itertuples(index=False, name=None):
        counted = 0
        for name, counts in (json.loads(info) if info else {}).items():
            if name in primary:
                n = int(counts.get("post", 0))
                if n:
                    pre.append(a), post.append(b), roi.append(name), weight.append(n)
                    counted += n
        rest = int(w) - counted
        if rest > 0:
            pre.append(a), post.append(b), roi.append(NOT_PRIMARY), weight.append(rest)
    return pd.DataFrame({"bodyId_pre": pd.Series(pre, dtype="int64"),
                         "bodyId_post": pd.Series(post, dtype="int64"),
                         "roi": pd.Series(roi, dtype=object),
                         "weight": pd.Series(weight, dtype="int64")})


def fetch_adjacencies(sources=None, targets=None, rois: list[str] | str | None = None,
                      min_roi_weight: int = 1, min_total_weight: int = 1,
                      include_nonprimary: bool = True, export_dir: str | None = None,
                      properties: list[str] = ("type", "instance"), *,
                      client: Client | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Connections between two sets of neurons, per ROI; mirrors neuprint-python's
    ``fetch_adjacencies``.

    Parameters
    ----------
    sources, targets : NeuronCriteria or shorthand, optional
        Upstream and downstream bodies; at least one must be given. Default
        label: ``Neuron``.
    rois : str or list of str, optional
        Keep only per-ROI weights in these (primary) ROIs.
    min_roi_weight : int
        Drop per-ROI rows below this weight.
    min_total_weight : int
        Drop connections whose total over the kept ROI rows is below this.
    include_nonprimary : bool
        Keep ``NotPrimary`` rows (weight outside every primary ROI).
    export_dir : str, optional
        Also write ``neurons.csv`` and ``roi-connections.csv`` there.
    properties : list of str
        Neuron properties in ``neurons_df`` besides ``bodyId``.
    client : Client, optional

    Returns
    -------
    neurons_df : DataFrame
        ``bodyId`` (int64) and ``properties`` for every body in ``roi_conn_df``.
    roi_conn_df : DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str), ``weight`` (int64:
        PSDs of the downstream body in that ROI contacted by the upstream body),
        sorted by ``bodyId_pre, bodyId_post`` then weight descending.

    Raises
    ------
    CriteriaError
        Neither sources nor targets given, or bad criteria.
    UnknownRoiError
        An ROI not in the dataset, or not a primary ROI.
    """
    client = resolve_client(client)
    if sources is None and targets is None:
        raise CriteriaError("fetch_adjacencies needs sources or targets (or both)")
    info = dataset_info(client)
    src = checked_criteria(sources, client)
    tgt = checked_criteria(targets, client)
    if isinstance(rois, str):
        rois = [rois]
    if rois:
        bad = [r for r in rois if r not in info.primary_rois]
        if bad:
            raise UnknownRoiError(
                f"fetch_adjacencies counts weights in primary ROIs only; not primary or unknown: "
                f"{bad}. Primary ROIs: {', '.join(info.primary_rois)}")
    params = Parameters()
    where_a, _ = src.where(client.dataset, "a", params)
    where_b, all_params = tgt.where(client.dataset, "b", params)
    all_params["min_total"] = int(min_total_weight) if not rois else 1
    cypher = (f"MATCH {src.match(client.dataset, 'a')}-[e:ConnectsTo]->"
              f"{tgt.match(client.dataset, 'b')}\n"
              f"WHERE ({where_a}) AND ({where_b}) AND e.weight >= $min_total\n"
              "RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight, "
              "e.roiInfo AS roiInfo")
    connections = client.read_frame(cypher, all_params)
    roi_conn = roi_connections_frame(connections, info.primary_rois)
    if rois:
        roi_conn = roi_conn[roi_conn["roi"].isin(rois)]
    if not include_nonprimary:
        roi_conn = roi_conn[roi_conn["roi"] != NOT_PRIMARY]
    roi_conn = roi_conn[roi_conn["weight"] >= min_roi_weight]
    totals = roi_conn.groupby(["bodyId_pre", "bodyId_post"])["weight"].transform("sum")
    roi_conn = roi_conn[totals >= min_total_weight]
    roi_conn = roi_conn.sort_values(["bodyId_pre", "bodyId_post", "weight"],
                                    ascending=[True, True, False], ignore_index=True)
    bodies = sorted(set(roi_conn["bodyId_pre"]) | set(roi_conn["bodyId_post"]))
    neurons_df = fetch_body_properties(bodies, list(properties), client=client)
    if export_dir:
        os.makedirs(export_dir, exist_ok=True)
        neurons_df.to_csv(os.path.join(export_dir, "neurons.csv"), index=False)
        roi_conn.to_csv(os.path.join(export_dir, "roi-connections.csv"), index=False)
    return neurons_df, roi_conn[ROI_CONN_COLUMNS]


def fetch_body_properties(bodies: list[int], properties: list[str], *,
                          client: Client) -> pd.DataFrame:
    """``bodyId`` plus ``properties`` for the given bodies (any Segment), sorted
    by bodyId; missing properties are None."""
    # Property names travel as parameters (n[$props[i]]); only the returned
    # column aliases are spliced, escaped.
    ret = "n.bodyId AS bodyId" + "".join(
        f", n[$props[{i}]] AS {escape_name(p)}" for i, p in enumerate(properties))
    cypher = (f"MATCH (n:{client.dataset.label('Segment')}) WHERE n.bodyId IN $bodies "
              f"RETURN {ret} ORDER BY n.bodyId")
    df = client.read_frame(cypher, {"bodies": [int(b) for b in bodies], "props": properties})
    if df.empty:
        df = pd.DataFrame(columns=["bodyId", *properties])
    return df.astype({"bodyId": "int64"})
