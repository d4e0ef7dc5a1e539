"""What the routers share: the application's state, the bearer token (or the
anonymous reader of public datasets) and its limits, the request's dataset
checked against the token's scope, its ROI meshes folder, and the 404 error."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from fastapi import Request

from ...errors import DatasetForbiddenError, InvalidTokenError, ServiceError
from ...identifiers import DatasetName
from ..backend import Backend
from ..config import ServiceConfig
from ...roi_meshes import recipe_mesh_dir
from ..tokens import TokenInfo, anonymous_reader

#: Query parameters that hold a token when a client puts it in the URL.
_TOKEN_PARAMETERS = {"token", "access_token", "bearer", "authorization", "jwt"}


def backend(request: Request) -> Backend:
    """The application's backend (a dependency)."""
    return request.app.state.backend


def config(request: Request) -> ServiceConfig:
    """The application's configuration (a dependency)."""
    return request.app.state.config


def _refuse_token_in_url(request: Request) -> None:
    for key, value in request.query_params.multi_items():
        if key.lower() in _TOKEN_PARAMETERS or "cgtok_" in value:
            raise ServiceError(
                "a token was sent in the URL: send it in the header 'Authorization: Bearer "
                "<token>' (neuprint-python: Client(..., token=...)); URLs are kept in logs "
                "and histories, so revoke that token ('connectograph token revoke NAME') "
                "and create a new one")


def bearer_token(request: Request) -> Iterator[TokenInfo]:
    """The request's bearer token, checked, and one of its request slots held
    while the request runs (every route depends on it). Without a token, the
    anonymous reader of the service's public datasets when it has some.

    Raises
    ------
    ServiceError
        (400) A token was sent in the URL's query string.
    InvalidTokenError
        (401) The token is missing (and no dataset is public), unknown or revoked.
    RateLimitedError
        (429) The token has too many requests running, or sent too many lately.
    """
    _refuse_token_in_url(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    public = config(request).public
    if not header and public:
        info = anonymous_reader(public)
        key = f"anonymous@{request.client.host if request.client else '-'}"
    else:
        info = config(request).tokens.verify(token)
        key = f"{info.name} (id {info.id})"
    request.state.token = token
    request.state.token_info = info
    with request.app.state.limiter.acquire(key):
        yield info


def check_scope(request: Request, dataset: DatasetName) -> DatasetName:
    """``dataset`` if the request's token may read it.

    Raises
    ------
    DatasetForbiddenError
        (403) The token's ``--datasets`` patterns do not cover it.
    InvalidTokenError
        (401) No token was sent and the dataset is not public.
    """
    info: TokenInfo = request.state.token_info
    name = f"{dataset.name}:{dataset.tag}"
    request.state.dataset = name
    if info.allows(name):
        return dataset
    if info.anonymous:
        raise InvalidTokenError(
            f"dataset {name} is not public: send 'Authorization: Bearer <token>' "
            "(neuprint-python: Client(..., token=...))")
    raise DatasetForbiddenError(
        f"token {info.name!r} may not read dataset {name}: it reads {info.scope()}; ask for "
        f"a token that covers it ('connectograph token create NAME --datasets \'{name}\'')")


def resolved_dataset(request: Request, dataset: str | None) -> DatasetName:
    """The request's dataset with the label prefix of its current version
    (:meth:`Backend.resolve_dataset`), checked against the token's scope
    (:func:`check_scope`)."""
    request.state.dataset = dataset
    info: TokenInfo = request.state.token_info
    return check_scope(request, backend(request).resolve_dataset(dataset, info.allows))


def readable_datasets(request: Request) -> list[str]:
    """The published datasets (``name:tag``) the request's token may read."""
    info: TokenInfo = request.state.token_info
    return [n for n in backend(request).dataset_names() if info.allows(n)]


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
