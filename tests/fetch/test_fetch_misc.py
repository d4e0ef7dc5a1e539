"""fetch_datasets, fetch_custom_neurons, and the API contract of every fetch function
(client= keyword, Client as a context manager)."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

import connectograph
from connectograph import NC, Client, fetch_custom_neurons, fetch_datasets, fetch_neurons
from connectograph.errors import QueryResultError

from .sources import DATASET, NEURON, recipe, roi_json

pytestmark = pytest.mark.neo4j


def test_fetch_datasets(client, bundle_dir):
    import json
    datasets = fetch_datasets(client=client)
    assert DATASET in datasets
    d = datasets[DATASET]
    assert set(d) >= {"last-mod", "uuid", "ROIs", "superLevelROIs", "info", "hidden", "logo",
                      "description"}
    assert d["ROIs"] == sorted(roi_json(bundle_dir))
    hierarchy = json.loads((bundle_dir / recipe()["rois"]["hierarchy"]).read_text())
    assert d["superLevelROIs"] == [c["name"] for c in hierarchy["children"]]
    assert d["hidden"] is False and d["uuid"] == "latest"
    assert d["description"] == recipe()["dataset"]["description"]


def test_fetch_custom_neurons_matches_fetch_neurons(client):
    q = f"MATCH (n:{NEURON}) WHERE n.type = $t RETURN n ORDER BY n.bodyId"
    got_n, got_r = fetch_custom_neurons(q, {"t": "MBON14"}, client=client)
    exp_n, exp_r = fetch_neurons(NC(type="MBON14"), client=client)
    assert len(got_n) >= 2
    # fetch_neurons also lists the Meta's properties no MBON14 has (null), as
    # neuprint-python's does; its fetch_custom_neurons only those of the nodes
    only_listed = [c for c in exp_n.columns if c not in got_n.columns]
    assert only_listed and exp_n[only_listed].isna().all().all()
    pd.testing.assert_frame_equal(got_n, exp_n.drop(columns=only_listed))
    pd.testing.assert_frame_equal(got_r, exp_r)
    empty_n, empty_r = fetch_custom_neurons(f"MATCH (n:{NEURON}) WHERE n.type = $t RETURN n",
                                            {"t": "no such type"}, client=client)
    assert empty_n.empty and empty_r.empty
    with pytest.raises(QueryResultError, match="RETURN n"):
        fetch_custom_neurons(f"MATCH (m:{NEURON}) RETURN m LIMIT 1", client=client)
    with pytest.raises(QueryResultError, match="node"):
        fetch_custom_neurons(f"MATCH (n:{NEURON}) RETURN n.bodyId AS n LIMIT 1", client=client)


@pytest.mark.parametrize("query", [
    # the query's own order (by size, not bodyId) and LIMIT are kept
    f"MATCH (n:{NEURON}) WHERE n.type STARTS WITH 'MBON' RETURN n "
    "ORDER BY n.post DESC, n.bodyId LIMIT 7;",
    # several returned columns; a trailing comment and semicolon
    f"MATCH (n:{NEURON}) WHERE n.type = 'MBON14' RETURN n, n.pre AS pre ORDER BY n.bodyId "
    "// MBON14 only\n;",
    # maps of properties instead of nodes
    f"MATCH (n:{NEURON}) WHERE n.type = 'MBON14' WITH n ORDER BY n.bodyId "
    "RETURN properties(n) AS n",
    f"MATCH (n:{NEURON}) WHERE n.type = 'MBON14' RETURN n UNION "
    f"MATCH (n:{NEURON}) WHERE n.type = 'MBON01' RETURN n",
])
def test_fetch_custom_neurons_as_one_list_equals_nodes(client, query, monkeypatch):
    """fetch_custom_neurons runs the query as a subquery and fetches one list of
    property maps; the answer must be the one built from the nodes (or maps) the
    query returns."""
    from connectograph.fetch._dataset import dataset_info
    from connectograph.fetch.neurons import neuron_tables
    info = dataset_info(client)
    nodes = client.read_frame(query.rstrip(";\n").split("//")[0])["n"].tolist()
    assert len(nodes) >= 2
    exp_n, exp_r = neuron_tables(nodes, info.all_rois, info.primary_rois)

    def rows_path(*args, **kwargs):
        raise AssertionError("fell back to running the query as written")
    monkeypatch.setattr(client, "read_frame", rows_path)
    got_n, got_r = fetch_custom_neurons(query, client=client)
    pd.testing.assert_frame_equal(got_n, exp_n)
    pd.testing.assert_frame_equal(got_r, exp_r)


def test_every_fetch_function_takes_client_keyword():
    names = [n for n in connectograph.__all__ if n.startswith("fetch_")]
    assert len(names) >= 19
    for name in names:
        params = inspect.signature(getattr(connectograph, name)).parameters
        assert "client" in params, name
        assert params["client"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert params["client"].default is None, name


def test_client_is_a_context_manager(neo4j_connection, loaded):
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=DATASET) as c:
        assert DATASET in fetch_datasets(client=c)
    with pytest.raises(Exception):
        c.read("RETURN 1 AS x")            # the driver is closed on exit
