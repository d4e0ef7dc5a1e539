"""The ROIs each synapse lies in (pure numpy and pandas, no database).

A synapse lies in the ROI its source names plus that ROI's ancestors per the
ROI hierarchy (:func:`roi_ancestors`; the hierarchy's root, the whole dataset,
e.g. ``hemibrain``, is not an ROI property). One without an ROI lies in every
ROI mesh containing it (:func:`points_in_meshes`), plus their ancestors.
Point-in-mesh is ``trimesh.Trimesh.contains`` (ray casting, with Embree
through ``embreex`` when installed), after a bounding-box test; the meshes are
read by :func:`~connectograph.loading.read.meshes.load_meshes`.

A synapse-level connection counts in the *post* site's primary ROI, or
``NotPrimary`` (:func:`primary_rois`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..read.table_schemas import NOT_PRIMARY

__all__ = ["points_in_meshes", "primary_rois", "roi_ancestors", "roi_combinations",
           "synapse_rois"]

#: points per ``contains`` call (bounds memory of the ray tests)
_CHUNK = 50_000


def points_in_meshes(xyz: np.ndarray, meshes: dict) -> dict[str, np.ndarray]:
    """Per ROI mesh, a boolean mask of the points inside it.

    Parameters
    ----------
    xyz : ndarray, shape (n, 3)
        Points in the meshes' coordinates (voxels).
    meshes : dict
        ROI name → ``trimesh.Trimesh`` (:func:`~..read.meshes.load_meshes`).
    """
    xyz = np.asarray(xyz, dtype="float64").reshape(-1, 3)
    out = {}
    for name, mesh in meshes.items():
        lo, hi = mesh.bounds
        cand = np.flatnonzero(np.all((xyz >= lo) & (xyz <= hi), axis=1))
        mask = np.zeros(len(xyz), dtype=bool)
        for start in range(0, len(cand), _CHUNK):
            part = cand[start:start + _CHUNK]
            mask[part] = mesh.contains(xyz[part])
        out[name] = mask
    return out


def roi_ancestors(roi_info: dict[str, dict], hierarchy: dict | None) -> dict[str, list[str]]:
    """ROI → its ancestors, nearest first, without the hierarchy's root.

    Uses the hierarchy JSON (``{"name":..., "children":[...]}``) when given,
    else each ROI's ``parent`` in the ROI definitions.
    """
    parent: dict[str, str] = {}
    root = None
    if hierarchy:
        root = hierarchy.get("name")
        stack = [hierarchy]
        while stack:
            node = stack.pop()
            for child in node.get("children", []) or []:
                parent[child["name"]] = node["name"]
                stack.append(child)
    else:
        parent = {k: v["parent"] for k, v in roi_info.items()
                  if isinstance(v, dict) and v.get("parent")}
        roots = {p for p in parent.values() if p not in parent}
        root = next(iter(roots)) if len(roots) == 1 else None
    out = {}
    for name in set(roi_info) | set(parent):
        chain, seen, cur = [], {name}, parent.get(name)
        while cur is not None and cur != root and cur not in seen:
            chain.append(cur)
            seen.add(cur)
            cur = parent.get(cur)
        out[name] = chain
    return out


def roi_combinations(rois: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """Per point an index into the distinct ROI tuples of ``rois`` (from
    :func:`synapse_rois`), and those tuples: per-ROI work then runs once per
    distinct tuple, not once per point."""
    codes, combos = pd.factorize(pd.Series(rois, dtype=object), use_na_sentinel=False)
    return codes, list(combos)


def synapse_rois(points: pd.DataFrame, roi_info: dict[str, dict], hierarchy: dict | None,
                 meshes: dict | None) -> tuple[np.ndarray, dict[str, int]]:
    """The ROIs each synapse lies in.

    Parameters
    ----------
    points : DataFrame
        Canonical synapse points (``roi`` may be None).
    roi_info, hierarchy : dict
        ROI definitions and hierarchy (for ancestors).
    meshes : dict or None
        ROI name → trimesh mesh, for points without an ROI.

    Returns
    -------
    rois : ndarray of tuple of str
        Per point, the sorted ROI names (source or mesh ROIs plus ancestors).
    stats : dict
        ``without_roi`` (points whose source names no ROI), ``from_meshes``
        (of those, inside at least one mesh), ``outside_meshes`` (inside none).
    """
    ancestors = roi_ancestors(roi_info, hierarchy) if roi_info else {}
    cache: dict[frozenset, tuple] = {}

    def closure(names) -> tuple:
        key = frozenset(names)
        if key not in cache:
            full = set(key)
            for n in key:
                full.update(ancestors.get(n, []))
            cache[key] = tuple(sorted(full))
        return cache[key]

    # Per point an index into `tuples` (the distinct ROI sets), so the Python
    # work is per distinct ROI, not per point.
    codes, names_given = pd.factorize(points["roi"], use_na_sentinel=True)
    tuples = [closure((name,)) for name in names_given] + [()]
    index = np.where(codes >= 0, codes, len(tuples) - 1)
    missing = np.flatnonzero(codes < 0)
    stats = {"without_roi": int(len(missing)), "from_meshes": 0, "outside_meshes": 0}
    if len(missing) and meshes:
        xyz = points[["x", "y", "z"]].to_numpy(dtype="float64")[missing]
        names = sorted(meshes)
        masks = points_in_meshes(xyz, {n: meshes[n] for n in names})
        matrix = np.column_stack([masks[n] for n in names])
        combos, inverse = np.unique(matrix, axis=0, return_inverse=True)
        index[missing] = len(tuples) + inverse.ravel()
        tuples += [closure(n for n, hit in zip(names, combo) if hit) for combo in combos]
        inside = matrix.any(axis=1)
        stats["from_meshes"] = int(inside.sum())
        stats["outside_meshes"] = int((~inside).sum())
    else:
        stats["outside_meshes"] = int(len(missing)) if meshes is not None else 0
    table = np.empty(len(tuples), dtype=object)
    for k, t in enumerate(tuples):
        table[k] = t
    return table[index], stats


def primary_rois(rois: np.ndarray, primary: set[str], *,
                 combinations: tuple[np.ndarray, list[tuple]] | None = None
                 ) -> tuple[np.ndarray, int]:
    """Per point, its primary ROI or ``NotPrimary``; and how many points lie in
    more than one primary ROI (overlapping meshes; the first by name is kept).
    ``combinations`` (optional) is :func:`roi_combinations` of ``rois``, when known."""
    codes, combos = roi_combinations(rois) if combinations is None else combinations
    names = np.empty(len(combos), dtype=object)
    multiple = np.zeros(len(combos), dtype=bool)
    for k, t in enumerate(combos):
        hits = [r for r in t if r in primary]
        names[k] = hits[0] if hits else NOT_PRIMARY
        multiple[k] = len(hits) > 1
    return names[codes], int(multiple[codes].sum())
