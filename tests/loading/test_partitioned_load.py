"""A load with ``partition_rows`` (synapse tables spilled to disk, derived and
written partition by partition) writes the same graph as the in-memory load.

Real server, real bundle: the session's ``loaded`` dataset (in memory) is the
reference; the same recipe is loaded again under another tag with partitions of
3,000 rows (the bundle's synapse sites and pairs make several), and every node
and relationship of the two datasets is compared, synapses included.
"""

from __future__ import annotations

import json

import pytest

from connectograph import Client
from connectograph.loading import drop, load

REFERENCE = "hemibrain-mb:v1.2.1"
PARTITIONED = "hemibrain-mb:partitioned"


def _label(dataset: str, generic: str) -> str:
    return f"`{dataset}_{generic}`"


def signature(client: Client, dataset: str) -> dict:
    """Every property of the dataset's nodes and relationships, synapse level
    included, keyed by bodyId / name / synapseId (labels without the dataset)."""
    prefix = f"{dataset}_"
    seg, roi, syn, sset = (_label(dataset, g) for g in ("Segment", "ROI", "Synapse",
                                                         "SynapseSet"))

    def rows(cypher: str) -> list:
        return sorted(json.dumps(r["row"], sort_keys=True, default=str)
                      for r in client.read(cypher, {"p": prefix}))
    meta = client.read(f"MATCH (m:{_label(dataset, 'Meta')}) RETURN properties(m) AS p")[0]["p"]
    # the time of the load, the tag, and the fingerprint (of the recipe's
    # settings, the dataset name among them, and the input files)
    for volatile in ("lastDatabaseEdit", "tag", "fingerprint"):
        meta.pop(volatile)
    return {
        "labels": rows("MATCH (n) UNWIND labels(n) AS l WITH l WHERE l STARTS WITH $p "
                       "WITH substring(l, size($p)) AS generic, count(*) AS n "
                       "RETURN [generic, n] AS row"),
        "segments": rows(f"MATCH (n:{seg}) RETURN [[l IN labels(n) | replace(l, $p, '')], "
                         "properties(n)] AS row"),
        "rois": rows(f"MATCH (r:{roi}) RETURN properties(r) AS row"),
        "connections": rows(f"MATCH (a:{seg})-[c:ConnectsTo]->(b:{seg}) "
                            "RETURN [a.bodyId, b.bodyId, properties(c)] AS row"),
        "in_roi": rows(f"MATCH (a:{seg})-[c:InROI]->(r:{roi}) "
                       "RETURN [a.bodyId, r.name, properties(c)] AS row"),
        "synapses": rows(f"MATCH (s:{syn}) RETURN properties(s) AS row"),
        "synapses_to": rows(f"MATCH (a:{syn})-[:SynapsesTo]->(b:{syn}) "
                            "RETURN [a.synapseId, b.synapseId] AS row"),
        "synapse_sets": rows(
            f"MATCH (b:{seg})-[:Contains]->(s:{sset}) "
            f"OPTIONAL MATCH (s)-[:Contains]->(m:{syn}) "
            f"OPTIONAL MATCH (s)-[:ConnectsTo]->(t:{sset}) "
            "WITH b, s, t, collect(m.synapseId) AS members "
            "RETURN [b.bodyId, properties(s), t.bodyId, t.type, "
            "apoc.coll.sort(members)] AS row"),
        "meta": json.dumps(meta, sort_keys=True, default=str)}


@pytest.fixture(scope="module")
def partitioned(neo4j_connection, bundle_dir, loaded, tmp_path_factory):
    """The bundle loaded again with partitions of 3,000 rows; its summary and
    the spill folder's parent (empty again after the load)."""
    uri, auth = neo4j_connection
    spill = tmp_path_factory.mktemp("spill")
    with Client(uri, auth=auth, dataset=PARTITIONED, check_dataset=False) as writer:
        summary = load("hemibrain-mb", client=writer, dataset=PARTITIONED,
                       data_dir=str(bundle_dir), partition_rows=3000, spill_dir=str(spill),
                       progress=None)
    yield summary, spill
    with Client(uri, auth=auth, dataset=PARTITIONED, check_dataset=False) as writer:
        drop(PARTITIONED, client=writer)


def test_partitioned_load_writes_the_same_graph(client, loaded, partitioned):
    summary, _ = partitioned
    assert summary.counts == loaded.counts
    assert summary.warnings == loaded.warnings
    assert [c.describe() for c in summary.conflicts] == [c.describe() for c in loaded.conflicts]
    want, got = signature(client, REFERENCE), signature(client, PARTITIONED)
    assert len(got["synapses"]) == loaded.counts["Synapse nodes"] > 3000
    assert len(got["synapse_sets"]) == 2 * loaded.counts["ConnectsTo relationships between "
                                                         "SynapseSets"]
    for part in want:
        assert got[part] == want[part], part


def test_partitioned_load_removes_its_spill(partitioned):
    _, spill = partitioned
    assert list(spill.iterdir()) == []
