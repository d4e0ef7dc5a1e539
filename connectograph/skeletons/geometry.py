"""Distances, segments, upsampling, re-rooting and synapse attachment.

All lengths are in the skeleton's coordinate units (hemibrain: 8 nm voxels).
Names follow neuprint-python's ``neuprint.skeleton`` module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from connectograph.errors import SkeletonError
from connectograph.skeletons._tree import (
    XYZ,
    check_columns,
    orient_from_roots,
    parent_positions,
)
from connectograph.skeletons.healing import nearest_node
from connectograph.skeletons.validation import validate_skeleton

__all__ = [
    "calc_segment_distances",
    "skeleton_segments",
    "upsample_skeleton",
    "reorient_skeleton",
    "attach_synapses_to_skeleton",
]


def calc_segment_distances(df, root_dist=np.inf, *, body=None) -> np.ndarray:
    """Euclidean length from each node to its parent.

    Parameters
    ----------
    df : pandas.DataFrame
        Skeleton (``rowId, x, y, z, radius, link``), N rows.
    root_dist : float, default inf
        Value given to root nodes (``link == -1``).
    body : int, optional
        Named in error messages.

    Returns
    -------
    ndarray of float64, shape (N,)
        In row order; coordinate units. (neuprint-python returns float32.)

    Raises
    ------
    SkeletonError
        If a ``link`` names an absent node.
    """
    check_columns(df, body)
    parent = parent_positions(df, body)
    xyz = df[XYZ].to_numpy(dtype=np.float64)
    out = np.full(len(df), float(root_dist))
    child = parent >= 0
    out[child] = np.linalg.norm(xyz[child] - xyz[parent[child]], axis=1)
    return out


def skeleton_segments(skeleton_df, *, body=None) -> pd.DataFrame:
    """Table of child-to-parent segments (neuprint-python's ``skeleton_segments``).

    Parameters
    ----------
    skeleton_df : pandas.DataFrame
        Skeleton, N rows.
    body : int, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per non-root node, in input order, with all input columns
        followed by the parent's ``rowId_parent, link_parent, x_parent,
        y_parent, z_parent, radius_parent`` and ``length`` (Euclidean,
        coordinate units), ``avg_radius`` (mean of the two radii) and
        ``volume`` (truncated cone: pi * length * (r^2 + r*R + R^2) / 3).

    Raises
    ------
    SkeletonError
        If a ``link`` names an absent node.
    """
    check_columns(skeleton_df, body)
    parent = parent_positions(skeleton_df, body)
    child = np.flatnonzero(parent >= 0)
    seg = skeleton_df.iloc[child].reset_index(drop=True)
    par = skeleton_df.iloc[parent[child]]
    for col in ("rowId", "link", *XYZ, "radius"):
        seg[f"{col}_parent"] = par[col].to_numpy()
    d = seg[XYZ].to_numpy(np.float64) - seg[[f"{c}_parent" for c in XYZ]].to_numpy(np.float64)
    seg["length"] = np.linalg.norm(d, axis=1)
    r = seg["radius"].to_numpy(np.float64)
    rp = seg["radius_parent"].to_numpy(np.float64)
    seg["avg_radius"] = (r + rp) / 2
    seg["volume"] = np.pi * seg["length"].to_numpy() * (rp**2 + r**2 + r * rp) / 3
    return seg


def upsample_skeleton(skeleton_df, max_segment_length, *, body=None) -> pd.DataFrame:
    """Subdivide segments longer than ``max_segment_length``.

    A segment of length d > max is split into ``ceil(d / max)`` equal pieces by
    inserting nodes on the straight line from child to parent; x, y, z and
    radius are interpolated linearly. (Same behaviour as neuprint-python's
    ``upsample_skeleton``, vectorised.)

    Parameters
    ----------
    skeleton_df : pandas.DataFrame
        Skeleton, N rows.
    max_segment_length : float
        Coordinate units; must be > 0.
    body : int, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        The original rows first (same rowId, coordinates, radius and other
        columns; ``link`` changed for children of split segments), then the new
        nodes with rowIds ``max(rowId)+1, ...``. New rows copy the other
        columns of the child node of their segment.

    Raises
    ------
    SkeletonError
        If ``max_segment_length`` is not positive or a link is dangling.
    """
    check_columns(skeleton_df, body)
    if not max_segment_length > 0:
        raise SkeletonError(f"max_segment_length must be > 0, got {max_segment_length!r}")
    parent = parent_positions(skeleton_df, body)
    xyz = skeleton_df[XYZ].to_numpy(np.float64)
    child = np.flatnonzero(parent >= 0)
    lengths = np.linalg.norm(xyz[child] - xyz[parent[child]], axis=1)
    split = child[lengths > max_segment_length]
    if len(split) == 0:
        return skeleton_df.copy()
    pieces = np.ceil(lengths[lengths > max_segment_length] / max_segment_length).astype(np.int64)
    n_new = pieces - 1
    total = int(n_new.sum())
    row_ids = skeleton_df["rowId"].to_numpy()
    next_id = int(row_ids.max()) + 1
    new_ids = np.arange(next_id, next_id + total, dtype=np.int64)
    # For the new nodes of segment s: step k = 1..n_new[s], measured from the child.
    seg_of = np.repeat(np.arange(len(split)), n_new)
    starts = np.cumsum(n_new) - n_new
    step = np.arange(total) - np.repeat(starts, n_new) + 1
    frac = step / pieces[seg_of]
    c = split[seg_of]
    p = parent[c]
    radius = skeleton_df["radius"].to_numpy(np.float64)
    new_xyz = xyz[c] + (xyz[p] - xyz[c]) * frac[:, None]
    new_radius = radius[c] + (radius[p] - radius[c]) * frac
    # Link chain: child -> first new -> ... -> last new -> parent.
    last = step == n_new[seg_of]
    new_link = np.where(last, row_ids[p], np.concatenate([new_ids[1:], [0]]))

    new = skeleton_df.iloc[c].reset_index(drop=True).copy()
    new["rowId"] = new_ids.astype(skeleton_df["rowId"].dtype)
    for j, col in enumerate(XYZ):
        new[col] = new_xyz[:, j]
    new["radius"] = new_radius
    new["link"] = new_link.astype(skeleton_df["link"].dtype)

    out = skeleton_df.copy()
    link = out["link"].to_numpy().copy()
    link[split] = new_ids[starts]
    out["link"] = link
    return pd.concat([out, new], ignore_index=True)


def reorient_skeleton(
    skeleton_df, rowId=None, xyz=None, use_max_radius=False, *, inplace=False, body=None
):
    """Re-root the tree containing a chosen node.

    Exactly one of ``rowId``, ``xyz`` and ``use_max_radius`` selects the new
    root: a node id, the node nearest to a coordinate (pass a neuron's
    ``somaLocation`` to root it at the soma; ``fetch_skeleton(root="soma")``
    does this from the database), or the node with the largest radius (first
    in row order on ties). Only ``link`` changes: edges
    are re-oriented by breadth-first search from the new root; other trees of a
    fragmented skeleton keep their roots and orientation.

    Unlike neuprint-python (which works in place and returns None), a new
    DataFrame is returned unless ``inplace=True``.

    Parameters
    ----------
    skeleton_df : pandas.DataFrame
        Skeleton, N rows (must pass :func:`validate_skeleton`).
    rowId : int, optional
    xyz : array_like of float, shape (3,), optional
        Coordinate units.
    use_max_radius : bool, default False
    inplace : bool, default False
        Modify ``skeleton_df`` and return None.
    body : int, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame or None

    Raises
    ------
    SkeletonError
        If not exactly one selector is given, the rowId is absent, or the
        skeleton is invalid.
    """
    given = (rowId is not None) + (xyz is not None) + bool(use_max_radius)
    if given != 1:
        raise SkeletonError(
            "reorient_skeleton: give exactly one of rowId, xyz or use_max_radius=True"
        )
    validate_skeleton(skeleton_df, body=body)
    row_ids = skeleton_df["rowId"].to_numpy()
    if xyz is not None:
        rowId = nearest_node(skeleton_df, xyz)
    if rowId is not None:
        hits = np.flatnonzero(row_ids == rowId)
        if len(hits) == 0:
            raise SkeletonError(
                f"{'skeleton' if body is None else f'body {body}'}: node {rowId} "
                "is not in the skeleton"
            )
        new_root = int(hits[0])
    else:
        new_root = int(np.argmax(skeleton_df["radius"].to_numpy(np.float64)))

    parent = parent_positions(skeleton_df, body)
    child = np.flatnonzero(parent >= 0)
    roots = np.flatnonzero(parent < 0)
    # Replace the root of the new root's tree: find it by walking up.
    top = new_root
    while parent[top] >= 0:
        top = int(parent[top])
    roots[roots == top] = new_root
    new_parent = orient_from_roots(len(parent), child, parent[child], roots)
    link = np.where(new_parent >= 0, row_ids[np.maximum(new_parent, 0)], -1)
    link = link.astype(skeleton_df["link"].dtype)
    if inplace:
        skeleton_df["link"] = link
        return None
    out = skeleton_df.copy()
    out["link"] = link
    return out


def attach_synapses_to_skeleton(skeleton_df, synapses_df, *, body=None) -> pd.DataFrame:
    """Find each synapse's nearest skeleton node.

    Nearest by Euclidean distance, with ``scipy.spatial.cKDTree``. Note that
    neuprint-python's function of the same name instead appends the synapses
    to the skeleton as new nodes; here the synapse table is annotated and the
    skeleton is left alone (join on ``rowId`` to combine them).

    Parameters
    ----------
    skeleton_df : pandas.DataFrame
        Skeleton, at least one node.
    synapses_df : pandas.DataFrame
        M rows with columns ``x, y, z`` (same units as the skeleton) and any
        others, which are kept.
    body : int, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        A copy of ``synapses_df`` (same index) with columns ``rowId`` (int64,
        nearest node; replaces an existing ``rowId`` column) and ``distance``
        (float64, coordinate units). Ties go to the node cKDTree returns.

    Raises
    ------
    SkeletonError
        If the skeleton is empty or a coordinate is missing/non-finite.
    """
    check_columns(skeleton_df, body, ("rowId", *XYZ))
    if len(skeleton_df) == 0:
        raise SkeletonError("attach_synapses_to_skeleton: the skeleton has no nodes")
    missing = [c for c in XYZ if c not in synapses_df.columns]
    if missing:
        raise SkeletonError(f"synapses_df lacks column(s) {missing}")
    syn_xyz = synapses_df[XYZ].to_numpy(np.float64)
    if not np.isfinite(syn_xyz).all():
        i = int(np.flatnonzero(~np.isfinite(syn_xyz).all(axis=1))[0])
        raise SkeletonError(f"synapse at row {i} has a non-finite coordinate {syn_xyz[i]}")
    skel_xyz = skeleton_df[XYZ].to_numpy(np.float64)
    if not np.isfinite(skel_xyz).all():
        validate_skeleton(skeleton_df, body=body)
    tree = cKDTree(skel_xyz)
    d, i = tree.query(syn_xyz)
    out = synapses_df.copy()
    out["rowId"] = skeleton_df["rowId"].to_numpy().astype(np.int64)[np.asarray(i, np.int64)]
    out["distance"] = np.asarray(d, dtype=np.float64)
    return out
