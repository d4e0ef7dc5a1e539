"""ROI surface meshes: which ROIs a synapse lies in, when its source does not say.

Meshes are OBJ files named ``<roi name>.obj`` in the dataset's voxel space
(the hemibrain meshes are in 8 nm voxels, like the synapse coordinates; the
tests check this against synapses whose source gives an ROI). Point-in-mesh is
``trimesh.Trimesh.contains`` (ray casting, with Embree through ``embreex`` when
installed), after a bounding-box test.

A point in an ROI is also in that ROI's ancestors per the ROI hierarchy
(:func:`roi_ancestors`); the hierarchy's root (the whole dataset, e.g.
``hemibrain``) is not an ROI property.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import ValidationError
from ...text_files import empty_file_message
from .names import check_name

#: points per ``contains`` call (bounds memory of the ray tests)
_CHUNK = 50_000


def load_meshes(folder: Path, roi_names: set[str] | None) -> tuple[dict, list[str]]:
    """Read every ``*.obj`` of ``folder``.

    Returns
    -------
    meshes : dict
        ROI name → ``trimesh.Trimesh``.
    warnings : list of str
        Meshes that are not closed volumes even after ``trimesh.repair.fill_holes``
        (containment near their holes is unreliable).

    Raises
    ------
    ValidationError
        A mesh that cannot be read or is empty, or whose name is not an ROI
        of the recipe or cannot be a Cypher name.
    """
    import trimesh

    meshes, warnings = {}, []
    for path in sorted(folder.glob("*.obj")):
        name = path.stem
        if roi_names is not None and name not in roi_names:
            raise ValidationError(f"mesh {name!r} is not in the recipe's ROI definitions; "
                                  "name mesh files <roi name>.obj", file=str(path))
        # the name becomes a property key of the synapses in the mesh
        check_name(name, "the mesh's ROI name", file=str(path), fix="rename the file")
        if path.stat().st_size == 0:
            raise ValidationError(empty_file_message("mesh"), file=str(path))
        try:
            mesh = trimesh.load(path, force="mesh")
        except Exception as err:  # trimesh raises many types for bad files
            raise ValidationError(f"cannot read the mesh: {err}", file=str(path)) from None
        if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
            raise ValidationError("the file holds no triangle mesh", file=str(path))
        if not mesh.is_watertight:
            trimesh.repair.fill_holes(mesh)
            if not mesh.is_watertight:
                warnings.append(f"ROI mesh {name} is not a closed surface; synapses near its "
                                "holes may be assigned wrongly")
        meshes[name] = mesh
    return meshes, warnings


def points_in_meshes(xyz: np.ndarray, meshes: dict) -> dict[str, np.ndarray]:
    """Per ROI mesh, a boolean mask of the points inside it.

    Parameters
    ----------
    xyz : ndarray, shape (n, 3)
        Points in the meshes' coordinates (voxels).
    meshes : dict
        ROI name → ``trimesh.Trimesh`` (:func:`load_meshes`).
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
