"""Internal helpers shared by the skeleton modules.

A skeleton DataFrame follows neuprint-python's layout: one row per node with
columns ``rowId`` (node id), ``x``, ``y``, ``z`` (coordinates), ``radius`` and
``link`` (the parent's ``rowId``; ``-1`` for a root). Everything in this module
works on positional numpy arrays derived from such a frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from connectograph.errors import SkeletonError

#: Columns every skeleton DataFrame must have, in neuprint-python's order.
SKELETON_COLUMNS = ("rowId", "x", "y", "z", "radius", "link")
XYZ = ["x", "y", "z"]


def where(body) -> str:
    """Prefix for error messages: ``"body 123"`` or ``"skeleton"``."""
    return "skeleton" if body is None else f"body {body}"


def check_columns(df, body=None, columns=SKELETON_COLUMNS) -> None:
    """Raise :class:`SkeletonError` if ``df`` is not a DataFrame with ``columns``."""
    if not isinstance(df, pd.DataFrame):
        raise SkeletonError(
            f"{where(body)}: expected a pandas DataFrame, got {type(df).__name__}"
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SkeletonError(
            f"{where(body)}: skeleton DataFrame lacks column(s) {missing}; "
            f"expected {list(columns)}"
        )


def parent_positions(df, body=None, root_parent=-1) -> np.ndarray:
    """Position (row number) of each node's parent, ``-1`` for roots.

    Parameters
    ----------
    df : DataFrame
        Skeleton with unique ``rowId``.
    body : int, optional
        Named in error messages.
    root_parent : int
        The ``link`` value that marks a root.

    Returns
    -------
    ndarray of int64, shape (N,)

    Raises
    ------
    SkeletonError
        If a ``link`` names a ``rowId`` that is not in the skeleton.
    """
    row_ids = df["rowId"].to_numpy()
    links = df["link"].to_numpy()
    pos = pd.Index(row_ids).get_indexer(links).astype(np.int64)
    is_root = links == root_parent
    bad = (pos < 0) & ~is_root
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SkeletonError(
            f"{where(body)}: node {row_ids[i]} links to parent {links[i]}, "
            f"which is not a node of the skeleton ({int(bad.sum())} such node(s))",
            position=i, field="link"
        )
    pos[is_root] = -1
    return pos


def undirected_graph(n: int, a: np.ndarray, b: np.ndarray):
    """Symmetric sparse adjacency (CSR) of ``n`` nodes with edges ``a[i]-b[i]``."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    data = np.ones(2 * len(a), dtype=np.int8)
    return coo_matrix(
        (data, (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)
    ).tocsr()


def fragment_labels(parent: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of the forest given by ``parent`` positions.

    Returns
    -------
    (int, ndarray of int32, shape (N,))
        Number of fragments and each node's fragment label.
    """
    n = len(parent)
    child = np.flatnonzero(parent >= 0)
    g = undirected_graph(n, child, parent[child])
    return connected_components(g, directed=False)


def orient_from_roots(n: int, a: np.ndarray, b: np.ndarray, roots) -> np.ndarray:
    """Parent positions of the forest with edges ``a-b``, hung from ``roots``.

    A breadth-first search over the undirected graph from a virtual node that is
    joined to every root (scipy.sparse.csgraph.breadth_first_order). Within a
    fragment that is already a tree rooted at the given root, the result equals
    the original orientation (paths in a tree are unique).

    Returns
    -------
    ndarray of int64, shape (N,)
        Parent position of each node, ``-1`` for the roots. Nodes not reachable
        from any root are ``-2`` (callers choose roots so this cannot happen).
    """
    roots = np.asarray(roots, dtype=np.int64)
    virtual = n
    g = undirected_graph(
        n + 1,
        np.concatenate([np.asarray(a, np.int64), np.full(len(roots), virtual)]),
        np.concatenate([np.asarray(b, np.int64), roots]),
    )
    _order, pred = breadth_first_order(g, virtual, directed=False, return_predecessors=True)
    pred = pred[:n].astype(np.int64)
    pred[pred == virtual] = -1
    pred[pred == -9999] = -2
    return pred
