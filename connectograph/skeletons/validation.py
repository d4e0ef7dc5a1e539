"""Validation of skeleton DataFrames."""

from __future__ import annotations

import numpy as np

from connectograph.errors import SkeletonError
from connectograph.skeletons._tree import (
    XYZ,
    check_columns,
    orient_from_roots,
    parent_positions,
    where,
)

__all__ = ["validate_skeleton"]


def validate_skeleton(df, body=None, root_parent=-1) -> None:
    """Check that a skeleton DataFrame is a valid forest.

    Checks, in this order: the columns ``rowId, x, y, z, radius, link`` exist;
    ``rowId`` values are unique; ``x, y, z, radius`` are finite (no NaN/inf);
    every ``link`` is ``root_parent`` or an existing ``rowId``; following
    ``link`` from any node reaches a root (no cycles, self-links included).
    Several roots (a fragmented skeleton) are valid; see
    :func:`~connectograph.skeletons.heal_skeleton`.

    Parameters
    ----------
    df : pandas.DataFrame
        Skeleton, N rows, columns as in neuprint-python's ``fetch_skeleton``.
    body : int, optional
        Body id, named in error messages.
    root_parent : int, default -1
        ``link`` value of root nodes.

    Raises
    ------
    SkeletonError
        On the first problem found; the message names the body (when given)
        and the offending node's ``rowId``.
    """
    check_columns(df, body)
    row_ids = df["rowId"].to_numpy()

    dup = df["rowId"].duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SkeletonError(
            f"{where(body)}: node id {row_ids[i]} (rowId) occurs more than once "
            f"({int(dup.sum())} duplicate row(s))", position=i, field="rowId"
        )

    for col in (*XYZ, "radius"):
        values = df[col].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SkeletonError(
                f"{where(body)}: node {row_ids[i]} has a non-finite {col} "
                f"({values[i]!r}); {int(bad.sum())} node(s) affected", position=i, field=col
            )

    parent = parent_positions(df, body, root_parent)
    n = len(parent)
    child = np.flatnonzero(parent >= 0)
    pred = orient_from_roots(n, child, parent[child], np.flatnonzero(parent < 0))
    unreached = np.flatnonzero(pred == -2)
    if len(unreached):
        # Every unreached node leads (via links) into a cycle; walk to it.
        seen = set()
        i = int(unreached[0])
        while i not in seen:
            seen.add(i)
            i = int(parent[i])
        cycle = [i]
        j = int(parent[i])
        while j != i:
            cycle.append(j)
            j = int(parent[j])
        shown = ", ".join(str(row_ids[k]) for k in cycle[:10])
        more = " ..." if len(cycle) > 10 else ""
        raise SkeletonError(
            f"{where(body)}: node {row_ids[cycle[0]]} is on a cycle of links "
            f"({shown}{more} -> {row_ids[cycle[0]]}); a skeleton must be a tree",
            position=cycle[0], field="link"
        )
