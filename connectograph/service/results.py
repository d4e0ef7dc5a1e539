"""Neo4j values → the JSON and Arrow shapes neuPrintHTTP answers with.

neuPrintHTTP returns ``{"columns": [...], "data": [[...], ...]}``; nodes as
their property maps, relationships as their properties plus ``type``,
``startNodeId``, ``endNodeId`` and ``id``, paths as ``{"nodes", "relationships"}``
and points as ``{"coordinates": [x, y, z], "crs": {...}, "type": "Point"}``.

Deliberate differences: numbers keep their type (neuPrintHTTP turns a float
with an integral value, e.g. ``2.0``, into the integer ``2``; we keep
``2.0`` so a float column stays float in pandas); relationship and node ids
are Neo4j 5 element ids (strings); dates and times are ISO 8601 strings.
"""

from __future__ import annotations

import json
import math
from typing import Any

import neo4j.graph
import neo4j.spatial
import pyarrow as pa

_CRS_NAMES = {7203: "cartesian", 9157: "cartesian-3d", 4326: "wgs-84", 4979: "wgs-84-3d"}


def point_json(point: neo4j.spatial.Point) -> dict:
    """A point as neuPrintHTTP writes it (``coordinates`` first)."""
    srid = point.srid
    return {
        "coordinates": [float(c) for c in point],
        "crs": {"name": _CRS_NAMES.get(srid, str(srid)), "srid": srid, "type": "link",
                "properties": {"href": f"http://spatialreference.org/ref/sr-org/{srid}/ogcwkt/",
                               "type": "ogcwkt"}},
        "type": "Point",
    }


def to_json_value(value: Any) -> Any:
    """Convert one value returned by the Neo4j driver into plain JSON data.

    Non-finite floats (NaN, ±inf) become ``null``: JSON has no spelling for them.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, neo4j.spatial.Point):  # before tuple: a Point is one
        return point_json(value)
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, neo4j.graph.Node):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, neo4j.graph.Relationship):
        out = {"id": value.element_id, "type": value.type,
               "startNodeId": value.start_node.element_id if value.start_node else None,
               "endNodeId": value.end_node.element_id if value.end_node else None}
        out.update({k: to_json_value(v) for k, v in value.items()})
        return out
    if isinstance(value, neo4j.graph.Path):
        return {"nodes": [to_json_value(n) for n in value.nodes],
                "relationships": [to_json_value(r) for r in value.relationships]}
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    iso = getattr(value, "iso_format", None)
    if callable(iso):
        return iso()
    return str(value)


def json_body(columns: list[str], rows: list[list[Any]]) -> bytes:
    """``{"columns", "data"}`` as UTF-8 JSON bytes (rows already converted)."""
    return json.dumps({"columns": columns, "data": rows}, ensure_ascii=False,
                      allow_nan=False, separators=(",", ":")).encode()


def _arrow_column(values: list[Any]) -> pa.Array:
    """One column as an Arrow array: the natural type when the values share one
    (int64, float64, bool, string, lists, structs), else each value as JSON text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.array([None if v is None else json.dumps(v) for v in values], type=pa.string())


def arrow_body(columns: list[str], rows: list[list[Any]]) -> bytes:
    """The result as an Arrow IPC stream (what neuprint-python's
    ``fetch_custom(use_arrow=True)`` reads with ``pyarrow.ipc.open_stream``)."""
    arrays = [_arrow_column([row[i] for row in rows]) for i in range(len(columns))]
    table = pa.Table.from_arrays(arrays, names=list(columns)) if columns else pa.table({})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()
