"""The neuPrintHTTP-compatible web application (FastAPI).

Endpoints, request and response shapes follow neuPrintHTTP (the Go server
behind neuprint.janelia.org) as neuprint-python calls it; see docs/service.md.
Every endpoint needs a bearer token (:mod:`.tokens`); every Cypher query is
scoped to the request's dataset and checked read-only (:mod:`.cypher_rewrite`)
and runs in READ access mode with a time and row limit (:mod:`.backend`).
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import (ConnectionFailedError, ConnectographError, DatasetNotFoundError,
                      ServiceError)
from ..identifiers import DatasetName
from .backend import Backend, Limits
from .cached import SummaryCache
from .cypher_rewrite import rewrite_query
from .plan_check import check_plan
from .meshes import find_mesh, recipe_mesh_dir
from .results import arrow_body, json_body
from .tokens import TokenInfo, TokenStore

log = logging.getLogger("connectograph.service")

#: The neuPrintHTTP API version whose endpoints and shapes the service follows
#: (neuprint-python reads it to decide whether /api/custom/arrow exists).
NEUPRINT_HTTP_API_VERSION = "1.9.2"
#: neuPrint data model version (neuPrintHTTP's /api/dbmeta/version).
DATA_MODEL_VERSION = "0.5.0"


@dataclass
class ServiceConfig:
    """Settings of one service.

    Attributes
    ----------
    uri, auth, database
        The Neo4j to read (default: see :func:`connectograph.client.resolve_connection`).
    limits : Limits
        Per-request query time and row limits.
    tokens : TokenStore
        Where bearer tokens are checked.
    mesh_dirs : dict
        ``name:tag`` → folder of ``<roi>.obj`` meshes (else found from the recipe).
    """

    uri: str | None = None
    auth: tuple[str, str] | None = None
    database: str | None = None
    limits: Limits = field(default_factory=Limits)
    tokens: TokenStore = field(default_factory=TokenStore)
    mesh_dirs: dict[str, Path] = field(default_factory=dict)


def _error(status: int, message: str) -> JSONResponse:
    # a message may quote what the client sent, lone surrogates included
    text = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse({"error": text}, status_code=status)


def _check_text(value, where: str = "request") -> None:
    """Raise :class:`ServiceError` if a JSON value holds a string that is not
    text (a lone surrogate such as ``"\\ud800"``, which JSON allows)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ServiceError(
                    f"the {where} holds a lone surrogate escape (\\ud800-\\udfff without its "
                    "pair), which is not text; send valid UTF-8") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def create_app(config: ServiceConfig | None = None, backend: Backend | None = None) -> FastAPI:
    """Build the application.

    Parameters
    ----------
    config : ServiceConfig, optional
    backend : Backend, optional
        An existing Neo4j backend (default: one made from ``config``; closed
        when the application shuts down).
    """
    config = config or ServiceConfig()
    own_backend = backend is None
    backend = backend or Backend(config.uri, config.auth, database=config.database,
                                 limits=config.limits)
    summaries = SummaryCache(backend)

    def bearer_token(request: Request) -> TokenInfo:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        info = config.tokens.verify(token)
        request.state.token = token
        return info

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
    #: The last queries run for /api/custom (dataset, sent, run), newest last.
    app.state.query_log = collections.deque(maxlen=2000)

    @app.exception_handler(ConnectographError)
    async def connectograph_error(request: Request, err: ConnectographError):
        if isinstance(err, ServiceError):
            status = err.status_code
        elif isinstance(err, DatasetNotFoundError):
            status = 404
        elif isinstance(err, ConnectionFailedError):
            status = 503
        else:
            status = 400
        return _error(status, str(err))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, err: Exception):
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return _error(500, "internal error of the service (details in its log)")

    def dataset_param(dataset: str | None) -> DatasetName:
        return backend.resolve_dataset(dataset)

    # -- API meta ---------------------------------------------------------------------
    @app.get("/api/version", tags=["apimeta"])
    def api_version():
        """The neuPrintHTTP API version the service follows."""
        return {"Version": NEUPRINT_HTTP_API_VERSION}

    @app.get("/api/serverinfo", tags=["apimeta"])
    def server_info():
        """``IsPublic`` is false: every request needs a token."""
        return {"IsPublic": False, "Version": NEUPRINT_HTTP_API_VERSION}

    @app.get("/api/available", tags=["apimeta"])
    def available():
        """Every route of the service (method, path, name)."""
        out = []
        for route in app.routes:
            for method in sorted(getattr(route, "methods", None) or []):
                if method != "HEAD":
                    out.append({"method": method, "path": route.path, "name": route.name})
        return out

    @app.get("/api/help/swagger.yaml", tags=["apimeta"])
    def swagger():
        """This service's OpenAPI description (JSON, which is also valid YAML)."""
        return PlainTextResponse(json.dumps(app.openapi(), indent=1),
                                 media_type="application/yaml")

    # -- DB meta -------------------------------------------------------------------------
    @app.get("/api/dbmeta/version", tags=["dbmeta"])
    def db_version():
        return {"Version": DATA_MODEL_VERSION}

    @app.get("/api/dbmeta/database", tags=["dbmeta"])
    def db_database():
        return {"Location": backend.uri, "Description": "connectograph (Neo4j 5, neuPrint model)"}

    @app.get("/api/dbmeta/datasets", tags=["dbmeta"])
    def db_datasets():
        """Published datasets keyed ``name:tag`` (neuPrintHTTP's fields)."""
        out = {}
        for d in backend.datasets():
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

    def mesh_dir(dataset: DatasetName) -> Path | None:
        if str(dataset) in config.mesh_dirs:
            return Path(config.mesh_dirs[str(dataset)])
        rows = [d for d in backend.datasets() if f"{d['dataset']}:{d['tag']}" == str(dataset)]
        return recipe_mesh_dir(rows[0]["recipe"]) if rows else None

    @app.get("/api/dbmeta/instances", tags=["dbmeta"])
    def db_instances():
        """Data instances beside the graph: skeletons (stored in Neo4j) and ROI meshes."""
        names = backend.dataset_names()
        with_meshes = [n for n in names if mesh_dir(DatasetName.parse(n)) is not None]
        return {"skeletons": [{"instance": "neo4j-skeletons", "datasets": names}],
                "roimeshes": [{"instance": "roi-meshes", "datasets": with_meshes}]}

    # -- custom Cypher ----------------------------------------------------------------------
    async def custom_request(request: Request) -> tuple[DatasetName, str]:
        try:
            body = await request.json()
        except ValueError:
            raise ServiceError("request object not formatted correctly: send JSON "
                               '{"cypher": "...", "dataset": "name:tag"}') from None
        except RecursionError:
            raise ServiceError("request object nested too deeply: send JSON "
                               '{"cypher": "...", "dataset": "name:tag"}') from None
        _check_text(body, "request body")
        if not isinstance(body, dict) or not isinstance(body.get("cypher"), str):
            raise ServiceError('request object not formatted correctly: "cypher" (a string) '
                               "is required")
        dataset = body.get("dataset") or ""
        if not isinstance(dataset, str):
            raise ServiceError('"dataset" must be a string "name:tag"')
        ds = await run_in_threadpool(backend.resolve_dataset, dataset)
        return ds, body["cypher"]

    def run_custom(ds: DatasetName, cypher: str):
        rewritten = rewrite_query(cypher, ds,
                                  max_timeout_ms=int(config.limits.timeout * 1000))
        app.state.query_log.append((str(ds), cypher, rewritten.cypher))
        # what the tokens said, confirmed on Neo4j's own plan of each query it will run
        for text in (rewritten.cypher, *rewritten.inner_queries):
            check_plan(backend.explain(text), ds.prefix)
        return backend.run(rewritten.cypher)

    @app.api_route("/api/custom/custom", methods=["GET", "POST"], tags=["custom"])
    async def custom(request: Request):
        """Run a read-only Cypher query on one dataset; ``{"columns", "data"}``."""
        ds, cypher = await custom_request(request)
        columns, rows = await run_in_threadpool(run_custom, ds, cypher)
        return Response(json_body(columns, rows), media_type="application/json")

    @app.api_route("/api/custom/arrow", methods=["GET", "POST"], tags=["custom"])
    async def custom_arrow(request: Request):
        """The same as /api/custom/custom, as an Arrow IPC stream."""
        ds, cypher = await custom_request(request)
        columns, rows = await run_in_threadpool(run_custom, ds, cypher)
        body = await run_in_threadpool(arrow_body, columns, rows)
        return Response(body, media_type="application/vnd.apache.arrow.stream")

    # -- cached summaries ------------------------------------------------------------------------
    def cached(kind: str, dataset: str | None):
        ds = dataset_param(dataset)
        edit = next((d["lastEdit"] for d in backend.datasets()
                     if f"{d['dataset']}:{d['tag']}" == str(ds)), "")
        return summaries.get(kind, ds, str(edit))

    @app.get("/api/cached/roicompleteness", tags=["cached"])
    def roi_completeness(dataset: str | None = None):
        """Per ROI: synapses of traced neurons and the dataset totals."""
        return cached("roicompleteness", dataset)

    @app.get("/api/cached/roiconnectivity", tags=["cached"])
    def roi_connectivity(dataset: str | None = None):
        """ROI-to-ROI connectivity estimated from neurons' per-ROI counts."""
        return cached("roiconnectivity", dataset)

    @app.get("/api/cached/dailytype", tags=["cached"])
    def daily_type(dataset: str | None = None):
        """The cell type of the day, an exemplar, its partners and skeleton."""
        return cached("dailytype", dataset)

    # -- meshes and skeletons ---------------------------------------------------------------------
    @app.get("/api/roimeshes/mesh/{dataset}/{roi}", tags=["roimeshes"])
    def roi_mesh(dataset: str, roi: str):
        """An ROI's surface mesh as OBJ text (8 nm voxel coordinates for hemibrain)."""
        ds = dataset_param(dataset)
        folder = mesh_dir(ds)
        if folder is None:
            raise ServiceError(f"dataset {ds} has no ROI meshes; start the service with "
                               f"--meshes {ds}=FOLDER")
        path = find_mesh(folder, roi)
        if path is None:
            err = ServiceError(f"no mesh for ROI {roi!r} in dataset {ds}")
            err.status_code = 404
            raise err
        return Response(path.read_bytes(), media_type="text/plain")

    @app.get("/api/skeletons/skeleton/{dataset}/{body}", tags=["skeletons"])
    def skeleton(dataset: str, body: str, format: str | None = None):
        """A body's skeleton as stored: SWC text with ``format=swc``, else
        ``{"columns": [rowId, x, y, z, radius, link], "data": [...]}``."""
        from ..fetch.skeleton import SkeletonNotFoundError, fetch_skeleton
        ds = dataset_param(dataset)
        try:
            body_id = int(body)
        except ValueError:
            raise ServiceError("body id should be an integer") from None
        if not -2**63 <= body_id < 2**63:
            raise ServiceError(f"body id {body} is out of range: body ids are 64-bit "
                               "signed integers")
        try:
            if format == "swc":
                return PlainTextResponse(fetch_skeleton(body_id, format="swc",
                                                        client=backend.client(ds)))
            df = fetch_skeleton(body_id, client=backend.client(ds))
        except SkeletonNotFoundError as err:
            missing = ServiceError(str(err))
            missing.status_code = 404
            raise missing from None
        cols = ["rowId", "x", "y", "z", "radius", "link"]
        return {"columns": cols, "data": df[cols].astype(object).values.tolist()}

    # -- user -------------------------------------------------------------------------------------
    @app.get("/profile", tags=["user"])
    def profile(token: TokenInfo = Depends(bearer_token)):
        """The token's name and access level (always read-only)."""
        return {"Email": token.name, "AuthLevel": "readonly", "ImageURL": ""}

    @app.get("/token", tags=["user"])
    def token(request: Request):
        """Echo the token this request was made with."""
        return {"token": request.state.token}

    return app


__all__ = ["create_app", "ServiceConfig"]
