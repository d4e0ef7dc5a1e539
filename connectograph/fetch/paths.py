"""fetch_paths and fetch_shortest_paths: chains of connections between two bodies
(neuprint-python's), stopped by a server-side time limit that raises."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ..client import Client, resolve_client
from ..criteria import NeuronCriteria
from ..errors import CriteriaError
from ..vocabulary import TRACED
from ._dataset import checked_criteria, weight_condition
from ._synapse_types import (KIND_COLUMN, RELATIONSHIP, SynapseType, check_synapse_type,
                             require_gap_junctions)

#: Longest path length accepted (relationships); longer searches never finish.
MAX_PATH_LENGTH = 20


def _body(value, name: str) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise CriteriaError(f"{name} must be one bodyId (an integer), not {value!r}")


def _length(value, name: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) \
            or not 1 <= int(value) <= MAX_PATH_LENGTH:
        raise CriteriaError(f"{name} must be an integer from 1 to {MAX_PATH_LENGTH}, "
                            f"not {value!r}")
    return int(value)


def _steps(synapse_type: SynapseType, hops: str) -> tuple[str, str]:
    """The variable-length relationship pattern of ``synapse_type`` with
    ``hops`` (e.g. ``*``, ``*3``, ``*1..4``: rendered by the code), and the
    path condition it needs (``""`` for none).

    Chemical: ``-[:ConnectsTo*]->``, as before. Electrical: gap junctions are
    symmetric, so ``-[:GapJunction*]-`` (undirected). Both: either type,
    undirected, with the condition that every ``ConnectsTo`` is walked from
    its presynaptic end (it starts at the node before it in the path)."""
    if synapse_type == "chemical":
        return f"-[:ConnectsTo{hops}]->", ""
    if synapse_type == "electrical":
        return f"-[:GapJunction{hops}]-", ""
    return (f"-[:ConnectsTo|GapJunction{hops}]-",
            "all(i IN range(0, length(p) - 1) WHERE type(relationships(p)[i]) = "
            "'GapJunction' OR startNode(relationships(p)[i]) = nodes(p)[i])\n  AND ")


#: Relationship type → the ``synapse_type`` value of a path step.
_KIND_OF = {rel: kind for kind, rel in RELATIONSHIP.items()}


def fetch_paths(upstream_bodyId: int, downstream_bodyId: int, min_weight: int = 1,
                intermediate_criteria=None, timeout: float | None = 5.0, *,
                path_length: int | None = None, max_path_length: int | None = None,
                synapse_type: SynapseType = "chemical",
                client: Client | None = None) -> pd.DataFrame:
    """Paths of connections from one body to another; mirrors neuprint-python's
    ``fetch_paths``.

    Parameters
    ----------
    upstream_bodyId, downstream_bodyId : int
        Start and end bodies (any ``:Segment`` of the dataset).
    min_weight : int
        Every connection along a path must have at least this weight.
    intermediate_criteria : NeuronCriteria or shorthand, optional
        Every body between the two ends must match; default
        ``NC(status="Traced")``. ``inputRois``/``outputRois`` are not
        supported (intersecting ``rois`` are).
    timeout : float or None
        Seconds before the server stops the search; None: no limit.
    path_length : int, optional
        Exact number of connections in each path.
    max_path_length : int, optional
        Every path of 1 to this many connections. With neither, all shortest
        paths.
    synapse_type : {'chemical', 'electrical', 'both'}
        The connections a path may use: ``'chemical'`` (the default,
        neuPrint's meaning) ``ConnectsTo``, each from its upstream body to
        its downstream one; ``'electrical'`` gap junctions, which are
        symmetric and so walked either way; ``'both'`` either kind (chemical
        ones still only forward), and a ``synapse_type`` column.
    client : Client, optional

    Returns
    -------
    DataFrame
        One row per body per path: ``path`` (int64, path number from 0),
        ``bodyId`` (int64), ``type`` (str or None), ``weight`` (int64: weight of
        the connection into this body from the previous one, for a gap
        junction the pair's number of gap junctions; 0 for the first body);
        with ``path_length``/``max_path_length`` also ``path_length`` (int64,
        connections in the path); with ``synapse_type='both'`` a last column
        ``synapse_type`` (str: ``'chemical'`` or ``'electrical'``, the kind of
        the connection into this body; None for the first body). Paths are
        numbered in order of length, then of their bodyId sequence (then of
        their kinds). Empty (same columns) when no path exists.

    Raises
    ------
    QueryTimeoutError
        The search ran longer than ``timeout`` seconds. (neuprint-python
        returns an empty frame instead, indistinguishable from "no path";
        deliberate difference.)
    CriteriaError
        Both ``path_length`` and ``max_path_length``, lengths outside 1 to
        :data:`MAX_PATH_LENGTH`, equal ends with shortest paths, a body missing
        from the dataset, or unsupported criteria.
    InvalidArgumentError
        An unknown ``synapse_type``.
    DatasetLacksError
        Electrical connections asked of a dataset without gap junctions.
    """
    if path_length is not None and max_path_length is not None:
        raise CriteriaError("give path_length or max_path_length, not both")
    synapse_type = check_synapse_type(synapse_type, "fetch_paths")
    client = resolve_client(client)
    src, dest = _body(upstream_bodyId, "upstream_bodyId"), _body(downstream_bodyId,
                                                                  "downstream_bodyId")
    nc = (checked_criteria(NeuronCriteria(status=TRACED), client)
          if intermediate_criteria is None else checked_criteria(intermediate_criteria, client))
    if nc.inputRois or nc.outputRois:
        raise CriteriaError("fetch_paths does not support inputRois/outputRois in "
                            "intermediate_criteria; use rois (intersecting ROIs) instead")
    # Variable-length bounds cannot be query parameters in Cypher; they are
    # validated Python ints (1..MAX_PATH_LENGTH) rendered by the code.
    if path_length is not None:
        steps, direction = _steps(synapse_type, f"*{_length(path_length, 'path_length')}")
        pattern = f"p = (src){steps}(dest)"
    elif max_path_length is not None:
        steps, direction = _steps(synapse_type,
                                  f"*1..{_length(max_path_length, 'max_path_length')}")
        pattern = f"p = (src){steps}(dest)"
    else:
        if src == dest:
            raise CriteriaError("shortest paths need two different bodies; use path_length "
                                "or max_path_length for cycles")
        steps, direction = _steps(synapse_type, "*")
        pattern = f"p = allShortestPaths((src){steps}(dest))"
    require_gap_junctions(client, synapse_type, "fetch_paths")
    ds = client.dataset
    where, params = nc.where(ds, "n")
    seg = ds.label("Segment")
    condition = weight_condition("x", min_weight)
    weights = ("" if condition == "true"
               else f"all(x IN relationships(p) WHERE {condition})\n  AND ")
    cypher = (f"MATCH (src:{seg} {{bodyId: $src}}), (dest:{seg} {{bodyId: $dest}}), {pattern}\n"
              f"WHERE {direction}{weights}all(n IN nodes(p) WHERE n.bodyId IN [$src, $dest]\n"
              f"                          OR (n:{ds.label(nc.label)} AND ({where})))\n"
              "RETURN [n IN nodes(p) | [n.bodyId, n.type]] AS path, "
              "[x IN relationships(p) | x.weight] AS weights"
              + (", [x IN relationships(p) | type(x)] AS kinds"
                 if synapse_type == "both" else ""))
    params.update(src=src, dest=dest, min_weight=int(min_weight))
    rows = client.read(cypher, params, timeout=timeout)
    if not rows:
        found = client.read(f"MATCH (n:{seg}) WHERE n.bodyId IN [$src, $dest] "
                            "RETURN collect(n.bodyId) AS ids", {"src": src, "dest": dest})
        missing = sorted({src, dest} - set(found[0]["ids"]))
        if missing:
            raise CriteriaError(f"body {missing} not in dataset {ds}")
    paths = [([tuple(node) for node in r["path"]], list(r["weights"]),
              [_KIND_OF[t] for t in r.get("kinds", [])]) for r in rows]
    paths.sort(key=lambda pwk: (len(pwk[0]), [b for b, _ in pwk[0]], pwk[2]))
    index, bodies, types, weights, lengths, kinds = [], [], [], [], [], []
    for i, (nodes, ws, ks) in enumerate(paths):
        index += [i] * len(nodes)
        bodies += [b for b, _ in nodes]
        types += [t for _, t in nodes]
        weights += [0, *ws]
        lengths += [len(ws)] * len(nodes)
        kinds += [None, *ks]
    columns = {"path": np.array(index, dtype="int64"),
               "bodyId": np.array(bodies, dtype="int64"),
               "type": pd.Series(types, dtype=object),
               "weight": np.array(weights, dtype="int64")}
    if path_length is not None or max_path_length is not None:
        columns["path_length"] = np.array(lengths, dtype="int64")
    if synapse_type == "both":
        columns[KIND_COLUMN] = pd.Series(kinds, dtype=object)
    return pd.DataFrame(columns)


def fetch_shortest_paths(upstream_bodyId: int, downstream_bodyId: int, min_weight: int = 1,
                         intermediate_criteria=None, timeout: float | None = 5.0, *,
                         synapse_type: SynapseType = "chemical",
                         client: Client | None = None) -> pd.DataFrame:
    """All shortest paths from one body to another; mirrors neuprint-python's
    ``fetch_shortest_paths`` (:func:`fetch_paths` with no length given).

    ``synapse_type`` (``'chemical'``, the default; ``'electrical'``: gap
    junctions, walked either way; ``'both'``) as in :func:`fetch_paths`.

    Returns
    -------
    DataFrame
        ``path, bodyId`` (int64), ``type`` (str), ``weight`` (int64), and with
        ``synapse_type='both'`` ``synapse_type`` (str); see :func:`fetch_paths`.

    Raises
    ------
    QueryTimeoutError
        The search ran longer than ``timeout`` seconds (never an empty frame).
    CriteriaError
        See :func:`fetch_paths`.
    InvalidArgumentError
        An unknown ``synapse_type``.
    DatasetLacksError
        Electrical connections asked of a dataset without gap junctions.
    """
    return fetch_paths(upstream_bodyId, downstream_bodyId, min_weight=min_weight,
                       intermediate_criteria=intermediate_criteria, timeout=timeout,
                       synapse_type=synapse_type, client=client)
