"""ROI-to-ROI counts of synapse-level connections: the second option of
:func:`~connectograph.fetch.fetch_roi_connectivity` (``level="synapse"``)."""

from __future__ import annotations

import pandas as pd

from ..client import Client
from ..criteria import NeuronCriteria, Parameters, SynapseCriteria
from ._dataset import dataset_info
from ._synapse_query import ROI_KEYS, default_confidence, roi_set

COLUMNS = ["from_roi", "to_roi", "count", "weight"]


def synapse_roi_connectivity(nc: NeuronCriteria, statuses: list[str] | None,
                             rois: list[str], *, client: Client) -> pd.DataFrame:
    """Count ``SynapsesTo`` pairs by (ROI of the T-bar, ROI of the PSD).

    Parameters
    ----------
    nc : NeuronCriteria
        Validated criteria for the presynaptic bodies (whose outputs are counted).
    statuses : list of str or None
        Keep only presynaptic bodies with one of these statuses.
    rois : list of str
        The ROIs considered; a pair counts once for every (i, o) with the T-bar
        in ``i`` and the PSD in ``o`` among them (once in all when they do not
        overlap, as the primary ROIs); sites in none are not counted.
    client : Client

    Returns
    -------
    DataFrame
        ``from_roi, to_roi`` (str), ``count`` (int64: T-bar → PSD pairs),
        ``weight`` (float64: the same number, so both levels share columns and
        units, synapses), sorted by ``from_roi, to_roi``. Both sites must pass
        the dataset's confidence threshold (``> Meta.postHighAccuracyThreshold``),
        as for connection weights.
    """
    ds = client.dataset
    params = Parameters()
    where, _ = nc.where(ds, "n", params)
    threshold = default_confidence(dataset_info(client))
    pre_where, _ = SynapseCriteria(confidence=threshold).where(ds, "ns", params)
    post_where, all_params = SynapseCriteria(confidence=threshold).where(ds, "ms", params)
    status_cond = " AND n.status IN $statuses" if statuses is not None else ""
    syn = ds.label("Synapse")
    cypher = (f"MATCH {nc.match(ds, 'n')} WHERE ({where}){status_cond}\n"
              f"MATCH (ns:{syn}) WHERE ns.bodyId = n.bodyId AND ns.type = 'pre' "
              f"AND ({pre_where})\n"
              f"MATCH (ns)-[:SynapsesTo]->(ms:{syn}) WHERE ({post_where})\n"
              f"UNWIND {ROI_KEYS.format(var='ns')} AS from_roi\n"
              f"UNWIND {ROI_KEYS.format(var='ms')} AS to_roi\n"
              "RETURN from_roi, to_roi, count(*) AS count\n"
              "ORDER BY from_roi, to_roi")
    all_params.update(roi_set=roi_set(rois), **({"statuses": statuses} if statuses is not None else {}))
    df = client.read_frame(cypher, all_params)
    df["weight"] = df["count"].astype("float64")
    return df.astype({"from_roi": object, "to_roi": object, "count": "int64"})[COLUMNS]
