"""fetch_simple_connections and fetch_common_connectivity (neuprint-python's)."""

from __future__ import annotations

from typing import Literal

import orjson
import pandas as pd

from ..client import Client, resolve_client
from ..criteria import Parameters
from ..errors import CriteriaError, InvalidArgumentError, UnknownRoiError
from ..identifiers import escape_name
from ._dataset import checked_criteria, dataset_info, weight_condition
from ._synapse_types import (SynapseType, check_synapse_type, edge, kinds, require_gap_junctions,
                             with_kind_column)
from .roi_info_tables import parse_roi_info


def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def simple_connection_columns(properties: list[str]) -> list[str]:
    """Column order of :func:`fetch_simple_connections` (``synapse_type="both"``
    adds a last column, ``synapse_type``)."""
    cols = ["bodyId_pre", "bodyId_post", "weight"]
    for p in properties:
        cols += [f"{p}_pre", f"{p}_post"]
    return cols + ["conn_roiInfo"]


def _conn_roi_info(kind: str, var: str = "e") -> str:
    """The ``conn_roiInfo`` expression of a kind: the stored roiInfo of a
    ``ConnectsTo``; ``'{}'`` (no ROI) for a gap junction, which has none."""
    return f"{var}.roiInfo" if kind == "chemical" else "'{}'"


def fetch_simple_connections(upstream_criteria=None, downstream_criteria=None,
                             rois: list[str] | str | None = None, min_weight: int = 1,
                             properties: list[str] = ("type", "instance"), *,
                             synapse_type: SynapseType = "chemical",
                             client: Client | None = None) -> pd.DataFrame:
    """Connections from one set of neurons to another, one row per pair;
    mirrors neuprint-python's ``fetch_simple_connections``.

    Parameters
    ----------
    upstream_criteria, downstream_criteria : NeuronCriteria or shorthand, optional
        The upstream (presynaptic) and downstream bodies; a missing side means
        every ``:Neuron``.
    rois : str or list of str, optional
        Keep pairs connecting in at least one of these ROIs (their ``weight``
        stays the total over all ROIs). Only ROIs stored in the connection's
        ``roiInfo`` can match (as in neuPrint, a key of it: synapse-derived
        connections list every ROI of their synapses, per-ROI tables their
        ROIs).
    min_weight : int
        Keep connections with total ``weight`` at least this.
    properties : list of str
        Neuron properties to add for both sides, as ``<p>_pre`` and
        ``<p>_post``; ``roiInfo`` comes parsed (dicts).
    synapse_type : {'chemical', 'electrical', 'both'}
        ``'chemical'`` (neuPrint's meaning, the default): ``ConnectsTo``.
        ``'electrical'``: gap junctions (``GapJunction``), which are
        symmetric: a coupling of A and B is both an A → B and a B → A row
        (``upstream_criteria=A`` lists A's partners as ``bodyId_post``); a
        body coupled to itself is one row. ``'both'``: the rows of each kind,
        and a ``synapse_type`` column; a pair with both kinds is two rows.
        Cannot be combined with ``rois`` unless chemical (gap junctions have
        no ROI breakdown).
    client : Client, optional

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``weight`` (int64: PSDs of the
        downstream body contacted by the upstream body; for a gap junction
        row the number of gap junctions of the pair), then
        ``<p>_pre, <p>_post`` for each property (``type_pre, type_post,
        instance_pre, instance_post`` by default; None where absent), then
        ``conn_roiInfo`` (dict ``{roi: {"post": n, "pre": m}}``: PSDs and,
        where known, T-bars of the connection per ROI; ``{}`` for a gap
        junction), then with ``synapse_type='both'`` a ``synapse_type``
        column (str: ``'chemical'`` or ``'electrical'``).
        Sorted by weight descending, then ``bodyId_pre``, ``bodyId_post``
        (then chemical before electrical).

    Raises
    ------
    UnknownRoiError
        An ROI (in ``rois`` or in the criteria) not in the dataset.
    CriteriaError
        Invalid criteria.
    InvalidArgumentError
        An unknown ``synapse_type``, or ``rois`` with electrical connections.
    DatasetLacksError
        Electrical connections asked of a dataset without gap junctions.
    """
    synapse_type = check_synapse_type(synapse_type, "fetch_simple_connections")
    client = resolve_client(client)
    info = dataset_info(client)
    up = checked_criteria(upstream_criteria, client)
    down = checked_criteria(downstream_criteria, client)
    rois = _as_list(rois)
    unknown = [r for r in rois if r not in info.all_rois]
    if unknown:
        raise UnknownRoiError(f"unknown ROI(s) in fetch_simple_connections: {unknown}; "
                              "see fetch_all_rois() for this dataset's ROIs")
    if rois and synapse_type != "chemical":
        raise InvalidArgumentError(
            f"fetch_simple_connections: rois cannot filter synapse_type={synapse_type!r}: "
            "gap junctions have no ROI breakdown; use synapse_type='chemical' with rois")
    require_gap_junctions(client, synapse_type, "fetch_simple_connections")
    properties = list(properties)
    ds = client.dataset
    params = Parameters()
    where_n, _ = up.where(ds, "n", params)
    where_m, all_params = down.where(ds, "m", params)
    props_ret = _props_return(properties, "n", "m")
    all_params.update(min_weight=int(min_weight), props=properties)
    frames = {}
    for kind in kinds(synapse_type):
        cypher = (f"MATCH {edge(kind, up.match(ds, 'n'), down.match(ds, 'm'))}\n"
                  f"WHERE ({where_n}) AND ({where_m}) AND {weight_condition('e', min_weight)}\n"
                  "WITH n.bodyId AS bodyId_pre, m.bodyId AS bodyId_post, e.weight AS weight"
                  f"{props_ret}, {_conn_roi_info(kind)} AS conn_roiInfo\n"
                  "ORDER BY weight DESC, bodyId_pre, bodyId_post")
        frames[kind] = _connection_frame(
            _read_connections(client, cypher, all_params, properties), properties)
    if synapse_type != "both":
        df = frames[synapse_type]
    else:
        df = with_kind_column(frames, ["weight", "bodyId_pre", "bodyId_post"],
                              [False, True, True])
    if rois and not df.empty:
        wanted = set(rois)
        df = df[df["conn_roiInfo"].map(lambda d: not wanted.isdisjoint(d))]
    return df.reset_index(drop=True)


def _props_return(properties: list[str], pre: str, post: str) -> str:
    """``, pre[$props[i]] AS `<p>_pre`, post[$props[i]] AS `<p>_post``` for each
    property: property names travel as parameters, only the aliases are spliced
    (escaped)."""
    return "".join(f", {pre}[$props[{i}]] AS {escape_name(p + '_pre')}"
                   f", {post}[$props[{i}]] AS {escape_name(p + '_post')}"
                   for i, p in enumerate(properties))


def _read_connections(client: Client, cypher: str, params: dict,
                      properties: list[str]) -> pd.DataFrame:
    """Rows of a simple-connections query ending in ``WITH`` (fetched column-wise)."""
    return client.read_columns(cypher, simple_connection_columns(properties), params,
                               not_null=("bodyId_pre", "bodyId_post", "weight"))


def _connection_frame(df: pd.DataFrame, properties: list[str]) -> pd.DataFrame:
    """Name, type and parse the rows of a simple-connections query."""
    columns = simple_connection_columns(properties)
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("bodyId_pre", "bodyId_post",
                                                                 "weight") else object)
                             for c in columns})
    df.columns = columns
    df["conn_roiInfo"] = parse_roi_info(df["conn_roiInfo"])
    if "roiInfo" in properties:
        for col in ("roiInfo_pre", "roiInfo_post"):
            df[col] = [orjson.loads(s) if isinstance(s, str) else s for s in df[col]]
    return df.astype({"bodyId_pre": "int64", "bodyId_post": "int64", "weight": "int64"})


def fetch_common_connectivity(criteria, search_direction: Literal["upstream",
                                                                  "downstream"] = "upstream",
                              min_weight: int = 1, properties: list[str] = ("type", "instance"),
                              *, synapse_type: SynapseType = "chemical",
                              client: Client | None = None) -> pd.DataFrame:
    """Partners shared by every neuron of a set; mirrors neuprint-python's
    ``fetch_common_connectivity`` (neuPrint Explorer's Common Connectivity).

    Parameters
    ----------
    criteria : NeuronCriteria or shorthand
        The neurons whose common partners are wanted (the matched set).
    search_direction : {'upstream', 'downstream'}
        Common inputs (partners upstream of every matched neuron) or common
        outputs.
    min_weight : int
        Only connections of at least this weight count.
    properties : list of str
        As in :func:`fetch_simple_connections`.
    synapse_type : {'chemical', 'electrical', 'both'}
        ``'chemical'`` (the default, neuPrint's meaning): ``ConnectsTo``.
        ``'electrical'``: gap junctions, symmetric, so upstream and downstream
        find the same partners (in ``_pre`` or ``_post`` as the direction
        says). ``'both'``: each kind judged on its own (a partner is common
        if it has that kind of connection with every matched neuron), the
        rows of both, and a ``synapse_type`` column.
    client : Client, optional

    Returns
    -------
    DataFrame
        :func:`fetch_simple_connections` columns, one row per (partner, matched
        neuron) connection, for the partners (``:Neuron``) connected to every
        matched neuron with at least ``min_weight``. Upstream: matched neurons
        in the ``_post`` columns, partners in ``_pre``; downstream the reverse.
        Sorted by weight descending, then ``bodyId_pre``, ``bodyId_post``
        (then chemical before electrical). Gap junction rows have
        ``conn_roiInfo`` ``{}``; with ``synapse_type='both'`` a last column
        ``synapse_type`` (str).

    Raises
    ------
    CriteriaError
        Bad ``search_direction`` or criteria.
    InvalidArgumentError
        An unknown ``synapse_type``.
    DatasetLacksError
        Electrical connections asked of a dataset without gap junctions.

    Notes
    -----
    Fixes a neuprint-python bug: it counts the matched set as the matched
    neurons that have at least one connection in the result, so a matched
    neuron with no (strong enough) partner is silently ignored and partners
    of the others are reported as "common to all". Here the matched set is
    every body the criteria match; if one of them has no partner, no partner
    is common and the result is empty.

    Computed in one query: the matched set is collected on the server and
    only the rows of common partners are returned.
    """
    if search_direction not in ("upstream", "downstream"):
        raise CriteriaError(f"search_direction must be 'upstream' or 'downstream', "
                            f"not {search_direction!r}")
    synapse_type = check_synapse_type(synapse_type, "fetch_common_connectivity")
    client = resolve_client(client)
    nc = checked_criteria(criteria, client)
    require_gap_junctions(client, synapse_type, "fetch_common_connectivity")
    ds = client.dataset
    properties = list(properties)
    # x heads the query and is its only criteria: the ROI form may seek.
    where, params = nc.where(ds, "x", roi_seek=True)
    params.update(min_weight=int(min_weight), props=properties)
    partner = f"(y:{ds.label('Neuron')})"
    pre, post = ("y", "x") if search_direction == "upstream" else ("x", "y")
    frames = {}
    for kind in kinds(synapse_type):
        # One query: collect the matched set, then keep the partners connected to
        # every member (k = size of the set, so a member without partners leaves
        # none); only their rows leave the server.
        if search_direction == "upstream":
            expand = f"MATCH {edge(kind, partner, '(x)')}"
        else:
            expand = f"MATCH {edge(kind, '(x)', partner)}"
        cypher = (f"MATCH {nc.match(ds, 'x')} WHERE {where}\n"
                  "WITH collect(x) AS matched\n"
                  "UNWIND matched AS x\n"
                  f"{expand}\n"
                  f"WHERE {weight_condition('e', min_weight)}\n"
                  "WITH y, size(matched) AS k, count(DISTINCT x) AS reached, "
                  "collect([x, e]) AS conns\n"
                  "WHERE reached = k\n"
                  "UNWIND conns AS xe\n"
                  "WITH y, xe[0] AS x, xe[1] AS e\n"
                  f"WITH {pre}.bodyId AS bodyId_pre, {post}.bodyId AS bodyId_post, "
                  f"e.weight AS weight{_props_return(properties, pre, post)}, "
                  f"{_conn_roi_info(kind)} AS conn_roiInfo\n"
                  "ORDER BY weight DESC, bodyId_pre, bodyId_post")
        frames[kind] = _connection_frame(_read_connections(client, cypher, params, properties),
                                         properties)
    if synapse_type != "both":
        return frames[synapse_type].reset_index(drop=True)
    return with_kind_column(frames, ["weight", "bodyId_pre", "bodyId_post"],
                              [False, True, True])
