"""Client connection handling against the real server."""

from __future__ import annotations

import pandas as pd

from connectograph import Client, fetch_custom, fetch_meta, set_default_client
from connectograph.client import column_query, default_client


def test_routing_uri_scheme_works_against_a_single_server(neo4j_connection, loaded):
    uri, auth = neo4j_connection
    routed = uri.replace("bolt://", "neo4j://")
    with Client(routed, auth=auth, dataset="hemibrain-mb:v1.2.1") as c:
        assert c.uri.startswith("neo4j://")
        assert fetch_meta(client=c)["dataset"] == "hemibrain-mb"


def test_environment_variables_configure_the_connection(neo4j_connection, loaded, monkeypatch):
    uri, (user, password) = neo4j_connection
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_USERNAME", user)
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    with Client(dataset="hemibrain-mb:v1.2.1") as c:
        assert c.uri == uri


def test_default_client_and_parameters(client):
    set_default_client(client)
    try:
        assert default_client() is client
        df = fetch_custom(f"MATCH (n:{client.dataset.label('Neuron')}) WHERE n.bodyId = $b "
                          "RETURN n.type AS type", {"b": 300972942})
        assert df.equals(pd.DataFrame({"type": ["MBON14"]}))
        js = fetch_custom("RETURN $x AS x", {"x": "a'L(R)"}, format="json")
        assert js == {"columns": ["x"], "data": [["a'L(R)"]]}
    finally:
        set_default_client(None)


def test_column_query_collects_each_column_and_its_null_mask():
    q = column_query("MATCH (n) WITH n.a AS a, n.b AS `b c`", ["a", "b c"], not_null=["a"])
    assert q.endswith("RETURN collect(`a`) AS `v0`, collect(`b c`) AS `v1`, "
                      "collect(`b c` IS NULL) AS `n1`")


def test_read_columns_keeps_order_and_nulls(client):
    rows = [[3, "c", [1.5, 2.0]], [1, None, None], [2, "a'L(R)", []], [4, None, [7.0]]]
    df = client.read_columns(
        "UNWIND $rows AS r WITH r[0] AS id, r[1] AS name, r[2] AS xs ORDER BY id DESC",
        ["id", "name", "xs"], {"rows": rows}, not_null=["id"])
    assert df["id"].tolist() == [4, 3, 2, 1]
    assert [None if pd.isna(v) else v for v in df["name"]] == [None, "c", "a'L(R)", None]
    assert df["xs"].tolist() == [[7.0], [1.5, 2.0], [], None]
    empty = client.read_columns("UNWIND [] AS r WITH r AS id", ["id"])
    assert list(empty.columns) == ["id"] and empty.empty


def test_dataset_check_reads_the_meta_the_first_fetch_uses(neo4j_connection, loaded,
                                                           monkeypatch):
    """Creating a client checks the dataset by reading its Meta; the first fetch
    uses that read instead of querying again."""
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset="hemibrain-mb:v1.2.1") as c:
        stored = c.read(f"MATCH (m:{c.dataset.label('Meta')}) RETURN properties(m) AS m")[0]["m"]

        def no_query(*args, **kwargs):
            raise AssertionError("the Meta was read again")
        monkeypatch.setattr(c, "_run", no_query)
        meta = fetch_meta(client=c)
    assert meta["dataset"] == "hemibrain-mb" and meta["tag"] == "v1.2.1"
    assert meta["totalPreCount"] == stored["totalPreCount"]
    assert set(meta) == set(stored)
