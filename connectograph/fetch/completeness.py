"""Tracing completeness: fetch_output_completeness, fetch_downstream_orphan_tasks
(neuprint-python's) and fetch_roi_completeness (neuPrintHTTP's definition)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..client import Client, resolve_client
from ..criteria import NeuronCriteria
from ..errors import CriteriaError
from ..vocabulary import COMPLETE_STATUSES, TRACED
from ._dataset import checked_criteria, dataset_info
from ._dataset_contents import require_rois, require_status

OUTPUT_COMPLETENESS_COLUMNS = ["bodyId", "total_weight", "traced_weight", "untraced_weight",
                               "completeness"]
ORPHAN_TASK_COLUMNS = ["bodyId_pre", "bodyId_post", "orphan_weight", "status_post",
                       "statusLabel", "total_weight", "orig_traced_weight",
                       "orig_untraced_weight", "orig_completeness", "cum_orphan_weight",
                       "cum_completeness"]
_ORPHAN_DTYPES = {"bodyId_pre": "int64", "bodyId_post": "int64", "orphan_weight": "int64",
                  "total_weight": "int64", "orig_traced_weight": "int64",
                  "orig_untraced_weight": "int64", "orig_completeness": "float64",
                  "cum_orphan_weight": "int64", "cum_completeness": "float64"}
ROI_COMPLETENESS_COLUMNS = ["roi", "roipre", "roipost", "totalpre", "totalpost"]

#: neuPrintHTTP's complete statuses for its cached ROI completeness.
NEUPRINT_COMPLETE_STATUSES = COMPLETE_STATUSES


def _statuses(value, name: str) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    if not values or not all(isinstance(v, str) for v in values):
        raise CriteriaError(f"{name} must be a non-empty list of status strings, not {value!r}")
    return values


def fetch_output_completeness(criteria, complete_statuses: list[str] | str = (TRACED,),
                              batch_size: int | None = None, *,
                              client: Client | None = None) -> pd.DataFrame:
    """Fraction of each neuron's output weight going to complete (traced)
    bodies; mirrors neuprint-python's ``fetch_output_completeness``.

    Parameters
    ----------
    criteria : NeuronCriteria or shorthand
        The neurons to score.
    complete_statuses : str or list of str
        A downstream body counts as traced when its ``status`` or its
        ``statusLabel`` is one of these.
    batch_size : int, optional
        Score at most this many neurons per query (their bodyIds are fetched
        first); None: one query.
    client : Client, optional

    Returns
    -------
    DataFrame
        One row per matched neuron, sorted by bodyId: ``bodyId, total_weight,
        traced_weight, untraced_weight`` (int64: summed ``ConnectsTo`` weights
        to all / traced / other downstream bodies) and ``completeness``
        (float64, traced_weight / total_weight).

    Notes
    -----
    Fixes a neuprint-python bug: its query drops every neuron without any
    traced downstream partner (and every neuron without outputs), so the
    least complete neurons vanish from the table. Here every matched neuron is
    listed; with no traced output ``traced_weight`` and ``completeness`` are 0
    (also when it has no output at all, ``total_weight`` 0).
    """
    client = resolve_client(client)
    require_status(client, "fetch_output_completeness")
    nc = checked_criteria(criteria, client)
    statuses = _statuses(complete_statuses, "complete_statuses")
    ds = client.dataset
    where, params = nc.where(ds, "n")
    match = f"MATCH {nc.match(ds, 'n')} WHERE {where}"
    scores = ("CALL {\n"
              f"  WITH n MATCH (n)-[e:ConnectsTo]->(m:{ds.label('Segment')})\n"
              "  RETURN sum(e.weight) AS total_weight,\n"
              "         sum(CASE WHEN m.status IN $statuses OR m.statusLabel IN $statuses\n"
              "                  THEN e.weight ELSE 0 END) AS traced_weight\n"
              "}\n"
              "RETURN n.bodyId AS bodyId, total_weight, traced_weight")
    params["statuses"] = statuses
    if batch_size is None:
        frames = [client.read_frame(f"{match}\n{scores}", params)]
    else:
        if batch_size < 1:
            raise CriteriaError(f"batch_size must be positive or None, not {batch_size!r}")
        bodies = [r["b"] for r in client.read(f"{match} RETURN n.bodyId AS b ORDER BY b",
                                              params)]
        batched = f"{match} AND n.bodyId IN $batch\n{scores}"
        frames = [client.read_frame(batched, {**params, "batch": bodies[i:i + batch_size]})
                  for i in range(0, len(bodies), batch_size)]
    frames = [f for f in frames if len(f)]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {c: pd.Series(dtype="int64") for c in ("bodyId", "total_weight", "traced_weight")})
    df = df.astype({"bodyId": "int64", "total_weight": "int64", "traced_weight": "int64"})
    df["untraced_weight"] = df["total_weight"] - df["traced_weight"]
    total = df["total_weight"].to_numpy()
    df["completeness"] = np.divide(df["traced_weight"].to_numpy(), total,
                                   out=np.zeros(len(df)), where=total > 0)
    return df.sort_values("bodyId", ignore_index=True)[OUTPUT_COMPLETENESS_COLUMNS]


def fetch_downstream_orphan_tasks(criteria, complete_statuses: list[str] | str = (TRACED,), *,
                                  client: Client | None = None) -> pd.DataFrame:
    """Untraced downstream partners ("orphans") of neurons, strongest first, with
    the output completeness each would add; mirrors neuprint-python's
    ``fetch_downstream_orphan_tasks``.

    Parameters
    ----------
    criteria : NeuronCriteria or shorthand
        The upstream neurons.
    complete_statuses : str or list of str
        A body is traced when its ``status`` or ``statusLabel`` is one of
        these; every other downstream ``:Segment`` is an orphan.
    client : Client, optional

    Returns
    -------
    DataFrame
        One row per (upstream neuron, orphan), sorted by ``bodyId_pre``, then
        ``orphan_weight`` descending, then ``bodyId_post``: ``bodyId_pre,
        bodyId_post`` (int64), ``orphan_weight`` (int64, connection weight),
        ``status_post``, ``statusLabel`` (the orphan's, str or None),
        ``total_weight`` (int64), ``orig_traced_weight``,
        ``orig_untraced_weight`` (int64), ``orig_completeness`` (float64), as in
        :func:`fetch_output_completeness`; ``cum_orphan_weight`` (int64, running
        sum of orphan weights) and ``cum_completeness`` (float64, completeness
        once the orphans so far are traced).
    """
    client = resolve_client(client)
    require_status(client, "fetch_downstream_orphan_tasks")
    nc = checked_criteria(criteria, client)
    statuses = _statuses(complete_statuses, "complete_statuses")
    ds = client.dataset
    where, params = nc.where(ds, "n")
    cypher = (f"MATCH {nc.match(ds, 'n')}-[e:ConnectsTo]->(m:{ds.label('Segment')})\n"
              f"WHERE ({where})\n"
              "  AND NOT coalesce(m.status IN $statuses OR m.statusLabel IN $statuses, false)\n"
              "RETURN n.bodyId AS bodyId_pre, m.bodyId AS bodyId_post, e.weight AS orphan_weight,"
              " m.status AS status_post, m.statusLabel AS statusLabel")
    params["statuses"] = statuses
    orphans = client.read_frame(cypher, params)
    if orphans.empty:
        return pd.DataFrame({c: pd.Series(dtype=_ORPHAN_DTYPES.get(c, object))
                             for c in ORPHAN_TASK_COLUMNS})
    orphans = orphans.astype({"bodyId_pre": "int64", "bodyId_post": "int64",
                              "orphan_weight": "int64"})
    orphans = orphans.sort_values(["bodyId_pre", "orphan_weight", "bodyId_post"],
                                  ascending=[True, False, True], ignore_index=True)
    completeness = fetch_output_completeness(
        NeuronCriteria(bodyId=sorted(set(orphans["bodyId_pre"])), label=nc.label),
        statuses, client=client).rename(columns={
            "bodyId": "bodyId_pre", "traced_weight": "orig_traced_weight",
            "untraced_weight": "orig_untraced_weight", "completeness": "orig_completeness"})
    out = orphans.merge(completeness, on="bodyId_pre", how="left")
    out["cum_orphan_weight"] = out.groupby("bodyId_pre")["orphan_weight"].cumsum()
    out["cum_completeness"] = ((out["orig_traced_weight"] + out["cum_orphan_weight"])
                               / out["total_weight"])
    return out[ORPHAN_TASK_COLUMNS]


def fetch_roi_completeness(complete_statuses: list[str] | str = NEUPRINT_COMPLETE_STATUSES,
                           criteria=None, *, client: Client | None = None) -> pd.DataFrame:
    """Per ROI, how many synapses belong to complete (traced) neurons; neuPrint's
    ROI completeness (neuPrintHTTP ``/api/cached/roicompleteness``, which
    neuprint-python's ``Client.fetch_roi_completeness`` reads), computed live.

    Parameters
    ----------
    complete_statuses : str or list of str
        A neuron is complete when its ``status`` is one of these (neuPrintHTTP
        looks at ``status`` only). Default: neuPrintHTTP's list ``Traced,
        Roughly traced, Prelim Roughly traced, final, final (irrelevant),
        Finalized, Leaves``.
    criteria : NeuronCriteria or shorthand, optional
        Restrict the complete neurons further (default: every ``:Neuron``).
    client : Client, optional

    Returns
    -------
    DataFrame
        One row per ROI in which some complete neuron has synapses (any ROI
        level, not only primary), sorted by ``roi``: ``roi`` (str), ``roipre``,
        ``roipost`` (int64: T-bars / PSDs of complete neurons in the ROI),
        ``totalpre``, ``totalpost`` (int64: the dataset's totals in the ROI from
        ``Meta.roiInfo``; in connectograph those are sums over the loaded
        bodies, so completeness is relative to what is loaded).
    """
    client = resolve_client(client)
    require_status(client, "fetch_roi_completeness")
    require_rois(client, "fetch_roi_completeness")
    nc = checked_criteria(criteria, client)
    statuses = _statuses(complete_statuses, "complete_statuses")
    info = dataset_info(client)
    ds = client.dataset
    where, params = nc.where(ds, "n")
    cypher = (f"MATCH {nc.match(ds, 'n')}-[r:InROI]->(x:{ds.label('ROI')})\n"
              f"WHERE n.status IN $statuses AND ({where})\n"
              "RETURN x.name AS roi, sum(coalesce(r.pre, 0)) AS roipre, "
              "sum(coalesce(r.post, 0)) AS roipost ORDER BY roi")
    params["statuses"] = statuses
    df = client.read_frame(cypher, params)
    roi_info = info.meta.get("roiInfo") or {}
    df["totalpre"] = [int((roi_info.get(r) or {}).get("pre", 0)) for r in df["roi"]]
    df["totalpost"] = [int((roi_info.get(r) or {}).get("post", 0)) for r in df["roi"]]
    return df.astype({"roi": object, "roipre": "int64", "roipost": "int64",
                      "totalpre": "int64", "totalpost": "int64"})[ROI_COMPLETENESS_COLUMNS]
