"""ROI meshes (OBJ text) and body skeletons (SWC text or columns)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from ...errors import RoiMeshNotFoundError, ServiceError, SkeletonNotFoundError
from ...fetch.skeleton import fetch_skeleton
from ...roi_meshes import read_roi_mesh
from .common import backend, mesh_dir, not_found, resolved_dataset

router = APIRouter()

#: The columns of a skeleton answer, neuprint-python's.
SKELETON_COLUMNS = ["rowId", "x", "y", "z", "radius", "link"]


@router.get("/api/roimeshes/mesh/{dataset}/{roi}", tags=["roimeshes"])
def roi_mesh(request: Request, dataset: str, roi: str):
    """An ROI's surface mesh as OBJ text (8 nm voxel coordinates for hemibrain)."""
    ds = resolved_dataset(request, dataset)
    folder = mesh_dir(request, ds)
    if folder is None:
        raise ServiceError(f"dataset {ds} has no ROI meshes; start the service with "
                           f"--meshes {ds}=FOLDER")
    try:
        data = read_roi_mesh(folder, roi, str(ds))
    except RoiMeshNotFoundError:
        raise not_found(f"no mesh for ROI {roi!r} in dataset {ds}") from None
    return Response(data, media_type="text/plain")


@router.get("/api/skeletons/skeleton/{dataset}/{body}", tags=["skeletons"])
def skeleton(request: Request, dataset: str, body: str, format: str | None = None):
    """A body's skeleton as stored: SWC text with ``format=swc``, else
    ``{"columns": [rowId, x, y, z, radius, link], "data": [...]}``."""
    ds = resolved_dataset(request, dataset)
    try:
        body_id = int(body)
    except ValueError:
        raise ServiceError("body id should be an integer") from None
    if not -2**63 <= body_id < 2**63:
        raise ServiceError(f"body id {body} is out of range: body ids are 64-bit "
                           "signed integers")
    client = backend(request).client(ds)
    try:
        if format == "swc":
            return PlainTextResponse(fetch_skeleton(body_id, format="swc", client=client))
        df = fetch_skeleton(body_id, client=client)
    except SkeletonNotFoundError as err:
        raise not_found(str(err)) from None
    return {"columns": SKELETON_COLUMNS,
            "data": df[SKELETON_COLUMNS].astype(object).values.tolist()}
