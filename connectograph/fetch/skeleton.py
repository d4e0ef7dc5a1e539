"""fetch_skeleton: a body's skeleton from Neo4j (neuprint-python's)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..client import Client, resolve_client
from ..cypher_files import LabelSet, dataset_statements
from ..errors import ConnectographError
from ..skeletons import (calc_segment_distances, heal_skeleton, skeleton_df_to_nx,
                         skeleton_df_to_swc)
from ..skeletons.storage import skeleton_from_record


class SkeletonNotFoundError(ConnectographError, LookupError):
    """The dataset holds no skeleton for the requested body."""


def fetch_skeleton(body: int, heal: bool | float = False, export_path: str | None = None,
                   format: Literal["pandas", "swc", "nx"] = "pandas",
                   with_distances: bool = False, *, client: Client | None = None):
    """A body's skeleton; mirrors neuprint-python's ``fetch_skeleton``.

    Parameters
    ----------
    body : int
        bodyId.
    heal : bool or float
        False: as stored. True: join fragments into one tree with the Euclidean
        minimum spanning tree over fragments (:func:`~connectograph.skeletons.heal_skeleton`).
        A number: the same, but no bridge longer than it (in voxels; 8 nm each
        for the hemibrain), so distant fragments stay separate.
    export_path : str, optional
        Also write the (healed) skeleton there as SWC.
    format : {'pandas', 'swc', 'nx'}
        DataFrame, SWC text, or ``networkx.DiGraph`` (edges child → parent).
    with_distances : bool
        For 'pandas' (and 'nx'): add ``distance``, the child-to-parent length in
        voxels (root: inf).
    client : Client, optional

    Returns
    -------
    DataFrame, str or networkx.DiGraph
        DataFrame columns: ``rowId`` (int64), ``x, y, z`` (float64, voxels),
        ``radius`` (float64, voxels), ``link`` (int64, parent rowId, -1 for
        roots)[, ``distance`` (float64)].

    Raises
    ------
    SkeletonNotFoundError
        No skeleton is stored for ``body``.
    """
    client = resolve_client(client)
    cypher = dataset_statements("skeletons.cypher", "fetch_skeleton",
                                LabelSet(str(client.dataset)))[0]
    rows = client.read(cypher, {"body": int(body)})
    if not rows:
        raise SkeletonNotFoundError(
            f"dataset {client.dataset} has no skeleton for body {body}; load one with a "
            "recipe's [[skeletons]] section")
    df = skeleton_from_record(rows[0], int(body)).to_df()
    if heal is not False and heal is not None:
        max_distance = np.inf if heal is True else float(heal)
        df = heal_skeleton(df, max_distance=max_distance, body=int(body))
    if export_path:
        skeleton_df_to_swc(df, export_path)
    if format == "swc":
        return skeleton_df_to_swc(df)
    if format == "nx":
        return skeleton_df_to_nx(df, with_distances=with_distances, body=int(body))
    if format != "pandas":
        raise ValueError(f"format must be 'pandas', 'swc' or 'nx', not {format!r}")
    if with_distances:
        df = df.copy()
        df["distance"] = calc_segment_distances(df, body=int(body))
    return df
