"""The flywire-mb783 recipe on the real FlyWire v783 files: 139,255 Codex
neurons with 18-digit root ids (above 2**53), transmitter predictions under
neuPrint's names, and the mushroom body's 25,080 connections.

Loaded once into the session's server beside the hemibrain bundle. Every
expected value is computed with pandas from the source files in
shared/datasets/flywire-mb783 (its README.md lists the facts checked here).
"""

from __future__ import annotations

import json


import numpy as np
import pandas as pd
import pytest

from connectograph import NC, IsNull, fetch_adjacencies, fetch_custom, fetch_neurons

from every_fetch import (LACKS_POINTS, LACKS_ROIS, LACKS_SKELETONS, LACKS_STATUS, Expected,
                         check_every_fetch)
from neuprint_service import neuprint_through_service
from other_datasets import another_dataset, assert_loading_again_changes_nothing
from shared_datasets import DATASETS

pytestmark = pytest.mark.neo4j

DATASET = "flywire-mb783:v783"
FOLDER = DATASETS / "flywire-mb783"
CODEX_NT = {"ACH": "acetylcholine", "GABA": "gaba", "GLUT": "glutamate", "DA": "dopamine",
            "SER": "serotonin", "OCT": "octopamine"}


@pytest.fixture(scope="module")
def source():
    ids = {"root_id": "int64"}
    return {
        "nodes": pd.read_csv(FOLDER / "mb_fafb783_nodes.csv", dtype=ids),
        "edges": pd.read_csv(FOLDER / "mb_fafb783_edges.csv",
                             dtype={"pre_root_id": "int64", "post_root_id": "int64"}),
        "codex": pd.read_csv(FOLDER / "codex" / "neurons.csv.gz", dtype=ids),
        "classes": pd.read_csv(FOLDER / "codex" / "classification.csv.gz", dtype=ids),
    }


@pytest.fixture(scope="module")
def flywire(neo4j_connection, loaded):
    with another_dataset(neo4j_connection, "flywire-mb783", DATASET) as (c, summary):
        yield c, summary


def test_counts_and_readme_facts(flywire, source):
    client, summary = flywire
    edges = source["edges"]
    assert summary.counts["Segment nodes"] == len(source["codex"]) == 139_255
    assert summary.counts["Neuron nodes"] == 139_255
    assert summary.counts["ConnectsTo relationships"] == len(edges) == 25_080
    total = fetch_custom(f"MATCH (:`{DATASET}_Neuron`)-[e:ConnectsTo]->() "
                         "RETURN sum(e.weight) AS w", client=client)["w"][0]
    assert total == edges["syn_count"].sum() == 319_706


def test_root_ids_come_back_exactly(flywire, source):
    client, _ = flywire
    ids = source["nodes"]["root_id"]
    assert ids.max() > 2**53          # not representable as a float64
    neurons, _ = fetch_neurons(NC(bodyId=ids.tolist()), client=client, omit_rois=True)
    assert neurons["bodyId"].dtype == np.int64
    assert sorted(neurons["bodyId"].tolist()) == sorted(ids.tolist())
    # the largest ids of the whole table, through raw Cypher
    top = fetch_custom(f"MATCH (n:`{DATASET}_Neuron`) RETURN n.bodyId AS id "
                       "ORDER BY id DESC LIMIT 20", client=client)
    assert top["id"].tolist() == sorted(source["codex"]["root_id"].tolist())[::-1][:20]
    # and as connection ends
    _, conn = fetch_adjacencies(NC(bodyId=int(ids.max())), None, client=client)
    expected = source["edges"].loc[source["edges"]["pre_root_id"] == ids.max()]
    assert sorted(conn["bodyId_post"].tolist()) == sorted(expected["post_root_id"].tolist())
    assert conn["bodyId_post"].dtype == np.int64


def test_root_ids_exact_through_the_service(flywire, source, neo4j_connection,
                                          tmp_path_factory):
    """Unmodified neuprint-python through `connectograph serve`: the subset's
    root ids (above 2**53) come back exactly from fetch_neurons,
    fetch_adjacencies and fetch_custom (JSON numbers, never floats)."""
    import neuprint

    ids = source["nodes"]["root_id"]
    top = int(ids.max())
    expected_post = sorted(source["edges"].loc[source["edges"]["pre_root_id"] == top,
                                               "post_root_id"].tolist())
    with neuprint_through_service(neo4j_connection, DATASET,
                                  tmp_path_factory.mktemp("flywire-service")) as np_client:
        neurons = neuprint.fetch_neurons(neuprint.NeuronCriteria(bodyId=ids.tolist()),
                                         client=np_client, omit_rois=True)
        if isinstance(neurons, tuple):      # (neuron_df, roi_counts_df) with ROIs
            neurons = neurons[0]
        _, conn = neuprint.fetch_adjacencies(neuprint.NeuronCriteria(bodyId=top), None,
                                             client=np_client)
        custom = np_client.fetch_custom(
            f"MATCH (n:Neuron) WHERE n.bodyId = {top} RETURN n.bodyId AS id")
    assert sorted(neurons["bodyId"].tolist()) == sorted(ids.tolist())
    assert sorted(conn["bodyId_post"].tolist()) == expected_post
    assert custom["id"].tolist() == [top]


def test_transmitters_under_neuprint_names(flywire, source):
    client, _ = flywire
    codex = source["codex"]
    counts = codex["nt_type"].value_counts()
    assert counts.to_dict() == {"ACH": 82_298, "GLUT": 19_605, "GABA": 16_017, "SER": 1_021,
                                "DA": 584, "OCT": 72}
    got = fetch_custom(f"MATCH (n:`{DATASET}_Neuron`) RETURN n.predictedNt AS nt, "
                       "count(*) AS n", client=client)
    got = {None if pd.isna(nt) else nt: n for nt, n in zip(got["nt"], got["n"])}
    assert got == {**{CODEX_NT[k]: v for k, v in counts.items()},
                   None: int(codex["nt_type"].isna().sum())}
    assert got[None] == 19_658
    sample = codex.sample(50, random_state=1)
    neurons, _ = fetch_neurons(NC(bodyId=sample["root_id"].tolist()), client=client,
                               omit_rois=True)
    neurons = neurons.set_index("bodyId").loc[sample["root_id"]]
    for ours, theirs in (("predictedNtProb", "nt_type_score"), ("ntGabaProb", "gaba_avg"),
                         ("ntAcetylcholineProb", "ach_avg"), ("ntDopamineProb", "da_avg")):
        assert neurons[ours].tolist() == sample[theirs].tolist(), ours
    assert [None if pd.isna(v) else v for v in neurons["predictedNt"]] == [
        CODEX_NT.get(v) if isinstance(v, str) else None for v in sample["nt_type"]]
    untyped, _ = fetch_neurons(NC(predictedNt=IsNull, super_class="optic"), client=client,
                               omit_rois=True)
    classes = source["classes"].set_index("root_id")["super_class"]
    expected = codex.loc[codex["nt_type"].isna(), "root_id"]
    assert len(untyped) == int((classes.loc[expected] == "optic").sum())


def test_kcab_to_mbon_synapses(flywire, source):
    client, _ = flywire
    nodes, edges = source["nodes"], source["edges"]
    kinds = nodes.set_index("root_id")
    expected = edges.loc[(edges["pre_root_id"].map(kinds["cell_type"]) == "KCab")
                         & (edges["post_root_id"].map(kinds["group"]) == "MBON"), "syn_count"]
    assert expected.sum() == 29_888
    _, conn = fetch_adjacencies(NC(type="KCab"), NC(mbGroup="MBON"), client=client)
    assert conn["weight"].sum() == 29_888
    assert len(conn) == len(expected)
    assert set(conn["roi"]) == {"NotPrimary"}


def _operators(plan) -> set[str]:
    """Every operator of a profiled plan (neo4j driver's ProfiledPlan dict)."""
    ops = {plan["operatorType"].split("@")[0]}
    for child in plan.get("children", []):
        ops |= _operators(child)
    return ops


@pytest.mark.parametrize("prop, value", [("predictedNt", "gaba"), ("super_class", "optic")])
def test_recipe_declared_indexes_serve_equality_filters(flywire, source, neo4j_connection,
                                                        prop, value):
    import neo4j

    uri, auth = neo4j_connection
    column = {"predictedNt": "nt_type", "super_class": "super_class"}[prop]
    table = source["codex"] if prop == "predictedNt" else source["classes"]
    expected = int((table[column] == {"gaba": "GABA"}.get(value, value)).sum())
    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver, driver.session() as session:
        result = session.run(f"PROFILE MATCH (n:`{DATASET}_Neuron`) WHERE n.{prop} = $v "
                             "RETURN count(n) AS n", v=value)
        count = result.single()["n"]
        plan = result.consume().profile
    assert count == expected
    assert "NodeIndexSeek" in _operators(plan)


def test_signed_weights_and_matrix_by_transmitter(flywire, source):
    """KC -> MBON weights signed by the KCs' Codex transmitter (ACh +1, GABA
    and glutamate -1, others unsigned), and the matrix grouped by transmitter,
    against pandas on the edge list and Codex's table."""
    from connectograph import connection_table_to_matrix, signed_connections

    client, _ = flywire
    nodes, edges, codex = source["nodes"], source["edges"], source["codex"]
    group = dict(zip(nodes["root_id"], nodes["group"]))
    mbon = dict(zip(nodes["root_id"], nodes["cell_type"]))
    e = edges[(edges["pre_root_id"].map(group) == "KC") & (edges["post_root_id"].map(group) == "MBON")]
    nt = e["pre_root_id"].map(dict(zip(codex["root_id"], codex["nt_type"])))
    sign = nt.map({"ACH": 1.0, "GABA": -1.0, "GLUT": -1.0})
    expected = (e.assign(signed=e["syn_count"] * sign, type=e["post_root_id"].map(mbon))
                .groupby("type")["signed"].sum(min_count=1))

    neurons, conn = fetch_adjacencies(NC(mbGroup="KC"), NC(mbGroup="MBON"),
                                      properties=["type", "predictedNt"], client=client)
    conn = conn.groupby(["bodyId_pre", "bodyId_post"], as_index=False)["weight"].sum()
    signed = signed_connections(conn, neurons)
    types = dict(zip(neurons["bodyId"], neurons["type"]))
    got = signed.assign(type=signed["bodyId_post"].map(types)).groupby("type")[
        "signed_weight"].sum(min_count=1)
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)

    by_nt = connection_table_to_matrix(signed.assign(type_post=signed["bodyId_post"].map(types)),
                                       ("predictedNt_pre", "type_post"))
    want = (e.assign(nt=nt.map(CODEX_NT), type=e["post_root_id"].map(mbon))
            .pivot_table(index="nt", columns="type", values="syn_count", aggfunc="sum",
                         fill_value=0))
    assert by_nt.to_numpy().tolist() == want.loc[by_nt.index, by_nt.columns].to_numpy().tolist()
    assert set(by_nt.index) == set(want.index)


def test_meta_keeps_the_source_column_names(flywire):
    client, _ = flywire
    sources = json.loads(fetch_custom(f"MATCH (m:`{DATASET}_Meta`) RETURN m.sourceColumns AS s",
                                      client=client)["s"][0])
    assert sources["predictedNt"] == ["codex/neurons.csv.gz: nt_type"]
    assert sources["ntGabaProb"] == ["codex/neurons.csv.gz: gaba_avg"]
    assert sources["type"] == ["mb_fafb783_nodes.csv: cell_type",
                               "codex/classification.csv.gz: cell_type"]
    assert "bodyId" in sources and "mbGroup" in sources


def test_every_fetch_answers_or_says_what_the_dataset_lacks(flywire, source):
    """The root id with the most output synapses in the mushroom-body edges."""
    client, _ = flywire
    edges = source["edges"]
    body = int(edges.groupby("pre_root_id")["syn_count"].sum().idxmax())
    mine = edges[edges["pre_root_id"] == body]
    check_every_fetch(client, Expected(
        body, mine.groupby("post_root_id")["syn_count"].sum(),
        {**LACKS_ROIS, **LACKS_POINTS, **LACKS_SKELETONS, **LACKS_STATUS},
        cell_type=source["nodes"].set_index("root_id").loc[body, "cell_type"]))


def test_browser_guide_takes_root_ids_exactly(flywire, source):
    """The guide's first query with a root id set as Browser's `:param body => ...`
    sets it (the server evaluates the right side as Cypher): the neuron comes back."""
    from connectograph.browser import starter_queries

    client, _ = flywire
    guide = starter_queries(DATASET)[0]
    assert ":param body => " in guide.text      # the server-evaluated form
    root = int(source["edges"]["pre_root_id"].max())
    assert root > 2**53
    # what Browser does with `:param body => <root id>;`
    body = client.read(f"RETURN {root} AS body")[0]["body"]
    rows = client.read(guide.cypher, {"body": body})
    assert rows and {r["n"]["bodyId"] for r in rows} == {root}


def test_loading_again_changes_nothing(flywire):
    client, _ = flywire
    assert_loading_again_changes_nothing(client, "flywire-mb783")
