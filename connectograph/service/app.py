"""The neuPrintHTTP-compatible web application (FastAPI).

Endpoints, request and response shapes follow neuPrintHTTP (the Go server
behind neuprint.janelia.org) as neuprint-python calls it; see docs/service.md.
Every endpoint needs a bearer token (:mod:`.tokens`); every Cypher query is
scoped to the request's dataset and checked read-only (:mod:`.cypher_rewrite`)
and runs in READ access mode with a time and row limit (:mod:`.backend`).

The routes are grouped by area in :mod:`.routes`; this module builds the
application, shares its state through ``app.state`` (``backend``,
``config``, ``summaries``, ``query_log``, ``limiter``, ``audit``) and turns
errors into answers, writing each refusal to the audit log (:mod:`.audit`).
"""

from __future__ import annotations

import collections
import contextlib
import inspect
import logging

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import (http_exception_handler,
                                        request_validation_exception_handler)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import ConnectionFailedError, ConnectographError, DatasetNotFoundError, ServiceError
from .audit import AuditLog
from .backend import Backend
from .cached import SummaryCache
from .config import DATA_MODEL_VERSION, NEUPRINT_HTTP_API_VERSION, ServiceConfig
from .request_limits import RequestLimiter
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


def _around_the_route(dependency):
    """``Depends(dependency)`` whose code after ``yield`` runs before the
    response is sent (so a request slot is free when the client has its
    answer): ``scope="function"`` where FastAPI has it, its only behaviour in
    earlier versions from 0.106 on."""
    if "scope" in inspect.signature(Depends).parameters:
        return Depends(dependency, scope="function")
    return Depends(dependency)


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
        :class:`~.cached.SummaryCache`), ``query_log`` (the last queries
        run for /api/custom: dataset, sent, run; newest last), ``limiter``
        (the :class:`~.request_limits.RequestLimiter`) and ``audit`` (the
        :class:`~.audit.AuditLog`).

    Raises
    ------
    ServiceError
        ``config.max_concurrent`` or ``config.rate`` is not a valid limit.
    """
    config = config or ServiceConfig()
    own_backend = backend is None
    limiter = RequestLimiter(config.max_concurrent, config.rate)
    audit = AuditLog(config.audit_log, max_bytes=config.audit_max_bytes,
                     backups=config.audit_backups)
    backend = backend or Backend(config.uri, config.auth, database=config.database,
                                 limits=config.limits, retry_time=config.retry_time)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        audit.close()
        if own_backend:
            backend.close()

    app = FastAPI(title="connectograph neuPrintHTTP-compatible service",
                  version=NEUPRINT_HTTP_API_VERSION,
                  description="Read-only neuPrintHTTP endpoints over a connectograph Neo4j "
                              "database. Every request needs 'Authorization: Bearer <token>'.",
                  docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[_around_the_route(bearer_token)], lifespan=lifespan)
    app.state.backend = backend
    app.state.config = config
    app.state.summaries = SummaryCache(backend)
    app.state.query_log = collections.deque(maxlen=2000)
    app.state.limiter = limiter
    app.state.audit = audit

    def refused(request: Request, status: int, reason: str) -> None:
        info = getattr(request.state, "token_info", None)
        dataset = getattr(request.state, "dataset", None)
        audit.refusal(status=status, token_name=info.name if info else None,
                      dataset=None if dataset is None else str(dataset),
                      method=request.method, path=request.url.path, reason=reason)

    @app.exception_handler(ConnectographError)
    async def connectograph_error(request: Request, err: ConnectographError):
        status = error_status(err)
        refused(request, status, str(err))
        return _error(status, str(err))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        refused(request, err.status_code, str(err.detail))
        return await http_exception_handler(request, err)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, err: RequestValidationError):
        refused(request, 422, "invalid request parameters")
        return await request_validation_exception_handler(request, err)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, err: Exception):
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        refused(request, 500, f"internal error ({type(err).__name__})")
        return _error(500, "internal error of the service (details in its log)")

    for router in ROUTERS:
        app.include_router(router)
    return app
