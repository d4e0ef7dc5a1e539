"""fetch_neurons: neuron properties and per-ROI synapse counts (neuprint-python's)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from neo4j.spatial import Point

from ..client import Client, resolve_client
from ..criteria import NeuronCriteria
from ..errors import CypherError, CypherSyntaxError, QueryResultError
from ..identifiers import escape_name, property_access
from ._dataset import checked_criteria, dataset_info
from .roi_info_tables import RoiCountTables, parse_roi_info, roi_count_tables

#: Column order of ``neuron_df``: neuprint-python 0.6.4's core neuron columns
#: (its ``CORE_NEURON_COLS``, ``roiInfo`` where its ``_process_neuron_df`` puts
#: it); other properties follow in alphabetical order (the order of its query;
#: its frame then lists them in the order of a Python set), then
#: ``inputRois``, ``outputRois``.
CORE_NEURON_COLUMNS = ["bodyId", "instance", "type", "pre", "post", "downstream", "upstream",
                       "mito", "size", "status", "cropped", "statusLabel", "cellBodyFiber",
                       "somaRadius", "somaLocation", "roiInfo", "inputRois", "outputRois"]
ROI_COUNT_COLUMNS = ["pre", "post", "downstream", "upstream", "mito"]
# Neo4j's code of a type error (e.g. ``n`` of the wrapped query is not a node or map).
_TYPE_ERROR = "Neo.ClientError.Statement.TypeError"


def _point_to_list(value):
    return list(value) if isinstance(value, Point) else value


def _ordered_columns(columns: dict[str, list]) -> dict[str, list]:
    """Columns as lists → core columns first, others alphabetical; point
    columns as ``[x, y, z]`` lists."""
    core = [c for c in CORE_NEURON_COLUMNS if c in columns]
    ordered = {}
    for key in core + sorted(c for c in columns if c not in core):
        col = columns[key]
        first = next((v for v in col if v is not None and v == v), None)  # v == v: not NaN
        ordered[key] = [_point_to_list(v) for v in col] if isinstance(first, Point) else col
    return ordered


def neuron_columns(data: dict[str, list], *, extra_key: str | None = None,
                   drop_empty: bool = True, keep: Iterable[str] = ()) -> dict[str, list]:
    """Columnar query result (name → list, one per property) → the neuron
    columns, core columns first ({} for no rows).

    With ``drop_empty`` (results standing for ``properties(n)`` maps) absent
    properties become NaN, as ``DataFrame.from_records`` makes them from maps
    without the key, and a property absent on every row is dropped unless
    ``keep`` names it (then its cells are None, as neuprint-python returns a
    listed property no body has); without it (map projections, which keep
    null keys) nulls stay None. ``extra_key`` names a returned field holding
    ``[[key, value], ...]`` of further properties.
    """
    columns: dict[str, list] = {}
    n = len(next(iter(data.values()))) if data else 0
    if not n:
        return columns
    for key, col in data.items():
        if key == extra_key:
            continue
        if not drop_empty:
            columns[key] = list(col)
        elif any(v is not None for v in col):
            columns[key] = [np.nan if v is None else v for v in col]
        elif key in keep:
            columns[key] = [None] * n
    if extra_key is not None:
        _scatter(data[extra_key], n, columns)
    return _ordered_columns(columns)


def _scatter(rows, n: int, columns: dict[str, list], skip: set[str] = frozenset()) -> None:
    """Put each of ``n`` rows' ``(key, value)`` pairs into ``columns``: one list
    of ``n`` per key (created on first sight), NaN where a row lacks the key
    (as ``DataFrame.from_records`` puts it); keys in ``skip`` are left out."""
    for i, pairs in enumerate(rows):
        for k, v in pairs or ():
            if k not in skip:
                col = columns.get(k)
                if col is None:
                    col = columns[k] = [np.nan] * n
                col[i] = v


def _columns_from_maps(maps: list[dict], all_rois: list[str]) -> dict[str, list]:
    """Property maps of bodies → the neuron columns :func:`neuron_columns`
    returns (ROI flags dropped; NaN where a body lacks a property, as
    ``DataFrame.from_records`` puts it; {} for no bodies)."""
    columns: dict[str, list] = {}
    _scatter((props.items() for props in maps), len(maps), columns, skip=set(all_rois))
    return _ordered_columns(columns)


def _empty_neuron_frame(listed: list[str] | None = None) -> pd.DataFrame:
    """No bodies: the core columns, or with ``listed`` those properties (in
    :func:`neuron_columns`' order) and ``inputRois``, ``outputRois``."""
    if listed is None:
        return pd.DataFrame(columns=[c for c in CORE_NEURON_COLUMNS
                                     if c not in ("inputRois", "outputRois")])
    return pd.DataFrame(columns=[*_ordered_columns({k: [] for k in listed}),
                                 "inputRois", "outputRois"])


def roi_counts_frame(neuron_df: pd.DataFrame, primary_rois: list[str]) -> pd.DataFrame:
    """Per-neuron, per-ROI counts from ``roiInfo`` (dicts), plus ``NotPrimary``
    rows = the neuron's totals minus its primary-ROI sums (neuprint-python's
    definition; all-zero rows dropped).

    Returns
    -------
    DataFrame
        ``bodyId, roi, pre, post, downstream, upstream[, mito]`` (int64), sorted
        by ``bodyId, roi``.
    """
    return _roi_tables(neuron_df, list(neuron_df["roiInfo"]), primary_rois).counts


def _roi_tables(neuron_df: pd.DataFrame, infos: list[dict],
                primary_rois: list[str]) -> RoiCountTables:
    countcols = [c for c in ROI_COUNT_COLUMNS if c in neuron_df.columns]
    totals = {c: pd.to_numeric(neuron_df[c], errors="coerce").to_numpy(dtype="float64")
              for c in countcols}
    return roi_count_tables(neuron_df["bodyId"].to_numpy(), infos, totals, primary_rois)


def fetch_neurons(criteria: NeuronCriteria | int | str | list | pd.DataFrame | None = None, *,
                  omit_rois: bool = False, returned_columns: list[str] | None = None,
                  client: Client | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Neuron properties and per-ROI synapse counts; mirrors neuprint-python's
    ``fetch_neurons``.

    Parameters
    ----------
    criteria : NeuronCriteria or shorthand
        Which bodies (see :class:`~connectograph.criteria.NeuronCriteria`; an int
        or list means bodyIds, a str a type or instance). None: every ``:Neuron``.
    omit_rois : bool
        Skip ``roiInfo`` parsing: no ``inputRois``/``outputRois`` columns and
        ``roi_counts_df`` is None (faster).
    returned_columns : list of str, optional
        Only these neuron properties (``bodyId`` always included).
    client : Client, optional
        Default: the client set with ``set_default_client``.

    Returns
    -------
    neuron_df : DataFrame
        One row per body, sorted by ``bodyId``: ``bodyId`` (int64), ``instance``,
        ``type`` (str), ``pre`` (T-bars), ``post`` (PSDs), ``downstream``,
        ``upstream`` (int), ``size`` (voxels), ``status``, ``cropped`` (bool),
        ``statusLabel``, ``cellBodyFiber``, ``somaRadius`` (voxels),
        ``somaLocation`` (``[x, y, z]`` in 8 nm voxels or None), ``roiInfo``
        (dict), then the other properties in alphabetical order; with
        ``inputRois`` / ``outputRois`` (sorted ROI names where ``post`` /
        ``pre`` > 0) last. Every property the dataset's
        ``Meta.neuronProperties`` lists (less ROI flags) is a column, as in
        neuprint-python, even one none of these bodies has (all None then);
        missing values are NaN/None.
    roi_counts_df : DataFrame or None
        ``bodyId, roi, pre, post, downstream, upstream[, mito]`` (int64), with
        ``NotPrimary`` rows (see :func:`roi_counts_frame`).

    Raises
    ------
    UnknownRoiError
        An ROI in the criteria is not in the dataset (closest names listed).
    CriteriaError
        Invalid criteria or an unknown property name.
    """
    client = resolve_client(client)
    nc = checked_criteria(criteria, client)
    info = dataset_info(client)
    where, params = nc.where(client.dataset, "n", roi_seek=True)  # n starts the query
    projection = _PropertyProjection.build(info, "n", returned_columns, omit_rois)
    params.update(projection.params)
    cypher = (f"MATCH {nc.match(client.dataset, 'n')}\nWHERE {where}\n"
              f"WITH {projection.fields}\nORDER BY bodyId")
    data = client.read_column_lists(cypher, projection.columns, params, not_null=["bodyId"])
    # every listed property is a column, null where no body has it (neuprint-python's)
    columns = neuron_columns(data, extra_key=projection.extra, drop_empty=not returned_columns,
                             keep=projection.keys)
    return _column_tables(columns, info.primary_rois,
                          keys=projection.keys if returned_columns else None,
                          listed=projection.keys, omit_rois=omit_rois)


@dataclass(frozen=True)
class _PropertyProjection:
    """The ``WITH`` fields that return a body's properties as columns.

    ``keys``: the neuron columns asked for; ``columns``: the returned field
    names (``keys`` without ROI flags, plus ``extra``); ``extra``: the field
    holding ``[[key, value], ...]`` of properties the Meta does not list
    (None with ``returned_columns``); ``params``: the query parameters the
    fields use.
    """

    keys: list[str]
    columns: list[str]
    extra: str | None
    fields: str
    params: dict

    @classmethod
    def build(cls, info, var: str, returned_columns: list[str] | None,
              omit_rois: bool) -> "_PropertyProjection":
        rois = set(info.all_rois)
        params: dict = {}
        if returned_columns:
            keys = list(dict.fromkeys(["bodyId", *returned_columns,
                                       *([] if omit_rois else ["roiInfo"])]))
            extra = None
            query_keys = [k for k in keys if k not in rois]  # ROI flags are never columns
        else:
            # One returned field per known property (columnar results decode
            # faster than maps and skip the ROI flags), plus any property the
            # Meta does not list, as [key, value] pairs.
            keys = ["bodyId", *sorted(k for k in info.neuron_properties
                                      if k != "bodyId" and k not in rois)]
            extra = "__other_properties"
            # A map, so each key is one hash lookup (``k IN $list`` scans the list).
            params["__known_properties"] = {k: True for k in [*keys, *info.all_rois]}
            query_keys = keys
        fields = ", ".join(f"{property_access(var, k)} AS {escape_name(k)}"
                           for k in query_keys)
        if extra:
            fields += (f", [k IN keys({var}) WHERE $__known_properties[k] IS NULL "
                       f"| [k, {var}[k]]] AS {extra}")
        return cls(keys, [*query_keys, *([extra] if extra else [])], extra, fields, params)


def neuron_tables(records: list, all_rois: list[str], primary_rois: list[str], *,
                  keys: list[str] | None = None,
                  omit_rois: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Body property maps (dicts or driver nodes) → ``(neuron_df, roi_counts_df)``
    as :func:`fetch_neurons` returns them (``keys``: keep only these columns)."""
    return _column_tables(_columns_from_maps(records, all_rois), primary_rois, keys=keys,
                          omit_rois=omit_rois)


def _numbers(values: list) -> np.ndarray:
    """A count column as float64 (None and non-numbers → NaN)."""
    try:
        return np.array(values, dtype="float64")  # None → NaN
    except (TypeError, ValueError):
        return np.asarray(pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"),
                          dtype="float64")


def _column_tables(columns: dict[str, list], primary_rois: list[str], *,
                   keys: list[str] | None = None, listed: list[str] | None = None,
                   omit_rois: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Neuron columns (as :func:`neuron_columns` returns them) → ``(neuron_df,
    roi_counts_df)``; the neuron frame is built once, from finished columns
    (for the small results typical of these calls, building and then
    extending a frame costs more than the query). ``keys``: only these
    columns; ``listed``: the columns of an answer without bodies (default:
    the core columns)."""
    if not columns:
        empty = _empty_neuron_frame(None if keys is not None else listed)
        if keys is not None:
            empty = empty.reindex(columns=keys)
        if omit_rois:
            return empty.drop(columns=["roiInfo", "inputRois", "outputRois"],
                              errors="ignore"), None
        return empty, pd.DataFrame(columns=["bodyId", "roi", "pre", "post"])
    n = len(columns["bodyId"])
    if keys is not None:
        columns = {k: columns[k] if k in columns else [np.nan] * n for k in keys}
    if omit_rois:
        columns.pop("roiInfo", None)
        return pd.DataFrame(columns), None
    infos = parse_roi_info(columns.get("roiInfo") or [None] * n)
    columns["roiInfo"] = infos
    totals = {c: _numbers(columns[c]) for c in ROI_COUNT_COLUMNS if c in columns}
    tables = roi_count_tables(np.asarray(columns["bodyId"], dtype="int64"), infos, totals,
                              primary_rois)
    columns["inputRois"] = tables.input_rois
    columns["outputRois"] = tables.output_rois
    return pd.DataFrame(columns), tables.counts


def fetch_custom_neurons(q: str, params: dict | None = None, *,
                         client: Client | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Neuron table from your own Cypher; mirrors neuprint-python's
    ``fetch_custom_neurons``.

    Parameters
    ----------
    q : str
        A read query that matches bodies as ``n`` and ends with ``RETURN n``
        (other returned columns are ignored). Scope it to the dataset with its
        labels, e.g. ``MATCH (n:`hemibrain-mb:v1.2.1_Neuron`)`` (from
        ``client.dataset.label("Neuron")``).
    params : dict, optional
        Query parameters (``$name`` in ``q``); an addition to neuprint-python,
        whose version takes only the query text.
    client : Client, optional

    Returns
    -------
    neuron_df : DataFrame
        As :func:`fetch_neurons`: one row per returned body in the query's
        order, ``bodyId`` (int64) then the core neuPrint columns (``instance,
        type, pre, post, downstream, upstream, ..., somaLocation`` as
        ``[x, y, z]`` in 8 nm voxels, ``roiInfo`` parsed to dicts) and the
        other properties; ROI boolean properties are dropped; ``inputRois`` /
        ``outputRois`` list the ROIs with ``post`` / ``pre`` > 0.
    roi_counts_df : DataFrame
        ``bodyId, roi, pre, post, downstream, upstream[, mito]`` (int64), with
        ``NotPrimary`` rows; empty (columns ``bodyId, roi, pre, post``) when
        no body matched.

    Raises
    ------
    QueryResultError
        The query returns no column ``n``, or ``n`` is not a node or map.
    CypherSyntaxError
        The query is not valid Cypher; the message holds Neo4j's.
    ReadOnlyAccessError
        The query writes (queries run read-only).
    CypherError
        Neo4j refused the query otherwise (a type error, a missing parameter...).
    QueryTimeoutError, ConnectionFailedError, AuthenticationError
        As for :meth:`~connectograph.connection.Connection.run`.
    """
    client = resolve_client(client)
    info = dataset_info(client)
    # Fast path: the query runs as a subquery and the bodies' property maps
    # come back in one list (one record to decode instead of one per body; a
    # map per body rather than a column per property, which would cost more
    # to plan than to run for a query seen once). A query this wrapping does
    # not fit (no ``n``, ``n`` not a node or map, a clause a subquery cannot
    # hold) runs as written instead, which raises the errors below or returns
    # what it returns.
    wrapped = (f"CALL () {{\n{q.strip().rstrip(';')}\n}}\n"
               "RETURN collect(properties(n)) AS n")
    try:
        maps = client.read(wrapped, params)[0]["n"]
    except CypherError as err:
        if not (isinstance(err, CypherSyntaxError) or err.code == _TYPE_ERROR):
            raise
        # not wrappable: run as written below
    else:
        return _column_tables(_columns_from_maps(maps, info.all_rois), info.primary_rois)
    df = client.read_frame(q, params)
    if "n" not in df.columns:
        raise QueryResultError(
            f"fetch_custom_neurons needs the query to RETURN n (the bodies); it returned "
            f"{list(df.columns)}. End the query with 'RETURN n'")
    records = df["n"].tolist()
    bad = [r for r in records if not hasattr(r, "keys")]
    if bad:
        raise QueryResultError(
            f"fetch_custom_neurons needs n to be a node (or a map of its properties); got "
            f"{bad[0]!r}. Return the matched node itself: 'RETURN n'")
    return neuron_tables(records, info.all_rois, info.primary_rois)
