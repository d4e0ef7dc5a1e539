"""fetch_roi_mesh: an ROI's surface mesh (neuprint-python's ``Client.fetch_roi_mesh``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..client import Client, resolve_client
from ..errors import InvalidArgumentError, MissingDependencyError
from ..roi_meshes import read_roi_mesh, recipe_mesh_dir
from ._dataset import dataset_info
from ._dataset_contents import require_rois


def fetch_roi_mesh(roi: str, *, client: Client | None = None, export_path: str | None = None,
                   format: Literal["obj", "trimesh"] = "obj",
                   mesh_dir: str | Path | None = None):
    """An ROI's surface mesh, as the service's ``/api/roimeshes/mesh`` serves it.

    Mirrors neuprint-python's ``Client.fetch_roi_mesh`` (OBJ bytes), plus a
    ``trimesh.Trimesh`` form. The mesh is read from the dataset's mesh folder
    (:mod:`connectograph.roi_meshes`: the ``[rois] meshes`` folder of the
    recipe it was loaded from), the same code path as the service's.

    Parameters
    ----------
    roi : str
        ROI name, e.g. ``"aL(R)"``.
    client : Client, optional
    export_path : str, optional
        Also write the OBJ bytes there.
    format : {'obj', 'trimesh'}, default 'obj'
        ``bytes`` of the OBJ file, or a ``trimesh.Trimesh``.
    mesh_dir : str or Path, optional
        Read from this folder instead of the recipe's.

    Returns
    -------
    bytes or trimesh.Trimesh
        Vertices in the dataset's units (8 nm voxels for the hemibrain).

    Raises
    ------
    DatasetLacksError
        The dataset defines no ROIs at all (``lacks = "ROIs"``).
    RoiMeshNotFoundError
        The dataset has no mesh folder, or no mesh for ``roi``.
    InvalidArgumentError
        ``format`` is neither ``'obj'`` nor ``'trimesh'``.
    """
    if format not in ("obj", "trimesh"):
        raise InvalidArgumentError(f"format must be 'obj' or 'trimesh', not {format!r}")
    client = resolve_client(client)
    if mesh_dir is None:
        require_rois(client, "fetch_roi_mesh")
    folder = Path(mesh_dir) if mesh_dir is not None else \
        recipe_mesh_dir(dataset_info(client).meta.get("recipe"))
    data = read_roi_mesh(folder, roi, str(client.dataset))
    if export_path:
        Path(export_path).write_bytes(data)
    if format == "obj":
        return data
    return obj_to_trimesh(data)


def obj_to_trimesh(data: bytes):
    """A ``trimesh.Trimesh`` of OBJ bytes (vertices as stored, not merged)."""
    import io

    try:
        import trimesh
    except ImportError as exc:  # pragma: no cover - trimesh is a core dependency
        raise MissingDependencyError("fetch_roi_mesh(format='trimesh') needs trimesh: "
                                     "pip install 'connectograph[plot]'") from exc
    return trimesh.load(io.BytesIO(data), file_type="obj", force="mesh", process=False)
