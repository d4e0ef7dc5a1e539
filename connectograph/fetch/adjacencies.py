"""fetch_adjacencies and fetch_traced_adjacencies: neuron-to-neuron connection
weights per ROI (neuprint-python's), fetched in batches for large requests."""

from __future__ import annotations

import os
from functools import partial

import numpy as np
import pandas as pd

from ..client import Client, resolve_client
from ..criteria import NeuronCriteria, Parameters
from ..errors import CriteriaError, InvalidArgumentError, UnknownRoiError
from ..vocabulary import NOT_PRIMARY, TRACED
from ._dataset import checked_criteria, dataset_info, weight_condition
from ._dataset_contents import require_status
from ._synapse_types import (SynapseType, check_synapse_type, edge, kinds,
                             require_gap_junctions, with_kind_column)
from .roi_info_tables import flatten_roi_info, parse_roi_info

ROI_CONN_COLUMNS = ["bodyId_pre", "bodyId_post", "roi", "weight"]
TOTAL_CONN_COLUMNS = ["bodyId_pre", "bodyId_post", "weight"]

#: Default number of bodies per batch in :func:`fetch_adjacencies`.
DEFAULT_BATCH_SIZE = 10_000


def roi_connections_frame(connections: pd.DataFrame, primary_rois: list[str],
                          include_nonprimary: bool = False) -> pd.DataFrame:
    """Expand ``ConnectsTo`` rows into per-ROI rows.

    Parameters
    ----------
    connections : DataFrame
        ``bodyId_pre, bodyId_post, weight, roiInfo`` (roiInfo a JSON string
        ``{roi: {"post": n, ...}}``).
    primary_rois : list of str
        The dataset's primary ROIs (a partition of the brain).
    include_nonprimary : bool
        Also emit rows for non-primary ROIs (they overlap the primary ones).

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str), ``weight`` (int64):
        one row per primary ROI in which the connection has PSDs, plus
        ``NotPrimary`` = weight minus the primary-ROI sum when positive
        (neuprint-python's convention), plus non-primary ROI rows if asked.
    """
    frame = connections[["bodyId_pre", "bodyId_post", "weight", "roiInfo"]]
    n = len(frame)
    flat, (not_primary_code,) = flatten_roi_info(parse_roi_info(frame["roiInfo"]),
                                                 extra=[NOT_PRIMARY])
    post = flat.column("post")
    primary = flat.in_set(primary_rois)
    keep = (post != 0) & (primary | include_nonprimary)
    weight = frame["weight"].to_numpy(dtype=np.int64)
    rest = weight - np.bincount(flat.pos[primary], weights=post[primary],
                                minlength=n).astype(np.int64)
    has_rest = np.flatnonzero(rest > 0)
    # Per connection: its ROI rows in roiInfo order, then NotPrimary.
    row = np.concatenate([flat.pos[keep], has_rest])
    last = np.concatenate([np.zeros(int(keep.sum()), dtype=bool),
                           np.ones(len(has_rest), dtype=bool)])
    order = np.lexsort((last, row))
    pre_ids = frame["bodyId_pre"].to_numpy(dtype=np.int64)
    post_ids = frame["bodyId_post"].to_numpy(dtype=np.int64)
    roi = np.concatenate([flat.codes[keep], np.full(len(has_rest), not_primary_code)])
    return pd.DataFrame({"bodyId_pre": pre_ids[row[order]],
                         "bodyId_post": post_ids[row[order]],
                         "roi": pd.Series(flat.names[roi[order]], dtype=object),
                         "weight": np.concatenate([post[keep], rest[has_rest]])[order]})


def _empty_table(columns: list[str]) -> pd.DataFrame:
    """A connection table with no rows: int64 columns, text ``roi``/``roiInfo``."""
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("roi", "roiInfo") else "int64")
                         for c in columns})


def _known_size(nc: NeuronCriteria, label_counts: dict[str, int | None]) -> float:
    """An upper bound on the bodies ``nc`` matches without asking the server:
    the bodies loaded under its label (see :class:`~._dataset.DatasetInfo`),
    or fewer if it lists bodyIds; infinity if neither is known."""
    bound = label_counts.get(nc.label)
    bound = float("inf") if bound is None else bound
    return min(bound, len(set(nc.bodyId))) if nc.bodyId else bound


def _needs_count(src: NeuronCriteria, tgt: NeuronCriteria, batch_size: int | None, *,
                 client: Client) -> bool:
    """Whether batching depends on how many bodies the sides match (False:
    no batch size, or a side has at most ``batch_size`` bodies under its label
    or in its bodyId list)."""
    if batch_size is None:
        return False
    if batch_size < 1:
        raise CriteriaError(f"batch_size must be a positive number of bodies or None, "
                            f"not {batch_size!r}")
    counts = dataset_info(client).label_counts
    return min(_known_size(src, counts), _known_size(tgt, counts)) > batch_size


def _count_prelude(src: NeuronCriteria, tgt: NeuronCriteria, ds, where_a: str,
                   where_b: str) -> str:
    """Cypher binding ``__ns`` and ``__nt``, the numbers of bodies matching
    ``src`` (as ``a``, condition ``where_a``) and ``tgt`` (as ``b``). One set
    on both sides (e.g. traced to traced) is counted once."""
    count_a = f"CALL () {{ MATCH {src.match(ds, 'a')} WHERE {where_a} RETURN count(a) AS __ns }}"
    if src.match(ds, "a") == tgt.match(ds, "a") and src.where(ds, "a") == tgt.where(ds, "a"):
        return f"{count_a}\nWITH __ns, __ns AS __nt"
    return (f"{count_a}\n"
            f"CALL () {{ MATCH {tgt.match(ds, 'b')} WHERE {where_b} RETURN count(b) AS __nt }}")


def _batches(src: NeuronCriteria, tgt: NeuronCriteria, ns: int, nt: int,
             batch_size: int, *, client: Client) -> tuple[str | None, list[int]]:
    """The split for sides of ``ns`` and ``nt`` bodies (see :func:`batch_plan`)."""
    if ns == 0 or nt == 0:
        # No body on one side: no connection, and no batch to query.
        return ("a" if ns == 0 else "b"), []
    if min(ns, nt) <= batch_size:
        return None, []
    side, nc = ("a", src) if ns <= nt else ("b", tgt)
    ds = client.dataset
    where, side_params = nc.where(ds, side)
    rows = client.read(f"MATCH {nc.match(ds, side)} WHERE {where} "
                       f"RETURN {side}.bodyId AS bodyId ORDER BY bodyId", side_params)
    return side, [r["bodyId"] for r in rows]


def batch_plan(src: NeuronCriteria, tgt: NeuronCriteria, batch_size: int | None, *,
               client: Client) -> tuple[str | None, list[int]]:
    """Decide how to split a ``(src)-[:ConnectsTo]->(tgt)`` fetch.

    Returns ``(None, [])`` for one query (no batch size, or a side known (its
    label's body count, its bodyId list) or counted to have at most
    ``batch_size`` bodies), else the side to batch
    (``"a"`` for sources, ``"b"`` for targets, the smaller one) and its sorted
    bodyIds. As in neuprint-python, only one side is batched. A side counted
    to match no body comes back with no bodyIds: no query is needed.
    (:func:`fetch_adjacencies` sends the count together with the unbatched
    query, see :func:`_connections_and_bodies`.)
    """
    if not _needs_count(src, tgt, batch_size, client=client):
        return None, []
    ds = client.dataset
    shared = Parameters()
    where_a, _ = src.where(ds, "a", shared)
    where_b, params = tgt.where(ds, "b", shared)
    counts = client.read(f"{_count_prelude(src, tgt, ds, where_a, where_b)}\n"
                         "RETURN __ns, __nt", params)[0]
    return _batches(src, tgt, counts["__ns"], counts["__nt"], batch_size, client=client)


def _connections_and_bodies(src: NeuronCriteria, tgt: NeuronCriteria, *, min_weight: int,
                            with_roi_info: bool, batch_size: int | None,
                            properties: list[str] | None, kind: str = "chemical",
                            client: Client) -> tuple[pd.DataFrame, dict]:
    """``ConnectsTo`` rows from bodies matching ``src`` to bodies matching
    ``tgt`` with ``weight >= min_weight``, and with ``properties`` also those
    properties of both ends from the same query. ``kind="electrical"``:
    ``GapJunction`` rows instead, matched undirected (a pair of bodies of both
    sets is a row each way), with roiInfo ``'{}'`` (none).

    Returns
    -------
    (DataFrame, dict)
        ``bodyId_pre, bodyId_post, weight`` (int64) and, if ``with_roi_info``,
        ``roiInfo`` (JSON string), sorted by ``bodyId_pre, bodyId_post``; and
        ``{bodyId: (bodyId, *values)}`` of both ends (empty without
        ``properties``). Split into batches of at most ``batch_size`` bodies
        of one side (see :func:`batch_plan`); the result does not depend on
        the batching.
    """
    ds = client.dataset
    params = Parameters()
    where_a, _ = src.where(ds, "a", params)
    where_b, all_params = tgt.where(ds, "b", params)
    columns = TOTAL_CONN_COLUMNS + (["roiInfo"] if with_roi_info else [])
    fetched = columns + [f"__{side}_{i}" for i in range(len(properties or ()))
                         for side in ("pre", "post")]

    def query(side: str | None) -> str:
        return (f"MATCH {edge(kind, src.match(ds, 'a'), tgt.match(ds, 'b'))}\n"
                f"WHERE ({where_a}) AND ({where_b}) AND {weight_condition('e', min_weight)}"
                + (f" AND {side}.bodyId IN $batch" if side else "") + "\n"
                "WITH a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight"
                + ((", e.roiInfo AS roiInfo" if kind == "chemical" else ", '{}' AS roiInfo")
                   if with_roi_info else "")
                + "".join(f", a[$props[{i}]] AS __pre_{i}, b[$props[{i}]] AS __post_{i}"
                          for i in range(len(properties or ()))))

    all_params["min_weight"] = int(min_weight)
    if properties is not None:
        all_params["props"] = list(properties)
    read = partial(client.read_column_lists, columns=fetched, not_null=TOTAL_CONN_COLUMNS)
    if not _needs_count(src, tgt, batch_size, client=client):
        found = [read(query(None), params=all_params)]
    else:
        # The counts and the unbatched query go in one statement; the query
        # runs only if a side fits in one batch (the UNWIND of an empty list
        # stops it before it touches the graph).
        first = read("UNWIND CASE WHEN __ns <= $batch_size OR __nt <= $batch_size "
                     "THEN [true] ELSE [] END AS __fits\n" + query(None),
                     params={**all_params, "batch_size": int(batch_size)},
                     prelude=(_count_prelude(src, tgt, ds, where_a, where_b),
                              ["__ns", "__nt"]))
        side, bodies = _batches(src, tgt, first["__ns"], first["__nt"], batch_size,
                                client=client)
        found = [first] if side is None else [
            read(query(side), params={**all_params, "batch": bodies[i:i + batch_size]})
            for i in range(0, len(bodies), batch_size)]
    frames = [pd.DataFrame({c: f[c] for c in fetched}, columns=fetched) for f in found
              if f[fetched[0]]]
    bodies_props: dict = {}
    if properties is not None:
        n = len(properties)
        for f in frames:
            for side in ("pre", "post"):
                cols = [f[f"bodyId_{side}"].tolist()] + [f[f"__{side}_{i}"].tolist()
                                                         for i in range(n)]
                for row in zip(*cols):
                    bodies_props.setdefault(row[0], row)
    if not frames:
        return _empty_table(columns), bodies_props
    out = pd.concat(frames, ignore_index=True)
    out = out.astype({"bodyId_pre": "int64", "bodyId_post": "int64", "weight": "int64"})
    return (out.sort_values(["bodyId_pre", "bodyId_post"], ignore_index=True)[columns],
            bodies_props)


def fetch_adjacencies(sources=None, targets=None, rois: list[str] | str | None = None,
                      min_roi_weight: int = 1, min_total_weight: int = 1,
                      include_nonprimary: bool = False, export_dir: str | None = None,
                      batch_size: int | None = DEFAULT_BATCH_SIZE,
                      properties: list[str] = ("type", "instance"), *,
                      omit_rois: bool = False, synapse_type: SynapseType = "chemical",
                      client: Client | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Connections between two sets of neurons, per ROI; mirrors neuprint-python's
    ``fetch_adjacencies`` (same arguments in the same order).

    Parameters
    ----------
    sources, targets : NeuronCriteria or shorthand, optional
        Upstream and downstream bodies; at least one must be given. A missing
        side means every ``:Neuron``.
    rois : str or list of str, optional
        Keep only per-ROI rows in these ROIs (non-primary ones need
        ``include_nonprimary=True``).
    min_roi_weight : int
        Drop per-ROI rows below this weight.
    min_total_weight : int
        Keep connections whose total is at least this (raised to
        ``min_roi_weight`` if lower, as in neuprint-python). The total is taken
        before ``min_roi_weight`` drops rows: over the ``rois`` rows when
        ``rois`` is given, else over the primary-ROI and ``NotPrimary`` rows,
        i.e. the connection's weight.
    include_nonprimary : bool
        Also list rows for non-primary ROIs (they overlap the primary ones, so
        a pair's rows then sum to more than its weight). ``NotPrimary`` rows
        (weight outside every primary ROI) are always listed.
    export_dir : str, optional
        Also write ``neurons.csv``, ``roi-connections.csv`` (unless
        ``omit_rois``) and ``total-connections.csv`` there.
    batch_size : int or None
        Fetch in batches of at most this many bodies of the smaller side
        (counted first unless a side is an explicit bodyId list); None: one
        query. The result is the same either way.
    properties : list of str
        Neuron properties in ``neurons_df`` besides ``bodyId``.
    omit_rois : bool
        Return total weights only (no ``roi`` column); faster. Cannot be
        combined with ``rois``, ``min_roi_weight > 1`` or ``include_nonprimary``.
    synapse_type : {'chemical', 'electrical', 'both'}
        ``'chemical'`` (the default, neuPrint's meaning): ``ConnectsTo``.
        ``'electrical'``: gap junctions, which are symmetric: a coupling of
        A and B gives an A → B row when A is a source and B a target, and a
        B → A row when B is a source and A a target (a body coupled to
        itself: one row). ``'both'``: the rows of each kind and a
        ``synapse_type`` column. Unless chemical, ``rois`` cannot be given.
    client : Client, optional

    Returns
    -------
    neurons_df : DataFrame
        ``bodyId`` (int64) and ``properties`` for every body in the connection
        table, sorted by bodyId.
    roi_conn_df : DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str), ``weight`` (int64:
        PSDs of the downstream body in that ROI contacted by the upstream
        body), sorted by ``bodyId_pre, bodyId_post`` then weight descending.
        With ``omit_rois``: ``bodyId_pre, bodyId_post, weight`` (the total).
        A gap junction has no ROI breakdown: its one row has ``roi``
        ``'NotPrimary'`` and ``weight`` the pair's number of gap junctions
        (neuPrint's rule, "weight outside every primary ROI", applied to a
        connection with no ROI information, as it is to a chemical
        connection of a dataset without ROIs: a pair's rows still sum to its
        weight, and ``roi`` is never missing, so group-bys keep the row).
        With ``synapse_type='both'``: a last column ``synapse_type`` (str:
        ``'chemical'`` or ``'electrical'``), sorted by ``bodyId_pre,
        bodyId_post``, chemical rows first; ``min_total_weight`` applies to
        each kind's total on its own.

    Raises
    ------
    CriteriaError
        Neither sources nor targets given, bad criteria or option mix.
    UnknownRoiError
        An ROI not in the dataset, or a non-primary one without
        ``include_nonprimary``.
    InvalidArgumentError
        An unknown ``synapse_type``, or ``rois`` with electrical connections.
    DatasetLacksError
        Electrical connections asked of a dataset without gap junctions.

    Notes
    -----
    Deliberate differences from neuprint-python: with
    ``include_nonprimary=True`` neuprint-python adds the overlapping
    non-primary rows into the total checked against ``min_total_weight``
    (counting synapses twice); here the total is the connection's weight.
    neuprint-python batches by 200 bodies and queries the server several times
    even for small requests; here one query is sent unless a side has more than
    ``batch_size`` bodies.
    """
    synapse_type = check_synapse_type(synapse_type, "fetch_adjacencies")
    client = resolve_client(client)
    if sources is None and targets is None:
        raise CriteriaError("fetch_adjacencies needs sources or targets (or both)")
    info = dataset_info(client)
    src = checked_criteria(sources, client)
    tgt = checked_criteria(targets, client)
    if isinstance(rois, str):
        rois = [rois]
    rois = list(dict.fromkeys(rois or []))
    if omit_rois and (rois or min_roi_weight > 1 or include_nonprimary):
        raise CriteriaError(
            "omit_rois=True returns total weights only; it cannot filter by rois, "
            "min_roi_weight or include_nonprimary (use min_total_weight instead)")
    unknown = [r for r in rois if r not in info.all_rois]
    if unknown:
        raise UnknownRoiError(f"unknown ROI(s) in fetch_adjacencies: {unknown}; see "
                              "fetch_all_rois() for this dataset's ROIs")
    if rois and synapse_type != "chemical":
        raise InvalidArgumentError(
            f"fetch_adjacencies: rois cannot filter synapse_type={synapse_type!r}: gap "
            "junctions have no ROI breakdown; use synapse_type='chemical' with rois")
    nonprimary = [r for r in rois if r not in info.primary_rois]
    if nonprimary and not include_nonprimary:
        raise UnknownRoiError(
            f"{nonprimary} are not primary ROIs; pass include_nonprimary=True to count "
            f"weights in them. Primary ROIs: {', '.join(info.primary_rois)}")
    min_roi_weight = max(int(min_roi_weight), 1)
    min_total_weight = max(int(min_total_weight), min_roi_weight)

    require_gap_junctions(client, synapse_type, "fetch_adjacencies")
    properties = [p for p in properties if p != "bodyId"]
    tables, totals, known = {}, {}, {}
    for kind in kinds(synapse_type):
        connections, found = _connections_and_bodies(
            src, tgt, min_weight=min_total_weight, with_roi_info=not omit_rois,
            batch_size=batch_size, properties=properties, kind=kind, client=client)
        known.update(found)
        totals[kind] = connections[TOTAL_CONN_COLUMNS]
        tables[kind] = (totals[kind] if omit_rois else _roi_table(
            connections, info.primary_rois, rois, include_nonprimary, min_roi_weight,
            min_total_weight))
    if synapse_type == "both":
        conn = with_kind_column(tables, ["bodyId_pre", "bodyId_post"])
        total = with_kind_column(totals, ["bodyId_pre", "bodyId_post"])
    else:
        conn, total = tables[synapse_type], totals[synapse_type]
    bodies = sorted(set(conn["bodyId_pre"]) | set(conn["bodyId_post"]))
    neurons_df = pd.DataFrame([known[b] for b in bodies], columns=["bodyId", *properties])
    if neurons_df.empty:
        neurons_df = pd.DataFrame(columns=["bodyId", *properties])
    neurons_df = neurons_df.astype({"bodyId": "int64"})
    if export_dir:
        os.makedirs(export_dir, exist_ok=True)
        neurons_df.to_csv(os.path.join(export_dir, "neurons.csv"), index=False)
        if not omit_rois:
            conn.to_csv(os.path.join(export_dir, "roi-connections.csv"), index=False)
        total.to_csv(os.path.join(export_dir, "total-connections.csv"), index=False)
    return neurons_df, conn.reset_index(drop=True)


def _roi_table(connections: pd.DataFrame, primary_rois: list[str], rois: list[str],
               include_nonprimary: bool, min_roi_weight: int,
               min_total_weight: int) -> pd.DataFrame:
    """``roi_conn_df`` of :func:`fetch_adjacencies` from the rows of
    :func:`_connections_and_bodies` (with roiInfo), filtered and sorted."""
    if connections.empty:  # (expanding, filtering and sorting no rows costs ~3 ms)
        return _empty_table(ROI_CONN_COLUMNS)
    conn = roi_connections_frame(connections, primary_rois, include_nonprimary)
    if len(conn):
        if rois:
            conn = conn[conn["roi"].isin(rois)]
            counted = conn
        else:
            counted = conn[conn["roi"].isin(primary_rois) | (conn["roi"] == NOT_PRIMARY)]
        totals = counted.groupby(["bodyId_pre", "bodyId_post"])["weight"].sum()
        keep = totals[totals >= min_total_weight].index
        pair = pd.MultiIndex.from_frame(conn[["bodyId_pre", "bodyId_post"]])
        conn = conn[pair.isin(keep) & (conn["weight"] >= min_roi_weight).to_numpy()]
        conn = conn.sort_values(["bodyId_pre", "bodyId_post", "weight"],
                                ascending=[True, True, False], ignore_index=True)
    return conn[ROI_CONN_COLUMNS]



def fetch_traced_adjacencies(export_dir: str | None = None,
                             batch_size: int | None = DEFAULT_BATCH_SIZE, *,
                             statuses: list[str] | str = (TRACED,), omit_rois: bool = False,
                             client: Client | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every connection among traced, uncropped neurons; mirrors
    neuprint-python's ``fetch_traced_adjacencies``.

    Calls :func:`fetch_adjacencies` with ``NC(status=statuses, cropped=False)``
    on both sides (a missing ``cropped`` counts as not cropped).

    Parameters
    ----------
    export_dir : str, optional
        Also write the CSV files (see :func:`fetch_adjacencies`).
    batch_size : int or None
        See :func:`fetch_adjacencies`.
    statuses : str or list of str
        The statuses that count as traced (neuprint-python: ``'Traced'`` only;
        an addition here).
    omit_rois : bool
        Total weights only.
    client : Client, optional

    Returns
    -------
    neurons_df, roi_conn_df : DataFrame
        As :func:`fetch_adjacencies`.
    """
    client = resolve_client(client)
    require_status(client, "fetch_traced_adjacencies")
    criteria = NeuronCriteria(status=list([statuses] if isinstance(statuses, str) else statuses),
                              cropped=False)
    return fetch_adjacencies(criteria, criteria, export_dir=export_dir, batch_size=batch_size,
                             omit_rois=omit_rois, client=client)
