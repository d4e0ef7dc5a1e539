"""ROI surface meshes read from their OBJ files (:func:`load_meshes`), to place
the synapses whose source gives no ROI
(:func:`~connectograph.loading.derive.synapse_rois.points_in_meshes`).

Meshes are OBJ files named ``<roi name>.obj`` in the dataset's voxel space
(the hemibrain meshes are in 8 nm voxels, like the synapse coordinates; the
tests check this against synapses whose source gives an ROI).
"""

from __future__ import annotations

from pathlib import Path

from ...errors import ValidationError
from ...text_files import empty_file_message
from .names import check_name


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
