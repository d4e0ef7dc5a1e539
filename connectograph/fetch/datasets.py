"""fetch_datasets: every dataset loaded in the database, with its Meta summary."""

from __future__ import annotations

import orjson

from ..client import Client, resolve_client
from ..vocabulary import current_meta_condition

# Every published Meta node, whatever the client's own dataset.
_DATASETS_CYPHER = f"""
MATCH (m:Meta) WHERE {current_meta_condition('m')}
RETURN m.dataset AS dataset, m.tag AS tag, m.lastDatabaseEdit AS lastEdit, m.uuid AS uuid,
       m.roiInfo AS roiInfo, m.superLevelRois AS superLevelRois, m.info AS info,
       m.hideDataSet AS hidden, m.logo AS logo, m.description AS description,
       m.totalPreCount AS totalPreCount, m.totalPostCount AS totalPostCount
ORDER BY dataset, tag
"""


def fetch_datasets(*, include_hidden: bool = True, client: Client | None = None) -> dict:
    """Every dataset loaded in the client's database, with a summary of its Meta.

    Mirrors neuprint-python's ``Client.fetch_datasets`` (neuPrintHTTP's
    ``/api/dbmeta/datasets``): the same keys per dataset, keyed by
    ``name:tag``. Datasets still being loaded (Meta ``loadComplete`` false) are
    left out.

    Parameters
    ----------
    include_hidden : bool
        Also list datasets whose Meta has ``hideDataSet = true`` (neuPrintHTTP's
        ``hidden=true`` query parameter; its default hides them).
    client : Client, optional
        Any client on the database; its own dataset does not restrict the list.

    Returns
    -------
    dict
        ``{"name:tag": {"last-mod": str, "uuid": str ("latest" when the Meta has
        none), "ROIs": sorted list of str, "superLevelROIs": list of str,
        "info": str ("N/A" when none), "hidden": bool, "logo": str,
        "description": str, "totalPreCount": int, "totalPostCount": int}}``,
        in ``name:tag`` order. ``totalPreCount``/``totalPostCount`` (T-bars /
        PSDs over the loaded bodies) are additions to neuPrint's keys.
    """
    client = resolve_client(client)
    out: dict[str, dict] = {}
    for row in client.read(_DATASETS_CYPHER):
        hidden = bool(row["hidden"]) if row["hidden"] is not None else False
        if hidden and not include_hidden:
            continue
        roi_info = row["roiInfo"]
        if isinstance(roi_info, str):
            roi_info = orjson.loads(roi_info)
        out[f"{row['dataset']}:{row['tag']}"] = {
            "last-mod": row["lastEdit"] or "",
            "uuid": row["uuid"] or "latest",
            "ROIs": sorted(roi_info or {}),
            "superLevelROIs": list(row["superLevelRois"] or []),
            "info": row["info"] or "N/A",
            "hidden": hidden,
            "logo": row["logo"] or "",
            "description": row["description"] or "",
            "totalPreCount": int(row["totalPreCount"] or 0),
            "totalPostCount": int(row["totalPostCount"] or 0),
        }
    return out
