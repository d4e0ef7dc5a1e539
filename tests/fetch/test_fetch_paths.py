"""fetch_shortest_paths / fetch_paths on the real bundle against networkx on the CSVs'
connection weights; the time limit on a dense throw-away dataset in the same server."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from connectograph import NC, Client, fetch_custom, fetch_paths, fetch_shortest_paths
from connectograph.errors import CriteriaError, QueryTimeoutError

from .sources import MBON14, NEURON, PN, SYNAPSE_KC, neurons, pair_weights

pytestmark = pytest.mark.neo4j


def graph(bundle, min_weight: int, allowed=None, ends=()) -> nx.DiGraph:
    w = pair_weights(bundle)
    w = w[w.weight >= min_weight]
    if allowed is not None:
        ok = set(allowed) | set(ends)
        w = w[w.bodyId_pre.isin(ok) & w.bodyId_post.isin(ok)]
    return nx.from_pandas_edgelist(w, "bodyId_pre", "bodyId_post", "weight",
                                   create_using=nx.DiGraph)


def _kc_free(paths: set[tuple]) -> set[tuple]:
    # paths through the KC with synapse-level data are left out (see sources.SYNAPSE_KC)
    return {p for p in paths if SYNAPSE_KC not in [b for b, _ in p]}


def as_paths(df: pd.DataFrame) -> set[tuple]:
    return _kc_free({tuple(zip(g.bodyId, g.weight)) for _, g in df.groupby("path")})


def nx_paths(g: nx.DiGraph, paths) -> set[tuple]:
    return _kc_free({tuple((b, 0 if i == 0 else g[p[i - 1]][b]["weight"])
                           for i, b in enumerate(p)) for p in paths})


def test_shortest_paths_any_body(client, bundle_dir):
    g = graph(bundle_dir, 5)
    expected = nx_paths(g, nx.all_shortest_paths(g, PN, MBON14[0]))
    assert len(expected) > 10
    got = fetch_shortest_paths(PN, MBON14[0], min_weight=5,
                               intermediate_criteria=NC(label="Segment"), client=client)
    assert list(got.columns) == ["path", "bodyId", "type", "weight"]
    assert got[["path", "bodyId", "weight"]].dtypes.eq("int64").all()
    assert as_paths(got) == expected
    types = neurons(bundle_dir)["type"]
    assert got.type.tolist() == [types.get(b) for b in got.bodyId]


def test_shortest_paths_intermediate_criteria(client, bundle_dir):
    is_neuron = set(fetch_custom(f"MATCH (n:{NEURON}) RETURN n.bodyId AS b", client=client)["b"])
    t = neurons(bundle_dir)["type"].dropna()
    kcab = set(t.index[t.str.fullmatch("KCab.*")]) & is_neuron
    g = graph(bundle_dir, 3, kcab, (PN, MBON14[0]))
    expected = nx_paths(g, nx.all_shortest_paths(g, PN, MBON14[0]))
    got = fetch_shortest_paths(PN, MBON14[0], min_weight=3,
                               intermediate_criteria=NC(type="KCab.*"), client=client)
    assert expected and as_paths(got) == expected
    # default criteria NC(status="Traced"): the bundle's KCs are untraced, so no path
    empty = fetch_shortest_paths(PN, MBON14[0], client=client)
    assert empty.empty and list(empty.columns) == ["path", "bodyId", "type", "weight"]


def test_paths_exact_and_max_length(client, bundle_dir):
    w = pair_weights(bundle_dir)
    w = w[w.weight >= 2][["bodyId_pre", "bodyId_post", "weight"]]
    first = w[w.bodyId_pre == PN]
    second = w[w.bodyId_post == MBON14[1]]
    two = first.merge(second, left_on="bodyId_post", right_on="bodyId_pre")
    expected2 = _kc_free({((PN, 0), (m, w1), (MBON14[1], w2))
                          for m, w1, w2 in zip(two.bodyId_post_x, two.weight_x, two.weight_y)})
    assert len(expected2) > 10
    got = fetch_paths(PN, MBON14[1], min_weight=2, intermediate_criteria=NC(label="Segment"),
                      path_length=2, client=client)
    assert as_paths(got) == expected2
    assert (got.path_length == 2).all()
    direct = first[first.bodyId_post == MBON14[1]]
    expected_max = expected2 | {((PN, 0), (MBON14[1], int(x))) for x in direct.weight}
    got = fetch_paths(PN, MBON14[1], min_weight=2, intermediate_criteria=NC(label="Segment"),
                      max_path_length=3, client=client)
    # the tables' graph has no longer paths; the synapse KC's KC-to-KC links are left out
    assert as_paths(got) == expected_max
    lengths = got.groupby("path").path_length.first()
    assert lengths.is_monotonic_increasing


def test_paths_argument_errors(client):
    with pytest.raises(CriteriaError, match="not in dataset"):
        fetch_shortest_paths(PN, 1, intermediate_criteria=NC(label="Segment"), client=client)
    with pytest.raises(CriteriaError, match="not both"):
        fetch_paths(PN, MBON14[0], path_length=2, max_path_length=3, client=client)
    with pytest.raises(CriteriaError):
        fetch_paths(PN, MBON14[0], path_length="2; MATCH (x) DETACH DELETE x", client=client)
    with pytest.raises(CriteriaError, match="inputRois"):
        fetch_paths(PN, MBON14[0], intermediate_criteria=NC(inputRois=["CA(R)"]), client=client)


# --- the time limit ------------------------------------------------------------------------

DENSE = "paths-timeout-test:v1"


@pytest.fixture(scope="module")
def dense_client(neo4j_connection, loaded):
    """A throw-away dataset in the same server: 8 layers of 14 bodies, each layer
    connected to the whole next one, so 14**6 (about 7.5 million) paths join the
    two ends. The real bundle's graph is a DAG two connections deep, where every
    path search finishes at once."""
    uri, auth = neo4j_connection
    name, tag = DENSE.split(":")
    with Client(uri, auth=auth, dataset=DENSE, check_dataset=False) as w:
        seg, neu = w.dataset.label("Segment"), w.dataset.label("Neuron")
        w.write(f"UNWIND range(0, 8 * 14 - 1) AS i CREATE (:Segment:Neuron:{seg}:{neu} "
                "{bodyId: i + 1, layer: i / 14, status: 'Traced'})")
        w.write(f"MATCH (a:{seg}), (b:{seg}) WHERE b.layer = a.layer + 1 "
                "CREATE (a)-[:ConnectsTo {weight: 5, roiInfo: '{}'}]->(b)")
        w.write(f"CREATE (:Meta:{w.dataset.label('Meta')} {{dataset: $n, tag: $t, "
                "loadComplete: true, roiInfo: '{}', primaryRois: [], "
                "neuronProperties: '{\"bodyId\": \"integer\"}'})", {"n": name, "t": tag})
    c = Client(uri, auth=auth, dataset=DENSE)
    try:
        yield c
    finally:
        c.close()
        with Client(uri, auth=auth, dataset=DENSE, check_dataset=False) as w:
            for label in ("Segment", "Meta"):
                w.write(f"MATCH (n:{w.dataset.label(label)}) DETACH DELETE n")


def test_paths_time_limit_raises(dense_client):
    # sanity: short searches in the dense dataset answer normally
    ok = fetch_shortest_paths(1, 14 + 1, client=dense_client, timeout=60)
    assert ok.bodyId.tolist() == [1, 15]
    with pytest.raises(QueryTimeoutError, match="longer than 0.01 s"):
        fetch_paths(1, 7 * 14 + 1, max_path_length=8, timeout=0.01, client=dense_client)
    with pytest.raises(QueryTimeoutError):
        fetch_shortest_paths(1, 7 * 14 + 1, timeout=0.01, client=dense_client)
