"""Custom Cypher: a read-only query on one dataset, as JSON or an Arrow stream.

Each query is scoped to the request's dataset and checked read-only
(:mod:`..cypher_rewrite`), each query it will run is checked on Neo4j's own
plan (:mod:`..plan_check`), then it runs with the service's limits
(:meth:`Backend.run`).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...errors import RequestTooLargeError, ServiceError
from ...identifiers import DatasetName
from ..cypher_rewrite import rewrite_query
from ..plan_check import check_plan
from ..results import arrow_body, json_body
from .common import backend, check_scope, config

router = APIRouter(tags=["custom"])


def check_text(value, where: str = "request") -> None:
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


async def _body(request: Request) -> bytes:
    """The request body, refused as soon as it passes ``config.max_body``."""
    limit = config(request).max_body
    too_large = RequestTooLargeError(
        f"the request body is larger than {limit:,} bytes, the service's limit; send a "
        "shorter query (e.g. fewer body ids per request, in batches)")
    if int(request.headers.get("content-length") or 0) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def custom_request(request: Request) -> tuple[DatasetName, str]:
    """The request's dataset (resolved, in the token's scope) and query text.

    Raises
    ------
    ServiceError
        The body is not JSON ``{"cypher": str, "dataset": str}``, is nested
        too deeply or holds a lone surrogate.
    RequestTooLargeError
        (413) The body is larger than ``config.max_body``.
    DatasetNotFoundError
        Unknown dataset, or none given while several are loaded.
    DatasetForbiddenError
        (403) The token may not read the dataset.
    """
    raw = await _body(request)
    try:
        body = json.loads(raw)
    except ValueError:
        raise ServiceError("request object not formatted correctly: send JSON "
                           '{"cypher": "...", "dataset": "name:tag"}') from None
    except RecursionError:
        raise ServiceError("request object nested too deeply: send JSON "
                           '{"cypher": "...", "dataset": "name:tag"}') from None
    check_text(body, "request body")
    if not isinstance(body, dict) or not isinstance(body.get("cypher"), str):
        raise ServiceError('request object not formatted correctly: "cypher" (a string) '
                           "is required")
    dataset = body.get("dataset") or ""
    if not isinstance(dataset, str):
        raise ServiceError('"dataset" must be a string "name:tag"')
    request.state.dataset = dataset
    ds = await run_in_threadpool(backend(request).resolve_dataset, dataset,
                                 request.state.token_info.allows)
    return check_scope(request, ds), body["cypher"]


def run_custom(request: Request, ds: DatasetName, cypher: str):
    """Scope, check and run ``cypher`` on ``ds``; log it (``app.state.query_log``)."""
    rewritten = rewrite_query(cypher, ds,
                              max_timeout_ms=int(config(request).limits.timeout * 1000))
    request.app.state.query_log.append((str(ds), cypher, rewritten.cypher))
    # what the tokens said, confirmed on Neo4j's own plan of each query it will run
    for text in (rewritten.cypher, *rewritten.inner_queries):
        check_plan(backend(request).explain(text), ds.prefix)
    return backend(request).run(rewritten.cypher)


# GET and POST registered apart, each with its own OpenAPI operation id
@router.get("/api/custom/custom", operation_id="custom_get")
@router.post("/api/custom/custom", operation_id="custom_post")
async def custom(request: Request):
    """Run a read-only Cypher query on one dataset; ``{"columns", "data"}``."""
    ds, cypher = await custom_request(request)
    columns, rows = await run_in_threadpool(run_custom, request, ds, cypher)
    return Response(json_body(columns, rows), media_type="application/json")


@router.get("/api/custom/arrow", operation_id="custom_arrow_get")
@router.post("/api/custom/arrow", operation_id="custom_arrow_post")
async def custom_arrow(request: Request):
    """The same as /api/custom/custom, as an Arrow IPC stream."""
    ds, cypher = await custom_request(request)
    columns, rows = await run_in_threadpool(run_custom, request, ds, cypher)
    body = await run_in_threadpool(arrow_body, columns, rows)
    return Response(body, media_type="application/vnd.apache.arrow.stream")
