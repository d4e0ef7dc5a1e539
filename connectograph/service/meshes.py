"""Where a dataset's ROI meshes (``<roi>.obj``) are found.

In order: a folder given to the service (``--meshes NAME:TAG=DIR``); the
recipe the dataset was loaded from (its Meta ``recipe``): its ``[rois]
meshes`` folder, else a ``meshes/`` folder beside its ROI definitions (the
hemibrain-mb bundle's ``rois/meshes``).
"""

from __future__ import annotations

from pathlib import Path


def recipe_mesh_dir(recipe_source: str | None) -> Path | None:
    """The mesh folder of the recipe a dataset was loaded from, or None."""
    if not recipe_source:
        return None
    from ..errors import ConnectographError
    from ..loading import load_recipe

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
