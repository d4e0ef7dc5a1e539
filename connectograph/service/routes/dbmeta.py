"""DB meta: the data model version, the database, its datasets and data instances."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request

from ...identifiers import DatasetName
from ..config import DATA_MODEL_VERSION
from .common import backend, mesh_dir, readable_datasets

router = APIRouter(tags=["dbmeta"])


@router.get("/api/dbmeta/version")
def db_version():
    return {"Version": DATA_MODEL_VERSION}


@router.get("/api/dbmeta/database")
def db_database(request: Request):
    return {"Location": backend(request).uri,
            "Description": "connectograph (Neo4j 5, neuPrint model)"}


@router.get("/api/dbmeta/datasets")
def db_datasets(request: Request):
    """Published datasets the token may read, keyed ``name:tag`` (neuPrintHTTP's
    fields)."""
    out = {}
    info = request.state.token_info
    for d in backend(request).datasets():
        if not info.allows(f"{d['dataset']}:{d['tag']}"):
            continue
        try:
            rois = sorted(json.loads(d["roiInfo"] or "{}"))
        except ValueError:
            rois = []
        out[f"{d['dataset']}:{d['tag']}"] = {
            "last-mod": d["lastEdit"] or "", "uuid": d["uuid"] or "latest",
            "ROIs": rois, "superLevelROIs": list(d["superLevelRois"] or []),
            "info": d["info"] or "N/A", "hidden": bool(d["hidden"]),
            "logo": d["logo"] or "", "description": d["description"] or ""}
    return out


@router.get("/api/dbmeta/instances")
def db_instances(request: Request):
    """Data instances beside the graph: skeletons (stored in Neo4j) and ROI meshes."""
    names = readable_datasets(request)
    with_meshes = [n for n in names if mesh_dir(request, DatasetName.parse(n)) is not None]
    return {"skeletons": [{"instance": "neo4j-skeletons", "datasets": names}],
            "roimeshes": [{"instance": "roi-meshes", "datasets": with_meshes}]}
