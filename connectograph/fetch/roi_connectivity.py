"""fetch_roi_connectivity: ROI-to-ROI connectivity by neuPrint's neuron-level
definition, computed live for any set of neurons."""

from __future__ import annotations

import pandas as pd

from ..client import Client, resolve_client
from ..errors import CriteriaError, UnknownRoiError
from ._dataset import checked_criteria, dataset_info
from ._dataset_contents import require_rois
from .synapse_roi_connectivity import synapse_roi_connectivity

ROI_CONNECTIVITY_COLUMNS = ["from_roi", "to_roi", "count", "weight"]


def overview_rois(meta: dict) -> list[str]:
    """neuPrint's overview ROIs: ``Meta.overviewRois`` if set, else the primary
    ROIs, minus those whose roiInfo entry has ``excludeFromOverview``."""
    rois = meta.get("overviewRois") or meta.get("primaryRois") or []
    info = meta.get("roiInfo") or {}
    return [r for r in rois if not (info.get(r) or {}).get("excludeFromOverview", False)]


def fetch_roi_connectivity(criteria=None, statuses: list[str] | str | None = None,
                           rois: list[str] | str | None = None, *,
                           level: str = "neuron",
                           client: Client | None = None) -> pd.DataFrame:
    """Connectivity between ROIs estimated from each neuron's inputs and outputs;
    neuPrint's definition (neuPrintHTTP ``/api/cached/roiconnectivity``, which
    neuprint-python's ``Client.fetch_roi_connectivity`` reads), computed live
    for any neuron subset.

    For each neuron, with ``pre(r)`` / ``post(r)`` its T-bars / PSDs in ROI
    ``r`` (from its per-ROI counts) and ``T_in`` the sum of ``post`` over the
    ROIs considered: every output ROI ``o`` (``pre(o) > 0``) and input ROI
    ``i`` (``post(i) > 0``) add ``pre(o) * post(i) / T_in`` to
    ``weight[i => o]`` and 1 to ``count[i => o]``. A neuron's outputs in ``o``
    are thus apportioned to the ROIs where it receives input. Neurons with
    ``T_in = 0`` contribute nothing; ``i`` may equal ``o``.

    Parameters
    ----------
    criteria : NeuronCriteria or shorthand, optional
        The neurons to sum over; default every ``:Neuron`` (neuPrint's choice).
    statuses : str or list of str, optional
        Keep only neurons with one of these ``status`` values; default: any
        status, or none.
    rois : str or list of str, optional
        The ROIs considered (for ``T_in`` and as ``i``/``o``); default
        neuPrint's overview ROIs (see :func:`overview_rois`: the primary
        ROIs unless the Meta says otherwise).
    level : {'neuron', 'synapse'}, default 'neuron'
        *Ours*: ``'synapse'`` counts synapse-level connections instead
        (``SynapsesTo`` pairs whose T-bar belongs to a selected neuron) by
        (ROI of the T-bar, ROI of the PSD) among ``rois``; ``count`` is then
        the number of pairs and ``weight`` the same number as float. Both
        sites must pass the confidence threshold ``> Meta.postHighAccuracyThreshold``.
        Only bodies with loaded synapses contribute.
    client : Client, optional

    Returns
    -------
    DataFrame
        One row per ROI pair with a contribution, sorted by ``from_roi, to_roi``:
        ``from_roi``, ``to_roi`` (str), ``count`` (int64: neurons with input in
        ``from_roi`` and output in ``to_roi``), ``weight`` (float64: apportioned
        T-bar count, in T-bars).

    Raises
    ------
    UnknownRoiError
        An ROI not in the dataset.
    CriteriaError
        Invalid criteria, statuses or level.

    Notes
    -----
    neuPrint caches this for all ``:Neuron`` nodes and orders ROIs by
    clustering; here rows are sorted by name. Bodies whose per-ROI counts were
    derived from loaded connections have no ``pre`` counts, so they add no
    outputs.
    """
    client = resolve_client(client)
    require_rois(client, "fetch_roi_connectivity")
    if level not in ("neuron", "synapse"):
        raise CriteriaError(f"level must be 'neuron' or 'synapse', not {level!r}")
    info = dataset_info(client)
    nc = checked_criteria(criteria, client)
    if rois is None:
        rois = overview_rois(info.meta)
    else:
        rois = [rois] if isinstance(rois, str) else list(rois)
        unknown = [r for r in rois if r not in info.all_rois]
        if unknown:
            raise UnknownRoiError(f"unknown ROI(s) in fetch_roi_connectivity: {unknown}; see "
                                  "fetch_all_rois() for this dataset's ROIs")
    ds = client.dataset
    where, params = nc.where(ds, "n")
    status_cond = ""
    if statuses is not None:
        statuses = [statuses] if isinstance(statuses, str) else list(statuses)
        if not all(isinstance(s, str) for s in statuses):
            raise CriteriaError(f"statuses must be strings, not {statuses!r}")
        status_cond = " AND n.status IN $statuses"
        params["statuses"] = statuses
    if level == "synapse":
        return synapse_roi_connectivity(nc, statuses, list(rois), client=client)
    params["rois"] = list(rois)
    cypher = (f"MATCH {nc.match(ds, 'n')}-[r:InROI]->(x:{ds.label('ROI')})\n"
              f"WHERE x.name IN $rois AND ({where}){status_cond}\n"
              "WITH n, collect({roi: x.name, pre: coalesce(r.pre, 0), "
              "post: coalesce(r.post, 0)}) AS counts\n"
              "WITH counts, reduce(t = 0, c IN counts | t + c.post) AS t_in\n"
              "WHERE t_in > 0\n"
              "UNWIND counts AS o\n"
              "WITH counts, t_in, o WHERE o.pre > 0\n"
              "UNWIND counts AS i\n"
              "WITH t_in, o, i WHERE i.post > 0\n"
              "RETURN i.roi AS from_roi, o.roi AS to_roi, count(*) AS count,\n"
              "       sum(toFloat(o.pre * i.post) / t_in) AS weight\n"
              "ORDER BY from_roi, to_roi")
    df = client.read_frame(cypher, params)
    return df.astype({"from_roi": object, "to_roi": object, "count": "int64",
                      "weight": "float64"})[ROI_CONNECTIVITY_COLUMNS]
