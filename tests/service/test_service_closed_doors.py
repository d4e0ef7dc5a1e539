r"""The service's query check judges what Neo4j runs: the bypasses of the
closed-doors report, each sent to the real service with a second dataset
loaded beside the bundle and a marker file on disk that must never come back.

Every query here was answered 200 before (Neo4j reads ``\uXXXX`` escapes across
the whole text, so ``// \u000a`` ended a comment and ``\u0027`` a string for
Neo4j but not for the old lexer; ``'' + '...'`` hid a runTimeboxed query;
unlabelled patterns read every dataset). Now each is refused with a 400 that
names what was wrong, or confined to the request's dataset.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest

from small_recipes import write_recipe

pytestmark = pytest.mark.neo4j

DATASET = "hemibrain-mb:v1.2.1"
OTHER = "other:v1"
MARKER = "closed-doors-marker-7f3a9c"


@pytest.fixture(scope="module")
def other(neo4j_connection, loaded, bundle_dir, tmp_path_factory):
    """A second real dataset beside the bundle (the APL table and the KC→APL
    connections), dropped after the module."""
    from connectograph import Client
    from connectograph.loading import drop, load
    folder = tmp_path_factory.mktemp("other")
    recipe = write_recipe(folder, "other", "v1", bundle_dir,
                          neurons=["neuprint-exports/perc_APL_df.csv"],
                          roi_connections=["neuprint-exports/perc_conn_KCAPL_df.csv"])
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=OTHER, check_dataset=False) as c:
        load(str(recipe), client=c, progress=None)
        yield c
        drop(OTHER, client=c)


@pytest.fixture(scope="module")
def marker_files(neo4j_connection):
    """The marker in every folder LOAD CSV could read on the test instance."""
    from connectograph.neo4j_server.settings import InstanceSettings
    import os
    root = InstanceSettings(name=os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test")).root
    paths = [root / "import" / "marker.csv", root / "no-file-import" / "marker.csv"]
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"{MARKER}\n")
    yield paths
    for p in paths:
        p.unlink(missing_ok=True)


def post(http, service, cypher: str, dataset: str = DATASET):
    return http.post(service.url + "/api/custom/custom",
                     json={"cypher": cypher, "dataset": dataset})


BYPASSES = [
    # a refused procedure behind a \u000a that ends the comment for Neo4j
    (r"RETURN 'x' AS one // \u000a UNION ALL CALL dbms.listConfig('server.directories.import') "
     r"YIELD value RETURN value AS one", "dbms.listConfig"),
    # a file read the same way
    (r"RETURN 'x' AS one // \u000a UNION ALL LOAD CSV FROM 'file:///marker.csv' AS r "
     r"RETURN r[0] AS one", "LOAD"),
    # a string closed by \u0027 around another dataset's label
    (r"RETURN '\u0027 AS one UNION ALL MATCH (m:`other:v1_Neuron`) RETURN m.bodyId AS one //' "
     r"AS one", "another dataset"),
    # a backticked label closed by \u0060
    (r"MATCH (m:`Neuron\u0060|\u0060other:v1_Segment`) RETURN m.bodyId AS one", "another dataset"),
    # dots written as escapes in a function that runs Cypher
    (r"RETURN apoc\u002ecypher\u002erunFirstColumnSingle('MATCH (m:`other:v1_Segment`) "
     r"RETURN collect(m.bodyId)', {}) AS one", "apoc.cypher.runFirstColumnSingle"),
    # the same function with backticked parts
    ("RETURN `apoc`.`cypher`.`runFirstColumnSingle`('MATCH (m) RETURN count(m)', {}) AS one",
     "apoc.cypher.runFirstColumnSingle"),
    # a runTimeboxed query built by concatenation
    ("CALL apoc.cypher.runTimeboxed('' + 'MATCH (m:`other:v1_Segment`) RETURN m.bodyId AS b', "
     "{}, 5000) YIELD value RETURN value.b AS one", "one string literal"),
    # a malformed escape Neo4j would refuse too
    (r"RETURN 1 AS \uZZZZ", "four hexadecimal digits"),
]


@pytest.mark.parametrize("cypher,fragment", BYPASSES)
def test_escape_and_nesting_bypasses_are_refused(http, service, other, marker_files,
                                                 cypher, fragment):
    r = post(http, service, cypher)
    assert r.status_code == 400, r.text
    assert fragment in r.json()["error"]
    assert MARKER not in r.text and "no-file-import" not in r.text


def test_the_server_reads_no_file_and_loads_no_cypher_runner(other, marker_files):
    """The instance itself (neo4j.conf): file URLs off, apoc.cypher.* but
    runTimeboxed and apoc.load.* not loaded, even for the admin user."""
    for cypher in ["LOAD CSV FROM 'file:///marker.csv' AS r RETURN r",
                   "RETURN apoc.cypher.runFirstColumnSingle('RETURN 1', {}) AS x",
                   "CALL apoc.load.json('file:///marker.csv') YIELD value RETURN value"]:
        with pytest.raises(Exception) as err:
            other.read(cypher)
        assert MARKER not in str(err.value)


def test_runtimeboxed_timeout_is_capped_to_the_service_limit(limited, token, other):
    """An inner timeout of 600,000 ms on a service with a 1 s limit: the
    answer comes within seconds and no transaction runs on afterwards."""
    import requests
    query = ("CALL apoc.cypher.runTimeboxed('UNWIND range(1, 10000000000) AS x "
             "RETURN sum(x) AS s', {}, 600000) YIELD value RETURN value.s AS s")
    started = time.monotonic()
    r = requests.post(limited.url + "/api/custom/custom", verify=str(limited.certfile),
                      headers={"Authorization": f"Bearer {token}"},
                      json={"cypher": query, "dataset": DATASET})
    took = time.monotonic() - started
    assert took < 20, took
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:            # APOC stops the inner query and returns no row
        assert r.json()["data"] == []
    deadline = time.monotonic() + 10
    while True:
        running = other.read("SHOW TRANSACTIONS YIELD currentQuery "
                             "WHERE currentQuery CONTAINS $q AND NOT currentQuery "
                             "STARTS WITH 'SHOW' RETURN collect(currentQuery) AS n",
                             {"q": "range(1, 10000000000)"})[0]["n"]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert running == []


@pytest.fixture(scope="module")
def limited(neo4j_connection, loaded, token_store, certificate):
    """A service with a 1 s limit per query."""
    from connectograph import neo4j_server
    from connectograph.service import BackgroundServer, Limits, ServiceConfig
    uri, auth = neo4j_connection
    config = ServiceConfig(uri=uri, auth=auth, tokens=token_store,
                           limits=Limits(timeout=1.0, max_rows=50))
    cert, key = certificate
    with BackgroundServer(config, port=neo4j_server.free_port(), certfile=cert,
                          keyfile=key) as srv:
        yield srv


# --- item 3: patterns without a label stay in the request's dataset ------------------------

def dataset_counts(admin, prefix: str) -> dict:
    """Nodes, ConnectsTo relationships and APL neurons of one dataset, counted
    by its labels with the admin client (not through the service)."""
    seg = f"`{prefix}_Segment`"
    ours = "any(l IN labels(n) WHERE l STARTS WITH $p)"
    return {
        "nodes": admin.read(f"MATCH (n) WHERE {ours} RETURN count(n) AS n",
                            {"p": prefix + "_"})[0]["n"],
        # between Segments and between SynapseSets
        "connects": admin.read(f"MATCH (n)-[r:ConnectsTo]->() WHERE {ours} RETURN count(r) AS n",
                               {"p": prefix + "_"})[0]["n"],
        "apl": admin.read(f"MATCH (n:{seg}) WHERE n.type = 'APL' RETURN count(n) AS n")[0]["n"],
    }


def test_unlabelled_patterns_see_only_the_requested_dataset(http, service, other, bundle_dir):
    ours, theirs = dataset_counts(other, DATASET), dataset_counts(other, OTHER)
    # both datasets hold the APL neuron (pandas on the tables each recipe reads)
    apl = pd.read_csv(bundle_dir / "neuprint-exports" / "perc_APL_df.csv")
    assert ours["apl"] == theirs["apl"] == int((apl["type"] == "APL").sum()) == 1
    answers = {
        "nodes": "MATCH (n) RETURN count(n) AS one",
        "connects": "MATCH ()-[r:ConnectsTo]->() RETURN count(r) AS one",
        "apl": "MATCH (n) WHERE n.type = 'APL' RETURN count(n) AS one",
    }
    for key, cypher in answers.items():
        r = post(http, service, cypher)
        assert r.status_code == 200, r.text
        assert r.json()["data"] == [[ours[key]]], key
        r = post(http, service, cypher, OTHER)
        assert r.status_code == 200, r.text
        assert r.json()["data"] == [[theirs[key]]], key
    r = post(http, service, "MATCH (n) UNWIND labels(n) AS l RETURN DISTINCT l AS one")
    labels = {row[0] for row in r.json()["data"]}
    assert labels and not any(lbl.startswith("other:") for lbl in labels)


def test_nodes_by_id_of_another_dataset_are_not_reached(http, service, other):
    row = other.read("MATCH (n:`other:v1_Segment`) RETURN id(n) AS i, elementId(n) AS e LIMIT 1")
    i, e = row[0]["i"], row[0]["e"]
    for cypher in [f"MATCH (n) WHERE id(n) = {i} RETURN n.bodyId AS one",
                   f"MATCH (n) WHERE elementId(n) = '{e}' RETURN n.bodyId AS one"]:
        r = post(http, service, cypher)
        assert r.status_code == 200, r.text
        assert r.json()["data"] == []


def test_the_plan_check_refuses_what_the_rewriter_would_miss(service, other):
    """The plan check alone (Neo4j's EXPLAIN of a text the rewriter never
    saw): an all-node scan, another dataset's label, an unconfined
    relationship scan, LOAD CSV, a procedure and a function outside the lists."""
    from connectograph.errors import CypherRewriteError, WriteQueryRefusedError
    from connectograph.service.plan_check import check_plan
    backend = service.server.config.app.state.backend
    refused = {
        "MATCH (n) RETURN n": (CypherRewriteError, "every node"),
        "MATCH (n:`other:v1_Neuron`) RETURN n": (CypherRewriteError, "other:v1_Neuron"),
        "MATCH (n:Neuron) RETURN n": (CypherRewriteError, "Neuron"),
        "MATCH ()-[r:ConnectsTo]->() RETURN r": (CypherRewriteError, "relationships"),
        "MATCH (n) WHERE id(n) = 1 RETURN n": (CypherRewriteError, "by id"),
        "LOAD CSV FROM 'https://example.org/x.csv' AS r RETURN r": (WriteQueryRefusedError,
                                                                     "LOAD CSV"),
        "CALL dbms.listConfig() YIELD value RETURN value": (WriteQueryRefusedError,
                                                             "dbms.listConfig"),
        # counts nodes by label in the whole database
        "RETURN apoc.meta.nodes.count(['other:v1_Segment']) AS y":
            (WriteQueryRefusedError, "apoc.meta.nodes.count"),
    }
    for cypher, (cls, fragment) in refused.items():
        with pytest.raises(cls, match=fragment.replace(".", r"\.").replace("(", r"\(")):
            check_plan(backend.explain(cypher), DATASET)
    seg = f"`{DATASET}_Segment`"
    for cypher in [f"MATCH (n:{seg})-[r:ConnectsTo]->(m) RETURN count(r)",
                   f"MATCH (n:{seg}) WHERE id(n) = 1 RETURN n",
                   f"MATCH (n:{seg}) RETURN apoc.convert.fromJsonMap(n.roiInfo) AS r"]:
        check_plan(backend.explain(cypher), DATASET)


# --- item 7: a client's error is a 4xx, never a 500 -----------------------------------------

def test_in_transactions_is_a_400(http, service):
    r = post(http, service, "UNWIND [1] AS x CALL { WITH x RETURN x AS y } IN TRANSACTIONS "
                            "RETURN y")
    assert r.status_code == 400 and "IN TRANSACTIONS" in r.json()["error"]


def test_body_id_beyond_int64_is_a_400(http, service):
    r = http.get(service.url + f"/api/skeletons/skeleton/{DATASET}/99999999999999999999999")
    assert r.status_code == 400 and "out of range" in r.json()["error"]


@pytest.mark.parametrize("body", [
    '{"cypher": "RETURN \'\\ud800\' AS x", "dataset": "hemibrain-mb:v1.2.1"}',
    '{"cypher": "RETURN 1 AS x", "dataset": "\\ud800"}',
    '{"cypher": "RETURN 1 AS x", "dataset": "hemibrain-mb:v1.2.1", "\\udfff": 1}',
])
def test_lone_surrogates_in_json_are_a_400(http, service, body):
    r = http.post(service.url + "/api/custom/custom", data=body.encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "surrogate" in r.json()["error"]


def test_deeply_nested_json_is_a_400(http, service):
    body = '{"cypher": "RETURN 1", "dataset": "hemibrain-mb:v1.2.1", "x": ' + \
        "[" * 100_000 + "]" * 100_000 + "}"
    r = http.post(service.url + "/api/custom/custom", data=body.encode(),
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "nested" in r.json()["error"]


def test_dataset_labels_cover_every_node_of_the_bundle(other):
    """:data:`DATASET_NODE_LABELS` (what unlabelled patterns get) covers every
    node the bundle's load wrote: no node of the dataset lacks all of them."""
    from connectograph.identifiers import DATASET_NODE_LABELS
    any_label = "|".join(f"`{DATASET}_{g}`" for g in DATASET_NODE_LABELS)
    total = other.read("MATCH (n) WHERE any(l IN labels(n) WHERE l STARTS WITH $p) "
                       "RETURN count(n) AS n", {"p": DATASET + "_"})[0]["n"]
    covered = other.read(f"MATCH (n:{any_label}) RETURN count(n) AS n")[0]["n"]
    assert total == covered > 0
