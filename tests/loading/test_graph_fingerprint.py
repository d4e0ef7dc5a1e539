"""The graph of the real hemibrain-mb bundle stays exactly the graph stored in
``tests/data/hemibrain_mb_graph_fingerprint.json``.

The session fixture loads the bundle (``client`` in ``tests/conftest.py``,
dataset ``hemibrain-mb:v1.2.1``); this test reads every node and relationship of
the dataset back and compares, with the stored fingerprint:

- per label: the number of the dataset's nodes carrying it. Dataset-scoped
  labels are stored as ``{dataset}_Segment`` (the dataset's prefix replaced),
  the generic ones as they are (``Segment``);
- per generic label: a SHA-256 over the sorted canonical JSON of every node's
  record (its labels without the dataset prefix, then every property with its
  Neo4j type: ``int``, ``float`` (``repr``, exact), ``str``, ``bool``,
  ``point`` (SRID and coordinates), ``list`` of typed values);
- per relationship type: the number of relationships and a SHA-256 over the
  sorted canonical JSON of ``[start node key, typed properties, end node key]``.

A node key is the node's label set without the dataset prefix plus a natural
identity that is unique per label in a dataset (the test checks it is):

========== ================================ ========================================
label      identity                         why unique
========== ================================ ========================================
Meta       ``dataset``, ``tag``             one current Meta per dataset
ROI        ``name``                         ROI names are the keys of roiInfo
Segment    ``bodyId``                       a body is one Segment (bodyId is unique)
Skeleton   ``bodyId``                       one skeleton per body (the first source
                                            wins)
Synapse    ``bodyId``, ``type``,            a site of a body: two sites of one body
           ``location``                     and side at one place are one synapse
                                            (minted ids hash exactly these)
SynapseSet ``bodyId``, ``partnerId``,       one set per side of each connection
           ``type``
========== ================================ ========================================

Element ids are not stable across loads and are never used. ``Meta``'s
``lastDatabaseEdit`` (the time of the load) is left out; every other property
is compared, ``Meta.fingerprint`` included (a hash of the recipe and the
input files, the same on every machine).

To regenerate the stored file (only when the graph is meant to change),
run::

    CONNECTOGRAPH_WRITE_GRAPH_FINGERPRINT=1 CONNECTOGRAPH_TEST_INSTANCE=<name> \\
        .venv/bin/python -m pytest tests/loading/test_graph_fingerprint.py

which rewrites the file and skips the comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import pytest
from neo4j.spatial import Point

pytestmark = pytest.mark.neo4j

STORED = Path(__file__).resolve().parents[1] / "data" / "hemibrain_mb_graph_fingerprint.json"
REWRITE = "CONNECTOGRAPH_WRITE_GRAPH_FINGERPRINT"
#: Properties that differ on every load, per generic label.
VOLATILE = {"Meta": {"lastDatabaseEdit"}}
#: The natural identity of a node, per generic label (see module docstring).
IDENTITY = {
    "Meta": ("dataset", "tag"),
    "ROI": ("name",),
    "Segment": ("bodyId",),
    "Skeleton": ("bodyId",),
    "Synapse": ("bodyId", "type", "location"),
    "SynapseSet": ("bodyId", "partnerId", "type"),
}
#: Every property an identity uses, fetched for both ends of a relationship.
_IDENTITY_KEYS = sorted({k for keys in IDENTITY.values() for k in keys})


def typed(value: Any) -> Any:
    """``value`` as JSON that keeps its Neo4j type (see module docstring)."""
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", value]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, Point):
        return ["point", value.srid, [repr(float(c)) for c in value]]
    if isinstance(value, (list, tuple)):
        return ["list", [typed(v) for v in value]]
    return [type(value).__name__, str(value)]


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _generic(labels: Iterable[str], prefix: str) -> list[str]:
    """The label set without the dataset prefix (scoped and generic labels merged)."""
    return sorted({label[len(prefix):] if label.startswith(prefix) else label
                   for label in labels})


def _stored_label(label: str, prefix: str) -> str:
    return "{dataset}_" + label[len(prefix):] if label.startswith(prefix) else label


def node_key(labels: list[str], props: dict) -> list:
    """``[label set, identity]`` of a node (``labels`` already generic)."""
    kinds = [label for label in labels if label in IDENTITY]
    if len(kinds) != 1:
        raise AssertionError(f"a node with labels {labels} has no single identity label "
                             f"among {sorted(IDENTITY)}")
    return [labels, [typed(props.get(k)) for k in IDENTITY[kinds[0]]]]


def _digest(records: list[str]) -> str:
    h = hashlib.sha256()
    for record in sorted(records):
        h.update(record.encode())
        h.update(b"\n")
    return h.hexdigest()


def graph_fingerprint(client) -> dict:
    """The fingerprint of ``client``'s dataset (see module docstring)."""
    prefix = str(client.dataset) + "_"
    label_counts: dict[str, int] = defaultdict(int)
    node_records: dict[str, list[str]] = defaultdict(list)
    keys: dict[str, set[str]] = defaultdict(set)
    with client.driver.session(database=client.database) as session:
        nodes = session.run("MATCH (n) WHERE any(l IN labels(n) WHERE l STARTS WITH $prefix) "
                            "RETURN labels(n) AS labels, properties(n) AS props",
                            {"prefix": prefix})
        for record in nodes:
            labels = _generic(record["labels"], prefix)
            for label in record["labels"]:
                label_counts[_stored_label(label, prefix)] += 1
            key = canonical(node_key(labels, record["props"]))
            for label in labels:
                volatile = VOLATILE.get(label, set())
                props = {k: typed(v) for k, v in record["props"].items() if k not in volatile}
                node_records[label].append(canonical({"labels": labels, "props": props}))
                if label in IDENTITY:
                    if key in keys[label]:
                        raise AssertionError(f"two {label} nodes have the key {key}: the "
                                             "identity of IDENTITY is not unique")
                    keys[label].add(key)
        del keys
        projection = ", ".join(f".`{k}`" for k in _IDENTITY_KEYS)
        rels = session.run(
            "MATCH (a)-[r]->(b) WHERE any(l IN labels(a) WHERE l STARTS WITH $prefix) "
            f"RETURN type(r) AS type, labels(a) AS a_labels, a {{{projection}}} AS a, "
            f"properties(r) AS props, labels(b) AS b_labels, b {{{projection}}} AS b",
            {"prefix": prefix})
        rel_records: dict[str, list[str]] = defaultdict(list)
        for record in rels:
            start = node_key(_generic(record["a_labels"], prefix), record["a"])
            end = node_key(_generic(record["b_labels"], prefix), record["b"])
            props = {k: typed(v) for k, v in record["props"].items()}
            rel_records[record["type"]].append(canonical([start, props, end]))
    return {
        "dataset": str(client.dataset),
        "labels": {label: {"count": label_counts[label],
                           **({"sha256": _digest(node_records[label])}
                              if label in node_records else {})}
                   for label in sorted(label_counts)},
        "relationships": {t: {"count": len(rows), "sha256": _digest(rows)}
                          for t, rows in sorted(rel_records.items())},
    }


def differences(stored: dict, current: dict) -> list[str]:
    """One line per label or relationship type whose count or hash differs."""
    lines = []
    for section, what in (("labels", "label"), ("relationships", "relationship type")):
        old, new = stored[section], current[section]
        for name in sorted(set(old) | set(new)):
            if name not in new:
                lines.append(f"{what} {name}: stored ({old[name]['count']:,}), now absent")
            elif name not in old:
                lines.append(f"{what} {name}: not stored, now {new[name]['count']:,}")
            elif old[name]["count"] != new[name]["count"]:
                lines.append(f"{what} {name}: {old[name]['count']:,} stored, "
                             f"{new[name]['count']:,} now")
            elif old[name].get("sha256") != new[name].get("sha256"):
                lines.append(f"{what} {name}: same count ({new[name]['count']:,}) but the "
                             "properties differ")
    return lines


def test_graph_matches_stored_fingerprint(client):
    current = graph_fingerprint(client)
    if os.environ.get(REWRITE):
        STORED.parent.mkdir(parents=True, exist_ok=True)
        STORED.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"{REWRITE} is set: rewrote {STORED.name}")
    stored = json.loads(STORED.read_text())
    assert stored["dataset"] == current["dataset"]
    diff = differences(stored, current)
    assert not diff, ("the graph of the bundle differs from the stored fingerprint:\n  "
                      + "\n  ".join(diff))


def test_typed_values_and_differences_are_readable():
    """No server: the canonical form keeps types apart, and a changed
    fingerprint is reported by label and type."""
    from neo4j.spatial import CartesianPoint

    assert canonical(typed(1)) != canonical(typed(1.0)) != canonical(typed("1"))
    assert canonical(typed(True)) != canonical(typed(1))
    assert typed(CartesianPoint((1, 2.5, 3))) == ["point", 9157, ["1.0", "2.5", "3.0"]]
    assert typed([1, 2]) == ["list", [["int", 1], ["int", 2]]]
    stored = {"labels": {"Segment": {"count": 2, "sha256": "a"}, "ROI": {"count": 1}},
              "relationships": {"ConnectsTo": {"count": 3, "sha256": "b"}}}
    current = {"labels": {"Segment": {"count": 2, "sha256": "c"}},
               "relationships": {"ConnectsTo": {"count": 4, "sha256": "b"},
                                 "PartOf": {"count": 1, "sha256": "d"}}}
    assert differences(stored, current) == [
        "label ROI: stored (1), now absent",
        "label Segment: same count (2) but the properties differ",
        "relationship type ConnectsTo: 3 stored, 4 now",
        "relationship type PartOf: not stored, now 1",
    ]
