"""API meta: the API version, server info, the list of routes, the OpenAPI text."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ..config import NEUPRINT_HTTP_API_VERSION

router = APIRouter(tags=["apimeta"])


@router.get("/api/version")
def api_version():
    """The neuPrintHTTP API version the service follows."""
    return {"Version": NEUPRINT_HTTP_API_VERSION}


@router.get("/api/serverinfo")
def server_info(request: Request):
    """``IsPublic``: whether some datasets are readable without a token (``--public``)."""
    return {"IsPublic": bool(request.app.state.config.public),
            "Version": NEUPRINT_HTTP_API_VERSION}


def _flat_routes(routes) -> list:
    """The routes in ``routes``, those of included routers in their place
    (FastAPI keeps an included router as one entry that holds its routes)."""
    out = []
    for route in routes:
        included = getattr(route, "original_router", None)
        out += _flat_routes(included.routes) if included is not None else [route]
    return out


@router.get("/api/available")
def available(request: Request):
    """Every route of the service (method, path, name)."""
    out = []
    for route in _flat_routes(request.app.routes):
        for method in sorted(getattr(route, "methods", None) or []):
            if method != "HEAD":
                out.append({"method": method, "path": route.path, "name": route.name})
    return out


@router.get("/api/help/swagger.yaml")
def swagger(request: Request):
    """This service's OpenAPI description (JSON, which is also valid YAML)."""
    return PlainTextResponse(json.dumps(request.app.openapi(), indent=1),
                             media_type="application/yaml")
