"""fetch_skeleton: a body's skeleton from Neo4j (neuprint-python's)."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from ..client import Client, resolve_client
from ..cypher_files import LabelSet, dataset_statements
from ..errors import InvalidArgumentError, SkeletonError, SkeletonNotFoundError
from ..skeletons import (calc_segment_distances, heal_skeleton_report, reorient_skeleton,
                         skeleton_df_to_nx, skeleton_df_to_swc)
from ._dataset_contents import require_skeletons
from .skeleton_storage import skeleton_from_record


class FragmentsLeftSeparateWarning(UserWarning):
    """Healing with a ``max_distance`` left some fragments unjoined."""


def _soma_location(client: Client, body: int):
    """The body's ``somaLocation`` as [x, y, z] voxels, or None."""
    cypher = dataset_statements("skeletons.cypher", "soma_location",
                                LabelSet(client.dataset.prefix))[0]
    rows = client.read(cypher, {"body": int(body)})
    return rows[0]["soma"] if rows and rows[0]["soma"] is not None else None


def _voxel_size_nm(client: Client):
    """nm per voxel edge from the dataset's Meta (None when not in nm)."""
    from ._dataset import dataset_info

    meta = dataset_info(client).meta
    size, units = meta.get("voxelSize"), str(meta.get("voxelUnits") or "")
    if not size or units not in ("nanometers", "nm"):
        return None
    return float(size[0] if isinstance(size, (list, tuple)) else size)


def healed_skeleton(df, body: int, heal: bool | float, *, root=None, soma=None,
                    voxel_size_nm: float | None = None, stacklevel: int = 2):
    """Heal one stored skeleton as :func:`fetch_skeleton` does (the
    :class:`~connectograph.skeletons.HealResult`); warns
    :class:`FragmentsLeftSeparateWarning` when ``heal`` (a distance) left
    fragments apart."""
    max_distance = np.inf if heal is True else float(heal)
    report = heal_skeleton_report(df, max_distance=max_distance, body=int(body),
                                  root="auto" if root is None else root,
                                  soma_xyz=soma, voxel_size_nm=voxel_size_nm)
    if report.n_left_separate:
        warnings.warn(f"body {body}: {report.describe()}", FragmentsLeftSeparateWarning,
                      stacklevel=stacklevel + 1)
    return report


def fetch_skeleton(body: int, heal: bool | float = False, export_path: str | None = None,
                   format: Literal["pandas", "swc", "nx"] = "pandas",
                   with_distances: bool = False, *, root: str | int | None = None,
                   client: Client | None = None):
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
    root : {"soma", "largest", "smallest_rowId"} or int, optional
        Root of the returned tree. Default: when healing, the node nearest the
        neuron's ``somaLocation`` if it has one, else the original root of the
        largest fragment (navis's choice; neuprint-python's is
        ``"smallest_rowId"``); without healing, the stored orientation.
        ``"soma"`` without healing re-roots the soma's tree there.
    client : Client, optional

    Returns
    -------
    DataFrame, str or networkx.DiGraph
        DataFrame columns: ``rowId`` (int64), ``x, y, z`` (float64, voxels),
        ``radius`` (float64, voxels), ``link`` (int64, parent rowId, -1 for
        roots)[, ``distance`` (float64)].

        When healing, ``df.attrs["heal"]`` holds
        :meth:`HealResult.summary() <connectograph.skeletons.HealResult.summary>`
        (bridges with lengths in voxels and nm, fragments left separate by
        ``max_distance``, a one-line ``description``); a
        :class:`FragmentsLeftSeparateWarning` says when some stayed apart.

    Raises
    ------
    SkeletonNotFoundError
        No skeleton is stored for ``body``.
    SkeletonError
        ``root="soma"`` for a neuron without ``somaLocation``, or a rowId not
        in the skeleton.
    InvalidArgumentError
        ``format`` is not one of the three, or, without healing, ``root`` is
        neither ``"soma"``, a rowId nor None.
    """
    if format not in ("pandas", "swc", "nx"):
        raise InvalidArgumentError(f"format must be 'pandas', 'swc' or 'nx', not {format!r}")
    client = resolve_client(client)
    cypher = dataset_statements("skeletons.cypher", "fetch_skeleton",
                                LabelSet(client.dataset.prefix))[0]
    rows = client.read(cypher, {"body": int(body)})
    if not rows:
        require_skeletons(client, "fetch_skeleton")
        raise SkeletonNotFoundError(
            f"dataset {client.dataset} has no skeleton for body {body}; load one with a "
            "recipe's [[skeletons]] section")
    df = skeleton_from_record(rows[0], int(body)).to_df()
    healing = heal is not False and heal is not None
    soma = _soma_location(client, body) if healing or root == "soma" else None
    report = None
    if healing:
        report = healed_skeleton(df, int(body), heal, root=root, soma=soma,
                                 voxel_size_nm=_voxel_size_nm(client), stacklevel=3)
        df = report.skeleton
    elif root is not None:
        if root == "soma":
            if soma is None:
                raise SkeletonError(f"body {body} has no somaLocation in dataset "
                                    f"{client.dataset}; choose another root")
            df = reorient_skeleton(df, xyz=soma, body=int(body))
        elif isinstance(root, (int, np.integer)):
            df = reorient_skeleton(df, rowId=int(root), body=int(body))
        else:
            raise InvalidArgumentError(f"without heal, root must be 'soma', a rowId or None, "
                                       f"not {root!r}")
    if export_path:
        skeleton_df_to_swc(df, export_path)
    if format == "swc":
        return skeleton_df_to_swc(df)
    if format == "nx":
        return skeleton_df_to_nx(df, with_distances=with_distances, body=int(body))
    if with_distances:
        df = df.copy()
        df["distance"] = calc_segment_distances(df, body=int(body))
    if report is not None:
        df.attrs["heal"] = report.summary()
    return df
