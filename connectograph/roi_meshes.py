"""Where a dataset's ROI meshes (``<roi>.obj``) are found, and reading one.

In order: a folder given by the caller (the service's ``--meshes
NAME:TAG=DIR``, ``fetch_roi_mesh(mesh_dir=...)``); the recipe the dataset was
loaded from (its Meta ``recipe``): its ``[rois] meshes`` folder, else a
``meshes/`` folder beside its ROI definitions (the hemibrain-mb bundle's
``rois/meshes``). The service's ``/api/roimeshes/mesh`` route and
:func:`connectograph.fetch.fetch_roi_mesh` both read meshes through
:func:`read_roi_mesh`.
"""

from __future__ import annotations

from pathlib import Path

from .errors import RoiMeshNotFoundError


def recipe_mesh_dir(recipe_source: str | None) -> Path | None:
    """The mesh folder of the recipe a dataset was loaded from, or None."""
    if not recipe_source:
        return None
    from .errors import ConnectographError
    from .loading import load_recipe

    name = recipe_source[:-len(" (bundled)")] if recipe_source.endswith(" (bundled)") \
        else recipe_source
    try:
        recipe = load_recipe(name)
    except ConnectographError:
        return None
    rois = recipe.rois
    if rois is None:
        return None
    explicit = getattr(rois, "meshes", None)
    folder = recipe.path(explicit) if explicit else recipe.path(rois.info).parent / "meshes"
    return folder if folder.is_dir() else None


def find_mesh(folder: Path, roi: str) -> Path | None:
    """``folder/<roi>.obj`` if that file exists; found by listing the folder,
    so a name with ``/`` or ``..`` can never point outside it."""
    wanted = roi + ".obj"
    for path in folder.iterdir():
        if path.name == wanted and path.is_file():
            return path
    return None


def read_roi_mesh(folder: Path | None, roi: str, dataset: str) -> bytes:
    """The OBJ bytes of ``roi``'s mesh in ``folder`` (the dataset's mesh folder).

    Parameters
    ----------
    folder : Path or None
        The dataset's mesh folder (None: it has none).
    roi : str
        ROI name, e.g. ``"aL(R)"``.
    dataset : str
        ``name:tag``, named in the error.

    Returns
    -------
    bytes
        The OBJ file as stored (coordinates in the dataset's units: 8 nm
        voxels for the hemibrain).

    Raises
    ------
    RoiMeshNotFoundError
        The dataset has no mesh folder, or no ``<roi>.obj`` in it (the
        message lists a few meshes it does have).
    """
    if folder is None:
        raise RoiMeshNotFoundError(
            f"dataset {dataset} has no ROI meshes: its recipe names no [rois] meshes "
            "folder; pass mesh_dir= (or start the service with --meshes NAME:TAG=DIR)")
    path = find_mesh(Path(folder), roi)
    if path is None:
        have = sorted(p.stem for p in Path(folder).glob("*.obj"))
        raise RoiMeshNotFoundError(
            f"no mesh for ROI {roi!r} in dataset {dataset} (folder {folder}); meshes there: "
            f"{', '.join(have[:12])}{' ...' if len(have) > 12 else ''}")
    return path.read_bytes()
