"""How a skeleton is stored in Neo4j.

One ``:Skeleton`` node per body and dataset, linked from its body by
``(:Segment)-[:Contains]->(:Skeleton)`` (neuPrint's relationship name), holding
the SWC as parallel arrays, one element per node in file order:

``bodyId`` (int), ``rowId`` (int[]), ``nodeType`` (int[]: SWC structure id),
``x``, ``y``, ``z``, ``radius`` (float[], dataset units: 8 nm voxels for the
hemibrain), ``link`` (int[], parent rowId, -1 for roots), ``header`` (string[],
the SWC comment lines verbatim), ``nodeCount`` (int).

This is compact (a 13k-node skeleton is one node with seven arrays, not 13k
nodes and 13k relationships) and lossless for every value: rowIds, node types,
coordinates and radii (float64), links and header comments come back exactly.
Only the *spelling* of numbers is normalised on export (``5104`` and ``5104.0``
both read as 5104.0 and are written back by :func:`~.swc.write_swc`'s rule).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..cypher_files import LabelSet, dataset_statements
from ..errors import InvalidArgumentError, SkeletonNotFoundError
from ..skeletons.swc import Skeleton


def skeleton_properties(skeleton: Skeleton, body: int) -> dict:
    """The ``:Skeleton`` node's property map for ``skeleton`` of ``body``."""
    nodes = skeleton.nodes
    return {
        "bodyId": int(body),
        "rowId": nodes["rowId"].astype("int64").tolist(),
        "nodeType": nodes["type"].astype("int64").tolist(),
        "x": nodes["x"].astype("float64").tolist(),
        "y": nodes["y"].astype("float64").tolist(),
        "z": nodes["z"].astype("float64").tolist(),
        "radius": nodes["radius"].astype("float64").tolist(),
        "link": nodes["link"].astype("int64").tolist(),
        "header": list(skeleton.header),
        "nodeCount": len(nodes),
    }


def skeleton_from_record(record: dict, body: int) -> Skeleton:
    """Rebuild a :class:`Skeleton` from the arrays returned by the
    ``fetch_skeleton`` statement."""
    nodes = pd.DataFrame({
        "rowId": np.asarray(record["rowId"], dtype=np.int64),
        "type": np.asarray(record["nodeType"], dtype=np.int64),
        "x": np.asarray(record["x"], dtype=np.float64),
        "y": np.asarray(record["y"], dtype=np.float64),
        "z": np.asarray(record["z"], dtype=np.float64),
        "radius": np.asarray(record["radius"], dtype=np.float64),
        "link": np.asarray(record["link"], dtype=np.int64),
    })
    return Skeleton(nodes=nodes, header=list(record.get("header") or []), body=int(body))


#: Largest skeleton expanded into per-node form (Browser shows a few thousand
#: nodes comfortably; the array form serves every size).
MAX_BROWSER_NODES = 20_000


def store_skeleton_nodes(body: int, *, client, max_nodes: int = MAX_BROWSER_NODES) -> int:
    """Add the optional per-node form of a stored skeleton, for Neo4j Browser.

    Creates ``(:Skeleton)-[:Contains]->(:SkelNode {bodyId, rowNumber, location
    (point, voxels), radius, type})`` and ``(child:SkelNode)-[:LinksTo]->(parent)``
    (neuPrint's names), replacing any earlier per-node form of the body. The
    array form stays the source of truth for :func:`fetch_skeleton`.

    Parameters
    ----------
    body : int
    client : Client
        A client of the dataset (needs write access).
    max_nodes : int
        Refuse larger skeletons (they are unreadable in Browser anyway).

    Returns
    -------
    int
        Number of SkelNodes created.

    Raises
    ------
    SkeletonNotFoundError
        No skeleton stored for ``body`` (also a ``LookupError``).
    InvalidArgumentError
        The skeleton has more than ``max_nodes`` nodes (also a ``ValueError``).
    """

    label = client.dataset.label("Skeleton")
    rows = client.read(f"MATCH (s:{label}) WHERE s.bodyId = $body RETURN s.nodeCount AS n",
                       {"body": int(body)})
    if not rows:
        raise SkeletonNotFoundError(f"dataset {client.dataset} has no skeleton for body {body}")
    n = int(rows[0]["n"])
    if n > max_nodes:
        raise InvalidArgumentError(f"skeleton of body {body} has {n:,} nodes, more than "
                                   f"max_nodes={max_nodes:,}; use fetch_skeleton for large "
                                   "skeletons")
    for stmt in dataset_statements("skeletons.cypher", "skeleton_nodes",
                                   LabelSet(client.dataset.prefix)):
        client.write(stmt, {"body": int(body)})
    return n
