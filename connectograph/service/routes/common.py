"""What the routers share: the application's state, the bearer token, the
request's dataset and its ROI meshes folder, and the 404 error."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request

from ...errors import ServiceError
from ...identifiers import DatasetName
from ..backend import Backend
from ..config import ServiceConfig
from ...roi_meshes import recipe_mesh_dir
from ..tokens import TokenInfo


def backend(request: Request) -> Backend:
    """The application's backend (a dependency)."""
    return request.app.state.backend


def config(request: Request) -> ServiceConfig:
    """The application's configuration (a dependency)."""
    return request.app.state.config


def bearer_token(request: Request) -> TokenInfo:
    """The request's bearer token, checked (every route depends on it).

    Raises
    ------
    InvalidTokenError
        (401) The token is missing, unknown or revoked.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    info = config(request).tokens.verify(token)
    request.state.token = token
    return info


def resolved_dataset(request: Request, dataset: str | None) -> DatasetName:
    """The request's dataset with the label prefix of its current version
    (:meth:`Backend.resolve_dataset`)."""
    return backend(request).resolve_dataset(dataset)


def mesh_dir(request: Request, dataset: DatasetName) -> Path | None:
    """The folder of ``dataset``'s ROI meshes: the service's ``--meshes`` for
    it, else the one its recipe names (None when there is none)."""
    dirs = config(request).mesh_dirs
    if str(dataset) in dirs:
        return Path(dirs[str(dataset)])
    rows = [d for d in backend(request).datasets()
            if f"{d['dataset']}:{d['tag']}" == str(dataset)]
    return recipe_mesh_dir(rows[0]["recipe"]) if rows else None


def not_found(message: str) -> ServiceError:
    """A :class:`ServiceError` answered with 404."""
    err = ServiceError(message)
    err.status_code = 404
    return err
