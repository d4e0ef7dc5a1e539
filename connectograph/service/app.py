"""The neuPrintHTTP-compatible web application (FastAPI).

Endpoints, request and response shapes follow neuPrintHTTP (the Go server
behind neuprint.janelia.org) as neuprint-python calls it; see docs/service.md.
Every endpoint needs a bearer token (:mod:`.tokens`); every Cypher query is
scoped to the request's dataset and checked read-only (:mod:`.cypher_rewrite`)
and runs in READ access mode with a time and row limit (:mod:`.backend`).

The routes are grouped by area in :mod:`.routes`; this module builds the
application, shares its state through ``app.state`` (``backend``,
``config``, ``summaries``, ``query_log``) and turns errors into answers.
"""

from __future__ import annotations

import collections
import contextlib
import logging

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from ..errors import ConnectionFailedError, ConnectographError, DatasetNotFoundError, ServiceError
from .backend import Backend
from .cached import SummaryCache
from .config import DATA_MODEL_VERSION, NEUPRINT_HTTP_API_VERSION, ServiceConfig
from .routes import ROUTERS
from .routes.common import bearer_token

log = logging.getLogger("connectograph.service")

__all__ = ["create_app", "ServiceConfig", "NEUPRINT_HTTP_API_VERSION", "DATA_MODEL_VERSION"]


def _error(status: int, message: str) -> JSONResponse:
    # a message may quote what the client sent, lone surrogates included
    text = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse({"error": text}, status_code=status)


def error_status(err: ConnectographError) -> int:
    """The HTTP status answering ``err``: a :class:`ServiceError`'s own, 404
    for an unknown dataset, 503 when Neo4j cannot answer, else 400."""
    if isinstance(err, ServiceError):
        return err.status_code
    if isinstance(err, DatasetNotFoundError):
        return 404
    if isinstance(err, ConnectionFailedError):
        return 503
    return 400


def create_app(config: ServiceConfig | None = None, backend: Backend | None = None) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    config : ServiceConfig, optional
    backend : Backend, optional
        An existing Neo4j backend (default: one made from ``config``; closed
        when the application shuts down).

    Returns
    -------
    FastAPI
        Its ``state`` holds ``backend``, ``config``, ``summaries`` (the
        :class:`~.cached.SummaryCache`) and ``query_log`` (the last queries
        run for /api/custom: dataset, sent, run; newest last).
    """
    config = config or ServiceConfig()
    own_backend = backend is None
    backend = backend or Backend(config.uri, config.auth, database=config.database,
                                 limits=config.limits)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if own_backend:
            backend.close()

    app = FastAPI(title="connectograph neuPrintHTTP-compatible service",
                  version=NEUPRINT_HTTP_API_VERSION,
                  description="Read-only neuPrintHTTP endpoints over a connectograph Neo4j "
                              "database. Every request needs 'Authorization: Bearer <token>'.",
                  docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(bearer_token)], lifespan=lifespan)
    app.state.backend = backend
    app.state.config = config
    app.state.summaries = SummaryCache(backend)
    app.state.query_log = collections.deque(maxlen=2000)

    @app.exception_handler(ConnectographError)
    async def connectograph_error(request: Request, err: ConnectographError):
        return _error(error_status(err), str(err))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, err: Exception):
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return _error(500, "internal error of the service (details in its log)")

    for router in ROUTERS:
        app.include_router(router)
    return app
