"""Client connection handling against the real server."""

from __future__ import annotations

import pandas as pd

from connectograph import Client, fetch_custom, fetch_meta, set_default_client
from connectograph.client import default_client


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
