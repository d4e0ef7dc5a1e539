"""Conversion of skeleton DataFrames to networkx graphs and navis neurons."""

from __future__ import annotations

import networkx as nx
import numpy as np

from connectograph.errors import MissingDependencyError

from connectograph.skeletons._tree import XYZ, check_columns, parent_positions
from connectograph.skeletons.geometry import calc_segment_distances

__all__ = ["skeleton_df_to_nx", "skeleton_df_to_navis"]


def skeleton_df_to_nx(df, with_attributes=True, directed=True, with_distances=False, *, body=None):
    """Build a networkx graph of a skeleton (neuprint-python's name and edges).

    Parameters
    ----------
    df : pandas.DataFrame
        Skeleton (``rowId, x, y, z, radius, link``), N rows.
    with_attributes : bool, default True
        Store ``x, y, z, radius`` (float) as node attributes.
    directed : bool, default True
        ``nx.DiGraph`` with edges from child to parent, else ``nx.Graph``.
    with_distances : bool, default False
        Store the Euclidean segment length (coordinate units) as edge
        attribute ``distance``.
    body : int, optional
        Named in error messages.

    Returns
    -------
    networkx.DiGraph or networkx.Graph
        N nodes keyed by ``rowId``; one edge per non-root node.

    Raises
    ------
    SkeletonError
        If a ``link`` names an absent node.
    """
    check_columns(df, body)
    parent = parent_positions(df, body)
    row_ids = df["rowId"].to_numpy().tolist()
    g = nx.DiGraph() if directed else nx.Graph()
    if with_attributes:
        cols = {c: df[c].to_numpy(np.float64).tolist() for c in (*XYZ, "radius")}
        g.add_nodes_from(
            (rid, {c: cols[c][k] for c in cols}) for k, rid in enumerate(row_ids)
        )
    else:
        g.add_nodes_from(row_ids)
    child = np.flatnonzero(parent >= 0)
    src = df["rowId"].to_numpy()[child].tolist()
    dst = df["rowId"].to_numpy()[parent[child]].tolist()
    if with_distances:
        dist = calc_segment_distances(df, body=body)[child].tolist()
        g.add_weighted_edges_from(zip(src, dst, dist), weight="distance")
    else:
        g.add_edges_from(zip(src, dst))
    return g


def skeleton_df_to_navis(df, name=None, units="8 nanometer", **kwargs):
    """Make a ``navis.TreeNeuron`` from a skeleton DataFrame (needs navis).

    Parameters
    ----------
    df : pandas.DataFrame
        Skeleton (``rowId, x, y, z, radius, link``).
    name : str or int, optional
        Neuron name/id.
    units : str, default "8 nanometer"
        Units of the coordinates (hemibrain voxels are 8 nm).
    **kwargs
        Passed to ``navis.TreeNeuron``.

    Returns
    -------
    navis.TreeNeuron
        Nodes with ``node_id``, ``parent_id`` (-1 for roots), ``x, y, z``,
        ``radius``.

    Raises
    ------
    MissingDependencyError
        If navis is not installed (also an ``ImportError``).
    """
    try:
        import navis
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise MissingDependencyError(
            "skeleton_df_to_navis needs navis: pip install 'connectograph[navis]'"
        ) from exc
    check_columns(df)
    nodes = df.rename(columns={"rowId": "node_id", "link": "parent_id"})[
        ["node_id", "parent_id", *XYZ, "radius"]
    ]
    return navis.TreeNeuron(nodes, name=name, units=units, **kwargs)
