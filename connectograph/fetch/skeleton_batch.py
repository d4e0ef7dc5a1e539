"""fetch_skeletons: many bodies' skeletons in one query, as navis neurons
(navis' ``navis.interfaces.neuprint.fetch_skeletons``, without its one
request per body)."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from ..client import Client, resolve_client
from ..errors import InvalidArgumentError, SkeletonNotFoundError
from ._dataset import checked_criteria, dataset_info
from ._dataset_contents import require_skeletons
from ._progress import progress_bar
from .skeleton import _voxel_size_nm, healed_skeleton
from .skeleton_storage import skeleton_from_record

#: The per-node columns of a navis TreeNeuron built from a stored skeleton.
NAVIS_NODE_COLUMNS = ["node_id", "parent_id", "x", "y", "z", "radius"]
#: The connector columns navis' neuPrint interface attaches.
CONNECTOR_COLUMNS = ["connector_id", "node_id", "type", "x", "y", "z", "roi", "confidence"]


class NavisMissingWarning(UserWarning):
    """navis is not installed: :func:`fetch_skeletons` returned DataFrames."""


def navis_units(meta: dict) -> str | None:
    """navis' units string (``"8 nanometers"``) from a Meta's ``voxelSize``
    and ``voxelUnits``, as navis' neuPrint interface builds it; None when the
    Meta has no voxel size, or a list of three strings for anisotropic voxels."""
    size, units = meta.get("voxelSize"), meta.get("voxelUnits")
    if not size or not units:
        return None
    size = list(size) if isinstance(size, (list, tuple)) else [size] * 3
    if all(s == size[0] for s in size):
        return f"{_number(size[0])} {units}"
    return [f"{_number(s)} {units}" for s in size]


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else str(value)


def _skeleton_query(client: Client, criteria) -> tuple[str, dict]:
    """One query: every body matching ``criteria`` with its skeleton arrays
    (null when it has none), soma and the properties navis keeps."""
    nc = checked_criteria(criteria, client)
    where, params = nc.where(client.dataset, "n")
    skeleton = client.dataset.label("Skeleton")
    cypher = (f"MATCH {nc.match(client.dataset, 'n')}\nWHERE {where}\n"
              f"OPTIONAL MATCH (s:{skeleton}) WHERE s.bodyId = n.bodyId\n"
              "RETURN n.bodyId AS bodyId, n.instance AS instance, n.type AS type, "
              "n.status AS status, n.size AS size, n.somaRadius AS somaRadius, "
              "CASE WHEN n.somaLocation IS NULL THEN null ELSE "
              "[n.somaLocation.x, n.somaLocation.y, n.somaLocation.z] END AS soma, "
              "s.rowId AS rowId, s.nodeType AS nodeType, s.x AS x, s.y AS y, s.z AS z, "
              "s.radius AS radius, s.link AS link, s.header AS header\n"
              "ORDER BY bodyId")
    return cypher, params


def _requested_bodies(criteria) -> list[int] | None:
    """The bodyIds named by ``criteria`` when it is an id or a list of ids."""
    if isinstance(criteria, (int, np.integer)):
        return [int(criteria)]
    if isinstance(criteria, (list, tuple, np.ndarray, pd.Series)) and len(criteria) \
            and all(isinstance(b, (int, np.integer)) for b in criteria):
        return [int(b) for b in criteria]
    return None


def fetch_skeletons(criteria, *, with_synapses: bool = False, heal: bool | float = False,
                    missing: Literal["raise", "warn", "skip"] = "raise",
                    progress: bool | None = None, client: Client | None = None):
    """Skeletons of many bodies as a ``navis.NeuronList``, in one query.

    Mirrors navis' ``navis.interfaces.neuprint.fetch_skeletons`` (ids,
    instance names, soma, connectors, units from the dataset's Meta), but
    reads every skeleton (and, with ``with_synapses``, every synapse) in one
    query each instead of one request per body.

    Parameters
    ----------
    criteria : NeuronCriteria, int, list of int, str or DataFrame
        The bodies (anything :class:`~connectograph.NeuronCriteria` takes).
    with_synapses : bool, default False
        Attach each body's synapse sites (primary ROIs) as ``connectors``:
        ``connector_id, node_id, type ('pre'/'post'), x, y, z (voxels), roi,
        confidence``; ``node_id`` is the nearest skeleton node (navis' rule).
    heal : bool or float, default False
        As :func:`~connectograph.fetch.fetch_skeleton` (same result per body).
    missing : {'raise', 'warn', 'skip'}, default 'raise'
        What to do with bodies that match but have no skeleton (and, for ids
        given explicitly, ids no body has).
    progress : bool or None, default None
        A bar over the bodies built (and healed): None shows one when that
        takes longer than a second, True always, False never (tqdm's auto
        mode: a widget in notebooks, text on stderr in terminals).
    client : Client, optional

    Returns
    -------
    navis.NeuronList or dict
        One ``navis.TreeNeuron`` per body with a skeleton, in bodyId order (the
        given order for a list of ids): ``id`` = bodyId, ``name`` = instance
        (else type, else the id), ``units`` from Meta ``voxelSize``/
        ``voxelUnits`` (``"8 nanometers"`` for the hemibrain), ``soma`` = the
        node nearest ``somaLocation`` (None without one); nodes
        ``node_id, parent_id, x, y, z, radius`` in voxels. Without navis: a
        dict bodyId → skeleton DataFrame (``rowId, x, y, z, radius, link``;
        connectors in ``df.attrs["connectors"]``) and a
        :class:`NavisMissingWarning`.

    Raises
    ------
    SkeletonNotFoundError
        ``missing='raise'`` and some bodies have no skeleton (all named).
    DatasetLacksError
        The dataset has no skeletons at all.
    InvalidArgumentError
        ``missing`` is not one of the three.
    """
    records = _fetch(criteria, with_synapses, heal, missing, progress, client)
    client = resolve_client(client)
    try:
        import navis
    except ImportError:
        warnings.warn("navis is not installed, so fetch_skeletons returns a dict of skeleton "
                      "DataFrames; pip install 'connectograph[plot]' for navis neurons",
                      NavisMissingWarning, stacklevel=2)
        frames = {}
        for r, df, connectors in records:
            if connectors is not None:
                df.attrs["connectors"] = connectors
            frames[int(r["bodyId"])] = df
        return frames
    units = navis_units(dataset_info(client).meta)
    neurons = []
    for r, df, connectors in records:
        body = int(r["bodyId"])
        nodes = df.rename(columns={"rowId": "node_id", "link": "parent_id"})[NAVIS_NODE_COLUMNS]
        n = navis.TreeNeuron(nodes, units=units, id=body,
                             name=r["instance"] or r["type"] or str(body))
        n.status, n.n_voxels, n.somaLocation = r["status"], r["size"], r["soma"]
        n.soma = _nearest_node(df, [r["soma"]])[0] if r["soma"] is not None else None
        if n.soma is not None:
            n.soma_radius = r["somaRadius"] if r["somaRadius"] else "radius"
        if connectors is not None and len(connectors):
            n.connectors = connectors
        neurons.append(n)
    return navis.NeuronList(neurons)


def skeleton_frames(criteria, *, with_synapses: bool = False, heal: bool | float = False,
                    missing: Literal["raise", "warn", "skip"] = "raise",
                    progress: bool | None = None,
                    client: Client | None = None) -> dict[int, tuple]:
    """:func:`fetch_skeletons` without navis: bodyId → (skeleton DataFrame,
    connectors DataFrame or None), in the same order; same arguments and errors."""
    return {int(r["bodyId"]): (df, connectors) for r, df, connectors
            in _fetch(criteria, with_synapses, heal, missing, progress, client)}


def _fetch(criteria, with_synapses, heal, missing, progress, client) -> list[tuple]:
    """(record, skeleton DataFrame, connectors or None) per body with a
    skeleton: the work of :func:`fetch_skeletons` (one query for the
    skeletons, one for the synapses)."""
    if missing not in ("raise", "warn", "skip"):
        raise InvalidArgumentError(f"missing must be 'raise', 'warn' or 'skip', not {missing!r}")
    client = resolve_client(client)
    require_skeletons(client, "fetch_skeletons")
    cypher, params = _skeleton_query(client, criteria)
    rows = client.read(cypher, params)
    requested = _requested_bodies(criteria)
    found = {r["bodyId"] for r in rows}
    lacking = sorted({r["bodyId"] for r in rows if r["rowId"] is None}
                     | ({b for b in requested if b not in found} if requested else set()))
    if lacking:
        message = (f"dataset {client.dataset} has no skeleton for {len(lacking)} "
                   f"bod{'y' if len(lacking) == 1 else 'ies'}: "
                   f"{', '.join(map(str, lacking[:20]))}{' ...' if len(lacking) > 20 else ''}")
        if missing == "raise":
            raise SkeletonNotFoundError(message + "; pass missing='skip' to leave them out")
        if missing == "warn":
            warnings.warn(message, UserWarning, stacklevel=4)
    rows = [r for r in rows if r["rowId"] is not None]
    if requested:
        order = {b: i for i, b in enumerate(requested)}
        rows.sort(key=lambda r: order[r["bodyId"]])
    voxel_nm = _voxel_size_nm(client)
    frames = {}
    for r in progress_bar(rows, progress, desc="skeletons", unit="body"):
        body = int(r["bodyId"])
        df = skeleton_from_record(r, body).to_df()
        if heal is not False and heal is not None:
            df = healed_skeleton(df, body, heal, soma=r["soma"], voxel_size_nm=voxel_nm).skeleton
        frames[body] = df
    connectors = _connectors(list(frames), frames, client) if with_synapses and frames else {}
    return [(r, frames[int(r["bodyId"])],
             connectors.get(int(r["bodyId"]), _no_sites()) if with_synapses else None)
            for r in rows]


def _no_sites() -> pd.DataFrame:
    """An empty connectors table."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in CONNECTOR_COLUMNS})


def _nearest_node(df: pd.DataFrame, points) -> np.ndarray:
    """rowId of the skeleton node nearest each point (Euclidean, voxels)."""
    from scipy.spatial import cKDTree

    _, index = cKDTree(df[["x", "y", "z"]].to_numpy(float)).query(np.asarray(points, float))
    return df["rowId"].to_numpy()[np.atleast_1d(index)]


def _connectors(bodies: list[int], frames: dict, client: Client) -> dict[int, pd.DataFrame]:
    """Each body's synapse sites in primary ROIs (one query for all bodies),
    with the nearest skeleton node."""
    from ..criteria import NeuronCriteria, SynapseCriteria
    from .synapses import fetch_synapses

    syn = fetch_synapses(NeuronCriteria(bodyId=bodies), SynapseCriteria(primary_only=True),
                         batch_size=max(len(bodies), 1), client=client)
    out = {}
    for body, sites in syn.groupby("bodyId", sort=False):
        sites = sites.reset_index(drop=True)
        sites["connector_id"] = np.arange(len(sites))
        sites["node_id"] = _nearest_node(frames[int(body)], sites[["x", "y", "z"]])
        sites["roi"] = sites["roi"].astype("category")
        out[int(body)] = sites[CONNECTOR_COLUMNS]
    return out
