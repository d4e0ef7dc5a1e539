"""The bulk path (neo4j-admin import) builds exactly the graph the Bolt loader builds.

The real bundle is bulk-loaded into its own throw-away instance and compared,
node by node and relationship by relationship (properties with their Neo4j
types), with the Bolt-loaded dataset of the session's ``client`` fixture; the
fetch functions must return identical frames on both. Plus: refusal when the
instance holds data, and a failed import leaves an empty, running database.
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from neo4j.spatial import CartesianPoint

from connectograph import Client, NC, fetch_adjacencies, fetch_neurons
from connectograph.errors import BulkImportError
from connectograph.fetch import fetch_synapse_connections

from throwaway_instances import stopped_empty_instance

DATASET = "hemibrain-mb:v1.2.1"
PREFIX = DATASET + "_"
KC = 5813078552

#: The whole module is in ``make test-slow``: its import of the bundle into a
#: throw-away instance and the node-by-node comparison took about 400 s of a
#: worker (measured 2026-12-06), which put ``make test`` over its 12 minutes.
#: ``make test`` keeps the bulk path covered by test_bulk_files.py (the import
#: files, prepared in memory and in partitions, equal as graphs; no server),
#: test_bench_smoke.py (a real neo4j-admin import, its node and relationship
#: counts against the manifest) and the synapse-property import files of
#: test_hemibrain_synapse_nt.py.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=[None, 3000],
                ids=["prepared in memory", "partitions of 3000 rows"])
def bulk_instance(request, bundle_dir, tmp_path_factory):
    """A throw-away instance (own ports) holding the bundle, bulk-loaded while
    stopped and without a ``neo4j`` database (a fresh instance: no server is
    started to check it); once with the synapse tables in memory, once
    spilled and written in partitions of 3,000 rows (``--partition-rows``)."""
    from connectograph import neo4j_server
    from connectograph.loading.bulk import bulk_load
    from connectograph.neo4j_server.settings import InstanceSettings

    name = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test") + "-bulk"
    stopped_empty_instance(name)
    files = tmp_path_factory.mktemp("bulk-files")
    messages: list[str] = []
    try:
        with pytest.MonkeyPatch.context() as mp:
            if request.param:       # the bodies in several files too
                mp.setattr("connectograph.loading.write.bulk_csv.BODY_ROWS_PER_FILE", 1000)
            summary = bulk_load("hemibrain-mb", instance=name, data_dir=str(bundle_dir),
                                keep_files=files, partition_rows=request.param,
                                echo=messages.append)
        yield {"name": name, "summary": summary, "files": files, "messages": messages,
               "partition_rows": request.param}
    finally:
        neo4j_server.stop(name, echo=lambda s: None)
        shutil.rmtree(InstanceSettings(name=name).root, ignore_errors=True)


@pytest.fixture(scope="module")
def bulk_client(bulk_instance):
    from connectograph.neo4j_server import load_settings
    from connectograph.neo4j_server.settings import read_connection

    conn = read_connection(load_settings(bulk_instance["name"]))
    c = Client(conn["uri"], auth=(conn["username"], conn["password"]), dataset=DATASET)
    yield c
    c.close()


# --- comparing values with their types --------------------------------------------------------

def typed(value):
    """A value with its Neo4j type made explicit (int and float, points, lists)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else value)
    if isinstance(value, CartesianPoint):
        return ("point", len(value), tuple(float(c) for c in value))
    if isinstance(value, list):
        return ("list", tuple(typed(v) for v in value))
    return (type(value).__name__, value)


def typed_props(props: dict, drop=()) -> dict:
    return {k: typed(v) for k, v in props.items() if k not in drop}


def _rows(client: Client, cypher: str) -> list[dict]:
    return client.read(cypher, {"prefix": PREFIX})


def _by_key(rows, key, drop=()) -> dict:
    out = {}
    for r in rows:
        k = key(r)
        assert k not in out, f"duplicate key {k}"
        out[k] = typed_props(r["p"], drop)
    return out


def assert_same(bolt: dict, bulk: dict, what: str) -> None:
    assert set(bolt) == set(bulk), f"{what}: keys differ, e.g. {list(set(bolt) ^ set(bulk))[:5]}"
    diffs = [k for k in bolt if bolt[k] != bulk[k]]
    if diffs:
        k = diffs[0]
        a, b = bolt[k], bulk[k]
        detail = {p: (a.get(p), b.get(p)) for p in set(a) | set(b) if a.get(p) != b.get(p)}
        pytest.fail(f"{what}: {len(diffs)} differ, e.g. {k}: {dict(list(detail.items())[:5])}")


# --- the graph -----------------------------------------------------------------------------------

LABELS_QUERY = """
MATCH (n) WHERE any(l IN labels(n) WHERE l STARTS WITH $prefix)
WITH apoc.coll.sort(labels(n)) AS labels
RETURN labels, count(*) AS n
"""
RELS_QUERY = """
MATCH (a)-[r]->(b)
WHERE any(l IN labels(a) WHERE l STARTS WITH $prefix)
RETURN type(r) AS type, apoc.coll.sort(labels(a)) AS a, apoc.coll.sort(labels(b)) AS b,
       count(*) AS n
"""


def test_bulk_summary_and_stages(bulk_instance, loaded):
    s = bulk_instance["summary"]
    # The same counts as the Bolt load reported, and neo4j-admin imported them all
    # (a Neuron is a Segment node with a second label).
    counts = dict(s.counts)
    imported = {k: counts.pop(k) for k in ("nodes imported", "relationships imported")}
    assert counts == loaded.counts
    c = loaded.counts
    assert imported["nodes imported"] == sum(
        c[f"{g} nodes"] for g in ("Meta", "Segment", "ROI", "Skeleton", "Synapse", "SynapseSet"))
    assert imported["relationships imported"] == sum(
        v for k, v in c.items() if k.split()[1].startswith("relationships"))
    assert {c.describe() for c in s.conflicts} == {c.describe() for c in loaded.conflicts}
    assert set(s.stages) >= {"prepare", "csv", "import", "schema", "rename", "indexes"}
    messages = bulk_instance["messages"]
    assert any("neo4j-admin" in m for m in messages)
    assert any("no database yet: nothing to check" in m for m in messages)
    # partitioned: each partition's synapses in import files of their own
    synapse_files = [f.name for f in bulk_instance["files"].iterdir()
                     if re.fullmatch(r"Synapse(-\d+)?-header\.csv", f.name)]
    # and the bodies in files of at most 1,000 rows (monkeypatched) or
    # BODY_ROWS_PER_FILE (more than the bundle's bodies); a slice of bodies
    # may take several files, one per combination of property types
    segment_rows = []
    for f in bulk_instance["files"].iterdir():
        if re.fullmatch(r"Segment(-\d+)?\.csv", f.name):
            with open(f, newline="") as fh:
                segment_rows.append(sum(1 for _ in csv.reader(fh)))
    assert sum(segment_rows) == c["Segment nodes"] > 2000
    if bulk_instance["partition_rows"]:
        assert len(synapse_files) > 3
        assert max(segment_rows) <= 1000
    else:
        assert synapse_files == ["Synapse-header.csv"]
        assert max(segment_rows) > 1000


def test_same_labels_and_relationship_counts(client, bulk_client):
    def labels(c):
        return {tuple(r["labels"]): r["n"] for r in _rows(c, LABELS_QUERY)}

    def rels(c):
        return {(r["type"], tuple(r["a"]), tuple(r["b"])): r["n"] for r in _rows(c, RELS_QUERY)}

    bolt_labels = labels(client)
    assert bolt_labels == labels(bulk_client)
    assert ("Meta", PREFIX + "Meta") in bolt_labels
    bolt_rels = rels(client)
    assert bolt_rels == rels(bulk_client)
    assert {k[0] for k in bolt_rels} >= {"ConnectsTo", "InROI", "PartOf", "SynapsesTo",
                                          "Contains"}


def _label(generic: str) -> str:
    from connectograph.identifiers import DatasetName
    return DatasetName.parse(DATASET).label(generic)


@pytest.mark.parametrize("generic, key, drop", [
    ("Segment", lambda r: r["p"]["bodyId"], ()),
    ("ROI", lambda r: r["p"]["name"], ()),
    ("Synapse", lambda r: r["p"]["synapseId"], ()),
    ("SynapseSet", lambda r: (r["p"]["bodyId"], r["p"]["partnerId"], r["p"]["type"]), ()),
    ("Skeleton", lambda r: r["p"]["bodyId"], ()),
    ("Meta", lambda r: r["p"]["dataset"], ("lastDatabaseEdit",)),
])
def test_every_node_has_the_same_properties(client, bulk_client, generic, key, drop):
    cypher = f"MATCH (n:{_label(generic)}) RETURN properties(n) AS p"
    bolt = _by_key(_rows(client, cypher), key, drop)
    bulk = _by_key(_rows(bulk_client, cypher), key, drop)
    assert bolt, generic
    assert_same(bolt, bulk, generic)


def test_sampled_types_are_neo4j_types(bulk_client):
    """Spot checks on the bulk side alone: points, ROI booleans with awkward names,
    integer counts, float confidences, lists."""
    seg = _label("Segment")
    kc = bulk_client.read(f"MATCH (n:{seg}) WHERE n.bodyId = $b RETURN properties(n) AS p",
                          {"b": KC})[0]["p"]
    assert isinstance(kc["pre"], int) and not isinstance(kc["pre"], bool)
    assert kc["aL(R)"] is True and kc["CA(R)"] is True
    assert isinstance(kc["somaLocation"], CartesianPoint) and len(kc["somaLocation"]) == 3
    syn = _label("Synapse")
    s = bulk_client.read(f"MATCH (s:{syn}) WHERE s.bodyId = $b RETURN properties(s) AS p "
                         "LIMIT 1", {"b": KC})[0]["p"]
    assert isinstance(s["location"], CartesianPoint) and isinstance(s["confidence"], float)
    roi_flags = [k for k in s if "(" in k]
    assert roi_flags and all(s[k] is True for k in roi_flags)
    assert not any(k.startswith("__cg_") for k in kc) and not any(k.startswith("__cg_") for k in s)
    meta = bulk_client.read(f"MATCH (m:{_label('Meta')}) RETURN properties(m) AS p")[0]["p"]
    assert meta["loadComplete"] is True and meta["voxelSize"] == [8.0, 8.0, 8.0]
    assert "a'L(R)" in meta["primaryRois"]


REL_QUERIES = {
    "ConnectsTo": ("MATCH (a:{Segment})-[r:ConnectsTo]->(b:{Segment}) "
                   "RETURN [a.bodyId, b.bodyId] AS k, properties(r) AS p"),
    "InROI": ("MATCH (a:{Segment})-[r:InROI]->(b:{ROI}) "
              "RETURN [a.bodyId, b.name] AS k, properties(r) AS p"),
    "PartOf": "MATCH (a:{ROI})-[r:PartOf]->(b:{ROI}) RETURN [a.name, b.name] AS k, properties(r) AS p",
    "SynapsesTo": ("MATCH (a:{Synapse})-[r:SynapsesTo]->(b:{Synapse}) "
                   "RETURN [a.synapseId, b.synapseId] AS k, properties(r) AS p"),
    "Contains set": ("MATCH (a:{Segment})-[r:Contains]->(b:{SynapseSet}) "
                     "RETURN [a.bodyId, b.bodyId, b.partnerId, b.type] AS k, properties(r) AS p"),
    "Contains synapse": ("MATCH (a:{SynapseSet})-[r:Contains]->(b:{Synapse}) "
                         "RETURN [a.bodyId, a.partnerId, a.type, b.synapseId] AS k, "
                         "properties(r) AS p"),
    "set ConnectsTo": ("MATCH (a:{SynapseSet})-[r:ConnectsTo]->(b:{SynapseSet}) "
                       "RETURN [a.bodyId, a.partnerId, a.type, b.bodyId, b.type] AS k, "
                       "properties(r) AS p"),
    "Contains skeleton": ("MATCH (a:{Segment})-[r:Contains]->(b:{Skeleton}) "
                          "RETURN [a.bodyId, b.bodyId] AS k, properties(r) AS p"),
}


@pytest.mark.parametrize("name", list(REL_QUERIES))
def test_every_relationship_is_the_same(client, bulk_client, name):
    cypher = REL_QUERIES[name].format(**{g: _label(g) for g in
                                         ("Segment", "ROI", "Synapse", "SynapseSet", "Skeleton")})
    bolt = _by_key(_rows(client, cypher), lambda r: tuple(r["k"]))
    bulk = _by_key(_rows(bulk_client, cypher), lambda r: tuple(r["k"]))
    assert bolt, name
    assert_same(bolt, bulk, name)


def test_same_schema(client, bulk_client):
    q = ("SHOW INDEXES YIELD labelsOrTypes, properties, type, owningConstraint, state "
         "WHERE any(l IN coalesce(labelsOrTypes, []) WHERE l STARTS WITH $prefix) "
         "RETURN labelsOrTypes, properties, type, owningConstraint IS NOT NULL AS constraint, "
         "state")
    def schema(c):
        return sorted((tuple(r["labelsOrTypes"]), tuple(r["properties"]), r["type"],
                       r["constraint"], r["state"]) for r in _rows(c, q))
    got = schema(bulk_client)
    assert got == schema(client)
    assert {r[4] for r in got} == {"ONLINE"}
    assert any(r[2] == "POINT" for r in got)


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    a = a.sort_values(list(a.columns[:2])).reset_index(drop=True) if len(a) else a
    b = b.sort_values(list(b.columns[:2])).reset_index(drop=True) if len(b) else b
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("criteria", [
    dict(bodyId=KC), dict(type="MBON.*"), dict(inputRois=["aL(R)"]), dict(type="DA1_lPN"),
])
def test_fetch_neurons_identical(client, bulk_client, criteria):
    a_n, a_r = fetch_neurons(NC(**criteria), client=client)
    b_n, b_r = fetch_neurons(NC(**criteria), client=bulk_client)
    assert len(a_n)
    _frames_equal(a_n, b_n)
    _frames_equal(a_r, b_r)


@pytest.mark.parametrize("sources, targets", [
    (dict(bodyId=KC), None), (None, dict(bodyId=KC)), (dict(type="DA1_lPN"), dict(type="KC.*")),
])
def test_fetch_adjacencies_identical(client, bulk_client, sources, targets):
    s = NC(**sources) if sources else None
    t = NC(**targets) if targets else None
    a = fetch_adjacencies(s, t, client=client)
    b = fetch_adjacencies(s, t, client=bulk_client)
    assert len(a[1])
    _frames_equal(a[0], b[0])
    _frames_equal(a[1], b[1])


@pytest.mark.parametrize("sources, targets", [(dict(bodyId=KC), None), (None, dict(bodyId=KC))])
def test_fetch_synapse_connections_identical(client, bulk_client, sources, targets):
    s = NC(**sources) if sources else None
    t = NC(**targets) if targets else None
    a = fetch_synapse_connections(s, t, client=client)
    b = fetch_synapse_connections(s, t, client=bulk_client)
    assert len(a)
    cols = list(a.columns)
    pd.testing.assert_frame_equal(a.sort_values(cols).reset_index(drop=True),
                                  b.sort_values(cols).reset_index(drop=True))


# --- refusal and failure (these run last: the failure test empties the instance) ---------------

def test_refuses_an_instance_that_holds_data(bulk_instance, bulk_client, bundle_dir):
    from connectograph.loading.bulk import bulk_load

    before = bulk_client.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    with pytest.raises(BulkImportError) as err:
        bulk_load("hemibrain-mb", instance=bulk_instance["name"], data_dir=str(bundle_dir))
    text = str(err.value)
    assert DATASET in text and "--instance" in text and "drop" in text
    assert bulk_client.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == before


def test_refuses_a_stopped_instance_that_holds_data(bulk_instance, bulk_client, bundle_dir):
    """Stopped with a database on disk: started to look inside, refused, stopped again."""
    from connectograph import neo4j_server
    from connectograph.loading.bulk import bulk_load

    name = bulk_instance["name"]
    neo4j_server.stop(name, echo=lambda s: None)
    try:
        with pytest.raises(BulkImportError) as err:
            bulk_load("hemibrain-mb", instance=name, data_dir=str(bundle_dir))
        assert DATASET in str(err.value)
        assert not neo4j_server.status(name).running
    finally:
        neo4j_server.start(name, echo=lambda s: None)
    assert bulk_client.read(f"MATCH (n:{_label('Meta')}) RETURN n.loadComplete AS c")[0]["c"]


def test_bad_data_leaves_a_running_instance_running(bulk_instance, bulk_client, bundle_dir,
                                                    monkeypatch):
    """Prepare fails while the server stops in the background: it is started again."""
    from connectograph import neo4j_server
    from connectograph.errors import ValidationError
    from connectograph.loading import bulk as bulk_module

    def bad(*args, **kwargs):
        raise ValidationError("bad row (raised by the test)")

    monkeypatch.setattr(bulk_module, "prepare", bad)
    before = bulk_client.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    with pytest.raises(ValidationError):
        bulk_module.bulk_load("hemibrain-mb", instance=bulk_instance["name"],
                              data_dir=str(bundle_dir), overwrite=True)
    assert neo4j_server.status(bulk_instance["name"]).answering
    assert bulk_client.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == before


def test_failed_import_leaves_an_empty_running_database(bulk_instance, bulk_client,
                                                        bundle_dir, monkeypatch):
    """neo4j-admin rejects a bad value; the half-written store must be gone and the
    server up with an empty database (no dataset visible, not even an incomplete one)."""
    from connectograph.loading import bulk as bulk_module
    from connectograph.loading.bulk import bulk_load

    real = bulk_module.write_import_files

    def corrupt(prepared, folder, echo=lambda s: None):
        files = real(prepared, folder, echo=echo)
        data = Path(folder) / "InROI.csv"
        lines = data.read_text().splitlines()
        parts = lines[-1].split(",")
        parts[2] = "not-a-number"          # the 'pre:long' column
        lines[-1] = ",".join(parts)
        data.write_text("\n".join(lines) + "\n")
        return files

    monkeypatch.setattr(bulk_module, "write_import_files", corrupt)
    with pytest.raises(BulkImportError) as err:
        bulk_load("hemibrain-mb", instance=bulk_instance["name"], data_dir=str(bundle_dir),
                  overwrite=True)
    text = str(err.value)
    assert "nothing was loaded" in text
    assert "not-a-number" in text and "\tat org." not in text    # the cause, no stack frames
    kept = [Path(w) for w in text.split() if "bulk-" in w and Path(w.rstrip(".")).is_dir()]
    assert kept and (Path(kept[0].as_posix().rstrip(".")) / "InROI.csv").exists()
    assert bulk_client.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == 0
    from connectograph.loading import datasets
    assert datasets(client=bulk_client).empty
    assert np.isfinite(bulk_instance["summary"].seconds)
